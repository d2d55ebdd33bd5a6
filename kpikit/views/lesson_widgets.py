"""The live widgets of the KPI basics lesson's first steps: objectives, the formula
playground, the ratio trap, availability and the KPI tree (the review steps, pacing,
horizons and the quiz, are in :mod:`kpikit.views.lesson_review`).

Each widget draws itself with the calculations and texts of :mod:`kpikit.views.lesson`
and shows its static HTML in batch reports. ``lang=None`` is the current language.
Importing this module loads ipywidgets; ``import kpikit`` does not.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import pandas as pd

from kpikit.catalog import MEASURES, OBJECTIVES, get_kpi, label_of
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.formats import format_change, format_money, format_number, format_value
from kpikit.i18n.lang import resolve_lang, tr
from kpikit.metrics.periods import spread_periods
from kpikit.plans import TREES, availability, recommend_kpis, tree_baselines
from kpikit.views.lesson import (
    ICONS,
    PLAYGROUND_KPIS,
    cell_text,
    formula_words,
    playground_values,
    ratio_trap,
    table_html,
    text,
    tree_what_if,
)
from kpikit.views.lesson_text import impossible_rate, playground_note, text_keys
from kpikit.views.widget_helpers import plot_into, show_widget, static_mode, with_readout

__all__ = [
    "AvailabilityCheck", "FormulaPlayground", "LessonWidget", "ObjectiveMatcher", "RatioTrap",
    "TreeExplorer", "horizon_word",
]


def _objectives(value: str, lang: str) -> w.Dropdown:
    """The objective dropdown, its choices in the reader's words."""
    return w.Dropdown(options=[(label_of("objective", o, lang), o) for o in OBJECTIVES],
                      value=value,
                      description=text("objective", lang))


def horizon_word(horizon: str) -> str:
    """``short``/``long`` in the current language, as an error message uses it."""
    words = {"short": tr("short"), "long": tr("long")}
    return words.get(horizon, horizon)


class LessonWidget:
    """Common display: the widget live, or its static HTML in batch reports."""

    widget: w.Widget

    def static_html(self) -> str:  # pragma: no cover - overridden
        return ""

    def _ipython_display_(self) -> None:
        show_widget(self.widget, self.static_html)


class ObjectiveMatcher(LessonWidget):
    """Pick an objective; see the KPIs that fit it, why, and whether the data has them."""

    def __init__(self, data: pd.DataFrame | None = None, *, lang: str | None = None,
                 objective: str = "sales", n: int = 6):
        lang = resolve_lang(lang)
        self.data, self.lang, self.n = data, lang, n
        self.objective = _objectives(objective, self.lang)
        self.table = w.HTML()
        self.table.add_class("kpikit-matcher")
        self.objective.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.objective, self.table])
        self.redraw()

    def rows(self) -> list[tuple[str, str, str]]:
        """(KPI label, reason, in the data) of the suggested KPIs."""
        recs = recommend_kpis(self.objective.value, self.data, lang=self.lang)[: self.n]
        yes, no = text("yes", self.lang), text("no", self.lang)
        return [(get_kpi(r.kpi).label(self.lang), r.reason, yes if r.measurable else no)
                for r in recs]

    def redraw(self) -> None:
        self.table.value = table_html(
            [(html.escape(a), html.escape(b), c) for a, b, c in self.rows()],
            [text("kpi", self.lang), text("why", self.lang), text("in_data", self.lang)])

    def static_html(self) -> str:
        return self.table.value


