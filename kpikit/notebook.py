"""Support for kpikit's notebooks: strict parameters, display helpers, outputs.

Every notebook starts with ``_before = nb.begin(globals())``, then its cell
tagged ``parameters``, then ``P = nb.parameters("01_goal_setting", globals(),
_before)``. Papermill only warns about a parameter the notebook does not
declare; kpikit refuses it, and checks every value, before any work is done.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ._lang import resolve_lang, set_language, tr
from .catalog import KPIS, OBJECTIVE_LABELS, OBJECTIVES, get_kpi, word_for
from .errors import ParameterError, ProblemCode
from .format import LANGS, format_change, format_percent, format_value

__all__ = ["NOTEBOOKS", "Param", "begin", "parameters", "setup", "write_results"]


@dataclass(frozen=True)
class Param:
    """One notebook parameter: its kind, and for choices the valid values."""

    name: str
    kind: str  # "path", "optional_path", "text", "optional_text", "choice", "dir"
    help: str
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """``name (help)`` in the current language."""
        return f"{self.name} ({tr(self.help, _HELP_VI.get(self.help, self.help))})"


_HELP_VI = {
    "export or canonical table (None: bundled sample)":
        "tệp xuất hoặc bảng chuẩn (None: dữ liệu mẫu kèm theo)",
    "language of every text, table and chart": "ngôn ngữ của mọi chữ, bảng và biểu đồ",
    "folder for the lesson's gappy export": "thư mục cho tệp xuất có chỗ trống của bài học",
    "plan YAML to refine (None: suggest one)": "kế hoạch YAML để chỉnh (None: gợi ý một kế hoạch)",
    "campaign the plan is for (None: all)": "chiến dịch của kế hoạch (None: tất cả)",
    "objective of a suggested plan": "mục tiêu của kế hoạch gợi ý",
    "language of tables and charts": "ngôn ngữ của bảng và biểu đồ",
    "folder for plan.yaml, tables, charts, results.json":
        "thư mục cho plan.yaml, bảng, biểu đồ, results.json",
    "plan YAML (None: the bundled Tết Sale plan)":
        "kế hoạch YAML (None: kế hoạch Tết Sale kèm theo)",
    "narrow the plan to one campaign (None: its scope)":
        "thu hẹp kế hoạch về một chiến dịch (None: phạm vi của kế hoạch)",
    "last day of data to judge, yyyy-mm-dd": "ngày dữ liệu cuối cùng để đánh giá, yyyy-mm-dd",
    "campaign (the plan period), 2027-01, 2027Q1 or a range":
        "campaign (kỳ của kế hoạch), 2027-01, 2027Q1 hoặc một khoảng ngày",
    "language of tables, charts and summary": "ngôn ngữ của bảng, biểu đồ và tóm tắt",
    "folder for results.json, tables and charts": "thư mục cho results.json, bảng và biểu đồ",
    "canonical table, export, or a Meridian-shaped weekly file (None: bundled sample)":
        "bảng chuẩn, tệp xuất, hoặc tệp theo tuần dạng Meridian (None: dữ liệu mẫu kèm theo)",
    "plan whose evaluation explains why to act (None: the bundled Tết Sale plan)":
        "kế hoạch mà kết quả đánh giá giải thích vì sao cần hành động (None: kế hoạch Tết Sale "
        "kèm theo)",
    "campaign whose channels are optimised": "chiến dịch có các kênh được tối ưu",
    "spend per period to allocate (None: current)":
        "ngân sách mỗi kỳ để phân bổ (None: mức hiện tại)",
    "what to optimise": "tối ưu điều gì",
    "outcome, CPA or ROAS target of the mode": "chỉ tiêu kết quả, CPA hoặc ROAS của chế độ",
    "channel -> [min, max] spend per period": "kênh -> [tối thiểu, tối đa] chi phí mỗi kỳ",
    "language": "ngôn ngữ",
}


NOTEBOOKS: dict[str, tuple[Param, ...]] = {
    "00_kpi_basics": (
        Param("data_path", "optional_path", "export or canonical table (None: bundled sample)"),
        Param("lang", "choice", "language of every text, table and chart", LANGS),
        Param("output_dir", "dir", "folder for the lesson's gappy export"),
    ),
    "01_goal_setting": (
        Param("data_path", "optional_path", "export or canonical table (None: bundled sample)"),
        Param("plan_path", "optional_path", "plan YAML to refine (None: suggest one)"),
        Param("campaign", "optional_text", "campaign the plan is for (None: all)"),
        Param("objective", "choice", "objective of a suggested plan", OBJECTIVES),
        Param("lang", "choice", "language of tables and charts", LANGS),
        Param("output_dir", "dir", "folder for plan.yaml, tables, charts, results.json"),
    ),
    "02_evaluation": (
        Param("data_path", "optional_path", "export or canonical table (None: bundled sample)"),
        Param("plan_path", "optional_path", "plan YAML (None: the bundled Tết Sale plan)"),
        Param("campaign", "optional_text", "narrow the plan to one campaign (None: its scope)"),
        Param("as_of", "date", "last day of data to judge, yyyy-mm-dd"),
        Param("period", "period", "campaign (the plan period), 2027-01, 2027Q1 or a range"),
        Param("lang", "choice", "language of tables, charts and summary", LANGS),
        Param("output_dir", "dir", "folder for results.json, tables and charts"),
    ),
    "03_optimization": (
        Param("data_path", "optional_path", "canonical table, export, or a Meridian-shaped "
                                            "weekly file (None: bundled sample)"),
        Param("plan_path", "optional_path", "plan whose evaluation explains why to act "
                                            "(None: the bundled Tết Sale plan)"),
        Param("campaign", "optional_text", "campaign whose channels are optimised"),
        Param("budget", "optional_number", "spend per period to allocate (None: current)"),
        Param("mode", "choice", "what to optimise", ("max-outcome", "min-budget",
                                                     "target-cpa", "target-roas")),
        Param("target", "optional_number", "outcome, CPA or ROAS target of the mode"),
        Param("bounds", "bounds", "channel -> [min, max] spend per period"),
        Param("lang", "choice", "language", LANGS),
        Param("output_dir", "dir", "folder for results.json, tables and charts"),
    ),
}


def begin(namespace: Mapping[str, Any]) -> frozenset[str]:
    """Remember the names defined before the parameters cell."""
    return frozenset(namespace)


def parameters(notebook: str, namespace: Mapping[str, Any], before: frozenset[str]) -> Any:
    """Check the parameters of ``notebook``; return them as an object with attributes.

    Raises
    ------
    ParameterError
        Listing every unknown name (with close matches) and every bad value.
    """
    given = {k for k in namespace if k not in before and not k.startswith("_")
             and k not in ("In", "Out", "get_ipython", "exit", "quit")}
    if namespace.get("lang") in LANGS:  # the notebook speaks its language from here on
        set_language(namespace["lang"])
    values, problems = check_values(notebook, {k: namespace.get(k) for k in given}, namespace)
    if problems:
        spec = NOTEBOOKS[notebook]
        valid = ", ".join(p.describe() for p in spec)
        said = " ".join(problems)
        raise ParameterError(tr(f"notebook {notebook}: {said} Valid parameters: {valid}.",
                                f"notebook {notebook}: {said} Các tham số hợp lệ: {valid}."),
                             code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    return _Params(values)


def check_values(notebook: str, given: Mapping[str, Any],
                 defaults: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Check parameter values of ``notebook``; return (checked values, problems).

    ``given`` are the names set by the caller (unknown ones are problems);
    ``defaults`` supplies the others.
    """
    if notebook not in NOTEBOOKS:
        names = ", ".join(NOTEBOOKS)
        raise ParameterError(tr(f"unknown notebook {notebook!r}. Choose from: {names}.",
                                f"không có notebook {notebook!r}. Chọn: {names}."),
                             code=ProblemCode.NOTEBOOK_UNKNOWN)
    spec = {p.name: p for p in NOTEBOOKS[notebook]}
    namespace = {**(defaults or {}), **given}
    problems = []
    for name in sorted(set(given) - set(spec)):
        close = difflib.get_close_matches(name, list(spec), n=1)
        hint = tr(f" Did you mean {close[0]!r}?", f" Có phải ý bạn là {close[0]!r}?") \
            if close else ""
        problems.append(tr(f"unknown parameter {name!r}.{hint}",
                           f"không có tham số {name!r}.{hint}"))
    values = {}
    for name, p in spec.items():
        v = namespace.get(name)
        values[name] = v
        if p.kind in ("path", "optional_path"):
            if v is None and p.kind == "optional_path":
                continue
            if not isinstance(v, (str, Path)) or not Path(v).exists():
                problems.append(tr(f"{name}={v!r}: no such file (paths are read from "
                                   f"{Path.cwd()}).",
                                   f"{name}={v!r}: không có tệp này (đường dẫn tính từ "
                                   f"{Path.cwd()})."))
            else:
                values[name] = Path(v)
        elif p.kind in ("text", "optional_text"):
            if v is None and p.kind == "optional_text":
                continue
            if not isinstance(v, str) or not v.strip():
                problems.append(tr(f"{name}={v!r}: must be text.",
                                   f"{name}={v!r}: phải là văn bản."))
        elif p.kind == "choice":
            if v not in p.choices:
                choices = ", ".join(p.choices)
                problems.append(tr(f"{name}={v!r}: choose from {choices}.",
                                   f"{name}={v!r}: chọn trong {choices}."))
        elif p.kind == "date":
            try:
                values[name] = pd.Timestamp(str(v)).date()
            except (ValueError, TypeError):
                problems.append(tr(f"{name}={v!r}: must be a date like 2027-01-25.",
                                   f"{name}={v!r}: phải là ngày dạng 2027-01-25."))
        elif p.kind == "period":
            if v != "campaign":
                from .plans.targets import parse_period

                try:
                    values[name] = parse_period(str(v))
                except ParameterError:
                    problems.append(tr(f"{name}={v!r}: write campaign, 2027-01, 2027Q1, "
                                       "2027 or 2027-01-01:2027-02-28.",
                                       f"{name}={v!r}: viết campaign, 2027-01, 2027Q1, 2027 "
                                       "hoặc 2027-01-01:2027-02-28."))
        elif p.kind == "optional_number":
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or v < 0):
                problems.append(tr(f"{name}={v!r}: must be a number of 0 or more, or None.",
                                   f"{name}={v!r}: phải là số từ 0 trở lên, hoặc None."))
        elif p.kind == "bounds":
            if not isinstance(v, dict) or not all(
                    isinstance(b, (list, tuple)) and len(b) == 2 for b in v.values()):
                problems.append(tr(f"{name}={v!r}: must be a mapping like "
                                   "{'search': [1000000, 5000000]}.",
                                   f"{name}={v!r}: phải là ánh xạ dạng "
                                   "{'search': [1000000, 5000000]}."))
        elif p.kind == "dir":
            if not isinstance(v, (str, Path)) or not str(v).strip():
                problems.append(tr(f"{name}={v!r}: must be a folder path.",
                                   f"{name}={v!r}: phải là đường dẫn thư mục."))
            else:
                values[name] = Path(v)
    return values, problems


