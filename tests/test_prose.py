"""kpikit.views.prose: the words for analysis values, in the language the reader asked for."""

from __future__ import annotations

import math

import pytest

import kpikit
from kpikit.analysis.evaluate import STATUSES, evaluate
from kpikit.analysis.optimize import ResponseCurve, allocate
from kpikit.views.prose import accountability, recommendations, status_text, summary_lines

from .test_evaluate import daily, plan_for

WORDS = {
    "on track": ("on track", "đúng tiến độ"), "at risk": ("at risk", "có rủi ro"),
    "off track": ("off track", "chệch hướng"), "achieved": ("achieved", "đã đạt"),
    "missed": ("missed", "không đạt"), "too early": ("too early to judge", "còn quá sớm"),
    "no data": ("no data", "không có dữ liệu"),
}


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_its_words_in_both_languages(status):
    en, vi = WORDS[status]
    assert status_text(status, "en") == en
    assert status_text(status, "vi") == vi
    with kpikit.using_language("vi"):
        assert status_text(status) == vi  # lang=None: the current language


def test_an_unknown_status_is_shown_as_it_is():
    assert status_text("paused", "vi") == "paused"


def _off_track():
    # 100 a day for 10 of 20 days against 3,000: 1,000 actual, 1,500 expected by now
    # (3,000 x 10/20), projected 2,000 (1,000 / (10/20)), no chance to reach 3,000
    df = daily("2027-01-01", "2027-01-20", revenue=100.0)
    return evaluate(df, plan_for("revenue", 3000), as_of="2027-01-10", pacing="linear")


def test_summary_line_by_hand_in_both_languages():
    ev = _off_track()
    assert ev.currency == "VND" and ev.lang is None
    assert summary_lines(ev, "en") == (
        "Revenue: off track. Actual ₫1,000 vs target ₫3,000 (expected to date ₫1,500). "
        "Projected ₫2,000, 0% chance to reach the target.",)
    assert summary_lines(ev, "vi") == (
        "Doanh thu: chệch hướng. Thực tế 1.000 ₫ so với chỉ tiêu 3.000 ₫ (kỳ vọng đến nay "
        "1.500 ₫). Dự báo 2.000 ₫, xác suất đạt chỉ tiêu 0%.",)


def test_summary_follows_the_language_channel():
    ev = _off_track()
    with kpikit.using_language("vi"):
        assert summary_lines(ev)[0].startswith("Doanh thu: chệch hướng.")
    assert summary_lines(ev)[0].startswith("Revenue: off track.")
    # a language asked of evaluate() is the summary's default; an explicit one wins
    df = daily("2027-01-01", "2027-01-20", revenue=100.0)
    ev_vi = evaluate(df, plan_for("revenue", 2000), as_of="2027-01-20", lang="vi")
    assert summary_lines(ev_vi) == ("Doanh thu: đã đạt. Thực tế 2.000 ₫ so với chỉ tiêu 2.000 ₫.",)
    assert summary_lines(ev_vi, "en")[0].startswith("Revenue: achieved. Actual ₫2,000")


def test_evaluate_still_refuses_an_unknown_language():
    df = daily("2027-01-01", "2027-01-20", revenue=100.0)
    with pytest.raises(kpikit.ParameterError, match="lang='fr'"):
        evaluate(df, plan_for("revenue", 2000), as_of="2027-01-20", lang="fr")


def test_accountability_speaks_the_current_language():
    ev = _off_track()
    with kpikit.using_language("vi"):
        table = accountability(ev)
    row = table.iloc[0]
    assert (row["owner"], row["kpi"], row["status"]) == ("Lan", "Doanh thu", "chệch hướng")
    assert row["attainment"] == pytest.approx(1000 / 1500)


def _curve(name, a, b, current):
    return ResponseCurve(name, "log", (float(a), float(b)), current=current, spend_max=math.inf)


def test_recommendations_follow_the_current_language_and_carry_the_diagnosis():
    curves = {"x": _curve("x", 100, 1000, 5000), "z": _curve("z", 300, 500, 1000)}
    a = allocate(curves)
    with kpikit.using_language("vi"):
        vi = recommendations(a, evaluation=_off_track())
    assert vi[0].startswith("Vì sao cần điều chỉnh: Doanh thu: chệch hướng.")
    assert vi[-1].startswith("Tổng cộng: lượt chuyển đổi từ")
    en = recommendations(a, evaluation=_off_track(), lang="en")
    assert en[0].startswith("Why act: Revenue: off track.")
    assert en[-1].startswith("In all: conversions from")


def test_a_channel_held_at_its_lock_says_why():
    curves = {"x": _curve("x", 100, 1000, 5000), "z": _curve("z", 300, 500, 1000)}
    a = allocate(curves, locked=["x"])
    why = dict(zip(a.table["channel"], a.table["why"], strict=True))
    assert why["x"] == "locked at its current spend"
    with kpikit.using_language("vi"):
        a_vi = allocate(curves, locked=["x"])
    assert dict(zip(a_vi.table["channel"], a_vi.table["why"], strict=True))["x"] == \
        "khóa ở mức chi hiện tại"
