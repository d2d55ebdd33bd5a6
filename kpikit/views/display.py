"""How notebooks show things to people: tables, lines and paragraphs in the reader's language.

Tables keep their codes in the data (``weight_before``, ``weekly``) and get the reader's
words and number formats only when shown (:func:`rename`, :func:`show`); lines go out as
HTML paragraphs (:func:`say`, :func:`paragraphs`), escaped, so a report shows them as prose
and a name from the data never runs as markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.catalog import KPIS, get_kpi
from kpikit.i18n.formats import MISSING, format_date, format_number, format_percent
from kpikit.i18n.lang import LANGS, resolve_lang, tr, using_language

__all__ = ["binding_text", "column_names", "estimated_line", "freshness_line", "line", "owner_text",
           "paragraphs", "rename", "say", "show", "translate", "written"]


def column_names() -> dict[str, str]:
    """Column codes as headers in the current language."""
    return {
        "kpi": tr("KPI"), "objective": tr("Objective"),
        "owner": tr("Owner"), "cadence": tr("Cadence"),
        "horizon": tr("Horizon"), "target": tr("Target"),
        "baseline": tr("Baseline"),
        "change_vs_baseline": tr("vs baseline", context="column"),
        "feasibility": tr("Feasibility"),
        "percentile": tr("Percentile"), "status": tr("Status"),
        "days_covered": tr("Days covered"),
        "missing_days": tr("Missing days"),
        "null_share": tr("Empty cells"), "last_date": tr("Last date"),
        "missing_measures": tr("Missing measures"), "rank": "#",
        "reason": tr("Why"), "measurable": tr("In the data"),
        "direction": tr("Better when"),
        "campaigns": tr("Campaigns"), "channels": tr("Channels"),
        "window_start": tr("From"), "window_end": tr("To"),
        "attainment": tr("Attainment"),
        "probability": tr("Probability"), "segment": tr("Segment"),
        "before": tr("Before"), "after": tr("After"),
        "total": tr("Total"), "mix": tr("Mix"),
        "rate": tr("Rate"), "channel": tr("Channel"),
        "current": tr("Current"), "recommended": tr("Recommended"),
        "change_pct": tr("Change"),
        "marginal_current": tr("Marginal return now"),
        "marginal": tr("Marginal return after"),
        "binding": tr("Bound by"), "why": tr("Why"),
        "form": tr("Curve"), "adstock": tr("Adstock"),
        "points": tr("Points"), "r2": "R²",
        "mape": tr("Error (MAPE)"), "criterion": tr("Chosen by"),
        "current_spend": tr("Current spend"),
        "notes": tr("Notes"),
        "weight_before": tr("Share before"),
        "weight_after": tr("Share after"),
        "rate_before": tr("Rate before"),
        "rate_after": tr("Rate after"),
        "holdout_error": tr("Holdout error"),
        "holdout_mean_error": tr("Plain average error"),
        "holdout_passed": tr("Holdout passed"),
    }


def _code_words() -> dict[str, str]:
    """kpikit's code words in table cells (``weekly``, ``gaps``) in the current language;
    English keeps the code as written."""
    return {
        "short": tr("short"), "long": tr("long"),
        "weekly": tr("weekly"), "monthly": tr("monthly"),
        "quarterly": tr("quarterly"), "campaign": tr("campaign", context="cadence"),
        "ok": tr("ok", context="availability"), "gaps": tr("gaps"),
        "no data": tr("no data"),
        "unmeasurable": tr("unmeasurable"), "all": tr("all"),
        "min": tr("min"), "max": tr("max"),
        "locked": tr("locked"), "zero": tr("zero"),
        "refused": tr("refused"), "lowest AIC": tr("lowest AIC"),
        "hill": tr("hill"), "log": tr("log"),
        "unassigned": tr("unassigned"), "plan": tr("plan"),
        "cascade": tr("cascade"),
    }


def _yes_no(value: Any, words: tuple[str, str]) -> Any:
    """A flag as a word of the reader (``có``/``không``); anything else as given."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return words[0] if value else words[1]
    return value


#: columns whose numbers are shares, shown as percentages
_PERCENT_COLUMNS = {"attainment", "probability", "change_pct", "null_share", "mape",
                    "holdout_error", "holdout_mean_error", "weight_before", "weight_after"}
#: columns holding names from the data or the plan, shown as written
_NAME_COLUMNS = {"owner", "campaign", "channel", "segment", "kpi"}


