"""Reading exports into the canonical table, and validating it.

:func:`load` reads Google Ads, Meta Ads Manager, GA4 and TikTok Ads exports
(English or Vietnamese, CSV/TSV in UTF-8 or UTF-16, XLSX, Parquet), any other
file through an explicit ``mapping``, or a DataFrame. It returns the canonical
table of DESIGN.md: ``date``, ``campaign``, ``channel``, optional dimensions,
then float measures. ``df.attrs`` keeps ``currency``, ``platform``,
``source`` and what was dropped or guessed.
"""

from __future__ import annotations

import csv
import io as _io
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import _parse
from ._files import read_limited
from ._lang import LANGS, language, nfmt, tr, using_language
from ._safe import restore_text
from .catalog import MEASURES, resolve_kpis
from .errors import (
    DataError,
    KpikitWarning,
    MissingColumnsError,
    Note,
    ParameterError,
    Problem,
    ProblemCode,
)
from .sources import (
    CAMPAIGN_TYPE_CHANNEL,
    DIMENSIONS,
    GA4_CHANNELS,
    PERIOD_HEADERS,
    PLATFORMS,
    SPECIAL,
    Platform,
    normalize_header,
    split_currency,
)

__all__ = ["load", "validate", "check_table"]

# the labels platforms give their summary rows, and nothing that merely starts like one:
# 'Total: Account', 'Total: Campaigns', 'Total', 'Grand total', 'Totals', 'Total of 3
# results' (TikTok), 'Results from 3 campaigns' (Meta), 'Tổng', 'Tổng cộng', 'Tổng: Tài
# khoản', 'Tổng cộng: Chiến dịch'. A campaign called 'Total - Brand' or 'Tổng (Q1)
# Khuyến mãi' is data
_TOTAL_RE = re.compile(
    r"^(?:(?:grand\s+)?totals?|tổng(?:\s+cộng)?|tổng\s+số)(?:\s*:.*)?$"
    r"|^total\s+of\s+\d+\s+results?$|^tổng\s+(?:cộng\s+)?(?:của\s+)?\d+\s+kết\s+quả$"
    # Meta's summary: 'Results from 3 campaigns (Excludes deleted items)'
    r"|^results\s+from\s+\d+\s+(?:campaigns?|ad\s+sets?|ads?)\b.*$"
    r"|^kết\s+quả\s+từ\s+\d+\s+(?:chiến\s+dịch|nhóm\s+quảng\s+cáo|quảng\s+cáo)\b.*$",
    re.IGNORECASE | re.DOTALL,
)
_SUPPORTED = ".csv .tsv .txt .xlsx .xlsm .parquet .pq"


@dataclass
class _Raw:
    """A file read into text cells, before any meaning is given to them."""

    headers: list[str]
    frame: pd.DataFrame  # columns are positions 0..n-1
    rows: list[int]  # line number in the file of each frame row
    source: str
    comments: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # found while reading


# tables loaded ahead by a warm batch parent (kpikit._warm), keyed by file identity
_PRELOADED: dict[tuple[str, int, int],
                 tuple[pd.DataFrame, dict[str, list[tuple[Warning | str, type[Warning]]]],
                       dict[str, list[str]]]] = {}


def _file_key(source: str | os.PathLike[str]) -> tuple[str, int, int]:
    p = Path(source).resolve()
    st = p.stat() if p.is_file() else None
    return (str(p), st.st_mtime_ns if st else -1, st.st_size if st else -1)


def preload(source: str | os.PathLike[str]) -> None:
    """Load a file once so that later plain ``load(source)`` calls return a copy.

    Used by warm batch kernels: the parent preloads the batch's data files, each forked
    kernel gets its own deep copy (and the same warnings), and a changed file (new size or
    modification time) is read afresh. The warnings are kept in every language, so a
    run speaks its own.
    """
    notes: dict[str, list[tuple[Warning | str, type[Warning]]]] = {}
    said: dict[str, list[str]] = {}
    table = None
    for lang in LANGS:
        with using_language(lang), warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            loaded = load(source)
        table = loaded if table is None else table
        # the warning itself, not its text: a replay keeps its code
        notes[lang] = [(w.message, w.category) for w in seen]
        said[lang] = list(loaded.attrs.get("warnings", []))
    _PRELOADED[_file_key(source)] = (table, notes, said)


# ------------------------------------------------------------------ reading


def _undecodable(source: str, line: int, byte: int, position: int, what: str) -> DataError:
    return DataError(
        Problem(
            tr(f"the file is not {what} text (invalid byte 0x{byte:02x} at position "
               f"{position}); it may be saved in a legacy code page such as Windows-1252 or "
               "Windows-1258.",
               f"tệp không phải văn bản {what} hợp lệ (byte 0x{byte:02x} ở vị trí "
               f"{position}); có thể tệp được lưu bằng bảng mã cũ như Windows-1252 hoặc "
               "Windows-1258."),
            tr("save or export it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8).",
               "lưu hoặc xuất lại dưới dạng 'CSV UTF-8' (Excel: Tệp > Lưu như > CSV "
               "UTF-8)."),
            source, line, code=ProblemCode.FILE_ENCODING,
        )
    )


