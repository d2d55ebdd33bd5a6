"""Notifications of alerts: a webhook (Slack, Teams) and e-mail, standard library only.

The batch spec's ``notify`` block (or ``kpikit batch --notify-url URL``)::

    notify:
      url: https://hooks.example.com/T000/B000     # one JSON POST per alert
      smtp: mail.example.com:587                  # one e-mail per batch with its alerts
      from: kpikit@example.com
      to: [lan@example.com, minh@example.com]
      starttls: true            # true: required; false: never; unset: when the server offers it
      repeat_hours: 24                            # re-send a still-active alert after this
      report_url: https://reports.example.com/nightly/   # where the output folder is served

The SMTP login comes from the environment only (``KPIKIT_SMTP_USER``,
``KPIKIT_SMTP_PASSWORD``), never from the spec. Each message says the alert in
the batch's language with its number formats; the webhook body has a ``text``
field (Slack and Teams show it) and the structured ``alert``. Failed deliveries
are retried with backoff, reported, and never fail or block the batch: the whole
sending has a time budget.
"""

from __future__ import annotations

import json
import os
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from kpikit.errors import ParameterError
from kpikit.i18n.lang import N_, ntr, resolve_lang, tr, translate, using_language
from kpikit.runs.alert_state import message_text

__all__ = ["Notifier", "parse_notify", "send_all"]

_KEYS = ("url", "smtp", "from", "to", "starttls", "repeat_hours", "timeout", "report_url")
_SECRETS = ("password", "pass", "user", "username", "login", "token", "secret")
#: how an alert's event and severity read (English ids, translated when a message is made)
_EVENTS = {"new": N_("NEW"), "changed": N_("CHANGED"), "repeat": N_("STILL ACTIVE"),
           "resolved": N_("RESOLVED")}
_SEVERITY = {"info": N_("info"), "warning": N_("warning"), "critical": N_("critical")}


@dataclass(frozen=True)
class Notifier:
    """Where alerts go: a webhook URL and/or an SMTP server with its addresses."""

    url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    sender: str | None = None
    to: tuple[str, ...] = ()
    #: True: required; False: never; None: when the server offers it (EHLO says STARTTLS)
    starttls: bool | None = None
    repeat_hours: float = 24.0
    timeout: float = 5.0  # seconds per attempt
    attempts: int = 3
    backoff: float = 0.5  # seconds before the second attempt, doubled after
    budget: float = 30.0  # seconds for all sending of one batch
    #: web address of the output folder; reports are linked under it (else by file path)
    report_url: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.url or self.smtp_host)


