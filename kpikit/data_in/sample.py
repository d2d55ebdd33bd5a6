"""Realistic sample data: several campaigns and channels, two years, in VND.

The generator is deterministic for a seed. It models weekly and yearly
seasonality (Tet, the double-day sales 9.9 / 10.10 / 11.11 / 12.12, Black
Friday), monthly budget changes, and diminishing returns of spend per channel
(a Hill curve), so later steps have something real to find.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CAMPAIGNS", "TET", "generate", "sample_path", "load_sample"]

#: first day of the lunar new year
TET = {2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06"}


@dataclass(frozen=True)
class _Line:
    """One campaign x channel and its economics (money in VND)."""

    campaign: str
    channel: str
    daily_spend: float  # typical daily budget
    cpm: float  # cost per 1,000 impressions
    ctr: float
    kind: str  # "sales", "leads", "brand", "email"
    cmax: float = 0.0  # Hill: outcome ceiling per day
    half: float = 1.0  # Hill: spend that gives half the ceiling
    shape: float = 1.0  # Hill: steepness
    aov: float = 0.0
    flight: str = "always"  # "always" or "tet"


CAMPAIGNS: tuple[_Line, ...] = (
    _Line("Always-on Search", "search", 18e6, 95_000, 0.045, "sales",
          cmax=260, half=22e6, shape=1.1, aov=620_000),
    _Line("Tết Sale", "search", 25e6, 110_000, 0.05, "sales",
          cmax=420, half=30e6, shape=1.2, aov=780_000, flight="tet"),
    _Line("Tết Sale", "social", 20e6, 38_000, 0.011, "sales",
          cmax=230, half=26e6, shape=1.0, aov=650_000, flight="tet"),
    _Line("Tết Sale", "display", 10e6, 14_000, 0.004, "sales",
          cmax=70, half=14e6, shape=0.9, aov=600_000, flight="tet"),
    _Line("Tết Sale", "email", 1.2e6, 0, 0, "email", aov=700_000, flight="tet"),
    _Line("Brand Awareness", "video", 14e6, 32_000, 0.004, "brand"),
    _Line("Brand Awareness", "social", 9e6, 26_000, 0.009, "brand"),
    _Line("Brand Awareness", "display", 6e6, 11_000, 0.003, "brand"),
    _Line("Lead Gen B2B", "search", 7e6, 120_000, 0.038, "leads",
          cmax=55, half=9e6, shape=1.3),
    _Line("Lead Gen B2B", "social", 5e6, 45_000, 0.008, "leads",
          cmax=32, half=6e6, shape=1.0),
    _Line("CRM Retention", "email", 0.8e6, 0, 0, "email", aov=540_000),
)


def _shopping_days(dates: pd.DatetimeIndex) -> np.ndarray:
    boost = np.ones(len(dates))
    double = (dates.month == dates.day) & (dates.month >= 3)
    boost[double] = 1.6
    boost[(dates.month == 11) & (dates.day == 11)] = 2.3
    boost[(dates.month == 12) & (dates.day == 12)] = 1.9
    black_friday = (dates.month == 11) & (dates.day_of_week == 4) & (dates.day >= 22)
    boost[black_friday] = 1.5
    return boost


def _tet_effect(dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Return (shopping lift before Tet, mask of days in the Tet flight)."""
    lift = np.ones(len(dates))
    flight = np.zeros(len(dates), dtype=bool)
    for year in sorted(set(dates.year)):
        tet = pd.Timestamp(TET.get(year, f"{year}-02-01"))
        days = (dates - tet).days.to_numpy()
        before = (days >= -35) & (days < -2)
        lift[before] *= 1.0 + 0.9 * (1 - np.abs(days[before] + 12) / 35).clip(0)
        lift[(days >= -2) & (days <= 3)] *= 0.45  # the holiday itself: shops close
        flight |= (days >= -35) & (days <= 7)
    return lift, flight


