"""The batch's index: ``index.html`` and ``summary.csv`` list every run, its status, a
headline of its results in the reader's language, its report, its error, and the alerts.

Everything from the data (campaign names, errors, alert texts) is escaped in the page and
neutralised in the CSV (no spreadsheet formulas).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from kpikit.i18n.lang import tr, using_language
from kpikit.runs.alert_state import message_text
from kpikit.runs.batch.report import reader_text
from kpikit.runs.batch.spec import Run, Spec, run_lang, spec_lang

_STATUS_COLOURS = {"on track": "#27ae60", "achieved": "#1e8449", "at risk": "#e67e22",
                   "off track": "#c0392b", "missed": "#922b21", "too early": "#95a5a6",
                   "no data": "#bdc3c7", "ok": "#27ae60", "failed": "#c0392b"}
_SEVERITY_COLOURS = {"critical": "#922b21", "warning": "#e67e22", "info": "#2e86c1"}


def _moment(moment: datetime | None = None) -> str:
    """A moment (default: now, on the local clock) as the current language writes it."""
    from kpikit.i18n.formats import format_moment

    return format_moment(moment or datetime.now())


def _run_word(status: str) -> str | None:
    """A run's own status (not a KPI's) in the current language; None if not one."""
    if status == "ok":
        return tr("ok")
    if status == "failed":
        return tr("failed")
    if status == "missing":
        return tr("missing", context="batch status")
    if status == "skipped":
        return tr("skipped")
    return None


def status_word(status: str, lang: str) -> str:
    """A run's or a KPI's status as a reader of ``lang`` says it."""
    from kpikit.analysis.status import STATUSES
    from kpikit.views.prose import status_text

    if status in STATUSES:
        return status_text(status, lang)
    with using_language(lang):
        return _run_word(status) or status


def _headline(run: Run, results: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(text, status) pairs that summarise a run's results.json, in the run's language."""
    from kpikit.runs.results import headline

    return headline(results, run_lang(run), notebook=run.notebook)


