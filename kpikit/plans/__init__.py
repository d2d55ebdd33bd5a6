"""Plans: what a campaign aims for (steps 1-6 and 8 of KPI work), as frozen values.

Rooms, one job each (layer: above metrics and data_in, below analysis):

- :mod:`~kpikit.plans.plan`: the :class:`Plan` value, its YAML form, :func:`load_plan`;
- :mod:`~kpikit.plans.targets`: targets, KPI targets, objectives, the business goal;
- :mod:`~kpikit.plans.numbers`: how a plan writes numbers (``1.234,5`` or ``1,234.5``);
- :mod:`~kpikit.plans.reading`: YAML in, every problem with its place out;
- :mod:`~kpikit.plans.field_reading`: the plain YAML fields (texts, days, numbers) of a plan;
- :mod:`~kpikit.plans.schedules`: targets that vary by date;
- :mod:`~kpikit.plans.recommend`: KPIs that fit an objective (step 2);
- :mod:`~kpikit.plans.scope`: a KPI's rows, value and flights;
- :mod:`~kpikit.plans.baselines`: what a target is set against;
- :mod:`~kpikit.plans.availability`: can the data measure each KPI (step 3);
- :mod:`~kpikit.plans.feasibility`: where a target sits in its history;
- :mod:`~kpikit.plans.trees`: KPI trees and the goal cascade (step 4);
- :mod:`~kpikit.plans.checks`: ``plan check``;
- :mod:`~kpikit.plans.suggest`: ``plan suggest``.

Importing this package loads pandas (through the compute core) but never plotly.
"""

from __future__ import annotations

from kpikit.plans.availability import availability
from kpikit.plans.baselines import Baseline, baseline, method_text, resolve_target, target_baseline
from kpikit.plans.checks import PlanCheck, check_plan
from kpikit.plans.feasibility import (
    CADENCE_FREQ,
    Feasibility,
    direction_percentile,
    feasibility,
    feasibility_word,
    kpi_history,
    label_for,
)
from kpikit.plans.numbers import NUMBER_FORMATS, TargetError, number_style
from kpikit.plans.plan import Plan, load_plan
from kpikit.plans.reading import PlanError
from kpikit.plans.recommend import Recommendation, objective_word, recommend_kpis
from kpikit.plans.scope import flights, is_flighted, kpi_value, scope_data
from kpikit.plans.suggest import next_period, next_quarter, suggest_plan
from kpikit.plans.targets import (
    BASELINES,
    BOUNDED_RATES,
    CADENCES,
    GOALS,
    UNASSIGNED,
    BusinessGoal,
    KPITarget,
    Objective,
    Target,
    parse_period,
    parse_target,
)
from kpikit.plans.trees import TREES, Cascade, KPITree, cascade, choose_tree, tree_baselines

__all__ = [
    "BASELINES",
    "BOUNDED_RATES",
    "CADENCES",
    "CADENCE_FREQ",
    "GOALS",
    "NUMBER_FORMATS",
    "TREES",
    "UNASSIGNED",
    "Baseline",
    "BusinessGoal",
    "Cascade",
    "Feasibility",
    "KPITarget",
    "KPITree",
    "Objective",
    "Plan",
    "PlanCheck",
    "PlanError",
    "Recommendation",
    "Target",
    "TargetError",
    "availability",
    "baseline",
    "cascade",
    "check_plan",
    "choose_tree",
    "direction_percentile",
    "feasibility",
    "feasibility_word",
    "flights",
    "is_flighted",
    "kpi_history",
    "kpi_value",
    "label_for",
    "load_plan",
    "method_text",
    "next_period",
    "next_quarter",
    "number_style",
    "objective_word",
    "parse_period",
    "parse_target",
    "recommend_kpis",
    "resolve_target",
    "scope_data",
    "suggest_plan",
    "target_baseline",
    "tree_baselines",
]
