"""``python -m kpikit.runs.batch run|warm ...``: a batch's run process or warm parent."""

import sys

from kpikit.runs.batch.processes import main

main(sys.argv[1:])