class _Params:
    """Checked parameters, as attributes (``P.lang``) and as a dict (``P.as_dict()``)."""

    def __init__(self, values: dict[str, Any]):
        self._values = values
        for k, v in values.items():
            setattr(self, k, v)

    def as_dict(self) -> dict[str, Any]:
        return _clean(self._values)

    def __repr__(self) -> str:
        return "Parameters(" + ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items()) + ")"


def setup() -> None:
    """Plotly renders in JupyterLab and, with plotly.js inlined, in exported HTML.

    Under ``kpikit batch`` (``KPIKIT_BATCH=1``) figures go out as plotly JSON only: the
    batch's report writer draws them and inlines plotly.js once (see
    :func:`kpikit.batch.export_html`), so the kernel does not ship 3.6 MB of plotly.js
    nor a second, HTML copy of every figure.
    """
    import plotly.io as pio

    batch = os.environ.get("KPIKIT_BATCH") == "1"
    pio.renderers.default = "plotly_mimetype" if batch else "plotly_mimetype+notebook"


# ------------------------------------------------------------- display

_COLS = {
    "en": {"kpi": "KPI", "objective": "Objective", "owner": "Owner", "cadence": "Cadence",
           "horizon": "Horizon", "target": "Target", "baseline": "Baseline",
           "change_vs_baseline": "vs baseline", "feasibility": "Feasibility",
           "percentile": "Percentile", "status": "Status", "days_covered": "Days covered",
           "missing_days": "Missing days", "null_share": "Empty cells", "last_date": "Last date",
           "missing_measures": "Missing measures", "rank": "#", "reason": "Why",
           "measurable": "In the data", "direction": "Better when", "campaigns": "Campaigns",
           "channels": "Channels", "window_start": "From", "window_end": "To",
           "attainment": "Attainment", "probability": "Probability", "segment": "Segment",
           "before": "Before", "after": "After", "total": "Total", "mix": "Mix",
           "rate": "Rate", "channel": "Channel", "current": "Current",
           "recommended": "Recommended", "change_pct": "Change", "marginal_current":
           "Marginal return now", "marginal": "Marginal return after", "binding": "Bound by",
           "why": "Why", "form": "Curve", "adstock": "Adstock", "points": "Points",
           "r2": "R²", "mape": "Error (MAPE)", "criterion": "Chosen by",
           "current_spend": "Current spend", "notes": "Notes",
           "weight_before": "Share before", "weight_after": "Share after",
           "rate_before": "Rate before", "rate_after": "Rate after"},
    "vi": {"kpi": "KPI", "objective": "Mục tiêu", "owner": "Người phụ trách",
           "cadence": "Chu kỳ", "horizon": "Tầm nhìn", "target": "Chỉ tiêu",
           "baseline": "Cơ sở", "change_vs_baseline": "So với cơ sở",
           "feasibility": "Khả thi", "percentile": "Phân vị", "status": "Trạng thái",
           "days_covered": "Số ngày có dữ liệu", "missing_days": "Ngày thiếu",
           "null_share": "Ô trống", "last_date": "Ngày cuối", "missing_measures": "Thiếu cột",
           "rank": "#", "reason": "Lý do", "measurable": "Có dữ liệu",
           "direction": "Tốt hơn khi", "campaigns": "Chiến dịch", "channels": "Kênh",
           "window_start": "Từ ngày", "window_end": "Đến ngày", "attainment": "Mức đạt",
           "probability": "Xác suất đạt", "segment": "Nhóm", "before": "Trước",
           "after": "Sau", "total": "Tổng", "mix": "Cơ cấu", "rate": "Hiệu suất",
           "channel": "Kênh", "current": "Hiện tại", "recommended": "Đề xuất",
           "change_pct": "Thay đổi", "marginal_current": "Lợi nhuận biên hiện tại",
           "marginal": "Lợi nhuận biên sau", "binding": "Bị chặn bởi", "why": "Lý do",
           "form": "Dạng đường cong", "adstock": "Adstock", "points": "Số điểm",
           "r2": "R²", "mape": "Sai số (MAPE)", "criterion": "Chọn theo",
           "current_spend": "Chi phí hiện tại", "notes": "Ghi chú",
           "weight_before": "Tỷ trọng trước", "weight_after": "Tỷ trọng sau",
           "rate_before": "Hiệu suất trước", "rate_after": "Hiệu suất sau"},
}


