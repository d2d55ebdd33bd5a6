"""Target schedules and goal types (reach, stay above, stay below) with hand-computed answers."""

from __future__ import annotations

import math

import pytest

from kpikit.analysis.evaluate import evaluate
from kpikit.analysis.series import pacing_series
from kpikit.plans import Plan, PlanError
from kpikit.views.prose import summary_lines

from .test_evaluate import daily


def plan(kpis: list[dict], start="2027-01-01", end="2027-02-28") -> Plan:
    return Plan.from_dict({"plan": "t", "currency": "VND",
                           "period": {"start": start, "end": end},
                           "objectives": [{"type": "sales", "kpis": kpis}]})


# ------------------------------------------------------------------ reading


def test_schedule_reads_months_and_ranges_in_the_plans_convention():
    p = Plan.from_yaml("plan: t\ncurrency: VND\nperiod: {start: 2027-01-01, end: 2027-02-28}\n"
                       "objectives:\n- type: sales\n  kpis:\n  - kpi: revenue\n    schedule:\n"
                       "    - {period: 2027-01, target: 2 tỷ}\n"
                       "    - {start: 2027-02-01, end: 2027-02-28, target: 3.000.000.000}\n")
    k = next(t for _, t in p.targets())
    assert k.target.value == 5e9  # no target: the schedule adds up
    assert [(str(a), str(b), v) for a, b, v in k.schedule] == [
        ("2027-01-01", "2027-01-31", 2e9), ("2027-02-01", "2027-02-28", 3e9)]
    assert Plan.from_dict(p.to_dict()) == p and Plan.from_dict(p.to_dict()).targets()


def test_schedule_by_iso_week():
    p = plan([{"kpi": "revenue", "target": 4e9,
               "schedule": [{"period": "2027-W05", "target": 1e9},
                            {"period": "2027w06", "target": 1.5e9}]}])
    k = next(t for _, t in p.targets())
    # ISO week 5 of 2027: Monday 1 February to Sunday 7 February
    assert [(str(a), str(b)) for a, b, _ in k.schedule] == [
        ("2027-02-01", "2027-02-07"), ("2027-02-08", "2027-02-14")]
    with pytest.raises(PlanError, match="2027-W60"):
        plan([{"kpi": "revenue", "schedule": [{"period": "2027-W60", "target": 1}]}])


def test_ratio_schedule_without_target_is_the_days_mean():
    p = plan([{"kpi": "cpa", "schedule": [{"period": "2027-01", "target": 100_000},
                                          {"period": "2027-02", "target": 159_000}]}])
    # (31 x 100,000 + 28 x 159,000) / 59
    assert next(t for _, t in p.targets()).target.value == pytest.approx(
        (31 * 100_000 + 28 * 159_000) / 59)


@pytest.mark.parametrize("kpi, match", [
    ({"kpi": "revenue", "schedule": [{"period": "2027-01", "target": 2e9},
                                     {"start": "2027-01-20", "end": "2027-02-10",
                                      "target": 1e9}]}, "overlap"),
    ({"kpi": "revenue", "schedule": [{"period": "2027-03", "target": 2e9}]}, "outside"),
    ({"kpi": "revenue", "target": 4e9, "schedule": [{"period": "2027-01", "target": 2e9},
                                                    {"period": "2027-02", "target": 3e9}]},
     "add up"),
    ({"kpi": "revenue", "target": 1e9, "schedule": [{"period": "2027-01", "target": 2e9}]},
     "add up"),
    ({"kpi": "revenue", "schedule": [{"period": "2027-01", "target": "+10%"}]}, "absolute"),
    ({"kpi": "revenue", "schedule": "monthly"}, "list"),
    ({"kpi": "revenue", "schedule": [{"period": "Jan", "target": 1}]}, "period"),
    ({"kpi": "revenue", "schedule": [{"month": "2027-01", "target": 1}]}, "unknown key"),
    ({"kpi": "cpa", "target": 1, "goal": "stay under"}, "stay below"),
])
def test_bad_schedules_and_goals_are_refused_with_their_place(kpi, match):
    with pytest.raises(PlanError, match=match) as e:
        plan([kpi])
    assert "objectives[0].kpis[0]" in str(e.value)


