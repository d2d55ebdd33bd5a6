"""Readers against fixture files in each real export format; totals are hand-computed."""

from __future__ import annotations

import unicodedata
import warnings
from datetime import datetime

import pandas as pd
import pytest

import kpikit
from kpikit.errors import DataError, KpikitWarning


def totals(df: pd.DataFrame) -> dict[str, float]:
    return {c: float(df[c].sum()) for c in df.columns if c in kpikit.MEASURES}


def test_google_ads_english_utf16_tab_separated(fixtures):
    df = kpikit.load(fixtures / "google_ads_en_utf16.csv")
    assert df.attrs["platform"] == "google_ads"
    assert df.attrs["currency"] == "VND"
    assert df.attrs["dropped_total_rows"] == 3  # Total: Account / Search / Display
    assert set(df.attrs["ignored_columns"]) == {"CTR", "Avg. CPC"}
    assert len(df) == 4
    t = totals(df)
    assert t["impressions"] == 12_000 + 50_000 + 10_000 + 40_000
    assert t["clicks"] == 600 + 150 + 500 + 100
    assert t["spend"] == 3_000_000 + 1_500_000 + 2_500_000 + 1_000_000
    assert t["conversions"] == 30 + 25.5 + 2  # '--' is empty, not zero
    assert t["revenue"] == 15_000_000 + 12_750_000 + 2_000_000
    assert df["conversions"].isna().sum() == 1
    assert set(df["campaign"]) == {"Tết Sale", 'Brand "Max"'}
    assert dict(zip(df["campaign"], df["channel"], strict=True)) == {
        "Tết Sale": "search", 'Brand "Max"': "display"}
    assert list(df.columns[:3]) == ["date", "campaign", "channel"]
    assert df["date"].dtype == "datetime64[ns]"


def test_google_ads_utf16_without_bom(fixtures, tmp_path):
    text = (fixtures / "google_ads_en_utf16.csv").read_bytes().decode("utf-16")
    path = tmp_path / "no_bom.csv"
    path.write_bytes(text.lstrip("\ufeff").encode("utf-16-le"))
    assert totals(kpikit.load(path))["clicks"] == 1350


def test_google_ads_vietnamese_number_and_date_formats(fixtures):
    df = kpikit.load(fixtures / "google_ads_vi.csv")
    assert df.attrs["platform"] == "google_ads"
    assert df.attrs["currency"] == "VND"
    assert df.attrs["dropped_total_rows"] == 2  # Tổng: Tài khoản / Chiến dịch
    t = totals(df)
    assert t["impressions"] == 1_234_567 + 1_000 + 250_000  # '1.000' decided by the column
    assert t["clicks"] == 12_345 + 100 + 1_250
    assert t["spend"] == pytest.approx(45_678_901.5 + 2_000_000 + 12_500_000.25)
    assert t["conversions"] == 123.5 + 4
    assert t["revenue"] == 98_765_432 + 3_000_000
    # 13/01/2026 decides dd/mm/yyyy for the whole column
    assert [d.strftime("%Y-%m-%d") for d in df["date"]] == [
        "2026-01-01", "2026-01-13", "2026-01-13"]
    assert sorted(df["channel"]) == ["search", "search", "video"]


def test_meta_english_with_bom_and_usd(fixtures):
    df = kpikit.load(fixtures / "meta_en.csv")
    assert df.attrs["platform"] == "meta"
    assert df.attrs["currency"] == "USD"
    assert {"Frequency", "CTR (link click-through rate)"} <= set(df.attrs["ignored_columns"])
    t = totals(df)
    assert t["spend"] == pytest.approx(120.50 + 99.50 + 80.00 + 0)
    assert t["impressions"] == 10_000 + 8_000 + 5_000 + 0
    assert t["clicks"] == 240 + 180 + 75 + 0  # Clicks (all)
    assert t["link_clicks"] == 150 + 100 + 50 + 0
    assert t["orders"] == 12 + 8 + 0
    assert t["revenue"] == pytest.approx(960 + 640)
    assert set(df["campaign"]) == {"Spring Promo", "Lookalike, VN"}
    assert set(df["channel"]) == {"social"}
    assert "date_end" not in df  # daily rows: start == end


