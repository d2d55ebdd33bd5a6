"""Alerts for automated runs: rules over each run's results, deduplicated across runs.

Rules come from the batch spec (``alerts:``) and from each campaign's plan
(``alerts:``); each has a ``severity`` (``info``, ``warning``, ``critical``)::

    alerts:
      - {rule: status, statuses: [off track, missed], severity: warning}   # the default
      - {rule: threshold, kpi: cpa, above: "150.000 ₫", severity: critical}
      - {rule: change, kpi: revenue, versus: last_year, percent: -20, severity: warning}
      - {rule: anomaly, kpi: revenue, severity: info}          # the latest day is an anomaly
      - {rule: stale, days: 2, severity: warning}              # data_end more than 2 days old
      - {rule: run_failed, severity: critical}                 # always on

Alerts are computed from every run folder's ``results.json`` and
``manifest.json``, so they work whatever ran the notebooks. :func:`update`
compares them with the state kept in the output folder
(``.kpikit-alerts-state.json``, written atomically): an alert is sent when it
is new, when it changed, or when ``repeat_hours`` passed since it was sent; a
resolved alert is sent once. ``alerts.json`` lists the active alerts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError
from kpikit.i18n.lang import resolve_lang, tr

__all__ = ["RULES", "SEVERITIES", "Rule", "Update", "collect", "parse_rules", "update",
           "write_alerts"]

SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
RULES: tuple[str, ...] = ("status", "threshold", "change", "anomaly", "stale", "run_failed")
STATE_FILE = ".kpikit-alerts-state.json"
ALERTS_FILE = "alerts.json"
_KEYS = {
    "status": ("rule", "severity", "kpi", "statuses"),
    "threshold": ("rule", "severity", "kpi", "above", "below"),
    "change": ("rule", "severity", "kpi", "versus", "percent", "alpha"),
    "anomaly": ("rule", "severity", "kpi"),
    "stale": ("rule", "severity", "days"),
    "run_failed": ("rule", "severity"),
}
_VERSUS = {"previous_period": "prev", "last_year": "ly"}
_STATUSES = ("on track", "at risk", "off track", "achieved", "missed", "too early", "no data")


@dataclass(frozen=True)
class Rule:
    """One alert rule (see the module's YAML shape)."""

    rule: str
    severity: str = "warning"
    kpi: str | None = None
    statuses: tuple[str, ...] = ("off track", "missed")
    above: float | None = None
    below: float | None = None
    versus: str = "previous_period"
    percent: float | None = None
    alpha: float = 0.05
    days: int = 2

    @property
    def name(self) -> str:
        """A stable name of the rule (part of each alert's key)."""
        if self.rule == "threshold":
            side = f"above {self.above:g}" if self.above is not None else f"below {self.below:g}"
            return f"threshold {side}"
        if self.rule == "change":
            return f"change {self.versus} {self.percent:+g}%"
        if self.rule == "stale":
            return f"stale > {self.days}d"
        return self.rule


DEFAULT_RULES = (Rule("status"), Rule("run_failed", "critical"))


def _bad(where: str, en: str, vi: str) -> ParameterError:
    return ParameterError(tr(f"{where}: {en}", f"{where}: {vi}"))


def _num(value: Any, where: str, number_format: str | None) -> float:
    from kpikit.plans.targets import parse_target

    if isinstance(value, bool):
        value = None
    try:
        t = parse_target(value, number_format)
    except (ValueError, TypeError) as e:
        reason = getattr(e, "reason", None)
        if reason:  # an ambiguous "150.000": the number rules say why and how to write it
            raise _bad(where, f"{reason} Fix: {getattr(e, 'fix', '')}",
                       f"{reason} Cách sửa: {getattr(e, 'fix', '')}") from None
        t = None
    if t is None or t.value is None or not math.isfinite(t.value):
        raise _bad(where, f"must be a number, not {value!r}. Fix: e.g. 150000 or \"150.000 ₫\".",
                   f"phải là một số, không phải {value!r}. Cách sửa: ví dụ 150000 hoặc "
                   "\"150.000 ₫\".")
    return float(t.value)


def parse_rules(raw: Any, source: str = "spec", number_format: str | None = None
                ) -> tuple[Rule, ...]:
    """Read a list of rules (from a spec or a plan); the defaults are added.

    A rule of kind ``status`` or ``run_failed`` replaces the default of its kind.
    Raises :class:`ParameterError` naming the file, the rule's place and the fix.
    """
    return _with_defaults(_read_rules(raw, source, number_format))


def as_written(raw: Any, loaded: Any) -> Any:
    """Rules with each unquoted number as its text in the file (``150.000``, not 150.0).

    YAML reads ``150.000`` as 150.0; the text lets the plan's number convention decide
    (and an ambiguous one be refused), never a silently wrong threshold.
    """
    if not isinstance(raw, list) or loaded is None:
        return raw
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            original, item = item, dict(item)
            for key in ("above", "below", "percent", "alpha"):
                v = item.get(key)
                spot = loaded.spot(original, key)
                if (isinstance(v, (int, float)) and not isinstance(v, bool)
                        and spot is not None and spot.text):
                    item[key] = spot.text
        out.append(item)
    return out


def _with_defaults(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    kinds = {r.rule for r in rules}
    return tuple(r for r in DEFAULT_RULES if r.rule not in kinds) + tuple(
        dict.fromkeys(rules))


def _read_rules(raw: Any, source: str, number_format: str | None) -> list[Rule]:
    from kpikit.catalog import KPIS

    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _bad(f"{source}: alerts", "must be a list of rules. Fix: alerts: [{rule: status, "
                   "severity: warning}].", "phải là danh sách quy tắc. Cách sửa: alerts: "
                   "[{rule: status, severity: warning}].")
    rules: list[Rule] = []
    for i, item in enumerate(raw[:200]):
        where = f"{source}: alerts[{i}]"
        if not isinstance(item, Mapping):
            raise _bad(where, "must be a mapping such as {rule: status, severity: warning}.",
                       "phải là ánh xạ như {rule: status, severity: warning}.")
        kind = item.get("rule")
        if kind not in RULES:
            raise _bad(where, f"unknown rule {str(kind)[:60]!r}. Fix: choose from "
                       f"{', '.join(RULES)}.", f"không có quy tắc {str(kind)[:60]!r}. Cách sửa: "
                       f"chọn trong {', '.join(RULES)}.")
        extra = sorted(str(k) for k in item if k not in _KEYS[kind])
        if extra:
            raise _bad(where, f"unknown key {extra[0][:60]!r} for rule {kind}. Fix: choose from "
                       f"{', '.join(_KEYS[kind])}.", f"khóa {extra[0][:60]!r} không hợp lệ với "
                       f"quy tắc {kind}. Cách sửa: chọn trong {', '.join(_KEYS[kind])}.")
        sev = item.get("severity", "warning")
        if sev not in SEVERITIES:
            raise _bad(where, f"unknown severity {str(sev)[:60]!r}. Fix: choose from "
                       f"{', '.join(SEVERITIES)}.", f"không có mức độ {str(sev)[:60]!r}. Cách "
                       f"sửa: chọn trong {', '.join(SEVERITIES)}.")
        rule = Rule(kind, sev)
        kpi = item.get("kpi")
        if kpi is not None:
            if kpi not in KPIS:
                raise _bad(where, f"unknown KPI {str(kpi)[:60]!r}. Fix: write a KPI of the "
                           "catalog, e.g. revenue, cpa, roas.", f"không có KPI "
                           f"{str(kpi)[:60]!r}. Cách sửa: viết một KPI trong danh mục, ví dụ "
                           "revenue, cpa, roas.")
            rule = replace(rule, kpi=str(kpi))
        if kind == "status" and "statuses" in item:
            st = item["statuses"]
            if (not isinstance(st, list) or not st
                    or any(s not in _STATUSES for s in st)):
                raise _bad(where, f"statuses must be a list from {', '.join(_STATUSES)}.",
                           f"statuses phải là danh sách trong {', '.join(_STATUSES)}.")
            rule = replace(rule, statuses=tuple(st))
        if kind == "threshold":
            if ("above" in item) == ("below" in item) or kpi is None:
                raise _bad(where, "needs a kpi and exactly one of above or below. Fix: "
                           "{rule: threshold, kpi: cpa, above: 150000}.",
                           "cần kpi và đúng một trong above hoặc below. Cách sửa: "
                           "{rule: threshold, kpi: cpa, above: 150000}.")
            side = "above" if "above" in item else "below"
            rule = replace(rule, **{side: _num(item[side], f"{where}.{side}", number_format)})
        if kind == "change":
            versus = item.get("versus", "previous_period")
            if versus not in _VERSUS:
                raise _bad(where, f"versus must be {' or '.join(_VERSUS)}.",
                           f"versus phải là {' hoặc '.join(_VERSUS)}.")
            pct = _num(item.get("percent"), f"{where}.percent", number_format)
            if pct == 0:
                raise _bad(where, "percent must not be 0: -20 alerts on a fall of 20% or more, "
                           "20 on a rise of 20% or more.", "percent không được bằng 0: -20 báo "
                           "khi giảm từ 20% trở lên, 20 khi tăng từ 20% trở lên.")
            alpha = _num(item.get("alpha", 0.05), f"{where}.alpha", number_format)
            if not 0 < alpha < 1:
                raise _bad(where, "alpha must be between 0 and 1, e.g. 0.05.",
                           "alpha phải nằm giữa 0 và 1, ví dụ 0,05.")
            rule = replace(rule, versus=versus, percent=pct, alpha=alpha)
        if kind == "stale":
            days = item.get("days", 2)
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise _bad(where, f"days must be a whole number of 0 or more, not {days!r}.",
                           f"days phải là số nguyên từ 0 trở lên, không phải {days!r}.")
            rule = replace(rule, days=days)
        rules.append(rule)
    return rules


# ------------------------------------------------------------------ computing


@dataclass(frozen=True)
class RunInfo:
    """What the alerts need of one run: where it is and what it wrote."""

    campaign: str
    notebook: str
    folder: Path
    report: str  # link relative to the output root


def _load_json(path: Path) -> dict[str, Any] | None:
    from kpikit.files import read_limited

    try:
        data = json.loads(read_limited(path, path.name, 50_000_000).decode("utf-8"))
    except (OSError, ValueError, ParameterError):
        return None
    return data if isinstance(data, dict) else None


def _fmt(value: Any, kpi: str, lang: str, currency: str | None) -> str:
    from kpikit.catalog import KPIS
    from kpikit.i18n.formats import format_number, format_value

    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    if kpi in KPIS:
        return format_value(float(value), kpi, lang=lang, currency=currency)
    return format_number(float(value), 2, lang)


def _alert(run: RunInfo, rule: Rule, kpi: str, signature: str, values: dict[str, Any],
           en: str, vi: str) -> dict[str, Any]:
    return {"id": f"{run.campaign}|{run.notebook}|{kpi}|{rule.name}",
            "campaign": run.campaign, "notebook": run.notebook, "kpi": kpi,
            "rule": rule.name, "kind": rule.rule, "severity": rule.severity,
            "values": values, "signature": signature, "message": {"en": en, "vi": vi},
            "report": run.report}


def _run_alerts(run: RunInfo, rules: Sequence[Rule], lang: str) -> list[dict[str, Any]]:
    from kpikit.i18n.formats import format_change
    from kpikit.i18n.lang import nfmt

    manifest = _load_json(run.folder / "manifest.json") or {}
    results = _load_json(run.folder / "results.json")
    out = []
    failed = manifest.get("status") == "failed" or (manifest and results is None)
    if failed:
        for rule in rules:
            if rule.rule == "run_failed":
                err = str(manifest.get("error") or "no results.json")[:500]
                out.append(_alert(run, rule, "", err, {"error": err},
                                  f"{run.campaign} / {run.notebook}: the run failed: {err}",
                                  f"{run.campaign} / {run.notebook}: lượt chạy bị lỗi: {err}"))
        return out
    if not results or results.get("notebook") != "02_evaluation":
        return out
    cur = results.get("currency")
    lag = results.get("lag_days")
    for rule in rules:
        if rule.rule == "stale" and isinstance(lag, int) and lag > rule.days:
            end, as_of = results.get("data_end"), results.get("as_of")
            out.append(_alert(run, rule, "", str(end), {"data_end": end, "as_of": as_of,
                                                        "lag_days": lag},
                              f"{run.campaign}: data ends {end}, {lag} days before {as_of}",
                              f"{run.campaign}: dữ liệu dừng ở {end}, {lag} ngày trước "
                              f"{as_of}"))
    for k in results.get("kpis", []):
        if not isinstance(k, dict) or not isinstance(k.get("kpi"), str):
            continue
        name = k["kpi"]
        from kpikit.catalog import KPIS

        en_name = KPIS[name].short_label("en") if name in KPIS else name
        vi_name = KPIS[name].short_label("vi") if name in KPIS else name
        show = {c: _fmt(k.get(c), name, "en", cur) for c in ("actual", "target", "projection")}
        show_vi = {c: _fmt(k.get(c), name, "vi", cur) for c in ("actual", "target",
                                                                "projection")}
        for rule in rules:
            if rule.kpi is not None and rule.kpi != name:
                continue
            values = {"actual": k.get("actual"), "target": k.get("target"),
                      "projection": k.get("projection"), "status": k.get("status")}
            if rule.rule == "status" and k.get("status") in rule.statuses:
                st = k["status"]
                from kpikit.views.prose import status_text

                words = (status_text(st, "en"), status_text(st, "vi"))
                out.append(_alert(run, rule, name, st, values,
                                  f"{run.campaign}: {en_name} is {words[0]} ({show['actual']} vs "
                                  f"{show['target']}, projected {show['projection']})",
                                  f"{run.campaign}: {vi_name} {words[1]} ({show_vi['actual']} so "
                                  f"với {show_vi['target']}, dự báo {show_vi['projection']})"))
            elif rule.rule == "threshold":
                a = k.get("actual")
                if not isinstance(a, (int, float)) or a != a:
                    continue
                limit = rule.above if rule.above is not None else rule.below
                crossed = a > limit if rule.above is not None else a < limit
                if crossed:
                    side = ("above", "trên") if rule.above is not None else ("below", "dưới")
                    values["threshold"] = limit
                    out.append(_alert(run, rule, name, side[0], values,
                                      f"{run.campaign}: {en_name} {show['actual']} is {side[0]} "
                                      f"{_fmt(limit, name, 'en', cur)}",
                                      f"{run.campaign}: {vi_name} {show_vi['actual']} {side[1]} "
                                      f"ngưỡng {_fmt(limit, name, 'vi', cur)}"))
            elif rule.rule == "change":
                tag = _VERSUS[rule.versus]
                ch, p = k.get(f"change_{tag}"), k.get(f"p_{tag}")
                if not all(isinstance(v, (int, float)) and v == v for v in (ch, p)):
                    continue
                pct = rule.percent / 100
                past = ch <= pct if pct < 0 else ch >= pct
                if past and p < rule.alpha:
                    values.update(change=ch, p_value=p, versus=rule.versus)
                    vs = {"prev": ("the previous period", "kỳ trước"),
                          "ly": ("last year", "năm trước")}[tag]
                    out.append(_alert(run, rule, name, "down" if ch < 0 else "up", values,
                                      f"{run.campaign}: {en_name} {format_change(ch, 'en')} vs "
                                      f"{vs[0]} (p = {nfmt(p, '.3f', 'en')})",
                                      f"{run.campaign}: {vi_name} {format_change(ch, 'vi')} so với "
                                      f"{vs[1]} (p = {nfmt(p, '.3f', 'vi')})"))
            elif rule.rule == "anomaly" and k.get("latest_anomaly"):
                kind = str(k["latest_anomaly"])
                day = str(k.get("latest_day") or results.get("data_end"))
                values.update(latest_day=day, latest_value=k.get("latest_value"),
                              latest_expected=k.get("latest_expected"), anomaly=kind)
                words = {"spike": "đột biến tăng", "drop": "sụt giảm bất thường",
                         "outage": "mất dữ liệu (số 0)"}.get(kind, kind)
                out.append(_alert(run, rule, name, f"{day}:{kind}", values,
                                  f"{run.campaign}: {en_name} on {day} is an anomaly ({kind}: "
                                  f"{_fmt(k.get('latest_value'), name, 'en', cur)}, expected "
                                  f"{_fmt(k.get('latest_expected'), name, 'en', cur)})",
                                  f"{run.campaign}: {vi_name} ngày {day} bất thường ({words}: "
                                  f"{_fmt(k.get('latest_value'), name, 'vi', cur)}, kỳ vọng "
                                  f"{_fmt(k.get('latest_expected'), name, 'vi', cur)})"))
    return out


def collect(runs: Iterable[RunInfo], rules: Sequence[Rule] | Mapping[str, Sequence[Rule]],
            lang: str | None = None) -> list[dict[str, Any]]:
    """Every alert the rules raise over the runs' folders (one per run, KPI and rule).

    ``rules`` is one list for every run or a mapping of campaign to its list; ``lang``
    None is the current language.
    """
    lang = resolve_lang(lang)
    out: dict[str, dict[str, Any]] = {}
    for run in runs:
        mine = rules.get(run.campaign, ()) if isinstance(rules, Mapping) else rules
        for a in _run_alerts(run, mine, lang):
            out.setdefault(a["id"], a)
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    return sorted(out.values(), key=lambda a: (order[a["severity"]], a["campaign"], a["kpi"],
                                               a["rule"]))


# ------------------------------------------------------------------ state


@dataclass(frozen=True)
class Update:
    """The outcome of comparing this run's alerts with the state."""

    active: tuple[dict[str, Any], ...]
    send: tuple[dict[str, Any], ...]  # new, changed or repeated alerts, and resolved ones
    state: dict[str, Any] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def load_state(output_dir: Path) -> dict[str, Any]:
    """The alert state of an output folder (empty when absent or unreadable)."""
    state = _load_json(Path(output_dir) / STATE_FILE)
    if not state or not isinstance(state.get("alerts"), dict):
        return {"alerts": {}}
    # a hand-edited or foreign entry is forgotten, not a crash: its alert is sent as new
    state["alerts"] = {str(k): v for k, v in state["alerts"].items() if isinstance(v, dict)}
    return state


def update(output_dir: Path, current: Sequence[dict[str, Any]], *, repeat_hours: float = 24,
           now: datetime | None = None) -> Update:
    """What to send now: new, changed and repeated alerts, and those resolved since.

    Nothing is written: call :func:`commit` with the alerts that were delivered.
    """
    now = now or _now()
    state = load_state(Path(output_dir))
    known: dict[str, Any] = state["alerts"]
    active, send = [], []
    for a in current:
        prev = known.get(a["id"])
        again = prev is None or prev.get("resolved")  # new, or back after it was resolved
        a = dict(a, first_seen=now.isoformat() if again else prev.get("first_seen",
                                                                     now.isoformat()))
        active.append(a)
        if prev is None or prev.get("resolved"):
            send.append(dict(a, event="new"))
        elif prev.get("signature") != a["signature"]:
            send.append(dict(a, event="changed"))
        elif not prev.get("sent"):
            send.append(dict(a, event="new"))  # never delivered: try again
        else:
            try:
                due = (now - datetime.fromisoformat(prev["sent"])).total_seconds() >= \
                    repeat_hours * 3600
            except (TypeError, ValueError):  # unreadable or without a time zone: send again
                due = True
            if due:
                send.append(dict(a, event="repeat"))
    ids = {a["id"] for a in current}
    for key, prev in known.items():
        if key not in ids and not prev.get("resolved_sent"):
            send.append(dict(prev.get("alert", {"id": key}), event="resolved",
                             first_seen=prev.get("first_seen")))
    return Update(tuple(active), tuple(send), state)


def commit(output_dir: Path, upd: Update, delivered: Iterable[str], *,
           now: datetime | None = None) -> Path:
    """Write the new state atomically: which alerts are active and which were delivered.

    ``delivered`` holds the ids of sent alerts that reached every channel; an alert that
    did not is sent again at the next run.
    """
    from kpikit.files import atomic_write_text

    now = now or _now()
    done = set(delivered)
    old = upd.state.get("alerts", {})
    new: dict[str, Any] = {}
    sent_now = {a["id"]: a for a in upd.send}
    for a in upd.active:
        prev = old.get(a["id"], {})
        sent = now.isoformat() if a["id"] in sent_now and a["id"] in done else (
            prev.get("sent") if a["id"] not in sent_now or sent_now[a["id"]]["event"] == "repeat"
            else None)
        new[a["id"]] = {"first_seen": a["first_seen"], "signature": a["signature"],
                        "sent": sent, "alert": {k: v for k, v in a.items() if k != "event"}}
    for key, a in sent_now.items():
        if a["event"] == "resolved" and key not in done:
            # a resolved alert that could not be delivered: keep it until it is
            new[key] = dict(old.get(key, {}), resolved=True)
    body = json.dumps({"schema": "kpikit/alerts-state", "schema_version": 1,
                       "updated": now.isoformat(), "alerts": new}, ensure_ascii=False,
                      indent=1, default=str)
    return atomic_write_text(Path(output_dir) / STATE_FILE, body)


def write_alerts(output_dir: Path, upd: Update, notifications: Sequence[dict[str, Any]] = (),
                 *, now: datetime | None = None) -> Path:
    """Write ``alerts.json`` at the output root (atomically): active and resolved alerts."""
    from kpikit.files import atomic_write_text

    now = now or _now()
    public = [{k: v for k, v in a.items() if k != "signature"} for a in upd.active]
    resolved = [{k: v for k, v in a.items() if k != "signature"} for a in upd.send
                if a.get("event") == "resolved"]
    body = {"schema": "kpikit/alerts", "schema_version": 1, "created": now.isoformat(),
            "alerts": public, "resolved": resolved, "notifications": list(notifications)}
    return atomic_write_text(Path(output_dir) / ALERTS_FILE,
                             json.dumps(body, ensure_ascii=False, indent=1, default=str))


def worst(alerts: Iterable[Mapping[str, Any]]) -> str | None:
    """The most severe severity among ``alerts`` (None when there are none)."""
    levels = [SEVERITIES.index(a["severity"]) for a in alerts if a.get("severity") in SEVERITIES]
    return SEVERITIES[max(levels)] if levels else None


# ------------------------------------------------------------------ one batch


@dataclass(frozen=True)
class Monitor:
    """What :func:`monitor` did: active alerts, what was sent, and the deliveries."""

    alerts: tuple[dict[str, Any], ...]
    sent: tuple[dict[str, Any], ...]
    notifications: tuple[dict[str, Any], ...]
    path: Path

    def failing(self, severity: str | None) -> bool:
        """True when an active alert is as severe as ``severity`` or worse."""
        if severity is None:
            return False
        w = worst(self.alerts)
        return w is not None and SEVERITIES.index(w) >= SEVERITIES.index(severity)


def plan_rules(plan_path: str | None, spec_rules: Any, source: str) -> tuple[Rule, ...]:
    """The rules of one campaign: the spec's, then its plan's ``alerts`` (if any).

    The plan's rules read numbers in the plan's own convention (``150.000`` in a Vietnamese
    plan). A plan that cannot be read adds no rules: its run fails and says why.
    """
    from kpikit.plans import Plan, PlanError

    rules = _read_rules(list(spec_rules) if spec_rules else None, source, None)
    if plan_path:
        try:
            plan = Plan.from_yaml(Path(plan_path))
        except (PlanError, ParameterError, OSError):
            plan = None
        if plan is not None and plan.alerts:
            rules += _read_rules(list(plan.alerts), Path(plan_path).name, plan.number_format)
    return _with_defaults(rules)


def monitor(output_dir: Path, runs: Sequence[RunInfo],
            rules: Sequence[Rule] | Mapping[str, Sequence[Rule]], *, notifier: Any = None,
            lang: str | None = None, title: str = "kpikit",
            now: datetime | None = None) -> Monitor:
    """Compute the alerts of a batch's runs, send what is new, write alerts.json and state.

    Deliveries never raise: a failure is in ``notifications`` and the alert is tried again
    at the next run. ``lang`` None is the current language.
    """
    lang = resolve_lang(lang)
    from kpikit.runs.notify import Notifier, send_all

    now = now or _now()
    current = collect(runs, rules, lang)
    upd = update(output_dir, current, now=now,
                 repeat_hours=getattr(notifier, "repeat_hours", 24.0))
    # a person reads the message elsewhere: the report by its full path on this machine
    outgoing = [dict(a, report_path=str((Path(output_dir) / a["report"]).resolve()))
                if a.get("report") else a for a in upd.send]
    try:
        reports, delivered = send_all(notifier or Notifier(), outgoing, lang, title)
    except Exception as e:  # never let a notification break the batch
        reports, delivered = [{"channel": "all", "ok": False,
                               "error": f"{type(e).__name__}: {str(e)[:300]}"}], set()
    commit(output_dir, upd, delivered, now=now)
    path = write_alerts(output_dir, upd, reports, now=now)
    return Monitor(upd.active, upd.send, tuple(reports), path)
