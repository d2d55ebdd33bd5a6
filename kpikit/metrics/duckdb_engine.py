"""The DuckDB engine of :func:`kpikit.compute`: tables too large for memory.

A path is first proven clean (:mod:`kpikit.metrics.duckdb_proof`); the proof pass leaves
every measure summed by series and month, so KPIs by campaign and month, quarter, year or
in total are summed from that small table and a clean Parquet file is scanned once. Other
groupings read the file again. The aggregation goes through the same
:func:`kpikit.metrics.core.finish` as the pandas engine: the same formulas, the same
zero-denominator rule and the same checks. This module never imports the pandas engine:
:func:`compute_proven` answers None for what it cannot prove, and :func:`kpikit.compute`
hands that to the loader and the pandas engine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.catalog import KPI
from kpikit.errors import (
    DataError,
    KpikitError,
    MissingColumnsError,
    ParameterError,
    Problem,
    ProblemCode,
)
from kpikit.i18n.lang import tr
from kpikit.metrics.core import (
    FREQS,
    SERIES,
    check_by_columns,
    check_nonadditive,
    choose_kpis,
    coverage_message,
    finish,
    parse_by,
    split_terms,
    warn_all,
)
from kpikit.metrics.duckdb_proof import (
    Proof,
    columns_of,
    layout,
    literal,
    prove,
    quote,
    require_duckdb,
)

__all__ = ["compute_proven", "compute_table"]

_TRUNC = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}



def _guard(run: Callable[[], pd.DataFrame], duckdb: Any, label: str | None) -> pd.DataFrame:
    """Run DuckDB work; whatever DuckDB raises becomes a KpikitError naming the input."""
    try:
        return run()
    except KpikitError:
        raise
    except duckdb.OutOfMemoryException as e:
        raise DataError(Problem(
            tr("DuckDB ran out of memory ({splitlines}).", splitlines=str(e).splitlines()[0]),
            tr("group by fewer columns, compute one folder part at a time, or close other "
               "programs and try again."),
            label, code=ProblemCode.ENGINE_OUT_OF_MEMORY), label) from None
    except duckdb.Error as e:
        raise DataError(Problem(
            tr("DuckDB could not read it ({name__}: {splitlines}).", name__=type(e).__name__,
               splitlines=str(e).splitlines()[0]),
            tr("check that the file is complete and not being written, or read it with "
               "kpikit.load (compute(path, engine='pandas')), which names the bad cell."), label,
            code=ProblemCode.ENGINE_READ_FAILED),
            label) from None


def _set_memory_limit(con: Any, duckdb: Any, limit: str) -> None:
    try:
        con.execute(f"SET memory_limit = {literal(limit)}")
    except duckdb.Error:
        raise ParameterError(tr("memory_limit={limit!r}: not a memory size. Fix: write it like "
                                "'4GB' or '500MB'.",
                                limit=limit), code=ProblemCode.PARAMETER_INVALID) from None


def compute_table(table: pd.DataFrame, kpis: str | KPI | Iterable[str | KPI] | None = None,
                  *, by: str | Sequence[str] | None = ("campaign",), freq: str | None = None,
                  include_measures: bool = False, memory_limit: str | None = None
                  ) -> pd.DataFrame:
    """:func:`kpikit.compute` of a canonical DataFrame through DuckDB (see there)."""
    duckdb = require_duckdb()
    con = duckdb.connect()
    label = table.attrs.get("source")
    if memory_limit:
        _set_memory_limit(con, duckdb, memory_limit)
    con.register("kpikit_table", table)
    return _guard(lambda: _aggregate(con, "kpikit_table", None, label,
                                     table.attrs.get("currency"), kpis, by, freq,
                                     include_measures), duckdb, label)


def compute_proven(path: str | os.PathLike[str],
                   kpis: str | KPI | Iterable[str | KPI] | None = None, *,
                   by: str | Sequence[str] | None = ("campaign",), freq: str | None = None,
                   include_measures: bool = False, memory_limit: str | None = None
                   ) -> pd.DataFrame | None:
    """:func:`kpikit.compute` of a canonical file or folder through DuckDB, or None.

    None when the proof pass cannot vouch that :func:`kpikit.load` would read the path
    the same way without a problem or a warning (or DuckDB cannot read it at all): the
    caller then reads it with the loader and computes it with the pandas engine.
    """
    duckdb = require_duckdb()
    con = duckdb.connect()
    path = Path(path)
    label = path.name
    if not path.exists():
        raise ParameterError(tr("{path}: no such file or folder.", path=path),
                             code=ProblemCode.FILE_NOT_FOUND)
    if memory_limit:
        _set_memory_limit(con, duckdb, memory_limit)
    try:
        parts = layout(con, path)
        proof = prove(con, parts) if parts else None
    except (duckdb.Error, OSError, ValueError):
        proof = None  # DuckDB cannot even read it: the loader says why
    if proof is None:
        return None
    out = _guard(lambda: _aggregate(con, proof.scan, proof, label, None, kpis, by, freq,
                                    include_measures), duckdb, label)
    out.attrs["engine"] = "duckdb"
    return out


def _aggregate(con: Any, scan: str, proof: Proof | None, label: str | None,
               currency: str | None, kpis: str | KPI | Iterable[str | KPI] | None,
               by: str | Sequence[str] | None, freq: str | None,
               include_measures: bool) -> pd.DataFrame:
    """Aggregate a scan in DuckDB and finish the KPIs (the proof's sums when they serve)."""
    cols = proof.columns if proof else columns_of(con, scan)
    keys, freq = parse_by(by, freq)
    check_by_columns(keys, cols)
    chosen = choose_kpis(kpis, cols, label)
    terms, sums, nonadd, snaps = split_terms(chosen, include_measures)
    if currency is None and proof is None and "currency" in cols:
        found = [r[0] for r in con.execute(
            f"SELECT DISTINCT currency FROM {scan} WHERE currency IS NOT NULL LIMIT 2"
        ).fetchall()]
        currency = found[0] if len(found) == 1 else None
    # the proof's series x month sums serve any grouping by series columns and a period
    # that months nest in; day and week groupings read the scan again
    summed = proof is not None and set(keys) <= set(proof.series) and freq in (None, "M",
                                                                                "Q", "Y")
    group_sql = [quote(k) for k in keys]
    if freq is not None:
        if "date" not in cols:
            raise MissingColumnsError(Problem(
                tr("the table has no 'date' column, so it cannot be grouped by period."),
                tr("write the daily table with its date column, or drop the period from by."),
                code=ProblemCode.COLUMN_DATE_MISSING))
        trunc = (f"date_trunc('{_TRUNC[freq]}', _b)" if summed
                 else f"date_trunc('{_TRUNC[freq]}', CAST(\"date\" AS DATE))")
        if "date_end" in cols:
            crossing = con.execute(
                f"SELECT count(*) FROM {scan} WHERE {trunc} <> date_trunc('{_TRUNC[freq]}', "
                "CAST(coalesce(date_end, \"date\") AS DATE))").fetchone()[0]
            if crossing:
                raise ParameterError(tr("{crossing} row(s) cover several days crossing a {freq!r} "
                                        "period boundary. Fix: export the report by day, or "
                                        "compute with freq=None.", crossing=crossing, freq=freq),
                                     code=ProblemCode.ROW_CROSSES_PERIOD)
        group_sql.append(f"{trunc} AS period")
    group_names = [*keys, *(["period"] if freq else [])]
    by_clause = (" GROUP BY " + ", ".join(str(i + 1) for i in range(len(group_sql)))
                 if group_sql else "")

    selects = [*group_sql]
    ratio_measures = sorted({m for k in chosen if k.is_ratio and len(k.measures) > 1
                             for m in k.measures if m in cols})
    if summed:
        source = "kp_l1"
        selects += [f"sum({quote(m)}) AS {quote(m)}" for m in sums + nonadd]
        selects += [f"sum({quote('_c_' + m)}) AS {quote('_n_' + m)}" for m in nonadd]
        if ratio_measures:  # some measure missing on some rows: count exactly below
            gaps = " OR ".join(f"coalesce({quote('_c_' + m)}, 0) < _n" for m in ratio_measures)
            selects.append(f"count(*) FILTER (WHERE {gaps}) AS _gaps")
    else:
        source = scan
        selects += [f"sum(CAST({quote(m)} AS DOUBLE)) AS {quote(m)}" for m in sums + nonadd]
        selects += [f"count({quote(m)}) AS {quote('_n_' + m)}" for m in nonadd]
        if ratio_measures:
            gaps = " OR ".join(f"{quote(m)} IS NULL" for m in ratio_measures)
            selects.append(f"count(*) FILTER (WHERE {gaps}) AS _gaps")
    sql = f"SELECT {', '.join(selects) or 'count(*) AS _rows'} FROM {source}{by_clause}"
    agg = con.execute(sql).df()
    doubtful = ([k for k in chosen if k.is_ratio and len(k.measures) > 1]
                if ratio_measures and (agg["_gaps"] > 0).any() else [])
    checks = _coverage_selects(doubtful, cols)
    if checks:  # some measure is missing on some rows: count the mixed rows per group
        raw_sql = [quote(k) for k in keys]
        if freq is not None:
            raw_sql.append(f"date_trunc('{_TRUNC[freq]}', CAST(\"date\" AS DATE)) AS period")
        detail = con.execute(
            f"SELECT {', '.join([*raw_sql, *(q for q, _ in checks)])} FROM {scan}{by_clause}"
        ).df()
        if freq is not None and summed:
            detail["period"] = pd.to_datetime(detail["period"])
            agg["period"] = pd.to_datetime(agg["period"])
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
        check_nonadditive(counts, nonadd, group_names, label)
    out = finish(agg, chosen, terms, group_names, include_measures, currency)
    _warn_coverage(agg, out, checks, group_names)
    return out


def _coverage_selects(chosen: Sequence[KPI], cols: Sequence[str]
                      ) -> list[tuple[str, tuple[str, str, tuple[str, ...]]]]:
    """Per ratio KPI of several measures: rows where only some of its measures are there."""
    out = []
    for k in chosen:
        ms = [m for m in k.measures if m in cols]
        if not k.is_ratio or len(ms) < 2:
            continue
        some = " OR ".join(f"{quote(m)} IS NOT NULL" for m in ms)
        every = " AND ".join(f"{quote(m)} IS NOT NULL" for m in ms)
        mixed = f"({some}) AND NOT ({every})"
        out.append((f"count(*) FILTER (WHERE {mixed}) AS {quote('_mixed_' + k.name)}",
                    (k.name, "_mixed_" + k.name, tuple(ms))))
        for m in ms:
            out.append((f"count(*) FILTER (WHERE {mixed} AND {quote(m)} IS NULL) AS "
                        f"{quote('_lack_' + k.name + '_' + m)}", (k.name, "", ())))
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
    warn_all(out, messages, stacklevel=4)


def _add_snapshot(con: Any, scan: str, cols: Sequence[str], keys: Sequence[str],
                  freq: str | None, term: str, agg: pd.DataFrame,
                  group_names: Sequence[str]) -> pd.DataFrame:
    """A snapshot measure: each series' first or last value in the group, summed."""
    measure, _, which = term.partition("@")
    pick = "arg_min" if which == "first" else "arg_max"
    series = [c for c in SERIES if c in cols and c not in keys]
    inner_keys = [quote(k) for k in keys]
    if freq is not None:
        inner_keys.append(f"date_trunc('{_TRUNC[freq]}', CAST(\"date\" AS DATE)) AS period")
    inner_keys += [quote(s) for s in series]
    n_inner = len(inner_keys)
    value = f'{pick}({quote(measure)}, "date") AS v'
    inner = (f"SELECT {', '.join([*inner_keys, value])} "
             f"FROM {scan} WHERE {quote(measure)} IS NOT NULL"
             + (" GROUP BY " + ", ".join(str(i + 1) for i in range(n_inner)) if n_inner else ""))
    outer_keys = [quote(g) for g in group_names]
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
