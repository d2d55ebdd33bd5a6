"""Hostile canonical files: each has one exact expected outcome (an error whose message is
checked, or totals computed by hand) and both engines give it, with the same warnings.

Before issue 13 the DuckDB engine summed Total rows, let duplicates and negative spend
pass, read ``1.000`` impressions as 1 and raised raw ``duckdb.ConversionException`` on
``--``, ``$100``, ``1,234`` and ``1.234,5``."""

from __future__ import annotations

import unicodedata
import warnings

import pandas as pd
import pytest

import kpikit
from kpikit import compute
from kpikit.errors import DataError, KpikitError, KpikitWarning

pytest.importorskip("duckdb")

HEAD = "date,campaign,channel,impressions,clicks,spend,conversions\n"


def outcome(run) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: object = run()
        except KpikitError as e:
            result = e
    return result, [str(w.message) for w in caught]


def both(path, kpis=("ctr", "cpc", "cpa"), by="campaign"):
    """The DuckDB engine's outcome, checked equal to the loader + pandas engine's."""
    kpis = list(kpis)
    duck, duck_w = outcome(lambda: compute(path, kpis, by=by, include_measures=True,
                                           engine="duckdb"))
    pand, pand_w = outcome(lambda: compute(path, kpis, by=by, include_measures=True,
                                           engine="pandas"))
    assert duck_w == pand_w
    if isinstance(pand, Exception):
        assert type(duck) is type(pand) and str(duck) == str(pand)
    else:
        assert isinstance(duck, pd.DataFrame), duck
        pd.testing.assert_frame_equal(duck, pand, check_dtype=False, rtol=1e-12)
        assert duck.attrs["currency"] == pand.attrs["currency"]
    return duck, duck_w


def csv_file(tmp_path, body: str, name: str = "t.csv", head: str = HEAD):
    path = tmp_path / name
    path.write_text(head + body, encoding="utf-8")
    return path


def totals(out: pd.DataFrame, campaign: str) -> pd.Series:
    return out.set_index("campaign").loc[campaign]


def test_clean_file_is_the_fast_path_and_matches_hand_totals(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,50.5,1\n"
                              "2026-01-02,A,search,3000,30,49.5,0\n")
    out, said = both(path)
    assert out.attrs["engine"] == "duckdb" and said == []
    a = totals(out, "A")
    assert (a["impressions"], a["clicks"], a["spend"]) == (4000, 40, 100)
    assert a["ctr"] == pytest.approx(40 / 4000) and a["cpa"] == pytest.approx(100 / 1)


def test_total_row_is_not_summed(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,50,1\n"
                              "2026-01-02,A,search,2000,30,70,2\n"
                              "Total:,,,3000,40,120,3\n")
    out, _ = both(path)
    assert out.attrs["engine"] == "pandas"  # the loader decided
    a = totals(out, "A")
    assert (a["impressions"], a["clicks"], a["spend"], a["conversions"]) == (3000, 40, 120, 3)
    assert list(out["campaign"]) == ["A"]


def test_a_campaign_named_like_a_total_is_data(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,Total - Brand,search,1000,10,50,1\n"
                              "2026-01-01,Generic,search,500,5,20,1\n")
    assert kpikit.load(path).attrs["dropped_total_rows"] == 0
    out, _ = both(path)
    assert out.attrs["engine"] == "pandas"  # only the loader judges total-like names
    assert totals(out, "Total - Brand")["impressions"] == 1000
    assert out["impressions"].sum() == 1500


def test_duplicated_rows_are_refused(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,50,1\n"
                              "2026-01-01,A,search,1000,10,50,1\n")
    err, _ = both(path)
    assert isinstance(err, DataError)
    assert "rows 2, 3: row 3 repeats row 2 (2026-01-01, 'A', 'search')" in str(err)


