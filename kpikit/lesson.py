"""The KPI basics lesson (``notebooks/00_kpi_basics.ipynb``): its texts and its widgets.

Every text exists in English and Vietnamese; the notebook shows one language, chosen by
its ``lang`` parameter, so a trainer keeps one notebook, not two copies. KPI names come
from the catalog's labels, and every number is computed by the same kpikit functions the
other notebooks use (:func:`kpikit.compute`, :func:`kpikit.goals.recommend_kpis`,
:func:`kpikit.goals.availability`, :func:`kpikit.analysis.evaluate.evaluate`, ...).

Importing this module loads ipywidgets; ``import kpikit`` does not.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from kpikit.catalog import MEASURES, OBJECTIVE_LABELS, OBJECTIVES, get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.formats import (
    check_lang,
    format_change,
    format_money,
    format_number,
    format_value,
)
from kpikit.i18n.lang import tr
from kpikit.metrics.engines import compute
from kpikit.metrics.periods import spread_periods
from kpikit.plans import TREES, KPITree, availability, kpi_history, recommend_kpis, tree_baselines
from kpikit.views.widgets import _show, _static, plot_into, with_readout

__all__ = [
    "AvailabilityCheck", "FormulaPlayground", "HorizonCompare", "ObjectiveMatcher",
    "PacingSimulator", "Quiz", "RatioTrap", "TreeExplorer", "diagnosis_html", "exercises",
    "formula_words", "gappy_copy", "month_axis", "month_text", "owner_table", "parse_answer",
    "playground_values", "query_lang", "ratio_trap", "say", "steps_html", "steps_table",
    "text", "tree_what_if", "voila_command", "write_gappy_export",
]

PLAYGROUND_KPIS = ("ctr", "cpc", "cvr", "cpa", "roas")


def _svg(color: str, path: str) -> str:
    # inline SVG: drawn by any browser, needs no emoji font (a plain Chromium shows
    # emoji such as U+2705 as empty boxes)
    return (f"<svg class='kpikit-icon' width='16' height='16' viewBox='0 0 16 16' "
            f"style='vertical-align:-3px' aria-hidden='true'><circle cx='8' cy='8' r='8' "
            f"fill='{color}'/><path d='{path}' stroke='#fff' stroke-width='2' fill='none' "
            f"stroke-linecap='round' stroke-linejoin='round'/></svg>")


_ICON = {
    "right": _svg("#1e8449", "M4 8.5l2.5 2.5L12 5.5"),
    "wrong": _svg("#b03a2e", "M5 5l6 6M11 5l-6 6"),
    "warn": _svg("#b9770e", "M8 4v5M8 12v0.5"),
}

# --------------------------------------------------------------------------- texts

TEXT: dict[str, tuple[str, str]] = {
    "intro": (
        "This lesson walks through the **eight steps** of working with marketing KPIs on a "
        "realistic sample: five campaigns of a Vietnamese retailer over two and a half "
        "years, in VND. Every box below is live: change a value and the numbers redraw.",
        "Bài học này đi qua **tám bước** làm việc với KPI marketing trên một bộ dữ liệu mẫu "
        "thực tế: năm chiến dịch của một nhà bán lẻ Việt Nam trong hai năm rưỡi, tính bằng "
        "VND. Mọi ô bên dưới đều tương tác: đổi một giá trị là các con số được tính lại."),
    "why_title": ("Why KPIs matter", "Vì sao KPI quan trọng"),
    "reasons": (
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
    "steps_title": ("The eight steps", "Tám bước"),
    "s1": ("1 · Define the objective", "1 · Xác định mục tiêu"),
    "s1_body": (
        "Start from what the business wants: sales, leads, awareness, engagement, traffic "
        "or retention. Pick an objective below and discuss the KPIs kpikit suggests, and "
        "why.",
        "Bắt đầu từ điều doanh nghiệp muốn: doanh số, khách hàng tiềm năng, nhận diện, tương "
        "tác, lưu lượng truy cập hay giữ chân khách hàng. Chọn một mục tiêu bên dưới và thảo "
        "luận các KPI kpikit gợi ý, và lý do."),
    "s2": ("2 · Pick KPIs that fit, and compute them right",
           "2 · Chọn KPI phù hợp và tính cho đúng"),
    "s2_body": (
        "A KPI is a formula over raw counts. Move the sliders: each KPI moves with the "
        "measures in its formula, and only with those.",
        "KPI là một công thức trên các số đếm gốc. Kéo các thanh trượt: mỗi KPI chỉ thay đổi "
        "theo các chỉ số có trong công thức của nó."),
    "trap_body": (
        "**The mean-of-ratios trap.** A rate over several days, channels or campaigns is "
        "*total clicks / total impressions*, not the average of their rates: the average "
        "gives a campaign with 3 million impressions the same weight as one with 90 million. "
        "Move the slider (clicks of the smallest campaign) and watch the wrong average jump "
        "while the right number moves far less.",
        "**Bẫy trung bình của các tỷ lệ.** Tỷ lệ qua nhiều ngày, kênh hay chiến dịch là *tổng "
        "lượt nhấp / tổng lượt hiển thị*, không phải trung bình các tỷ lệ: trung bình cho chiến "
        "dịch có 3 triệu lượt hiển thị cùng trọng số với chiến dịch có 90 triệu. Kéo thanh "
        "trượt (lượt nhấp của chiến dịch nhỏ nhất) và xem con số sai nhảy vọt trong khi con số "
        "đúng thay đổi ít hơn nhiều."),
    "s3": ("3 · Make sure the data exists", "3 · Đảm bảo có dữ liệu"),
    "s3_body": (
        "Below is an export with gaps: missing days and empty cells. Before promising a "
        "KPI, check that its measures are there for the whole period.",
        "Dưới đây là một tệp xuất có lỗ hổng: thiếu ngày và ô trống. Trước khi cam kết một "
        "KPI, hãy kiểm tra các chỉ số của nó có đủ cho cả kỳ."),
    "s4": ("4 · Tie KPIs to the business goal", "4 · Gắn KPI với mục tiêu kinh doanh"),
    "s4_body": (
        "Revenue is exactly impressions × CTR × conversion rate × value per conversion. "
        "Move one driver and see the business goal move by the same factor.",
        "Doanh thu đúng bằng lượt hiển thị × CTR × tỷ lệ chuyển đổi × giá trị mỗi chuyển đổi. "
        "Kéo một yếu tố và xem mục tiêu kinh doanh thay đổi theo đúng tỷ lệ đó."),
    "s5": ("5 · Set a review cadence", "5 · Đặt nhịp theo dõi"),
    "s5_body": (
        "Choose how often to review and a day inside the month. *Expected by now* follows "
        "last year's daily shape (seasonal pacing), so an early-month dip is not a false "
        "alarm; the status comes from the projection to the period's end.",
        "Chọn tần suất theo dõi và một ngày trong tháng. *Kỳ vọng đến nay* theo hình dạng theo "
        "ngày của năm trước (tiến độ theo mùa), nên một ngày đầu tháng thấp không phải báo "
        "động giả; trạng thái đến từ dự báo tới cuối kỳ."),
    "s6": ("6 · Name owners", "6 · Chỉ định người phụ trách"),
    "s6_body": (
        "Every KPI of the Tết Sale plan has an owner, who reads this table in the review "
        "and explains what moved.",
        "Mỗi KPI của kế hoạch Tết Sale có một người phụ trách, người đọc bảng này trong buổi "
        "họp và giải thích điều gì đã thay đổi."),
    "s7": ("7 · Optimise when a KPI misses", "7 · Tối ưu khi KPI không đạt"),
    "s7_body": (
        "When a KPI is off track, find the driver that moved (step 4's tree) and act on it: "
        "notebook 02 attributes the gap to drivers and channels, notebook 03 moves budget "
        "to the channels with the best marginal return.",
        "Khi KPI chệch hướng, tìm yếu tố đã thay đổi (cây KPI ở bước 4) và hành động: notebook "
        "02 phân bổ khoảng cách cho từng yếu tố và kênh, notebook 03 dời ngân sách sang kênh "
        "có lợi nhuận biên tốt nhất."),
    "s8": ("8 · Balance short- and long-term KPIs", "8 · Cân bằng KPI ngắn hạn và dài hạn"),
    "s8_body": (
        "Short-term KPIs move within a campaign; long-term ones (loyalty, new customers) "
        "move slowly and protect next year. Judge a campaign on both.",
        "KPI ngắn hạn thay đổi trong một chiến dịch; KPI dài hạn (lòng trung thành, khách "
        "hàng mới) thay đổi chậm và bảo vệ năm sau. Hãy đánh giá chiến dịch trên cả hai."),
    "exercises": ("Exercises", "Bài tập"),
    "exercises_body": ("Answer, then press *Check*.", "Trả lời, rồi bấm *Kiểm tra*."),
    "check": ("Check", "Kiểm tra"),
    "right": ("Right.", "Đúng rồi."),
    "wrong": ("Not quite.", "Chưa đúng."),
    "answer": ("Your answer", "Câu trả lời"),
    "objective": ("Objective", "Mục tiêu"),
    "kpi": ("KPI", "KPI"),
    "why": ("Why", "Lý do"),
    "in_data": ("In the data", "Có trong dữ liệu"),
    "yes": ("yes", "có"),
    "no": ("no", "không"),
    "mean_of_ratios": ("Average of the rates (wrong)",
                       "Trung bình cộng các tỷ lệ (sai)"),
    "sum_over_sum": ("Total clicks / total impressions (right)",
                     "Tổng lượt nhấp / tổng lượt hiển thị (đúng)"),
    "small_clicks": ("Clicks, smallest", "Lượt nhấp, nhỏ nhất"),
    "goal": ("Business goal", "Mục tiêu kinh doanh"),
    "baseline": ("baseline", "cơ sở"),
    "change": ("change", "thay đổi"),
    "cadence": ("Cadence", "Chu kỳ"),
    "day": ("Day", "Ngày"),
    "growth": ("Target vs last year", "Mục tiêu so với năm trước"),
    "weekly": ("weekly", "hàng tuần"),
    "monthly": ("monthly", "hàng tháng"),
    "actual": ("Actual to date", "Thực tế đến nay"),
    "expected": ("Expected by now", "Kỳ vọng đến nay"),
    "projection": ("Projected at period end", "Dự báo cuối kỳ"),
    "target": ("Target", "Mục tiêu"),
    "status": ("Status", "Trạng thái"),
    "campaign": ("Campaign", "Chiến dịch"),
    "channel": ("Channel", "Kênh"),
    "date": ("Day", "Ngày"),
    "short": ("Short term", "Ngắn hạn"),
    "long": ("Long term", "Dài hạn"),
    "step": ("Step", "Bước"),
    "step_question": ("The question it answers", "Câu hỏi cần trả lời"),
    "s1_q": ("What does the business want from this campaign?",
             "Doanh nghiệp muốn gì từ chiến dịch này?"),
    "s2_q": ("Which few numbers show that we are getting it, and how is each one counted?",
             "Vài con số nào cho thấy ta đang đạt được điều đó, và mỗi con số được tính thế "
             "nào?"),
    "s3_q": ("Does our data record those numbers, every day?",
             "Dữ liệu của ta có ghi lại các con số đó, đủ mọi ngày không?"),
    "s4_q": ("How does each KPI move the business result?",
             "Mỗi KPI tác động đến kết quả kinh doanh như thế nào?"),
    "s5_q": ("How often do we look, and what should we expect by then?",
             "Bao lâu ta xem lại một lần, và đến lúc đó nên kỳ vọng bao nhiêu?"),
    "s6_q": ("Who answers for each KPI?", "Ai chịu trách nhiệm cho từng KPI?"),
    "s7_q": ("A KPI misses: what moved, and what do we change?",
             "Một KPI không đạt: yếu tố nào đã thay đổi, và ta điều chỉnh gì?"),
    "s8_q": ("Are we buying this month's results at the cost of next year's?",
             "Ta có đang đổi kết quả tháng này bằng kết quả của năm sau không?"),
    "formula": ("How it is counted", "Cách tính"),
    "impossible": (
        "{num} ({n}) cannot be more than {den} ({d}): {num_l} are counted among the "
        "{den_l}, so {kpi} cannot pass 100%. Lower {num_l} or raise {den_l}.",
        "{num} ({n}) không thể lớn hơn {den} ({d}): mỗi {num_l} đều nằm trong số {den_l}, "
        "nên {kpi} không thể vượt quá 100%. Hãy giảm {num_l} hoặc tăng {den_l}."),
    "not_a_number": (
        "Write a number, for example {example}.",
        "Hãy nhập một con số, ví dụ {example}."),
    "s7_plain": (
        "In plain words: which KPIs missed or are at risk, and by how much.",
        "Nói đơn giản: KPI nào không đạt hoặc có rủi ro, và chênh lệch bao nhiêu."),
    "s7_stats": ("The statistics behind it (optional)", "Phần thống kê phía sau (không bắt buộc)"),
    "none": ("none", "không có"),
    "choose": ("Choose an answer first.", "Hãy chọn một câu trả lời trước."),
    "title": ("KPI basics", "KPI cơ bản"),
    "playground_note": (
        "Values in {cur}; a KPI whose denominator is 0 shows –, never 0 or infinity.",
        "Giá trị tính bằng {cur}; KPI có mẫu số bằng 0 hiện –, không bao giờ là 0 hay vô cực."),
}

STEPS: tuple[tuple[str, str, str], ...] = (
    ("s1", "goals.recommend_kpis · PlanBuilder",
     "notebooks/01_goal_setting.ipynb"),
    ("s2", "catalog (51 KPIs) · kpikit.compute", "kpikit kpis"),
    ("s3", "kpikit.validate · goals.availability", "kpikit validate FILE"),
    ("s4", "goals.TREES · goals.cascade", "notebooks/01_goal_setting.ipynb"),
    ("s5", "Plan cadence · evaluate (pacing)", "notebooks/02_evaluation.ipynb"),
    ("s6", "Plan owners · evaluate.accountability", "notebooks/02_evaluation.ipynb"),
    ("s7", "evaluate (attribution) · optimize.allocate", "notebooks/03_optimization.ipynb"),
    ("s8", "catalog horizon · evaluate (trend)", "notebooks/02_evaluation.ipynb"),
)


def text(key: str, lang: str = "en", **fields: Any) -> str:
    """One lesson text in ``lang`` (``"en"`` or ``"vi"``), with ``{fields}`` filled."""
    check_lang(lang)
    if key not in TEXT:
        raise ParameterError(tr("no lesson text {key!r}.", key=key),
                             code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    s = TEXT[key][1 if lang == "vi" else 0]
    return s.format(**fields) if fields else s


def say(key: str, lang: str = "en", level: int = 0) -> Any:
    """A lesson text as Markdown for the notebook (a heading when ``level`` > 0)."""
    from IPython.display import Markdown

    s = text(key, lang)
    return Markdown(("#" * level + " " + s) if level else s)


def steps_table(lang: str = "en", *, tools: bool = False) -> pd.DataFrame:
    """The eight steps, each with the question it answers, in words.

    ``tools=True`` adds, for trainers, the kpikit functions and the notebook that carry
    each step out; students see the questions only.
    """
    check_lang(lang)
    rows = [(text(k, lang), text(f"{k}_q", lang)) for k, _, _ in STEPS]
    out = pd.DataFrame(rows, columns=[text("step", lang), text("step_question", lang)])
    if tools:
        head = ("In kpikit", "Where") if lang == "en" else ("Trong kpikit", "Ở đâu")
        out[head[0]] = [t for _, t, _ in STEPS]
        out[head[1]] = [where for _, _, where in STEPS]
    return out


def steps_html(lang: str = "en") -> Any:
    """The students' table of the eight steps (no code, no function names)."""
    from IPython.display import HTML

    t = steps_table(lang)
    return HTML(_table_html([[html.escape(a), html.escape(b)] for a, b in t.itertuples(
        index=False)], list(t.columns), css="kpikit-steps"))


