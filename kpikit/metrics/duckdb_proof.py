"""The DuckDB engine's proof: may DuckDB read a path the way the loader would?

One set of rules for both engines. A path goes to DuckDB only when one aggregate pass
over it PROVES, in SQL, that :func:`kpikit.load` would read every cell exactly as DuckDB
does and would find nothing to refuse or warn about: canonical headers only, plain
numbers (``1234`` or ``1234.5``, never a ``1.000`` that could mean a thousand), ISO dates
from 1990 to a year ahead, no negative, NaN or infinite value, no duplicated key, no
summary-looking row, no empty, untrimmed or non-NFC name, no clicks above impressions.
Whatever fails the proof (or makes DuckDB itself fail) is read by the loader, a folder
file by file, so numbers, warnings and errors are the loader's by construction.

The same pass aggregates every measure by series (campaign, channel, dimensions) and
month into the table ``kp_l1``, which :mod:`kpikit.metrics.duckdb_engine` sums from.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kpikit.catalog import MEASURES
from kpikit.data_in.folders import canonical_order, data_files, is_regular
from kpikit.data_in.summary_rows import is_summary_label
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.metrics.core import SERIES

__all__ = ["Proof", "columns_of", "is_canonical", "layout", "literal", "prove", "quote",
           "require_duckdb"]

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv", ".txt")
# a folder may hold other files (data_in.folders): the loader reads those; only Parquet
# and CSV can be proven clean
_TEXT = SERIES
_ALLOWED = frozenset(("date", *_TEXT, *MEASURES))
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_HEAD_BYTES = 65536
_NUMERIC = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
                      "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE"})
_DATES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"})
# the oldest date the loader takes without a warning; the newest is a year after today,
# kept a day short of it so that time zones and leap years cannot split the two engines
_FIRST_DAY = date(1990, 1, 1)
_AHEAD_DAYS = 364
# plain numbers: digits, or digits.digits (longer ones are left to the loader's overflow
# rules). A dot followed by exactly three digits (1.000, 12.345) may be a thousands
# separator to the loader: proven a decimal point only when the same column of the same
# file also has an unambiguous decimal
_PLAIN_RE = r"[0-9]{1,15}(\.[0-9]{1,17})?"
# a superset of the summary rows the loader drops (Total:, Grand total, Tổng cộng, ...):
# a name that merely starts like one is left for the loader to judge
_SUMMARY_RE = (r"^(grand[\s\p{Z}]*total|sub[\s\p{Z}-]*total|total|tổng|tong[\s\p{Z}]*cong|"
               r"results[\s\p{Z}]+from|kết[\s\p{Z}]+quả[\s\p{Z}]+từ)")
# text the loader would change (strip, split lines, unquote) or read as empty
_UNTIDY_RE = r'^[\p{Z}\p{Cc}]|[\p{Z}\p{Cc}]$|[\p{Cc}\p{Zl}\p{Zp}"]'
_EMPTY_WORDS = ("--", "-", "—", "–", "n/a", "na", "nan", "none", "null", "(not set)")


def require_duckdb() -> Any:
    """The duckdb module, or a ParameterError saying how to install it."""
    try:
        import duckdb
    except ImportError:
        raise ParameterError(tr("computing from a file path uses DuckDB, which is not installed. "
                                "Fix: pip install duckdb, or load the table first: "
                                "kpikit.compute(kpikit.load(path))."),
            code=ProblemCode.DEPENDENCY_MISSING) from None
    return duckdb


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(literal(str(p)) for p in paths) + "]"


# ------------------------------------------------------------------ what a path holds


def _head(path: Path) -> bytes:
    """The first bytes of a regular file: bounded, and never blocks (no FIFO reaches here)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read(_HEAD_BYTES)


