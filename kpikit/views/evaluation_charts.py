"""Evaluation charts: the scorecard, pacing against the plan, the waterfall of an attribution
and the daily trend with its anomalies."""

from __future__ import annotations

import plotly.graph_objects as go

from kpikit.catalog import get_kpi
from kpikit.i18n.formats import format_date, format_value
from kpikit.i18n.lang import LOCALES, resolve_lang, tr, using_language
from kpikit.safety import plot_text
from kpikit.views.chart_style import (
    COLORS,
    axis_format,
    day_axis,
    figure,
    finish,
    short_label,
)

__all__ = ["STATUS_COLORS", "pacing_chart", "scorecard_chart", "trend_chart", "waterfall_chart"]

STATUS_COLORS = {"on track": "#27ae60", "achieved": "#1e8449", "at risk": "#e67e22",
                 "off track": "#c0392b", "missed": "#922b21", "too early": "#95a5a6",
                 "no data": "#bdc3c7"}


def _currency_symbol(currency: str | None, lang: str) -> str:
    """The sign CLDR gives ``currency`` in ``lang`` (₫, $, US$), or the code itself."""
    if not currency:
        return ""
    from babel.numbers import get_currency_symbol

    return get_currency_symbol(currency, locale=LOCALES[lang])


def _symbol_after(lang: str) -> bool:
    """True when ``lang``'s CLDR money pattern puts the currency after the number
    (``1.234 ₫`` in Vietnamese and French, ``₫1,234`` in English)."""
    from babel import Locale

    pattern = Locale.parse(LOCALES[lang]).currency_formats["standard"].pattern
    return pattern.split(";")[0].rstrip().endswith("¤")


# scales for amounts too long for a bullet chart, largest first: (divisor, scale)
_SCALES = ((1e12, "trillions"), (1e9, "billions"), (1e6, "millions"))
# stands for plotly's number in a scale's words, so that the words around it are found
_NUMBER = "\x00"


def _scale(top: float, unit: str) -> tuple[float, str]:
    """``(divisor, scale)`` so that amounts up to ``top`` read short (14,3 tỷ), else
    ``(1.0, "")``."""
    if unit in ("currency", "count"):
        for d, scale in _SCALES:
            if top >= d:
                return d, scale
    return 1.0, ""


def _scale_words(scale: str) -> tuple[str, str]:
    """What goes before and after a number of ``scale`` in the current language:
    ``("", "B")`` in English (14.3B), ``("", " tỷ")`` in Vietnamese (14,3 tỷ)."""
    if scale == "trillions":
        text = tr("{number}T", context="trillions", number=_NUMBER)
    elif scale == "billions":
        text = tr("{number}B", context="billions", number=_NUMBER)
    elif scale == "millions":
        text = tr("{number}M", context="millions", number=_NUMBER)
    else:
        return "", ""
    if _NUMBER not in text:  # a translation that lost its {number}: its words after it
        return "", f" {text}"
    before, _, after = text.partition(_NUMBER)
    return before, after


def _number_format(unit: str, currency: str | None, lang: str, scale: str = "") -> dict:
    """The indicator number as the reader writes it: ``14,3 tỷ ₫`` (vi), ``₫14.3B`` (en)."""
    if unit == "percent":
        return {"valueformat": ".2%"}
    if unit == "ratio":
        return {"valueformat": ".2f", "suffix": "x"}
    with using_language(lang):
        prefix, suffix = _scale_words(scale)
    sym = _currency_symbol(currency, lang) if unit == "currency" else ""
    if sym:
        # the symbol goes where the language's money puts it (14,3 tỷ ₫); before the number
        # only a one-sign symbol (₫14.3B), a code-like one after it (14.3B XYZ)
        if len(sym) == 1 and not _symbol_after(lang):
            prefix = sym + prefix
        else:
            suffix += f" {sym}"
    out = {"valueformat": ",.1f" if scale else ",.0f"}
    if prefix:
        out["prefix"] = prefix
    if suffix:
        out["suffix"] = suffix
    return out


