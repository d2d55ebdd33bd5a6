"""Charts are pure: figure content follows the data."""

from __future__ import annotations

import pytest

import kpikit
from kpikit.plans import Plan, check_plan, feasibility

charts = pytest.importorskip("kpikit.views.charts")


@pytest.fixture(scope="module")
def sample():
    return kpikit.load_sample()


def test_feasibility_chart_has_history_target_and_zones(sample):
    f = feasibility(sample, "cpa", 128_000, cadence="monthly", campaigns=["Always-on Search"])
    fig = charts.feasibility_chart(f, lang="vi", currency="VND")
    line = fig.data[0]
    assert [v for v in line.y if v is not None] == pytest.approx(list(f.history))
    texts = [a.text for a in fig.layout.annotations]
    assert any("Mục tiêu: 128.000 ₫" in t for t in texts)
    assert {"dễ", "khả thi", "tham vọng", "ngoài tầm với"} <= set(texts)
    assert fig.layout.separators == ",."
    assert fig.layout.xaxis.type == "category"


def test_flights_a_year_apart_get_a_break(sample):
    f = feasibility(sample, "roas", 5.6, cadence="weekly", campaigns=["Tết Sale"])
    fig = charts.feasibility_chart(f)
    assert None in fig.data[0].y  # no line drawn across the eleven months off


def test_tree_chart_shows_every_driver(sample):
    plan = Plan.from_yaml(kpikit.sample_path().parent / "plan_tet_sale.yaml")
    c = check_plan(plan, sample).cascade
    fig = charts.kpi_tree_chart(c, lang="en", currency="VND")
    boxes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(boxes) == 1 + len(c.drivers)
    text = " ".join(a.text for a in fig.layout.annotations)
    assert "Impressions" in text and "(plan)" in text and "(cascade)" in text
    assert "94%" in fig.layout.title.text  # coverage of the goal is said


def test_day_axes_and_separators_follow_the_language(sample):
    from kpikit.analysis.evaluate import evaluate
    from kpikit.analysis.series import anomalies, daily_kpi, pacing_series
    from kpikit.plans import Plan
    from kpikit.runs import params as nb

    plan = Plan.from_yaml(nb.bundled_plan("plan_tet_sale.yaml"))
    ev = evaluate(sample, plan, as_of="2027-02-05")
    series = pacing_series(sample, ev, "revenue")
    values = daily_kpi(sample, ev, "cvr")
    for fig in (charts.pacing_chart(series, "revenue", lang="vi", currency="VND"),
                charts.trend_chart(values, anomalies(values), "cvr", lang="vi")):
        assert fig.layout.xaxis.tickformat == "%d/%m/%Y"  # 05/02/2027, not "Feb 5"
        assert fig.layout.separators == ",."  # 1.234,5
    en = charts.pacing_chart(series, "revenue", lang="en", currency="VND")
    assert en.layout.xaxis.tickformat is None and en.layout.separators == ".,"


def test_scorecard_labels_sit_beside_their_own_gauge(sample):
    """Each KPI's label is centred on its gauge's band (plotly's "auto" anchor used to pin
    labels in the top third by their top and in the bottom third by their bottom, so the
    lower labels drifted onto the gauge above)."""
    from datetime import date

    from kpikit.analysis.evaluate import evaluate

    plan = Plan.from_yaml(kpikit.sample_path().parent / "plan_tet_sale.yaml")
    fig = charts.scorecard_chart(evaluate(sample, plan, as_of=date(2027, 1, 25)), lang="vi")
    gauges = [t for t in fig.data if t.type == "indicator"]
    labels = [a for a in fig.layout.annotations if a.xref == "paper" and a.x == 0.32]
    assert len(gauges) == len(labels) == 6
    for gauge, label in zip(gauges, labels, strict=True):
        low, high = gauge.domain.y
        assert label.yanchor == "middle"
        assert label.y == pytest.approx((low + high) / 2)


