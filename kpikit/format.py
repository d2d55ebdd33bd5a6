"""Showing and reading numbers, money, percentages and dates the way a reader expects.

Formats come from CLDR through Babel, for the locale of each language in
:data:`kpikit._lang.LOCALES`: Vietnamese ``1.234.567 ₫``, ``2,5%``, ``15/01/2025``;
English ``₫1,234,567``, ``2.5%``, ``Jan 15, 2025``. Every ``lang`` defaults to the
current language (:func:`kpikit.set_language`). Babel is imported inside the functions
so that ``import kpikit`` stays light.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ._lang import LANGS, LOCALES, _checked, resolve_lang, tr
from .catalog import KPI, get_kpi

__all__ = [
    "LANGS", "check_lang", "date_tickformat", "format_change", "format_compact",
    "format_date", "format_money", "format_month", "format_number", "format_percent",
    "format_value", "parse_number", "parse_value",
]

MISSING = "–"
# currencies whose amounts a plan keeps whole (plan.py rounds computed targets by it)
_NO_DECIMALS = {"VND", "JPY", "IDR", "KRW"}
# Babel puts a no-break space between a number and ``₫``; kpikit's text goes to CSV,
# terminals and messages where a plain space reads (and is searched) the same.
_NBSP = ("\xa0", "\u202f")


def _locale(lang: str | None) -> str:
    return LOCALES[resolve_lang(lang)]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def _plain(text: str) -> str:
    for space in _NBSP:
        text = text.replace(space, " ")
    return text


def _half_up() -> Any:
    """Round halves up, as people and spreadsheets do (12,345 -> 12,35); Babel follows the
    decimal context, whose default rounds halves to even (12,34)."""
    import decimal

    ctx = decimal.Context(rounding=decimal.ROUND_HALF_UP, prec=40)
    return decimal.localcontext(ctx)


@lru_cache(maxsize=64)
def _compiled(pattern: str, locale: str) -> tuple[Any, Any]:
    """A CLDR number pattern and its locale, parsed once (tables format thousands of cells)."""
    from babel import Locale
    from babel.numbers import parse_pattern

    return parse_pattern(pattern), Locale.parse(locale)


def _apply(value: float, pattern: str, lang: str | None) -> str:
    """``value`` written by the CLDR ``pattern`` in the locale of ``lang``."""
    compiled, locale = _compiled(pattern, _locale(lang))
    with _half_up():
        return _plain(compiled.apply(Decimal(str(value)), locale, decimal_quantization=True))


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`ParameterError`."""
    return _checked(lang)


