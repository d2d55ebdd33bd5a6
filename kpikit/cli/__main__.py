"""``python -m kpikit.cli``: the ``kpikit`` command."""

import sys

from . import main

sys.exit(main())