def formula_words(kpi: str, lang: str = "en") -> str:
    """A KPI's formula in words: ``CTR = Clicks ÷ Impressions`` (no code).

    Built from the catalog's terms and the measures' labels, so it cannot drift from
    what :func:`kpikit.compute` computes.
    """
    k = get_kpi(kpi)

    def name(m: str, which: str) -> str:
        label = MEASURES[m].label(lang)
        return label + ((" (đầu kỳ)" if lang == "vi" else " (start)") if which == "first"
                        else "")

    words = k.render(name, lambda v: format_number(v, 2, lang).rstrip("0").rstrip(",."),
                     scale_number=lambda v: format_number(v, 0, lang), times=" × ",
                     divide=" ÷ ", plus=" + ", minus=" − ", lead_minus="−")
    return f"{k.short_label(lang)} = {words}"


# ------------------------------------------------------------------ calculations

def playground_values(*, impressions: float, clicks: float, spend: float,
                      conversions: float, revenue: float,
                      kpis: Sequence[str] = PLAYGROUND_KPIS) -> dict[str, float]:
    """The playground's KPIs from one set of measures (catalog formulas, NaN for /0)."""
    row = pd.DataFrame({"date": [pd.Timestamp("2026-01-01")], "campaign": ["lesson"],
                        "channel": ["lesson"], "impressions": [float(impressions)],
                        "clicks": [float(clicks)], "spend": [float(spend)],
                        "conversions": [float(conversions)], "revenue": [float(revenue)]})
    out = compute(row, list(kpis), by=None)
    return {k: float(out[k].iloc[0]) for k in kpis}