def _csv_header(path: Path) -> tuple[str, list[str]] | None:
    """(delimiter, column names) when the first line is canonical names and nothing else."""
    head = _head(path)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    line, newline, _ = head.partition(b"\n")
    if not newline:
        return None  # no data row, or a first line too long to be a canonical header
    try:
        text = line.removesuffix(b"\r").decode("ascii")
    except UnicodeDecodeError:
        return None
    seps = {c for c in text if c not in _NAME_CHARS}
    if len(seps) != 1:
        return None
    (delim,) = seps
    if delim not in ",;\t|":
        return None
    names = text.split(delim)
    if len(set(names)) != len(names) or not set(names) <= _ALLOWED:
        return None
    return delim, names


@dataclass
class _Part:
    """Files of one kind and one header, read by one DuckDB scan."""

    kind: str  # "csv" or "parquet"
    columns: list[str]
    delim: str = ""
    files: list[Path] = field(default_factory=list)


def _parquet_columns(con: Any, path: Path) -> list[str] | None:
    """Column names of a Parquet file whose types prove the loader reads them as DuckDB does."""
    # a pandas index stored as a column is an index again for pandas.read_parquet, and
    # the loader never sees it: leave it out too
    index: set[str] = set()
    for (value,) in con.execute(f"SELECT value FROM parquet_kv_metadata({literal(str(path))}) "
                                "WHERE key = 'pandas'").fetchall():
        try:
            meta = json.loads(value)
        except (ValueError, TypeError):
            return None
        index |= {i for i in meta.get("index_columns", []) if isinstance(i, str)}
    described = [r for r in con.execute(
        f"DESCRIBE SELECT * FROM read_parquet({literal(str(path))})").fetchall()
        if r[0] not in index]
    names = [r[0] for r in described]
    if len(set(names)) != len(names) or not set(names) <= _ALLOWED:
        return None
    for name, kind, *_ in described:
        ok = (kind in _DATES if name == "date" else kind == "VARCHAR" if name in _TEXT
              else kind in _NUMERIC)
        if not ok:
            return None
    return names


def layout(con: Any, path: Path) -> list[_Part] | None:
    """The scans of a canonical file or folder; None when some file is not canonical."""
    if path.is_dir():
        files = data_files(path)
    elif is_regular(path):
        files = [path]
    else:
        return None
    if not files:
        return None
    parts: dict[tuple[str, str, tuple[str, ...]], _Part] = {}
    for f in files:
        suffix = f.suffix.lower()
        if suffix in _PARQUET:
            cols = _parquet_columns(con, f)
            key = ("parquet", "", tuple(sorted(cols or ())))
            delim = ""
        elif suffix in _CSV:
            found = _csv_header(f)
            cols, delim = (found[1], found[0]) if found else (None, "")
            key = ("csv", delim, tuple(cols or ()))
        else:
            return None
        if cols is None or "date" not in cols or "campaign" not in cols or \
                "channel" not in cols or not any(c in MEASURES for c in cols):
            return None
        parts.setdefault(key, _Part(key[0], cols, delim)).files.append(f)
    texts = {tuple(c for c in p.columns if c in _TEXT) for p in parts.values()}
    if len({frozenset(t) for t in texts}) != 1:
        return None  # a dimension some files lack: the loader fills it differently
    return list(parts.values())


def is_canonical(path: str | os.PathLike[str]) -> bool:
    """Whether a path holds canonical tables (headers ``date``, ``campaign``, ``channel``,
    dimensions and measures, nothing else), which DuckDB may read once proven clean.

    Platform exports (Google Ads, Meta, ...) are not: :func:`kpikit.load` reads them.
    """
    try:
        duckdb = require_duckdb()
    except ParameterError:
        return False
    try:
        return layout(duckdb.connect(), Path(path)) is not None
    except (duckdb.Error, OSError, ValueError):
        return False


def columns_of(con: Any, source: str) -> list[str]:
    """Column names of a scan, without reading its rows."""
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]


# ------------------------------------------------------------------ reading the scans


