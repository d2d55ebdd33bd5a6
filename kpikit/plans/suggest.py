"""``plan suggest``: a starting plan whose targets agree with each other by construction."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from kpikit.catalog import KPIS, MEASURES, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.metrics.periods import spread_periods
from kpikit.plans.baselines import target_baseline
from kpikit.plans.plan import Plan
from kpikit.plans.recommend import Recommendation, check_objective, objective_word, recommend_kpis
from kpikit.plans.scope import scope_data, shift_year
from kpikit.plans.targets import UNASSIGNED, BusinessGoal, KPITarget, Objective, Target
from kpikit.plans.trees import TREES, choose_tree

__all__ = ["next_period", "next_quarter", "suggest_plan"]


_GOAL_FOR = {"sales": "revenue", "leads": "leads", "awareness": "impressions",
             "engagement": "engagements", "traffic": "sessions", "retention": "revenue"}


def next_quarter(day: date) -> tuple[date, date]:
    """The calendar quarter after the one holding ``day``."""
    p = pd.Timestamp(day).to_period("Q") + 1
    return p.start_time.date(), p.end_time.date()


def next_period(scoped: pd.DataFrame, last_day: date) -> tuple[date, date]:
    """The period a new plan should cover: the quarter after the data, or, for a
    campaign that runs in flights (active less than 60% of its last year), its last
    flight one year later."""
    if scoped.empty:
        return next_quarter(last_day)
    days = pd.DatetimeIndex(scoped["date"].unique()).sort_values()
    year = days[days > days[-1] - pd.Timedelta(days=365)]
    if len(year) >= 0.6 * 365:
        return next_quarter(last_day)
    gaps = np.flatnonzero(np.diff(year) > pd.Timedelta(days=7))
    start = year[gaps[-1] + 1] if len(gaps) else year[0]
    flight = (start.date(), year[-1].date())
    return (shift_year(flight[0], 1), shift_year(flight[1], 1))


def suggest_plan(
    data: pd.DataFrame,
    objective: str,
    *,
    campaign: str | None = None,
    period: tuple[date, date] | None = None,
    lang: str | None = None,
    n_kpis: int = 5,
    name: str | None = None,
) -> Plan:
    """A starting plan: the top measurable KPIs, modest targets against last year.

    Short-term KPIs get a weekly or monthly cadence, long-term ones
    quarterly; at least one long-term KPI is included when the data can
    measure one (step 8). Owners are left ``unassigned`` for a person to name.
    """
    lang = resolve_lang(lang)
    with using_language(lang):  # the reasons and the title are written in the plan's language
        return _suggest(data, objective, campaign, period, lang, n_kpis, name)


def _suggest(data: pd.DataFrame, objective: str, campaign: str | None,
             period: tuple[date, date] | None, lang: str, n_kpis: int,
             name: str | None) -> Plan:
    check_objective(objective)
    campaigns = (campaign,) if campaign else ()
    raw_scope = scope_data(data, campaigns)  # reach is measurable on period rows themselves
    data = spread_periods(data)
    scoped = scope_data(data, campaigns)
    if period is None:
        period = next_period(scoped, data["date"].max().date())
    measurable = [r for r in recommend_kpis(objective, raw_scope, lang=lang) if r.measurable]
    if not measurable:
        raise ParameterError(tr("the data cannot measure any KPI of the {objective!r} objective. "
                                "Fix: load data with its measures (see kpikit kpis --objective "
                                "{objective}).", objective=objective),
                             code=ProblemCode.DATA_CANNOT_MEASURE)
    chosen = measurable[:n_kpis]
    if not any(get_kpi(r.kpi).horizon == "long" for r in chosen):
        longs = [r for r in measurable if get_kpi(r.kpi).horizon == "long"]
        if not longs:
            # step 8: a long-term KPI the data measures, even from another objective
            lead = tr("A long-term signal beside the short-term ones.")
            longs = [Recommendation(k.name, 0, "long", f"{lead} {k.description()}", True)
                for k in KPIS.values() if k.horizon == "long"
                and all(m in scoped and scoped[m].notna().any()
                        and MEASURES[m].aggregation != "non-additive" for m in k.measures)]
        if longs:
            chosen = chosen[: n_kpis - 1] + [longs[0]]
    has_last_year = not scope_data(scoped, (), (), shift_year(period[0]),
                                   shift_year(period[1])).empty
    base = "last year" if has_last_year else "trailing 3"
    kpis = []
    for r in chosen:
        k = get_kpi(r.kpi)
        step = 0.10 if not k.is_ratio else 0.05
        change = step if k.higher_is_better else -step
        if k.name == "spend":
            change = 0.0
        cadence = "quarterly" if k.horizon == "long" else ("weekly" if k.is_ratio
                                                            else "monthly")
        kpis.append(KPITarget(k.name, Target(change=change,
                                             baseline="last_year" if has_last_year
                                             else "trailing"),
                              owner=UNASSIGNED, cadence=cadence, horizon=k.horizon,
                              note=r.reason))
    goal_kpi = _GOAL_FOR[objective]
    goal = None
    if goal_kpi in TREES and all(m in scoped and scoped[m].notna().any()
                                 for m in get_kpi(goal_kpi).measures):
        goal = BusinessGoal(goal_kpi, Target(change=0.10, baseline="last_year"
                                             if has_last_year else "trailing"),
                            f"{goal_kpi} +10% vs {base}")
    title = name or f"{campaign or 'All campaigns'}: {objective_word(objective)} {period[0]:%Y-%m}"
    plan = Plan(name=title, period=period, objectives=(Objective(objective, tuple(kpis)),),
                currency=data.attrs.get("currency"), language=lang, campaigns=campaigns,
                business_goal=goal)
    return _consistent(plan, data)


#: identities between plan KPIs: (dependent, drivers, how the drivers give it)
_DERIVED: tuple[tuple[str, tuple[str, ...], object], ...] = (
    ("cpa", ("cpc", "cvr"), lambda a, b: a / b),
    ("cpm", ("cpc", "ctr"), lambda a, b: 1000 * a * b),
    ("cpl", ("cpc", "lead_rate"), lambda a, b: a / b),
    ("roi", ("roas",), lambda a: a - 1),
)


def _consistent(plan: Plan, data: pd.DataFrame) -> Plan:
    """Derive each dependent target from its drivers so that the targets agree.

    A ratio whose numerator and denominator are both planned (ROAS with revenue
    and spend), the chains CPA = CPC / CVR, CPM = 1000 CPC x CTR and CPL =
    CPC / lead rate, and ROI = ROAS - 1 are resolved against the same baselines
    ``plan check`` uses, and their relative change is set to match. The business
    goal follows its tree when every driver is planned.
    """
    obj = plan.objectives[0]
    kpis = list(obj.kpis)
    pos = {k.kpi: i for i, k in enumerate(kpis)}
    base = {k.kpi: target_baseline(plan, k, data).value for k in kpis}
    value = {k.kpi: base[k.kpi] * (1 + float(k.target.change)) for k in kpis}
    derived: set[str] = set()
    for _ in range(2):  # a derived driver may feed another identity
        for name in list(pos):
            r = get_kpi(name)
            if r.is_ratio and len(r.numerator) == 1 and len(r.denominator) == 1:
                num, den = r.numerator[0][0], r.denominator[0][0]
                if num in value and den in value and name not in (num, den) and value[den]:
                    value[name] = r.scale * value[num] / value[den]
                    derived.add(name)
        for name, drivers, f in _DERIVED:
            if name in pos and all(d in value for d in drivers):
                value[name] = f(*(value[d] for d in drivers))  # type: ignore[operator]
                derived.add(name)
    for name in derived:
        b, v = base[name], value[name]
        if b == b and b and v == v:
            k = kpis[pos[name]]
            kpis[pos[name]] = replace(k, target=replace(k.target, change=round(v / b - 1, 6)))
    goal = plan.business_goal
    if goal is not None and goal.kpi not in pos:
        tree = choose_tree(goal.kpi, scope_data(data, plan.campaigns, plan.channels))
        changes = {k.kpi: float(k.target.change) for k in kpis}
        if all(d in changes for d, _ in tree.drivers):
            need = math.prod((1 + changes[d]) ** e for d, e in tree.drivers) - 1
            goal = replace(goal, target=replace(goal.target, change=round(need, 6)))
    elif goal is not None:
        goal = replace(goal, target=kpis[pos[goal.kpi]].target)
    return replace(plan, objectives=(replace(obj, kpis=tuple(kpis)),), business_goal=goal)
