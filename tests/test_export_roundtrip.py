"""Property: a random table written as any supported export dialect reads back the same.

Each dialect writes what the platform really writes (title lines, UTF-16 tab-separated
text, Vietnamese number and date formats, a summary row, GA4's '#' block, XLSX cells);
loading it must give the same totals per campaign and channel as the table written.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpikit

# names that look like total rows, comments or need quoting: all of them are data
CAMPAIGNS = ["Tết Sale", "Total - Brand", "Tổng (Q1) Khuyến mãi", "#hashtag",
             'Brand "Max"', "Lookalike, VN", "Summer"]


@st.composite
def tables(draw, channels: tuple[str, ...]):
    """Rows (day, campaign, channel, impressions, clicks, spend in cents, conversions)."""
    keys = draw(st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from(CAMPAIGNS), st.sampled_from(channels)),
        min_size=1, max_size=12, unique=True))
    rows = []
    for day, camp, ch in keys:
        impressions = draw(st.integers(0, 20_000_000))
        clicks = draw(st.integers(0, min(impressions, 500_000)))
        cents = draw(st.integers(0, 5_000_000_000))
        conv = draw(st.integers(0, 4000)) / 2
        rows.append((date(2026, 1, 1) + timedelta(days=day), camp, ch, impressions, clicks,
                     cents, conv))
    return rows


def en(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


def vi(x: float, decimals: int = 0) -> str:
    return en(x, decimals).replace(",", "\0").replace(".", ",").replace("\0", ".")


def write_csv(rows: list[list[object]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


GADS_TYPE = {"search": "Search", "display": "Display"}
GADS_TYPE_VI = {"search": "Tìm kiếm", "display": "Hiển thị"}
GA4_GROUP = {"search": "Paid Search", "social": "Paid Social", "email": "Email"}


def google_en(rows, path: Path) -> dict:
    body = [["Campaign performance report"], ["January 1, 2026 - February 28, 2026"],
            ["Day", "Campaign", "Campaign type", "Currency code", "Impr.", "Clicks", "Cost",
             "Conversions"]]
    for d, c, ch, imp, clk, cents, conv in rows:
        body.append([d.isoformat(), c, GADS_TYPE[ch], "VND", en(imp), en(clk),
                     en(cents / 100, 2), en(conv, 2)])
    body.append(["Total: Account", "--", "--", "VND", en(sum(r[3] for r in rows)),
                 en(sum(r[4] for r in rows)), en(sum(r[5] for r in rows) / 100, 2),
                 en(sum(r[6] for r in rows), 2)])
    path.write_bytes(write_csv(body, "\t").encode("utf-16"))
    return {"impressions": "impressions", "clicks": "clicks", "spend": "spend",
            "conversions": "conversions"}


def google_vi(rows, path: Path) -> dict:
    body = [["Báo cáo chiến dịch"], ["1 tháng 1, 2026 - 28 tháng 2, 2026"],
            ["Ngày", "Chiến dịch", "Loại chiến dịch", "Mã đơn vị tiền tệ", "Số lượt hiển thị",
             "Lượt nhấp", "Chi phí", "Lượt chuyển đổi"]]
    for d, c, ch, imp, clk, cents, conv in rows:
        body.append([d.strftime("%d/%m/%Y"), c, GADS_TYPE_VI[ch], "VND", vi(imp), vi(clk),
                     vi(cents / 100, 2), vi(conv, 1)])
    body.append(["Tổng: Tài khoản", "--", "--", "VND", vi(sum(r[3] for r in rows)),
                 vi(sum(r[4] for r in rows)), vi(sum(r[5] for r in rows) / 100, 2),
                 vi(sum(r[6] for r in rows), 1)])
    path.write_text("\ufeff" + write_csv(body), encoding="utf-8")
    return {"impressions": "impressions", "clicks": "clicks", "spend": "spend",
            "conversions": "conversions"}


def meta_en(rows, path: Path) -> dict:
    body = [["Campaign name", "Reporting starts", "Reporting ends", "Amount spent (USD)",
             "Impressions", "Link clicks", "Results"]]
    for d, c, _, imp, clk, cents, conv in rows:
        body.append([c, d.isoformat(), d.isoformat(), f"{cents / 100:.2f}", imp, clk, conv])
    path.write_text("\ufeff" + write_csv(body), encoding="utf-8")
    return {"impressions": "impressions", "clicks": "link_clicks", "spend": "spend",
            "conversions": "conversions"}


def meta_vi(rows, path: Path) -> dict:
    body = [["Tên chiến dịch", "Lượt bắt đầu báo cáo", "Lượt kết thúc báo cáo",
             "Số tiền đã chi tiêu (VND)", "Lượt hiển thị", "Lượt click vào liên kết"]]
    for d, c, _, imp, clk, cents, _conv in rows:
        body.append([c, d.isoformat(), d.isoformat(), cents // 100, imp, clk])
    path.write_text(write_csv(body), encoding="utf-8")
    return {"impressions": "impressions", "clicks": "link_clicks", "spend_whole": "spend"}


def tiktok(rows, path: Path) -> dict:
    body = [["By Day", "Campaign name", "Currency", "Cost", "Impressions",
             "Clicks (destination)", "Conversions"]]
    for d, c, _, imp, clk, cents, conv in rows:
        body.append([d.isoformat(), c, "VND", en(cents / 100, 2), imp, clk, conv])
    body.append([f"Total of {len(rows)} results", "-", "VND",
                 en(sum(r[5] for r in rows) / 100, 2), sum(r[3] for r in rows),
                 sum(r[4] for r in rows), sum(r[6] for r in rows)])
    path.write_text(write_csv(body), encoding="utf-8")
    return {"impressions": "impressions", "clicks": "link_clicks", "spend": "spend",
            "conversions": "conversions"}


def ga4(rows, path: Path) -> dict:
    head = ("# ----------------------------------------\n# Traffic acquisition\n"
            "# Property: demo\n# ----------------------------------------\n#\n"
            "# Start date: 20260101\n# End date: 20260228\n")
    body = [["Session default channel group", "Session campaign", "Date", "Sessions",
             "Key events", "Total revenue"]]
    for d, c, ch, imp, _, cents, conv in rows:
        body.append([GA4_GROUP[ch], c, d.strftime("%Y%m%d"), imp, conv,
                     en(cents / 100, 2)])
    tail = "\n# ----------------------------------------\n# Second table\nDate,Sessions\n" \
           "20260101,99999\n"
    path.write_text(head + write_csv(body) + tail, encoding="utf-8")
    return {"impressions": "sessions", "conversions": "conversions", "spend": "revenue"}


def canonical_en(rows, path: Path) -> dict:
    body = [["date", "campaign", "channel", "impressions", "clicks", "spend", "conversions"]]
    for d, c, ch, imp, clk, cents, conv in rows:
        body.append([d.isoformat(), c, ch, en(imp), clk, en(cents / 100, 2), conv])
    path.write_text(write_csv(body), encoding="utf-8")
    return {"impressions": "impressions", "clicks": "clicks", "spend": "spend",
            "conversions": "conversions"}


def canonical_vi(rows, path: Path) -> dict:
    body = [["date", "campaign", "channel", "impressions", "clicks", "spend", "conversions"]]
    for d, c, ch, imp, clk, cents, conv in rows:
        body.append([d.strftime("%d/%m/%Y"), c, ch, vi(imp), vi(clk), vi(cents / 100, 2),
                     vi(conv, 1)])
    path.write_text(write_csv(body, ";"), encoding="utf-8")
    return {"impressions": "impressions", "clicks": "clicks", "spend": "spend",
            "conversions": "conversions"}


def xlsx(rows, path: Path) -> dict:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Báo cáo chiến dịch"])
    ws.append(["Ngày", "Chiến dịch", "Loại chiến dịch", "Số lượt hiển thị", "Lượt nhấp",
               "Chi phí (VND)", "Lượt chuyển đổi"])
    for d, c, ch, imp, clk, cents, conv in rows:
        ws.append([d, c, GADS_TYPE_VI[ch], imp, clk, cents / 100, conv])
    ws.append(["Tổng cộng", None, None, sum(r[3] for r in rows), sum(r[4] for r in rows),
               sum(r[5] for r in rows) / 100, sum(r[6] for r in rows)])
    wb.save(path)
    return {"impressions": "impressions", "clicks": "clicks", "spend": "spend",
            "conversions": "conversions"}


# dialect -> (writer, channels it can carry, channel every row gets when it carries none)
DIALECTS = {
    "google_ads_en_utf16": (google_en, ("search", "display"), None),
    "google_ads_vi": (google_vi, ("search", "display"), None),
    "meta_en": (meta_en, ("social",), "social"),
    "meta_vi": (meta_vi, ("social",), "social"),
    "tiktok": (tiktok, ("social",), "social"),
    "ga4": (ga4, ("search", "social", "email"), None),
    "canonical_en": (canonical_en, ("search", "email", "social"), None),
    "canonical_vi": (canonical_vi, ("search", "email", "social"), None),
    "xlsx": (xlsx, ("search", "display"), None),
}


def expected_totals(rows, names: dict) -> dict[tuple[str, str, str], float]:
    out: dict[tuple[str, str, str], float] = {}
    for _, c, ch, imp, clk, cents, conv in rows:
        values = {"impressions": imp, "clicks": clk, "spend": cents / 100,
                  "spend_whole": cents // 100, "conversions": conv}
        for source, value in values.items():
            if source in names:
                key = (c, ch, names[source])
                out[key] = out.get(key, 0.0) + value
    return out


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_dialect_reads_back_its_totals(dialect, tmp_path_factory):
    writer, channels, _ = DIALECTS[dialect]
    folder = tmp_path_factory.mktemp(dialect)
    suffix = ".xlsx" if dialect == "xlsx" else ".csv"

    @settings(max_examples=12, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(rows=tables(channels))
    def check(rows):
        path = folder / f"export{suffix}"
        names = writer(rows, path)  # generated value -> canonical measure it becomes
        df = kpikit.load(path)
        got = df.groupby(["campaign", "channel"])[sorted(set(names.values()))].sum()
        want = expected_totals(rows, names)
        for (camp, ch, measure), value in want.items():
            assert got.loc[(camp, ch), measure] == pytest.approx(value, rel=1e-9, abs=1e-6), (
                camp, ch, measure)
        assert set(got.index) == {(c, ch) for _, c, ch, *_ in rows}
        assert len(df) == len(rows)  # no row lost, no summary row kept
        assert df["date"].min().date() == min(r[0] for r in rows)
        assert df["date"].max().date() == max(r[0] for r in rows)

    check()
