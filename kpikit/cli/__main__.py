"""``python -m kpikit.cli``: the ``kpikit`` command."""

import sys

from kpikit.cli import main

sys.exit(main())
