"""Actual against target: every KPI of a plan, for every period of its cadence.

:func:`evaluate` judges every KPI of a plan, for every period of its cadence
and for the whole evaluation period, as of a date. Ratio KPIs are paced on
their numerator and denominator separately, then divided; the status comes
from the projection to the end of the period, never from actuals to date
alone, and is withheld while the period is too young to judge. The rules live
in sibling modules: :mod:`~kpikit.analysis.pacing` (expected shares),
:mod:`~kpikit.analysis.status` (projection and status),
:mod:`~kpikit.analysis.changes` (against last year, with significance) and
:mod:`~kpikit.analysis.attribution` (drivers and segments). The sentences that
explain an evaluation are made by :func:`kpikit.views.prose.summary_lines`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from kpikit.analysis.anomalies import detect
from kpikit.analysis.attribution import attribute
from kpikit.analysis.changes import changes
from kpikit.analysis.pacing import (
    daily_parts,
    day_weights,
    last_year_offset,
    parts_memo,
    plan_window,
    ratio_target,
    scheduled_weights,
    tidy,
)
from kpikit.analysis.stats import Trend, trend
from kpikit.analysis.status import (
    STATUSES,
    attain,
    judge_bounds,
    judge_snapshot,
    judge_sum,
    snapshot_share,
)
from kpikit.catalog import KPI, MEASURES, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import resolve_lang, tr
from kpikit.metrics.periods import cuts_rows, data_end, spread_periods
from kpikit.plans import CADENCE_FREQ, Plan, kpi_history, parse_period, resolve_target, scope_data

__all__ = ["STATUSES", "Evaluation", "evaluate"]


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
    attribution tables per KPI; ``currency`` is the money's currency (data or plan)
    and ``lang`` the language asked of :func:`evaluate` (``None``: the current one),
    the default of :func:`kpikit.views.prose.summary_lines`, which explains it in words.
    """

    plan: Plan
    as_of: date
    period: tuple[date, date]
    pacing: str
    rows: pd.DataFrame
    drivers: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    segments: dict[str, pd.DataFrame] = field(default_factory=dict)
    lang: str | None = None
    currency: str | None = None

    def totals(self) -> pd.DataFrame:
        """One row per KPI: the whole evaluation period."""
        return self.rows[self.rows["level"] == "total"].reset_index(drop=True)


def resolve_period(plan: Plan, period: object) -> tuple[date, date]:
    """The evaluation window: the plan period, a named period or a (start, end) tuple."""
    if period is None or period == "campaign":
        return plan.period
    if isinstance(period, tuple):
        return period  # type: ignore[return-value]
    return parse_period(str(period))


def cadence_periods(cadence: str, start: date, end: date, as_of: date) -> list[tuple[date, date]]:
    """The cadence's periods inside ``start..end`` that began by ``as_of`` (none if one)."""
    if cadence == "campaign":
        return []
    out = []
    for p in pd.period_range(start, end, freq={"W": "W-SUN"}.get(CADENCE_FREQ[cadence],
                                                             CADENCE_FREQ[cadence])):
        s, e = max(p.start_time.date(), start), min(p.end_time.date(), end)
        if s <= as_of:
            out.append((s, e))
    return out if len(out) > 1 else []


def period_label(s: date, e: date, level: str, cadence: str) -> str:
    """The name of a period in the rows: ``2027-01``, ``2027Q1``, a week's first day."""
    if level == "total":
        return f"{s:%Y-%m-%d}..{e:%Y-%m-%d}"
    if cadence == "weekly":
        return f"{s:%Y-%m-%d}"
    if cadence == "quarterly":
        return str(pd.Timestamp(s).to_period("Q"))
    return f"{s:%Y-%m}"