def test_negative_spend_is_refused(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,-5,1\n")
    err, _ = both(path)
    assert isinstance(err, DataError)
    assert "row 2, column 'spend': negative value -5; spend cannot be negative." in str(err)


def test_one_point_zero_zero_zero_is_not_read_as_one(tmp_path):
    # 1.000 could be a thousand or one: nothing in the file decides, so it is an error,
    # never the CTR of 10 clicks on 1 impression
    path = csv_file(tmp_path, "2026-01-01,A,search,1.000,10,50,1\n")
    err, _ = both(path)
    assert isinstance(err, DataError)
    assert "'1.000'" in str(err) and "impressions" in str(err)


def test_double_dash_is_a_missing_value(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,50,1\n"
                              "2026-01-02,A,search,3000,--,70,1\n")
    out, said = both(path, kpis=("cpc",))
    a = totals(out, "A")
    assert a["clicks"] == 10 and a["spend"] == 120
    assert a["cpc"] == pytest.approx(120 / 10)
    assert any("cpc" in w and "clicks" in w for w in said)  # spend and clicks on other rows


def test_dollar_signs_give_the_currency(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,$100,1\n"
                              "2026-01-02,A,search,1000,10,$50.5,1\n")
    out, _ = both(path)
    assert out.attrs["currency"] == "USD"
    assert totals(out, "A")["spend"] == 150.5


def test_comma_thousands_beside_a_decimal_point(tmp_path):
    path = csv_file(tmp_path, '2026-01-01,A,search,"1,234",10,12.5,1\n'
                              '2026-01-02,A,search,"2,000",10,7.5,1\n')
    out, _ = both(path)
    a = totals(out, "A")
    assert (a["impressions"], a["spend"]) == (3234, 20)


def test_vietnamese_numbers_and_semicolons(tmp_path):
    path = csv_file(tmp_path, "2026-01-01;Tết;search;1.234.567;1.234;1.234,5;2\n"
                              "2026-01-02;Tết;search;1.000;10;0,5;0\n",
                    head=HEAD.replace(",", ";"))
    out, _ = both(path)
    t = totals(out, "Tết")
    assert (t["impressions"], t["clicks"], t["spend"]) == (1235567, 1244, 1235)
    assert t["cpa"] == pytest.approx(1235 / 2)


def test_a_date_in_1899_is_refused(tmp_path):
    path = csv_file(tmp_path, "1899-12-30,A,search,1000,10,50,1\n"
                              "2026-01-01,A,search,1000,10,50,1\n")
    result, _ = both(path, by=("campaign", "year"))
    assert isinstance(result, DataError)
    assert "row 2, column 'date'" in str(result) and "'1899-12-30'" in str(result)


def test_decomposed_vietnamese_names_are_one_campaign(tmp_path):
    nfc = "Khuyến mãi"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    path = csv_file(tmp_path, f"2026-01-01,{nfc},search,1000,10,50,1\n"
                              f"2026-01-02,{nfd},search,3000,30,50,1\n")
    out, _ = both(path)
    assert list(out["campaign"]) == [nfc]
    assert totals(out, nfc)["clicks"] == 40


def test_a_quote_after_a_space_is_read_as_python_reads_it(tmp_path):
    # DuckDB's CSV reader would unquote ' "Sale"' to 'Sale'; the loader keeps the quotes
    path = csv_file(tmp_path, '2026-01-01, "Sale",search,1000,10,50,1\n')
    out, _ = both(path)
    assert list(out["campaign"]) == ['"Sale"']


def test_clicks_above_impressions_warn_alike(tmp_path):
    path = csv_file(tmp_path, "2026-01-01,A,search,10,20,50,1\n")
    out, said = both(path)
    assert out.attrs["engine"] == "pandas"
    assert any("clicks exceed impressions on 1 row(s)" in w for w in said)


def test_nan_in_parquet_is_a_missing_value(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    # a real NaN (pandas.to_parquet would store a null): DuckDB sums it to NaN
    table = pa.table({"date": pa.array(pd.to_datetime(["2026-01-01", "2026-01-02"])),
                      "campaign": ["A", "A"], "channel": ["search", "search"],
                      "impressions": [1000.0, 3000.0],
                      "clicks": pa.array([10.0, float("nan")], from_pandas=False),
                      "spend": [50.0, 70.0], "conversions": [1.0, 1.0]})
    pq.write_table(table, tmp_path / "t.parquet")
    out, _ = both(tmp_path / "t.parquet", kpis=("cpa", "cpc"))
    assert out.attrs["engine"] == "pandas"
    a = totals(out, "A")
    assert a["clicks"] == 10 and a["spend"] == 120 and a["cpa"] == 60


def test_infinite_spend_in_parquet_is_refused(tmp_path):
    df = pd.DataFrame({"date": pd.to_datetime(["2026-01-01"]), "campaign": ["A"],
                       "channel": ["search"], "impressions": [1000.0], "clicks": [10.0],
                       "spend": [float("inf")], "conversions": [1.0]})
    df.to_parquet(tmp_path / "t.parquet", index=False)
    result, _ = both(tmp_path / "t.parquet")
    assert isinstance(result, DataError) and "spend" in str(result)


def test_a_pandas_index_named_date_is_not_a_date_column(tmp_path):
    df = pd.DataFrame({"date": pd.to_datetime(["2026-01-01"]), "campaign": ["A"],
                       "channel": ["search"], "clicks": [10.0], "impressions": [100.0]})
    df.set_index("date").to_parquet(tmp_path / "t.parquet")
    err, _ = both(tmp_path / "t.parquet", kpis=("ctr",))
    assert isinstance(err, DataError) and "no date column" in str(err)


def test_a_folder_with_one_bad_file_names_it(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    csv_file(folder, "2026-01-01,A,search,1000,10,50,1\n", "jan.csv")
    csv_file(folder, "2026-02-01,A,search,1000,10,50,1\n", "feb.csv")
    csv_file(folder, "2026-03-01,A,search,1000,10,-50,1\n", "mar.csv")
    err, _ = both(folder)
    assert isinstance(err, DataError)
    assert "mar.csv" in str(err) and "negative value -50" in str(err)
    (folder / "mar.csv").unlink()
    out, _ = both(folder)
    assert out.attrs["engine"] == "duckdb"
    assert totals(out, "A")["impressions"] == 2000


def test_a_folder_whose_files_overlap_is_refused(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    csv_file(folder, "2026-01-01,A,search,1000,10,50,1\n", "a.csv")
    csv_file(folder, "2026-01-01,A,search,1000,10,50,1\n", "b.csv")
    err, _ = both(folder)
    assert isinstance(err, DataError)
    assert "(2026-01-01, 'A', 'search') is in more than one file: a.csv, b.csv" in str(err)


def test_a_header_without_rows_and_a_broken_parquet(tmp_path):
    err, _ = both(csv_file(tmp_path, ""))
    assert isinstance(err, DataError) and "no data rows" in str(err)
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    err, _ = both(tmp_path / "broken.parquet")
    assert isinstance(err, KpikitError) and "broken.parquet" in str(err)


def test_one_point_zero_zero_zero_beside_a_decimal_is_one(tmp_path):
    # the same column has 2.5, so the dot is a decimal point for the loader too
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,1.000,1\n"
                              "2026-01-02,A,search,1000,10,2.5,1\n")
    out, _ = both(path)
    assert out.attrs["engine"] == "duckdb"
    assert totals(out, "A")["spend"] == 3.5
    # the evidence only in another column: the loader decides, with the same result
    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,1.000,1\n"
                              "2026-01-02,A,search,1000,10.5,2,1\n", "other.csv")
    out, _ = both(path)
    assert out.attrs["engine"] == "pandas"
    assert totals(out, "A")["spend"] == 3 and totals(out, "A")["clicks"] == 20.5


def test_duckdb_failures_become_kpikit_errors(tmp_path):
    import duckdb

    from kpikit.metrics import duckdb_engine as _duck

    path = csv_file(tmp_path, "2026-01-01,A,search,1000,10,50,1\n")
    with pytest.raises(KpikitError, match="memory_limit='lots'"):
        _duck.compute_proven(path, "ctr", memory_limit="lots")

    def broken():
        raise duckdb.IOException("IO Error: file vanished")

    with pytest.raises(DataError, match=r"t\.csv: DuckDB could not read it \(IOException"):
        _duck._guard(broken, duckdb, "t.csv")


@pytest.mark.parametrize("name", ["TỔNG CỘNG", "Tổng cộng: chiến dịch", "Grand\u00a0Total",
                                  "total", "Subtotal", "Results from 3 campaigns",
                                  "Kết quả từ 2 chiến dịch", " Brand", "Brand\u200b\u00a0",
                                  "--", "Sale\u2028Tết", "N/A"])
def test_names_the_loader_may_treat_specially_are_left_to_it(tmp_path, name):
    import duckdb

    from kpikit.metrics import duckdb_proof

    path = tmp_path / "t.parquet"
    pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-01-01"]),
                  "campaign": [name, "Brand"], "channel": ["search", "video"],
                  "clicks": [1.0, 2.0]}).to_parquet(path, index=False)
    con = duckdb.connect()
    assert duckdb_proof.prove(con, duckdb_proof.layout(con, path)) is None
    both(path, kpis=("clicks",))


