"""From rows of cells to raw tables: find the header row among titles and notes, cut
the table from what follows it, and pick a workbook's sheets. Also the entry that reads
any source (path or DataFrame) into raw tables.
"""

from __future__ import annotations

import io as _io
import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpikit.catalog import MEASURES
from kpikit.data_in.readers import read_excel, read_text
from kpikit.data_in.sources import PERIOD_HEADERS, PLATFORMS, normalize_header, split_currency
from kpikit.errors import DataError, Note, ParameterError, Problem, ProblemCode
from kpikit.files import read_limited
from kpikit.i18n.lang import tr

__all__ = ["RawTable", "read_tables"]

_SUPPORTED = ".csv .tsv .txt .xlsx .xlsm .parquet .pq"


@dataclass
class RawTable:
    """A file read into text cells, before any meaning is given to them."""

    headers: list[str]
    frame: pd.DataFrame  # columns are positions 0..n-1
    rows: list[int]  # line number in the file of each frame row
    source: str
    comments: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # found while reading


def _header_score(cells: Sequence[object], known: set[str]) -> int:
    n = 0
    for c in cells:
        if isinstance(c, str) and c.strip():
            h, _ = split_currency(normalize_header(c))
            n += h in known
    return n


def _known_headers(mapping: Mapping[str, str] | None) -> set[str]:
    known: set[str] = set(PERIOD_HEADERS)
    for p in PLATFORMS.values():
        known |= set(p.lookup())
    if mapping:
        known |= {split_currency(normalize_header(k))[0] for k in mapping}
    return known


def _is_comment(rec: Sequence[object]) -> bool:
    return bool(rec) and isinstance(rec[0], str) and rec[0].lstrip().startswith("#")


def _is_note(rec: Sequence[object]) -> bool:
    """A '#' line of one cell: how GA4 opens a further block; '#tag,...' rows are data."""
    return _is_comment(rec) and sum(bool(str(c).strip()) for c in rec) == 1


def _blank(rec: Sequence[object]) -> bool:
    return not any(str(c).strip() for c in rec)


def _to_raw(
    rows: list[list[object]], numbers: list[int], source: str,
    mapping: Mapping[str, str] | None,
) -> RawTable | None:
    """The table under the best header row of the first 40 (None when no row names a known
    column): '#' notes above it, blank lines and further GA4 blocks after it set aside."""
    known = _known_headers(mapping)
    best_i, best = -1, 1
    for i, rec in enumerate(rows[:40]):
        # a '#' line is scored too: '#,Day,Campaign,...' (a row-number column) is a header,
        # while GA4's '# Start date: ...' lines name no column
        s = _header_score(rec, known)
        if s > best:
            best_i, best = i, s
    if best_i < 0:
        return None
    # '#' lines count as comments only in the block above the header (GA4 writes one there)
    comments = [",".join(map(str, r)) for r in rows[:best_i] if _is_comment(r)]
    headers = [unicodedata.normalize("NFC", str(h)).replace("\ufeff", "").strip()
               for h in rows[best_i]]
    data, lines = [], []
    problems: list[Problem] = []
    body = list(zip(rows[best_i + 1:], numbers[best_i + 1:], strict=True))
    gap = False
    for k, (rec, ln) in enumerate(body):
        if _blank(rec):
            gap = True
            continue
        if gap and _is_note(rec) and _trailing_block(body[k:], known):
            break  # GA4 puts further tables after a blank line and a '#' block
        gap = False
        extra = [c for c in rec[len(headers):] if str(c).strip()]
        if extra:
            problems.append(Problem(
                tr("the row has {v1} or more cells but the header has {headers} (extra: "
                   "{extra!r}); its values would shift into the wrong columns.",
                   v1=len(headers) + len(extra), headers=len(headers), extra=str(extra[0])[:40]),
                tr("quote cells that contain the separator (\"Lookalike, VN\"), or export the "
                   "report again."), source, ln, code=ProblemCode.CSV_EXTRA_CELLS))
        rec = list(rec[: len(headers)]) + [""] * (len(headers) - len(rec))
        data.append(rec)
        lines.append(ln)
    frame = pd.DataFrame(data, columns=range(len(headers)), dtype="object")
    return RawTable(headers, frame, lines, source, comments, problems)


def _trailing_block(rest: list[tuple[list[object], int]], known: set[str]) -> bool:
    """True when a '#' block after a blank line leads to another table or the end."""
    for rec, _ in rest:
        if _blank(rec) or _is_comment(rec):
            continue
        return _header_score(rec, known) >= 2
    return True


