"""Alert state: which alerts were sent, deduplicated across runs, and ``alerts.json``.

:func:`update` compares this run's alerts with the state kept in the output folder
(``.kpikit-alerts-state.json``): an alert is sent when it is new, when it changed, or
when ``repeat_hours`` passed since it was sent; a resolved alert is sent once.
:func:`commit` and :func:`write_alerts` write the state and ``alerts.json`` atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError
from kpikit.runs.alert_rules import SEVERITIES

__all__ = ["ALERTS_FILE", "STATE_FILE", "Update", "commit", "load_state", "read_json",
           "message_text", "update", "utc_now", "worst", "write_alerts"]

STATE_FILE = ".kpikit-alerts-state.json"
ALERTS_FILE = "alerts.json"

def message_text(alert: Mapping[str, Any], lang: str) -> str:
    """An alert's message as a reader of ``lang`` reads it.

    An alert keeps its message in every language kpikit spoke when it was raised; a
    language added since (or a catalog that broke then) reads the English one.
    """
    said = alert.get("message")
    if not isinstance(said, Mapping):
        return ""
    text = said.get(lang) or said.get("en")
    return text if isinstance(text, str) else ""


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object kpikit wrote (None when absent, unreadable or not an object)."""
    from kpikit.files import read_limited

    try:
        data = json.loads(read_limited(path, path.name, 50_000_000).decode("utf-8"))
    except (OSError, ValueError, ParameterError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Update:
    """The outcome of comparing this run's alerts with the state."""

    active: tuple[dict[str, Any], ...]
    send: tuple[dict[str, Any], ...]  # new, changed or repeated alerts, and resolved ones
    state: dict[str, Any] = field(default_factory=dict)


def utc_now() -> datetime:
    """Now in UTC, to the second: the stamps of the state and of alerts.json."""
    return datetime.now(UTC).replace(microsecond=0)


def load_state(output_dir: Path) -> dict[str, Any]:
    """The alert state of an output folder (empty when absent or unreadable)."""
    state = read_json(Path(output_dir) / STATE_FILE)
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
    now = now or utc_now()
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

    now = now or utc_now()
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

    now = now or utc_now()
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