def test_scorecard_reads_percentages_and_short_amounts(sample):
    """Rate gauges tick in percent (not 0.005-0.025); 14,348,926,000 VND is shown as
    14,3 tỷ ₫ (vi) or ₫14.3B (en) with the gauge scaled alike, so it is not clipped."""
    from datetime import date

    from kpikit.analysis.evaluate import evaluate

    plan = Plan.from_yaml(kpikit.sample_path().parent / "plan_tet_sale.yaml")
    ev = evaluate(sample, plan, as_of=date(2027, 1, 25))
    revenue = ev.totals().set_index("kpi").loc["revenue"]
    for lang, where, word in (("vi", "suffix", " tỷ ₫"), ("en", "prefix", "₫")):
        fig = charts.scorecard_chart(ev, lang=lang, currency="VND")
        by_kpi = dict(zip(ev.totals()["kpi"], fig.data, strict=True))
        money = by_kpi["revenue"]
        assert money.value == pytest.approx(revenue["actual"] / 1e9)
        assert money.gauge.threshold.value == pytest.approx(revenue["target"] / 1e9)
        assert getattr(money.number, where) == word
        if lang == "en":
            assert money.number.suffix == "B"
        assert by_kpi["cvr"].gauge.axis.tickformat.endswith("%")
        assert by_kpi["cvr"].number.valueformat == ".2%"


def test_periods_on_category_axes_follow_the_language(sample):
    f = feasibility(sample, "cpa", 128_000, cadence="monthly", campaigns=["Always-on Search"])
    vi = [x for x in charts.feasibility_chart(f, lang="vi").data[0].x if "…" not in x]
    en = [x for x in charts.feasibility_chart(f, lang="en").data[0].x if "…" not in x]
    first = f.history.index[0].start_time
    assert vi[0] == f"{first.month:02d}/{first.year}"            # 01/2025
    assert en[0] == f"{first:%b} {first.year}"                    # Jan 2025


def test_allocation_chart_names_binding_constraints_in_words():
    from types import SimpleNamespace

    import pandas as pd

    from kpikit.views.charts import allocation_chart

    table = pd.DataFrame({"channel": ["display", "email", "search"],
                          "current": [100.0, 10.0, 50.0], "recommended": [0.0, 30.0, 130.0],
                          "binding": ["zero", "max", None]})
    vi = allocation_chart(SimpleNamespace(table=table), lang="vi")
    assert list(vi.data[1].text) == ["về 0", "mức tối đa", ""]
    en = allocation_chart(SimpleNamespace(table=table), lang="en")
    assert list(en.data[1].text) == ["cut to 0", "at maximum", ""]


def test_axis_formats_follow_the_unit():
    from kpikit.views.chart_style import axis_format

    assert axis_format("percent") == {"tickformat": ".2~%"}
    assert axis_format("ratio") == {"ticksuffix": "x", "tickformat": ".2~f"}
    assert axis_format("currency") == {"tickformat": ",.0f"}
    assert axis_format("count") == {"tickformat": ",.0f"}


def test_style_uses_the_separators_of_the_language():
    import plotly.graph_objects as go

    assert charts.style(go.Figure(), lang="vi").layout.separators == ",."
    assert charts.style(go.Figure(), lang="en").layout.separators == ".,"


def test_charts_gathers_every_chart_from_its_room():
    from kpikit.views import chart_style, evaluation_charts, optimization_charts, plan_charts

    rooms = (plan_charts, evaluation_charts, optimization_charts, chart_style)
    for name in charts.__all__:
        homes = [room for room in rooms if name in room.__all__]
        assert len(homes) == 1, name
        assert getattr(charts, name) is getattr(homes[0], name)
    made = {n for room in rooms[:3] for n in room.__all__ if n.endswith("_chart")}
    assert made == {n for n in charts.__all__ if n.endswith("_chart")}
    assert len(made) == 10


# --- a third language is one catalog file -------------------------------------------------
NNBSP = "\u202f"  # CLDR's narrow no-break space, the French thousands sign


