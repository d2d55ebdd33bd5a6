"""Alert checks: the rules applied to each run folder's ``results.json`` and ``manifest.json``.

Every alert is a dict with a stable ``id`` (campaign, notebook, KPI and rule), a
``signature`` that changes when the alert's substance does, and its message in every
language (``alerts.json`` is read later in whichever language the reader chooses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpikit.errors import KpikitError
from kpikit.i18n.lang import LANGS, ntr, resolve_lang, tr, using_language
from kpikit.runs.alert_rules import SEVERITIES, VERSUS, Rule
from kpikit.runs.alert_state import read_json

__all__ = ["RunInfo", "collect", "in_every_language"]


@dataclass(frozen=True)
class RunInfo:
    """What the alerts need of one run: where it is and what it wrote."""

    campaign: str
    notebook: str
    folder: Path
    report: str  # link relative to the output root


def _fmt(value: Any, kpi: str, currency: str | None) -> str:
    """A value of ``kpi`` in the current language (a dash when there is none)."""
    from kpikit.catalog import KPIS
    from kpikit.i18n.formats import format_number, format_value

    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    if kpi in KPIS:
        return format_value(float(value), kpi, currency=currency)
    return format_number(float(value), 2)


def _kpi_name(kpi: str) -> str:
    """A KPI's short label in the current language; a name the catalog lacks as written."""
    from kpikit.catalog import KPIS

    return KPIS[kpi].short_label() if kpi in KPIS else kpi


def in_every_language(say: Callable[..., str], *args: Any) -> dict[str, str]:
    """``say(*args)`` made once in each language of :data:`LANGS` (``{"en": .., "vi": ..}``).

    ``alerts.json`` is read later in whichever language its reader chooses, so a message
    is kept in all of them. A language whose catalog broke since it was found is left out
    (readers fall back to English) rather than stop every alert.
    """
    out = {}
    for lang in LANGS:
        try:
            with using_language(lang):
                out[lang] = say(*args)
        except KpikitError:
            continue
    return out


def _alert(run: RunInfo, rule: Rule, kpi: str, signature: str, values: dict[str, Any],
           say: Callable[..., str], *args: Any) -> dict[str, Any]:
    """One alert; its message is ``say(*args)`` in every language."""
    return {"id": f"{run.campaign}|{run.notebook}|{kpi}|{rule.name}",
            "campaign": run.campaign, "notebook": run.notebook, "kpi": kpi,
            "rule": rule.name, "kind": rule.rule, "severity": rule.severity,
            "values": values, "signature": signature, "message": in_every_language(say, *args),
            "report": run.report}


def _failed_message(campaign: str, notebook: str, error: str) -> str:
    return tr("{campaign} / {notebook}: the run failed: {error}", campaign=campaign,
              notebook=notebook, error=error)


def _stale_message(campaign: str, end: Any, lag: int, as_of: Any) -> str:
    return ntr("{campaign}: data ends {end}, {n} day before {as_of}",
               "{campaign}: data ends {end}, {n} days before {as_of}", lag,
               campaign=campaign, end=end, as_of=as_of)


def _status_message(campaign: str, kpi: str, status: str, k: Mapping[str, Any],
                    cur: str | None) -> str:
    from kpikit.views.prose import status_text

    return tr("{campaign}: {kpi} is {status} ({actual} vs {target}, projected {projection})",
              campaign=campaign, kpi=_kpi_name(kpi), status=status_text(status),
              actual=_fmt(k.get("actual"), kpi, cur), target=_fmt(k.get("target"), kpi, cur),
              projection=_fmt(k.get("projection"), kpi, cur))


def _threshold_message(campaign: str, kpi: str, above: bool, actual: float, limit: float,
                       cur: str | None) -> str:
    values = {"campaign": campaign, "kpi": _kpi_name(kpi), "actual": _fmt(actual, kpi, cur),
              "limit": _fmt(limit, kpi, cur)}
    if above:
        return tr("{campaign}: {kpi} {actual} is above {limit}", **values)
    return tr("{campaign}: {kpi} {actual} is below {limit}", **values)


def _change_message(campaign: str, kpi: str, tag: str, change: float, p: float) -> str:
    from kpikit.i18n.formats import format_change
    from kpikit.i18n.lang import nfmt

    values = {"campaign": campaign, "kpi": _kpi_name(kpi), "change": format_change(change),
              "p": nfmt(p, ".3f")}
    if tag == "ly":
        return tr("{campaign}: {kpi} {change} vs last year (p = {p})", **values)
    return tr("{campaign}: {kpi} {change} vs the previous period (p = {p})", **values)


