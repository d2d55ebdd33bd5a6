"""The KPI basics lesson (``notebooks/00_kpi_basics.ipynb``): the steps' content.

The eight steps, formulas in words, the calculations behind the widgets, the exercises,
and the tables the students read. Every text follows one language: ``lang=None`` is the
current one (the notebook makes its ``lang`` parameter current with :func:`query_lang`).
KPI names come from the catalog's labels, and every number is computed by the same kpikit
functions the other notebooks use (:func:`kpikit.compute`, :func:`kpikit.plans.recommend_kpis`,
:func:`kpikit.plans.availability`, :func:`kpikit.evaluate`, ...). The live widgets
are in :mod:`kpikit.views.lesson_widgets`, the texts in :mod:`kpikit.views.lesson_text`.

This module does not load ipywidgets.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpikit.catalog import MEASURES, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.formats import (
    date_tickformat,
    format_date,
    format_month,
    format_number,
    format_percent,
    format_value,
)
from kpikit.i18n.lang import LOCALES, resolve_lang, tr, using_language
from kpikit.metrics.engines import compute
from kpikit.plans import KPITree, recommend_kpis
from kpikit.views.lesson_text import say, text

__all__ = [
    "ICONS", "PLAYGROUND_KPIS", "Question", "cell_text", "diagnosis_html", "exercises",
    "formula_words", "gappy_copy", "month_axis", "month_text", "owner_table", "parse_answer",
    "playground_values", "query_lang", "ratio_trap", "review_example", "say", "status_word",
    "steps_html", "steps_table", "table_html", "text", "tree_what_if", "write_gappy_export",
]


PLAYGROUND_KPIS = ("ctr", "cpc", "cvr", "cpa", "roas")


def _svg(color: str, path: str) -> str:
    # inline SVG: drawn by any browser, needs no emoji font (a plain Chromium shows
    # emoji such as U+2705 as empty boxes)
    return (f"<svg class='kpikit-icon' width='16' height='16' viewBox='0 0 16 16' "
            f"style='vertical-align:-3px' aria-hidden='true'><circle cx='8' cy='8' r='8' "
            f"fill='{color}'/><path d='{path}' stroke='#fff' stroke-width='2' fill='none' "
            f"stroke-linecap='round' stroke-linejoin='round'/></svg>")


ICONS = {
    "right": _svg("#1e8449", "M4 8.5l2.5 2.5L12 5.5"),
    "wrong": _svg("#b03a2e", "M5 5l6 6M11 5l-6 6"),
    "warn": _svg("#b9770e", "M8 4v5M8 12v0.5"),
}


STEPS: tuple[tuple[str, str, str], ...] = (
    ("s1", "goals.recommend_kpis · PlanBuilder",
     "notebooks/01_goal_setting.ipynb"),
    ("s2", "catalog (51 KPIs) · kpikit.compute", "kpikit kpis"),
    ("s3", "kpikit.validate · goals.availability", "kpikit validate FILE"),
    ("s4", "goals.TREES · goals.cascade", "notebooks/01_goal_setting.ipynb"),
    ("s5", "Plan cadence · evaluate (pacing)", "notebooks/02_evaluation.ipynb"),
    ("s6", "Plan owners · evaluate.accountability", "notebooks/02_evaluation.ipynb"),
    ("s7", "evaluate (attribution) · optimize.allocate", "notebooks/03_optimization.ipynb"),
    ("s8", "catalog horizon · evaluate (trend)", "notebooks/02_evaluation.ipynb"),
)


def steps_table(lang: str | None = None, *, tools: bool = False) -> pd.DataFrame:
    """The eight steps, each with the question it answers, in words.

    ``tools=True`` adds, for trainers, the kpikit functions and the notebook that carry
    each step out; students see the questions only.
    """
    lang = resolve_lang(lang)
    rows = [(text(k, lang), text(f"{k}_q", lang)) for k, _, _ in STEPS]
    out = pd.DataFrame(rows, columns=[text("step", lang), text("step_question", lang)])
    if tools:
        with using_language(lang):
            tool, where = tr("In kpikit"), tr("Where")
        out[tool] = [t for _, t, _ in STEPS]
        out[where] = [w for _, _, w in STEPS]
    return out


def steps_html(lang: str | None = None) -> Any:
    """The students' table of the eight steps (no code, no function names)."""
    from IPython.display import HTML

    t = steps_table(lang)
    return HTML(table_html([[html.escape(a), html.escape(b)] for a, b in t.itertuples(
        index=False)], list(t.columns), css="kpikit-steps"))


