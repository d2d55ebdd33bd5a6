"""Every notebook, run in each language, shows its tables and lines in that language.

A reader of the Vietnamese notebooks must not meet raw column names (``weight_before``),
English words that kpikit wrote (``unassigned``, ``off track``, ``mix``), numbers in
e-notation (``5.384e-05``) or ISO dates; a reader of the English ones no Vietnamese.
Names that come from the data (campaigns, channels, owners) are taken out first: they
are the user's words, shown as written.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

papermill = pytest.importorskip("papermill")

import kpikit  # noqa: E402
from kpikit.plans import Plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
DATA = ROOT / "data"

# English words that kpikit itself writes in tables and lines (never data)
ENGLISH = [
    "unassigned", "on track", "off track", "at risk", "achieved", "missed", "too early",
    "no data", "weekly", "monthly", "quarterly", "short term", "long term", "mix", "rate",
    "before", "after", "current", "recommended", "target", "baseline", "actual", "expected",
    "binding", "feasibility", "realistic", "ambitious", "out of reach", "per day",
    "cumulative", "est.", "n.s.", "yes", "CONTRADICTION", "NOT OK", "note:", "None", "nan",
    "NaN", "the", "and", "of", "vs", "by channel", "total budget", "sales", "Jan", "Feb",
]
SNAKE = re.compile(r"(?<![\w./:-])[a-z]+(?:_[a-z0-9]+)+(?![\w./(-])")
ENOTATION = re.compile(r"\d[eE][+-]?\d")
ISO_DAY = re.compile(r"(?<![\w/-])\d{4}-\d{2}-\d{2}(?![\w-])")
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def _data_words() -> list[str]:
    """Names the data and the shipped plans bring: shown as the user wrote them."""
    sample = kpikit.load_sample()
    words = {*sample["campaign"].astype(str), *sample["channel"].astype(str)}
    for name in ("plan_tet_sale.yaml", "plan_brand_engagement.yaml"):
        plan = Plan.from_yaml(DATA / name)
        words |= {plan.name, *(t.owner for _, t in plan.targets())}
    return sorted(words, key=len, reverse=True)


def _shown(nb: nbformat.NotebookNode) -> list[str]:
    """The text a reader sees: printed lines and HTML tables (charts and reprs left out)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                if o["text"].startswith("plan: "):
                    continue  # a plan file shown as saved: its keys and codes are the format
                out.append(o["text"])
            elif "text/html" in o.get("data", {}):
                page = o["data"]["text/html"]
                if "Plotly" in page or "<script" in page:
                    continue
                page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
                out.append(html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return out


def _problems(texts: list[str], lang: str, data_words: list[str]) -> list[str]:
    found = []
    for text in texts:
        for w in data_words:
            text = text.replace(w, " ")
        text = re.sub(r"\S+\.(?:ipynb|csv|yaml|html|json)\b|\S*/\S*", " ", text)  # paths
        found += [f"e-notation {m!r}" for m in ENOTATION.findall(text)]
        if lang == "vi":
            found += [f"raw name {m!r}" for m in SNAKE.findall(text)]
            found += [f"ISO date {m!r}" for m in ISO_DAY.findall(text)]
            for word in ENGLISH:
                if re.search(rf"(?<![\w.]){re.escape(word)}(?![\w])", text):
                    found.append(f"English {word!r} in: ...{_around(text, word)}...")
        elif (m := VIETNAMESE.search(text)) is not None:
            found.append(f"Vietnamese in English output: {_around(text, m[0])}")
    return found


def _around(text: str, word: str) -> str:
    i = text.find(word)
    return " ".join(text[max(0, i - 60): i + 60].split())


@pytest.fixture(autouse=True)
def headless(monkeypatch):
    monkeypatch.setenv("KPIKIT_STATIC", "1")  # widgets shown statically, as in a batch


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", ["01_goal_setting", "02_evaluation", "03_optimization",
                                  "00_kpi_basics"])
def test_notebook_speaks_one_language(name, lang, tmp_path):
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(NB_DIR / f"{name}.ipynb"), str(out),
                               parameters={"lang": lang, "output_dir": str(tmp_path / "out")},
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False)
    texts = _shown(nbformat.read(out, as_version=4))
    assert texts, "the notebook showed nothing"
    problems = _problems(texts, lang, _data_words())
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_checker_finds_what_it_looks_for():
    """The checks themselves: each kind of slip is caught, clean text passes."""
    words = ["Thu Hà (e-commerce manager)", "Tết Sale"]
    bad = ["Kênh weight_before 5,384e-05", "Người phụ trách unassigned", "Từ 2027-01-02",
           "Theo kênh: social (mix -0,22x, rate 0,1x)"]
    found = _problems(bad, "vi", words)
    assert any("weight_before" in f for f in found)
    assert any("e-notation" in f for f in found)
    assert any("'unassigned'" in f for f in found)
    assert any("ISO date" in f for f in found)
    assert any("'mix'" in f for f in found) and any("'rate'" in f for f in found)
    clean = ["Thu Hà (e-commerce manager) Doanh thu 14,3 tỷ ₫ chệch hướng 02/01/2027",
             "Tết Sale: tỷ trọng 31,7%"]
    assert _problems(clean, "vi", words) == []
    assert _problems(["Revenue: off track"], "en", words) == []
    assert _problems(["Doanh thu: chệch hướng"], "en", words) != []