def _anomaly_word(kind: str) -> str:
    """An anomaly's kind as the alert says it; a kind this version does not know as written."""
    if kind == "spike":
        return tr("spike", context="alert anomaly")
    if kind == "drop":
        return tr("drop", context="alert anomaly")
    if kind == "outage":
        return tr("outage", context="alert anomaly")
    return kind


def _anomaly_message(campaign: str, kpi: str, day: str, kind: str, k: Mapping[str, Any],
                     cur: str | None) -> str:
    return tr("{campaign}: {kpi} on {day} is an anomaly ({kind}: {value}, expected {expected})",
              campaign=campaign, kpi=_kpi_name(kpi), day=day, kind=_anomaly_word(kind),
              value=_fmt(k.get("latest_value"), kpi, cur),
              expected=_fmt(k.get("latest_expected"), kpi, cur))


def _run_alerts(run: RunInfo, rules: Sequence[Rule]) -> list[dict[str, Any]]:
    manifest = read_json(run.folder / "manifest.json") or {}
    results = read_json(run.folder / "results.json")
    out = []
    c = run.campaign
    failed = manifest.get("status") == "failed" or (manifest and results is None)
    if failed:
        for rule in rules:
            if rule.rule == "run_failed":
                err = str(manifest.get("error") or "no results.json")[:500]
                out.append(_alert(run, rule, "", err, {"error": err}, _failed_message, c,
                                  run.notebook, err))
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
                              _stale_message, c, end, lag, as_of))
    for k in results.get("kpis", []):
        if not isinstance(k, dict) or not isinstance(k.get("kpi"), str):
            continue
        name = k["kpi"]
        for rule in rules:
            if rule.kpi is not None and rule.kpi != name:
                continue
            values = {"actual": k.get("actual"), "target": k.get("target"),
                      "projection": k.get("projection"), "status": k.get("status")}
            if rule.rule == "status" and k.get("status") in rule.statuses:
                st = k["status"]
                out.append(_alert(run, rule, name, st, values, _status_message, c, name, st,
                                  k, cur))
            elif rule.rule == "threshold":
                a = k.get("actual")
                if not isinstance(a, (int, float)) or a != a:
                    continue
                above = rule.above is not None
                limit = rule.above if above else rule.below
                crossed = a > limit if above else a < limit
                if crossed:
                    values["threshold"] = limit
                    out.append(_alert(run, rule, name, "above" if above else "below", values,
                                      _threshold_message, c, name, above, a, limit, cur))
            elif rule.rule == "change":
                tag = VERSUS[rule.versus]
                ch, p = k.get(f"change_{tag}"), k.get(f"p_{tag}")
                if not all(isinstance(v, (int, float)) and v == v for v in (ch, p)):
                    continue
                pct = rule.percent / 100
                past = ch <= pct if pct < 0 else ch >= pct
                if past and p < rule.alpha:
                    values.update(change=ch, p_value=p, versus=rule.versus)
                    out.append(_alert(run, rule, name, "down" if ch < 0 else "up", values,
                                      _change_message, c, name, tag, ch, p))
            elif rule.rule == "anomaly" and k.get("latest_anomaly"):
                kind = str(k["latest_anomaly"])
                day = str(k.get("latest_day") or results.get("data_end"))
                values.update(latest_day=day, latest_value=k.get("latest_value"),
                              latest_expected=k.get("latest_expected"), anomaly=kind)
                out.append(_alert(run, rule, name, f"{day}:{kind}", values,
                                  _anomaly_message, c, name, day, kind, k, cur))
    return out


def collect(runs: Iterable[RunInfo], rules: Sequence[Rule] | Mapping[str, Sequence[Rule]],
            lang: str | None = None) -> list[dict[str, Any]]:
    """Every alert the rules raise over the runs' folders (one per run, KPI and rule).

    ``rules`` is one list for every run or a mapping of campaign to its list. Each
    message is kept in every language of :data:`LANGS` (see :func:`in_every_language`);
    ``lang`` (None: the current language) is only checked, for older callers.
    """
    resolve_lang(lang)
    out: dict[str, dict[str, Any]] = {}
    for run in runs:
        mine = rules.get(run.campaign, ()) if isinstance(rules, Mapping) else rules
        for a in _run_alerts(run, mine):
            out.setdefault(a["id"], a)
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    return sorted(out.values(), key=lambda a: (order[a["severity"]], a["campaign"], a["kpi"],
                                               a["rule"]))