@pytest.fixture
def french(tmp_path, monkeypatch):
    """A tiny French catalog holding four of the charts' words, in a folder of its own."""
    from kpikit.i18n import messages

    (tmp_path / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr_FR\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "History"\nmsgstr "Historique"\n\n'
        'msgid "Q{quarter} {year}"\nmsgstr "T{quarter} {year}"\n\n'
        'msgctxt "billions"\nmsgid "{number}B"\nmsgstr "{number} Md"\n\n'
        'msgid "at maximum"\nmsgstr "au maximum"\n', encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    yield tmp_path
    kpikit.set_language(None)


def test_a_french_catalog_changes_the_charts_words_and_formats(sample, french):
    from datetime import date
    from types import SimpleNamespace

    import pandas as pd

    from kpikit.analysis.evaluate import evaluate
    from kpikit.analysis.series import pacing_series
    from kpikit.views.chart_style import period_text

    f = feasibility(sample, "cpa", 128_000, cadence="monthly", campaigns=["Always-on Search"])
    fig = charts.feasibility_chart(f, lang="fr", currency="VND")
    assert fig.data[0].name == "Historique"                       # from fr.po
    texts = [a.text for a in fig.layout.annotations]
    # "Target" is not in fr.po: English words around a French amount
    assert any(t.startswith(f"Target: 128{NNBSP}000 ₫") for t in texts)
    assert fig.layout.separators == f",{NNBSP}"                   # 1 234,5
    assert period_text(pd.Period("2025Q3", "Q"), "Q", "fr") == "T3 2025"
    assert period_text(pd.Period("2025-01", "M"), "M", "fr") == "janv. 2025"

    plan = Plan.from_yaml(kpikit.sample_path().parent / "plan_tet_sale.yaml")
    ev = evaluate(sample, plan, as_of=date(2027, 1, 25))
    score = charts.scorecard_chart(ev, lang="fr", currency="VND")
    money = dict(zip(ev.totals()["kpi"], score.data, strict=True))["revenue"]
    # 14.3 billion: the French scale word, then the symbol where French money puts it
    assert money.number.suffix == " Md ₫" and money.number.prefix is None
    assert score.layout.title.text == "Scorecard as of 25 janv. 2027"  # English, French date
    pacing = charts.pacing_chart(pacing_series(sample, ev, "revenue"), "revenue", lang="fr")
    assert pacing.layout.xaxis.tickformat == "%d/%m/%Y"          # plotly's months are English
    assert [t.name for t in pacing.data][-1] == "Actual"

    table = pd.DataFrame({"channel": ["a", "b"], "current": [1.0, 2.0],
                          "recommended": [0.0, 3.0], "binding": ["zero", "max"]})
    bars = charts.allocation_chart(SimpleNamespace(table=table), lang="fr")
    assert list(bars.data[1].text) == ["cut to 0", "au maximum"]
    assert bars.layout.title.text == "Budget per channel"


def test_quarters_scores_and_scales_in_english_and_vietnamese(sample):
    from datetime import date

    import pandas as pd

    from kpikit.analysis.evaluate import evaluate
    from kpikit.views.chart_style import period_text

    q = pd.Period("2025Q1", "Q")
    assert period_text(q, "Q", "vi") == "Quý 1/2025"
    assert period_text(q, "Q", "en") == "Q1 2025"
    plan = Plan.from_yaml(kpikit.sample_path().parent / "plan_tet_sale.yaml")
    ev = evaluate(sample, plan, as_of=date(2027, 1, 25))
    assert charts.scorecard_chart(ev, lang="vi").layout.title.text == "Bảng điểm ngày 25/01/2027"
    assert charts.scorecard_chart(ev, lang="en").layout.title.text == "Scorecard as of Jan 25, 2027"


@pytest.mark.parametrize(("lang", "top", "currency", "expected"), [
    ("vi", 2.5e6, "VND", {"valueformat": ",.1f", "suffix": " tr ₫"}),
    ("vi", 3e12, None, {"valueformat": ",.1f", "suffix": " nghìn tỷ"}),
    ("vi", 900.0, "USD", {"valueformat": ",.0f", "suffix": " US$"}),
    ("en", 3e12, "VND", {"valueformat": ",.1f", "prefix": "₫", "suffix": "T"}),
    ("en", 2.5e6, "XYZ", {"valueformat": ",.1f", "suffix": "M XYZ"}),
    ("en", 900.0, None, {"valueformat": ",.0f"}),
])
def test_gauge_numbers_put_scale_and_symbol_where_the_language_does(lang, top, currency,
                                                                     expected):
    from kpikit.views.evaluation_charts import _number_format, _scale

    unit = "currency" if currency else "count"
    assert _number_format(unit, currency, lang, _scale(top, unit)[1]) == expected
