"""ipywidgets views. They hold no logic: callbacks read widget values, call the
same pure functions the notebooks call, and show the result.

The widgets live beside this module: :mod:`~kpikit.views.plan_builder` (the plan
builder), :mod:`~kpikit.views.explorers` (evaluation explorer, what-if sliders) and
:mod:`~kpikit.views.widget_helpers` (readouts, plotting into an Output, static mode).
This module gathers them.

Importing this module loads ipywidgets; ``import kpikit`` does not.
"""

from __future__ import annotations

from kpikit.views.explorers import EvaluationExplorer, WhatIf
from kpikit.views.plan_builder import GOAL_LABELS, PlanBuilder, slider_range
from kpikit.views.widget_helpers import plot_into, with_readout

__all__ = ["GOAL_LABELS", "EvaluationExplorer", "PlanBuilder", "WhatIf", "plot_into",
           "slider_range", "with_readout"]
