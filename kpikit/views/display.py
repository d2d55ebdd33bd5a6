"""How notebooks show things to people: tables, lines and paragraphs in the reader's language.

Tables keep their codes in the data (``weight_before``, ``weekly``) and get the reader's
words and number formats only when shown (:func:`rename`, :func:`show`); lines go out as
HTML paragraphs (:func:`say`, :func:`paragraphs`), escaped, so a report shows them as prose
and a name from the data never runs as markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.catalog import KPIS, get_kpi
from kpikit.i18n.formats import MISSING, format_date, format_number, format_percent
from kpikit.i18n.lang import LANGS, resolve_lang, tr, using_language

__all__ = ["binding_text", "column_names", "estimated_line", "freshness_line", "line", "owner_text",
           "paragraphs", "rename", "say", "show", "translate", "written"]


def column_names() -> dict[str, str]:
    """Column codes as headers in the current language."""
    return {
        "kpi": tr("KPI", "KPI"), "objective": tr("Objective", "Mục tiêu"),
        "owner": tr("Owner", "Người phụ trách"), "cadence": tr("Cadence", "Chu kỳ"),
        "horizon": tr("Horizon", "Tầm nhìn"), "target": tr("Target", "Chỉ tiêu"),
        "baseline": tr("Baseline", "Cơ sở"),
        "change_vs_baseline": tr("vs baseline", "So với cơ sở"),
        "feasibility": tr("Feasibility", "Khả thi"),
        "percentile": tr("Percentile", "Phân vị"), "status": tr("Status", "Trạng thái"),
        "days_covered": tr("Days covered", "Số ngày có dữ liệu"),
        "missing_days": tr("Missing days", "Ngày thiếu"),
        "null_share": tr("Empty cells", "Ô trống"), "last_date": tr("Last date", "Ngày cuối"),
        "missing_measures": tr("Missing measures", "Thiếu cột"), "rank": "#",
        "reason": tr("Why", "Lý do"), "measurable": tr("In the data", "Có dữ liệu"),
        "direction": tr("Better when", "Tốt hơn khi"),
        "campaigns": tr("Campaigns", "Chiến dịch"), "channels": tr("Channels", "Kênh"),
        "window_start": tr("From", "Từ ngày"), "window_end": tr("To", "Đến ngày"),
        "attainment": tr("Attainment", "Mức đạt"),
        "probability": tr("Probability", "Xác suất đạt"), "segment": tr("Segment", "Nhóm"),
        "before": tr("Before", "Trước"), "after": tr("After", "Sau"),
        "total": tr("Total", "Tổng"), "mix": tr("Mix", "Cơ cấu"),
        "rate": tr("Rate", "Hiệu suất"), "channel": tr("Channel", "Kênh"),
        "current": tr("Current", "Hiện tại"), "recommended": tr("Recommended", "Đề xuất"),
        "change_pct": tr("Change", "Thay đổi"),
        "marginal_current": tr("Marginal return now", "Lợi nhuận biên hiện tại"),
        "marginal": tr("Marginal return after", "Lợi nhuận biên sau"),
        "binding": tr("Bound by", "Bị chặn bởi"), "why": tr("Why", "Lý do"),
        "form": tr("Curve", "Dạng đường cong"), "adstock": tr("Adstock", "Adstock"),
        "points": tr("Points", "Số điểm"), "r2": "R²",
        "mape": tr("Error (MAPE)", "Sai số (MAPE)"), "criterion": tr("Chosen by", "Chọn theo"),
        "current_spend": tr("Current spend", "Chi phí hiện tại"),
        "notes": tr("Notes", "Ghi chú"),
        "weight_before": tr("Share before", "Tỷ trọng trước"),
        "weight_after": tr("Share after", "Tỷ trọng sau"),
        "rate_before": tr("Rate before", "Hiệu suất trước"),
        "rate_after": tr("Rate after", "Hiệu suất sau"),
        "holdout_error": tr("Holdout error", "Sai số giữ lại"),
        "holdout_mean_error": tr("Plain average error", "Sai số trung bình đơn giản"),
        "holdout_passed": tr("Holdout passed", "Đạt kiểm tra giữ lại"),
    }


def _code_words() -> dict[str, str]:
    """kpikit's code words in table cells (``weekly``, ``gaps``) in the current language;
    English keeps the code as written."""
    return {
        "short": tr("short", "ngắn hạn"), "long": tr("long", "dài hạn"),
        "weekly": tr("weekly", "hằng tuần"), "monthly": tr("monthly", "hằng tháng"),
        "quarterly": tr("quarterly", "hằng quý"), "campaign": tr("campaign", "theo chiến dịch"),
        "ok": tr("ok", "đủ"), "gaps": tr("gaps", "có khoảng trống"),
        "no data": tr("no data", "không có dữ liệu"),
        "unmeasurable": tr("unmeasurable", "không đo được"), "all": tr("all", "tất cả"),
        "min": tr("min", "mức tối thiểu"), "max": tr("max", "mức tối đa"),
        "locked": tr("locked", "khóa"), "zero": tr("zero", "về 0"),
        "refused": tr("refused", "bị từ chối"), "lowest AIC": tr("lowest AIC", "AIC thấp nhất"),
        "hill": tr("hill", "Hill"), "log": tr("log", "logarit"),
        "unassigned": tr("unassigned", "chưa giao"), "plan": tr("plan", "kế hoạch"),
        "cascade": tr("cascade", "suy từ cây KPI"),
    }


def _yes_no(value: Any, words: tuple[str, str]) -> Any:
    """A flag as a word of the reader (``có``/``không``); anything else as given."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return words[0] if value else words[1]
    return value


