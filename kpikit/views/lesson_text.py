"""The texts of the KPI basics lesson, in the reader's language.

Every text is a ``tr(english, vietnamese)`` pair made inside a function, so it is read
in the language current when it is asked for (:func:`text` sets it from ``lang``), and a
message catalog can take the pairs over without touching the lesson's code.
"""

from __future__ import annotations

from typing import Any

from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import resolve_lang, tr, using_language

__all__ = ["impossible_rate", "not_a_number", "playground_note", "say", "text", "text_keys"]


def _texts() -> dict[str, str]:
    """Every fixed text of the lesson, in the current language."""
    return {
        "intro": tr(
            "This lesson walks through the **eight steps** of working with marketing KPIs on a "
            "realistic sample: five campaigns of a Vietnamese retailer over two and a half "
            "years, in VND. Every box below is live: change a value and the numbers redraw.",
            "Bài học này đi qua **tám bước** làm việc với KPI marketing trên một bộ dữ liệu mẫu "
            "thực tế: năm chiến dịch của một nhà bán lẻ Việt Nam trong hai năm rưỡi, tính bằng "
            "VND. Mọi ô bên dưới đều tương tác: đổi một giá trị là các con số được tính lại."),
        "why_title": tr("Why KPIs matter", "Vì sao KPI quan trọng"),
        "reasons": tr(
            "- **Focus**: a few numbers tell the team what matters this quarter.\n"
            "- **Better decisions**: budget moves follow evidence, not the loudest voice.\n"
            "- **Tracking strategy**: KPIs show whether the plan works while there is time "
            "to act.\n"
            "- **Accountability**: every KPI has an owner who explains and acts.\n"
            "- **Motivation**: a visible target the team can beat.",
            "- **Tập trung**: vài con số cho cả đội biết điều gì quan trọng trong quý này.\n"
            "- **Quyết định tốt hơn**: ngân sách dịch chuyển theo bằng chứng, không theo người "
            "nói to nhất.\n"
            "- **Theo dõi chiến lược**: KPI cho thấy kế hoạch có hiệu quả không khi vẫn còn thời "
            "gian hành động.\n"
            "- **Trách nhiệm**: mỗi KPI có một người phụ trách giải thích và hành động.\n"
            "- **Động lực**: một mục tiêu rõ ràng để cả đội vượt qua."),
        "steps_title": tr("The eight steps", "Tám bước"),
        "s1": tr("1 · Define the objective", "1 · Xác định mục tiêu"),
        "s1_body": tr(
            "Start from what the business wants: sales, leads, awareness, engagement, traffic "
            "or retention. Pick an objective below and discuss the KPIs kpikit suggests, and "
            "why.",
            "Bắt đầu từ điều doanh nghiệp muốn: doanh số, khách hàng tiềm năng, nhận diện, tương "
            "tác, lưu lượng truy cập hay giữ chân khách hàng. Chọn một mục tiêu bên dưới và thảo "
            "luận các KPI kpikit gợi ý, và lý do."),
        "s2": tr("2 · Pick KPIs that fit, and compute them right",
               "2 · Chọn KPI phù hợp và tính cho đúng"),
        "s2_body": tr(
            "A KPI is a formula over raw counts. Move the sliders: each KPI moves with the "
            "measures in its formula, and only with those.",
            "KPI là một công thức trên các số đếm gốc. Kéo các thanh trượt: mỗi KPI chỉ thay đổi "
            "theo các chỉ số có trong công thức của nó."),
        "trap_body": tr(
            "**The mean-of-ratios trap.** A rate over several days, channels or campaigns is "
            "*total clicks / total impressions*, not the average of their rates: the average "
            "gives a campaign with 3 million impressions the same weight as one with 90 million. "
            "Move the slider (clicks of the smallest campaign) and watch the wrong average jump "
            "while the right number moves far less.",
            "**Bẫy trung bình của các tỷ lệ.** Tỷ lệ qua nhiều ngày, kênh hay chiến dịch là "
            "*tổng lượt nhấp / tổng lượt hiển thị*, không phải trung bình các tỷ lệ: trung bình "
            "cho chiến dịch có 3 triệu lượt hiển thị cùng trọng số với chiến dịch có 90 triệu. "
            "Kéo thanh trượt (lượt nhấp của chiến dịch nhỏ nhất) và xem con số sai nhảy vọt "
            "trong khi con số đúng thay đổi ít hơn nhiều."),
        "s3": tr("3 · Make sure the data exists", "3 · Đảm bảo có dữ liệu"),
        "s3_body": tr(
            "Below is an export with gaps: missing days and empty cells. Before promising a "
            "KPI, check that its measures are there for the whole period.",
            "Dưới đây là một tệp xuất có lỗ hổng: thiếu ngày và ô trống. Trước khi cam kết một "
            "KPI, hãy kiểm tra các chỉ số của nó có đủ cho cả kỳ."),
        "s4": tr("4 · Tie KPIs to the business goal", "4 · Gắn KPI với mục tiêu kinh doanh"),
        "s4_body": tr(
            "Revenue is exactly impressions × CTR × conversion rate × value per conversion. "
            "Move one driver and see the business goal move by the same factor.",
            "Doanh thu đúng bằng lượt hiển thị × CTR × tỷ lệ chuyển đổi × giá trị mỗi chuyển đổi. "
            "Kéo một yếu tố và xem mục tiêu kinh doanh thay đổi theo đúng tỷ lệ đó."),
        "s5": tr("5 · Set a review cadence", "5 · Đặt nhịp theo dõi"),
        "s5_body": tr(
            "Choose how often to review and a day inside the month. *Expected by now* follows "
            "last year's daily shape (seasonal pacing), so an early-month dip is not a false "
            "alarm; the status comes from the projection to the period's end.",
            "Chọn tần suất theo dõi và một ngày trong tháng. *Kỳ vọng đến nay* theo hình dạng theo "
            "ngày của năm trước (tiến độ theo mùa), nên một ngày đầu tháng thấp không phải báo "
            "động giả; trạng thái đến từ dự báo tới cuối kỳ."),
        "s6": tr("6 · Name owners", "6 · Chỉ định người phụ trách"),
        "s6_body": tr(
            "Every KPI of the Tết Sale plan has an owner, who reads this table in the review "
            "and explains what moved.",
            "Mỗi KPI của kế hoạch Tết Sale có một người phụ trách, người đọc bảng này trong buổi "
            "họp và giải thích điều gì đã thay đổi."),
        "s7": tr("7 · Optimise when a KPI misses", "7 · Tối ưu khi KPI không đạt"),
        "s7_body": tr(
            "When a KPI is off track, find the driver that moved (step 4's tree) and act on it: "
            "notebook 02 attributes the gap to drivers and channels, notebook 03 moves budget "
            "to the channels with the best marginal return.",
            "Khi KPI chệch hướng, tìm yếu tố đã thay đổi (cây KPI ở bước 4) và hành động: notebook "
            "02 phân bổ khoảng cách cho từng yếu tố và kênh, notebook 03 dời ngân sách sang kênh "
            "có lợi nhuận biên tốt nhất."),
        "s8": tr("8 · Balance short- and long-term KPIs", "8 · Cân bằng KPI ngắn hạn và dài hạn"),
        "s8_body": tr(
            "Short-term KPIs move within a campaign; long-term ones (loyalty, new customers) "
            "move slowly and protect next year. Judge a campaign on both.",
            "KPI ngắn hạn thay đổi trong một chiến dịch; KPI dài hạn (lòng trung thành, khách "
            "hàng mới) thay đổi chậm và bảo vệ năm sau. Hãy đánh giá chiến dịch trên cả hai."),
        "exercises": tr("Exercises", "Bài tập"),
        "exercises_body": tr("Answer, then press *Check*.", "Trả lời, rồi bấm *Kiểm tra*."),
        "check": tr("Check", "Kiểm tra"),
        "right": tr("Right.", "Đúng rồi."),
        "wrong": tr("Not quite.", "Chưa đúng."),
        "answer": tr("Your answer", "Câu trả lời"),
        "objective": tr("Objective", "Mục tiêu"),
        "kpi": tr("KPI", "KPI"),
        "why": tr("Why", "Lý do"),
        "in_data": tr("In the data", "Có trong dữ liệu"),
        "yes": tr("yes", "có"),
        "no": tr("no", "không"),
        "mean_of_ratios": tr("Average of the rates (wrong)",
                           "Trung bình cộng các tỷ lệ (sai)"),
        "sum_over_sum": tr("Total clicks / total impressions (right)",
                         "Tổng lượt nhấp / tổng lượt hiển thị (đúng)"),
        "small_clicks": tr("Clicks, smallest", "Lượt nhấp, nhỏ nhất"),
        "goal": tr("Business goal", "Mục tiêu kinh doanh"),
        "baseline": tr("baseline", "cơ sở"),
        "change": tr("change", "thay đổi"),
        "cadence": tr("Cadence", "Chu kỳ"),
        "day": tr("Day", "Ngày"),
        "growth": tr("Target vs last year", "Mục tiêu so với năm trước"),
        "weekly": tr("weekly", "hàng tuần"),
        "monthly": tr("monthly", "hàng tháng"),
        "actual": tr("Actual to date", "Thực tế đến nay"),
        "expected": tr("Expected by now", "Kỳ vọng đến nay"),
        "projection": tr("Projected at period end", "Dự báo cuối kỳ"),
        "target": tr("Target", "Mục tiêu"),
        "status": tr("Status", "Trạng thái"),
        "campaign": tr("Campaign", "Chiến dịch"),
        "channel": tr("Channel", "Kênh"),
        "date": tr("Day", "Ngày"),
        "short": tr("Short term", "Ngắn hạn"),
        "long": tr("Long term", "Dài hạn"),
        "step": tr("Step", "Bước"),
        "step_question": tr("The question it answers", "Câu hỏi cần trả lời"),
        "s1_q": tr("What does the business want from this campaign?",
                 "Doanh nghiệp muốn gì từ chiến dịch này?"),
        "s2_q": tr("Which few numbers show that we are getting it, and how is each one counted?",
                 "Vài con số nào cho thấy ta đang đạt được điều đó, và mỗi con số được tính thế "
                 "nào?"),
        "s3_q": tr("Does our data record those numbers, every day?",
                 "Dữ liệu của ta có ghi lại các con số đó, đủ mọi ngày không?"),
        "s4_q": tr("How does each KPI move the business result?",
                 "Mỗi KPI tác động đến kết quả kinh doanh như thế nào?"),
        "s5_q": tr("How often do we look, and what should we expect by then?",
                 "Bao lâu ta xem lại một lần, và đến lúc đó nên kỳ vọng bao nhiêu?"),
        "s6_q": tr("Who answers for each KPI?", "Ai chịu trách nhiệm cho từng KPI?"),
        "s7_q": tr("A KPI misses: what moved, and what do we change?",
                 "Một KPI không đạt: yếu tố nào đã thay đổi, và ta điều chỉnh gì?"),
        "s8_q": tr("Are we buying this month's results at the cost of next year's?",
                 "Ta có đang đổi kết quả tháng này bằng kết quả của năm sau không?"),
        "formula": tr("How it is counted", "Cách tính"),
        "s7_plain": tr(
            "In plain words: which KPIs missed or are at risk, and by how much.",
            "Nói đơn giản: KPI nào không đạt hoặc có rủi ro, và chênh lệch bao nhiêu."),
        "s7_stats": tr("The statistics behind it (optional)",
                       "Phần thống kê phía sau (không bắt buộc)"),
        "none": tr("none", "không có"),
        "choose": tr("Choose an answer first.", "Hãy chọn một câu trả lời trước."),
        "title": tr("KPI basics", "KPI cơ bản"),
    }