def _decode(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16; every failure names its line."""
    codec, body = "utf-8", data
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        body = data[2:]
    elif data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
    else:
        head = data[:4000]
        if head and head.count(b"\x00") > len(head) // 4:
            # UTF-16 without a byte-order mark: the NULs say which half is zero
            codec = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
    if codec.startswith("utf-16") and len(body) % 2:
        # an odd byte count cannot be UTF-16: the file was cut or edited as bytes
        line = body[: len(body) - 1].decode(codec, errors="replace").count("\n") + 1
        raise DataError(Problem(
            tr(f"the file looks like UTF-16 text but has an odd number of bytes "
               f"({len(data)}): it is truncated or damaged.",
               f"tệp có vẻ là văn bản UTF-16 nhưng có số byte lẻ ({len(data)}): tệp bị cắt "
               "hoặc hỏng."),
            tr("export the report again, or save it as 'CSV UTF-8'.",
               "xuất lại báo cáo, hoặc lưu dưới dạng 'CSV UTF-8'."), source, line,
            code=ProblemCode.FILE_ENCODING))
    try:
        return body.decode(codec, errors="strict")
    except UnicodeDecodeError as e:
        line = body[: e.start].decode(codec, errors="replace").count("\n") + 1
        what = "UTF-16" if codec.startswith("utf-16") else "UTF-8"
        raise _undecodable(source, line, body[e.start], e.start + len(data) - len(body),
                           what) from None


def _sniff_delimiter(lines: list[str]) -> str:
    sample = [ln for ln in lines[:60] if ln.strip() and not ln.lstrip().startswith("#")]
    best, best_score = ",", (-1, -1)
    for delim in ("\t", ",", ";", "|"):
        widths = [len(r) for r in csv.reader(sample, delimiter=delim)]
        widths = [w for w in widths if w > 1]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        score = (widths.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_text(data: bytes, source: str) -> tuple[list[list[object]], list[int]]:
    text = _decode(data, source)
    text = unicodedata.normalize("NFC", text)
    lines = text[:1_000_000].splitlines()[:60]  # the sniffer needs only the first lines
    try:
        delim = _sniff_delimiter(lines)
    except csv.Error:
        delim = ","
    rows: list[list[object]] = []
    numbers: list[int] = []
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delim)
    start = 1
    try:
        for rec in reader:
            # only a record spanning several lines can hide a quote that swallowed rows
            for cell in rec if reader.line_num > start else ():
                if ("\n" in cell or "\r" in cell) and delim in cell:
                    # a quoted cell that swallowed whole lines: its quote is never closed
                    raise DataError(Problem(
                        tr(f"a quote (\") opened on this row is not closed where the cell "
                           f"should end, so the lines up to row {reader.line_num} would be "
                           "read as one cell.",
                           f"dấu ngoặc kép (\") mở ở dòng này không được đóng ở cuối ô, nên "
                           f"các dòng đến dòng {reader.line_num} sẽ bị đọc thành một ô."),
                        tr("close the quote or remove it (write \"\" for a quote inside a "
                           "quoted cell), or export the report again.",
                           "đóng dấu ngoặc kép hoặc xóa nó (viết \"\" cho dấu ngoặc kép bên "
                           "trong ô), hoặc xuất lại báo cáo."), source, start,
                        code=ProblemCode.CSV_UNCLOSED_QUOTE))
            rows.append(list(rec))
            numbers.append(start)
            start = reader.line_num + 1
        if rows and text.count('"') % 2:
            # at the very end a quote left open swallows no further line, so check the
            # last record alone in strict mode: it ends inside quotes or not
            lines = _io.StringIO(text, newline="").readlines()
            tail = "".join(lines[numbers[-1] - 1:])
            try:
                for _ in csv.reader(_io.StringIO(tail, newline=""), delimiter=delim,
                                    strict=True):
                    pass
            except csv.Error as e:
                if "unexpected end of data" in str(e):
                    raise DataError(Problem(
                        tr("a quote (\") opened on this row is never closed: the file ends "
                           "inside it.",
                           "dấu ngoặc kép (\") mở ở dòng này không bao giờ được đóng: tệp "
                           "kết thúc khi ô vẫn đang mở."),
                        tr("close the quote or remove it, or export the report again.",
                           "đóng dấu ngoặc kép hoặc xóa nó, hoặc xuất lại báo cáo."),
                        source, numbers[-1], code=ProblemCode.CSV_UNCLOSED_QUOTE)) from None
    except csv.Error as e:
        if "field limit" in str(e):
            limit = csv.field_size_limit()
            raise DataError(Problem(
                tr(f"a cell is longer than {limit:,} characters, which no export writes "
                   "(often an unclosed quote that runs to the end of the file).",
                   f"một ô dài hơn {nfmt(limit)} ký tự, độ dài mà không tệp xuất nào tạo ra "
                   "(thường do dấu ngoặc kép không được đóng kéo đến cuối tệp)."),
                tr("look for an unclosed quote (\") on this row, or shorten the cell.",
                   "tìm dấu ngoặc kép (\") chưa đóng ở dòng này, hoặc rút ngắn ô."),
                source, start, code=ProblemCode.CSV_CELL_TOO_LONG)) from None
        raise DataError(
            Problem(tr(f"the file is not valid delimited text ({e}).",
                       f"tệp không phải văn bản phân cách hợp lệ ({e})."),
                    tr("check for an unclosed quote near that line.",
                       "tìm dấu ngoặc kép chưa đóng gần dòng đó."), source, start,
                    code=ProblemCode.CSV_MALFORMED)
        ) from None
    return rows, numbers


def _read_excel(data: bytes, source: str
                ) -> list[tuple[str, list[list[object]], list[int], list[Problem]]]:
    """Every sheet as (title, rows, line numbers, problems of formula cells)."""
    try:
        import openpyxl
        from openpyxl.utils import get_column_letter
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise ParameterError(tr("Reading .xlsx needs openpyxl. Fix: pip install openpyxl",
                                "Đọc .xlsx cần openpyxl. Cách sửa: pip install openpyxl"),
                             code=ProblemCode.DEPENDENCY_MISSING) from None
    formulas = _workbook_scan(data, source)
    try:
        with warnings.catch_warnings():
            # openpyxl warns (and gives '#VALUE!') for dates it cannot hold: reported per cell
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=True)
            # a second view without data_only shows the formulas behind empty cached values
            wbf = (openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=False)
                   if formulas else wb)
    except Exception as e:  # openpyxl raises many types for broken files
        raise DataError(
            Problem(tr(f"cannot open the workbook ({type(e).__name__}: {e}).",
                       f"không mở được sổ tính ({type(e).__name__}: {e})."),
                    tr("open it in Excel and save it again as .xlsx, or export CSV.",
                       "mở bằng Excel rồi lưu lại dạng .xlsx, hoặc xuất CSV."), source,
                    code=ProblemCode.XLSX_UNREADABLE)
        ) from None
    sheets = []
    try:
        for ws, wsf in zip(wb.worksheets, wbf.worksheets, strict=True):
            rows, numbers, problems = [], [], []
            label = f"{source} [{ws.title}]"
            i = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pairs = zip(ws.iter_rows(values_only=True), wsf.iter_rows(values_only=True),
                            strict=False)
                for i, (rec, frec) in enumerate(pairs, start=1):
                    rec = list(rec)
                    for j, (v, f) in enumerate(zip(rec, frec, strict=False)):
                        if v is None and isinstance(f, str) and f.startswith("="):
                            cell = f"{get_column_letter(j + 1)}{i}"
                            problems.append(Problem(
                                tr(f"cell {cell} holds the formula {f[:60]!r} but no saved "
                                   "value (the workbook was written by a program that does not "
                                   "calculate).",
                                   f"ô {cell} chứa công thức {f[:60]!r} nhưng không có giá trị "
                                   "đã lưu (sổ tính được ghi bởi chương trình không tính "
                                   "toán)."),
                                tr("open the workbook in Excel or LibreOffice and save it "
                                   "again (that stores the values), or export CSV.",
                                   "mở sổ tính bằng Excel hoặc LibreOffice rồi lưu lại (để lưu "
                                   "giá trị), hoặc xuất CSV."), label, i, cell,
                                code=ProblemCode.XLSX_FORMULA_WITHOUT_VALUE))
                    while rec and rec[-1] is None:
                        rec.pop()
                    rows.append(["" if v is None else v for v in rec])
                    numbers.append(i)
            sheets.append((ws.title, rows, numbers, problems))
    except DataError:
        raise
    except Exception as e:  # a damaged sheet part
        raise DataError(Problem(
            tr(f"cannot read the workbook past row {i} ({type(e).__name__}: {e}).",
               f"không đọc được sổ tính sau dòng {i} ({type(e).__name__}: {e})."),
            tr("open it in Excel and save it again as .xlsx, or export CSV.",
               "mở bằng Excel rồi lưu lại dạng .xlsx, hoặc xuất CSV."), source,
            code=ProblemCode.XLSX_UNREADABLE)) from None
    finally:
        wb.close()
        wbf.close()
    return sheets


def _workbook_scan(data: bytes, source: str) -> bool:
    """Refuse a workbook that unpacks to far more than it weighs; say if it has formulas."""
    import zipfile

    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as z:
            parts = [i for i in z.infolist() if i.filename.startswith("xl/worksheets/")]
            unpacked = sum(i.file_size for i in parts)
            # real workbooks unpack 5 to 30 times their size; a 'zip bomb' thousands of times
            if unpacked > max(200 * len(data), 50 * 1024**2):
                raise DataError(Problem(
                    tr(f"the workbook unpacks to {unpacked / 1e6:,.0f} MB from "
                       f"{len(data) / 1e6:,.1f} MB, far more than any export.",
                       f"sổ tính giải nén ra {nfmt(unpacked / 1e6)} MB từ "
                       f"{nfmt(len(data) / 1e6, ',.1f')} MB, lớn hơn nhiều so với mọi tệp "
                       "xuất."),
                    tr("export the report as CSV instead.",
                       "thay vào đó, hãy xuất báo cáo dạng CSV."),
                    source, code=ProblemCode.XLSX_ZIP_BOMB))
            for part in parts:
                tail = b""
                with z.open(part) as fh:
                    while chunk := fh.read(1 << 20):
                        if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                            return True
                        tail = chunk[-3:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return True  # let openpyxl report the damage in its own words
    return False


def _header_score(cells: Sequence[object], known: set[str]) -> int:
    n = 0
    for c in cells:
        if isinstance(c, str) and c.strip():
            h, _ = split_currency(normalize_header(c))
            n += h in known
    return n


def _all_known_headers(mapping: Mapping[str, str] | None) -> set[str]:
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


def is_summary_label(text: object) -> bool:
    """Whether ``text`` is how a platform labels a summary row (``Total: Account``,
    ``Tổng cộng``, ``Total of 3 results``); ``Total - Brand`` is not."""
    return isinstance(text, str) and bool(_TOTAL_RE.match(text.strip()))


def _blank(rec: Sequence[object]) -> bool:
    return not any(str(c).strip() for c in rec)


def _to_raw(
    rows: list[list[object]], numbers: list[int], source: str,
    mapping: Mapping[str, str] | None,
) -> _Raw | None:
    known = _all_known_headers(mapping)
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
                tr(f"the row has {len(headers) + len(extra)} or more cells but the header has "
                   f"{len(headers)} (extra: {str(extra[0])[:40]!r}); its values would shift "
                   "into the wrong columns.",
                   f"dòng có từ {len(headers) + len(extra)} ô trở lên nhưng dòng tiêu đề có "
                   f"{len(headers)} (thừa: {str(extra[0])[:40]!r}); giá trị sẽ lệch sang cột "
                   "khác."),
                tr("quote cells that contain the separator (\"Lookalike, VN\"), or export "
                   "the report again.",
                   "đặt trong ngoặc kép các ô chứa dấu phân cách (\"Lookalike, VN\"), hoặc xuất "
                   "lại báo cáo."), source, ln, code=ProblemCode.CSV_EXTRA_CELLS))
        rec = list(rec[: len(headers)]) + [""] * (len(headers) - len(rec))
        data.append(rec)
        lines.append(ln)
    frame = pd.DataFrame(data, columns=range(len(headers)), dtype="object")
    return _Raw(headers, frame, lines, source, comments, problems)


def _trailing_block(rest: list[tuple[list[object], int]], known: set[str]) -> bool:
    """True when a '#' block after a blank line leads to another table or the end."""
    for rec, _ in rest:
        if _blank(rec) or _is_comment(rec):
            continue
        return _header_score(rec, known) >= 2
    return True


def _read(source: str | os.PathLike[str] | pd.DataFrame, mapping, name: str | None,
          sheet: str | int | None = None) -> tuple[list[_Raw], list[str]]:
    """The tables to load (one, or one per sheet of a workbook) and notes about the reading."""
    if isinstance(source, pd.DataFrame):
        if sheet is not None:
            raise ParameterError(tr(
                f"sheet={sheet!r}: a DataFrame has no sheets. Fix: drop the sheet argument.",
                f"sheet={sheet!r}: DataFrame không có trang tính. Cách sửa: bỏ tham số "
                "sheet."), code=ProblemCode.PARAMETER_CONFLICT)
        df = source.reset_index(drop=True)
        label = name or "DataFrame"
        frame = pd.DataFrame({i: df.iloc[:, i] for i in range(df.shape[1])})
        # rows of a DataFrame are named by position (df.iloc[row])
        return [_Raw([str(c) for c in df.columns], frame, list(range(len(df))), label)], []
    path = Path(source)
    label = name or path.name or str(path)
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in (".xlsx", ".xlsm"):
        raise ParameterError(tr(
            f"sheet={sheet!r}: only workbooks (.xlsx) have sheets. Fix: drop the sheet "
            "argument.",
            f"sheet={sheet!r}: chỉ sổ tính (.xlsx) mới có trang tính. Cách sửa: bỏ tham số "
            "sheet."), code=ProblemCode.PARAMETER_CONFLICT)
    if suffix == ".xls":
        raise ParameterError(tr(
            f"{label}: old .xls workbooks are not supported. Fix: save it as .xlsx or CSV "
            "UTF-8.",
            f"{label}: không hỗ trợ sổ tính .xls cũ. Cách sửa: lưu lại dạng .xlsx hoặc CSV "
            "UTF-8."), code=ProblemCode.FILE_UNSUPPORTED_TYPE)
    if suffix not in (".csv", ".tsv", ".txt", "", ".parquet", ".pq", ".xlsx", ".xlsm"):
        if not path.is_dir():
            raise ParameterError(tr(
                f"{label}: unsupported file type {suffix!r}. Fix: use one of {_SUPPORTED}.",
                f"{label}: không hỗ trợ loại tệp {suffix!r}. Cách sửa: dùng một trong "
                f"{_SUPPORTED}."), code=ProblemCode.FILE_UNSUPPORTED_TYPE)
    # one bounded read: refuses folders, FIFOs, devices and oversized files without blocking
    try:
        data = read_limited(path, label)
    except ParameterError:
        raise  # read_limited's own message names the file and the fix
    except (OSError, ValueError) as e:  # permission denied, a NUL in the path, ...
        reason = getattr(e, "strerror", None) or str(e)
        raise ParameterError(tr(
            f"{label}: cannot be read ({reason}). Fix: check the path and its permissions.",
            f"{label}: không đọc được ({reason}). Cách sửa: kiểm tra đường dẫn và quyền "
            "truy cập."), code=ProblemCode.FILE_UNREADABLE) from None
    if suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(_io.BytesIO(data))
        except Exception as e:
            raise DataError(Problem(
                tr(f"cannot read Parquet ({type(e).__name__}: {e}).",
                   f"không đọc được Parquet ({type(e).__name__}: {e})."),
                tr("re-export the file.", "xuất lại tệp."), label,
                code=ProblemCode.PARQUET_UNREADABLE)) from None
        return _read(df, mapping, label)
    if suffix in (".xlsx", ".xlsm"):
        return _pick_sheets(_read_excel(data, label), label, mapping, sheet)
    rows, numbers = _read_text(data, label)
    if not any(r and not _is_comment(r) and not _blank(r) for r in rows):
        raise DataError(Problem(tr("the file is empty.", "tệp trống."),
                                tr("export the report again.", "xuất lại báo cáo."), label,
                                code=ProblemCode.FILE_EMPTY))
    raw = _to_raw(rows, numbers, label, mapping)
    if raw is None:
        first = next((r for r in rows if r and not _is_comment(r)), [])
        raise _unrecognised(label, [str(c) for c in first])
    return [raw], []


def _in_table(problems: list[Problem], raw: _Raw) -> list[Problem]:
    """Formula problems of the table's own rows (a title line's formula is not read)."""
    lines = set(raw.rows)
    return [p for p in problems if p.row in lines]


def _pick_sheets(sheets, label: str, mapping, sheet: str | int | None
                 ) -> tuple[list[_Raw], list[str]]:
    """Sheets to read: the chosen one, or every sheet holding the first sheet's table."""
    titles = [t for t, *_ in sheets]
    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(sheets):
            chosen = [sheets[sheet]]
        else:
            chosen = [s for s in sheets if s[0] == sheet]
        if not chosen:
            names = ", ".join(map(repr, titles))
            raise ParameterError(tr(
                f"sheet={sheet!r}: {label} has no such sheet. Fix: choose from {names} (or "
                f"a position 0 to {len(sheets) - 1}).",
                f"sheet={sheet!r}: {label} không có trang tính này. Cách sửa: chọn một trong "
                f"{names} (hoặc vị trí 0 đến {len(sheets) - 1})."),
                                 code=ProblemCode.PARAMETER_UNKNOWN_NAME)
        title, rows, numbers, problems = chosen[0]
        raw = _to_raw(rows, numbers, f"{label} [{title}]", mapping)
        if raw is None:
            raise _unrecognised(f"{label} [{title}]", [str(c) for c in (rows[:1] or [[]])[0]])
        raw.problems[:0] = _in_table(problems, raw)
        return [raw], []
    tables: list[tuple[str, _Raw]] = []
    for title, rows, numbers, problems in sheets:
        raw = _to_raw(rows, numbers, f"{label} [{title}]", mapping)
        if raw is not None:
            raw.problems[:0] = _in_table(problems, raw)
            tables.append((title, raw))
    if not tables:
        raise _unrecognised(label, [])

    known = _all_known_headers(mapping)

    def shape(raw: _Raw) -> frozenset[str]:
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
        notes.append(Note(tr(
            f"read sheet(s) {read}; sheet(s) {rest} hold a different table and were not read "
            f"(pass sheet={others[0]!r} to read one of them).",
            f"đã đọc trang tính {read}; trang tính {rest} chứa bảng khác nên không được đọc "
            f"(truyền sheet={others[0]!r} để đọc trang đó)."), ProblemCode.XLSX_SHEETS_SKIPPED))
    return [r for _, r in same], notes


