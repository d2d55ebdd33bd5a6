"""The tables, figures and lines of notebooks 01-03, in the reader's language.

Each function turns one of kpikit's values (a plan check, an evaluation, an allocation)
into what a notebook shows; the generic helpers (:func:`show`, :func:`rename`,
:func:`line`) are in :mod:`kpikit.views.display`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpikit.catalog import get_kpi, label_of, word_for
from kpikit.i18n.formats import format_change, format_number, format_percent, format_value
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.views.display import column_names, line, owner_text, rename, translate

__all__ = ["accountability_table", "availability_table", "diagnosis", "evaluation_figures",
           "feasibility_figures", "gain_line", "holdout_lines", "recommendations_table",
           "scorecard_table", "targets_table", "verdict_text"]


# ---------------------------------------------------------- 01 goal setting


def recommendations_table(recs: list, *, lang: str | None = None) -> pd.DataFrame:
    """Recommended KPIs, formatted for reading."""
    lang = resolve_lang(lang)
    rows = []
    with using_language(lang):
        for r in recs:
            if r.measurable is None:
                measurable = "–"
            elif r.measurable:
                measurable = tr("yes")
            else:
                missing = ", ".join(r.missing)
                measurable = tr("no: {missing}", missing=missing)
            rows.append({"rank": r.rank, "kpi": r.label(lang), "measurable": measurable,
                         "horizon": get_kpi(r.kpi).horizon, "reason": r.reason})
    return rename(pd.DataFrame(rows), lang)


def accountability_table(targets: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """Steps 5, 6, 8: who owns which KPI, reviewed how often, short or long term."""
    lang = resolve_lang(lang)
    rows = [{"owner": r.owner, "kpi": get_kpi(r.kpi).label(lang), "cadence": r.cadence,
             "horizon": r.horizon, "objective": label_of("objective", r.objective, lang)}
            for r in targets.itertuples()]
    df = pd.DataFrame(rows).sort_values(["owner", "cadence"], kind="stable")
    return rename(df, lang)


def availability_table(avail: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """The availability check, formatted for reading."""
    lang = resolve_lang(lang)
    from kpikit.i18n.formats import format_date

    out = avail[["kpi", "campaigns", "channels", "window_start", "window_end", "days_covered",
                 "missing_days", "null_share", "last_date", "missing_measures",
                 "status"]].copy()
    out["kpi"] = [get_kpi(k).label(lang) for k in out["kpi"]]
    out["null_share"] = [format_percent(v, 1, lang) for v in out["null_share"]]
    for c in ("window_start", "window_end", "last_date"):
        out[c] = [format_date(v, lang) for v in out[c]]
    out["missing_measures"] = [", ".join(word_for(m.strip(), lang) for m in str(v).split(","))
                               if isinstance(v, str) and v else "" for v in
                               out["missing_measures"]]
    return rename(out, lang)


def targets_table(targets: pd.DataFrame, *, lang: str | None = None,
                  currency: str | None = None) -> pd.DataFrame:
    """The plan check's target rows, formatted for reading."""
    lang = resolve_lang(lang)
    from kpikit.plans.feasibility import feasibility_word

    rows = []
    with using_language(lang):
        better = {"higher": tr("higher"), "lower": tr("lower")}
        names = column_names()
    for r in targets.itertuples():
        rows.append({
            "kpi": get_kpi(r.kpi).label(lang), "owner": owner_text(r.owner, lang),
            "cadence": translate(r.cadence, lang), "horizon": translate(r.horizon, lang),
            "direction": better[r.direction],
            "target": format_value(r.target, r.kpi, lang=lang, currency=currency),
            "baseline": format_value(r.baseline, r.kpi, lang=lang, currency=currency),
            "change_vs_baseline": format_change(r.change_vs_baseline, lang),
            "feasibility": feasibility_word(r.feasibility, lang),
            "percentile": "–" if r.percentile != r.percentile else f"{r.percentile:.0f}",
        })
    return pd.DataFrame(rows).rename(columns=names)


def feasibility_figures(plan: Any, data: pd.DataFrame, check: Any, *,
                        lang: str | None = None) -> dict[str, Any]:
    """One history-with-target chart per plan KPI, keyed by KPI name."""
    lang = resolve_lang(lang)
    from kpikit.plans.feasibility import feasibility
    from kpikit.views.charts import feasibility_chart

    figs = {}
    currency = data.attrs.get("currency")
    for (_, k), row in zip(plan.targets(), check.targets.itertuples(), strict=True):
        if row.target != row.target:
            continue
        campaigns, channels = plan.scope_of(k)
        f = feasibility(data, k.kpi, row.target, cadence=k.cadence,
                        period=plan.period_of(k), campaigns=campaigns, channels=channels)
        if len(f.history):
            figs[k.kpi] = feasibility_chart(f, lang=lang, currency=currency)
    return figs


# ------------------------------------------------------------- 02 evaluation


