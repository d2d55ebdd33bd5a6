"""The rows a plan KPI is measured on, its value there, and the flights a campaign runs in."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from kpikit.catalog import KPI, MEASURES
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.metrics.engines import compute

__all__ = ["active_days", "flights", "is_flighted", "kpi_value", "scope_data", "shift_year"]


def scope_data(
    data: pd.DataFrame,
    campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
    start: date | pd.Timestamp | None = None,
    end: date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Rows of ``data`` in the given campaigns, channels and date window (inclusive)."""
    mask = np.ones(len(data), dtype=bool)
    if campaigns:
        unknown = sorted(set(campaigns) - set(data["campaign"].unique()))
        if unknown:
            have = ", ".join(repr(c) for c in sorted(data["campaign"].unique()))
            raise ParameterError(tr("campaign {unknown!r} is not in the data. Fix: choose from "
                                    "{have}.", unknown=unknown[0],
                                    have=have), code=ProblemCode.PARAMETER_UNKNOWN_NAME)
        mask &= data["campaign"].isin(list(campaigns)).to_numpy()
    if channels:
        mask &= data["channel"].isin(list(channels)).to_numpy()
    if start is not None:
        mask &= (data["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        mask &= (data["date"] <= pd.Timestamp(end)).to_numpy()
    out = data.loc[mask]
    out.attrs = dict(data.attrs)
    return out


def kpi_value(data: pd.DataFrame, kpi: KPI) -> float:
    """The KPI over all of ``data`` (NaN when empty or unmeasurable)."""
    if data.empty or any(m not in data for m in kpi.measures):
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(compute(data, [kpi.name], by=None)[kpi.name].iloc[0])


def shift_year(d: date, years: int = -1) -> date:
    """``d`` moved by ``years`` (29 February to 28 February)."""
    return (pd.Timestamp(d) + pd.DateOffset(years=years)).date()


def active_days(scoped: pd.DataFrame) -> pd.DatetimeIndex:
    """Days with some non-zero measure (rows of a paused campaign with zeros do not count)."""
    cols = [c for c in scoped.columns if c in MEASURES]
    if scoped.empty or not cols:
        return pd.DatetimeIndex([])
    live = (scoped[cols].fillna(0) != 0).any(axis=1)
    return pd.DatetimeIndex(scoped.loc[live, "date"].unique()).sort_values()


def flights(scoped: pd.DataFrame, gap: int = 7) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The runs of active days of a scope, split where it pauses more than ``gap`` days."""
    days = active_days(scoped)
    if not len(days):
        return []
    # compare as timedeltas: the index unit may be ns or us
    cuts = np.flatnonzero(np.diff(days) > pd.Timedelta(days=gap))
    starts = [days[0], *(days[i + 1] for i in cuts)]
    ends = [*(days[i] for i in cuts), days[-1]]
    return list(zip(starts, ends, strict=True))


def is_flighted(scoped: pd.DataFrame) -> bool:
    """True for a campaign that runs in flights: active under 60% of its time, 2+ flights."""
    runs = flights(scoped)
    if len(runs) < 2:
        return False
    span = (runs[-1][1] - runs[0][0]).days + 1
    active = sum((b - a).days + 1 for a, b in runs)
    return active < 0.6 * span


