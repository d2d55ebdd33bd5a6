"""KPI plans: objectives, KPIs, SMART targets, owners and cadence, as frozen values.

A :class:`Plan` is read from and written to YAML (safe loading only). Every
validation problem names its exact place (``objectives[0].kpis[2].target``)
and the valid choices. Direction always comes from the catalog.

YAML shape::

    plan: Tết Sale 2027
    currency: VND
    language: vi
    number_format: vi            # 1.234.567,5; default: from language and currency, else
                                 # from the targets that can only be read one way
    period: {start: 2027-01-01, end: 2027-02-28}
    scope: {campaigns: [Tết Sale], channels: []}      # empty: all
    business_goal: {kpi: revenue, target: 23000000000, description: ...}
    objectives:
      - type: sales
        description: Sell more during Tết
        kpis:
          - kpi: roas
            target: 5.5                     # absolute
            owner: Lan (performance)
            cadence: weekly                 # weekly, monthly, quarterly, campaign
            horizon: short                  # default: the catalog's hint
            weight: 2
          - kpi: revenue
            target: "+15% vs last year"     # relative to a baseline
          - kpi: cpa
            target: "128.000 ₫"             # money, in the plan's number format ("22 tỷ", "5tr")

Numbers that read differently in the two formats (``1.234``, ``1,234``) follow
``number_format``; when a plan gives no way to tell, they are refused, never guessed.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._lang import tr
from ._yaml import clip
from .catalog import HORIZONS, KPIS, OBJECTIVES, get_kpi
from .errors import KpikitError, ParameterError, Problem, ProblemCode

__all__ = [
    "BASELINES",
    "CADENCES",
    "GOALS",
    "BusinessGoal",
    "KPITarget",
    "Objective",
    "Plan",
    "PlanError",
    "Target",
    "parse_period",
    "parse_target",
]

CADENCES: tuple[str, ...] = ("weekly", "monthly", "quarterly", "campaign")
#: how a target is judged: reached by the end (default), or a floor or ceiling every period
GOALS: tuple[str, ...] = ("reach", "stay above", "stay below")
_GOAL_WORDS = {"reach": "reach", "đạt": "reach", "stay above": "stay above",
               "giữ trên": "stay above", "stay below": "stay below", "giữ dưới": "stay below"}
#: baselines a relative target can refer to
BASELINES: tuple[str, ...] = ("last_year", "previous_period", "trailing")
LANGS = ("en", "vi")
#: problems a PlanError lists before counting the rest
_MAX_LISTED = 25
UNASSIGNED = "unassigned"
#: rates whose numerator is part of the denominator: they cannot pass 1 (100%)
BOUNDED_RATES = frozenset({
    "ctr", "link_ctr", "view_rate", "completion_rate", "engaged_session_rate", "bounce_rate",
    "email_open_rate", "email_ctr", "click_to_open_rate", "unsubscribe_rate",
    "repeat_purchase_rate", "share_rate",
})

#: how a plan writes numbers: ``en`` 1,234.5 or ``vi`` 1.234,5
NUMBER_FORMATS: tuple[str, ...] = ("en", "vi")
#: the longest text read as a target (a real one is under 40 characters)
_MAX_TARGET_CHARS = 200

_NUM = r"(?:\d+(?:\.\d+)?[eE][+-]?\d+|\d[\d.,' ]*\d|\d|[.,]\d+)"
_BASE = (r"(?:vs\.?|so\s+với)\s*(last\s+year|same\s+period\s+last\s+year|năm\s+trước|"
         r"previous\s+period|kỳ\s+trước|trailing(?:\s+(\d+))?(?:\s+periods?)?|"
         r"(\d+)\s+kỳ\s+gần\s+nhất)")
_REL_RE = re.compile(rf"^([+-])\s*({_NUM})\s*%\s*(?:{_BASE})?$", re.IGNORECASE)
_PCT_RE = re.compile(rf"^({_NUM})\s*%$")
#: currency words and symbols a money target may carry, and the ISO code each means
_CURRENCIES = {"₫": "VND", "đ": "VND", "vnd": "VND", "vnđ": "VND", "đồng": "VND", "dong": "VND",
               "$": "USD", "usd": "USD"}
#: short forms of large amounts used in Vietnamese and English plans
_MAGNITUDES = {"k": 3, "nghìn": 3, "ngàn": 3, "tr": 6, "triệu": 6, "tỷ": 9, "tỉ": 9, "ty": 9,
               "m": 6, "mn": 6, "bn": 9}
_CUR = "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True))
_MAG = "|".join(sorted(_MAGNITUDES, key=len, reverse=True))
_LEVEL_RE = re.compile(rf"^({_CUR})?\s*([+-])?\s*({_CUR})?\s*({_NUM})\s*({_MAG})?\.?\s*({_CUR})?$",
                       re.IGNORECASE)
_EXP_RE = re.compile(r"^\d+(?:\.\d+)?[eE][+-]?\d+$")


class TargetError(ParameterError):
    """A target text that cannot be read, with what to write instead."""

    def __init__(self, message: str, fix: str, *, code: ProblemCode | None = None):
        self.reason, self.fix = message, fix
        super().__init__(f"{message} " + tr(f"Fix: {fix}", f"Cách sửa: {fix}"), code=code)


def _number_readings(num: str) -> tuple[str, dict[str, Decimal]] | None:
    """How ``num`` (digits and separators, no sign) reads: its style and value per convention.

    The style is ``"neutral"`` (one reading whatever the convention: ``5,6``, ``2.15``,
    ``1 234 567``), ``"en"`` or ``"vi"`` (valid in only that convention: ``1,234.5``,
    ``1.234.567``) or ``"ambiguous"`` (``1.234`` and ``1,234``: a thousands separator in one
    convention, the decimal mark in the other). None when it is not a number.
    """
    if not num.isascii():  # "²" or "٣" pass \d and isdigit() but are no digits to a reader
        return None
    num = num.replace("'", " ")
    if " " in num:  # spaces group thousands in both conventions; the decimal mark is . or ,
        m = re.fullmatch(r"(\d{1,3}(?: \d{3})+)(?:[.,](\d+))?", num)
        if not m:
            return None
        d = Decimal(m.group(1).replace(" ", "") + "." + (m.group(2) or "0"))
        return "neutral", {"en": d, "vi": d}
    if _EXP_RE.fullmatch(num):
        return "neutral", {"en": Decimal(num), "vi": Decimal(num)}
    dots, commas = num.count("."), num.count(",")
    if not dots and not commas:
        return ("neutral", {"en": Decimal(num), "vi": Decimal(num)}) if num.isdigit() else None
    if dots and commas:
        # both marks: the last one is the decimal mark, the other groups thousands
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", num):
            return "vi", {"vi": Decimal(num.replace(".", "").replace(",", "."))}
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d+", num):
            return "en", {"en": Decimal(num.replace(",", ""))}
        return None
    mark = "." if dots else ","
    style = "vi" if mark == "." else "en"  # the convention in which `mark` groups thousands
    parts = num.split(mark)
    if len(parts) > 2:
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+", num):
            return style, {style: Decimal(num.replace(mark, ""))}
        return None
    whole, frac = parts
    if not frac.isdigit() or (whole and not whole.isdigit()):
        return None
    decimal = Decimal(f"{whole or 0}.{frac}")
    if len(frac) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0"):
        other = "en" if style == "vi" else "vi"
        return "ambiguous", {style: Decimal(whole + frac), other: decimal}
    return "neutral", {"en": decimal, "vi": decimal}


def _shown(num: str) -> str:
    return clip(num)


def _number(num: str, number_format: str | None) -> Decimal:
    """The value of ``num`` in the plan's convention, or a :class:`TargetError`."""
    read = _number_readings(num)
    if read is None:
        raise TargetError(tr(f"{_shown(num)} is not a number.", f"{_shown(num)} không phải là số."),
                          tr("write digits, e.g. 128000, 5.6 or 2.15%.",
                             "viết bằng chữ số, ví dụ 128000, 5,6 hoặc 2,15%."),
                          code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    style, values = read
    if style == "neutral":
        return values["en"]
    if style == "ambiguous":
        if number_format in values:
            return values[number_format]
        dot = "." in num
        grouped = values["vi" if dot else "en"]
        decimal = values["en" if dot else "vi"]
        mark_en, mark_vi = ("point", "dấu chấm") if dot else ("comma", "dấu phẩy")
        dec_en = format(decimal.normalize(), "f")
        dec_vi = dec_en.replace(".", ",")
        raise TargetError(
            tr(f"{_shown(num)} could be {grouped} (the {mark_en} groups thousands) or {dec_en} "
               f"(the {mark_en} is the decimal mark), and the plan does not say how it writes "
               "numbers.",
               f"{_shown(num)} có thể là {grouped} ({mark_vi} phân cách hàng nghìn) hoặc {dec_vi} "
               f"({mark_vi} là dấu thập phân), và kế hoạch không cho biết cách viết số."),
            tr('add "number_format: vi" (1.234,5) or "number_format: en" (1,234.5) to the plan, '
               f"or write the number without a thousands separator ({grouped}).",
               'thêm "number_format: vi" (1.234,5) hoặc "number_format: en" (1,234.5) vào kế '
               f"hoạch, hoặc viết số không có dấu phân cách hàng nghìn ({grouped})."),
            code=ProblemCode.PLAN_TARGET_AMBIGUOUS)
    if number_format is not None and style != number_format:
        value = values[style]
        plain = format(value, "f")
        conv_en = {"en": "English (1,234.5)", "vi": "Vietnamese (1.234,5)"}
        conv_vi = {"en": "kiểu Anh (1,234.5)", "vi": "kiểu Việt (1.234,5)"}
        raise TargetError(
            tr(f"{_shown(num)} is written the {conv_en[style]} way, but this plan writes "
               f"numbers the {conv_en[number_format]} way.",
               f"{_shown(num)} được viết theo {conv_vi[style]}, nhưng kế hoạch này viết số "
               f"theo {conv_vi[number_format]}."),
            tr(f"write {plain} (no thousands separator), or set \"number_format: {style}\" if "
               "every number of the plan is written that way.",
               f"viết {plain.replace('.', ',')} (không có dấu phân cách hàng nghìn), hoặc đặt "
               f"\"number_format: {style}\" nếu mọi số trong kế hoạch đều viết như vậy."),
            code=ProblemCode.PLAN_TARGET_NUMBER_FORMAT)
    return values[style]


def _match(text: str) -> tuple[str, re.Match[str]] | None:
    for kind, pattern in (("change", _REL_RE), ("percent", _PCT_RE), ("level", _LEVEL_RE)):
        m = pattern.match(text)
        if m:
            return kind, m
    return None


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw)
    # no-break and thin spaces group thousands in French and CLDR output; − is a minus sign
    for ch in "\u00a0\u202f\u2009\u2007":
        text = text.replace(ch, " ")
    return " ".join(text.replace("\u2212", "-").split())