def _gauge_axis(unit: str, scaled: bool) -> dict:
    """Gauge ticks as the number: percentages (0,5%-2,5%), not 0.005-0.025."""
    if unit == "percent":
        return {"tickformat": ".1~%"}
    if unit == "ratio":
        return {"tickformat": ".2~f", "ticksuffix": "x"}
    return {"tickformat": ",.1~f" if scaled else ",~f"}


def scorecard_chart(ev, *, lang: str | None = None, currency: str | None = None) -> go.Figure:
    """One bullet chart per KPI: actual to date against the target, coloured by status.

    The bar is the actual, the black line the target, the pale band the value
    expected by now (pacing); the delta compares the actual with that expectation.
    """
    lang = resolve_lang(lang)
    from kpikit.views.prose import status_text

    t = ev.totals()
    n = len(t)
    fig = figure()
    for j, r in enumerate(t.itertuples()):
        k = get_kpi(r.kpi)
        y0, y1 = 1 - (j + 1) / n, 1 - j / n
        values = [v for v in (r.actual, r.target, r.expected, r.projection) if v == v]
        top = max(values) * 1.15 if values else 1.0
        # long amounts are shown in millions or billions: 14,3 tỷ ₫ fits, 14.348.926.000 ₫
        # is clipped; every value of the gauge is divided alike, so the bars still compare
        d, scale = _scale(top, k.unit)
        fmt = _number_format(k.unit, currency, lang, scale)
        actual, target, expected = (v / d for v in (r.actual, r.target, r.expected))
        top /= d
        steps = []
        if expected == expected:
            lo, hi = sorted((0.97 * expected, 1.03 * expected))
            steps.append({"range": [lo, hi], "color": "rgba(52,73,94,0.15)"})
        fig.add_trace(go.Indicator(
            mode="number+gauge+delta", value=actual if actual == actual else 0,
            number={**fmt, "font": {"size": 17}},
            # the delta compares with what was expected by now (the pace), not the full target
            delta={"reference": expected if expected == expected else target,
                   "relative": True, "valueformat": ".1%",
                   "increasing": {"color": "#27ae60" if k.higher_is_better else "#c0392b"},
                   "decreasing": {"color": "#c0392b" if k.higher_is_better else "#27ae60"}},
            domain={"x": [0.34, 0.86], "y": [y0 + 0.03, y1 - 0.05]},
            gauge={"shape": "bullet",
                   "axis": {"range": [0, top], **_gauge_axis(k.unit, d != 1.0)},
                   "bar": {"color": STATUS_COLORS[r.status], "thickness": 0.45},
                   "threshold": {"line": {"color": "black", "width": 3}, "thickness": 0.9,
                                 "value": target}, "steps": steps},
        ))
        fig.add_annotation(
            # centred on the gauge's own band: "auto" anchors the top third of the paper by
            # the top and the bottom third by the bottom, so labels drifted off their bars
            x=0.32, y=(y0 + 0.03 + y1 - 0.05) / 2, xref="paper", yref="paper", xanchor="right",
            yanchor="middle", showarrow=False, align="right",
            text=(f"<b>{short_label(r.kpi, lang)}</b><br>"
                  f"<span style='color:{STATUS_COLORS[r.status]}'>{status_text(r.status, lang)}"
                  f"</span><br><span style='font-size:11px;color:#777'>"
                  f"{plot_text(r.owner)}</span>"))
    with using_language(lang):
        title = tr("Scorecard as of {day}", day=format_date(ev.as_of, lang))
    fig.update_layout(title=title, height=90 * n + 80,
                      margin={"l": 20, "r": 30, "t": 60, "b": 20})
    return finish(fig, lang)


