"""The KPI basics lesson: its calculations against hand-computed values, its widgets, its
texts in both languages, and the notebook under papermill in vi and en."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kpikit import lesson
from kpikit.errors import ParameterError
from kpikit.goals import TREES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    import kpikit

    return kpikit.load_sample()


def test_playground_values_by_hand():
    v = lesson.playground_values(impressions=50_000, clicks=1_250, spend=5_000_000,
                                 conversions=50, revenue=20_000_000)
    assert v["ctr"] == pytest.approx(1_250 / 50_000)  # 2.5%
    assert v["cpc"] == pytest.approx(4_000)  # 5.000.000 / 1.250
    assert v["cvr"] == pytest.approx(0.04)  # 50 / 1.250
    assert v["cpa"] == pytest.approx(100_000)
    assert v["roas"] == pytest.approx(4.0)
    zero = lesson.playground_values(impressions=0, clicks=0, spend=1, conversions=0,
                                    revenue=0)
    assert all(math.isnan(zero[k]) for k in ("ctr", "cpc", "cvr", "cpa"))  # never 0 or inf
    assert zero["roas"] == 0


def test_ratio_trap_by_hand():
    two = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                        "campaign": "x", "channel": "x", "impressions": [1_000.0, 99_000.0],
                        "clicks": [100.0, 990.0]})
    r = lesson.ratio_trap(two, "ctr", by="date")
    assert r["mean_of_ratios"] == pytest.approx((0.10 + 0.01) / 2)  # 5.5%, wrong
    assert r["sum_over_sum"] == pytest.approx(1_090 / 100_000)  # 1.09%, right


def test_tree_what_if_multiplies_exactly():
    tree = TREES["revenue"][0]  # impressions x ctr x cvr x value per conversion
    base = {"impressions": 1_000_000, "ctr": 0.02, "cvr": 0.05, "value_per_conversion": 500_000,
            "revenue": 1_000_000 * 0.02 * 0.05 * 500_000}
    out = lesson.tree_what_if(tree, base, {"ctr": 0.10, "cvr": -0.20})
    assert out["ctr"] == pytest.approx(0.022) and out["cvr"] == pytest.approx(0.04)
    assert out["revenue"] == pytest.approx(base["revenue"] * 1.1 * 0.8)
    assert out["goal_change"] == pytest.approx(1.1 * 0.8 - 1)  # -12%


def test_gappy_copy_has_the_promised_gaps(sample):
    g = lesson.gappy_copy(sample)
    days = pd.date_range("2026-10-01", "2026-12-31")
    assert g["date"].nunique() == len(days) - 10
    share = g["revenue"].isna().mean()
    assert 0.1 < share < 0.3
    assert sample["revenue"].notna().sum() > 0  # the original is untouched
    with pytest.raises(ParameterError, match="no rows"):
        lesson.gappy_copy(sample, campaign="nope")


def test_texts_exist_in_both_languages_and_differ():
    for key, (en, vi) in lesson.TEXT.items():
        assert en.strip() and vi.strip(), key
        if len(en) > 20:
            assert en != vi, key
    assert lesson.text("s1", "vi").startswith("1 · Xác định")
    with pytest.raises(ParameterError, match="lang"):
        lesson.text("s1", "fr")
    assert list(lesson.steps_table("vi").columns) == ["Bước", "Trong kpikit", "Ở đâu"]
    assert len(lesson.steps_table("en")) == 8


def test_exercise_answers_are_computed_and_checked():
    qs = lesson.exercises("vi")
    assert qs[0].is_right(2.5) and not qs[0].is_right(25) and not qs[0].is_right("abc")
    assert "1.250" in qs[0].prompt  # Vietnamese thousands separator
    assert qs[1].choices[qs[1].answer] == "CPA"  # the only lower-is-better option
    assert qs[2].choices[qs[2].answer] == "1,09%"  # sum/sum, with the decimal comma
    quiz = lesson.Quiz(lang="en")
    quiz.inputs[0].value = 2.5
    assert quiz.check(0) and "✅" in quiz.feedback[0].value
    quiz.inputs[1].value = 0  # ROAS: wrong
    assert not quiz.check(1) and "❌" in quiz.feedback[1].value


def test_widgets_redraw_when_moved(sample, monkeypatch):
    monkeypatch.delenv("KPIKIT_STATIC", raising=False)
    play = lesson.FormulaPlayground(lang="vi")
    before = play.result.value
    assert "2,50%" in before and "4.000 ₫" in before  # CTR and CPC, Vietnamese formats
    play.sliders["clicks"].value = 2_500
    assert "5,00%" in play.result.value and "2.000 ₫" in play.result.value
    # the sliders' own readouts are written the Vietnamese way too
    readouts = {w.value for box in play.widget.children[:5] for w in box.children[1:]}
    assert {"50.000", "2.500", "5.000.000 ₫", "50", "20.000.000 ₫"} <= readouts
    assert not play.sliders["spend"].readout  # the English-only readout is off

    jan = sample[sample["date"].dt.strftime("%Y-%m") == "2027-01"]
    trap = lesson.RatioTrap(jan, by="campaign", lang="en")
    first = trap.current()
    trap.slider.value = trap.slider.max
    moved = trap.current()
    jump_wrong = moved["mean_of_ratios"] - first["mean_of_ratios"]
    jump_right = moved["sum_over_sum"] - first["sum_over_sum"]
    assert jump_wrong > 3 * jump_right > 0

    tree = lesson.TreeExplorer(sample[sample["campaign"] == "Always-on Search"], lang="en")
    tree.sliders["ctr"].value = 10
    assert tree.current()["goal_change"] == pytest.approx(0.10)
    assert "+10.0%" in tree.result.value

    match = lesson.ObjectiveMatcher(sample, lang="vi")
    match.objective.value = "awareness"
    assert "Lượt hiển thị" in match.table.value and "CPM" in match.table.value

    pace = lesson.PacingSimulator(sample, lang="en")
    monthly = pace.result.value
    pace.cadence.value = "weekly"
    assert pace.result.value != monthly and pace.result.value.count("<tr>") > 3
    hz = lesson.HorizonCompare(sample, lang="en")
    s, lg = hz.series()
    assert len(s) > 12 and len(lg) > 12


def test_owner_table_lists_every_owner(sample):
    from kpikit.evaluate import evaluate
    from kpikit.notebook import bundled_plan
    from kpikit.plan import Plan

    plan = Plan.from_yaml(bundled_plan())
    ev = evaluate(sample, plan, as_of="2027-01-25", lang="vi")
    t = lesson.owner_table(ev, lang="vi")
    owners = {k.owner for _, k in plan.targets()}
    assert set(t.iloc[:, 0]) == owners
    assert t.iloc[:, -1].str.endswith("%").all() or t.iloc[:, -1].eq("–").any()


def test_query_lang_reads_voila_address(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "lang=vi&x=1")
    assert lesson.query_lang("en") == "vi"
    monkeypatch.setenv("QUERY_STRING", "lang=fr")
    assert lesson.query_lang("en") == "en"
    monkeypatch.delenv("QUERY_STRING")
    assert lesson.query_lang("vi") == "vi"


@pytest.mark.parametrize("lang, marker", [("vi", "Tám bước"), ("en", "The eight steps")])
def test_lesson_notebook_runs_in_both_languages(tmp_path, monkeypatch, lang, marker):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("KPIKIT_STATIC", "1")  # headless, as in test_notebooks.py
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "00_kpi_basics.ipynb"), str(out),
                               parameters={"lang": lang, "output_dir": "out"},
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False)
    text = out.read_text(encoding="utf-8")
    assert marker in text
    other = "The eight steps" if lang == "vi" else "Tám bước"
    assert other not in text.split('"outputs"', 1)[1]  # outputs in one language only
    assert (tmp_path / "out" / "export_with_gaps.csv").exists()
