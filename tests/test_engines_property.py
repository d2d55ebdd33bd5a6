"""One set of rules for both engines: random canonical tables, written as CSV in the
English and the Vietnamese number conventions and as Parquet, give the same result,
the same warnings and the same errors from ``compute(path, engine="duckdb")`` as from
``compute(kpikit.load(path))``."""

from __future__ import annotations

import csv
import warnings
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpikit
from kpikit import compute
from kpikit.errors import KpikitError

pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

CAMPAIGNS = ["Tết Sale", "Khuyến mãi mùa hè", "Điện máy Xanh", "Brand", "Back to school",
             "Total - Brand", "Sale, 11.11", "Quà tặng 8/3"]
CHANNELS = ["search", "social", "video"]
AD_GROUPS = ["Nhóm 1", "Nhóm quảng cáo 2"]
MEASURES = ["impressions", "clicks", "spend", "conversions", "revenue"]
MONEY = {"spend", "revenue"}
KPI_SETS = [["ctr", "cpc", "cpa"], ["roas", "cvr", "cpm"], None]
GROUPINGS = ["campaign", "month", None, ("campaign", "channel", "quarter"), "ad_group,month"]
FIRST = date(2025, 1, 1)


@st.composite
def tables(draw) -> list[dict]:
    """Rows with unique (date, campaign, channel), measures with zeros and gaps."""
    campaigns = draw(st.lists(st.sampled_from(CAMPAIGNS), min_size=1, max_size=3,
                              unique=True))
    groups = st.sampled_from(AD_GROUPS) if draw(st.booleans()) else st.none()
    keys = draw(st.lists(st.tuples(st.integers(0, 500), st.sampled_from(campaigns),
                                   st.sampled_from(CHANNELS), groups),
                         min_size=1, max_size=25, unique=True))
    gaps = draw(st.sets(st.sampled_from(MEASURES), max_size=2))
    rows = []
    for day, camp, chan, group in keys:
        row: dict = {"date": FIRST + timedelta(days=day), "campaign": camp, "channel": chan}
        if group is not None:  # a dimension: the same day may repeat across ad groups
            row["ad_group"] = group
        impressions = draw(st.integers(0, 3_000_000))
        row["impressions"] = impressions
        # mostly at most the impressions; sometimes more (a loader warning)
        row["clicks"] = draw(st.integers(0, impressions) | st.integers(0, 2_000))
        row["spend"] = draw(st.integers(0, 500_000_000)) / 100
        row["conversions"] = draw(st.sampled_from([0, 0, 1, 7, 1234, 56789]))
        row["revenue"] = draw(st.integers(0, 90_000_000)) / 10
        for m in gaps:
            if draw(st.booleans()):
                row[m] = None
        rows.append(row)
    return rows


def _number(v: float | None, style: str) -> str:
    if v is None:
        return ""
    if style == "plain":
        return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    text = f"{v:,.2f}" if v != int(v) else f"{int(v):,}"
    if style == "vi":  # 1.234.567,5
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def write(rows: list[dict], path, style: str, delimiter: str = ",") -> None:
    """The table as CSV (plain 1234.5, English 1,234.5 or Vietnamese 1.234,5) or Parquet."""
    texts = ["campaign", "channel", *(["ad_group"] if "ad_group" in rows[0] else [])]
    if style == "parquet":
        cols = {"date": pa.array([r["date"] for r in rows], pa.date32())}
        cols.update({t: pa.array([r[t] for r in rows], pa.string()) for t in texts})
        for m in MEASURES:
            kind = pa.float64() if m in MONEY else pa.int64()
            cols[m] = pa.array([r[m] for r in rows], kind)
        pq.write_table(pa.table(cols), path)
        return
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter=delimiter)
        out.writerow(["date", *texts, *MEASURES])
        for r in rows:
            day = f"{r['date']:%d/%m/%Y}" if style == "vi" else f"{r['date']:%Y-%m-%d}"
            out.writerow([day, *(r[t] for t in texts),
                          *(_number(r[m], style) for m in MEASURES)])


def outcome(run) -> tuple[object, list[str]]:
    """(result or error, warning texts) of one call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: object = run()
        except KpikitError as e:
            result = (type(e).__name__, str(e))
    return result, [str(w.message) for w in caught]


def assert_same(path, kpis, by) -> object:
    got, got_warnings = outcome(lambda: compute(path, kpis, by=by, engine="duckdb"))
    expected, expected_warnings = outcome(lambda: compute(kpikit.load(path), kpis, by=by))
    assert got_warnings == expected_warnings
    if isinstance(expected, tuple):
        assert got == expected
    else:
        assert isinstance(got, pd.DataFrame), got
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9)
    return got


STYLES = [("plain", ","), ("plain", ";"), ("en", ","), ("vi", ";"), ("vi", ","),
          ("parquet", "")]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(rows=tables(), style=st.sampled_from(STYLES), kpis=st.sampled_from(KPI_SETS),
       by=st.sampled_from(GROUPINGS))
def test_both_engines_read_random_tables_alike(tmp_path, rows, style, kpis, by):
    kind, delimiter = style
    path = tmp_path / ("t.parquet" if kind == "parquet" else "t.csv")
    write(rows, path, kind, delimiter)
    assert_same(path, kpis, by)


def test_clean_plain_csv_and_parquet_take_the_fast_path(tmp_path):
    rows = [{"date": FIRST + timedelta(days=i), "campaign": c, "channel": "search",
             "impressions": 1000 + i, "clicks": 10 + i, "spend": 12.5 * i,
             "conversions": i % 3, "revenue": 100.25 * i}
            for i, c in enumerate(["Tết Sale", "Brand"] * 40)]
    for kind, delimiter, name in [("plain", ",", "a.csv"), ("plain", ";", "b.csv"),
                                  ("parquet", "", "c.parquet")]:
        write(rows, tmp_path / name, kind, delimiter)
        got = assert_same(tmp_path / name, ["ctr", "cpa", "roas"], ("campaign", "month"))
        assert got.attrs["engine"] == "duckdb", name
        # hand-computed: Brand is every odd i in 0..79, days 2025-01-02 to 2025-03-21
        assert got.loc[got["campaign"] == "Brand", "period"].astype(str).tolist() == [
            "2025-01", "2025-02", "2025-03"]
        clicks = sum(10 + i for i in range(1, 80, 2))
        impressions = sum(1000 + i for i in range(1, 80, 2))
        spend = sum(12.5 * i for i in range(1, 80, 2))
        conversions = sum(i % 3 for i in range(1, 80, 2))
        total = compute(tmp_path / name, ["ctr", "cpa"], by="campaign", engine="duckdb")
        assert total.attrs["engine"] == "duckdb"
        brand_total = total.set_index("campaign").loc["Brand"]
        assert brand_total["ctr"] == pytest.approx(clicks / impressions, rel=1e-12)  # a fraction
        assert brand_total["cpa"] == pytest.approx(spend / conversions, rel=1e-12)
