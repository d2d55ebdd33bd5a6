"""Plotly figures: pure functions, data in and ``go.Figure`` out.

Importing this module loads plotly; ``import kpikit`` does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from kpikit.catalog import get_kpi
from kpikit.i18n.formats import format_change, format_percent, format_value
from kpikit.i18n.lang import resolve_lang
from kpikit.plans import Cascade, Feasibility, feasibility_word
from kpikit.safety import plot_text

__all__ = ["feasibility_chart", "kpi_tree_chart", "short_label", "style"]

COLORS = {
    "line": "#1f4e79", "target": "#c0392b", "easy": "rgba(149,165,166,0.18)",
    "realistic": "rgba(39,174,96,0.16)", "ambitious": "rgba(243,156,18,0.18)",
    "out of reach": "rgba(192,57,43,0.14)", "box": "#eef3f8", "goal": "#1f4e79",
}
_TEXT = {
    "en": {"target": "Target", "per_day": "per day", "history": "History",
           "pct": "beats {p:.0f}% of past periods", "tree": "KPI tree", "baseline": "baseline",
           "covers": "the tree covers {c} of {goal}"},
    "vi": {"target": "Mục tiêu", "per_day": "mỗi ngày", "history": "Lịch sử",
           "pct": "tốt hơn {p:.0f}% các kỳ trước", "tree": "Cây KPI", "baseline": "cơ sở",
           "covers": "cây bao phủ {c} {goal}"},
}


def short_label(kpi: str, lang: str | None = None) -> str:
    """A KPI's label without its parenthesis: ``CTR``, ``Doanh thu``."""
    lang = resolve_lang(lang)
    return get_kpi(kpi).short_label(lang)


_TEMPLATE: go.layout.Template | None = None


