"""Feasibility: where a target sits in the history of its KPI (easy ... out of reach)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from kpikit.catalog import MEASURES, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.metrics.engines import compute
from kpikit.metrics.periods import spread_periods
from kpikit.plans.scope import active_days, flights, is_flighted, kpi_value, scope_data, shift_year
from kpikit.plans.targets import CADENCES

__all__ = [
    "CADENCE_FREQ",
    "FEASIBILITY_BANDS",
    "Feasibility",
    "direction_percentile",
    "feasibility",
    "feasibility_word",
    "kpi_history",
    "label_for",
]

#: the period grain of each review cadence (a campaign is reviewed month by month)
CADENCE_FREQ = {"weekly": "W", "monthly": "M", "quarterly": "Q", "campaign": "M"}

#: percentile limits of the labels (direction-aware percentile of the target)
FEASIBILITY_BANDS = ((50.0, "easy"), (80.0, "realistic"), (95.0, "ambitious"),
                     (math.inf, "out of reach"))


@dataclass(frozen=True)
class Feasibility:
    """Where a target sits in the history of its KPI.

    ``percentile`` is direction-aware: the share of past periods that did
    worse than the target (ties count half), in percent. 90 means the target
    beats 90% of the history.
    """

    kpi: str
    target: float
    percentile: float
    label: str
    history: pd.Series
    freq: str
    per_day: bool
    thresholds: dict[str, float]
    note: str = ""

    def text(self, lang: str | None = None) -> str:
        """The label in ``lang`` (default: the current language)."""
        return feasibility_word(self.label, lang)


def feasibility_word(label: str, lang: str | None = None) -> str:
    """A feasibility label (``easy``, ``out of reach``, ``unknown``) in the reader's words."""
    with using_language(resolve_lang(lang)):
        if label == "easy":
            return tr("easy")
        if label == "realistic":
            return tr("realistic")
        if label == "ambitious":
            return tr("ambitious")
        if label == "out of reach":
            return tr("out of reach")
        return tr("no verdict")


def direction_percentile(values: Sequence[float], target: float, higher_is_better: bool) -> float:
    """Percent of ``values`` worse than ``target`` (ties half), direction-aware."""
    v = np.asarray([x for x in values if x == x], dtype=float)
    if not len(v):
        return math.nan
    worse = (v < target) if higher_is_better else (v > target)
    return float(100.0 * (worse.sum() + 0.5 * (v == target).sum()) / len(v))


def label_for(percentile: float) -> str:
    """The feasibility label of a direction-aware percentile."""
    if percentile != percentile:
        return "unknown"
    for limit, name in FEASIBILITY_BANDS:
        if percentile < limit:
            return name
    return "out of reach"


def kpi_history(
    data: pd.DataFrame, kpi: str, *, freq: str = "M", campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> pd.Series:
    """KPI per complete period (partial first and last periods dropped), indexed by period."""
    k = get_kpi(kpi)
    data = spread_periods(data)
    scoped = scope_data(data, campaigns, channels)
    if scoped.empty or any(m not in scoped for m in k.measures):
        return pd.Series(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = compute(scoped, [k.name], by=None, freq=freq)
    first, last = data["date"].min(), data["date"].max()
    keep = [(p.start_time >= first) and (p.end_time.normalize() <= last) for p in out["period"]]
    return pd.Series(out.loc[keep, k.name].to_numpy(), index=out.loc[keep, "period"],
                     name=k.name).dropna()


def feasibility(
    data: pd.DataFrame,
    kpi: str,
    target: float,
    *,
    cadence: str = "monthly",
    period: tuple[date, date] | None = None,
    campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
    min_periods: int = 4,
) -> Feasibility:
    """Place ``target`` in the KPI's history at the cadence's grain.

    Ratio KPIs compare directly. Level KPIs (revenue, spend) are compared per
    day: the target divided by the days of ``period`` against each past
    period's value divided by its days.
    """
    if cadence not in CADENCES:
        raise ParameterError(tr("cadence={cadence!r}: choose from {CADENCES}.", cadence=cadence,
                                CADENCES=', '.join(CADENCES)),
                             code=ProblemCode.PARAMETER_CHOICE)
    k = get_kpi(kpi)
    freq = CADENCE_FREQ[cadence]
    data = spread_periods(data)
    scoped = scope_data(data, campaigns, channels)
    if period is not None:
        scoped = scoped[scoped["date"] < pd.Timestamp(period[0])]
    agg = MEASURES[k.measures[0]].aggregation
    # totals (revenue) and growth over the period (follower growth) scale with its length
    per_day = (not k.is_ratio and agg == "sum") or any("@" in t for t in k.terms)
    # idle days dilute only totals per day: a ratio of sums is not moved by them
    runs = flights(scoped) if per_day and is_flighted(scoped) else []
    if runs:
        # a flighted campaign: compare with its flights, not calendar months diluted by
        # idle days
        freq = "flight"
        min_periods = min(min_periods, 2)
        vals, index, lengths = [], [], []
        for a, b in runs:
            w = scoped[(scoped["date"] >= a) & (scoped["date"] <= b)]
            vals.append(kpi_value(w, k))
            index.append(pd.Period(a, freq="D"))  # a flight is named by its first day
            lengths.append((b - a).days + 1)
        hist = pd.Series(vals, index=pd.PeriodIndex(index), name=k.name, dtype=float)
        flight_days = np.array(lengths, dtype=float)[hist.notna().to_numpy()]
        hist = hist.dropna()
    else:
        hist = kpi_history(data, k.name, freq=freq, campaigns=campaigns, channels=channels)
    t = float(target)
    values = hist
    if per_day:
        days = flight_days if runs else np.array(
            [(p.end_time.normalize() - p.start_time).days + 1 for p in hist.index])
        values = hist / days
        if period is None:
            raise ParameterError(tr("feasibility of a level KPI needs the plan period."),
                                 code=ProblemCode.PARAMETER_MISSING)
        days_in = (pd.Timestamp(period[1]) - pd.Timestamp(period[0])).days + 1
        if runs:
            # a flight's target is earned on its active days, not on the idle days of the
            # plan period: as many as the campaign ran in the same window a year earlier
            # (else its typical flight)
            ly = active_days(scoped[(scoped["date"] >= pd.Timestamp(shift_year(period[0])))
                                     & (scoped["date"] <= pd.Timestamp(shift_year(period[1])))])
            active = len(ly) if len(ly) else int(round(float(np.mean(flight_days))))
            days_in = min(days_in, max(active, 1))
        t = t / days_in
    pct = direction_percentile(values.tolist(), t, k.higher_is_better)
    label = label_for(pct) if len(values) >= min_periods else "unknown"
    note = "" if len(values) >= min_periods else tr(
        "only {values} past period(s)", values=len(values))
    if not k.is_ratio and agg == "last":
        # a stock that trends (followers) beats its own past by design: judge its growth
        label, note = "unknown", tr("a stock: judge it by its growth ({name} over time)",
                                    name=k.name)
    qs = {"p50": 50, "p80": 80, "p95": 95}
    thresholds = {}
    if len(values):
        for name, q in qs.items():
            # the value a target must beat to sit at that direction-aware percentile
            thresholds[name] = float(np.percentile(values, q if k.higher_is_better else 100 - q))
    return Feasibility(k.name, t, pct, label, values, freq, per_day, thresholds, note)
