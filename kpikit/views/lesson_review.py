"""The live widgets of the KPI basics lesson's review steps: pacing against a target,
short- and long-term KPIs side by side, and the quiz.

Each widget draws itself with the calculations and texts of :mod:`kpikit.views.lesson`
and shows its static HTML in batch reports. ``lang=None`` is the current language.
Importing this module loads ipywidgets; ``import kpikit`` does not.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import ipywidgets as w
import pandas as pd

from kpikit.catalog import get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.formats import format_change, format_number, format_value
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.metrics.periods import spread_periods
from kpikit.plans import kpi_history
from kpikit.views.lesson import (
    ICONS,
    Question,
    exercises,
    month_axis,
    month_text,
    parse_answer,
    status_word,
    table_html,
    text,
)
from kpikit.views.lesson_text import not_a_number
from kpikit.views.lesson_widgets import LessonWidget, horizon_word
from kpikit.views.widget_helpers import plot_into, static_mode

__all__ = ["HorizonCompare", "PacingSimulator", "Quiz"]


class PacingSimulator(LessonWidget):
    """Cadence, day of the month and target: actual, expected by now, projection, status.

    The plan is built on the fly (one KPI, one campaign, one month) and judged by
    :func:`kpikit.evaluate.evaluate`, the same call notebook 02 makes.
    """

    def __init__(self, data: pd.DataFrame, *, lang: str | None = None,
                 campaign: str = "Always-on Search", kpi: str = "revenue",
                 month: str = "2027-03", owner: str = "Lan (performance)"):
        lang = resolve_lang(lang)
        # period rows follow the kit's one rule: spread evenly over their days
        data = spread_periods(data)
        self.data, self.lang, self.campaign, self.kpi = data, lang, campaign, kpi
        self.owner, self.currency = owner, data.attrs.get("currency")
        start = pd.Period(month, freq="M")
        self.start, self.end = start.start_time.date(), start.end_time.date()
        last = data["date"].max().date()
        days = (min(self.end, last) - self.start).days + 1
        if days < 2:
            raise ParameterError(tr("month={month!r}: the data ends on {last}; pick a month it "
                                    "covers.", month=month,
                                    last=last), code=ProblemCode.DATA_INSUFFICIENT)
        self.cadence = w.ToggleButtons(options=[(text("monthly", lang), "monthly"),
                                                (text("weekly", lang), "weekly")],
                                       description=text("cadence", lang))
        self.day = w.IntSlider(value=min(10, days), min=2, max=days,
                               description=text("day", lang), continuous_update=False,
                               style={"description_width": "150px"},
                               layout=w.Layout(width="520px"))
        self.day.add_class("kpikit-slider-day")
        self.growth = w.IntSlider(value=10, min=-30, max=50, description=text("growth", lang),
                                  readout_format="+d", continuous_update=False,
                                  style={"description_width": "150px"},
                                  layout=w.Layout(width="520px"))
        self.result = w.HTML()
        self.result.add_class("kpikit-pacing")
        self.output = w.Output()
        for c in (self.cadence, self.day, self.growth):
            c.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.cadence, self.day, self.growth, self.result, self.output])
        self.redraw()

    def plan(self) -> Any:
        """A one-KPI plan: target = last year's month x (1 + growth)."""
        from kpikit.plans import KPITarget, Objective, Plan, Target

        kt = KPITarget(self.kpi, Target(change=self.growth.value / 100, baseline="last_year"),
                       owner=self.owner, cadence=self.cadence.value)
        objective = get_kpi(self.kpi).objectives[0]
        return Plan(name=f"{self.campaign} {self.start:%Y-%m}", period=(self.start, self.end),
                    objectives=(Objective(objective, (kt,)),), currency=self.currency,
                    language=self.lang, campaigns=(self.campaign,))

    def evaluation(self) -> Any:
        from kpikit.analysis.evaluate import evaluate

        return evaluate(self.data, self.plan(),
                        as_of=self.start + timedelta(days=self.day.value - 1), lang=self.lang)

    def redraw(self) -> None:
        from kpikit.analysis.series import pacing_series

        ev = self.evaluation()
        rows = ev.rows[ev.rows["kpi"] == self.kpi]
        f = lambda v: format_value(v, self.kpi, lang=self.lang, currency=self.currency)  # noqa
        body = [(html.escape(f"{r.start:%d/%m}–{r.end:%d/%m}" if r.level == "period" else "Σ"),
                 f(r.actual), f(r.expected), f(r.target), f(r.projection),
                 html.escape(status_word(r.status, self.lang))) for r in rows.itertuples()]
        head = ["", *(text(k, self.lang) for k in
                      ("actual", "expected", "target", "projection", "status"))]
        self.result.value = table_html(body, head)
        if not static_mode():
            from kpikit.views import charts

            total = ev.totals().set_index("kpi").loc[self.kpi]
            plot_into(self.output, charts.pacing_chart(
                pacing_series(self.data, ev, self.kpi), self.kpi, lang=self.lang,
                currency=self.currency, status=total["status"]))

    def static_html(self) -> str:
        return self.result.value