def ratio_trap(table: pd.DataFrame, kpi: str = "ctr", by: str = "channel") -> dict[str, Any]:
    """The right rate (sum/sum) next to the mean of per-group rates, with the groups."""
    per = compute(table, kpi, by=by)
    total = compute(table, kpi, by=None)
    return {"by_group": per, "mean_of_ratios": float(per[kpi].mean()),
            "sum_over_sum": float(total[kpi].iloc[0])}


def gappy_copy(data: pd.DataFrame, *, campaign: str = "Always-on Search",
               start: str = "2026-10-01", end: str = "2026-12-31", seed: int = 7
               ) -> pd.DataFrame:
    """A copy of one campaign's quarter with gaps, as real exports have them.

    Ten days are missing altogether and a fifth of the ``revenue`` cells are empty;
    ``followers`` (a snapshot the campaign never tracked) stays absent.
    """
    rng = np.random.default_rng(seed)
    part = data[(data["campaign"] == campaign) & (data["date"] >= start)
                & (data["date"] <= end)].copy()
    if part.empty:
        raise ParameterError(tr("campaign={campaign!r} has no rows from {start} to {end}.",
                                campaign=campaign, start=start,
                                end=end), code=ProblemCode.DATA_NO_ROWS)
    days = part["date"].drop_duplicates().sort_values().to_numpy()
    gone = rng.choice(days[1:-1], size=min(10, max(len(days) - 2, 0)), replace=False)
    part = part[~part["date"].isin(gone)].copy()
    if "revenue" in part:
        blank = rng.random(len(part)) < 0.2
        part.loc[blank, "revenue"] = np.nan
    return part.reset_index(drop=True)


def write_gappy_export(data: pd.DataFrame, folder: str | Path) -> Path:
    """Write :func:`gappy_copy` of ``data`` as ``export_with_gaps.csv`` in ``folder``."""
    from kpikit.files import atomic_write_text

    path = Path(folder) / "export_with_gaps.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    from kpikit.safety import neutral_frame

    # the copy carries the user's campaign and channel names: no formulas in a spreadsheet
    atomic_write_text(path, neutral_frame(gappy_copy(data)).to_csv(index=False,
                                                                   date_format="%Y-%m-%d"))
    return path


def tree_what_if(tree: KPITree, baselines: dict[str, float],
                 changes: dict[str, float]) -> dict[str, float]:
    """New driver values and goal after relative ``changes`` (``0.1`` = +10%).

    The goal is ``constant * prod(driver ** exponent)``, so its relative change is the
    product of the drivers' factors minus one.
    """
    new = {d: baselines[d] * (1 + changes.get(d, 0.0)) for d, _ in tree.drivers}
    goal = tree.constant * math.prod(new[d] ** e for d, e in tree.drivers)
    base = baselines[tree.goal]
    return {**new, tree.goal: goal,
            "goal_change": goal / base - 1 if base else float("nan")}


# ------------------------------------------------------------------------ widgets

def _table_html(rows: Sequence[Sequence[str]], head: Sequence[str], css: str = "") -> str:
    h = "".join(f"<th style='text-align:left;padding:2px 10px'>{html.escape(c)}</th>"
                for c in head)
    b = "".join("<tr>" + "".join(f"<td style='text-align:left;padding:2px 10px'>{c}</td>"
                                 for c in r)
                + "</tr>" for r in rows)
    return f"<table class='{css}'><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>"


class _Lesson:
    """Common display: the widget live, or its static HTML in batch reports."""

    widget: w.Widget

    def static_html(self) -> str:  # pragma: no cover - overridden
        return ""

    def _ipython_display_(self) -> None:
        _show(self.widget, self.static_html)


