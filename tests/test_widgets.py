"""The plan builder: callbacks only call pure functions; its state becomes a Plan."""

from __future__ import annotations

import re

import pytest

import kpikit
from kpikit.i18n.formats import format_value
from kpikit.plans import Plan, feasibility

widgets = pytest.importorskip("kpikit.views.widgets")


@pytest.fixture(scope="module")
def sample():
    return kpikit.load_sample()


def test_builder_shows_live_feasibility(sample, tmp_path):
    b = widgets.PlanBuilder(sample, campaign="Tết Sale", objective="sales", lang="vi",
                            path=tmp_path / "plan.yaml")
    roas = next(r for r in b.rows if r.kpi == "roas")
    roas.target.value = roas.target.max
    expected = feasibility(sample, "roas", roas.target.value, cadence=roas.cadence.value,
                           period=b.period, campaigns=["Tết Sale"])
    assert expected.label == "out of reach"
    assert "ngoài tầm với" in roas.badge.value and "p100" in roas.badge.value
    roas.target.value = roas.target.min
    assert "dễ" in roas.badge.value
    # the target's readout beside the slider, in Vietnamese: "4,50x", not "4.5"
    revenue = next(r for r in b.rows if r.kpi == "revenue")
    revenue.target.value = 1_234_567_000.0
    readouts = [c.value for c in revenue.box.children[1].children[1:]]
    assert readouts == [format_value(revenue.target.value, "revenue", lang="vi",
                                     currency="VND")]
    assert readouts[0].endswith(" ₫") and "." in readouts[0] and "," not in readouts[0]
    roas.target.value = 4.5
    assert roas.box.children[1].children[1].value == "4,50x"


def test_builder_saves_the_plan_it_shows(sample, tmp_path):
    path = tmp_path / "plan.yaml"
    b = widgets.PlanBuilder(sample, campaign="Tết Sale", lang="en", path=path)
    ticked = [r for r in b.rows if r.tick.value]
    assert ticked, "the top measurable KPIs start ticked"
    ticked[0].owner.value = "Lan"
    ticked[0].cadence.value = "weekly"
    assert b.save() == path
    plan = Plan.from_yaml(path)
    first = next(k for _, k in plan.targets())
    assert (first.kpi, first.owner, first.cadence) == (ticked[0].kpi, "Lan", "weekly")
    assert first.target.value == pytest.approx(ticked[0].target.value)
    assert "Saved" in b.status.value


def test_builder_rebuilds_for_another_objective(sample, tmp_path):
    b = widgets.PlanBuilder(sample, campaign="Brand Awareness", objective="sales",
                            path=tmp_path / "p.yaml")
    b.objective.value = "engagement"
    kpis = [r.kpi for r in b.rows]
    assert kpis[0] == "engagement_rate_impressions"
    assert all(not r.tick.value for r in b.rows if r.tick.disabled)
    for r in b.rows:
        r.tick.value = False
    assert b.plan() is None and b.save() is None
    assert "Tick at least one KPI" in b.status.value


def test_slider_range_brackets_history():
    import pandas as pd

    lo, hi, step = widgets.slider_range(pd.Series([0.02, 0.03, 0.05]), 0.04, "percent")
    assert lo <= 0.02 and hi >= 0.05 and 0 < step < 0.001


def test_what_if_speaks_vietnamese_and_applies_the_answer(sample):
    from kpikit.analysis.optimize import allocate, fit_curves

    curves, _ = fit_curves(sample, outcome="revenue", campaigns=["Tết Sale"], bootstrap=0)
    alloc = allocate(curves)
    wi = widgets.WhatIf(curves, allocation=alloc, lang="vi", currency="VND")
    ch = next(iter(curves))
    wi.sliders[ch].value = 1_234_567.0
    readout = wi.widget.children[0].children[1].value
    assert readout == "1.234.567 ₫"
    assert "<b>chi phí</b>" in wi.result.value and re.search(r"ROAS</b> \d+,\d\dx",
                                                               wi.result.value)
    wi.apply()
    for r in alloc.table.itertuples():
        assert wi.sliders[r.channel].value == pytest.approx(r.recommended)
    assert "mở notebook trong JupyterLab" in wi.static_html()


def test_builder_speaks_the_session_language_and_reads_typed_targets(sample, tmp_path):
    """Without ``lang`` the builder follows the session; its dropdowns show words and keep
    codes; a target typed as a Vietnamese writes it (2,5 for 2.5%) moves the slider."""
    with kpikit.using_language("vi"):
        b = widgets.PlanBuilder(sample, campaign="Tết Sale", objective="sales",
                                path=tmp_path / "plan.yaml")
    assert b.lang == "vi"
    cvr = next(r for r in b.rows if r.kpi == "cvr")
    assert ("hằng tuần", "weekly") in cvr.cadence.options and cvr.cadence.value in (
        "weekly", "monthly", "quarterly", "campaign")
    assert ("dài hạn", "long") in cvr.horizon.options
    field = cvr.box.children[1].children[1]
    field.value = "2,5"                      # percent KPI: the field shows percentages
    assert cvr.target.value == pytest.approx(0.025, abs=cvr.target.step)
    assert field.value == format_value(cvr.target.value, "cvr", lang="vi")
    before = cvr.target.value
    field.value = "2.5.1"                    # not a number: put back, reason as tooltip
    assert cvr.target.value == before and "Cách sửa" in (field.tooltip or "")
    revenue = next(r for r in b.rows if r.kpi == "revenue")
    typed = revenue.target.max * 2           # beyond the slider: its range widens
    revenue.box.children[1].children[1].value = f"{typed:,.0f}".replace(",", ".") + " ₫"
    assert revenue.target.value == pytest.approx(typed, abs=revenue.target.step)


