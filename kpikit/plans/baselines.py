"""Baselines: the reference a KPI target is set and judged against.

Last year's same dates (a flight that moves with the calendar, like Tết, against last year's
whole flight), the previous period, or the trailing periods moved by last year's seasonal
ratio; period rows that cross a window are spread over their days and marked as estimated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from kpikit.catalog import MEASURES, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.metrics.periods import cuts_rows, spread_periods
from kpikit.plans.plan import Plan
from kpikit.plans.scope import active_days, flights, is_flighted, kpi_value, scope_data, shift_year
from kpikit.plans.targets import KPITarget

__all__ = ["Baseline", "baseline", "method_text", "resolve_target", "target_baseline"]


@dataclass(frozen=True)
class Baseline:
    """A KPI's reference value and where it came from."""

    kpi: str
    value: float
    method: str
    start: date
    end: date
    note: str = ""


def baseline(
    data: pd.DataFrame,
    kpi: str,
    period: tuple[date, date],
    *,
    method: str = "auto",
    trailing: int = 3,
    campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> Baseline:
    """Reference value of ``kpi`` for a target ``period``.

    Parameters
    ----------
    method
        ``"last_year"``: the same dates a year earlier (holds the season).
        ``"previous_period"``: the same number of days just before.
        ``"trailing"``: the ``trailing`` windows of the same length just
        before, pooled (sum/sum; level KPIs averaged per window), then moved
        by last year's seasonal ratio when last year is in the data.
        ``"auto"``: last year when the data has it, else trailing.
    """
    b = _baseline(data, kpi, period, method, trailing, campaigns, channels)
    if b.value == b.value and cuts_rows(scope_data(spread_periods(data), campaigns, channels),
                                        b.start, b.end):
        est = tr("estimated: a period row crosses the window and is spread over its days")
        b = replace(b, note=f"{b.note}; {est}" if b.note else est)
    return b


def _baseline(data: pd.DataFrame, kpi: str, period: tuple[date, date], method: str,
              trailing: int, campaigns: Sequence[str], channels: Sequence[str]) -> Baseline:
    k = get_kpi(kpi)
    start, end = period
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
    scoped = scope_data(spread_periods(data), campaigns, channels)

    def window(s: date, e: date) -> pd.DataFrame:
        return scoped[(scoped["date"] >= pd.Timestamp(s)) & (scoped["date"] <= pd.Timestamp(e))]

    ly_start, ly_end = shift_year(start), shift_year(end)
    if method == "auto":
        method = "last_year" if not window(ly_start, ly_end).empty else "trailing"
    if method == "last_year":
        before = scoped[scoped["date"] < pd.Timestamp(start)]
        if is_flighted(before):
            # a flight that moves with the calendar (Tết) is compared with last year's
            # whole flight, not with the part of it that falls on the same dates
            lo, hi = pd.Timestamp(ly_start), pd.Timestamp(ly_end)
            hit = [(a, b) for a, b in flights(before) if a <= hi and b >= lo]
            if hit and (hit[0][0] < lo or hit[-1][1] > hi):
                a, b = hit[0][0], hit[-1][1]
                v = kpi_value(window(a.date(), b.date()), k)
                return Baseline(kpi, v, method, a.date(), b.date(), tr("last year's flight, whole"))
        v = kpi_value(window(ly_start, ly_end), k)
        return Baseline(kpi, v, method, ly_start, ly_end,
                        "" if v == v else tr("no data a year before the period"))
    if method not in ("previous_period", "trailing"):
        raise ParameterError(tr("method={method!r}: choose from auto, last_year, previous_period, "
                                "trailing.", method=method),
                             code=ProblemCode.PARAMETER_CHOICE)
    n = 1 if method == "previous_period" else max(1, int(trailing))
    before = scoped[scoped["date"] < pd.Timestamp(start)]
    past = flights(before)
    plain_end = pd.Timestamp(start) - pd.Timedelta(days=1)
    plain = window((plain_end - pd.Timedelta(days=n * days - 1)).date(), plain_end.date())
    if past and (is_flighted(before) or not len(active_days(plain))):
        # a campaign that runs in flights: compare with its previous flight(s), not with
        # the idle days just before the period
        used = past[-n:]
        rows = pd.concat([window(a.date(), b.date()) for a, b in used])
        v = kpi_value(rows, k)
        active = sum((b - a).days + 1 for a, b in used)
        if not k.is_ratio and MEASURES[k.measures[0]].aggregation == "sum":
            v = v / active * days  # the flights' daily level over the period's days
        what = tr("{used} previous flight(s), {active} active days", used=len(used), active=active)
        return Baseline(kpi, v, method, used[0][0].date(), used[-1][1].date(), what)
    w_end = pd.Timestamp(start) - pd.Timedelta(days=1)
    w_start = w_end - pd.Timedelta(days=n * days - 1)
    v = kpi_value(window(w_start.date(), w_end.date()), k)
    if not k.is_ratio and MEASURES[k.measures[0]].aggregation == "sum":
        v = v / n
    note = ""
    if method == "trailing":
        # seasonality: scale by how last year's target period compared to its own trailing
        ly_target = kpi_value(window(ly_start, ly_end), k)
        ly_trail = kpi_value(window(shift_year(w_start.date()), shift_year(w_end.date())), k)
        if not k.is_ratio and MEASURES[k.measures[0]].aggregation == "sum":
            ly_trail = ly_trail / n
        if ly_target == ly_target and ly_trail == ly_trail and ly_trail > 0:
            v = v * ly_target / ly_trail
            ratio = f"{ly_target / ly_trail:.3f}"
            note = tr("seasonally adjusted by last year's ratio {ratio}", ratio=ratio)
        else:
            note = tr("not seasonally adjusted (no data a year earlier)")
    return Baseline(kpi, v, method, w_start.date(), w_end.date(), note)


def method_text(method: str, lang: str | None = None) -> str:
    """How a baseline method is named in tables and messages (default: current language);
    a name it does not know is returned as written."""
    with using_language(resolve_lang(lang)):
        if method == "last_year":
            return tr("last year")
        if method == "previous_period":
            return tr("previous period")
        if method == "trailing":
            return tr("trailing")
    return method


def target_baseline(plan: Plan, k: KPITarget, data: pd.DataFrame) -> Baseline:
    """The baseline a plan KPI's target is resolved against (its own method for a
    relative target; ``auto`` for an absolute one, as the reference shown beside it)."""
    campaigns, channels = plan.scope_of(k)
    rel = k.target.is_relative
    return baseline(data, k.kpi, plan.period_of(k),
                    method=k.target.baseline if rel else "auto",
                    trailing=k.target.trailing if rel else 3,
                    campaigns=campaigns, channels=channels)


def resolve_target(plan: Plan, k: KPITarget, data: pd.DataFrame | None) -> tuple[float, str]:
    """Absolute target of a plan KPI: ``(value, how)``; relative targets need ``data``."""
    if not k.target.is_relative:
        return float(k.target.value), "absolute"  # type: ignore[arg-type]
    if data is None:
        return math.nan, "relative target needs data for its baseline"
    campaigns, channels = plan.scope_of(k)
    b = baseline(data, k.kpi, plan.period_of(k), method=k.target.baseline,
                 trailing=k.target.trailing, campaigns=campaigns, channels=channels)
    return b.value * (1 + float(k.target.change)), (
        f"{k.target} = {b.value:.6g} x {1 + float(k.target.change):g} ({b.method} "
        f"{b.start}..{b.end})")