def generate(
    *, seed: int = 7, start: str = "2025-01-01", end: str = "2027-06-30"
) -> pd.DataFrame:
    """Generate the sample canonical table.

    Parameters
    ----------
    seed
        Random seed; the same seed gives the same table.
    start, end
        First and last day (inclusive).

    Returns
    -------
    pandas.DataFrame
        Canonical table in VND (``attrs["currency"] == "VND"``).
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="D")
    n = len(dates)
    dow = dates.day_of_week.to_numpy()
    yearly = 1.0 + 0.12 * np.cos(2 * np.pi * (dates.day_of_year.to_numpy() - 330) / 365.25)
    tet_lift, tet_flight = _tet_effect(dates)
    demand = yearly * tet_lift * _shopping_days(dates)
    months = dates.year * 12 + dates.month
    month_codes = months - months.min()
    frames = []
    for line in CAMPAIGNS:
        active = tet_flight if line.flight == "tet" else np.ones(n, dtype=bool)
        budget = rng.uniform(0.55, 1.55, size=month_codes.max() + 1)[month_codes]
        weekly = np.where(dow >= 5, 0.85, 1.05) if line.channel == "search" else np.where(
            dow >= 5, 1.15, 0.95)
        spend = line.daily_spend * budget * weekly * rng.lognormal(0, 0.18, n)
        if line.flight == "tet":
            spend = spend * np.where(tet_lift > 1, tet_lift, 0.8)
        spend = np.round(spend)
        cols: dict[str, np.ndarray] = {}
        if line.kind == "email":
            sends = np.isin(dow, (1, 3, 5)) & (rng.uniform(size=n) < 0.9)
            list_size = 62_000 if line.flight == "tet" else 48_000
            delivered = np.where(sends, rng.binomial(list_size, 0.97, n), 0)
            opens = rng.binomial(delivered, 0.21 * np.minimum(demand, 1.6) / 1.1)
            clicks = rng.binomial(opens, 0.13)
            unsubs = rng.binomial(delivered, 0.0018)
            # clicks bring sessions that day and a tail on the next two days
            carry = clicks + 0.25 * np.roll(clicks, 1) + 0.1 * np.roll(clicks, 2)
            sessions = rng.poisson(0.9 * carry)
            orders = rng.binomial(sessions, 0.045)
            spend = np.round(delivered * 18.0 + 150_000)
            cols.update(
                emails_delivered=delivered, email_opens=opens, email_clicks=clicks,
                unsubscribes=unsubs, clicks=clicks, sessions=sessions, spend=spend,
                engaged_sessions=rng.binomial(sessions, 0.66), conversions=orders,
                orders=orders, repeat_orders=rng.binomial(orders, 0.82),
                new_customers=rng.binomial(orders, 0.12),
                revenue=np.round(orders * line.aov * rng.lognormal(0, 0.12, n), -3),
            )
        else:
            cpm = line.cpm * yearly * rng.lognormal(0, 0.08, n)
            impressions = np.round(spend / cpm * 1000).astype(np.int64)
            ctr = line.ctr * rng.lognormal(0, 0.1, n)
            clicks = rng.binomial(impressions, np.minimum(ctr, 0.5))
            link_share = 0.62 if line.channel == "social" else 1.0
            link = rng.binomial(clicks, link_share) if line.channel != "search" else clicks
            sessions = rng.binomial(link, 0.82)
            cols.update(impressions=impressions, clicks=clicks, link_clicks=link,
                        sessions=sessions, engaged_sessions=rng.binomial(sessions, 0.58),
                        spend=spend)
            if line.channel in ("social", "video", "display"):
                freq = rng.uniform(1.15, 1.6, n)
                cols["reach"] = np.round(impressions / freq)
            if line.channel in ("social", "video"):
                eng = rng.binomial(impressions, 0.018 if line.channel == "social" else 0.006)
                cols["engagements"] = eng
                cols["shares"] = rng.binomial(eng, 0.06)
            if line.channel == "video" or (line.channel == "social" and line.kind == "brand"):
                views = rng.binomial(impressions, 0.31 if line.channel == "video" else 0.12)
                cols["video_views"] = views
                cols["video_completions"] = rng.binomial(views, 0.34)
            if line.kind == "brand" and line.channel == "social":
                new = rng.binomial(cols["engagements"], 0.012)
                cols["followers"] = 120_000 + np.cumsum(new) - rng.binomial(
                    np.full(n, 120_000), 0.00004).cumsum()
            if line.kind in ("sales", "leads"):
                hill = line.cmax * spend**line.shape / (line.half**line.shape
                                                        + spend**line.shape)
                outcome = rng.poisson(hill * demand * (1 if line.kind == "sales" else yearly))
                outcome = np.minimum(outcome, sessions)
                cols["conversions"] = outcome
                if line.kind == "sales":
                    cols["orders"] = outcome
                    cols["revenue"] = np.round(
                        outcome * line.aov * rng.lognormal(0, 0.15, n), -3)
                    cols["new_customers"] = rng.binomial(outcome, 0.42)
                    cols["repeat_orders"] = outcome - rng.binomial(outcome, 0.55)
                else:
                    cols["leads"] = outcome
        frame = pd.DataFrame({"date": dates, "campaign": line.campaign,
                              "channel": line.channel})
        for k, v in cols.items():
            frame[k] = np.asarray(v, dtype="float64")
        frames.append(frame.loc[active])
    df = pd.concat(frames, ignore_index=True)
    from kpikit.catalog import MEASURES

    measures = [m for m in MEASURES if m in df]
    for m in measures:
        df[m] = df[m].astype("float64")
    df = df[["date", "campaign", "channel", *measures]]
    df = df.sort_values(["date", "campaign", "channel"], kind="stable").reset_index(drop=True)
    df["date"] = df["date"].astype("datetime64[ns]")
    df.attrs.update(currency="VND", platform="canonical", source="kpikit sample")
    return df


def bundled_plan(name: str = "plan_tet_sale.yaml") -> Path:
    """Path of a plan shipped with kpikit (``plan_tet_sale.yaml``, ...)."""
    from importlib import resources

    return Path(str(resources.files("kpikit.data").joinpath(name)))


def sample_path() -> Path:
    """Return the path of the bundled sample CSV (``data/sample_campaigns.csv``)."""
    return Path(str(resources.files("kpikit.data").joinpath("sample_campaigns.csv")))


def load_sample() -> pd.DataFrame:
    """Load the bundled sample as a canonical table (VND)."""
    from kpikit.data_in.load import load

    return load(sample_path(), platform="canonical", currency="VND")


def write_sample(path: str | os.PathLike[str], **kwargs: object) -> Path:
    """Generate the sample and write it as CSV (atomically); return the path."""
    from kpikit.files import atomic_write_text

    df = generate(**kwargs)  # type: ignore[arg-type]
    text = df.to_csv(index=False, date_format="%Y-%m-%d", float_format="%.0f",
                     lineterminator="\n")
    return atomic_write_text(Path(path), text)
