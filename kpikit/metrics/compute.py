"""The pandas engine of :func:`kpikit.compute`: tables that fit in memory.

Ratio KPIs are ``sum(numerator) / sum(denominator)`` over the group, never a
mean of row ratios. A zero or missing denominator gives a missing value.
Snapshot measures (``followers``) take the last value of each series in the
period and add up across series. Non-additive measures (``reach``) are never
summed: a group that would need it raises :class:`NonAdditiveError`. The
rules both engines share live in :mod:`kpikit.metrics.core`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from kpikit.catalog import KPI
from kpikit.errors import MissingColumnsError, ParameterError, Problem, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.metrics.core import (
    FREQS,
    NESTS,
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

__all__ = ["compute_frame", "period_keys"]


def compute_frame(
    df: pd.DataFrame,
    kpis: str | KPI | Iterable[str | KPI] | None = None,
    *,
    by: str | Sequence[str] | None = ("campaign",),
    freq: str | None = None,
    include_measures: bool = False,
) -> pd.DataFrame:
    """:func:`kpikit.compute` of a DataFrame in pandas (see there for the parameters)."""
    keys, freq = parse_by(by, freq)
    check_by_columns(keys, list(df.columns))
    chosen = choose_kpis(kpis, list(df.columns), df.attrs.get("source"))

    work = df
    group_cols = list(keys)
    if freq is not None:
        work = df.assign(period=period_keys(df, freq))
        group_cols.append("period")

    terms, sum_measures, nonadd, snaps = split_terms(chosen, include_measures)

    if group_cols:
        grouped = work.groupby(group_cols, sort=True, observed=True, dropna=False)
        agg = grouped[sum_measures + nonadd].sum(min_count=1) if sum_measures + nonadd else (
            grouped.size().to_frame("_n").drop(columns="_n"))
    else:
        agg = work[sum_measures + nonadd].sum(min_count=1).to_frame().T
        if not sum_measures + nonadd:
            agg = pd.DataFrame(index=[0])

    if nonadd:
        counts = (work.groupby(group_cols, sort=True, observed=True, dropna=False)[nonadd].count()
                  if group_cols else work[nonadd].count().to_frame().T)
        check_nonadditive(counts, nonadd, group_cols, df.attrs.get("source"))

    for t in snaps:
        agg[t] = _snapshot(work, t, group_cols, agg.index)

    out = finish(agg, chosen, terms, group_cols, include_measures, df.attrs.get("currency"))
    _coverage_warnings(work, chosen, group_cols, out)
    if "dropped_total_rows" in df.attrs:  # read from a path: say what the loader left out
        out.attrs["dropped_total_rows"] = df.attrs["dropped_total_rows"]
    return out


def period_keys(df: pd.DataFrame, freq: str) -> pd.Series:
    """The period of each row at ``freq`` (a daily table, or one already aggregated by a
    period that nests in ``freq``)."""
    target = FREQS[freq]
    if "date" in df:
        if "date_end" in df:
            start = df["date"].dt.to_period(target)
            end = df["date_end"].fillna(df["date"]).dt.to_period(target)
            if (start != end).any():
                i = int(np.flatnonzero((start != end).to_numpy())[0])
                a, b = f"{df['date'].iloc[i]:%Y-%m-%d}", f"{df['date_end'].iloc[i]:%Y-%m-%d}"
                raise ParameterError(tr("row {i}: the row covers {a} to {b}, which crosses a "
                                        "{freq!r} period boundary. Fix: export the report by day, "
                                        "or compute with freq=None.", i=i, a=a, b=b, freq=freq),
                                     code=ProblemCode.ROW_CROSSES_PERIOD)
            return start
        return df["date"].dt.to_period(target)
    if "period" in df and isinstance(df["period"].dtype, pd.PeriodDtype):
        src = df["period"].dtype.freq.freqstr[0].upper()
        src = {"A": "Y"}.get(src, src)
        if freq not in NESTS.get(src, ""):
            raise ParameterError(tr("the table is already aggregated by period {src!r}, which "
                                    "does not nest in {freq!r} (a week can straddle two months). "
                                    "Fix: compute from the daily table instead.", src=src,
                                    freq=freq),
                                 code=ProblemCode.PERIOD_NOT_NESTED)
        return df["period"].dt.asfreq(target)
    raise MissingColumnsError(
        Problem(tr("the table has no 'date' column, so it cannot be grouped by period."),
                tr("load the data with kpikit.load, or drop the period from 'by'."),
                code=ProblemCode.COLUMN_DATE_MISSING)
    )


def _snapshot(work: pd.DataFrame, term: str, group_cols: list[str], index: pd.Index) -> pd.Series:
    measure, _, which = term.partition("@")
    which = which or "last"
    col = term if term in work else measure
    series = [c for c in SERIES if c in work and c not in group_cols]
    order = "date" if "date" in work else "period"
    sub = work[[*group_cols, *series, order, col]].dropna(subset=[col])
    sub = sub.sort_values(order, kind="stable")
    keys = group_cols + series
    if keys:
        picked = sub.groupby(keys, sort=False, observed=True, dropna=False)[col]
        per_series = picked.last() if which == "last" else picked.first()
        if group_cols:
            result = per_series.groupby(level=list(range(len(group_cols))), sort=False).sum(
                min_count=1)
            return result.reindex(index)
        return pd.Series([per_series.sum(min_count=1)], index=index)
    value = sub[col].iloc[-1] if which == "last" else sub[col].iloc[0]
    return pd.Series([value if len(sub) else np.nan], index=index)


def _coverage_warnings(work: pd.DataFrame, chosen: list[KPI], group_cols: list[str],
                       out: pd.DataFrame) -> None:
    """Warn when, inside one group, a ratio's measures are present on different rows.

    Sums skip missing cells, so such a ratio would divide sums over different
    rows (conversions of one channel by the clicks of two).
    """
    messages = []
    cols = sorted({m for k in chosen for m in k.measures if m in work})
    if not cols or not work[cols].isna().to_numpy().any():
        return
    for k in chosen:
        if not k.is_ratio or len(k.measures) < 2:
            continue
        present = work[list(k.measures)].notna()
        mixed = present.any(axis=1) & ~present.all(axis=1)
        if not mixed.any():
            continue
        if group_cols:
            hit = mixed.groupby([work[c] for c in group_cols], sort=True, observed=True,
                                dropna=False).any().to_numpy().copy()
        else:
            hit = np.array([True])
        hit &= out[k.name].notna().to_numpy()
        if hit.any():
            lacking = [m for m in k.measures if (~present[m] & mixed).any()]
            first = out.loc[hit, group_cols].iloc[0].tolist() if group_cols else []
            where = ", ".join(f"{c}={v}" for c, v in zip(group_cols, first, strict=True))
            messages.append(coverage_message(k.name, int(hit.sum()), where, lacking))
    warn_all(out, messages, stacklevel=4)  # _coverage_warnings, compute_frame, compute