def _unrecognised(label: str, headers: list[str]) -> DataError:
    shown = ", ".join(repr(h) for h in headers[:8]) if headers else tr("none", "không có")
    names = "date, campaign, channel, " + ", ".join(MEASURES)
    return DataError(
        Problem(
            tr(f"no header row with known column names was found (first row: {shown}).",
               f"không tìm thấy dòng tiêu đề có tên cột quen thuộc (dòng đầu: {shown})."),
            tr("pass mapping={'Your column': 'date', ...} to kpikit.load (canonical names: "
               f"{names}).",
               "truyền mapping={'Cột của bạn': 'date', ...} cho kpikit.load (tên chuẩn: "
               f"{names})."),
            label, code=ProblemCode.HEADER_NOT_FOUND,
        )
    )


# ---------------------------------------------------------------- mapping


def _detect(headers: list[str], platform: str, comments: list[str],
            mapping: Mapping[str, str] | None) -> Platform:
    if platform == "auto" and mapping:
        # an explicit mapping describes the file: no guessing of a platform's defaults
        return PLATFORMS["canonical"]
    if platform != "auto":
        try:
            return PLATFORMS[platform]
        except KeyError:
            choices = "auto, " + ", ".join(PLATFORMS)
            raise ParameterError(tr(f"Unknown platform {platform!r}. Choose from: {choices}.",
                                    f"Không biết nền tảng {platform!r}. Chọn: {choices}."),
                                 code=ProblemCode.PARAMETER_CHOICE) from None
    norm = [split_currency(normalize_header(h))[0] for h in headers]
    anywhere = set().union(*(p.lookup() for p in PLATFORMS.values())) | set(PERIOD_HEADERS)
    best, best_score = PLATFORMS["canonical"], -1
    for p in PLATFORMS.values():
        lookup = p.lookup()
        # a header another platform knows but this one does not counts against it: a
        # TikTok file with a plain 'Clicks' is not Google Ads, whose exports say 'Campaign'
        # where TikTok says 'Campaign name'
        own = set(lookup) | (set(PERIOD_HEADERS) if p.name == "google_ads" else set())
        score = (sum(h in own for h in norm) + 3 * sum(h in p.signature for h in norm)
                 - sum(h in anywhere and h not in own for h in norm))
        if p.name == "ga4" and comments:
            score += 3
        if score > best_score:
            best, best_score = p, score
    return best