class FormulaPlayground(LessonWidget):
    """Sliders for clicks, impressions, spend, conversions and revenue; the KPIs move."""

    def __init__(self, *, lang: str | None = None, currency: str = "VND", impressions: int = 50_000,
                 clicks: int = 1_250, spend: float = 5_000_000, conversions: int = 50,
                 revenue: float = 20_000_000):
        lang = resolve_lang(lang)
        self.lang, self.currency = lang, currency
        self.sliders_kpis = PLAYGROUND_KPIS

        def slider(name: str, value: float, top: float, step: float) -> w.IntSlider:
            s = w.IntSlider(value=int(value), min=0, max=int(top), step=int(step),
                            description=MEASURES[name].label(lang), continuous_update=False,
                            style={"description_width": "150px"},
                            layout=w.Layout(width="520px"))
            s.add_class(f"kpikit-slider-{name}")
            s.observe(lambda _: self.redraw(), names="value")
            return s

        self.sliders = {
            "impressions": slider("impressions", impressions, 200_000, 1_000),
            "clicks": slider("clicks", clicks, 10_000, 50),
            "spend": slider("spend", spend, 50_000_000, 100_000),
            "conversions": slider("conversions", conversions, 1_000, 5),
            "revenue": slider("revenue", revenue, 200_000_000, 500_000),
        }
        self.result = w.HTML()
        self.result.add_class("kpikit-playground")
        note = w.HTML(f"<i>{html.escape(playground_note(currency, self.lang))}</i>")
        money = {"spend", "revenue"}
        self.widget = w.VBox([
            with_readout(s, (lambda v: format_money(v, currency, lang)) if k in money
                         else (lambda v: format_number(v, 0, lang)))
            for k, s in self.sliders.items()] + [self.result, note])
        self.redraw()

    def values(self) -> dict[str, float]:
        """The KPIs of the current sliders."""
        return playground_values(**{k: s.value for k, s in self.sliders.items()})

    def problems(self) -> list[tuple[str, str]]:
        """(KPI, message) for each rate the sliders make impossible (CTR above 100%).

        A bounded rate's numerator counts a subset of its denominator's units (every click
        comes from an impression), so a value above 1 means the inputs contradict each other.
        """
        from kpikit.plans import BOUNDED_RATES

        out = []
        for k in self.sliders_kpis:
            kp = get_kpi(k)
            if k not in BOUNDED_RATES or len(kp.numerator) != 1 or len(kp.denominator) != 1:
                continue
            num, den = kp.numerator[0][0], kp.denominator[0][0]
            if num not in self.sliders or den not in self.sliders:
                continue
            n, d = self.sliders[num].value, self.sliders[den].value
            if n > d:
                out.append((k, impossible_rate(
                    num=MEASURES[num].label(self.lang), den=MEASURES[den].label(self.lang),
                    n=format_number(n, 0, self.lang), d=format_number(d, 0, self.lang),
                    kpi=kp.short_label(self.lang), lang=self.lang)))
        return out

    def redraw(self) -> None:
        bad = dict(self.problems())
        rows = []
        for k, v in self.values().items():
            kp = get_kpi(k)
            # an impossible rate is not shown as a number: the warning below says why
            shown = "–" if k in bad else format_value(v, k, lang=self.lang,
                                                      currency=self.currency)
            rows.append((html.escape(kp.label(self.lang)), f"<b class='kpikit-{k}'>{shown}</b>",
                         html.escape(formula_words(k, self.lang))))
        warn = "".join(f"<p class='kpikit-warning' style='color:#b03a2e'>{ICONS['warn']} "
                       f"{html.escape(m)}</p>" for m in bad.values())
        self.result.value = table_html(rows, ["KPI", "", text("formula", self.lang)]) + warn

    def static_html(self) -> str:
        return self.result.value