class ObjectiveMatcher(_Lesson):
    """Pick an objective; see the KPIs that fit it, why, and whether the data has them."""

    def __init__(self, data: pd.DataFrame | None = None, *, lang: str = "en",
                 objective: str = "sales", n: int = 6):
        self.data, self.lang, self.n = data, check_lang(lang), n
        i = 1 if lang == "vi" else 0
        self.objective = w.Dropdown(options=[(OBJECTIVE_LABELS[o][i], o) for o in OBJECTIVES],
                                    value=objective, description=text("objective", lang))
        self.table = w.HTML()
        self.table.add_class("kpikit-matcher")
        self.objective.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.objective, self.table])
        self.redraw()

    def rows(self) -> list[tuple[str, str, str]]:
        """(KPI label, reason, in the data) of the suggested KPIs."""
        recs = recommend_kpis(self.objective.value, self.data, lang=self.lang)[: self.n]
        yes, no = text("yes", self.lang), text("no", self.lang)
        return [(get_kpi(r.kpi).label(self.lang), r.reason, yes if r.measurable else no)
                for r in recs]

    def redraw(self) -> None:
        self.table.value = _table_html(
            [(html.escape(a), html.escape(b), c) for a, b, c in self.rows()],
            [text("kpi", self.lang), text("why", self.lang), text("in_data", self.lang)])

    def static_html(self) -> str:
        return self.table.value


class FormulaPlayground(_Lesson):
    """Sliders for clicks, impressions, spend, conversions and revenue; the KPIs move."""

    def __init__(self, *, lang: str = "en", currency: str = "VND", impressions: int = 50_000,
                 clicks: int = 1_250, spend: float = 5_000_000, conversions: int = 50,
                 revenue: float = 20_000_000):
        self.lang, self.currency = check_lang(lang), currency
        self.sliders_kpis = PLAYGROUND_KPIS

        def slider(name: str, value: float, top: float, step: float) -> w.IntSlider:
            s = w.IntSlider(value=int(value), min=0, max=int(top), step=int(step),
                            description=MEASURES[name].label(lang), continuous_update=False,
                            style={"description_width": "150px"},
                            layout=w.Layout(width="520px"))
            s.add_class(f"kpikit-slider-{name}")
            s.observe(lambda _: self.redraw(), names="value")
            return s

        self.sliders = {
            "impressions": slider("impressions", impressions, 200_000, 1_000),
            "clicks": slider("clicks", clicks, 10_000, 50),
            "spend": slider("spend", spend, 50_000_000, 100_000),
            "conversions": slider("conversions", conversions, 1_000, 5),
            "revenue": slider("revenue", revenue, 200_000_000, 500_000),
        }
        self.result = w.HTML()
        self.result.add_class("kpikit-playground")
        note = w.HTML(f"<i>{html.escape(text('playground_note', lang, cur=currency))}</i>")
        money = {"spend", "revenue"}
        self.widget = w.VBox([
            with_readout(s, (lambda v: format_money(v, currency, lang)) if k in money
                         else (lambda v: format_number(v, 0, lang)))
            for k, s in self.sliders.items()] + [self.result, note])
        self.redraw()

    def values(self) -> dict[str, float]:
        """The KPIs of the current sliders."""
        return playground_values(**{k: s.value for k, s in self.sliders.items()})

    def problems(self) -> list[tuple[str, str]]:
        """(KPI, message) for each rate the sliders make impossible (CTR above 100%).

        A bounded rate's numerator counts a subset of its denominator's units (every click
        comes from an impression), so a value above 1 means the inputs contradict each other.
        """
        from kpikit.plans.targets import BOUNDED_RATES

        out = []
        for k in self.sliders_kpis:
            kp = get_kpi(k)
            if k not in BOUNDED_RATES or len(kp.numerator) != 1 or len(kp.denominator) != 1:
                continue
            num, den = kp.numerator[0][0], kp.denominator[0][0]
            if num not in self.sliders or den not in self.sliders:
                continue
            n, d = self.sliders[num].value, self.sliders[den].value
            if n > d:
                out.append((k, text("impossible", self.lang, num=MEASURES[num].label(self.lang),
                                    den=MEASURES[den].label(self.lang),
                                    n=format_number(n, 0, self.lang),
                                    d=format_number(d, 0, self.lang),
                                    num_l=MEASURES[num].label(self.lang).lower(),
                                    den_l=MEASURES[den].label(self.lang).lower(),
                                    kpi=kp.short_label(self.lang))))
        return out

    def redraw(self) -> None:
        bad = dict(self.problems())
        rows = []
        for k, v in self.values().items():
            kp = get_kpi(k)
            # an impossible rate is not shown as a number: the warning below says why
            shown = "–" if k in bad else format_value(v, k, lang=self.lang,
                                                      currency=self.currency)
            rows.append((html.escape(kp.label(self.lang)), f"<b class='kpikit-{k}'>{shown}</b>",
                         html.escape(formula_words(k, self.lang))))
        warn = "".join(f"<p class='kpikit-warning' style='color:#b03a2e'>{_ICON['warn']} "
                       f"{html.escape(m)}</p>" for m in bad.values())
        self.result.value = _table_html(rows, ["KPI", "", text("formula", self.lang)]) + warn

    def static_html(self) -> str:
        return self.result.value


class RatioTrap(_Lesson):
    """Channel rates, their (wrong) average and the (right) sum/sum; a slider to play."""

    def __init__(self, table: pd.DataFrame, *, kpi: str = "ctr", by: str = "channel",
                 lang: str = "en"):
        self.lang, self.kpi, self.by = check_lang(lang), kpi, by
        k = get_kpi(kpi)
        if k.denominator == () or len(k.numerator) != 1:
            raise ParameterError(tr("kpi={kpi!r}: the trap needs a simple ratio like ctr.",
                                    kpi=kpi),
                                 code=ProblemCode.KPI_UNSUPPORTED)
        self.num, self.den = k.numerator[0][0], k.denominator[0][0]
        rows = table.dropna(subset=[self.num, self.den])
        self.table = rows.groupby(by, as_index=False)[[self.num, self.den]].sum()
        self.table = self.table[self.table[self.den] > 0].reset_index(drop=True)
        if len(self.table) < 2:
            raise ParameterError(tr("the trap needs two {by} values with {den}; the table has "
                                    "{v1}.", by=by, den=self.den,
                                    v1=len(self.table)), code=ProblemCode.DATA_INSUFFICIENT)
        self.small = self.table[self.den].idxmin()
        base = float(self.table.loc[self.small, self.num])
        top = max(int(self.table.loc[self.small, self.den] * 0.5), int(base) + 1)
        self.slider = w.IntSlider(value=int(base), min=0, max=top,
                                  description=text("small_clicks", lang),
                                  continuous_update=False, style={"description_width": "150px"},
                                  layout=w.Layout(width="520px"))
        self.slider.add_class("kpikit-slider-trap")
        self.slider.observe(lambda _: self.redraw(), names="value")
        self.result = w.HTML()
        self.result.add_class("kpikit-trap")
        self.widget = w.VBox([with_readout(self.slider, lambda v: format_number(v, 0, lang)),
                              self.result])
        self.redraw()

    def current_table(self) -> pd.DataFrame:
        """Numerator and denominator per group, with the slider's value for the smallest."""
        t = self.table.copy()
        t.loc[self.small, self.num] = float(self.slider.value)
        return t

    def current(self) -> dict[str, Any]:
        """The trap for the slider's value."""
        t = self.current_table()
        for col, filler in (("date", pd.Timestamp("2026-01-01")), ("campaign", "lesson"),
                            ("channel", "lesson")):
            if col != self.by:
                t[col] = filler
        return ratio_trap(t, self.kpi, self.by)

    def redraw(self) -> None:
        r = self.current()
        rates = r["by_group"].set_index(self.by)[self.kpi]

        def fmt(v: float) -> str:
            return format_value(v, self.kpi, lang=self.lang)

        rows = [(html.escape(str(g)), format_number(n, 0, self.lang),
                 format_number(d, 0, self.lang), fmt(rates.get(g, float("nan"))))
                for g, n, d in self.current_table()[[self.by, self.num, self.den]].itertuples(
                    index=False)]
        head = [text(self.by, self.lang) if self.by in TEXT else self.by,
                MEASURES[self.num].label(self.lang),
                MEASURES[self.den].label(self.lang), get_kpi(self.kpi).label(self.lang)]
        self.result.value = (
            _table_html(rows, head)
            + f"<p>{html.escape(text('mean_of_ratios', self.lang))}: "
              f"<b class='kpikit-wrong'>{fmt(r['mean_of_ratios'])}</b><br>"
            + f"{html.escape(text('sum_over_sum', self.lang))}: "
              f"<b class='kpikit-right'>{fmt(r['sum_over_sum'])}</b></p>")

    def static_html(self) -> str:
        return self.result.value


