"""The one place that picks an engine for :func:`kpikit.compute`.

It sits above both engines, so that neither imports the other: a DataFrame
goes to pandas (:mod:`kpikit.metrics.compute`) unless DuckDB is asked for; a
path goes to DuckDB (:mod:`kpikit.metrics.duckdb_engine`) when DuckDB proves
the files clean, and otherwise through :func:`kpikit.load` to pandas.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import pandas as pd

from kpikit.catalog import KPI
from kpikit.data_in.folders import load_path
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.metrics.compute import compute_frame

__all__ = ["compute"]


def compute(
    df: pd.DataFrame | str | os.PathLike[str],
    kpis: str | KPI | Iterable[str | KPI] | None = None,
    *,
    by: str | Sequence[str] | None = ("campaign",),
    freq: str | None = None,
    include_measures: bool = False,
    engine: str = "auto",
) -> pd.DataFrame:
    """Compute KPIs for each group of ``by`` and each period of ``freq``.

    Parameters
    ----------
    df
        A canonical table (:func:`kpikit.load`), or a result of ``compute`` with
        ``include_measures=True`` to re-aggregate it to a coarser grain. Or the path
        of a canonical Parquet/CSV file, or of a folder of them, too large for memory:
        the aggregation then runs in DuckDB once one pass has proven that
        :func:`kpikit.load` would read the file the same way and find nothing to refuse
        or warn about. Anything else (a platform export, a file with a ``Total`` row,
        ``1.234,5`` numbers, duplicates, ...) is read by :func:`kpikit.load`, a folder
        file by file: the same numbers, warnings and errors from either engine.
    kpis
        KPI names (a list or ``"ctr,cpa"``); ``None`` means every KPI whose
        measures are in ``df``.
    by
        Grouping columns; may include a period word (``"month"``, ``"week"``,
        ``"day"``, ``"quarter"``, ``"year"``) instead of ``freq``. ``None`` or
        ``()`` gives one total row.
    freq
        ``None``, ``"D"``, ``"W"`` (weeks Monday to Sunday), ``"M"``, ``"Q"``
        or ``"Y"``: adds a ``period`` column.
    include_measures
        Also return the aggregated measures, so the result can be computed on
        again at a coarser grain with identical numbers.
    engine
        ``"auto"`` (pandas for a DataFrame, DuckDB for a canonical file or folder),
        ``"pandas"`` or ``"duckdb"``. Both give the same numbers from the same
        catalog formulas.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``period`` (when a period was
        asked), the measures (optionally) and one column per KPI.

    Raises
    ------
    MissingColumnsError
        When a KPI needs a measure the table lacks.
    NonAdditiveError
        When a KPI needs a non-additive measure (reach) summed across rows.
    """
    if engine not in ("auto", "pandas", "duckdb"):
        raise ParameterError(tr("engine={engine!r}: choose auto, pandas or duckdb.", engine=engine),
                             code=ProblemCode.PARAMETER_CHOICE)
    options = dict(by=by, freq=freq, include_measures=include_measures)
    if isinstance(df, str | os.PathLike) or engine == "duckdb":
        # only now: a DataFrame computed in pandas never pays for the DuckDB modules
        from kpikit.metrics import duckdb_engine, duckdb_proof
    if isinstance(df, str | os.PathLike):
        if engine == "duckdb":
            duckdb_proof.require_duckdb()  # asked for by name: say so when not installed
        if engine != "pandas" and duckdb_proof.is_canonical(df):
            # DuckDB proves the file clean or hands it to the loader: one set of rules
            out = duckdb_engine.compute_proven(df, kpis, **options)
            if out is None:
                out = compute_frame(load_path(df), kpis, **options)
                out.attrs["engine"] = "pandas"  # which engine really ran (tests, users)
            return out
        df = load_path(df)  # kpikit.load; a folder file by file
    elif engine == "duckdb":
        return duckdb_engine.compute_table(df, kpis, **options)
    return compute_frame(df, kpis, **options)
