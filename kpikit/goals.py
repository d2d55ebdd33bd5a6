"""Goal-setting helpers: recommend KPIs, check the data, baselines, feasibility, KPI trees.

These cover steps 1-6 and 8 of the kit. Everything is a pure function of the
canonical table and a :class:`~kpikit.plan.Plan`; the widgets and notebook 01
only call them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from ._lang import nfmt, resolve_lang, tr
from .catalog import KPI, KPIS, MEASURES, OBJECTIVE_LABELS, OBJECTIVES, get_kpi
from .errors import ParameterError, ProblemCode
from .metrics.engines import compute
from .metrics.periods import cuts_rows, has_period_rows, spread_periods
from .plan import (
    CADENCES,
    UNASSIGNED,
    BusinessGoal,
    KPITarget,
    Objective,
    Plan,
    Target,
)

__all__ = [
    "TREES",
    "Baseline",
    "Cascade",
    "Feasibility",
    "KPITree",
    "Recommendation",
    "availability",
    "baseline",
    "cascade",
    "check_plan",
    "choose_tree",
    "feasibility",
    "recommend_kpis",
    "flights",
    "is_flighted",
    "resolve_target",
    "scope_data",
    "target_baseline",
    "suggest_plan",
]

CADENCE_FREQ = {"weekly": "W", "monthly": "M", "quarterly": "Q", "campaign": "M"}

# ------------------------------------------------------------ recommendations

# objective -> ordered (kpi, role); the order is the ranking
_RANKING: dict[str, list[tuple[str, str]]] = {
    "sales": [("revenue", "outcome"), ("roas", "efficiency"), ("cpa", "efficiency"),
              ("cvr", "driver"), ("aov", "driver"), ("orders", "outcome"), ("roi", "efficiency"),
              ("ctr", "driver"), ("value_per_conversion", "driver"),
              ("new_customers", "long"), ("cac", "long"), ("repeat_purchase_rate", "long"),
              ("cpc", "guardrail"), ("spend", "guardrail")],
    "leads": [("leads", "outcome"), ("cpl", "efficiency"), ("lead_rate", "driver"),
              ("ctr", "driver"), ("cpc", "guardrail"), ("conversions", "outcome"),
              ("cpa", "efficiency"), ("new_customers", "long"), ("spend", "guardrail")],
    "awareness": [("impressions", "outcome"), ("cpm", "efficiency"), ("reach", "outcome"),
                  ("frequency", "guardrail"), ("view_rate", "driver"), ("cpv", "efficiency"),
                  ("completion_rate", "long"), ("followers", "long"),
                  ("follower_growth", "long"), ("ctr", "driver"), ("spend", "guardrail")],
    "engagement": [("engagement_rate_impressions", "outcome"), ("engagements", "outcome"),
                   ("engagement_rate_reach", "outcome"), ("shares", "driver"),
                   ("share_rate", "driver"), ("cost_per_engagement", "efficiency"),
                   ("follower_growth", "long"), ("followers", "long"),
                   ("completion_rate", "long"), ("engaged_session_rate", "driver")],
    "traffic": [("sessions", "outcome"), ("ctr", "driver"), ("cpc", "efficiency"),
                ("cost_per_session", "efficiency"), ("link_ctr", "driver"),
                ("landing_rate", "guardrail"), ("engaged_session_rate", "long"),
                ("bounce_rate", "guardrail"), ("clicks", "outcome")],
    "retention": [("repeat_purchase_rate", "outcome"), ("email_open_rate", "driver"),
                  ("click_to_open_rate", "driver"), ("email_ctr", "driver"),
                  ("unsubscribe_rate", "guardrail"), ("new_customers", "long"),
                  ("cac", "long"), ("revenue", "outcome")],
}
_ROLE_TEXT = {
    "outcome": ("The result the {obj} objective is about.",
                "Kết quả trực tiếp của mục tiêu {obj}."),
    "efficiency": ("Tells whether the {obj} result is bought at a good price.",
                   "Cho biết kết quả {obj} có đạt được với chi phí hợp lý không."),
    "driver": ("A driver of the {obj} result: when the result misses, look here.",
               "Một yếu tố thúc đẩy kết quả {obj}: khi kết quả trượt, hãy xem ở đây."),
    "long": ("A long-term signal: balances short-term {obj} pushes against lasting value.",
             "Chỉ số dài hạn: cân bằng nỗ lực {obj} ngắn hạn với giá trị bền vững."),
    "guardrail": ("A guardrail: keep it in range while chasing the {obj} result.",
                  "Chỉ số rào chắn: giữ trong ngưỡng khi theo đuổi kết quả {obj}."),
}


@dataclass(frozen=True)
class Recommendation:
    """A KPI suggested for an objective, with why, and whether the data can measure it."""

    kpi: str
    rank: int
    role: str
    reason: str
    measurable: bool | None
    missing: tuple[str, ...] = ()

    def label(self, lang: str | None = None) -> str:
        """The KPI's label."""
        lang = resolve_lang(lang)
        return get_kpi(self.kpi).label(lang)


def _check_objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        from .catalog import _unknown

        raise _unknown("objective", objective, OBJECTIVES, code=ProblemCode.OBJECTIVE_UNKNOWN)
    return objective


def recommend_kpis(
    objective: str, data: pd.DataFrame | None = None, *, lang: str | None = None
) -> list[Recommendation]:
    """Rank the KPIs that fit ``objective``, each with the reason.

    With ``data``, KPIs whose measures are absent (or empty) are marked
    unmeasurable and ranked after the measurable ones.
    """
    lang = resolve_lang(lang)
    _check_objective(objective)
    ranked = list(_RANKING[objective])
    known = {k for k, _ in ranked}
    ranked += [(k.name, "driver") for k in KPIS.values()
               if objective in k.objectives and k.name not in known]
    obj_label = OBJECTIVE_LABELS[objective][1 if lang == "vi" else 0].lower()
    recs = []
    for i, (name, role) in enumerate(ranked):
        kpi = get_kpi(name)
        missing: tuple[str, ...] = ()
        measurable = None
        if data is not None:
            missing = tuple(m for m in kpi.measures
                            if m not in data or not data[m].notna().any())
            if not missing and "date_end" not in data:
                # daily rows cannot give reach over a period: it is not additive
                missing = tuple(tr(f"{m} (not additive over days)",
                                   f"{m} (không cộng dồn theo ngày được)") for m in kpi.measures
                                if MEASURES[m].aggregation == "non-additive")
            measurable = not missing
        role_text = _ROLE_TEXT[role][1 if lang == "vi" else 0].format(obj=obj_label)
        recs.append(Recommendation(name, i + 1, role,
                                   f"{role_text} {kpi.description(lang)}", measurable, missing))
    if data is not None:
        recs.sort(key=lambda r: (not r.measurable, r.rank))
        recs = [replace(r, rank=i + 1) for i, r in enumerate(recs)]
    return recs