class HorizonCompare(LessonWidget):
    """One campaign, month by month: a short-term KPI beside a long-term one."""

    def __init__(self, data: pd.DataFrame, *, lang: str | None = None,
                 campaign: str = "Always-on Search", short: str = "roas",
                 long: str = "repeat_purchase_rate"):
        lang = resolve_lang(lang)
        self.data, self.lang = spread_periods(data), lang
        for k, h in ((short, "short"), (long, "long")):
            if get_kpi(k).horizon != h:
                has, want = horizon_word(get_kpi(k).horizon), horizon_word(h)
                raise ParameterError(tr("{k!r} is a {has}-term KPI in the catalog; pass a "
                                        "{want}-term one.", k=k, has=has, want=want),
                                     code=ProblemCode.KPI_UNSUPPORTED)
        self.short, self.long = short, long
        usable = [c for c in sorted(data["campaign"].unique())
                  if all(data.loc[data["campaign"] == c, m].notna().any()
                         for m in get_kpi(short).measures + get_kpi(long).measures)]
        if not usable:
            raise ParameterError(tr("no campaign has the measures of {short} and {long}.",
                                    short=short, long=long),
                                 code=ProblemCode.DATA_CANNOT_MEASURE)
        self.campaign = w.Dropdown(options=usable,
                                   value=campaign if campaign in usable else usable[0],
                                   description=text("campaign", lang))
        self.output = w.Output()
        self.output.add_class("kpikit-horizon")
        self.result = w.HTML()
        self.campaign.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.campaign, self.result, self.output])
        self.redraw()

    def series(self) -> tuple[pd.Series, pd.Series]:
        """Monthly values of the short- and long-term KPI for the chosen campaign."""
        c = (self.campaign.value,)
        return (kpi_history(self.data, self.short, campaigns=c),
                kpi_history(self.data, self.long, campaigns=c))

    def redraw(self) -> None:
        s, lg = self.series()

        def move(x: pd.Series) -> str:
            if len(x) < 13:
                return "–"
            return format_change(float(x.iloc[-1] / x.iloc[-13] - 1), self.lang)

        rows = [(html.escape(text(h, self.lang)), html.escape(get_kpi(k).label(self.lang)),
                 format_value(float(x.iloc[-1]), k, lang=self.lang) if len(x) else "–",
                 move(x)) for h, k, x in (("short", self.short, s), ("long", self.long, lg))]
        with using_language(self.lang):
            vs = tr("vs 12 months before")
        self.result.value = table_html(rows, ["", "KPI", month_text(s.index[-1], self.lang)
                                               if len(s) else "", vs])
        if not static_mode():
            from kpikit.views import charts

            fig = charts.horizon_chart(s, lg, self.short, self.long, lang=self.lang)
            plot_into(self.output, month_axis(fig, self.lang))

    def static_html(self) -> str:
        return self.result.value



class Quiz(LessonWidget):
    """The exercises with instant feedback."""

    def __init__(self, questions: Sequence[Question] | None = None, *, lang: str | None = None):
        lang = resolve_lang(lang)
        self.lang = lang
        self.questions = list(questions or exercises(lang))
        boxes, self.inputs, self.feedback = [], [], []
        for i, q in enumerate(self.questions):
            if q.choices:
                inp: w.Widget = w.RadioButtons(options=[(c, j) for j, c in enumerate(q.choices)],
                                               value=None, layout=w.Layout(width="auto"))
            else:
                # a text box, read in the student's language: a FloatText would turn a
                # Vietnamese "2,5" into 25 or nothing
                inp = w.Text(value="", description=text("answer", lang),
                             placeholder=format_number(12.5, 1, lang))
                inp.add_class(f"kpikit-answer-{i}")
            fb = w.HTML()
            fb.add_class(f"kpikit-feedback-{i}")
            btn = w.Button(description=text("check", lang), button_style="info")
            btn.add_class(f"kpikit-check-{i}")
            btn.on_click(lambda _, i=i: self.check(i))
            self.inputs.append(inp)
            self.feedback.append(fb)
            boxes.append(w.VBox([w.HTML(f"<b>{i + 1}. {html.escape(q.prompt)}</b>"), inp,
                                 w.HBox([btn, fb])]))
        self.widget = w.VBox(boxes)

    def check(self, i: int) -> bool:
        """Judge answer ``i`` and show the feedback; return whether it is right."""
        q = self.questions[i]
        given = self.inputs[i].value
        if not q.choices and parse_answer(given, self.lang) is None:
            self.feedback[i].value = (
                f"{ICONS['warn']} " + html.escape(not_a_number(
                    format_number(2.5, 1, self.lang), self.lang)))
            return False
        if q.choices and given is None:
            self.feedback[i].value = f"{ICONS['warn']} " + html.escape(text("choose", self.lang))
            return False
        ok = q.is_right(given, self.lang)
        mark = (f"{ICONS['right']} <b>{html.escape(text('right', self.lang))}</b>" if ok else
                f"{ICONS['wrong']} <b>{html.escape(text('wrong', self.lang))}</b>")
        self.feedback[i].value = f"<span class='kpikit-verdict-{'right' if ok else 'wrong'}'>" \
                                 f"{mark}</span> {html.escape(q.explain)}"
        return ok

    def static_html(self) -> str:
        return "".join(f"<p><b>{i + 1}. {html.escape(q.prompt)}</b><br>"
                       + (" · ".join(html.escape(c) for c in q.choices) if q.choices else "")
                       + "</p>" for i, q in enumerate(self.questions))