def read_tables(source: str | os.PathLike[str] | pd.DataFrame,
                mapping: Mapping[str, str] | None, name: str | None,
                sheet: str | int | None = None) -> tuple[list[RawTable], list[Note]]:
    """The tables to load (one, or one per sheet of a workbook) and notes about the reading."""
    if isinstance(source, pd.DataFrame):
        if sheet is not None:
            raise ParameterError(tr("sheet={sheet!r}: a DataFrame has no sheets. Fix: drop the "
                                    "sheet argument.",
                                    sheet=sheet), code=ProblemCode.PARAMETER_CONFLICT)
        df = source.reset_index(drop=True)
        label = name or "DataFrame"
        frame = pd.DataFrame({i: df.iloc[:, i] for i in range(df.shape[1])})
        # rows of a DataFrame are named by position (df.iloc[row])
        return [RawTable([str(c) for c in df.columns], frame, list(range(len(df))), label)], []
    path = Path(source)
    label = name or path.name or str(path)
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in (".xlsx", ".xlsm"):
        raise ParameterError(tr("sheet={sheet!r}: only workbooks (.xlsx) have sheets. Fix: drop "
                                "the sheet argument.",
                                sheet=sheet), code=ProblemCode.PARAMETER_CONFLICT)
    if suffix == ".xls":
        raise ParameterError(tr("{label}: old .xls workbooks are not supported. Fix: save it as "
                                ".xlsx or CSV UTF-8.",
                                label=label), code=ProblemCode.FILE_UNSUPPORTED_TYPE)
    if suffix not in (".csv", ".tsv", ".txt", "", ".parquet", ".pq", ".xlsx", ".xlsm"):
        if not path.is_dir():
            raise ParameterError(tr("{label}: unsupported file type {suffix!r}. Fix: use one of "
                                    "{SUPPORTED}.", label=label, suffix=suffix,
                                    SUPPORTED=_SUPPORTED), code=ProblemCode.FILE_UNSUPPORTED_TYPE)
    # one bounded read: refuses folders, FIFOs, devices and oversized files without blocking
    try:
        data = read_limited(path, label)
    except ParameterError:
        raise  # read_limited's own message names the file and the fix
    except (OSError, ValueError) as e:  # permission denied, a NUL in the path, ...
        reason = getattr(e, "strerror", None) or str(e)
        raise ParameterError(tr("{label}: cannot be read ({reason}). Fix: check the path and its "
                                "permissions.", label=label,
                                reason=reason), code=ProblemCode.FILE_UNREADABLE) from None
    if suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(_io.BytesIO(data))
        except Exception as e:
            raise DataError(Problem(
                tr("cannot read Parquet ({name__}: {e}).", name__=type(e).__name__, e=e),
                tr("re-export the file."), label,
                code=ProblemCode.PARQUET_UNREADABLE)) from None
        return read_tables(df, mapping, label)
    if suffix in (".xlsx", ".xlsm"):
        return _pick_sheets(read_excel(data, label), label, mapping, sheet)
    rows, numbers = read_text(data, label)
    if not any(r and not _is_comment(r) and not _blank(r) for r in rows):
        raise DataError(Problem(tr("the file is empty."),
                                tr("export the report again."), label,
                                code=ProblemCode.FILE_EMPTY))
    raw = _to_raw(rows, numbers, label, mapping)
    if raw is None:
        first = next((r for r in rows if r and not _is_comment(r)), [])
        raise _unrecognised(label, [str(c) for c in first])
    return [raw], []


def _in_table(problems: list[Problem], raw: RawTable) -> list[Problem]:
    """Formula problems of the table's own rows (a title line's formula is not read)."""
    lines = set(raw.rows)
    return [p for p in problems if p.row in lines]


def _pick_sheets(sheets, label: str, mapping, sheet: str | int | None
                 ) -> tuple[list[RawTable], list[str]]:
    """Sheets to read: the chosen one, or every sheet holding the first sheet's table."""
    titles = [t for t, *_ in sheets]
    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(sheets):
            chosen = [sheets[sheet]]
        else:
            chosen = [s for s in sheets if s[0] == sheet]
        if not chosen:
            names = ", ".join(map(repr, titles))
            raise ParameterError(tr("sheet={sheet!r}: {label} has no such sheet. Fix: choose from "
                                    "{names} (or a position 0 to {v1}).", sheet=sheet, label=label,
                                    names=names, v1=len(sheets) - 1),
                                 code=ProblemCode.PARAMETER_UNKNOWN_NAME)
        title, rows, numbers, problems = chosen[0]
        raw = _to_raw(rows, numbers, f"{label} [{title}]", mapping)
        if raw is None:
            raise _unrecognised(f"{label} [{title}]", [str(c) for c in (rows[:1] or [[]])[0]])
        raw.problems[:0] = _in_table(problems, raw)
        return [raw], []
    tables: list[tuple[str, RawTable]] = []
    for title, rows, numbers, problems in sheets:
        raw = _to_raw(rows, numbers, f"{label} [{title}]", mapping)
        if raw is not None:
            raw.problems[:0] = _in_table(problems, raw)
            tables.append((title, raw))
    if not tables:
        raise _unrecognised(label, [])

    known = _known_headers(mapping)

    def shape(raw: RawTable) -> frozenset[str]:
        # the columns kpikit reads: an extra 'CTR' column does not make another table
        return frozenset(h for h in (split_currency(normalize_header(x))[0]
                                     for x in raw.headers) if h in known)

    first = shape(tables[0][1])
    same = [(t, r) for t, r in tables if shape(r) == first]
    others = [t for t, r in tables if shape(r) != first]
    notes = []
    if others:
        read = ", ".join(repr(t) for t, _ in same)
        rest = ", ".join(map(repr, others))
        notes.append(Note(tr("read sheet(s) {read}; sheet(s) {rest} hold a different table and "
                             "were not read (pass sheet={others!r} to read one of them).",
                             read=read, rest=rest,
                             others=others[0]), ProblemCode.XLSX_SHEETS_SKIPPED))
    return [r for _, r in same], notes


def _unrecognised(label: str, headers: list[str]) -> DataError:
    shown = ", ".join(repr(h) for h in headers[:8]) if headers else tr("none")
    names = "date, campaign, channel, " + ", ".join(MEASURES)
    return DataError(
        Problem(
            tr("no header row with known column names was found (first row: {shown}).",
               shown=shown),
            tr("pass mapping={{'Your column': 'date', ...}} to kpikit.load (canonical names: "
               "{names}).", names=names),
            label, code=ProblemCode.HEADER_NOT_FOUND,
        )
    )
