"""Number cells: amounts and counts in either convention (``1,234.5`` or ``1.234,5``).

The decimal separator of a column is decided from its own cells, then from the rest of
the file; a cell that stays ambiguous (``1.234``) is a problem, never a guess. Parsers
return the values together with a :class:`~kpikit.errors.Problem` for every cell they
could not read, so that a file's problems are reported all at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpikit.data_in.text_cells import EMPTY, shorten
from kpikit.errors import Problem, ProblemCode
from kpikit.i18n.lang import tr

__all__ = ["MAX_DIGITS", "NumberScan", "decide_decimal", "parse_numbers", "parse_one",
           "scan_numbers"]

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
    #: first cell (position, text) showing each currency sign
    currency_cells: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: separator ('.' or ',') of the ambiguous cells -> the first such cell
    ambiguous_seps: dict[str, str] = field(default_factory=dict)


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
    seen: set[str] = set()
    for i, v in enumerate(values):
        if not isinstance(v, str) or v in seen:
            continue  # a repeated cell says nothing new
        seen.add(v)
        t = v.strip()
        if t.lower() in EMPTY:
            continue
        digits, _, _, cur = _clean(t)
        if cur:
            scan.currencies.add(cur)
            scan.currency_cells.setdefault(cur, (i, t))
        kind = _classify(digits)
        if kind == "ambiguous":
            scan.ambiguous_seps.setdefault("." if "." in digits else ",", t)
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
    if len(scan.ambiguous_seps) > 1:
        dot, comma = scan.ambiguous_seps["."], scan.ambiguous_seps[","]
        return None, tr("mixes number formats: {dot!r} and {comma!r} in one column use opposite "
                        "separators, so one of them would be misread by a factor of 1,000", dot=dot,
                        comma=comma)
    if scan.dot_votes and scan.comma_votes:
        dot, comma = scan.dot_votes[0], scan.comma_votes[0]
        return None, tr("mixes number formats: {dot!r} uses '.' as decimal point but {comma!r} "
                        "uses ','", dot=dot, comma=comma)
    if scan.dot_votes:
        return ".", None
    if scan.comma_votes:
        return ",", None
    if scan.ambiguous:
        if file_hint:
            return file_hint, None
        cell = scan.ambiguous[0]
        whole, fraction = cell.replace(",", "").replace(".", ""), cell.replace(",", ".")
        return None, tr("cannot tell whether {cell!r} means {whole} or {fraction} (thousands "
                        "separator or decimal point, and no other cell in the file decides it)",
                        cell=cell, whole=whole, fraction=fraction)
    return ".", None


#: more integer digits than this cannot be a real count or amount (and lose precision)
MAX_DIGITS = 15


def parse_numbers(
    values: pd.Series,
    *,
    column: str,
    rows: Sequence[int],
    file: str | None,
    decimal: str | None,
    allow_percent: bool = True,
) -> tuple[pd.Series, list[Problem]]:
    """Parse one column of numbers; return float values and problems.

    ``decimal`` is the separator chosen by :func:`decide_decimal` (``'.'`` or
    ``','``); ``None`` means it could not be decided, which makes every
    ambiguous cell a problem. ``allow_percent=False`` refuses ``12%`` (a count
    or an amount is never a percentage). Infinite values and numbers of more
    than ``MAX_DIGITS`` integer digits are problems, never read.
    """
    problems: list[Problem] = []
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        out_num = values.astype("float64")
        for i in np.flatnonzero(~np.isfinite(out_num.to_numpy()) & out_num.notna().to_numpy()):
            problems.append(_overflow(out_num.iloc[i], file, rows[i], column))
        return out_num.where(np.isfinite(out_num)), problems
    out = np.full(len(values), np.nan)
    cache: dict[object, float | str | None] = {}
    thousands = "," if decimal == "." else "."
    for i, v in enumerate(values.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            f = float(v)
            if not np.isfinite(f) or abs(f) >= 10.0 ** MAX_DIGITS:
                problems.append(_overflow(v, file, rows[i], column))
            else:
                out[i] = f
            continue
        key = str(v)
        if key in cache:
            r = cache[key]
        else:
            r = parse_one(key, decimal, thousands, allow_percent)
            cache[key] = r
        if r == "percent":
            problems.append(Problem(
                tr("{v1!r} is a percentage, but column {column!r} holds counts or amounts.",
                   v1=key.strip(), column=column),
                tr("export the underlying number (not a rate), or check that the column headers "
                   "line up with the values."),
                file, rows[i], column, code=ProblemCode.NUMBER_PERCENT_IN_MEASURE))
        elif r == "overflow":
            problems.append(_overflow(key.strip(), file, rows[i], column))
        elif r is None:
            problems.append(
                Problem(
                    tr("cannot read {key!r} as a number.", key=key),
                    tr("write plain numbers such as 1234.5, 1,234.5 or 1.234,5 (or leave the cell "
                       "empty)."),
                    file, rows[i], column, code=ProblemCode.NUMBER_UNREADABLE,
                )
            )
        elif isinstance(r, float) and r == r:  # not NaN
            out[i] = r
    return pd.Series(out, index=values.index, dtype="float64"), problems


def _overflow(v: object, file: str | None, row: int, column: str) -> Problem:
    shown = shorten(v)
    return Problem(
        tr("{shown!r} is not a usable number (infinite, or more than {MAX_DIGITS} digits).",
           shown=shown, MAX_DIGITS=MAX_DIGITS),
        tr("check the cell: the export or a formula produced an impossible value."),
        file, row, column, code=ProblemCode.NUMBER_NOT_FINITE)


def parse_one(text: str, decimal: str | None, thousands: str,
               allow_percent: bool = True) -> float | str | None:
    """A float, NaN for an empty cell, None if unreadable, or 'percent' / 'overflow'."""
    t = text.strip()
    if t.lower() in EMPTY:
        return float("nan")
    digits, factor, negative, _ = _clean(t)
    kind = _classify(digits)
    if kind == "bad":
        return None
    if factor != 1.0 and not allow_percent:
        return "percent"
    if kind == "ambiguous" and decimal is None:
        return None
    if kind == "dot" or (kind == "ambiguous" and decimal == "."):
        num = digits.replace(",", "")
    elif kind == "comma" or (kind == "ambiguous" and decimal == ","):
        num = digits.replace(".", "").replace(",", ".")
    else:
        num = digits.replace(thousands, "")
    if len(num.split(".")[0].lstrip("0")) > MAX_DIGITS:
        return "overflow"
    value = float(num) * factor
    return -value if negative else value