def test_tables_translate_code_words_but_not_names():
    """``unassigned`` and ``weekly`` are kpikit's words; an owner called ``log`` or a channel
    called ``all`` are the user's names and stay as written."""
    import pandas as pd

    from kpikit.views import display as nb

    df = pd.DataFrame({"owner": ["unassigned", "log"], "channel": ["all", "search"],
                       "cadence": ["weekly", "quarterly"], "weight_before": [0.5, 0.25]})
    vi = nb.rename(df, "vi")
    assert list(vi.columns) == ["Người phụ trách", "Kênh", "Chu kỳ", "Tỷ trọng trước"]
    assert vi["Người phụ trách"].tolist() == ["chưa giao", "log"]
    assert vi["Kênh"].tolist() == ["all", "search"]
    assert vi["Chu kỳ"].tolist() == ["hằng tuần", "hằng quý"]
    assert nb._cell(5.384e-05, "vi", False) == "0,00005384"
    assert nb._cell(0.3166, "vi", True) == "31,7%"
    assert nb._cell(1234567.0, "vi", False) == "1.234.567"

    # the curves table's errors are shares, as the lines under it say (27,5%, not 0,2750)
    curves = pd.DataFrame({"mape": [0.212], "holdout_error": [0.275],
                           "holdout_mean_error": [0.412]})
    html = nb.show(nb.rename(curves, "vi"), "vi").to_html()
    assert "21,2%" in html and "27,5%" in html and "41,2%" in html and "0,2750" not in html


def test_lines_follow_the_language_with_dates_and_words_of_the_reader():
    from datetime import date

    from kpikit.views.display import binding_text, line

    span = {"plan": "Tết Sale 2027", "start": date(2027, 1, 1), "end": date(2027, 2, 28),
            "as_of": date(2027, 1, 25), "pacing": "seasonal"}
    assert line("period", "vi", **span) == ("Tết Sale 2027: 01/01/2027 đến 28/02/2027, tính đến "
                                            "25/01/2027 (tiến độ theo mùa vụ)")
    assert line("period", "en", **span) == ("Tết Sale 2027: 2027-01-01 to 2027-02-28, as of "
                                            "2027-01-25 (seasonal pacing)")
    assert line("binding", "vi", binding=["total budget", "search max"]) == (
        "ràng buộc đang chặn: tổng ngân sách, search mức tối đa")
    assert line("binding", "en", binding=[]) == "binding: none"
    assert line("cascade", "vi", error=0.0123) == "tích các yếu tố khớp mục tiêu với sai số 1,23%"
    assert line("segments", "vi", kpi="revenue", by="channel") == "Doanh thu theo kênh"
    assert binding_text("CPA limit", "vi") == "giới hạn CPA"
    assert binding_text("video min", "en") == "video min"
    with kpikit.using_language("vi"):  # lang=None: the current language
        assert line("note", text="x") == "lưu ý: x"
        assert binding_text(">= target") == "≥ chỉ tiêu"


def test_say_writes_escaped_paragraphs_and_skips_empty_lines():
    from kpikit.views.display import say

    html_out = say("<img src=x onerror=alert(1)>", "", "second").data
    assert html_out == ("<p class='kpikit-line'>&lt;img src=x onerror=alert(1)&gt;</p>"
                        "<p class='kpikit-line'>second</p>")


def test_flags_and_missing_cells_are_words_not_python():
    import pandas as pd

    from kpikit.views.display import rename, show

    df = pd.DataFrame({"holdout_passed": [True, False, None], "form": ["hill", "log", None]})
    vi = rename(df, "vi")
    assert list(vi.columns) == ["Đạt kiểm tra giữ lại", "Dạng đường cong"]
    assert vi["Đạt kiểm tra giữ lại"].tolist()[:2] == ["có", "không"]
    assert vi["Dạng đường cong"].tolist()[:2] == ["Hill", "logarit"]
    page = show(vi, "vi").to_html()
    assert "None" not in page and "nan" not in page and "–" in page
    assert rename(df, "en")["Holdout passed"].tolist()[:2] == ["yes", "no"]


def test_verdicts_and_gain_line_in_each_language():
    from types import SimpleNamespace

    from kpikit.views.notebook_tables import gain_line, verdict_text

    assert verdict_text("keep", "vi") == "chưa có cơ sở: giữ cơ cấu và thử nghiệm trước"
    assert verdict_text("act", "en") == "supported: act on it"
    alloc = SimpleNamespace(outcome="revenue", gain=1500000.0, gain_low=-200000.0,
                            gain_high=3000000.0, prob_gain=0.85, verdict="act")
    assert gain_line(alloc, "vi", "VND") == (
        "mức tăng so cặp +1.500.000 ₫ (khoảng 90% từ -200.000 ₫ đến +3.000.000 ₫); 85% số "
        "lần lấy mẫu cho kết quả tăng: có cơ sở: nên thực hiện")
    assert gain_line(alloc, "en", "VND") == (
        "paired gain +₫1,500,000 (90% interval -₫200,000 to +₫3,000,000); 85% of the draws "
        "gain: supported: act on it")