def formula_words(kpi: str, lang: str | None = None) -> str:
    """A KPI's formula in words: ``CTR = Clicks ÷ Impressions`` (no code).

    Built from the catalog's terms and the measures' labels, so it cannot drift from
    what :func:`kpikit.compute` computes.
    """
    lang = resolve_lang(lang)
    k = get_kpi(kpi)
    with using_language(lang):
        start = tr(" (start)")

    def name(m: str, which: str) -> str:
        return MEASURES[m].label(lang) + (start if which == "first" else "")

    words = k.render(name, lambda v: format_number(v, 2, lang).rstrip("0").rstrip(",."),
                     scale_number=lambda v: format_number(v, 0, lang), times=" × ",
                     divide=" ÷ ", plus=" + ", minus=" − ", lead_minus="−")
    return f"{k.short_label(lang)} = {words}"


# ------------------------------------------------------------------ calculations

def playground_values(*, impressions: float, clicks: float, spend: float,
                      conversions: float, revenue: float,
                      kpis: Sequence[str] = PLAYGROUND_KPIS) -> dict[str, float]:
    """The playground's KPIs from one set of measures (catalog formulas, NaN for /0)."""
    row = pd.DataFrame({"date": [pd.Timestamp("2026-01-01")], "campaign": ["lesson"],
                        "channel": ["lesson"], "impressions": [float(impressions)],
                        "clicks": [float(clicks)], "spend": [float(spend)],
                        "conversions": [float(conversions)], "revenue": [float(revenue)]})
    out = compute(row, list(kpis), by=None)
    return {k: float(out[k].iloc[0]) for k in kpis}


def ratio_trap(table: pd.DataFrame, kpi: str = "ctr", by: str = "channel") -> dict[str, Any]:
    """The right rate (sum/sum) next to the mean of per-group rates, with the groups."""
    per = compute(table, kpi, by=by)
    total = compute(table, kpi, by=None)
    return {"by_group": per, "mean_of_ratios": float(per[kpi].mean()),
            "sum_over_sum": float(total[kpi].iloc[0])}


def gappy_copy(data: pd.DataFrame, *, campaign: str = "Always-on Search",
               start: str = "2026-10-01", end: str = "2026-12-31", seed: int = 7
               ) -> pd.DataFrame:
    """A copy of one campaign's quarter with gaps, as real exports have them.

    Ten days are missing altogether and a fifth of the ``revenue`` cells are empty;
    ``followers`` (a snapshot the campaign never tracked) stays absent.
    """
    rng = np.random.default_rng(seed)
    part = data[(data["campaign"] == campaign) & (data["date"] >= start)
                & (data["date"] <= end)].copy()
    if part.empty:
        raise ParameterError(tr("campaign={campaign!r} has no rows from {start} to {end}.",
                                campaign=campaign, start=start,
                                end=end), code=ProblemCode.DATA_NO_ROWS)
    days = part["date"].drop_duplicates().sort_values().to_numpy()
    gone = rng.choice(days[1:-1], size=min(10, max(len(days) - 2, 0)), replace=False)
    part = part[~part["date"].isin(gone)].copy()
    if "revenue" in part:
        blank = rng.random(len(part)) < 0.2
        part.loc[blank, "revenue"] = np.nan
    return part.reset_index(drop=True)