def format_number(value: float | None, decimals: int = 0, lang: str | None = None) -> str:
    """Format a number with the thousands and decimal separators of ``lang``.

    Examples
    --------
    ``format_number(1234567.5, 1, "vi")`` is ``1.234.567,5``; in English ``1,234,567.5``.
    """
    if _missing(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return _apply(value, _pattern(decimals), lang)


def format_money(value: float | None, currency: str | None, lang: str | None = None) -> str:
    """Format an amount: ``1.234.567 ₫`` (vi) or ``₫1,234,567`` (en).

    Decimals follow the currency (none for VND, two for USD); without a currency the
    number alone, whole from 1,000 up.
    """
    if _missing(value):
        return MISSING
    if currency is None or math.isinf(value):
        decimals = 0 if math.isinf(value) or abs(value) >= 1000 else 2
        return format_number(value, decimals, lang)
    locale = _compiled("#", _locale(lang))[1]
    try:
        with _half_up():
            return _plain(locale.currency_formats["standard"].apply(
                Decimal(str(value)), locale, currency=currency, currency_digits=True,
                decimal_quantization=True))
    except Exception:  # a code CLDR does not know: the number, then the code
        return f"{format_number(value, 2, lang)} {currency}"


def format_percent(value: float | None, decimals: int = 1, lang: str | None = None) -> str:
    """A share as a percentage: ``0.025`` is ``2,5%`` (vi) or ``2.5%`` (en)."""
    if _missing(value):
        return MISSING
    if math.isinf(value):
        return format_number(value, 0, lang) + "%"
    return _apply(value, _pattern(decimals) + "%", lang)


def format_compact(value: float | None, lang: str | None = None, currency: str | None = None,
                   decimals: int = 1) -> str:
    """A short form where space is tight: ``1,2 tr``, ``3 tỷ`` (vi); ``1.2M``, ``3B`` (en).

    With ``currency`` the symbol is added as in :func:`format_money` (``1,2 tr ₫``, ``₫1.2M``).
    Below 1,000 the number is shown whole.
    """
    if _missing(value):
        return MISSING
    lang = resolve_lang(lang)
    if math.isinf(value) or abs(value) < 1000:
        text = format_number(value, 0 if math.isinf(value) or abs(value) >= 10
                             or float(value).is_integer() else decimals, lang)
    else:
        from babel.numbers import format_compact_decimal

        # Vietnamese CLDR abbreviations ("Tr", "T") are not what people write; the words
        # in _VI_SHORT are (nghìn, tr, tỷ), so Vietnamese scales by hand over CLDR digits.
        if lang == "vi":
            size = abs(value)
            step, word = next((st, wd) for st, wd in _VI_SHORT if size >= st)
            digits = 0 if size / step >= 100 else decimals
            text = format_number(value / step, digits, "vi")
            if "," in text:  # 1,0 tr reads as 1 tr
                text = text.rstrip("0").rstrip(",")
            text = f"{text} {word}"
        else:
            text = _plain(format_compact_decimal(value, format_type="short",
                                                 locale=_locale(lang), fraction_digits=decimals))
    if currency is None:
        return text
    from babel.numbers import get_currency_symbol

    symbol = _plain(get_currency_symbol(currency, locale=_locale(lang)))
    return f"{text} {symbol}" if lang == "vi" else (
        f"{symbol}{text}" if len(symbol) == 1 else f"{text} {symbol}")


_VI_SHORT = ((10**12, "nghìn tỷ"), (10**9, "tỷ"), (10**6, "tr"), (10**3, "nghìn"))


def format_value(
    value: float | None, kpi: str | KPI, *, lang: str | None = None, currency: str | None = None
) -> str:
    """Format a KPI value by its unit: percent, money, ratio or count."""
    lang = resolve_lang(lang)
    k = get_kpi(kpi)
    if _missing(value):
        return MISSING
    if k.unit == "percent":
        return format_percent(value, 2, lang)
    if k.unit == "currency":
        return format_money(value, currency, lang)
    if k.unit == "ratio":
        return format_number(value, 2, lang) + "x"
    decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    return format_number(value, decimals, lang)


def format_change(value: float | None, lang: str | None = None, decimals: int = 1) -> str:
    """A relative change as ``+11.4%`` (en) or ``+11,4%`` (vi)."""
    lang = resolve_lang(lang)
    if _missing(value):
        return MISSING
    sign = "+" if value >= 0 else "-"
    return sign + format_percent(abs(value), decimals, lang)


def _as_date(value: Any) -> date | None:
    if _missing(value):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp; NaT was caught above
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def format_date(value: Any, lang: str | None = None) -> str:
    """A day as the reader writes it: ``15/01/2025`` (vi), ``Jan 15, 2025`` (en)."""
    d = _as_date(value)
    if d is None:
        return MISSING
    from babel.dates import format_date as _fd

    lang = resolve_lang(lang)
    return _plain(_fd(d, "dd/MM/y" if lang == "vi" else "medium", locale=LOCALES[lang]))


def format_month(value: Any, lang: str | None = None) -> str:
    """A month: ``01/2025`` (vi), ``Jan 2025`` (en)."""
    d = _as_date(value)
    if d is None:
        return MISSING
    from babel.dates import format_skeleton

    lang = resolve_lang(lang)
    if lang == "vi":
        return f"{d.month:02d}/{d.year}"
    return _plain(format_skeleton("yMMM", d, locale=LOCALES[lang]))


def date_tickformat(lang: str | None = None, period: str = "day") -> str:
    """The plotly (d3) tick format of a date axis: ``%d/%m/%Y`` or ``%m/%Y`` in Vietnamese."""
    vi = resolve_lang(lang) == "vi"
    if period == "month":
        return "%m/%Y" if vi else "%b %Y"
    return "%d/%m/%Y" if vi else "%b %-d, %Y"


def _other_reading(text: str, lang: str) -> str:
    """``text`` read in the other language and written in ``lang``: ``1.5`` gives ``1,5``."""
    from babel.numbers import parse_decimal

    for other in LANGS:
        if other == lang:
            continue
        try:
            number = parse_decimal(text, locale=LOCALES[other], strict=True)
        except Exception:  # not a number there either
            continue
        digits = max(0, -number.as_tuple().exponent) if number.is_finite() else 0
        return format_number(float(number), int(digits), lang)
    return ""


def parse_number(text: str | float | int, lang: str | None = None) -> float:
    """Read a number a person typed, with the separators of ``lang``.

    In Vietnamese ``2,5`` is 2.5 and ``1.234.567`` is 1234567; in English ``1,234,567.5``.
    A trailing currency sign (``₫``, ``đ``, ``$``) and spaces are ignored. Text whose
    grouping does not fit the language (``1.5`` in Vietnamese) is refused rather than
    guessed.

    Raises
    ------
    ParameterError
        When the text is not a finite number in ``lang``.
    """
    from .errors import ParameterError

    if isinstance(text, bool):
        raise ParameterError(tr(f"{text!r} is not a number.", f"{text!r} không phải là số."))
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        lang = resolve_lang(lang)
        raw = str(text)
        cleaned = _plain(raw).strip()
        for sign in ("₫", "đ", "VND", "$", "US$"):
            if cleaned.endswith(sign):
                cleaned = cleaned[: -len(sign)].strip()
            if cleaned.startswith(sign):
                cleaned = cleaned[len(sign):].strip()
        cleaned = cleaned.replace("−", "-")
        # people type a space as the thousands separator too; CLDR's grouping sign stays
        group = "." if lang == "vi" else ","
        cleaned = cleaned.replace(" ", group) if cleaned.count(" ") and all(
            len(p) == 3 for p in cleaned.split(" ")[1:]) else cleaned
        example = "1.234.567,5" if lang == "vi" else "1,234,567.5"
        if len(cleaned) > 64 or not cleaned:
            raise ParameterError(tr(
                f"{raw[:40]!r} is not a number. Fix: type a number such as {example}.",
                f"{raw[:40]!r} không phải là số. Cách sửa: nhập một số như {example}."))
        from babel.numbers import NumberFormatError, parse_decimal

        try:
            number = parse_decimal(cleaned, locale=LOCALES[lang], strict=True)
        except (NumberFormatError, InvalidOperation, ValueError) as e:
            hint = _other_reading(cleaned, lang) or (getattr(e, "suggestions", None) or [""])[0]
            raise ParameterError(tr(
                f"{raw!r} cannot be read as a number written in "
                f"{'Vietnamese' if lang == 'vi' else 'English'}"
                f"{f' (did you mean {hint}?)' if hint else ''}. Fix: "
                f"{'points' if lang == 'vi' else 'commas'} group thousands, "
                f"{'a comma' if lang == 'vi' else 'a point'} starts the decimals, "
                f"as in {example}.",
                f"{raw!r} không đọc được thành số theo cách viết "
                f"{'tiếng Việt' if lang == 'vi' else 'tiếng Anh'}"
                f"{f' (có phải ý bạn là {hint}?)' if hint else ''}. Cách sửa: "
                f"{'dấu chấm' if lang == 'vi' else 'dấu phẩy'} ngăn hàng nghìn, "
                f"{'dấu phẩy' if lang == 'vi' else 'dấu chấm'} ngăn phần thập phân, "
                f"như {example}.")) from None
        if not isinstance(number, Decimal) or not number.is_finite():
            raise ParameterError(tr(f"{raw!r} is not a finite number.",
                                    f"{raw!r} không phải là một số hữu hạn."))
        value = float(number)
    if not math.isfinite(value):
        raise ParameterError(tr(f"{text!r} is not a finite number.",
                                f"{text!r} không phải là một số hữu hạn."))
    return value


def parse_value(text: str | float | int, kpi: str | KPI, lang: str | None = None) -> float:
    """Read a KPI value typed as :func:`format_value` shows it, the inverse of it.

    A percent KPI reads ``2,5`` or ``2,5%`` as 0.025 (the field shows percentages);
    a ratio accepts a trailing ``x``; money its currency sign.

    Raises
    ------
    ParameterError
        When the text is not a number in ``lang``.
    """
    k = get_kpi(kpi)
    if isinstance(text, str):
        body = _plain(text).strip()
        if k.unit == "percent" and body.endswith("%"):
            body = body[:-1]
        elif k.unit == "ratio" and body[-1:] in ("x", "×"):
            body = body[:-1]
        value = parse_number(body, lang)
    else:
        value = parse_number(text, lang)
    return value / 100 if k.unit == "percent" else value