def _check_url(url: Any, where: str) -> str:
    text = str(url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ParameterError(tr("{where}: {text!r} is not a web address. Fix: write "
                                "https://host/path.", where=where, text=text[:80]))
    return text


def parse_notify(raw: Any, source: str = "spec", url: str | None = None) -> Notifier:
    """Read a spec's ``notify`` block (None: nothing configured); ``url`` overrides its url."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ParameterError(tr("{source}: notify must be a mapping (url, smtp, from, to).",
                                source=source))
    for k in raw:
        key = str(k)[:60]
        if key.lower() in _SECRETS:
            raise ParameterError(tr("{source}: notify.{key}: secrets are never read from the "
                                    "spec. Fix: remove it and set KPIKIT_SMTP_USER and "
                                    "KPIKIT_SMTP_PASSWORD in the environment.", source=source,
                                    key=key))
        if key not in _KEYS:
            raise ParameterError(tr("{source}: notify.{key} is unknown. Fix: choose from {KEYS}.",
                                    source=source, key=key, KEYS=', '.join(_KEYS)))
    out: dict[str, Any] = {}
    hook = url or raw.get("url")
    if hook:
        out["url"] = _check_url(hook, "--notify-url" if url else f"{source}: notify.url")
    if raw.get("smtp"):
        host, _, port = str(raw["smtp"]).strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ParameterError(tr("{source}: notify.smtp {smtp!r} must be host:port. Fix: e.g. "
                                    "mail.example.com:587.", source=source,
                                    smtp=str(raw['smtp'])[:80]))
        to = raw.get("to")
        to = [to] if isinstance(to, str) else to
        if (not isinstance(to, list) or not to or not all(isinstance(t, str) and "@" in t
                                                          for t in to)
                or not isinstance(raw.get("from"), str) or "@" not in raw["from"]):
            raise ParameterError(tr("{source}: notify.smtp needs from (an address) and to (one or "
                                    "more). Fix: from: kpikit@example.com, to: [lan@example.com].",
                                    source=source))
        starttls = raw.get("starttls")
        if starttls is not None and not isinstance(starttls, bool):
            raise ParameterError(tr("{source}: notify.starttls must be true or false.",
                                    source=source))
        out.update(smtp_host=host, smtp_port=int(port), sender=raw["from"], to=tuple(to),
                   starttls=starttls)
    if raw.get("report_url"):
        out["report_url"] = _check_url(raw["report_url"], f"{source}: notify.report_url")
    if "timeout" in raw and isinstance(raw["timeout"], (int, float)) and raw["timeout"] > 0:
        # a longer wait per attempt widens the whole budget with it, within reason
        out["budget"] = float(min(max(30.0, 6 * raw["timeout"]), 600.0))
    for key in ("repeat_hours", "timeout"):
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1e6:
                raise ParameterError(tr("{source}: notify.{key} must be a number above 0.",
                                        source=source, key=key))
            out[key] = float(v)
    return Notifier(**out)


# ------------------------------------------------------------------ messages


def message(alert: Mapping[str, Any], lang: str | None = None,
            report_url: str | None = None) -> str:
    """One line for a person: event, severity, what happened, where the report is."""
    lang = resolve_lang(lang)
    from urllib.parse import quote

    event, sev = (translate(w, lang) if w else "" for w in (
        _EVENTS.get(str(alert.get("event"))), _SEVERITY.get(str(alert.get("severity")))))
    text = message_text(alert, lang)
    report = alert.get("report")
    if report and report_url:
        report = report_url.rstrip("/") + "/" + quote(str(report))
    elif report and alert.get("report_path"):
        report = alert["report_path"]
    with using_language(lang):
        word = tr("report")
    link = f" · {word}: {report}" if report else ""
    return f"[{event} · {sev}] {text}{link}"


def _post(url: str, body: bytes, timeout: float) -> None:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "kpikit"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (checked scheme)
        resp.read(65536)


def _retry(fn: Any, n: Notifier, deadline: float) -> str | None:
    """Call ``fn`` up to ``n.attempts`` times with backoff; the last error, or None."""
    error = None
    wait = n.backoff
    for attempt in range(n.attempts):
        left = deadline - time.monotonic()
        if left <= 0:
            return error or tr("no time left in the sending budget")
        try:
            fn(min(n.timeout, left))
            return None
        except (OSError, smtplib.SMTPException, urllib.error.URLError, ValueError) as e:
            error = f"{type(e).__name__}: {str(e)[:300]}"
        if attempt + 1 < n.attempts:
            time.sleep(max(0.0, min(wait, deadline - time.monotonic())))
            wait *= 2
    return error


def _mail(n: Notifier, alerts: Sequence[Mapping[str, Any]], lang: str, title: str,
          timeout: float) -> None:
    msg = EmailMessage()
    msg["From"] = n.sender or ""
    msg["To"] = ", ".join(n.to)
    msg["Subject"] = title
    msg.set_content("\n".join(message(a, lang, n.report_url) for a in alerts) + "\n")
    with smtplib.SMTP(n.smtp_host or "", n.smtp_port, timeout=timeout) as s:
        s.ehlo()
        secure = False
        if n.starttls or (n.starttls is None and s.has_extn("starttls")):
            s.starttls()  # raises when required and not offered: reported, not sent in clear
            s.ehlo()
            secure = True
        user, password = os.environ.get("KPIKIT_SMTP_USER"), os.environ.get(
            "KPIKIT_SMTP_PASSWORD")
        if user and password:
            if not secure and not _loopback(n.smtp_host or ""):
                raise smtplib.SMTPException(tr("the server offers no STARTTLS: the password is "
                                               "not sent in clear text. Fix: use the server's TLS "
                                               "port or set notify.starttls: true."))
            s.login(user, password)
        s.send_message(msg)


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def send_all(n: Notifier, alerts: Sequence[Mapping[str, Any]], lang: str | None = None,
             title: str = "kpikit") -> tuple[list[dict[str, Any]], set[str]]:
    """Send each alert; return (one report per delivery, ids delivered to every channel).

    Never raises for a delivery problem: it is reported in the list.
    """
    lang = resolve_lang(lang)
    reports: list[dict[str, Any]] = []
    if not n.active:  # nowhere to send: recorded as sent, so reruns stay quiet
        return reports, {a["id"] for a in alerts}
    if not alerts:
        return reports, set()
    deadline = time.monotonic() + n.budget
    ok = {a["id"] for a in alerts}
    if n.url:
        for a in alerts:
            body = json.dumps({"text": message(a, lang, n.report_url), "alert": dict(a)},
                              ensure_ascii=False,
                              default=str).encode("utf-8")
            url = n.url
            err = _retry(lambda t, b=body, u=url: _post(u, b, t), n, deadline)
            reports.append({"channel": "webhook", "id": a["id"], "event": a.get("event"),
                            "ok": err is None, "error": err})
            if err:
                ok.discard(a["id"])
    if n.smtp_host:
        with using_language(lang):
            subject = f"{title}: " + ntr("{n} alert", "{n} alerts", len(alerts))
        err = _retry(lambda t: _mail(n, alerts, lang, subject, t), n, deadline)
        reports.append({"channel": "email", "id": None, "to": list(n.to), "ok": err is None,
                        "error": err})
        if err:
            ok = set()
    return reports, ok
