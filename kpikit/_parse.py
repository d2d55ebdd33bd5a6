"""Cell parsers for exports: numbers in either convention, dates in many forms.

Both work on one column at a time and return the parsed values together with
:class:`~kpikit.errors.Problem` objects for every cell they could not read, so
that a file's problems can be reported all at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from ._lang import tr
from .errors import Problem

EMPTY = frozenset({"", "--", "-", "—", "–", "n/a", "na", "nan", "none", "null", "(not set)"})

_CURRENCY_RE = re.compile(r"(vnđ|vnd|usd|eur|thb|idr|sgd|₫|đ|\$|€|£|¥|฿)", re.IGNORECASE)
_CURRENCY_CODES = {
    "vnđ": "VND", "vnd": "VND", "₫": "VND", "đ": "VND", "usd": "USD", "$": "USD",
    "eur": "EUR", "€": "EUR", "£": "GBP", "¥": "JPY", "thb": "THB", "฿": "THB",
    "idr": "IDR", "sgd": "SGD",
}
_SPACES_RE = re.compile(r"[\s\u00a0\u202f'’]")
_NUM_RE = re.compile(r"^\d+(?:[.,]\d+)*$")


@dataclass
class NumberScan:
    """What the cells of one column say about the decimal separator."""

    dot_votes: list[str] = field(default_factory=list)  # examples saying '.' is decimal
    comma_votes: list[str] = field(default_factory=list)  # examples saying ',' is decimal
    ambiguous: list[str] = field(default_factory=list)  # like '1.234' or '1,234'
    currencies: set[str] = field(default_factory=set)


def _clean(text: str) -> tuple[str, float, bool, str | None]:
    """Strip currency, spaces, sign and percent; return (digits, factor, negative, currency)."""
    cur = None
    m = _CURRENCY_RE.search(text)
    if m:
        cur = _CURRENCY_CODES[m.group(1).lower()]
        text = _CURRENCY_RE.sub("", text)
    text = _SPACES_RE.sub("", text)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-") or text.startswith("−"):
        negative, text = True, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    factor = 1.0
    if text.endswith("%"):
        factor, text = 0.01, text[:-1]
    return text, factor, negative, cur


def _classify(digits: str) -> str:
    """Return 'dot', 'comma', 'int', 'ambiguous' or 'bad' for a cleaned cell."""
    if not _NUM_RE.match(digits):
        return "bad"
    dots, commas = digits.count("."), digits.count(",")
    if not dots and not commas:
        return "int"
    if dots and commas:
        last = "." if digits.rfind(".") > digits.rfind(",") else ","
        thousands = "," if last == "." else "."
        if digits.count(last) != 1 or not _grouped(digits.rsplit(last, 1)[0], thousands):
            return "bad"
        return "dot" if last == "." else "comma"
    sep = "." if dots else ","
    if digits.count(sep) > 1:
        # repeated separator: thousands grouping, so the other one is decimal
        return ("comma" if sep == "." else "dot") if _grouped(digits, sep) else "bad"
    head, tail = digits.split(sep)
    if len(tail) == 3 and 1 <= len(head) <= 3 and head != "0":
        return "ambiguous"
    return "dot" if sep == "." else "comma"


def _grouped(text: str, sep: str) -> bool:
    parts = text.split(sep)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def scan_numbers(values: Sequence[object]) -> NumberScan:
    """Collect decimal-separator evidence from the text cells of a column."""
    scan = NumberScan()
    for v in values:
        if not isinstance(v, str):
            continue
        t = v.strip()
        if t.lower() in EMPTY:
            continue
        digits, _, _, cur = _clean(t)
        if cur:
            scan.currencies.add(cur)
        kind = _classify(digits)
        if kind == "dot" and len(scan.dot_votes) < 3:
            scan.dot_votes.append(t)
        elif kind == "comma" and len(scan.comma_votes) < 3:
            scan.comma_votes.append(t)
        elif kind == "ambiguous" and len(scan.ambiguous) < 3:
            scan.ambiguous.append(t)
    return scan


def decide_decimal(scan: NumberScan, file_hint: str | None) -> tuple[str | None, str | None]:
    """Choose the decimal separator of a column.

    Returns ``(decimal, reason_if_undecided)``. The column's own evidence wins,
    then the evidence of the rest of the file (``file_hint``).
    """
    if scan.dot_votes and scan.comma_votes:
        dot, comma = scan.dot_votes[0], scan.comma_votes[0]
        return None, tr(
            f"mixes number formats: {dot!r} uses '.' as decimal point but {comma!r} uses ','",
            f"trộn hai kiểu số: {dot!r} dùng '.' làm dấu thập phân nhưng {comma!r} dùng ','")
    if scan.dot_votes:
        return ".", None
    if scan.comma_votes:
        return ",", None
    if scan.ambiguous:
        if file_hint:
            return file_hint, None
        cell = scan.ambiguous[0]
        whole, fraction = cell.replace(",", "").replace(".", ""), cell.replace(",", ".")
        return None, tr(
            f"cannot tell whether {cell!r} means {whole} or {fraction} (thousands separator "
            "or decimal point, and no other cell in the file decides it)",
            f"không biết {cell!r} là {whole} hay {fraction} (dấu phân cách hàng nghìn hay "
            "dấu thập phân, và không ô nào khác trong tệp cho biết)")
    return ".", None


def parse_numbers(
    values: pd.Series,
    *,
    column: str,
    rows: Sequence[int],
    file: str | None,
    decimal: str | None,
) -> tuple[pd.Series, list[Problem]]:
    """Parse one column of numbers; return float values and problems.

    ``decimal`` is the separator chosen by :func:`decide_decimal` (``'.'`` or
    ``','``); ``None`` means it could not be decided, which makes every
    ambiguous cell a problem.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        return values.astype("float64"), []
    out = np.full(len(values), np.nan)
    problems: list[Problem] = []
    cache: dict[object, float | None] = {}
    thousands = "," if decimal == "." else "."
    for i, v in enumerate(values.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        if v in cache:
            r = cache[v]
        else:
            r = _parse_one(str(v), decimal, thousands)
            cache[v] = r
        if r is None:
            problems.append(
                Problem(
                    tr(f"cannot read {str(v)!r} as a number.",
                       f"không đọc được {str(v)!r} thành số."),
                    tr("write plain numbers such as 1234.5, 1,234.5 or 1.234,5 "
                       "(or leave the cell empty).",
                       "ghi số thường như 1234.5, 1,234.5 hoặc 1.234,5 (hoặc để trống ô)."),
                    file, rows[i], column,
                )
            )
        elif r == r:  # not NaN
            out[i] = r
    return pd.Series(out, index=values.index, dtype="float64"), problems


def _parse_one(text: str, decimal: str | None, thousands: str) -> float | None:
    t = text.strip()
    if t.lower() in EMPTY:
        return float("nan")
    digits, factor, negative, _ = _clean(t)
    kind = _classify(digits)
    if kind == "bad":
        return None
    if kind == "ambiguous" and decimal is None:
        return None
    if kind == "dot" or (kind == "ambiguous" and decimal == "."):
        num = digits.replace(",", "")
    elif kind == "comma" or (kind == "ambiguous" and decimal == ","):
        num = digits.replace(".", "").replace(",", ".")
    else:
        num = digits.replace(thousands, "")
    value = float(num) * factor
    return -value if negative else value


# ---------------------------------------------------------------- dates

_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T].*)?$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.0+)?$")
_TEXT_FORMATS = ("%b %d, %Y", "%a, %b %d, %Y", "%d %b %Y", "%B %d, %Y", "%d %B %Y")
_EXCEL_EPOCH = date(1899, 12, 30)


