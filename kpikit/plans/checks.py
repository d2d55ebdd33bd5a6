"""``plan check``: every target resolved and placed in history, the data checked, and the
targets checked against each other and the business goal's KPI tree."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from kpikit.catalog import KPIS, get_kpi
from kpikit.errors import ParameterError
from kpikit.i18n.lang import language, nfmt, tr
from kpikit.metrics.periods import spread_periods
from kpikit.plans.availability import availability
from kpikit.plans.baselines import method_text, resolve_target, target_baseline
from kpikit.plans.feasibility import feasibility
from kpikit.plans.plan import Plan
from kpikit.plans.scope import scope_data
from kpikit.plans.targets import UNASSIGNED, KPITarget
from kpikit.plans.trees import Cascade, cascade, choose_tree, tree_baselines

__all__ = ["PlanCheck", "check_plan", "identity_checks"]


def identity_checks(targets: dict[str, float], tolerance: float) -> list[str]:
    """Ratio targets against the level targets they are made of, and ROI against ROAS."""
    found = []
    for name, t in targets.items():
        k = get_kpi(name)
        if not k.is_ratio or len(k.numerator) != 1 or len(k.denominator) != 1:
            continue
        num, den = k.numerator[0][0], k.denominator[0][0]
        if num in targets and den in targets and targets[den] > 0 and num in KPIS and \
                den in KPIS and not get_kpi(num).is_ratio and not get_kpi(den).is_ratio:
            implied = k.scale * targets[num] / targets[den]
            if abs(implied / t - 1) > tolerance:
                found.append(tr("{name} target {t} contradicts {num} {targets} and {den} {v3}, "
                                "which imply {name} = {implied}.", name=name, t=nfmt(t, ',.6g'),
                                num=num, targets=nfmt(targets[num], ',.6g'), den=den,
                                v3=nfmt(targets[den], ',.6g'), implied=nfmt(implied, ',.6g')))
    chains = [("cpa", "cpc", "cvr", lambda a, b: a / b),  # cpa = cpc / cvr
              ("cpm", "cpc", "ctr", lambda a, b: 1000 * a * b),  # cpm = 1000 cpc ctr
              ("cpl", "cpc", "lead_rate", lambda a, b: a / b)]
    for out, a, b, f in chains:
        if {out, a, b} <= set(targets) and targets[b] > 0:
            implied = f(targets[a], targets[b])
            if abs(implied / targets[out] - 1) > tolerance:
                found.append(tr("{out} target {targets} contradicts {a} {v2} and {b} {v3}, which "
                                "imply {out} = {implied}.", out=out,
                                targets=nfmt(targets[out], ',.6g'), a=a,
                                v2=nfmt(targets[a], ',.6g'), b=b, v3=nfmt(targets[b], ',.6g'),
                                implied=nfmt(implied, ',.6g')))
    if "roas" in targets and "roi" in targets and abs(targets["roas"] - 1 - targets["roi"]) > \
            tolerance * max(1.0, abs(targets["roi"])):
        roas, roi = targets["roas"], targets["roi"]
        found.append(tr("roas {roas} and roi {roi} disagree (roi = roas - 1 = {v3}).",
                        roas=nfmt(roas, 'g'), roi=nfmt(roi, 'g'), v3=nfmt(roas - 1, 'g')))
    return found


@dataclass(frozen=True)
class PlanCheck:
    """Everything ``kpikit plan check`` reports about a plan and its data."""

    targets: pd.DataFrame
    availability: pd.DataFrame
    cascade: Cascade | None
    contradictions: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every KPI is measurable and nothing contradicts."""
        return not self.contradictions and not (
            self.availability["status"].isin(["unmeasurable", "no data"]).any())


def _words(names: Iterable[str], short: bool = True) -> str:
    """KPIs as the reader names them: in English the codes a plan file uses (``roas``), in
    other languages the catalog's labels (a Vietnamese reader does not write codes)."""
    if language() == "en":
        return ", ".join(names)
    return ", ".join(get_kpi(n).short_label() if short else get_kpi(n).label() for n in names)


