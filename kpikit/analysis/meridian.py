"""Meridian-shaped files: spend per channel and a total outcome, per period (and geo)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kpikit.errors import ParameterError, ProblemCode
from kpikit.files import read_limited
from kpikit.i18n.lang import tr

__all__ = ["MERIDIAN_TIME", "is_meridian", "load_meridian"]


#: the columns a Meridian-shaped file may use for the date of each period
MERIDIAN_TIME = ("date", "time", "week", "period")


def is_meridian(columns: Iterable[str]) -> bool:
    """True for a table with per-channel ``*_spend`` columns and a total outcome."""
    cols = [str(c).lower() for c in columns]
    return any(c.endswith("_spend") for c in cols) and "conversions" in cols


def load_meridian(path: str) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Read a Meridian-shaped file: raw (``time``, ``geo``, ``conversions``,
    ``revenue_per_conversion``, ``ChannelN_spend``) or national (``date``, ``revenue``).

    Geo rows are summed per period; revenue is ``conversions x revenue_per_conversion``
    row by row when the file has no ``revenue`` column.

    Returns (spend per channel, conversions, revenue), indexed by date.

    Raises
    ------
    ParameterError
        When a column the mapping needs is missing (the message names the mapping).
    """
    raw = read_limited(Path(path), "optimize")
    df = pd.read_csv(io.BytesIO(raw))
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed")]]
    lower = {str(c).lower(): c for c in df.columns}
    time_col = next((lower[c] for c in MERIDIAN_TIME if c in lower), None)
    spend_cols = [c for c in df.columns if str(c).lower().endswith("_spend")]
    need = []
    if time_col is None:
        need.append(tr("a date column (date or time)"))
    if not spend_cols:
        need.append(tr("spend per channel (columns named CHANNEL_spend)"))
    if "conversions" not in lower:
        need.append(tr("a conversions column"))
    if need:
        missing = "; ".join(need)
        raise ParameterError(tr("{path}: cannot read it as a Meridian-shaped file: it lacks "
                                "{missing}. Fix: rename the columns to date, CHANNEL_spend, "
                                "conversions and revenue (or revenue_per_conversion), or load a "
                                "platform export with kpikit optimize FILE.", path=path,
                                missing=missing),
                             code=ProblemCode.COLUMN_MISSING)
    conv = pd.to_numeric(df[lower["conversions"]], errors="coerce")
    if "revenue" in lower:
        rev = pd.to_numeric(df[lower["revenue"]], errors="coerce")
    elif "revenue_per_conversion" in lower:
        rev = conv * pd.to_numeric(df[lower["revenue_per_conversion"]], errors="coerce")
    else:
        rev = pd.Series(np.nan, index=df.index)
    when = pd.to_datetime(df[time_col], errors="coerce")
    if when.isna().any():
        row = int(np.flatnonzero(when.isna().to_numpy())[0]) + 2
        raise ParameterError(tr("{path}, row {row}, column {time_col!r}: not a date. Fix: write "
                                "dates as YYYY-MM-DD.", path=path, row=row,
                                time_col=time_col), code=ProblemCode.DATE_UNREADABLE)
    table = pd.DataFrame({c: pd.to_numeric(df[c], errors="coerce") for c in spend_cols})
    table["conversions"], table["revenue"], table["date"] = conv, rev, when
    table = table.groupby("date").sum(min_count=1).sort_index()  # geos summed per period
    spend = table[spend_cols]
    spend.columns = [str(c)[: -len("_spend")] for c in spend_cols]
    return spend, table["conversions"], table["revenue"]
