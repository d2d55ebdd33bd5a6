"""The status of one KPI over one period: actual, expected to date, projection, verdict.

A total or a ratio is projected from each elapsed day's estimate of the period
(:func:`judge_sum`); a snapshot such as followers by a straight line
(:func:`judge_snapshot`); a floor or ceiling must hold in every period
(:func:`judge_bounds`). The status is one of :data:`STATUSES`; the words for
people are in :mod:`kpikit.views.prose`.
"""

from __future__ import annotations

import math
import warnings
from datetime import date

import numpy as np
import pandas as pd

from kpikit.analysis.pacing import tidy, value_of
from kpikit.analysis.stats import norm_sf
from kpikit.catalog import KPI
from kpikit.metrics.engines import compute

__all__ = [
    "STATUSES",
    "TOLERANCE",
    "attain",
    "better",
    "judge_bounds",
    "judge_snapshot",
    "judge_sum",
    "snapshot_share",
]

STATUSES = ("on track", "at risk", "off track", "achieved", "missed", "too early", "no data")

#: relative tolerance of "reached the target": 700 spent against 3,000 x 7/30 is on target
TOLERANCE = 1e-9


def better(a: float, b: float, k: KPI) -> bool:
    """True when ``a`` reaches ``b`` in the KPI's direction (within :data:`TOLERANCE`)."""
    slack = TOLERANCE * max(abs(a), abs(b), 1e-300)
    return a >= b - slack if k.higher_is_better else a <= b + slack




def snapshot_share(k: KPI, target: float, plan_window: tuple[date, date],
                    window: tuple[date, date]) -> float:
    """Target of a snapshot KPI over a window: a level stays, growth compounds by days."""
    if not any("@" in t for t in k.terms) or plan_window == window or target != target:
        return target
    days = (pd.Timestamp(plan_window[1]) - pd.Timestamp(plan_window[0])).days + 1
    part = (pd.Timestamp(window[1]) - pd.Timestamp(window[0])).days + 1
    return tidy((1 + target) ** (part / days) - 1) if target > -1 else target


def attain(actual: float, reference: float, k: KPI) -> float:
    """Attainment, direction-aware: above 1 is better than the reference."""
    if not (actual == actual and reference == reference) or not reference or not actual:
        return math.nan
    return actual / reference if k.higher_is_better else reference / actual


def judge_sum(k: KPI, parts: pd.DataFrame, weights: pd.DataFrame, target: float,
               as_of: date, min_elapsed: float, draws: int, rng: np.random.Generator) -> dict:
    """Actual, pacing, projection and status of a sum-based KPI over one period."""
    days = parts.index
    elapsed = parts.index <= pd.Timestamp(as_of)
    n_el = int(elapsed.sum())
    frac = n_el / len(days)
    now = parts[elapsed]
    n_sum, d_sum = float(now["num"].sum()), float(now["den"].sum())
    actual = value_of(n_sum, d_sum, k)
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
                   probability=float(better(actual, target, k)) if actual == actual else math.nan,
                   status="no data" if actual != actual else
                   ("achieved" if better(actual, target, k) else "missed"))
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
    projection = value_of(n_tot, d_tot, k) if n_tot == n_tot else math.nan
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


def judge_snapshot(k: KPI, scoped: pd.DataFrame, start: date, end: date, target: float,
                    as_of: date, min_elapsed: float) -> dict:
    """Followers and follower growth: the snapshot to date, projected by a straight line."""
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
        ok = better(actual, target, k)
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
        prob = 1 - norm_sf(z) if k.higher_is_better else norm_sf(z)
    if n_el / days < min_elapsed or prob != prob:
        status = "too early"
    else:
        status = "on track" if prob >= 0.7 else ("at risk" if prob >= 0.3 else "off track")
    out.update(projection=proj, low=proj - 1.645 * se if se == se else nan,
               high=proj + 1.645 * se if se == se else nan, probability=prob, status=status)
    return out


def judge_bounds(rows: list[dict], k: KPI, goal: str) -> None:
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
