"""Optimisation charts: response curves, the budget per channel, what-if changes along the
KPI tree, and short-term against long-term KPIs."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from kpikit.catalog import get_kpi
from kpikit.i18n.formats import format_change
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.safety import plot_text
from kpikit.views.chart_style import (
    COLORS,
    axis_format,
    born_styled,
    figure,
    finish,
    short_label,
)

__all__ = ["allocation_chart", "horizon_chart", "response_curves_chart", "what_if_chart"]


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
    fig = born_styled(lambda: make_subplots(rows=rows, cols=cols, subplot_titles=shown,
                                             horizontal_spacing=0.08, vertical_spacing=0.12))
    with using_language(lang):
        # "90% band" starts with a capital in the pacing chart's legend, not here
        words = (tr("current"), tr("recommended"), tr("data"),
                 tr("90% band", context="response curve"), tr("marginal return"))
        title = tr("Response curves")
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
                      title=title)
    fig.update_xaxes(tickformat=",.0f")
    fig.update_yaxes(tickformat=",.0f")
    return finish(fig, lang)


def _binding_word(code: str) -> str:
    """The optimiser's binding-constraint code as a chart label says it, in the current
    language; another code as it is."""
    if code == "min":
        return tr("at minimum")
    if code == "max":
        return tr("at maximum")
    if code == "zero":
        return tr("cut to 0")
    if code == "locked":
        return tr("locked")
    return code


def allocation_chart(allocation, *, lang: str | None = None, currency: str | None = None
                     ) -> go.Figure:
    """Current against recommended spend per channel, with the binding constraint."""
    lang = resolve_lang(lang)
    t = allocation.table.sort_values("channel")
    with using_language(lang):
        words = (tr("current"), tr("recommended"))
        binding = [plot_text(_binding_word(b)) if isinstance(b, str) else ""
                   for b in t["binding"]]
        title = tr("Budget per channel")
    channels = [plot_text(c) for c in t["channel"]]  # names from the data, shown as text
    fig = figure([
        go.Bar(x=channels, y=t["current"], name=words[0], marker_color="#aab7c4"),
        go.Bar(x=channels, y=t["recommended"], name=words[1], marker_color="#27ae60",
               text=binding,
               textposition="outside"),
    ])
    fig.update_layout(barmode="group", height=360, legend={"orientation": "h", "y": -0.15},
                      title=title)
    fig.update_yaxes(tickformat=",.0f")
    return finish(fig, lang)


def what_if_chart(changes: dict[str, float], goal: str, goal_change: float, *,
                  lang: str | None = None) -> go.Figure:
    """Bars of each driver's relative change and the goal's resulting change."""
    lang = resolve_lang(lang)
    names = [plot_text(n) for n in (*changes, goal)]
    values = [*changes.values(), goal_change]
    colors = ["#95a5a6"] * len(changes) + [COLORS["goal"]]
    fig = figure(go.Bar(
        x=names, y=values, marker_color=colors, cliponaxis=False,
        text=[format_change(v, lang) for v in values], textposition="outside"))
    top = max(0.1, *(abs(v) for v in values if v == v)) * 1.25
    fig.update_yaxes(tickformat="+.0%", range=[-top, top], zeroline=True)
    with using_language(lang):
        title = tr("Change against the baseline")
    fig.update_layout(title=title, height=340, showlegend=False)
    return finish(fig, lang)


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
    with using_language(lang):
        words = (tr("short term"), tr("long term"))
    fig = figure()
    fig.add_trace(go.Scatter(x=_months(short.index, lang), y=short.to_numpy(dtype=float),
                             name=f"{short_label(short_kpi, lang)} ({words[0]})",
                             line={"color": COLORS["line"], "width": 3}))
    fig.add_trace(go.Scatter(x=_months(long.index, lang), y=long.to_numpy(dtype=float),
                             name=f"{short_label(long_kpi, lang)} ({words[1]})", yaxis="y2",
                             line={"color": "#27ae60", "width": 3, "dash": "dot"}))
    fig.update_layout(height=360, legend={"orientation": "h", "y": -0.2},
                      yaxis={"title": short_label(short_kpi, lang), **axis_format(s.unit)},
                      yaxis2={"title": short_label(long_kpi, lang), "overlaying": "y",
                              "side": "right", **axis_format(lg.unit)})
    return finish(fig, lang)
