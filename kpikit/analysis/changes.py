"""Change of a KPI against the previous period and last year, with its significance.

The test depends on what the KPI counts: a two-proportion z-test for a rate whose
numerator is a subset of its denominator's units, Welch's t-test or an exact
Poisson rate test for a total, and a z-test of ratios (days as units) otherwise.
"""

from __future__ import annotations

import math
import warnings
from datetime import date, timedelta

import pandas as pd

from kpikit.analysis.pacing import daily_parts, last_year_day, value_of
from kpikit.analysis.stats import norm_sf, ratio_variance, two_proportion_test, wilson_interval
from kpikit.catalog import KPI, MEASURES
from kpikit.plans import BOUNDED_RATES

__all__ = ["BINOMIAL", "changes", "compare_windows"]

#: rates whose numerator counts a subset of the denominator's units: binomial statistics
BINOMIAL = BOUNDED_RATES | {"cvr", "session_cvr", "lead_rate"}


def compare_windows(k: KPI, now: pd.DataFrame, before: pd.DataFrame) -> tuple[float, float, str]:
    """(relative change, two-sided p-value, test name) of the KPI between two windows."""
    n1, d1 = now["num"].to_numpy(), now["den"].to_numpy()
    n0, d0 = before["num"].to_numpy(), before["den"].to_numpy()
    v1 = value_of(n1.sum(), d1.sum(), k)
    v0 = value_of(n0.sum(), d0.sum(), k)
    change = v1 / v0 - 1 if v0 and v0 == v0 and v1 == v1 else math.nan
    if len(n1) < 2 or len(n0) < 2 or change != change:
        return change, math.nan, "none"
    if k.name in BINOMIAL:
        return change, two_proportion_test(n1.sum(), d1.sum(), n0.sum(), d0.sum()), \
            "two-proportion z-test"
    from scipy import stats

    if not k.is_ratio:
        if MEASURES[k.measures[0]].money or max(n1.mean(), n0.mean()) >= 20:
            with warnings.catch_warnings():  # identical days: the test says p = nan
                warnings.simplefilter("ignore", RuntimeWarning)
                p = stats.ttest_ind(n1, n0, equal_var=False).pvalue
            return change, float(p), "Welch t-test on daily values"
        total = n1.sum() + n0.sum()
        frac = len(n1) / (len(n1) + len(n0))
        p = stats.binomtest(int(round(n1.sum())), int(round(total)), frac).pvalue
        return change, float(p), "exact Poisson rate test"
    var = ratio_variance(n1, d1) + ratio_variance(n0, d0)
    if not var > 0:
        return change, math.nan, "none"
    z = abs(n1.sum() / d1.sum() - n0.sum() / d0.sum()) / math.sqrt(var)
    return change, 2 * norm_sf(z), "z-test of ratios (days as units)"


def changes(k: KPI, scoped: pd.DataFrame, s: date, upto: date,
             offset: pd.Timedelta | None) -> dict:
    """Change of the to-date window against the previous period and last year."""
    n = (pd.Timestamp(upto) - pd.Timestamp(s)).days + 1
    now = daily_parts(scoped, k, s, upto)
    prev_s = pd.Timestamp(s) - pd.Timedelta(days=n)
    prev = daily_parts(scoped, k, prev_s.date(), (pd.Timestamp(s) - timedelta(days=1)).date())
    ly = daily_parts(scoped, k, last_year_day(s, offset), last_year_day(upto, offset))
    out = {}
    for name, before in (("prev", prev), ("ly", ly)):
        active = before if (before["num"] != 0).any() else before.iloc[0:0]
        change, p, test = (compare_windows(k, now, active) if len(active)
                           else (math.nan, math.nan, "none"))
        out[f"change_{name}"] = change
        out[f"p_{name}"] = p
        out[f"significant_{name}"] = bool(p == p and p < 0.05)
        out[f"test_{name}"] = test
    if k.name in BINOMIAL:
        lo, hi = wilson_interval(float(now["num"].sum()), float(now["den"].sum()))
        out.update(wilson_low=lo, wilson_high=hi)
    return out