def write_gappy_export(data: pd.DataFrame, folder: str | Path) -> Path:
    """Write :func:`gappy_copy` of ``data`` as ``export_with_gaps.csv`` in ``folder``."""
    from kpikit.files import atomic_write_text
    from kpikit.safety import neutral_frame

    path = Path(folder) / "export_with_gaps.csv"
    path.parent.mkdir(parents=True, exist_ok=True)

    # the copy carries the user's campaign and channel names: no formulas in a spreadsheet
    atomic_write_text(path, neutral_frame(gappy_copy(data)).to_csv(index=False,
                                                                   date_format="%Y-%m-%d"))
    return path


def tree_what_if(tree: KPITree, baselines: dict[str, float],
                 changes: dict[str, float]) -> dict[str, float]:
    """New driver values and goal after relative ``changes`` (``0.1`` = +10%).

    The goal is ``constant * prod(driver ** exponent)``, so its relative change is the
    product of the drivers' factors minus one.
    """
    new = {d: baselines[d] * (1 + changes.get(d, 0.0)) for d, _ in tree.drivers}
    goal = tree.constant * math.prod(new[d] ** e for d, e in tree.drivers)
    base = baselines[tree.goal]
    return {**new, tree.goal: goal,
            "goal_change": goal / base - 1 if base else float("nan")}


def table_html(rows: Sequence[Sequence[str]], head: Sequence[str], css: str = "") -> str:
    h = "".join(f"<th style='text-align:left;padding:2px 10px'>{html.escape(c)}</th>"
                for c in head)
    b = "".join("<tr>" + "".join(f"<td style='text-align:left;padding:2px 10px'>{c}</td>"
                                 for c in r)
                + "</tr>" for r in rows)
    return f"<table class='{css}'><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>"


def cell_text(value: Any, column: str, lang: str | None = None) -> str:
    """One cell of a lesson table as a reader of ``lang`` writes it: ``20,7%``,
    ``01/10/2026``, ``–`` for nothing known, ``không có`` for an empty list."""
    from datetime import date as _date

    lang = resolve_lang(lang)
    if isinstance(value, (list, tuple, set, frozenset)) or (
            column == "missing_measures" and isinstance(value, str)):
        items = [str(v) for v in value] if not isinstance(value, str) else (
            [v.strip() for v in value.split(",") if v.strip()])
        labels = [MEASURES[m].label(lang) if m in MEASURES else m for m in items]
        return ", ".join(labels) if labels else text("none", lang)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "–"
    if isinstance(value, (pd.Timestamp, _date)):
        # English keeps ISO days (what exports and plans write); other languages the form
        # their CLDR locale writes (01/10/2026 in Vietnamese)
        return f"{value:%Y-%m-%d}" if lang == "en" else format_date(value, lang)
    if isinstance(value, str):
        try:  # dates arrive as ISO text from some tables
            return cell_text(_date.fromisoformat(value), column, lang)
        except ValueError:
            return value
    if column.endswith("_share"):
        return format_percent(float(value), 1, lang)  # 20,7% (vi), 20,7 % (fr)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return format_number(float(value), 0 if float(value).is_integer() else 1, lang)
    return str(value)


def status_word(status: str, lang: str | None = None) -> str:
    """A status code (``off track``) in the reader's words (``chệch hướng``)."""
    from kpikit.views.prose import status_text

    return status_text(status, lang)


