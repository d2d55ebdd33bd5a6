"""What the pandas and the DuckDB engines share: one set of rules for both.

Grouping words and period codes, the reading of ``by``, the choice of KPIs,
the split of formula terms by how each measure aggregates, the refusal to sum
a non-additive measure, the coverage warning, and :func:`finish`, which turns
aggregated sums into KPIs with the catalog's formulas. An engine only
aggregates; everything a user can see is decided here, so both engines give
the same numbers, warnings and errors.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from kpikit.catalog import KPI, KPIS, MEASURES, resolve_kpis
from kpikit.data_in.sources import DIMENSIONS
from kpikit.errors import (
    KpikitWarning,
    MissingColumnsError,
    NonAdditiveError,
    Note,
    ParameterError,
    Problem,
    ProblemCode,
)
from kpikit.i18n.lang import tr

__all__ = ["FREQS", "NESTS", "PERIOD_WORDS", "SERIES", "check_by_columns",
           "check_nonadditive", "choose_kpis", "coverage_message", "finish", "parse_by",
           "split_terms", "warn_all"]

#: freq code -> pandas period frequency
FREQS: dict[str, str] = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
#: words accepted in ``by`` for a period
PERIOD_WORDS: dict[str, str] = {
    "day": "D", "date": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y",
}
#: which source periods nest in which target periods (re-aggregating a result)
NESTS: dict[str, str] = {"D": "DWMQY", "W": "W", "M": "MQY", "Q": "QY", "Y": "Y"}
#: the text columns that name a series (a snapshot measure is taken per series)
SERIES: tuple[str, ...] = ("campaign", "channel", *DIMENSIONS)


def parse_by(by: str | Sequence[str] | None, freq: str | None) -> tuple[list[str], str | None]:
    """(grouping columns, period code) from ``by`` (which may name a period) and ``freq``."""
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
            raise ParameterError(tr("freq={freq!r}: unknown period. Choose from: {choices}.",
                                    freq=freq, choices=choices),
                                 code=ProblemCode.PARAMETER_CHOICE)
        freq = code
    keys: list[str] = []
    for b in items:
        word = b.lower()
        if word in PERIOD_WORDS:
            f = PERIOD_WORDS[word]
            if freq is not None and freq != f:
                raise ParameterError(tr("by={b!r} asks for period {f!r} but freq={freq!r}. Fix: "
                                        "give the period once, either in by or as freq.", b=b, f=f,
                                        freq=freq), code=ProblemCode.PARAMETER_CONFLICT)
            freq = f
        elif b not in keys:
            keys.append(b)
    return keys, freq


def check_by_columns(keys: Sequence[str], columns: Sequence[str]) -> None:
    """Refuse a grouping column the table lacks, listing the ones it has."""
    missing = [k for k in keys if k not in columns]
    if missing:
        have = [c for c in columns if c not in MEASURES and "@" not in c]
        choices = ", ".join(repr(c) for c in [*have, *PERIOD_WORDS])
        raise ParameterError(tr("by={missing!r}: no such column. Fix: group by one of {choices}.",
                                missing=missing[0],
                                choices=choices), code=ProblemCode.PARAMETER_UNKNOWN_COLUMN)


def choose_kpis(kpis: str | KPI | Iterable[str | KPI] | None, columns: Sequence[str],
                source: str | None = None) -> list[KPI]:
    """The KPIs asked for (None: every KPI the columns can give); refuse missing measures."""
    if kpis is None:
        chosen = [k for k in KPIS.values() if all(m in columns for m in k.measures)]
        if not chosen:
            raise MissingColumnsError(Problem(
                tr("the table has no measure columns, so no KPI can be computed."),
                tr("load the data with kpikit.load."),
                code=ProblemCode.COLUMN_NO_MEASURES))
    else:
        chosen = resolve_kpis(kpis)
    need: dict[str, list[str]] = {}
    for k in chosen:
        for m in k.measures:
            if m not in columns:
                need.setdefault(m, []).append(k.name)
    if need:
        raise MissingColumnsError([_missing_measure(m, ks, source) for m, ks in need.items()])
    return chosen


def _missing_measure(m: str, kpis: Sequence[str], source: str | None) -> Problem:
    # the measure's label in the current language, computed once for both texts
    users, label = ", ".join(kpis), MEASURES[m].label().lower()
    return Problem(tr("column {m!r} is missing; it is needed by {users}.", m=m, users=users),
                   tr("load data that has {label}, or drop {users} from the KPIs.", label=label,
                      users=users),
                   source, None, m, code=ProblemCode.COLUMN_MISSING)


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


def _combine(agg: pd.DataFrame, terms: tuple[tuple[str, float], ...]) -> np.ndarray:
    total = np.zeros(len(agg))
    for t, c in terms:
        total = total + c * agg[t].to_numpy(dtype="float64")
    return total


def check_nonadditive(counts: pd.DataFrame, nonadd: Sequence[str], group_cols: Sequence[str],
                      source: str | None) -> None:
    """Refuse to sum a non-additive measure (reach): ``counts`` holds, per group, how many
    rows have a value of each such measure; more than one would be summed."""
    problems = []
    for m in nonadd:
        bad = counts[m] > 1
        if bad.any():
            first = (counts.index[bad.to_numpy()][0] if group_cols
                     else tr("the whole table"))
            where = (", ".join(f"{c}={v}" for c, v in zip(
                group_cols, first if isinstance(first, tuple) else (first,), strict=True))
                if group_cols else first)
            users = sorted(k.name for k in KPIS.values() if m in k.measures)
            n_bad, n_rows = int(bad.sum()), int(counts[m][bad].iloc[0])
            problems.append(Problem(
                tr("{m!r} is not additive (the same person is counted on several days or "
                   "channels) but {n_bad} group(s) would sum it over several rows, e.g. {where} "
                   "({n_rows} rows).", m=m, n_bad=n_bad, where=where, n_rows=n_rows),
                tr("group by every column that identifies a row (date, campaign, channel, ...), "
                   "load an export whose rows already cover the whole period (Meta: one row per "
                   "campaign for the period), or use a KPI without {m} (KPIs that need it: "
                   "{users}).", m=m, users=', '.join(users)),
                source, None, m, code=ProblemCode.MEASURE_NON_ADDITIVE))
    if problems:
        raise NonAdditiveError(problems)


def coverage_message(kpi: str, groups: int, where: str, lacking: Sequence[str]) -> Note:
    """The warning for a ratio whose measures cover different rows inside groups."""
    # the same placeholders in both languages (the message catalogs need that)
    place = where or tr("the total")
    joined = tr(" and ").join(lacking)
    missing = (tr("{joined} is missing", joined=joined) if len(lacking) == 1
               else tr("{joined} are missing", joined=joined))
    return Note(tr("{kpi}: in {groups} group(s) (first: {place}) {missing} on rows where its "
                   "other measures are present, so the ratio divides sums over different rows. "
                   "Fill 0 where there truly were none, or add 'channel' to by.", kpi=kpi,
                   groups=groups, place=place, missing=missing), ProblemCode.KPI_PARTIAL_COVERAGE)


def warn_all(out: pd.DataFrame, messages: Sequence[Note], stacklevel: int) -> None:
    """Keep the warnings in ``out.attrs`` and issue each one."""
    if messages:
        out.attrs["warnings"] = list(messages)
        for msg in messages:
            warnings.warn(KpikitWarning(msg, code=msg.code), stacklevel=stacklevel + 1)