def _map_columns(
    raw: _Raw, plat: Platform, mapping: Mapping[str, str] | None
) -> tuple[dict[str, int], dict[str, str], list[str], list[Problem], list[str]]:
    """Return canonical -> column position, currencies by header, ignored, problems, notes."""
    problems: list[Problem] = []
    notes: list[str] = []
    lookup = plat.lookup()
    canonical_lookup = PLATFORMS["canonical"].lookup()
    valid_targets = {*SPECIAL, *DIMENSIONS, *MEASURES}
    explicit: dict[str, str] = {}
    if mapping:
        for src, dst in mapping.items():
            if dst not in valid_targets:
                import difflib

                close = difflib.get_close_matches(str(dst), sorted(valid_targets), n=3)
                near = ", ".join(map(repr, close))
                hint = tr(f" Did you mean {near}?", f" Có phải ý bạn là {near}?") if close else ""
                targets = ", ".join(sorted(valid_targets))
                problems.append(Problem(
                    tr(f"mapping sends {src!r} to unknown column {dst!r}.{hint}",
                       f"mapping chuyển {src!r} sang cột không tồn tại {dst!r}.{hint}"),
                    tr(f"map to one of: {targets}.", f"chuyển sang một trong: {targets}."),
                    raw.source, None, None, code=ProblemCode.MAPPING_UNKNOWN_TARGET))
            explicit[split_currency(normalize_header(src))[0]] = dst
        missing = [s for s in mapping
                   if split_currency(normalize_header(s))[0]
                   not in {split_currency(normalize_header(h))[0] for h in raw.headers}]
        for s in missing:
            heads = ", ".join(map(repr, raw.headers))
            problems.append(Problem(
                tr(f"mapping names column {s!r}, which the file does not have.",
                   f"mapping nêu cột {s!r}, nhưng tệp không có cột này."),
                tr(f"use one of the file's headers: {heads}.",
                   f"dùng một tiêu đề của tệp: {heads}."),
                raw.source, None, s, code=ProblemCode.MAPPING_SOURCE_MISSING))
    positions: dict[str, int] = {}
    currencies: dict[str, str] = {}
    ignored: list[str] = []
    for i, h in enumerate(raw.headers):
        name, cur = split_currency(normalize_header(h))
        target = explicit.get(name) or lookup.get(name) or canonical_lookup.get(name)
        if target is None:
            if h.strip():
                ignored.append(h)
            continue
        if target in positions:
            first = raw.headers[positions[target]]
            notes.append(Note(tr(
                f"columns {first!r} and {h!r} both mean {target!r}; the first one was used.",
                f"cột {first!r} và {h!r} cùng nghĩa là {target!r}; đã dùng cột đầu."),
                ProblemCode.COLUMN_DUPLICATE))
            continue
        positions[target] = i
        if cur:
            currencies[h] = cur
    return positions, currencies, ignored, problems, notes


# ------------------------------------------------------------------- load


