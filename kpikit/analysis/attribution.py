"""Why a KPI moved: its drivers (log-mean Divisia) and its segments (mix and rate).

:func:`lmdi` splits a goal's change over the drivers of its tree exactly;
:func:`mix_rate` splits a ratio's change across channels or campaigns into the
shift of volume (mix) and the change of each one's rate. :func:`attribute` does
both for one KPI of an evaluation: against last year, and against the target.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from kpikit.analysis.pacing import last_year_day, sum_terms
from kpikit.catalog import KPI, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.metrics.engines import compute
from kpikit.plans import TREES, KPITree, Plan, cascade, tree_baselines

__all__ = ["DRIVER_TREES", "attribute", "lmdi", "mix_rate"]

#: trees that explain a KPI's change by its drivers (business-goal trees and ratio chains)
DRIVER_TREES: dict[str, KPITree] = {
    **{goal: trees[0] for goal, trees in TREES.items()},
    "roas": KPITree("roas", (("ctr", 1), ("cvr", 1), ("value_per_conversion", 1), ("cpm", -1)),
                    1000.0),
    "cpa": KPITree("cpa", (("cpc", 1), ("cvr", -1))),
    "cpl": KPITree("cpl", (("cpc", 1), ("lead_rate", -1))),
    "cpc": KPITree("cpc", (("cpm", 1), ("ctr", -1)), 0.001),
    "cost_per_order": KPITree("cost_per_order", (("cpc", 1), ("cvr", -1))),
}


def lmdi(tree: KPITree, before: Mapping[str, float], after: Mapping[str, float]) -> pd.DataFrame:
    """Split ``goal(after) - goal(before)`` over the tree's drivers (log-mean Divisia).

    The effects add up exactly to the change of the goal. Every value must be
    positive.
    """
    g0 = tree.constant * math.prod(before[d] ** e for d, e in tree.drivers)
    g1 = tree.constant * math.prod(after[d] ** e for d, e in tree.drivers)
    bad = [d for d, _ in tree.drivers if not (before[d] > 0 and after[d] > 0)]
    if bad:
        names = ", ".join(bad)
        raise ParameterError(tr("cannot attribute: {names} is zero or missing.", names=names),
                             code=ProblemCode.VALUE_ZERO_BASE)
    weight = (g1 - g0) / (math.log(g1) - math.log(g0)) if g1 != g0 else g1
    rows = [{"driver": d, "before": before[d], "after": after[d],
             "change": after[d] / before[d] - 1,
             "effect": weight * e * math.log(after[d] / before[d])} for d, e in tree.drivers]
    out = pd.DataFrame(rows)
    out.attrs.update(goal=tree.goal, before=g0, after=g1)
    return out


def mix_rate(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Split the change of a ratio across segments into mix and rate effects.

    ``before`` and ``after`` have columns ``segment``, ``num``, ``den``. With
    weights ``w = den / total den`` and rates ``r = num / den``, the change of
    the overall ratio is ``sum(mix + rate)`` exactly, where
    ``rate = mean(w) * (r1 - r0)`` and ``mix = (w1 - w0) * mean(r)``. A segment
    present on one side only takes its one rate as the mean and has no rate effect.
    """
    a = before.groupby("segment")[["num", "den"]].sum()
    b = after.groupby("segment")[["num", "den"]].sum()
    segs = a.index.union(b.index)
    a, b = a.reindex(segs, fill_value=0.0), b.reindex(segs, fill_value=0.0)
    w0, w1 = a["den"] / a["den"].sum(), b["den"] / b["den"].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = (a["num"] / a["den"]).where(a["den"] > 0)
        r1 = (b["num"] / b["den"]).where(b["den"] > 0)
    r0f, r1f = r0.fillna(r1), r1.fillna(r0)
    rate = ((w0 + w1) / 2 * (r1f - r0f)).fillna(0.0)
    mix = ((w1 - w0) * (r0f + r1f) / 2).fillna(0.0)
    out = pd.DataFrame({"segment": segs, "weight_before": w0.to_numpy(),
                        "weight_after": w1.to_numpy(), "rate_before": r0.to_numpy(),
                        "rate_after": r1.to_numpy(), "mix": mix.to_numpy(),
                        "rate": rate.to_numpy()})
    out["total"] = out["mix"] + out["rate"]
    return out.sort_values("total", key=np.abs, ascending=False).reset_index(drop=True)


def window_value(data: pd.DataFrame, k: KPI, start: date, end: date) -> float:
    """The KPI over ``start..end`` (missing when empty or unmeasurable)."""
    w = data[(data["date"] >= pd.Timestamp(start)) & (data["date"] <= pd.Timestamp(end))]
    if w.empty or any(m not in w for m in k.measures):
        return math.nan
    with warnings.catch_warnings():  # a partial window warns; the caller judges the value
        warnings.simplefilter("ignore")
        return float(compute(w, [k.name], by=None)[k.name].iloc[0])


