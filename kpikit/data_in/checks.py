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
            problems.append(Problem(tr(f"the table has no {col!r} column.",
                                       f"bảng không có cột {col!r}."),
                                    tr(f"add it, or map a column to {col!r}.",
                                       f"thêm cột này, hoặc ánh xạ một cột sang {col!r}."),
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
                tr(f"column {m!r} is missing; it is needed by {', '.join(ks)}.",
                   f"cột {m!r} bị thiếu; {', '.join(ks)} cần cột này."),
                tr(f"export the {label} metric too, or map its column: "
                   f"mapping={{'Your header': {m!r}}}.",
                   f"xuất thêm chỉ số {label}, hoặc ánh xạ cột của nó: "
                   f"mapping={{'Tiêu đề của bạn': {m!r}}}."), source, None, m,
                code=ProblemCode.COLUMN_MISSING))
    for m in (c for c in df.columns if c in MEASURES):
        vals = df[m]
        neg = (vals < 0).to_numpy()
        for r, v in zip(rows[neg].tolist()[:20], vals[neg].tolist()[:20], strict=True):
            problems.append(Problem(tr(f"negative value {v:g}; {m} cannot be negative.",
                                       f"giá trị âm {v:g}; {m} không thể âm."),
                                    tr("fix the export (refunds belong in a separate column).",
                                       "sửa tệp xuất (tiền hoàn trả để ở một cột riêng)."),
                                    source, int(r), (headers or {}).get(m, m),
                                    code=ProblemCode.VALUE_NEGATIVE))
        if neg.sum() > 20:
            more = int(neg.sum()) - 20
            problems.append(Problem(tr(f"{more} more negative values in {m}.",
                                       f"thêm {more} giá trị âm trong {m}."),
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
                    problems.append(Problem(tr(f"{more} more duplicated keys.",
                                               f"thêm {more} khóa bị trùng."), "", source,
                                            code=ProblemCode.ROW_DUPLICATE))
                    break
                r = [int(sub_rows.iloc[i]) for i in idx]
                first = sub.iloc[idx[0]]
                same = sub.iloc[idx].drop(columns=["_row"], errors="ignore").nunique(
                    dropna=False).max() <= 1
                key = f"({first['date']:%Y-%m-%d}, {first['campaign']!r}, {first['channel']!r})"
                listed, one, other = ", ".join(map(str, r)), r[0], r[1]
                said = (tr(f"rows {listed}: row {other} repeats row {one} {key}.",
                           f"các dòng {listed}: dòng {other} lặp lại dòng {one} {key}.")
                        if same else
                        tr(f"rows {listed}: row {other} has the same date, campaign and "
                           f"channel as row {one} {key}.",
                           f"các dòng {listed}: dòng {other} có cùng ngày, chiến dịch và "
                           f"kênh với dòng {one} {key}."))
                problems.append(Problem(
                    said,
                    tr("remove the duplicate, or add the column that tells them apart "
                       "(ad group, device, ...) to the export.",
                       "xóa dòng trùng, hoặc thêm vào tệp xuất cột phân biệt chúng "
                       "(nhóm quảng cáo, thiết bị, ...)."), source, code=ProblemCode.ROW_DUPLICATE))
    if warn is not None and {"clicks", "impressions"} <= set(df.columns):
        over = (df["clicks"] > df["impressions"]).to_numpy()
        if over.any():
            r = rows[over].tolist()
            warn.append(Note(tr(
                f"clicks exceed impressions on {len(r)} row(s) (first: row {r[0]}); "
                "legal for some platforms, but check the export.",
                f"số nhấp chuột vượt số lần hiển thị ở {len(r)} dòng (đầu tiên: dòng {r[0]}); "
                "một số nền tảng cho phép, nhưng hãy kiểm tra tệp xuất."),
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
        missing = tr("is missing", "bị thiếu")
        cls = MissingColumnsError if all(missing in p.message for p in problems) else DataError
        raise cls(problems, source or df.attrs.get("source"))
    for w in warn:
        warnings.warn(KpikitWarning(w, code=getattr(w, "code", None)), stacklevel=2)
    return df
