"""Plan values: YAML round trip and every validation message."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import yaml

from kpikit.data_in.sample import sample_path
from kpikit.errors import ParameterError
from kpikit.plans import Plan, PlanError, Target, parse_period, parse_target

DATA = sample_path().parent
GOOD = {
    "plan": "Test plan",
    "currency": "VND",
    "language": "vi",
    "period": {"start": "2027-01-01", "end": "2027-03-31"},
    "scope": {"campaigns": ["Tết Sale"], "channels": []},
    "business_goal": {"kpi": "revenue", "target": "+10% vs last year"},
    "objectives": [
        {"type": "sales", "description": "more sales",
         "kpis": [
             {"kpi": "roas", "target": 4.5, "owner": "Lan", "cadence": "weekly", "weight": 2},
             {"kpi": "cpa", "target": "-5% vs trailing 3", "owner": "Lan"},
             {"kpi": "ctr", "target": "2.5%", "owner": "Minh", "cadence": "monthly",
              "scope": {"channels": ["search"]}},
         ]},
        {"type": "retention",
         "kpis": [{"kpi": "new_customers", "target": "+5% vs previous period",
                   "owner": "Bảo", "cadence": "quarterly",
                   "period": {"start": "2027-01-01", "end": "2027-06-30"}}]},
    ],
}


def test_round_trip_of_a_full_plan():
    plan = Plan.from_dict(GOOD)
    again = Plan.from_yaml(plan.to_yaml())
    assert again == plan
    assert Plan.from_dict(plan.to_dict()) == plan
    roas = next(k for _, k in plan.targets() if k.kpi == "roas")
    assert roas.target == Target(value=4.5) and roas.weight == 2 and roas.cadence == "weekly"
    assert roas.horizon == "short" and roas.direction == "higher"
    cpa = next(k for _, k in plan.targets() if k.kpi == "cpa")
    assert cpa.target == Target(change=-0.05, baseline="trailing", trailing=3)
    assert cpa.direction == "lower"  # from the catalog, never from the plan
    ctr = next(k for _, k in plan.targets() if k.kpi == "ctr")
    assert ctr.target.value == pytest.approx(0.025) and ctr.channels == ("search",)
    nc = next(k for _, k in plan.targets() if k.kpi == "new_customers")
    assert nc.horizon == "long" and nc.period == (date(2027, 1, 1), date(2027, 6, 30))
    assert plan.business_goal.target.change == pytest.approx(0.10)


@pytest.mark.parametrize("name", ["plan_tet_sale.yaml", "plan_brand_engagement.yaml"])
def test_shipped_plans_round_trip(name, tmp_path):
    plan = Plan.from_yaml(DATA / name)
    out = tmp_path / name
    plan.to_yaml(out)
    assert Plan.from_yaml(out) == plan
    assert all(k.owner != "unassigned" for _, k in plan.targets())
    assert {k.horizon for _, k in plan.targets()} == {"short", "long"}


def test_frozen_and_with_target():
    plan = Plan.from_dict(GOOD)
    with pytest.raises(AttributeError):
        plan.name = "x"  # type: ignore[misc]
    newer = plan.with_target("roas", "5")
    assert next(k for _, k in newer.targets() if k.kpi == "roas").target.value == 5
    assert next(k for _, k in plan.targets() if k.kpi == "roas").target.value == 4.5


def mutate(path: str, value):
    data = copy.deepcopy(GOOD)
    keys = path.replace("]", "").replace("[", ".").split(".")
    node = data
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node[k]
    last = keys[-1]
    if value is KeyError:
        del node[int(last) if last.isdigit() else last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


CASES = [
    ("objectives[0].kpis[2].target", "high",
     'objectives[0].kpis[2].target: must be a number or "+N%"'),
    ("objectives[0].kpis[0].target", KeyError, "objectives[0].kpis[0].target: is required"),
    ("objectives[0].kpis[0].kpi", "ctrr", "objectives[0].kpis[0].kpi: unknown KPI 'ctrr'"),
    ("objectives[0].kpis[0].kpi", "ctrr", "did you mean 'ctr'"),
    ("objectives[0].kpis[0].cadence", "daily", "unknown cadence 'daily'. Fix: choose from "
                                               "weekly, monthly, quarterly, campaign"),
    ("objectives[0].kpis[0].horizon", "medium", "unknown horizon 'medium'"),
    ("objectives[0].kpis[0].weight", -1, "weight: must be a number of 0 or more"),
    ("objectives[0].kpis[0].cadance", "weekly", "cadance: unknown key. Fix: choose from kpi"),
    ("objectives[0].kpis[2].target", 45, "45 is above 100% for ctr"),
    ("objectives[0].kpis[0].target", -3, "-3 is negative"),
    ("objectives[0].kpis[2].scope", {"channels": "search", "regions": []},
     "objectives[0].kpis[2].scope.regions: unknown key"),
    ("objectives[0].kpis[2].scope", {"channels": [1, 2]},
     "scope.channels: must be a list of names"),
    ("objectives[0].type", "sale", "objectives[0].type: unknown objective 'sale'"),
    ("objectives[0].kpis", [], "objectives[0].kpis: must be a list with at least one KPI"),
    ("objectives", [], "objectives: must be a list with at least one objective"),
    ("period", {"start": "2027-03-01", "end": "2027-01-01"}, "is before the start"),
    ("period", {"start": "2027-01-01"}, "period: needs both start and end"),
    ("period", KeyError, "period: is required"),
    ("period.start", "next monday", "period.start: must be a date like 2027-01-31"),
    ("language", "fr", "language: unknown language 'fr'"),
    ("currency", "dong", "currency: 'DONG' is not an ISO currency code"),
    ("plan", KeyError, "plan: is required"),
    ("business_goal.kpi", "profitt", "business_goal.kpi: unknown KPI 'profitt'"),
    ("owner_of_all", "x", "owner_of_all: unknown key"),
    ("objectives[0].kpis[1]", {"kpi": "roas", "target": 5, "owner": "X", "cadence": "weekly"},
     "objectives[0].kpis[1]: repeats 'roas' of objectives[0].kpis[0]"),
]


@pytest.mark.parametrize("path, value, message", CASES)
def test_validation_messages(path, value, message):
    with pytest.raises(PlanError) as info:
        Plan.from_dict(mutate(path, value), source="plan.yaml")
    assert message in str(info.value), str(info.value)
    assert str(info.value).startswith("plan.yaml: ")


def test_every_problem_is_listed_at_once():
    data = mutate("objectives[0].kpis[0].kpi", "ctrr")
    data["objectives"][0]["kpis"][1]["cadence"] = "daily"
    data["language"] = "fr"
    with pytest.raises(PlanError) as info:
        Plan.from_dict(data)
    assert len(info.value.problems) == 3


def test_yaml_syntax_error_has_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: x\nperiod: {start: 2027-01-01\nobjectives: []\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"bad.yaml, row \d+: not valid YAML"):
        Plan.from_yaml(bad)
    with pytest.raises(PlanError, match="no such file"):
        Plan.from_yaml(tmp_path / "missing.yaml")


def test_safe_loading_only(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("plan: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid YAML"):
        Plan.from_yaml(evil)


@pytest.mark.parametrize("raw, expected", [
    (4.5, Target(value=4.5)), ("1,200", Target(value=1200.0)),
    ("+15%", Target(change=0.15)), ("+15% vs last year", Target(change=0.15)),
    ("-10% vs previous period", Target(change=-0.10, baseline="previous_period")),
    ("+5% vs trailing 6", Target(change=0.05, baseline="trailing", trailing=6)),
    ("3%", Target(value=0.03)),
])
def test_parse_target(raw, expected):
    got = parse_target(raw, "en")  # "1,200" needs the plan's convention: see test_hostile_plans
    assert got.value == pytest.approx(expected.value) if expected.value is not None else True
    assert (got.change, got.baseline, got.trailing) == pytest.approx(
        (expected.change, expected.baseline, expected.trailing)) if expected.change else True
    assert parse_target(got.to_yaml()) == got


@pytest.mark.parametrize("bad", ["high", True, "+x%", float("nan"), "15 percent", "1,200"])
def test_parse_target_refuses(bad):
    with pytest.raises(ValueError):
        parse_target(bad)


def test_parse_period():
    assert parse_period("2027Q1") == (date(2027, 1, 1), date(2027, 3, 31))
    assert parse_period("2027-02") == (date(2027, 2, 1), date(2027, 2, 28))
    assert parse_period("2027") == (date(2027, 1, 1), date(2027, 12, 31))
    assert parse_period("2027-01-05:2027-02-10") == (date(2027, 1, 5), date(2027, 2, 10))
    with pytest.raises(ParameterError, match="write 2027-01"):
        parse_period("Q1")


def test_yaml_is_readable_text():
    text = Plan.from_dict(GOOD).to_yaml()
    assert "Tết Sale" in text  # unicode kept, not escaped
    assert yaml.safe_load(text)["objectives"][0]["kpis"][1]["target"] == "-5% vs trailing 3"


# ---------------------------------------------------------------- plain fields (field_reading)


class _Fields:
    """A bare FieldReading, as PlanReader holds it, over a Vietnamese-written plan."""

    def __new__(cls):
        from kpikit.plans.field_reading import FieldReading

        r = FieldReading()
        r.source, r.loaded, r.problems, r.number_format = "p.yaml", None, [], "vi"
        return r


def test_field_reading_reads_numbers_in_the_plans_convention():
    r = _Fields()
    assert r.number({"weight": "1,5"}, "weight", "kpis[0].weight", 1.0) == 1.5
    assert r.number({}, "weight", "kpis[0].weight", 1.0) == 1.0
    assert r.number({"weight": -2}, "weight", "kpis[0].weight", 1.0) == 1.0
    assert len(r.problems) == 1
    assert r.problems[0].message.startswith("kpis[0].weight: ")
    assert r.problems[0].file == "p.yaml"


def test_field_reading_reports_days_and_periods_with_their_path():
    from kpikit.errors import ProblemCode

    r = _Fields()
    assert r.period({"start": "2027-01-01", "end": "2027-03-31"}, "period") == (
        date(2027, 1, 1), date(2027, 3, 31))
    assert r.period({"start": "2027-02-01", "end": "2027-01-01"}, "period") is None
    assert r.day("31/01/2027", "period.start", ({}, "start")) is None
    codes = [p.code for p in r.problems]
    assert codes == [ProblemCode.DATE_RANGE_REVERSED, ProblemCode.PLAN_DATE]
    assert r.problems[0].message.startswith("period.end: ")
    assert r.mapping({"start": 1, "stray": 2}, "period", ("start", "end")) == {
        "start": 1, "stray": 2}
    assert r.problems[-1].code == ProblemCode.PLAN_UNKNOWN_KEY
    assert "period.stray" in r.problems[-1].message
