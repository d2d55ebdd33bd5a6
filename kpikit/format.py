"""Showing numbers the way a reader expects, in Vietnamese or English.

Vietnamese uses ``.`` for thousands and ``,`` for decimals (``1.234.567 ₫``,
``4,5%``); English the reverse (``₫1,234,567``, ``4.5%``).
"""

from __future__ import annotations

import math

from ._lang import LANGS, _checked, nfmt
from .catalog import KPI, get_kpi

__all__ = ["LANGS", "check_lang", "format_change", "format_number", "format_value"]

_SYMBOLS = {"VND": "₫", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "THB": "฿"}
_NO_DECIMALS = {"VND", "JPY", "IDR", "KRW"}
MISSING = "–"


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`ParameterError`."""
    return _checked(lang)


def format_number(value: float | None, decimals: int = 0, lang: str = "en") -> str:
    """Format a number with the thousands and decimal separators of ``lang``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return nfmt(value, f",.{decimals}f", lang)


def format_money(value: float | None, currency: str | None, lang: str = "en") -> str:
    """Format an amount: ``1.234.567 ₫`` (vi) or ``₫1,234,567`` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    decimals = 0 if currency in _NO_DECIMALS or currency is None and abs(value) >= 1000 else 2
    number = format_number(abs(value), decimals, lang)
    sign = "-" if value < 0 else ""
    if currency is None:
        return sign + number
    symbol = _SYMBOLS.get(currency)
    if lang == "vi":
        return f"{sign}{number} {symbol or currency}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def format_value(
    value: float | None, kpi: str | KPI, *, lang: str = "en", currency: str | None = None
) -> str:
    """Format a KPI value by its unit: percent, money, ratio or count."""
    k = get_kpi(kpi)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if k.unit == "percent":
        return format_number(value * 100, 2, lang) + "%"
    if k.unit == "currency":
        return format_money(value, currency, lang)
    if k.unit == "ratio":
        return format_number(value, 2, lang) + "x"
    decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    return format_number(value, decimals, lang)


def format_change(value: float | None, lang: str = "en", decimals: int = 1) -> str:
    """A relative change as ``+11.4%`` (en) or ``+11,4%`` (vi)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    sign = "+" if value >= 0 else "-"
    return sign + format_number(abs(value) * 100, decimals, lang) + "%"
