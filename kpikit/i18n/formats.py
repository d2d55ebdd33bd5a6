"""Showing and reading numbers, money, percentages and dates the way a reader expects.

Formats come from CLDR through Babel, for the locale of each language in
:data:`kpikit.i18n.lang.LOCALES`: Vietnamese ``1.234.567 ₫``, ``2,5%``, ``15/01/2025``;
English ``₫1,234,567``, ``2.5%``, ``Jan 15, 2025``. Every ``lang`` defaults to the
current language (:func:`kpikit.set_language`). Babel is imported inside the functions
so that ``import kpikit`` stays light.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from kpikit.catalog import KPI, get_kpi
from kpikit.i18n.lang import LANGS, LOCALES, _checked, resolve_lang, tr

__all__ = [
    "LANGS", "check_lang", "date_tickformat", "format_change", "format_compact",
    "format_date", "format_day", "format_moment", "format_money", "format_month",
    "format_number", "format_percent",
    "format_value", "language_name", "number_signs", "parse_number", "parse_value",
]

MISSING = "–"
# currencies whose amounts a plan keeps whole (plan.py rounds computed targets by it)
_NO_DECIMALS = {"VND", "JPY", "IDR", "KRW"}
# Babel puts a no-break space between a number and ``₫``; kpikit's text goes to CSV,
# terminals and messages where a plain space reads (and is searched) the same. A no-break
# space between two digits is a locale's thousands sign (French ``1 234 567``): it stays,
# or the number would read as three.
_NBSP = re.compile(r"(?<!\d)[\xa0\u202f]|[\xa0\u202f](?!\d)")
#: CLDR's medium date is ``15 thg 1, 2025`` in Vietnamese; people write ``15/01/2025``
_DATE_PATTERNS = {"vi": "dd/MM/y"}


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
    return _NBSP.sub(" ", text)


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


@lru_cache(maxsize=64)
def _percent_pattern(decimals: int, locale: str) -> str:
    """The locale's CLDR percent pattern with ``decimals`` places: ``#,##0.0%`` in English
    and Vietnamese, ``#,##0.0 %`` in French."""
    from babel import Locale

    pattern = Locale.parse(locale).percent_formats[None].pattern.split(";")[0]
    digits = "0." + "0" * decimals if decimals > 0 else "0"
    head, zero, tail = pattern.rpartition("0")
    return head + digits + tail if zero else _pattern(decimals) + "%"


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
    return _apply(value, _percent_pattern(decimals, _locale(lang)), lang)


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
    return f"{text} {symbol}" if _symbol_after(lang) else (
        f"{symbol}{text}" if len(symbol) == 1 else f"{text} {symbol}")


@lru_cache(maxsize=32)
def _symbol_after(lang: str) -> bool:
    """True when ``lang``'s CLDR money pattern puts the currency after the number."""
    locale = _compiled("#", _locale(lang))[1]
    return locale.currency_formats["standard"].pattern.split(";")[0].rstrip().endswith("¤")


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
    return _plain(_fd(d, _DATE_PATTERNS.get(lang, "medium"), locale=LOCALES[lang]))


def format_day(value: Any, lang: str | None = None) -> str:
    """A day in running text, warnings and terminal tables: ISO in English (``2027-03-31``:
    it sorts and reads the same everywhere), else as :func:`format_date` writes it from
    CLDR (``31/03/2027`` in Vietnamese, ``31 mars 2027`` in French)."""
    lang = resolve_lang(lang)
    if lang != "en":
        return format_date(value, lang)
    d = _as_date(value)
    return MISSING if d is None else d.isoformat()