# -------------------------------------------------------------------- scope


def scope_data(
    data: pd.DataFrame,
    campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
    start: date | pd.Timestamp | None = None,
    end: date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Rows of ``data`` in the given campaigns, channels and date window (inclusive)."""
    mask = np.ones(len(data), dtype=bool)
    if campaigns:
        unknown = sorted(set(campaigns) - set(data["campaign"].unique()))
        if unknown:
            have = ", ".join(repr(c) for c in sorted(data["campaign"].unique()))
            raise ParameterError(tr(
                f"campaign {unknown[0]!r} is not in the data. Fix: choose from {have}.",
                f"chiến dịch {unknown[0]!r} không có trong dữ liệu. Cách sửa: chọn trong "
                f"{have}."), code=ProblemCode.PARAMETER_UNKNOWN_NAME)
        mask &= data["campaign"].isin(list(campaigns)).to_numpy()
    if channels:
        mask &= data["channel"].isin(list(channels)).to_numpy()
    if start is not None:
        mask &= (data["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        mask &= (data["date"] <= pd.Timestamp(end)).to_numpy()
    out = data.loc[mask]
    out.attrs = dict(data.attrs)
    return out


def _value(data: pd.DataFrame, kpi: KPI) -> float:
    """The KPI over all of ``data`` (NaN when empty or unmeasurable)."""
    if data.empty or any(m not in data for m in kpi.measures):
        return math.nan
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(compute(data, [kpi.name], by=None)[kpi.name].iloc[0])


# ------------------------------------------------------------------ baseline


@dataclass(frozen=True)
class Baseline:
    """A KPI's reference value and where it came from."""

    kpi: str
    value: float
    method: str
    start: date
    end: date
    note: str = ""


def _shift_year(d: date, years: int = -1) -> date:
    return (pd.Timestamp(d) + pd.DateOffset(years=years)).date()


def _active_days(scoped: pd.DataFrame) -> pd.DatetimeIndex:
    """Days with some non-zero measure (rows of a paused campaign with zeros do not count)."""
    cols = [c for c in scoped.columns if c in MEASURES]
    if scoped.empty or not cols:
        return pd.DatetimeIndex([])
    live = (scoped[cols].fillna(0) != 0).any(axis=1)
    return pd.DatetimeIndex(scoped.loc[live, "date"].unique()).sort_values()


def flights(scoped: pd.DataFrame, gap: int = 7) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The runs of active days of a scope, split where it pauses more than ``gap`` days."""
    days = _active_days(scoped)
    if not len(days):
        return []
    # compare as timedeltas: the index unit may be ns or us
    cuts = np.flatnonzero(np.diff(days) > pd.Timedelta(days=gap))
    starts = [days[0], *(days[i + 1] for i in cuts)]
    ends = [*(days[i] for i in cuts), days[-1]]
    return list(zip(starts, ends, strict=True))


def is_flighted(scoped: pd.DataFrame) -> bool:
    """True for a campaign that runs in flights: active under 60% of its time, 2+ flights."""
    runs = flights(scoped)
    if len(runs) < 2:
        return False
    span = (runs[-1][1] - runs[0][0]).days + 1
    active = sum((b - a).days + 1 for a, b in runs)
    return active < 0.6 * span


def baseline(
    data: pd.DataFrame,
    kpi: str,
    period: tuple[date, date],
    *,
    method: str = "auto",
    trailing: int = 3,
    campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> Baseline:
    """Reference value of ``kpi`` for a target ``period``.

    Parameters
    ----------
    method
        ``"last_year"``: the same dates a year earlier (holds the season).
        ``"previous_period"``: the same number of days just before.
        ``"trailing"``: the ``trailing`` windows of the same length just
        before, pooled (sum/sum; level KPIs averaged per window), then moved
        by last year's seasonal ratio when last year is in the data.
        ``"auto"``: last year when the data has it, else trailing.
    """
    b = _baseline(data, kpi, period, method, trailing, campaigns, channels)
    if b.value == b.value and cuts_rows(scope_data(spread_periods(data), campaigns, channels),
                                        b.start, b.end):
        est = tr("estimated: a period row crosses the window and is spread over its days",
                 "ước tính: một dòng theo kỳ vượt ranh giới cửa sổ và được chia đều theo ngày")
        b = replace(b, note=f"{b.note}; {est}" if b.note else est)
    return b


def _baseline(data: pd.DataFrame, kpi: str, period: tuple[date, date], method: str,
              trailing: int, campaigns: Sequence[str], channels: Sequence[str]) -> Baseline:
    k = get_kpi(kpi)
    start, end = period
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
    scoped = scope_data(spread_periods(data), campaigns, channels)

    def window(s: date, e: date) -> pd.DataFrame:
        return scoped[(scoped["date"] >= pd.Timestamp(s)) & (scoped["date"] <= pd.Timestamp(e))]

    ly_start, ly_end = _shift_year(start), _shift_year(end)
    if method == "auto":
        method = "last_year" if not window(ly_start, ly_end).empty else "trailing"
    if method == "last_year":
        before = scoped[scoped["date"] < pd.Timestamp(start)]
        if is_flighted(before):
            # a flight that moves with the calendar (Tết) is compared with last year's
            # whole flight, not with the part of it that falls on the same dates
            lo, hi = pd.Timestamp(ly_start), pd.Timestamp(ly_end)
            hit = [(a, b) for a, b in flights(before) if a <= hi and b >= lo]
            if hit and (hit[0][0] < lo or hit[-1][1] > hi):
                a, b = hit[0][0], hit[-1][1]
                v = _value(window(a.date(), b.date()), k)
                return Baseline(kpi, v, method, a.date(), b.date(), tr(
                    "last year's flight, whole", "cả đợt chạy năm trước"))
        v = _value(window(ly_start, ly_end), k)
        return Baseline(kpi, v, method, ly_start, ly_end,
                        "" if v == v else tr("no data a year before the period",
                                             "không có dữ liệu một năm trước kỳ"))
    if method not in ("previous_period", "trailing"):
        raise ParameterError(tr(
            f"method={method!r}: choose from auto, last_year, previous_period, trailing.",
            f"method={method!r}: chọn auto, last_year, previous_period hoặc trailing."),
                             code=ProblemCode.PARAMETER_CHOICE)
    n = 1 if method == "previous_period" else max(1, int(trailing))
    before = scoped[scoped["date"] < pd.Timestamp(start)]
    past = flights(before)
    plain_end = pd.Timestamp(start) - pd.Timedelta(days=1)
    plain = window((plain_end - pd.Timedelta(days=n * days - 1)).date(), plain_end.date())
    if past and (is_flighted(before) or not len(_active_days(plain))):
        # a campaign that runs in flights: compare with its previous flight(s), not with
        # the idle days just before the period
        used = past[-n:]
        rows = pd.concat([window(a.date(), b.date()) for a, b in used])
        v = _value(rows, k)
        active = sum((b - a).days + 1 for a, b in used)
        if not k.is_ratio and MEASURES[k.measures[0]].aggregation == "sum":
            v = v / active * days  # the flights' daily level over the period's days
        what = tr(f"{len(used)} previous flight(s), {active} active days",
                  f"{len(used)} đợt chạy trước, {active} ngày hoạt động")
        return Baseline(kpi, v, method, used[0][0].date(), used[-1][1].date(), what)
    w_end = pd.Timestamp(start) - pd.Timedelta(days=1)
    w_start = w_end - pd.Timedelta(days=n * days - 1)
    v = _value(window(w_start.date(), w_end.date()), k)
    if not k.is_ratio and MEASURES[k.measures[0]].aggregation == "sum":
        v = v / n
    note = ""
    if method == "trailing":
        # seasonality: scale by how last year's target period compared to its own trailing
        ly_target = _value(window(ly_start, ly_end), k)
        ly_trail = _value(window(_shift_year(w_start.date()), _shift_year(w_end.date())), k)
        if not k.is_ratio and MEASURES[k.measures[0]].aggregation == "sum":
            ly_trail = ly_trail / n
        if ly_target == ly_target and ly_trail == ly_trail and ly_trail > 0:
            v = v * ly_target / ly_trail
            ratio = f"{ly_target / ly_trail:.3f}"
            note = tr(f"seasonally adjusted by last year's ratio {ratio}",
                      f"đã điều chỉnh mùa vụ theo tỷ lệ năm trước {ratio}")
        else:
            note = tr("not seasonally adjusted (no data a year earlier)",
                      "chưa điều chỉnh mùa vụ (không có dữ liệu năm trước)")
    return Baseline(kpi, v, method, w_start.date(), w_end.date(), note)


#: how each baseline method is named in tables and messages (English, Vietnamese)
METHOD_TEXT = {"last_year": ("last year", "năm trước"),
               "previous_period": ("previous period", "kỳ trước"),
               "trailing": ("trailing", "các kỳ gần nhất")}


def target_baseline(plan: Plan, k: KPITarget, data: pd.DataFrame) -> Baseline:
    """The baseline a plan KPI's target is resolved against (its own method for a
    relative target; ``auto`` for an absolute one, as the reference shown beside it)."""
    campaigns, channels = plan.scope_of(k)
    rel = k.target.is_relative
    return baseline(data, k.kpi, plan.period_of(k),
                    method=k.target.baseline if rel else "auto",
                    trailing=k.target.trailing if rel else 3,
                    campaigns=campaigns, channels=channels)


def resolve_target(plan: Plan, k: KPITarget, data: pd.DataFrame | None) -> tuple[float, str]:
    """Absolute target of a plan KPI: ``(value, how)``; relative targets need ``data``."""
    if not k.target.is_relative:
        return float(k.target.value), "absolute"  # type: ignore[arg-type]
    if data is None:
        return math.nan, "relative target needs data for its baseline"
    campaigns, channels = plan.scope_of(k)
    b = baseline(data, k.kpi, plan.period_of(k), method=k.target.baseline,
                 trailing=k.target.trailing, campaigns=campaigns, channels=channels)
    return b.value * (1 + float(k.target.change)), (
        f"{k.target} = {b.value:.6g} x {1 + float(k.target.change):g} ({b.method} "
        f"{b.start}..{b.end})")


# ------------------------------------------------------------- availability


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


# --------------------------------------------------------------- feasibility

FEASIBILITY_LABELS = {
    "easy": ("easy", "dễ"), "realistic": ("realistic", "khả thi"),
    "ambitious": ("ambitious", "tham vọng"), "out of reach": ("out of reach", "ngoài tầm với"),
    "unknown": ("no verdict", "chưa đánh giá được"),
}
#: percentile limits of the labels (direction-aware percentile of the target)
FEASIBILITY_BANDS = ((50.0, "easy"), (80.0, "realistic"), (95.0, "ambitious"),
                     (math.inf, "out of reach"))


@dataclass(frozen=True)
class Feasibility:
    """Where a target sits in the history of its KPI.

    ``percentile`` is direction-aware: the share of past periods that did
    worse than the target (ties count half), in percent. 90 means the target
    beats 90% of the history.
    """

    kpi: str
    target: float
    percentile: float
    label: str
    history: pd.Series
    freq: str
    per_day: bool
    thresholds: dict[str, float]
    note: str = ""

    def text(self, lang: str | None = None) -> str:
        """The label in ``lang``."""
        lang = resolve_lang(lang)
        return FEASIBILITY_LABELS[self.label][1 if lang == "vi" else 0]


def direction_percentile(values: Sequence[float], target: float, higher_is_better: bool) -> float:
    """Percent of ``values`` worse than ``target`` (ties half), direction-aware."""
    v = np.asarray([x for x in values if x == x], dtype=float)
    if not len(v):
        return math.nan
    worse = (v < target) if higher_is_better else (v > target)
    return float(100.0 * (worse.sum() + 0.5 * (v == target).sum()) / len(v))


def label_for(percentile: float) -> str:
    """The feasibility label of a direction-aware percentile."""
    if percentile != percentile:
        return "unknown"
    for limit, name in FEASIBILITY_BANDS:
        if percentile < limit:
            return name
    return "out of reach"


def kpi_history(
    data: pd.DataFrame, kpi: str, *, freq: str = "M", campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> pd.Series:
    """KPI per complete period (partial first and last periods dropped), indexed by period."""
    k = get_kpi(kpi)
    data = spread_periods(data)
    scoped = scope_data(data, campaigns, channels)
    if scoped.empty or any(m not in scoped for m in k.measures):
        return pd.Series(dtype=float)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = compute(scoped, [k.name], by=None, freq=freq)
    first, last = data["date"].min(), data["date"].max()
    keep = [(p.start_time >= first) and (p.end_time.normalize() <= last) for p in out["period"]]
    return pd.Series(out.loc[keep, k.name].to_numpy(), index=out.loc[keep, "period"],
                     name=k.name).dropna()


def feasibility(
    data: pd.DataFrame,
    kpi: str,
    target: float,
    *,
    cadence: str = "monthly",
    period: tuple[date, date] | None = None,
    campaigns: Sequence[str] = (),
    channels: Sequence[str] = (),
    min_periods: int = 4,
) -> Feasibility:
    """Place ``target`` in the KPI's history at the cadence's grain.

    Ratio KPIs compare directly. Level KPIs (revenue, spend) are compared per
    day: the target divided by the days of ``period`` against each past
    period's value divided by its days.
    """
    if cadence not in CADENCES:
        raise ParameterError(tr(f"cadence={cadence!r}: choose from {', '.join(CADENCES)}.",
                                f"cadence={cadence!r}: chọn trong {', '.join(CADENCES)}."),
                             code=ProblemCode.PARAMETER_CHOICE)
    k = get_kpi(kpi)
    freq = CADENCE_FREQ[cadence]
    data = spread_periods(data)
    scoped = scope_data(data, campaigns, channels)
    if period is not None:
        scoped = scoped[scoped["date"] < pd.Timestamp(period[0])]
    agg = MEASURES[k.measures[0]].aggregation
    # totals (revenue) and growth over the period (follower growth) scale with its length
    per_day = (not k.is_ratio and agg == "sum") or any("@" in t for t in k.terms)
    # idle days dilute only totals per day: a ratio of sums is not moved by them
    runs = flights(scoped) if per_day and is_flighted(scoped) else []
    if runs:
        # a flighted campaign: compare with its flights, not calendar months diluted by
        # idle days
        freq = "flight"
        min_periods = min(min_periods, 2)
        vals, index, lengths = [], [], []
        for a, b in runs:
            w = scoped[(scoped["date"] >= a) & (scoped["date"] <= b)]
            vals.append(_value(w, k))
            index.append(pd.Period(a, freq="D"))  # a flight is named by its first day
            lengths.append((b - a).days + 1)
        hist = pd.Series(vals, index=pd.PeriodIndex(index), name=k.name, dtype=float)
        flight_days = np.array(lengths, dtype=float)[hist.notna().to_numpy()]
        hist = hist.dropna()
    else:
        hist = kpi_history(data, k.name, freq=freq, campaigns=campaigns, channels=channels)
    t = float(target)
    values = hist
    if per_day:
        days = flight_days if runs else np.array(
            [(p.end_time.normalize() - p.start_time).days + 1 for p in hist.index])
        values = hist / days
        if period is None:
            raise ParameterError(tr("feasibility of a level KPI needs the plan period.",
                                    "đánh giá khả thi của KPI dạng tổng cần kỳ kế hoạch."),
                                 code=ProblemCode.PARAMETER_MISSING)
        days_in = (pd.Timestamp(period[1]) - pd.Timestamp(period[0])).days + 1
        if runs:
            # a flight's target is earned on its active days, not on the idle days of the
            # plan period: as many as the campaign ran in the same window a year earlier
            # (else its typical flight)
            ly = _active_days(scoped[(scoped["date"] >= pd.Timestamp(_shift_year(period[0])))
                                     & (scoped["date"] <= pd.Timestamp(_shift_year(period[1])))])
            active = len(ly) if len(ly) else int(round(float(np.mean(flight_days))))
            days_in = min(days_in, max(active, 1))
        t = t / days_in
    pct = direction_percentile(values.tolist(), t, k.higher_is_better)
    label = label_for(pct) if len(values) >= min_periods else "unknown"
    note = "" if len(values) >= min_periods else tr(f"only {len(values)} past period(s)",
                                                     f"chỉ có {len(values)} kỳ trước")
    if not k.is_ratio and agg == "last":
        # a stock that trends (followers) beats its own past by design: judge its growth
        label, note = "unknown", tr(f"a stock: judge it by its growth ({k.name} over time)",
                                    f"một đại lượng tích lũy: đánh giá theo mức tăng "
                                    f"({k.name} theo thời gian)")
    qs = {"p50": 50, "p80": 80, "p95": 95}
    thresholds = {}
    if len(values):
        for name, q in qs.items():
            # the value a target must beat to sit at that direction-aware percentile
            thresholds[name] = float(np.percentile(values, q if k.higher_is_better else 100 - q))
    return Feasibility(k.name, t, pct, label, values, freq, per_day, thresholds, note)


# ----------------------------------------------------------------- KPI trees


@dataclass(frozen=True)
class KPITree:
    """``goal = constant * prod(driver ** exponent)``, an exact identity of sums."""

    goal: str
    drivers: tuple[tuple[str, int], ...]
    constant: float = 1.0

    @property
    def measures(self) -> tuple[str, ...]:
        """Every measure the tree needs."""
        seen: dict[str, None] = {}
        for n in (self.goal, *(d for d, _ in self.drivers)):
            for m in get_kpi(n).measures:
                seen[m] = None
        return tuple(seen)

    def formula(self, lang: str | None = None) -> str:
        """``revenue = impressions x ctr x cvr x value_per_conversion``."""
        lang = resolve_lang(lang)
        parts = []
        for i, (d, e) in enumerate(self.drivers):
            op = "" if i == 0 else (" × " if e > 0 else " ÷ ")
            parts.append(op + (get_kpi(d).label(lang) if lang == "vi" else d))
        head = get_kpi(self.goal).label(lang) if lang == "vi" else self.goal
        const = f"{self.constant:g} × " if self.constant != 1 else ""
        return f"{head} = {const}{''.join(parts)}"


TREES: dict[str, tuple[KPITree, ...]] = {
    "revenue": (
        KPITree("revenue", (("impressions", 1), ("ctr", 1), ("cvr", 1),
                            ("value_per_conversion", 1))),
        KPITree("revenue", (("sessions", 1), ("session_cvr", 1), ("value_per_conversion", 1))),
        KPITree("revenue", (("spend", 1), ("roas", 1))),
    ),
    "conversions": (
        KPITree("conversions", (("impressions", 1), ("ctr", 1), ("cvr", 1))),
        KPITree("conversions", (("spend", 1), ("cpa", -1))),
    ),
    "orders": (KPITree("orders", (("spend", 1), ("cost_per_order", -1))),),
    "leads": (
        KPITree("leads", (("spend", 1), ("cpl", -1))),
        KPITree("leads", (("clicks", 1), ("lead_rate", 1))),
    ),
    "new_customers": (KPITree("new_customers", (("spend", 1), ("cac", -1))),),
    "clicks": (KPITree("clicks", (("impressions", 1), ("ctr", 1))),
               KPITree("clicks", (("spend", 1), ("cpc", -1)))),
    "sessions": (KPITree("sessions", (("clicks", 1), ("landing_rate", 1))),),
    "impressions": (KPITree("impressions", (("spend", 1), ("cpm", -1)), 1000.0),),
    "engagements": (KPITree("engagements", (("impressions", 1),
                                            ("engagement_rate_impressions", 1))),),
}


def choose_tree(goal: str, data: pd.DataFrame | None = None) -> KPITree:
    """The first tree for ``goal`` whose measures the data has (any, without data)."""
    goal = get_kpi(goal).name
    if goal not in TREES:
        names = ", ".join(TREES)
        raise ParameterError(tr(
            f"no KPI tree for business goal {goal!r}. Fix: choose from {names}.",
            f"không có cây KPI cho mục tiêu kinh doanh {goal!r}. Cách sửa: chọn trong "
            f"{names}."), code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    for tree in TREES[goal]:
        if data is None or all(m in data and data[m].notna().any() for m in tree.measures):
            return tree
    needs = ", ".join(TREES[goal][0].measures)
    raise ParameterError(tr(
        f"the data cannot measure any tree of {goal!r} (needs e.g. {needs}). Fix: load "
        "those measures.",
        f"dữ liệu không đo được cây nào của {goal!r} (cần ví dụ {needs}). Cách sửa: đọc "
        "dữ liệu có các số liệu đó."), code=ProblemCode.DATA_CANNOT_MEASURE)


@dataclass(frozen=True)
class Cascade:
    """A business goal split into driver targets that multiply up to it."""

    tree: KPITree
    goal_baseline: float
    goal_target: float
    drivers: pd.DataFrame  # kpi, exponent, baseline, target, change, source
    product: float  # constant * prod(target ** exponent)
    contradictions: tuple[str, ...]
    coverage: float = 1.0  # share of the goal's baseline the tree's rows hold

    @property
    def error(self) -> float:
        """Relative gap between the drivers' product and the goal target."""
        return abs(self.product / self.goal_target - 1) if self.goal_target else math.nan


