"""Actual against target: pacing, projection, status, significance and why a KPI moved.

:func:`evaluate` judges every KPI of a plan, for every period of its cadence
and for the whole evaluation period, as of a date. Ratio KPIs are paced on
their numerator and denominator separately, then divided; the status comes
from the projection to the end of the period, never from actuals to date
alone, and is withheld while the period is too young to judge.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ._lang import resolve_lang, tr
from .catalog import KPI, MEASURES, get_kpi
from .errors import ParameterError, ProblemCode
from .goals import (
    CADENCE_FREQ,
    TREES,
    KPITree,
    cascade,
    resolve_target,
    scope_data,
)
from .plan import BOUNDED_RATES, KPITarget, Plan, parse_period

__all__ = [
    "DRIVER_TREES",
    "STATUSES",
    "Evaluation",
    "accountability",
    "anomalies",
    "daily_kpi",
    "daily_parts",
    "evaluate",
    "last_year_offset",
    "pacing_series",
    "lmdi",
    "mix_rate",
    "trend",
    "two_proportion_test",
    "wilson_interval",
]

STATUSES = ("on track", "at risk", "off track", "achieved", "missed", "too early", "no data")
STATUS_TEXT = {
    "on track": ("on track", "đúng tiến độ"), "at risk": ("at risk", "có rủi ro"),
    "off track": ("off track", "chệch hướng"), "achieved": ("achieved", "đã đạt"),
    "missed": ("missed", "không đạt"), "too early": ("too early to judge", "còn quá sớm"),
    "no data": ("no data", "không có dữ liệu"),
}
#: rates whose numerator counts a subset of the denominator's units: binomial statistics
BINOMIAL = BOUNDED_RATES | {"cvr", "session_cvr", "lead_rate"}

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

# ------------------------------------------------------------------ statistics


def wilson_interval(successes: float, trials: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default)."""
    if trials <= 0:
        return (math.nan, math.nan)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (centre - half, centre + half)


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def two_proportion_test(x1: float, n1: float, x0: float, n0: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    if min(n1, n0) <= 0:
        return math.nan
    pooled = (x1 + x0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se == 0:
        return 1.0 if x1 / n1 == x0 / n0 else 0.0
    return 2 * _norm_sf(abs(x1 / n1 - x0 / n0) / se)


def _ratio_var(num: np.ndarray, den: np.ndarray) -> float:
    """Variance of sum(num)/sum(den) with days as units (linearisation)."""
    n = len(num)
    total = den.sum()
    if n < 2 or total <= 0:
        return math.nan
    r = num.sum() / total
    resid = num - r * den
    return float((resid ** 2).sum() / total ** 2 * n / (n - 1))


def _compare(k: KPI, now: pd.DataFrame, before: pd.DataFrame) -> tuple[float, float, str]:
    """(relative change, two-sided p-value, test name) of the KPI between two windows."""
    n1, d1 = now["num"].to_numpy(), now["den"].to_numpy()
    n0, d0 = before["num"].to_numpy(), before["den"].to_numpy()
    v1 = _value(n1.sum(), d1.sum(), k)
    v0 = _value(n0.sum(), d0.sum(), k)
    change = v1 / v0 - 1 if v0 and v0 == v0 and v1 == v1 else math.nan
    if len(n1) < 2 or len(n0) < 2 or change != change:
        return change, math.nan, "none"
    if k.name in BINOMIAL:
        return change, two_proportion_test(n1.sum(), d1.sum(), n0.sum(), d0.sum()), \
            "two-proportion z-test"
    from scipy import stats

    if not k.is_ratio:
        if MEASURES[k.measures[0]].money or max(n1.mean(), n0.mean()) >= 20:
            import warnings

            with warnings.catch_warnings():  # identical days: the test says p = nan
                warnings.simplefilter("ignore", RuntimeWarning)
                p = stats.ttest_ind(n1, n0, equal_var=False).pvalue
            return change, float(p), "Welch t-test on daily values"
        total = n1.sum() + n0.sum()
        frac = len(n1) / (len(n1) + len(n0))
        p = stats.binomtest(int(round(n1.sum())), int(round(total)), frac).pvalue
        return change, float(p), "exact Poisson rate test"
    var = _ratio_var(n1, d1) + _ratio_var(n0, d0)
    if not var > 0:
        return change, math.nan, "none"
    z = abs(n1.sum() / d1.sum() - n0.sum() / d0.sum()) / math.sqrt(var)
    return change, 2 * _norm_sf(z), "z-test of ratios (days as units)"


@dataclass(frozen=True)
class Trend:
    """Least-squares slope of a KPI per month, with its uncertainty."""

    slope: float
    se: float
    p_value: float
    months: int
    verdict: str  # "improving", "worsening", "flat"


def trend(values: Sequence[float], higher_is_better: bool, alpha: float = 0.05) -> Trend:
    """Slope of ``values`` (one per month) per month, t-test against zero, direction-aware."""
    y = np.asarray([v for v in values if v == v], dtype=float)
    n = len(y)
    if n < 4:
        return Trend(math.nan, math.nan, math.nan, n, "flat")
    x = np.arange(n, dtype=float)
    xm = x - x.mean()
    slope = float((xm * (y - y.mean())).sum() / (xm ** 2).sum())
    resid = y - (y.mean() + slope * xm)
    se = float(math.sqrt((resid ** 2).sum() / (n - 2) / (xm ** 2).sum()))
    from scipy import stats

    p = float(2 * stats.t.sf(abs(slope / se), n - 2)) if se > 0 else (0.0 if slope else 1.0)
    verdict = "flat"
    if p < alpha:
        verdict = "improving" if (slope > 0) == higher_is_better else "worsening"
    return Trend(slope, se, p, n, verdict)


# ------------------------------------------------------------------ attribution


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
        raise ParameterError(tr(f"cannot attribute: {names} is zero or missing.",
                                f"không phân tích được: {names} bằng 0 hoặc bị thiếu."),
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


# --------------------------------------------------------------------- pacing


def _value(num: float, den: float, k: KPI) -> float:
    if not k.is_ratio:
        return k.scale * num
    return k.scale * num / den if den else math.nan


def _sum_terms(df: pd.DataFrame, terms: tuple[tuple[str, float], ...]) -> pd.Series:
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


def _parts_memo(fn: _F) -> _F:
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
    g = rows.assign(num=_sum_terms(rows, k.numerator),
                    den=_sum_terms(rows, k.denominator) if k.is_ratio else 1.0)
    return g.groupby("date")[["num", "den"]].sum()


def daily_parts(data: pd.DataFrame, k: KPI, start: date, end: date) -> pd.DataFrame:
    """Numerator and denominator of ``k`` per day (0 on days without rows)."""
    days = pd.date_range(start, end, freq="D")
    if any("@" in t for t in k.terms):
        raise ParameterError(tr(f"{k.name} is a snapshot KPI; it has no daily parts.",
                                f"{k.name} là KPI dạng ảnh chụp; nó không có phần theo ngày."),
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


def _ly(d: date, offset: pd.Timedelta | None) -> date:
    stamp = pd.Timestamp(d)
    return (stamp - (offset if offset is not None else pd.DateOffset(years=1))).date()


def _weights(data: pd.DataFrame, k: KPI, start: date, end: date, pacing: str,
             spend_plan: pd.Series | None, smoothing: int = 7) -> tuple[pd.DataFrame, str]:
    """Expected share of the period's numerator and denominator on each day."""
    days = pd.date_range(start, end, freq="D")
    n = len(days)
    flat = pd.DataFrame({"num": np.full(n, 1 / n), "den": np.full(n, 1 / n)}, index=days)
    if pacing == "linear":
        return flat, "linear"
    if pacing == "spend":
        if spend_plan is None:
            raise ParameterError(tr("pacing='spend' needs spend_plan: planned spend per day.",
                                    "pacing='spend' cần spend_plan: chi phí dự kiến mỗi ngày."),
                                 code=ProblemCode.PARAMETER_MISSING)
        s = spend_plan.reindex(days, fill_value=0.0).astype(float)
        if s.sum() <= 0:
            raise ParameterError(tr("the spend plan has no spend in the period.",
                                    "kế hoạch chi phí không có chi phí nào trong kỳ."),
                                 code=ProblemCode.VALUE_ZERO_BASE)
        return pd.DataFrame({"num": s / s.sum(), "den": s / s.sum()}, index=days), "spend plan"
    if pacing != "seasonal":
        raise ParameterError(tr(f"pacing={pacing!r}: choose from linear, seasonal, spend.",
                                f"pacing={pacing!r}: chọn linear, seasonal hoặc spend."),
                             code=ProblemCode.PARAMETER_CHOICE)
    # last year's shape (aligned on a flight's first day), smoothed over a week
    offset = last_year_offset(data, k, start, end)
    ly_days = pd.DatetimeIndex([pd.Timestamp(_ly(d.date(), offset)) for d in days])
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


# ------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class Evaluation:
    """The result of :func:`evaluate` (a frozen value).

    ``rows`` has one row per KPI and period (``level`` is ``"period"`` for the
    cadence's periods and ``"total"`` for the whole evaluation period), with
    actual, target, expected to date, attainment, projection with its 90%
    interval, probability of reaching the target, status, changes against the
    previous period and last year with their significance, and the trend of
    long-term KPIs. ``data_end`` is the data's last day and ``lag_days`` the
    days from it to ``as_of`` (unknown days: projected, never counted as zero);
    ``estimated`` is true where the window cuts a row that covers several days
    (see :mod:`kpikit.metrics.periods`). ``drivers`` and ``segments`` hold the
    attribution tables per KPI; ``summary`` the plain-language lines.
    """

    plan: Plan
    as_of: date
    period: tuple[date, date]
    pacing: str
    rows: pd.DataFrame
    drivers: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    segments: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: tuple[str, ...] = ()
    lang: str = "en"

    def totals(self) -> pd.DataFrame:
        """One row per KPI: the whole evaluation period."""
        return self.rows[self.rows["level"] == "total"].reset_index(drop=True)


def _resolve_period(plan: Plan, period: object) -> tuple[date, date]:
    if period is None or period == "campaign":
        return plan.period
    if isinstance(period, tuple):
        return period  # type: ignore[return-value]
    return parse_period(str(period))


def _cadence_periods(cadence: str, start: date, end: date, as_of: date) -> list[tuple[date, date]]:
    if cadence == "campaign":
        return []
    out = []
    for p in pd.period_range(start, end, freq={"W": "W-SUN"}.get(CADENCE_FREQ[cadence],
                                                             CADENCE_FREQ[cadence])):
        s, e = max(p.start_time.date(), start), min(p.end_time.date(), end)
        if s <= as_of:
            out.append((s, e))
    return out if len(out) > 1 else []


#: relative tolerance of "reached the target": 700 spent against 3,000 x 7/30 is on target
TOLERANCE = 1e-9


def _better(a: float, b: float, k: KPI) -> bool:
    slack = TOLERANCE * max(abs(a), abs(b), 1e-300)
    return a >= b - slack if k.higher_is_better else a <= b + slack


def _tidy(x: float) -> float:
    """A share of a target without float noise (3000 x 7/30 is 700, not 700.0000000000001)."""
    return float(f"{x:.12g}") if x == x and math.isfinite(x) else x


def _plan_window(plan: Plan, kt: KPITarget, start: date, end: date) -> tuple[date, date]:
    """The window the KPI's target covers: the plan period when ``start..end`` lies in it."""
    p0, p1 = plan.period_of(kt)
    if (start, end) == (p0, p1):
        return p0, p1
    if p0 <= start and end <= p1:
        return p0, p1
    if kt.period is not None and (start, end) == plan.period:
        return start, end  # the whole plan, a KPI with its own dates: judged as before
    raise ParameterError(tr(
        f"the period {start}..{end} is not inside the plan period {p0}..{p1} of {kt.kpi}, so "
        "its target has no share there. Fix: choose a period inside the plan period, or "
        "evaluate against a plan for that period.",
        f"kỳ {start}..{end} không nằm trong kỳ kế hoạch {p0}..{p1} của {kt.kpi}, nên chỉ "
        "tiêu không chia được cho kỳ đó. Cách sửa: chọn một kỳ nằm trong kỳ kế hoạch, hoặc "
        "đánh giá theo kế hoạch của kỳ đó."), code=ProblemCode.PERIOD_OUTSIDE_PLAN)


def _snapshot_share(k: KPI, target: float, plan_window: tuple[date, date],
                    window: tuple[date, date]) -> float:
    """Target of a snapshot KPI over a window: a level stays, growth compounds by days."""
    if not any("@" in t for t in k.terms) or plan_window == window or target != target:
        return target
    days = (pd.Timestamp(plan_window[1]) - pd.Timestamp(plan_window[0])).days + 1
    part = (pd.Timestamp(window[1]) - pd.Timestamp(window[0])).days + 1
    return _tidy((1 + target) ** (part / days) - 1) if target > -1 else target


def _attain(actual: float, reference: float, k: KPI) -> float:
    if not (actual == actual and reference == reference) or not reference or not actual:
        return math.nan
    return actual / reference if k.higher_is_better else reference / actual


def _judge_sum(k: KPI, parts: pd.DataFrame, weights: pd.DataFrame, target: float,
               as_of: date, min_elapsed: float, draws: int, rng: np.random.Generator) -> dict:
    """Actual, pacing, projection and status of a sum-based KPI over one period."""
    days = parts.index
    elapsed = parts.index <= pd.Timestamp(as_of)
    n_el = int(elapsed.sum())
    frac = n_el / len(days)
    now = parts[elapsed]
    n_sum, d_sum = float(now["num"].sum()), float(now["den"].sum())
    actual = _value(n_sum, d_sum, k)
    w_num, w_den = weights["num"], weights["den"]
    pi_num, pi_den = float(w_num[elapsed].sum()), float(w_den[elapsed].sum())
    if k.is_ratio:
        expected = target * (pi_num / pi_den) if pi_den > 0 else math.nan
    else:
        expected = target * pi_num
    out = {"actual": actual, "expected": expected, "elapsed_days": n_el, "days": len(days),
           "numerator": n_sum, "denominator": d_sum if k.is_ratio else math.nan}
    if n_el == len(days):
        out.update(projection=actual, low=actual, high=actual,
                   probability=float(_better(actual, target, k)) if actual == actual else math.nan,
                   status="no data" if actual != actual else
                   ("achieved" if _better(actual, target, k) else "missed"))
        return out
    if (k.is_ratio and d_sum <= 0) or (not k.is_ratio and n_el == 0):
        out.update(projection=math.nan, low=math.nan, high=math.nan, probability=math.nan,
                   status="no data" if n_el else "too early")
        return out
    # each elapsed day is an estimate of the period total: value / its expected share
    sims = []
    for part, w, pi in (("num", w_num, pi_num), ("den", w_den, pi_den)):
        if part == "den" and not k.is_ratio:
            sims.append(np.ones(draws))
            continue
        if pi <= 0:
            pi = frac
            w = pd.Series(1 / len(days), index=days)
        x = now[part].to_numpy()
        we = w[elapsed].to_numpy()
        q = np.where(we > 0, x / np.where(we > 0, we, 1), np.nan)
        good = ~np.isnan(q)
        total_hat = x.sum() / pi
        s2 = float(np.nanvar(q, ddof=1)) if good.sum() > 1 else 0.0
        share = we[good] / we[good].sum() if good.any() else we
        var_hat = s2 * float((share ** 2).sum())
        rem = w[~elapsed].to_numpy()
        var = (1 - pi) ** 2 * var_hat + s2 * float((rem ** 2).sum())
        sims.append(x.sum() + (total_hat * (1 - pi)) + math.sqrt(max(var, 0)) *
                    rng.standard_normal(draws))
    num_d, den_d = sims
    with np.errstate(divide="ignore", invalid="ignore"):
        values = k.scale * (num_d / den_d if k.is_ratio else num_d)
    values = values[np.isfinite(values)]
    n_tot = float(now["num"].sum()) / pi_num if pi_num > 0 else math.nan
    d_tot = float(now["den"].sum()) / pi_den if (k.is_ratio and pi_den > 0) else 1.0
    projection = _value(n_tot, d_tot, k) if n_tot == n_tot else math.nan
    slack = TOLERANCE * max(abs(target), 1e-300)  # a projection on the target reaches it
    prob = float(np.mean(values >= target - slack) if k.higher_is_better
                 else np.mean(values <= target + slack))
    low, high = (np.percentile(values, [5, 95]) if len(values) else (math.nan, math.nan))
    if frac < min_elapsed or n_el < 3:
        status = "too early"
    else:
        status = "on track" if prob >= 0.7 else ("at risk" if prob >= 0.3 else "off track")
    out.update(projection=projection, low=float(low), high=float(high), probability=prob,
               status=status)
    return out


def _judge_snapshot(k: KPI, scoped: pd.DataFrame, start: date, end: date, target: float,
                    as_of: date, min_elapsed: float) -> dict:
    """Followers and follower growth: the snapshot to date, projected by a straight line."""
    from .metrics.engines import compute

    measure = k.measures[0]
    upto = min(end, as_of)
    window = scoped[(scoped["date"] >= pd.Timestamp(start))
                    & (scoped["date"] <= pd.Timestamp(upto))].dropna(subset=[measure])
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
    n_el = (pd.Timestamp(upto) - pd.Timestamp(start)).days + 1
    nan = math.nan
    out = {"elapsed_days": max(n_el, 0), "days": days, "expected": nan,
           "numerator": nan, "denominator": nan}
    if window.empty:
        out.update(actual=nan, projection=nan, low=nan, high=nan, probability=nan,
                   status="no data")
        return out
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        daily = compute(window, measure, by=None, freq="D")[measure].to_numpy(dtype=float)
    first = daily[0]
    growth = any("@" in t for t in k.terms)

    def kpi_of(last: float) -> float:
        return (last - first) / first if growth else last

    actual = kpi_of(daily[-1])
    out["actual"] = actual
    if n_el >= days:
        ok = _better(actual, target, k)
        out.update(projection=actual, low=actual, high=actual, probability=float(ok),
                   status="achieved" if ok else "missed")
        return out
    t = np.arange(len(daily), dtype=float)
    if len(daily) >= 3:
        slope, icpt = np.polyfit(t, daily, 1)
        resid = daily - (icpt + slope * t)
        s = float(np.sqrt((resid ** 2).sum() / (len(daily) - 2)))
        x = days - 1
        se_last = s * math.sqrt(1 + 1 / len(t) + (x - t.mean()) ** 2 / ((t - t.mean()) ** 2).sum())
        last = float(icpt + slope * x)
    else:
        last, se_last = float(daily[-1]), nan
    proj = kpi_of(last)
    se = se_last / first if growth else se_last
    prob = nan
    if se == se and se > 0:
        z = (proj - target) / se
        prob = 1 - _norm_sf(z) if k.higher_is_better else _norm_sf(z)
    if n_el / days < min_elapsed or prob != prob:
        status = "too early"
    else:
        status = "on track" if prob >= 0.7 else ("at risk" if prob >= 0.3 else "off track")
    out.update(projection=proj, low=proj - 1.645 * se if se == se else nan,
               high=proj + 1.645 * se if se == se else nan, probability=prob, status=status)
    return out


def _window_value(data: pd.DataFrame, k: KPI, start: date, end: date) -> float:
    from .goals import _value as kpi_value

    w = data[(data["date"] >= pd.Timestamp(start)) & (data["date"] <= pd.Timestamp(end))]
    return kpi_value(w, k)


def _tree_values(data: pd.DataFrame, tree: KPITree, start: date, end: date) -> dict[str, float]:
    from .goals import tree_baselines

    w = data[(data["date"] >= pd.Timestamp(start)) & (data["date"] <= pd.Timestamp(end))]
    return tree_baselines(tree, w)


def _rescaled(table: pd.DataFrame, before: float, after: float) -> pd.DataFrame:
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


def _segment_parts(data: pd.DataFrame, k: KPI, start: date, end: date, by: str) -> pd.DataFrame:
    w = data[(data["date"] >= pd.Timestamp(start)) & (data["date"] <= pd.Timestamp(end))]
    w = w.dropna(subset=list(k.measures))
    parts = pd.DataFrame({"segment": w[by].astype(str),
                          "num": _sum_terms(w, k.numerator),
                          "den": _sum_terms(w, k.denominator) if k.is_ratio else 1.0})
    return parts


@_parts_memo
def evaluate(
    data: pd.DataFrame,
    plan: Plan,
    *,
    as_of: date | str,
    period: str | tuple[date, date] | None = None,
    pacing: str = "seasonal",
    spend_plan: pd.Series | None = None,
    min_elapsed: float = 0.2,
    draws: int = 4000,
    seed: int = 0,
    lang: str | None = None,
    smoothing: int = 7,
) -> Evaluation:
    """Judge every KPI of ``plan`` as of a date.

    Parameters
    ----------
    data
        The canonical table.
    plan
        The plan whose targets are judged.
    as_of
        Last day of data to use (later rows are ignored). When the data ends
        earlier, the KPIs are judged as of the data's last day and projected
        over the rest; the lag is reported, never turned into a miss. Rows
        covering several days are spread evenly over them (reach never is).
    period
        ``None`` or ``"campaign"`` (the plan period), ``"2027-01"``, ``"2027Q1"``
        or a ``(start, end)`` tuple. A window inside the plan period gets its
        share of each total's target by the pacing rule (a ratio keeps its
        target); a window outside it is refused.
    pacing
        ``"seasonal"`` (last year's shape, aligned on a flight's first day),
        ``"linear"``, or ``"spend"`` (the shape of ``spend_plan``).
    min_elapsed
        Share of a period that must have passed before it is judged.
    draws, seed
        Simulation size and seed of the projection interval.
    smoothing
        Days of the centred moving average applied to last year's shape.
    lang
        Language of the summary lines.

    Returns
    -------
    Evaluation
    """
    lang = resolve_lang(lang)
    from .metrics.periods import cuts_rows, data_end, spread_periods

    as_of = pd.Timestamp(as_of).date()
    start, end = _resolve_period(plan, period)
    if as_of < start:
        raise ParameterError(tr(f"as_of={as_of} is before the period starts ({start}). Fix: "
                                "choose a date inside the period.",
                                f"as_of={as_of} trước khi kỳ bắt đầu ({start}). Cách sửa: "
                                "chọn một ngày trong kỳ."),
                             code=ProblemCode.PERIOD_AS_OF_BEFORE_START)
    data = spread_periods(data)
    data = data[data["date"] <= pd.Timestamp(as_of)]
    if data.empty:
        raise ParameterError(tr(f"no data up to as_of={as_of}.",
                                f"không có dữ liệu đến as_of={as_of}."),
                             code=ProblemCode.DATA_NO_ROWS)
    # days after the data's last day are unknown, not zero: judge as of that day
    last_day = data_end(data).date()
    known = min(as_of, last_day)
    lag = (as_of - known).days
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    drivers: dict[str, dict[str, pd.DataFrame]] = {}
    segments: dict[str, pd.DataFrame] = {}
    summary: list[str] = []
    for obj, kt in plan.targets():
        k = get_kpi(kt.kpi)
        campaigns, channels = plan.scope_of(kt)
        scoped = scope_data(data, campaigns, channels)
        total_target, _ = resolve_target(plan, kt, data)
        snapshot = any(MEASURES[m].aggregation == "last" for m in k.measures)
        if any(MEASURES[m].aggregation == "non-additive" for m in k.measures):
            raise ParameterError(tr(
                f"{k.name} needs reach, which is not additive over days; it cannot be paced "
                "from daily rows. Fix: evaluate it from a period-level export.",
                f"{k.name} cần reach, vốn không cộng dồn theo ngày được; không thể theo dõi "
                "tiến độ từ các dòng theo ngày. Cách sửa: đánh giá từ tệp xuất theo cả kỳ."),
                                 code=ProblemCode.MEASURE_NON_ADDITIVE)
        # a window inside the plan period gets its share of the target (pacing rule)
        p_start, p_end = _plan_window(plan, kt, start, end)
        weights = parts = offset = None
        if not snapshot:
            offset = last_year_offset(scoped, k, p_start, p_end)
            weights, how = _weights(scoped, k, p_start, p_end, pacing, spend_plan, smoothing)
            weights = _scheduled(weights, kt, k, total_target)
            parts = daily_parts(scoped, k, start, end)
        else:
            how = "trend"
        periods = [("total", start, end)] + [("period", s, e) for s, e in _cadence_periods(
            kt.cadence, start, end, as_of)]
        for level, s, e in periods:
            if snapshot:
                target = _snapshot_share(k, total_target, (p_start, p_end), (s, e))
                res = _judge_snapshot(k, scoped, s, e, target, known, min_elapsed)
            else:
                sel = (parts.index >= pd.Timestamp(s)) & (parts.index <= pd.Timestamp(e))
                w = weights.loc[parts.index[sel]]
                if k.is_ratio:
                    target = _ratio_target(kt, s, e, total_target, w["den"])
                    w = w / w.sum().where(w.sum() > 0, 1.0)
                else:
                    share = float(w["num"].sum())
                    target = _tidy(total_target * share)
                    w = w / share if share > 0 else w
                res = _judge_sum(k, parts[sel], w, target, known, min_elapsed, draws, rng)
            upto = min(e, known)
            row = {"kpi": k.name, "objective": obj.type, "owner": kt.owner, "goal": kt.goal,
                   "horizon": kt.horizon, "cadence": kt.cadence, "direction": k.direction,
                   "level": level, "period": _label(s, e, level, kt.cadence),
                   "start": s, "end": e, "target": target, "pacing": how, **res,
                   "data_end": last_day, "lag_days": lag,
                   "estimated": bool(upto >= s and cuts_rows(scoped, s, upto))}
            row["attainment"] = _attain(row["actual"], row["expected"] if row["expected"] ==
                                        row["expected"] else target, k)
            row["projected_attainment"] = _attain(row["projection"], target, k)
            if level == "total" and not snapshot:
                row.update(_changes(k, scoped, s, upto, offset))
                row.update(_latest_day(k, scoped, known))
            rows.append(row)
        total = rows[-len(periods)]
        if kt.goal != "reach":
            _judge_bounds(rows[-len(periods):], k, kt.goal)
        if kt.horizon == "long":
            fit = _long_trend(k, scoped, known)
            total.update(trend_slope=fit.slope, trend_se=fit.se, trend_p=fit.p_value,
                         trend_months=fit.months, trend=fit.verdict)
            if total["status"] not in ("achieved", "missed", "no data"):
                total["status"] = {"improving": "on track", "worsening": "off track"}.get(
                    fit.verdict, "at risk")
        if not snapshot:
            d, seg = _attribution(k, plan, scoped, start, min(end, known), total, offset)
            if d:
                drivers[k.name] = d
            if seg is not None:
                segments[k.name] = seg
        summary.append(_summary_line(k, total, drivers.get(k.name), segments.get(k.name),
                                     lang, data.attrs.get("currency") or plan.currency))
    frame = pd.DataFrame(rows)
    return Evaluation(plan, as_of, (start, end), pacing, frame, drivers, segments,
                      tuple(summary), lang)


def _scheduled(weights: pd.DataFrame, kt: KPITarget, k: KPI, total_target: float,
               plan_total: float | None = None) -> pd.DataFrame:
    """Pacing shares of a total with a schedule: each window holds its own target.

    Inside a window the days keep the pacing shape; days outside every window share what
    the windows leave of the target. A ratio's schedule sets its level instead
    (:func:`_ratio_target`), so its weights stay as they are.
    """
    total = plan_total if plan_total is not None else total_target
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


def _plan_total(ev: Evaluation, kt: KPITarget, total: pd.Series) -> float | None:
    """The whole-plan target of a total (the evaluation's may be a window's share)."""
    if kt.target.is_relative:
        return None
    return float(kt.target.value)  # type: ignore[arg-type]


def _ratio_target(kt: KPITarget, s: date, e: date, default: float,
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
        return _tidy(float(level.mean()))
    return _tidy(float((level * w).sum() / w.sum()))


def _judge_bounds(rows: list[dict], k: KPI, goal: str) -> None:
    """Statuses of a floor or ceiling that must hold in every period ("stay below" a CPA).

    A finished period is achieved or missed; the running one is on or off track (a ratio by
    its value to date, a total by its projection). The whole is missed once a finished
    period missed, and otherwise follows the running period.
    """
    below = goal == "stay below"

    def holds(value: float, bound: float) -> bool:
        slack = TOLERANCE * max(abs(bound), 1e-300)
        return value <= bound + slack if below else value >= bound - slack

    def judge(row: dict) -> None:
        value = row["actual"] if k.is_ratio else row["projection"]
        bound = row["target"]
        done = row["elapsed_days"] >= row["days"]
        if row["status"] == "no data" or not (value == value and bound == bound):
            return
        ok = holds(row["actual"] if done else value, bound)
        if done:
            row["status"] = "achieved" if ok else "missed"
        elif row["status"] != "too early":
            row["status"] = "on track" if ok else "off track"
        if k.higher_is_better == below:  # the catalog's direction is not the goal's
            row["probability"] = math.nan
        a = row["actual"]
        row["attainment"] = (math.nan if not (a == a) or not a or not bound else
                             (bound / a if below else a / bound))

    periods = [r for r in rows if r["level"] == "period"]
    for r in rows:
        judge(r)
    total = next(r for r in rows if r["level"] == "total")
    if not periods:
        return
    finished = [r for r in periods if r["elapsed_days"] >= r["days"]]
    running = [r for r in periods if r["elapsed_days"] < r["days"] and r["elapsed_days"] > 0]
    total["periods_broken"] = sum(r["status"] == "missed" for r in finished)
    total["periods_finished"] = len(finished)
    if any(r["status"] == "missed" for r in finished):
        over = total["elapsed_days"] >= total["days"]
        total["status"] = "missed" if over else "off track"
    elif running:
        total["status"] = running[-1]["status"]
    elif finished:
        total["status"] = "achieved" if total["elapsed_days"] >= total["days"] else "on track"


def _label(s: date, e: date, level: str, cadence: str) -> str:
    if level == "total":
        return f"{s:%Y-%m-%d}..{e:%Y-%m-%d}"
    if cadence == "weekly":
        return f"{s:%Y-%m-%d}"
    if cadence == "quarterly":
        return str(pd.Timestamp(s).to_period("Q"))
    return f"{s:%Y-%m}"


def _changes(k: KPI, scoped: pd.DataFrame, s: date, upto: date,
             offset: pd.Timedelta | None) -> dict:
    """Change of the to-date window against the previous period and last year."""
    n = (pd.Timestamp(upto) - pd.Timestamp(s)).days + 1
    now = daily_parts(scoped, k, s, upto)
    prev_s = pd.Timestamp(s) - pd.Timedelta(days=n)
    prev = daily_parts(scoped, k, prev_s.date(), (pd.Timestamp(s) - timedelta(days=1)).date())
    ly = daily_parts(scoped, k, _ly(s, offset), _ly(upto, offset))
    out = {}
    for name, before in (("prev", prev), ("ly", ly)):
        active = before if (before["num"] != 0).any() else before.iloc[0:0]
        change, p, test = _compare(k, now, active) if len(active) else (math.nan, math.nan, "none")
        out[f"change_{name}"] = change
        out[f"p_{name}"] = p
        out[f"significant_{name}"] = bool(p == p and p < 0.05)
        out[f"test_{name}"] = test
    if k.name in BINOMIAL:
        lo, hi = wilson_interval(float(now["num"].sum()), float(now["den"].sum()))
        out.update(wilson_low=lo, wilson_high=hi)
    return out


def _latest_day(k: KPI, scoped: pd.DataFrame, known: date, days: int = 120) -> dict:
    """The data's last day judged by the calendar-aware detector (kpikit.anomalies)."""
    from .anomalies import detect

    lo = (pd.Timestamp(known) - pd.Timedelta(days=days - 1)).date()
    parts = daily_parts(scoped, k, lo, known)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = k.scale * parts["num"] / parts["den"] if k.is_ratio else k.scale * parts["num"]
    # days before the KPI's first data are unknown, not zero
    seen = parts["den"] != 0 if k.is_ratio else parts["num"] != 0
    if k.is_ratio:
        values = values.where(parts["den"] > 0)
    values = values[seen.cumsum() > 0]
    out = {"latest_day": known, "latest_value": math.nan, "latest_expected": math.nan,
           "latest_anomaly": ""}
    if values.empty or values.index[-1] != pd.Timestamp(known):
        return out
    last = detect(values).iloc[-1]
    out.update(latest_value=float(last["value"]),
               latest_expected=float(last["expected"]) if last["judged"] else math.nan,
               latest_anomaly=str(last["kind"]) if bool(last["anomaly"]) else "")
    return out


def _long_trend(k: KPI, scoped: pd.DataFrame, as_of: date, months: int = 12) -> Trend:
    from .goals import kpi_history

    hist = kpi_history(scoped[scoped["date"] <= pd.Timestamp(as_of)], k.name, freq="M")
    return trend(hist.tail(months).tolist(), k.higher_is_better)


def _attribution(k: KPI, plan: Plan, scoped: pd.DataFrame, s: date, upto: date,
                 total: dict, offset: pd.Timedelta | None) -> tuple[dict, pd.DataFrame | None]:
    """Driver attribution (change vs last year, gap vs target) and the segment split."""
    out: dict[str, pd.DataFrame] = {}
    ly_s, ly_e = _ly(s, offset), _ly(upto, offset)
    tree = DRIVER_TREES.get(k.name)
    actual = total["actual"]
    if tree is not None and all(m in scoped for m in tree.measures):
        now = _tree_values(scoped, tree, s, upto)
        before = _tree_values(scoped, tree, ly_s, ly_e)
        try:
            ly_value = _window_value(scoped, k, ly_s, ly_e)
            out["change"] = _rescaled(lmdi(tree, before, now), ly_value, actual)
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
                out["gap"] = _rescaled(lmdi(tree, target_drivers, now), reference, actual)
            except (ParameterError, KeyError, ValueError, ZeroDivisionError):
                pass
    segment_by = "channel" if scoped["channel"].nunique() > 1 else (
        "campaign" if scoped["campaign"].nunique() > 1 else None)
    seg = None
    if segment_by and k.is_ratio and not any("@" in t for t in k.terms):
        before = _segment_parts(scoped, k, ly_s, ly_e, segment_by)
        after = _segment_parts(scoped, k, s, upto, segment_by)
        if before["den"].sum() > 0 and after["den"].sum() > 0:
            seg = mix_rate(before, after)
            seg[["mix", "rate", "total"]] *= k.scale
            seg.attrs["by"] = segment_by
    elif segment_by and not k.is_ratio and not any("@" in t for t in k.terms):
        before = _segment_parts(scoped, k, ly_s, ly_e, segment_by).groupby("segment")["num"].sum()
        after = _segment_parts(scoped, k, s, upto, segment_by).groupby("segment")["num"].sum()
        idx = before.index.union(after.index)
        seg = pd.DataFrame({"segment": idx, "before": before.reindex(idx, fill_value=0).values,
                            "after": after.reindex(idx, fill_value=0).values})
        seg["total"] = (seg["after"] - seg["before"]) * k.scale
        seg = seg.sort_values("total", key=np.abs, ascending=False).reset_index(drop=True)
        seg.attrs["by"] = segment_by
    return out, seg


_SUMMARY = {
    "en": {"line": "{kpi}: {status}. Actual {actual} vs target {target}{pace}.",
           "pace": " (expected to date {expected})", "proj": " Projected {proj}, {prob} chance "
           "to reach the target.", "drivers": " Biggest drivers against last year: {d}.",
           "gap": " Behind the gap to target: {d}.",
           "segment": " By {by}: {s}.", "trend": " Trend over {n} months: {t}.",
           "improving": "improving", "worsening": "worsening", "flat": "no clear trend",
           "nosig": " The change against last year ({c}) is not significant (p={p}).",
           "sig": " The change against last year ({c}) is significant (p={p}).",
           "lag": " Data ends {d} ({n} days before as_of): those days are projected, not "
                  "counted as zero.",
           "est": " Estimated: rows covering several days are spread evenly over their "
                  "days, and the window cuts one.",
           "bound": " Goal: {goal} {target} in every period; {n} of {m} finished periods "
                    "broke it.", "stay below": "stay below", "stay above": "stay above"},
    "vi": {"line": "{kpi}: {status}. Thực tế {actual} so với chỉ tiêu {target}{pace}.",
           "pace": " (kỳ vọng đến nay {expected})", "proj": " Dự báo {proj}, xác suất đạt "
           "chỉ tiêu {prob}.", "drivers": " Yếu tố tác động lớn nhất so với năm trước: {d}.",
           "gap": " Nguyên nhân chênh lệch so với chỉ tiêu: {d}.",
           "segment": " Theo {by}: {s}.", "trend": " Xu hướng {n} tháng: {t}.",
           "improving": "đang cải thiện", "worsening": "đang xấu đi",
           "flat": "chưa rõ xu hướng",
           "nosig": " Thay đổi so với năm trước ({c}) không có ý nghĩa thống kê (p={p}).",
           "sig": " Thay đổi so với năm trước ({c}) có ý nghĩa thống kê (p={p}).",
           "lag": " Dữ liệu kết thúc ngày {d} ({n} ngày trước as_of): các ngày đó được dự "
                  "báo, không tính bằng 0.",
           "est": " Ước tính: các dòng gộp nhiều ngày được chia đều theo ngày, và kỳ đánh giá "
                  "cắt ngang một dòng như vậy.",
           "bound": " Mục tiêu: {goal} {target} trong mọi kỳ; {n}/{m} kỳ đã kết thúc vượt "
                    "ngưỡng.", "stay below": "giữ dưới", "stay above": "giữ trên"},
}


def _summary_line(k: KPI, total: dict, drivers: dict | None, seg: pd.DataFrame | None,
                  lang: str, currency: str | None) -> str:
    from .format import format_change, format_value

    t = _SUMMARY.get(lang, _SUMMARY["en"])
    i = 1 if lang == "vi" else 0

    def fv(v: float, kpi: str | KPI = k) -> str:
        return format_value(v, kpi, lang=lang, currency=currency)

    pace = ""
    if total["expected"] == total["expected"] and total["status"] not in ("achieved", "missed"):
        pace = t["pace"].format(expected=fv(total["expected"]))
    text = t["line"].format(kpi=k.label(lang), status=STATUS_TEXT[total["status"]][i],
                            actual=fv(total["actual"]), target=fv(total["target"]), pace=pace)
    if total.get("goal") in ("stay below", "stay above") and "periods_finished" in total:
        text += t["bound"].format(goal=t[total["goal"]], target=fv(total["target"]),
                                  n=total["periods_broken"], m=total["periods_finished"])
    elif total["status"] in ("on track", "at risk", "off track") and total["projection"] == \
            total["projection"] and total.get("probability") == total.get("probability"):
        text += t["proj"].format(proj=fv(total["projection"]),
                                 prob=format_change(total["probability"], lang, 0).lstrip("+"))
    if total.get("trend") and total.get("trend_months", 0) >= 4:
        text += t["trend"].format(n=total["trend_months"], t=t[total["trend"]])
    if "p_ly" in total and total["p_ly"] == total["p_ly"]:
        key = "sig" if total["significant_ly"] else "nosig"
        from .format import format_number

        p_text = format_number(total["p_ly"], 3 if total["significant_ly"] else 2, lang)
        text += t[key].format(c=format_change(total["change_ly"], lang), p=p_text)
    if total.get("lag_days", 0) > 0:
        d = total["data_end"]
        text += t["lag"].format(d=d.strftime("%d/%m/%Y") if lang == "vi" else d.isoformat(),
                                n=total["lag_days"])
    if total.get("estimated"):
        text += t["est"]
    table = (drivers or {}).get("gap") if total["status"] in ("off track", "at risk",
                                                              "missed") else None
    key = "gap"
    if table is None:
        table, key = (drivers or {}).get("change"), "drivers"
    if table is not None and len(table):
        top = table.reindex(table["effect"].abs().sort_values(ascending=False).index).head(2)
        parts = [f"{get_kpi(r.driver).label(lang).split(' (')[0]} "
                 f"{format_change(r.change, lang)} ({'+' if r.effect >= 0 else '-'}"
                 f"{fv(abs(r.effect), table.attrs.get('goal', k.name))})"
                 for r in top.itertuples()]
        text += t[key].format(d=", ".join(parts))
    if seg is not None and len(seg):
        r = seg.iloc[0]
        by = {"channel": ("channel", "kênh"), "campaign": ("campaign", "chiến dịch")}[
            seg.attrs.get("by", "channel")][i]
        if "mix" in seg:
            s_text = (f"{r.segment} {'+' if r.total >= 0 else '-'}{fv(abs(r.total))} "
                      + tr(f"(mix {fv(r.mix)}, rate {fv(r.rate)})",
                           f"(cơ cấu {fv(r.mix)}, hiệu suất {fv(r.rate)})"))
        else:
            s_text = f"{r.segment} {'+' if r.total >= 0 else '-'}{fv(abs(r.total))}"
        text += t["segment"].format(by=by, s=s_text)
    return text


# ------------------------------------------------------------- series for views


def _target_of(ev: Evaluation, k: KPI) -> KPITarget:
    """The plan's target of ``k``; a clear refusal when the plan has none."""
    found = next((t for _, t in ev.plan.targets() if t.kpi == k.name), None)
    if found is None:
        names = ", ".join(dict.fromkeys(t.kpi for _, t in ev.plan.targets()))
        raise ParameterError(tr(f"kpi={k.name!r} is not in the plan. Fix: choose one of "
                                f"{names}.",
                                f"kpi={k.name!r} không có trong kế hoạch. Cách sửa: chọn một "
                                f"trong {names}."), code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    return found


@_parts_memo
def pacing_series(data: pd.DataFrame, ev: Evaluation, kpi: str) -> pd.DataFrame:
    """Day by day: KPI to date, the expected path to the target, and the forecast band.

    For a total (revenue) the values are cumulative sums; for a ratio (CPA) the
    ratio of the cumulative numerator and denominator.
    """
    from .metrics.periods import spread_periods

    k = get_kpi(kpi)
    kt = _target_of(ev, k)
    total = ev.rows[(ev.rows["kpi"] == k.name) & (ev.rows["level"] == "total")].iloc[0]
    start, end = ev.period
    # the same rules as evaluate(): period rows spread, the path stops at the data's end
    known = min(ev.as_of, total["data_end"]) if "data_end" in total else ev.as_of
    data = spread_periods(data)
    campaigns, channels = ev.plan.scope_of(kt)
    scoped = scope_data(data[data["date"] <= pd.Timestamp(known)], campaigns, channels)
    parts = daily_parts(scoped, k, start, end)
    pacing = "linear" if str(total["pacing"]).startswith("linear") else (
        "seasonal" if str(total["pacing"]).startswith("seasonal") else "linear")
    p_start, p_end = _plan_window(ev.plan, kt, start, end)
    weights, _ = _weights(scoped, k, p_start, p_end, pacing, None)
    weights = _scheduled(weights, kt, k, float(total["target"]) if not k.is_ratio else 1.0,
                         _plan_total(ev, kt, total))
    weights = weights.loc[parts.index]
    if not k.is_ratio:
        share = float(weights["num"].sum())
        weights = weights / share if share > 0 else weights
    else:
        weights = weights / weights.sum().where(weights.sum() > 0, 1.0)
    done = parts.index <= pd.Timestamp(known)
    cum_n = parts["num"].cumsum().where(done)
    cum_d = parts["den"].cumsum().where(done)
    target = float(total["target"])
    cw_n, cw_d = weights["num"].cumsum(), weights["den"].cumsum()
    with np.errstate(divide="ignore", invalid="ignore"):
        if k.is_ratio:
            actual = k.scale * cum_n / cum_d
            expected = target * cw_n / cw_d
        else:
            actual = k.scale * cum_n
            expected = target * cw_n
    out = pd.DataFrame({"actual": actual, "expected": expected}, index=parts.index)
    out["target"] = target
    if kt.schedule and k.is_ratio:
        # a ratio's schedule is its level day by day: the chart draws it as steps
        if not kt.target.is_relative:
            out["target"] = float(kt.target.value)  # type: ignore[arg-type]
        for a, b, v in kt.schedule:
            out.loc[(out.index >= pd.Timestamp(a)) & (out.index <= pd.Timestamp(b)),
                    "target"] = v
    out.attrs["goal"] = kt.goal
    last = int(done.sum()) - 1
    if last >= 0 and not done.all():
        a = float(out["actual"].iloc[last])
        # the forecast follows the pacing shape from today to the end of the period
        cw = (cw_n if not k.is_ratio else (cw_n + cw_d) / 2).to_numpy()
        rest = cw[last:] - cw[last]
        span = rest / rest[-1] if rest[-1] > 0 else np.linspace(0, 1, len(rest))
        for col, end_value in (("projection", total["projection"]), ("low", total["low"]),
                               ("high", total["high"])):
            path = np.full(len(out), np.nan)
            if end_value == end_value:
                path[last:] = a + (float(end_value) - a) * span
            out[col] = path
    out.index.name = "date"
    return out


def anomalies(series: pd.Series, window: int = 28, threshold: float = 3.5) -> pd.Series:
    """True on days whose value is far from the trailing median (robust z above ``threshold``)."""
    med = series.rolling(window, min_periods=7).median().shift(1)
    mad = (series - med).abs().rolling(window, min_periods=7).median().shift(1)
    robust_z = 0.6745 * (series - med) / mad.replace(0, np.nan)
    return robust_z.abs() > threshold


def daily_kpi(data: pd.DataFrame, ev: Evaluation, kpi: str, days: int = 180) -> pd.Series:
    """The KPI per day over the ``days`` before ``as_of`` (for trend and anomaly views)."""
    from .metrics.periods import spread_periods

    k = get_kpi(kpi)
    kt = _target_of(ev, k)
    campaigns, channels = ev.plan.scope_of(kt)
    scoped = scope_data(spread_periods(data), campaigns, channels)
    lo = (pd.Timestamp(ev.as_of) - pd.Timedelta(days=days - 1)).date()
    parts = daily_parts(scoped, k, lo, ev.as_of)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = k.scale * parts["num"] / parts["den"]
    return values.where(parts["den"] > 0 if k.is_ratio else parts["num"] != 0)


def accountability(ev: Evaluation, lang: str | None = None) -> pd.DataFrame:
    """Owners and their KPIs with status, attainment and projection (whole period)."""
    lang = resolve_lang(lang)
    i = 1 if lang == "vi" else 0
    t = ev.totals()
    out = pd.DataFrame({
        "owner": t["owner"], "kpi": [get_kpi(k).label(lang) for k in t["kpi"]],
        "horizon": t["horizon"], "status": [STATUS_TEXT[s][i] for s in t["status"]],
        "attainment": t["attainment"], "probability": t["probability"],
    })
    return out.sort_values(["owner", "kpi"], kind="stable").reset_index(drop=True)
