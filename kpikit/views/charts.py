"""Plotly figures: pure functions, data in and ``go.Figure`` out.

The charts live in rooms by the step they serve, all sharing one house style:
:mod:`~kpikit.views.plan_charts` (feasibility, KPI tree),
:mod:`~kpikit.views.evaluation_charts` (scorecard, pacing, waterfall, trend),
:mod:`~kpikit.views.optimization_charts` (response curves, allocation, what-if, horizons)
and :mod:`~kpikit.views.chart_style` (template, colours, axes). This module gathers them so
that ``from kpikit.views import charts`` offers every chart.

Importing this module loads plotly; ``import kpikit`` does not.
"""

from __future__ import annotations

from kpikit.views.chart_style import COLORS, short_label, style
from kpikit.views.evaluation_charts import (
    STATUS_COLORS,
    pacing_chart,
    scorecard_chart,
    trend_chart,
    waterfall_chart,
)
from kpikit.views.optimization_charts import (
    allocation_chart,
    horizon_chart,
    response_curves_chart,
    what_if_chart,
)
from kpikit.views.plan_charts import feasibility_chart, kpi_tree_chart

__all__ = ["COLORS", "STATUS_COLORS", "allocation_chart", "feasibility_chart", "horizon_chart",
           "kpi_tree_chart", "pacing_chart", "response_curves_chart", "scorecard_chart",
           "short_label", "style", "trend_chart", "waterfall_chart", "what_if_chart"]