def _read_run(run: Run) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The run's manifest and results (a run not yet written: status ``missing``)."""
    manifest, results = {}, None
    try:
        manifest = json.loads((run.folder / "manifest.json").read_text(encoding="utf-8"))
        if (run.folder / "results.json").exists():
            results = json.loads((run.folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        with using_language(run_lang(run)):
            manifest = {"status": "missing", "error": tr("not run yet")}
    return manifest, results


def _summary_csv(spec: Spec, rows: list[tuple[Run, dict, dict | None]]) -> Path:
    import csv
    import io

    from kpikit.files import atomic_write_text
    from kpikit.safety import neutral_row

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["campaign", "notebook", "status", "error", "headline", "report", "seconds"])
    for r, m, res in rows:
        head = "; ".join(f"{t} ({status_word(s, run_lang(r))})" for t, s in _headline(r, res))
        report = r.folder / "report.html"
        # names and errors come from the data: a spreadsheet must not run them as formulas
        w.writerow(neutral_row([
            r.campaign, r.notebook, m.get("status", "missing"),
            reader_text(str(m.get("error") or "")), head,
            report.relative_to(spec.output_dir).as_posix() if report.exists() else "",
            m.get("seconds", "")]))
    return atomic_write_text(spec.output_dir / "summary.csv", buf.getvalue())


def _run_row(spec: Spec, n: int, r: Run, m: dict[str, Any], res: dict[str, Any] | None,
             lang: str) -> str:
    """One run's row of the index table (the page speaks ``lang``, headlines the run's)."""
    from urllib.parse import quote

    esc = html.escape
    st = m.get("status", "missing")
    rel = (r.folder / "report.html").relative_to(spec.output_dir).as_posix()
    rl = run_lang(r)
    items = "".join(
        f"<li><span class='dot' style='background:{_STATUS_COLOURS.get(s, '#999')}'></span>"
        f"{esc(t)} <small>{esc(status_word(s, rl))}</small></li>"
        for t, s in _headline(r, res))
    # a failed run links to its error, shown in this page; a report is linked only
    # when its file exists
    anchor = f"run-{n + 1}-error"
    err = (f"<div class='err' id='{anchor}'>{esc(reader_text(str(m.get('error'))))}</div>"
           if m.get("error") else "")
    links = []
    if (r.folder / "report.html").exists():
        word = tr("report")
        links.append(f"<a href='{esc(quote(rel))}'>{esc(word)}</a>")
    if err:
        word = tr("error", context="link")
        links.append(f"<a class='err-link' href='#{anchor}'>{esc(word)}</a>")
    link = " · ".join(links)
    return (f"<tr><td>{esc(r.campaign)}</td><td>{esc(r.notebook)}</td>"
            f"<td><span class='badge' style='background:{_STATUS_COLOURS.get(st, '#999')}'>"
            f"{esc(status_word(st, lang))}</span></td><td><ul>{items}</ul>{err}</td>"
            f"<td>{link}</td></tr>")


_STYLE = """<style>
body { font-family: Inter, Segoe UI, Arial, sans-serif; margin: 2rem; color: #1f2d3d; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .5rem .7rem; border-bottom: 1px solid #e3e8ee;
         vertical-align: top; }
.badge { color: white; padding: .15rem .5rem; border-radius: .6rem; font-size: .85rem; }
.dot { display: inline-block; width: .6rem; height: .6rem; border-radius: 50%;
        margin-right: .4rem; }
ul { margin: 0; padding-left: 0; list-style: none; }
.err { color: #c0392b; font-family: monospace; white-space: pre-wrap; }
</style>"""


def write_index(spec: Spec, runs: Sequence[Run]) -> tuple[Path, Path]:
    """Write ``index.html`` and ``summary.csv`` listing every run (failures with their error).

    The page speaks the spec's ``lang`` (else the current language); each run's headline
    speaks the run's.
    """
    from kpikit.files import atomic_write_text

    rows = [(r, *_read_run(r)) for r in runs]
    summary = _summary_csv(spec, rows)
    esc = html.escape
    lang = spec_lang(spec)
    with using_language(lang):
        body = "".join(_run_row(spec, n, r, m, res, lang)
                       for n, (r, m, res) in enumerate(rows))
        failed = sum(1 for _, m, _ in rows if m.get("status") == "failed")
        total = len(rows)
        made = _moment()
        title = tr("kpikit batch")
        said = tr("{total} runs, {failed} failed. Generated {made}.", total=total, failed=failed,
                  made=made)
        heads = (tr("Campaign"), tr("Notebook"),
                 tr("Status"), tr("Headline"))
        alerts_html = _alerts_section(spec.output_dir, lang)
    page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(title)}</title>
{_STYLE}</head><body>
<h1>{esc(title)}</h1>
<p>{esc(said)}</p>
{alerts_html}
<table><tr>{''.join(f'<th>{esc(h)}</th>' for h in heads)}<th></th></tr>
{body}
</table></body></html>
"""
    index = atomic_write_text(spec.output_dir / "index.html", page)
    return index, summary


def _severity_word(severity: str) -> str:
    if severity == "critical":
        return tr("critical")
    if severity == "warning":
        return tr("warning")
    if severity == "info":
        return tr("info")
    return severity


def _alerts_section(root: Path, lang: str) -> str:
    """The active alerts (from alerts.json), most severe first, escaped, in ``lang``."""
    from urllib.parse import quote

    from kpikit.runs.alert_state import ALERTS_FILE, read_json
    from kpikit.safety import html_text as esc

    data = read_json(root / ALERTS_FILE) or {}
    alerts = [a for a in data.get("alerts", []) if isinstance(a, dict)]
    with using_language(lang):
        title = tr("Alerts")
        if not alerts:
            none = tr("No active alerts.")
            return f"<h2>{esc(title)}</h2><p class='noalerts'>{esc(none)}</p>"
        since, report = tr("since"), tr("report")
        items = []
        for a in alerts:
            sev = str(a.get("severity"))
            text = message_text(a, lang)  # alerts.json keeps each message in every language
            link = a.get("report")
            href = (f" <a href='{esc(quote(link))}'>{esc(report)}</a>"
                    if isinstance(link, str) and not link.startswith(("/", "\\"))
                    and ":" not in link else "")
            items.append(f"<li class='alert'><span class='badge' style='background:"
                         f"{_SEVERITY_COLOURS.get(sev, '#999')}'>{esc(_severity_word(sev))}"
                         f"</span> {esc(reader_text(str(text)))} <small>{esc(since)} "
                         f"{esc(_local_time(a.get('first_seen'), lang))}</small>{href}</li>")
    return f"<h2>{esc(title)} ({len(alerts)})</h2><ul class='alerts'>{''.join(items)}</ul>"


def _local_time(stamp: Any, lang: str) -> str:
    """An ISO time stamp (``2026-11-30T16:30:30+00:00``) as the index writes its own time
    (local clock, minutes; ``30/11/2026 16:30`` in Vietnamese)."""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp or "")
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    with using_language(lang):
        return _moment(moment)
