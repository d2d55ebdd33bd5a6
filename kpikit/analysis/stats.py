"""Statistics that know nothing of KPIs: intervals, tests, trends and model checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Trend",
    "aic",
    "holdout",
    "norm_sf",
    "ratio_variance",
    "trend",
    "two_proportion_test",
    "wilson_interval",
]


def wilson_interval(successes: float, trials: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default)."""
    if trials <= 0:
        return (math.nan, math.nan)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (centre - half, centre + half)


def norm_sf(z: float) -> float:
    """Upper tail probability of the standard normal distribution."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def two_proportion_test(x1: float, n1: float, x0: float, n0: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    if min(n1, n0) <= 0:
        return math.nan
    pooled = (x1 + x0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se == 0:
        return 1.0 if x1 / n1 == x0 / n0 else 0.0
    return 2 * norm_sf(abs(x1 / n1 - x0 / n0) / se)


def ratio_variance(num: np.ndarray, den: np.ndarray) -> float:
    """Variance of sum(num)/sum(den) with days as units (linearisation)."""
    n = len(num)
    total = den.sum()
    if n < 2 or total <= 0:
        return math.nan
    r = num.sum() / total
    resid = num - r * den
    return float((resid ** 2).sum() / total ** 2 * n / (n - 1))


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


def aic(sse: float, n: int, k: int) -> float:
    """Akaike information criterion of a least-squares fit: n points, k parameters."""
    return n * math.log(max(sse, 1e-300) / n) + 2 * k


def holdout(y: np.ndarray, predict_after: Callable[[int, int], np.ndarray], min_train: int
            ) -> tuple[float, float, int]:
    """Time-ordered holdout, rolling the origin where the data allows.

    ``predict_after(t, h)`` fits on periods ``0..t-1`` and forecasts ``t..t+h-1``. The
    last fifth of the periods (at least 2) is held out; with enough history the origin
    rolls back one and two holdout lengths more. Returns the weighted absolute
    percentage error of the forecasts, the same error of the training mean, and the
    number of forecast periods.
    """
    n = len(y)
    h = max(2, round(0.2 * n))
    # the last holdout always (when a fit is possible at all); earlier origins only when
    # their training part is as long as a fit normally needs
    origins = [t for t in (n - 3 * h, n - 2 * h) if t >= min_train]
    origins += [n - h] if n - h >= 4 else []
    if not origins:
        return math.nan, math.nan, 0
    err = naive = scale = 0.0
    count = 0
    for t in origins:
        try:
            pred = np.asarray(predict_after(t, h), dtype=float)
        except (ValueError, np.linalg.LinAlgError):
            continue
        actual = y[t:t + h]
        err += float(np.abs(pred - actual).sum())
        naive += float(np.abs(y[:t].mean() - actual).sum())
        scale += float(np.abs(actual).sum())
        count += len(actual)
    if not count or scale <= 0:
        return math.nan, math.nan, 0
    return err / scale, naive / scale, count
