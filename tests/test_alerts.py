"""Alert rules over results.json, deduplication across runs, the CLI's --fail-on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kpikit.errors import ParameterError
from kpikit.runs import alerts as al

T0 = datetime(2027, 1, 26, 6, 0, tzinfo=UTC)


def kpi(name: str = "revenue", **kw) -> dict:
    base = {"kpi": name, "owner": "Lan", "horizon": "short", "direction": "higher",
            "actual": 1_000_000.0, "target": 2_000_000.0, "attainment": 0.5,
            "status": "on track", "projection": 1_900_000.0, "low": 1.0, "high": 2.0,
            "probability": 0.8, "periods": [], "top_drivers": []}
    return {**base, **kw}


def run_folder(root: Path, campaign: str, kpis: list[dict] | None = None, *,
               failed: str | None = None, lag: int = 0, notebook: str = "02_evaluation"
               ) -> al.RunInfo:
    folder = root / campaign.replace(" ", "_") / notebook
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(
        {"status": "failed" if failed else "ok", "error": failed}), encoding="utf-8")
    res = folder / "results.json"
    if failed:
        res.unlink(missing_ok=True)
    else:
        res.write_text(json.dumps({
            "notebook": notebook, "currency": "VND", "as_of": "2027-01-25",
            "data_end": str((datetime(2027, 1, 25) - timedelta(days=lag)).date()),
            "lag_days": lag, "kpis": kpis or []}), encoding="utf-8")
    return al.RunInfo(campaign, notebook, folder, f"{folder.relative_to(root)}/report.html")


def test_default_rule_is_status_off_track_or_missed(tmp_path):
    runs = [run_folder(tmp_path, "Tết Sale", [kpi(status="off track"), kpi("cpa",
                                                                            status="at risk")])]
    found = al.collect(runs, al.parse_rules(None))
    assert [(a["kpi"], a["rule"], a["severity"]) for a in found] == [
        ("revenue", "status", "warning")]
    assert found[0]["campaign"] == "Tết Sale" and found[0]["report"].endswith("report.html")


def test_threshold_change_stale_and_anomaly_rules(tmp_path):
    rules = al.parse_rules([
        {"rule": "threshold", "kpi": "cpa", "above": "150.000 ₫", "severity": "critical"},
        {"rule": "change", "kpi": "revenue", "versus": "last_year", "percent": -20},
        {"rule": "stale", "days": 2, "severity": "info"},
        {"rule": "anomaly", "kpi": "revenue"},
    ], number_format="vi")
    runs = [run_folder(tmp_path, "A", [
        kpi("cpa", actual=150_001.0, direction="lower"),
        # -25% and significant: raised; -30% but p = 0.2: not significant, not raised
        kpi("revenue", change_ly=-0.25, p_ly=0.001, latest_anomaly="outage",
            latest_day="2027-01-22", latest_value=0.0, latest_expected=3_000_000.0),
    ], lag=3), run_folder(tmp_path, "B", [kpi("cpa", actual=149_999.0),
                                          kpi("revenue", change_ly=-0.3, p_ly=0.2)], lag=2)]
    found = {(a["campaign"], a["kind"]) : a for a in al.collect(runs, rules)}
    assert set(found) == {("A", "threshold"), ("A", "change"), ("A", "stale"), ("A", "anomaly")}
    assert found[("A", "threshold")]["severity"] == "critical"
    assert found[("A", "threshold")]["values"]["threshold"] == 150_000
    assert found[("A", "stale")]["values"]["lag_days"] == 3
    assert "outage" in found[("A", "anomaly")]["message"]["en"]
    # Vietnamese message with Vietnamese number format
    assert "150.001 ₫" in found[("A", "threshold")]["message"]["vi"]
    assert "-25,0%" in found[("A", "change")]["message"]["vi"]
    assert "(p = 0,001)" in found[("A", "change")]["message"]["vi"]
    assert "(p = 0.001)" in found[("A", "change")]["message"]["en"]


NNBSP = "\u202f"  # CLDR's narrow no-break space, the French thousands sign


def test_messages_are_kept_in_every_language_a_third_one_from_its_catalog(tmp_path,
                                                                          monkeypatch):
    from kpikit.i18n import messages
    from kpikit.runs.alert_state import message_text
    from kpikit.runs.notify import message

    loc = tmp_path / "locale"
    loc.mkdir()
    # two French words and one French message; everything else falls back to English
    (loc / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr_FR\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '\nmsgid "{campaign}: {kpi} is {status} ({actual} vs {target}, projected {projection})"\n'
        'msgstr "{campaign} : {kpi} est {status} ({actual} contre {target}, prévu {projection})"\n'
        '\nmsgid "off track"\nmsgstr "hors trajectoire"\n'
        '\nmsgid "Revenue"\nmsgstr "Chiffre d\'affaires"\n', encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(loc))
    runs = [run_folder(tmp_path / "out", "A", [kpi(status="off track"),
                                               kpi("cpa", actual=150_001.0)])]
    rules = al.parse_rules([{"rule": "status"},
                            {"rule": "threshold", "kpi": "cpa", "above": 150_000}])
    found = {a["kind"]: a["message"] for a in al.collect(runs, rules)}
    assert set(found["status"]) == set(found["threshold"]) == {"en", "fr", "vi"}
    fr = {k: v.replace("\xa0", NNBSP) for k, v in
          {k: m["fr"] for k, m in found.items()}.items()}
    # kpi() says 1,000,000 actual, 2,000,000 target, 1,900,000 projected, in VND
    assert fr["status"] == (f"A : Chiffre d'affaires est hors trajectoire (1{NNBSP}000{NNBSP}000 ₫ "
                            f"contre 2{NNBSP}000{NNBSP}000 ₫, prévu 1{NNBSP}900{NNBSP}000 ₫)")
    # untranslated: the English words, the French numbers
    assert fr["threshold"] == f"A: CPA 150{NNBSP}001 ₫ is above 150{NNBSP}000 ₫"
    assert found["threshold"]["vi"] == "A: CPA 150.001 ₫ trên ngưỡng 150.000 ₫"
    assert found["status"]["vi"] == ("A: Doanh thu chệch hướng (1.000.000 ₫ so với 2.000.000 ₫, "
                                     "dự báo 1.900.000 ₫)")
    assert found["status"]["en"] == ("A: Revenue is off track (₫1,000,000 vs ₫2,000,000, "
                                     "projected ₫1,900,000)")
    # an alert written before French existed reads in English
    old = {"event": "new", "severity": "warning", "message": {"en": "m", "vi": "v"}}
    assert message_text(old, "fr") == "m" and message_text(old, "vi") == "v"
    assert message_text({"message": None}, "fr") == ""
    assert "] m" in message(old, "fr")
    # the index's times: fr_FR's medium day and 24-hour clock; English stays ISO
    from kpikit.runs.batch.index import _local_time

    assert _local_time("2026-11-30T16:30:30", "fr") == "30 nov. 2026 16:30"
    assert _local_time("2026-11-30T16:30:30", "en") == "2026-11-30 16:30"


def test_a_broken_catalog_leaves_its_language_out_of_the_alert(tmp_path, monkeypatch):
    from kpikit.i18n import messages

    loc = tmp_path / "locale"
    loc.mkdir()
    (loc / "fr.po").write_text('msgid ""\nmsgstr ""\n"Language: fr_FR\\n"\n', encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(loc))
    runs = [run_folder(tmp_path / "out", "A", [kpi(status="off track")])]
    (loc / "fr.po").write_text('msgid "x"\nmsgstr "y\n', encoding="utf-8")  # broken since
    found = al.collect(runs, al.parse_rules(None))
    assert [sorted(a["message"]) for a in found] == [["en", "vi"]]


def test_run_failed_is_critical(tmp_path):
    runs = [run_folder(tmp_path, "C", failed="ValueError: boom")]
    found = al.collect(runs, al.parse_rules([{"rule": "stale", "days": 1}]))
    assert [(a["kind"], a["severity"]) for a in found] == [("run_failed", "critical")]
    assert "boom" in found[0]["message"]["en"]


@pytest.mark.parametrize("bad", [
    [{"rule": "thresold", "kpi": "cpa", "above": 1}],
    [{"rule": "threshold", "kpi": "cpa"}],
    [{"rule": "threshold", "kpi": "cpa", "above": 1, "below": 2}],
    [{"rule": "threshold", "kpi": "nope", "above": 1}],
    [{"rule": "status", "severity": "urgent"}],
    [{"rule": "change", "kpi": "cpa", "percent": 0}],
    [{"rule": "change", "kpi": "cpa", "percent": 10, "versus": "yesterday"}],
    [{"rule": "stale", "days": -1}],
    [{"rule": "status", "colour": "red"}],
    "status",
])
def test_bad_rules_are_refused_with_their_place(bad):
    with pytest.raises(ParameterError) as e:
        al.parse_rules(bad, "spec.yaml")
    assert "spec.yaml: alerts" in str(e.value)


def test_dedup_new_unchanged_changed_repeat_resolved(tmp_path):
    runs = [run_folder(tmp_path, "A", [kpi(status="off track")])]
    rules = al.parse_rules(None)

    def once(now):
        return al.monitor(tmp_path, runs, rules, now=now)

    first = once(T0)
    assert [a["event"] for a in first.sent] == ["new"]
    assert json.loads((tmp_path / "alerts.json").read_text())["alerts"][0]["kpi"] == "revenue"
    assert once(T0 + timedelta(hours=1)).sent == ()  # unchanged: nothing sent
    run_folder(tmp_path, "A", [kpi(status="missed")])
    changed = once(T0 + timedelta(hours=2))
    assert [a["event"] for a in changed.sent] == ["changed"]
    assert changed.alerts[0]["first_seen"] == T0.isoformat()  # still the same alert
    assert once(T0 + timedelta(hours=3)).sent == ()
    assert [a["event"] for a in once(T0 + timedelta(hours=27)).sent] == ["repeat"]
    run_folder(tmp_path, "A", [kpi(status="on track")])
    resolved = once(T0 + timedelta(hours=28))
    assert [a["event"] for a in resolved.sent] == ["resolved"] and resolved.alerts == ()
    assert once(T0 + timedelta(hours=29)).sent == ()  # resolved is sent once


def test_undelivered_alert_is_sent_again(tmp_path):
    from kpikit.runs.notify import Notifier

    runs = [run_folder(tmp_path, "A", [kpi(status="off track")])]
    dead = Notifier(url="http://127.0.0.1:9/hook", attempts=1, timeout=1, budget=5)
    first = al.monitor(tmp_path, runs, al.parse_rules(None), notifier=dead, now=T0)
    assert first.notifications[0]["ok"] is False
    again = al.monitor(tmp_path, runs, al.parse_rules(None), now=T0 + timedelta(minutes=5))
    assert [a["event"] for a in again.sent] == ["new"]


def test_state_file_broken_is_a_fresh_start(tmp_path):
    (tmp_path / al.STATE_FILE).write_text("{not json", encoding="utf-8")
    runs = [run_folder(tmp_path, "A", [kpi(status="off track")])]
    assert len(al.monitor(tmp_path, runs, al.parse_rules(None), now=T0).sent) == 1


def test_failing_by_severity(tmp_path):
    runs = [run_folder(tmp_path, "A", [kpi(status="off track")])]
    mon = al.monitor(tmp_path, runs, al.parse_rules(None), now=T0)
    assert mon.failing("info") and mon.failing("warning") and not mon.failing("critical")
    assert not mon.failing(None)


# ----------------------------------------------------------- CLI --fail-on


def _fake_complete(spec_path: Path, status: str) -> None:
    """Write finished runs for a spec so the batch runs no notebook (they are complete)."""
    from kpikit.runs.batch import fingerprint, load_spec, plan_runs

    for r in plan_runs(load_spec(spec_path)):
        r.folder.mkdir(parents=True, exist_ok=True)
        (r.folder / "executed.ipynb").write_text("{}", encoding="utf-8")
        (r.folder / "report.html").write_text("<p>r</p>", encoding="utf-8")
        (r.folder / "results.json").write_text(json.dumps({
            "notebook": "02_evaluation", "currency": "VND", "as_of": "2027-01-25",
            "data_end": "2027-01-25", "lag_days": 0, "kpis": [kpi(status=status)]}),
            encoding="utf-8")
        (r.folder / "manifest.json").write_text(json.dumps(
            {"status": "ok", "fingerprint": fingerprint(r)}), encoding="utf-8")


@pytest.mark.parametrize("status, fail_on, code", [
    ("off track", "warning", 3), ("off track", "info", 3), ("off track", "critical", 0),
    ("on track", "info", 0), ("off track", None, 0),
])
def test_fail_on_exit_codes(tmp_path, status, fail_on, code, capsys):
    from kpikit.cli import main
    from kpikit.data_in.sample import sample_path

    spec = tmp_path / "spec.yaml"
    spec.write_text(f"output_dir: out\ndata_path: {sample_path()}\nnotebooks: [02_evaluation]\n"
                    "campaigns: [Tết Sale]\nparameters: {as_of: '2027-01-25'}\n",
                    encoding="utf-8")
    _fake_complete(spec, status)
    args = ["batch", str(spec)] + (["--fail-on", fail_on] if fail_on else [])
    assert main(args) == code
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    alerts = json.loads((tmp_path / "out" / "alerts.json").read_text(encoding="utf-8"))
    assert len(alerts["alerts"]) == (status == "off track")
    if status == "off track":
        # alerts come first in the index, before the table of runs
        assert index.index("class='alerts'") < index.index("<table>")


def test_index_escapes_alert_text(tmp_path):
    from kpikit.runs.batch.index import _alerts_section

    runs = [run_folder(tmp_path, "<script>x</script>", [kpi(status="off track")])]
    al.monitor(tmp_path, runs, al.parse_rules(None), now=T0)
    page = _alerts_section(tmp_path, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_spec_refuses_bad_alerts_and_secrets_before_running(tmp_path):
    from kpikit.runs.batch import load_spec

    bad = {"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
           "alerts": [{"rule": "nope"}]}
    with pytest.raises(ParameterError, match="alerts\\[0\\]"):
        load_spec(bad)
    secret = {"output_dir": str(tmp_path), "notebooks": ["02_evaluation"],
              "notify": {"smtp": "localhost:25", "from": "a@b.c", "to": ["d@e.f"],
                         "password": "hunter2"}}
    with pytest.raises(ParameterError, match="KPIKIT_SMTP_PASSWORD"):
        load_spec(secret)


def test_plan_alerts_are_read_and_kept(tmp_path):
    from kpikit.plans import Plan

    text = ("plan: P\nperiod: {start: 2027-01-01, end: 2027-01-31}\n"
            "alerts: [{rule: threshold, kpi: cpa, above: 150000, severity: critical}]\n"
            "objectives: [{type: sales, kpis: [{kpi: cpa, target: 100000}]}]\n")
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    plan = Plan.from_yaml(path)
    assert plan.alerts[0]["rule"] == "threshold"
    assert Plan.from_dict(plan.to_dict()).alerts == plan.alerts
    rules = al.plan_rules(str(path), [{"rule": "stale", "days": 1}], "spec.yaml")
    assert [r.rule for r in rules] == ["status", "run_failed", "stale", "threshold"]


def test_plan_rules_read_numbers_the_plans_way_and_bad_ones_stop_the_batch(tmp_path):
    from kpikit.runs.batch import alert_rules, load_spec, plan_runs, run_batch

    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: P\ncurrency: VND\nperiod: {start: 2027-01-01, end: 2027-01-31}\n"
                    "alerts: [{rule: threshold, kpi: cpa, above: 150.000}]\n"
                    "objectives: [{type: sales, kpis: [{kpi: cpa, target: 100.000}]}]\n",
                    encoding="utf-8")
    spec = load_spec({"output_dir": str(tmp_path / "out"), "notebooks": ["02_evaluation"],
                      "campaigns": [{"name": "A", "plan_path": str(plan)}]}, base=tmp_path)
    rules = alert_rules(spec, plan_runs(spec))["A"]
    assert [r.above for r in rules if r.rule == "threshold"] == [150_000]
    plan.write_text(plan.read_text(encoding="utf-8").replace("rule: threshold", "rule: treshold"),
                    encoding="utf-8")
    with pytest.raises(ParameterError, match="plan.yaml: alerts\\[0\\]"):
        run_batch(spec)
    assert not (tmp_path / "out" / "A").exists()  # nothing ran


def test_spec_threshold_written_ambiguously_is_refused_not_misread(tmp_path):
    from kpikit.runs.batch import load_spec

    spec = tmp_path / "spec.yaml"
    spec.write_text("output_dir: out\nnotebooks: [02_evaluation]\n"
                    "alerts: [{rule: threshold, kpi: cpa, above: 150.000}]\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="alerts\\[0\\].above") as e:
        load_spec(spec)
    assert "150.000" in str(e.value)
    spec.write_text(spec.read_text(encoding="utf-8").replace("150.000", "150000"),
                    encoding="utf-8")
    s = load_spec(spec)
    assert al.parse_rules(list(s.alerts))[-1].above == 150_000


def test_alerts_json_follows_its_schema(tmp_path):
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("kpikit.schemas").joinpath("alerts.schema.json").read_text(
        encoding="utf-8"))
    runs = [run_folder(tmp_path, "A", [kpi(status="off track")]),
            run_folder(tmp_path, "B", failed="boom")]
    al.monitor(tmp_path, runs, al.parse_rules(None), now=T0)
    run_folder(tmp_path, "A", [kpi(status="on track")])
    al.monitor(tmp_path, runs, al.parse_rules(None), now=T0 + timedelta(hours=1))
    data = json.loads((tmp_path / "alerts.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert [a["kind"] for a in data["alerts"]] == ["run_failed"]
    assert [a["kpi"] for a in data["resolved"]] == ["revenue"]


def test_state_with_foreign_entries_is_not_a_crash(tmp_path):
    (tmp_path / al.STATE_FILE).write_text(json.dumps({"alerts": {
        "x": "not a mapping",
        "A|02_evaluation|revenue|status": {"signature": "off track", "sent": "2027-01-01T00:00",
                                          "first_seen": "2027-01-01T00:00"}}}),
        encoding="utf-8")
    runs = [run_folder(tmp_path, "A", [kpi(status="off track")])]
    mon = al.monitor(tmp_path, runs, al.parse_rules(None), now=T0)
    # the time without a zone cannot be compared: the alert is sent again, not lost
    assert [a["event"] for a in mon.sent] == ["repeat"]


def test_an_alert_back_after_resolution_is_new_again(tmp_path):
    runs = [run_folder(tmp_path, "A", [kpi(status="off track")])]
    al.monitor(tmp_path, runs, al.parse_rules(None), now=T0)
    run_folder(tmp_path, "A", [kpi(status="on track")])
    al.monitor(tmp_path, runs, al.parse_rules(None), now=T0 + timedelta(hours=1))
    run_folder(tmp_path, "A", [kpi(status="off track")])
    back = al.monitor(tmp_path, runs, al.parse_rules(None), now=T0 + timedelta(hours=2))
    assert [a["event"] for a in back.sent] == ["new"]
    assert back.alerts[0]["first_seen"] == (T0 + timedelta(hours=2)).isoformat()


def test_index_writes_alert_times_as_the_reader_does(monkeypatch):
    """The index shows '30/11/2026 16:30', never the ISO stamp alerts.json keeps."""
    import time

    from kpikit.runs.batch.index import _local_time

    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    try:
        assert _local_time("2026-11-30T09:30:30+00:00", "vi") == "30/11/2026 16:30"
        assert _local_time("2026-11-30T09:30:30+00:00", "en") == "2026-11-30 16:30"
        assert _local_time("2026-11-30T16:30:30", "vi") == "30/11/2026 16:30"  # no zone: as is
        assert _local_time(None, "en") == ""
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# ------------------------------------------------------------------ the rooms of alerts


class _Spot:
    def __init__(self, text):
        self.text = text


class _Loaded:
    """Stands in for yaml_safe.Loaded: every number was typed as '150.000'."""

    def spot(self, container, key):
        return _Spot("150.000") if key == "above" else None


def test_one_as_written_serves_plans_and_specs():
    from kpikit.plans.field_reading import as_written

    assert al.as_written is as_written
    raw = [{"rule": "threshold", "kpi": "cpa", "above": 150.0}, "not a rule"]
    out = as_written(raw, _Loaded())
    assert out[0] == {"rule": "threshold", "kpi": "cpa", "above": "150.000"}
    assert raw[0]["above"] == 150.0  # the parsed YAML is not changed
    assert out[1] == "not a rule"
    assert as_written(raw, None) is raw
    assert as_written({"rule": "status"}, _Loaded()) == {"rule": "status"}


def test_read_json_gives_objects_only(tmp_path):
    from kpikit.runs.alert_state import read_json

    assert read_json(tmp_path / "missing.json") is None
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    assert read_json(tmp_path / "list.json") is None
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert read_json(tmp_path / "bad.json") is None
    (tmp_path / "ok.json").write_text('{"a": 1}', encoding="utf-8")
    assert read_json(tmp_path / "ok.json") == {"a": 1}
    assert read_json(tmp_path) is None  # a folder is refused, not read


def test_worst_severity():
    assert al.worst([{"severity": "info"}, {"severity": "critical"}, {"severity": "bogus"},
                     {"severity": "warning"}]) == "critical"
    assert al.worst([{"severity": "info"}]) == "info"
    assert al.worst([{"severity": "bogus"}, {}]) is None
    assert al.worst([]) is None


def test_alerts_gathers_its_rooms():
    from kpikit.runs import alert_checks, alert_rules, alert_state

    for name in al.__all__:
        if name in ("Monitor", "monitor"):
            continue
        homes = [m for m in (alert_rules, alert_checks, alert_state)
                 if name in getattr(m, "__all__", ())]
        assert homes, name
        assert getattr(al, name) is getattr(homes[0], name)