class RatioTrap(LessonWidget):
    """Channel rates, their (wrong) average and the (right) sum/sum; a slider to play."""

    def __init__(self, table: pd.DataFrame, *, kpi: str = "ctr", by: str = "channel",
                 lang: str | None = None):
        lang = resolve_lang(lang)
        self.lang, self.kpi, self.by = lang, kpi, by
        k = get_kpi(kpi)
        if k.denominator == () or len(k.numerator) != 1:
            raise ParameterError(tr("kpi={kpi!r}: the trap needs a simple ratio like ctr.",
                                    kpi=kpi),
                                 code=ProblemCode.KPI_UNSUPPORTED)
        self.num, self.den = k.numerator[0][0], k.denominator[0][0]
        rows = table.dropna(subset=[self.num, self.den])
        self.table = rows.groupby(by, as_index=False)[[self.num, self.den]].sum()
        self.table = self.table[self.table[self.den] > 0].reset_index(drop=True)
        if len(self.table) < 2:
            raise ParameterError(tr("the trap needs two {by} values with {den}; the table has "
                                    "{v1}.", by=by, den=self.den,
                                    v1=len(self.table)), code=ProblemCode.DATA_INSUFFICIENT)
        self.small = self.table[self.den].idxmin()
        base = float(self.table.loc[self.small, self.num])
        top = max(int(self.table.loc[self.small, self.den] * 0.5), int(base) + 1)
        self.slider = w.IntSlider(value=int(base), min=0, max=top,
                                  description=text("small_clicks", lang),
                                  continuous_update=False, style={"description_width": "150px"},
                                  layout=w.Layout(width="520px"))
        self.slider.add_class("kpikit-slider-trap")
        self.slider.observe(lambda _: self.redraw(), names="value")
        self.result = w.HTML()
        self.result.add_class("kpikit-trap")
        self.widget = w.VBox([with_readout(self.slider, lambda v: format_number(v, 0, lang)),
                              self.result])
        self.redraw()

    def current_table(self) -> pd.DataFrame:
        """Numerator and denominator per group, with the slider's value for the smallest."""
        t = self.table.copy()
        t.loc[self.small, self.num] = float(self.slider.value)
        return t

    def current(self) -> dict[str, Any]:
        """The trap for the slider's value."""
        t = self.current_table()
        for col, filler in (("date", pd.Timestamp("2026-01-01")), ("campaign", "lesson"),
                            ("channel", "lesson")):
            if col != self.by:
                t[col] = filler
        return ratio_trap(t, self.kpi, self.by)

    def redraw(self) -> None:
        r = self.current()
        rates = r["by_group"].set_index(self.by)[self.kpi]

        def fmt(v: float) -> str:
            return format_value(v, self.kpi, lang=self.lang)

        rows = [(html.escape(str(g)), format_number(n, 0, self.lang),
                 format_number(d, 0, self.lang), fmt(rates.get(g, float("nan"))))
                for g, n, d in self.current_table()[[self.by, self.num, self.den]].itertuples(
                    index=False)]
        head = [text(self.by, self.lang) if self.by in text_keys() else self.by,
                MEASURES[self.num].label(self.lang),
                MEASURES[self.den].label(self.lang), get_kpi(self.kpi).label(self.lang)]
        self.result.value = (
            table_html(rows, head)
            + f"<p>{html.escape(text('mean_of_ratios', self.lang))}: "
              f"<b class='kpikit-wrong'>{fmt(r['mean_of_ratios'])}</b><br>"
            + f"{html.escape(text('sum_over_sum', self.lang))}: "
              f"<b class='kpikit-right'>{fmt(r['sum_over_sum'])}</b></p>")

    def static_html(self) -> str:
        return self.result.value