def test_meta_vietnamese_varying_columns(fixtures):
    with pytest.warns(KpikitWarning, match="Results"):
        df = kpikit.load(fixtures / "meta_vi.csv")
    assert df.attrs["currency"] == "VND"
    t = totals(df)
    assert t["spend"] == 2_500_000 + 3_100_000 + 1_500_000
    assert t["impressions"] == 120_000 + 150_000 + 40_000
    assert t["link_clicks"] == 1_800 + 2_100 + 600
    assert t["engagements"] == 5_400 + 6_600 + 300
    assert t["shares"] == 210 + 250 + 12
    assert "orders" not in df
    assert set(df["campaign"]) == {"Ra mắt sản phẩm", "Khách hàng tiềm năng"}


def test_ga4_comment_lines_compact_dates_and_second_table(fixtures):
    df = kpikit.load(fixtures / "ga4.csv")
    assert df.attrs["platform"] == "ga4"
    assert df.attrs["currency"] is None
    assert len(df) == 4  # the second table after the '#' block is not read
    t = totals(df)
    assert t["sessions"] == 1200 + 800 + 1000 + 300
    assert t["engaged_sessions"] == 780 + 400 + 700 + 240
    assert t["conversions"] == 36 + 12 + 30 + 9
    assert t["revenue"] == 28_800_000 + 8_400_000 + 24_000_000 + 6_300_000
    assert set(df["channel"]) == {"search", "social", "email"}
    assert df["date"].min() == pd.Timestamp("2026-01-01")


def test_tiktok_total_line_dropped(fixtures):
    df = kpikit.load(fixtures / "tiktok.csv")
    assert df.attrs["platform"] == "tiktok"
    assert df.attrs["dropped_total_rows"] == 1
    t = totals(df)
    assert t["spend"] == 10_000_000
    assert t["impressions"] == 650_000
    assert t["link_clicks"] == 5_000
    assert t["conversions"] == 130
    assert t["video_completions"] == 32_000


def test_other_csv_through_mapping(fixtures):
    mapping = {"Ngày gửi": "date", "Chiến dịch CRM": "campaign",
               "Số email đã gửi": "emails_delivered", "Lượt mở": "email_opens",
               "Lượt nhấp": "email_clicks", "Chi phí": "spend", "Đơn hàng": "orders",
               "Doanh thu": "revenue"}
    df = kpikit.load(fixtures / "crm_export.csv", mapping=mapping, channel="email",
                     currency="VND", dayfirst=True)
    assert list(df["date"].dt.strftime("%Y-%m-%d")) == ["2026-01-05", "2026-01-12"]
    assert df.attrs["currency"] == "VND"
    t = totals(df)
    assert t["spend"] == pytest.approx(180_000.5 + 189_000)
    assert t["orders"] == 27
    assert t["emails_delivered"] == 20_500
    assert set(df["channel"]) == {"email"}


def test_ambiguous_slashed_dates_warn(fixtures):
    mapping = {"Ngày gửi": "date", "Chiến dịch CRM": "campaign", "Chi phí": "spend"}
    with pytest.warns(KpikitWarning, match="dd/mm/yyyy"):
        kpikit.load(fixtures / "crm_export.csv", mapping=mapping)


