"""Period rows, data lag, sub-periods and float tolerance, against hand-computed values."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from kpikit.analysis.evaluate import evaluate
from kpikit.errors import ParameterError
from kpikit.metrics.periods import cuts_rows, data_end, spread_periods
from kpikit.plans import Plan
from kpikit.views.prose import summary_lines

from .conftest import frame


def plan_of(kpis, start, end, objective="sales"):
    ks = [{"kpi": k, "target": t, "owner": "Lan", "cadence": c} for k, t, c in kpis]
    return Plan.from_dict({"plan": "t", "period": {"start": start, "end": end},
                           "objectives": [{"type": objective, "kpis": ks}]})


def rows(start, end, freq="D", **cols):
    """One row per day (freq D) or per week (W: Monday..Sunday rows, ``date_end`` set)."""
    out = []
    if freq == "D":
        for d in pd.date_range(start, end):
            out.append({"date": d, "campaign": "A", "channel": "search",
                        **{c: v(d) if callable(v) else v for c, v in cols.items()}})
        return frame(out)
    for s in pd.date_range(start, end, freq="W-MON"):
        e = s + pd.Timedelta(days=6)
        days = pd.date_range(s, e)
        out.append({"date": s, "campaign": "A", "channel": "search",
                    **{c: sum(v(d) if callable(v) else v for d in days)
                       for c, v in cols.items()}})
    df = frame(out)
    df.insert(1, "date_end", df["date"] + pd.Timedelta(days=6))
    return df


def total(ev, kpi):
    t = ev.totals()
    return t[t["kpi"] == kpi].iloc[0]


# ------------------------------------------------------------------ spreading


def test_spread_divides_sums_evenly_and_never_spreads_reach():
    df = frame([{"date": "2027-03-01", "campaign": "A", "channel": "fb", "spend": 700,
                 "reach": 500, "followers": 90},
                {"date": "2027-03-08", "campaign": "A", "channel": "fb", "spend": 10,
                 "reach": 8, "followers": 91}])
    df["date_end"] = pd.to_datetime(["2027-03-07", "2027-03-08"])
    out = spread_periods(df)
    assert len(out) == 8
    assert out["spend"].iloc[:7].tolist() == [100.0] * 7
    assert out["spend"].iloc[7] == 10  # a one-day row is left alone
    assert out["reach"].iloc[:7].isna().all()  # reach over a week is not 7 daily reaches
    assert out["reach"].iloc[7] == 8
    assert out["followers"].iloc[:6].isna().all() and out["followers"].iloc[6] == 90
    assert out["date"].iloc[6] == pd.Timestamp("2027-03-07")
    assert out["spend"].sum() == pytest.approx(710)
    assert out.attrs["currency"] == "VND"
    assert cuts_rows(out, date(2027, 3, 1), date(2027, 3, 3))
    assert not cuts_rows(out, date(2027, 3, 1), date(2027, 3, 8))
    assert data_end(df) == pd.Timestamp("2027-03-08")


def test_daily_table_is_returned_as_is():
    df = rows("2027-03-01", "2027-03-03", spend=5)
    assert spread_periods(df) is df


# ------------------------------------------------------------------ evaluate


def test_weekly_row_is_spread_as_of_a_wednesday():
    # two Monday..Sunday rows of 700; as of Wednesday 10 March the second row has given
    # 3 x 100 so far: 1,000 to date (not 1,400), projection 1,000 / 10 x 31 = 3,100
    df = rows("2027-03-01", "2027-03-14", freq="W", revenue=100)
    ev = evaluate(df, plan_of([("revenue", 3000, "campaign")], "2027-03-01", "2027-03-31"),
                  as_of="2027-03-10", pacing="linear")
    r = total(ev, "revenue")
    assert r["actual"] == pytest.approx(1000)
    assert r["expected"] == pytest.approx(3000 * 10 / 31)
    assert r["projection"] == pytest.approx(3100)
    assert bool(r["estimated"]) is True
    # as of the Sunday the rows are whole: nothing is estimated
    r = total(evaluate(df, plan_of([("revenue", 3000, "campaign")], "2027-03-01", "2027-03-31"),
                       as_of="2027-03-14", pacing="linear"), "revenue")
    assert r["actual"] == pytest.approx(1400) and bool(r["estimated"]) is False


def test_month_inside_a_quarter_row_is_estimated():
    df = frame([{"date": "2027-04-01", "campaign": "A", "channel": "g", "revenue": 9100}])
    df["date_end"] = pd.to_datetime(["2027-06-30"])
    ev = evaluate(df, plan_of([("revenue", 9100, "campaign")], "2027-04-01", "2027-06-30"),
                  as_of="2027-06-30", period="2027-05", pacing="linear")
    r = total(ev, "revenue")
    assert r["actual"] == pytest.approx(3100)  # 9,100 / 91 days x 31
    assert r["target"] == pytest.approx(3100)
    assert bool(r["estimated"]) is True
    assert r["status"] == "achieved"


# ------------------------------------------------------------------------ lag


def test_data_lag_is_not_a_miss():
    # data to 7 March at 100 a day, as of 10 March: 3 unknown days, not zeros.
    df = rows("2027-03-01", "2027-03-07", revenue=100)
    plan = plan_of([("revenue", 3000, "campaign")], "2027-03-01", "2027-03-31")
    r = total(evaluate(df, plan, as_of="2027-03-10", pacing="linear"), "revenue")
    assert r["projection"] == pytest.approx(3100)  # 700 / 7 x 31, not 700 / 10 x 31 = 2,170
    assert r["status"] == "on track"
    assert r["data_end"] == date(2027, 3, 7) and r["lag_days"] == 3
    assert r["elapsed_days"] == 7
    assert r["expected"] == pytest.approx(3000 * 7 / 31)


def test_lag_past_the_period_end_is_projected_not_missed():
    df = rows("2027-03-01", "2027-03-28", revenue=100)
    plan = plan_of([("revenue", 3000, "campaign")], "2027-03-01", "2027-03-31")
    r = total(evaluate(df, plan, as_of="2027-04-02", pacing="linear"), "revenue")
    assert r["status"] not in ("missed", "achieved")
    assert r["projection"] == pytest.approx(3100)
    assert r["lag_days"] == 5  # 28 March to 2 April


def test_moving_as_of_past_the_data_keeps_the_projection():
    df = rows("2027-03-01", "2027-03-12", revenue=lambda d: 80 + 5 * (d.day % 4))
    plan = plan_of([("revenue", 3000, "campaign")], "2027-03-01", "2027-03-31")
    base = total(evaluate(df, plan, as_of="2027-03-12", pacing="linear"), "revenue")
    for later in ("2027-03-13", "2027-03-20", "2027-03-30"):
        r = total(evaluate(df, plan, as_of=later, pacing="linear"), "revenue")
        assert r["projection"] == pytest.approx(base["projection"])
        assert r["probability"] == pytest.approx(base["probability"])
        assert r["status"] == base["status"]


# ------------------------------------------------------------------ sub-periods


def test_month_inside_quarter_gets_its_share_of_the_target():
    # Q2 2027 has 91 days; May 31 of them: 7,450 x 31 / 91 = 2,537.9
    df = rows("2027-04-01", "2027-05-31", revenue=82)
    plan = plan_of([("revenue", 7450, "campaign"), ("roas", 3, "campaign")],
                   "2027-04-01", "2027-06-30")
    df["spend"] = 20.0
    ev = evaluate(df, plan, as_of="2027-05-31", period="2027-05", pacing="linear")
    r = total(ev, "revenue")
    assert r["target"] == pytest.approx(7450 * 31 / 91)
    assert r["actual"] == pytest.approx(82 * 31)
    assert r["status"] == "achieved"  # 2,542 against 2,537.9, not 2,542 against 7,450
    assert total(ev, "roas")["target"] == pytest.approx(3)  # a ratio keeps its target


def test_week_inside_a_month_and_refusal_outside_the_plan():
    df = rows("2027-03-01", "2027-03-31", revenue=100)
    plan = plan_of([("revenue", 3100, "campaign")], "2027-03-01", "2027-03-31")
    ev = evaluate(df, plan, as_of="2027-03-31", period=(date(2027, 3, 8), date(2027, 3, 14)),
                  pacing="linear")
    assert total(ev, "revenue")["target"] == pytest.approx(700)
    with pytest.raises(ParameterError, match="not inside the plan period"):
        evaluate(df, plan, as_of="2027-04-30", period="2027-04")


def test_sub_period_follows_the_spend_plan():
    df = rows("2027-03-01", "2027-03-31", revenue=100)
    plan = plan_of([("revenue", 3100, "campaign")], "2027-03-01", "2027-03-31")
    # twice the planned spend in the second half (16..31): share of 1..15 is 15 / 47
    sp = pd.Series([1.0] * 15 + [2.0] * 16, index=pd.date_range("2027-03-01", "2027-03-31"))
    ev = evaluate(df, plan, as_of="2027-03-31", period=(date(2027, 3, 1), date(2027, 3, 15)),
                  pacing="spend", spend_plan=sp)
    assert total(ev, "revenue")["target"] == pytest.approx(3100 * 15 / 47)


# ------------------------------------------------------------------ tolerance


def test_exact_weekly_budget_is_not_missed():
    # 3,000 over 30 days of April, weekly cadence: the week 5..11 April has 700
    df = rows("2027-04-01", "2027-04-30", spend=100, revenue=100)
    plan = plan_of([("spend", 3000, "weekly"), ("revenue", 3000, "weekly")],
                   "2027-04-01", "2027-04-30")
    ev = evaluate(df, plan, as_of="2027-04-30", pacing="linear")
    weeks = ev.rows[(ev.rows["level"] == "period") & (ev.rows["start"] == date(2027, 4, 5))]
    assert len(weeks) == 2
    for r in weeks.itertuples():
        assert r.target == 700.0  # shown as written, without float noise
        assert r.status == "achieved"
    for r in ev.totals().itertuples():
        assert r.status == "achieved"


# ------------------------------------------------------------------ metamorphic


@pytest.mark.parametrize("as_of", ["2027-03-14", "2027-03-28"])
def test_weekly_rows_equal_daily_rows_at_week_ends(as_of):
    def rev(d):
        return 90 + 7 * (d.day_of_week % 3) + d.day % 5

    def spend(d):
        return 30 + (d.day % 4)

    daily = rows("2027-03-01", "2027-03-28", revenue=rev, spend=spend)
    weekly = rows("2027-03-01", "2027-03-28", freq="W", revenue=rev, spend=spend)
    plan = plan_of([("revenue", 3000, "campaign"), ("roas", 2.5, "campaign")],
                   "2027-03-01", "2027-03-28")
    a = evaluate(daily, plan, as_of=as_of, pacing="linear").totals()
    b = evaluate(weekly, plan, as_of=as_of, pacing="linear").totals()
    for col in ("actual", "target", "expected", "projection"):
        assert b[col].tolist() == pytest.approx(a[col].tolist()), col
    if as_of == "2027-03-28":
        assert b["status"].tolist() == a["status"].tolist()
    assert not b["estimated"].any()


def test_money_times_1000_scales_money_and_keeps_ratios_and_statuses():
    df = rows("2027-03-01", "2027-03-20", revenue=lambda d: 100 + d.day % 7,
              spend=lambda d: 40 + d.day % 3, clicks=lambda d: 50 + d.day % 5)
    plan = plan_of([("revenue", 3000, "campaign"), ("roas", 2.5, "campaign"),
                    ("cpc", 0.8, "campaign"), ("clicks", 1500, "campaign")],
                   "2027-03-01", "2027-03-31")
    big = df.copy()
    big[["revenue", "spend"]] *= 1000
    plan_big = plan_of([("revenue", 3_000_000, "campaign"), ("roas", 2.5, "campaign"),
                        ("cpc", 800, "campaign"), ("clicks", 1500, "campaign")],
                       "2027-03-01", "2027-03-31")
    a = evaluate(df, plan, as_of="2027-03-20", pacing="linear").totals().set_index("kpi")
    b = evaluate(big, plan_big, as_of="2027-03-20", pacing="linear").totals().set_index("kpi")
    assert b["status"].tolist() == a["status"].tolist()
    assert b.loc["revenue", "projection"] == pytest.approx(1000 * a.loc["revenue", "projection"])
    assert b.loc["cpc", "actual"] == pytest.approx(1000 * a.loc["cpc", "actual"])
    for k in ("roas", "clicks"):
        assert b.loc[k, "actual"] == pytest.approx(a.loc[k, "actual"])
        assert b.loc[k, "probability"] == pytest.approx(a.loc[k, "probability"])
    assert not math.isnan(a.loc["roas", "probability"])


def test_monthly_rows_equal_daily_rows_at_month_ends():
    def rev(d):
        return 100 + 9 * (d.day % 6) + d.month

    daily = rows("2027-01-01", "2027-03-31", revenue=rev, spend=40)
    months = []
    for m in ("2027-01", "2027-02", "2027-03"):
        p = pd.Period(m, freq="M")
        days = pd.date_range(p.start_time, p.end_time.normalize())
        months.append({"date": p.start_time, "campaign": "A", "channel": "search",
                       "revenue": sum(rev(d) for d in days), "spend": 40.0 * len(days)})
    monthly = frame(months)
    monthly.insert(1, "date_end", pd.to_datetime(["2027-01-31", "2027-02-28", "2027-03-31"]))
    plan = plan_of([("revenue", 30000, "monthly"), ("roas", 2.5, "monthly")],
                   "2027-01-01", "2027-03-31")
    for as_of in ("2027-02-28", "2027-03-31"):
        a = evaluate(daily, plan, as_of=as_of, pacing="linear").rows
        b = evaluate(monthly, plan, as_of=as_of, pacing="linear").rows
        for col in ("actual", "target", "expected", "projection"):
            assert b[col].tolist() == pytest.approx(a[col].tolist()), (as_of, col)
        done = a["end"] <= date.fromisoformat(as_of)
        assert b.loc[done, "status"].tolist() == a.loc[done, "status"].tolist()
        assert not b["estimated"].any()


def test_pacing_path_stops_at_the_data_end():
    from kpikit.analysis.series import pacing_series

    df = rows("2027-03-01", "2027-03-07", revenue=100)
    plan = plan_of([("revenue", 3100, "campaign")], "2027-03-01", "2027-03-31")
    ev = evaluate(df, plan, as_of="2027-03-10", pacing="linear")
    path = pacing_series(df, ev, "revenue")
    assert path["actual"].notna().sum() == 7  # 8..10 March are unknown, not flat
    assert path["actual"].iloc[6] == pytest.approx(700)
    assert path["projection"].iloc[-1] == pytest.approx(3100)
    assert path["expected"].iloc[-1] == pytest.approx(3100)


def test_freshness_and_estimates_reach_results_json_and_both_languages():
    import json

    jsonschema = pytest.importorskip("jsonschema")
    from kpikit.runs.results import evaluation_payload, results_text, schema
    from kpikit.views.display import estimated_line, freshness_line

    df = rows("2027-03-01", "2027-03-14", freq="W", revenue=100)
    plan = plan_of([("revenue", 3000, "weekly")], "2027-03-01", "2027-03-31")
    ev = evaluate(df, plan, as_of="2027-03-17", pacing="linear")
    assert freshness_line(ev) == ("data ends 2027-03-14, 3 days before 2027-03-17: those "
                                  "days are projected, not counted as zero")
    assert freshness_line(ev, "vi").startswith("dữ liệu kết thúc ngày 14/03/2027, 3 ngày")
    assert estimated_line(ev) == ""  # 14 March is a row's end: nothing is cut
    params = {"data_path": None, "plan_path": None, "campaign": None, "as_of": "2027-03-17",
              "period": "campaign", "lang": "en", "output_dir": "x"}
    doc = json.loads(results_text("evaluation", evaluation_payload(ev, params, {})))
    jsonschema.validate(doc, schema("evaluation"))
    assert doc["data_end"] == "2027-03-14" and doc["lag_days"] == 3
    assert doc["kpis"][0]["lag_days"] == 3
    assert "Data ends 2027-03-14 (3 days before as_of)" in summary_lines(ev)[0]
    ev2 = evaluate(df, plan, as_of="2027-03-10", pacing="linear")
    assert "Estimated" in summary_lines(ev2)[0]
    assert estimated_line(ev2, "vi").startswith("ước tính")
    doc2 = json.loads(results_text("evaluation", evaluation_payload(ev2, params, {})))
    assert {"kpi": "revenue", "level": "total", "period": "2027-03-01..2027-03-31"} in \
        doc2["estimated_periods"]
    jsonschema.validate(doc2, schema("evaluation"))


def test_cli_evaluate_prints_freshness(tmp_path, capsys):
    from kpikit.cli import main

    days = pd.date_range("2027-03-01", "2027-03-07")
    data = tmp_path / "d.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "campaign": "A", "channel": "search",
                  "revenue": 100, "spend": 10}).to_csv(data, index=False)
    plan = tmp_path / "p.yaml"
    plan.write_text("plan: m\nperiod: {start: 2027-03-01, end: 2027-03-31}\ncurrency: VND\n"
                    "objectives:\n  - type: sales\n    kpis:\n      - kpi: revenue\n"
                    "        target: 3000\n        owner: Lan\n", encoding="utf-8")
    out = tmp_path / "r.json"
    code = main(["evaluate", str(data), str(plan), "--as-of", "2027-03-10", "--pacing",
                 "linear", "-o", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "data ends 2027-03-07, 3 days before 2027-03-10" in text
    assert "on track" in text
