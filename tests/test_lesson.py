"""The KPI basics lesson: its calculations against hand-computed values, its widgets, its
texts in both languages, and the notebook under papermill in vi and en."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest

from kpikit.catalog import KPIS
from kpikit.errors import ParameterError
from kpikit.plans import TREES
from kpikit.runs import lesson_server
from kpikit.views import lesson, lesson_text
from kpikit.views import lesson_review as review
from kpikit.views import lesson_widgets as widgets

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
    for key in lesson_text.text_keys():
        en, vi = lesson.text(key, "en"), lesson.text(key, "vi")
        assert en.strip() and vi.strip(), key
        if len(en) > 20:
            assert en != vi, key
    assert lesson.text("s1", "vi").startswith("1 · Xác định")
    with pytest.raises(ParameterError, match="lang"):
        lesson.text("s1", "fr")
    assert list(lesson.steps_table("vi").columns) == ["Bước", "Câu hỏi cần trả lời"]
    assert len(lesson.steps_table("en")) == 8
    # trainers can still ask for the tools behind each step
    assert list(lesson.steps_table("vi", tools=True).columns)[2:] == ["Trong kpikit", "Ở đâu"]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_students_see_no_code(lang):
    cells = [str(v) for row in lesson.steps_table(lang).itertuples(index=False) for v in row]
    cells += [lesson.formula_words(k, lang) for k in KPIS]
    for c in cells:
        for code in ("sum(", "last(", "first(", "_", ".ipynb", "kpikit.", "()", " * "):
            assert code not in c, (code, c)


def test_formula_words_by_hand():
    assert lesson.formula_words("ctr", "vi") == "CTR = Lượt nhấp (tất cả) ÷ Lượt hiển thị"
    assert lesson.formula_words("roas", "en") == "ROAS = Revenue ÷ Spend"
    # a per-mille KPI says its factor, written the reader's way
    assert lesson.formula_words("cpm", "vi") == "CPM = 1.000 × Chi phí ÷ Lượt hiển thị"
    assert lesson.formula_words("cpm", "en").startswith("CPM = 1,000 × ")


@pytest.mark.parametrize("lang, typed, value", [
    ("vi", "2,5", 2.5), ("vi", " 2,5 % ", 2.5), ("vi", "1.250", 1250.0), ("vi", "2.5", 2.5),
    ("vi", "1.250,75", 1250.75), ("en", "2.5", 2.5), ("en", "1,250", 1250.0),
    ("en", "2,5", 2.5), ("en", "-0.5", -0.5), ("vi", "", None), ("vi", "abc", None),
    ("en", "2.5.1", None), ("vi", "1e400", None)])
def test_parse_answer_reads_the_students_language(lang, typed, value):
    assert lesson.parse_answer(typed, lang) == value


def test_cells_are_written_the_readers_way():
    from datetime import date

    assert lesson.cell_text(0.207317, "null_share", "vi") == "20,7%"
    assert lesson.cell_text(0.207317, "null_share", "en") == "20.7%"
    assert lesson.cell_text(None, "last_date", "vi") == "–"
    assert lesson.cell_text(float("nan"), "null_share", "en") == "–"
    assert lesson.cell_text((), "missing_measures", "vi") == "không có"
    assert lesson.cell_text("", "missing_measures", "en") == "none"
    assert lesson.cell_text(("revenue",), "missing_measures", "vi") == "Doanh thu"
    assert lesson.cell_text(date(2026, 10, 1), "window_start", "vi") == "01/10/2026"
    assert lesson.cell_text(pd.Timestamp("2026-10-01"), "window_start", "en") == "2026-10-01"
    assert lesson.cell_text(1234, "days_covered", "vi") == "1.234"


def test_months_are_written_the_readers_way():
    import plotly.graph_objects as go

    assert lesson.month_text("2025-01", "vi") == "01/2025"
    assert lesson.month_text(pd.Period("2025-01", freq="M"), "en") == "Jan 2025"
    fig = lesson.month_axis(go.Figure(go.Scatter(x=["2025-01", "2025-02"], y=[1, 2])), "vi")
    assert fig.layout.xaxis.tickformat == "%m/%Y"
    assert lesson.month_axis(go.Figure(), "en").layout.xaxis.tickformat is None


def test_availability_reads_as_vietnamese(sample, tmp_path):
    import kpikit

    gappy = kpikit.load(lesson.write_gappy_export(sample, tmp_path))
    check = widgets.AvailabilityCheck(gappy, lang="vi")
    head, body = check.rows()
    assert head[:3] == ["KPI", "Từ ngày", "Đến ngày"]
    raw = check.check()
    share = raw.loc[raw["kpi"] == "revenue", "null_share"].iloc[0]
    shown = [r for r in body if r[0] == "Doanh thu"][0]
    expected = f"{share * 100:.1f}%".replace(".", ",")
    assert expected in shown and "01/10/2026" in shown and "31/12/2026" in shown
    html_ = check.table.value
    assert "None" not in html_ and "nan" not in html_ and "gaps" not in html_
    assert f"{share * 100:.1f}%" not in html_  # no English decimal point


def _no_emoji(s: str) -> bool:
    # pictographs need an emoji font; a plain Chromium draws them as empty boxes
    return not any(0x2600 <= ord(c) <= 0x27BF or ord(c) >= 0x1F000 for c in s)


def test_exercise_answers_are_computed_and_checked():
    qs = lesson.exercises("vi")
    assert qs[0].is_right(2.5) and not qs[0].is_right(25) and not qs[0].is_right("abc")
    assert qs[0].is_right("2,5", "vi") and not qs[0].is_right("25", "vi")
    assert "1.250" in qs[0].prompt  # Vietnamese thousands separator
    assert qs[1].choices[qs[1].answer] == "CPA"  # the only lower-is-better option
    assert qs[2].choices[qs[2].answer] == "1,09%"  # sum/sum, with the decimal comma
    quiz = review.Quiz(lang="en")
    quiz.inputs[0].value = "2.5"
    assert quiz.check(0) and "kpikit-verdict-right" in quiz.feedback[0].value
    quiz.inputs[1].value = 0  # ROAS: wrong
    assert not quiz.check(1) and "kpikit-verdict-wrong" in quiz.feedback[1].value
    assert all(_no_emoji(f.value) for f in quiz.feedback)


def test_quiz_reads_a_vietnamese_decimal_comma():
    quiz = review.Quiz(lang="vi")
    quiz.inputs[0].value = "2,5"  # 1.250 / 50.000 = 2,5%
    assert quiz.check(0) and "Đúng rồi" in quiz.feedback[0].value
    quiz.inputs[0].value = "25"
    assert not quiz.check(0) and "Chưa đúng" in quiz.feedback[0].value
    quiz.inputs[0].value = "hai phẩy năm"
    assert not quiz.check(0) and "Hãy nhập một con số, ví dụ 2,5" in quiz.feedback[0].value
    assert not quiz.check(1) and "Hãy chọn" in quiz.feedback[1].value  # nothing chosen yet
    assert all(_no_emoji(f.value) for f in quiz.feedback)


@pytest.mark.parametrize("lang, people", [("en", "people"), ("vi", "người")])
def test_awareness_feedback_does_not_say_impressions_count_people(lang, people):
    q = lesson.exercises(lang)[3]
    right = q.choices[q.answer]
    assert right in ("Impressions", "Lượt hiển thị", "Reach", "Người tiếp cận")
    if right in ("Impressions", "Lượt hiển thị"):
        assert people not in q.explain  # impressions count showings; reach counts people
        assert ("shown" in q.explain) if lang == "en" else ("hiển thị" in q.explain)


def test_playground_refuses_clicks_above_impressions(monkeypatch):
    monkeypatch.delenv("KPIKIT_STATIC", raising=False)
    play = widgets.FormulaPlayground(lang="vi")
    assert play.problems() == [] and "kpikit-warning" not in play.result.value
    play.sliders["impressions"].value = 2_000
    play.sliders["clicks"].value = 9_000  # CTR would be 450%
    value = play.result.value
    assert "450" not in value and "<b class='kpikit-ctr'>–</b>" in value
    assert [k for k, _ in play.problems()] == ["ctr"]
    assert "9.000" in value and "2.000" in value and "100%" in value
    assert _no_emoji(value)
    # the other KPIs of the same sliders are still shown: CPC = 5.000.000 / 9.000
    assert "556 ₫" in value
    play.sliders["impressions"].value = 9_000  # equal is possible: every view clicked
    assert play.problems() == [] and "100,00%" in play.result.value


def test_step7_folds_the_statistics(sample):
    from kpikit.analysis.evaluate import evaluate
    from kpikit.plans import Plan
    from kpikit.runs.params import bundled_plan
    from kpikit.views.notebook_tables import diagnosis

    ev = evaluate(sample, Plan.from_yaml(bundled_plan()), as_of="2027-01-25", lang="vi")
    out = lesson.diagnosis_html(ev, "vi").data
    shown, folded = out.split("<details", 1)
    assert "p=" not in shown and "p=" in folded  # the p-values are folded away
    assert "<summary>" in folded and " open" not in folded.split(">", 1)[0]
    assert shown.count("<tr>") == len(diagnosis(ev)) + 1  # one row per KPI that missed
    assert "chệch hướng" in shown


NOTEBOOK = ROOT / "notebooks" / "00_kpi_basics.ipynb"


def test_voila_command_culls_and_prestarts(tmp_path, monkeypatch):
    monkeypatch.delenv("KPIKIT_LESSON_POOL", raising=False)
    monkeypatch.delenv("KPIKIT_LESSON_CULL", raising=False)
    monkeypatch.setenv("KPIKIT_LESSON_LANG", "en")  # an old server-wide language: ignored
    monkeypatch.chdir(tmp_path)
    cmd, env = lesson_server.voila_command(NOTEBOOK, tmp_path, port=8123, lang="vi")
    assert "--template=kpikit-lesson" in cmd and "--strip_sources=True" in cmd
    assert "--preheat_kernel=True" in cmd and f"--pool_size={lesson_server.POOL_SIZE}" in cmd
    assert "--MappingKernelManager.cull_idle_timeout=600" in cmd
    assert "--MappingKernelManager.cull_connected=False" in cmd
    assert f"--VoilaKernelManager.fill_delay={lesson_server.REFILL_DELAY_SECONDS}" in cmd
    # the served folder holds one copy per language, each with a pool of its own:
    # the server's language for the class, one kernel ahead for the other
    assert cmd[3] == str(tmp_path / "lesson")
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(tmp_path)
    voila = json.loads((tmp_path / "voila.json").read_text(encoding="utf-8"))
    config = voila["VoilaKernelManager"]["kernel_pools_config"]
    assert config == {"default": {"pool_size": 0},
                      "vi/00_kpi_basics.ipynb": {"pool_size": 10},
                      "en/00_kpi_basics.ipynb": {"pool_size": 1}}
    assert "KPIKIT_LESSON_LANG" not in env  # the copy decides, not the server
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(tmp_path)
    template = tmp_path / "voila" / "templates" / "kpikit-lesson"
    assert "kpikit-docs" in (template / "index.html.j2").read_text()
    assert '"lab"' in (template / "conf.json").read_text()
    monkeypatch.setenv("KPIKIT_LESSON_POOL", "0")
    monkeypatch.setenv("KPIKIT_LESSON_CULL", "120")
    cmd, _ = lesson_server.voila_command(NOTEBOOK, tmp_path, port=8123, lang="en")
    assert not any("preheat" in c for c in cmd)
    assert json.loads((tmp_path / "voila.json").read_text(encoding="utf-8")) == {
        "VoilaKernelManager": {"kernel_pools_config": {}}}
    assert "--MappingKernelManager.cull_idle_timeout=120" in cmd
    for bad in ("many", "-1", "5"):
        monkeypatch.setenv("KPIKIT_LESSON_CULL", bad)
        with pytest.raises(ParameterError, match="KPIKIT_LESSON_CULL"):
            lesson_server.voila_command(NOTEBOOK, tmp_path, port=8123, lang="en")


def test_each_language_has_its_own_copy(tmp_path):
    import nbformat

    copies = lesson_server.lesson_copies(NOTEBOOK, tmp_path / "served",
                                         output_dir=tmp_path / "out")
    assert set(copies) == {"en", "vi"}
    original = nbformat.read(NOTEBOOK, as_version=4)
    for lang, path in copies.items():
        assert path == tmp_path / "served" / lang / "00_kpi_basics.ipynb"
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        at = tags.index(["parameters"])
        injected = nb.cells[at + 1]
        assert tags[at + 1] == ["injected-parameters"]
        assert injected.source.splitlines() == [
            f"lang = {lang!r}", f"output_dir = {str((tmp_path / 'out').resolve())!r}"]
        # nothing else changed: the copy is the lesson, one cell longer
        rest = [c.source for i, c in enumerate(nb.cells) if i != at + 1]
        assert rest == [c.source for c in original.cells]
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": []}', encoding="utf-8")
    with pytest.raises(ParameterError, match="parameters"):
        lesson_server.lesson_copies(bad, tmp_path / "x")
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(ParameterError, match="bad.ipynb"):
        lesson_server.lesson_copies(bad, tmp_path / "x")


@pytest.mark.parametrize("query, server, lang", [
    ("", "vi", "vi"), ("lang=en", "vi", "en"), ("x=1&lang=vi", "en", "vi"),
    ("lang=fr", "en", "en"), ("lang=en%22", "vi", "vi"), ("lang=", "en", "en")])
def test_front_page_sends_each_student_to_their_language(tmp_path, query, server, lang):
    """``/`` (Voila's tree page) redirects to the copy of ``?lang=``, else the server's."""
    import jinja2

    lesson_server.voila_command(NOTEBOOK, tmp_path, port=8123, lang=server)
    folder = tmp_path / "voila" / "templates" / "kpikit-lesson"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
    for page in ("tree-lab.html", "tree.html"):
        out = env.get_template(page).render(query=query, base_url="/")
        assert f"url=/voila/render/{lang}/00_kpi_basics.ipynb'" in out, out


def test_docs_cell_is_tagged_for_the_voila_template():
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "00_kpi_basics.ipynb", as_version=4)
    docs = [c for c in nb.cells if "kpikit-docs" in c.metadata.get("tags", [])]
    assert len(docs) == 1 and "papermill" in docs[0].source and "`lang`" in docs[0].source
    # every other markdown cell would reach the students: there is none
    assert [c for c in nb.cells if c.cell_type == "markdown"] == docs
    code = "".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "nb.show(lesson.steps_table" not in code and "steps_html" in code


def test_widgets_redraw_when_moved(sample, monkeypatch):
    monkeypatch.delenv("KPIKIT_STATIC", raising=False)
    play = widgets.FormulaPlayground(lang="vi")
    before = play.result.value
    assert "2,50%" in before and "4.000 ₫" in before  # CTR and CPC, Vietnamese formats
    play.sliders["clicks"].value = 2_500
    assert "5,00%" in play.result.value and "2.000 ₫" in play.result.value
    # the sliders' own readouts are written the Vietnamese way too
    readouts = {w.value for box in play.widget.children[:5] for w in box.children[1:]}
    assert {"50.000", "2.500", "5.000.000 ₫", "50", "20.000.000 ₫"} <= readouts
    assert not play.sliders["spend"].readout  # the English-only readout is off

    jan = sample[sample["date"].dt.strftime("%Y-%m") == "2027-01"]
    trap = widgets.RatioTrap(jan, by="campaign", lang="en")
    first = trap.current()
    trap.slider.value = trap.slider.max
    moved = trap.current()
    jump_wrong = moved["mean_of_ratios"] - first["mean_of_ratios"]
    jump_right = moved["sum_over_sum"] - first["sum_over_sum"]
    assert jump_wrong > 3 * jump_right > 0

    tree = widgets.TreeExplorer(sample[sample["campaign"] == "Always-on Search"], lang="en")
    tree.sliders["ctr"].value = 10
    assert tree.current()["goal_change"] == pytest.approx(0.10)
    assert "+10.0%" in tree.result.value

    match = widgets.ObjectiveMatcher(sample, lang="vi")
    match.objective.value = "awareness"
    assert "Lượt hiển thị" in match.table.value and "CPM" in match.table.value

    pace = review.PacingSimulator(sample, lang="en")
    monthly = pace.result.value
    pace.cadence.value = "weekly"
    assert pace.result.value != monthly and pace.result.value.count("<tr>") > 3
    hz = review.HorizonCompare(sample, lang="en")
    s, lg = hz.series()
    assert len(s) > 12 and len(lg) > 12


def test_owner_table_lists_every_owner(sample):
    from kpikit.analysis.evaluate import evaluate
    from kpikit.plans import Plan
    from kpikit.runs.params import bundled_plan

    plan = Plan.from_yaml(bundled_plan())
    ev = evaluate(sample, plan, as_of="2027-01-25", lang="vi")
    t = lesson.owner_table(ev, lang="vi")
    owners = {k.owner for _, k in plan.targets()}
    assert set(t.iloc[:, 0]) == owners
    # the notebook's one call gives the same review
    same = lesson.review_example(sample)
    assert same.totals()["actual"].tolist() == ev.totals()["actual"].tolist()
    assert t.iloc[:, -1].str.endswith("%").all() or t.iloc[:, -1].eq("–").any()


def test_query_lang_reads_voila_address(monkeypatch):
    from kpikit import language, set_language

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "lang=vi&x=1")
    assert lesson.query_lang("en") == "vi" and language() == "vi"  # and speaks it
    set_language(None)
    monkeypatch.setenv("KPIKIT_LESSON_LANG", "en")  # no longer read: the copy decides
    monkeypatch.delenv("QUERY_STRING")
    assert lesson.query_lang("vi") == "vi"
    monkeypatch.setenv("QUERY_STRING", "lang=fr")
    assert lesson.query_lang("en") == "en"
    with pytest.raises(ParameterError, match="lang"):
        lesson.query_lang("fr")
    set_language(None)  # the rest of the session speaks its own language again


def test_no_lesson_function_defaults_to_english():
    """``lang=None`` is the current language in every lesson module."""
    import ast

    for path in sorted((ROOT / "kpikit" / "views").glob("lesson*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                a = node.args
                pos = a.posonlyargs + a.args
                pairs = list(zip(pos[len(pos) - len(a.defaults):], a.defaults, strict=True))
                pairs += list(zip(a.kwonlyargs, a.kw_defaults, strict=True))
                for arg, default in pairs:
                    if arg.arg == "lang":
                        assert isinstance(default, ast.Constant) and default.value is None, (
                            path.name, node.name)


def test_the_current_language_reaches_the_lesson(monkeypatch):
    from kpikit import set_language, using_language

    monkeypatch.delenv("KPIKIT_STATIC", raising=False)
    with using_language("vi"):
        assert list(lesson.steps_table().columns) == ["Bước", "Câu hỏi cần trả lời"]
        assert lesson.formula_words("ctr") == "CTR = Lượt nhấp (tất cả) ÷ Lượt hiển thị"
        assert lesson.parse_answer("2,5") == 2.5
        assert "1.250" in lesson.exercises()[0].prompt
    set_language("vi")
    try:
        play = widgets.FormulaPlayground()
        assert "2,50%" in play.result.value and "Giá trị tính bằng VND" in \
            play.widget.children[-1].value
        # a widget keeps the language it was drawn in when the session changes
        set_language("en")
        play.sliders["clicks"].value = 2_500
        assert "5,00%" in play.result.value
    finally:
        set_language(None)
    assert lesson.text("s1", "en") == "1 · Define the objective"
    assert lesson_text.impossible_rate(num="Clicks", den="Impressions", n="9,000",
                                       d="2,000", kpi="CTR", lang="en") == (
        "Clicks (9,000) cannot be more than Impressions (2,000): clicks are counted among "
        "the impressions, so CTR cannot pass 100%. Lower clicks or raise impressions.")


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


def test_a_third_language_reaches_the_lesson(tmp_path, monkeypatch):
    """A French catalog of three words: they show, the rest stays English (never
    Vietnamese), and days, months, numbers and typed answers follow CLDR's fr_FR."""
    from datetime import date

    import plotly.graph_objects as go

    from kpikit.i18n import messages

    (tmp_path / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr_FR\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '\nmsgid "Exercises"\nmsgstr "Exercices"\n'
        '\nmsgid "Sales"\nmsgstr "Ventes"\n'
        '\nmsgid "none"\nmsgstr "aucune"\n', encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    nnbsp = "\u202f"
    assert lesson.text("exercises", "fr") == "Exercices"
    assert lesson.text("check", "fr") == "Check"
    assert lesson.cell_text((), "missing_measures", "fr") == "aucune"
    assert lesson.cell_text(date(2026, 10, 1), "window_start", "fr") == "1 oct. 2026"
    assert lesson.cell_text(1234, "days_covered", "fr") == f"1{nnbsp}234"
    assert lesson.cell_text(0.207317, "null_share", "fr") == "20,7 %"  # CLDR: a space
    assert lesson.month_text("2025-01", "fr") == "janv. 2025"
    fig = lesson.month_axis(go.Figure(go.Scatter(x=["2025-01", "2025-02"], y=[1, 2])), "fr")
    assert fig.layout.xaxis.tickformat == "%m/%Y"  # plotly names months in English only
    assert lesson.parse_answer("2,5", "fr") == 2.5
    assert lesson.parse_answer("12,5 %", "fr") == 12.5
    m = widgets.ObjectiveMatcher(lang="fr")
    assert ("Ventes", "sales") in m.objective.options
    assert ("Leads", "leads") in m.objective.options
    assert m.objective.description == "Objective"