def number_style(raw: object) -> str | None:
    """``"en"`` or ``"vi"`` when a target text can only be read in that convention, else None."""
    if not isinstance(raw, str) or len(raw) > _MAX_TARGET_CHARS:
        return None
    found = _match(_clean(raw))
    if not found:
        return None
    kind, m = found
    read = _number_readings(m.group(2) if kind == "change" else
                           m.group(1) if kind == "percent" else m.group(4))
    return read[0] if read and read[0] in NUMBER_FORMATS else None


def _finite(value: float, text: str) -> float:
    if not math.isfinite(value):
        raise TargetError(tr(f"{clip(text)} is too large to be a target.",
                             f"{clip(text)} quá lớn để làm mục tiêu."),
                          tr("check the number of digits.", "kiểm tra lại số chữ số."),
                          code=ProblemCode.PLAN_TARGET_TOO_LARGE)
    return value


class PlanError(KpikitError):
    """A plan file or object with problems; lists every one with its place."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        n = len(problems)
        head += tr(f"{n} problem{'s' if n != 1 else ''} in the plan",
                   f"kế hoạch có {n} lỗi")
        lines = [head, *(f"  - {p}" for p in problems[:_MAX_LISTED])]
        if n > _MAX_LISTED:
            more = n - _MAX_LISTED
            lines.append(tr(f"  ... and {more} more", f"  ... và {more} lỗi nữa"))
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Target:
    """A KPI target: an absolute value, or a change against a baseline.

    Attributes
    ----------
    value
        The absolute target (None for a relative one).
    change
        Relative change, e.g. ``0.15`` for ``+15%`` (None for absolute).
    baseline
        ``"last_year"`` (same period a year earlier), ``"previous_period"``
        or ``"trailing"`` (mean of the ``trailing`` periods before).
    trailing
        How many periods a trailing baseline spans.
    """

    value: float | None = None
    change: float | None = None
    baseline: str = "last_year"
    trailing: int = 3

    @property
    def is_relative(self) -> bool:
        """True for a target relative to a baseline."""
        return self.change is not None

    def to_yaml(self) -> float | str:
        """Return the YAML form: a number or ``"+15% vs last year"``."""
        if self.change is None:
            v = float(self.value)  # type: ignore[arg-type]
            clean = float(f"{v:.12g}")  # float noise off: 36499999999.99999 is 36500000000
            if clean.is_integer() and abs(clean) < 1e15:
                return int(clean)
            if clean != v:
                # "1.17%" reads as 1.17 / 100: write it back the way it reads
                text = f"{_neutral(v * 100)}%"
                try:
                    if parse_target(text).value == v:
                        return text
                except ValueError:
                    pass
            text = repr(clean)
            # 1.234 would read as 1234 in a Vietnamese plan: write a form both conventions agree on
            return text + "0" if _is_ambiguous(text.lstrip("-")) else clean
        pct = f"{_neutral(self.change * 100, sign=True)}%"
        if self.baseline == "last_year":
            return f"{pct} vs last year"
        if self.baseline == "previous_period":
            return f"{pct} vs previous period"
        return f"{pct} vs trailing {self.trailing}"

    def __str__(self) -> str:
        return str(self.to_yaml())


def _as_displayed(t: Target, kpi: str, currency: str | None) -> Target:
    """An absolute target carrying float noise (a computed 36,512,345,678.91...) rounded as
    it is displayed (money to its currency's units, percent to 0.01%, ratios to 0.01);
    a clean value as the user wrote it is kept whole."""
    if t.is_relative or t.value is None:
        return t
    v = float(t.value)
    if float(f"{v:.12g}") == v or float(f"{v * 100:.12g}") / 100 == v:
        return t  # as written ("1.17%" reads as 1.17 / 100)
    from .format import _NO_DECIMALS

    unit = get_kpi(kpi).unit
    digits = {"percent": 4, "ratio": 2}.get(unit, 0 if abs(v) >= 100 else 1)
    if unit == "currency":
        digits = 0 if (currency in _NO_DECIMALS or abs(v) >= 1000 and currency is None) else 2
    return replace(t, value=round(v, digits))


def _neutral(value: float, sign: bool = False) -> str:
    """``value`` as text that reads the same in English and Vietnamese plans."""
    text = format(value, "+.12g" if sign else ".12g")
    digits = text.lstrip("+-")
    return text + "0" if _is_ambiguous(digits) else text


def _is_ambiguous(digits: str) -> bool:
    read = _number_readings(digits)
    return read is not None and read[0] == "ambiguous"


def parse_target(raw: object, number_format: str | None = None,
                 currency: str | None = None) -> Target:
    """Parse a target: ``4.5``, ``"5,6"``, ``"2,15%"``, ``"+15%"``, ``"-10% vs trailing 3"``,
    ``"22 tỷ"`` or ``"128.000 ₫"``.

    Parameters
    ----------
    raw
        A number or a text.
    number_format
        ``"vi"`` (``1.234,5``), ``"en"`` (``1,234.5``) or None when the plan does not say:
        then a number that reads differently in the two (``"1.234"``, ``"1,234"``) is refused.
    currency
        The plan's ISO currency: a money target in another currency (``"5 USD"`` in a VND
        plan) is refused.

    Raises
    ------
    TargetError
        A :class:`~kpikit.errors.ParameterError` (so also a ValueError) saying why and the fix.
    """
    if number_format is not None and number_format not in NUMBER_FORMATS:
        raise ParameterError(tr(f"number_format={clip(number_format)}: choose en or vi.",
                                f"number_format={clip(number_format)}: chọn en hoặc vi."),
                             code=ProblemCode.PARAMETER_CHOICE)
    if isinstance(raw, bool):
        raise TargetError(tr("a yes/no is not a target.",
                             "giá trị có/không không phải là mục tiêu."),
                          _how(), code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise TargetError(tr(f"{raw!r} is not a finite number.",
                                 f"{raw!r} không phải là một số hữu hạn."), _how(),
                              code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
        return Target(value=float(raw))
    if not isinstance(raw, str):
        raise TargetError(tr(f"{clip(raw)} is not a number or a text.",
                             f"{clip(raw)} không phải số hay văn bản."), _how(),
                          code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    if len(raw) > _MAX_TARGET_CHARS:
        raise TargetError(tr(f"{clip(raw)} is too long to be a target.",
                             f"{clip(raw)} quá dài để làm mục tiêu."), _how(),
                          code=ProblemCode.PLAN_TARGET_TOO_LARGE)
    text = _clean(raw)
    if text.lower().lstrip("+-.") in ("nan", "inf", "infinity"):
        raise TargetError(tr(f"{clip(raw)} is not a finite number.",
                             f"{clip(raw)} không phải là một số hữu hạn."), _how(),
                          code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    found = _match(text)
    if not found:
        raise TargetError(tr(f"{clip(raw)} is neither a number nor a change like \"+15%\".",
                             f"{clip(raw)} không phải một số hay một mức thay đổi như \"+15%\"."),
                          _how(), code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    kind, m = found
    if kind == "change":
        change = _number(m.group(2), number_format) / 100
        if m.group(1) == "-":
            change = -change
        change_f = _finite(float(change), raw)
        base = (m.group(3) or "last year").lower()
        if "trailing" in base or "gần nhất" in base:
            n = int(m.group(4) or m.group(5) or 3)
            if not 1 <= n <= 1000:
                raise TargetError(tr(f"{clip(raw)}: a trailing baseline spans 1 to 1000 periods.",
                                     f"{clip(raw)}: mốc trung bình trượt gồm 1 đến 1000 kỳ."),
                                  _how(), code=ProblemCode.PLAN_TARGET_BASELINE_SPAN)
            return Target(change=change_f, baseline="trailing", trailing=n)
        if "previous" in base or "kỳ trước" in base:
            return Target(change=change_f, baseline="previous_period")
        return Target(change=change_f, baseline="last_year")
    if kind == "percent":  # "2,5%": an absolute rate
        return Target(value=_finite(float(_number(m.group(1), number_format) / 100), raw))
    cur1, sign, cur2, num, mag, cur3 = m.groups()
    if sign == "+":
        raise TargetError(tr(f"{clip(raw)}: a sign without % is neither a level nor a change.",
                             f"{clip(raw)}: có dấu nhưng không có %, nên không phải một mức "
                             "tuyệt đối cũng không phải một mức thay đổi."),
                          tr(f'write {num} for a level or "+{num}%" for a change.',
                             f'viết {num} cho một mức hoặc "+{num}%" cho một mức thay đổi.'),
                          code=ProblemCode.PLAN_TARGET_SIGN_WITHOUT_PERCENT)
    marks = [c for c in (cur1, cur2, cur3) if c]
    if len(marks) > 1:
        raise TargetError(tr(f"{clip(raw)} names its currency twice.",
                             f"{clip(raw)} ghi tiền tệ hai lần."), _how(),
                          code=ProblemCode.PLAN_TARGET_CURRENCY)
    if marks:
        code = _CURRENCIES[marks[0].lower()]
        if currency and code != currency.upper():
            raise TargetError(
                tr(f"{clip(raw)} is in {code}, but the plan's currency is {currency}.",
                   f"{clip(raw)} tính bằng {code}, nhưng tiền tệ của kế hoạch là {currency}."),
                tr(f"convert the amount to {currency}, or fix the plan's currency.",
                   f"đổi số tiền sang {currency}, hoặc sửa tiền tệ của kế hoạch."),
                code=ProblemCode.PLAN_TARGET_CURRENCY)
    value = _number(num, number_format)
    if mag:
        value *= Decimal(10) ** _MAGNITUDES[mag.lower()]
    if sign == "-":
        value = -value
    return Target(value=_finite(float(value), raw))


def _how() -> str:
    return tr('write a number (5.6, "128.000 ₫", "22 tỷ", "2,15%") or a change ("+15% vs last '
              'year", "-10% vs previous period", "+5% vs trailing 3").',
              'viết một số (5,6, "128.000 ₫", "22 tỷ", "2,15%") hoặc một mức thay đổi ("+15% so '
              'với năm trước", "-10% so với kỳ trước", "+5% so với 3 kỳ gần nhất").')


def parse_period(text: str) -> tuple[date, date]:
    """``"2027Q1"``, ``"2027-01"``, ``"2027"`` or ``"2027-01-01:2027-02-28"`` as (start, end).

    Raises
    ------
    ParameterError
        For anything else.
    """
    from .errors import ParameterError

    t = str(text).strip()
    try:
        if ":" in t:
            a, b = (date.fromisoformat(x.strip()) for x in t.split(":", 1))
            if b < a:
                raise ValueError
            return a, b
        import pandas as pd

        if re.fullmatch(r"\d{4}", t):
            p = pd.Period(t, freq="Y")
        elif re.fullmatch(r"\d{4}-?[Qq][1-4]", t):
            p = pd.Period(t.replace("-", "").upper(), freq="Q")
        elif re.fullmatch(r"\d{4}-\d{2}", t):
            p = pd.Period(t, freq="M")
        else:
            raise ValueError
        return p.start_time.date(), p.end_time.date()
    except ValueError:
        raise ParameterError(tr(
            f"period {text!r}: write 2027-01 (a month), 2027Q1 (a quarter), 2027 (a year) or "
            "2027-01-01:2027-02-28 (a range).",
            f"kỳ {text!r}: viết 2027-01 (một tháng), 2027Q1 (một quý), 2027 (một năm) hoặc "
            "2027-01-01:2027-02-28 (một khoảng ngày)."), code=ProblemCode.PERIOD_INVALID) from None


@dataclass(frozen=True)
class KPITarget:
    """One KPI of an objective with its target, owner and cadence."""

    kpi: str
    target: Target
    owner: str = UNASSIGNED
    cadence: str = "monthly"
    horizon: str = ""
    weight: float = 1.0
    campaigns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    period: tuple[date, date] | None = None
    note: str = ""
    #: "reach" (the target by the end), "stay above" or "stay below" (a floor or ceiling in
    #: every period of the cadence: a weekly CPA ceiling, not a total at the end)
    goal: str = "reach"
    #: targets that vary by date: (start, end, absolute target) windows, e.g. a Tết ramp;
    #: a total's windows are its shares, a ratio's windows its level there
    schedule: tuple[tuple[date, date, float], ...] = ()

    def __post_init__(self) -> None:
        if not self.horizon:
            object.__setattr__(self, "horizon", get_kpi(self.kpi).horizon)

    @property
    def direction(self) -> str:
        """``"higher"`` or ``"lower"``: from the catalog, never from the plan."""
        return get_kpi(self.kpi).direction


@dataclass(frozen=True)
class Objective:
    """A marketing objective and the KPIs that measure it."""

    type: str
    kpis: tuple[KPITarget, ...]
    description: str = ""


@dataclass(frozen=True)
class BusinessGoal:
    """The business result the plan serves, e.g. revenue for the period."""

    kpi: str
    target: Target
    description: str = ""


@dataclass(frozen=True)
class Plan:
    """A KPI plan (a frozen value: methods return new plans).

    Attributes
    ----------
    name, currency, language
        Plan name, ISO currency of money targets, ``"en"`` or ``"vi"``.
    period
        First and last day the plan covers.
    campaigns, channels
        Scope of the plan; empty means all.
    business_goal
        The result the KPIs must add up to (step 4), or None.
    objectives
        The objectives with their KPIs.
    number_format
        ``"vi"`` or ``"en"``: how the plan file writes numbers (None when it cannot tell).
    """

    name: str
    period: tuple[date, date]
    objectives: tuple[Objective, ...]
    currency: str | None = None
    language: str = "en"
    campaigns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    business_goal: BusinessGoal | None = None
    source: str | None = field(default=None, compare=False)
    #: how the plan file writes numbers (``vi`` 1.234,5, ``en`` 1,234.5), None when unknown
    number_format: str | None = field(default=None, compare=False)
    #: alert rules as written (checked by kpikit.alerts when a batch reads the plan)
    alerts: tuple[Any, ...] = field(default=(), compare=False)

    # ------------------------------------------------------------ access
    def targets(self) -> Iterator[tuple[Objective, KPITarget]]:
        """Yield ``(objective, kpi_target)`` for every KPI of the plan."""
        for o in self.objectives:
            for k in o.kpis:
                yield o, k

    def kpi_names(self) -> list[str]:
        """Names of every KPI in the plan, without repeats."""
        return list(dict.fromkeys(k.kpi for _, k in self.targets()))

    def scope_of(self, k: KPITarget) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return the (campaigns, channels) a KPI is measured on."""
        return (k.campaigns or self.campaigns, k.channels or self.channels)

    def period_of(self, k: KPITarget) -> tuple[date, date]:
        """Return the period a KPI's target is for."""
        return k.period or self.period

    def for_campaign(self, campaign: str) -> Plan:
        """A new plan narrowed to one campaign (KPI-level campaign scopes are dropped)."""
        objs = tuple(replace(o, kpis=tuple(replace(k, campaigns=()) for k in o.kpis))
                     for o in self.objectives)
        return replace(self, campaigns=(campaign,), objectives=objs)

    def with_target(self, kpi: str, target: Target | float | str) -> Plan:
        """Return a new plan where every entry of ``kpi`` has ``target``."""
        t = target if isinstance(target, Target) else parse_target(
            target, self.number_format, self.currency)
        objs = tuple(
            replace(o, kpis=tuple(replace(k, target=t) if k.kpi == kpi else k for k in o.kpis))
            for o in self.objectives
        )
        return replace(self, objectives=objs)

    # -------------------------------------------------------------- YAML
    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Plan:
        """Build a plan from parsed YAML; raise :class:`PlanError` listing every problem."""
        return _Reader(source).plan(data)

    @classmethod
    def from_yaml(cls, path_or_text: str | os.PathLike[str]) -> Plan:
        """Read a plan from a YAML file path or YAML text (safe loading only).

        The file is read with :mod:`kpikit._yaml`: UTF-8 (BOM or not) or UTF-16 with a BOM,
        at most a few MB, no alias bombs, no deep nesting, no duplicate keys.
        """
        from . import _yaml

        source = None
        text = str(path_or_text)
        try:
            if isinstance(path_or_text, os.PathLike) or ("\n" not in text and
                                                         text.endswith((".yaml", ".yml"))):
                path = Path(path_or_text)
                source = path.name or str(path)
                loaded = _yaml.load_file(path, source)
            else:
                loaded = _yaml.load_text(text, None)
        except _yaml.OptionFileError as e:
            raise PlanError([e.problem], source) from None
        except ParameterError as e:  # read_limited: missing, a folder, a FIFO, too large
            raise PlanError([Problem(str(e), code=e.code)], source) from None
        return _Reader(source, loaded).plan(loaded.data)

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain data (the YAML shape)."""
        out: dict[str, Any] = {"plan": self.name}
        if self.currency:
            out["currency"] = self.currency
        out["language"] = self.language
        if self.number_format:
            out["number_format"] = self.number_format
        out["period"] = {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()}
        if self.campaigns or self.channels:
            out["scope"] = {"campaigns": list(self.campaigns), "channels": list(self.channels)}
        if self.business_goal:
            g = self.business_goal
            out["business_goal"] = {"kpi": g.kpi,
                                    "target": _as_displayed(g.target, g.kpi,
                                                            self.currency).to_yaml(),
                                    **({"description": g.description} if g.description else {})}
        if self.alerts:
            out["alerts"] = [dict(a) if isinstance(a, Mapping) else a for a in self.alerts]
        out["objectives"] = []
        for o in self.objectives:
            od: dict[str, Any] = {"type": o.type}
            if o.description:
                od["description"] = o.description
            od["kpis"] = []
            for k in o.kpis:
                kd: dict[str, Any] = {"kpi": k.kpi,
                                      "target": _as_displayed(k.target, k.kpi,
                                                              self.currency).to_yaml(),
                                      "owner": k.owner, "cadence": k.cadence,
                                      "horizon": k.horizon}
                if k.weight != 1:
                    kd["weight"] = k.weight
                if k.campaigns or k.channels:
                    kd["scope"] = {"campaigns": list(k.campaigns), "channels": list(k.channels)}
                if k.period:
                    kd["period"] = {"start": k.period[0].isoformat(),
                                    "end": k.period[1].isoformat()}
                if k.note:
                    kd["note"] = k.note
                if k.goal != "reach":
                    kd["goal"] = k.goal
                if k.schedule:
                    kd["schedule"] = [
                        {"start": a.isoformat(), "end": b.isoformat(),
                         "target": _as_displayed(Target(v), k.kpi, self.currency).to_yaml()}
                        for a, b, v in k.schedule]
                od["kpis"].append(kd)
            out["objectives"].append(od)
        return out

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """Return the plan as YAML text; also write it (atomically) when ``path`` is given."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)
        if path is not None:
            from ._files import atomic_write_text

            atomic_write_text(Path(path), text)
        return text


