"""Reading exports into the canonical table: :func:`load`, a short sequence of steps.

:func:`load` reads Google Ads, Meta Ads Manager, GA4 and TikTok Ads exports
(English or Vietnamese, CSV/TSV in UTF-8 or UTF-16, XLSX, Parquet), any other
file through an explicit ``mapping``, or a DataFrame. It returns the canonical
table of DESIGN.md: ``date``, ``campaign``, ``channel``, optional dimensions,
then float measures. ``df.attrs`` keeps ``currency``, ``platform``,
``source`` and what was dropped or guessed.

The steps, each in its own module: read the file into raw tables
(:mod:`.tables`, :mod:`.readers`) -> detect the platform and map the columns
(:mod:`.columns`) -> leave out the platform's summary rows (:mod:`.summary_rows`)
-> parse the cells (:mod:`.values`, :mod:`.cells`) -> check the table
(:mod:`.checks`) -> the canonical table.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kpikit.catalog import MEASURES
from kpikit.data_in.checks import check_table, validate
from kpikit.data_in.columns import detect_platform, map_columns
from kpikit.data_in.sources import DIMENSIONS
from kpikit.data_in.summary_rows import labelled_summaries, summed_rows
from kpikit.data_in.tables import RawTable, read_tables
from kpikit.data_in.values import Work, decide_currency, parse_dates, parse_measures, text_columns
from kpikit.errors import DataError, KpikitWarning, Note, ParameterError, Problem, ProblemCode
from kpikit.i18n.lang import LANGS, language, tr, using_language

__all__ = ["check_table", "load", "preload", "validate"]


# tables loaded ahead by a warm batch parent (kpikit._warm), keyed by file identity
_PRELOADED: dict[tuple[str, int, int],
                 tuple[pd.DataFrame, dict[str, list[tuple[Warning | str, type[Warning]]]],
                       dict[str, list[str]]]] = {}


def _file_key(source: str | os.PathLike[str]) -> tuple[str, int, int]:
    p = Path(source).resolve()
    st = p.stat() if p.is_file() else None
    return (str(p), st.st_mtime_ns if st else -1, st.st_size if st else -1)


def preload(source: str | os.PathLike[str]) -> None:
    """Load a file once so that later plain ``load(source)`` calls return a copy.

    Used by warm batch kernels: the parent preloads the batch's data files, each forked
    kernel gets its own deep copy (and the same warnings), and a changed file (new size or
    modification time) is read afresh. The warnings are kept in every language, so a
    run speaks its own.
    """
    notes: dict[str, list[tuple[Warning | str, type[Warning]]]] = {}
    said: dict[str, list[str]] = {}
    table = None
    for lang in LANGS:
        with using_language(lang), warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            loaded = load(source)
        table = loaded if table is None else table
        # the warning itself, not its text: a replay keeps its code
        notes[lang] = [(w.message, w.category) for w in seen]
        said[lang] = list(loaded.attrs.get("warnings", []))
    _PRELOADED[_file_key(source)] = (table, notes, said)


def load(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    platform: str = "auto",
    mapping: Mapping[str, str] | None = None,
    currency: str | None = None,
    channel: str | None = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
    kpis: str | Iterable[str] | None = None,
    name: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read an export or a DataFrame into the canonical table.

    Parameters
    ----------
    source
        Path to a CSV/TSV (UTF-8, UTF-8 with BOM or UTF-16), XLSX or Parquet
        file, or a DataFrame.
    platform
        ``"auto"`` (detect from the headers), ``"google_ads"``, ``"meta"``,
        ``"ga4"``, ``"tiktok"`` or ``"canonical"``.
    mapping
        ``{"source header": "canonical column"}`` for files of other tools;
        wins over the platform's own names.
    currency
        ISO code of the money columns when the file does not say; an error
        when the file says otherwise.
    channel
        Channel for every row, when the file has no channel column.
    decimal
        ``"."`` or ``","``: forces the decimal separator (normally decided
        from the data).
    dayfirst
        Forces ``dd/mm/yyyy`` (True) or ``mm/dd/yyyy`` (False) for slashed dates.
    kpis
        KPIs you intend to compute: their measures must be present.
    name
        Label for messages (defaults to the file name).
    sheet
        Workbooks only: the sheet to read (name or 0-based position). By
        default every sheet holding the same table as the first one is read
        and stacked, and a warning names the sheets that hold other tables.

    Returns
    -------
    pandas.DataFrame
        The canonical table, sorted by date, campaign, channel. ``attrs``
        holds ``currency``, ``platform``, ``source``, ``dropped_total_rows``
        (the platform's summary rows that were left out), ``ignored_columns``,
        ``sheets`` (workbooks) and ``warnings``. Rows that cover a period
        (Meta's reporting starts/ends, Google Ads rows by Week, Month or
        Quarter) also have ``date_end``, the period's last day.

    Raises
    ------
    DataError
        Listing every problem of the file with row, column and fix.
    ParameterError
        For bad arguments (unknown platform, missing file).
    """
    if decimal not in (None, ".", ","):
        raise ParameterError(tr("decimal={decimal!r}: must be '.' or ','.", decimal=decimal),
                             code=ProblemCode.PARAMETER_CHOICE)
    plain = not (mapping or currency or channel or decimal or dayfirst is not None or kpis
                 or name or platform != "auto" or sheet is not None)
    if plain and (copy := _preloaded(source)) is not None:
        return copy
    raws, notes = read_tables(source, mapping, name, sheet)
    opts = dict(platform=platform, mapping=mapping, currency=currency, channel=channel,
                decimal=decimal, dayfirst=dayfirst, kpis=kpis)
    tables = [_one_table(r, **opts) for r in raws]  # each: detect, map, parse, check
    df, warn = tables[0] if len(tables) == 1 else _stack(tables, kpis)
    warn = notes + warn
    df.attrs["warnings"] = warn
    if isinstance(source, str | os.PathLike) and str(source).lower().endswith((".xlsx", ".xlsm")):
        df.attrs["sheets"] = [r.source for r in raws]
    for w in warn:
        warnings.warn(KpikitWarning(f"{df.attrs['source']}: {w}", code=getattr(w, "code", None)),
                      stacklevel=2)
    return df


