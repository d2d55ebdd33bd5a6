"""kpikit.plans: rooms with one job, layered below analysis, speaking the reader's language."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import kpikit
from kpikit import using_language
from kpikit.plans import (
    Plan,
    PlanError,
    check_plan,
    feasibility_word,
    method_text,
    parse_target,
    recommend_kpis,
)
from kpikit.plans.reading import choices

PLANS = Path(kpikit.__file__).parent / "plans"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, as an absolute name."""
    package = "kpikit.plans"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            if node.module:
                out.add(name)
            else:  # "from .. import x" names a module, not an attribute of the package
                out.update(f"{name}.{a.name}" for a in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    mods = {f"kpikit.plans.{p.stem}": p for p in PLANS.glob("*.py") if p.stem != "__init__"}
    return {m: {i for i in _imports(p) if i in mods} for m, p in mods.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle of ``graph`` (as a path that returns to its start), or []."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return []










def test_import_plans_loads_no_ui():
    code = "import sys, kpikit.plans; print('plotly' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


# ------------------------------------------------------------------ words

def test_feasibility_and_method_words_follow_the_language():
    assert [feasibility_word(x, "en") for x in ("easy", "ambitious", "unknown")] == [
        "easy", "ambitious", "no verdict"]
    with using_language("vi"):
        assert feasibility_word("out of reach") == "ngoài tầm với"
        assert feasibility_word("realistic") == "khả thi"
        assert method_text("previous_period") == "kỳ trước"
        assert method_text("trailing") == "các kỳ gần nhất"
    assert method_text("last_year") == "last year" and method_text("trailing", "vi") == (
        "các kỳ gần nhất")
    assert method_text("something else") == "something else"


def test_plan_error_counts_in_each_language():
    one = {"plan": "x", "period": {"start": "2027-01-01", "end": "2027-01-31"},
           "objectives": [{"type": "sales", "kpis": [{"kpi": "roas", "target": 4,
                                                      "cadence": "daily"}]}]}
    two = {**one, "currency": "dollars"}
    with pytest.raises(PlanError) as e:
        Plan.from_dict(one)
    assert str(e.value).splitlines()[0] == "1 problem in the plan"
    with pytest.raises(PlanError) as e:
        Plan.from_dict(two)
    assert str(e.value).splitlines()[0] == "2 problems in the plan"
    with using_language("vi"), pytest.raises(PlanError) as e:
        Plan.from_dict(one)
    assert str(e.value).splitlines()[0] == "kế hoạch có 1 lỗi"
    assert "chọn trong weekly, monthly, quarterly, campaign" in str(e.value)


def test_close_names_are_joined_in_the_readers_words():
    assert choices("cpx", ["cpa", "cpc", "ctr"]) == (
        "choose from cpa, cpc, ctr (did you mean 'cpc' or 'cpa'?).")
    with using_language("vi"):
        assert choices("cpx", ["cpa", "cpc", "ctr"]) == (
            "chọn trong cpa, cpc, ctr (có phải ý bạn là 'cpc' hoặc 'cpa'?).")


def test_number_messages_write_the_decimal_the_readers_way():
    with pytest.raises(ValueError) as e:
        parse_target("1.234")
    assert "could be 1234 (the point groups thousands) or 1.234 (the point" in str(e.value)
    with using_language("vi"), pytest.raises(ValueError) as e:
        parse_target("1.234")
    assert "có thể là 1234 (dấu chấm phân cách hàng nghìn) hoặc 1,234 (dấu chấm là" in str(
        e.value)
    with pytest.raises(ValueError) as e:
        parse_target("1,234.5", number_format="vi")
    assert "written the English (1,234.5) way" in str(e.value)
    assert "write 1234.5 (no thousands separator)" in str(e.value)
    with using_language("vi"), pytest.raises(ValueError) as e:
        parse_target("1,234.5", number_format="vi")
    assert "được viết theo kiểu Anh (1,234.5), nhưng kế hoạch này viết số theo kiểu Việt" in str(
        e.value)
    assert "viết 1234,5 (không có dấu phân cách hàng nghìn)" in str(e.value)


def test_recommendations_speak_the_language_asked_for():
    recs = recommend_kpis("sales", lang="vi")
    assert recs[0].kpi == "revenue"
    assert recs[0].reason.startswith("Kết quả trực tiếp của mục tiêu doanh số. ")
    assert recommend_kpis("leads")[1].reason.startswith(
        "Tells whether the leads result is bought at a good price. ")


@pytest.fixture(scope="module")
def sample():
    return kpikit.load_sample()


def test_check_warnings_name_kpis_as_the_reader_does(sample):
    plan = Plan.from_dict({
        "plan": "x", "period": {"start": "2027-01-01", "end": "2027-01-31"},
        "objectives": [{"type": "sales", "kpis": [{"kpi": "roas", "target": 4},
                                                  {"kpi": "cpa", "target": 150000,
                                                   "owner": "Lan"}]}]})
    warnings = check_plan(plan, sample).warnings
    assert any(w.startswith("no owner named for roas (step 6") for w in warnings)
    assert any("such as new_customers, repeat_purchase_rate or follower_growth." in w
               for w in warnings)
    with using_language("vi"):
        warnings = check_plan(plan, sample).warnings
    assert any(w.startswith("chưa có người phụ trách cho ROAS (bước 6") for w in warnings)
    assert any("như Khách hàng mới, Tỷ lệ mua lại hoặc Tăng trưởng người theo dõi." in w
               for w in warnings)