def pacing_chart(series, kpi: str, *, lang: str | None = None, currency: str | None = None,
                 status: str | None = None) -> go.Figure:
    """Actual to date against the expected path, the target and the forecast band."""
    lang = resolve_lang(lang)
    k = get_kpi(kpi)
    goal = series.attrs.get("goal", "reach")
    with using_language(lang):
        text = (tr("Actual"), tr("Expected"), tr("Target"), tr("Forecast"), tr("90% band"))
        # a floor or ceiling that holds every period is named as such
        name = (tr("Ceiling") if goal == "stay below" else tr("Floor") if goal == "stay above"
                else text[2])
        label = k.label(lang) if k.is_ratio else tr("{kpi} (cumulative)", kpi=k.label(lang))
    x = series.index
    fig = figure()
    if "high" in series:
        fig.add_trace(go.Scatter(x=x, y=series["high"], line={"width": 0}, showlegend=False,
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=series["low"], line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(31,78,121,0.15)", name=text[4],
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=series["projection"], name=text[3],
                                 line={"color": COLORS["line"], "dash": "dot"}))
    fig.add_trace(go.Scatter(x=x, y=series["expected"], name=text[1],
                             line={"color": "#7f8c8d", "dash": "dash"}))
    fig.add_trace(go.Scatter(x=x, y=series["actual"], name=text[0],
                             line={"color": COLORS["line"], "width": 3}))
    if series["target"].nunique() > 1:  # a schedule: the target changes by date
        fig.add_trace(go.Scatter(x=x, y=series["target"], name=name, line_shape="hv",
                                 line={"color": COLORS["target"]}))
    else:
        fig.add_hline(y=float(series["target"].iloc[0]), line={"color": COLORS["target"]},
                      annotation_text=f"{name}: " + format_value(
                          float(series["target"].iloc[0]), k, lang=lang, currency=currency),
                      annotation_position="top left")
    if status:
        from kpikit.views.prose import status_text

        label += f" · {status_text(status, lang)}"
    fig.update_layout(title=label, height=380, legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(**axis_format(k.unit))
    return finish(day_axis(fig, lang), lang)


def waterfall_chart(table, *, lang: str | None = None, currency: str | None = None,
                    title: str | None = None, before_label: str | None = None,
                    after_label: str | None = None) -> go.Figure:
    """An attribution (:func:`kpikit.analysis.attribution.lmdi`) as a waterfall."""
    lang = resolve_lang(lang)
    goal = get_kpi(table.attrs["goal"])
    with using_language(lang):
        b0, b1 = before_label or tr("before"), after_label or tr("after")
    x = [b0] + [short_label(d, lang) for d in table["driver"]] + [b1]
    y = [table.attrs["before"], *table["effect"].tolist(), table.attrs["after"]]
    measure = ["absolute"] + ["relative"] * len(table) + ["total"]
    labels = [format_value(v, goal, lang=lang, currency=currency) for v in y]
    labels[1:-1] = [("+" if v >= 0 else "−") + format_value(abs(v), goal, lang=lang,
                                                             currency=currency)
                    for v in table["effect"]]
    good, bad = "#27ae60", "#c0392b"
    up, down = (good, bad) if goal.higher_is_better else (bad, good)
    fig = figure(go.Waterfall(
        x=x, y=y, measure=measure, text=labels, textposition="outside",
        increasing={"marker": {"color": up}}, decreasing={"marker": {"color": down}},
        totals={"marker": {"color": COLORS["line"]}}, connector={"line": {"color": "#aaa"}}))
    fig.update_layout(title=plot_text(title) if title else goal.label(lang), height=380,
                      showlegend=False)
    fig.update_yaxes(**axis_format(goal.unit))
    return finish(fig, lang)


def trend_chart(values, flags, kpi: str, *, lang: str | None = None,
                currency: str | None = None) -> go.Figure:
    """Daily KPI with a 7-day mean and the days flagged as anomalies."""
    lang = resolve_lang(lang)
    k = get_kpi(kpi)
    with using_language(lang):
        words = (tr("daily"), tr("7-day mean"), tr("anomaly"))
    fig = figure()
    fig.add_trace(go.Scatter(x=values.index, y=values, name=words[0], mode="lines",
                             line={"color": "#aab7c4", "width": 1}))
    fig.add_trace(go.Scatter(x=values.index, y=values.rolling(7, min_periods=1).mean(),
                             name=words[1], line={"color": COLORS["line"], "width": 2.5}))
    odd = values[flags.reindex(values.index, fill_value=False)]
    fig.add_trace(go.Scatter(x=odd.index, y=odd, mode="markers", name=words[2],
                             marker={"color": COLORS["target"], "size": 9, "symbol": "x"}))
    fig.update_layout(title=k.label(lang), height=340, legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(**axis_format(k.unit))
    return finish(day_axis(fig, lang), lang)