def tree_values(data: pd.DataFrame, tree: KPITree, start: date, end: date) -> dict[str, float]:
    """The tree's goal and drivers over ``start..end``."""
    w = data[(data["date"] >= pd.Timestamp(start)) & (data["date"] <= pd.Timestamp(end))]
    return tree_baselines(tree, w)


def rescaled(table: pd.DataFrame, before: float, after: float) -> pd.DataFrame:
    """Carry an attribution made on the tree's rows over to the whole scope.

    The tree needs rows with every driver's measures (email has no impressions);
    when the whole scope moved the same way by a similar amount, the effects are
    scaled to add up to the whole change, else they stay on the tree's rows.
    """
    tree_change = table.attrs["after"] - table.attrs["before"]
    full_change = after - before
    table.attrs["coverage_note"] = ""
    if not (before == before and after == after):
        return table
    if tree_change and full_change and 0.5 <= full_change / tree_change <= 2:
        out = table.copy()
        out["effect"] = out["effect"] * full_change / tree_change
        out.attrs.update(table.attrs, before=before, after=after, scaled=True)
        return out
    table.attrs["coverage_note"] = "over rows that have every driver's measures"
    return table


def segment_parts(data: pd.DataFrame, k: KPI, start: date, end: date, by: str) -> pd.DataFrame:
    """Numerator and denominator of each row in ``start..end``, labelled by its ``by`` segment."""
    w = data[(data["date"] >= pd.Timestamp(start)) & (data["date"] <= pd.Timestamp(end))]
    w = w.dropna(subset=list(k.measures))
    parts = pd.DataFrame({"segment": w[by].astype(str),
                          "num": sum_terms(w, k.numerator),
                          "den": sum_terms(w, k.denominator) if k.is_ratio else 1.0})
    return parts


def attribute(k: KPI, plan: Plan, scoped: pd.DataFrame, s: date, upto: date,
                 total: dict, offset: pd.Timedelta | None) -> tuple[dict, pd.DataFrame | None]:
    """Driver attribution (change vs last year, gap vs target) and the segment split."""
    out: dict[str, pd.DataFrame] = {}
    ly_s, ly_e = last_year_day(s, offset), last_year_day(upto, offset)
    tree = DRIVER_TREES.get(k.name)
    actual = total["actual"]
    if tree is not None and all(m in scoped for m in tree.measures):
        now = tree_values(scoped, tree, s, upto)
        before = tree_values(scoped, tree, ly_s, ly_e)
        try:
            ly_value = window_value(scoped, k, ly_s, ly_e)
            out["change"] = rescaled(lmdi(tree, before, now), ly_value, actual)
        except (ParameterError, KeyError, ValueError):
            pass
        # a total to date is compared with what was expected by now, a ratio with its target
        reference = total["expected"] if not k.is_ratio else total["target"]
        if reference == reference and reference > 0 and all(
                before.get(d, 0) > 0 for d, _ in tree.drivers):
            try:
                # driver targets: the gap to the goal shared over the drivers from last year
                plan_targets = {}
                for _, other in plan.targets():
                    if other.kpi in dict(tree.drivers) and not other.target.is_relative:
                        plan_targets[other.kpi] = float(other.target.value)
                # hold the tree's rows to the same relative target as the whole scope
                tree_reference = reference * now[tree.goal] / actual if actual else reference
                c = cascade(tree, tree_reference, before,
                            fixed={d: v for d, v in plan_targets.items()
                                   if get_kpi(d).is_ratio})
                target_drivers = dict(zip(c.drivers["kpi"], c.drivers["target"], strict=True))
                out["gap"] = rescaled(lmdi(tree, target_drivers, now), reference, actual)
            except (ParameterError, KeyError, ValueError, ZeroDivisionError):
                pass
    segment_by = "channel" if scoped["channel"].nunique() > 1 else (
        "campaign" if scoped["campaign"].nunique() > 1 else None)
    seg = None
    if segment_by and k.is_ratio and not any("@" in t for t in k.terms):
        before = segment_parts(scoped, k, ly_s, ly_e, segment_by)
        after = segment_parts(scoped, k, s, upto, segment_by)
        if before["den"].sum() > 0 and after["den"].sum() > 0:
            seg = mix_rate(before, after)
            seg[["mix", "rate", "total"]] *= k.scale
            seg.attrs["by"] = segment_by
    elif segment_by and not k.is_ratio and not any("@" in t for t in k.terms):
        before = segment_parts(scoped, k, ly_s, ly_e, segment_by).groupby("segment")["num"].sum()
        after = segment_parts(scoped, k, s, upto, segment_by).groupby("segment")["num"].sum()
        idx = before.index.union(after.index)
        seg = pd.DataFrame({"segment": idx, "before": before.reindex(idx, fill_value=0).values,
                            "after": after.reindex(idx, fill_value=0).values})
        seg["total"] = (seg["after"] - seg["before"]) * k.scale
        seg = seg.sort_values("total", key=np.abs, ascending=False).reset_index(drop=True)
        seg.attrs["by"] = segment_by
    return out, seg
