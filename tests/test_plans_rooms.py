"""kpikit.plans: rooms with one job, layered below analysis, speaking the reader's language."""

from __future__ import annotations

import subprocess
import sys

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
