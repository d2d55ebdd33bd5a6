"""ipywidgets views. They hold no logic: callbacks read widget values, call the
same pure functions the notebooks call, and show the result.

Importing this module loads ipywidgets; ``import kpikit`` does not.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from kpikit.catalog import CADENCE_LABELS, HORIZON_LABELS, OBJECTIVE_LABELS, OBJECTIVES, get_kpi
from kpikit.errors import KpikitError
from kpikit.i18n.formats import format_money, format_number, format_value, parse_value
from kpikit.i18n.lang import resolve_lang, using_language
from kpikit.plans import (
    CADENCES,
    GOALS,
    UNASSIGNED,
    KPITarget,
    Objective,
    Plan,
    Target,
    baseline,
    feasibility,
    feasibility_word,
    next_quarter,
    recommend_kpis,
    scope_data,
)

__all__ = ["PlanBuilder", "slider_range"]

#: the plan builder's words for each goal type (en, vi)
GOAL_LABELS = {"reach": ("reach", "đạt"), "stay above": ("stay above", "giữ trên"),
               "stay below": ("stay below", "giữ dưới")}
_BADGE = {"easy": "#7f8c8d", "realistic": "#27ae60", "ambitious": "#e67e22",
          "out of reach": "#c0392b", "unknown": "#95a5a6"}
_TEXT = {
    "en": {"objective": "Objective", "kpis": "Recommended KPIs (tick to include)",
           "owner": "Owner", "cadence": "Cadence", "horizon": "Horizon", "save": "Save plan",
           "name": "Plan name", "path": "File", "saved": "Saved {n} KPIs to {p}",
           "nothing": "Tick at least one KPI.", "baseline": "baseline",
           "unmeasurable": "not in the data: {m}", "target": "Target"},
    "vi": {"objective": "Mục tiêu", "kpis": "KPI gợi ý (đánh dấu để chọn)",
           "owner": "Người phụ trách", "cadence": "Chu kỳ", "horizon": "Tầm nhìn",
           "save": "Lưu kế hoạch", "name": "Tên kế hoạch", "path": "Tệp",
           "saved": "Đã lưu {n} KPI vào {p}", "nothing": "Hãy chọn ít nhất một KPI.",
           "baseline": "cơ sở", "unmeasurable": "không có trong dữ liệu: {m}",
           "target": "Mục tiêu"},
}


def slider_range(history: pd.Series, base: float, unit: str) -> tuple[float, float, float]:
    """``(min, max, step)`` for a target slider: the history's range with room around it."""
    values = [v for v in history.tolist() if v == v] + ([base] if base == base else [])
    if not values:
        return (0.0, 1.0, 0.01)
    lo, hi = min(values), max(values)
    span = (hi - lo) or abs(hi) or 1.0
    lo, hi = max(0.0, lo - 0.5 * span), hi + 0.5 * span
    if unit == "percent":
        hi = min(hi, 1.0) if hi <= 1.0 else hi
    step = 10 ** math.floor(math.log10(span / 200)) if span > 0 else 0.01
    return (round(lo / step) * step, round(hi / step) * step, step)


@dataclass
class _Row:
    kpi: str
    tick: w.Checkbox
    target: w.FloatSlider
    badge: w.HTML
    owner: w.Text
    cadence: w.Dropdown
    horizon: w.Dropdown
    box: w.HBox
    goal: w.Dropdown | None = None


