"""From text cells to column values: dates and periods, measures (the decimal
separator decided per column, then per file), text columns, and the currency.

Each step takes the :class:`Work` of one table, adds the columns it parsed to
``work.out`` and every cell it could not read to ``work.problems``, so that a
file's problems are reported all at once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpikit.data_in import cells
from kpikit.data_in.cells import NumberScan
from kpikit.data_in.columns import Columns
from kpikit.data_in.sources import (
    CAMPAIGN_TYPE_CHANNEL,
    DIMENSIONS,
    GA4_CHANNELS,
    Platform,
    normalize_header,
)
from kpikit.data_in.tables import RawTable
from kpikit.errors import Note, Problem, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.safety import restore_text

__all__ = ["Work", "decide_currency", "parse_dates", "parse_measures", "text_columns"]

#: measures that count whole things: a fractional reading of them is suspect
_WHOLE = frozenset(
    "impressions reach clicks link_clicks sessions engaged_sessions leads orders "
    "repeat_orders engagements shares video_views video_completions followers "
    "new_customers emails_delivered email_opens email_clicks unsubscribes".split())

_DOLLARS = frozenset("USD SGD AUD CAD HKD NZD TWD".split())


@dataclass
class Work:
    """One table on its way from raw cells to the canonical table."""

    raw: RawTable
    plat: Platform
    cols: Columns
    frame: pd.DataFrame  # the rows still kept (columns are positions)
    rows: list[int]  # the file's line number of each kept row
    out: dict[str, pd.Series] = field(default_factory=dict)  # parsed canonical columns
    problems: list[Problem] = field(default_factory=list)
    warn: list[str] = field(default_factory=list)
    scans: dict[str, NumberScan] = field(default_factory=dict)
    dropped_lines: list[int] = field(default_factory=list)  # summary rows left out

    @property
    def source(self) -> str:
        return self.raw.source

    def header(self, col: str) -> str:
        """The file's header of a canonical column."""
        return self.raw.headers[self.cols.positions[col]]

    def keep(self, keep: np.ndarray) -> None:
        """Keep only the rows where ``keep`` is true (frame, line numbers, parsed columns)."""
        self.frame = self.frame.loc[keep].reset_index(drop=True)
        self.rows = [r for r, k in zip(self.rows, keep, strict=True) if k]
        self.out = {k: v.loc[keep].reset_index(drop=True) for k, v in self.out.items()}

    def text(self, col: str) -> pd.Series:
        """A text column, NFC-normalised and stripped ('' for an empty cell)."""
        s = self.frame[self.cols.positions[col]].map(
            lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
            # a quote kpikit's own CSV writers put before "=..." comes off again
            else restore_text(unicodedata.normalize("NFC", str(v)).strip()))
        return s.astype(str)  # the default string dtype of the running pandas


def parse_dates(work: Work, dayfirst: bool | None) -> None:
    """The ``date`` (and ``date_end``) of each row, from date columns or a period column."""
    period, positions, frame = work.cols.period, work.cols.positions, work.frame
    if period is not None:
        header = work.raw.headers[period[0]]
        start, end, probs, w = cells.parse_periods(
            frame[period[0]], kind=period[1], column=header, rows=work.rows, file=work.source,
            dayfirst=dayfirst)
        work.problems += probs
        work.warn += w
        work.out["date"], work.out["date_end"] = start, end
    for col in ("date", "date_end"):
        if col in positions:
            vals, probs, w = cells.parse_dates(
                frame[positions[col]], column=work.header(col), rows=work.rows,
                file=work.source, dayfirst=dayfirst, required=col == "date")
            work.problems += probs
            work.warn += w
            work.out[col] = vals


def parse_measures(work: Work, decimal: str | None) -> None:
    """Every measure column as floats; the decimal separator decided per column from its
    own cells, then from the rest of the file, or refused as ambiguous."""
    measures, positions, frame, src = work.cols.measures, work.cols.positions, work.frame, \
        work.source
    scans = {c: cells.scan_numbers(frame[positions[c]].tolist()) for c in measures}
    work.scans = scans
    dot = any(s.dot_votes for s in scans.values())
    comma = any(s.comma_votes for s in scans.values())
    file_hint = decimal or ("." if dot and not comma else "," if comma and not dot else None)
    for c in measures:
        header = work.header(c)
        scan = scans[c]
        dec, why = (decimal, None) if decimal else cells.decide_decimal(scan, file_hint)
        if (not decimal and not why and c in _WHOLE and scan.ambiguous_seps.get(dec or "")
                and not (scan.dot_votes or scan.comma_votes)):
            # only the rest of the file decided, and it would make a count fractional
            # ('1.234' impressions): that reading is not evidence enough
            cell = scan.ambiguous_seps[dec]
            whole, fraction = cell.replace(",", "").replace(".", ""), cell.replace(",", ".")
            why = tr("cannot tell whether {cell!r} means {whole} or {fraction}: the rest of the "
                     "file uses {dec!r} as decimal point, but {c} are whole numbers", cell=cell,
                     whole=whole, fraction=fraction, dec=dec, c=c)
        if why:
            work.problems.append(Problem(
                why + ".", tr("pass decimal=',' (1.234,5 style) or decimal='.' (1,234.5 style) to "
                              "kpikit.load, or --decimal on the command line."),
                src, None, header, code=ProblemCode.NUMBER_AMBIGUOUS_SEPARATOR))
            dec = None
        # no canonical measure is a rate, so '12%' is never a count or an amount
        vals, probs = cells.parse_numbers(frame[positions[c]], column=header, rows=work.rows,
                                          file=src, decimal=dec, allow_percent=False)
        if why:  # one problem for the column is enough; skip per-cell repeats
            probs = [p for p in probs if not any(
                p.message.startswith(tr("cannot read {a!r}", a=a))
                for a in scan.ambiguous)]
        work.problems += probs
        work.out[c] = vals


