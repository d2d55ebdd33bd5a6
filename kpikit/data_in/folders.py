"""Folders of exports: the data files a folder holds, loaded and stacked.

Both engines use this: the DuckDB engine proves a folder's Parquet and CSV files
clean, and whatever it cannot prove is loaded here, file by file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kpikit.catalog import MEASURES
from kpikit.data_in.load import load
from kpikit.data_in.sources import DIMENSIONS
from kpikit.errors import DataError, ParameterError, Problem, ProblemCode
from kpikit.i18n.lang import tr

__all__ = ["FOLDER_FILES", "canonical_order", "data_files", "is_regular", "load_path"]

#: what a folder may hold: the loader reads each
FOLDER_FILES = (".parquet", ".pq", ".csv", ".tsv", ".xlsx", ".xlsm")
# the text columns of the canonical table, in the loader's order
SERIES = ("campaign", "channel", *DIMENSIONS)


def is_regular(path: Path) -> bool:
    """Whether ``path`` is a regular file (not a folder, FIFO or device); never blocks."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def data_files(folder: Path) -> list[Path]:
    """The data files under a folder, in name order (hidden and ``_`` files skipped)."""
    out = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).parts
        if any(part.startswith((".", "_")) for part in rel):
            continue  # .~lock files, atomic-write temporaries, _SUCCESS markers
        if p.suffix.lower() in FOLDER_FILES and is_regular(p):
            out.append(p)
    return sorted(out)


def canonical_order(columns: Iterable[str]) -> list[str]:
    """The loader's column order: date, campaign, channel, dimensions, measures."""
    have = set(columns)
    return [c for c in ("date", *SERIES, *MEASURES) if c in have]


def load_path(path: str | os.PathLike[str]) -> pd.DataFrame:
    """:func:`kpikit.load` for a file; for a folder, each data file loaded and stacked.

    A folder's files are checked together for what no single file shows: the same key
    (date, campaign, channel, dimensions) in two files, and money in several currencies.
    """
    p = Path(path)
    if not p.is_dir():
        return load(p)
    files = data_files(p)
    if not files:
        raise ParameterError(tr("{p}: the folder has no data files ({FOLDER_FILES}). Fix: give "
                                "the folder that holds the exports, or the path of one file.", p=p,
                                FOLDER_FILES=', '.join(FOLDER_FILES)),
                             code=ProblemCode.FILE_NO_DATA_FILES)
    tables = [load(f, name=str(f.relative_to(p))) for f in files]
    currencies = {t.attrs.get("currency") for t in tables} - {None}
    if len(currencies) > 1:
        listed = "; ".join(f"{t.attrs['source']} ({t.attrs['currency']})" for t in tables
                           if t.attrs.get("currency"))
        raise DataError(Problem(
            tr("the files are in different currencies: {listed}.", listed=listed),
            tr("put each currency (ad account) in its own folder and compute them separately."),
            p.name, code=ProblemCode.CURRENCY_MIXED), p.name)
    df = pd.concat(tables, ignore_index=True, sort=False)
    df = df[canonical_order(df.columns)]
    keys = [c for c in ("date", "date_end", *SERIES) if c in df]
    origin = pd.Series([t.attrs["source"] for t in tables]).repeat(
        [len(t) for t in tables]).reset_index(drop=True)
    dup = df.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        problems = []
        groups = df.loc[dup].groupby(keys, sort=False, dropna=False).indices
        for n, idx in enumerate(groups.values()):
            if n == 20:
                more = len(groups) - 20
                problems.append(Problem(tr("{more} more duplicated keys.", more=more), "", p.name,
                                        code=ProblemCode.ROW_DUPLICATE))
                break
            rows = df.index[dup][idx]
            first = df.loc[rows[0]]
            key = f"({first['date']:%Y-%m-%d}, {first['campaign']!r}, {first['channel']!r})"
            where = ", ".join(dict.fromkeys(origin[rows]))
            problems.append(Problem(
                tr("the key {key} is in more than one file: {where}.", key=key, where=where),
                tr("remove the overlapping rows (the same days exported twice), or keep only one "
                   "of the files in the folder."), p.name, code=ProblemCode.ROW_DUPLICATE))
        raise DataError(problems, p.name)
    df.attrs.update(currency=next(iter(currencies), None), source=p.name,
                    platform=",".join(sorted({t.attrs.get("platform", "") for t in tables})),
                    dropped_total_rows=sum(t.attrs.get("dropped_total_rows", 0)
                                           for t in tables),
                    warnings=[w for t in tables for w in t.attrs.get("warnings", [])])
    return df