def _serial_to_date(n: float) -> date | None:
    if not 1 <= n < 2958466:
        return None
    return date.fromordinal(_EXCEL_EPOCH.toordinal() + int(n))


def parse_dates(
    values: pd.Series,
    *,
    column: str,
    rows: Sequence[int],
    file: str | None,
    dayfirst: bool | None,
    required: bool = True,
) -> tuple[pd.Series, list[Problem], list[str]]:
    """Parse a date column; return ``(datetime64 day values, problems, warnings)``.

    Accepts ``yyyy-mm-dd``, ``dd/mm/yyyy`` (or ``mm/dd/yyyy`` when the column
    shows it), ``yyyymmdd``, Excel serial numbers, datetime objects and a few
    English text forms (``Jan 5, 2026``).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        v = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        return v.dt.normalize().astype("datetime64[ns]"), [], []
    warnings: list[str] = []
    items = values.tolist()
    if dayfirst is None:
        dayfirst, note = _decide_dayfirst(items)
        if note:
            warnings.append(tr(f"column {column!r}: {note}", f"cột {column!r}: {note}"))
    out: list[object] = []
    problems: list[Problem] = []
    for i, v in enumerate(items):
        d = _parse_date(v, dayfirst)
        empty = v is None or (isinstance(v, str) and v.strip().lower() in EMPTY) or (
            isinstance(v, float) and np.isnan(v))
        if d is None and not empty:
            problems.append(Problem(tr(f"cannot read {str(v)!r} as a date.",
                                       f"không đọc được {str(v)!r} thành ngày."),
                                    tr("use yyyy-mm-dd or dd/mm/yyyy.",
                                       "dùng yyyy-mm-dd hoặc dd/mm/yyyy."),
                                    file, rows[i], column))
        elif empty and required:
            problems.append(Problem(tr("the date is empty.", "ngày bị trống."),
                                    tr("fill it in or delete the row.",
                                       "điền vào hoặc xóa dòng."), file, rows[i], column))
        out.append(d)
    parsed = pd.to_datetime(pd.Series(out, index=values.index, dtype="object"))
    return parsed.astype("datetime64[ns]"), problems, warnings


def _decide_dayfirst(items: list[object]) -> tuple[bool, str | None]:
    day_evidence = month_evidence = False
    example = None
    for v in items:
        if isinstance(v, str):
            m = _DMY_RE.match(v.strip())
            if m:
                a, b = int(m.group(1)), int(m.group(2))
                example = example or v.strip()
                day_evidence |= a > 12
                month_evidence |= b > 12
    if day_evidence and not month_evidence:
        return True, None
    if month_evidence and not day_evidence:
        return False, None
    if example is None:
        return True, None
    return True, tr(
        f"dates such as {example!r} were read as dd/mm/yyyy (no day above 12 decides "
        "it); pass dayfirst=False if they are mm/dd/yyyy.",
        f"ngày như {example!r} được đọc là dd/mm/yyyy (không có ngày nào trên 12 để "
        "quyết định); truyền dayfirst=False nếu chúng là mm/dd/yyyy.")


def _parse_date(v: object, dayfirst: bool) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.date()
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        if v != v:
            return None
        if 19000101 <= v <= 21001231 and float(v).is_integer():
            return _parse_date(str(int(v)), dayfirst)
        return _serial_to_date(float(v)) if 20000 <= v < 80000 else None
    t = str(v).strip()
    try:
        if m := _ISO_RE.match(t):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _COMPACT_RE.match(t):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DMY_RE.match(t):
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            return date(y, b, a) if dayfirst else date(y, a, b)
        if _SERIAL_RE.match(t):
            return _serial_to_date(float(t))
    except ValueError:
        return None
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return None
