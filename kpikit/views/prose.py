"""Sentences that explain analysis results: statuses, evaluation summaries, budget advice.

The analysis layer returns values (an :class:`~kpikit.analysis.evaluate.Evaluation`,
an :class:`~kpikit.analysis.optimize.Allocation`, status codes such as
``"off track"``); this module turns them into words in the reader's language.
Every sentence is one ``tr(english, vietnamese)`` pair whose two f-strings use the
same values, formatted once by the language-aware formatters of
:mod:`kpikit.i18n.formats`, so a message catalog can take them over unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from kpikit.analysis.evaluate import Evaluation
from kpikit.analysis.optimize import Allocation, ResponseCurve
from kpikit.catalog import KPI, MEASURES, get_kpi
from kpikit.i18n.formats import (
    format_change,
    format_date,
    format_money,
    format_number,
    format_value,
)
from kpikit.i18n.lang import resolve_lang, tr, using_language

__all__ = ["accountability", "recommendations", "status_text", "summary_lines"]


def status_text(status: str, lang: str | None = None) -> str:
    """The words for a status code of :data:`kpikit.analysis.status.STATUSES`.

    An unknown code is returned as it is (a status written by a newer version).
    """
    with using_language(resolve_lang(lang)):
        if status == "on track":
            return tr("on track")
        if status == "at risk":
            return tr("at risk")
        if status == "off track":
            return tr("off track")
        if status == "achieved":
            return tr("achieved")
        if status == "missed":
            return tr("missed")
        if status == "too early":
            return tr("too early to judge")
        if status == "no data":
            return tr("no data")
    return status


# ------------------------------------------------------------ evaluation summary


def _known(value: Any) -> bool:
    """True for a value a row really holds (frames fill absent ones with NaN)."""
    if value is None:
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def _trend_word(verdict: str) -> str:
    if verdict == "improving":
        return tr("improving")
    if verdict == "worsening":
        return tr("worsening")
    return tr("no clear trend")


def _segment_word(by: str) -> str:
    if by == "campaign":
        return tr("campaign")
    return tr("channel")


def _summary_line(ev: Evaluation, total: Mapping[str, Any], lang: str) -> str:
    """One KPI's sentence: status, actual against target, projection, why it moved."""
    k = get_kpi(str(total["kpi"]))
    drivers = ev.drivers.get(k.name)
    seg = ev.segments.get(k.name)

    def fv(v: float, kpi: str | KPI = k) -> str:
        return format_value(v, kpi, lang=lang, currency=ev.currency)

    status = str(total["status"])
    label, word = k.label(lang), status_text(status, lang)
    actual, target = fv(total["actual"]), fv(total["target"])
    pace = ""
    if _known(total.get("expected")) and status not in ("achieved", "missed"):
        expected = fv(total["expected"])
        pace = tr(" (expected to date {expected})", expected=expected)
    text = tr("{label}: {word}. Actual {actual} vs target {target}{pace}.", label=label, word=word,
              actual=actual, target=target, pace=pace)
    goal = total.get("goal")
    if goal in ("stay below", "stay above") and _known(total.get("periods_finished")):
        n, m = int(total["periods_broken"]), int(total["periods_finished"])
        if goal == "stay below":
            text += tr(" Goal: stay below {target} in every period; {n} of {m} finished periods "
                       "broke it.", target=target, n=n, m=m)
        else:
            text += tr(" Goal: stay above {target} in every period; {n} of {m} finished periods "
                       "broke it.", target=target, n=n, m=m)
    elif status in ("on track", "at risk", "off track") and _known(total.get("projection")) \
            and _known(total.get("probability")):
        proj = fv(total["projection"])
        prob = format_change(total["probability"], lang, 0).lstrip("+")
        text += tr(" Projected {proj}, {prob} chance to reach the target.", proj=proj, prob=prob)
    if _known(total.get("trend")) and _known(total.get("trend_months")) \
            and total["trend_months"] >= 4:
        n, t = int(total["trend_months"]), _trend_word(str(total["trend"]))
        text += tr(" Trend over {n} months: {t}.", n=n, t=t)
    if _known(total.get("p_ly")):
        significant = bool(total["significant_ly"])
        p = format_number(total["p_ly"], 3 if significant else 2, lang)
        c = format_change(total["change_ly"], lang)
        if significant:
            text += tr(" The change against last year ({c}) is significant (p={p}).", c=c, p=p)
        else:
            text += tr(" The change against last year ({c}) is not significant (p={p}).", c=c, p=p)
    if _known(total.get("lag_days")) and total["lag_days"] > 0:
        d, n = pd.Timestamp(total["data_end"]).date(), int(total["lag_days"])
        # the day as the reader's locale writes it; English keeps ISO, as the reports always did
        day = format_date(d, lang) if lang != "en" else d.isoformat()
        text += tr(" Data ends {day} ({n} days before as_of): those days are projected, not "
                   "counted as zero.", day=day, n=n)
    if _known(total.get("estimated")) and bool(total["estimated"]):
        text += tr(" Estimated: rows covering several days are spread evenly over their days, and "
                   "the window cuts one.")
    text += _drivers_sentence(drivers, status, k, fv, lang)
    if seg is not None and len(seg):
        r = seg.iloc[0]
        by = _segment_word(seg.attrs.get("by", "channel"))
        sign, amount = ("+" if r.total >= 0 else "-"), fv(abs(r.total))
        s_text = f"{r.segment} {sign}{amount}"
        if "mix" in seg:
            mix, rate = fv(r.mix), fv(r.rate)
            s_text += tr(" (mix {mix}, rate {rate})", mix=mix, rate=rate)
        text += tr(" By {by}: {s_text}.", by=by, s_text=s_text)
    return text