def test_static_mode_follows_the_environment(monkeypatch):
    from kpikit.views.widget_helpers import static_mode

    monkeypatch.delenv("KPIKIT_STATIC", raising=False)
    assert static_mode() is False
    monkeypatch.setenv("KPIKIT_STATIC", "1")
    assert static_mode() is True


def test_readout_writes_the_value_in_the_language():
    import ipywidgets as w

    from kpikit.views.widget_helpers import with_readout

    slider = w.FloatSlider(value=1234567.0, min=0, max=2e6)
    box = with_readout(slider, lambda v: format_value(v, "revenue", lang="vi", currency="VND"))
    assert slider.readout is False
    assert box.children[1].value == "1.234.567 ₫"
    slider.value = 2000.0
    assert box.children[1].value == "2.000 ₫"


def test_widgets_gathers_its_rooms():
    from kpikit.views import explorers, plan_builder, widget_helpers

    for name in widgets.__all__:
        homes = [m for m in (plan_builder, explorers, widget_helpers) if name in m.__all__]
        assert len(homes) == 1, name
        assert getattr(widgets, name) is getattr(homes[0], name)


NNBSP = "\u202f"  # CLDR's narrow no-break space: the French thousands sign


def _third_language(folder, monkeypatch, entries: str) -> None:
    """A tiny French catalog (``entries``, .po text) in a folder of its own: a third
    language is that one file, and what it does not translate stays English."""
    from kpikit.i18n import messages

    (folder / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr_FR\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        + entries, encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(folder))


def test_a_third_language_reaches_the_builder_and_the_what_if(sample, tmp_path, monkeypatch):
    _third_language(tmp_path, monkeypatch,
                    '\nmsgid "Save plan"\nmsgstr "Enregistrer le plan"\n'
                    '\nmsgid "stay above"\nmsgstr "rester au-dessus"\n'
                    '\nmsgid "weekly"\nmsgstr "hebdomadaire"\n'
                    '\nmsgctxt "what-if"\nmsgid "outcome"\nmsgstr "résultat"\n')
    b = widgets.PlanBuilder(sample, objective="sales", lang="fr", path=tmp_path / "p.yaml")
    assert b.save_button.description == "Enregistrer le plan"
    assert b.name.value.startswith("All campaigns ")  # not in fr.po: English, never Vietnamese
    row = next(r for r in b.rows if r.kpi == "revenue")
    assert ("rester au-dessus", "stay above") in row.goal.options
    assert ("reach", "reach") in row.goal.options
    assert ("hebdomadaire", "weekly") in row.cadence.options
    assert ("monthly", "monthly") in row.cadence.options
    # CLDR's French money: 1 234 567 000 ₫, narrow no-break spaces between the groups
    row.target.value = 1_234_567_000.0
    assert (row.box.children[1].children[1].value.replace("\xa0", NNBSP)
            == f"1{NNBSP}234{NNBSP}567{NNBSP}000 ₫")
    cvr = next(r for r in b.rows if r.kpi == "cvr")
    cvr.box.children[1].children[1].value = "2,5"  # a French decimal comma: 2.5%
    assert cvr.target.value == pytest.approx(0.025, abs=cvr.target.step)

    from kpikit.analysis.optimize import fit_curves

    curves, _ = fit_curves(sample, outcome="revenue", campaigns=["Tết Sale"], bootstrap=0)
    wi = widgets.WhatIf(curves, lang="fr", currency="VND")
    wi.sliders[next(iter(curves))].value = 1_234_567.0
    assert wi.widget.children[0].children[1].value.replace("\xa0", NNBSP) == \
        f"1{NNBSP}234{NNBSP}567 ₫"
    assert "<b>résultat</b>" in wi.result.value and "<b>spend</b>" in wi.result.value
    assert re.search(r"ROAS</b> \d+,\d\dx", wi.result.value)
    assert "Apply the optimiser's answer" == wi.apply_button.description
    assert "chi phí" not in wi.result.value and "Áp dụng" not in wi.apply_button.description


def test_a_third_language_reaches_the_explorer_tables_and_lines(sample, tmp_path, monkeypatch):
    from datetime import date

    from kpikit.analysis.evaluate import evaluate
    from kpikit.data_in.sample import bundled_plan
    from kpikit.views.display import line
    from kpikit.views.notebook_tables import verdict_text
    from kpikit.views.prose import status_text

    _third_language(tmp_path, monkeypatch,
                    '\nmsgctxt "explorer"\nmsgid "Period"\nmsgstr "Période"\n'
                    '\nmsgid "off track"\nmsgstr "hors trajectoire"\n'
                    '\nmsgid "data up to {data_end}"\nmsgstr "données jusqu\'au {data_end}"\n')
    plan = Plan.from_yaml(bundled_plan("plan_tet_sale.yaml"))
    ev = evaluate(sample, plan, as_of=date(2027, 1, 25), lang="fr")
    ex = widgets.EvaluationExplorer(sample, plan, as_of=date(2027, 1, 25), lang="fr",
                                    evaluation=ev)
    assert ex.period.description == "Période"
    assert ex.period.options[0] == ("whole plan period", "campaign")  # English fallback
    assert "Interactive explorer" in ex.static_html()
    assert status_text("off track", "fr") == "hors trajectoire"
    assert status_text("at risk", "fr") == "at risk"
    # a day in CLDR's French medium form inside a translated line
    assert line("fresh", "fr", data_end=date(2027, 1, 25)) == "données jusqu'au 25 janv. 2027"
    assert verdict_text("no change", "fr") == "no change"