def test_goal_words_in_vietnamese():
    p = plan([{"kpi": "cpa", "target": 1, "goal": "giữ dưới"},
              {"kpi": "roas", "target": 1, "goal": "Stay_Above"}])
    assert [t.goal for _, t in p.targets()] == ["stay below", "stay above"]


# ------------------------------------------------------------------ evaluation


def test_sum_schedule_sets_each_months_target_and_the_pace():
    p = plan([{"kpi": "revenue", "cadence": "monthly",
               "schedule": [{"period": "2027-01", "target": 2e9},
                            {"period": "2027-02", "target": 3e9}]}])
    data = daily("2027-01-01", "2027-02-10", revenue=80e6, spend=1e6, clicks=10)
    ev = evaluate(data, p, as_of="2027-02-10", pacing="linear")
    rows = ev.rows.set_index("period")
    assert rows.loc["2027-01", "target"] == 2e9
    assert rows.loc["2027-02", "target"] == 3e9
    total = ev.totals().iloc[0]
    assert total["target"] == 5e9
    # expected by 10 Feb: all of January and 10/28 of February's 3 billion
    assert total["expected"] == pytest.approx(2e9 + 3e9 * 10 / 28)
    assert rows.loc["2027-01", "status"] == "achieved"  # 31 x 80 million = 2.48 billion
    path = pacing_series(data, ev, "revenue")
    assert path.loc["2027-01-31", "expected"] == pytest.approx(2e9)
    assert path.loc["2027-02-14", "expected"] == pytest.approx(2e9 + 3e9 * 14 / 28)


def test_partial_schedule_leaves_the_rest_to_the_other_days():
    # a Tết ramp: 1.2 billion over 26 Jan .. 5 Feb, the other 48 days share 3.6 billion
    p = plan([{"kpi": "revenue", "target": 4.8e9, "cadence": "campaign",
               "schedule": [{"start": "2027-01-26", "end": "2027-02-05", "target": 1.2e9}]}])
    data = daily("2027-01-01", "2027-01-30", revenue=70e6)
    ev = evaluate(data, p, as_of="2027-01-30", pacing="linear")
    total = ev.totals().iloc[0]
    assert total["expected"] == pytest.approx(3.6e9 * 25 / 48 + 1.2e9 * 5 / 11)


def test_ratio_schedule_is_the_level_of_each_period():
    p = plan([{"kpi": "cpa", "target": 120_000, "cadence": "monthly",
               "schedule": [{"period": "2027-02", "target": 150_000}]}])
    data = daily("2027-01-01", "2027-02-28", spend=1_400_000, conversions=10)
    ev = evaluate(data, p, as_of="2027-02-28", pacing="linear")
    rows = ev.rows.set_index("period")
    assert rows.loc["2027-01", "target"] == 120_000
    assert rows.loc["2027-02", "target"] == 150_000
    # CPA 140,000: over January's 120,000, under February's 150,000
    assert rows.loc["2027-01", "status"] == "missed"
    assert rows.loc["2027-02", "status"] == "achieved"
    # whole period, weighted by days (linear pacing): (31 x 120,000 + 28 x 150,000) / 59
    assert ev.totals().iloc[0]["target"] == pytest.approx((31 * 120_000 + 28 * 150_000) / 59)


def cpa_weeks(as_of: str, bad_week_cpa: float):
    # weeks of January 2027 (W-SUN): 1-3, 4-10, 11-17, 18-24, 25-31; the week of 11 Jan
    # has the CPA given, the others 100,000
    def spend(i, d):
        return bad_week_cpa * 10 if "2027-01-11" <= str(d.date()) <= "2027-01-17" else 1e6

    data = daily("2027-01-01", as_of, spend=spend, conversions=10)
    p = plan([{"kpi": "cpa", "target": 120_000, "goal": "stay below", "cadence": "weekly"}],
             end="2027-01-31")
    return evaluate(data, p, as_of=as_of, pacing="linear")