def _read_csv(part: _Part, *, filename: bool = False) -> str:
    # every cell as text, no quoting: a quote is left in the cell and fails the proof, so
    # DuckDB and Python's csv module cannot split or unquote a line differently
    types = "{" + ", ".join(f"{literal(c)}: 'VARCHAR'" for c in part.columns) + "}"
    return (f"read_csv({_list(part.files)}, header = true, delim = {literal(part.delim)}, "
            f"quote = '', escape = '', auto_detect = false, columns = {types}"
            + (", filename = true)" if filename else ")"))


def _read_parquet(part: _Part, *, filename: bool = False) -> str:
    return (f"read_parquet({_list(part.files)}, union_by_name = true"
            + (", filename = true)" if filename else ")"))


def _typed_scan(parts: Sequence[_Part]) -> str:
    """Every part read with the loader's types (dates as DATE, measures as DOUBLE)."""
    selects = []
    for p in parts:
        cols = []
        for c in canonical_order(p.columns):
            if c == "date":
                cols.append('CAST("date" AS DATE) AS "date"')
            elif c in MEASURES:
                cols.append(f"CAST({quote(c)} AS DOUBLE) AS {quote(c)}")
            else:
                cols.append(quote(c))
        reader = _read_csv(p) if p.kind == "csv" else _read_parquet(p)
        selects.append(f"SELECT {', '.join(cols)} FROM {reader}")
    every = canonical_order(c for p in parts for c in p.columns)
    return (f"(SELECT {', '.join(quote(c) for c in every)} FROM ("
            + " UNION ALL BY NAME ".join(selects) + "))")


# ------------------------------------------------------------------ the proof


@dataclass
class Proof:
    """What the proof pass leaves: the typed scan, and the series x month sums table."""

    scan: str
    columns: list[str]
    series: list[str]


def _newest() -> date:
    return date.today() + timedelta(days=_AHEAD_DAYS)


def _parquet_safe(con: Any, files: Sequence[Path], measures: Sequence[str]
                  ) -> tuple[set[str], set[str], bool]:
    """What the Parquet statistics of every row group of every file prove: the measures
    without a negative or infinite value, the measures without a missing value, and
    whether every date is there and inside the loader's quiet range."""
    wanted = ", ".join(literal(m) for m in ("date", *measures))
    rows = con.execute(
        "SELECT path_in_schema, count(*), count(stats_min_value), count(stats_max_value), "
        "min(TRY_CAST(stats_min_value AS DOUBLE)), max(TRY_CAST(stats_max_value AS DOUBLE)), "
        "count(stats_null_count), sum(stats_null_count), count(DISTINCT file_name), "
        "min(TRY_CAST(TRY_CAST(stats_min_value AS TIMESTAMP) AS DATE)), "
        "max(TRY_CAST(TRY_CAST(stats_max_value AS TIMESTAMP) AS DATE)), "
        "count(TRY_CAST(stats_min_value AS TIMESTAMP)), "
        "count(TRY_CAST(stats_max_value AS TIMESTAMP)) "
        f"FROM parquet_metadata({_list(files)}) WHERE path_in_schema IN ({wanted}) "
        "GROUP BY 1").fetchall()
    safe, full, dates = set(), set(), False
    for (name, n, n_min, n_max, low, high, n_null, nulls, n_files, first, last, n_first,
         n_last) in rows:
        complete = n_files == len(files) and n == n_null and nulls == 0
        if name == "date":
            dates = (complete and n == n_first == n_last and first is not None
                     and last is not None and first >= _FIRST_DAY and last <= _newest())
            continue
        if n == n_min == n_max and low is not None and high is not None and low >= 0 and \
                high < float("inf"):
            safe.add(name)
        if complete:
            full.add(name)
    return safe, full, dates