class PlanBuilder:
    """Objective -> recommended KPIs -> target sliders with live feasibility -> YAML.

    Parameters
    ----------
    data
        The canonical table the targets are judged against.
    campaign
        Campaign the plan is for (None: all).
    objective
        Objective shown first.
    period
        Plan period (default: the quarter after the data ends).
    lang
        ``"en"`` or ``"vi"``.
    path
        Where Save writes the YAML.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        campaign: str | None = None,
        objective: str = "sales",
        period: tuple[date, date] | None = None,
        lang: str | None = None,
        path: str | Path = "plan.yaml",
        n_kpis: int = 8,
    ) -> None:
        lang = resolve_lang(lang)
        self.data = data
        self.campaigns = (campaign,) if campaign else ()
        self.scoped = scope_data(data, self.campaigns)
        self.period = period or next_quarter(data["date"].max().date())
        self.lang = lang
        self.n_kpis = n_kpis
        self._days = (pd.Timestamp(self.period[1]) - pd.Timestamp(self.period[0])).days + 1
        self.t = _TEXT.get(lang, _TEXT["en"])
        i = 1 if lang == "vi" else 0
        self.objective = w.Dropdown(
            options=[(OBJECTIVE_LABELS[o][i], o) for o in OBJECTIVES], value=objective,
            description=self.t["objective"], style={"description_width": "initial"})
        everyone = "Tất cả chiến dịch" if lang == "vi" else "All campaigns"
        self.name = w.Text(value=f"{campaign or everyone} {self.period[0]:%Y-%m}",
                           description=self.t["name"], style={"description_width": "initial"})
        self.path = w.Text(value=str(path), description=self.t["path"])
        self.save_button = w.Button(description=self.t["save"], icon="save",
                                    button_style="primary")
        self.status = w.HTML()
        self.rows_box = w.VBox()
        self.chart = w.Output()  # history and target of the KPI last moved
        self.chart.add_class("kpikit-plan-chart")
        self.rows: list[_Row] = []
        self.objective.observe(self._on_objective, names="value")
        self.save_button.on_click(self._on_save)
        self._build_rows()
        self.widget = w.VBox([
            w.HBox([self.objective, self.name]),
            w.HTML(f"<b>{self.t['kpis']}</b>"),
            self.rows_box,
            self.chart,
            w.HBox([self.path, self.save_button]),
            self.status,
        ])

    # ------------------------------------------------------------ building
    def _build_rows(self) -> None:
        recs = recommend_kpis(self.objective.value, self.scoped, lang=self.lang)[: self.n_kpis]
        i = 1 if self.lang == "vi" else 0
        self.rows = []
        for r in recs:
            k = get_kpi(r.kpi)
            tick = w.Checkbox(value=bool(r.measurable) and r.rank <= 4, indent=False,
                              description=k.label(self.lang), disabled=not r.measurable,
                              layout=w.Layout(width="300px"))
            tick.add_class("kpikit-tick")
            # the reader sees words of the language; the plan keeps the codes
            cadence = w.Dropdown(options=[(CADENCE_LABELS.get(c, (c, c))[i], c)
                                          for c in CADENCES],
                                 value="quarterly" if k.horizon == "long" else "monthly",
                                 layout=w.Layout(width="140px"))
            horizon = w.Dropdown(options=[(HORIZON_LABELS[h][i], h) for h in ("short", "long")],
                                 value=k.horizon, layout=w.Layout(width="110px"))
            owner = w.Text(placeholder=self.t["owner"], layout=w.Layout(width="170px"))
            goal = w.Dropdown(options=[(GOAL_LABELS[g][1 if self.lang == "vi" else 0], g)
                                       for g in GOALS], value="reach",
                              layout=w.Layout(width="130px"))
            badge = w.HTML(layout=w.Layout(width="320px"))
            if r.measurable:
                base = self._baseline(k.name)
                f = self._feasibility(k.name, base, cadence.value)
                # per-day history of totals, scaled to the plan period like the target
                hist = f.history * self._days if f.per_day else f.history
                lo, hi, step = slider_range(hist, base, k.unit)
                value = min(max(base if base == base else lo, lo), hi)
                target = w.FloatSlider(value=value, min=lo, max=hi, step=step,
                                       continuous_update=False, layout=w.Layout(width="300px"))
                shown: w.Widget = with_readout(target, lambda v, k=k.name: format_value(
                    v, k, lang=self.lang, currency=self.data.attrs.get("currency")),
                    parse=lambda text, k=k.name: self._parse(text, k))
            else:
                target = w.FloatSlider(disabled=True, readout=False,
                                       layout=w.Layout(width="300px"))
                shown = target
                missing = html.escape(", ".join(r.missing))
                badge.value = f"<i>{self.t['unmeasurable'].format(m=missing)}</i>"
            box = w.HBox([tick, shown, badge, owner, cadence, horizon, goal])
            row = _Row(k.name, tick, target, badge, owner, cadence, horizon, box, goal)
            if r.measurable:
                target.observe(lambda _, row=row: self._refresh(row, draw=True), names="value")
                cadence.observe(lambda _, row=row: self._refresh(row, draw=True),
                                names="value")
                self._refresh(row)
            self.rows.append(row)
        self.rows_box.children = [r.box for r in self.rows]
        first = next((r for r in self.rows if not r.tick.disabled), None)
        if first is not None:
            self._refresh(first, draw=True)

    def _parse(self, text: str, kpi: str) -> float:
        """A typed target read in the builder's language, its refusal said in it too."""
        with using_language(self.lang):
            return parse_value(text, kpi, self.lang)

    def _baseline(self, kpi: str) -> float:
        return baseline(self.data, kpi, self.period, campaigns=self.campaigns).value

    def _feasibility(self, kpi: str, target: float, cadence: str):
        return feasibility(self.data, kpi, target, cadence=cadence, period=self.period,
                           campaigns=self.campaigns)

    # ------------------------------------------------------------ callbacks
    def _refresh(self, row: _Row, draw: bool = False) -> None:
        f = self._feasibility(row.kpi, row.target.value, row.cadence.value)
        if draw and not _static():
            from kpikit.views.charts import feasibility_chart

            plot_into(self.chart, feasibility_chart(
                f, lang=self.lang, currency=self.data.attrs.get("currency")))
        cur = self.data.attrs.get("currency")
        shown = format_value(row.target.value, row.kpi, lang=self.lang, currency=cur)
        label = feasibility_word(f.label, self.lang)
        pct = "" if f.percentile != f.percentile else f" · p{f.percentile:.0f}"
        row.badge.value = (f"<span style='color:{_BADGE[f.label]}'><b>{html.escape(shown)}"
                           f"</b> {html.escape(label)}{pct}</span>")

    def _on_objective(self, _change: dict) -> None:
        self._build_rows()

    def _on_save(self, _button: object = None) -> Path | None:
        plan = self.plan()
        if plan is None:
            self.status.value = f"<span style='color:#c0392b'>{self.t['nothing']}</span>"
            return None
        path = Path(self.path.value)
        plan.to_yaml(path)
        n = sum(1 for _ in plan.targets())
        self.status.value = html.escape(self.t["saved"].format(n=n, p=path))
        return path

    # ------------------------------------------------------------- results
    def plan(self) -> Plan | None:
        """The plan the widgets describe now (None when no KPI is ticked)."""
        chosen = [r for r in self.rows if r.tick.value and not r.tick.disabled]
        if not chosen:
            return None
        kpis = tuple(
            KPITarget(r.kpi, Target(value=float(r.target.value)),
                      owner=r.owner.value.strip() or UNASSIGNED, cadence=r.cadence.value,
                      horizon=r.horizon.value, goal=r.goal.value if r.goal else "reach")
            for r in chosen
        )
        return Plan(name=self.name.value.strip() or "Plan", period=self.period,
                    objectives=(Objective(self.objective.value, kpis),),
                    currency=self.data.attrs.get("currency"), language=self.lang,
                    campaigns=self.campaigns)

    def save(self) -> Path | None:
        """Write the plan to the file named in the widget; return its path."""
        return self._on_save()

    def static_html(self) -> str:
        """What the builder shows, as plain HTML (for reports, where widgets do not run)."""
        rows = "".join(
            f"<tr><td>{html.escape(r.tick.description)}</td><td>{r.badge.value}</td></tr>"
            for r in self.rows if r.tick.value)
        note = {"en": "Interactive plan builder: open the notebook in JupyterLab.",
                "vi": "Công cụ xây dựng kế hoạch tương tác: mở notebook trong JupyterLab."}
        return (f"<p><b>{html.escape(self.t['kpis'])}</b></p><table>{rows}</table>"
                f"<p><i>{note.get(self.lang, note['en'])}</i></p>")

    def _ipython_display_(self) -> None:
        _show(self.widget, self.static_html)