def _preloaded(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame | None:
    """A copy of a table a warm parent preloaded (its warnings said again), or None."""
    if not _PRELOADED or not isinstance(source, str | os.PathLike):
        return None
    hit = _PRELOADED.get(_file_key(source))
    if hit is None:
        return None
    table, notes_seen, said = hit
    lang = language()
    for message, category in notes_seen[lang]:
        warnings.warn(message, category, stacklevel=3)  # _preloaded, load, the caller
    copy = table.copy(deep=True)
    copy.attrs["warnings"] = list(said[lang])
    return copy


def _stack(parts: list[tuple[pd.DataFrame, list[str]]], kpis) -> tuple[pd.DataFrame, list[str]]:
    """Sheets of one workbook holding the same table, as one table."""
    frames = [df for df, _ in parts]
    warn = [w for _, ws in parts for w in ws]
    src = ", ".join(df.attrs["source"] for df in frames)
    curs = {df.attrs["currency"] for df in frames} - {None}
    problems: list[Problem] = []
    if len(curs) > 1:
        listed = "; ".join(f"{df.attrs['source']}: {df.attrs['currency']}" for df in frames)
        problems.append(Problem(
            tr("the sheets are in different currencies ({listed}).", listed=listed),
            tr("load each sheet on its own with sheet=..., one currency at a time."), src,
            code=ProblemCode.CURRENCY_MIXED))
    df = pd.concat(frames, ignore_index=True)
    keys = [c for c in ("date", "date_end", "campaign", "channel", *DIMENSIONS) if c in df]
    dup = df.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        origin = [f.attrs["source"] for f in frames for _ in range(len(f))]
        first = df.loc[dup].iloc[0]
        where = ", ".join(sorted({origin[i] for i in np.flatnonzero(dup)}))
        from kpikit.i18n.formats import format_day

        day = format_day(first["date"])
        key = f"({day}, {first['campaign']!r}, {first['channel']!r})"
        problems.append(Problem(
            tr("sheets {where} hold the same day, campaign and channel {key}: stacking them would "
               "count it twice.", where=where, key=key),
            tr("pick one sheet with sheet=..., or remove the repeated rows."), src,
            code=ProblemCode.ROW_DUPLICATE))
    if problems:
        raise DataError(problems, src)
    df = df.sort_values([k for k in keys if k != "date_end"], kind="stable").reset_index(drop=True)
    df.attrs.update(frames[0].attrs)
    df.attrs.update(source=src, currency=next(iter(curs), None),
                    dropped_total_rows=sum(f.attrs["dropped_total_rows"] for f in frames),
                    ignored_columns=sorted({c for f in frames for c in f.attrs["ignored_columns"]}))
    return df, warn


def _one_table(raw: RawTable, *, platform: str, mapping: Mapping[str, str] | None,
               currency: str | None, channel: str | None, decimal: str | None,
               dayfirst: bool | None, kpis) -> tuple[pd.DataFrame, list[str]]:
    """The canonical table of one read table, and its warnings (not yet issued)."""
    plat = detect_platform(raw.headers, platform, raw.comments, mapping)
    cols = map_columns(raw, plat, mapping)  # refuses a table without dates or measures
    work = Work(raw, plat, cols, raw.frame, raw.rows, warn=list(cols.notes))
    _drop_labelled_summaries(work, dayfirst)
    parse_dates(work, dayfirst)
    parse_measures(work, decimal)
    _drop_summed_rows(work)
    text_columns(work, channel)
    currency = decide_currency(work, currency)
    _note_result_types(work)
    df = _assemble(work)
    work.problems += check_table(df, source=work.source, kpis=kpis, warn=work.warn,
                                 skip_duplicates=bool(work.problems),
                                 headers={c: raw.headers[i] for c, i in cols.positions.items()})
    if work.problems:
        # file-level problems first, then in file order
        work.problems.sort(key=lambda p: (p.row is not None, p.row or 0))
        raise DataError(work.problems, work.source)
    return _canonical(df, work, currency), work.warn


def _drop_labelled_summaries(work: Work, dayfirst: bool | None) -> None:
    """Leave out rows labelled like the platform's totals: never summed again."""
    is_total = labelled_summaries(work.frame, work.cols.positions, work.cols.date_position,
                                  work.cols.period, dayfirst)
    work.dropped_lines = [r for r, t in zip(work.rows, is_total, strict=True) if t]
    if work.dropped_lines:
        work.keep(~is_total)
    if work.frame.empty:
        raise DataError(Problem(tr("the file has a header but no data rows."),
                                tr("export a date range that has data."), work.source,
                                code=ProblemCode.DATA_NO_ROWS), work.source)


def _drop_summed_rows(work: Work) -> None:
    """Leave out an unlabelled row (no campaign, or 'Results from 3 campaigns') whose
    measures are the sums of the other rows: the summary Meta and others put first or last."""
    if len(work.frame) <= 1:
        return
    campaign = work.cols.positions.get("campaign")
    summary = summed_rows(work.frame, campaign, work.cols.date_position, work.out,
                          work.cols.measures)
    if summary:
        lines = {work.rows[i] for i in summary}
        work.problems = [p for p in work.problems if p.row not in lines]
        keep = np.ones(len(work.frame), dtype=bool)
        keep[summary] = False
        work.keep(keep)
        work.dropped_lines += sorted(lines)


def _note_result_types(work: Work) -> None:
    """Meta's 'Results' count what each row's result type says: warn when they differ."""
    if "result_type" in work.cols.positions:
        kinds = sorted(set(work.text("result_type")) - {""})
        if len(kinds) > 1:
            kinds_text = ", ".join(kinds)
            work.warn.append(Note(tr("'Results' counts different things on different rows "
                                     "({kinds_text}): conversions summed across them mix result "
                                     "types.", kinds_text=kinds_text),
                ProblemCode.MEASURE_MIXED_RESULT_TYPES))


def _assemble(work: Work) -> pd.DataFrame:
    """The parsed columns in canonical order, with each row's line number in ``_row``."""
    df = pd.DataFrame(work.out)
    df["_row"] = work.rows
    if "date_end" in df and not (df["date_end"].isna() | (df["date_end"] == df["date"])).all():
        bad = df["date_end"] < df["date"]
        for r in df.loc[bad, "_row"]:
            work.problems.append(Problem(tr("the reporting end is before its start."),
                                         tr("check the two date columns."),
                                         work.source, int(r), "date_end",
                                         code=ProblemCode.DATE_RANGE_REVERSED))
    else:
        df = df.drop(columns=["date_end"], errors="ignore")
    dims = [d for d in DIMENSIONS if d in df]
    order = ["date", *(["date_end"] if "date_end" in df else []), "campaign", "channel", *dims]
    order += [m for m in MEASURES if m in df]
    return df[order + ["_row"]]


def _canonical(df: pd.DataFrame, work: Work, currency: str | None) -> pd.DataFrame:
    """The checked table sorted, without line numbers, with what was left out in attrs."""
    dropped = len(work.dropped_lines)
    if dropped:
        # said, not only counted: every command and report shows its load warnings
        shown = ", ".join(map(str, sorted(work.dropped_lines)[:5]))
        more = "…" if dropped > 5 else ""
        work.warn.append(tr("left out {dropped} summary row(s) (row {shown}{more}): the "
                            "platform's own totals, which must not be summed again.",
                            dropped=dropped, shown=shown, more=more))
    dims = [d for d in DIMENSIONS if d in df]
    df = df.sort_values(["date", "campaign", "channel", *dims], kind="stable")
    df = df.drop(columns="_row").reset_index(drop=True)
    df.attrs.update(
        currency=currency,
        platform=work.plat.name,
        source=work.source,
        dropped_total_rows=dropped,
        ignored_columns=work.cols.ignored,
        warnings=work.warn,
    )
    return df