def targets_table(targets: pd.DataFrame, *, lang: str | None = None,
                  currency: str | None = None) -> pd.DataFrame:
    """The plan check's target rows, formatted for reading."""
    lang = resolve_lang(lang)
    from .plans.feasibility import feasibility_word

    i = 1 if lang == "vi" else 0
    better = {"higher": ("higher", "cao hơn"), "lower": ("lower", "thấp hơn")}
    rows = []
    for r in targets.itertuples():
        rows.append({
            "kpi": get_kpi(r.kpi).label(lang), "owner": owner_text(r.owner, lang),
            "cadence": translate(r.cadence, lang), "horizon": translate(r.horizon, lang),
            "direction": better[r.direction][i],
            "target": format_value(r.target, r.kpi, lang=lang, currency=currency),
            "baseline": format_value(r.baseline, r.kpi, lang=lang, currency=currency),
            "change_vs_baseline": format_change(r.change_vs_baseline, lang),
            "feasibility": feasibility_word(r.feasibility, lang),
            "percentile": "–" if r.percentile != r.percentile else f"{r.percentile:.0f}",
        })
    return pd.DataFrame(rows).rename(columns=_COLS[lang])


_PERCENT_COLUMNS = {"attainment", "probability", "change_pct", "null_share", "mape",
                    "weight_before", "weight_after"}


def _cell(value: Any, lang: str, percent: bool) -> str:
    """A number as a reader of ``lang`` writes it: 1.234.567 / 0,125 / 12,5% in Vietnamese."""
    from .format import MISSING, format_number, format_percent

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    v = float(value)
    if percent:
        return format_percent(v, 1, lang)
    if v.is_integer() or abs(v) >= 1000 or abs(v) < 1e-9:  # 3.6e-27 reads as 0
        return format_number(v, 0, lang)
    # four significant digits written out: 0,00005384, never 5,384e-05
    return format_number(v, min(12, max(0, 3 - math.floor(math.log10(abs(v))))), lang)


