"""Aggregate measures and compute KPIs over any grain and period.

Ratio KPIs are ``sum(numerator) / sum(denominator)`` over the group, never a
mean of row ratios. A zero or missing denominator gives a missing value.
Snapshot measures (``followers``) take the last value of each series in the
period and add up across series. Non-additive measures (``reach``) are never
summed: a group that would need it raises :class:`NonAdditiveError`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ._lang import tr
from .catalog import KPI, KPIS, MEASURES, resolve_kpis
from .errors import (
    KpikitWarning,
    MissingColumnsError,
    NonAdditiveError,
    Note,
    ParameterError,
    Problem,
    ProblemCode,
)
from .sources import DIMENSIONS

__all__ = ["FREQS", "PERIOD_WORDS", "compute"]

#: freq code -> pandas period frequency
FREQS: dict[str, str] = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
#: words accepted in ``by`` for a period
PERIOD_WORDS: dict[str, str] = {
    "day": "D", "date": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y",
}
# which source periods nest in which target periods (re-aggregating a result)
_NESTS = {"D": "DWMQY", "W": "W", "M": "MQY", "Q": "QY", "Y": "Y"}


def _parse_by(by: str | Sequence[str] | None, freq: str | None) -> tuple[list[str], str | None]:
    if by is None:
        items: list[str] = []
    elif isinstance(by, str):
        items = [b.strip() for b in by.split(",") if b.strip()]
    else:
        items = [str(b).strip() for b in by]
    if freq is not None:
        code = str(freq).upper()
        if code not in FREQS:
            choices = "None, " + ", ".join(repr(f) for f in FREQS)
            raise ParameterError(tr(f"freq={freq!r}: unknown period. Choose from: {choices}.",
                                    f"freq={freq!r}: không biết kỳ này. Chọn: {choices}."),
                                 code=ProblemCode.PARAMETER_CHOICE)
        freq = code
    keys: list[str] = []
    for b in items:
        word = b.lower()
        if word in PERIOD_WORDS:
            f = PERIOD_WORDS[word]
            if freq is not None and freq != f:
                raise ParameterError(tr(
                    f"by={b!r} asks for period {f!r} but freq={freq!r}. Fix: give the "
                    "period once, either in by or as freq.",
                    f"by={b!r} yêu cầu kỳ {f!r} nhưng freq={freq!r}. Cách sửa: chỉ nêu kỳ "
                    "một lần, trong by hoặc trong freq."), code=ProblemCode.PARAMETER_CONFLICT)
            freq = f
        elif b not in keys:
            keys.append(b)
    return keys, freq


def _period_keys(df: pd.DataFrame, freq: str) -> pd.Series:
    target = FREQS[freq]
    if "date" in df:
        if "date_end" in df:
            start = df["date"].dt.to_period(target)
            end = df["date_end"].fillna(df["date"]).dt.to_period(target)
            if (start != end).any():
                i = int(np.flatnonzero((start != end).to_numpy())[0])
                a, b = f"{df['date'].iloc[i]:%Y-%m-%d}", f"{df['date_end'].iloc[i]:%Y-%m-%d}"
                raise ParameterError(tr(
                    f"row {i}: the row covers {a} to {b}, which crosses a {freq!r} period "
                    "boundary. Fix: export the report by day, or compute with freq=None.",
                    f"dòng {i}: dòng này trải từ {a} đến {b}, vượt ranh giới kỳ {freq!r}. "
                    "Cách sửa: xuất báo cáo theo ngày, hoặc tính với freq=None."),
                                     code=ProblemCode.ROW_CROSSES_PERIOD)
            return start
        return df["date"].dt.to_period(target)
    if "period" in df and isinstance(df["period"].dtype, pd.PeriodDtype):
        src = df["period"].dtype.freq.freqstr[0].upper()
        src = {"A": "Y"}.get(src, src)
        if freq not in _NESTS.get(src, ""):
            raise ParameterError(tr(
                f"the table is already aggregated by period {src!r}, which does not nest "
                f"in {freq!r} (a week can straddle two months). Fix: compute from the daily "
                "table instead.",
                f"bảng đã được gộp theo kỳ {src!r}, không lồng vào {freq!r} (một tuần có "
                "thể nằm giữa hai tháng). Cách sửa: tính từ bảng theo ngày."),
                                 code=ProblemCode.PERIOD_NOT_NESTED)
        return df["period"].dt.asfreq(target)
    raise MissingColumnsError(
        Problem(tr("the table has no 'date' column, so it cannot be grouped by period.",
                   "bảng không có cột 'date' nên không gộp theo kỳ được."),
                tr("load the data with kpikit.load, or drop the period from 'by'.",
                   "đọc dữ liệu bằng kpikit.load, hoặc bỏ kỳ khỏi 'by'."),
                code=ProblemCode.COLUMN_DATE_MISSING)
    )


def _series_cols(df: pd.DataFrame) -> list[str]:
    return [c for c in ("campaign", "channel", *DIMENSIONS) if c in df]


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
        raise ParameterError(tr(f"engine={engine!r}: choose auto, pandas or duckdb.",
                                f"engine={engine!r}: chọn auto, pandas hoặc duckdb."),
                             code=ProblemCode.PARAMETER_CHOICE)
    if isinstance(df, str | os.PathLike):
        from . import _duck

        if engine == "duckdb":
            _duck._duckdb()  # asked for by name: say so when it is not installed
        if engine != "pandas" and _duck.is_canonical(df):
            # DuckDB proves the file clean or hands it to the loader: one set of rules
            return _duck.compute(df, kpis, by=by, freq=freq, include_measures=include_measures)
        df = _duck.load_path(df)  # kpikit.load; a folder file by file
    elif engine == "duckdb":
        from . import _duck

        return _duck.compute(df, kpis, by=by, freq=freq, include_measures=include_measures)
    keys, freq = _parse_by(by, freq)
    missing_keys = [k for k in keys if k not in df]
    if missing_keys:
        have = [c for c in df.columns if c not in MEASURES and "@" not in c]
        choices = ", ".join(repr(c) for c in [*have, *PERIOD_WORDS])
        raise ParameterError(tr(
            f"by={missing_keys[0]!r}: no such column. Fix: group by one of {choices}.",
            f"by={missing_keys[0]!r}: không có cột này. Cách sửa: gộp theo một trong "
            f"{choices}."), code=ProblemCode.PARAMETER_UNKNOWN_COLUMN)
    chosen = choose_kpis(kpis, list(df.columns), df.attrs.get("source"))

    work = df
    group_cols = list(keys)
    if freq is not None:
        work = df.assign(period=_period_keys(df, freq))
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
        _check_nonadditive(counts, nonadd, group_cols, df)

    for t in snaps:
        agg[t] = _snapshot(work, t, group_cols, agg.index)

    out = finish(agg, chosen, terms, group_cols, include_measures, df.attrs.get("currency"))
    _coverage_warnings(work, chosen, group_cols, out)
    if "dropped_total_rows" in df.attrs:  # read from a path here: say what the loader left out
        out.attrs["dropped_total_rows"] = df.attrs["dropped_total_rows"]
    return out


def choose_kpis(kpis: str | KPI | Iterable[str | KPI] | None, columns: Sequence[str],
                source: str | None = None) -> list[KPI]:
    """The KPIs asked for (None: every KPI the columns can give); refuse missing measures."""
    if kpis is None:
        chosen = [k for k in KPIS.values() if all(m in columns for m in k.measures)]
        if not chosen:
            raise MissingColumnsError(Problem(
                tr("the table has no measure columns, so no KPI can be computed.",
                   "bảng không có cột số liệu nên không tính được KPI nào."),
                tr("load the data with kpikit.load.", "đọc dữ liệu bằng kpikit.load."),
                code=ProblemCode.COLUMN_NO_MEASURES))
    else:
        chosen = resolve_kpis(kpis)
    need: dict[str, list[str]] = {}
    for k in chosen:
        for m in k.measures:
            if m not in columns:
                need.setdefault(m, []).append(k.name)
    if need:
        raise MissingColumnsError([
            Problem(tr(f"column {m!r} is missing; it is needed by {', '.join(ks)}.",
                       f"cột {m!r} bị thiếu; {', '.join(ks)} cần cột này."),
                    tr(f"load data that has {MEASURES[m].label_en.lower()}, or drop "
                       f"{', '.join(ks)} from the KPIs.",
                       f"đọc dữ liệu có {MEASURES[m].label_vi.lower()}, hoặc bỏ "
                       f"{', '.join(ks)} khỏi danh sách KPI."), source, None, m,
                    code=ProblemCode.COLUMN_MISSING)
            for m, ks in need.items()
        ])
    return chosen


def split_terms(chosen: Sequence[KPI], include_measures: bool
                ) -> tuple[list[str], list[str], list[str], list[str]]:
    """(all terms, summed measures, non-additive measures, snapshot terms) of the KPIs."""
    terms: dict[str, None] = {}
    for k in chosen:
        for t in k.terms:
            terms[t] = None
    if include_measures:
        for k in chosen:
            for m in k.measures:
                terms.setdefault(m, None)
    sums = [t for t in terms if "@" not in t and MEASURES[t].aggregation == "sum"]
    nonadd = [t for t in terms if "@" not in t and MEASURES[t].aggregation == "non-additive"]
    snaps = [t for t in terms if t not in sums and t not in nonadd]
    return list(terms), sums, nonadd, snaps


def finish(agg: pd.DataFrame, chosen: Sequence[KPI], terms: Sequence[str],
           group_cols: Sequence[str], include_measures: bool,
           currency: str | None) -> pd.DataFrame:
    """KPIs from aggregated terms (one row per group): the catalog's formulas, NaN for /0."""
    values: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in chosen:
            num = _combine(agg, k.numerator)
            if k.denominator:
                den = _combine(agg, k.denominator)
                v = k.scale * num / den
                v[~np.isfinite(den) | (den == 0)] = np.nan
            else:
                v = k.scale * num
            values[k.name] = v
    out = agg[list(terms)] if include_measures else agg[[]]
    out = out.assign(**values)
    out = out.reset_index() if group_cols else out.reset_index(drop=True)
    out.attrs = {"currency": currency, "kpis": [k.name for k in chosen]}
    return out