def _level1(con: Any, part: _Part, series: Sequence[str]) -> str:
    """SELECT of one part grouped by series, file and month, with the proof's counters."""
    measures = [c for c in part.columns if c in MEASURES]
    day = "1::BIGINT << day(_d)"
    # one file: its name is a constant, not a grouping key (hashing it per row is costly)
    one = len(part.files) == 1
    out = [*(quote(s) for s in series), "date_trunc('month', _d) AS _b",
           literal(str(part.files[0])) + " AS _file" if one else "_file",
           # one bit per day of the month: the sum of n distinct powers of two has n bits
           # set, and any repeated day carries, leaving fewer (a duplicate, found exactly)
           "count(*) AS _n", f"sum({day}) AS _bs"]
    dates = ["min(_d) AS _dmin", "max(_d) AS _dmax", "count(*) - count(_d) AS _nulld"]
    if part.kind == "csv":
        reader = _read_csv(part, filename=not one)
        first = part.columns[0]
        hash_ = f"starts_with({quote(first)}, '#')" if first in _TEXT else "false"
        date_ok = "regexp_full_match(\"date\", '[0-9]{4}-[0-9]{2}-[0-9]{2}')"
        inner = (f"SELECT *, {'' if one else 'filename AS _file, '}{hash_} AS _hash, "
                 f"CASE WHEN {date_ok} THEN TRY_CAST(\"date\" AS DATE) END AS _d "
                 f"FROM {reader}")
        full: set[str] = set()
        # one regular expression per row, not per cell: with quoting off no cell holds
        # the delimiter, so the cells joined by it split back unambiguously (concat_ws
        # skips empty cells, which are missing values for both engines)
        sep = "\\|" if part.delim == "|" else part.delim
        joined = f"concat_ws({literal(part.delim)}, {', '.join(quote(m) for m in measures)})"
        plain = f"({_PLAIN_RE}({sep}{_PLAIN_RE})*)?"
        out.append(f"count(*) FILTER (WHERE NOT regexp_full_match({joined}, {literal(plain)})) "
                   "AS _bad")
        out.append("count(*) FILTER (WHERE _hash) AS _hash")
        for m in measures:
            # bit 1: a cell like 1.000 (1 to 3 digits, a dot, 3 digits: maybe thousands);
            # bit 2: an unambiguous decimal. Cells failing the plain-number test above
            # fail the proof anyway, so only plain cells need to be told apart here
            # (strpos and length cost far less than a second regular expression)
            dot = f"strpos({quote(m)}, '.')"
            out.append(f"sum(TRY_CAST({quote(m)} AS DOUBLE)) AS {quote(m)}")
            out.append(f"bit_or(CASE WHEN {quote(m)} IS NULL OR {dot} = 0 THEN 0 WHEN {dot} "
                       f"BETWEEN 2 AND 4 AND length({quote(m)}) - {dot} = 3 THEN 1 ELSE 2 END) "
                       f"AS {quote('_kind_' + m)}")
        value = "TRY_CAST({} AS DOUBLE)"
    else:
        reader = _read_parquet(part, filename=not one)
        inner = (f"SELECT {', '.join(quote(c) for c in part.columns)}, "
                 f"{'' if one else 'filename AS _file, '}CAST(\"date\" AS DATE) AS _d "
                 f"FROM {reader}")
        safe, full, proven = _parquet_safe(con, part.files, measures)
        if proven:  # the statistics spare three aggregates per group
            dates = ["NULL::DATE AS _dmin", "NULL::DATE AS _dmax", "0 AS _nulld"]
        conds = []
        for m in measures:
            out.append(f"sum(CAST({quote(m)} AS DOUBLE)) AS {quote(m)}")
            # a NaN or an infinity makes the sum NaN or infinite
            conds.append(f"coalesce(isfinite(sum(CAST({quote(m)} AS DOUBLE))), true)")
            if m not in safe:
                conds.append(f"coalesce(min({quote(m)}) >= 0, true)")
        out.append(f"CASE WHEN {' AND '.join(conds)} THEN 0 ELSE 1 END AS _bad")
        out.append("0 AS _hash")
        value = "CAST({} AS DOUBLE)"  # unsigned columns cannot subtract below zero
    out += dates
    for m in measures:  # statistics proving no missing cell spare a count per measure
        out.append(f"count({'*' if m in full else quote(m)}) AS {quote('_c_' + m)}")
    if "clicks" in measures and "impressions" in measures:
        # positive when some row has clicks above impressions (cheaper than a FILTER)
        over = f"{value.format(quote('clicks'))} - {value.format(quote('impressions'))}"
        out.append(f"max({over}) AS _over")
    keys = ", ".join(str(i + 1) for i in range(len(series) + (1 if one else 2)))
    return f"SELECT {', '.join(out)} FROM ({inner}) GROUP BY {keys}"