def tree_baselines(tree: KPITree, data: pd.DataFrame) -> dict[str, float]:
    """Goal and driver values over the rows where every tree measure is present."""
    rows = data.dropna(subset=list(tree.measures))
    out = {tree.goal: _value(rows, get_kpi(tree.goal))}
    for d, _ in tree.drivers:
        out[d] = _value(rows, get_kpi(d))
    return out


def cascade(
    tree: KPITree,
    goal_target: float,
    baselines: dict[str, float],
    *,
    fixed: dict[str, float] | None = None,
    locked: Iterable[str] = (),
    weights: dict[str, float] | None = None,
    tolerance: float = 0.01,
) -> Cascade:
    """Split the change a goal needs across the tree's drivers.

    Fixed drivers keep their given targets, locked ones their baselines; the
    rest share the remaining change in proportion to ``weights`` (equal by
    default) on a log scale, so the targets multiply exactly to the goal.
    A driver with exponent -1 (CPL in ``leads = spend / CPL``) moves down.
    """
    fixed = dict(fixed or {})
    locked = set(locked)
    names = [d for d, _ in tree.drivers]
    for n in (*fixed, *locked):
        if n not in names:
            raise ParameterError(tr(f"{n!r} is not a driver of {tree.formula()}.",
                                    f"{n!r} không phải yếu tố của {tree.formula()}."),
                                 code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    b = {d: baselines[d] for d in names}
    bad = [d for d in names if not (b[d] == b[d] and b[d] > 0)]
    if bad:
        names = ", ".join(bad)
        raise ParameterError(tr(
            f"no usable baseline for {names} (zero or missing), so the goal cannot be split. "
            "Fix: set their targets directly, or use data that measures them.",
            f"không có mức cơ sở dùng được cho {names} (bằng 0 hoặc thiếu), nên không chia "
            "được mục tiêu. Cách sửa: đặt chỉ tiêu cho chúng trực tiếp, hoặc dùng dữ liệu đo "
            "được chúng."), code=ProblemCode.VALUE_ZERO_BASE)
    goal_base = tree.constant * math.prod(b[d] ** e for d, e in tree.drivers)
    need = goal_target / goal_base
    got = math.prod((fixed[d] / b[d]) ** e for d, e in tree.drivers if d in fixed)
    free = [d for d in names if d not in fixed and d not in locked]
    w = {d: (weights or {}).get(d, 1.0) for d in free}
    contradictions = []
    targets: dict[str, float] = {}
    source: dict[str, str] = {}
    for d, _e in tree.drivers:
        if d in fixed:
            targets[d], source[d] = fixed[d], "plan"
        elif d in locked:
            targets[d], source[d] = b[d], "locked"
    if free and sum(w.values()) > 0:
        rest = need / got
        for d, e in tree.drivers:
            if d in w:
                targets[d] = b[d] * rest ** (w[d] / sum(w.values()) / e)
                source[d] = "cascade"
    else:
        for d in free:
            targets[d], source[d] = b[d], "locked"
    product = tree.constant * math.prod(targets[d] ** e for d, e in tree.drivers)
    if abs(product / goal_target - 1) > tolerance:
        off = nfmt(product / goal_target - 1, "+.1%")
        contradictions.append(tr(
            f"the driver targets multiply to {nfmt(product, ',.6g')}, not the goal "
            f"{nfmt(goal_target, ',.6g')} ({off}): {tree.formula()}",
            f"tích các chỉ tiêu yếu tố là {nfmt(product, ',.6g')}, không phải mục tiêu "
            f"{nfmt(goal_target, ',.6g')} ({off}): {tree.formula()}"))
    frame = pd.DataFrame([
        {"kpi": d, "exponent": e, "baseline": b[d], "target": targets[d],
         "change": targets[d] / b[d] - 1, "source": source[d],
         "direction": get_kpi(d).direction}
        for d, e in tree.drivers
    ])
    return Cascade(tree, goal_base, goal_target, frame, product, tuple(contradictions))


# --------------------------------------------------------- contradictions


def _identity_checks(targets: dict[str, float], tolerance: float) -> list[str]:
    """Ratio targets against the level targets they are made of."""
    found = []
    for name, t in targets.items():
        k = get_kpi(name)
        if not k.is_ratio or len(k.numerator) != 1 or len(k.denominator) != 1:
            continue
        num, den = k.numerator[0][0], k.denominator[0][0]
        if num in targets and den in targets and targets[den] > 0 and num in KPIS and \
                den in KPIS and not get_kpi(num).is_ratio and not get_kpi(den).is_ratio:
            implied = k.scale * targets[num] / targets[den]
            if abs(implied / t - 1) > tolerance:
                found.append(tr(
                    f"{name} target {nfmt(t, ',.6g')} contradicts {num} "
                    f"{nfmt(targets[num], ',.6g')} and {den} {nfmt(targets[den], ',.6g')}, which "
                    f"imply {name} = {nfmt(implied, ',.6g')}.",
                    f"chỉ tiêu {name} {nfmt(t, ',.6g')} mâu thuẫn với {num} "
                    f"{nfmt(targets[num], ',.6g')} và {den} {nfmt(targets[den], ',.6g')}, vốn suy "
                    f"ra {name} = {nfmt(implied, ',.6g')}."))
    chains = [("cpa", "cpc", "cvr", lambda a, b: a / b),  # cpa = cpc / cvr
              ("cpm", "cpc", "ctr", lambda a, b: 1000 * a * b),  # cpm = 1000 cpc ctr
              ("cpl", "cpc", "lead_rate", lambda a, b: a / b)]
    for out, a, b, f in chains:
        if {out, a, b} <= set(targets) and targets[b] > 0:
            implied = f(targets[a], targets[b])
            if abs(implied / targets[out] - 1) > tolerance:
                found.append(tr(
                    f"{out} target {nfmt(targets[out], ',.6g')} contradicts {a} "
                    f"{nfmt(targets[a], ',.6g')} and {b} {nfmt(targets[b], ',.6g')}, which imply "
                    f"{out} = {nfmt(implied, ',.6g')}.",
                    f"chỉ tiêu {out} {nfmt(targets[out], ',.6g')} mâu thuẫn với {a} "
                    f"{nfmt(targets[a], ',.6g')} và {b} {nfmt(targets[b], ',.6g')}, vốn suy ra "
                    f"{out} = {nfmt(implied, ',.6g')}."))
    if "roas" in targets and "roi" in targets and abs(targets["roas"] - 1 - targets["roi"]) > \
            tolerance * max(1.0, abs(targets["roi"])):
        roas, roi = targets["roas"], targets["roi"]
        found.append(tr(f"roas {nfmt(roas, 'g')} and roi {nfmt(roi, 'g')} disagree (roi = roas - 1 "
                        f"= {nfmt(roas - 1, 'g')}).",
                        f"roas {nfmt(roas, 'g')} và roi {nfmt(roi, 'g')} không khớp (roi = roas - "
                        f"1 = {nfmt(roas - 1, 'g')})."))
    return found


@dataclass(frozen=True)
class PlanCheck:
    """Everything ``kpikit plan check`` reports about a plan and its data."""

    targets: pd.DataFrame
    availability: pd.DataFrame
    cascade: Cascade | None
    contradictions: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every KPI is measurable and nothing contradicts."""
        return not self.contradictions and not (
            self.availability["status"].isin(["unmeasurable", "no data"]).any())


def check_plan(plan: Plan, data: pd.DataFrame, *, tolerance: float = 0.01) -> PlanCheck:
    """Resolve every target, place it in history, check the data and the KPI tree."""
    rows = []
    warn: list[str] = []
    avail = availability(data, plan)
    for obj, k in plan.targets():
        c, ch = plan.scope_of(k)
        value, how = resolve_target(plan, k, data)
        kpi = get_kpi(k.kpi)
        base = target_baseline(plan, k, data)
        try:
            f = feasibility(data, k.kpi, value, cadence=k.cadence, period=plan.period_of(k),
                            campaigns=c, channels=ch) if value == value else None
        except ParameterError:
            f = None
        if value == value and base.value == base.value and base.value and (
                (value < base.value) if kpi.higher_is_better else (value > base.value)):
            better = {"higher": "cao hơn", "lower": "thấp hơn"}.get(kpi.direction,
                                                                    kpi.direction)
            where = f"{base.start}..{base.end}"
            warn.append(tr(f"{k.kpi}: the target {nfmt(value, ',.6g')} is worse than the baseline "
                           f"{nfmt(base.value, ',.6g')} ({METHOD_TEXT[base.method][0]} "
                           f"{where}; {kpi.direction} is better).",
                           f"{k.kpi}: chỉ tiêu {nfmt(value, ',.6g')} kém hơn mức cơ sở "
                           f"{nfmt(base.value, ',.6g')} ({METHOD_TEXT[base.method][1]} "
                           f"{where}; {better} là tốt hơn)."))
        rows.append({
            "objective": obj.type, "kpi": k.kpi, "direction": kpi.direction,
            "horizon": k.horizon, "owner": k.owner, "cadence": k.cadence, "weight": k.weight,
            "target_text": str(k.target), "target": value, "baseline": base.value,
            "baseline_method": base.method,
            "baseline_trailing": (k.target.trailing if k.target.is_relative
                                  and base.method == "trailing" else None),
            "baseline_start": base.start,
            "baseline_end": base.end, "baseline_note": base.note,
            "change_vs_baseline": value / base.value - 1 if base.value else math.nan,
            "percentile": f.percentile if f else math.nan,
            "feasibility": f.label if f else "unknown", "how": how,
        })
    table = pd.DataFrame(rows)
    unowned = [r["kpi"] for r in rows if r["owner"] == UNASSIGNED]
    if unowned:
        names = ", ".join(unowned)
        said = ", ".join(get_kpi(k).short_label("vi") for k in unowned)  # a reader's words
        warn.append(tr(f"no owner named for {names} (step 6: every KPI needs someone "
                       "accountable). Fix: set owner for each KPI in the plan.",
                       f"chưa có người phụ trách cho {said} (bước 6: mỗi KPI cần một người "
                       "chịu trách nhiệm). Cách sửa: đặt owner cho từng KPI trong kế hoạch."))
    horizons = set(table["horizon"]) if len(table) else set()
    if horizons == {"short"}:
        warn.append(tr("every KPI is short-term (step 8): add a long-term one such as "
                       "new_customers, repeat_purchase_rate or follower_growth.",
                       "mọi KPI đều ngắn hạn (bước 8): thêm một KPI dài hạn như "
                       + ", ".join(get_kpi(k).short_label("vi") for k in
                                   ("new_customers", "repeat_purchase_rate"))
                       + f" hoặc {get_kpi('follower_growth').short_label('vi')}."))
    targets = {r["kpi"]: r["target"] for r in rows if r["target"] == r["target"]}
    contradictions = _identity_checks(targets, tolerance)
    casc = None
    if plan.business_goal is not None:
        goal = plan.business_goal
        tree = choose_tree(goal.kpi, scope_data(data, plan.campaigns, plan.channels))
        goal_k = KPITarget(goal.kpi, goal.target, campaigns=plan.campaigns,
                           channels=plan.channels)
        goal_value, _ = resolve_target(plan, goal_k, data)
        goal_base = target_baseline(plan, goal_k, data)
        scoped = scope_data(spread_periods(data), plan.campaigns, plan.channels,
                            goal_base.start, goal_base.end)
        bases = tree_baselines(tree, scoped)
        # the tree covers the rows that have all its measures (email revenue has no
        # impressions): it carries the goal's change, and its share is reported
        coverage = bases[tree.goal] / goal_base.value if goal_base.value else math.nan
        need = goal_value / goal_base.value if goal_base.value else math.nan
        plan_base = {r["kpi"]: r["baseline"] for r in rows}
        fixed = {d: bases[d] * targets[d] / plan_base[d] for d, _ in tree.drivers
                 if d in targets and plan_base.get(d)}
        casc = cascade(tree, bases[tree.goal] * need, bases, fixed=fixed, tolerance=tolerance)
        casc = replace(casc, coverage=coverage)
        if coverage == coverage and coverage < 0.999:
            share, said = nfmt(coverage, ".1%"), get_kpi(goal.kpi).label()
            warn.append(tr(f"the KPI tree {tree.formula()} covers {share} of {goal.kpi} "
                           "(rows without all its measures sit outside it); its driver "
                           "targets carry the goal's change for that part.",
                           f"cây KPI {tree.formula()} phủ {share} của {said} (các dòng "
                           "thiếu số liệu của cây nằm ngoài); chỉ tiêu các yếu tố gánh mức "
                           "thay đổi của mục tiêu cho phần đó."))
        contradictions += list(casc.contradictions)
        if goal.kpi in targets and abs(targets[goal.kpi] / goal_value - 1) > tolerance:
            contradictions.append(tr(
                f"the plan's {goal.kpi} KPI target {nfmt(targets[goal.kpi], ',.6g')} differs from "
                f"the business goal {nfmt(goal_value, ',.6g')}.",
                f"chỉ tiêu KPI {goal.kpi} của kế hoạch ({nfmt(targets[goal.kpi], ',.6g')}) khác "
                f"mục tiêu kinh doanh {nfmt(goal_value, ',.6g')}."))
    return PlanCheck(table, avail, casc, tuple(contradictions), tuple(warn))


# ------------------------------------------------------------------ suggest

_GOAL_FOR = {"sales": "revenue", "leads": "leads", "awareness": "impressions",
             "engagement": "engagements", "traffic": "sessions", "retention": "revenue"}


def next_quarter(day: date) -> tuple[date, date]:
    """The calendar quarter after the one holding ``day``."""
    p = pd.Timestamp(day).to_period("Q") + 1
    return p.start_time.date(), p.end_time.date()


def next_period(scoped: pd.DataFrame, last_day: date) -> tuple[date, date]:
    """The period a new plan should cover: the quarter after the data, or, for a
    campaign that runs in flights (active less than 60% of its last year), its last
    flight one year later."""
    if scoped.empty:
        return next_quarter(last_day)
    days = pd.DatetimeIndex(scoped["date"].unique()).sort_values()
    year = days[days > days[-1] - pd.Timedelta(days=365)]
    if len(year) >= 0.6 * 365:
        return next_quarter(last_day)
    gaps = np.flatnonzero(np.diff(year) > pd.Timedelta(days=7))
    start = year[gaps[-1] + 1] if len(gaps) else year[0]
    flight = (start.date(), year[-1].date())
    return (_shift_year(flight[0], 1), _shift_year(flight[1], 1))


def suggest_plan(
    data: pd.DataFrame,
    objective: str,
    *,
    campaign: str | None = None,
    period: tuple[date, date] | None = None,
    lang: str | None = None,
    n_kpis: int = 5,
    name: str | None = None,
) -> Plan:
    """A starting plan: the top measurable KPIs, modest targets against last year.

    Short-term KPIs get a weekly or monthly cadence, long-term ones
    quarterly; at least one long-term KPI is included when the data can
    measure one (step 8). Owners are left ``unassigned`` for a person to name.
    """
    lang = resolve_lang(lang)
    _check_objective(objective)
    campaigns = (campaign,) if campaign else ()
    raw_scope = scope_data(data, campaigns)  # reach is measurable on period rows themselves
    data = spread_periods(data)
    scoped = scope_data(data, campaigns)
    if period is None:
        period = next_period(scoped, data["date"].max().date())
    measurable = [r for r in recommend_kpis(objective, raw_scope, lang=lang) if r.measurable]
    if not measurable:
        raise ParameterError(tr(
            f"the data cannot measure any KPI of the {objective!r} objective. Fix: load "
            f"data with its measures (see kpikit kpis --objective {objective}).",
            f"dữ liệu không đo được KPI nào của mục tiêu {objective!r}. Cách sửa: đọc dữ "
            f"liệu có các số liệu đó (xem kpikit kpis --objective {objective})."),
                             code=ProblemCode.DATA_CANNOT_MEASURE)
    chosen = measurable[:n_kpis]
    if not any(get_kpi(r.kpi).horizon == "long" for r in chosen):
        longs = [r for r in measurable if get_kpi(r.kpi).horizon == "long"]
        if not longs:
            # step 8: a long-term KPI the data measures, even from another objective
            lead = ("Chỉ số dài hạn bên cạnh các chỉ số ngắn hạn." if lang == "vi" else
                    "A long-term signal beside the short-term ones.")
            longs = [Recommendation(k.name, 0, "long", f"{lead} {k.description(lang)}", True)
                for k in KPIS.values() if k.horizon == "long"
                and all(m in scoped and scoped[m].notna().any()
                        and MEASURES[m].aggregation != "non-additive" for m in k.measures)]
        if longs:
            chosen = chosen[: n_kpis - 1] + [longs[0]]
    has_last_year = not scope_data(scoped, (), (), _shift_year(period[0]),
                                   _shift_year(period[1])).empty
    base = "last year" if has_last_year else "trailing 3"
    kpis = []
    for r in chosen:
        k = get_kpi(r.kpi)
        step = 0.10 if not k.is_ratio else 0.05
        change = step if k.higher_is_better else -step
        if k.name == "spend":
            change = 0.0
        cadence = "quarterly" if k.horizon == "long" else ("weekly" if k.is_ratio
                                                            else "monthly")
        kpis.append(KPITarget(k.name, Target(change=change,
                                             baseline="last_year" if has_last_year
                                             else "trailing"),
                              owner=UNASSIGNED, cadence=cadence, horizon=k.horizon,
                              note=r.reason))
    goal_kpi = _GOAL_FOR[objective]
    goal = None
    if goal_kpi in TREES and all(m in scoped and scoped[m].notna().any()
                                 for m in get_kpi(goal_kpi).measures):
        goal = BusinessGoal(goal_kpi, Target(change=0.10, baseline="last_year"
                                             if has_last_year else "trailing"),
                            f"{goal_kpi} +10% vs {base}")
    label = OBJECTIVE_LABELS[objective][1 if lang == "vi" else 0]
    title = name or f"{campaign or 'All campaigns'}: {label} {period[0]:%Y-%m}"
    plan = Plan(name=title, period=period, objectives=(Objective(objective, tuple(kpis)),),
                currency=data.attrs.get("currency"), language=lang, campaigns=campaigns,
                business_goal=goal)
    return _consistent(plan, data)


#: identities between plan KPIs: (dependent, drivers, how the drivers give it)
_DERIVED: tuple[tuple[str, tuple[str, ...], object], ...] = (
    ("cpa", ("cpc", "cvr"), lambda a, b: a / b),
    ("cpm", ("cpc", "ctr"), lambda a, b: 1000 * a * b),
    ("cpl", ("cpc", "lead_rate"), lambda a, b: a / b),
    ("roi", ("roas",), lambda a: a - 1),
)


def _consistent(plan: Plan, data: pd.DataFrame) -> Plan:
    """Derive each dependent target from its drivers so that the targets agree.

    A ratio whose numerator and denominator are both planned (ROAS with revenue
    and spend), the chains CPA = CPC / CVR, CPM = 1000 CPC x CTR and CPL =
    CPC / lead rate, and ROI = ROAS - 1 are resolved against the same baselines
    ``plan check`` uses, and their relative change is set to match. The business
    goal follows its tree when every driver is planned.
    """
    obj = plan.objectives[0]
    kpis = list(obj.kpis)
    pos = {k.kpi: i for i, k in enumerate(kpis)}
    base = {k.kpi: target_baseline(plan, k, data).value for k in kpis}
    value = {k.kpi: base[k.kpi] * (1 + float(k.target.change)) for k in kpis}
    derived: set[str] = set()
    for _ in range(2):  # a derived driver may feed another identity
        for name in list(pos):
            r = get_kpi(name)
            if r.is_ratio and len(r.numerator) == 1 and len(r.denominator) == 1:
                num, den = r.numerator[0][0], r.denominator[0][0]
                if num in value and den in value and name not in (num, den) and value[den]:
                    value[name] = r.scale * value[num] / value[den]
                    derived.add(name)
        for name, drivers, f in _DERIVED:
            if name in pos and all(d in value for d in drivers):
                value[name] = f(*(value[d] for d in drivers))  # type: ignore[operator]
                derived.add(name)
    for name in derived:
        b, v = base[name], value[name]
        if b == b and b and v == v:
            k = kpis[pos[name]]
            kpis[pos[name]] = replace(k, target=replace(k.target, change=round(v / b - 1, 6)))
    goal = plan.business_goal
    if goal is not None and goal.kpi not in pos:
        tree = choose_tree(goal.kpi, scope_data(data, plan.campaigns, plan.channels))
        changes = {k.kpi: float(k.target.change) for k in kpis}
        if all(d in changes for d, _ in tree.drivers):
            need = math.prod((1 + changes[d]) ** e for d, e in tree.drivers) - 1
            goal = replace(goal, target=replace(goal.target, change=round(need, 6)))
    elif goal is not None:
        goal = replace(goal, target=kpis[pos[goal.kpi]].target)
    return replace(plan, objectives=(replace(obj, kpis=tuple(kpis)),), business_goal=goal)
