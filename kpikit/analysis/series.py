"""Day-by-day series of an evaluated KPI, for charts: pacing path, daily values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpikit.analysis.evaluate import Evaluation
from kpikit.analysis.pacing import (
    daily_parts,
    day_weights,
    parts_memo,
    plan_total,
    plan_window,
    scheduled_weights,
)
from kpikit.catalog import KPI, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.metrics.periods import spread_periods
from kpikit.plans import KPITarget, scope_data

__all__ = ["anomalies", "daily_kpi", "pacing_series", "target_of"]


def target_of(ev: Evaluation, k: KPI) -> KPITarget:
    """The plan's target of ``k``; a clear refusal when the plan has none."""
    found = next((t for _, t in ev.plan.targets() if t.kpi == k.name), None)
    if found is None:
        names = ", ".join(dict.fromkeys(t.kpi for _, t in ev.plan.targets()))
        raise ParameterError(tr("kpi={name!r} is not in the plan. Fix: choose one of {names}.",
                                name=k.name, names=names), code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    return found


@parts_memo
def pacing_series(data: pd.DataFrame, ev: Evaluation, kpi: str) -> pd.DataFrame:
    """Day by day: KPI to date, the expected path to the target, and the forecast band.

    For a total (revenue) the values are cumulative sums; for a ratio (CPA) the
    ratio of the cumulative numerator and denominator.
    """
    k = get_kpi(kpi)
    kt = target_of(ev, k)
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
    p_start, p_end = plan_window(ev.plan, kt, start, end)
    weights, _ = day_weights(scoped, k, p_start, p_end, pacing, None)
    weights = scheduled_weights(weights, kt, k,
                                float(total["target"]) if not k.is_ratio else 1.0, plan_total(kt))
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

    k = get_kpi(kpi)
    kt = target_of(ev, k)
    campaigns, channels = ev.plan.scope_of(kt)
    scoped = scope_data(spread_periods(data), campaigns, channels)
    lo = (pd.Timestamp(ev.as_of) - pd.Timedelta(days=days - 1)).date()
    parts = daily_parts(scoped, k, lo, ev.as_of)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = k.scale * parts["num"] / parts["den"]
    return values.where(parts["den"] > 0 if k.is_ratio else parts["num"] != 0)