@parts_memo
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
        Language of the summary lines (:func:`kpikit.views.prose.summary_lines`);
        ``None``: the current language.

    Returns
    -------
    Evaluation
    """
    if lang is not None:
        resolve_lang(lang)  # refuse an unknown language now, not when the summary is read
    as_of = pd.Timestamp(as_of).date()
    start, end = resolve_period(plan, period)
    if as_of < start:
        raise ParameterError(tr("as_of={as_of} is before the period starts ({start}). Fix: choose "
                                "a date inside the period.", as_of=as_of, start=start),
                             code=ProblemCode.PERIOD_AS_OF_BEFORE_START)
    data = spread_periods(data)
    data = data[data["date"] <= pd.Timestamp(as_of)]
    if data.empty:
        raise ParameterError(tr("no data up to as_of={as_of}.", as_of=as_of),
                             code=ProblemCode.DATA_NO_ROWS)
    # days after the data's last day are unknown, not zero: judge as of that day
    last_day = data_end(data).date()
    known = min(as_of, last_day)
    lag = (as_of - known).days
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    drivers: dict[str, dict[str, pd.DataFrame]] = {}
    segments: dict[str, pd.DataFrame] = {}
    for obj, kt in plan.targets():
        k = get_kpi(kt.kpi)
        campaigns, channels = plan.scope_of(kt)
        scoped = scope_data(data, campaigns, channels)
        total_target, _ = resolve_target(plan, kt, data)
        snapshot = any(MEASURES[m].aggregation == "last" for m in k.measures)
        if any(MEASURES[m].aggregation == "non-additive" for m in k.measures):
            raise ParameterError(tr("{name} needs reach, which is not additive over days; it "
                                    "cannot be paced from daily rows. Fix: evaluate it from a "
                                    "period-level export.", name=k.name),
                                 code=ProblemCode.MEASURE_NON_ADDITIVE)
        # a window inside the plan period gets its share of the target (pacing rule)
        p_start, p_end = plan_window(plan, kt, start, end)
        weights = parts = offset = None
        if not snapshot:
            offset = last_year_offset(scoped, k, p_start, p_end)
            weights, how = day_weights(scoped, k, p_start, p_end, pacing, spend_plan, smoothing)
            weights = scheduled_weights(weights, kt, k, total_target)
            parts = daily_parts(scoped, k, start, end)
        else:
            how = "trend"
        periods = [("total", start, end)] + [("period", s, e) for s, e in cadence_periods(
            kt.cadence, start, end, as_of)]
        for level, s, e in periods:
            if snapshot:
                target = snapshot_share(k, total_target, (p_start, p_end), (s, e))
                res = judge_snapshot(k, scoped, s, e, target, known, min_elapsed)
            else:
                sel = (parts.index >= pd.Timestamp(s)) & (parts.index <= pd.Timestamp(e))
                w = weights.loc[parts.index[sel]]
                if k.is_ratio:
                    target = ratio_target(kt, s, e, total_target, w["den"])
                    w = w / w.sum().where(w.sum() > 0, 1.0)
                else:
                    share = float(w["num"].sum())
                    target = tidy(total_target * share)
                    w = w / share if share > 0 else w
                res = judge_sum(k, parts[sel], w, target, known, min_elapsed, draws, rng)
            upto = min(e, known)
            row = {"kpi": k.name, "objective": obj.type, "owner": kt.owner, "goal": kt.goal,
                   "horizon": kt.horizon, "cadence": kt.cadence, "direction": k.direction,
                   "level": level, "period": period_label(s, e, level, kt.cadence),
                   "start": s, "end": e, "target": target, "pacing": how, **res,
                   "data_end": last_day, "lag_days": lag,
                   "estimated": bool(upto >= s and cuts_rows(scoped, s, upto))}
            row["attainment"] = attain(row["actual"], row["expected"] if row["expected"] ==
                                        row["expected"] else target, k)
            row["projected_attainment"] = attain(row["projection"], target, k)
            if level == "total" and not snapshot:
                row.update(changes(k, scoped, s, upto, offset))
                row.update(latest_day(k, scoped, known))
            rows.append(row)
        total = rows[-len(periods)]
        if kt.goal != "reach":
            judge_bounds(rows[-len(periods):], k, kt.goal)
        if kt.horizon == "long":
            fit = long_trend(k, scoped, known)
            total.update(trend_slope=fit.slope, trend_se=fit.se, trend_p=fit.p_value,
                         trend_months=fit.months, trend=fit.verdict)
            if total["status"] not in ("achieved", "missed", "no data"):
                total["status"] = {"improving": "on track", "worsening": "off track"}.get(
                    fit.verdict, "at risk")
        if not snapshot:
            d, seg = attribute(k, plan, scoped, start, min(end, known), total, offset)
            if d:
                drivers[k.name] = d
            if seg is not None:
                segments[k.name] = seg
    frame = pd.DataFrame(rows)
    return Evaluation(plan, as_of, (start, end), pacing, frame, drivers, segments,
                      lang, data.attrs.get("currency") or plan.currency)


def latest_day(k: KPI, scoped: pd.DataFrame, known: date, days: int = 120) -> dict:
    """The data's last day judged by the calendar-aware detector (kpikit.analysis.anomalies)."""
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


def long_trend(k: KPI, scoped: pd.DataFrame, as_of: date, months: int = 12) -> Trend:
    """The trend of a long-term KPI over its last ``months`` months of history."""
    hist = kpi_history(scoped[scoped["date"] <= pd.Timestamp(as_of)], k.name, freq="M")
    return trend(hist.tail(months).tolist(), k.higher_is_better)
