"""Date cells: days in many forms, and the weeks, months and quarters of summary exports.

Day order (``dd/mm/yyyy`` or ``mm/dd/yyyy``) is decided from the column's cells; a guess
is said as a note. Parsers return the values with a :class:`~kpikit.errors.Problem` for
every cell they could not read, and notes for suspicious days.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd

from kpikit.data_in.text_cells import EMPTY, shorten
from kpikit.errors import Note, Problem, ProblemCode
from kpikit.i18n.lang import tr

__all__ = ["MAX_YEAR", "MIN_YEAR", "WARN_BEFORE_YEAR", "parse_date", "parse_dates",
           "parse_periods", "period_bounds"]

_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T].*)?$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.0+)?$")
_TEXT_FORMATS = ("%b %d, %Y", "%a, %b %d, %Y", "%d %b %Y", "%B %d, %Y", "%d %B %Y")
_EXCEL_EPOCH = date(1899, 12, 30)
#: reporting days outside these years are errors (pandas cannot even hold year 0 or 99999)
MIN_YEAR, MAX_YEAR = 1900, 2200
#: earlier days are legal but suspicious: ad platforms did not exist
WARN_BEFORE_YEAR = 1990


def _serial_to_date(n: float) -> date | None:
    if not 1 <= n < 2958466:
        return None
    return date.fromordinal(_EXCEL_EPOCH.toordinal() + int(n))


def _day(d: date) -> str:
    """A day named in a warning, as the reader writes days (ISO in English)."""
    from kpikit.i18n.formats import format_day

    return format_day(d)


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
        v = v.dt.normalize()
        if v.notna().all() and v.dt.year.between(WARN_BEFORE_YEAR, date.today().year).all():
            return v.astype("datetime64[ns]"), [], []
        values = v.astype(object)  # check range and warn through the general path
    warnings: list[str] = []
    items = values.tolist()
    if dayfirst is None:
        dayfirst, note = _decide_dayfirst(items)
        if note:
            warnings.append(Note(tr("column {column!r}: {note}", column=column, note=note),
                                 ProblemCode.DATE_ORDER_GUESSED))
    out: list[object] = []
    problems: list[Problem] = []
    early = late = None
    horizon = date.today().toordinal() + 366
    for i, v in enumerate(items):
        try:
            d = parse_date(v, dayfirst)
        except (ValueError, OverflowError):
            d = None
        empty = v is None or (isinstance(v, str) and v.strip().lower() in EMPTY) or (
            isinstance(v, float) and np.isnan(v))
        if d is not None and not MIN_YEAR <= d.year <= MAX_YEAR:
            problems.append(Problem(
                tr("the date {v1!r} is out of range (years {MIN_YEAR} to {MAX_YEAR}).", v1=str(v),
                   MIN_YEAR=MIN_YEAR, MAX_YEAR=MAX_YEAR),
                tr("fix the cell: it is not a real reporting day."), file, rows[i], column,
                code=ProblemCode.DATE_OUT_OF_RANGE))
            d = None
        elif d is None and not empty:
            shown = shorten(v)
            problems.append(Problem(tr("cannot read {shown!r} as a date.", shown=shown),
                                    tr("use yyyy-mm-dd or dd/mm/yyyy, a real day between "
                                       "{MIN_YEAR} and {MAX_YEAR}.", MIN_YEAR=MIN_YEAR,
                                       MAX_YEAR=MAX_YEAR),
                                    file, rows[i], column, code=ProblemCode.DATE_UNREADABLE))
        elif d is not None:
            if d.year < WARN_BEFORE_YEAR and early is None:
                early = (rows[i], d)
            if d.toordinal() > horizon and late is None:
                late = (rows[i], d)
        elif empty and required:
            problems.append(Problem(tr("the date is empty."),
                                    tr("fill it in or delete the row."), file, rows[i], column,
                                    code=ProblemCode.DATE_EMPTY))
        out.append(d)
    if early is not None:
        row, day = early[0], _day(early[1])
        warnings.append(Note(tr("column {column!r}: dates before {WARN_BEFORE_YEAR} (first: {day} "
                                "on row {row}); check that the column really holds reporting days.",
                                column=column, WARN_BEFORE_YEAR=WARN_BEFORE_YEAR, day=day,
                                row=row), ProblemCode.DATE_SUSPICIOUS))
    if late is not None:
        row, day = late[0], _day(late[1])
        warnings.append(Note(tr("column {column!r}: dates more than a year in the future (first: "
                                "{day} on row {row}); check the year.", column=column, day=day,
                                row=row),
            ProblemCode.DATE_SUSPICIOUS))
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
    return True, tr("dates such as {example!r} were read as dd/mm/yyyy (no day above 12 decides "
                    "it); pass dayfirst=False if they are mm/dd/yyyy.", example=example)


def parse_date(v: object, dayfirst: bool) -> date | None:
    """One cell as a date, or None; ``dayfirst`` reads 01/02/2025 as 1 February."""
    if v is None or v is pd.NaT:
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
            return parse_date(str(int(v)), dayfirst)
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


# ---------------------------------------------------------------- periods

_MONTHS = {m: i for i, m in enumerate(
    ("january february march april may june july august september october november "
     "december").split(), start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_TEXT_RE = re.compile(r"^([a-z]+)\.?,?\s+(\d{4})$")
_MONTH_VI_RE = re.compile(r"^(?:tháng|th|t)\s*(\d{1,2})\s*(?:năm|[/,\s-])\s*(\d{4})$")
_MONTH_NUM_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})$|^(\d{1,2})[-/.](\d{4})$")
_QUARTER_RE = re.compile(
    r"^(?:q|quý|quy)\s*([1-4]|i{1,3}|iv)\s*(?:năm|[/,\s-])\s*(\d{4})$"
    r"|^(\d{4})\s*[-/,\s]\s*(?:q|quý|quy)\s*([1-4]|i{1,3}|iv)$")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _month_start(t: str) -> date | None:
    t = " ".join(t.casefold().split())
    if m := _MONTH_TEXT_RE.match(t):
        month = _MONTHS.get(m.group(1))
        return date(int(m.group(2)), month, 1) if month else None
    if m := _MONTH_VI_RE.match(t):
        return date(int(m.group(2)), int(m.group(1)), 1)
    if m := _MONTH_NUM_RE.match(t):
        y, mo = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return date(int(y), int(mo), 1)
    return None


def _quarter_start(t: str) -> date | None:
    t = " ".join(t.casefold().split())
    if m := _QUARTER_RE.match(t):
        q, y = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        n = int(q) if q.isdigit() else _ROMAN[q]
        return date(int(y), 3 * n - 2, 1)
    return None


def period_bounds(v: object, kind: str, dayfirst: bool = True) -> tuple[date, date] | None:
    """First and last day of the ``kind`` period (week, month, quarter) named by ``v``.

    A week is named by its first day (``2027-01-04``, ``Jan 4, 2027``); a month by
    ``January 2027``, ``2027-01``, ``Tháng 1 năm 2027`` or its first day; a quarter by
    ``Q1 2027``, ``Quý 1/2027`` or its first day. ``None`` when ``v`` names no such period.
    """
    start: date | None = None
    text = v.strip() if isinstance(v, str) else None
    try:
        if kind == "month" and text:
            start = _month_start(text)
        elif kind == "quarter" and text:
            start = _quarter_start(text)
        if start is None:
            d = parse_date(v, dayfirst)
            if d is None:
                return None
            if kind == "week":
                return d, date.fromordinal(d.toordinal() + 6)
            # a day inside the period names it (Google Ads writes the first day)
            start = date(d.year, d.month, 1) if kind == "month" else date(
                d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    except (ValueError, OverflowError):
        return None
    months = 1 if kind == "month" else 3
    nxt = date(start.year + (start.month + months - 1) // 12,
               (start.month + months - 1) % 12 + 1, 1)
    return start, date.fromordinal(nxt.toordinal() - 1)


def parse_periods(
    values: pd.Series, *, kind: str, column: str, rows: Sequence[int], file: str | None,
    dayfirst: bool | None,
) -> tuple[pd.Series, pd.Series, list[Problem], list[str]]:
    """Parse a Week/Month/Quarter column into ``(date, date_end, problems, warnings)``."""
    items = values.tolist()
    warnings: list[str] = []
    if dayfirst is None:
        dayfirst, note = _decide_dayfirst(items)
        if note and kind == "week":
            # weeks all start on the same weekday: only one reading may show that
            same = [len({b[0].weekday() for v in items
                         if (b := period_bounds(v, kind, first)) is not None}) == 1
                    for first in (True, False)]
            if same[0] != same[1]:
                dayfirst, note = same[0], None
        if note:
            warnings.append(Note(tr("column {column!r}: {note}", column=column, note=note),
                                 ProblemCode.DATE_ORDER_GUESSED))
    starts: list[object] = []
    ends: list[object] = []
    problems: list[Problem] = []
    examples = {"week": "2027-01-04, Jan 4, 2027", "month": "2027-01, January 2027, "
                "Tháng 1 năm 2027", "quarter": "Q1 2027, Quý 1/2027, 2027-01-01"}[kind]
    for i, v in enumerate(items):
        b = period_bounds(v, kind, dayfirst)
        if b is not None and not (MIN_YEAR <= b[0].year and b[1].year <= MAX_YEAR):
            b = None
        if b is None:
            shown = shorten(v)
            what = {"week": tr("week"), "month": tr("month"),
                    "quarter": tr("quarter")}[kind]
            problems.append(Problem(
                tr("cannot read {shown!r} as a {what}.", shown=shown, what=what),
                tr("write it like {examples}.", examples=examples),
                file, rows[i], column, code=ProblemCode.DATE_UNREADABLE))
            starts.append(None)
            ends.append(None)
        else:
            starts.append(b[0])
            ends.append(b[1])
    s = pd.to_datetime(pd.Series(starts, index=values.index, dtype="object"))
    e = pd.to_datetime(pd.Series(ends, index=values.index, dtype="object"))
    return s.astype("datetime64[ns]"), e.astype("datetime64[ns]"), problems, warnings