def format_moment(value: datetime, lang: str | None = None) -> str:
    """A moment to the minute: its day as :func:`format_day`, then the clock as it reads on
    the moment's own clock (``2026-11-30 16:30``, ``30/11/2026 16:30``); outside English the
    clock is CLDR's short time of the language."""
    lang = resolve_lang(lang)
    if lang == "en":
        clock = value.strftime("%H:%M")
    else:
        from babel.dates import format_time

        # a naive time: Babel would otherwise move an aware moment to UTC
        clock = _plain(format_time(value.time(), "short", locale=LOCALES[lang]))
    return f"{format_day(value, lang)} {clock}"


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
    """The plotly (d3) tick format of a date axis: ``%d/%m/%Y`` or ``%m/%Y`` in Vietnamese.

    plotly names months in English only, so every other language gets numbers."""
    numeric = resolve_lang(lang) != "en"
    if period == "month":
        return "%m/%Y" if numeric else "%b %Y"
    return "%d/%m/%Y" if numeric else "%b %-d, %Y"


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
    from kpikit.errors import ParameterError

    if isinstance(text, bool):
        raise ParameterError(tr("{text!r} is not a number.", text=text))
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
        decimal_sign, group = _signs(lang)
        cleaned = cleaned.replace(" ", group) if cleaned.count(" ") and all(
            len(p) == 3 for p in cleaned.split(" ")[1:]) else cleaned
        example = format_number(1234567.5, 1, lang)
        if len(cleaned) > 64 or not cleaned:
            raise ParameterError(tr("{raw!r} is not a number. Fix: type a number such as "
                                    "{example}.", raw=raw[:40], example=example))
        from babel.numbers import NumberFormatError, parse_decimal

        try:
            number = parse_decimal(cleaned, locale=LOCALES[lang], strict=True)
        except (NumberFormatError, InvalidOperation, ValueError) as e:
            hint = _other_reading(cleaned, lang) or (getattr(e, "suggestions", None) or [""])[0]
            # every word is made once in the reader's language, then used by both texts
            written = _language_name(lang)
            did_you_mean = tr(" (did you mean {hint}?)", hint=hint) if hint else ""
            groups, starts = _sign_name(group, plural=True), _sign_name(decimal_sign)
            raise ParameterError(tr("{raw!r} cannot be read as a number written in "
                                    "{written}{did_you_mean}. Fix: {groups} group thousands, "
                                    "{starts} starts the decimals, as in {example}.", raw=raw,
                                    written=written, did_you_mean=did_you_mean, groups=groups,
                                    starts=starts, example=example)) from None
        if not isinstance(number, Decimal) or not number.is_finite():
            raise ParameterError(tr("{raw!r} is not a finite number.", raw=raw))
        value = float(number)
    if not math.isfinite(value):
        raise ParameterError(tr("{text!r} is not a finite number.", text=text))
    return value


@lru_cache(maxsize=32)
def _signs(lang: str) -> tuple[str, str]:
    """The decimal and thousands signs of ``lang``, from CLDR (a no-break space as " ")."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = LOCALES[lang]
    group = get_group_symbol(locale)
    return get_decimal_symbol(locale), " " if group in ("\xa0", "\u202f") else group


def number_signs(lang: str | None = None) -> tuple[str, str]:
    """The decimal and thousands signs of ``lang`` (default: current) from CLDR: ``(".",
    ",")`` in English, ``(",", ".")`` in Vietnamese, ``(",", " ")`` in French."""
    return _signs(resolve_lang(lang))


def _sign_name(sign: str, plural: bool = False) -> str:
    """A separator sign named in the current language: ``points``/``a point``, ``dấu chấm``."""
    if sign == ".":
        return tr("points") if plural else tr("a point")
    if sign == ",":
        return tr("commas") if plural else tr("a comma")
    if sign.isspace():
        return tr("spaces") if plural else tr("a space")
    return repr(sign)


def _language_name(lang: str) -> str:
    """How the current language names ``lang``'s way of writing (``English``, ``tiếng Việt``)."""
    if lang == "en":
        return tr("English")
    if lang == "vi":
        return tr("Vietnamese")
    from babel import Locale

    try:  # a third language: its name from CLDR, in the reader's language
        return Locale.parse(LOCALES[lang]).get_language_name(LOCALES[resolve_lang(None)])
    except Exception:  # a locale CLDR does not know: its code
        return lang


def language_name(lang: str) -> str:
    """How the current language names ``lang`` (``English``, ``tiếng Việt``; another
    language by CLDR)."""
    return _language_name(lang)


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