class AvailabilityCheck(LessonWidget):
    """Pick an objective; see whether a gappy export can measure its KPIs."""

    def __init__(self, data: pd.DataFrame, *, lang: str | None = None, objective: str = "sales"):
        lang = resolve_lang(lang)
        self.data, self.lang = data, lang
        self.objective = _objectives(objective, self.lang)
        self.table = w.HTML()
        self.table.add_class("kpikit-availability")
        self.objective.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.objective, self.table])
        self.redraw()

    def check(self) -> pd.DataFrame:
        """The availability rows of the objective's KPIs (see :func:`goals.availability`)."""
        kpis = [r.kpi for r in recommend_kpis(self.objective.value, lang=self.lang)][:6]
        return availability(self.data, kpis)

    def rows(self) -> tuple[list[str], list[list[str]]]:
        """Header and cells of the check, every value written the way ``lang`` writes it."""
        from kpikit.views.display import rename, translate

        raw = self.check()
        cols = ["kpi", "window_start", "window_end", "days_covered", "missing_days",
                "null_share", "last_date", "missing_measures", "status"]
        # a column with nothing to say for any KPI (no measure missing) is left out
        cols = [c for c in cols if c != "missing_measures"
                or any(cell_text(v, c, self.lang) != text("none", self.lang)
                       for v in raw[c])]
        head = list(rename(pd.DataFrame(columns=cols), self.lang).columns)
        body = [[get_kpi(r["kpi"]).label(self.lang) if c == "kpi"
                 else str(translate(r[c], self.lang)) if c == "status"
                 else cell_text(r[c], c, self.lang) for c in cols]
                for _, r in raw.iterrows()]
        return head, body

    def redraw(self) -> None:
        head, body = self.rows()
        self.table.value = table_html([[html.escape(c) for c in r] for r in body], head)

    def static_html(self) -> str:
        return self.table.value



class TreeExplorer(LessonWidget):
    """Sliders move each driver of a KPI tree by a percentage; the business goal follows."""

    def __init__(self, data: pd.DataFrame, *, lang: str | None = None, goal: str = "revenue",
                 tree: int = 0, currency: str | None = None):
        lang = resolve_lang(lang)
        self.lang = lang
        if goal not in TREES:
            raise ParameterError(tr("goal={goal!r}: choose from {v1}.", goal=goal,
                                    v1=', '.join(TREES)),
                                 code=ProblemCode.PARAMETER_CHOICE)
        self.tree = TREES[goal][tree]
        self.currency = currency or data.attrs.get("currency")
        self.baselines = tree_baselines(self.tree, spread_periods(data))
        self.sliders: dict[str, w.IntSlider] = {}
        for d, _ in self.tree.drivers:
            label = get_kpi(d).short_label(lang)
            s = w.IntSlider(value=0, min=-50, max=50, step=1, description=label,
                            readout_format="+d", continuous_update=False,
                            style={"description_width": "150px"},
                            layout=w.Layout(width="520px"))
            s.add_class(f"kpikit-slider-{d}")
            s.observe(lambda _: self.redraw(), names="value")
            self.sliders[d] = s
        self.result = w.HTML()
        self.result.add_class("kpikit-tree")
        self.output = w.Output()
        self.widget = w.VBox([*self.sliders.values(), self.result, self.output])
        self.redraw()

    def current(self) -> dict[str, float]:
        """Drivers and goal for the sliders' changes."""
        return tree_what_if(self.tree, self.baselines,
                            {d: s.value / 100 for d, s in self.sliders.items()})

    def redraw(self) -> None:
        from kpikit.views import charts

        now = self.current()
        g = self.tree.goal
        f = lambda k, v: format_value(v, k, lang=self.lang, currency=self.currency)  # noqa: E731
        rows = [(html.escape(get_kpi(d).label(self.lang)), f(d, self.baselines[d]), f(d, now[d]))
                for d, _ in self.tree.drivers]
        self.result.value = (
            table_html(rows, ["", text("baseline", self.lang), ""])
            + f"<p>{html.escape(text('goal', self.lang))} "
              f"({html.escape(get_kpi(g).short_label(self.lang))}):"
              f" {f(g, self.baselines[g])} → <b class='kpikit-goal'>{f(g, now[g])}</b>"
              f" (<span class='kpikit-goal-change'>"
              f"{format_change(now['goal_change'], self.lang)}</span>)</p>")
        if not static_mode():
            changes = {get_kpi(d).short_label(self.lang): self.sliders[d].value / 100
                       for d, _ in self.tree.drivers}
            plot_into(self.output, charts.what_if_chart(
                changes, get_kpi(g).short_label(self.lang), now["goal_change"], lang=self.lang))

    def static_html(self) -> str:
        return self.result.value