def test_stay_below_a_ceiling_every_week():
    ev = cpa_weeks("2027-01-31", 130_000)
    weeks = ev.rows[ev.rows["level"] == "period"].set_index("period")["status"]
    assert weeks.to_dict() == {"2027-01-01": "achieved", "2027-01-04": "achieved",
                               "2027-01-11": "missed", "2027-01-18": "achieved",
                               "2027-01-25": "achieved"}
    total = ev.totals().iloc[0]
    # a total CPA of (27 x 1,000,000 + 7 x 1,300,000) / 310 = 116,452 is under the ceiling,
    # but one week went over it: a goal for every week is missed
    assert total["actual"] == pytest.approx((24 * 1e6 + 7 * 1.3e6) / 310)
    assert total["actual"] < 120_000 and total["status"] == "missed"
    assert total["goal"] == "stay below"
    assert total["attainment"] == pytest.approx(120_000 / total["actual"])
    assert "stay below ₫120,000 in every period; 1 of 5 finished periods broke it" in \
        summary_lines(ev)[0]


def test_stay_below_while_running():
    # as of 13 Jan: the week of 11 Jan runs at 130,000, over the ceiling
    ev = cpa_weeks("2027-01-13", 130_000)
    total = ev.totals().iloc[0]
    assert total["status"] == "off track"
    ok = cpa_weeks("2027-01-13", 110_000).totals().iloc[0]
    assert ok["status"] == "on track"
    # the same CPA with the default goal "reach" is judged on the total only
    assert ok["goal"] == "stay below"


def test_stay_above_a_floor_on_a_total():
    # revenue must stay above its weekly share of 3.1 billion (linear: 100 million a day)
    data = daily("2027-01-01", "2027-01-31",
                 revenue=lambda i, d: 90e6 if d.day >= 25 else 110e6)
    p = plan([{"kpi": "revenue", "target": 3.1e9, "goal": "stay above", "cadence": "weekly"}],
             end="2027-01-31")
    ev = evaluate(data, p, as_of="2027-01-31", pacing="linear")
    weeks = ev.rows[ev.rows["level"] == "period"].set_index("period")
    assert weeks.loc["2027-01-04", "target"] == pytest.approx(700e6)
    assert weeks.loc["2027-01-25", "status"] == "missed"  # 7 x 90 million < 700 million
    assert weeks.loc["2027-01-18", "status"] == "achieved"
    total = ev.totals().iloc[0]
    assert total["actual"] == pytest.approx(24 * 110e6 + 7 * 90e6)  # 3.27 billion: above
    assert total["status"] == "missed"
    assert math.isnan(total["probability"]) is False  # revenue: higher is better, as the goal


def test_pacing_chart_shows_a_schedule_as_steps_and_names_a_ceiling():
    from kpikit.views.charts import pacing_chart

    p = plan([{"kpi": "cpa", "target": 120_000, "goal": "stay below", "cadence": "monthly",
               "schedule": [{"period": "2027-02", "target": 150_000}]}])
    data = daily("2027-01-01", "2027-02-10", spend=1_400_000, conversions=10)
    ev = evaluate(data, p, as_of="2027-02-10", pacing="linear")
    path = pacing_series(data, ev, "cpa")
    assert path.loc["2027-01-31", "target"] == 120_000
    assert path.loc["2027-02-01", "target"] == 150_000
    fig = pacing_chart(path, "cpa", lang="vi", currency="VND")
    steps = [t for t in fig.data if t.name == "Mức trần"]
    assert len(steps) == 1 and steps[0].line.shape == "hv"


def test_plan_builder_saves_a_goal_type(tmp_path):
    import kpikit

    widgets = pytest.importorskip("kpikit.views.widgets")
    path = tmp_path / "plan.yaml"
    b = widgets.PlanBuilder(kpikit.load_sample(), campaign="Tết Sale", lang="vi", path=path)
    row = next(r for r in b.rows if r.tick.value)
    assert row.goal.value == "reach"
    assert [label for label, _ in row.goal.options] == ["đạt", "giữ trên", "giữ dưới"]
    row.goal.value = "stay below"
    b.save()
    saved = {k.kpi: k.goal for _, k in Plan.from_yaml(path).targets()}
    assert saved[row.kpi] == "stay below"
    assert set(saved.values()) == {"reach", "stay below"}


def test_results_json_carries_the_goal():
    from kpikit.runs.results import clean_json as _clean
    from kpikit.runs.results import evaluation_payload

    ev = cpa_weeks("2027-01-31", 130_000)
    item = _clean(evaluation_payload(ev, {}, {}))["kpis"][0]
    assert (item["goal"], item["periods_broken"], item["periods_finished"]) == (
        "stay below", 1, 5)