@pytest.mark.parametrize("day", ["1989-12-31", "9999-12-31", "0001-01-01"])
def test_dates_far_out_are_left_to_the_loader(tmp_path, day):
    import duckdb

    from kpikit.metrics import duckdb_proof

    path = csv_file(tmp_path, f"{day},A,search,1000,10,50,1\n")
    con = duckdb.connect()
    assert duckdb_proof.prove(con, duckdb_proof.layout(con, path)) is None
    if day.startswith("1989"):  # legal but doubtful: a warning, and never the fast path
        with pytest.warns(KpikitWarning, match="before 1990"):
            kpikit.load(path)
    else:
        with pytest.raises(KpikitError):
            kpikit.load(path)
    result, _ = both(path)
    assert not isinstance(result, pd.DataFrame) or result.attrs["engine"] == "pandas"


@pytest.mark.parametrize("delim", ["|", "\t", ";"])
def test_other_delimiters_take_the_fast_path_when_clean(tmp_path, delim):
    body = "2026-01-01,A,search,1000,10,50.25,1\n2026-01-02,A,search,3000,30,49.75,1\n"
    path = csv_file(tmp_path, body.replace(",", delim), head=HEAD.replace(",", delim))
    out, said = both(path)
    assert out.attrs["engine"] == "duckdb" and said == []
    assert totals(out, "A")["spend"] == 100


