"""Widgets that explore results: an evaluation by KPI and period (:class:`EvaluationExplorer`)
and budget what-ifs under the fitted response curves (:class:`WhatIf`).

They hold no logic: callbacks read widget values, call the same pure functions the
notebooks call, and show the result.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import ipywidgets as w
import pandas as pd

from kpikit.catalog import get_kpi
from kpikit.i18n.formats import format_money, format_number
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.plans import Plan
from kpikit.views.widget_helpers import plot_into, show_widget, static_mode, with_readout

__all__ = ["EvaluationExplorer", "WhatIf"]


class EvaluationExplorer:
    """Pick a KPI and a period; the pacing chart, attribution and summary redraw.

    Parameters
    ----------
    data, plan
        The canonical table and the plan being evaluated.
    as_of
        Last day of data to judge.
    lang
        A language of :data:`kpikit.i18n.lang.LANGS` (``None``: the current one).
    evaluation
        The notebook's evaluation of the whole plan period, reused rather than recomputed
        (ignored when its period or date differ).
    """

    def __init__(self, data: pd.DataFrame, plan: Plan, *, as_of: date, lang: str | None = None,
                 evaluation: Any = None):
        lang = resolve_lang(lang)
        from kpikit.analysis.evaluate import evaluate

        self.data, self.plan, self.as_of, self.lang = data, plan, as_of, lang
        self._evaluate = evaluate
        self._cache: dict[str, object] = {}
        if (evaluation is not None and tuple(evaluation.period) == tuple(plan.period)
                and str(evaluation.as_of) == str(as_of) and evaluation.lang == lang):
            self._cache["campaign"] = evaluation
        months = pd.period_range(plan.period[0], min(plan.period[1], as_of), freq="M")
        with using_language(lang):
            label, period = tr("whole plan period"), tr("Period", context="explorer")
        self.period = w.Dropdown(options=[(label, "campaign")] + [(str(m), str(m))
                                                                  for m in months],
                                 description=period)
        self.kpi = w.Dropdown(options=[(get_kpi(k).label(lang), k) for k in plan.kpi_names()],
                              description="KPI")
        self.summary = w.HTML()
        self.output = w.Output()
        self.period.observe(lambda _: self.redraw(), names="value")
        self.kpi.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([w.HBox([self.kpi, self.period]), self.summary, self.output])
        self.redraw()

    def evaluation(self):
        """The evaluation for the chosen period (computed once per period)."""
        key = self.period.value
        if key not in self._cache:
            self._cache[key] = self._evaluate(self.data, self.plan, as_of=self.as_of,
                                              period=key, lang=self.lang)
        return self._cache[key]

    def figures(self) -> list:
        """The charts for the chosen KPI and period."""
        from kpikit.analysis.series import pacing_series
        from kpikit.views import charts

        ev = self.evaluation()
        cur = self.data.attrs.get("currency")
        k = self.kpi.value
        total = ev.totals().set_index("kpi").loc[k]
        figs = []
        if total["expected"] == total["expected"]:
            figs.append(charts.pacing_chart(pacing_series(self.data, ev, k), k, lang=self.lang,
                                            currency=cur, status=total["status"]))
        tables = ev.drivers.get(k, {})
        for name in ("gap", "change"):
            if name in tables:
                figs.append(charts.waterfall_chart(tables[name], lang=self.lang, currency=cur))
        return figs

    def redraw(self) -> None:
        """Recompute (through the same functions the notebook calls) and show."""
        ev = self.evaluation()
        i = ev.plan.kpi_names().index(self.kpi.value)
        # the summary names owners and campaigns from the plan: escaped, shown as text
        from kpikit.views.prose import summary_lines

        self.summary.value = f"<p>{html.escape(summary_lines(ev)[i])}</p>"
        if static_mode():  # a report shows the summary only: no charts to draw
            return
        plot_into(self.output, *self.figures())

    def static_html(self) -> str:
        """The summary of the chosen KPI, as plain HTML (for reports)."""
        with using_language(self.lang):
            note = tr("Interactive explorer: open the notebook in JupyterLab to switch KPI "
                      "and period.")
        return f"{self.summary.value}<p><i>{note}</i></p>"

    def _ipython_display_(self) -> None:
        show_widget(self.widget, self.static_html)


class WhatIf:
    """A spend slider per channel with live outcome, CPA and ROAS under the fitted curves,
    and a button that applies the optimiser's answer."""

    def __init__(self, curves: dict, *, allocation=None, lang: str | None = None,
                 currency: str | None = None, value_per_outcome: float | None = None):
        lang = resolve_lang(lang)
        self.curves, self.allocation, self.lang = curves, allocation, lang
        self._money = lambda v: format_money(v, currency, lang)
        self._number = lambda v: format_number(v, 0, lang)
        self.value = value_per_outcome
        self.sliders = {}
        for ch, c in curves.items():
            top = max(c.spend_max, c.current) * 2 or 1.0
            self.sliders[ch] = w.FloatSlider(value=c.current, min=0.0, max=top,
                                             step=top / 200, description=ch,
                                             continuous_update=False,
                                             layout=w.Layout(width="480px"))
            self.sliders[ch].observe(lambda _: self.refresh(), names="value")
        rows = [with_readout(s, self._money) for s in self.sliders.values()]
        self.result = w.HTML()
        with using_language(lang):
            label = tr("Apply the optimiser's answer")
        self.apply_button = w.Button(description=label,
                                     button_style="success", icon="magic",
                                     disabled=allocation is None,
                                     layout=w.Layout(width="260px"))
        self.apply_button.on_click(lambda _: self.apply())
        self.widget = w.VBox([*rows, self.apply_button, self.result])
        self.refresh()

    def spend(self) -> dict[str, float]:
        """The spend per channel the sliders show."""
        return {ch: s.value for ch, s in self.sliders.items()}

    def predicted(self) -> dict[str, float]:
        """Outcome, spend, CPA and ROAS of the sliders' allocation (per period)."""
        spend = self.spend()
        outcome = float(sum(self.curves[ch].predict(v) for ch, v in spend.items()))
        total = sum(spend.values())
        kind = next(iter(self.curves.values())).outcome
        revenue = outcome if kind == "revenue" else (outcome * self.value if self.value
                                                     else float("nan"))
        return {"outcome": outcome, "spend": total,
                "cpa": total / outcome if outcome and kind != "revenue" else float("nan"),
                "roas": revenue / total if total else float("nan")}

    def refresh(self) -> None:
        """Recompute the prediction from the curves and show it."""
        p = self.predicted()
        with using_language(self.lang):
            words = (tr("outcome", context="what-if"), tr("spend"),
                     "CPA", "ROAS")
        kind = next(iter(self.curves.values())).outcome
        shown = self._money(p["outcome"]) if kind == "revenue" else self._number(p["outcome"])
        parts = [f"<b>{words[0]}</b> {shown}", f"<b>{words[1]}</b> {self._money(p['spend'])}"]
        if p["cpa"] == p["cpa"]:
            parts.append(f"<b>{words[2]}</b> {self._money(p['cpa'])}")
        if p["roas"] == p["roas"]:
            parts.append(f"<b>{words[3]}</b> {format_number(p['roas'], 2, self.lang)}x")
        self.result.value = " · ".join(parts) + self.beyond_text()

    def beyond(self) -> dict[str, float]:
        """Channels whose slider is past the most spend their curve was fitted on."""
        return {ch: c.spend_max for ch, c in self.curves.items()
                if c.spend_max > 0 and self.sliders[ch].value > c.spend_max * (1 + 1e-9)}

    def beyond_text(self) -> str:
        """A warning (HTML) naming the channels past their seen spend ('' if none)."""
        past = self.beyond()
        if not past:
            return ""
        said = ", ".join(f"{html.escape(str(ch))} ({self._money(v)})" for ch, v in past.items())
        with using_language(self.lang):
            text = tr("Past the most spend the curve has seen: {said}. The outcome there is "
                      "extrapolated, not measured.", said=said)
        return f"<br><b style='color:#c0392b'>⚠ {text}</b>"

    def apply(self) -> None:
        """Move the sliders to the recommended allocation."""
        if self.allocation is None:
            return
        for r in self.allocation.table.itertuples():
            s = self.sliders[r.channel]
            s.max = max(s.max, r.recommended * 1.2)
            s.value = float(r.recommended)

    def static_html(self) -> str:
        """Predicted result of the current sliders, as plain HTML (for reports)."""
        with using_language(self.lang):
            note = tr("Interactive what-if sliders: open the notebook in JupyterLab.")
        return f"<p>{self.result.value}</p><p><i>{note}</i></p>"

    def _ipython_display_(self) -> None:
        show_widget(self.widget, self.static_html)
