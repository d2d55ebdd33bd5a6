"""Response curves and the allocator against known answers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import kpikit
from kpikit.analysis.optimize import (
    CurveError,
    InfeasibleError,
    ResponseCurve,
    allocate,
    fit_curve,
    fit_curves,
    fit_joint,
    load_meridian,
)
from kpikit.views.prose import recommendations

DATA = Path(kpikit.sample_path()).parent


def log_curve(name, a, b, current=1000.0):
    return ResponseCurve(name, "log", (float(a), float(b)), current=current,
                         spend_max=math.inf)


def analytic_log(a, b, budget):
    """max sum a_i ln(1 + x_i/b_i) s.t. sum x = B: marginal a_i/(b_i + x_i) equal for all."""
    lam = sum(a) / (budget + sum(b))
    return [ai / lam - bi for ai, bi in zip(a, b, strict=True)]


# ------------------------------------------------------------------- curves

def test_hill_parameters_are_recovered():
    rng = np.random.default_rng(3)
    x = rng.uniform(1000, 15000, 150)
    truth = (1000.0, 5000.0, 1.5)
    y = truth[0] * (x / truth[1]) ** 1.5 / (1 + (x / truth[1]) ** 1.5) + rng.normal(0, 10, 150)
    c = fit_curve(x, y, forms=("hill",), bootstrap=0)
    assert c.params == pytest.approx(truth, rel=0.05)
    assert c.r2 > 0.95


def test_log_form_is_chosen_for_log_data_and_recovered():
    rng = np.random.default_rng(4)
    x = rng.uniform(500, 8000, 120)
    y = 500 * np.log1p(x / 2000) + rng.normal(0, 5, 120)
    c = fit_curve(x, y, bootstrap=50)
    assert c.form == "log" and c.params == pytest.approx((500, 2000), rel=0.05)
    lo, hi = c.band(np.array([4000.0]))
    assert lo[0] < c.predict(4000.0) < hi[0]


def test_adstock_decay_is_recovered():
    from kpikit.analysis.optimize import adstock

    rng = np.random.default_rng(5)
    x = rng.uniform(100, 5000, 200)
    y = 300 * np.log1p(adstock(x, 0.5) / 3000) + rng.normal(0, 2, 200)
    c = fit_curve(x, y, forms=("log",), adstock_decays=(0.0, 0.25, 0.5, 0.75), bootstrap=0)
    assert c.decay == 0.5


def test_curves_are_refused_when_the_data_cannot_identify_them():
    x = np.full(30, 1000.0) + np.arange(30)  # spend barely moves
    with pytest.raises(CurveError, match="spend hardly varies.*coefficient of variation 1%"):
        fit_curve(x, np.arange(30.0), channel="email")
    with pytest.raises(CurveError, match="only 5 periods"):
        fit_curve([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], channel="tiny")


def test_extrapolated_saturation_is_flagged():
    rng = np.random.default_rng(6)
    x = rng.uniform(100, 1000, 60)  # far below the half-effect spend of 50,000
    y = 10_000 * np.log1p(x / 50_000) + rng.normal(0, 0.5, 60)
    with pytest.warns(kpikit.KpikitWarning, match="saturation lies beyond the spend observed"):
        c = fit_curve(x, y, forms=("log",), bootstrap=0)
    assert any("extrapolated" in n for n in c.notes)


def test_per_channel_fit_on_the_sample():
    curves, refused = fit_curves(kpikit.load_sample(), outcome="revenue",
                                 campaigns=["Tết Sale"], freq="D", bootstrap=10)
    assert set(curves) | set(refused) == {"search", "social", "display", "email"}
    assert all(c.r2 > 0.5 for c in curves.values())


# ---------------------------------------------------------------- allocator

def test_allocation_matches_the_analytic_optimum():
    a, b = [100, 200, 300], [1000, 2000, 500]
    curves = {n: log_curve(n, ai, bi) for n, ai, bi in zip("xyz", a, b, strict=True)}
    res = allocate(curves, budget=10_000)
    got = res.table.set_index("channel")["recommended"]
    for n, want in zip("xyz", analytic_log(a, b, 10_000), strict=True):
        assert got[n] == pytest.approx(want, rel=1e-3)  # within 0.1%
    m = res.table["marginal"]
    assert m.max() / m.min() == pytest.approx(1, abs=1e-3)  # marginal returns equalised


def test_twenty_channels_within_a_tenth_of_a_percent():
    rng = np.random.default_rng(7)
    a = rng.uniform(50, 500, 20)
    b = rng.uniform(500, 5000, 20)
    budget = 300_000.0  # large enough that every channel gets money (an interior optimum)
    want = analytic_log(a, b, budget)
    assert min(want) > 0
    curves = {f"c{i}": log_curve(f"c{i}", a[i], b[i], current=budget / 20) for i in range(20)}
    res = allocate(curves, budget=budget)
    got = res.table.set_index("channel")["recommended"]
    best = sum(ai * math.log1p(w / bi) for ai, bi, w in zip(a, b, want, strict=True))
    assert res.outcome_recommended == pytest.approx(best, rel=1e-3)
    for i in range(20):
        assert got[f"c{i}"] == pytest.approx(want[i], rel=1e-3)


def test_bounds_and_locks_bind_and_explain():
    a, b = [100, 200, 300], [1000, 2000, 500]
    curves = {n: log_curve(n, ai, bi) for n, ai, bi in zip("xyz", a, b, strict=True)}
    res = allocate(curves, budget=10_000, bounds={"z": [0, 5000]}, locked=["x"],
                   current={"x": 1000, "y": 4000, "z": 5000})
    t = res.table.set_index("channel")
    assert t.loc["z", "recommended"] == pytest.approx(5000) and t.loc["z", "binding"] == "max"
    assert t.loc["x", "recommended"] == 1000 and t.loc["x", "binding"] == "locked"
    assert "locked" in t.loc["x", "why"]
    assert t.loc["y", "recommended"] == pytest.approx(4000)
    assert "z max" in res.binding and "total budget" in res.binding


def test_never_worse_than_the_current_allocation():
    rng = np.random.default_rng(8)
    x = rng.uniform(1000, 9000, 60)
    curves = {}
    for i, (top, half) in enumerate([(5000, 3000), (8000, 9000), (2000, 1000)]):
        y = top * x / (half + x) + rng.normal(0, 20, 60)
        curves[f"ch{i}"] = fit_curve(x, y, channel=f"ch{i}", bootstrap=20)
    res = allocate(curves)
    assert res.outcome_recommended >= res.outcome_current - 1e-9
    assert res.spend_recommended == pytest.approx(res.spend_current)
    assert res.outcome_low <= res.outcome_recommended <= res.outcome_high


def test_minimum_budget_to_reach_a_target():
    a, b = [100.0, 200.0, 300.0], [1000.0, 2000.0, 500.0]
    curves = {n: log_curve(n, ai, bi) for n, ai, bi in zip("xyz", a, b, strict=True)}
    target = 1500.0
    # optimal: x_i = a_i / lam - b_i with ln(lam) = (sum a_i ln(a_i / b_i) - T) / sum a_i
    lam = math.exp((sum(ai * math.log(ai / bi) for ai, bi in zip(a, b, strict=True))
                    - target) / sum(a))
    want = sum(ai / lam - bi for ai, bi in zip(a, b, strict=True))
    res = allocate(curves, mode="min-budget", target=target, max_multiple=None)
    assert res.spend_recommended == pytest.approx(want, rel=1e-3)
    assert res.outcome_recommended == pytest.approx(target, rel=1e-4)


def test_cpa_and_roas_limits_hold():
    curves = {n: log_curve(n, ai, bi) for n, ai, bi in zip("xyz", [100, 200, 300],
                                                           [1000, 2000, 500], strict=True)}
    res = allocate(curves, budget=50_000, mode="target-cpa", target=8.0, max_multiple=None)
    assert res.spend_recommended / res.outcome_recommended <= 8.0 * (1 + 1e-6)
    assert "CPA limit" in res.binding
    rev = {n: ResponseCurve(n, "log", c.params, outcome="revenue", current=1000,
                            spend_max=math.inf) for n, c in curves.items()}
    res = allocate(rev, budget=50_000, mode="target-roas", target=0.2, max_multiple=None)
    assert res.outcome_recommended / res.spend_recommended >= 0.2 * (1 - 1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"budget": 1000, "bounds": {"x": [800, 900], "y": [500, None]}},
     "the minimums add up to 1,300, 300 above the budget 1,000"),
    ({"budget": 10_000, "bounds": {"x": [0, 100], "y": [0, 100], "z": [0, 100]}},
     "the maximums add up to 300, 9,700 below the budget"),
    ({"budget": 1000, "bounds": {"x": [900, 100]}}, "maximum 100 is below the minimum 900"),
    ({"budget": 1000, "bounds": {"w": [0, 1]}}, "'w' is not a channel with a curve"),
    ({"budget": 1000, "locked": ["x"], "bounds": {"x": [0, 10]}},
     "'x' is locked at 1,000, outside its bounds"),
    ({"mode": "min-budget", "target": 10**9, "bounds": {"x": [0, 1], "y": [0, 1],
                                                        "z": [0, 1]}},
     "even at every channel's maximum"),
    ({"mode": "target-cpa"}, "needs a positive target"),
    ({"mode": "best"}, "mode='best': choose from"),
])
def test_infeasible_requests_are_explained(kwargs, message):
    curves = {n: log_curve(n, ai, bi) for n, ai, bi in zip("xyz", [100, 200, 300],
                                                           [1000, 2000, 500], strict=True)}
    with pytest.raises((InfeasibleError, kpikit.ParameterError)) as info:
        allocate(curves, **kwargs)
    assert message in str(info.value)


def test_recommendations_are_ordered_by_impact_and_bilingual():
    a, b = [100, 200, 300], [1000, 2000, 500]
    curves = {n: log_curve(n, ai, bi, current=c) for n, ai, bi, c in
              zip("xyz", a, b, [5000, 4000, 1000], strict=True)}
    res = allocate(curves)
    lines = recommendations(res, lang="en")
    assert lines[0].startswith(("Raise z", "Cut x"))
    assert lines[-1].startswith("In all: conversions from")
    vi = recommendations(res, lang="vi", currency="VND")
    assert vi[-1].startswith("Tổng cộng: lượt chuyển đổi từ")


def test_meridian_end_to_end_beats_the_historical_mix():
    spend, conversions, revenue = load_meridian(str(DATA / "meridian_national.csv"))
    assert list(spend.columns) == ["Channel0", "Channel1", "Channel2", "Channel3"]
    curves, baseline = fit_joint(spend, revenue, outcome_name="revenue", bootstrap=10)
    assert baseline > 0 and {c.form for c in curves.values()} <= {"hill", "log"}
    res = allocate(curves)  # same budget as the historical mix
    assert res.spend_recommended == pytest.approx(spend.mean().sum())
    assert res.outcome_recommended > res.outcome_current
    historical = sum(float(curves[ch].predict(spend[ch].mean())) for ch in spend.columns)
    assert res.outcome_current == pytest.approx(historical)