def coverage_message(kpi: str, groups: int, where: str, lacking: Sequence[str]) -> Note:
    """The warning for a ratio whose measures cover different rows inside groups."""
    return Note(tr(f"{kpi}: in {groups} group(s) (first: {where or 'the total'}) "
              f"{' and '.join(lacking)} {'is' if len(lacking) == 1 else 'are'} missing on "
              "rows where its other measures are present, so the ratio divides sums over "
              "different rows. Fill 0 where there truly were none, or add 'channel' to by.",
              f"{kpi}: ở {groups} nhóm (đầu tiên: {where or 'tổng'}) "
              f"{' và '.join(lacking)} bị thiếu ở những dòng có các số liệu còn lại, nên tỷ "
              "lệ chia các tổng trên những dòng khác nhau. Điền 0 nơi thật sự không có, hoặc "
              "thêm 'channel' vào by."), ProblemCode.KPI_PARTIAL_COVERAGE)


def _combine(agg: pd.DataFrame, terms: tuple[tuple[str, float], ...]) -> np.ndarray:
    total = np.zeros(len(agg))
    for t, c in terms:
        total = total + c * agg[t].to_numpy(dtype="float64")
    return total


def _snapshot(work: pd.DataFrame, term: str, group_cols: list[str], index: pd.Index) -> pd.Series:
    measure, _, which = term.partition("@")
    which = which or "last"
    col = term if term in work else measure
    series = [c for c in _series_cols(work) if c not in group_cols]
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