# ------------------------------------------------------------------ reading


def _written_rules(alerts: Any, loaded: Any) -> list[Any]:
    """Alert rules with unquoted numbers as written (``150.000``, read later in the plan's
    number convention by kpikit.alerts), never YAML's float of them."""
    out = []
    for original in alerts or ():
        a = dict(original)
        for key in ("above", "below", "percent", "alpha"):
            v = a.get(key)
            spot = loaded.spot(original, key) if loaded is not None else None
            if (isinstance(v, (int, float)) and not isinstance(v, bool) and spot is not None
                    and spot.text):
                a[key] = spot.text
        out.append(a)
    return out


def _schedule_total(kpi: str, schedule: tuple[tuple[date, date, float], ...]) -> float:
    """The whole target a schedule makes: a total's sum, a ratio's mean over its days."""
    if not get_kpi(kpi).is_ratio:
        return float(sum(v for _, _, v in schedule))
    days = [(b - a).days + 1 for a, b, _ in schedule]
    return float(sum(v * d for (_, _, v), d in zip(schedule, days, strict=True)) / sum(days))


def _choices(value: object, choices: tuple[str, ...] | list[str]) -> str:
    # a hostile key can be megabytes long: difflib on it would take minutes
    close = difflib.get_close_matches(str(value)[:60], list(choices), n=2, cutoff=0.6)
    near = " or ".join(map(repr, close)) if close else ""
    hint = tr(f" (did you mean {near}?)", f" (có phải ý bạn là {near}?)") if close else ""
    return tr(f"choose from {', '.join(choices)}{hint}.", f"chọn trong {', '.join(choices)}{hint}.")