def show(df: pd.DataFrame, lang: str | None = None) -> Any:
    """A table for reading: no index, text left-aligned, nothing cut short, numbers written
    the way a reader of ``lang`` writes them (shares as percentages)."""
    lang = resolve_lang(lang)
    percent = set(_PERCENT_COLUMNS) | {_COLS[lang_].get(c) for lang_ in _COLS
                                       for c in _PERCENT_COLUMNS}
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])]
    formats = {c: (lambda v, p=c in percent: _cell(v, lang, p)) for c in numeric}
    # Styler writes cell text as raw HTML unless told: every cell and header is escaped, so
    # a campaign called <img src=x onerror=...> shows as text in JupyterLab and reports
    return (df.style.hide(axis="index").format(escape="html")
            .format(formats, escape="html").format_index(escape="html", axis=1)
            .set_properties(**{"text-align": "left", "white-space": "pre-wrap"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))


_LINES = {
    "period": ("{plan}: {start} to {end}, as of {as_of} ({pacing} pacing)",
               "{plan}: {start} đến {end}, tính đến {as_of} (tiến độ {pacing})"),
    "cascade": ("drivers multiply to the goal within {error}",
                "tích các yếu tố khớp mục tiêu với sai số {error}"),
    "contradiction": ("CONTRADICTION: {text}", "MÂU THUẪN: {text}"),
    "note": ("note: {text}", "lưu ý: {text}"),
    "segments": ("{kpi} by {by}", "{kpi} theo {by}"),
    "binding": ("binding: {names}", "ràng buộc đang chặn: {names}"),
    "none": ("none", "không có"),
    "freshness": ("data ends {data_end}, {lag} days before {as_of}: those days are projected, "
                  "not counted as zero",
                  "dữ liệu kết thúc ngày {data_end}, {lag} ngày trước {as_of}: các ngày đó "
                  "được dự báo, không tính bằng 0"),
    "fresh": ("data up to {data_end}", "dữ liệu đến ngày {data_end}"),
    "estimated": ("estimated (rows covering several days spread evenly): {names}",
                  "ước tính (dòng gộp nhiều ngày được chia đều theo ngày): {names}"),
    "gain": ("paired gain {gain} (90% interval {low} to {high}); {p} of the draws gain: {verdict}",
             "mức tăng so cặp {gain} (khoảng 90% từ {low} đến {high}); {p} số lần lấy mẫu cho "
             "kết quả tăng: {verdict}"),
    "holdout": ("{channel}: R² {r2}, holdout error {error} (plain average {naive}) over "
                "{n} periods{flag}",
                "{channel}: R² {r2}, sai số giữ lại {error} (trung bình đơn giản {naive}) trên "
                "{n} kỳ{flag}"),
}

#: what an allocation's verdict says (English, Vietnamese)
VERDICT_TEXT = {"act": ("supported: act on it", "có cơ sở: nên thực hiện"),
                "keep": ("not supported: keep the mix and test first",
                         "chưa có cơ sở: giữ cơ cấu và thử nghiệm trước"),
                "single": ("one channel: nothing to reallocate",
                           "một kênh: không có gì để phân bổ lại"),
                "no change": ("no change", "không thay đổi")}


def freshness_line(ev: Any, lang: str | None = None) -> str:
    """How fresh the data is: its last day, and the lag to ``as_of`` when there is one."""
    lang = resolve_lang(lang)
    t = ev.totals()
    if t.empty or "data_end" not in t:
        return ""
    end, lag = t["data_end"].iloc[0], int(t["lag_days"].iloc[0])
    if lag > 0:
        return line("freshness", lang, data_end=end, lag=lag, as_of=ev.as_of)
    return line("fresh", lang, data_end=end)


def estimated_line(ev: Any, lang: str | None = None) -> str:
    """Which KPI and periods hold a spread (estimated) part of a period row ('' if none)."""
    lang = resolve_lang(lang)
    if "estimated" not in ev.rows:
        return ""
    est = ev.rows[ev.rows["estimated"].astype(bool)]
    if est.empty:
        return ""
    names = ", ".join(f"{get_kpi(r.kpi).label(lang)} {r.period}" for r in est.itertuples())
    return line("estimated", lang, names=names)


def _binding_text(constraint: str, vi: bool) -> str:
    """An allocation's binding constraint (``total budget``, ``search max``) for reading."""
    if not vi:
        return constraint
    for en, said in (("total budget", "tổng ngân sách"), ("CPA limit", "giới hạn CPA"),
                     ("ROAS limit", "giới hạn ROAS"), (">= target", "≥ chỉ tiêu")):
        constraint = constraint.replace(en, said)
    name, _, bound = constraint.rpartition(" ")
    return f"{name} {_VALUES_VI[bound]}" if name and bound in ("min", "max") else constraint


_PACING_VI = {"seasonal": "theo mùa vụ", "linear": "tuyến tính", "spend": "theo chi phí"}


def line(key: str, lang: str | None = None, **values: Any) -> str:
    """One printed line of a notebook, in ``lang`` (dates as dd/mm/yyyy in Vietnamese)."""
    lang = resolve_lang(lang)
    vi = lang == "vi"
    shown = {}
    for k, v in values.items():
        if isinstance(v, date):
            v = v.strftime("%d/%m/%Y") if vi else v.isoformat()
        elif k == "pacing" and vi:
            v = _PACING_VI.get(v, v)
        elif k == "by" and vi:
            v = {"channel": "kênh", "campaign": "chiến dịch"}.get(v, v)
        elif k == "binding":
            v = ", ".join(_binding_text(b, vi) for b in v) or _LINES["none"][vi]
            k = "names"
        elif k == "kpi" and isinstance(v, str) and v in KPIS:
            v = KPIS[v].label(lang)  # a KPI's name, not its code (revenue -> Doanh thu)
        elif k == "error" and isinstance(v, float):
            v = format_percent(v, 2, lang)  # a relative error: 0,00%, never 2.22e-16
        elif isinstance(v, float):
            v = _cell(v, lang, False)
        shown[k] = v
    return _LINES[key][1 if vi else 0].format(**shown)


_VALUES_VI = {"short": "ngắn hạn", "long": "dài hạn", "weekly": "hằng tuần",
              "monthly": "hằng tháng", "quarterly": "hằng quý", "campaign": "theo chiến dịch",
              "ok": "đủ", "gaps": "có khoảng trống", "no data": "không có dữ liệu",
              "unmeasurable": "không đo được", "all": "tất cả", "min": "mức tối thiểu",
              "max": "mức tối đa", "locked": "khóa", "zero": "về 0", "refused": "bị từ chối",
              "lowest AIC": "AIC thấp nhất", "hill": "Hill", "log": "logarit",
              "unassigned": "chưa giao", "plan": "kế hoạch", "cascade": "suy từ cây KPI"}


_NAME_COLUMNS = {"owner", "campaign", "channel", "segment", "kpi"}


def owner_text(owner: str, lang: str | None = None) -> str:
    """An owner as shown: the plan's placeholder for none in the reader's words, a person's
    name as written (never looked up as a code word)."""
    from .plans.targets import UNASSIGNED

    if owner == UNASSIGNED:
        return "chưa giao" if resolve_lang(lang) == "vi" else "unassigned"
    return owner


def translate(value: Any, lang: str | None = None) -> Any:
    """A code word (short, weekly, gaps, ...) in ``lang``."""
    lang = resolve_lang(lang)
    return _VALUES_VI.get(value, value) if lang == "vi" and isinstance(value, str) else value


def rename(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Translate known column names and code words for display."""
    lang = resolve_lang(lang)
    out = df.copy()
    for c in out.columns:
        if c in _NAME_COLUMNS:
            # names from the data or the plan, shown as written: an owner or a channel
            # called "all" or "log" is not a code word
            if c == "owner":
                out[c] = out[c].map(lambda v: owner_text(v, lang) if isinstance(v, str) else v)
            continue
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(lambda v: translate(v, lang))
    return out.rename(columns=_COLS.get(lang, _COLS["en"]))


# -------------------------------------------------------------- results

SCHEMA_VERSION = 1


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN -> null, dates -> ISO text, numpy -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (pd.Timestamp, datetime, date)):
        return obj.isoformat()[:10] if not isinstance(obj, datetime) or obj == obj else None
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if obj is pd.NaT:
        return None
    return obj


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-safe records."""
    return _clean(df.to_dict(orient="records"))


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a notebook's ``results.json`` (``goal_setting``, ...)."""
    text = resources.files("kpikit.schemas").joinpath(f"{name}.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def write_results(output_dir: str | Path, kind: str, payload: dict[str, Any]) -> Path:
    """Write ``results.json`` atomically, stamped with schema name and version."""
    from ._files import atomic_write_text

    path = Path(output_dir) / "results.json"
    atomic_write_text(path, results_text(kind, payload))
    return path


def results_text(kind: str, payload: dict[str, Any]) -> str:
    """A results document (JSON text), stamped with schema name and version."""
    from . import __version__

    doc = {"schema": f"kpikit/{kind}", "schema_version": SCHEMA_VERSION,
           "kpikit_version": __version__,
           "created": datetime.now(UTC).isoformat(timespec="seconds"),
           **_clean(payload)}
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV (no index, UTF-8) atomically; text cells that a spreadsheet would
    run as a formula (``=HYPERLINK(...)``) are written as text (:mod:`kpikit._safe`)."""
    from ._files import atomic_write
    from ._safe import neutral_frame

    safe = neutral_frame(df)
    return atomic_write(Path(path), lambda p: safe.to_csv(p, index=False, encoding="utf-8"))


def write_figure(fig: Any, path: str | Path) -> Path:
    """Write a plotly figure as HTML beside a shared ``plotly.min.js`` (works offline).

    The figure is embedded base64-encoded (:func:`kpikit._safe.plotly_embed`): names from
    the data never appear as HTML or script text in the file.
    """
    import json as _json

    from ._files import atomic_write_text
    from ._safe import html_text, plotly_embed

    path = Path(path)
    js = path.parent / "plotly.min.js"
    if not js.exists():
        from plotly.offline import get_plotlyjs

        atomic_write_text(js, get_plotlyjs())
    spec = _json.loads(fig.to_json())
    spec["config"] = {"displaylogo": False, "responsive": True}
    height = spec.get("layout", {}).get("height")
    embed = plotly_embed(f"kpikit-{path.stem}", _json.dumps(spec, ensure_ascii=False),
                         f"{int(height)}px" if height else "95vh")
    page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{html_text(path.stem)}</title>"
            '<script src="plotly.min.js"></script></head>'
            f'<body style="margin:0">{embed}</body></html>\n')
    return atomic_write_text(path, page)


# ---------------------------------------------------------- 01 goal setting


def recommendations_table(recs: list, *, lang: str | None = None) -> pd.DataFrame:
    """Recommended KPIs, formatted for reading."""
    lang = resolve_lang(lang)
    yes, no = ("yes", "no") if lang != "vi" else ("có", "không")
    rows = [{"rank": r.rank, "kpi": r.label(lang),
             "measurable": "–" if r.measurable is None else (yes if r.measurable else
                                                              f"{no}: {', '.join(r.missing)}"),
             "horizon": get_kpi(r.kpi).horizon, "reason": r.reason} for r in recs]
    return rename(pd.DataFrame(rows), lang)


def accountability_table(targets: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """Steps 5, 6, 8: who owns which KPI, reviewed how often, short or long term."""
    lang = resolve_lang(lang)
    rows = [{"owner": r.owner, "kpi": get_kpi(r.kpi).label(lang), "cadence": r.cadence,
             "horizon": r.horizon,
             "objective": OBJECTIVE_LABELS.get(r.objective, (r.objective,) * 2)[
                 1 if lang == "vi" else 0]} for r in targets.itertuples()]
    df = pd.DataFrame(rows).sort_values(["owner", "cadence"], kind="stable")
    return rename(df, lang)


def availability_table(avail: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """The availability check, formatted for reading."""
    lang = resolve_lang(lang)
    from .format import format_date, format_percent

    out = avail[["kpi", "campaigns", "channels", "window_start", "window_end", "days_covered",
                 "missing_days", "null_share", "last_date", "missing_measures",
                 "status"]].copy()
    out["kpi"] = [get_kpi(k).label(lang) for k in out["kpi"]]
    out["null_share"] = [format_percent(v, 1, lang) for v in out["null_share"]]
    for c in ("window_start", "window_end", "last_date"):
        out[c] = [format_date(v, lang) for v in out[c]]
    out["missing_measures"] = [", ".join(word_for(m.strip(), lang) for m in str(v).split(","))
                               if isinstance(v, str) and v else "" for v in
                               out["missing_measures"]]
    return rename(out, lang)


def feasibility_figures(plan: Any, data: pd.DataFrame, check: Any, *,
                        lang: str | None = None) -> dict[str, Any]:
    """One history-with-target chart per plan KPI, keyed by KPI name."""
    lang = resolve_lang(lang)
    from .charts import feasibility_chart
    from .plans.feasibility import feasibility

    figs = {}
    currency = data.attrs.get("currency")
    for (_, k), row in zip(plan.targets(), check.targets.itertuples(), strict=True):
        if row.target != row.target:
            continue
        campaigns, channels = plan.scope_of(k)
        f = feasibility(data, k.kpi, row.target, cadence=k.cadence,
                        period=plan.period_of(k), campaigns=campaigns, channels=channels)
        if len(f.history):
            figs[k.kpi] = feasibility_chart(f, lang=lang, currency=currency)
    return figs


def write_goal_setting(params: Any, plan: Any, check: Any, figures: Mapping[str, Any],
                       tree_figure: Any = None) -> dict[str, str]:
    """Write plan.yaml, availability.csv, targets.csv, charts and results.json (last)."""
    out = Path(params.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"plan": "plan.yaml", "availability": "availability.csv",
             "targets": "targets.csv"}
    plan.to_yaml(out / files["plan"])
    write_table(check.availability, out / files["availability"])
    write_table(check.targets, out / files["targets"])
    charts = dict(figures)
    if tree_figure is not None:
        charts["kpi_tree"] = tree_figure
    for name, fig in charts.items():
        rel = f"charts/{name}.html"
        write_figure(fig, out / rel)
        files[f"chart:{name}"] = rel
    tree = None
    if check.cascade is not None:
        c = check.cascade
        tree = {"formula": c.tree.formula(), "goal": c.tree.goal,
                "goal_baseline": c.goal_baseline, "goal_target": c.goal_target,
                "coverage": c.coverage, "product": c.product,
                "drivers": records(c.drivers)}
    payload = {
        "notebook": "01_goal_setting", "parameters": params.as_dict(), "plan": plan.to_dict(),
        "targets": records(check.targets), "availability": records(check.availability),
        "tree": tree, "contradictions": list(check.contradictions),
        "warnings": list(check.warnings), "ok": bool(check.ok), "files": files,
    }
    write_results(out, "goal_setting", payload)
    return {k: str(out / v) for k, v in {**files, "results": "results.json"}.items()}


# ------------------------------------------------------------- 02 evaluation


def bundled_plan(name: str = "plan_tet_sale.yaml") -> Path:
    """Path of a plan shipped with kpikit."""
    return Path(str(resources.files("kpikit.data").joinpath(name)))


def scorecard_table(ev: Any, *, lang: str | None = None,
                    currency: str | None = None) -> pd.DataFrame:
    """The whole-period row of every KPI, formatted for reading."""
    lang = resolve_lang(lang)
    from .format import format_change
    from .views.prose import status_text

    rows = []
    for r in ev.totals().itertuples():
        def fv(v: float, kpi: str = r.kpi) -> str:
            return format_value(v, kpi, lang=lang, currency=currency)

        sig = ""
        if getattr(r, "p_ly", None) == getattr(r, "p_ly", None) and hasattr(r, "p_ly"):
            sig = (" *" if r.significant_ly else
                   (" (không đáng kể)" if lang == "vi" else " (n.s.)"))
        est = " (est.)" if lang != "vi" else " (ước tính)"
        est = est if bool(getattr(r, "estimated", False)) else ""
        rows.append({
            "kpi": get_kpi(r.kpi).label(lang), "owner": owner_text(r.owner, lang),
            "status": status_text(r.status, lang), "actual": fv(r.actual) + est,
            "expected": fv(r.expected), "target": fv(r.target),
            "attainment": format_percent(r.attainment, 0, lang),
            "projection": fv(r.projection),
            "interval": f"{fv(r.low)} – {fv(r.high)}" if r.low == r.low else "–",
            "probability": format_percent(r.probability, 0, lang),
            "change_ly": (format_change(getattr(r, "change_ly", float("nan")), lang) + sig),
        })
    cols = {"en": {"status": "Status", "actual": "Actual", "expected": "Expected by now",
                   "target": "Target", "attainment": "vs pace", "projection": "Projection",
                   "interval": "90% interval", "probability": "P(reach)",
                   "change_ly": "vs last year"},
            "vi": {"status": "Trạng thái", "actual": "Thực tế", "expected": "Kỳ vọng đến nay",
                   "target": "Chỉ tiêu", "attainment": "So với tiến độ",
                   "projection": "Dự báo", "interval": "Khoảng 90%",
                   "probability": "Xác suất đạt", "change_ly": "So với năm trước"}}
    return rename(pd.DataFrame(rows).rename(columns=cols["vi" if lang == "vi" else "en"]), lang)


def evaluation_figures(data: pd.DataFrame, ev: Any, *, lang: str | None = None) -> dict[str, Any]:
    """Scorecard, then per KPI a pacing chart and the attribution waterfall."""
    lang = resolve_lang(lang)
    from . import charts
    from .analysis.series import pacing_series

    cur = data.attrs.get("currency")
    figs = {"scorecard": charts.scorecard_chart(ev, lang=lang, currency=cur)}
    words = {"en": ("target", "actual", "last year", "now"),
             "vi": ("chỉ tiêu", "thực tế", "năm trước", "nay")}["vi" if lang == "vi" else "en"]
    for r in ev.totals().itertuples():
        if r.status != "no data" and r.expected == r.expected:
            figs[f"pacing_{r.kpi}"] = charts.pacing_chart(
                pacing_series(data, ev, r.kpi), r.kpi, lang=lang, currency=cur, status=r.status)
        tables = ev.drivers.get(r.kpi, {})
        if "gap" in tables:
            figs[f"gap_{r.kpi}"] = charts.waterfall_chart(
                tables["gap"], lang=lang, currency=cur, before_label=words[0],
                after_label=words[1])
        elif "change" in tables:
            figs[f"change_{r.kpi}"] = charts.waterfall_chart(
                tables["change"], lang=lang, currency=cur, before_label=words[2],
                after_label=words[3])
    return figs


def top_drivers(ev: Any, kpi: str, n: int = 3) -> list[dict[str, Any]]:
    """The largest effects of the gap attribution (or the change, when there is no gap)."""
    tables = ev.drivers.get(kpi, {})
    table = tables.get("gap", tables.get("change"))
    if table is None:
        return []
    kind = "gap" if "gap" in tables else "change"
    top = table.reindex(table["effect"].abs().sort_values(ascending=False).index).head(n)
    return [{"driver": r.driver, "change": r.change, "effect": r.effect, "versus": kind}
            for r in top.itertuples()]


def write_evaluation(params: Any, ev: Any, figures: Mapping[str, Any]) -> dict[str, str]:
    """Write kpis.csv, charts and results.json (last) for notebook 02."""
    out = Path(params.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"kpis": "kpis.csv"}
    write_table(ev.rows, out / files["kpis"])
    for name, fig in figures.items():
        rel = f"charts/{name}.html"
        write_figure(fig, out / rel)
        files[f"chart:{name}"] = rel
    payload = evaluation_payload(ev, params.as_dict(), files)
    write_results(out, "evaluation", payload)
    return {k: str(out / v) for k, v in {**files, "results": "results.json"}.items()}


def evaluation_payload(ev: Any, parameters: dict[str, Any], files: dict[str, str]) -> dict:
    """The content of an evaluation's ``results.json`` (schema ``kpikit/evaluation``)."""
    from .views.prose import summary_lines

    keep = ["kpi", "objective", "owner", "horizon", "cadence", "direction", "actual", "target",
            "expected", "attainment", "projection", "low", "high", "probability",
            "projected_attainment", "status", "pacing", "elapsed_days", "days",
            "data_end", "lag_days", "estimated"]
    optional = ["change_prev", "p_prev", "significant_prev", "test_prev", "change_ly", "p_ly",
                "significant_ly", "test_ly", "wilson_low", "wilson_high", "trend", "trend_slope",
                "trend_se", "trend_p", "trend_months", "latest_day", "latest_value",
                "latest_expected", "latest_anomaly", "goal", "periods_broken",
                "periods_finished"]
    kpis = []
    for row in ev.totals().to_dict(orient="records"):
        item = {k: row.get(k) for k in keep}
        item.update({k: row[k] for k in optional if k in row})
        per = ev.rows[(ev.rows["kpi"] == row["kpi"]) & (ev.rows["level"] == "period")]
        cols = ["period", "start", "end", "actual", "target", "attainment", "status"]
        item["periods"] = records(per[cols + [c for c in ("estimated",) if c in per]])
        item["top_drivers"] = top_drivers(ev, row["kpi"])
        kpis.append(item)
    totals = ev.totals()
    statuses = totals["status"].value_counts().to_dict()
    fresh = {}
    if "data_end" in totals and len(totals):
        fresh = {"data_end": totals["data_end"].iloc[0],
                 "lag_days": int(totals["lag_days"].iloc[0]),
                 "estimated_periods": [{"kpi": r.kpi, "level": r.level, "period": r.period}
                                       for r in ev.rows.itertuples() if bool(r.estimated)]}
    return {"notebook": "02_evaluation", "parameters": parameters,
            "plan": ev.plan.name, "currency": ev.plan.currency, "as_of": ev.as_of,
            "period": list(ev.period), "pacing": ev.pacing, "statuses": statuses, "kpis": kpis,
            **fresh, "summary": list(summary_lines(ev)), "files": files}


def paragraphs(lines: Sequence[str]) -> Any:
    """Lines of text as a bulleted list (for the summary of an evaluation).

    The lines hold names from the data and the plan (owners, campaigns, channels), so they
    go out as escaped HTML, not Markdown: Markdown passes raw HTML through, and a name
    such as ``<img src=x onerror=...>`` or ``[x](javascript:...)`` must show as text.
    """
    from IPython.display import HTML

    from ._safe import html_text

    items = "".join(f"<li>{html_text(line)}</li>" for line in lines)
    return HTML(f"<ul class='kpikit-lines'>{items}</ul>")


# ----------------------------------------------------------- 03 optimization


def optimization_inputs(params: Any, data_path: Any) -> dict[str, Any]:
    """Load data and fit the curves for notebook 03 (per channel, or jointly for a
    Meridian-shaped weekly file)."""
    from .analysis.optimize import fit_curves, fit_joint, is_meridian, load_meridian

    if data_path is not None and Path(data_path).suffix.lower() == ".csv" and is_meridian(
            pd.read_csv(data_path, nrows=0).columns):
        spend, conversions, revenue = load_meridian(str(data_path))
        curves, base = fit_joint(spend, revenue, outcome_name="revenue")
        return {"curves": curves, "refused": {}, "data": None, "currency": None,
                "baseline": base, "points": None, "freq": "W",
                "note": tr("joint fit: revenue = baseline + season + sum of channel curves",
                           "ước lượng chung: doanh thu = nền + mùa vụ + tổng các đường cong "
                           "kênh")}
    from . import load, load_sample
    from .plans.scope import scope_data

    data = load(data_path) if data_path else load_sample()
    outcome = "revenue" if "revenue" in data and data["revenue"].notna().any() else "conversions"
    campaigns = [params.campaign] if params.campaign else []
    curves, refused = fit_curves(data, outcome=outcome, campaigns=campaigns, freq="D")
    scoped = scope_data(data, campaigns).dropna(subset=["spend", outcome])
    daily = scoped.groupby(["channel", "date"])[["spend", outcome]].sum()
    points = {ch: (part["spend"].to_numpy(), part[outcome].to_numpy())
              for ch, part in daily.groupby(level=0) if ch in curves}
    return {"curves": curves, "refused": refused, "data": data,
            "currency": data.attrs.get("currency"), "baseline": 0.0, "points": points,
            "freq": "D", "note": tr(f"per-channel fit of daily {word_for(outcome, 'en')}",
                                    f"ước lượng theo từng kênh từ {word_for(outcome, 'vi')} "
                                    "theo ngày")}


def curves_table(curves: Mapping[str, Any], refused: Mapping[str, str]) -> pd.DataFrame:
    """One row per channel: the chosen form, fit quality and notes (or why it was refused)."""
    rows = [{"channel": ch, "form": c.form, "adstock": c.decay, "points": c.n,
             "r2": round(c.r2, 3), "mape": round(c.mape, 3),
             "holdout_error": round(c.holdout_mape, 3) if c.holdout_n else None,
             "holdout_mean_error": round(c.holdout_naive, 3) if c.holdout_n else None,
             "holdout_passed": c.holdout_ok, "criterion": c.criterion,
             "current_spend": round(c.current), "notes": " ".join(c.notes)}
            for ch, c in curves.items()]
    rows += [{"channel": ch, "form": "refused", "notes": why} for ch, why in refused.items()]
    return pd.DataFrame(rows)


def write_optimization(params: Any, inputs: Mapping[str, Any], allocation: Any,
                       lines: Sequence[str], figures: Mapping[str, Any]) -> dict[str, str]:
    """Write allocation.csv, curves.csv, charts and results.json (last) for notebook 03."""
    out = Path(params.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"allocation": "allocation.csv", "curves": "curves.csv"}
    write_table(allocation.table, out / files["allocation"])
    write_table(curves_table(inputs["curves"], inputs["refused"]), out / files["curves"])
    for name, fig in figures.items():
        rel = f"charts/{name}.html"
        write_figure(fig, out / rel)
        files[f"chart:{name}"] = rel
    curves = {ch: {"form": c.form, "params": list(c.params), "adstock": c.decay,
                   "r2": c.r2, "mape": c.mape, "aic": c.aic, "points": c.n,
                   "holdout": {"error": c.holdout_mape, "mean_error": c.holdout_naive,
                               "periods": c.holdout_n, "passed": c.holdout_ok},
                   "current_spend": c.current, "notes": list(c.notes)}
              for ch, c in inputs["curves"].items()}
    payload = {
        "notebook": "03_optimization", "parameters": params.as_dict(),
        "mode": allocation.mode, "outcome": allocation.outcome, "period": inputs["freq"],
        "budget": allocation.budget, "target": allocation.target,
        "allocation": records(allocation.table),
        "expected": {"current": allocation.outcome_current,
                     "recommended": allocation.outcome_recommended,
                     "low": allocation.outcome_low, "high": allocation.outcome_high,
                     "lift": allocation.lift},
        "gain": gain_payload(allocation), "currency": inputs.get("currency"),
        "binding_constraints": list(allocation.binding), "curves": curves,
        "refused_channels": dict(inputs["refused"]), "recommendations": list(lines),
        "files": files,
    }
    write_results(out, "optimization", payload)
    return {k: str(out / v) for k, v in {**files, "results": "results.json"}.items()}


def gain_payload(allocation: Any) -> dict[str, Any]:
    """The paired gain of an allocation and its verdict, for results.json."""
    return {"expected": allocation.gain, "low": allocation.gain_low,
            "high": allocation.gain_high, "probability": allocation.prob_gain,
            "verdict": allocation.verdict, "failed_holdout": list(allocation.failed_holdout)}


def gain_line(allocation: Any, lang: str | None = None, currency: str | None = None) -> str:
    """The paired gain with its interval, probability and verdict, in ``lang``."""
    lang = resolve_lang(lang)
    from .catalog import MEASURES
    from .format import format_money, format_number

    money = allocation.outcome in MEASURES and MEASURES[allocation.outcome].money

    def amount(v: float) -> str:
        text = format_money(abs(v), currency, lang) if money else format_number(abs(v), 0, lang)
        return ("+" if v >= 0 else "-") + text if v == v else "–"

    p = allocation.prob_gain
    return line("gain", lang, gain=amount(allocation.gain), low=amount(allocation.gain_low),
                high=amount(allocation.gain_high),
                p="–" if p != p else format_change(p, lang, 0).lstrip("+"),
                verdict=VERDICT_TEXT[allocation.verdict][1 if lang == "vi" else 0])


def holdout_lines(curves: Mapping[str, Any], lang: str | None = None) -> list[str]:
    """Per curve: R² beside its time-ordered holdout error (and whether it passed)."""
    lang = resolve_lang(lang)
    from .format import format_number

    out = []
    for ch, c in curves.items():
        if not c.holdout_n:
            continue
        flag = "" if c.holdout_ok else (" – FAILED" if lang != "vi" else " – KHÔNG ĐẠT")
        out.append(line("holdout", lang, channel=ch, r2=format_number(c.r2, 2, lang),
                        error=format_change(c.holdout_mape, lang, 1).lstrip("+"),
                        naive=format_change(c.holdout_naive, lang, 1).lstrip("+"),
                        n=c.holdout_n, flag=flag))
    return out


def diagnosis(ev: Any) -> list[str]:
    """Summary lines of the KPIs that are off track, at risk or missed (all, if none)."""
    from .views.prose import summary_lines

    lines = summary_lines(ev)
    bad = [line for line, status in zip(lines, ev.totals()["status"], strict=True)
           if status in ("off track", "missed", "at risk")]
    return bad or list(lines)