def _drivers_sentence(drivers: Mapping[str, pd.DataFrame] | None, status: str, k: KPI,
                      fv: Any, lang: str) -> str:
    """The two biggest drivers: of the gap to target when behind, else of the change."""
    table = (drivers or {}).get("gap") if status in ("off track", "at risk", "missed") else None
    gap = table is not None
    if table is None:
        table = (drivers or {}).get("change")
    if table is None or not len(table):
        return ""
    top = table.reindex(table["effect"].abs().sort_values(ascending=False).index).head(2)
    parts = [f"{get_kpi(r.driver).label(lang).split(' (')[0]} "
             f"{format_change(r.change, lang)} ({'+' if r.effect >= 0 else '-'}"
             f"{fv(abs(r.effect), table.attrs.get('goal', k.name))})"
             for r in top.itertuples()]
    d = ", ".join(parts)
    if gap:
        return tr(" Behind the gap to target: {d}.", d=d)
    return tr(" Biggest drivers against last year: {d}.", d=d)


def summary_lines(ev: Evaluation, lang: str | None = None) -> tuple[str, ...]:
    """One plain-language line per KPI of ``ev`` (in the order of :meth:`Evaluation.totals`).

    ``lang`` defaults to the language asked of :func:`~kpikit.analysis.evaluate.evaluate`,
    and to the current language when none was.
    """
    lang = resolve_lang(lang if lang is not None else ev.lang)
    with using_language(lang):
        return tuple(_summary_line(ev, row, lang)
                     for row in ev.totals().to_dict("records"))


