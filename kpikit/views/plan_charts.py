"""Plan charts: a KPI's history against its target (feasibility) and the KPI tree (cascade)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from kpikit.catalog import get_kpi
from kpikit.i18n.formats import format_change, format_percent, format_value
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.plans import Cascade, Feasibility, feasibility_word
from kpikit.safety import plot_text
from kpikit.views.chart_style import (
    COLORS,
    axis_format,
    figure,
    finish,
    period_text,
    short_label,
)

__all__ = ["feasibility_chart", "kpi_tree_chart"]

def feasibility_chart(
    f: Feasibility, *, lang: str | None = None, currency: str | None = None,
    title: str | None = None
) -> go.Figure:
    """KPI history at the cadence's grain, with the target and the feasibility zones.

    Zones are bounded by the direction-aware 50th, 80th and 95th percentiles
    of the history: easy, realistic, ambitious, out of reach.
    """
    lang = resolve_lang(lang)
    with using_language(lang):  # the chart's words are said in ``lang``
        return _feasibility_chart(f, lang, currency, title)


def _feasibility_chart(f: Feasibility, lang: str, currency: str | None,
                       title: str | None) -> go.Figure:
    k = get_kpi(f.kpi)
    # a category axis: flights a year apart sit side by side, with a break between them
    x: list[str] = []
    y_list: list[float | None] = []
    prev = None
    for p, v in zip(f.history.index, f.history.to_numpy(dtype=float), strict=True):
        if prev is not None and (p - prev).n > 1:
            x.append("…" * (len(x) % 5 + 1))  # unique labels for each break
            y_list.append(None)
        x.append(period_text(p, f.freq, lang))
        y_list.append(float(v))
        prev = p
    y = f.history.to_numpy(dtype=float)
    fig = figure()
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
    fig.add_trace(go.Scatter(x=x, y=y_list, mode="lines+markers", name=tr("History"),
                             line={"color": COLORS["line"], "width": 2.5},
                             text=hover, hovertemplate="%{x}: %{text}<extra></extra>"))
    label = tr("Target: {target}",
               target=format_value(f.target, k, lang=lang, currency=currency))
    if f.percentile == f.percentile:
        share = format_percent(f.percentile / 100, 0, lang)
        label += f" · {f.text(lang)} ({tr('beats {share} of past periods', share=share)})"
    fig.add_hline(y=f.target, line={"color": COLORS["target"], "dash": "dash", "width": 2},
                  annotation_text=label, annotation_position="bottom right",
                  annotation_font={"color": COLORS["target"]})
    name = k.label(lang) + (f" ({tr('per day')})" if f.per_day else "")
    fig.update_layout(title=plot_text(title) if title else name, showlegend=False, height=380)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=name, **axis_format(k.unit))
    return finish(fig, lang)


def _source_word(source: str) -> str:
    """Where a driver's target comes from (goals.cascade), in the current language: the
    plan, the tree, or kept as is; another code as it is."""
    if source == "plan":
        return tr("plan")
    if source == "cascade":
        return tr("cascade")
    if source == "locked":  # "giữ nguyên" here, "khóa" for a channel's budget
        return tr("locked", context="target source")
    return source


def kpi_tree_chart(c: Cascade, *, lang: str | None = None,
                   currency: str | None = None) -> go.Figure:
    """The business goal above its drivers, each with baseline -> target and the change."""
    lang = resolve_lang(lang)
    with using_language(lang):  # the chart's words are said in ``lang``
        return _kpi_tree_chart(c, lang, currency)


def _kpi_tree_chart(c: Cascade, lang: str, currency: str | None) -> go.Figure:
    goal = get_kpi(c.tree.goal)
    n = len(c.drivers)
    fig = figure()
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
            f"<b>{k.label(lang)}</b><br>{tr('baseline')} {fmt(r.baseline, r.kpi)}<br>"
            f"→ <b>{fmt(r.target, r.kpi)}</b><br>{format_change(r.change, lang)} "
            f"({plot_text(_source_word(r.source))})")
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
    title = tr("KPI tree: {formula}", formula=formula)
    if c.coverage == c.coverage and c.coverage < 0.999:
        covers = tr("the tree covers {share} of {goal}",
                    share=format_percent(c.coverage, 0, lang), goal=goal.label(lang))
        title += f"<br><sup>{covers}</sup>"
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[0, 1])
    fig.update_layout(title=title, height=340, showlegend=False)
    return finish(fig, lang)
