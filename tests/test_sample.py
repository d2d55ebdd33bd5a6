"""The sample data: deterministic, shipped as generated, realistic where it matters."""

from __future__ import annotations

import pandas as pd

import kpikit
from kpikit.data_in.sample import TET, generate


def test_shipped_file_is_what_the_generator_makes():
    shipped = kpikit.load_sample()
    fresh = generate()
    pd.testing.assert_frame_equal(shipped, fresh, check_exact=False, rtol=0, atol=0.5)


def test_shape_and_properties():
    df = kpikit.load_sample()
    assert df.attrs["currency"] == "VND"
    assert df["date"].min() == pd.Timestamp("2025-01-01")
    assert df["date"].max() == pd.Timestamp("2027-06-30")
    assert set(df["channel"]) == {"search", "social", "display", "video", "email"}
    assert df["campaign"].nunique() >= 5
    assert (df.select_dtypes("number").fillna(0) >= 0).all().all()
    assert (df["clicks"].dropna() <= df["impressions"].reindex(df["clicks"].dropna().index)
            .fillna(float("inf"))).all()
    assert kpikit.sample_path().stat().st_size < 2_000_000


def test_tet_campaign_runs_around_tet_and_sales_peak_before_it():
    df = kpikit.load_sample()
    tet = df[df.campaign == "Tết Sale"]
    for year in (2025, 2026):
        day = pd.Timestamp(TET[year])
        days = tet[tet.date.dt.year == year].date
        # the 2025 flight would start in December 2024, before the data does
        assert days.min() == max(day - pd.Timedelta(days=35), pd.Timestamp("2025-01-01"))
        assert days.max() == day + pd.Timedelta(days=7)
    search = df[(df.campaign == "Always-on Search")].set_index("date")["revenue"]
    pre_tet = search["2026-01-20":"2026-02-13"].mean()
    summer = search["2026-07-01":"2026-07-25"].mean()
    assert pre_tet > 1.2 * summer


def test_spend_varies_enough_to_fit_response_curves():
    df = kpikit.load_sample()
    s = df[df.campaign == "Always-on Search"]["spend"]
    assert s.std() / s.mean() > 0.25
