"""Anomalies that know the week and Vietnam's calendar.

:func:`detect` judges each day of a daily KPI against what that day should look
like: the recent level, the weekday's usual share (search dips at weekends,
e-mail is sent on some days only) and the calendar. Days of the calendar that
move marketing numbers are expected to move them, and are judged by last year's
same event when there is one:

* Tết by the lunar calendar (from the ``holidays`` package): the shopping ramp of
  the five weeks before, the holiday itself (shops close) and the week after;
* the double-day sales (1.1 .. 12.12; 9.9, 10.10, 11.11 and 12.12 are the big
  ones), Black Friday and the weekend to Cyber Monday;
* Vietnam's public holidays.

A day is only judged once ``min_history`` earlier days are known. A zero on a
day that is usually not zero is a tracking outage, whatever the calendar says.
The old detector, :func:`kpikit.analysis.series.anomalies`, remains for comparison.
"""

from __future__ import annotations

import functools
import math
from datetime import date

import numpy as np
import pandas as pd

from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr

__all__ = ["SENSITIVITIES", "calendar_events", "detect", "flags", "tet_dates"]

#: robust z-score past which a day is flagged
SENSITIVITIES: dict[str, float] = {"low": 5.0, "medium": 4.0, "high": 3.0}
#: how far an event may move a day when last year says nothing: (down, up), log scale
_EVENT_ROOM = {
    "tet_ramp": (math.log(0.7), math.log(4.0)),
    "tet_holiday": (math.log(0.15), math.log(2.0)),
    "tet_after": (math.log(0.3), math.log(1.6)),
    "double_day": (math.log(0.8), math.log(4.0)),
    "black_friday": (math.log(0.8), math.log(3.5)),
    "holiday": (math.log(0.4), math.log(2.0)),
}
#: smallest spread of a day around its expected value (log scale, about 4%)
_MIN_SCALE = 0.04


@functools.lru_cache(maxsize=64)
def _vn_holidays(year: int) -> tuple[tuple[date, str], ...]:
    import holidays

    try:
        days = holidays.country_holidays("VN", years=year, language="en_US")
    except (NotImplementedError, KeyError):  # a year the package does not cover
        return ()
    return tuple(sorted(days.items()))


def tet_dates(years: list[int] | range) -> dict[int, date]:
    """First day of the lunar new year (Tết Nguyên Đán) in each year, from ``holidays``."""
    out = {}
    for y in years:
        for d, name in _vn_holidays(int(y)):
            if name.strip().lower() == "lunar new year":
                out[int(y)] = d
    return out


def _black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = 1 + (3 - first.weekday()) % 7
    return date(year, 11, thursday + 21 + 1)


def calendar_events(dates: pd.DatetimeIndex | pd.Series) -> pd.DataFrame:
    """The calendar event of each day and its key for finding it last year.

    Returns a frame indexed by the dates with ``event`` (``""``, ``tet_ramp``,
    ``tet_holiday``, ``tet_after``, ``double_day``, ``black_friday`` or
    ``holiday``) and ``key`` (the same event in another year: Tết by its lunar
    offset, double days by their date, Black Friday by its place).
    """
    idx = pd.DatetimeIndex(dates).normalize()
    events = np.full(len(idx), "", dtype=object)
    keys = np.full(len(idx), "", dtype=object)
    if not len(idx):
        return pd.DataFrame({"event": events, "key": keys}, index=idx)
    years = range(idx.min().year - 1, idx.max().year + 2)
    by_day: dict[pd.Timestamp, tuple[str, str]] = {}
    # weakest first: a later, more specific event overwrites a day
    for y in years:
        for d, _name in _vn_holidays(y):
            by_day[pd.Timestamp(d)] = ("holiday", f"holiday:{d:%m-%d}")
        for m in range(1, 13):
            by_day[pd.Timestamp(y, m, m)] = ("double_day", f"double:{m}")
        bf = pd.Timestamp(_black_friday(y))
        for i in range(4):  # Friday to Cyber Monday
            by_day[bf + pd.Timedelta(days=i)] = ("black_friday", f"bf:{i}")
    for tet in tet_dates(years).values():
        t = pd.Timestamp(tet)
        for off in range(-35, 8):
            kind = "tet_ramp" if off < -2 else ("tet_holiday" if off <= 4 else "tet_after")
            by_day[t + pd.Timedelta(days=off)] = (kind, f"tet:{off}")
    for i, d in enumerate(idx):
        hit = by_day.get(d)
        if hit:
            events[i], keys[i] = hit
    return pd.DataFrame({"event": events, "key": keys}, index=idx)