def diagnosis_html(ev: Any, lang: str | None = None) -> Any:
    """Step 7 for beginners: which KPIs missed, in a short table; the statistics (p-values,
    probabilities, attribution) folded below, for those who want them."""
    from IPython.display import HTML

    from kpikit.views.notebook_tables import diagnosis

    lang = resolve_lang(lang)
    totals = ev.totals()
    bad = totals[totals["status"].isin(["off track", "missed", "at risk"])]
    shown = bad if len(bad) else totals
    cur = getattr(ev.plan, "currency", None)
    rows = [[html.escape(get_kpi(r.kpi).label(lang)), html.escape(status_word(r.status, lang)),
             html.escape(format_value(r.actual, r.kpi, lang=lang, currency=cur)),
             html.escape(format_value(r.target, r.kpi, lang=lang, currency=cur))]
            for r in shown.itertuples()]
    head = ["KPI", text("status", lang), text("actual", lang), text("target", lang)]
    stats = "".join(f"<li>{html.escape(line)}</li>" for line in diagnosis(ev))
    return HTML(f"<p>{html.escape(text('s7_plain', lang))}</p>"
                + table_html(rows, head, css="kpikit-diagnosis")
                + f"<details class='kpikit-stats'><summary>{html.escape(text('s7_stats', lang))}"
                  f"</summary><ul>{stats}</ul></details>")


def month_text(month: Any, lang: str | None = None) -> str:
    """A month as its reader writes it: ``03/2027`` in Vietnamese, ``Mar 2027`` in English
    (CLDR's form for any other language)."""
    return format_month(pd.Period(month, freq="M").to_timestamp(), lang)


def month_axis(fig: Any, lang: str | None = None) -> Any:
    """Month ticks of a monthly chart as the reader writes them: plotly's own labels
    (``Jan 2025``) are English only, so every other language gets ``01/2025``."""
    lang = resolve_lang(lang)
    if lang != "en":
        fmt = date_tickformat(lang, "month")
        fig.update_xaxes(type="date", tickformat=fmt, hoverformat=fmt)
    return fig


# ----------------------------------------------------------------------- exercises

@dataclass(frozen=True)
class Question:
    """An exercise: a prompt and either choices (with the right index) or a number."""

    prompt: str
    explain: str
    choices: tuple[str, ...] = ()
    answer: int | float = 0
    tolerance: float = 0.0

    def is_right(self, given: Any, lang: str | None = None) -> bool:
        """Whether ``given`` (a choice index, a number, or a number typed in ``lang``) is
        right."""
        if self.choices:
            return given == self.answer
        value = parse_answer(given, lang) if isinstance(given, str) else given
        try:
            return abs(float(value) - float(self.answer)) <= self.tolerance  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def parse_answer(typed: str, lang: str | None = None) -> float | None:
    """A number a student typed, read the way ``lang`` writes numbers; None if unreadable.

    Vietnamese ``2,5`` is 2.5 and ``1.250`` is 1250; English ``2.5`` and ``1,250``. A
    separator that cannot be a thousands separator (``2.5``, ``2,50``) is read as the
    decimal one in either language, and a trailing ``%`` is allowed (the question asks in %).
    """
    from babel.numbers import get_decimal_symbol

    from kpikit.data_in.cells import parse_one

    lang = resolve_lang(lang)
    t = str(typed).strip().rstrip("%").strip()
    if not t:
        return None
    # the decimal sign of the language's CLDR locale (a comma in Vietnamese and French)
    decimal = "," if get_decimal_symbol(LOCALES[lang]) == "," else "."
    r = parse_one(t, decimal, "." if decimal == "," else ",", allow_percent=False)
    return r if isinstance(r, float) and math.isfinite(r) else None


