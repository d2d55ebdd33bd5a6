"""The plan builder: objective -> recommended KPIs -> target sliders with live feasibility
-> a plan saved as YAML."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ipywidgets as w
import pandas as pd

from kpikit.catalog import OBJECTIVES, get_kpi, label_of
from kpikit.i18n.formats import format_value, parse_value
from kpikit.i18n.lang import N_, resolve_lang, tr, translate, using_language
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
from kpikit.views.widget_helpers import plot_into, show_widget, static_mode, with_readout

__all__ = ["GOAL_LABELS", "PlanBuilder", "goal_label", "slider_range"]

#: the plan builder's word for each goal type, in English: :func:`goal_label` translates it
GOAL_LABELS: dict[str, str] = {"reach": N_("reach"), "stay above": N_("stay above"),
                               "stay below": N_("stay below")}
_BADGE = {"easy": "#7f8c8d", "realistic": "#27ae60", "ambitious": "#e67e22",
          "out of reach": "#c0392b", "unknown": "#95a5a6"}


def goal_label(goal: str, lang: str | None = None) -> str:
    """A goal type (``stay above``) in the words of ``lang`` (default: current); an unknown
    goal as written."""
    return translate(GOAL_LABELS[goal], lang) if goal in GOAL_LABELS else goal


def _texts() -> dict[str, str]:
    """The builder's fixed words, in the current language (made when a builder is)."""
    return {"objective": tr("Objective"), "kpis": tr("Recommended KPIs (tick to include)"),
            "owner": tr("Owner"), "save": tr("Save plan"), "name": tr("Plan name"),
            "path": tr("File", context="plan builder"), "everyone": tr("All campaigns"),
            "nothing": tr("Tick at least one KPI.")}


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
        A language of :data:`kpikit.i18n.lang.LANGS` (``None``: the current one).
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
        with using_language(lang):
            self.t = _texts()
        self.objective = w.Dropdown(
            options=[(label_of("objective", o, lang), o) for o in OBJECTIVES], value=objective,
            description=self.t["objective"], style={"description_width": "initial"})
        self.name = w.Text(value=f"{campaign or self.t['everyone']} {self.period[0]:%Y-%m}",
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
        self.rows = []
        for r in recs:
            k = get_kpi(r.kpi)
            tick = w.Checkbox(value=bool(r.measurable) and r.rank <= 4, indent=False,
                              description=k.label(self.lang), disabled=not r.measurable,
                              layout=w.Layout(width="300px"))
            tick.add_class("kpikit-tick")
            # the reader sees words of the language; the plan keeps the codes
            cadence = w.Dropdown(options=[(label_of("cadence", c, self.lang), c)
                                          for c in CADENCES],
                                 value="quarterly" if k.horizon == "long" else "monthly",
                                 layout=w.Layout(width="140px"))
            horizon = w.Dropdown(options=[(label_of("horizon", h, self.lang), h)
                                          for h in ("short", "long")],
                                 value=k.horizon, layout=w.Layout(width="110px"))
            owner = w.Text(placeholder=self.t["owner"], layout=w.Layout(width="170px"))
            goal = w.Dropdown(options=[(goal_label(g, self.lang), g) for g in GOALS],
                              value="reach",
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
                with using_language(self.lang):
                    said = tr("not in the data: {missing}", missing=missing)
                badge.value = f"<i>{said}</i>"
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
        if draw and not static_mode():
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
        with using_language(self.lang):
            self.status.value = html.escape(tr("Saved {n} KPIs to {path}", n=n, path=path))
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
        with using_language(self.lang):
            note = tr("Interactive plan builder: open the notebook in JupyterLab.")
        return (f"<p><b>{html.escape(self.t['kpis'])}</b></p><table>{rows}</table>"
                f"<p><i>{note}</i></p>")

    def _ipython_display_(self) -> None:
        show_widget(self.widget, self.static_html)
