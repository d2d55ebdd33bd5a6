"""How a plan writes numbers: ``1.234,5`` (vi) or ``1,234.5`` (en), and the target texts.

Numbers that read differently in the two conventions (``1.234``, ``1,234``) follow the
plan's ``number_format``; when a plan gives no way to tell, they are refused, never guessed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

from kpikit.data_in.yaml_safe import clip
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import LANGS, nfmt, tr

__all__ = [
    "CURRENCIES",
    "MAGNITUDES",
    "MAX_TARGET_CHARS",
    "NUMBER_FORMATS",
    "TargetError",
    "clean_text",
    "convention",
    "finite",
    "is_ambiguous",
    "match_target",
    "number_readings",
    "neutral",
    "number_style",
    "read_number",
]

#: how a plan may say it writes numbers: as a language kpikit speaks does (``en`` 1,234.5,
#: ``vi`` 1.234,5, another language by its CLDR decimal sign: see :func:`convention`); the
#: one list of languages, so a language added as a catalog counts here too
NUMBER_FORMATS: tuple[str, ...] = LANGS
#: the longest text read as a target (a real one is under 40 characters)
MAX_TARGET_CHARS = 200

_NUM = r"(?:\d+(?:\.\d+)?[eE][+-]?\d+|\d[\d.,' ]*\d|\d|[.,]\d+)"
_BASE = (r"(?:vs\.?|so\s+với)\s*(last\s+year|same\s+period\s+last\s+year|năm\s+trước|"
         r"previous\s+period|kỳ\s+trước|trailing(?:\s+(\d+))?(?:\s+periods?)?|"
         r"(\d+)\s+kỳ\s+gần\s+nhất)")
_REL_RE = re.compile(rf"^([+-])\s*({_NUM})\s*%\s*(?:{_BASE})?$", re.IGNORECASE)
_PCT_RE = re.compile(rf"^({_NUM})\s*%$")
#: currency words and symbols a money target may carry, and the ISO code each means
CURRENCIES = {"₫": "VND", "đ": "VND", "vnd": "VND", "vnđ": "VND", "đồng": "VND", "dong": "VND",
               "$": "USD", "usd": "USD"}
#: short forms of large amounts used in Vietnamese and English plans
MAGNITUDES = {"k": 3, "nghìn": 3, "ngàn": 3, "tr": 6, "triệu": 6, "tỷ": 9, "tỉ": 9, "ty": 9,
               "m": 6, "mn": 6, "bn": 9}
_CUR = "|".join(re.escape(c) for c in sorted(CURRENCIES, key=len, reverse=True))
_MAG = "|".join(sorted(MAGNITUDES, key=len, reverse=True))
_LEVEL_RE = re.compile(rf"^({_CUR})?\s*([+-])?\s*({_CUR})?\s*({_NUM})\s*({_MAG})?\.?\s*({_CUR})?$",
                       re.IGNORECASE)
_EXP_RE = re.compile(r"^\d+(?:\.\d+)?[eE][+-]?\d+$")


class TargetError(ParameterError):
    """A target text that cannot be read, with what to write instead."""

    def __init__(self, message: str, fix: str, *, code: ProblemCode | None = None):
        self.reason, self.fix = message, fix
        super().__init__(f"{message} " + tr("Fix: {fix}", fix=fix), code=code)


def number_readings(num: str) -> tuple[str, dict[str, Decimal]] | None:
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


def convention(number_format: str) -> str:
    """The decimal-mark convention of a plan's ``number_format``: ``"en"`` (1,234.5: a
    point) or ``"vi"`` (1.234,5: a comma), from the CLDR decimal sign of that language
    (``fr`` writes a comma, so it reads as ``"vi"``). A name kpikit does not speak as given."""
    if number_format not in LANGS:
        return number_format
    from kpikit.i18n.formats import number_signs

    return "vi" if number_signs(number_format)[0] == "," else "en"


def _convention(number_format: str) -> str:
    """A plan's number format in the reader's words, with an example written that way."""
    if number_format == "vi":
        return tr("Vietnamese (1.234,5)")
    if number_format == "en":
        return tr("English (1,234.5)")
    if number_format not in LANGS:  # a name kpikit does not speak (refused when read)
        return number_format
    from kpikit.i18n.formats import format_number, language_name

    # a third language (a catalog): its name and 1234.5 as its CLDR locale writes it
    name, example = language_name(number_format), format_number(1234.5, 1, number_format)
    return tr("{language} ({example})", language=name, example=example)


def read_number(num: str, number_format: str | None) -> Decimal:
    """The value of ``num`` in the plan's convention, or a :class:`TargetError`."""
    read = number_readings(num)
    if read is None:
        raise TargetError(tr("{num} is not a number.", num=_shown(num)),
                          tr("write digits, e.g. 128000, 5.6 or 2.15%."),
                          code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    style, values = read
    if style == "neutral":
        return values["en"]
    given = number_format  # as the plan says it (fr), for the message
    if number_format is not None:
        number_format = convention(number_format)
    if style == "ambiguous":
        if number_format in values:
            return values[number_format]
        dot = "." in num
        grouped = values["vi" if dot else "en"]
        decimal = values["en" if dot else "vi"]
        # the mark and the decimal reading in the reader's words and convention
        mark = tr("point") if dot else tr("comma")
        dec = nfmt(decimal.normalize(), "f")
        raise TargetError(
            tr("{num} could be {grouped} (the {mark} groups thousands) or {dec} (the {mark} is the "
               "decimal mark), and the plan does not say how it writes numbers.", num=_shown(num),
               grouped=grouped, mark=mark, dec=dec),
            tr("add \"number_format: vi\" (1.234,5) or \"number_format: en\" (1,234.5) to the "
               "plan, or write the number without a thousands separator ({grouped}).",
               grouped=grouped),
            code=ProblemCode.PLAN_TARGET_AMBIGUOUS)
    if number_format is not None and style != number_format:
        plain = nfmt(values[style], "f")  # no grouping: only the decimal mark follows the reader
        written, wanted = _convention(style), _convention(given or style)
        raise TargetError(
            tr("{num} is written the {written} way, but this plan writes numbers the {wanted} way.",
               num=_shown(num), written=written, wanted=wanted),
            tr("write {plain} (no thousands separator), or set \"number_format: {style}\" if "
               "every number of the plan is written that way.", plain=plain, style=style),
            code=ProblemCode.PLAN_TARGET_NUMBER_FORMAT)
    return values[style]


def match_target(text: str) -> tuple[str, re.Match[str]] | None:
    """``(kind, match)`` of a cleaned target text: a ``change``, a ``percent`` or a ``level``."""
    for kind, pattern in (("change", _REL_RE), ("percent", _PCT_RE), ("level", _LEVEL_RE)):
        m = pattern.match(text)
        if m:
            return kind, m
    return None


def clean_text(raw: str) -> str:
    """``raw`` in NFC with every space as one plain space and a minus sign as ``-``."""
    text = unicodedata.normalize("NFC", raw)
    # no-break and thin spaces group thousands in French and CLDR output; − is a minus sign
    for ch in "\u00a0\u202f\u2009\u2007":
        text = text.replace(ch, " ")
    return " ".join(text.replace("\u2212", "-").split())


def number_style(raw: object) -> str | None:
    """``"en"`` or ``"vi"`` when a target text can only be read in that convention, else None."""
    if not isinstance(raw, str) or len(raw) > MAX_TARGET_CHARS:
        return None
    found = match_target(clean_text(raw))
    if not found:
        return None
    kind, m = found
    read = number_readings(m.group(2) if kind == "change" else
                           m.group(1) if kind == "percent" else m.group(4))
    return read[0] if read and read[0] not in ("neutral", "ambiguous") else None


def finite(value: float, text: str) -> float:
    """``value``, or a :class:`TargetError` when the text it came from overflowed."""
    if not math.isfinite(value):
        raise TargetError(tr("{text} is too large to be a target.", text=clip(text)),
                          tr("check the number of digits."),
                          code=ProblemCode.PLAN_TARGET_TOO_LARGE)
    return value


def neutral(value: float, sign: bool = False) -> str:
    """``value`` as text that reads the same in English and Vietnamese plans."""
    text = format(value, "+.12g" if sign else ".12g")
    digits = text.lstrip("+-")
    return text + "0" if is_ambiguous(digits) else text


def is_ambiguous(digits: str) -> bool:
    """True when ``digits`` read differently in the two conventions (``1.234``)."""
    read = number_readings(digits)
    return read is not None and read[0] == "ambiguous"