def _cell(value: Any, lang: str, percent: bool) -> str:
    """A number as a reader of ``lang`` writes it: 1.234.567 / 0,125 / 12,5% in Vietnamese."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    v = float(value)
    if percent:
        return format_percent(v, 1, lang)
    if v.is_integer() or abs(v) >= 1000 or abs(v) < 1e-9:  # 3.6e-27 reads as 0
        return format_number(v, 0, lang)
    # four significant digits written out: 0,00005384, never 5,384e-05
    return format_number(v, min(12, max(0, 3 - math.floor(math.log10(abs(v))))), lang)


def show(df: pd.DataFrame, lang: str | None = None) -> Any:
    """A table for reading: no index, text left-aligned, nothing cut short, numbers written
    the way a reader of ``lang`` writes them (shares as percentages)."""
    lang = resolve_lang(lang)
    percent = set(_PERCENT_COLUMNS)
    for each in LANGS:  # a renamed table has headers in some language: know them all
        with using_language(each):
            names = column_names()
        percent |= {names[c] for c in _PERCENT_COLUMNS}
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])]
    formats = {c: (lambda v, p=c in percent: _cell(v, lang, p)) for c in numeric}
    # Styler writes cell text as raw HTML unless told: every cell and header is escaped, so
    # a campaign called <img src=x onerror=...> shows as text in JupyterLab and reports
    return (df.style.hide(axis="index").format(na_rep=MISSING, escape="html")
            .format(formats, na_rep=MISSING, escape="html").format_index(escape="html", axis=1)
            .set_properties(**{"text-align": "left", "white-space": "pre-wrap"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))


def owner_text(owner: str, lang: str | None = None) -> str:
    """An owner as shown: the plan's placeholder for none in the reader's words, a person's
    name as written (never looked up as a code word)."""
    from kpikit.plans.targets import UNASSIGNED

    if owner == UNASSIGNED:
        with using_language(resolve_lang(lang)):
            return tr("unassigned")
    return owner


def translate(value: Any, lang: str | None = None) -> Any:
    """A code word (short, weekly, gaps, ...) in ``lang``; anything else as given."""
    if not isinstance(value, str):
        return value
    with using_language(resolve_lang(lang)):
        return _code_words().get(value, value)


def rename(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Translate known column names and code words for display."""
    lang = resolve_lang(lang)
    with using_language(lang):
        words, names = _code_words(), column_names()
        yes_no = (tr("yes"), tr("no"))
    out = df.copy()
    for c in out.columns:
        if c in _NAME_COLUMNS:
            # names from the data or the plan, shown as written: an owner or a channel
            # called "all" or "log" is not a code word
            if c == "owner":
                out[c] = out[c].map(lambda v: owner_text(v, lang) if isinstance(v, str) else v)
            continue
        if pd.api.types.is_bool_dtype(out[c]) or out[c].dtype == object:
            # True/False are Python's words, not the reader's
            out[c] = out[c].map(lambda v: _yes_no(v, yes_no))
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(lambda v: words.get(v, v) if isinstance(v, str) else v)
    return out.rename(columns=names)


# ------------------------------------------------------------------ lines


def binding_text(constraint: str, lang: str | None = None) -> str:
    """An allocation's binding constraint (``total budget``, ``search max``) for reading."""
    with using_language(resolve_lang(lang)):
        for code, said in (("total budget", tr("total budget")),
                           ("CPA limit", tr("CPA limit")),
                           ("ROAS limit", tr("ROAS limit")),
                           (">= target", tr(">= target"))):
            constraint = constraint.replace(code, said)
        name, _, bound = constraint.rpartition(" ")
        if name and bound in ("min", "max"):
            bound = _code_words()[bound]
            return f"{name} {bound}"
        return constraint


def _period(plan: Any, start: Any, end: Any, as_of: Any, pacing: Any) -> str:
    pacing = {"seasonal": tr("seasonal"), "linear": tr("linear"),
              "spend": tr("spend", context="pacing")}.get(pacing, pacing)
    return tr("{plan}: {start} to {end}, as of {as_of} ({pacing} pacing)", plan=plan, start=start,
              end=end, as_of=as_of, pacing=pacing)


def _cascade(error: str) -> str:
    return tr("drivers multiply to the goal within {error}", error=error)


def _contradiction(text: str) -> str:
    return tr("CONTRADICTION: {text}", text=text)


def _note(text: str) -> str:
    return tr("note: {text}", text=text)


def _segments(kpi: Any, by: Any) -> str:
    by = {"channel": tr("channel"), "campaign": tr("campaign")}.get(by, by)
    return tr("{kpi} by {by}", kpi=kpi, by=by)


def _binding(binding: Sequence[str]) -> str:
    names = ", ".join(binding_text(b) for b in binding) or tr("none")
    return tr("binding: {names}", names=names)


def _freshness(data_end: Any, lag: Any, as_of: Any) -> str:
    return tr("data ends {data_end}, {lag} days before {as_of}: those days are projected, not "
              "counted as zero", data_end=data_end, lag=lag, as_of=as_of)


def _fresh(data_end: Any) -> str:
    return tr("data up to {data_end}", data_end=data_end)