class AvailabilityCheck(_Lesson):
    """Pick an objective; see whether a gappy export can measure its KPIs."""

    def __init__(self, data: pd.DataFrame, *, lang: str = "en", objective: str = "sales"):
        self.data, self.lang = data, check_lang(lang)
        i = 1 if lang == "vi" else 0
        self.objective = w.Dropdown(options=[(OBJECTIVE_LABELS[o][i], o) for o in OBJECTIVES],
                                    value=objective, description=text("objective", lang))
        self.table = w.HTML()
        self.table.add_class("kpikit-availability")
        self.objective.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.objective, self.table])
        self.redraw()

    def check(self) -> pd.DataFrame:
        """The availability rows of the objective's KPIs (see :func:`goals.availability`)."""
        kpis = [r.kpi for r in recommend_kpis(self.objective.value, lang=self.lang)][:6]
        return availability(self.data, kpis)

    def rows(self) -> tuple[list[str], list[list[str]]]:
        """Header and cells of the check, every value written the way ``lang`` writes it."""
        from kpikit.views.display import rename, translate

        raw = self.check()
        cols = ["kpi", "window_start", "window_end", "days_covered", "missing_days",
                "null_share", "last_date", "missing_measures", "status"]
        # a column with nothing to say for any KPI (no measure missing) is left out
        cols = [c for c in cols if c != "missing_measures"
                or any(_cell_text(v, c, self.lang) != text("none", self.lang)
                       for v in raw[c])]
        head = list(rename(pd.DataFrame(columns=cols), self.lang).columns)
        body = [[get_kpi(r["kpi"]).label(self.lang) if c == "kpi"
                 else str(translate(r[c], self.lang)) if c == "status"
                 else _cell_text(r[c], c, self.lang) for c in cols]
                for _, r in raw.iterrows()]
        return head, body

    def redraw(self) -> None:
        head, body = self.rows()
        self.table.value = _table_html([[html.escape(c) for c in r] for r in body], head)

    def static_html(self) -> str:
        return self.table.value


def _cell_text(value: Any, column: str, lang: str) -> str:
    """One cell of a lesson table as a reader of ``lang`` writes it: ``20,7%``,
    ``01/10/2026``, ``–`` for nothing known, ``không có`` for an empty list."""
    from datetime import date as _date

    if isinstance(value, (list, tuple, set, frozenset)) or (
            column == "missing_measures" and isinstance(value, str)):
        items = [str(v) for v in value] if not isinstance(value, str) else (
            [v.strip() for v in value.split(",") if v.strip()])
        labels = [MEASURES[m].label(lang) if m in MEASURES else m for m in items]
        return ", ".join(labels) if labels else text("none", lang)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "–"
    if isinstance(value, (pd.Timestamp, _date)):
        return f"{value:%d/%m/%Y}" if lang == "vi" else f"{value:%Y-%m-%d}"
    if isinstance(value, str):
        try:  # dates arrive as ISO text from some tables
            return _cell_text(_date.fromisoformat(value), column, lang)
        except ValueError:
            return value
    if column.endswith("_share"):
        return format_number(float(value) * 100, 1, lang) + "%"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return format_number(float(value), 0 if float(value).is_integer() else 1, lang)
    return str(value)


def diagnosis_html(ev: Any, lang: str = "en") -> Any:
    """Step 7 for beginners: which KPIs missed, in a short table; the statistics (p-values,
    probabilities, attribution) folded below, for those who want them."""
    from IPython.display import HTML

    from kpikit.views.notebook_tables import diagnosis
    from kpikit.views.prose import status_text

    totals = ev.totals()
    bad = totals[totals["status"].isin(["off track", "missed", "at risk"])]
    shown = bad if len(bad) else totals
    cur = getattr(ev.plan, "currency", None)
    rows = [[html.escape(get_kpi(r.kpi).label(lang)), html.escape(status_text(r.status, lang)),
             html.escape(format_value(r.actual, r.kpi, lang=lang, currency=cur)),
             html.escape(format_value(r.target, r.kpi, lang=lang, currency=cur))]
            for r in shown.itertuples()]
    head = ["KPI", text("status", lang), text("actual", lang), text("target", lang)]
    stats = "".join(f"<li>{html.escape(line)}</li>" for line in diagnosis(ev))
    return HTML(f"<p>{html.escape(text('s7_plain', lang))}</p>"
                + _table_html(rows, head, css="kpikit-diagnosis")
                + f"<details class='kpikit-stats'><summary>{html.escape(text('s7_stats', lang))}"
                  f"</summary><ul>{stats}</ul></details>")


class TreeExplorer(_Lesson):
    """Sliders move each driver of a KPI tree by a percentage; the business goal follows."""

    def __init__(self, data: pd.DataFrame, *, lang: str = "en", goal: str = "revenue",
                 tree: int = 0, currency: str | None = None):
        self.lang = check_lang(lang)
        if goal not in TREES:
            raise ParameterError(tr("goal={goal!r}: choose from {v1}.", goal=goal,
                                    v1=', '.join(TREES)),
                                 code=ProblemCode.PARAMETER_CHOICE)
        self.tree = TREES[goal][tree]
        self.currency = currency or data.attrs.get("currency")
        self.baselines = tree_baselines(self.tree, spread_periods(data))
        self.sliders: dict[str, w.IntSlider] = {}
        for d, _ in self.tree.drivers:
            label = get_kpi(d).short_label(lang)
            s = w.IntSlider(value=0, min=-50, max=50, step=1, description=label,
                            readout_format="+d", continuous_update=False,
                            style={"description_width": "150px"},
                            layout=w.Layout(width="520px"))
            s.add_class(f"kpikit-slider-{d}")
            s.observe(lambda _: self.redraw(), names="value")
            self.sliders[d] = s
        self.result = w.HTML()
        self.result.add_class("kpikit-tree")
        self.output = w.Output()
        self.widget = w.VBox([*self.sliders.values(), self.result, self.output])
        self.redraw()

    def current(self) -> dict[str, float]:
        """Drivers and goal for the sliders' changes."""
        return tree_what_if(self.tree, self.baselines,
                            {d: s.value / 100 for d, s in self.sliders.items()})

    def redraw(self) -> None:
        from kpikit.views import charts

        now = self.current()
        g = self.tree.goal
        f = lambda k, v: format_value(v, k, lang=self.lang, currency=self.currency)  # noqa: E731
        rows = [(html.escape(get_kpi(d).label(self.lang)), f(d, self.baselines[d]), f(d, now[d]))
                for d, _ in self.tree.drivers]
        self.result.value = (
            _table_html(rows, ["", text("baseline", self.lang), ""])
            + f"<p>{html.escape(text('goal', self.lang))} "
              f"({html.escape(get_kpi(g).short_label(self.lang))}):"
              f" {f(g, self.baselines[g])} → <b class='kpikit-goal'>{f(g, now[g])}</b>"
              f" (<span class='kpikit-goal-change'>"
              f"{format_change(now['goal_change'], self.lang)}</span>)</p>")
        if not _static():
            changes = {get_kpi(d).short_label(self.lang): self.sliders[d].value / 100
                       for d, _ in self.tree.drivers}
            plot_into(self.output, charts.what_if_chart(
                changes, get_kpi(g).short_label(self.lang), now["goal_change"], lang=self.lang))

    def static_html(self) -> str:
        return self.result.value