def text_columns(work: Work, channel: str | None) -> None:
    """``campaign``, ``channel`` and the dimensions (defaults where the file has none)."""
    positions, plat, n = work.cols.positions, work.plat, len(work.frame)
    if "campaign" in positions:
        camp = work.text("campaign")
        header = work.header("campaign")
        for i in np.flatnonzero((camp == "").to_numpy()):
            work.problems.append(Problem(
                tr("the campaign name is empty."),
                tr("fill it in or delete the row."),
                work.source, work.rows[i], header, code=ProblemCode.CAMPAIGN_EMPTY))
        work.out["campaign"] = camp
    else:
        work.out["campaign"] = pd.Series(["(all)"] * n).astype(str)
        work.warn.append(Note(tr("no campaign column: every row was given campaign '(all)'."),
            ProblemCode.CAMPAIGN_DEFAULTED))

    if channel is not None:
        work.out["channel"] = pd.Series([channel] * n).astype(str)
    elif "channel" in positions:
        ch = work.text("channel")
        if plat.name == "ga4":
            ch = ch.map(lambda t: GA4_CHANNELS.get(t.casefold(), t.casefold().replace(" ", "_")))
        work.out["channel"] = ch.where(ch != "", plat.default_channel)
    elif "campaign_type" in positions:
        ct = work.text("campaign_type").map(normalize_header)
        work.out["channel"] = ct.map(
            lambda t: CAMPAIGN_TYPE_CHANNEL.get(t, t or plat.default_channel))
    else:
        work.out["channel"] = pd.Series([plat.default_channel] * n).astype(str)

    for d in DIMENSIONS:
        if d in positions:
            work.out[d] = work.text(d)


def decide_currency(work: Work, currency: str | None) -> str | None:
    """The table's one currency, from headers, a currency column, then signs in cells;
    a problem when they disagree with each other or with ``currency``."""
    positions, src = work.cols.positions, work.source
    found: dict[str, str] = {}
    for h, cur in work.cols.currencies.items():
        found.setdefault(cur, tr("header {h!r}", h=h))
    if "currency_code" in positions:
        codes = work.text("currency_code").map(str.upper)
        head = work.header("currency_code")
        for code in sorted(set(codes) - {""}):
            found.setdefault(code, tr("column {head!r}", head=head))
    if found:
        for c in work.cols.measures:
            for cur, (i, cell) in work.scans[c].currency_cells.items():
                if not any(_same_currency(cur, cell, f) for f in found):
                    said = "; ".join(f"{f} ({w})" for f, w in found.items())
                    work.problems.append(Problem(
                        tr("the cell {cell!r} is in {cur}, but the file says {said}.", cell=cell,
                           cur=cur, said=said),
                        tr("export the report again in one currency, or correct the currency "
                           "header or column."), src, work.rows[i], work.header(c),
                        code=ProblemCode.CURRENCY_CONFLICT))
    if not found:
        in_cells = set().union(*(s.currencies for s in work.scans.values()))
        for cur in sorted(in_cells):
            found.setdefault(cur, tr("currency signs in the cells"))
    if currency:
        currency = currency.upper()
    if len(found) > 1:
        mixed = "; ".join(f"{c} ({w})" for c, w in found.items())
        work.problems.append(Problem(
            tr("mixes currencies: {mixed}.", mixed=mixed),
            tr("export each currency (ad account) to its own file and load them separately."),
            src, code=ProblemCode.CURRENCY_MIXED))
    elif found:
        (cur_found,) = found
        if currency and currency != cur_found:
            where = found[cur_found]
            work.problems.append(Problem(
                tr("the file is in {cur_found} ({where}) but currency={currency!r} was asked.",
                   cur_found=cur_found, where=where, currency=currency),
                tr("drop the currency argument or pass currency={cur_found!r}.",
                   cur_found=cur_found),
                src, code=ProblemCode.CURRENCY_CONFLICT))
        currency = cur_found
    return currency


def _same_currency(cell_cur: str, cell: str, said: str) -> bool:
    """Whether a sign in a cell agrees with the currency the file states."""
    if cell_cur == said:
        return True
    # '$' and '¥' are shared by several currencies
    return ("$" in cell and said in _DOLLARS) or ("¥" in cell and said in ("JPY", "CNY"))
