"""Period rows: one rule for the whole kit.

Platform exports may hold rows that cover several days (Meta's ``Reporting
starts`` .. ``Reporting ends``, Google Ads by week or month): the canonical
table then has a ``date_end`` column. Everything that works day by day
(evaluate, pacing, baselines, feasibility, curve fitting, the lesson) first
calls :func:`spread_periods`, which applies one rule:

* additive measures (``sum``: spend, clicks, revenue) are spread evenly over
  the row's days;
* snapshots (``last``: followers) stay on the row's last day;
* non-additive measures (reach) are never spread: the spread days carry no
  value, so a KPI that needs reach over days is refused as before.

A window whose boundary cuts a period row (an ``as_of`` inside a week, a
month inside a quarter's row) holds an *estimated* part of that row;
:func:`cuts_rows` says so, and the results carry the flag.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kpikit.catalog import MEASURES

__all__ = ["SPAN_END", "SPAN_START", "cuts_rows", "data_end", "has_period_rows",
           "spread_periods"]

#: columns that remember the period row each spread day came from
SPAN_START, SPAN_END = "_span_start", "_span_end"


def has_period_rows(data: pd.DataFrame) -> bool:
    """True when some row covers more than one day (``date_end`` after ``date``)."""
    if "date_end" not in data or "date" not in data:
        return False
    end = data["date_end"]
    return bool((end.notna() & (end > data["date"])).any())


def spread_periods(data: pd.DataFrame) -> pd.DataFrame:
    """Daily rows from a table that may hold period rows (see the module's rule).

    A table without period rows is returned unchanged (the same object), so the
    call is free on daily data. Spread tables carry :data:`SPAN_START` and
    :data:`SPAN_END` (the period row of each day) and keep ``attrs``.
    """
    if SPAN_START in data or not has_period_rows(data):
        if "date_end" in data and SPAN_START not in data:
            out = data.drop(columns=["date_end"])
            out.attrs = dict(data.attrs)
            return out
        return data
    end = data["date_end"].where(data["date_end"].notna() & (data["date_end"] > data["date"]),
                                 data["date"])
    ndays = ((end - data["date"]).dt.days + 1).to_numpy()
    idx = np.repeat(np.arange(len(data)), ndays)
    out = data.iloc[idx].reset_index(drop=True)
    # day i of its row: position minus the row's first position
    first = np.repeat(np.cumsum(ndays) - ndays, ndays)
    step = np.arange(len(out)) - first
    n = np.repeat(ndays, ndays).astype(float)
    out[SPAN_START] = out["date"].to_numpy()
    out[SPAN_END] = end.to_numpy()[idx]
    out["date"] = out["date"] + pd.to_timedelta(step, unit="D")
    last_day = step == (np.repeat(ndays, ndays) - 1)
    for col in out.columns:
        m = MEASURES.get(col)
        if m is None:
            continue
        values = pd.to_numeric(out[col], errors="coerce").astype(float)
        if m.aggregation == "sum":
            out[col] = values / n
        else:  # a snapshot is known on the row's last day; reach is never spread
            keep = last_day if m.aggregation == "last" else (n == 1)
            out[col] = values.where(keep)
    out = out.drop(columns=["date_end"])
    out.attrs = dict(data.attrs)
    out.attrs["period_rows"] = True
    return out


def cuts_rows(data: pd.DataFrame, start: date | pd.Timestamp, end: date | pd.Timestamp) -> bool:
    """True when the window ``start..end`` takes only part of some period row.

    Such a window's totals hold a spread (estimated) share of that row.
    """
    if SPAN_START not in data or data.empty:
        return False
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    a, b = data[SPAN_START], data[SPAN_END]
    inside = (data["date"] >= s) & (data["date"] <= e)
    cut = inside & (a < b) & ((a < s) | (b > e))
    return bool(cut.any())


def data_end(data: pd.DataFrame) -> pd.Timestamp | None:
    """The last day the table has data for (a period row counts to its end)."""
    if data.empty:
        return None
    last = data["date"].max()
    if "date_end" in data and data["date_end"].notna().any():
        last = max(last, data["date_end"].max())
    if SPAN_END in data:
        last = max(last, data[SPAN_END].max())
    return pd.Timestamp(last)