def text_keys() -> tuple[str, ...]:
    """The names of the lesson's fixed texts."""
    return tuple(_texts())


def text(key: str, lang: str | None = None) -> str:
    """One lesson text in ``lang`` (``None``: the current language)."""
    lang = resolve_lang(lang)
    with using_language(lang):
        texts = _texts()
        if key not in texts:
            raise ParameterError(tr(f"no lesson text {key!r}.",
                                    f"không có đoạn bài học {key!r}."),
                                 code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    return texts[key]


def say(key: str, lang: str | None = None, level: int = 0) -> Any:
    """A lesson text as Markdown for the notebook (a heading when ``level`` > 0)."""
    from IPython.display import Markdown

    s = text(key, lang)
    return Markdown(("#" * level + " " + s) if level else s)


def impossible_rate(*, num: str, den: str, n: str, d: str, kpi: str,
                    lang: str | None = None) -> str:
    """Why a rate cannot pass 100%: its numerator counts a subset of its denominator.

    ``num`` and ``den`` are the measures' labels, ``n`` and ``d`` their values as written
    in ``lang``, ``kpi`` the rate's short label.
    """
    num_l, den_l = num.lower(), den.lower()
    with using_language(resolve_lang(lang)):
        return tr(f"{num} ({n}) cannot be more than {den} ({d}): {num_l} are counted among "
                  f"the {den_l}, so {kpi} cannot pass 100%. Lower {num_l} or raise {den_l}.",
                  f"{num} ({n}) không thể lớn hơn {den} ({d}): mỗi {num_l} đều nằm trong số "
                  f"{den_l}, nên {kpi} không thể vượt quá 100%. Hãy giảm {num_l} hoặc tăng "
                  f"{den_l}.")


def not_a_number(example: str, lang: str | None = None) -> str:
    """The quiz's answer to a typed text that is no number; ``example`` as ``lang`` writes
    it."""
    with using_language(resolve_lang(lang)):
        return tr(f"Write a number, for example {example}.",
                  f"Hãy nhập một con số, ví dụ {example}.")


def playground_note(cur: str, lang: str | None = None) -> str:
    """The playground's footnote: the currency, and what a zero denominator shows."""
    with using_language(resolve_lang(lang)):
        return tr(f"Values in {cur}; a KPI whose denominator is 0 shows –, never 0 or "
                  "infinity.",
                  f"Giá trị tính bằng {cur}; KPI có mẫu số bằng 0 hiện –, không bao giờ là 0 "
                  "hay vô cực.")
