"""The calendar-aware anomaly detector on constructed series."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from kpikit.analysis.anomalies import _black_friday, calendar_events, detect, flags, tet_dates
from kpikit.analysis.series import anomalies as old_detector
from kpikit.errors import ParameterError


def weekly_series(start: str, end: str, seed: int = 1, noise: float = 0.05) -> pd.Series:
    """Revenue with a weekday pattern (weekends at 60%) and a little noise."""
    idx = pd.date_range(start, end, freq="D")
    rng = np.random.default_rng(seed)
    week = np.where(idx.day_of_week >= 5, 0.6, 1.0)
    return pd.Series(1_000_000 * week * rng.lognormal(0, noise, len(idx)), index=idx)


def test_tet_dates_follow_the_lunar_calendar():
    # first day of the lunar year: hand-checked against Vietnam's calendar
    assert tet_dates([2025, 2026, 2027]) == {2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
                                             2027: date(2027, 2, 6)}


def test_black_friday_is_the_day_after_the_fourth_thursday():
    assert _black_friday(2025) == date(2025, 11, 28)
    assert _black_friday(2026) == date(2026, 11, 27)
    assert _black_friday(2024) == date(2024, 11, 29)


def test_calendar_events():
    cal = calendar_events(pd.to_datetime(["2026-11-11", "2026-02-17", "2026-01-20",
                                          "2026-09-02", "2026-11-27", "2026-03-10"]))
    assert list(cal["event"]) == ["double_day", "tet_holiday", "tet_ramp", "holiday",
                                  "black_friday", ""]


def test_weekend_dip_is_not_an_anomaly_for_the_new_detector():
    s = weekly_series("2026-03-01", "2026-06-30", noise=0.03)
    out = detect(s)
    assert not out["anomaly"].any()
    assert out["judged"].sum() == len(s) - 28  # the first 28 days are history only


def test_tet_and_11_11_are_not_flagged_a_real_spike_is():
    s = weekly_series("2025-09-01", "2026-03-31")
    s.loc["2025-11-11"] *= 2.3  # the 11.11 sale
    s.loc["2025-12-12"] *= 1.9
    tet = pd.Timestamp("2026-02-17")
    ramp = (s.index >= tet - pd.Timedelta(days=30)) & (s.index < tet - pd.Timedelta(days=2))
    s[ramp] *= 1.8  # shopping before Tết
    hol = (s.index >= tet - pd.Timedelta(days=1)) & (s.index <= tet + pd.Timedelta(days=3))
    s[hol] *= 0.4  # shops close
    s.loc["2025-10-22"] *= 4  # a Wednesday: a real spike
    out = detect(s)
    flagged = set(out.index[out["anomaly"]].strftime("%Y-%m-%d"))
    assert flagged == {"2025-10-22"}
    assert out.loc["2025-10-22", "kind"] == "spike"
    # the old detector flags the sale days (shown here so the comparison stays honest)
    assert old_detector(s).loc["2025-11-11"]


def test_zero_outage_is_flagged_even_on_a_holiday():
    s = weekly_series("2026-06-01", "2026-09-30")
    s.loc["2026-09-01":"2026-09-03"] = 0.0  # National Day: tracking lost
    out = detect(s)
    assert list(out.loc["2026-09-01":"2026-09-03", "kind"]) == ["outage"] * 3


def test_a_series_that_is_often_zero_is_not_an_outage():
    s = weekly_series("2026-01-05", "2026-05-31")
    s[s.index.day_of_week.isin([0, 2, 4])] = 0.0  # e-mail sent on some days only
    out = detect(s, calendar=False)
    assert not (out["kind"] == "outage").any()
    assert not out["anomaly"].any()


def test_drop_and_level_shift():
    s = weekly_series("2026-03-02", "2026-07-31", seed=3)
    s.loc["2026-05-06"] *= 0.2
    s.loc["2026-06-15":] *= 0.4
    out = detect(s, calendar=False)
    assert out.loc["2026-05-06", "kind"] == "drop"
    assert out.loc["2026-06-15", "anomaly"]
    # the new level is learnt: no flags a week after the shift
    assert not out.loc["2026-06-25":, "anomaly"].any()


def test_sensitivity_and_minimum_history():
    s = weekly_series("2026-03-02", "2026-06-30", seed=4)
    s.loc["2026-05-13"] *= 1.45  # a mild rise: about 7 robust z with 5% noise
    high = detect(s, sensitivity="high")
    low = detect(s, sensitivity=20)
    assert high.loc["2026-05-13", "anomaly"] and not low.loc["2026-05-13", "anomaly"]
    early = s.copy()
    early.iloc[10] *= 5
    assert not detect(early, min_history=28)["anomaly"].iloc[10]
    assert detect(early, min_history=7)["anomaly"].iloc[10]


def test_missing_days_are_not_zero():
    s = weekly_series("2026-03-02", "2026-06-30")
    s = s.drop(pd.date_range("2026-05-01", "2026-05-10"))
    out = detect(s)
    assert not out["anomaly"].any() and out.loc["2026-05-05", "value"] != 0
    assert list(flags(s).index) == list(s.index)


@pytest.mark.parametrize("kw", [{"sensitivity": "extreme"}, {"sensitivity": -1},
                                {"sensitivity": float("nan")}, {"min_history": 3},
                                {"min_history": 28.5}])
def test_bad_settings_are_refused(kw):
    with pytest.raises(ParameterError):
        detect(weekly_series("2026-03-02", "2026-04-30"), **kw)


def test_a_series_without_dates_is_refused():
    with pytest.raises(ParameterError, match="indexed by date"):
        detect(pd.Series([1.0, 2.0], index=["a", "b"]))
    with pytest.raises(ParameterError, match="numbers"):
        detect(pd.Series(["x"] * 40, index=pd.date_range("2026-01-01", periods=40)))


def test_empty_and_short_series():
    assert detect(pd.Series([], dtype=float, index=pd.DatetimeIndex([]))).empty
    assert not detect(weekly_series("2026-03-02", "2026-03-10"))["anomaly"].any()


def test_evaluate_reports_the_latest_day_outage():
    from kpikit.analysis.evaluate import evaluate
    from kpikit.data_in.sample import load_sample
    from kpikit.plans import Plan

    data = load_sample()
    data = data[(data["campaign"] == "Always-on Search")
                & (data["date"] <= "2026-06-10")].copy()
    plan = Plan.from_dict({"plan": "P", "currency": "VND",
                           "period": {"start": "2026-06-01", "end": "2026-06-30"},
                           "objectives": [{"type": "sales", "kpis": [
                               {"kpi": "revenue", "target": 4_000_000_000},
                               {"kpi": "clicks", "target": 200_000}]}]})
    ok = evaluate(data, plan, as_of="2026-06-10").totals().set_index("kpi")
    assert ok.loc["revenue", "latest_anomaly"] == ""
    assert ok.loc["revenue", "latest_value"] == data[data["date"] == "2026-06-10"][
        "revenue"].sum()
    data.loc[data["date"] == "2026-06-10", "revenue"] = 0.0  # tracking of sales lost
    lost = evaluate(data, plan, as_of="2026-06-10").totals().set_index("kpi")
    assert lost.loc["revenue", "latest_anomaly"] == "outage"
    assert lost.loc["clicks", "latest_anomaly"] == ""
