"""The platforms' own summary rows (``Total: Account``, ``Tổng cộng``, Meta's
``Results from 3 campaigns``): found by their label, or by being the sum of the
other rows, and left out so that they are never summed again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kpikit.catalog import MEASURES
from kpikit.data_in import cells

__all__ = ["TOTAL_RE", "is_summary_label", "labelled_summaries", "summed_rows"]

# the labels platforms give their summary rows, and nothing that merely starts like one:
# 'Total: Account', 'Total: Campaigns', 'Total', 'Grand total', 'Totals', 'Total of 3
# results' (TikTok), 'Results from 3 campaigns' (Meta), 'Tổng', 'Tổng cộng', 'Tổng: Tài
# khoản', 'Tổng cộng: Chiến dịch'. A campaign called 'Total - Brand' or 'Tổng (Q1)
# Khuyến mãi' is data
TOTAL_RE = re.compile(
    r"^(?:(?:grand\s+)?totals?|tổng(?:\s+cộng)?|tổng\s+số)(?:\s*:.*)?$"
    r"|^total\s+of\s+\d+\s+results?$|^tổng\s+(?:cộng\s+)?(?:của\s+)?\d+\s+kết\s+quả$"
    # Meta's summary: 'Results from 3 campaigns (Excludes deleted items)'
    r"|^results\s+from\s+\d+\s+(?:campaigns?|ad\s+sets?|ads?)\b.*$"
    r"|^kết\s+quả\s+từ\s+\d+\s+(?:chiến\s+dịch|nhóm\s+quảng\s+cáo|quảng\s+cáo)\b.*$",
    re.IGNORECASE | re.DOTALL,
)


def is_summary_label(text: object) -> bool:
    """Whether ``text`` is how a platform labels a summary row (``Total: Account``,
    ``Tổng cộng``, ``Total of 3 results``); ``Total - Brand`` is not."""
    return isinstance(text, str) and bool(TOTAL_RE.match(text.strip()))


def labelled_summaries(frame: pd.DataFrame, positions: Mapping[str, int], date_pos: int,
                        period: tuple[int, str] | None, dayfirst: bool | None) -> np.ndarray:
    """Rows labelled like a platform's total that have no real date or close the file."""
    n = len(frame)
    labelled = np.zeros(n, dtype=bool)
    for i in {positions[c] for c in ("date", "campaign", "campaign_type", "ad_group",
                                     "channel") if c in positions} | {0, date_pos}:
        col = frame[i]
        # labels are few among many repeated values: match each distinct text once
        hits = {v for v in pd.unique(col) if isinstance(v, str) and TOTAL_RE.match(v.strip())}
        if hits:
            labelled |= col.isin(hits).to_numpy(bool)
    if not labelled.any():
        return labelled

    def real_date(v: object) -> bool:
        try:
            if period is not None:
                return cells.period_bounds(v, period[1], dayfirst is not False) is not None
            return cells.parse_date(v, dayfirst is not False) is not None
        except (ValueError, OverflowError, TypeError):
            return False

    dated = np.ones(n, dtype=bool)
    dated[labelled] = frame[date_pos][labelled].map(real_date).to_numpy(bool)
    plain = np.flatnonzero(~labelled)
    trailing = np.arange(n) > (plain[-1] if len(plain) else -1)
    return labelled & (~dated | trailing)


def summed_rows(frame: pd.DataFrame, campaign_pos: int | None, date_pos: int,
                 out: Mapping[str, pd.Series], measures: Sequence[str]) -> list[int]:
    """Unlabelled summary rows: positions of rows that only add up other rows.

    A candidate is a row with no date at all (empty or ``--``), or a first or last row
    whose campaign is empty or a summary label (Meta's summary row carries the report's
    dates). It is a summary when every measure it states equals the sum of the other
    rows of its campaign (of all other rows when it names no campaign).
    """
    additive = [m for m in measures if MEASURES[m].aggregation == "sum" and m in out]
    n = len(frame)
    if not additive:
        return []

    def emptyish(col: pd.Series, labels: bool) -> np.ndarray:
        like = {v for v in pd.unique(col) if v is None or str(v).strip().lower() in
                cells.EMPTY or (labels and TOTAL_RE.match(str(v).strip()))}
        return (col.isin(like) | col.isna()).to_numpy(bool)

    no_date = emptyish(frame[date_pos], labels=False)
    if campaign_pos is not None:
        camps = frame[campaign_pos]
        no_camp = emptyish(camps, labels=True)
    else:
        camps, no_camp = pd.Series([""] * n), np.ones(n, dtype=bool)
    edge = np.zeros(n, dtype=bool)
    edge[[0, n - 1]] = True
    candidates = np.flatnonzero(no_date | (no_camp & edge & (no_camp.sum() == 1)))
    if not len(candidates) or len(candidates) > 50 or len(candidates) >= n:
        return []
    others = np.ones(n, dtype=bool)
    others[candidates] = False
    values = {m: out[m].to_numpy() for m in additive}
    found = []
    for i in candidates:
        group = others if no_camp[i] else others & (camps == camps.iloc[i]).to_numpy(bool)
        if not group.any():
            continue
        match, nonzero = True, False
        for m in additive:
            v = values[m]
            if np.isnan(v[i]):
                continue  # Meta leaves 'Results' empty in the summary when types differ
            total = np.nansum(v[group])
            # exports round each row and the total to cents: allow that much
            if not np.isclose(v[i], total, rtol=1e-6, atol=0.01 * group.sum() + 1e-9):
                match = False
                break
            nonzero |= total != 0
        if match and nonzero:
            found.append(int(i))
    return found