def exercises(lang: str | None = None) -> list[Question]:
    """The lesson's exercises; every right answer is computed by kpikit, not typed in."""
    lang = resolve_lang(lang)
    ctr = playground_values(impressions=50_000, clicks=1_250, spend=1, conversions=1,
                            revenue=1)["ctr"] * 100
    short = lambda k: get_kpi(k).short_label(lang)  # noqa: E731
    lower = [k for k in ("roas", "ctr", "cpa", "cvr") if get_kpi(k).direction == "lower"]
    opts = ("roas", "ctr", "cpa", "cvr")
    two = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                        "campaign": "x", "channel": "x", "impressions": [1_000.0, 99_000.0],
                        "clicks": [100.0, 990.0]})
    trap = ratio_trap(two, "ctr", by="date")
    trap_opts = (format_value(trap["mean_of_ratios"], "ctr", lang=lang),
                 format_value(trap["sum_over_sum"], "ctr", lang=lang))
    aware = [r.kpi for r in recommend_kpis("awareness")]
    aware_opts = ("cpa", "roas", aware[0])
    # every number written once, the reader's way, and used by both languages
    c1, i1, c2, i2 = (format_number(v, 0, lang) for v in (100, 1_000, 990, 99_000))
    clicks, views, pct = (format_number(1_250, 0, lang), format_number(50_000, 0, lang),
                          format_number(ctr, 1, lang))
    low, best = short(lower[0]), short(aware[0])
    # the catalog's own definition: impressions count showings, reach counts people
    meaning = _lower_first(get_kpi(aware[0]).description(lang))
    with using_language(lang):
        return [
            Question(
                tr("An ad had {clicks} clicks on {views} impressions. What is its CTR, in %?",
                   clicks=clicks, views=views),
                tr("CTR = clicks / impressions = {pct}%.", pct=pct), answer=ctr, tolerance=0.05),
            Question(
                tr("Which KPI is better when lower?"),
                tr("{low}: what each conversion costs; lower is better.", low=low),
                tuple(short(k) for k in opts), opts.index(lower[0])),
            Question(
                tr("Day 1: {c1} clicks / {i1} impressions; day 2: {c2} / {i2}. What is the CTR of "
                   "the two days?", c1=c1, i1=i1, c2=c2, i2=i2),
                tr("Total clicks / total impressions; averaging the two rates overweights the "
                   "small day."), trap_opts, 1),
            Question(
                tr("The objective is awareness. Which KPI fits best?"),
                tr("{best}: {meaning} CPA and ROAS measure sales.", best=best, meaning=meaning),
                tuple(short(k) for k in aware_opts), 2),
        ]


def review_example(data: pd.DataFrame, *, as_of: str = "2027-01-25",
                   plan: str = "plan_tet_sale.yaml") -> Any:
    """The review that steps 6 and 7 read: a bundled plan (the Tết Sale) judged on
    ``data`` at ``as_of``, by the same :func:`kpikit.evaluate` notebook 02 calls.
    """
    from kpikit.analysis.evaluate import evaluate
    from kpikit.data_in.sample import bundled_plan
    from kpikit.plans import Plan

    return evaluate(data, Plan.from_yaml(bundled_plan(plan)), as_of=as_of)


def owner_table(ev: Any, *, lang: str | None = None) -> pd.DataFrame:
    """Owners of an evaluation's KPIs with status, attainment and probability, readable."""
    from kpikit.views.display import rename
    from kpikit.views.prose import accountability

    lang = resolve_lang(lang)
    out = accountability(ev, lang)
    for c in ("attainment", "probability"):
        if c in out:
            out[c] = [format_percent(v, 0, lang) if v == v else "–" for v in out[c]]
    return rename(out, lang)


def query_lang(default: str) -> str:
    """``lang`` for the lesson, made the current language: ``?lang=`` in the page address
    when the kernel was started for that page, else ``default`` (the notebook's ``lang``).

    A kernel Voila starts ahead of time (its pool) draws the lesson before any student
    asks, so it has no address to read. ``kpikit lesson`` therefore serves one copy of the
    notebook per language, each with its own ``lang`` and its own pool, and sends
    ``/?lang=vi`` to the Vietnamese copy (:mod:`kpikit.runs.lesson_server`). Waiting in the
    kernel for the student's address (``voila.utils.get_query_string``) would let the
    widgets be created while the page connects, and Voila 0.5 then lost some of them.
    """
    import os
    from urllib.parse import parse_qs

    from kpikit.i18n.lang import LANGS, set_language

    given = parse_qs(os.environ.get("QUERY_STRING", "")).get("lang", [""])[0]
    lang = resolve_lang(given if given in LANGS else default)
    set_language(lang)
    return lang
