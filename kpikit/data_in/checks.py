"""Checking a canonical table: required columns, measures the KPIs need, negative
values, duplicated keys, and legal but suspicious data (clicks above impressions).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import pandas as pd

from kpikit.catalog import MEASURES, resolve_kpis
from kpikit.data_in.sources import DIMENSIONS
from kpikit.errors import DataError, KpikitWarning, MissingColumnsError, Note, Problem, ProblemCode
from kpikit.i18n.lang import tr

__all__ = ["check_table", "validate"]


def check_table(
    df: pd.DataFrame,
    *,
    source: str | None = None,
    kpis: str | Iterable[str] | None = None,
    warn: list[str] | None = None,
    skip_duplicates: bool = False,
    headers: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Check a canonical table; return every problem (warnings go to ``warn``).

    Checks: required columns, measures needed by ``kpis``, negative values,
    duplicated rows (same date, campaign, channel and dimensions), and
    suspicious but legal data (clicks above impressions) as warnings.
    """
    problems: list[Problem] = []
    rows = df["_row"] if "_row" in df else pd.Series(range(len(df)), index=df.index)
    for col in ("date", "campaign", "channel"):
        if col not in df:
            problems.append(Problem(tr("the table has no {col!r} column.", col=col),
                                    tr("add it, or map a column to {col!r}.", col=col),
                                    source, code=ProblemCode.COLUMN_MISSING))
    if kpis is not None:
        need: dict[str, list[str]] = {}
        for k in resolve_kpis(kpis):
            for m in k.measures:
                if m not in df:
                    need.setdefault(m, []).append(k.name)
        for m, ks in need.items():
            label = MEASURES[m].label()  # in the current language, once for both texts
            problems.append(Problem(
                tr("column {m!r} is missing; it is needed by {ks}.", m=m, ks=', '.join(ks)),
                tr("export the {label} metric too, or map its column: mapping={{'Your header': "
                   "{m!r}}}.", label=label, m=m), source, None, m,
                code=ProblemCode.COLUMN_MISSING))
    for m in (c for c in df.columns if c in MEASURES):
        vals = df[m]
        neg = (vals < 0).to_numpy()
        for r, v in zip(rows[neg].tolist()[:20], vals[neg].tolist()[:20], strict=True):
            problems.append(Problem(tr("negative value {v:g}; {m} cannot be negative.", v=v, m=m),
                                    tr("fix the export (refunds belong in a separate column)."),
                                    source, int(r), (headers or {}).get(m, m),
                                    code=ProblemCode.VALUE_NEGATIVE))
        if neg.sum() > 20:
            more = int(neg.sum()) - 20
            problems.append(Problem(tr("{more} more negative values in {m}.", more=more, m=m),
                                    "", source, None, m, code=ProblemCode.VALUE_NEGATIVE))
    if not (problems or skip_duplicates) and {"date", "campaign", "channel"} <= set(df):
        keys = [c for c in ("date", "date_end", "campaign", "channel", *DIMENSIONS) if c in df]
        dup = df.duplicated(keys, keep=False).to_numpy()
        if dup.any():
            sub = df.loc[dup]
            sub_rows = rows[dup]
            groups = sub.groupby(keys, sort=False, dropna=False).indices
            for n, idx in enumerate(groups.values()):
                if n >= 20:
                    more = len(groups) - 20
                    problems.append(Problem(tr("{more} more duplicated keys.",
                                               more=more), "", source,
                                            code=ProblemCode.ROW_DUPLICATE))
                    break
                r = [int(sub_rows.iloc[i]) for i in idx]
                first = sub.iloc[idx[0]]
                same = sub.iloc[idx].drop(columns=["_row"], errors="ignore").nunique(
                    dropna=False).max() <= 1
                key = f"({first['date']:%Y-%m-%d}, {first['campaign']!r}, {first['channel']!r})"
                listed, one, other = ", ".join(map(str, r)), r[0], r[1]
                said = (tr("rows {listed}: row {other} repeats row {one} {key}.", listed=listed,
                           other=other, one=one, key=key)
                        if same else
                        tr("rows {listed}: row {other} has the same date, campaign and channel as "
                           "row {one} {key}.", listed=listed, other=other, one=one, key=key))
                problems.append(Problem(
                    said,
                    tr("remove the duplicate, or add the column that tells them apart (ad group, "
                       "device, ...) to the export."), source, code=ProblemCode.ROW_DUPLICATE))
    if warn is not None and {"clicks", "impressions"} <= set(df.columns):
        over = (df["clicks"] > df["impressions"]).to_numpy()
        if over.any():
            r = rows[over].tolist()
            warn.append(Note(tr("clicks exceed impressions on {r} row(s) (first: row {v2}); "
                                "legal for some platforms, but check the export.", r=len(r),
                                v2=r[0]),
                ProblemCode.VALUE_CLICKS_ABOVE_IMPRESSIONS))
    return problems


def validate(
    df: pd.DataFrame, *, kpis: str | Iterable[str] | None = None, source: str | None = None
) -> pd.DataFrame:
    """Check a canonical DataFrame; return it unchanged or raise.

    Raises
    ------
    DataError
        With every problem found.
    """
    warn: list[str] = []
    problems = check_table(df, source=source or df.attrs.get("source"), kpis=kpis, warn=warn)
    if problems:
        missing = tr("is missing")
        cls = MissingColumnsError if all(missing in p.message for p in problems) else DataError
        raise cls(problems, source or df.attrs.get("source"))
    for w in warn:
        warnings.warn(KpikitWarning(w, code=getattr(w, "code", None)), stacklevel=2)
    return df