def _check(sensitivity: str | float, min_history: int) -> float:
    if not isinstance(min_history, int) or isinstance(min_history, bool) or min_history < 7:
        raise ParameterError(tr("min_history={min_history!r} must be a whole number of days, at "
                                "least 7. Fix: e.g. 28.",
                                min_history=min_history), code=ProblemCode.PARAMETER_INVALID)
    if isinstance(sensitivity, str):
        if sensitivity not in SENSITIVITIES:
            raise ParameterError(tr("sensitivity={sensitivity!r} is unknown. Fix: choose from "
                                    "{SENSITIVITIES} or give a number (a robust z-score, e.g. 4).",
                                    sensitivity=sensitivity,
                                    SENSITIVITIES=', '.join(SENSITIVITIES)),
                code=ProblemCode.PARAMETER_CHOICE)
        return SENSITIVITIES[sensitivity]
    try:
        z = float(sensitivity)
    except (TypeError, ValueError):
        z = math.nan
    if not (math.isfinite(z) and z > 0):
        raise ParameterError(tr("sensitivity={sensitivity!r} must be low, medium, high or a "
                                "number above 0. Fix: e.g. 4 (medium).",
                                sensitivity=sensitivity), code=ProblemCode.PARAMETER_INVALID)
    return z


def detect(series: pd.Series, *, sensitivity: str | float = "medium", min_history: int = 28,
           calendar: bool = True, level_days: int = 7, history_days: int = 84) -> pd.DataFrame:
    """Judge each day of a daily KPI against its weekday, level and calendar.

    Parameters
    ----------
    series
        Daily values indexed by date (missing days may be absent or NaN: they are
        not judged and not counted as zero).
    sensitivity
        ``"low"``, ``"medium"`` (default) or ``"high"``, or a robust z-score: the
        higher the sensitivity, the smaller the move that is flagged.
    min_history
        Earlier days with a value needed before a day is judged (at least 7).
    calendar
        Expect Tết, the double days, Black Friday and public holidays to move the
        numbers (``False`` judges them like any day).
    level_days, history_days
        Days of the recent level (short, so a new budget is learnt within days)
        and of the weekday pattern and spread.

    Returns
    -------
    pandas.DataFrame
        One row per day: ``value``, ``expected``, ``low``, ``high`` (the band of
        normal values), ``score`` (robust z), ``event``, ``judged``,
        ``anomaly`` (bool) and ``kind`` (``spike``, ``drop``, ``outage`` or ``""``).
    """
    z_max = _check(sensitivity, min_history)
    try:
        s = pd.Series(series, dtype=float)
        s.index = pd.DatetimeIndex(s.index).normalize()
    except (TypeError, ValueError):
        raise ParameterError(tr("series must hold numbers indexed by date. Fix: e.g. "
                                "data.groupby('date')['revenue'].sum()."),
                             code=ProblemCode.PARAMETER_INVALID) from None
    s = s.groupby(level=0).sum(min_count=1).sort_index()
    if len(s):
        s = s.reindex(pd.date_range(s.index[0], s.index[-1], freq="D"))
    n = len(s)
    y = s.to_numpy(dtype=float)
    cal = calendar_events(s.index) if calendar else pd.DataFrame(
        {"event": [""] * n, "key": [""] * n}, index=s.index)
    event = cal["event"].to_numpy(dtype=object)
    key = cal["key"].to_numpy(dtype=object)
    positive = y[np.isfinite(y) & (y > 0)]
    # an offset keeps log() finite on zero days without drowning small values
    c = max(float(np.median(positive)) * 0.01, 1e-9) if len(positive) else 1.0
    with np.errstate(invalid="ignore"):
        z = np.log(np.where(np.isfinite(y) & (y >= 0), y, np.nan) + c)
    dow = s.index.day_of_week.to_numpy()
    expected = np.full(n, np.nan)
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    score = np.full(n, np.nan)
    judged = np.zeros(n, dtype=bool)
    flag = np.zeros(n, dtype=bool)
    kind = np.full(n, "", dtype=object)
    resid_by_key: dict[str, list[tuple[int, float]]] = {}
    valid = np.isfinite(z)
    roll = pd.Series(z).rolling(7, min_periods=3).median().to_numpy()
    seen = 0
    for t in range(n):
        if not valid[t]:
            continue
        if seen < min_history:
            seen += 1
            continue
        seen += 1
        lo_i = max(0, t - history_days)
        hist = np.arange(lo_i, t)
        # ordinary days only, and not outages: lost tracking must not become normal
        ok = valid[hist] & (event[hist] == "") & (kind[hist] != "outage")
        if ok.sum() < 7:
            ok = valid[hist] & (kind[hist] != "outage")
        hist = hist[ok]
        if len(hist) < 7:
            continue
        # the weekday's usual distance from its own week's level (a trailing weekly
        # median holds each weekday once), so a change of level does not bend it
        base = z[hist] - roll[hist]
        offsets = np.zeros(7)
        spread = np.zeros(7)
        for d in range(7):
            same = base[dow[hist] == d]
            same = same[np.isfinite(same)]
            if len(same) >= 3:
                offsets[d] = float(np.median(same))
                spread[d] = 1.4826 * float(np.median(np.abs(same - offsets[d])))
        r = base - offsets[dow[hist]]
        r = r[np.isfinite(r)]
        # a weekday that varies more (an e-mail day, sent or skipped) gets its own spread
        scale = max(1.4826 * float(np.median(np.abs(r - np.median(r)))) if len(r) else 0.0,
                    spread[dow[t]], _MIN_SCALE)
        # the level of the last week without its weekdays: a median, so one odd day does
        # not move it, and a new budget (a level shift) is learnt after four days
        last = hist[-level_days:]
        level = float(np.median(z[last] - offsets[dow[last]]))
        plain = level + offsets[dow[t]]
        exp = plain
        down = up = 0.0
        if event[t]:
            # room for the event to move the day; last year's same event widens it to
            # what it did then (one noisy day: it never narrows the room)
            down, up = _EVENT_ROOM[event[t]]
            before = [v for i, v in resid_by_key.get(key[t], []) if 300 <= t - i <= 430]
            if before:
                exp += before[-1]
                down, up = min(down, before[-1]), max(up, before[-1])
        judged[t] = True
        expected[t] = exp
        lo_z, hi_z = plain + down - z_max * scale, plain + up + z_max * scale
        low[t] = max(math.exp(lo_z) - c, 0.0)
        high[t] = math.exp(hi_z) - c
        diff = z[t] - plain
        score[t] = ((diff - up) if diff > up else (diff - down) if diff < down else 0.0) / scale
        if key[t]:
            resid_by_key.setdefault(key[t], []).append((t, float(z[t] - plain)))
        # a zero where the weekday is never zero, and far below its band, is lost
        # tracking; a small count that is sometimes zero is not
        usual = y[hist][dow[hist] == dow[t]]
        nonzero_usual = len(usual) >= 4 and bool(np.all(usual > 0))
        if y[t] == 0 and nonzero_usual and z[t] < lo_z:
            flag[t], kind[t] = True, "outage"
        elif z[t] > hi_z:
            flag[t], kind[t] = True, "spike"
        elif z[t] < lo_z:
            flag[t], kind[t] = True, "drop"
    return pd.DataFrame({"value": y, "expected": np.exp(expected) - c, "low": low, "high": high,
                         "score": score, "event": event, "judged": judged, "anomaly": flag,
                         "kind": kind}, index=s.index)


def flags(series: pd.Series, *, sensitivity: str | float = "medium", min_history: int = 28,
          calendar: bool = True) -> pd.Series:
    """True on the days :func:`detect` flags (a drop-in for the old detector's output)."""
    out = detect(series, sensitivity=sensitivity, min_history=min_history, calendar=calendar)
    return out["anomaly"].reindex(pd.DatetimeIndex(series.index).normalize(), fill_value=False)
