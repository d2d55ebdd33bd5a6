"""Step 3: can the data measure each KPI of a plan, over the window its baseline needs?"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

import pandas as pd

from kpikit.catalog import MEASURES, get_kpi
from kpikit.metrics.periods import has_period_rows, spread_periods
from kpikit.plans.baselines import target_baseline
from kpikit.plans.plan import Plan
from kpikit.plans.scope import scope_data

__all__ = ["availability"]


def availability(
    data: pd.DataFrame,
    plan: Plan | Iterable[str],
    *,
    start: date | None = None,
    end: date | None = None,
    campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> pd.DataFrame:
    """Step 3: can the data measure each KPI?

    For a :class:`Plan`, each KPI is checked in its own scope over the window
    its baseline needs (the plan period a year earlier) unless ``start`` and
    ``end`` are given. For a list of KPI names, over the whole data (or the
    window given).

    Returns
    -------
    pandas.DataFrame
        One row per KPI: ``measures``, ``missing_measures``, ``window_start``,
        ``window_end``, ``days``, ``days_active`` (first to last day with rows in
        the window: a campaign that ran only part of it is not missing the rest),
        ``days_covered`` (days with every measure present), ``missing_days``,
        ``first_missing`` (up to five dates), ``null_share``, ``last_date``
        and ``status`` (``ok``, ``gaps``, ``no data``, ``unmeasurable``).
    """
    if isinstance(plan, Plan):
        items = []
        for _, k in plan.targets():
            c, ch = plan.scope_of(k)
            # the window of the baseline the target is resolved against
            b = target_baseline(plan, k, data)
            items.append((k.kpi, c, ch, start or b.start, end or b.end))
    else:
        lo = start or data["date"].min().date()
        hi = end or spread_periods(data)["date"].max().date()  # a period row to its end
        items = [(get_kpi(n).name, campaigns, channels, lo, hi) for n in plan]
    rows = []
    periodic = has_period_rows(data)
    spread = spread_periods(data)
    for name, c, ch, lo, hi in items:
        k = get_kpi(name)
        missing = [m for m in k.measures
                   if m not in data or not scope_data(data, c, ch)[m].notna().any()]
        scoped = scope_data(spread, c, ch)
        # a row covering several days covers each of them; reach stays on the row itself
        present = [m for m in k.measures if m in data]
        checked = [m for m in present if not (periodic and MEASURES[m].aggregation != "sum")]
        win = scoped[(scoped["date"] >= pd.Timestamp(lo)) & (scoped["date"] <= pd.Timestamp(hi))]
        all_days = pd.date_range(lo, hi, freq="D")
        if present and not win.empty:
            ok = (win[checked].notna().all(axis=1) if checked
                  else pd.Series(True, index=win.index))
            covered = pd.DatetimeIndex(win.loc[ok, "date"].unique())
            null_share = float(1 - ok.mean())
        else:
            covered = pd.DatetimeIndex([])
            null_share = 1.0 if not win.empty else math.nan
        # days outside the scope's first..last row in the window are days it did not run
        # (a flighted campaign), not gaps; inside that range a missing day is a gap
        if len(win):
            active = pd.date_range(win["date"].min(), win["date"].max(), freq="D")
        else:
            active = pd.DatetimeIndex([])
        gaps = active.difference(covered)
        last = scoped.loc[scoped[checked].notna().all(axis=1), "date"].max() if checked else (
            scoped["date"].max() if present and len(scoped) else None)
        if missing:
            status = "unmeasurable"
        elif len(covered) == 0:
            status = "no data"
        elif len(gaps) or null_share > 0:
            status = "gaps"
        else:
            status = "ok"
        rows.append({
            "kpi": name, "campaigns": ", ".join(c) or "all", "channels": ", ".join(ch) or "all",
            "measures": ", ".join(k.measures), "missing_measures": ", ".join(missing),
            "window_start": lo, "window_end": hi, "days": len(all_days),
            "days_active": len(active), "days_covered": len(covered), "missing_days": len(gaps),
            "first_missing": ", ".join(d.strftime("%Y-%m-%d") for d in gaps[:5]),
            "null_share": null_share,
            "last_date": last.date() if last is not None and last == last else None,
            "status": status,
        })
    return pd.DataFrame(rows)