def _template() -> go.layout.Template:
    """plotly_white without its 3-D, map and colour-scale parts, which no kpikit chart
    uses: the same look, and a tenth of the cost (plotly copies the template into every
    figure)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        import plotly.io as pio

        white = pio.templates["plotly_white"]
        keep = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel",
                "paper_bgcolor", "plot_bgcolor", "xaxis", "yaxis", "shapedefaults",
                "annotationdefaults", "title")
        _TEMPLATE = go.layout.Template(
            layout={k: white.layout[k] for k in keep},
            data={"bar": white.data.bar, "scatter": white.data.scatter})
    return _TEMPLATE


def _born_styled(make: Callable[[], go.Figure]) -> go.Figure:
    """``make()``'s figure, born with the house template.

    plotly copies and re-validates a template assigned to a figure (about 6 ms a
    figure) but takes its default template as it is, so the figure is made while the
    house template is the default. Where this plotly has no such default to swap, the
    template is assigned afterwards instead (same look, slower).
    """
    import plotly.io as pio

    templates = pio.templates
    if "kpikit" not in templates:
        templates["kpikit"] = _template()
    if not hasattr(templates, "_default"):
        return make().update_layout(template=_template())
    before = templates._default
    templates._default = "kpikit"
    try:
        return make()
    finally:
        templates._default = before


def _figure(*args: Any, **kwargs: Any) -> go.Figure:
    """``go.Figure(...)`` born with the house template."""
    return _born_styled(lambda: go.Figure(*args, **kwargs))


def style(fig: go.Figure, lang: str | None = None) -> go.Figure:
    """House style: white, compact, separators of ``lang`` (``1.234,5`` in Vietnamese)."""
    lang = resolve_lang(lang)
    return _finish(fig.update_layout(template=_template()), lang)


def _finish(fig: go.Figure, lang: str) -> go.Figure:
    """The rest of the house style, for a figure that already has the house template."""
    return fig.update_layout(
        separators=",." if lang == "vi" else ".,",
        font={"family": "Inter, Segoe UI, Arial, sans-serif", "size": 13},
        margin={"l": 60, "r": 30, "t": 60, "b": 40}, hoverlabel={"namelength": -1},
    )


def _day_axis(fig: go.Figure, lang: str) -> go.Figure:
    """A date x axis as the reader writes days: 05/02/2027 in Vietnamese (plotly's own
    labels, "Feb 5", are English only)."""
    if lang == "vi":
        fig.update_xaxes(tickformat="%d/%m/%Y", hoverformat="%d/%m/%Y")
    return fig


def _axis_format(unit: str) -> dict:
    if unit == "percent":
        return {"tickformat": ".2~%"}
    if unit == "ratio":
        return {"ticksuffix": "x", "tickformat": ".2~f"}
    return {"tickformat": ",.0f"}


def _period_text(p: Any, freq: str, lang: str) -> str:
    """A period of a category axis as the reader writes it: a week by its first day
    (06/01/2025 in Vietnamese), a month as 01/2025, a quarter as Q1/2025 (Quý 1/2025)."""
    from kpikit.i18n.formats import format_date, format_month

    if freq == "W" or getattr(p, "freqstr", "") == "D":
        return format_date(p.start_time, lang)
    if freq == "M":
        return format_month(p.start_time, lang)
    if freq == "Q":
        return f"Quý {p.quarter}/{p.year}" if lang == "vi" else f"Q{p.quarter} {p.year}"
    return str(p)


def feasibility_chart(
    f: Feasibility, *, lang: str | None = None, currency: str | None = None,
    title: str | None = None
) -> go.Figure:
    """KPI history at the cadence's grain, with the target and the feasibility zones.

    Zones are bounded by the direction-aware 50th, 80th and 95th percentiles
    of the history: easy, realistic, ambitious, out of reach.
    """
    lang = resolve_lang(lang)
    t = _TEXT.get(lang, _TEXT["en"])
    k = get_kpi(f.kpi)
    # a category axis: flights a year apart sit side by side, with a break between them
    x: list[str] = []
    y_list: list[float | None] = []
    prev = None
    for p, v in zip(f.history.index, f.history.to_numpy(dtype=float), strict=True):
        if prev is not None and (p - prev).n > 1:
            x.append("…" * (len(x) % 5 + 1))  # unique labels for each break
            y_list.append(None)
        x.append(_period_text(p, f.freq, lang))
        y_list.append(float(v))
        prev = p
    y = f.history.to_numpy(dtype=float)
    fig = _figure()
    if len(y) and f.thresholds:
        lo = min(float(y.min()), f.target)
        hi = max(float(y.max()), f.target)
        pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
        p50, p80, p95 = f.thresholds["p50"], f.thresholds["p80"], f.thresholds["p95"]
        if k.higher_is_better:
            zones = [("easy", lo, p50), ("realistic", p50, p80), ("ambitious", p80, p95),
                     ("out of reach", p95, hi)]
        else:
            zones = [("easy", p50, hi), ("realistic", p80, p50), ("ambitious", p95, p80),
                     ("out of reach", lo, p95)]
        for name, a, b in zones:
            if b > a:
                fig.add_hrect(y0=a, y1=b, fillcolor=COLORS[name], line_width=0, layer="below",
                              annotation_text=feasibility_word(name, lang),
                              annotation_position="top left",
                              annotation_font={"size": 11, "color": "#555"})
        fig.update_yaxes(range=[lo, hi])
    hover = [format_value(v, k, lang=lang, currency=currency) if v is not None else ""
             for v in y_list]
    fig.add_trace(go.Scatter(x=x, y=y_list, mode="lines+markers", name=t["history"],
                             line={"color": COLORS["line"], "width": 2.5},
                             text=hover, hovertemplate="%{x}: %{text}<extra></extra>"))
    label = f"{t['target']}: {format_value(f.target, k, lang=lang, currency=currency)}"
    if f.percentile == f.percentile:
        label += f" · {f.text(lang)} ({t['pct'].format(p=f.percentile)})"
    fig.add_hline(y=f.target, line={"color": COLORS["target"], "dash": "dash", "width": 2},
                  annotation_text=label, annotation_position="bottom right",
                  annotation_font={"color": COLORS["target"]})
    name = k.label(lang) + (f" ({t['per_day']})" if f.per_day else "")
    fig.update_layout(title=plot_text(title) if title else name, showlegend=False, height=380)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=name, **_axis_format(k.unit))
    return _finish(fig, lang)


# where a driver's target comes from (goals.cascade): the plan, the tree, or kept as is
_SOURCES = {"plan": ("plan", "kế hoạch"), "cascade": ("cascade", "suy từ cây KPI"),
            "locked": ("locked", "giữ nguyên")}


def kpi_tree_chart(c: Cascade, *, lang: str | None = None,
                   currency: str | None = None) -> go.Figure:
    """The business goal above its drivers, each with baseline -> target and the change."""
    lang = resolve_lang(lang)
    t = _TEXT.get(lang, _TEXT["en"])
    goal = get_kpi(c.tree.goal)
    n = len(c.drivers)
    fig = _figure()
    width = 1.0 / max(n, 1)

    def box(x0: float, x1: float, y0: float, y1: float, color: str, text: str) -> None:
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line={"color": color, "width": 2},
                      fillcolor=COLORS["box"], layer="below")
        fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=text, showarrow=False,
                           font={"size": 12}, align="center")

    def fmt(v: float, kpi: str) -> str:
        return format_value(v, kpi, lang=lang, currency=currency)

    change = c.goal_target / c.goal_baseline - 1 if c.goal_baseline else math.nan
    box(0.3, 0.7, 0.62, 0.97, COLORS["goal"],
        f"<b>{goal.label(lang)}</b><br>{fmt(c.goal_baseline, goal.name)} → "
        f"<b>{fmt(c.goal_target, goal.name)}</b><br>{format_change(change, lang)}")
    for i, r in enumerate(c.drivers.itertuples()):
        x0, x1 = i * width + 0.01, (i + 1) * width - 0.01
        k = get_kpi(r.kpi)
        good = (r.change >= 0) == k.higher_is_better
        color = "#27ae60" if good or abs(r.change) < 1e-9 else "#c0392b"
        box(x0, x1, 0.02, 0.42, color,
            f"<b>{k.label(lang)}</b><br>{t['baseline']} {fmt(r.baseline, r.kpi)}<br>"
            f"→ <b>{fmt(r.target, r.kpi)}</b><br>{format_change(r.change, lang)} "
            f"({_SOURCES.get(r.source, (r.source,) * 2)[1 if lang == 'vi' else 0]})")
        fig.add_shape(type="line", x0=0.5, y0=0.62, x1=(x0 + x1) / 2, y1=0.42,
                      line={"color": "#95a5a6", "width": 1.5})
        if i:
            fig.add_annotation(x=i * width, y=0.25, text="×" if r.exponent > 0 else "÷",
                               showarrow=False, font={"size": 22, "color": "#555"})
    parts = [short_label(d, lang) for d, _ in c.tree.drivers]
    ops = ["" if i == 0 else (" × " if e > 0 else " ÷ ") for i, (_, e) in enumerate(
        c.tree.drivers)]
    formula = f"{short_label(goal.name, lang)} = " + "".join(o + p for o, p in zip(
        ops, parts, strict=True))
    title = f"{t['tree']}: {formula}"
    if c.coverage == c.coverage and c.coverage < 0.999:
        covers = t["covers"].format(c=format_percent(c.coverage, 0, lang), goal=goal.label(lang))
        title += f"<br><sup>{covers}</sup>"
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[0, 1])
    fig.update_layout(title=title, height=340, showlegend=False)
    return _finish(fig, lang)


# ----------------------------------------------------------------- evaluation

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
    fig = _figure()
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
    return _finish(fig, lang)


def pacing_chart(series, kpi: str, *, lang: str | None = None, currency: str | None = None,
                 status: str | None = None) -> go.Figure:
    """Actual to date against the expected path, the target and the forecast band."""
    lang = resolve_lang(lang)
    k = get_kpi(kpi)
    text = {"en": ("Actual", "Expected", "Target", "Forecast", "90% band"),
            "vi": ("Thực tế", "Kỳ vọng", "Chỉ tiêu", "Dự báo", "Khoảng 90%")}[
        "vi" if lang == "vi" else "en"]
    x = series.index
    fig = _figure()
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
    fig.update_yaxes(**_axis_format(k.unit))
    return _finish(_day_axis(fig, lang), lang)


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
    fig = _figure(go.Waterfall(
        x=x, y=y, measure=measure, text=labels, textposition="outside",
        increasing={"marker": {"color": up}}, decreasing={"marker": {"color": down}},
        totals={"marker": {"color": COLORS["line"]}}, connector={"line": {"color": "#aaa"}}))
    fig.update_layout(title=plot_text(title) if title else goal.label(lang), height=380,
                      showlegend=False)
    fig.update_yaxes(**_axis_format(goal.unit))
    return _finish(fig, lang)


def trend_chart(values, flags, kpi: str, *, lang: str | None = None,
                currency: str | None = None) -> go.Figure:
    """Daily KPI with a 7-day mean and the days flagged as anomalies."""
    lang = resolve_lang(lang)
    k = get_kpi(kpi)
    words = {"en": ("daily", "7-day mean", "anomaly"), "vi": ("theo ngày", "trung bình 7 ngày",
                                                              "bất thường")}[
        "vi" if lang == "vi" else "en"]
    fig = _figure()
    fig.add_trace(go.Scatter(x=values.index, y=values, name=words[0], mode="lines",
                             line={"color": "#aab7c4", "width": 1}))
    fig.add_trace(go.Scatter(x=values.index, y=values.rolling(7, min_periods=1).mean(),
                             name=words[1], line={"color": COLORS["line"], "width": 2.5}))
    odd = values[flags.reindex(values.index, fill_value=False)]
    fig.add_trace(go.Scatter(x=odd.index, y=odd, mode="markers", name=words[2],
                             marker={"color": COLORS["target"], "size": 9, "symbol": "x"}))
    fig.update_layout(title=k.label(lang), height=340, legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(**_axis_format(k.unit))
    return _finish(_day_axis(fig, lang), lang)


# ----------------------------------------------------------------- optimisation


def response_curves_chart(curves, *, allocation=None, points=None, lang: str | None = None,
                          currency: str | None = None) -> go.Figure:
    """Each channel's curve with its bootstrap band, the data, and the current and
    recommended spend; hover shows the marginal return."""
    lang = resolve_lang(lang)
    import numpy as np
    from plotly.subplots import make_subplots

    names = list(curves)
    shown = [plot_text(n) for n in names]  # channel names come from the data
    cols = 2 if len(names) > 1 else 1
    rows = (len(names) + cols - 1) // cols
    fig = _born_styled(lambda: make_subplots(rows=rows, cols=cols, subplot_titles=shown,
                                             horizontal_spacing=0.08, vertical_spacing=0.12))
    words = {"en": ("current", "recommended", "data", "90% band", "marginal return"),
             "vi": ("hiện tại", "đề xuất", "dữ liệu", "khoảng 90%", "lợi nhuận biên")}[
        "vi" if lang == "vi" else "en"]
    rec = {} if allocation is None else dict(zip(allocation.table["channel"],
                                                 allocation.table["recommended"], strict=True))
    for i, n in enumerate(names):
        c = curves[n]
        r, col = i // cols + 1, i % cols + 1
        top = max(c.spend_max, rec.get(n, 0.0), c.current) * 1.3 or 1.0
        x = np.linspace(0, top, 120)
        lo, hi = c.band(x)
        first = i == 0
        fig.add_trace(go.Scatter(x=x, y=hi, line={"width": 0}, showlegend=False,
                                 hoverinfo="skip"), row=r, col=col)
        fig.add_trace(go.Scatter(x=x, y=lo, line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(31,78,121,0.15)", name=words[3],
                                 showlegend=first, hoverinfo="skip"), row=r, col=col)
        marg = c.marginal(x)
        fig.add_trace(go.Scatter(
            x=x, y=c.predict(x), name=shown[i], showlegend=False,
            line={"color": COLORS["line"]},
            customdata=marg, hovertemplate=f"%{{x:,.0f}} → %{{y:,.0f}}<br>{words[4]} "
                                           "%{customdata:.2f}<extra></extra>"), row=r, col=col)
        if points is not None and n in points:
            px, py = points[n]
            fig.add_trace(go.Scatter(x=px, y=py, mode="markers", name=words[2],
                                     showlegend=first, marker={"color": "#95a5a6", "size": 5}),
                          row=r, col=col)
        fig.add_trace(go.Scatter(x=[c.current], y=[float(c.predict(c.current))],
                                 mode="markers", name=words[0], showlegend=first,
                                 marker={"color": "#7f8c8d", "size": 12, "symbol": "circle"}),
                      row=r, col=col)
        if n in rec:
            fig.add_trace(go.Scatter(x=[rec[n]], y=[float(c.predict(rec[n]))], mode="markers",
                                     name=words[1], showlegend=first,
                                     marker={"color": "#27ae60", "size": 13,
                                             "symbol": "star"}), row=r, col=col)
    fig.update_layout(height=300 * rows + 60, legend={"orientation": "h", "y": -0.08},
                      title={"en": "Response curves", "vi": "Đường cong phản hồi"}.get(
                          lang, "Response curves"))
    fig.update_xaxes(tickformat=",.0f")
    fig.update_yaxes(tickformat=",.0f")
    return _finish(fig, lang)


#: the optimiser's binding-constraint codes as a chart label says them
_BINDING = {"en": {"min": "at minimum", "max": "at maximum", "zero": "cut to 0",
                   "locked": "locked"},
            "vi": {"min": "mức tối thiểu", "max": "mức tối đa", "zero": "về 0",
                   "locked": "khóa"}}


def allocation_chart(allocation, *, lang: str | None = None, currency: str | None = None
                     ) -> go.Figure:
    """Current against recommended spend per channel, with the binding constraint."""
    lang = resolve_lang(lang)
    t = allocation.table.sort_values("channel")
    words = {"en": ("current", "recommended"), "vi": ("hiện tại", "đề xuất")}[
        "vi" if lang == "vi" else "en"]
    channels = [plot_text(c) for c in t["channel"]]  # names from the data, shown as text
    fig = _figure([
        go.Bar(x=channels, y=t["current"], name=words[0], marker_color="#aab7c4"),
        go.Bar(x=channels, y=t["recommended"], name=words[1], marker_color="#27ae60",
               text=[plot_text(_BINDING[lang].get(b, b)) if isinstance(b, str) else ""
                     for b in t["binding"]],
               textposition="outside"),
    ])
    fig.update_layout(barmode="group", height=360, legend={"orientation": "h", "y": -0.15},
                      title={"en": "Budget per channel", "vi": "Ngân sách theo kênh"}.get(
                          lang, "Budget per channel"))
    fig.update_yaxes(tickformat=",.0f")
    return _finish(fig, lang)


def what_if_chart(changes: dict[str, float], goal: str, goal_change: float, *,
                  lang: str | None = None) -> go.Figure:
    """Bars of each driver's relative change and the goal's resulting change."""
    lang = resolve_lang(lang)
    names = [plot_text(n) for n in (*changes, goal)]
    values = [*changes.values(), goal_change]
    colors = ["#95a5a6"] * len(changes) + [COLORS["goal"]]
    fig = _figure(go.Bar(
        x=names, y=values, marker_color=colors, cliponaxis=False,
        text=[format_change(v, lang) for v in values], textposition="outside"))
    top = max(0.1, *(abs(v) for v in values if v == v)) * 1.25
    fig.update_yaxes(tickformat="+.0%", range=[-top, top], zeroline=True)
    title = {"en": "Change against the baseline", "vi": "Thay đổi so với cơ sở"}
    fig.update_layout(title=title.get(lang, title["en"]), height=340, showlegend=False)
    return _finish(fig, lang)


def _months(index: Any, lang: str) -> list[str]:
    """Monthly periods as the reader writes them: 01/2025 (vi), Jan 2025 (en)."""
    from kpikit.i18n.formats import format_month

    out = []
    for p in index:
        start = getattr(p, "start_time", None)
        out.append(format_month(start, lang) if start is not None else str(p))
    return out


def horizon_chart(short, long, short_kpi: str, long_kpi: str, *,
                  lang: str | None = None) -> go.Figure:
    """Two monthly KPI series, a short-term one and a long-term one, on twin axes."""
    lang = resolve_lang(lang)
    s, lg = get_kpi(short_kpi), get_kpi(long_kpi)
    words = {"en": ("short term", "long term"), "vi": ("ngắn hạn", "dài hạn")}[
        "vi" if lang == "vi" else "en"]
    fig = _figure()
    fig.add_trace(go.Scatter(x=_months(short.index, lang), y=short.to_numpy(dtype=float),
                             name=f"{short_label(short_kpi, lang)} ({words[0]})",
                             line={"color": COLORS["line"], "width": 3}))
    fig.add_trace(go.Scatter(x=_months(long.index, lang), y=long.to_numpy(dtype=float),
                             name=f"{short_label(long_kpi, lang)} ({words[1]})", yaxis="y2",
                             line={"color": "#27ae60", "width": 3, "dash": "dot"}))
    fig.update_layout(height=360, legend={"orientation": "h", "y": -0.2},
                      yaxis={"title": short_label(short_kpi, lang), **_axis_format(s.unit)},
                      yaxis2={"title": short_label(long_kpi, lang), "overlaying": "y",
                              "side": "right", **_axis_format(lg.unit)})
    return _finish(fig, lang)
