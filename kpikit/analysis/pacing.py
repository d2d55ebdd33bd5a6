"""Pacing: what share of a period's target each day should bring.

A KPI's numerator and denominator are summed per day (:func:`daily_parts`); the
expected share of each day comes from a straight line, last year's shape
(aligned on a flight's first day so that Tết lines up) or a spend plan
(:func:`day_weights`), and a target's schedule holds each window to its own
value (:func:`scheduled_weights`, :func:`ratio_target`).
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from kpikit.catalog import KPI
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.plans import KPITarget, Plan

__all__ = [
    "daily_parts",
    "day_weights",
    "last_year_day",
    "last_year_offset",
    "parts_memo",
    "plan_total",
    "plan_window",
    "ratio_target",
    "scheduled_weights",
    "sum_terms",
    "tidy",
    "value_of",
]


def value_of(num: float, den: float, k: KPI) -> float:
    """The KPI's value from its summed numerator and denominator (missing on a zero base)."""
    if not k.is_ratio:
        return k.scale * num
    return k.scale * num / den if den else math.nan


def sum_terms(df: pd.DataFrame, terms: tuple[tuple[str, float], ...]) -> pd.Series:
    """Row by row, the weighted sum of a KPI's numerator or denominator terms."""
    out = pd.Series(0.0, index=df.index)
    for t, c in terms:
        out = out + c * df[t].fillna(0.0)
    return out


# Within one call of evaluate() or pacing_series(), each (table, KPI) pair is grouped
# by day once; later windows are slices of it. The memo lives only for that call, so a
# table changed in place between two calls is always read afresh.
_PARTS_MEMO: ContextVar[dict[tuple[int, str], tuple[weakref.ref, pd.DataFrame]] | None] = (
    ContextVar("kpikit_daily_parts", default=None))

_F = TypeVar("_F", bound=Callable[..., Any])


def parts_memo(fn: _F) -> _F:
    """Run ``fn`` with a daily-parts memo (nested calls share the outer one)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _PARTS_MEMO.get() is not None:
            return fn(*args, **kwargs)
        token = _PARTS_MEMO.set({})
        try:
            return fn(*args, **kwargs)
        finally:
            _PARTS_MEMO.reset(token)

    return wrapper  # type: ignore[return-value]


def _per_day(rows: pd.DataFrame, k: KPI) -> pd.DataFrame:
    """Numerator and denominator of ``k`` summed per date (dates with rows only)."""
    cols = list(k.measures)
    rows = rows.dropna(subset=cols, how="all")
    if k.is_ratio:
        rows = rows.dropna(subset=cols)  # a ratio counts rows that have all its measures
    g = rows.assign(num=sum_terms(rows, k.numerator),
                    den=sum_terms(rows, k.denominator) if k.is_ratio else 1.0)
    return g.groupby("date")[["num", "den"]].sum()


def daily_parts(data: pd.DataFrame, k: KPI, start: date, end: date) -> pd.DataFrame:
    """Numerator and denominator of ``k`` per day (0 on days without rows)."""
    days = pd.date_range(start, end, freq="D")
    if any("@" in t for t in k.terms):
        raise ParameterError(tr("{name} is a snapshot KPI; it has no daily parts.", name=k.name),
                             code=ProblemCode.KPI_UNSUPPORTED)
    memo = _PARTS_MEMO.get()
    if memo is None:
        per_day = _per_day(data[(data["date"] >= days[0]) & (data["date"] <= days[-1])], k)
    else:
        key = (id(data), k.name)
        hit = memo.get(key)
        if hit is None or hit[0]() is not data:
            hit = (weakref.ref(data), _per_day(data, k))
            memo[key] = hit
        per_day = hit[1]
    per_day = per_day.reindex(days, fill_value=0.0)
    if not k.is_ratio:
        per_day["den"] = 1.0
    per_day.index.name = "date"
    return per_day


def last_year_offset(data: pd.DataFrame, k: KPI, start: date, end: date) -> pd.Timedelta | None:
    """How far back "last year" is for this scope: a calendar year (None), or, for a
    flighted campaign that starts inside the period, the distance between this
    flight's first day and last year's, so that a moving holiday (Tết) lines up."""
    this = daily_parts(data, k, start, end)
    active_now = this.index[(this["num"] != 0) | ((this["den"] != 0) & k.is_ratio)]
    if active_now.empty or active_now[0] <= pd.Timestamp(start):
        return None
    ly_lo = pd.Timestamp(start) - pd.DateOffset(years=1) - pd.Timedelta(days=45)
    ly_hi = pd.Timestamp(end) - pd.DateOffset(years=1) + pd.Timedelta(days=45)
    ly = daily_parts(data, k, ly_lo.date(), ly_hi.date())
    active_ly = ly.index[(ly["num"] != 0) | ((ly["den"] != 0) & k.is_ratio)]
    if active_ly.empty:
        return None
    return active_now[0] - active_ly[0]


def last_year_day(d: date, offset: pd.Timedelta | None) -> date:
    """The day a year before ``d`` (``offset`` back for a flight aligned on its first day)."""
    stamp = pd.Timestamp(d)
    return (stamp - (offset if offset is not None else pd.DateOffset(years=1))).date()


def day_weights(data: pd.DataFrame, k: KPI, start: date, end: date, pacing: str,
             spend_plan: pd.Series | None, smoothing: int = 7) -> tuple[pd.DataFrame, str]:
    """Expected share of the period's numerator and denominator on each day."""
    days = pd.date_range(start, end, freq="D")
    n = len(days)
    flat = pd.DataFrame({"num": np.full(n, 1 / n), "den": np.full(n, 1 / n)}, index=days)
    if pacing == "linear":
        return flat, "linear"
    if pacing == "spend":
        if spend_plan is None:
            raise ParameterError(tr("pacing='spend' needs spend_plan: planned spend per day."),
                                 code=ProblemCode.PARAMETER_MISSING)
        s = spend_plan.reindex(days, fill_value=0.0).astype(float)
        if s.sum() <= 0:
            raise ParameterError(tr("the spend plan has no spend in the period."),
                                 code=ProblemCode.VALUE_ZERO_BASE)
        return pd.DataFrame({"num": s / s.sum(), "den": s / s.sum()}, index=days), "spend plan"
    if pacing != "seasonal":
        raise ParameterError(tr("pacing={pacing!r}: choose from linear, seasonal, spend.",
                                pacing=pacing),
                             code=ProblemCode.PARAMETER_CHOICE)
    # last year's shape (aligned on a flight's first day), smoothed over a week
    offset = last_year_offset(data, k, start, end)
    ly_days = pd.DatetimeIndex([pd.Timestamp(last_year_day(d.date(), offset)) for d in days])
    ly = daily_parts(data, k, ly_days.min().date(), ly_days.max().date())
    if (ly["num"] == 0).all():
        return flat, "linear (no data a year earlier)"
    shape = ly.reindex(ly_days, fill_value=0.0)
    shape.index = days
    shape = shape.rolling(max(1, smoothing), center=True, min_periods=1).mean()
    out = pd.DataFrame(index=days)
    for part in ("num", "den"):
        total = shape[part].sum()
        out[part] = shape[part] / total if total > 0 else 1 / n
    return out, "seasonal (last year's shape)"


