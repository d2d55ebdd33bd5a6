"""Alert checks: the rules applied to each run folder's ``results.json`` and ``manifest.json``.

Every alert is a dict with a stable ``id`` (campaign, notebook, KPI and rule), a
``signature`` that changes when the alert's substance does, and its message in every
language (``alerts.json`` is read later in whichever language the reader chooses).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpikit.i18n.lang import resolve_lang
from kpikit.runs.alert_rules import SEVERITIES, VERSUS, Rule
from kpikit.runs.alert_state import read_json

__all__ = ["RunInfo", "collect"]


@dataclass(frozen=True)
class RunInfo:
    """What the alerts need of one run: where it is and what it wrote."""

    campaign: str
    notebook: str
    folder: Path
    report: str  # link relative to the output root


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

    manifest = read_json(run.folder / "manifest.json") or {}
    results = read_json(run.folder / "results.json")
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
                tag = VERSUS[rule.versus]
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
