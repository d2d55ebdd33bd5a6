"""evaluate() and its statistics against hand computations on small frames."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

import kpikit
from kpikit.analysis.attribution import lmdi, mix_rate
from kpikit.analysis.evaluate import STATUSES, evaluate
from kpikit.analysis.stats import trend, two_proportion_test, wilson_interval
from kpikit.errors import ParameterError
from kpikit.plans import KPITree, Plan
from kpikit.views.prose import summary_lines

from .conftest import frame


def plan_for(kpi: str, target, start="2027-01-01", end="2027-01-20", cadence="campaign",
             horizon=None):
    k = {"kpi": kpi, "target": target, "owner": "Lan", "cadence": cadence}
    if horizon:
        k["horizon"] = horizon
    return Plan.from_dict({"plan": "t", "period": {"start": start, "end": end},
                           "objectives": [{"type": "sales", "kpis": [k]}]})


def daily(start, end, **cols):
    days = pd.date_range(start, end)
    rows = []
    for i, d in enumerate(days):
        row = {"date": d, "campaign": "A", "channel": "search"}
        for c, v in cols.items():
            row[c] = v(i, d) if callable(v) else v
        rows.append(row)
    return frame(rows)


# ----------------------------------------------------------------- statistics

def test_wilson_interval_matches_newcombe():
    # Newcombe (1998), Statistics in Medicine 17: 81/263 -> 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert (lo, hi) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    # 0 of 10: the interval still has width (unlike the Wald interval)
    assert wilson_interval(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)


def test_two_proportion_test_by_hand():
    # 30/200 vs 20/200: pooled 0.125, se 0.033072, z 1.5119, two-sided p 0.1306
    assert two_proportion_test(30, 200, 20, 200) == pytest.approx(0.1306, abs=1e-4)
    assert two_proportion_test(300, 2000, 200, 2000) < 1e-5


def test_lmdi_parts_add_up_exactly():
    tree = KPITree("revenue", (("impressions", 1), ("ctr", 1), ("cvr", 1),
                               ("value_per_conversion", 1)))
    before = {"impressions": 1000, "ctr": 0.1, "cvr": 0.1, "value_per_conversion": 50}
    after = {"impressions": 1200, "ctr": 0.1, "cvr": 0.08, "value_per_conversion": 50}
    out = lmdi(tree, before, after).set_index("driver")["effect"]
    weight = (480 - 500) / math.log(480 / 500)
    assert out["impressions"] == pytest.approx(weight * math.log(1.2))  # +89.32
    assert out["cvr"] == pytest.approx(weight * math.log(0.8))  # -109.32
    assert out["ctr"] == 0 and out["value_per_conversion"] == 0
    assert out.sum() == pytest.approx(480 - 500, abs=1e-9)


def test_mix_rate_textbook_example():
    # the rates do not move; volume shifts to the weaker segment: all mix
    before = pd.DataFrame({"segment": ["A", "B"], "num": [10, 30], "den": [100, 100]})
    after = pd.DataFrame({"segment": ["A", "B"], "num": [15, 15], "den": [150, 50]})
    out = mix_rate(before, after).set_index("segment")
    assert out["rate"].abs().max() == pytest.approx(0)
    assert out.loc["A", "mix"] == pytest.approx((0.75 - 0.5) * 0.10)
    assert out.loc["B", "mix"] == pytest.approx((0.25 - 0.5) * 0.30)
    assert out["total"].sum() == pytest.approx(0.15 - 0.20)


def test_mix_rate_with_both_effects_adds_up():
    before = pd.DataFrame({"segment": ["A", "B", "C"], "num": [5, 40, 0],
                           "den": [100, 200, 0]})
    after = pd.DataFrame({"segment": ["A", "B", "C"], "num": [12, 30, 9],
                          "den": [120, 150, 30]})
    out = mix_rate(before, after)
    assert out["total"].sum() == pytest.approx(51 / 300 - 45 / 300)
    assert out.set_index("segment").loc["C", "rate"] == 0  # new segment: all mix


def test_trend_slope_and_direction():
    up = trend([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5], higher_is_better=True)
    assert up.slope == pytest.approx(1.0, abs=0.05) and up.verdict == "improving"
    assert trend([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5], False).verdict == "worsening"
    noisy = trend([5, 7, 4, 6, 5, 7, 4, 6], True)
    assert noisy.verdict == "flat" and noisy.p_value > 0.05


# ------------------------------------------------------------------ evaluate

def test_attainment_is_direction_aware():
    df = daily("2027-01-01", "2027-01-20", spend=110.0, conversions=1.0, revenue=440.0)
    ev = evaluate(df, plan_for("cpa", 100), as_of="2027-01-20", pacing="linear")
    row = ev.totals().iloc[0]
    assert row["actual"] == pytest.approx(110)
    assert row["attainment"] == pytest.approx(100 / 110)  # lower is better
    assert row["status"] == "missed"
    ev = evaluate(df, plan_for("roas", 5), as_of="2027-01-20", pacing="linear")
    row = ev.totals().iloc[0]
    assert row["attainment"] == pytest.approx(4 / 5) and row["status"] == "missed"
    ev = evaluate(df, plan_for("cpa", 120), as_of="2027-01-20", pacing="linear")
    assert ev.totals().iloc[0]["status"] == "achieved"


def test_linear_projection_and_probability():
    df = daily("2027-01-01", "2027-01-10", revenue=10.0)
    ev = evaluate(df, plan_for("revenue", 150), as_of="2027-01-10", pacing="linear")
    row = ev.totals().iloc[0]
    assert row["actual"] == 100 and row["expected"] == pytest.approx(150 * 10 / 20)
    assert row["projection"] == pytest.approx(200)
    assert (row["low"], row["high"]) == pytest.approx((200, 200))  # no spread, no doubt
    assert row["probability"] == 1.0 and row["status"] == "on track"
    ev = evaluate(df, plan_for("revenue", 250), as_of="2027-01-10", pacing="linear")
    assert ev.totals().iloc[0]["status"] == "off track"


def test_projection_interval_widens_with_noise():
    rng = np.random.default_rng(1)
    df = daily("2027-01-01", "2027-01-10", revenue=lambda i, d: 10 + rng.normal(0, 3))
    first = evaluate(df, plan_for("revenue", 200), as_of="2027-01-10", pacing="linear")
    proj = first.totals().iloc[0]["projection"]
    assert proj == pytest.approx(df["revenue"].sum() * 2)
    # a target at the projection itself is a coin toss
    row = evaluate(df, plan_for("revenue", proj), as_of="2027-01-10",
                   pacing="linear").totals().iloc[0]
    assert row["low"] < row["projection"] < row["high"]
    assert row["probability"] == pytest.approx(0.5, abs=0.05) and row["status"] == "at risk"
    # by hand: each day estimates the total as 20 x value; half the period is known, so
    # var = 0.25 * s2 * 10 * 0.1**2 + s2 * 10 * (1/20)**2 with s2 = var(20 x value)
    s2 = np.var(20 * df["revenue"].to_numpy(), ddof=1)
    sd = math.sqrt(0.25 * s2 * 0.1 + s2 * 10 / 400)
    assert row["high"] - row["low"] == pytest.approx(2 * 1.6449 * sd, rel=0.08)


def test_a_table_changed_in_place_is_read_afresh():
    # evaluate() groups each table by day once per call; nothing of it outlives the call
    df = daily("2027-01-01", "2027-01-10", revenue=10.0)
    plan = plan_for("revenue", 150)
    assert evaluate(df, plan, as_of="2027-01-10", pacing="linear").totals().iloc[0][
        "actual"] == 100
    df.loc[df["date"] <= "2027-01-05", "revenue"] = 30.0  # the notebook edits in place
    row = evaluate(df, plan, as_of="2027-01-10", pacing="linear").totals().iloc[0]
    assert row["actual"] == 5 * 30 + 5 * 10
    assert row["projection"] == pytest.approx(400)


def test_daily_parts_are_the_same_inside_and_outside_an_evaluation():
    from kpikit.analysis.pacing import daily_parts, parts_memo
    from kpikit.catalog import get_kpi

    df = daily("2027-01-01", "2027-01-20", clicks=lambda i, d: 100.0 + i,
               conversions=lambda i, d: float(i % 3))
    df.loc[3, "conversions"] = np.nan  # a ratio skips the row; a total counts clicks
    windows = [(date(2026, 12, 25), date(2027, 1, 5)), (date(2027, 1, 4), date(2027, 1, 30))]

    @parts_memo
    def inside() -> list[pd.DataFrame]:
        return [daily_parts(df, get_kpi(k), s, e) for k in ("cvr", "clicks")
                for s, e in windows]

    outside = [daily_parts(df, get_kpi(k), s, e) for k in ("cvr", "clicks")
               for s, e in windows]
    for a, b in zip(inside(), outside, strict=True):
        pd.testing.assert_frame_equal(a, b)
    # by hand: cvr's numerator on Jan 4 is 0 (its conversions are missing), clicks 103
    cvr = outside[1]
    assert cvr.loc["2027-01-04", "den"] == 0 and outside[3].loc["2027-01-04", "num"] == 103
    assert cvr.loc["2027-01-05", "num"] == 1 and cvr.loc["2027-01-05", "den"] == 104
    assert (cvr.loc["2027-01-21":, ["num", "den"]] == 0).all().all()  # no rows: zeros


def test_too_early_in_a_period_is_not_judged():
    df = daily("2027-01-01", "2027-01-02", revenue=10.0)
    ev = evaluate(df, plan_for("revenue", 1000), as_of="2027-01-02", pacing="linear")
    assert ev.totals().iloc[0]["status"] == "too early"


def test_seasonal_pacing_uses_last_years_shape():
    # last year: 1/day in the first ten days, 3/day in the last ten
    ly = daily("2026-01-01", "2026-01-20", revenue=lambda i, d: 1.0 if i < 10 else 3.0,
               clicks=lambda i, d: 100.0, conversions=lambda i, d: 1.0 if i < 10 else 3.0)
    now = daily("2027-01-01", "2027-01-10", revenue=5.0, clicks=100.0, conversions=2.0)
    df = pd.concat([ly, now], ignore_index=True)
    ev = evaluate(df, plan_for("revenue", 400), as_of="2027-01-10", smoothing=1)
    row = ev.totals().iloc[0]
    assert row["expected"] == pytest.approx(400 * 10 / 40)  # a quarter of last year's total
    assert row["projection"] == pytest.approx(50 / 0.25)
    # a ratio is paced on numerator and denominator: conversions 1/4 done, clicks 1/2
    ev = evaluate(df, plan_for("cvr", 0.02), as_of="2027-01-10", smoothing=1)
    assert ev.totals().iloc[0]["expected"] == pytest.approx(0.02 * (10 / 40) / (10 / 20))
    assert ev.totals().iloc[0]["pacing"].startswith("seasonal")


def test_cadence_periods_and_targets():
    df = daily("2027-01-01", "2027-02-28", revenue=10.0)
    plan = plan_for("revenue", 590, end="2027-02-28", cadence="monthly")
    ev = evaluate(df, plan, as_of="2027-02-28", pacing="linear")
    months = ev.rows[ev.rows["level"] == "period"]
    assert months["period"].tolist() == ["2027-01", "2027-02"]
    assert months["target"].tolist() == pytest.approx([590 * 31 / 59, 590 * 28 / 59])
    assert months["actual"].tolist() == [310, 280]
    assert ev.totals().iloc[0]["status"] == "achieved"


def test_change_significance_is_reported():
    ly = daily("2026-01-01", "2026-01-20", clicks=1000.0, conversions=20.0)
    now = daily("2027-01-01", "2027-01-20", clicks=1000.0, conversions=21.0)
    ev = evaluate(pd.concat([ly, now]), plan_for("cvr", 0.02), as_of="2027-01-20")
    row = ev.totals().iloc[0]
    assert row["change_ly"] == pytest.approx(0.05)
    assert row["test_ly"] == "two-proportion z-test"
    assert row["p_ly"] == pytest.approx(two_proportion_test(420, 20000, 400, 20000))
    assert not row["significant_ly"]
    assert "not significant" in summary_lines(ev)[0]
    lo, hi = wilson_interval(420, 20000)
    assert (row["wilson_low"], row["wilson_high"]) == pytest.approx((lo, hi))


def test_long_term_kpi_is_judged_on_trend():
    df = daily("2026-01-01", "2027-01-20", orders=lambda i, d: 100.0,
               repeat_orders=lambda i, d: 30.0 + (d.year - 2026) * 12 + d.month)
    plan = plan_for("repeat_purchase_rate", 0.9, horizon="long")
    ev = evaluate(df, plan, as_of="2027-01-10", pacing="linear")
    row = ev.totals().iloc[0]
    assert row["trend"] == "improving" and row["trend_months"] == 12
    assert row["status"] == "on track"  # despite a far target: the trend decides


def test_sample_plans_evaluate(fixtures):
    sample = kpikit.load_sample()
    plan = Plan.from_yaml(kpikit.sample_path().parent / "plan_tet_sale.yaml")
    ev = evaluate(sample, plan, as_of="2027-01-25")
    assert set(ev.rows["status"]) <= set(STATUSES)
    totals = ev.totals()
    assert len(totals) == 6 and totals["probability"].between(0, 1).all()
    for kpi, tables in ev.drivers.items():
        for table in tables.values():
            assert table["effect"].sum() == pytest.approx(
                table.attrs["after"] - table.attrs["before"], rel=1e-9), kpi
    done = evaluate(sample, plan, as_of="2027-03-31")
    assert set(done.totals()["status"]) <= {"achieved", "missed"}


def test_bad_calls():
    df = daily("2027-01-01", "2027-01-10", revenue=10.0)
    with pytest.raises(ParameterError, match="before the period starts"):
        evaluate(df, plan_for("revenue", 10), as_of="2026-12-01")
    with pytest.raises(ParameterError, match="pacing='weird'"):
        evaluate(df, plan_for("revenue", 10), as_of="2027-01-05", pacing="weird")
    with pytest.raises(ParameterError, match="period 'soon'"):
        evaluate(df, plan_for("revenue", 10), as_of="2027-01-05", period="soon")
    assert date(2027, 1, 5) == evaluate(df, plan_for("revenue", 10),
                                        as_of=date(2027, 1, 5)).as_of


def test_views_of_a_kpi_outside_the_plan_are_refused_clearly():
    from kpikit.analysis.series import daily_kpi, pacing_series

    df = daily("2027-01-01", "2027-01-10", revenue=10.0)
    ev = evaluate(df, plan_for("revenue", 150), as_of="2027-01-10", pacing="linear")
    for view in (pacing_series, daily_kpi):
        with pytest.raises(ParameterError, match="kpi='ctr' is not in the plan. Fix: choose "
                                                 "one of revenue"):
            view(df, ev, "ctr")
