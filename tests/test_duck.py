"""The DuckDB engine of compute: the same numbers and warnings as pandas, from a DataFrame,
a Parquet file, a CSV file or a folder of both; the same refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import kpikit
from kpikit import compute
from kpikit.cli import main
from kpikit.errors import MissingColumnsError, NonAdditiveError, ParameterError

from .conftest import frame

pytest.importorskip("duckdb")

KPIS = ["ctr", "cpc", "cpa", "roas", "cvr", "cpm", "aov", "repeat_purchase_rate",
        "engagement_rate_impressions", "email_open_rate", "followers", "follower_growth",
        "revenue", "cac", "profit", "roi", "bounce_rate"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return kpikit.load_sample()


@pytest.fixture(scope="module")
def files(sample, tmp_path_factory):
    d = tmp_path_factory.mktemp("duck")
    sample.to_parquet(d / "all.parquet")
    sample.to_csv(d / "all.csv", index=False)
    (d / "parts").mkdir()
    for i, (_, g) in enumerate(sample.groupby("campaign")):  # mixed formats in one folder
        if i % 2:
            g.to_csv(d / "parts" / f"part{i}.csv", index=False)
        else:
            g.to_parquet(d / "parts" / f"part{i}.parquet")
    return d


def run(source, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = compute(source, KPIS, **kw)
    return out, sorted(str(w.message) for w in caught)


@pytest.mark.parametrize("by, freq", [("campaign", "M"), ("campaign,channel", "W"),
                                      (None, None), ("channel", "Q"), ("campaign", "Y")])
@pytest.mark.parametrize("where", ["frame", "all.parquet", "all.csv", "parts"])
def test_duckdb_gives_the_pandas_numbers(sample, files, by, freq, where):
    expected, expected_warnings = run(sample, by=by, freq=freq)
    source = sample if where == "frame" else files / where
    got, got_warnings = run(source, by=by, freq=freq, engine="duckdb")
    pd.testing.assert_frame_equal(expected, got, check_dtype=False, rtol=1e-12)
    assert got_warnings == expected_warnings


def test_duckdb_by_hand():
    df = frame([
        {"date": "2026-01-01", "campaign": "A", "channel": "s", "clicks": 10,
         "impressions": 1000, "spend": 50, "conversions": 0, "followers": 100},
        {"date": "2026-01-31", "campaign": "A", "channel": "s", "clicks": 30,
         "impressions": 1000, "spend": 150, "conversions": 0, "followers": 130},
        {"date": "2026-01-15", "campaign": "A", "channel": "v", "clicks": 0,
         "impressions": 0, "spend": 0, "conversions": 0, "followers": 50},
    ])
    out = compute(df, ["ctr", "cpc", "cpa", "followers"], by="campaign", freq="M",
                  engine="duckdb")
    row = out.iloc[0]
    assert row["ctr"] == pytest.approx(40 / 2000)  # sum/sum, not the mean of 1%, 3%, 0/0
    assert row["cpc"] == pytest.approx(200 / 40)
    assert np.isnan(row["cpa"])  # zero conversions: missing, not infinite
    assert row["followers"] == 130 + 50  # last of each series, summed across series
    assert str(row["period"]) == "2026-01"


def test_duckdb_refuses_what_pandas_refuses(sample, files):
    with pytest.raises(NonAdditiveError, match="reach"):
        compute(files / "all.parquet", "reach", by="campaign", engine="duckdb")
    with pytest.raises(MissingColumnsError, match="nope|missing"):
        compute(sample[["date", "campaign", "channel", "clicks"]], "ctr", engine="duckdb")
    with pytest.raises(ParameterError, match="by='region'"):
        compute(files / "all.parquet", "ctr", by="region", engine="duckdb")
    with pytest.raises(ParameterError, match="no such file"):
        compute(files / "missing.parquet", "ctr", engine="duckdb")
    with pytest.raises(ParameterError, match="engine='spark'"):
        compute(sample, "ctr", engine="spark")


def test_a_path_to_a_platform_export_goes_through_the_loader(fixtures):
    out = compute(fixtures / "google_ads_en_utf16.csv", "ctr")  # not canonical: kpikit.load
    assert len(out) >= 1 and out["ctr"].notna().all()


def test_cli_compute_reads_a_folder(files, capsys):
    assert main(["compute", str(files / "parts"), "--by", "campaign,quarter",
                 "--kpis", "ctr,roas"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "campaign,period,ctr,roas" and len(out) > 10
    assert main(["compute", str(files / "parts"), "--engine", "duckdb", "--platform",
                 "meta"]) == 2
    assert "canonical" in capsys.readouterr().err


def test_gaps_in_a_proven_parquet_give_the_pandas_coverage_warnings(sample, tmp_path):
    full = sample.dropna(subset=["clicks", "impressions", "spend", "conversions"])
    full.to_parquet(tmp_path / "full.parquet")
    expected, w1 = run(full, by="campaign", freq="M")
    got, w2 = run(tmp_path / "full.parquet", by="campaign", freq="M", engine="duckdb")
    pd.testing.assert_frame_equal(expected, got, check_dtype=False, rtol=1e-12)
    assert w1 == w2