def accountability(ev: Evaluation, lang: str | None = None) -> pd.DataFrame:
    """Owners and their KPIs with status, attainment and projection (whole period)."""
    lang = resolve_lang(lang)
    t = ev.totals()
    out = pd.DataFrame({
        "owner": t["owner"], "kpi": [get_kpi(k).label(lang) for k in t["kpi"]],
        "horizon": t["horizon"], "status": [status_text(s, lang) for s in t["status"]],
        "attainment": t["attainment"], "probability": t["probability"],
    })
    return out.sort_values(["owner", "kpi"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ budget advice


def recommendations(a: Allocation, *, evaluation: Evaluation | None = None,
                    lang: str | None = None, currency: str | None = None,
                    curves: Mapping[str, ResponseCurve] | None = None) -> list[str]:
    """Plain-language actions ordered by expected impact, after the evaluation's diagnosis.

    With an evaluation, its off-track and missed KPIs (and their drivers) come first.
    Every amount of money carries ``currency``. When the paired gain is not supported
    (probability under 80%, interval including zero, or a curve failing its holdout)
    the advice is to keep the mix and test first; with one channel, its budget curve
    (pass ``curves`` for the outcome at other spends).
    """
    lang = resolve_lang(lang)
    with using_language(lang):
        return _advice(a, evaluation, lang, currency, curves)


def _advice(a: Allocation, evaluation: Evaluation | None, lang: str, currency: str | None,
            curves: Mapping[str, ResponseCurve] | None) -> list[str]:
    lines = []
    if evaluation is not None:
        rows = evaluation.totals()
        for r, line in zip(rows.itertuples(), summary_lines(evaluation, lang), strict=True):
            if r.status in ("off track", "missed", "at risk"):
                lines.append(tr("Why act: {line}", line=line))
    out = MEASURES[a.outcome].label(lang).lower() if a.outcome in MEASURES else a.outcome
    money_out = a.outcome in MEASURES and MEASURES[a.outcome].money
    unit = currency or tr("unit")
    others = a.table["marginal_current"].mean()

    def amount(v: float) -> str:
        """An outcome amount: money (with its currency) for revenue, a count otherwise."""
        return format_money(v, currency, lang) if money_out else format_number(v, 0, lang)

    def signed(v: float) -> str:
        return ("+" if v >= 0 else "-") + amount(abs(v))

    def money(v: float) -> str:
        return format_money(v, currency, lang)

    verdict = a.verdict
    if verdict == "single":
        r = a.table.iloc[0]
        c = (curves or {}).get(r.channel)
        ch, s0 = r.channel, float(r.current)
        s_lo, s_hi = 0.8 * s0, 1.2 * s0
        o_lo = amount(float(c.predict(s_lo)) if c is not None else math.nan)
        o_hi = amount(float(c.predict(s_hi)) if c is not None else math.nan)
        o0, m = amount(float(r.outcome_current)), format_number(r.marginal_current, 2, lang)
        at, lo_s, hi_s = money(s0), money(s_lo), money(s_hi)
        lines.append(tr("{ch} is the only channel: there is nothing to reallocate. Use its budget "
                        "curve instead: at {at} a period it returns {m} {out} per extra {unit}; "
                        "{lo_s} gives {o_lo} and {hi_s} gives {o_hi} {out} (now {o0}).", ch=ch,
                        at=at, m=m, out=out, unit=unit, lo_s=lo_s, o_lo=o_lo, hi_s=hi_s, o_hi=o_hi,
                        o0=o0))
        return lines
    if verdict == "keep":
        lines.append(_keep_line(a, lang, signed))
    else:
        for r in a.table.itertuples():
            lines.append(_channel_line(a, r, lang, unit, out, money, signed, others))
    if a.prob_gain == a.prob_gain and verdict != "no change":
        g, glo, ghi = signed(a.gain), signed(a.gain_low), signed(a.gain_high)
        p = format_change(a.prob_gain, lang, 0).lstrip("+")
        lines.append(tr("Gain of the recommendation, paired on the same curve draws: {g} (90% "
                        "interval {glo} to {ghi}); {p} of the draws gain.", g=g, glo=glo, ghi=ghi,
                        p=p))
    b0, b1 = amount(a.outcome_current), amount(a.outcome_recommended)
    lift, lo, hi = format_change(a.lift, lang), amount(a.outcome_low), amount(a.outcome_high)
    spend, spend0 = money(a.spend_recommended), money(a.spend_current)
    lines.append(tr("In all: {out} from {b0} to {b1} ({lift}; 90% interval {lo} to {hi}) for "
                    "{spend} spent a period, against {spend0} now.", out=out, b0=b0, b1=b1,
                    lift=lift, lo=lo, hi=hi, spend=spend, spend0=spend0))
    return lines


def _keep_line(a: Allocation, lang: str, signed: Any) -> str:
    """Keep the mix and test first: the reasons the fit does not support a move."""
    why = []
    if a.failed_holdout:
        chs = ", ".join(a.failed_holdout)
        why.append(tr("the curves of {chs} fail their time-ordered holdout", chs=chs))
    if a.prob_gain == a.prob_gain and a.prob_gain < 0.8:
        p = format_change(a.prob_gain, lang, 0).lstrip("+")
        why.append(tr("only {p} of the paired draws gain, below 80%", p=p))
    if a.gain_low == a.gain_low and a.gain_low <= 0 <= a.gain_high:
        glo, ghi = signed(a.gain_low), signed(a.gain_high)
        why.append(tr("the 90% interval of the gain, {glo} to {ghi}, includes zero", glo=glo,
                      ghi=ghi))
    big = a.table.iloc[0]  # sorted by impact
    reasons, ch = "; ".join(why), big.channel
    pct = format_change(0.2 if big.change > 0 else -0.2, lang, 0)
    return tr("Keep the current mix: the fit does not support moving budget ({reasons}). Test "
              "{ch} first (e.g. {pct} for a few weeks against a hold-out period) and refit.",
              reasons=reasons, ch=ch, pct=pct)


def _channel_line(a: Allocation, r: Any, lang: str, unit: str, out: str, money: Any,
                  signed: Any, others: float) -> str:
    """One channel's action: raise, cut or keep, with its marginal return."""
    ch, why = r.channel, r.why
    if abs(r.change) <= 0.005 * max(r.current, 1e-9):
        return tr("Keep {ch} as it is: {why}.", ch=ch, why=why)
    pct, amt = format_change(r.change_pct, lang), money(abs(r.change))
    m, imp = format_number(r.marginal_current, 2, lang), signed(r.impact)
    if r.change > 0:
        cut = a.table.loc[a.table["change"] < 0, "marginal_current"]
        rest = cut.mean() if len(cut) else math.nan
        avg = format_number(rest if rest == rest else others, 2, lang)
        return tr("Raise {ch} by {pct} ({amt} a period): each extra {unit} of spend there returns "
                  "{m} {out}, against {avg} in the channels that give budget up; expected {imp} "
                  "{out}.", ch=ch, pct=pct, amt=amt, unit=unit, m=m, out=out, avg=avg, imp=imp)
    return tr("Cut {ch} by {pct} ({amt} a period): its last {unit} of spend returns only {m} "
              "{out}; expected {imp} {out}.", ch=ch, pct=pct, amt=amt, unit=unit, m=m, out=out,
              imp=imp)
