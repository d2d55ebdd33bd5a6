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

This module runs the alerts of one batch (:func:`monitor`); the parts live beside it:
:mod:`~kpikit.runs.alert_rules` reads and checks the rules,
:mod:`~kpikit.runs.alert_checks` applies them to the run folders and
:mod:`~kpikit.runs.alert_state` keeps the state and writes ``alerts.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kpikit.i18n.lang import resolve_lang
from kpikit.runs.alert_checks import RunInfo, collect
from kpikit.runs.alert_rules import (
    DEFAULT_RULES,
    RULES,
    SEVERITIES,
    Rule,
    as_written,
    parse_rules,
    plan_rules,
)
from kpikit.runs.alert_state import (
    ALERTS_FILE,
    STATE_FILE,
    Update,
    commit,
    load_state,
    update,
    utc_now,
    worst,
    write_alerts,
)

__all__ = ["ALERTS_FILE", "DEFAULT_RULES", "RULES", "SEVERITIES", "STATE_FILE", "Monitor",
           "Rule", "RunInfo", "Update", "as_written", "collect", "commit", "load_state",
           "monitor", "parse_rules", "plan_rules", "update", "worst", "write_alerts"]


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

    now = now or utc_now()
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
