"""Goal-setting helpers against hand-computed values."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

import kpikit
from kpikit.errors import ParameterError
from kpikit.plans import (
    TREES,
    KPITree,
    Plan,
    availability,
    baseline,
    cascade,
    check_plan,
    choose_tree,
    direction_percentile,
    feasibility,
    label_for,
    recommend_kpis,
    suggest_plan,
)

from .conftest import frame


@pytest.fixture(scope="module")
def sample():
    return kpikit.load_sample()


# ------------------------------------------------------------- recommender

def test_recommendations_are_ranked_with_reasons():
    recs = recommend_kpis("sales")
    assert [r.kpi for r in recs[:3]] == ["revenue", "roas", "cpa"]
    assert all(r.reason and r.measurable is None for r in recs)
    assert {r.role for r in recs} >= {"outcome", "efficiency", "driver", "long", "guardrail"}
    vi = recommend_kpis("sales", lang="vi")
    assert "doanh số" in vi[0].reason


def test_recommendations_mark_what_the_data_cannot_measure(fixtures):
    ga4 = kpikit.load(fixtures / "ga4.csv")  # sessions, conversions, revenue: no spend
    recs = recommend_kpis("sales", ga4)
    by = {r.kpi: r for r in recs}
    assert by["revenue"].measurable and by["session_cvr"].measurable
    assert not by["roas"].measurable and by["roas"].missing == ("spend",)
    first_unmeasurable = next(i for i, r in enumerate(recs) if not r.measurable)
    assert all(not r.measurable for r in recs[first_unmeasurable:])
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))


def test_reach_kpis_are_not_measurable_from_daily_rows(sample):
    by = {r.kpi: r for r in recommend_kpis("awareness", sample)}
    assert not by["frequency"].measurable
    assert "not additive" in by["frequency"].missing[0]


def test_unknown_objective():
    with pytest.raises(kpikit.UnknownKPIError, match="Unknown objective 'sale'"):
        recommend_kpis("sale")


# ------------------------------------------------------------ availability

def gappy():
    rows = []
    for d in pd.date_range("2026-01-01", "2026-01-10"):
        if d.day == 5:
            continue  # no row at all
        rows.append(dict(date=d, campaign="A", channel="search", impressions=100,
                         clicks=np.nan if d.day == 7 else 5, spend=10))
    return frame(rows)


def test_availability_on_data_with_gaps():
    av = availability(gappy(), ["ctr", "cpm", "roas"]).set_index("kpi")
    ctr = av.loc["ctr"]
    assert (ctr["days"], ctr["days_covered"], ctr["missing_days"]) == (10, 8, 2)
    assert ctr["first_missing"] == "2026-01-05, 2026-01-07"
    assert ctr["null_share"] == pytest.approx(1 / 9)
    assert ctr["last_date"] == date(2026, 1, 10)
    assert ctr["status"] == "gaps"
    cpm = av.loc["cpm"]
    assert (cpm["days_covered"], cpm["missing_days"], cpm["null_share"]) == (9, 1, 0.0)
    assert av.loc["roas"]["status"] == "unmeasurable"
    assert av.loc["roas"]["missing_measures"] == "revenue"


def test_availability_of_a_plan_uses_last_years_window(sample):
    plan = Plan.from_yaml(kpikit.sample_path().parent / "plan_tet_sale.yaml")
    av = availability(sample, plan)
    assert set(av["window_start"]) == {date(2026, 1, 1)}
    assert set(av["window_end"]) == {date(2026, 2, 28)}
    assert (av["status"] == "ok").all()
    # the campaign ran 2026-01-13..2026-02-24 (Tết 2026-02-17 -35/+7 days)
    assert set(av["days_covered"]) == {43}


# ---------------------------------------------------------------- baseline

def yearly():
    """Two years of one campaign; 2025 clicks 10/day, 2026 clicks 20/day, impressions 1000."""
    days = pd.date_range("2025-01-01", "2026-12-31")
    clicks = np.where(days.year == 2025, 10.0, 20.0)
    clicks[(days.month == 12)] *= 2  # December doubles both years
    return frame([dict(date=d, campaign="A", channel="search", impressions=1000.0,
                       clicks=c, spend=50.0) for d, c in zip(days, clicks, strict=True)])


def test_baseline_last_year():
    b = baseline(yearly(), "clicks", (date(2026, 3, 1), date(2026, 3, 31)), method="last_year")
    assert b.value == 31 * 10 and (b.start, b.end) == (date(2025, 3, 1), date(2025, 3, 31))
    ctr = baseline(yearly(), "ctr", (date(2026, 3, 1), date(2026, 3, 31)))
    assert ctr.method == "last_year" and ctr.value == pytest.approx(0.01)


def test_baseline_previous_and_trailing_seasonal():
    df = yearly()
    dec = (date(2026, 12, 1), date(2026, 12, 31))
    prev = baseline(df, "clicks", dec, method="previous_period")
    assert (prev.start, prev.end) == (date(2026, 10, 31), date(2026, 11, 30))
    assert prev.value == 31 * 20
    trail = baseline(df, "clicks", dec, method="trailing", trailing=3)
    # 93 days before Dec 2026 at 20/day, per 31-day window = 620; last year Dec was 2x its
    # trailing windows (20 vs 10 per day), so the seasonal baseline is 1240
    assert trail.value == pytest.approx(620 * 2)
    assert "seasonally adjusted" in trail.note
    ratio = baseline(df, "ctr", dec, method="trailing", trailing=3)
    assert ratio.value == pytest.approx(0.02 * 2)


def test_baseline_without_last_year_falls_back():
    df = yearly()
    df = df[df.date >= "2026-01-01"]
    b = baseline(df, "clicks", (date(2026, 6, 1), date(2026, 6, 30)))
    assert b.method == "trailing" and "not seasonally adjusted" in b.note
    assert b.value == pytest.approx(30 * 20)


# ------------------------------------------------------------- feasibility

def monthly(values, kpi="ctr"):
    rows = []
    for i, v in enumerate(values):
        d = pd.Timestamp(2026, i + 1, 1)
        for day in pd.date_range(d, d + pd.offsets.MonthEnd(0)):
            if kpi == "ctr":
                rows.append(dict(date=day, campaign="A", channel="s", impressions=1000.0,
                                 clicks=1000.0 * v))
            else:
                rows.append(dict(date=day, campaign="A", channel="s", spend=v, conversions=1.0))
    return frame(rows)


def test_percentile_by_hand():
    assert direction_percentile([0.01, 0.02, 0.03, 0.04, 0.05], 0.035, True) == 60.0
    assert direction_percentile([0.01, 0.02, 0.03, 0.04, 0.05], 0.03, True) == 50.0
    assert direction_percentile([100, 200, 300, 400, 500], 150, False) == 80.0
    assert direction_percentile([100, 200, 300, 400, 500], 50, False) == 100.0
    assert [label_for(p) for p in (10, 50, 79.9, 80, 94.9, 95, 100)] == [
        "easy", "realistic", "realistic", "ambitious", "ambitious", "out of reach",
        "out of reach"]


def test_feasibility_of_a_rate_target():
    df = monthly([0.01, 0.02, 0.03, 0.04, 0.05])
    f = feasibility(df, "ctr", 0.035, cadence="monthly")
    assert list(f.history.round(6)) == [0.01, 0.02, 0.03, 0.04, 0.05]
    assert f.percentile == 60.0 and f.label == "realistic"
    assert feasibility(df, "ctr", 0.06, cadence="monthly").label == "out of reach"


def test_feasibility_is_direction_aware():
    df = monthly([100, 200, 300, 400, 500], kpi="cpa")  # spend/day; 1 conversion/day
    f = feasibility(df, "cpa", 150, cadence="monthly")
    assert f.percentile == 80.0 and f.label == "ambitious"
    assert feasibility(df, "cpa", 450, cadence="monthly").label == "easy"


def test_feasibility_of_a_total_is_per_day():
    df = monthly([0.01] * 6)  # 1000 impressions a day
    f = feasibility(df, "impressions", 59_000 * 1.0, cadence="monthly",
                    period=(date(2027, 1, 1), date(2027, 2, 28)))
    assert f.per_day and f.target == pytest.approx(1000.0)
    assert f.percentile == 50.0  # equal to every past month: ties count half


def test_too_little_history_has_no_verdict():
    f = feasibility(monthly([0.01, 0.02]), "ctr", 0.015, cadence="monthly")
    assert f.label == "unknown"


# --------------------------------------------------------------- KPI trees

def test_cascade_multiplies_to_the_goal():
    tree = TREES["revenue"][0]
    base = {"impressions": 1_000_000.0, "ctr": 0.02, "cvr": 0.03,
            "value_per_conversion": 500_000.0}
    goal_base = 1_000_000 * 0.02 * 0.03 * 500_000
    c = cascade(tree, goal_base * 1.2, base)
    assert c.goal_baseline == pytest.approx(goal_base)
    assert c.error < 1e-4  # within 0.01%
    assert np.prod(1 + c.drivers["change"]) == pytest.approx(1.2)
    assert c.drivers["change"].tolist() == pytest.approx([1.2 ** 0.25 - 1] * 4)
    fixed = cascade(tree, goal_base * 1.2, base, fixed={"cvr": 0.033}, locked=["ctr"])
    assert fixed.error < 1e-4
    d = fixed.drivers.set_index("kpi")
    assert d.loc["cvr", "target"] == 0.033 and d.loc["ctr", "target"] == 0.02
    assert d.loc["impressions", "change"] == pytest.approx((1.2 / 1.1) ** 0.5 - 1)


def test_cascade_moves_a_cost_driver_down():
    tree = choose_tree("leads")  # leads = spend / cpl
    c = cascade(tree, 1.1 * 1000 / 50, {"spend": 1000.0, "cpl": 50.0}, locked=["spend"])
    d = c.drivers.set_index("kpi")
    assert d.loc["cpl", "target"] == pytest.approx(50 / 1.1)
    assert c.error < 1e-4


def test_overdetermined_tree_is_a_contradiction():
    tree = KPITree("revenue", (("spend", 1), ("roas", 1)))
    c = cascade(tree, 5000.0, {"spend": 1000.0, "roas": 4.0},
                fixed={"spend": 1000.0, "roas": 4.0})
    assert c.contradictions and "multiply to 4,000" in c.contradictions[0]


def test_trees_are_exact_identities(sample):
    for goal, trees in TREES.items():
        for tree in trees:
            rows = sample.dropna(subset=list(tree.measures))
            if rows.empty:
                continue
            from kpikit.plans import tree_baselines

            b = tree_baselines(tree, rows)
            product = tree.constant * math.prod(b[d] ** e for d, e in tree.drivers)
            assert product == pytest.approx(b[goal], rel=1e-9), tree.formula()


# --------------------------------------------------------------- plan check

@pytest.mark.parametrize("name", ["plan_tet_sale.yaml", "plan_brand_engagement.yaml"])
def test_shipped_plans_check_clean(sample, name):
    check = check_plan(Plan.from_yaml(kpikit.sample_path().parent / name), sample)
    assert check.ok, (check.contradictions, check.availability)
    c = check.cascade
    assert c is not None
    # free drivers absorb the rest exactly; a tree the plan fixes entirely must agree within 1%
    assert c.error < (1e-4 if (c.drivers["source"] == "cascade").any() else 0.01)
    assert not any("no owner" in w for w in check.warnings)
    assert set(check.targets["feasibility"]) <= {"easy", "realistic", "ambitious", "unknown"}


def test_contradicting_targets_are_flagged(sample):
    plan = Plan.from_dict({
        "plan": "x", "period": {"start": "2027-01-01", "end": "2027-02-28"},
        "scope": {"campaigns": ["Tết Sale"]},
        "objectives": [{"type": "sales", "kpis": [
            {"kpi": "revenue", "target": 20_000_000_000, "owner": "a"},
            {"kpi": "spend", "target": 4_000_000_000, "owner": "a"},
            {"kpi": "roas", "target": 6.0, "owner": "a"},  # 20/4 = 5, not 6
            {"kpi": "cpc", "target": 3000, "owner": "a"},
            {"kpi": "cvr", "target": 0.02, "owner": "a"},
            {"kpi": "cpa", "target": 100_000, "owner": "a"}]}],  # cpc/cvr = 150,000
    })
    check = check_plan(plan, sample)
    text = " ".join(check.contradictions)
    assert "roas target 6 contradicts revenue" in text and "imply roas = 5" in text
    assert "cpa target 100,000 contradicts cpc 3,000 and cvr 0.02" in text
    assert not check.ok
    assert any("every KPI is short-term" in w for w in check.warnings)


def test_suggested_plan_is_consistent_and_balanced(sample):
    plan = suggest_plan(sample, "engagement", campaign="Brand Awareness")
    assert plan.period == (date(2027, 7, 1), date(2027, 9, 30))  # the quarter after the data
    assert any(k.horizon == "long" for _, k in plan.targets())
    check = check_plan(plan, sample)
    assert not check.contradictions
    assert any("no owner named" in w for w in check.warnings)
    with pytest.raises(ParameterError, match="campaign 'Nope' is not in the data"):
        suggest_plan(sample, "sales", campaign="Nope")


def test_a_flighted_campaign_is_planned_for_its_next_flight(sample):
    plan = suggest_plan(sample, "sales", campaign="Tết Sale")
    # the 2027 flight ran 2027-01-02..2027-02-13 (Tết on 6 February, -35/+7 days)
    assert plan.period == (date(2028, 1, 2), date(2028, 2, 13))
    assert check_plan(plan, sample).availability["status"].eq("ok").all()