def tidy(x: float) -> float:
    """A share of a target without float noise (3000 x 7/30 is 700, not 700.0000000000001)."""
    return float(f"{x:.12g}") if x == x and math.isfinite(x) else x


def plan_window(plan: Plan, kt: KPITarget, start: date, end: date) -> tuple[date, date]:
    """The window the KPI's target covers: the plan period when ``start..end`` lies in it."""
    p0, p1 = plan.period_of(kt)
    if (start, end) == (p0, p1):
        return p0, p1
    if p0 <= start and end <= p1:
        return p0, p1
    if kt.period is not None and (start, end) == plan.period:
        return start, end  # the whole plan, a KPI with its own dates: judged as before
    raise ParameterError(tr("the period {start}..{end} is not inside the plan period {p0}..{p1} "
                            "of {kpi}, so its target has no share there. Fix: choose a period "
                            "inside the plan period, or evaluate against a plan for that period.",
                            start=start, end=end, p0=p0, p1=p1,
                            kpi=kt.kpi), code=ProblemCode.PERIOD_OUTSIDE_PLAN)


def scheduled_weights(weights: pd.DataFrame, kt: KPITarget, k: KPI, total_target: float,
                      whole: float | None = None) -> pd.DataFrame:
    """Pacing shares of a total with a schedule: each window holds its own target.

    Inside a window the days keep the pacing shape; days outside every window share what
    the windows leave of the target. A ratio's schedule sets its level instead
    (:func:`ratio_target`), so its weights stay as they are.
    """
    total = whole if whole is not None else total_target
    if not kt.schedule or k.is_ratio or not (total == total) or total <= 0:
        return weights
    base = weights["num"]
    out = weights.copy()
    inside = pd.Series(False, index=weights.index)
    left = total
    for a, b, v in kt.schedule:
        m = (weights.index >= pd.Timestamp(a)) & (weights.index <= pd.Timestamp(b))
        if not m.any():
            continue
        share = float(base[m].sum())
        out.loc[m, "num"] = (base[m] / share if share > 0 else 1 / m.sum()) * v / total
        inside |= m
        left -= v
    rest = ~inside
    if rest.any():
        share = float(base[rest].sum())
        out.loc[rest, "num"] = (base[rest] / share if share > 0 else 1 / rest.sum()) * max(
            left, 0.0) / total
    return out


def plan_total(kt: KPITarget) -> float | None:
    """The whole-plan target of a total (the evaluation's may be a window's share)."""
    if kt.target.is_relative:
        return None
    return float(kt.target.value)  # type: ignore[arg-type]


def ratio_target(kt: KPITarget, s: date, e: date, default: float,
                  den_weights: pd.Series) -> float:
    """A ratio's target over ``s..e``: the schedule's levels, weighted by expected volume."""
    if not kt.schedule:
        return default
    days = den_weights.index
    level = pd.Series(default, index=days, dtype=float)
    for a, b, v in kt.schedule:
        level[(days >= pd.Timestamp(a)) & (days <= pd.Timestamp(b))] = v
    w = den_weights.clip(lower=0)
    if float(w.sum()) <= 0:
        return tidy(float(level.mean()))
    return tidy(float((level * w).sum() / w.sum()))
