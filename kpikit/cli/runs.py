"""Commands that run notebooks or serve them: ``demo``, ``batch`` and ``lesson``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from kpikit.cli.tables import table
from kpikit.i18n.lang import LANGS, resolve_lang, tr, using_language
from kpikit.runs.alert_state import message_text


def cmd_demo(a: argparse.Namespace) -> int:
    """``kpikit demo``: the sample data's KPI table, then the demo batch of reports."""
    from kpikit.catalog import get_kpi
    from kpikit.data_in.sample import load_sample, sample_path
    from kpikit.i18n.formats import format_value
    from kpikit.metrics.engines import compute

    lang = a.lang
    df = load_sample()
    kpis = ["revenue", "roas", "cpa", "cpl", "ctr", "cpm"]
    result = compute(df, kpis, by=("campaign", "channel"), include_measures=True)
    cur = df.attrs["currency"]
    rows = [
        [r["campaign"], r["channel"],
         format_value(r["spend"], "revenue", lang=lang, currency=cur),  # spend is money too
         *(format_value(r[k], k, lang=lang, currency=cur) for k in kpis)]
        for _, r in result.iterrows()
    ]
    # English heads are the KPI names a user types; other languages the catalog's labels
    head = [tr("campaign"), tr("channel"), tr("spend"),
            *(get_kpi(k).short_label(lang) if lang != "en" else k for k in kpis)]
    path, n = sample_path(), len(df)
    print(tr("kpikit demo: {path} ({n} rows, {cur})\n", path=path, n=n, cur=cur))
    print(table(rows, head))
    if a.table_only:
        return 0
    from kpikit.runs.batch import demo_spec, print_progress, run_batch

    print(tr("\nRunning the demo batch (goal setting, evaluation, optimisation per campaign)..."),
          flush=True)
    with interruptible(lang):
        return report(run_batch(demo_spec(a.output_dir, lang), jobs=a.jobs, force=a.force,
                                progress=partial(print_progress, lang=lang),
                                timeout=a.timeout, wait=a.wait,
                                on_wait=partial(waiting, lang=lang)), lang)


def cmd_batch(a: argparse.Namespace) -> int:
    """``kpikit batch``: run a spec's notebooks per campaign; exit 1 if a run failed, 3 if
    an alert of ``--fail-on`` severity or worse is active."""
    from kpikit.runs.batch import load_spec, print_progress, run_batch

    spec = load_spec(a.spec)
    lang = a.lang if a.lang_given else spec.parameters.get("lang", a.lang)
    a.lang = lang if lang in LANGS else "en"
    with using_language(a.lang), interruptible(a.lang):
        result = run_batch(spec, jobs=a.jobs, force=a.force,
                           progress=partial(print_progress, lang=a.lang),
                           executor=a.executor, scheduler=a.scheduler,
                           timeout=a.timeout, wait=a.wait,
                           on_wait=partial(waiting, lang=a.lang), notify_url=a.notify_url)
        code = report(result, a.lang)
        # --fail-on: an active alert of that severity or worse fails cron and CI (exit 3)
        return code or (3 if result.monitor is not None
                        and result.monitor.failing(a.fail_on) else 0)


class Interrupted(SystemExit):
    """Ctrl+C during a batch: exit 130 with a word on resuming, not a traceback."""


@contextmanager
def interruptible(lang: str | None = None) -> Iterator[None]:
    """Turn Ctrl+C inside the block into exit code 130 and a word on how to resume."""
    try:
        yield
    except KeyboardInterrupt:
        with using_language(resolve_lang(lang)):
            print(tr("\nInterrupted. Finished runs are kept; run the same command again to "
                     "resume."), file=sys.stderr)
        raise Interrupted(130) from None


def waiting(info: dict, lang: str | None = None) -> None:
    """Say once that this batch queues behind another one on the same folder."""
    pid, started = info.get("pid", "?"), info.get("started", "?")
    # the batch may call this from its own thread, where no language block is open
    with using_language(resolve_lang(lang)):
        print(tr("Waiting for the batch already running here (PID {pid}, started {started})...",
                 pid=pid, started=started),
              file=sys.stderr, flush=True)


def _severity(severity: str) -> str:
    """An alert's severity in the reader's words (an unknown one as it is)."""
    words = {"critical": tr("critical"), "warning": tr("warning"),
             "info": tr("info")}
    return words.get(severity, severity)


def report(result, lang: str | None = None) -> int:
    """List a batch's failures and alerts, end with the index path; exit code 1 if any failed."""
    lang = resolve_lang(lang)
    with using_language(lang):
        _report(result, lang)
    print(result.index)
    return 1 if result.failed else 0


def _report(result, lang: str) -> None:
    mon = getattr(result, "monitor", None)
    if mon is not None and mon.alerts:
        n = len(mon.alerts)
        print(tr("\n{n} alert(s):", n=n), file=sys.stderr)
        for al in mon.alerts:
            text = message_text(al, lang)  # kept in every language, English the fallback
            print(f"  [{_severity(al['severity'])}] {text}", file=sys.stderr)
    for note in getattr(mon, "notifications", ()) or ():
        if not note.get("ok"):
            channel, error = note.get("channel"), note.get("error")
            print(tr("  notification failed ({channel}): {error}", channel=channel,
                     error=error), file=sys.stderr)
    if result.failed:
        n = len(result.failed)
        print(tr("\n{n} run(s) failed:", n=n), file=sys.stderr)
        for r in result.failed:
            print(f"  {r.label}: {r.error}", file=sys.stderr)


def cmd_lesson(a: argparse.Namespace) -> int:
    """Serve the KPI basics lesson without code (Voila) until Ctrl+C: kernels started
    ahead for the class, idle ones stopped (see :mod:`kpikit.runs.lesson_server`)."""
    from kpikit.runs.lesson_server import serve_lesson
    from kpikit.runs.params import notebook_path

    return serve_lesson(notebook_path("00_kpi_basics"), lang=a.lang, port=a.port,
                        no_browser=a.no_browser)