def _check_nonadditive(counts: pd.DataFrame, nonadd: list[str], group_cols: list[str],
                       df: pd.DataFrame) -> None:
    problems = []
    for m in nonadd:
        bad = counts[m] > 1
        if bad.any():
            first = (counts.index[bad.to_numpy()][0] if group_cols
                     else tr("the whole table", "cả bảng"))
            where = (", ".join(f"{c}={v}" for c, v in zip(
                group_cols, first if isinstance(first, tuple) else (first,), strict=True))
                if group_cols else first)
            users = sorted(k.name for k in KPIS.values() if m in k.measures)
            n_bad, n_rows = int(bad.sum()), int(counts[m][bad].iloc[0])
            problems.append(Problem(
                tr(f"{m!r} is not additive (the same person is counted on several days or "
                   f"channels) but {n_bad} group(s) would sum it over several rows, "
                   f"e.g. {where} ({n_rows} rows).",
                   f"{m!r} không cộng dồn được (cùng một người được đếm ở nhiều ngày hoặc "
                   f"kênh) nhưng {n_bad} nhóm sẽ phải cộng nó qua nhiều dòng, "
                   f"ví dụ {where} ({n_rows} dòng)."),
                tr(f"group by every column that identifies a row (date, campaign, channel, "
                   f"...), load an export whose rows already cover the whole period "
                   f"(Meta: one row per campaign for the period), or use a KPI without "
                   f"{m} (KPIs that need it: {', '.join(users)}).",
                   f"gộp theo mọi cột xác định một dòng (date, campaign, channel, ...), đọc "
                   f"tệp xuất có mỗi dòng phủ cả kỳ (Meta: một dòng mỗi chiến dịch cho cả "
                   f"kỳ), hoặc dùng KPI không cần {m} (các KPI cần nó: {', '.join(users)})."),
                df.attrs.get("source"), None, m, code=ProblemCode.MEASURE_NON_ADDITIVE))
    if problems:
        raise NonAdditiveError(problems)


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
    if messages:
        out.attrs["warnings"] = messages
        for msg in messages:
            warnings.warn(KpikitWarning(msg, code=msg.code), stacklevel=3)