class PacingSimulator(_Lesson):
    """Cadence, day of the month and target: actual, expected by now, projection, status.

    The plan is built on the fly (one KPI, one campaign, one month) and judged by
    :func:`kpikit.analysis.evaluate.evaluate`, the same call notebook 02 makes.
    """

    def __init__(self, data: pd.DataFrame, *, lang: str = "en",
                 campaign: str = "Always-on Search", kpi: str = "revenue",
                 month: str = "2027-03", owner: str = "Lan (performance)"):
        # period rows follow the kit's one rule: spread evenly over their days
        data = spread_periods(data)
        self.data, self.lang, self.campaign, self.kpi = data, check_lang(lang), campaign, kpi
        self.owner, self.currency = owner, data.attrs.get("currency")
        start = pd.Period(month, freq="M")
        self.start, self.end = start.start_time.date(), start.end_time.date()
        last = data["date"].max().date()
        days = (min(self.end, last) - self.start).days + 1
        if days < 2:
            raise ParameterError(tr("month={month!r}: the data ends on {last}; pick a month it "
                                    "covers.", month=month,
                                    last=last), code=ProblemCode.DATA_INSUFFICIENT)
        self.cadence = w.ToggleButtons(options=[(text("monthly", lang), "monthly"),
                                                (text("weekly", lang), "weekly")],
                                       description=text("cadence", lang))
        self.day = w.IntSlider(value=min(10, days), min=2, max=days,
                               description=text("day", lang), continuous_update=False,
                               style={"description_width": "150px"},
                               layout=w.Layout(width="520px"))
        self.day.add_class("kpikit-slider-day")
        self.growth = w.IntSlider(value=10, min=-30, max=50, description=text("growth", lang),
                                  readout_format="+d", continuous_update=False,
                                  style={"description_width": "150px"},
                                  layout=w.Layout(width="520px"))
        self.result = w.HTML()
        self.result.add_class("kpikit-pacing")
        self.output = w.Output()
        for c in (self.cadence, self.day, self.growth):
            c.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.cadence, self.day, self.growth, self.result, self.output])
        self.redraw()

    def plan(self) -> Any:
        """A one-KPI plan: target = last year's month x (1 + growth)."""
        from kpikit.plans import KPITarget, Objective, Plan, Target

        kt = KPITarget(self.kpi, Target(change=self.growth.value / 100, baseline="last_year"),
                       owner=self.owner, cadence=self.cadence.value)
        objective = get_kpi(self.kpi).objectives[0]
        return Plan(name=f"{self.campaign} {self.start:%Y-%m}", period=(self.start, self.end),
                    objectives=(Objective(objective, (kt,)),), currency=self.currency,
                    language=self.lang, campaigns=(self.campaign,))

    def evaluation(self) -> Any:
        from kpikit.analysis.evaluate import evaluate

        return evaluate(self.data, self.plan(),
                        as_of=self.start + timedelta(days=self.day.value - 1), lang=self.lang)

    def redraw(self) -> None:
        from kpikit.analysis.series import pacing_series
        from kpikit.views.prose import status_text

        ev = self.evaluation()
        rows = ev.rows[ev.rows["kpi"] == self.kpi]
        f = lambda v: format_value(v, self.kpi, lang=self.lang, currency=self.currency)  # noqa
        body = [(html.escape(f"{r.start:%d/%m}–{r.end:%d/%m}" if r.level == "period" else "Σ"),
                 f(r.actual), f(r.expected), f(r.target), f(r.projection),
                 html.escape(status_text(r.status, self.lang))) for r in rows.itertuples()]
        head = ["", *(text(k, self.lang) for k in
                      ("actual", "expected", "target", "projection", "status"))]
        self.result.value = _table_html(body, head)
        if not _static():
            from kpikit.views import charts

            total = ev.totals().set_index("kpi").loc[self.kpi]
            plot_into(self.output, charts.pacing_chart(
                pacing_series(self.data, ev, self.kpi), self.kpi, lang=self.lang,
                currency=self.currency, status=total["status"]))

    def static_html(self) -> str:
        return self.result.value


class HorizonCompare(_Lesson):
    """One campaign, month by month: a short-term KPI beside a long-term one."""

    def __init__(self, data: pd.DataFrame, *, lang: str = "en",
                 campaign: str = "Always-on Search", short: str = "roas",
                 long: str = "repeat_purchase_rate"):
        self.data, self.lang = spread_periods(data), check_lang(lang)
        for k, h in ((short, "short"), (long, "long")):
            if get_kpi(k).horizon != h:
                has = get_kpi(k).horizon
                words = {"short": "ngắn hạn", "long": "dài hạn"}
                raise ParameterError(tr(f"{k!r} is a {has}-term KPI in the catalog; pass a "
                                        f"{h}-term one.",
                                        f"{k!r} là KPI {words.get(has, has)} trong danh mục; "
                                        f"hãy chọn một KPI {words.get(h, h)}."),
                                     code=ProblemCode.KPI_UNSUPPORTED)
        self.short, self.long = short, long
        usable = [c for c in sorted(data["campaign"].unique())
                  if all(data.loc[data["campaign"] == c, m].notna().any()
                         for m in get_kpi(short).measures + get_kpi(long).measures)]
        if not usable:
            raise ParameterError(tr("no campaign has the measures of {short} and {long}.",
                                    short=short, long=long),
                                 code=ProblemCode.DATA_CANNOT_MEASURE)
        self.campaign = w.Dropdown(options=usable,
                                   value=campaign if campaign in usable else usable[0],
                                   description=text("campaign", lang))
        self.output = w.Output()
        self.output.add_class("kpikit-horizon")
        self.result = w.HTML()
        self.campaign.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox([self.campaign, self.result, self.output])
        self.redraw()

    def series(self) -> tuple[pd.Series, pd.Series]:
        """Monthly values of the short- and long-term KPI for the chosen campaign."""
        c = (self.campaign.value,)
        return (kpi_history(self.data, self.short, campaigns=c),
                kpi_history(self.data, self.long, campaigns=c))

    def redraw(self) -> None:
        s, lg = self.series()

        def move(x: pd.Series) -> str:
            if len(x) < 13:
                return "–"
            return format_change(float(x.iloc[-1] / x.iloc[-13] - 1), self.lang)

        rows = [(html.escape(text(h, self.lang)), html.escape(get_kpi(k).label(self.lang)),
                 format_value(float(x.iloc[-1]), k, lang=self.lang) if len(x) else "–",
                 move(x)) for h, k, x in (("short", self.short, s), ("long", self.long, lg))]
        vs = "vs 12 months before" if self.lang == "en" else "so với 12 tháng trước"
        self.result.value = _table_html(rows, ["", "KPI", month_text(s.index[-1], self.lang)
                                               if len(s) else "", vs])
        if not _static():
            from kpikit.views import charts

            fig = charts.horizon_chart(s, lg, self.short, self.long, lang=self.lang)
            plot_into(self.output, month_axis(fig, self.lang))

    def static_html(self) -> str:
        return self.result.value