def scorecard_table(ev: Any, *, lang: str | None = None,
                    currency: str | None = None) -> pd.DataFrame:
    """The whole-period row of every KPI, formatted for reading."""
    lang = resolve_lang(lang)
    from kpikit.views.prose import status_text

    with using_language(lang):
        not_significant, estimated = tr(" (n.s.)"), tr(" (est.)")
        cols = {"status": tr("Status"), "actual": tr("Actual"),
                "expected": tr("Expected by now"),
                "target": tr("Target"),
                "attainment": tr("vs pace"),
                "projection": tr("Projection"),
                "interval": tr("90% interval"),
                "probability": tr("P(reach)", context="column"),
                "change_ly": tr("vs last year", context="column")}
    rows = []
    for r in ev.totals().itertuples():
        def fv(v: float, kpi: str = r.kpi) -> str:
            return format_value(v, kpi, lang=lang, currency=currency)

        sig = ""
        if getattr(r, "p_ly", None) == getattr(r, "p_ly", None) and hasattr(r, "p_ly"):
            sig = " *" if r.significant_ly else not_significant
        est = estimated if bool(getattr(r, "estimated", False)) else ""
        rows.append({
            "kpi": get_kpi(r.kpi).label(lang), "owner": owner_text(r.owner, lang),
            "status": status_text(r.status, lang), "actual": fv(r.actual) + est,
            "expected": fv(r.expected), "target": fv(r.target),
            "attainment": format_percent(r.attainment, 0, lang),
            "projection": fv(r.projection),
            "interval": f"{fv(r.low)} – {fv(r.high)}" if r.low == r.low else "–",
            "probability": format_percent(r.probability, 0, lang),
            "change_ly": (format_change(getattr(r, "change_ly", float("nan")), lang) + sig),
        })
    return rename(pd.DataFrame(rows).rename(columns=cols), lang)


def evaluation_figures(data: pd.DataFrame, ev: Any, *, lang: str | None = None) -> dict[str, Any]:
    """Scorecard, then per KPI a pacing chart and the attribution waterfall."""
    lang = resolve_lang(lang)
    from kpikit.analysis.series import pacing_series
    from kpikit.views import charts

    cur = data.attrs.get("currency")
    figs = {"scorecard": charts.scorecard_chart(ev, lang=lang, currency=cur)}
    with using_language(lang):
        target, actual = tr("target"), tr("actual")
        last_year, now = tr("last year"), tr("now")
    for r in ev.totals().itertuples():
        if r.status != "no data" and r.expected == r.expected:
            figs[f"pacing_{r.kpi}"] = charts.pacing_chart(
                pacing_series(data, ev, r.kpi), r.kpi, lang=lang, currency=cur, status=r.status)
        tables = ev.drivers.get(r.kpi, {})
        if "gap" in tables:
            figs[f"gap_{r.kpi}"] = charts.waterfall_chart(
                tables["gap"], lang=lang, currency=cur, before_label=target,
                after_label=actual)
        elif "change" in tables:
            figs[f"change_{r.kpi}"] = charts.waterfall_chart(
                tables["change"], lang=lang, currency=cur, before_label=last_year,
                after_label=now)
    return figs


def diagnosis(ev: Any) -> list[str]:
    """Summary lines of the KPIs that are off track, at risk or missed (all, if none)."""
    from kpikit.views.prose import summary_lines

    lines = summary_lines(ev)
    bad = [text for text, status in zip(lines, ev.totals()["status"], strict=True)
           if status in ("off track", "missed", "at risk")]
    return bad or list(lines)


# ----------------------------------------------------------- 03 optimization


def verdict_text(verdict: str, lang: str | None = None) -> str:
    """What an allocation's verdict (``act``, ``keep``, ...) says, in ``lang``."""
    with using_language(resolve_lang(lang)):
        return {"act": tr("supported: act on it"),
                "keep": tr("not supported: keep the mix and test first"),
                "single": tr("one channel: nothing to reallocate"),
                "no change": tr("no change")}.get(verdict, verdict)


def gain_line(allocation: Any, lang: str | None = None, currency: str | None = None) -> str:
    """The paired gain with its interval, probability and verdict, in ``lang``."""
    lang = resolve_lang(lang)
    from kpikit.catalog import MEASURES
    from kpikit.i18n.formats import format_money

    money = allocation.outcome in MEASURES and MEASURES[allocation.outcome].money

    def amount(v: float) -> str:
        text = format_money(abs(v), currency, lang) if money else format_number(abs(v), 0, lang)
        return ("+" if v >= 0 else "-") + text if v == v else "–"

    p = allocation.prob_gain
    return line("gain", lang, gain=amount(allocation.gain), low=amount(allocation.gain_low),
                high=amount(allocation.gain_high),
                p="–" if p != p else format_change(p, lang, 0).lstrip("+"),
                verdict=verdict_text(allocation.verdict, lang))


def holdout_lines(curves: Mapping[str, Any], lang: str | None = None) -> list[str]:
    """Per curve: R² beside its time-ordered holdout error (and whether it passed)."""
    lang = resolve_lang(lang)
    with using_language(lang):
        failed = tr(" – FAILED")
    out = []
    for ch, c in curves.items():
        if not c.holdout_n:
            continue
        out.append(line("holdout", lang, channel=ch, r2=format_number(c.r2, 2, lang),
                        error=format_change(c.holdout_mape, lang, 1).lstrip("+"),
                        naive=format_change(c.holdout_naive, lang, 1).lstrip("+"),
                        n=c.holdout_n, flag="" if c.holdout_ok else failed))
    return out
