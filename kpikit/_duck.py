"""The DuckDB engine of :func:`kpikit.compute`: tables too large for memory.

The aggregation (sums, snapshot picks, row counts for non-additive measures, the
coverage check) is pushed into DuckDB as SQL built from the catalog, reading only the
columns the KPIs need from Parquet/CSV files or folders of them; the small aggregated
table then goes through the same :func:`kpikit.compute.finish` as the pandas engine, so
both engines apply the same formulas, the same zero-denominator rule and the same checks.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ._lang import tr
from .catalog import KPI, MEASURES
from .compute import (
    FREQS,
    PERIOD_WORDS,
    _check_nonadditive,
    _parse_by,
    choose_kpis,
    coverage_message,
    finish,
    split_terms,
)
from .errors import KpikitWarning, MissingColumnsError, ParameterError, Problem
from .sources import DIMENSIONS

_TRUNC = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv", ".txt")


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise ParameterError(tr(
            "computing from a file path uses DuckDB, which is not installed. Fix: pip "
            "install duckdb, or load the table first: kpikit.compute(kpikit.load(path)).",
            "tính từ đường dẫn tệp dùng DuckDB, nhưng DuckDB chưa được cài. Cách sửa: pip "
            "install duckdb, hoặc đọc bảng trước: kpikit.compute(kpikit.load(path)).")
        ) from None
    return duckdb


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _suffixes(folder: Path) -> set[str]:
    """The file suffixes under a folder (one walk of it)."""
    return {p.suffix.lower() for p in folder.rglob("*") if p.is_file()}


def _parquet_globs(folder: Path, suffixes: set[str]) -> str:
    return "[" + ", ".join(_lit(str(folder / "**" / f"*{s}")) for s in _PARQUET
                           if s in suffixes) + "]"


def _scan(path: Path) -> str:
    """The SQL that reads a file or every Parquet/CSV file under a folder."""
    csv_opts = "header = true, union_by_name = true"
    if path.is_dir():
        parts = []
        found = _suffixes(path)
        if found & set(_PARQUET):
            parts.append(f"SELECT * FROM read_parquet({_parquet_globs(path, found)}, "
                         "union_by_name = true)")
        if ".csv" in found:
            parts.append(f"SELECT * FROM read_csv({_lit(str(path / '**' / '*.csv'))}, "
                         f"{csv_opts})")
        if not parts:
            raise ParameterError(tr(f"{path}: the folder has no .parquet or .csv files.",
                                    f"{path}: thư mục không có tệp .parquet hay .csv nào."))
        return "(" + " UNION ALL BY NAME ".join(parts) + ")"
    if not path.exists():
        raise ParameterError(tr(f"{path}: no such file or folder.",
                                f"{path}: không có tệp hay thư mục này."))
    suffix = path.suffix.lower()
    if suffix in _PARQUET:
        return f"read_parquet({_lit(str(path))})"
    if suffix in _CSV:
        return f"read_csv({_lit(str(path))}, {csv_opts})"
    raise ParameterError(tr(f"{path.name}: DuckDB reads .parquet and .csv files; convert "
                            "it, or load it with kpikit.load.",
                            f"{path.name}: DuckDB đọc tệp .parquet và .csv; hãy chuyển đổi "
                            "tệp, hoặc đọc bằng kpikit.load."))


def columns_of(con: Any, source: str) -> list[str]:
    """Column names of a scan, without reading its rows."""
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]


def is_canonical(path: str | os.PathLike[str]) -> bool:
    """Whether a path holds canonical tables (``date`` and measures), fit for DuckDB.

    Platform exports (Google Ads, Meta, ...) are not: :func:`kpikit.load` reads them.
    """
    p = Path(path)
    if not p.is_dir() and p.suffix.lower() not in _PARQUET + (".csv",):
        return False
    duckdb = _duckdb()
    try:
        cols = columns_of(duckdb.connect(), _scan(p))
    except duckdb.Error:
        return False
    return "date" in cols and any(c in MEASURES for c in cols)


def compute(source: pd.DataFrame | str | os.PathLike[str],
            kpis: str | KPI | Iterable[str | KPI] | None = None, *,
            by: str | Sequence[str] | None = ("campaign",), freq: str | None = None,
            include_measures: bool = False, memory_limit: str | None = None) -> pd.DataFrame:
    """:func:`kpikit.compute` through DuckDB (see there for the parameters)."""
    duckdb = _duckdb()
    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    path = None
    if isinstance(source, pd.DataFrame):
        con.register("kpikit_table", source)
        scan, label, currency = "kpikit_table", source.attrs.get("source"), \
            source.attrs.get("currency")
    else:
        path = Path(source)
        scan, label, currency = _scan(path), path.name, None
    cols = columns_of(con, scan)
    keys, freq = _parse_by(by, freq)
    missing = [k for k in keys if k not in cols]
    if missing:
        choices = ", ".join(repr(c) for c in [*(c for c in cols if c not in MEASURES),
                                              *PERIOD_WORDS])
        raise ParameterError(tr(
            f"by={missing[0]!r}: no such column. Fix: group by one of {choices}.",
            f"by={missing[0]!r}: không có cột này. Cách sửa: gộp theo một trong {choices}."))
    chosen = choose_kpis(kpis, cols, label)
    terms, sums, nonadd, snaps = split_terms(chosen, include_measures)
    if currency is None and "currency" in cols:
        found = [r[0] for r in con.execute(
            f"SELECT DISTINCT currency FROM {scan} WHERE currency IS NOT NULL LIMIT 2"
        ).fetchall()]
        currency = found[0] if len(found) == 1 else None

    group_sql = [_q(k) for k in keys]
    if freq is not None:
        if "date" not in cols:
            raise MissingColumnsError(Problem(
                tr("the table has no 'date' column, so it cannot be grouped by period.",
                   "bảng không có cột 'date' nên không gộp theo kỳ được."),
                tr("write the daily table with its date column, or drop the period from by.",
                   "ghi bảng theo ngày kèm cột ngày, hoặc bỏ kỳ khỏi by.")))
        trunc = f"date_trunc('{_TRUNC[freq]}', CAST(\"date\" AS DATE))"
        if "date_end" in cols:
            crossing = con.execute(
                f"SELECT count(*) FROM {scan} WHERE {trunc} <> date_trunc('{_TRUNC[freq]}', "
                "CAST(coalesce(date_end, \"date\") AS DATE))").fetchone()[0]
            if crossing:
                raise ParameterError(tr(
                    f"{crossing} row(s) cover several days crossing a {freq!r} period "
                    "boundary. Fix: export the report by day, or compute with freq=None.",
                    f"{crossing} dòng trải nhiều ngày vượt ranh giới kỳ {freq!r}. Cách sửa: "
                    "xuất báo cáo theo ngày, hoặc tính với freq=None."))
        group_sql.append(f"{trunc} AS period")
    group_names = [*keys, *(["period"] if freq else [])]
    by_clause = (" GROUP BY " + ", ".join(str(i + 1) for i in range(len(group_sql)))
                 if group_sql else "")

    selects = [*group_sql]
    selects += [f"sum(CAST({_q(m)} AS DOUBLE)) AS {_q(m)}" for m in sums + nonadd]
    selects += [f"count({_q(m)}) AS {_q('_n_' + m)}" for m in nonadd]
    # the coverage check, cheaply first: one count of rows where some measure of a
    # multi-measure ratio is missing; only if there are any, count the mixed rows per KPI
    ratio_measures = sorted({m for k in chosen if k.is_ratio and len(k.measures) > 1
                             for m in k.measures if m in cols})
    if ratio_measures and path is not None and _no_nulls(con, path, ratio_measures):
        ratio_measures = []  # the Parquet footers say so: no row to count
    if ratio_measures:
        gaps = " OR ".join(f"{_q(m)} IS NULL" for m in ratio_measures)
        selects.append(f"count(*) FILTER (WHERE {gaps}) AS _gaps")
    sql = f"SELECT {', '.join(selects) or 'count(*) AS _rows'} FROM {scan}{by_clause}"
    agg = con.execute(sql).df()
    doubtful = ([k for k in chosen if k.is_ratio and len(k.measures) > 1]
                if ratio_measures and (agg["_gaps"] > 0).any() else [])
    checks = _coverage_selects(doubtful, cols)
    if checks:  # some measure is missing on some rows: count the mixed rows per group
        detail = con.execute(
            f"SELECT {', '.join([*group_sql, *(q for q, _ in checks)])} FROM {scan}{by_clause}"
        ).df()
        agg = pd.concat([agg, detail.drop(columns=list(agg.columns.intersection(
            detail.columns)))], axis=1) if not group_sql else agg.merge(
            detail, on=group_names, how="left")
    for t in snaps:
        agg = _add_snapshot(con, scan, cols, keys, freq, t, agg, group_names)
    if freq is not None:
        agg["period"] = pd.to_datetime(agg["period"]).dt.to_period(FREQS[freq])
    if group_names:
        agg = agg.sort_values(group_names, kind="stable", na_position="last")
        agg = agg.set_index(group_names)
    else:
        agg.index = pd.RangeIndex(len(agg))
    if nonadd:
        counts = agg[[f"_n_{m}" for m in nonadd]].rename(columns=lambda c: c[3:])
        frame = pd.DataFrame()
        frame.attrs["source"] = label
        _check_nonadditive(counts, nonadd, group_names, frame)
    out = finish(agg, chosen, terms, group_names, include_measures, currency)
    _warn_coverage(agg, out, checks, group_names)
    return out


def _no_nulls(con: Any, path: Path, columns: Sequence[str]) -> bool:
    """Whether Parquet statistics prove ``columns`` have no missing value (CSV: unknown)."""
    found = {path.suffix.lower()} if path.is_file() else _suffixes(path)
    if not found or not found <= set(_PARQUET):
        return False
    where = _lit(str(path)) if path.is_file() else _parquet_globs(path, found)
    wanted = ", ".join(_lit(c) for c in columns)
    row = con.execute(
        f"SELECT count(*), count(stats_null_count), coalesce(sum(stats_null_count), 0) "
        f"FROM parquet_metadata({where}) WHERE path_in_schema IN ({wanted})").fetchone()
    return bool(row[0]) and row[0] == row[1] and row[2] == 0


def _coverage_selects(chosen: Sequence[KPI], cols: Sequence[str]
                      ) -> list[tuple[str, tuple[str, str, tuple[str, ...]]]]:
    """Per ratio KPI of several measures: rows where only some of its measures are there."""
    out = []
    for k in chosen:
        ms = [m for m in k.measures if m in cols]
        if not k.is_ratio or len(ms) < 2:
            continue
        some = " OR ".join(f"{_q(m)} IS NOT NULL" for m in ms)
        every = " AND ".join(f"{_q(m)} IS NOT NULL" for m in ms)
        mixed = f"({some}) AND NOT ({every})"
        out.append((f"count(*) FILTER (WHERE {mixed}) AS {_q('_mixed_' + k.name)}",
                    (k.name, "_mixed_" + k.name, tuple(ms))))
        for m in ms:
            out.append((f"count(*) FILTER (WHERE {mixed} AND {_q(m)} IS NULL) AS "
                        f"{_q('_lack_' + k.name + '_' + m)}", (k.name, "", ())))
    return out


def _warn_coverage(agg: pd.DataFrame, out: pd.DataFrame, checks: list,
                   group_names: Sequence[str]) -> None:
    messages = []
    for _, (kpi, col, ms) in checks:
        if not col:
            continue
        hit = (agg[col].to_numpy() > 0) & out[kpi].notna().to_numpy()
        if hit.any():
            lacking = [m for m in ms if (agg[f"_lack_{kpi}_{m}"].to_numpy()[hit] > 0).any()]
            first = out.loc[hit, list(group_names)].iloc[0].tolist() if group_names else []
            where = ", ".join(f"{c}={v}" for c, v in zip(group_names, first, strict=True))
            messages.append(coverage_message(kpi, int(hit.sum()), where, lacking))
    if messages:
        out.attrs["warnings"] = messages
        for msg in messages:
            warnings.warn(msg, KpikitWarning, stacklevel=4)


def _add_snapshot(con: Any, scan: str, cols: Sequence[str], keys: Sequence[str],
                  freq: str | None, term: str, agg: pd.DataFrame,
                  group_names: Sequence[str]) -> pd.DataFrame:
    """A snapshot measure: each series' first or last value in the group, summed."""
    measure, _, which = term.partition("@")
    pick = "arg_min" if which == "first" else "arg_max"
    series = [c for c in ("campaign", "channel", *DIMENSIONS) if c in cols and c not in keys]
    inner_keys = [_q(k) for k in keys]
    if freq is not None:
        inner_keys.append(f"date_trunc('{_TRUNC[freq]}', CAST(\"date\" AS DATE)) AS period")
    inner_keys += [_q(s) for s in series]
    n_inner = len(inner_keys)
    value = f'{pick}({_q(measure)}, "date") AS v'
    inner = (f"SELECT {', '.join([*inner_keys, value])} "
             f"FROM {scan} WHERE {_q(measure)} IS NOT NULL"
             + (" GROUP BY " + ", ".join(str(i + 1) for i in range(n_inner)) if n_inner else ""))
    outer_keys = [_q(g) for g in group_names]
    sql = (f"SELECT {', '.join([*outer_keys, 'sum(v) AS v'])} FROM ({inner})"
           + (" GROUP BY " + ", ".join(outer_keys) if outer_keys else ""))
    snap = con.execute(sql).df().rename(columns={"v": term})
    if not group_names:
        agg[term] = snap[term].iloc[0] if len(snap) else float("nan")
        return agg
    if "period" in snap:
        snap["period"] = pd.to_datetime(snap["period"])
        agg["period"] = pd.to_datetime(agg["period"])
    return agg.merge(snap, on=list(group_names), how="left")
