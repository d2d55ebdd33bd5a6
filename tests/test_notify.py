"""Notifications against a local webhook (http.server) and a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kpikit.errors import ParameterError
from kpikit.runs import alerts as al
from kpikit.runs.notify import Notifier, parse_notify, send_all

from .test_alerts import T0, kpi, run_folder


class Hook:
    """A webhook on 127.0.0.1 that records posts; ``plan`` says how to answer each."""

    def __init__(self, plan: list[str] | None = None):
        self.posts: list[dict] = []
        self.plan = list(plan or [])
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                how = hook.plan.pop(0) if hook.plan else "ok"
                hook.posts.append({"body": json.loads(body), "answer": how})
                if how == "slow":
                    time.sleep(1.5)
                code = 500 if how == "500" else 200
                try:
                    self.send_response(code)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the client gave up (a timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    class Box:
        def __init__(self):
            self.messages: list[tuple[str, list[str], str]] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    import socket

    # aiosmtpd's Controller checks its port by connecting to it: it needs a real number
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Box()
    box.port = port
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    yield box
    ctl.stop()


def test_first_run_sends_rerun_nothing_resolved_once(tmp_path, hook, smtp):
    n = parse_notify({"smtp": f"127.0.0.1:{smtp.port}", "from": "kpikit@example.com",
                      "to": ["lan@example.com"], "starttls": False}, "spec", url=hook.url)
    runs = [run_folder(tmp_path, "Tết Sale", [kpi(status="off track"),
                                              kpi("cpa", status="missed", actual=151_234.0)])]
    rules = al.parse_rules(None)

    first = al.monitor(tmp_path, runs, rules, notifier=n, lang="vi", now=T0)
    assert len(hook.posts) == 2 and len(smtp.messages) == 1
    body = hook.posts[0]["body"]
    assert body["alert"]["campaign"] == "Tết Sale" and body["alert"]["event"] == "new"
    texts = " ".join(p["body"]["text"] for p in hook.posts)
    assert "MỚI" in texts and "151.234 ₫" in texts  # Vietnamese words and number format
    sender, to, mail = smtp.messages[0]
    assert sender == "kpikit@example.com" and to == ["lan@example.com"]
    assert "2 =?utf-8?" in mail or "2 cảnh báo" in mail
    assert all(r["ok"] for r in first.notifications)

    al.monitor(tmp_path, runs, rules, notifier=n, lang="vi", now=T0 + timedelta(hours=1))
    assert len(hook.posts) == 2 and len(smtp.messages) == 1  # unchanged: nothing sent

    run_folder(tmp_path, "Tết Sale", [kpi(status="on track"), kpi("cpa", status="missed",
                                                                  actual=151_234.0)])
    al.monitor(tmp_path, runs, rules, notifier=n, lang="en", now=T0 + timedelta(hours=2))
    assert len(hook.posts) == 3 and hook.posts[2]["body"]["alert"]["event"] == "resolved"
    assert "RESOLVED" in hook.posts[2]["body"]["text"]
    assert len(smtp.messages) == 2
    al.monitor(tmp_path, runs, rules, notifier=n, now=T0 + timedelta(hours=3))
    assert len(hook.posts) == 3 and len(smtp.messages) == 2


def test_webhook_500_is_retried_then_delivered(tmp_path):
    h = Hook(["500", "500", "ok"])
    try:
        n = Notifier(url=h.url, attempts=3, backoff=0.05)
        reports, ok = send_all(n, [{"id": "x", "event": "new", "severity": "warning",
                                    "message": {"en": "m"}}])
        assert [p["answer"] for p in h.posts] == ["500", "500", "ok"]
        assert reports[0]["ok"] and ok == {"x"}
    finally:
        h.close()


@pytest.mark.slow
def test_webhook_failing_and_slow_is_reported_not_raised(tmp_path):
    h = Hook(["500", "slow", "500", "500"])
    try:
        runs = [run_folder(tmp_path, "A", [kpi(status="off track")])]
        n = Notifier(url=h.url, attempts=3, backoff=0.05, timeout=0.5, budget=10)
        started = time.monotonic()
        mon = al.monitor(tmp_path, runs, al.parse_rules(None), notifier=n, now=T0)
        assert time.monotonic() - started < 8
        assert len(h.posts) == 3  # three attempts, the second timed out
        rep = mon.notifications[0]
        assert rep["ok"] is False and "500" in rep["error"]
        saved = json.loads((tmp_path / "alerts.json").read_text(encoding="utf-8"))
        assert saved["notifications"][0]["ok"] is False and len(saved["alerts"]) == 1
        # not delivered: the next run tries again
        h.plan = []
        again = al.monitor(tmp_path, runs, al.parse_rules(None), notifier=n,
                           now=T0 + timedelta(minutes=10))
        assert [a["event"] for a in again.sent] == ["new"] and again.notifications[0]["ok"]
    finally:
        h.close()


@pytest.mark.slow
def test_sending_is_bounded_by_the_budget():
    h = Hook(["slow"] * 20)
    try:
        n = Notifier(url=h.url, attempts=5, backoff=0.05, timeout=1, budget=2)
        alerts = [{"id": str(i), "event": "new", "severity": "info", "message": {"en": "m"}}
                  for i in range(10)]
        started = time.monotonic()
        reports, ok = send_all(n, alerts)
        assert time.monotonic() - started < 4
        assert ok == set() and len(reports) == 10 and not any(r["ok"] for r in reports)
    finally:
        h.close()


@pytest.mark.slow
def test_unreachable_smtp_is_reported():
    n = Notifier(smtp_host="127.0.0.1", smtp_port=9, sender="a@b.c", to=("d@e.f",),
                 attempts=2, backoff=0.05, timeout=1)
    reports, ok = send_all(n, [{"id": "x", "event": "new", "severity": "info",
                                "message": {"en": "m"}}])
    assert reports[0]["channel"] == "email" and not reports[0]["ok"] and ok == set()


def test_smtp_starttls_and_login_from_the_environment(monkeypatch, smtp):
    import smtplib

    calls = []
    monkeypatch.setattr(smtplib.SMTP, "login", lambda self, u, p: calls.append(("login", u, p)))
    # the local server speaks no TLS: record the upgrade instead of making it
    monkeypatch.setattr(smtplib.SMTP, "starttls", lambda self: calls.append(("starttls",)))
    monkeypatch.setenv("KPIKIT_SMTP_USER", "bot")
    monkeypatch.setenv("KPIKIT_SMTP_PASSWORD", "s3cret")
    n = parse_notify({"smtp": f"127.0.0.1:{smtp.port}", "from": "a@b.c", "to": "d@e.f",
                      "starttls": True})
    send_all(n, [{"id": "x", "event": "new", "severity": "info", "message": {"en": "m"}}])
    assert calls == [("starttls",), ("login", "bot", "s3cret")] and len(smtp.messages) == 1


def test_smtp_without_tls_offered_sends_plain_but_never_a_password_off_this_machine(
        monkeypatch, smtp):
    import smtplib

    # unset starttls: used when offered; the local server offers none, so mail goes plain
    n = parse_notify({"smtp": f"127.0.0.1:{smtp.port}", "from": "a@b.c", "to": "d@e.f"})
    assert n.starttls is None
    reports, ok = send_all(n, [{"id": "x", "event": "new", "severity": "info",
                                "message": {"en": "m"}}])
    assert ok == {"x"} and len(smtp.messages) == 1
    # required but not offered: reported, not sent in clear
    strict = parse_notify({"smtp": f"127.0.0.1:{smtp.port}", "from": "a@b.c", "to": "d@e.f",
                           "starttls": True})
    reports, ok = send_all(strict, [{"id": "y", "event": "new", "severity": "info",
                                     "message": {"en": "m"}}])
    assert ok == set() and "STARTTLS" in reports[0]["error"] and len(smtp.messages) == 1
    # a password goes to another machine only over TLS
    monkeypatch.setenv("KPIKIT_SMTP_USER", "bot")
    monkeypatch.setenv("KPIKIT_SMTP_PASSWORD", "s3cret")
    monkeypatch.setattr(smtplib.SMTP, "__init__", _fake_connect)
    far = parse_notify({"smtp": "mail.example.com:25", "from": "a@b.c", "to": "d@e.f"})
    reports, ok = send_all(far, [{"id": "z", "event": "new", "severity": "info",
                                  "message": {"en": "m"}}])
    assert ok == set() and "clear text" in reports[0]["error"]


def _fake_connect(self, host="", port=0, local_hostname=None, timeout=None,
                  source_address=None):
    """An SMTP object that talks to nothing: EHLO without STARTTLS, login must not happen."""
    self.timeout = timeout
    self.esmtp_features = {}
    self.does_esmtp = True
    self._host = host
    self.sock = None
    self.file = None
    self.local_hostname = "test"
    self.ehlo = lambda *a: (250, b"ok")
    self.has_extn = lambda name: False
    self.login = lambda *a: pytest.fail("a password was sent without TLS")
    self.close = lambda: None
    self.quit = lambda: None
    self.debuglevel = 0


def test_no_login_without_environment(monkeypatch, smtp):
    import smtplib

    calls = []
    monkeypatch.setattr(smtplib.SMTP, "login", lambda self, u, p: calls.append((u, p)))
    monkeypatch.delenv("KPIKIT_SMTP_USER", raising=False)
    monkeypatch.delenv("KPIKIT_SMTP_PASSWORD", raising=False)
    n = parse_notify({"smtp": f"127.0.0.1:{smtp.port}", "from": "a@b.c", "to": "d@e.f",
                      "starttls": False})
    reports, ok = send_all(n, [{"id": "x", "event": "new", "severity": "info",
                                "message": {"en": "m"}}])
    assert calls == [] and ok == {"x"} and len(smtp.messages) == 1


@pytest.mark.parametrize("raw, match", [
    ({"url": "ftp://x"}, "web address"),
    ({"smtp": "mailhost"}, "host:port"),
    ({"smtp": "mailhost:25", "to": ["x@y.z"]}, "from"),
    ({"smtp": "mailhost:25", "from": "a@b.c", "to": [], "token": "t"}, "KPIKIT_SMTP"),
    ({"webhook": "http://x"}, "unknown"),
    ({"repeat_hours": -1}, "above 0"),
    ("http://x", "mapping"),
])
def test_bad_notify_blocks_are_refused(raw, match):
    with pytest.raises(ParameterError, match=match):
        parse_notify(raw, "spec")


def test_cli_notify_url_sends_and_fail_on(tmp_path, hook, capsys):
    from kpikit.cli import main
    from kpikit.data_in.sample import sample_path

    from .test_alerts import _fake_complete

    spec = tmp_path / "spec.yaml"
    spec.write_text(f"output_dir: out\ndata_path: {sample_path()}\nnotebooks: [02_evaluation]\n"
                    "campaigns: [Tết Sale]\nparameters: {as_of: '2027-01-25', lang: vi}\n",
                    encoding="utf-8")
    _fake_complete(spec, "missed")
    assert main(["batch", str(spec), "--notify-url", hook.url, "--fail-on", "warning"]) == 3
    assert len(hook.posts) == 1 and "không đạt" in hook.posts[0]["body"]["text"]
    assert "1 cảnh báo:" in capsys.readouterr().err  # listed for the cron log, in Vietnamese
    assert main(["batch", str(spec), "--notify-url", hook.url]) == 0
    assert len(hook.posts) == 1  # the rerun sends nothing


def test_report_links_by_web_address_or_full_path(tmp_path, hook):
    runs = [run_folder(tmp_path, "Tết Sale", [kpi(status="off track")])]
    n = parse_notify({"report_url": "https://reports.example.com/nightly/"}, url=hook.url)
    al.monitor(tmp_path, runs, al.parse_rules(None), notifier=n, now=T0)
    assert hook.posts[0]["body"]["text"].endswith(
        "report: https://reports.example.com/nightly/T%E1%BA%BFt_Sale/02_evaluation/report.html")
    other = tmp_path / "other"
    runs = [run_folder(other, "B", [kpi(status="off track")])]
    al.monitor(other, runs, al.parse_rules(None), notifier=parse_notify({}, url=hook.url),
               now=T0)
    assert hook.posts[1]["body"]["text"].endswith(
        str((other / "B" / "02_evaluation" / "report.html").resolve()))
