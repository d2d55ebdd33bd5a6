"""Optimisation you can defend: feasibility against brute force, paired lift, holdout,
one channel, currency, raw Meridian files and the what-if warning."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpikit
from kpikit.analysis.optimize import (
    InfeasibleError,
    ResponseCurve,
    allocate,
    fit_curve,
    load_meridian,
)
from kpikit.errors import ParameterError
from kpikit.i18n.formats import format_money
from kpikit.views.prose import recommendations

DATA = Path(kpikit.sample_path()).parent


def log_curve(name, a, b, current=1000.0, draws=None, outcome="revenue", spend_max=math.inf):
    return ResponseCurve(name, "log", (float(a), float(b)), current=current,
                         spend_max=spend_max, outcome=outcome,
                         draws=None if draws is None else np.array(draws, dtype=float))


# ------------------------------------------------------------ feasibility


def test_efficient_channel_lifts_the_blend_above_the_roas_limit():
    # minimums alone: y at 100 returns 10 ln(1 + 100/1000) = 0.95, ROAS 0.01 < 2.
    # Adding 100 on x returns 1000 ln 2 = 693: (693 + 0.95) / 200 = 3.47 >= 2, feasible.
    curves = {"x": log_curve("x", 1000, 100, current=100),
              "y": log_curve("y", 10, 1000, current=100)}
    a = allocate(curves, mode="target-roas", target=2.0, bounds={"y": [100, None]})
    t = a.table.set_index("channel")
    spend = t["recommended"].sum()
    revenue = 1000 * math.log1p(t.loc["x", "recommended"] / 100) + \
        10 * math.log1p(t.loc["y", "recommended"] / 1000)
    assert revenue >= 2.0 * spend * (1 - 1e-6)
    assert t.loc["y", "recommended"] >= 100 - 1e-6
    assert spend <= 200 * (1 + 1e-6)


def _brute_best(curves, lo, hi, budget, term, n=41):
    names = list(curves)
    grids = [np.linspace(lo[i], hi[i], n) for i in range(len(names))]
    best = -np.inf
    for pt in itertools.product(*grids):
        x = np.array(pt)
        if x.sum() <= budget:
            best = max(best, sum(term(curves[ch], v) for ch, v in zip(names, x, strict=True)))
    return best


@pytest.mark.parametrize("mode", ["target-roas", "target-cpa"])
def test_feasibility_precheck_agrees_with_brute_force(mode):
    rng = np.random.default_rng(11 if mode == "target-roas" else 12)
    refused = solved = 0
    for _ in range(14):
        n = int(rng.integers(2, 4))
        curves = {}
        for i in range(n):
            if rng.random() < 0.5:
                params = (float(rng.uniform(500, 3000)), float(rng.uniform(100, 800)),
                          float(rng.uniform(0.6, 2.5)))
                form = "hill"
            else:
                params, form = (float(rng.uniform(100, 800)), float(rng.uniform(50, 500))), "log"
            curves[f"c{i}"] = ResponseCurve(f"c{i}", form, params, outcome="revenue",
                                            spend_max=1000.0,
                                            current=float(rng.uniform(50, 500)))
        budget = float(sum(c.current for c in curves.values()))
        bounds = {ch: [float(rng.uniform(0, 200)), float(rng.uniform(300, 1200))]
                  for ch in curves if rng.random() < 0.7}
        names = list(curves)
        lo = np.array([bounds[ch][0] if ch in bounds else 0.0 for ch in names])
        hi = np.array([bounds[ch][1] if ch in bounds else 1500.0 for ch in names])
        if mode == "target-roas":
            target = float(rng.uniform(1.0, 4.0))

            def term(c, v, target=target):
                return float(c.predict(v)) - target * v
        else:
            target = float(rng.uniform(0.2, 1.2))  # spend per unit of revenue-as-outcome

            def term(c, v, target=target):
                return target * float(c.predict(v)) - v
        best = _brute_best(curves, lo, hi, budget, term)
        try:
            a = allocate(curves, budget=budget, mode=mode, target=target, bounds=bounds)
        except InfeasibleError:
            refused += 1
            assert best <= 1e-6 * budget, f"refused a feasible problem (best {best:.4g})"
            continue
        solved += 1
        x = a.table.set_index("channel")["recommended"][names].to_numpy()
        got = sum(term(curves[ch], v) for ch, v in zip(names, x, strict=True))
        assert got >= -1e-6 * budget, "returned an allocation that breaks the limit"
        assert x.sum() <= budget * (1 + 1e-6) and (x >= lo - 1e-6).all()
    assert refused and solved  # both branches were exercised


# ------------------------------------------------------------ paired lift


def _two_channels(draws_x, draws_y):
    # point estimates: y returns 1.5 x as much as x; current spend equal
    return {"x": log_curve("x", 100, 1000, current=1000, draws=draws_x, outcome="conversions"),
            "y": log_curve("y", 150, 1000, current=1000, draws=draws_y, outcome="conversions")}


def test_paired_gain_when_draws_disagree_says_keep_the_mix():
    # half the draws agree with the point estimate, half swap the channels: moving budget
    # to y gains in 5 draws and loses the same amount in the other 5
    dx = [[100, 1000]] * 5 + [[150, 1000]] * 5
    dy = [[150, 1000]] * 5 + [[100, 1000]] * 5
    a = allocate(_two_channels(dx, dy))
    t = a.table.set_index("channel")
    xs, ys = t.loc["x", "recommended"], t.loc["y", "recommended"]
    assert ys > 1000 > xs
    gain_a = 100 * (math.log1p(xs / 1000) - math.log(2)) + 150 * (math.log1p(ys / 1000)
                                                                  - math.log(2))
    gain_b = 150 * (math.log1p(xs / 1000) - math.log(2)) + 100 * (math.log1p(ys / 1000)
                                                                  - math.log(2))
    assert gain_a > 0 > gain_b
    assert a.prob_gain == pytest.approx(0.5)
    assert a.gain_low == pytest.approx(gain_b) and a.gain_high == pytest.approx(gain_a)
    assert a.verdict == "keep"
    lines = recommendations(a)
    assert lines[0].startswith("Keep the current mix")
    assert "50%" in lines[0] and "Test y" in lines[0]
    assert not any(line.startswith(("Raise", "Cut")) for line in lines)
    vi = recommendations(a, lang="vi")
    assert vi[0].startswith("Giữ nguyên cơ cấu hiện tại")


def test_paired_gain_when_every_draw_gains_acts():
    # every draw keeps y better, with levels that differ by a factor 2 between draws:
    # the level interval is wide but the paired gain is always positive
    dx = [[100 * s, 1000] for s in (0.5, 1, 1.5, 2)]
    dy = [[150 * s, 1000] for s in (0.5, 1, 1.5, 2)]
    a = allocate(_two_channels(dx, dy))
    assert a.prob_gain == 1.0 and a.gain_low > 0
    assert a.verdict == "act"
    assert a.outcome_high / a.outcome_low > 2.5  # the level is uncertain, the lift is not
    assert recommendations(a)[0].startswith("Raise y")


# ----------------------------------------------------------------- holdout


def test_holdout_error_is_reported_and_a_broken_curve_fails_it():
    rng = np.random.default_rng(5)
    x = rng.uniform(500, 8000, 60)
    y = 500 * np.log1p(x / 2000)
    good = fit_curve(x, y, bootstrap=0)
    assert good.holdout_n > 0
    assert good.holdout_mape < 1e-3 and good.holdout_ok  # noise-free: forecasts are exact
    broken = y.copy()
    broken[36:] = 900 - 0.1 * x[36:]  # the response turns over in the last 40%
    bad = fit_curve(x, broken, bootstrap=0)
    assert bad.holdout_ok is False
    assert any("holdout" in n for n in bad.notes)
    other = fit_curve(x, y * 1.1, channel="other", bootstrap=0)
    a = allocate({"bad": ResponseCurve(**{**bad.__dict__, "channel": "bad"}), "other": other})
    assert a.failed_holdout == ("bad",)
    if a.verdict != "no change":
        assert a.verdict == "keep"
        assert "fail their time-ordered holdout" in recommendations(a)[0]


# ------------------------------------------------------------- one channel


def test_one_channel_has_nothing_to_reallocate_and_offers_its_budget_curve():
    c = log_curve("search", 300, 1000, current=1000, outcome="revenue")
    a = allocate({"search": c})
    assert a.verdict == "single"
    lines = recommendations(a, currency="VND", curves={"search": c})
    text = " ".join(lines)
    assert "other channels" not in text
    assert "only channel" in text and "nothing to reallocate" in text
    # the budget curve at -20% and +20%: 300 ln(1.8) = 176.3 and 300 ln(2.2) = 236.5
    assert format_money(300 * math.log(1.8), "VND", "en") in text
    assert format_money(300 * math.log(2.2), "VND", "en") in text
    assert format_money(800, "VND", "en") in text and format_money(1200, "VND", "en") in text
    assert "kênh duy nhất" in " ".join(recommendations(a, lang="vi", currency="VND",
                                                       curves={"search": c}))


def test_every_amount_of_a_revenue_recommendation_carries_its_currency():
    curves = {n: log_curve(n, a, b, current=c) for n, a, b, c in
              (("x", 1e6, 1e5, 5e5), ("y", 2e6, 2e5, 4e5), ("z", 3e6, 5e4, 1e5))}
    a = allocate(curves)
    total = recommendations(a, currency="VND")[-1]
    for v in (a.outcome_current, a.outcome_recommended, a.spend_current):
        assert format_money(v, "VND", "en") in total
    vi = recommendations(a, currency="VND", lang="vi")[-1]
    assert format_money(a.outcome_current, "VND", "vi") in vi


# ---------------------------------------------------------- Meridian files


def _raw_meridian(tmp_path, national):
    """The national sample written the way Meridian ships it: two geos, ``time``,
    ``revenue_per_conversion`` and a leading unnamed index column."""
    rows = []
    for g, share in (("Geo0", 0.25), ("Geo1", 0.75)):
        d = national[["date", *[c for c in national if c.endswith("_spend")],
                      "conversions"]].copy()
        for c in d.columns[1:]:
            d[c] = d[c] * share
        d["revenue_per_conversion"] = national["revenue"] / national["conversions"]
        d.insert(1, "geo", g)
        rows.append(d.rename(columns={"date": "time"}))
    raw = pd.concat(rows).reset_index(drop=True)
    path = tmp_path / "geo_media.csv"
    raw.to_csv(path)
    return path


def test_raw_meridian_file_reads_like_the_national_one(tmp_path):
    national = pd.read_csv(DATA / "meridian_national.csv")
    spend, conv, rev = load_meridian(str(_raw_meridian(tmp_path, national)))
    s0, c0, r0 = load_meridian(str(DATA / "meridian_national.csv"))
    assert list(spend.columns) == ["Channel0", "Channel1", "Channel2", "Channel3"]
    assert np.allclose(spend.to_numpy(), s0.to_numpy())
    assert np.allclose(conv.to_numpy(), c0.to_numpy())
    assert np.allclose(rev.to_numpy(), r0.to_numpy(), rtol=1e-9)


def test_meridian_file_without_a_needed_column_names_the_mapping(tmp_path):
    path = tmp_path / "m.csv"
    pd.DataFrame({"week": ["2024-01-01"], "TV_spend": [1.0]}).to_csv(path, index=False)
    with pytest.raises(ParameterError, match="conversions") as info:
        load_meridian(str(path))
    assert "CHANNEL_spend" in str(info.value)


def test_cli_optimize_on_a_raw_meridian_file(tmp_path, capsys):
    from kpikit.cli import main

    national = pd.read_csv(DATA / "meridian_national.csv")
    path = _raw_meridian(tmp_path, national)
    out = tmp_path / "res.json"
    code = main(["optimize", str(path), "-o", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "holdout error" in text
    import json

    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["gain"]["verdict"] in ("act", "keep")
    assert 0 <= doc["gain"]["probability"] <= 1
    assert set(doc["holdout"]) == {"Channel0", "Channel1", "Channel2", "Channel3"}


# ----------------------------------------------------------------- what-if


def test_what_if_warns_past_the_seen_spend_in_currency():
    pytest.importorskip("ipywidgets")
    from kpikit.views.widgets import WhatIf

    curves = {"x": log_curve("x", 100, 1000, current=500, spend_max=800),
              "y": log_curve("y", 100, 1000, current=500, spend_max=900)}
    wi = WhatIf(curves, currency="VND")
    assert wi.beyond() == {}
    assert format_money(100 * math.log1p(0.5) * 2, "VND", "en") in wi.result.value
    wi.sliders["x"].value = 1000
    assert wi.beyond() == {"x": 800}
    assert "Past the most spend the curve has seen: x (" + format_money(800, "VND", "en") \
        in wi.result.value


# ------------------------------------------------------------- period rows


def test_curves_from_weekly_rows_match_curves_from_daily_rows():
    from kpikit.analysis.optimize import fit_curves
    from kpikit.errors import KpikitWarning

    from .conftest import frame

    rng = np.random.default_rng(8)
    days = pd.date_range("2026-01-05", periods=7 * 30)  # 30 Monday..Sunday weeks
    level = np.repeat(rng.uniform(200, 2000, 30), 7)
    daily = frame([{"date": d, "campaign": "A", "channel": "social", "spend": s,
                    "revenue": 400 * math.log1p(s / 800)} for d, s in zip(days, level,
                                                                           strict=True)])
    weekly = daily.groupby(daily["date"].dt.to_period("W-SUN")).agg(
        spend=("spend", "sum"), revenue=("revenue", "sum")).reset_index(drop=True)
    weekly.insert(0, "date", days[::7])
    weekly.insert(1, "date_end", days[6::7])
    weekly.insert(2, "campaign", "A")
    weekly.insert(3, "channel", "social")
    weekly.attrs["currency"] = "VND"
    a, _ = fit_curves(daily, outcome="revenue", freq="W", bootstrap=0)
    with pytest.warns(KpikitWarning, match="fitted per week"):
        b, _ = fit_curves(weekly, outcome="revenue", freq="D", bootstrap=0)
    assert b["social"].n == 30 and b["social"].freq == "W"
    assert b["social"].params == pytest.approx(a["social"].params, rel=1e-6)


def test_cli_one_channel_export_offers_the_budget_curve(tmp_path, capsys):
    from kpikit.cli import main

    rng = np.random.default_rng(2)
    days = pd.date_range("2026-01-01", periods=60)
    spend = rng.uniform(2e6, 9e6, 60).round()
    path = tmp_path / "one.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "campaign": "A", "channel": "search",
                  "spend": spend, "revenue": (4e7 * np.log1p(spend / 5e6)).round()}
                 ).to_csv(path, index=False)
    assert main(["optimize", str(path), "--currency", "VND"]) == 0
    out = capsys.readouterr().out
    assert "only channel: there is nothing to reallocate" in out
    assert "other channels" not in out
    assert "₫" in out.split("only channel")[1]  # the budget curve's amounts carry ₫
