"""Evaluation charts: the scorecard, pacing against the plan, the waterfall of an attribution
and the daily trend with its anomalies."""

from __future__ import annotations

import plotly.graph_objects as go

from kpikit.catalog import get_kpi
from kpikit.i18n.formats import format_value
from kpikit.i18n.lang import resolve_lang
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

    from kpikit.i18n.lang import LOCALES

    return get_currency_symbol(currency, locale=LOCALES[lang])


# scales for amounts too long for a bullet chart: (divisor, English, Vietnamese)
_SCALES = ((1e12, "T", "nghìn tỷ"), (1e9, "B", "tỷ"), (1e6, "M", "tr"))


def _scale(top: float, unit: str) -> tuple[float, str, str]:
    """``(divisor, en, vi)`` so that amounts up to ``top`` read short (14,3 tỷ), else 1."""
    if unit in ("currency", "count"):
        for d, en, vi in _SCALES:
            if top >= d:
                return d, en, vi
    return 1.0, "", ""


def _number_format(unit: str, currency: str | None, lang: str,
                   word: tuple[str, str] = ("", "")) -> dict:
    """The indicator number as the reader writes it: ``14,3 tỷ ₫`` (vi), ``₫14.3B`` (en)."""
    if unit == "percent":
        return {"valueformat": ".2%"}
    if unit == "ratio":
        return {"valueformat": ".2f", "suffix": "x"}
    scaled = any(word)
    fmt = ",.1f" if scaled else ",.0f"
    sym = _currency_symbol(currency, lang) if unit == "currency" else ""
    if lang == "vi":
        tail = " ".join(t for t in (word[1], sym) if t)
        return {"valueformat": fmt, **({"suffix": f" {tail}"} if tail else {})}
    out = {"valueformat": fmt, **({"suffix": word[0]} if word[0] else {})}
    if sym:
        # a one-sign symbol goes before the number (₫1.2B); a code-like one after it
        if len(sym) == 1:
            out["prefix"] = sym
        else:
            out["suffix"] = out.get("suffix", "") + f" {sym}"
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
        d, word_en, word_vi = _scale(top, k.unit)
        fmt = _number_format(k.unit, currency, lang, (word_en, word_vi))
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
            x=0.32, y=(y0 + y1) / 2, xref="paper", yref="paper", xanchor="right",
            showarrow=False, align="right",
            text=(f"<b>{short_label(r.kpi, lang)}</b><br>"
                  f"<span style='color:{STATUS_COLORS[r.status]}'>{status_text(r.status, lang)}"
                  f"</span><br><span style='font-size:11px;color:#777'>"
                  f"{plot_text(r.owner)}</span>"))
    title = {"en": "Scorecard as of {d}", "vi": "Bảng điểm ngày {d}"}[lang if lang == "vi"
                                                                       else "en"]
    fig.update_layout(title=title.format(d=ev.as_of), height=90 * n + 80,
                      margin={"l": 20, "r": 30, "t": 60, "b": 20})
    return finish(fig, lang)


def pacing_chart(series, kpi: str, *, lang: str | None = None, currency: str | None = None,
                 status: str | None = None) -> go.Figure:
    """Actual to date against the expected path, the target and the forecast band."""
    lang = resolve_lang(lang)
    k = get_kpi(kpi)
    text = {"en": ("Actual", "Expected", "Target", "Forecast", "90% band"),
            "vi": ("Thực tế", "Kỳ vọng", "Chỉ tiêu", "Dự báo", "Khoảng 90%")}[
        "vi" if lang == "vi" else "en"]
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
    goal = series.attrs.get("goal", "reach")
    # a floor or ceiling that holds every period is named as such
    name = {"stay below": {"en": "Ceiling", "vi": "Mức trần"},
            "stay above": {"en": "Floor", "vi": "Mức sàn"}}.get(goal, {}).get(
        "vi" if lang == "vi" else "en", text[2])
    if series["target"].nunique() > 1:  # a schedule: the target changes by date
        fig.add_trace(go.Scatter(x=x, y=series["target"], name=name, line_shape="hv",
                                 line={"color": COLORS["target"]}))
    else:
        fig.add_hline(y=float(series["target"].iloc[0]), line={"color": COLORS["target"]},
                      annotation_text=f"{name}: " + format_value(
                          float(series["target"].iloc[0]), k, lang=lang, currency=currency),
                      annotation_position="top left")
    label = k.label(lang) + ("" if k.is_ratio else {"en": " (cumulative)",
                                                    "vi": " (lũy kế)"}.get(lang, ""))
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
    words = {"en": ("before", "after"), "vi": ("trước", "sau")}["vi" if lang == "vi" else "en"]
    b0, b1 = before_label or words[0], after_label or words[1]
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
    words = {"en": ("daily", "7-day mean", "anomaly"), "vi": ("theo ngày", "trung bình 7 ngày",
                                                              "bất thường")}[
        "vi" if lang == "vi" else "en"]
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