def load(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    platform: str = "auto",
    mapping: Mapping[str, str] | None = None,
    currency: str | None = None,
    channel: str | None = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
    kpis: str | Iterable[str] | None = None,
    name: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read an export or a DataFrame into the canonical table.

    Parameters
    ----------
    source
        Path to a CSV/TSV (UTF-8, UTF-8 with BOM or UTF-16), XLSX or Parquet
        file, or a DataFrame.
    platform
        ``"auto"`` (detect from the headers), ``"google_ads"``, ``"meta"``,
        ``"ga4"``, ``"tiktok"`` or ``"canonical"``.
    mapping
        ``{"source header": "canonical column"}`` for files of other tools;
        wins over the platform's own names.
    currency
        ISO code of the money columns when the file does not say; an error
        when the file says otherwise.
    channel
        Channel for every row, when the file has no channel column.
    decimal
        ``"."`` or ``","``: forces the decimal separator (normally decided
        from the data).
    dayfirst
        Forces ``dd/mm/yyyy`` (True) or ``mm/dd/yyyy`` (False) for slashed dates.
    kpis
        KPIs you intend to compute: their measures must be present.
    name
        Label for messages (defaults to the file name).
    sheet
        Workbooks only: the sheet to read (name or 0-based position). By
        default every sheet holding the same table as the first one is read
        and stacked, and a warning names the sheets that hold other tables.

    Returns
    -------
    pandas.DataFrame
        The canonical table, sorted by date, campaign, channel. ``attrs``
        holds ``currency``, ``platform``, ``source``, ``dropped_total_rows``
        (the platform's summary rows that were left out), ``ignored_columns``,
        ``sheets`` (workbooks) and ``warnings``. Rows that cover a period
        (Meta's reporting starts/ends, Google Ads rows by Week, Month or
        Quarter) also have ``date_end``, the period's last day.

    Raises
    ------
    DataError
        Listing every problem of the file with row, column and fix.
    ParameterError
        For bad arguments (unknown platform, missing file).
    """
    if decimal not in (None, ".", ","):
        raise ParameterError(tr(f"decimal={decimal!r}: must be '.' or ','.",
                                f"decimal={decimal!r}: phải là '.' hoặc ','."),
                             code=ProblemCode.PARAMETER_CHOICE)
    if _PRELOADED and isinstance(source, str | os.PathLike) and not (
            mapping or currency or channel or decimal or dayfirst is not None or kpis or name
            or platform != "auto" or sheet is not None):
        hit = _PRELOADED.get(_file_key(source))
        if hit is not None:
            table, notes_seen, said = hit
            lang = language()
            for message, category in notes_seen[lang]:
                warnings.warn(message, category, stacklevel=2)
            copy = table.copy(deep=True)
            copy.attrs["warnings"] = list(said[lang])
            return copy
    raws, notes = _read(source, mapping, name, sheet)
    opts = dict(platform=platform, mapping=mapping, currency=currency, channel=channel,
                decimal=decimal, dayfirst=dayfirst, kpis=kpis)
    if len(raws) == 1:
        df, warn = _from_raw(raws[0], **opts)
    else:
        df, warn = _stack([_from_raw(r, **opts) for r in raws], kpis)
    warn = notes + warn
    df.attrs["warnings"] = warn
    if isinstance(source, str | os.PathLike) and str(source).lower().endswith((".xlsx", ".xlsm")):
        df.attrs["sheets"] = [r.source for r in raws]
    for w in warn:
        warnings.warn(KpikitWarning(f"{df.attrs['source']}: {w}", code=getattr(w, "code", None)),
                      stacklevel=2)
    return df


def _stack(parts: list[tuple[pd.DataFrame, list[str]]], kpis) -> tuple[pd.DataFrame, list[str]]:
    """Sheets of one workbook holding the same table, as one table."""
    frames = [df for df, _ in parts]
    warn = [w for _, ws in parts for w in ws]
    src = ", ".join(df.attrs["source"] for df in frames)
    curs = {df.attrs["currency"] for df in frames} - {None}
    problems: list[Problem] = []
    if len(curs) > 1:
        listed = "; ".join(f"{df.attrs['source']}: {df.attrs['currency']}" for df in frames)
        problems.append(Problem(
            tr(f"the sheets are in different currencies ({listed}).",
               f"các trang tính dùng loại tiền khác nhau ({listed})."),
            tr("load each sheet on its own with sheet=..., one currency at a time.",
               "đọc riêng từng trang tính với sheet=..., mỗi lần một loại tiền."), src,
            code=ProblemCode.CURRENCY_MIXED))
    df = pd.concat(frames, ignore_index=True)
    keys = [c for c in ("date", "date_end", "campaign", "channel", *DIMENSIONS) if c in df]
    dup = df.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        origin = [f.attrs["source"] for f in frames for _ in range(len(f))]
        first = df.loc[dup].iloc[0]
        where = sorted({origin[i] for i in np.flatnonzero(dup)})
        problems.append(Problem(
            tr(f"sheets {', '.join(where)} hold the same day, campaign and channel "
               f"({first['date']:%Y-%m-%d}, {first['campaign']!r}, {first['channel']!r}): "
               "stacking them would count it twice.",
               f"các trang tính {', '.join(where)} có cùng ngày, chiến dịch và kênh "
               f"({first['date']:%d/%m/%Y}, {first['campaign']!r}, {first['channel']!r}): "
               "gộp lại sẽ tính hai lần."),
            tr("pick one sheet with sheet=..., or remove the repeated rows.",
               "chọn một trang tính với sheet=..., hoặc xóa các dòng lặp."), src,
            code=ProblemCode.ROW_DUPLICATE))
    if problems:
        raise DataError(problems, src)
    df = df.sort_values([k for k in keys if k != "date_end"], kind="stable").reset_index(drop=True)
    df.attrs.update(frames[0].attrs)
    df.attrs.update(source=src, currency=next(iter(curs), None),
                    dropped_total_rows=sum(f.attrs["dropped_total_rows"] for f in frames),
                    ignored_columns=sorted({c for f in frames for c in f.attrs["ignored_columns"]}))
    return df, warn


def _from_raw(raw: _Raw, *, platform: str, mapping: Mapping[str, str] | None,
              currency: str | None, channel: str | None, decimal: str | None,
              dayfirst: bool | None, kpis) -> tuple[pd.DataFrame, list[str]]:
    """The canonical table of one read table, and its warnings (not yet issued)."""
    plat = _detect(raw.headers, platform, raw.comments, mapping)
    positions, header_cur, ignored, problems, notes = _map_columns(raw, plat, mapping)
    src = raw.source
    frame, rows = raw.frame, raw.rows
    period: tuple[int, str] | None = None
    if "date" not in positions:
        for i, h in enumerate(raw.headers):
            kind = PERIOD_HEADERS.get(split_currency(normalize_header(h))[0])
            if kind and i not in positions.values():
                period = (i, kind)
                ignored = [x for x in ignored if x != h]
                break

    if "date" not in positions and period is None:
        names = dict.fromkeys(n for p in PLATFORMS.values() for n in p.columns.get("date", ()))
        looked = ", ".join(map(repr, names))
        problems.append(Problem(
            tr(f"no date column was found (looked for: {looked}).",
               f"không tìm thấy cột ngày (đã tìm: {looked})."),
            tr("export the report broken down by day, or map your date column: "
               "mapping={'Your date header': 'date'}.",
               "xuất báo cáo chia theo ngày, hoặc ánh xạ cột ngày của bạn: "
               "mapping={'Tiêu đề cột ngày': 'date'}."), src, code=ProblemCode.COLUMN_DATE_MISSING))
    measures_found = [c for c in positions if c in MEASURES]
    if not measures_found and ("date" in positions or period):
        problems.append(Problem(
            tr("no measure columns (impressions, clicks, spend, ...) were recognised.",
               "không nhận ra cột số liệu nào (impressions, clicks, spend, ...)."),
            tr("map them: mapping={'Your header': 'clicks', ...}.",
               "ánh xạ chúng: mapping={'Tiêu đề của bạn': 'clicks', ...}."), src,
            code=ProblemCode.COLUMN_NO_MEASURES))
    problems = raw.problems + problems
    if problems:
        raise DataError(problems, src)

    # leave out the platform's summary rows: they must never be summed again
    date_pos = positions["date"] if "date" in positions else period[0]
    is_total = _labelled_summaries(frame, positions, date_pos, period, dayfirst)
    dropped = int(is_total.sum())
    dropped_lines = [r for r, t in zip(rows, is_total, strict=True) if t]
    if dropped:
        keep = ~is_total
        frame = frame.loc[keep].reset_index(drop=True)
        rows = [r for r, k in zip(rows, keep, strict=True) if k]
    if frame.empty:
        raise DataError(Problem(tr("the file has a header but no data rows.",
                                   "tệp có dòng tiêu đề nhưng không có dòng dữ liệu."),
                                tr("export a date range that has data.",
                                   "xuất một khoảng ngày có dữ liệu."), src,
                                code=ProblemCode.DATA_NO_ROWS), src)

    out: dict[str, pd.Series] = {}
    warn: list[str] = list(notes)

    if period is not None:
        header = raw.headers[period[0]]
        start, end, probs, w = _parse.parse_periods(
            frame[period[0]], kind=period[1], column=header, rows=rows, file=src,
            dayfirst=dayfirst)
        problems += probs
        warn += w
        out["date"], out["date_end"] = start, end
    for col in ("date", "date_end"):
        if col in positions:
            header = raw.headers[positions[col]]
            vals, probs, w = _parse.parse_dates(
                frame[positions[col]], column=header, rows=rows, file=src, dayfirst=dayfirst,
                required=col == "date")
            problems += probs
            warn += w
            out[col] = vals

    # numbers: the decimal separator is decided per column, then per file
    scans = {c: _parse.scan_numbers(frame[positions[c]].tolist()) for c in measures_found}
    dot = any(s.dot_votes for s in scans.values())
    comma = any(s.comma_votes for s in scans.values())
    file_hint = decimal or ("." if dot and not comma else "," if comma and not dot else None)
    cell_currencies: set[str] = set()
    for c in measures_found:
        header = raw.headers[positions[c]]
        scan = scans[c]
        cell_currencies |= scan.currencies
        dec, why = (decimal, None) if decimal else _parse.decide_decimal(scan, file_hint)
        if (not decimal and not why and c in _WHOLE and scan.ambiguous_seps.get(dec or "")
                and not (scan.dot_votes or scan.comma_votes)):
            # only the rest of the file decided, and it would make a count fractional
            # ('1.234' impressions): that reading is not evidence enough
            cell = scan.ambiguous_seps[dec]
            whole, fraction = cell.replace(",", "").replace(".", ""), cell.replace(",", ".")
            why = tr(
                f"cannot tell whether {cell!r} means {whole} or {fraction}: the rest of the "
                f"file uses {dec!r} as decimal point, but {c} are whole numbers",
                f"không biết {cell!r} là {whole} hay {fraction}: phần còn lại của tệp dùng "
                f"{dec!r} làm dấu thập phân, nhưng {c} là số nguyên")
        if why:
            problems.append(Problem(
                why + ".", tr("pass decimal=',' (1.234,5 style) or decimal='.' (1,234.5 "
                              "style) to kpikit.load, or --decimal on the command line.",
                              "truyền decimal=',' (kiểu 1.234,5) hoặc decimal='.' (kiểu "
                              "1,234.5) cho kpikit.load, hoặc --decimal trên dòng lệnh."),
                src, None, header, code=ProblemCode.NUMBER_AMBIGUOUS_SEPARATOR))
            dec = None
        # no canonical measure is a rate, so '12%' is never a count or an amount
        vals, probs = _parse.parse_numbers(frame[positions[c]], column=header, rows=rows,
                                           file=src, decimal=dec, allow_percent=False)
        if why:  # one problem for the column is enough; skip per-cell repeats
            probs = [p for p in probs if not any(
                p.message.startswith(tr(f"cannot read {a!r}", f"không đọc được {a!r}"))
                for a in scan.ambiguous)]
        problems += probs
        out[c] = vals

    # a row with no campaign (or 'Results from 3 campaigns') whose measures are the sums
    # of the other rows is the summary row Meta (and others) put first or last
    if len(frame) > 1:
        summary = _summed_rows(frame, positions.get("campaign"), date_pos, out,
                               measures_found)
        if summary:
            lines = {rows[i] for i in summary}
            problems = [p for p in problems if p.row not in lines]
            keep = np.ones(len(frame), dtype=bool)
            keep[summary] = False
            frame = frame.loc[keep].reset_index(drop=True)
            rows = [r for r, k in zip(rows, keep, strict=True) if k]
            out = {k: v.loc[keep].reset_index(drop=True) for k, v in out.items()}
            dropped += len(summary)
            dropped_lines += sorted(lines)

    # text columns
    def text(col: str) -> pd.Series:
        s = frame[positions[col]].map(
            lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
            # a quote kpikit's own CSV writers put before "=..." comes off again
            else restore_text(unicodedata.normalize("NFC", str(v)).strip()))
        return s.astype(str)  # the default string dtype of the running pandas

    if "campaign" in positions:
        camp = text("campaign")
        header = raw.headers[positions["campaign"]]
        for i in np.flatnonzero((camp == "").to_numpy()):
            problems.append(Problem(tr("the campaign name is empty.", "tên chiến dịch trống."),
                                    tr("fill it in or delete the row.",
                                       "điền vào hoặc xóa dòng."), src, rows[i], header,
                                    code=ProblemCode.CAMPAIGN_EMPTY))
        out["campaign"] = camp
    else:
        out["campaign"] = pd.Series(["(all)"] * len(frame)).astype(str)
        warn.append(Note(tr("no campaign column: every row was given campaign '(all)'.",
                            "không có cột chiến dịch: mọi dòng được gán chiến dịch '(all)'."),
                         ProblemCode.CAMPAIGN_DEFAULTED))

    if channel is not None:
        out["channel"] = pd.Series([channel] * len(frame)).astype(str)
    elif "channel" in positions:
        ch = text("channel")
        if plat.name == "ga4":
            ch = ch.map(lambda t: GA4_CHANNELS.get(t.casefold(), t.casefold().replace(" ", "_")))
        out["channel"] = ch.where(ch != "", plat.default_channel)
    elif "campaign_type" in positions:
        ct = text("campaign_type").map(normalize_header)
        out["channel"] = ct.map(lambda t: CAMPAIGN_TYPE_CHANNEL.get(t, t or plat.default_channel))
    else:
        out["channel"] = pd.Series([plat.default_channel] * len(frame)).astype(str)

    dims = [d for d in DIMENSIONS if d in positions]
    for d in dims:
        out[d] = text(d)

    # currency: headers, a currency column, then symbols in cells
    found: dict[str, str] = {}
    for h, cur in header_cur.items():
        found.setdefault(cur, tr(f"header {h!r}", f"tiêu đề {h!r}"))
    if "currency_code" in positions:
        codes = text("currency_code").map(str.upper)
        for code in sorted(set(codes) - {""}):
            head = raw.headers[positions["currency_code"]]
            found.setdefault(code, tr(f"column {head!r}", f"cột {head!r}"))
    if found:
        for c in measures_found:
            for cur, (i, cell) in scans[c].currency_cells.items():
                if not any(_same_currency(cur, cell, f) for f in found):
                    said = "; ".join(f"{f} ({w})" for f, w in found.items())
                    problems.append(Problem(
                        tr(f"the cell {cell!r} is in {cur}, but the file says {said}.",
                           f"ô {cell!r} dùng {cur}, nhưng tệp ghi {said}."),
                        tr("export the report again in one currency, or correct the "
                           "currency header or column.",
                           "xuất lại báo cáo bằng một loại tiền, hoặc sửa tiêu đề hay cột "
                           "tiền tệ."), src, rows[i], raw.headers[positions[c]],
                        code=ProblemCode.CURRENCY_CONFLICT))
    if not found:
        for cur in sorted(cell_currencies):
            found.setdefault(cur, tr("currency signs in the cells", "ký hiệu tiền trong ô"))
    if currency:
        currency = currency.upper()
    if len(found) > 1:
        mixed = "; ".join(f"{c} ({w})" for c, w in found.items())
        problems.append(Problem(
            tr(f"mixes currencies: {mixed}.", f"trộn nhiều loại tiền: {mixed}."),
            tr("export each currency (ad account) to its own file and load them separately.",
               "xuất mỗi loại tiền (tài khoản quảng cáo) ra một tệp riêng rồi đọc riêng."),
            src, code=ProblemCode.CURRENCY_MIXED))
    elif found:
        (cur_found,) = found
        if currency and currency != cur_found:
            problems.append(Problem(
                tr(f"the file is in {cur_found} ({found[cur_found]}) but "
                   f"currency={currency!r} was asked.",
                   f"tệp dùng {cur_found} ({found[cur_found]}) nhưng yêu cầu "
                   f"currency={currency!r}."),
                tr(f"drop the currency argument or pass currency={cur_found!r}.",
                   f"bỏ tham số currency hoặc truyền currency={cur_found!r}."),
                src, code=ProblemCode.CURRENCY_CONFLICT))
        currency = cur_found

    if "result_type" in positions:
        kinds = sorted(set(text("result_type")) - {""})
        if len(kinds) > 1:
            kinds_text = ", ".join(kinds)
            warn.append(Note(tr(
                f"'Results' counts different things on different rows ({kinds_text}): "
                "conversions summed across them mix result types.",
                f"'Kết quả' đếm những thứ khác nhau ở các dòng ({kinds_text}): cộng "
                "conversions qua các dòng này sẽ trộn các loại kết quả."),
                ProblemCode.MEASURE_MIXED_RESULT_TYPES))

    df = pd.DataFrame(out)
    df["_row"] = rows
    if "date_end" in df and not (df["date_end"].isna() | (df["date_end"] == df["date"])).all():
        bad = df["date_end"] < df["date"]
        for r in df.loc[bad, "_row"]:
            problems.append(Problem(tr("the reporting end is before its start.",
                                       "ngày kết thúc báo cáo trước ngày bắt đầu."),
                                    tr("check the two date columns.", "kiểm tra hai cột ngày."),
                                    src, int(r), "date_end", code=ProblemCode.DATE_RANGE_REVERSED))
    else:
        df = df.drop(columns=["date_end"], errors="ignore")
    order = ["date", *(["date_end"] if "date_end" in df else []), "campaign", "channel", *dims]
    order += [m for m in MEASURES if m in df]
    df = df[order + ["_row"]]
    problems += check_table(df, source=src, kpis=kpis, warn=warn,
                            skip_duplicates=bool(problems),
                            headers={c: raw.headers[i] for c, i in positions.items()})
    if problems:
        # file-level problems first, then in file order
        problems.sort(key=lambda p: (p.row is not None, p.row or 0))
        raise DataError(problems, src)
    if dropped_lines:
        # said, not only counted: every command and report shows its load warnings
        shown = ", ".join(map(str, sorted(dropped_lines)[:5]))
        more = "…" if len(dropped_lines) > 5 else ""
        warn.append(tr(f"left out {dropped} summary row(s) (row {shown}{more}): the "
                       "platform's own totals, which must not be summed again.",
                       f"đã bỏ {dropped} dòng tổng/tóm tắt (dòng {shown}{more}): tổng do nền "
                       "tảng tự tính, không được cộng thêm lần nữa."))
    df = df.sort_values(["date", "campaign", "channel", *dims], kind="stable")
    df = df.drop(columns="_row").reset_index(drop=True)
    df.attrs.update(
        currency=currency,
        platform=plat.name,
        source=src,
        dropped_total_rows=dropped,
        ignored_columns=ignored,
        warnings=warn,
    )
    return df, warn


#: measures that count whole things: a fractional reading of them is suspect
_WHOLE = frozenset(
    "impressions reach clicks link_clicks sessions engaged_sessions leads orders "
    "repeat_orders engagements shares video_views video_completions followers "
    "new_customers emails_delivered email_opens email_clicks unsubscribes".split())

_DOLLARS = frozenset("USD SGD AUD CAD HKD NZD TWD".split())


def _same_currency(cell_cur: str, cell: str, said: str) -> bool:
    """Whether a sign in a cell agrees with the currency the file states."""
    if cell_cur == said:
        return True
    # '$' and '¥' are shared by several currencies
    return ("$" in cell and said in _DOLLARS) or ("¥" in cell and said in ("JPY", "CNY"))


def _labelled_summaries(frame: pd.DataFrame, positions: Mapping[str, int], date_pos: int,
                        period: tuple[int, str] | None, dayfirst: bool | None) -> np.ndarray:
    """Rows labelled like a platform's total that have no real date or close the file."""
    n = len(frame)
    labelled = np.zeros(n, dtype=bool)
    for i in {positions[c] for c in ("date", "campaign", "campaign_type", "ad_group",
                                     "channel") if c in positions} | {0, date_pos}:
        col = frame[i]
        # labels are few among many repeated values: match each distinct text once
        hits = {v for v in pd.unique(col) if isinstance(v, str) and _TOTAL_RE.match(v.strip())}
        if hits:
            labelled |= col.isin(hits).to_numpy(bool)
    if not labelled.any():
        return labelled

    def real_date(v: object) -> bool:
        try:
            if period is not None:
                return _parse.period_bounds(v, period[1], dayfirst is not False) is not None
            return _parse._parse_date(v, dayfirst is not False) is not None
        except (ValueError, OverflowError, TypeError):
            return False

    dated = np.ones(n, dtype=bool)
    dated[labelled] = frame[date_pos][labelled].map(real_date).to_numpy(bool)
    plain = np.flatnonzero(~labelled)
    trailing = np.arange(n) > (plain[-1] if len(plain) else -1)
    return labelled & (~dated | trailing)


def _summed_rows(frame: pd.DataFrame, campaign_pos: int | None, date_pos: int,
                 out: Mapping[str, pd.Series], measures: Sequence[str]) -> list[int]:
    """Unlabelled summary rows: positions of rows that only add up other rows.

    A candidate is a row with no date at all (empty or ``--``), or a first or last row
    whose campaign is empty or a summary label (Meta's summary row carries the report's
    dates). It is a summary when every measure it states equals the sum of the other
    rows of its campaign (of all other rows when it names no campaign).
    """
    additive = [m for m in measures if MEASURES[m].aggregation == "sum" and m in out]
    n = len(frame)
    if not additive:
        return []

    def emptyish(col: pd.Series, labels: bool) -> np.ndarray:
        like = {v for v in pd.unique(col) if v is None or str(v).strip().lower() in
                _parse.EMPTY or (labels and _TOTAL_RE.match(str(v).strip()))}
        return (col.isin(like) | col.isna()).to_numpy(bool)

    no_date = emptyish(frame[date_pos], labels=False)
    if campaign_pos is not None:
        camps = frame[campaign_pos]
        no_camp = emptyish(camps, labels=True)
    else:
        camps, no_camp = pd.Series([""] * n), np.ones(n, dtype=bool)
    edge = np.zeros(n, dtype=bool)
    edge[[0, n - 1]] = True
    candidates = np.flatnonzero(no_date | (no_camp & edge & (no_camp.sum() == 1)))
    if not len(candidates) or len(candidates) > 50 or len(candidates) >= n:
        return []
    others = np.ones(n, dtype=bool)
    others[candidates] = False
    values = {m: out[m].to_numpy() for m in additive}
    found = []
    for i in candidates:
        group = others if no_camp[i] else others & (camps == camps.iloc[i]).to_numpy(bool)
        if not group.any():
            continue
        match, nonzero = True, False
        for m in additive:
            v = values[m]
            if np.isnan(v[i]):
                continue  # Meta leaves 'Results' empty in the summary when types differ
            total = np.nansum(v[group])
            # exports round each row and the total to cents: allow that much
            if not np.isclose(v[i], total, rtol=1e-6, atol=0.01 * group.sum() + 1e-9):
                match = False
                break
            nonzero |= total != 0
        if match and nonzero:
            found.append(int(i))
    return found


# --------------------------------------------------------------- validation


def check_table(
    df: pd.DataFrame,
    *,
    source: str | None = None,
    kpis: str | Iterable[str] | None = None,
    warn: list[str] | None = None,
    skip_duplicates: bool = False,
    headers: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Check a canonical table; return every problem (warnings go to ``warn``).

    Checks: required columns, measures needed by ``kpis``, negative values,
    duplicated rows (same date, campaign, channel and dimensions), and
    suspicious but legal data (clicks above impressions) as warnings.
    """
    problems: list[Problem] = []
    rows = df["_row"] if "_row" in df else pd.Series(range(len(df)), index=df.index)
    for col in ("date", "campaign", "channel"):
        if col not in df:
            problems.append(Problem(tr(f"the table has no {col!r} column.",
                                       f"bảng không có cột {col!r}."),
                                    tr(f"add it, or map a column to {col!r}.",
                                       f"thêm cột này, hoặc ánh xạ một cột sang {col!r}."),
                                    source, code=ProblemCode.COLUMN_MISSING))
    if kpis is not None:
        need: dict[str, list[str]] = {}
        for k in resolve_kpis(kpis):
            for m in k.measures:
                if m not in df:
                    need.setdefault(m, []).append(k.name)
        for m, ks in need.items():
            problems.append(Problem(
                tr(f"column {m!r} is missing; it is needed by {', '.join(ks)}.",
                   f"cột {m!r} bị thiếu; {', '.join(ks)} cần cột này."),
                tr(f"export the {MEASURES[m].label_en} metric too, or map its column: "
                   f"mapping={{'Your header': {m!r}}}.",
                   f"xuất thêm chỉ số {MEASURES[m].label_vi}, hoặc ánh xạ cột của nó: "
                   f"mapping={{'Tiêu đề của bạn': {m!r}}}."), source, None, m,
                code=ProblemCode.COLUMN_MISSING))
    for m in (c for c in df.columns if c in MEASURES):
        vals = df[m]
        neg = (vals < 0).to_numpy()
        for r, v in zip(rows[neg].tolist()[:20], vals[neg].tolist()[:20], strict=True):
            problems.append(Problem(tr(f"negative value {v:g}; {m} cannot be negative.",
                                       f"giá trị âm {v:g}; {m} không thể âm."),
                                    tr("fix the export (refunds belong in a separate column).",
                                       "sửa tệp xuất (tiền hoàn trả để ở một cột riêng)."),
                                    source, int(r), (headers or {}).get(m, m),
                                    code=ProblemCode.VALUE_NEGATIVE))
        if neg.sum() > 20:
            more = int(neg.sum()) - 20
            problems.append(Problem(tr(f"{more} more negative values in {m}.",
                                       f"thêm {more} giá trị âm trong {m}."),
                                    "", source, None, m, code=ProblemCode.VALUE_NEGATIVE))
    if not (problems or skip_duplicates) and {"date", "campaign", "channel"} <= set(df):
        keys = [c for c in ("date", "date_end", "campaign", "channel", *DIMENSIONS) if c in df]
        dup = df.duplicated(keys, keep=False).to_numpy()
        if dup.any():
            sub = df.loc[dup]
            sub_rows = rows[dup]
            groups = sub.groupby(keys, sort=False, dropna=False).indices
            for n, idx in enumerate(groups.values()):
                if n >= 20:
                    more = len(groups) - 20
                    problems.append(Problem(tr(f"{more} more duplicated keys.",
                                               f"thêm {more} khóa bị trùng."), "", source,
                                            code=ProblemCode.ROW_DUPLICATE))
                    break
                r = [int(sub_rows.iloc[i]) for i in idx]
                first = sub.iloc[idx[0]]
                same = sub.iloc[idx].drop(columns=["_row"], errors="ignore").nunique(
                    dropna=False).max() <= 1
                key = f"({first['date']:%Y-%m-%d}, {first['campaign']!r}, {first['channel']!r})"
                listed = ", ".join(map(str, r))
                problems.append(Problem(
                    tr(f"rows {listed}: row {r[1]} "
                       + ("repeats" if same else "has the same date, campaign and channel as")
                       + f" row {r[0]} {key}.",
                       f"các dòng {listed}: dòng {r[1]} "
                       + ("lặp lại" if same else "có cùng ngày, chiến dịch và kênh với")
                       + f" dòng {r[0]} {key}."),
                    tr("remove the duplicate, or add the column that tells them apart "
                       "(ad group, device, ...) to the export.",
                       "xóa dòng trùng, hoặc thêm vào tệp xuất cột phân biệt chúng "
                       "(nhóm quảng cáo, thiết bị, ...)."), source, code=ProblemCode.ROW_DUPLICATE))
    if warn is not None and {"clicks", "impressions"} <= set(df.columns):
        over = (df["clicks"] > df["impressions"]).to_numpy()
        if over.any():
            r = rows[over].tolist()
            warn.append(Note(tr(
                f"clicks exceed impressions on {len(r)} row(s) (first: row {r[0]}); "
                "legal for some platforms, but check the export.",
                f"số nhấp chuột vượt số lần hiển thị ở {len(r)} dòng (đầu tiên: dòng {r[0]}); "
                "một số nền tảng cho phép, nhưng hãy kiểm tra tệp xuất."),
                ProblemCode.VALUE_CLICKS_ABOVE_IMPRESSIONS))
    return problems


def validate(
    df: pd.DataFrame, *, kpis: str | Iterable[str] | None = None, source: str | None = None
) -> pd.DataFrame:
    """Check a canonical DataFrame; return it unchanged or raise.

    Raises
    ------
    DataError
        With every problem found.
    """
    warn: list[str] = []
    problems = check_table(df, source=source or df.attrs.get("source"), kpis=kpis, warn=warn)
    if problems:
        missing = tr("is missing", "bị thiếu")
        cls = MissingColumnsError if all(missing in p.message for p in problems) else DataError
        raise cls(problems, source or df.attrs.get("source"))
    for w in warn:
        warnings.warn(KpikitWarning(w, code=getattr(w, "code", None)), stacklevel=2)
    return df