@pytest.mark.parametrize("cell", ["1_000", " 5", "5 ", "+5", "5e3", ".5", "5.", "1 000",
                                  "0x10", "inf", "12%", "(5)"])
def test_cells_duckdb_would_cast_but_the_loader_reads_its_own_way(tmp_path, cell):
    for delim in ("|", ","):
        path = csv_file(tmp_path, f"2026-01-01{delim}A{delim}search{delim}1000{delim}"
                                  f"{cell}{delim}50{delim}1\n", f"t{ord(delim)}.csv",
                        head=HEAD.replace(",", delim))
        result, _ = both(path)
        assert not isinstance(result, pd.DataFrame) or result.attrs["engine"] == "pandas"


def test_duplicates_in_parquet_and_across_a_mixed_folder(tmp_path):
    rows = pd.DataFrame({"date": pd.to_datetime(["2026-01-31", "2026-01-31", "2026-01-30"]),
                         "campaign": ["A", "A", "A"], "channel": ["search"] * 3,
                         "clicks": [1.0, 2.0, 3.0], "impressions": [10.0, 20.0, 30.0]})
    rows.to_parquet(tmp_path / "dup.parquet", index=False)
    err, _ = both(tmp_path / "dup.parquet", kpis=("ctr",))
    assert isinstance(err, DataError) and "(2026-01-31, 'A', 'search')" in str(err)
    folder = tmp_path / "mixed"
    folder.mkdir()
    rows.iloc[[0, 2]].to_parquet(folder / "a.parquet", index=False)
    csv_file(folder, "2026-01-31,A,search,5,50\n", "b.csv",
             head="date,campaign,channel,clicks,impressions\n")
    err, _ = both(folder, kpis=("ctr",))
    assert isinstance(err, DataError)
    assert "(2026-01-31, 'A', 'search') is in more than one file: a.parquet, b.csv" in str(err)
    (folder / "b.csv").write_text("date,campaign,channel,clicks,impressions\n"
                                  "2026-01-29,A,search,5,50\n", encoding="utf-8")
    out, _ = both(folder, kpis=("ctr",))
    assert out.attrs["engine"] == "duckdb"
    assert totals(out, "A")["clicks"] == 9 and totals(out, "A")["ctr"] == pytest.approx(0.1)
