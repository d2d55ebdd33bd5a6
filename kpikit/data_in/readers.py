"""Reading a file's bytes into rows of cells: text (CSV/TSV, any delimiter, UTF-8 or
UTF-16) and workbooks (XLSX). Nothing here gives the cells a meaning yet.
"""

from __future__ import annotations

import csv
import io as _io
import unicodedata
import warnings

from kpikit.errors import DataError, ParameterError, Problem, ProblemCode
from kpikit.i18n.lang import nfmt, tr

__all__ = ["read_excel", "read_text"]


def _undecodable(source: str, line: int, byte: int, position: int, what: str) -> DataError:
    return DataError(
        Problem(
            tr("the file is not {what} text (invalid byte 0x{byte:02x} at position {position}); "
               "it may be saved in a legacy code page such as Windows-1252 or Windows-1258.",
               what=what, byte=byte, position=position),
            tr("save or export it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)."),
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
            tr("the file looks like UTF-16 text but has an odd number of bytes ({data}): it is "
               "truncated or damaged.", data=len(data)),
            tr("export the report again, or save it as 'CSV UTF-8'."), source, line,
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


def read_text(data: bytes, source: str) -> tuple[list[list[object]], list[int]]:
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
                        tr("a quote (\") opened on this row is not closed where the cell should "
                           "end, so the lines up to row {line_num} would be read as one cell.",
                           line_num=reader.line_num),
                        tr("close the quote or remove it (write \"\" for a quote inside a quoted "
                           "cell), or export the report again."), source, start,
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
                        tr("a quote (\") opened on this row is never closed: the file ends inside "
                           "it."),
                        tr("close the quote or remove it, or export the report again."),
                        source, numbers[-1], code=ProblemCode.CSV_UNCLOSED_QUOTE)) from None
    except csv.Error as e:
        if "field limit" in str(e):
            limit = nfmt(csv.field_size_limit())  # one number text for both languages
            raise DataError(Problem(
                tr("a cell is longer than {limit} characters, which no export writes (often an "
                   "unclosed quote that runs to the end of the file).", limit=limit),
                tr("look for an unclosed quote (\") on this row, or shorten the cell."),
                source, start, code=ProblemCode.CSV_CELL_TOO_LONG)) from None
        raise DataError(
            Problem(tr("the file is not valid delimited text ({e}).", e=e),
                    tr("check for an unclosed quote near that line."), source, start,
                    code=ProblemCode.CSV_MALFORMED)
        ) from None
    return rows, numbers


def read_excel(data: bytes, source: str
                ) -> list[tuple[str, list[list[object]], list[int], list[Problem]]]:
    """Every sheet as (title, rows, line numbers, problems of formula cells)."""
    try:
        import openpyxl
        from openpyxl.utils import get_column_letter
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise ParameterError(tr("Reading .xlsx needs openpyxl. Fix: pip install openpyxl"),
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
            Problem(tr("cannot open the workbook ({name__}: {e}).", name__=type(e).__name__, e=e),
                    tr("open it in Excel and save it again as .xlsx, or export CSV."), source,
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
                                tr("cell {cell} holds the formula {f!r} but no saved value (the "
                                   "workbook was written by a program that does not calculate).",
                                   cell=cell, f=f[:60]),
                                tr("open the workbook in Excel or LibreOffice and save it again "
                                   "(that stores the values), or export CSV."), label, i, cell,
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
            tr("cannot read the workbook past row {i} ({name__}: {e}).", i=i,
               name__=type(e).__name__, e=e),
            tr("open it in Excel and save it again as .xlsx, or export CSV."), source,
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
                big, small = nfmt(unpacked / 1e6), nfmt(len(data) / 1e6, ",.1f")
                raise DataError(Problem(
                    tr("the workbook unpacks to {big} MB from {small} MB, far more than any "
                       "export.", big=big, small=small),
                    tr("export the report as CSV instead."),
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