def month_text(month: Any, lang: str = "en") -> str:
    """A month as its reader writes it: ``03/2027`` in Vietnamese, ``Mar 2027`` in English."""
    t = pd.Period(month, freq="M")
    return f"{t.month:02d}/{t.year}" if lang == "vi" else t.strftime("%b %Y")


def month_axis(fig: Any, lang: str = "en") -> Any:
    """Month ticks of a monthly chart as the reader writes them: plotly's own labels
    (``Jan 2025``) are English only, so Vietnamese gets ``01/2025``."""
    if lang == "vi":
        fig.update_xaxes(type="date", tickformat="%m/%Y", hoverformat="%m/%Y")
    return fig


# ----------------------------------------------------------------------- exercises

@dataclass(frozen=True)
class Question:
    """An exercise: a prompt and either choices (with the right index) or a number."""

    prompt: str
    explain: str
    choices: tuple[str, ...] = ()
    answer: int | float = 0
    tolerance: float = 0.0

    def is_right(self, given: Any, lang: str = "en") -> bool:
        """Whether ``given`` (a choice index, a number, or a number typed in ``lang``) is
        right."""
        if self.choices:
            return given == self.answer
        value = parse_answer(given, lang) if isinstance(given, str) else given
        try:
            return abs(float(value) - float(self.answer)) <= self.tolerance  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def parse_answer(typed: str, lang: str = "en") -> float | None:
    """A number a student typed, read the way ``lang`` writes numbers; None if unreadable.

    Vietnamese ``2,5`` is 2.5 and ``1.250`` is 1250; English ``2.5`` and ``1,250``. A
    separator that cannot be a thousands separator (``2.5``, ``2,50``) is read as the
    decimal one in either language, and a trailing ``%`` is allowed (the question asks in %).
    """
    from kpikit.data_in.cells import parse_one

    check_lang(lang)
    t = str(typed).strip().rstrip("%").strip()
    if not t:
        return None
    decimal = "," if lang == "vi" else "."
    r = parse_one(t, decimal, "." if decimal == "," else ",", allow_percent=False)
    return r if isinstance(r, float) and math.isfinite(r) else None


def exercises(lang: str = "en") -> list[Question]:
    """The lesson's exercises; every right answer is computed by kpikit, not typed in."""
    check_lang(lang)
    vi = lang == "vi"
    ctr = playground_values(impressions=50_000, clicks=1_250, spend=1, conversions=1,
                            revenue=1)["ctr"] * 100
    n = lambda v, d=0: format_number(v, d, lang)  # noqa: E731
    short = lambda k: get_kpi(k).short_label(lang)  # noqa: E731
    lower = [k for k in ("roas", "ctr", "cpa", "cvr") if get_kpi(k).direction == "lower"]
    opts = ("roas", "ctr", "cpa", "cvr")
    two = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                        "campaign": "x", "channel": "x", "impressions": [1_000.0, 99_000.0],
                        "clicks": [100.0, 990.0]})
    trap = ratio_trap(two, "ctr", by="date")
    trap_opts = (format_value(trap["mean_of_ratios"], "ctr", lang=lang),
                 format_value(trap["sum_over_sum"], "ctr", lang=lang))
    aware = [r.kpi for r in recommend_kpis("awareness")]
    aware_opts = ("cpa", "roas", aware[0])
    return [
        Question(
            (f"Một quảng cáo có {n(1_250)} lượt nhấp trên {n(50_000)} lượt hiển thị. CTR là "
             "bao nhiêu phần trăm?") if vi else
            (f"An ad had {n(1_250)} clicks on {n(50_000)} impressions. What is its CTR, in %?"),
            (f"CTR = lượt nhấp / lượt hiển thị = {n(ctr, 1)}%.") if vi else
            f"CTR = clicks / impressions = {n(ctr, 1)}%.", answer=ctr, tolerance=0.05),
        Question(
            "KPI nào tốt hơn khi thấp hơn?" if vi else "Which KPI is better when lower?",
            (f"{short(lower[0])}: chi phí cho mỗi chuyển đổi, càng thấp càng tốt.")
            if vi else f"{short(lower[0])}: what each conversion costs; lower is better.",
            tuple(short(k) for k in opts), opts.index(lower[0])),
        Question(
            (f"Ngày 1: {n(100)} lượt nhấp / {n(1_000)} lượt hiển thị; ngày 2: {n(990)} / "
             f"{n(99_000)}. CTR của hai ngày là?") if vi else
            (f"Day 1: {n(100)} clicks / {n(1_000)} impressions; day 2: {n(990)} / "
             f"{n(99_000)}. What is the CTR of the two days?"),
            ("Tổng lượt nhấp / tổng lượt hiển thị; trung bình hai tỷ lệ cho ngày nhỏ trọng số "
             "quá lớn.") if vi else
            "Total clicks / total impressions; averaging the two rates overweights the small "
            "day.", trap_opts, 1),
        Question(
            "Mục tiêu là nhận diện thương hiệu. KPI nào phù hợp nhất?" if vi else
            "The objective is awareness. Which KPI fits best?",
            # the catalog's own definition: impressions count showings, reach counts people
            (f"{short(aware[0])}: {_lower_first(get_kpi(aware[0]).description(lang))} CPA và "
             "ROAS đo bán hàng.") if vi else
            (f"{short(aware[0])}: {_lower_first(get_kpi(aware[0]).description(lang))} CPA "
             "and ROAS measure sales."), tuple(short(k) for k in aware_opts), 2),
    ]


