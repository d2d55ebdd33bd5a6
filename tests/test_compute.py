"""compute() against hand-computed values, and its re-aggregation property."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpikit
from kpikit.errors import KpikitWarning, ParameterError

from .conftest import frame

ROWS = [
    dict(date="2026-01-01", campaign="A", channel="search", impressions=1000, clicks=50,
         spend=100, conversions=5, revenue=500),
    dict(date="2026-01-02", campaign="A", channel="search", impressions=3000, clicks=30,
         spend=300, conversions=0, revenue=0),
    dict(date="2026-01-01", campaign="A", channel="social", impressions=0, clicks=0,
         spend=0, conversions=0, revenue=0),
    dict(date="2026-02-01", campaign="B", channel="search", impressions=200, clicks=10,
         spend=50, conversions=2, revenue=100),
]


def test_ratio_kpis_are_sum_over_sum():
    out = kpikit.compute(frame(ROWS), ["ctr", "cpa", "roas", "cpm", "cvr", "roi", "profit"],
                         by="campaign").set_index("campaign")
    a = out.loc["A"]
    assert a["ctr"] == pytest.approx(80 / 4000)  # not the mean of daily CTRs (0.03)
    assert a["cpa"] == pytest.approx(400 / 5)
    assert a["roas"] == pytest.approx(500 / 400)
    assert a["cpm"] == pytest.approx(1000 * 400 / 4000)
    assert a["cvr"] == pytest.approx(5 / 80)
    assert a["roi"] == pytest.approx((500 - 400) / 400)
    assert a["profit"] == pytest.approx(100)
    b = out.loc["B"]
    assert (b["ctr"], b["cpa"], b["roas"]) == pytest.approx((0.05, 25.0, 2.0))


def test_mean_of_ratios_differs_and_is_not_what_compute_gives():
    df = frame(ROWS)
    a = df[(df.campaign == "A") & (df.impressions > 0)]
    mean_of_ratios = (a.clicks / a.impressions).mean()
    assert mean_of_ratios == pytest.approx(0.03)
    got = kpikit.compute(df, "ctr", by="campaign").set_index("campaign").loc["A", "ctr"]
    assert got == pytest.approx(0.02) and got != pytest.approx(mean_of_ratios)


def test_zero_denominator_gives_missing_value_not_inf():
    out = kpikit.compute(frame(ROWS), ["ctr", "cpa", "roas"], by="campaign,channel,day")
    social = out[out.channel == "social"].iloc[0]
    assert math.isnan(social["ctr"]) and math.isnan(social["cpa"])
    assert math.isnan(social["roas"])
    day2 = out[(out.channel == "search") & (out.period == pd.Period("2026-01-02"))].iloc[0]
    assert math.isnan(day2["cpa"])  # 300 spent, 0 conversions
    assert day2["roas"] == 0.0
    assert np.isfinite(out[["ctr", "cpa", "roas"]].to_numpy()[~out[["ctr", "cpa", "roas"]]
                                                                .isna().to_numpy()]).all()


def test_periods_and_totals():
    df = frame(ROWS)
    monthly = kpikit.compute(df, ["spend", "ctr"], by=None, freq="M")
    assert monthly["period"].astype(str).tolist() == ["2026-01", "2026-02"]
    assert monthly["spend"].tolist() == [400.0, 50.0]
    total = kpikit.compute(df, ["spend", "ctr"], by=())
    assert len(total) == 1 and total["spend"].iloc[0] == 450.0
    assert total["ctr"].iloc[0] == pytest.approx(90 / 4200)
    weekly = kpikit.compute(df, "spend", by="week")
    # 2026-01-01 (Thu) and 01-02 (Fri) share a Monday-Sunday week
    assert weekly["spend"].tolist() == [400.0, 50.0]
    assert str(weekly["period"].iloc[0]) == "2025-12-29/2026-01-04"


def test_snapshot_measures_take_the_last_value_per_series():
    rows = [
        dict(date="2026-01-01", campaign="A", channel="social", followers=100),
        dict(date="2026-01-02", campaign="A", channel="social", followers=110),
        dict(date="2026-01-31", campaign="A", channel="social", followers=125),
        dict(date="2026-01-01", campaign="A", channel="video", followers=50),
        dict(date="2026-01-20", campaign="A", channel="video", followers=60),
        dict(date="2026-02-03", campaign="A", channel="social", followers=130),
    ]
    out = kpikit.compute(frame(rows), ["followers", "follower_growth"], by="campaign,month")
    jan, feb = out.iloc[0], out.iloc[1]
    assert jan["followers"] == 125 + 60
    assert jan["follower_growth"] == pytest.approx((185 - 150) / 150)
    assert feb["followers"] == 130
    assert feb["follower_growth"] == 0.0


def test_empty_measure_cells_are_missing_not_zero():
    rows = [dict(date="2026-01-01", campaign="A", channel="video", impressions=100,
                 conversions=np.nan, spend=10)]
    out = kpikit.compute(frame(rows), ["conversions", "cpa"], by="campaign")
    assert math.isnan(out["conversions"].iloc[0]) and math.isnan(out["cpa"].iloc[0])


def test_mixed_coverage_inside_a_group_warns():
    rows = [
        dict(date="2026-01-01", campaign="A", channel="search", clicks=100, conversions=5),
        dict(date="2026-01-01", campaign="A", channel="display", clicks=100,
             conversions=np.nan),
    ]
    with pytest.warns(KpikitWarning, match="cvr: .*campaign=A.*conversions is missing"):
        out = kpikit.compute(frame(rows), "cvr", by="campaign")
    assert out.attrs["warnings"]
    assert out["cvr"].iloc[0] == pytest.approx(5 / 200)


def test_kpis_none_means_every_computable_kpi():
    out = kpikit.compute(frame(ROWS), None, by="campaign")
    assert {"ctr", "cpa", "roas", "aov"} - {"aov"} <= set(out.columns)
    assert "aov" not in out  # needs orders
    assert "frequency" not in out  # needs reach


def test_reaggregating_weeks_into_months_is_refused():
    weekly = kpikit.compute(frame(ROWS), "ctr", by="campaign,week", include_measures=True)
    with pytest.raises(ParameterError, match="does not nest"):
        kpikit.compute(weekly, "ctr", by="campaign,month")


def test_reaggregating_months_into_quarters_matches():
    df = kpikit.load_sample()
    kpis = ["ctr", "cpa", "roas", "cpm", "aov", "email_open_rate", "bounce_rate"]
    monthly = kpikit.compute(df, kpis, by="campaign,channel,month", include_measures=True)
    via = kpikit.compute(monthly, kpis, by="campaign,channel,quarter")
    direct = kpikit.compute(df, kpis, by="campaign,channel,quarter")
    pd.testing.assert_frame_equal(via[direct.columns], direct, rtol=1e-12)


# ---------------------------------------------------------------- property

MEASURES = ["impressions", "clicks", "spend", "conversions", "revenue"]
PROPERTY_KPIS = ["ctr", "cpc", "cpm", "cvr", "cpa", "roas", "roi", "conversions"]


@st.composite
def daily_tables(draw):
    start = pd.Timestamp("2026-01-20") + pd.Timedelta(days=draw(st.integers(0, 40)))
    days = draw(st.integers(1, 75))
    rows = []
    for d in pd.date_range(start, periods=days):
        for campaign in ("A", "B"):
            for channel in ("search", "social"):
                if not draw(st.booleans()):
                    continue
                row = {"date": d, "campaign": campaign, "channel": channel}
                for m in MEASURES:
                    # zeros are common so that zero denominators happen
                    row[m] = float(draw(st.one_of(st.just(0), st.integers(0, 5000))))
                rows.append(row)
    if not rows:
        rows.append({"date": start, "campaign": "A", "channel": "search",
                     **dict.fromkeys(MEASURES, 0.0)})
    return pd.DataFrame(rows)


def oracle(df: pd.DataFrame) -> dict[tuple[str, str], dict[str, float]]:
    """KPIs by campaign x month from plain Python sums: the definition, written out."""
    sums: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in df.itertuples():
        key = (r.campaign, f"{r.date:%Y-%m}")
        for m in MEASURES:
            sums[key][m] += getattr(r, m)

    def div(a, b, scale=1.0):
        return math.nan if b == 0 else scale * a / b

    out = {}
    for key, s in sums.items():
        out[key] = {
            "ctr": div(s["clicks"], s["impressions"]), "cpc": div(s["spend"], s["clicks"]),
            "cpm": div(s["spend"], s["impressions"], 1000),
            "cvr": div(s["conversions"], s["clicks"]),
            "cpa": div(s["spend"], s["conversions"]), "roas": div(s["revenue"], s["spend"]),
            "roi": div(s["revenue"] - s["spend"], s["spend"]), "conversions": s["conversions"],
        }
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(daily_tables())
def test_daily_reaggregated_to_months_equals_monthly(df):
    direct = kpikit.compute(df, PROPERTY_KPIS, by="campaign,month")
    for by in ("campaign,channel,day", "campaign,day"):
        daily = kpikit.compute(df, PROPERTY_KPIS, by=by, include_measures=True)
        via = kpikit.compute(daily, PROPERTY_KPIS, by="campaign,month")
        pd.testing.assert_frame_equal(via[direct.columns], direct, rtol=1e-12)
    expected = oracle(df)
    assert len(direct) == len(expected)
    for r in direct.itertuples():
        want = expected[(r.campaign, str(r.period))]
        for k in PROPERTY_KPIS:
            assert getattr(r, k) == pytest.approx(want[k], nan_ok=True, rel=1e-12), k