def _static() -> bool:
    """Whether widgets are shown as static HTML (batch reports: no live kernel)."""
    import os

    return bool(os.environ.get("KPIKIT_STATIC"))


def with_readout(slider: w.IntSlider | w.FloatSlider,
                 show: Callable[[float], str],
                 parse: Callable[[str], float] | None = None) -> w.HBox:
    """``slider`` beside its value written by ``show`` (``1.234.567 ₫`` in Vietnamese).

    A slider's own readout knows only English separators (``5,000,000``); this one is
    turned off and a label that follows the value takes its place. With ``parse`` the
    readout is a text field: what a person types there is read in the same language
    (``2,5`` is 2.5 in Vietnamese) and moves the slider, its range widened if needed;
    text that is not a number is put back and the reason shown as the field's tooltip.
    """
    slider.readout = False
    if parse is None:
        label: w.Widget = w.Label(show(slider.value), layout=w.Layout(min_width="110px"))
    else:
        label = w.Text(show(slider.value), continuous_update=False,
                       layout=w.Layout(width="150px"))

        def typed(change: dict) -> None:
            if change["new"] == show(slider.value):
                return
            try:
                value = parse(change["new"])
            except KpikitError as e:
                label.tooltip = str(e)
                label.value = show(slider.value)
                return
            label.tooltip = None
            if value > slider.max:
                slider.max = value
            if value < slider.min:
                slider.min = value
            slider.value = value
            label.value = show(slider.value)  # the value as the slider's step keeps it

        label.observe(typed, names="value")
    label.add_class("kpikit-readout")
    slider.observe(lambda change: setattr(label, "value", show(change["new"])), names="value")
    return w.HBox([slider, label])