def check_plan(plan: Plan, data: pd.DataFrame, *, tolerance: float = 0.01) -> PlanCheck:
    """Resolve every target, place it in history, check the data and the KPI tree."""
    rows = []
    warn: list[str] = []
    avail = availability(data, plan)
    for obj, k in plan.targets():
        c, ch = plan.scope_of(k)
        value, how = resolve_target(plan, k, data)
        kpi = get_kpi(k.kpi)
        base = target_baseline(plan, k, data)
        try:
            f = feasibility(data, k.kpi, value, cadence=k.cadence, period=plan.period_of(k),
                            campaigns=c, channels=ch) if value == value else None
        except ParameterError:
            f = None
        if value == value and base.value == base.value and base.value and (
                (value < base.value) if kpi.higher_is_better else (value > base.value)):
            better = tr("higher") if kpi.higher_is_better else tr("lower")
            where = f"{base.start}..{base.end}"
            target, ref, method = nfmt(value, ",.6g"), nfmt(base.value, ",.6g"), \
                method_text(base.method)
            warn.append(tr("{kpi}: the target {target} is worse than the baseline {ref} ({method} "
                           "{where}; {better} is better).", kpi=k.kpi, target=target, ref=ref,
                           method=method, where=where, better=better))
        rows.append({
            "objective": obj.type, "kpi": k.kpi, "direction": kpi.direction,
            "horizon": k.horizon, "owner": k.owner, "cadence": k.cadence, "weight": k.weight,
            "target_text": str(k.target), "target": value, "baseline": base.value,
            "baseline_method": base.method,
            "baseline_trailing": (k.target.trailing if k.target.is_relative
                                  and base.method == "trailing" else None),
            "baseline_start": base.start,
            "baseline_end": base.end, "baseline_note": base.note,
            "change_vs_baseline": value / base.value - 1 if base.value else math.nan,
            "percentile": f.percentile if f else math.nan,
            "feasibility": f.label if f else "unknown", "how": how,
        })
    table = pd.DataFrame(rows)
    unowned = [r["kpi"] for r in rows if r["owner"] == UNASSIGNED]
    if unowned:
        names = _words(unowned)
        warn.append(tr("no owner named for {names} (step 6: every KPI needs someone accountable). "
                       "Fix: set owner for each KPI in the plan.", names=names))
    horizons = set(table["horizon"]) if len(table) else set()
    if horizons == {"short"}:
        some, last = _words(("new_customers", "repeat_purchase_rate")), _words(("follower_growth",))
        warn.append(tr("every KPI is short-term (step 8): add a long-term one such as {some} or "
                       "{last}.", some=some, last=last))
    targets = {r["kpi"]: r["target"] for r in rows if r["target"] == r["target"]}
    contradictions = identity_checks(targets, tolerance)
    casc = None
    if plan.business_goal is not None:
        goal = plan.business_goal
        tree = choose_tree(goal.kpi, scope_data(data, plan.campaigns, plan.channels))
        goal_k = KPITarget(goal.kpi, goal.target, campaigns=plan.campaigns,
                           channels=plan.channels)
        goal_value, _ = resolve_target(plan, goal_k, data)
        goal_base = target_baseline(plan, goal_k, data)
        scoped = scope_data(spread_periods(data), plan.campaigns, plan.channels,
                            goal_base.start, goal_base.end)
        bases = tree_baselines(tree, scoped)
        # the tree covers the rows that have all its measures (email revenue has no
        # impressions): it carries the goal's change, and its share is reported
        coverage = bases[tree.goal] / goal_base.value if goal_base.value else math.nan
        need = goal_value / goal_base.value if goal_base.value else math.nan
        plan_base = {r["kpi"]: r["baseline"] for r in rows}
        fixed = {d: bases[d] * targets[d] / plan_base[d] for d, _ in tree.drivers
                 if d in targets and plan_base.get(d)}
        casc = cascade(tree, bases[tree.goal] * need, bases, fixed=fixed, tolerance=tolerance)
        casc = replace(casc, coverage=coverage)
        if coverage == coverage and coverage < 0.999:
            share, said = nfmt(coverage, ".1%"), _words((goal.kpi,), short=False)
            formula = tree.formula()
            warn.append(tr("the KPI tree {formula} covers {share} of {said} (rows without all its "
                           "measures sit outside it); its driver targets carry the goal's change "
                           "for that part.", formula=formula, share=share, said=said))
        contradictions += list(casc.contradictions)
        if goal.kpi in targets and abs(targets[goal.kpi] / goal_value - 1) > tolerance:
            planned, wanted = nfmt(targets[goal.kpi], ",.6g"), nfmt(goal_value, ",.6g")
            contradictions.append(tr("the plan's {kpi} KPI target {planned} differs from the "
                                     "business goal {wanted}.", kpi=goal.kpi, planned=planned,
                                     wanted=wanted))
    return PlanCheck(table, avail, casc, tuple(contradictions), tuple(warn))