def _untidy(col: str) -> str:
    c = quote(col)
    empties = ", ".join(literal(w) for w in _EMPTY_WORDS)
    return (f"({c} IS NULL OR {c} = '' OR lower({c}) IN ({empties}) OR nfc_normalize({c}) <> "
            f"{c} OR regexp_matches({c}, {literal(_UNTIDY_RE)}) OR "
            f"regexp_matches({c}, {literal(_SUMMARY_RE)}, 'i'))")


def prove(con: Any, parts: Sequence[_Part]) -> Proof | None:
    """Prove in SQL that the loader would read the parts as DuckDB does, without a problem
    or a warning; leave the series x file x month sums in table ``kp_l1``. None if not."""
    every = canonical_order(c for p in parts for c in p.columns)
    series = [c for c in every if c in _TEXT]
    measures = [c for c in every if c in MEASURES]
    l1 = " UNION ALL BY NAME ".join(f"({_level1(con, p, series)})" for p in parts)
    con.execute(f"CREATE OR REPLACE TEMP TABLE kp_l1 AS {l1}")
    have = set(columns_of(con, "kp_l1"))
    files = {str(f) for p in parts for f in p.files}
    sums = [f"coalesce(bit_or({quote(c)}), 0) AS {quote(c)}" for c in sorted(have)
            if c.startswith("_kind_")]
    over = "count(*) FILTER (WHERE _over > 0)" if "_over" in have else "0"
    # dates outside [1990-01-01, a year ahead] (the loader warns) count as bad here, in
    # SQL: a year 9999 never has to fit a pandas timestamp
    outside = (f"count(*) FILTER (WHERE _dmin < DATE '{_FIRST_DAY.isoformat()}' OR "
               f"_dmax > DATE '{_newest().isoformat()}')")
    if len(files) == 1:  # one file: each series and month is one row of kp_l1 already
        table, dups = "kp_l1", "bit_count(_bs) <> _n - _nulld"
    else:  # the same day of a series in two files is a duplicate too
        window = ", ".join(quote(s) for s in series) + ", _b"
        table = (f"(SELECT *, sum(_bs) OVER w AS _ws, sum(_n - _nulld) OVER w AS _wn FROM "
                 f"kp_l1 WINDOW w AS (PARTITION BY {window}))")
        dups = "bit_count(_ws) <> _wn"
    rows = con.execute(
        f"SELECT _file, sum(_n) AS n, count(*) FILTER (WHERE {dups}) AS dups, "
        f"{outside} AS outside, sum(_nulld) AS nulld, sum(_bad) AS bad, "
        f"sum(_hash) AS hash, {over} AS over" + "".join(", " + s for s in sums)
        + f" FROM {table} GROUP BY _file").df()
    # names are checked once per series, not once per series and month
    names = ", ".join(quote(s) for s in series)
    untidy = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {names} FROM kp_l1) WHERE "
                         + " OR ".join(_untidy(s) for s in series)).fetchone()[0]
    if untidy:
        return None
    # and the loader's own rule, name by name
    for s in series:
        for (name,) in con.execute(f"SELECT DISTINCT {quote(s)} FROM kp_l1").fetchall():
            if is_summary_label(name):
                return None
    if set(rows["_file"]) != files:
        return None  # a file without data rows: the loader says so
    counters = ["dups", "outside", "nulld", "bad", "hash", "over"]
    if (rows[counters].to_numpy() != 0).any():
        return None
    for m in measures:  # '1.000' is read as 1.0 only beside an unambiguous decimal
        if f"_kind_{m}" in rows and (rows[f"_kind_{m}"].astype("int64") == 1).any():
            return None
    return Proof(_typed_scan(parts), every, series)