def plot_into(output: w.Output, *figures: object) -> None:
    """Replace what an Output widget shows with plotly figures.

    The widget's ``outputs`` are set in one state update, with only the plotly mime bundle
    (JupyterLab and Voila draw it; no copy of plotly.js per chart). No ``clear_output``
    and no capture context: a headless executor (Voila runs the notebook through nbclient)
    can hang on those now and then (jupyter/nbclient#312).
    """
    output.outputs = tuple(
        {"output_type": "display_data", "metadata": {},
         "data": {"application/vnd.plotly.v1+json": json.loads(fig.to_json())}}  # type: ignore[attr-defined]
        for fig in figures)


def _show(widget: w.Widget, static: object) -> None:
    """Display a widget, or its static view when kpikit runs a batch (no live kernel)."""

    from IPython.display import HTML, display

    if _static():
        display(HTML(static()))  # type: ignore[operator]
    else:
        display(widget)


class EvaluationExplorer:
    """Pick a KPI and a period; the pacing chart, attribution and summary redraw.

    Parameters
    ----------
    data, plan
        The canonical table and the plan being evaluated.
    as_of
        Last day of data to judge.
    lang
        ``"en"`` or ``"vi"``.
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
        label = {"en": "whole plan period", "vi": "cả kỳ kế hoạch"}.get(lang, "whole")
        self.period = w.Dropdown(options=[(label, "campaign")] + [(str(m), str(m))
                                                                  for m in months],
                                 description="Period" if lang != "vi" else "Kỳ")
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
        if _static():  # a report shows the summary only: no charts to draw
            return
        plot_into(self.output, *self.figures())

    def static_html(self) -> str:
        """The summary of the chosen KPI, as plain HTML (for reports)."""
        note = {"en": "Interactive explorer: open the notebook in JupyterLab to switch KPI "
                      "and period.",
                "vi": "Công cụ khám phá tương tác: mở notebook trong JupyterLab để đổi KPI và "
                      "kỳ."}
        return f"{self.summary.value}<p><i>{note.get(self.lang, note['en'])}</i></p>"

    def _ipython_display_(self) -> None:
        _show(self.widget, self.static_html)


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
        label = {"en": "Apply the optimiser's answer", "vi": "Áp dụng đề xuất tối ưu"}
        self.apply_button = w.Button(description=label.get(lang, label["en"]),
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
        words = {"en": ("outcome", "spend", "CPA", "ROAS"),
                 "vi": ("kết quả", "chi phí", "CPA", "ROAS")}.get(self.lang)
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
        text = {"en": f"Past the most spend the curve has seen: {said}. The outcome there is "
                      "extrapolated, not measured.",
                "vi": f"Vượt mức chi cao nhất mà đường cong đã thấy: {said}. Kết quả ở đó là "
                      "ngoại suy, không phải đo được."}
        return f"<br><b style='color:#c0392b'>⚠ {text.get(self.lang, text['en'])}</b>"

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
        note = {"en": "Interactive what-if sliders: open the notebook in JupyterLab.",
                "vi": "Thanh trượt giả định tương tác: mở notebook trong JupyterLab."}
        return (f"<p>{self.result.value}</p><p><i>{note.get(self.lang, note['en'])}</i></p>")

    def _ipython_display_(self) -> None:
        _show(self.widget, self.static_html)
