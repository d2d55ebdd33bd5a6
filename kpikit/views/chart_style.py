"""The charts' house style: template, colours, axes and labels as the reader writes them.

Every kpikit figure is born with the house template (:func:`figure`) and finished with the
separators and fonts of its language (:func:`finish`). Importing this module loads plotly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from kpikit.catalog import get_kpi
from kpikit.i18n.lang import LOCALES, resolve_lang, tr, using_language

__all__ = ["COLORS", "axis_format", "born_styled", "day_axis", "figure", "finish",
           "house_template", "period_text", "separators", "short_label", "style"]

COLORS = {
    "line": "#1f4e79", "target": "#c0392b", "easy": "rgba(149,165,166,0.18)",
    "realistic": "rgba(39,174,96,0.16)", "ambitious": "rgba(243,156,18,0.18)",
    "out of reach": "rgba(192,57,43,0.14)", "box": "#eef3f8", "goal": "#1f4e79",
}


def short_label(kpi: str, lang: str | None = None) -> str:
    """A KPI's label without its parenthesis: ``CTR``, ``Doanh thu``."""
    lang = resolve_lang(lang)
    return get_kpi(kpi).short_label(lang)


_TEMPLATE: go.layout.Template | None = None


def house_template() -> go.layout.Template:
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


def born_styled(make: Callable[[], go.Figure]) -> go.Figure:
    """``make()``'s figure, born with the house template.

    plotly copies and re-validates a template assigned to a figure (about 6 ms a
    figure) but takes its default template as it is, so the figure is made while the
    house template is the default. Where this plotly has no such default to swap, the
    template is assigned afterwards instead (same look, slower).
    """
    import plotly.io as pio

    templates = pio.templates
    if "kpikit" not in templates:
        templates["kpikit"] = house_template()
    if not hasattr(templates, "_default"):
        return make().update_layout(template=house_template())
    before = templates._default
    templates._default = "kpikit"
    try:
        return make()
    finally:
        templates._default = before


def figure(*args: Any, **kwargs: Any) -> go.Figure:
    """``go.Figure(...)`` born with the house template."""
    return born_styled(lambda: go.Figure(*args, **kwargs))


def style(fig: go.Figure, lang: str | None = None) -> go.Figure:
    """House style: white, compact, separators of ``lang`` (``1.234,5`` in Vietnamese)."""
    lang = resolve_lang(lang)
    return finish(fig.update_layout(template=house_template()), lang)


def separators(lang: str) -> str:
    """plotly's ``separators`` for ``lang``: its CLDR decimal sign, then its thousands sign
    (``.,`` in English, ``,.`` in Vietnamese, a comma and a narrow space in French)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = LOCALES[lang]
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def finish(fig: go.Figure, lang: str) -> go.Figure:
    """The rest of the house style, for a figure that already has the house template."""
    return fig.update_layout(
        separators=separators(lang),
        font={"family": "Inter, Segoe UI, Arial, sans-serif", "size": 13},
        margin={"l": 60, "r": 30, "t": 60, "b": 40}, hoverlabel={"namelength": -1},
    )


def day_axis(fig: go.Figure, lang: str) -> go.Figure:
    """A date x axis as the reader writes days: 05/02/2027 in Vietnamese (plotly's own
    labels, "Feb 5", are English only)."""
    if lang != "en":  # plotly names days and months in English: other languages get digits
        from kpikit.i18n.formats import date_tickformat

        day = date_tickformat(lang, "day")
        fig.update_xaxes(tickformat=day, hoverformat=day)
    return fig


def axis_format(unit: str) -> dict:
    """Tick format of a value axis for a KPI unit: percentages, ratios (2.5x) or amounts."""
    if unit == "percent":
        return {"tickformat": ".2~%"}
    if unit == "ratio":
        return {"ticksuffix": "x", "tickformat": ".2~f"}
    return {"tickformat": ",.0f"}


def period_text(p: Any, freq: str, lang: str) -> str:
    """A period of a category axis as the reader writes it: a week by its first day
    (06/01/2025 in Vietnamese), a month as 01/2025, a quarter as Q1 2025 (Quý 1/2025)."""
    from kpikit.i18n.formats import format_date, format_month

    if freq == "W" or getattr(p, "freqstr", "") == "D":
        return format_date(p.start_time, lang)
    if freq == "M":
        return format_month(p.start_time, lang)
    if freq == "Q":
        with using_language(lang):
            return tr("Q{quarter} {year}", quarter=p.quarter, year=p.year)
    return str(p)