#: columns whose numbers are shares, shown as percentages
_PERCENT_COLUMNS = {"attainment", "probability", "change_pct", "null_share", "mape",
                    "weight_before", "weight_after"}
#: columns holding names from the data or the plan, shown as written
_NAME_COLUMNS = {"owner", "campaign", "channel", "segment", "kpi"}


def _cell(value: Any, lang: str, percent: bool) -> str:
    """A number as a reader of ``lang`` writes it: 1.234.567 / 0,125 / 12,5% in Vietnamese."""
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
    percent = set(_PERCENT_COLUMNS)
    for each in LANGS:  # a renamed table has headers in some language: know them all
        with using_language(each):
            names = column_names()
        percent |= {names[c] for c in _PERCENT_COLUMNS}
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])]
    formats = {c: (lambda v, p=c in percent: _cell(v, lang, p)) for c in numeric}
    # Styler writes cell text as raw HTML unless told: every cell and header is escaped, so
    # a campaign called <img src=x onerror=...> shows as text in JupyterLab and reports
    return (df.style.hide(axis="index").format(na_rep=MISSING, escape="html")
            .format(formats, na_rep=MISSING, escape="html").format_index(escape="html", axis=1)
            .set_properties(**{"text-align": "left", "white-space": "pre-wrap"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))


def owner_text(owner: str, lang: str | None = None) -> str:
    """An owner as shown: the plan's placeholder for none in the reader's words, a person's
    name as written (never looked up as a code word)."""
    from kpikit.plans.targets import UNASSIGNED

    if owner == UNASSIGNED:
        with using_language(resolve_lang(lang)):
            return tr("unassigned", "chưa giao")
    return owner


def translate(value: Any, lang: str | None = None) -> Any:
    """A code word (short, weekly, gaps, ...) in ``lang``; anything else as given."""
    if not isinstance(value, str):
        return value
    with using_language(resolve_lang(lang)):
        return _code_words().get(value, value)


def rename(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Translate known column names and code words for display."""
    lang = resolve_lang(lang)
    with using_language(lang):
        words, names = _code_words(), column_names()
        yes_no = (tr("yes", "có"), tr("no", "không"))
    out = df.copy()
    for c in out.columns:
        if c in _NAME_COLUMNS:
            # names from the data or the plan, shown as written: an owner or a channel
            # called "all" or "log" is not a code word
            if c == "owner":
                out[c] = out[c].map(lambda v: owner_text(v, lang) if isinstance(v, str) else v)
            continue
        if pd.api.types.is_bool_dtype(out[c]) or out[c].dtype == object:
            # True/False are Python's words, not the reader's
            out[c] = out[c].map(lambda v: _yes_no(v, yes_no))
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(lambda v: words.get(v, v) if isinstance(v, str) else v)
    return out.rename(columns=names)


# ------------------------------------------------------------------ lines


def binding_text(constraint: str, lang: str | None = None) -> str:
    """An allocation's binding constraint (``total budget``, ``search max``) for reading."""
    with using_language(resolve_lang(lang)):
        for code, said in (("total budget", tr("total budget", "tổng ngân sách")),
                           ("CPA limit", tr("CPA limit", "giới hạn CPA")),
                           ("ROAS limit", tr("ROAS limit", "giới hạn ROAS")),
                           (">= target", tr(">= target", "≥ chỉ tiêu"))):
            constraint = constraint.replace(code, said)
        name, _, bound = constraint.rpartition(" ")
        if name and bound in ("min", "max"):
            bound = _code_words()[bound]
            return f"{name} {bound}"
        return constraint


def _period(plan: Any, start: Any, end: Any, as_of: Any, pacing: Any) -> str:
    pacing = {"seasonal": tr("seasonal", "theo mùa vụ"), "linear": tr("linear", "tuyến tính"),
              "spend": tr("spend", "theo chi phí")}.get(pacing, pacing)
    return tr(f"{plan}: {start} to {end}, as of {as_of} ({pacing} pacing)",
              f"{plan}: {start} đến {end}, tính đến {as_of} (tiến độ {pacing})")


def _cascade(error: str) -> str:
    return tr(f"drivers multiply to the goal within {error}",
              f"tích các yếu tố khớp mục tiêu với sai số {error}")


def _contradiction(text: str) -> str:
    return tr(f"CONTRADICTION: {text}", f"MÂU THUẪN: {text}")


def _note(text: str) -> str:
    return tr(f"note: {text}", f"lưu ý: {text}")


def _segments(kpi: Any, by: Any) -> str:
    by = {"channel": tr("channel", "kênh"), "campaign": tr("campaign", "chiến dịch")}.get(by, by)
    return tr(f"{kpi} by {by}", f"{kpi} theo {by}")


def _binding(binding: Sequence[str]) -> str:
    names = ", ".join(binding_text(b) for b in binding) or tr("none", "không có")
    return tr(f"binding: {names}", f"ràng buộc đang chặn: {names}")


def _freshness(data_end: Any, lag: Any, as_of: Any) -> str:
    return tr(f"data ends {data_end}, {lag} days before {as_of}: those days are projected, "
              "not counted as zero",
              f"dữ liệu kết thúc ngày {data_end}, {lag} ngày trước {as_of}: các ngày đó "
              "được dự báo, không tính bằng 0")


def _fresh(data_end: Any) -> str:
    return tr(f"data up to {data_end}", f"dữ liệu đến ngày {data_end}")


def _estimated(names: str) -> str:
    return tr(f"estimated (rows covering several days spread evenly): {names}",
              f"ước tính (dòng gộp nhiều ngày được chia đều theo ngày): {names}")


def _gain(gain: str, low: str, high: str, p: str, verdict: str) -> str:
    return tr(f"paired gain {gain} (90% interval {low} to {high}); {p} of the draws gain: "
              f"{verdict}",
              f"mức tăng so cặp {gain} (khoảng 90% từ {low} đến {high}); {p} số lần lấy mẫu "
              f"cho kết quả tăng: {verdict}")


def _holdout(channel: Any, r2: Any, error: Any, naive: Any, n: Any, flag: Any) -> str:
    return tr(f"{channel}: R² {r2}, holdout error {error} (plain average {naive}) over "
              f"{n} periods{flag}",
              f"{channel}: R² {r2}, sai số giữ lại {error} (trung bình đơn giản {naive}) trên "
              f"{n} kỳ{flag}")


#: the lines a notebook shows, by key: each makes its text in the current language
_LINES: dict[str, Callable[..., str]] = {
    "period": _period, "cascade": _cascade, "contradiction": _contradiction, "note": _note,
    "segments": _segments, "binding": _binding, "freshness": _freshness, "fresh": _fresh,
    "estimated": _estimated, "gain": _gain, "holdout": _holdout,
}


def line(key: str, lang: str | None = None, **values: Any) -> str:
    """One line of a notebook, in ``lang`` (dates as 25/01/2027 in Vietnamese, KPI codes
    as their names, relative errors as percentages)."""
    lang = resolve_lang(lang)
    shown: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, date):
            # English keeps ISO days (what exports and plans write); other languages their
            # CLDR form (25/01/2027 in Vietnamese)
            v = v.isoformat() if lang == "en" else format_date(v, lang)
        elif k == "kpi" and isinstance(v, str) and v in KPIS:
            v = KPIS[v].label(lang)  # a KPI's name, not its code (revenue -> Doanh thu)
        elif k == "error" and isinstance(v, float):
            v = format_percent(v, 2, lang)  # a relative error: 0,00%, never 2.22e-16
        elif isinstance(v, float):
            v = _cell(v, lang, False)
        shown[k] = v
    with using_language(lang):
        return _LINES[key](**shown)


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


def say(*texts: str) -> Any:
    """Lines of text as paragraphs (empty ones left out): prose in a report, not the
    monospace of ``print``. Escaped like :func:`paragraphs`."""
    from IPython.display import HTML

    from kpikit.safety import html_text

    return HTML("".join(f"<p class='kpikit-line'>{html_text(t)}</p>" for t in texts if t))


def written(files: Mapping[str, str], folder: str | Path) -> Any:
    """The files a run wrote, as a list of their paths inside ``folder`` (the report's
    reader sees where each output is, not a Python dict)."""
    from IPython.display import HTML

    from kpikit.safety import html_text

    root = Path(folder).resolve()
    shown = []
    for path in files.values():
        p = Path(path).resolve()
        shown.append(p.relative_to(root).as_posix() if p.is_relative_to(root) else str(path))
    where = str(folder)
    head = tr(f"Written to {where}:", f"Đã ghi vào {where}:")
    items = "".join(f"<li><code>{html_text(s)}</code></li>" for s in shown)
    return HTML(f"<p class='kpikit-line'>{html_text(head)}</p><ul class='kpikit-files'>{items}"
                "</ul>")


def paragraphs(lines: Sequence[str]) -> Any:
    """Lines of text as a bulleted list (for the summary of an evaluation).

    The lines hold names from the data and the plan (owners, campaigns, channels), so they
    go out as escaped HTML, not Markdown: Markdown passes raw HTML through, and a name
    such as ``<img src=x onerror=...>`` or ``[x](javascript:...)`` must show as text.
    """
    from IPython.display import HTML

    from kpikit.safety import html_text

    items = "".join(f"<li>{html_text(line)}</li>" for line in lines)
    return HTML(f"<ul class='kpikit-lines'>{items}</ul>")