class Quiz(_Lesson):
    """The exercises with instant feedback."""

    def __init__(self, questions: Sequence[Question] | None = None, *, lang: str = "en"):
        self.lang = check_lang(lang)
        self.questions = list(questions or exercises(lang))
        boxes, self.inputs, self.feedback = [], [], []
        for i, q in enumerate(self.questions):
            if q.choices:
                inp: w.Widget = w.RadioButtons(options=[(c, j) for j, c in enumerate(q.choices)],
                                               value=None, layout=w.Layout(width="auto"))
            else:
                # a text box, read in the student's language: a FloatText would turn a
                # Vietnamese "2,5" into 25 or nothing
                inp = w.Text(value="", description=text("answer", lang),
                             placeholder=format_number(12.5, 1, lang))
                inp.add_class(f"kpikit-answer-{i}")
            fb = w.HTML()
            fb.add_class(f"kpikit-feedback-{i}")
            btn = w.Button(description=text("check", lang), button_style="info")
            btn.add_class(f"kpikit-check-{i}")
            btn.on_click(lambda _, i=i: self.check(i))
            self.inputs.append(inp)
            self.feedback.append(fb)
            boxes.append(w.VBox([w.HTML(f"<b>{i + 1}. {html.escape(q.prompt)}</b>"), inp,
                                 w.HBox([btn, fb])]))
        self.widget = w.VBox(boxes)

    def check(self, i: int) -> bool:
        """Judge answer ``i`` and show the feedback; return whether it is right."""
        q = self.questions[i]
        given = self.inputs[i].value
        if not q.choices and parse_answer(given, self.lang) is None:
            self.feedback[i].value = (
                f"{_ICON['warn']} " + html.escape(text(
                    "not_a_number", self.lang, example=format_number(2.5, 1, self.lang))))
            return False
        if q.choices and given is None:
            self.feedback[i].value = f"{_ICON['warn']} " + html.escape(text("choose", self.lang))
            return False
        ok = q.is_right(given, self.lang)
        mark = (f"{_ICON['right']} <b>{html.escape(text('right', self.lang))}</b>" if ok else
                f"{_ICON['wrong']} <b>{html.escape(text('wrong', self.lang))}</b>")
        self.feedback[i].value = f"<span class='kpikit-verdict-{'right' if ok else 'wrong'}'>" \
                                 f"{mark}</span> {html.escape(q.explain)}"
        return ok

    def static_html(self) -> str:
        return "".join(f"<p><b>{i + 1}. {html.escape(q.prompt)}</b><br>"
                       + (" · ".join(html.escape(c) for c in q.choices) if q.choices else "")
                       + "</p>" for i, q in enumerate(self.questions))


def owner_table(ev: Any, *, lang: str = "en") -> pd.DataFrame:
    """Owners of an evaluation's KPIs with status, attainment and probability, readable."""
    from kpikit.views.display import rename
    from kpikit.views.prose import accountability

    out = accountability(ev, lang)
    for c in ("attainment", "probability"):
        if c in out:
            out[c] = [format_number(v * 100, 0, lang) + "%" if v == v else "–" for v in out[c]]
    return rename(out, lang)


# ----------------------------------------------------------------------- serving

#: Voila template of the lesson: the lab template minus the cells tagged ``kpikit-docs``
#: (the notebook's documentation: parameters, papermill command). Voila cannot drop a
#: markdown cell by tag itself (voila-dashboards/voila#171), and a prelaunch hook cannot be
#: combined with pre-started kernels.
VOILA_TEMPLATE = "kpikit-lesson"
_TEMPLATE_FILES = {
    "conf.json": '{"base_template": "lab"}\n',
    "index.html.j2": (
        "{%- extends 'voila/templates/lab/index.html.j2' -%}\n"
        "{%- block any_cell scoped -%}\n"
        "{%- if 'kpikit-docs' not in cell.metadata.get('tags', []) -%}\n"
        "{{ super() }}\n"
        "{%- endif -%}\n"
        "{%- endblock any_cell -%}\n"),
}
#: kernels started ahead of the students: one per student of a class that arrives at once
#: (each holds ~280 MiB). Measured on 2 cores: 10 students on a pool of 10, first widget
#: within 25 s; on a pool of 3 some pages took a kernel still drawing and Voila 0.5 lost
#: their widgets. ``KPIKIT_LESSON_POOL`` sets it for a larger class.
POOL_SIZE = 10
#: a kernel nobody is connected to (a closed tab) is stopped after this many seconds idle
CULL_IDLE_SECONDS = 600
#: a pool kernel handed to a student is replaced this many seconds later, not at once:
#: ten students arriving together otherwise wait while ten new kernels start on the
#: same cores (measured: first widget after 59 s with a 1 s delay, 2 cores)
REFILL_DELAY_SECONDS = 30


def _env_int(name: str, default: int, low: int, high: int) -> int:
    import os

    given = os.environ.get(name, "").strip()
    if not given:
        return default
    if not given.isdigit() or not low <= int(given) <= high:
        raise ParameterError(tr("{name}={given!r}: write a whole number from {low} to {high}.",
                                name=name, given=given, low=low, high=high))
    return int(given)


def voila_command(notebook: str | Path, folder: str | Path, *, port: int, lang: str,
                  no_browser: bool = False) -> tuple[list[str], dict[str, str]]:
    """The Voila command (and its environment) that serves the lesson to a class.

    Writes the lesson's template into ``folder`` (a private temporary folder). Kernels
    are pre-started (``KPIKIT_LESSON_POOL``, default :data:`POOL_SIZE`; 0 turns the pool
    off) and a kernel left idle without a page (``KPIKIT_LESSON_CULL`` seconds, default
    :data:`CULL_IDLE_SECONDS`) is stopped, so closed tabs do not keep theirs.
    """
    import os
    import sys

    check_lang(lang)
    pool = _env_int("KPIKIT_LESSON_POOL", POOL_SIZE, 0, 32)
    cull = _env_int("KPIKIT_LESSON_CULL", CULL_IDLE_SECONDS, 10, 7 * 24 * 3600)
    root = Path(folder)
    tdir = root / "voila" / "templates" / VOILA_TEMPLATE
    tdir.mkdir(parents=True, exist_ok=True)
    from kpikit.files import atomic_write_text

    for name, body in _TEMPLATE_FILES.items():
        atomic_write_text(tdir / name, body)
    env = dict(os.environ, KPIKIT_LESSON_LANG=lang)
    # Voila looks for templates in the Jupyter data path; the lesson's comes first
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(root), os.environ.get("JUPYTER_PATH", "")) if p)
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={port}",
           "--Voila.ip=127.0.0.1", f"--template={VOILA_TEMPLATE}", "--strip_sources=True",
           "--show_tracebacks=False",
           f"--MappingKernelManager.cull_idle_timeout={cull}",
           f"--MappingKernelManager.cull_interval={max(5, min(60, cull // 4))}",
           "--MappingKernelManager.cull_connected=False"]
    if pool:
        cmd += ["--preheat_kernel=True", f"--pool_size={pool}",
                f"--VoilaKernelManager.fill_delay={REFILL_DELAY_SECONDS}"]
    if no_browser:
        cmd.append("--no-browser")
    return cmd, env


def query_lang(default: str) -> str:
    """``lang`` for the lesson, made the current language: the page address under Voila
    (``...?lang=vi``), else the language ``kpikit lesson --lang`` was started with, else
    ``default``.

    A kernel Voila starts ahead of time (its pool) draws the lesson before any student
    asks, so it has no address to read: it speaks the server's language. Waiting in the
    kernel for the student's address (``voila.utils.get_query_string``) would let the
    widgets be created while the page connects, and Voila 0.5 then lost some of them
    (pages that never finished drawing in about one run in three), so the pool does not.
    """
    import os
    from urllib.parse import parse_qs

    from kpikit.i18n.lang import set_language

    lang = default
    for given in (parse_qs(os.environ.get("QUERY_STRING", "")).get("lang", [""])[0],
                  os.environ.get("KPIKIT_LESSON_LANG", "")):
        if given in ("en", "vi"):
            lang = given
            break
    set_language(check_lang(lang))
    return lang