def test_xlsx_with_title_rows_serial_dates_and_total(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Báo cáo chiến dịch"])
    ws.append(["1 tháng 1, 2026 - 13 tháng 1, 2026"])
    ws.append(["Ngày", "Chiến dịch", "Số lượt hiển thị", "Lượt nhấp", "Chi phí (VND)"])
    ws.append([46023, "Tết", 1000, 50, 250000.5])  # Excel serial for 2026-01-01
    ws.append([datetime(2026, 1, 13), "Tết", 2000, 70, 300000])
    # text cells in Vietnamese format: "120.000,0" tells the file uses "," for decimals
    ws.append(["13/01/2026", "Hè", "1.500", "30", "120.000,0"])
    ws.append(["Tổng cộng", None, 4500, 150, 670000.5])
    path = tmp_path / "report.xlsx"
    wb.save(path)
    df = kpikit.load(path)
    assert df.attrs["currency"] == "VND"
    assert df.attrs["dropped_total_rows"] == 1
    assert sorted(df["date"].dt.strftime("%Y-%m-%d")) == ["2026-01-01", "2026-01-13",
                                                          "2026-01-13"]
    t = totals(df)
    assert t["impressions"] == 1000 + 2000 + 1500
    assert t["clicks"] == 50 + 70 + 30
    assert t["spend"] == pytest.approx(250_000.5 + 300_000 + 120_000)


def test_parquet_and_dataframe_round_trip(tmp_path):
    sample = kpikit.load_sample()
    path = tmp_path / "sample.parquet"
    sample.to_parquet(path)
    back = kpikit.load(path, currency="VND")
    pd.testing.assert_frame_equal(back, sample, check_like=False)
    again = kpikit.load(sample, currency="VND")
    pd.testing.assert_frame_equal(again, sample)


def test_headers_are_matched_after_nfc_normalisation(tmp_path):
    nfd = unicodedata.normalize("NFD", "Ngày,Chiến dịch,Lượt nhấp,Chi phí\n")
    path = tmp_path / "nfd.csv"
    path.write_text(nfd + "2026-01-01,Tết,5,100\n", encoding="utf-8")
    df = kpikit.load(path)
    assert totals(df) == {"clicks": 5.0, "spend": 100.0}
    assert df["campaign"].iloc[0] == unicodedata.normalize("NFC", "Tết")


def test_column_order_does_not_matter(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("Day,Campaign,Clicks,Cost\n2026-01-01,X,5,100\n", encoding="utf-8")
    b.write_text("Cost,Clicks,Campaign,Day\n100,5,X,2026-01-01\n", encoding="utf-8")
    pd.testing.assert_frame_equal(kpikit.load(a), kpikit.load(b))


def test_clicks_above_impressions_is_a_warning_not_an_error(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Day,Campaign,Impr.,Clicks\n2026-01-01,X,10,50\n", encoding="utf-8")
    with pytest.warns(KpikitWarning, match="clicks exceed impressions"):
        df = kpikit.load(path)
    assert df["clicks"].iloc[0] == 50


def test_currency_argument_fills_in_when_file_is_silent(fixtures):
    df = kpikit.load(fixtures / "ga4.csv", currency="vnd")
    assert df.attrs["currency"] == "VND"


def test_kpis_argument_checks_needed_columns(fixtures):
    with pytest.raises(DataError, match="'spend' is missing; it is needed by cpa"):
        kpikit.load(fixtures / "ga4.csv", kpis=["cpa"])


def test_meta_period_rows_keep_their_end(tmp_path):
    path = tmp_path / "lifetime.csv"
    path.write_text(
        "Campaign name,Reporting starts,Reporting ends,Amount spent (VND),Impressions,Reach\n"
        "A,2026-03-01,2026-03-31,1000000,50000,20000\n"
        "B,2026-03-01,2026-03-31,500000,10000,8000\n", encoding="utf-8")
    df = kpikit.load(path)
    assert "date_end" in df
    out = kpikit.compute(df, ["frequency"], by="campaign,month")
    assert out["frequency"].tolist() == pytest.approx([50_000 / 20_000, 10_000 / 8_000])


def test_validate_accepts_a_good_frame_and_warns_nothing():
    sample = kpikit.load_sample()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kpikit.validate(sample, kpis=["ctr", "roas"]) is sample