def _estimated(names: str) -> str:
    return tr("estimated (rows covering several days spread evenly): {names}", names=names)


def _gain(gain: str, low: str, high: str, p: str, verdict: str) -> str:
    return tr("paired gain {gain} (90% interval {low} to {high}); {p} of the draws gain: {verdict}",
              gain=gain, low=low, high=high, p=p, verdict=verdict)


def _holdout(channel: Any, r2: Any, error: Any, naive: Any, n: Any, flag: Any) -> str:
    return tr("{channel}: R² {r2}, holdout error {error} (plain average {naive}) over {n} "
              "periods{flag}", channel=channel, r2=r2, error=error, naive=naive, n=n, flag=flag)


#: the lines a notebook shows, by key: each makes its text in the current language
_LINES: dict[str, Callable[..., str]] = {
    "period": _period, "cascade": _cascade, "contradiction": _contradiction, "note": _note,
    "segments": _segments, "binding": _binding, "freshness": _freshness, "fresh": _fresh,
    "estimated": _estimated, "gain": _gain, "holdout": _holdout,
}


def line(key: str, lang: str | None = None, **values: Any) -> str:
    """One line of a notebook, in ``lang`` (dates as 25/01/2027 in Vietnamese, KPI codes
    as their names, relative errors as percentages)."""
    lang = resolve_lang(lang)
    shown: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, date):
            # English keeps ISO days (what exports and plans write); other languages their
            # CLDR form (25/01/2027 in Vietnamese)
            v = v.isoformat() if lang == "en" else format_date(v, lang)
        elif k == "kpi" and isinstance(v, str) and v in KPIS:
            v = KPIS[v].label(lang)  # a KPI's name, not its code (revenue -> Doanh thu)
        elif k == "error" and isinstance(v, float):
            v = format_percent(v, 2, lang)  # a relative error: 0,00%, never 2.22e-16
        elif isinstance(v, float):
            v = _cell(v, lang, False)
        shown[k] = v
    with using_language(lang):
        return _LINES[key](**shown)


def freshness_line(ev: Any, lang: str | None = None) -> str:
    """How fresh the data is: its last day, and the lag to ``as_of`` when there is one."""
    lang = resolve_lang(lang)
    t = ev.totals()
    if t.empty or "data_end" not in t:
        return ""
    end, lag = t["data_end"].iloc[0], int(t["lag_days"].iloc[0])
    if lag > 0:
        return line("freshness", lang, data_end=end, lag=lag, as_of=ev.as_of)
    return line("fresh", lang, data_end=end)


def estimated_line(ev: Any, lang: str | None = None) -> str:
    """Which KPI and periods hold a spread (estimated) part of a period row ('' if none)."""
    lang = resolve_lang(lang)
    if "estimated" not in ev.rows:
        return ""
    est = ev.rows[ev.rows["estimated"].astype(bool)]
    if est.empty:
        return ""
    names = ", ".join(f"{get_kpi(r.kpi).label(lang)} {r.period}" for r in est.itertuples())
    return line("estimated", lang, names=names)


def say(*texts: str) -> Any:
    """Lines of text as paragraphs (empty ones left out): prose in a report, not the
    monospace of ``print``. Escaped like :func:`paragraphs`."""
    from IPython.display import HTML

    from kpikit.safety import html_text

    return HTML("".join(f"<p class='kpikit-line'>{html_text(t)}</p>" for t in texts if t))


def written(files: Mapping[str, str], folder: str | Path) -> Any:
    """The files a run wrote, as a list of their paths inside ``folder`` (the report's
    reader sees where each output is, not a Python dict)."""
    from IPython.display import HTML

    from kpikit.safety import html_text

    root = Path(folder).resolve()
    shown = []
    for path in files.values():
        p = Path(path).resolve()
        shown.append(p.relative_to(root).as_posix() if p.is_relative_to(root) else str(path))
    where = str(folder)
    head = tr("Written to {where}:", where=where)
    items = "".join(f"<li><code>{html_text(s)}</code></li>" for s in shown)
    return HTML(f"<p class='kpikit-line'>{html_text(head)}</p><ul class='kpikit-files'>{items}"
                "</ul>")


def paragraphs(lines: Sequence[str]) -> Any:
    """Lines of text as a bulleted list (for the summary of an evaluation).

    The lines hold names from the data and the plan (owners, campaigns, channels), so they
    go out as escaped HTML, not Markdown: Markdown passes raw HTML through, and a name
    such as ``<img src=x onerror=...>`` or ``[x](javascript:...)`` must show as text.
    """
    from IPython.display import HTML

    from kpikit.safety import html_text

    items = "".join(f"<li>{html_text(line)}</li>" for line in lines)
    return HTML(f"<ul class='kpikit-lines'>{items}</ul>")
