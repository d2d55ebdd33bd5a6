"""A corpus of malformed and hostile exports, each with its exact expected outcome.

Every case is one small file, written here (or shipped in tests/hostile/exports/). The
outcome is either a KpikitError whose message names the row and column and carries a fix,
or a correct parse whose totals are checked against values added up by hand.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest

import kpikit
from kpikit.errors import DataError, KpikitError, KpikitWarning, ParameterError

SHIPPED = Path(__file__).parent / "hostile" / "exports"


@dataclass
class Case:
    """One hostile file and what loading it must give."""

    name: str
    make: object  # (Path) -> None writing the file, or None for a file in SHIPPED
    error: list[str] = field(default_factory=list)  # fragments of the error message
    totals: dict[str, float] = field(default_factory=dict)  # measure -> hand sum
    dropped: int | None = None
    rows: int | None = None
    platform: str | None = None
    warns: str | None = None  # fragment of a warning that must be issued
    options: dict = field(default_factory=dict)


def text(body: str, encoding: str = "utf-8"):
    def make(path: Path) -> None:
        path.write_bytes(body.encode(encoding))
    return make


def raw(data: bytes):
    def make(path: Path) -> None:
        path.write_bytes(data)
    return make


def workbook(*sheets, formulas: bool = False):
    """sheets: (title, rows) pairs; cells starting with '=' are formulas with no cached value."""
    def make(path: Path) -> None:
        openpyxl = pytest.importorskip("openpyxl")
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets:
            ws = wb.create_sheet(title)
            for r in rows:
                ws.append(r)
        wb.save(path)
    return make


def serial_workbook(path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Day", "Campaign", "Clicks", "Cost"])
    ws.append([date(2026, 1, 1), "A", 5, 100])
    ws.append([10**9, "A", 6, 200])
    ws["A3"].number_format = "yyyy-mm-dd"  # a date cell Excel itself cannot show
    wb.save(path)


GADS = "Day,Campaign,Campaign type,Currency code,Impr.,Clicks,Cost\n"
TODAY = date.today()

CASES = [
    # ---------------------------------------------------------------- summary rows
    Case("total_prefixed_campaigns.csv", text(
        "Campaign performance\n" + GADS
        + "2026-01-01,Total - Brand,Search,VND,1000,10,100000\n"
        + "2026-01-01,Tổng (Q1) Khuyến mãi,Search,VND,2000,20,200000\n"
        + "2026-01-02,Total - Brand,Search,VND,3000,30,300000\n"
        + "Total: Campaigns,--,--,VND,6000,60,600000\n"),
        totals={"impressions": 6000, "clicks": 60, "spend": 600000}, dropped=1, rows=3,
        platform="google_ads"),
    Case("campaign_called_total_mid_file.csv", text(
        GADS + "2026-01-01,Total,Search,VND,1000,10,100000\n"
        + "2026-01-01,Brand,Search,VND,500,5,50000\n"),
        totals={"impressions": 1500, "clicks": 15}, dropped=0, rows=2),
    Case("vi_tong_cong_account.csv", text(
        "Ngày,Chiến dịch,Lượt nhấp,Chi phí\n"
        + "01/01/2026,Tổng kết năm,10,\"1.000.000\"\n"
        + "13/01/2026,Khuyến mãi,5,\"500.000\"\n"
        + "Tổng cộng: Tài khoản,--,15,\"1.500.000\"\n"
        + "Tổng: Chiến dịch,--,15,\"1.500.000\"\n"),
        totals={"clicks": 15, "spend": 1_500_000}, dropped=2, rows=2),
    Case("unlabelled_sum_row_with_dashes.csv", text(
        GADS + "2026-01-01,A,Search,VND,1000,10,100000\n"
        + "2026-01-02,B,Search,VND,3000,30,300000\n"
        + "--,--,--,VND,4000,40,400000\n"),
        totals={"impressions": 4000, "clicks": 40, "spend": 400000}, dropped=1, rows=2),
    Case("undated_campaign_subtotals.csv", text(
        GADS + "2026-01-01,A,Search,VND,1000,10,100000\n"
        + "2026-01-02,A,Search,VND,2000,20,200000\n"
        + "--,A,Search,VND,3000,30,300000\n"
        + "2026-01-01,B,Search,VND,500,5,50000\n"
        + ",B,Search,VND,500,5,50000\n"),
        totals={"impressions": 3500, "clicks": 35, "spend": 350000}, dropped=2, rows=3),
    Case("undated_row_not_a_sum.csv", text(
        GADS + "2026-01-01,A,Search,VND,1000,10,100000\n"
        + "--,A,Search,VND,999,10,100000\n"),
        error=["row 3", "column 'Day'", "the date is empty", "Fix:"]),
    Case("meta_summary_row_first.csv", text(
        "Campaign name,Reporting starts,Reporting ends,Amount spent (USD),Impressions,"
        "Link clicks\n"
        ",2026-03-01,2026-03-02,30.50,3000,45\n"
        "Spring,2026-03-01,2026-03-01,10.25,1000,15\n"
        "Spring,2026-03-02,2026-03-02,20.25,2000,30\n"),
        totals={"spend": 30.50, "impressions": 3000, "link_clicks": 45}, dropped=1, rows=2,
        platform="meta"),
    Case("meta_results_from_label.csv", text(
        "Campaign name,Reporting starts,Reporting ends,Amount spent (VND),Impressions,Reach\n"
        "Results from 2 campaigns,2026-03-01,2026-03-02,3000000,3000,2500\n"
        "Spring,2026-03-01,2026-03-02,1000000,1000,900\n"
        "Summer,2026-03-01,2026-03-02,2000000,2000,1700\n"),
        totals={"spend": 3_000_000, "impressions": 3000, "reach": 2600}, dropped=1, rows=2),
    Case("campaign_named_total_first_not_a_sum.csv", text(
        "Campaign name,Reporting starts,Reporting ends,Amount spent (VND),Impressions\n"
        "Total,2026-03-01,2026-03-01,500,50\n"
        "Spring,2026-03-01,2026-03-01,1000,1000\n"),
        totals={"spend": 1500, "impressions": 1050}, dropped=0, rows=2),
    Case("blank_campaign_not_a_sum.csv", text(
        "Campaign name,Reporting starts,Reporting ends,Amount spent (USD),Impressions\n"
        "Spring,2026-03-01,2026-03-01,10.25,1000\n"
        ",2026-03-02,2026-03-02,7.00,999\n"),
        error=["row 3", "column 'Campaign name'", "campaign name is empty", "Fix:"]),
    Case("ga4_grand_total_row.csv", text(
        "# Traffic acquisition\n# Start date: 20260101\n"
        "Session default channel group,Session campaign,Date,Sessions,Key events\n"
        "Grand total,,,2000,30\n"
        "Paid Search,tet,20260101,1200,20\n"
        "Email,tet,20260101,800,10\n"),
        totals={"sessions": 2000, "conversions": 30}, dropped=1, rows=2, platform="ga4"),
    # ---------------------------------------------------------------- '#' cells
    Case("hash_campaign_is_data.csv", text(
        "Campaign,Day,Clicks,Cost\n"
        "#TetSale,2026-01-01,5,100\n"
        "#1 Brand,2026-01-02,7,300\n"
        "Plain,2026-01-02,1,50\n"),
        totals={"clicks": 13, "spend": 450}, rows=3),
    Case("hash_rows_after_blank_line_are_data.csv", text(
        "Campaign,Day,Clicks,Cost\n"
        "A,2026-01-01,5,100\n"
        "\n"
        "#hashtag,2026-01-02,7,300\n"),
        totals={"clicks": 12, "spend": 400}, rows=2),
    Case("hash_header_for_row_numbers.csv", text(
        "#,Day,Campaign,Clicks,Cost\n1,2026-01-01,A,5,100\n2,2026-01-02,B,7,300\n"),
        totals={"clicks": 12, "spend": 400}, rows=2),
    Case("ga4_second_table_after_hash_block.csv", text(
        "# GA4\n# Start date: 20260101\n"
        "Session default channel group,Session campaign,Date,Sessions\n"
        "Paid Search,tet,20260101,100\n"
        "\n# ----\n# Second table\nDate,Sessions\n20260101,99999\n"),
        totals={"sessions": 100}, rows=1, platform="ga4"),
    # ---------------------------------------------------------------- text structure
    Case("unclosed_quote.csv", text(
        "Day,Campaign,Clicks,Cost\n"
        "2026-01-01,A,5,100\n"
        "2026-01-02,\"Brand sale,6,200\n"
        "2026-01-03,C,7,300\n"
        "2026-01-04,D,8,400\n"),
        error=["row 3", "quote", "not closed", "Fix:"]),
    Case("unclosed_quote_on_last_line.csv", text(
        "Day,Campaign,Clicks,Cost\n2026-01-01,A,5,100\n2026-01-02,\"Brand,6,200"),
        error=["row 3", "never closed", "Fix:"]),
    Case("field_over_csv_limit.csv", text(
        "Day,Campaign,Clicks\n2026-01-01," + "x" * 200_000 + ",5\n"),
        error=["row 2", "longer than", "Fix:"]),
    Case("unquoted_comma_shifts_columns.csv", text(
        "Day,Campaign,Clicks,Cost\n"
        "2026-01-01,A,5,100\n"
        "2026-01-02,Lookalike, VN,6,200\n"),
        error=["row 3", "header has 4", "extra: '200'", "quote cells", "Fix:"]),
    Case("bom_then_cp1258.csv", raw(
        b"\xef\xbb\xbfDay,Campaign,Clicks\n2026-01-01,A,5\n"
        + b"2026-01-02,Khuy\xean m\xe3i,6\n"),  # Windows-1258 bytes
        error=["row 3", "not UTF-8", "Windows-1258", "CSV UTF-8"]),
    Case("utf16_odd_length.csv", raw(
        "Day\tCampaign\tClicks\n2026-01-01\tA\t5\n".encode("utf-16") + b"\x00"),
        error=["odd number of bytes", "Fix:"]),
    Case("cp1252_plain.csv", raw(
        "Day,Campaign,Clicks\n2026-01-01,Café,5\n".encode("cp1252")),
        error=["row 2", "not UTF-8", "0xe9", "CSV UTF-8"]),
    # ---------------------------------------------------------------- wrong values
    Case("percent_in_cost.csv", text(
        "Day,Campaign,Clicks,Cost\n2026-01-01,A,5,100\n2026-01-02,A,6,12%\n"),
        error=["row 3", "column 'Cost'", "'12%' is a percentage", "Fix:"]),
    Case("thousands_dot_and_comma_in_one_column.csv", text(
        "Day;Campaign;Clicks;Cost\n2026-01-01;A;\"1.234\";100\n2026-01-02;A;\"1,234\";200\n"),
        error=["column 'Clicks'", "mixes number formats", "'1.234'", "'1,234'", "decimal="]),
    Case("count_made_fractional_by_other_column.csv", text(
        "Day,Campaign,Impr.,Cost\n2026-01-01,A,1.234,12.50\n2026-01-02,A,2.500,7.25\n"),
        error=["column 'Impr.'", "cannot tell whether '1.234'", "whole numbers",
               "decimal="]),
    Case("overflowing_numbers.csv", text(
        "Day,Campaign,Clicks,Cost\n"
        "2026-01-01,A,inf,100\n"
        "2026-01-02,A,1e400,100\n"
        "2026-01-03,A,5," + "9" * 400 + "\n"),
        error=["row 2", "cannot read 'inf'", "row 3", "cannot read '1e400'", "row 4",
               "column 'Cost'", "more than 15 digits"]),
    Case("currency_sign_contradicts_header.csv", text(
        "Day,Campaign,Clicks,Cost (VND)\n2026-01-01,A,5,\"$12.00\"\n"),
        error=["row 2", "column 'Cost (VND)'", "'$12.00' is in USD", "VND", "Fix:"]),
    Case("currency_sign_contradicts_column.csv", text(
        GADS + "2026-01-01,A,Search,VND,100,5,€30\n"),
        error=["row 2", "column 'Cost'", "is in EUR", "column 'Currency code'"]),
    Case("currency_sign_agrees.csv", text(
        "Day,Campaign,Clicks,Cost (VND)\n2026-01-01,A,5,\"1.000.000 ₫\"\n"
        "2026-01-02,A,5,\"2.500.000,5 ₫\"\n"),
        totals={"clicks": 10, "spend": 3_500_000.5}),
    Case("excel_error_value.xlsx", workbook(
        ("Report", [["Day", "Campaign", "Clicks", "Cost"],
                    [datetime(2026, 1, 1), "A", 5, "#REF!"]])),
        error=["row 2", "column 'Cost'", "'#REF!'"]),
    Case("formula_without_cached_value.xlsx", workbook(
        ("Report", [["Day", "Campaign", "Clicks", "Cost"],
                    [datetime(2026, 1, 1), "A", 5, 100],
                    [datetime(2026, 1, 2), "A", "=C2*2", 200]])),
        error=["row 3", "C3", "=C2*2", "no saved value", "save it again"]),
    Case("formula_in_title_line_only.xlsx", workbook(
        ("Report", [["=TODAY()"], ["Day", "Campaign", "Clicks", "Cost"],
                    [datetime(2026, 1, 1), "A", 5, 100]])),
        totals={"clicks": 5, "spend": 100}, rows=1),
    # ---------------------------------------------------------------- dates
    Case("year_zero.csv", text("Day,Campaign,Clicks\n2026-01-01,A,5\n0000-01-01,A,6\n"),
         error=["row 3", "column 'Day'", "'0000-01-01'", "1900"]),
    Case("year_99999.csv", text("Day,Campaign,Clicks\n99999-01-01,A,6\n"),
         error=["row 2", "column 'Day'", "'99999-01-01'", "Fix:"]),
    Case("year_one_in_range_syntax.csv", text("Day,Campaign,Clicks\n0001-01-01,A,6\n"),
         error=["row 2", "out of range", "1900"]),
    Case("excel_serial_1e9.xlsx", serial_workbook,
         error=["row 3", "column 'Day'", "as a date"]),
    Case("plain_serial_1e9.csv", text("Day,Campaign,Clicks\n1000000000,A,6\n"),
         error=["row 2", "'1000000000' as a date"]),
    Case("dates_before_1990.csv", text("Day,Campaign,Clicks\n1985-05-01,A,6\n"),
         totals={"clicks": 6}, warns="before 1990"),
    Case("dates_far_future.csv", text(
        f"Day,Campaign,Clicks\n{TODAY.year + 3}-01-01,A,6\n"),
        totals={"clicks": 6}, warns="more than a year in the future"),
    # ---------------------------------------------------------------- workbooks
    Case("two_sheets_same_table.xlsx", workbook(
        ("Jan", [["Day", "Campaign", "Clicks", "Cost"], [datetime(2026, 1, 1), "A", 5, 100]]),
        ("Feb", [["Day", "Campaign", "Clicks", "Cost"], [datetime(2026, 2, 1), "A", 7, 300],
                 [datetime(2026, 2, 2), "B", 1, 50]])),
        totals={"clicks": 13, "spend": 450}, rows=3),
    Case("two_sheets_same_table_other_order_and_extra_column.xlsx", workbook(
        ("Jan", [["Day", "Campaign", "Clicks", "Cost"], [datetime(2026, 1, 1), "A", 5, 100]]),
        ("Feb", [["Campaign", "Cost", "CTR", "Day", "Clicks"],
                 ["A", 300, "1%", datetime(2026, 2, 1), 7]])),
        totals={"clicks": 12, "spend": 400}, rows=2),
    Case("two_sheets_other_table.xlsx", workbook(
        ("Data", [["Day", "Campaign", "Clicks", "Cost"], [datetime(2026, 1, 1), "A", 5, 100]]),
        ("Notes", [["Campaign", "Day", "Sessions"], ["A", datetime(2026, 1, 1), 9]])),
        totals={"clicks": 5, "spend": 100}, rows=1, warns="sheet='Notes'"),
    Case("pick_sheet.xlsx", workbook(
        ("Data", [["Day", "Campaign", "Clicks", "Cost"], [datetime(2026, 1, 1), "A", 5, 100]]),
        ("Web", [["Date", "Session campaign", "Sessions"], [datetime(2026, 1, 1), "A", 9]])),
        totals={"sessions": 9}, rows=1, options={"sheet": "Web"}),
    Case("unknown_sheet.xlsx", workbook(
        ("Data", [["Day", "Campaign", "Clicks"], [datetime(2026, 1, 1), "A", 5]])),
        error=["sheet='Nope'", "'Data'", "Fix:"], options={"sheet": "Nope"}),
    # ---------------------------------------------------------------- platforms
    Case("tiktok_plain_clicks.csv", text(
        "Date,Campaign name,Cost,Impressions,Clicks,Conversions\n"
        "2026-04-01,Dance,\"4,500,000\",300000,2400,60\n"
        "2026-04-02,Dance,\"5,500,000\",350000,2600,70\n"),
        totals={"spend": 10_000_000, "impressions": 650_000, "link_clicks": 5000,
                "conversions": 130}, platform="tiktok"),
    Case("tiktok_vi_plain_clicks.csv", text(
        "Ngày,Tên chiến dịch,Chi phí,Lượt hiển thị,Lượt nhấp\n"
        "01/04/2026,Nhảy,\"4.500.000\",\"300.000\",\"2.400\"\n"),
        totals={"spend": 4_500_000, "impressions": 300_000, "link_clicks": 2400},
        platform="tiktok"),
    Case("google_ads_weeks.csv", text(
        "Week,Campaign,Impr.,Clicks,Cost\n"
        "2027-01-04,A,1000,10,100000\n"
        "\"Jan 11, 2027\",A,2000,20,200000\n"
        "Total: Account,--,3000,30,300000\n"),
        totals={"impressions": 3000, "clicks": 30, "spend": 300000}, dropped=1, rows=2,
        platform="google_ads"),
    Case("google_ads_months_vi.csv", text(
        "Tháng,Chiến dịch,Số lượt hiển thị,Lượt nhấp,Chi phí\n"
        "Tháng 1 năm 2027,Tết,\"1.000\",10,\"100.000\"\n"
        "2027-02,Tết,\"2.000\",20,\"200.000,5\"\n"),
        totals={"impressions": 3000, "clicks": 30, "spend": 300000.5}, rows=2,
        platform="google_ads"),
    Case("google_ads_quarters.csv", text(
        "Quarter,Campaign,Clicks,Cost\nQ1 2027,A,10,100\n2027-04-01,A,20,200\n"),
        totals={"clicks": 30, "spend": 300}, rows=2, platform="google_ads"),
    # ---------------------------------------------------------------- shipped files
    Case("google_ads_weekly_vi_utf16.tsv", None,
         totals={"impressions": 8000, "clicks": 175, "spend": 875_000.5}, dropped=1, rows=3,
         platform="google_ads"),
    Case("meta_vi_summary_row.csv", None,
         totals={"spend": 5_600_000, "impressions": 270_000, "conversions": 5445}, dropped=1,
         rows=2, platform="meta", warns="counts different things"),
    Case("ga4_hash_campaign.csv", None,
         totals={"sessions": 800, "conversions": 8}, rows=2, platform="ga4"),
    Case("legacy_cp1258.csv", None, error=["row 3", "not UTF-8", "0xea", "CSV UTF-8"]),
    Case("google_ads_bad_month.csv", text(
        "Month,Campaign,Clicks,Cost\nJanuary 2027,A,10,100\nSmarch 2027,A,20,200\n"),
        error=["row 3", "column 'Month'", "'Smarch 2027' as a month", "Fix:"]),
]


def _expect_error(path: Path, case: Case) -> None:
    with pytest.raises(KpikitError) as info:
        kpikit.load(path, **case.options)
    message = str(info.value)
    for fragment in case.error:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert "Traceback" not in message


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_export(case, tmp_path):
    path = SHIPPED / case.name if case.make is None else tmp_path / case.name
    if case.make is not None:
        case.make(path)
    if case.error:
        _expect_error(path, case)
        return
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        df = kpikit.load(path, **case.options)
    said = [str(w.message) for w in seen if issubclass(w.category, KpikitWarning)]
    if case.warns:
        assert any(case.warns in w for w in said), said
    for m, expected in case.totals.items():
        assert float(df[m].sum()) == pytest.approx(expected), m
    if case.dropped is not None:
        assert df.attrs["dropped_total_rows"] == case.dropped
    if case.rows is not None:
        assert len(df) == case.rows
    if case.platform:
        assert df.attrs["platform"] == case.platform


def test_corpus_is_large_enough():
    assert len(CASES) >= 32


# ------------------------------------------------- cases that need more than totals


def test_bom_then_legacy_bytes_names_the_row(tmp_path):
    path = tmp_path / "bom_cp1258.csv"
    path.write_bytes(b"\xef\xbb\xbfDay,Campaign,Clicks\n2026-01-01,A,5\n"
                     + b"2026-01-02,Khuy\xean m\xe3i,6\n")  # Windows-1258 bytes
    with pytest.raises(DataError) as info:
        kpikit.load(path)
    assert "row 3" in str(info.value) and "not UTF-8" in str(info.value)
    assert "Windows-1258" in str(info.value) and "Fix:" in str(info.value)


def test_folder_fifo_and_device_are_refused_without_blocking(tmp_path):
    with pytest.raises(ParameterError, match="is a folder"):
        kpikit.load(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.csv"
        os.mkfifo(fifo)
        with pytest.raises(ParameterError, match="not a regular file"):
            kpikit.load(fifo)
    with pytest.raises(ParameterError, match="cannot be read"):
        kpikit.load(str(tmp_path / "a\x00b.csv"))
    if Path("/dev/null").exists():
        with pytest.raises(ParameterError, match="not a regular file"):
            kpikit.load("/dev/null")


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    import kpikit.files as files

    path = tmp_path / "big.csv"
    path.write_text("Day,Campaign,Clicks\n" + "2026-01-01,A,5\n" * 100, encoding="utf-8")
    monkeypatch.setattr(files, "MAX_INPUT_BYTES", 200)
    with pytest.raises(ParameterError, match="larger than"):
        kpikit.load(path)


def test_periods_give_first_and_last_day(tmp_path):
    path = tmp_path / "weeks.csv"
    CASES_BY_NAME["google_ads_weeks.csv"].make(path)
    df = kpikit.load(path)
    assert [d.strftime("%Y-%m-%d") for d in df["date"]] == ["2027-01-04", "2027-01-11"]
    assert [d.strftime("%Y-%m-%d") for d in df["date_end"]] == ["2027-01-10", "2027-01-17"]
    # compute over whole weeks works; a by-month split inside a week would be invented
    out = kpikit.compute(df, ["ctr"], by="campaign")
    assert out["ctr"].tolist() == pytest.approx([30 / 3000])
    quarters = tmp_path / "q.csv"
    CASES_BY_NAME["google_ads_quarters.csv"].make(quarters)
    q = kpikit.load(quarters)
    assert [d.strftime("%Y-%m-%d") for d in q["date_end"]] == ["2027-03-31", "2027-06-30"]
    out = kpikit.compute(q, ["cpc"], by="campaign,quarter")
    assert out["cpc"].tolist() == pytest.approx([10.0, 10.0])
    months = tmp_path / "m.csv"
    CASES_BY_NAME["google_ads_months_vi.csv"].make(months)
    m = kpikit.load(months)
    assert [d.strftime("%Y-%m-%d") for d in m["date_end"]] == ["2027-01-31", "2027-02-28"]


def test_two_sheets_are_stacked_and_named(tmp_path):
    path = tmp_path / "two.xlsx"
    CASES_BY_NAME["two_sheets_same_table.xlsx"].make(path)
    df = kpikit.load(path)
    assert df.attrs["sheets"] == ["two.xlsx [Jan]", "two.xlsx [Feb]"]
    one = kpikit.load(path, sheet="Feb")
    assert float(one["clicks"].sum()) == 8
    assert float(kpikit.load(path, sheet=0)["clicks"].sum()) == 5


def test_same_day_in_two_sheets_is_an_error(tmp_path):
    path = tmp_path / "dup.xlsx"
    rows = [["Day", "Campaign", "Clicks"], [datetime(2026, 1, 1), "A", 5]]
    workbook(("One", rows), ("Two", rows))(path)
    with pytest.raises(DataError, match="count it twice"):
        kpikit.load(path)


def test_vietnamese_messages(tmp_path):
    path = tmp_path / "pct.csv"
    CASES_BY_NAME["percent_in_cost.csv"].make(path)
    with kpikit.using_language("vi"), pytest.raises(DataError) as info:
        kpikit.load(path)
    assert "dòng 3" in str(info.value) and "là tỷ lệ phần trăm" in str(info.value)
    assert "Cách sửa:" in str(info.value)


@pytest.mark.parametrize("command", ["validate", "compute"])
def test_cli_shows_dropped_rows(capsys, tmp_path, command):
    from kpikit.cli import main

    path = tmp_path / "t.csv"
    CASES_BY_NAME["total_prefixed_campaigns.csv"].make(path)
    args = [command, str(path)] + (["--kpis", "ctr"] if command == "compute" else [])
    assert main(args) == 0
    out = capsys.readouterr()
    assert "dropped 1 total/summary row(s)" in (out.out + out.err)
    if command == "compute":
        assert out.out.startswith("campaign,ctr")  # the count stays off the CSV table


CASES_BY_NAME = {c.name: c for c in CASES}



@pytest.mark.slow
def test_workbook_that_unpacks_to_far_more_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024**2))
    assert path.stat().st_size < 1024**2
    with pytest.raises(DataError, match="unpacks to"):
        kpikit.load(path)


def test_week_starts_decide_day_first(tmp_path):
    # 04/01/2027 and 11/01/2027 are both Mondays read day first, but 1 April (Thursday)
    # and 1 November (Monday) read month first: the weekday decides, no warning needed
    path = tmp_path / "weeks.csv"
    path.write_text("Tuần,Chiến dịch,Lượt nhấp,Chi phí\n04/01/2027,A,5,100\n"
                    "11/01/2027,A,6,200\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = kpikit.load(path)
    assert [d.strftime("%Y-%m-%d") for d in df["date"]] == ["2027-01-04", "2027-01-11"]


def test_left_out_summary_rows_are_said_with_their_rows(tmp_path):
    """Every consumer of load's warnings (CLI, reports) learns which rows were left out."""
    path = tmp_path / "gads.csv"
    path.write_text("Campaign report\n"
                    "Day,Campaign,Impressions,Clicks,Cost\n"
                    "2026-11-01,Total - Brand,1000,10,50\n"
                    "2026-11-02,Total - Brand,2000,20,60\n"
                    "Total: Campaigns,--,3000,30,110\n", encoding="utf-8")
    with pytest.warns(KpikitWarning, match=r"left out 1 summary row\(s\) \(row 5\)"):
        df = kpikit.load(path)
    assert df["impressions"].sum() == 3000 and df.attrs["dropped_total_rows"] == 1
    kpikit.set_language("vi")
    with pytest.warns(KpikitWarning, match=r"đã bỏ 1 dòng tổng/tóm tắt \(dòng 5\)"):
        kpikit.load(path)
