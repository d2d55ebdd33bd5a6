"""Goals on real-world shapes: flights, displayed baselines, suggest-then-check, clean saves."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kpikit.catalog import OBJECTIVES
from kpikit.plans import (
    Plan,
    Target,
    baseline,
    check_plan,
    feasibility,
    flights,
    is_flighted,
    suggest_plan,
)

from .conftest import frame


def flighted():
    """Three 28-day flights starting 20 January, at 90, 120 and 100 revenue a day."""
    out = []
    for year, level in ((2024, 90), (2025, 120), (2026, 100)):
        for d in pd.date_range(f"{year}-01-20", periods=28):
            out.append({"date": d, "campaign": "Tet", "channel": "social", "revenue": level,
                        "spend": 40})
    return frame(out)


def test_flights_are_found():
    df = flighted()
    runs = flights(df)
    assert [(a.date(), b.date()) for a, b in runs] == [
        (date(2024, 1, 20), date(2024, 2, 16)), (date(2025, 1, 20), date(2025, 2, 16)),
        (date(2026, 1, 20), date(2026, 2, 16))]
    assert is_flighted(df)


def test_flight_feasibility_compares_flights_not_diluted_months():
    # +5% on the last flight: 105 a day beats the 90 and 100 flights, not the 120 one:
    # percentile 2/3 (calendar months diluted by idle days would say p100, out of reach)
    period = (date(2027, 1, 20), date(2027, 2, 16))
    f = feasibility(flighted(), "revenue", 105 * 28, cadence="monthly", period=period)
    assert f.freq == "flight"
    assert f.percentile == pytest.approx(200 / 3)
    assert f.label == "realistic"
    assert f.history.tolist() == pytest.approx([90, 120, 100])


def test_flight_baseline_is_the_previous_flight():
    period = (date(2027, 1, 20), date(2027, 2, 16))
    b = baseline(flighted(), "revenue", period, method="previous_period")
    assert b.value == pytest.approx(2800)  # 28 days x 100, not the idle days before
    assert (b.start, b.end) == (date(2026, 1, 20), date(2026, 2, 16))
    b3 = baseline(flighted(), "revenue", period, method="trailing", trailing=3)
    assert b3.value == pytest.approx((90 + 120 + 100) / 3 * 28)


def test_plan_check_shows_the_baseline_the_target_uses():
    # 2026 at 50 a day, 2027 at 100 a day. Q2 2027 has 91 days; the 91 days before are
    # 31 Dec 2026 (50) and Q1 2027 (90 x 100): 9,050, so "+10% vs previous period" is 9,955
    days = pd.date_range("2026-01-01", "2027-03-31")
    df = frame([{"date": d, "campaign": "A", "channel": "search",
                 "revenue": 100 if d.year == 2027 else 50, "spend": 20} for d in days])
    plan = Plan.from_dict({"plan": "q2", "period": {"start": "2027-04-01", "end": "2027-06-30"},
                           "objectives": [{"type": "sales", "kpis": [
                               {"kpi": "revenue", "target": "+10% vs previous period",
                                "owner": "Lan"}]}]})
    check = check_plan(plan, df)
    r = check.targets.iloc[0]
    assert r["target"] == pytest.approx(9955)
    assert r["baseline"] == pytest.approx(9050)  # not Q2 2026's 4,550
    assert r["baseline_method"] == "previous_period"
    assert (r["baseline_start"], r["baseline_end"]) == (date(2026, 12, 31), date(2027, 3, 31))
    av = check.availability.iloc[0]
    assert (av["window_start"], av["window_end"]) == (date(2026, 12, 31), date(2027, 3, 31))
    assert av["status"] == "ok"


def test_period_rows_feed_baselines_evenly():
    # one quarter row of 9,100 (91 days): April alone holds 30 x 100
    df = frame([{"date": "2026-04-01", "campaign": "A", "channel": "g", "revenue": 9100}])
    df["date_end"] = pd.to_datetime(["2026-06-30"])
    b = baseline(df, "revenue", (date(2027, 4, 1), date(2027, 4, 30)), method="last_year")
    assert b.value == pytest.approx(3000)
    assert "estimated" in b.note


@pytest.fixture(scope="module")
def sample():
    from kpikit.data_in.sample import load_sample

    return load_sample()


@pytest.mark.parametrize("n_kpis", [5, 8])
def test_suggested_plan_passes_its_own_check(sample, n_kpis, tmp_path):
    campaigns = [None, *sorted(sample["campaign"].unique())]
    for campaign in campaigns:
        for objective in OBJECTIVES:
            plan = suggest_plan(sample, objective, campaign=campaign, n_kpis=n_kpis)
            path = tmp_path / "p.yaml"
            plan.to_yaml(path)  # what plan suggest writes is what plan check reads
            check = check_plan(Plan.from_yaml(path), sample)
            assert not check.contradictions, (campaign, objective, check.contradictions)
            assert check.ok, (campaign, objective)
            scoped = sample if campaign is None else sample[sample["campaign"] == campaign]
            if scoped["new_customers"].notna().any():
                assert "long" in set(check.targets["horizon"]), (campaign, objective)


def test_roas_and_roi_targets_agree():
    days = pd.date_range("2026-01-01", "2026-06-30")
    df = frame([{"date": d, "campaign": "A", "channel": "search", "revenue": 300 + d.day,
                 "spend": 100, "conversions": 3, "clicks": 60, "impressions": 2000}
                for d in days])
    plan = suggest_plan(df, "sales", n_kpis=9)
    names = [k.kpi for _, k in plan.targets()]
    assert {"roas", "roi"} <= set(names)
    check = check_plan(plan, df)
    t = check.targets.set_index("kpi")["target"]
    assert t["roi"] == pytest.approx(t["roas"] - 1, rel=1e-5)
    assert not check.contradictions


def test_saved_targets_are_clean_numbers():
    assert Target(value=36499999999.99999).to_yaml() == 36500000000
    assert Target(value=0.1 + 0.2).to_yaml() == 0.3
    assert Target(value=2.5).to_yaml() == 2.5


def test_availability_counts_every_day_of_a_period_row():
    # two Meta rows of a week each: 14 days covered, no gaps, reach measurable on the rows
    df = frame([{"date": "2026-03-02", "campaign": "A", "channel": "fb", "spend": 70,
                 "impressions": 7000, "reach": 3000},
                {"date": "2026-03-09", "campaign": "A", "channel": "fb", "spend": 70,
                 "impressions": 7000, "reach": 3100}])
    df.insert(1, "date_end", pd.to_datetime(["2026-03-08", "2026-03-15"]))
    from kpikit.plans import availability

    av = availability(df, ["cpm", "reach"]).set_index("kpi")
    assert av.loc["cpm", "days_covered"] == 14 and av.loc["cpm", "status"] == "ok"
    assert av.loc["reach", "status"] == "ok"
    assert av.loc["cpm", "last_date"] == date(2026, 3, 15)


def test_cli_plan_check_prints_the_baseline_window(tmp_path, capsys):
    from kpikit.cli import main

    days = pd.date_range("2026-01-01", "2027-03-31")
    df = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "campaign": "A", "channel": "search",
                       "revenue": [100 if d.year == 2027 else 50 for d in days], "spend": 20})
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    plan = tmp_path / "p.yaml"
    plan.write_text("plan: q2\nperiod: {start: 2027-04-01, end: 2027-06-30}\ncurrency: VND\n"
                    "objectives:\n  - type: sales\n    kpis:\n      - kpi: revenue\n"
                    "        target: +10% vs previous period\n        owner: Lan\n",
                    encoding="utf-8")
    main(["plan", "check", str(plan), str(data)])
    out = capsys.readouterr().out
    assert "previous period 2026-12-31..2027-03-31" in out
    main(["plan", "check", str(plan), str(data), "--lang", "vi"])
    assert "kỳ trước 31/12/2026..31/03/2027" in capsys.readouterr().out


def test_last_year_of_a_moving_flight_is_its_whole_flight():
    # the 2026 flight ran 20 Jan..16 Feb; a 2027 plan for 1..28 Feb would cut it on the
    # same dates (16 days); the baseline is the whole flight (28 days x 100)
    b = baseline(flighted(), "revenue", (date(2027, 2, 1), date(2027, 2, 28)),
                 method="last_year")
    assert b.value == pytest.approx(2800)
    assert (b.start, b.end) == (date(2026, 1, 20), date(2026, 2, 16))


def test_suggest_and_check_on_weekly_period_rows():
    # a Meta-like export by week over a year and a half: what suggest writes, check accepts
    out = []
    for i, s in enumerate(pd.date_range("2025-06-02", "2026-12-28", freq="W-MON")):
        out.append({"date": s, "campaign": "A", "channel": "fb", "spend": 700 + 10 * (i % 5),
                    "impressions": 70000 + 900 * (i % 7), "clicks": 1400 + 20 * (i % 3),
                    "conversions": 30 + i % 4, "revenue": 9000 + 150 * (i % 6),
                    "reach": 20000})
    df = frame(out)
    df.insert(1, "date_end", df["date"] + pd.Timedelta(days=6))
    plan = suggest_plan(df, "sales")
    check = check_plan(plan, df)
    assert check.ok and not check.contradictions
    assert (check.availability["status"] == "ok").all()
    rev = check.targets.set_index("kpi").loc["revenue"]
    # the baseline is the plan period a year earlier; its edges cut weekly rows, whose
    # revenue is counted a seventh per day inside the window
    start, end = plan.period
    days = pd.date_range(start - pd.DateOffset(years=1), end - pd.DateOffset(years=1))
    by_hand = 0.0
    for r in out:
        span = pd.date_range(r["date"], r["date"] + pd.Timedelta(days=6))
        by_hand += r["revenue"] / 7 * sum(d in days for d in span)
    assert rev["baseline"] == pytest.approx(by_hand)


def test_plan_check_names_the_trailing_count():
    days = pd.date_range("2026-01-01", "2027-03-31")
    df = frame([{"date": d, "campaign": "A", "channel": "search", "revenue": 100,
                 "spend": 20} for d in days])
    plan = Plan.from_dict({"plan": "q2", "period": {"start": "2027-04-01", "end": "2027-04-30"},
                           "objectives": [{"type": "sales", "kpis": [
                               {"kpi": "revenue", "target": "+10% vs trailing 2",
                                "owner": "Lan"}]}]})
    r = check_plan(plan, df).targets.iloc[0]
    assert r["baseline_method"] == "trailing" and r["baseline_trailing"] == 2
    assert r["baseline"] == pytest.approx(3000)  # 60 days before, per 30-day window
    assert (r["baseline_start"], r["baseline_end"]) == (date(2027, 1, 31), date(2027, 3, 31))


def test_saved_plan_rounds_computed_targets_as_displayed():
    from kpikit.plans import KPITarget, Objective

    kpis = (KPITarget("revenue", Target(value=36512345678.91234)),
            KPITarget("ctr", Target(value=0.0234567890123456)),
            KPITarget("roas", Target(value=5.6000000000000005)),
            KPITarget("cpc", Target(value=3500.0)))
    plan = Plan(name="p", period=(date(2027, 1, 1), date(2027, 3, 31)),
                objectives=(Objective("sales", kpis),), currency="VND")
    saved = {k["kpi"]: k["target"] for k in plan.to_dict()["objectives"][0]["kpis"]}
    assert saved == {"revenue": 36512345679, "ctr": 0.0235, "roas": 5.6, "cpc": 3500}