class _Reader:
    """Turns parsed YAML into a Plan, collecting every problem with its path and line."""

    def __init__(self, source: str | None, loaded: Any = None):
        self.source = source
        self.loaded = loaded  # a kpikit._yaml.Loaded: where each value was written
        self.problems: list[Problem] = []
        self.number_format: str | None = None
        self.currency: str | None = None

    def spot(self, at: tuple[Any, Any] | None) -> Any:
        if at is None or self.loaded is None:
            return None
        return self.loaded.spot(*at)

    def bad(self, path: str, message: str, fix: str = "",
            at: tuple[Any, Any] | None = None, *, code: ProblemCode | None = None) -> None:
        spot = self.spot(at)
        self.problems.append(Problem(f"{path}: {message}", fix, self.source,
                                     spot.line if spot else None, code=code))

    def mapping(self, data: Any, path: str, allowed: tuple[str, ...],
                at: tuple[Any, Any] | None = None) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            kind = type(data).__name__
            if data is None and not path:
                self.bad("plan", tr("the plan is empty.", "kế hoạch trống."),
                         tr("start from 'kpikit plan suggest' or a shipped plan.",
                            "bắt đầu từ 'kpikit plan suggest' hoặc một kế hoạch mẫu có sẵn."),
                         code=ProblemCode.PLAN_EMPTY)
                return {}
            self.bad(path, tr(f"must be a mapping (key: value lines), not {kind}.",
                              f"phải là một ánh xạ (các dòng khóa: giá trị), không phải {kind}."),
                     at=at, code=ProblemCode.PLAN_WRONG_TYPE)
            return {}
        for key in data:
            if key not in allowed:
                name = str(key) if len(str(key)) <= 60 else str(key)[:59] + "…"
                self.bad(f"{path}.{name}" if path else name,
                         tr("unknown key.", "khóa không hợp lệ."), _choices(key, allowed),
                         at=(data, key), code=ProblemCode.PLAN_UNKNOWN_KEY)
        return data

    def text(self, data: Mapping[str, Any], key: str, path: str, required: bool = False,
             default: str = "") -> str:
        v = data.get(key)
        if v is None:
            if required:
                name = key.split(".")[-1]
                self.bad(path, tr("is required.", "là bắt buộc."),
                         tr(f"add '{name}: ...'.", f"thêm '{name}: ...'."),
                         code=ProblemCode.PLAN_REQUIRED)
            return default
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            self.bad(path, tr("must be text.", "phải là văn bản."), at=(data, key),
                     code=ProblemCode.PLAN_WRONG_TYPE)
            return default
        # names and descriptions are kept as written (no normalisation): they are data
        return str(v).strip()

    def names(self, data: Any, path: str, at: tuple[Any, Any] | None = None
              ) -> tuple[str, ...]:
        if data is None:
            return ()
        if isinstance(data, str):
            return (data,)
        if isinstance(data, list) and all(isinstance(x, str) for x in data):
            return tuple(data)
        self.bad(path, tr("must be a list of names.", "phải là một danh sách tên."),
                 tr("write e.g. [Tết Sale, Brand Awareness].",
                    "ví dụ: [Tết Sale, Brand Awareness]."), at=at, code=ProblemCode.PLAN_WRONG_TYPE)
        return ()

    def scope(self, data: Any, path: str, at: tuple[Any, Any] | None = None
              ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if data is None:
            return (), ()
        m = self.mapping(data, path, ("campaigns", "channels"), at)
        return (self.names(m.get("campaigns"), f"{path}.campaigns", (m, "campaigns")),
                self.names(m.get("channels"), f"{path}.channels", (m, "channels")))

    def day(self, value: Any, path: str, at: tuple[Any, Any]) -> date | None:
        # YAML reads "2027-01-01 10:00" as a datetime, which cannot be compared with dates
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and len(value) < 40:
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.bad(path, tr(f"must be a date like 2027-01-31, not {clip(value)}.",
                          f"phải là ngày dạng 2027-01-31, không phải {clip(value)}."), at=at,
                 code=ProblemCode.PLAN_DATE)
        return None

    def period(self, data: Any, path: str, at: tuple[Any, Any] | None = None
               ) -> tuple[date, date] | None:
        if data is None:
            return None
        m = self.mapping(data, path, ("start", "end"), at)
        if not m:
            return None
        if "start" not in m or "end" not in m:
            self.bad(path, tr("needs both start and end.", "cần cả start và end."),
                     tr("write {start: 2027-01-01, end: ...}.",
                        "viết {start: 2027-01-01, end: ...}."), at=at,
                     code=ProblemCode.PLAN_REQUIRED)
            return None
        start = self.day(m["start"], f"{path}.start", (m, "start"))
        end = self.day(m["end"], f"{path}.end", (m, "end"))
        if start and end and end < start:
            self.bad(f"{path}.end", tr(f"{end} is before the start {start}.",
                                       f"{end} trước ngày bắt đầu {start}."), at=(m, "end"),
                     code=ProblemCode.DATE_RANGE_REVERSED)
            return None
        return (start, end) if start and end else None

    def raw_target(self, m: Mapping[str, Any]) -> Any:
        """The target as written: an unquoted number's own text (``128.000``), not YAML's float."""
        raw = m.get("target")
        spot = self.spot((m, "target"))
        if (spot is not None and spot.text is not None and not isinstance(raw, bool)
                and isinstance(raw, (int, float))):
            return spot.text
        return raw

    def target(self, m: Mapping[str, Any], path: str, name: str | None) -> Target | None:
        raw = self.raw_target(m)
        at = (m, "target")
        if raw is None:
            self.bad(path, tr("is required.", "là bắt buộc."), _how(),
                     code=ProblemCode.PLAN_REQUIRED)
            return None
        try:
            target = parse_target(raw, self.number_format, self.currency)
        except ValueError as e:
            reason = getattr(e, "reason", str(e))
            fix = getattr(e, "fix", _how())
            self.bad(path, tr(f'must be a number or "+N%" (optionally "vs last year", "vs '
                              f'previous period", "vs trailing N"): {reason}',
                              f'phải là một số hoặc "+N%" (có thể kèm "vs last year", "vs '
                              f'previous period", "vs trailing N"): {reason}'), fix, at=at,
                     code=getattr(e, "code", None) or ProblemCode.PLAN_TARGET_NOT_NUMBER)
            return None
        if name is None:
            return target
        kpi = get_kpi(name)
        may_be_negative = any(c < 0 for _, c in kpi.numerator)
        if target.value is not None and target.value > 1 and name in BOUNDED_RATES:
            v = target.value
            self.bad(path, tr(f"{v:g} is above 100% for {name}, a share between 0 and 1.",
                              f"{v:g} vượt 100% với {name}, một tỷ lệ giữa 0 và 1."),
                     tr(f'write {v / 100:g} or "{v:g}%".', f'viết {v / 100:g} hoặc "{v:g}%".'),
                     at=at, code=ProblemCode.PLAN_TARGET_SHARE_ABOVE_ONE)
        if target.value is not None and target.value < 0 and not may_be_negative:
            self.bad(path, tr(f"{target.value:g} is negative.", f"{target.value:g} là số âm."),
                     tr(f"{name} cannot be below 0.", f"{name} không thể dưới 0."), at=at,
                     code=ProblemCode.PLAN_TARGET_NEGATIVE)
        if target.change is not None and target.change <= -1 and not may_be_negative:
            pct = f"{target.change * 100:g}%"
            self.bad(path, tr(f"a change of {pct} would take {name} to 0 or below.",
                              f"mức thay đổi {pct} sẽ đưa {name} về 0 hoặc thấp hơn."),
                     tr(f"{name} cannot be below 0: write a change above -100%.",
                        f"{name} không thể dưới 0: viết mức thay đổi lớn hơn -100%."), at=at,
                     code=ProblemCode.PLAN_TARGET_CHANGE_TO_ZERO)
        return target

    def number(self, m: Mapping[str, Any], key: str, path: str, default: float) -> float:
        raw = m.get(key)
        if raw is None:
            return default
        spot = self.spot((m, key))
        text = raw if isinstance(raw, str) else spot.text if spot is not None else None
        if isinstance(raw, str) or (text is not None and _is_ambiguous(text)):
            # "1,5" or an unquoted 1.500 follow the plan's convention, like targets
            try:
                raw = float(_number(_clean(text)[:_MAX_TARGET_CHARS], self.number_format))
            except TargetError as e:
                self.bad(path, e.reason, e.fix, at=(m, key), code=e.code)
                return default
        if (isinstance(raw, bool) or not isinstance(raw, (int, float))
                or not math.isfinite(raw) or raw < 0):
            self.bad(path, tr(f"must be a number of 0 or more, not {clip(raw)}.",
                              f"phải là số từ 0 trở lên, không phải {clip(raw)}."), at=(m, key),
                     code=ProblemCode.PLAN_WRONG_TYPE)
            return default
        return float(raw)

    def kpi_name(self, m: Mapping[str, Any], path: str) -> str | None:
        raw = m.get("kpi")
        if not isinstance(raw, str) or not raw.strip():
            self.bad(path, tr("is required: the KPI's name.", "là bắt buộc: tên của KPI."),
                     _choices("", list(KPIS)), at=(m, "kpi"), code=ProblemCode.PLAN_REQUIRED)
            return None
        key = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if key not in KPIS:
            self.bad(path, tr(f"unknown KPI {clip(raw)}.", f"không có KPI {clip(raw)}."),
                     _choices(key, list(KPIS)), at=(m, "kpi"), code=ProblemCode.KPI_UNKNOWN)
            return None
        return key

    def kpi(self, data: Any, path: str, at: tuple[Any, Any]) -> KPITarget | None:
        m = self.mapping(data, path, ("kpi", "target", "owner", "cadence", "horizon", "weight",
                                      "scope", "period", "note", "goal", "schedule"), at)
        if not m:
            return None
        name = self.kpi_name(m, f"{path}.kpi")
        schedule = self.schedule(m, f"{path}.schedule", name)
        goal = self.goal(m, f"{path}.goal")
        if m.get("target") is None and schedule:
            # the schedule is the whole target: a total adds up, a ratio is its days' mean
            target: Target | None = None
            if name is not None:
                target = Target(_schedule_total(name, schedule))
        else:
            target = self.target(m, f"{path}.target", name)
        owner = self.text(m, "owner", f"{path}.owner", default=UNASSIGNED) or UNASSIGNED
        cadence = self.text(m, "cadence", f"{path}.cadence", default="monthly")
        if cadence not in CADENCES:
            self.bad(f"{path}.cadence", tr(f"unknown cadence {clip(cadence)}.",
                                           f"không có chu kỳ {clip(cadence)}."),
                     _choices(cadence, CADENCES), at=(m, "cadence"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
        horizon = self.text(m, "horizon", f"{path}.horizon")
        if horizon and horizon not in HORIZONS:
            self.bad(f"{path}.horizon", tr(f"unknown horizon {clip(horizon)}.",
                                           f"không có tầm nhìn {clip(horizon)}."),
                     _choices(horizon, HORIZONS), at=(m, "horizon"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
        weight = self.number(m, "weight", f"{path}.weight", 1.0)
        campaigns, channels = self.scope(m.get("scope"), f"{path}.scope", (m, "scope"))
        period = self.period(m.get("period"), f"{path}.period", (m, "period"))
        if name is None or target is None:
            return None
        if schedule and period:
            self.inside(schedule, period, f"{path}.schedule", (m, "schedule"))
        return KPITarget(kpi=name, target=target, owner=owner, cadence=cadence,
                         horizon=horizon if horizon in HORIZONS else "", weight=weight,
                         campaigns=campaigns, channels=channels, period=period,
                         note=self.text(m, "note", f"{path}.note"), goal=goal,
                         schedule=schedule)

    def goal(self, m: Mapping[str, Any], path: str) -> str:
        raw = m.get("goal")
        if raw is None:
            return "reach"
        key = re.sub(r"[\s_-]+", " ", str(raw).strip().lower()) if isinstance(raw, str) else ""
        if key not in _GOAL_WORDS:
            self.bad(path, tr(f"unknown goal {clip(raw)}.", f"không có kiểu mục tiêu {clip(raw)}."),
                     _choices(key, GOALS), at=(m, "goal"), code=ProblemCode.PLAN_GOAL_UNKNOWN)
            return "reach"
        return _GOAL_WORDS[key]

    def schedule(self, m: Mapping[str, Any], path: str, name: str | None
                 ) -> tuple[tuple[date, date, float], ...]:
        raw = m.get("schedule")
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.bad(path, tr("must be a list of windows with their targets.",
                              "phải là danh sách các khoảng thời gian kèm chỉ tiêu."),
                     tr("write schedule: [{period: 2027-01, target: 2 tỷ}, {period: 2027-02, "
                        "target: 3 tỷ}].",
                        "viết schedule: [{period: 2027-01, target: 2 tỷ}, {period: 2027-02, "
                        "target: 3 tỷ}]."), at=(m, "schedule"),
                            code=ProblemCode.PLAN_SCHEDULE_INVALID)
            return ()
        out = []
        for i, item in enumerate(raw[:500]):
            p = f"{path}[{i}]"
            w = self.mapping(item, p, ("period", "start", "end", "target"), (raw, i))
            if not w:
                continue
            window = None
            week = re.fullmatch(r"\s*(\d{4})-?W(\d{1,2})\s*", str(w.get("period", "")),
                                re.IGNORECASE)
            if week:  # an ISO week, Monday to Sunday: 2027-W05
                try:
                    first = date.fromisocalendar(int(week[1]), int(week[2]), 1)
                    window = (first, date.fromordinal(first.toordinal() + 6))
                except ValueError:
                    self.bad(f"{p}.period", tr(f"{clip(w['period'])} is not a week of its year.",
                                               f"{clip(w['period'])} không phải một tuần của "
                                               "năm đó."),
                             tr("write 2027-W05 (weeks 1 to 52 or 53).",
                                "viết 2027-W05 (tuần 1 đến 52 hoặc 53)."), at=(w, "period"),
                                    code=ProblemCode.PLAN_SCHEDULE_INVALID)
            elif "period" in w:
                try:
                    window = parse_period(str(w["period"]))
                except ParameterError as e:
                    self.bad(f"{p}.period", str(e), at=(w, "period"),
                        code=ProblemCode.PLAN_SCHEDULE_INVALID)
            else:
                window = self.period({k: w[k] for k in ("start", "end") if k in w}, p,
                                     (raw, i))
            t = self.target(w, f"{p}.target", name)
            if t is not None and t.is_relative:
                self.bad(f"{p}.target", tr("must be an absolute number in a schedule.",
                                           "trong lịch chỉ tiêu phải là một số tuyệt đối."),
                         tr("write the window's own target, e.g. 2 tỷ.",
                            "viết chỉ tiêu của chính khoảng đó, ví dụ 2 tỷ."), at=(w, "target"),
                                code=ProblemCode.PLAN_SCHEDULE_INVALID)
                t = None
            if window and t is not None:
                out.append((window[0], window[1], float(t.value)))  # type: ignore[arg-type]
        out.sort()
        for (a0, a1, _), (b0, b1, _) in zip(out, out[1:], strict=False):
            if b0 <= a1:
                self.bad(path, tr(f"the windows {a0}..{a1} and {b0}..{b1} overlap.",
                                  f"các khoảng {a0}..{a1} và {b0}..{b1} chồng lên nhau."),
                         tr("give each day one target: make the windows follow each other.",
                            "mỗi ngày chỉ một chỉ tiêu: cho các khoảng nối tiếp nhau."),
                         at=(m, "schedule"), code=ProblemCode.PLAN_SCHEDULE_OVERLAP)
        return tuple(out)

    def inside(self, schedule: tuple[tuple[date, date, float], ...], period: tuple[date, date],
               path: str, at: tuple[Any, Any]) -> None:
        for a, b, _ in schedule:
            if a < period[0] or b > period[1]:
                self.bad(path, tr(f"the window {a}..{b} is outside the period "
                                  f"{period[0]}..{period[1]}.",
                                  f"khoảng {a}..{b} nằm ngoài kỳ {period[0]}..{period[1]}."),
                         tr("keep every window inside the KPI's period.",
                            "giữ mọi khoảng trong kỳ của KPI."), at=at,
                                code=ProblemCode.PLAN_SCHEDULE_OUTSIDE_PERIOD)

    def adds_up(self, k: KPITarget, period: tuple[date, date] | None, path: str) -> None:
        """A total's schedule cannot ask for more than its target, nor less when it covers all."""
        if not k.schedule or period is None or get_kpi(k.kpi).is_ratio or k.target.is_relative:
            return
        total = float(k.target.value)  # type: ignore[arg-type]
        part = sum(v for _, _, v in k.schedule)
        covered = sum((b - a).days + 1 for a, b, _ in k.schedule)
        whole = (period[1] - period[0]).days + 1
        slack = 1e-9 * max(abs(total), 1.0)
        if part > total + slack or (covered >= whole and abs(part - total) > slack):
            self.bad(f"{path}.schedule", tr(
                f"the windows add up to {_neutral(part)}, but the target is {_neutral(total)}.",
                f"các khoảng cộng lại được {_neutral(part)}, nhưng chỉ tiêu là "
                f"{_neutral(total)}."),
                tr("make the windows add up to the target, or leave the target out.",
                   "cho các khoảng cộng lại bằng chỉ tiêu, hoặc bỏ chỉ tiêu đi."),
                       code=ProblemCode.PLAN_SCHEDULE_SUM_MISMATCH)

    def targets_written(self, top: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any]]:
        """Every (path, raw target, place) in the plan, before any is read."""
        goal = top.get("business_goal")
        if isinstance(goal, Mapping):
            yield "business_goal.target", self.raw_target(goal), (goal, "target")
        objs = top.get("objectives")
        for i, o in enumerate(objs if isinstance(objs, list) else []):
            kpis = o.get("kpis") if isinstance(o, Mapping) else None
            for j, k in enumerate(kpis if isinstance(kpis, list) else []):
                if isinstance(k, Mapping):
                    yield f"objectives[{i}].kpis[{j}].target", self.raw_target(k), (k, "target")

    def convention(self, top: Mapping[str, Any], language: str) -> str | None:
        """How the plan writes numbers: said, implied by language or currency, or shown."""
        said = top.get("number_format")
        if said is not None:
            if said in NUMBER_FORMATS:
                return str(said)
            self.bad("number_format", tr(f"unknown number format {clip(said)}.",
                                         f"không có cách viết số {clip(said)}."),
                     tr("choose vi (1.234.567,5) or en (1,234,567.5).",
                        "chọn vi (1.234.567,5) hoặc en (1,234,567.5)."), at=(top, "number_format"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
            return None
        by_language = language if "language" in top and language in NUMBER_FORMATS else None
        by_currency = "vi" if self.currency == "VND" else None
        # an English-language plan in VND is often typed by Vietnamese hands: when language and
        # currency disagree, only the targets themselves can say how they are written
        if by_language and by_currency and by_language != by_currency:
            by_language = by_currency = None
        if by_language or by_currency:
            return by_language or by_currency
        shown: dict[str, str] = {}
        for path, raw, _ in self.targets_written(top):
            style = number_style(raw)
            if style:
                shown.setdefault(style, f"{path} ({clip(raw)})")
        if len(shown) == 2:
            self.bad("number_format", tr(
                f"the plan writes numbers both ways: {shown['en']} the English way and "
                f"{shown['vi']} the Vietnamese way.",
                f"kế hoạch viết số theo cả hai kiểu: {shown['en']} kiểu Anh và {shown['vi']} "
                "kiểu Việt."),
                tr('write every number one way and add "number_format: vi" or '
                   '"number_format: en".',
                   'viết mọi số theo một kiểu và thêm "number_format: vi" hoặc '
                   '"number_format: en".'), code=ProblemCode.PLAN_NUMBER_FORMAT_MIXED)
            return None
        return next(iter(shown), None)

    def plan(self, data: Any) -> Plan:
        top = self.mapping(data, "", ("plan", "name", "currency", "language", "number_format",
                                      "period", "scope", "business_goal", "objectives",
                                      "alerts"))
        alerts = top.get("alerts") if isinstance(top, Mapping) else None
        if alerts is not None and not (isinstance(alerts, list)
                                       and all(isinstance(a, Mapping) for a in alerts)):
            self.bad("alerts", tr("must be a list of rules.", "phải là danh sách quy tắc."),
                     tr("write alerts: [{rule: status, severity: warning}].",
                        "viết alerts: [{rule: status, severity: warning}]."), at=(top, "alerts"),
                            code=ProblemCode.PLAN_ALERTS_INVALID)
            alerts = None
        if not isinstance(data, Mapping):
            raise PlanError(self.problems, self.source)
        name = self.text(top, "plan", "plan") or self.text(top, "name", "name")
        if not name:
            self.bad("plan", tr("is required: the plan's name.", "là bắt buộc: tên kế hoạch."),
                     tr("add 'plan: My plan' at the top.",
                        "thêm 'plan: Kế hoạch của tôi' ở đầu tệp."), code=ProblemCode.PLAN_REQUIRED)
        currency = self.text(top, "currency", "currency").upper() or None
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            self.bad("currency", tr(f"{clip(currency)} is not an ISO currency code.",
                                    f"{clip(currency)} không phải mã tiền tệ ISO."),
                     tr("e.g. VND, USD.", "ví dụ VND, USD."), at=(top, "currency"),
                     code=ProblemCode.CURRENCY_UNKNOWN)
            currency = None
        self.currency = currency
        language = self.text(top, "language", "language", default="en")
        if language not in LANGS:
            self.bad("language", tr(f"unknown language {clip(language)}.",
                                    f"không hỗ trợ ngôn ngữ {clip(language)}."),
                     _choices(language, LANGS), at=(top, "language"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
        self.number_format = self.convention(top, language)
        period = self.period(top.get("period"), "period", (top, "period"))
        if "period" not in top:
            self.bad("period", tr("is required.", "là bắt buộc."),
                     tr("add 'period: {start: 2027-01-01, end: 2027-03-31}'.",
                        "thêm 'period: {start: 2027-01-01, end: 2027-03-31}'."),
                     code=ProblemCode.PLAN_REQUIRED)
        campaigns, channels = self.scope(top.get("scope"), "scope", (top, "scope"))
        goal = None
        if top.get("business_goal") is not None:
            g = self.mapping(top["business_goal"], "business_goal",
                             ("kpi", "target", "description"), (top, "business_goal"))
            gname = self.kpi_name(g, "business_goal.kpi")
            gtarget = self.target(g, "business_goal.target", gname) if g else None
            if gname and gtarget:
                goal = BusinessGoal(gname, gtarget,
                                    self.text(g, "description", "business_goal.description"))
        objectives = []
        raw_objs = top.get("objectives")
        if not isinstance(raw_objs, list) or not raw_objs:
            self.bad("objectives", tr("must be a list with at least one objective.",
                                      "phải là danh sách có ít nhất một mục tiêu."),
                     tr("add 'objectives: [{type: sales, kpis: [...]}]'.",
                        "thêm 'objectives: [{type: sales, kpis: [...]}]'."), at=(top, "objectives"),
                     code=ProblemCode.PLAN_WRONG_TYPE)
            raw_objs = []
        for i, o in enumerate(raw_objs):
            p = f"objectives[{i}]"
            om = self.mapping(o, p, ("type", "description", "kpis"), (raw_objs, i))
            otype = self.text(om, "type", f"{p}.type", required=True)
            if otype and otype not in OBJECTIVES:
                self.bad(f"{p}.type", tr(f"unknown objective {clip(otype)}.",
                                         f"không có mục tiêu {clip(otype)}."),
                         _choices(otype, OBJECTIVES), at=(om, "type"),
                         code=ProblemCode.OBJECTIVE_UNKNOWN)
            raw_kpis = om.get("kpis")
            if not isinstance(raw_kpis, list) or not raw_kpis:
                self.bad(f"{p}.kpis", tr("must be a list with at least one KPI.",
                                         "phải là danh sách có ít nhất một KPI."),
                         tr("add 'kpis: [{kpi: roas, target: 4, owner: ...}]'.",
                            "thêm 'kpis: [{kpi: roas, target: 4, owner: ...}]'."), at=(om, "kpis"),
                         code=ProblemCode.PLAN_WRONG_TYPE)
                raw_kpis = []
            kpis = [self.kpi(k, f"{p}.kpis[{j}]", (raw_kpis, j)) for j, k in enumerate(raw_kpis)]
            seen: dict[tuple, int] = {}
            for j, k in enumerate(kpis):
                if k is None:
                    continue
                key = (k.kpi, k.campaigns, k.channels, k.period)
                if key in seen:
                    other = f"{p}.kpis[{seen[key]}]"
                    self.bad(f"{p}.kpis[{j}]",
                             tr(f"repeats {k.kpi!r} of {other} with the same scope and period.",
                                f"lặp lại {k.kpi!r} của {other} với cùng phạm vi và kỳ."),
                             tr("remove one of them.", "xóa một trong hai."), at=(raw_kpis, j),
                             code=ProblemCode.PLAN_DUPLICATE_KPI)
                seen.setdefault(key, j)
            objectives.append(Objective(otype, tuple(k for k in kpis if k is not None),
                                        self.text(om, "description", f"{p}.description")))
        for i, o in enumerate(objectives):
            for j, k in enumerate(o.kpis):
                if k.schedule and period and not k.period:
                    self.inside(k.schedule, period, f"objectives[{i}].kpis[{j}].schedule", None)
                self.adds_up(k, k.period or period, f"objectives[{i}].kpis[{j}]")
        if self.problems:
            raise PlanError(self.problems, self.source)
        assert period is not None
        return Plan(name=name, period=period, objectives=tuple(objectives), currency=currency,
                    language=language, campaigns=campaigns, channels=channels,
                    business_goal=goal, source=self.source, number_format=self.number_format,
                    alerts=tuple(dict(a) for a in _written_rules(alerts, self.loaded)))
