"""Number and date cells in every convention the exports use."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpikit.data_in.cells import decide_decimal, parse_dates, parse_numbers, scan_numbers


def parse(cells, decimal=None):
    scan = scan_numbers(cells)
    dec, why = (decimal, None) if decimal else decide_decimal(scan, None)
    vals, problems = parse_numbers(pd.Series(cells, dtype=object), column="c",
                                   rows=list(range(len(cells))), file="f", decimal=dec)
    return vals.tolist(), problems, why


@pytest.mark.parametrize("cells, expected", [
    (["1,234.5", "12"], [1234.5, 12.0]),
    (["1.234.567,5", "3"], [1234567.5, 3.0]),
    (["₫1,234,567", "₫1,000"], [1234567.0, 1000.0]),
    (["1.234.567 ₫", "500 đ"], [1234567.0, 500.0]),
    (["1.234.567 VND", "2.000 VNĐ"], [1234567.0, 2000.0]),
    (["$1,234.50", "$0.99"], [1234.5, 0.99]),
    (["3.45%", "10%"], [0.0345, 0.10]),
    (["3,45%", "1.000,5"], [0.0345, 1000.5]),
    (["(1,200.00)", "-5.5"], [-1200.0, -5.5]),
    (["1 234 567", "1\u00a0000"], [1234567.0, 1000.0]),
    (["--", "", "n/a", "7"], [math.nan, math.nan, math.nan, 7.0]),
    (["0.123", "1.5"], [0.123, 1.5]),
])
def test_numbers(cells, expected):
    vals, problems, why = parse(cells)
    assert not problems and why is None
    assert vals == pytest.approx(expected, nan_ok=True)


def test_bare_thousands_decided_by_rest_of_column():
    assert parse(["1.234", "12.345.678"])[0] == [1234.0, 12345678.0]
    assert parse(["1.234", "0,5"])[0] == [1234.0, 0.5]
    assert parse(["1.234", "12.5"])[0] == [1.234, 12.5]
    assert parse(["1,234", "1,5"])[0] == [1.234, 1.5]


def test_bare_thousands_undecidable_is_reported():
    vals, problems, why = parse(["1.234", "5.678"])
    assert "cannot tell whether '1.234'" in why
    assert len(problems) == 2 and "cannot read '1.234'" in problems[0].message


def test_explicit_decimal_overrides():
    assert parse(["1.234"], decimal=",")[0] == [1234.0]
    assert parse(["1.234"], decimal=".")[0] == [1.234]


def test_conflicting_conventions():
    _, _, why = parse(["1,234.5", "1.234,5"])
    assert "mixes number formats" in why


@pytest.mark.parametrize("bad", ["12abc", "1,23,4", "1.2.3,4,5", "abc"])
def test_unreadable_numbers(bad):
    _, problems, _ = parse([bad, "1"])
    assert problems and problems[0].row == 0 and problems[0].column == "c"


def dates(cells, dayfirst=None):
    vals, problems, warnings = parse_dates(pd.Series(cells, dtype=object), column="d",
                                           rows=list(range(len(cells))), file="f",
                                           dayfirst=dayfirst)
    return [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in vals], problems, warnings


def test_date_forms():
    got, problems, warnings = dates(["2026-01-05", "20260106", "46023", 46024,
                                     "2026-01-07 00:00:00", "Jan 8, 2026"])
    assert got == ["2026-01-05", "2026-01-06", "2026-01-01", "2026-01-02", "2026-01-07",
                   "2026-01-08"]
    assert not problems and not warnings


def test_slashed_dates_decided_by_column():
    assert dates(["03/04/2026", "25/04/2026"])[0] == ["2026-04-03", "2026-04-25"]
    assert dates(["03/04/2026", "04/25/2026"])[0] == ["2026-03-04", "2026-04-25"]
    got, _, warnings = dates(["03/04/2026"])
    assert got == ["2026-04-03"] and "dd/mm/yyyy" in warnings[0]
    assert dates(["03/04/2026"], dayfirst=False)[0] == ["2026-03-04"]


def test_bad_dates():
    _, problems, _ = dates(["2026-02-30", "tomorrow", ""])
    assert [p.row for p in problems] == [0, 1, 2]
    assert "empty" in problems[2].message


def parse_measure(cells, decimal="."):
    return parse_numbers(pd.Series(cells, dtype=object), column="c",
                         rows=list(range(len(cells))), file="f", decimal=decimal,
                         allow_percent=False)


def test_percent_is_refused_in_a_measure():
    vals, problems = parse_measure(["12%", "5"])
    assert [p.row for p in problems] == [0] and "percentage" in problems[0].message
    assert vals.tolist()[1] == 5.0


@pytest.mark.parametrize("cell", ["9" * 16, "1" * 400, "1,000,000,000,000,000"])
def test_too_many_digits_is_refused(cell):
    _, problems = parse_measure([cell])
    assert len(problems) == 1 and "15 digits" in problems[0].message


def test_numeric_infinity_is_refused():
    vals, problems = parse_numbers(pd.Series([1.0, math.inf]), column="c", rows=[5, 6],
                                   file="f", decimal=None)
    assert [p.row for p in problems] == [6]
    assert math.isnan(vals.tolist()[1])


def test_dot_and_comma_thousands_in_one_column_are_reported():
    _, _, why = parse(["1.234", "1,234"])
    assert "mixes number formats" in why and "'1.234'" in why and "'1,234'" in why


def test_out_of_range_and_suspicious_dates():
    got, problems, _ = dates(["0001-01-01", "0000-01-01", "99999-01-01", "2026-01-01"])
    assert got[3] == "2026-01-01" and [p.row for p in problems] == [0, 1, 2]
    assert "out of range" in problems[0].message
    _, problems, warnings = dates(["1985-01-01", "2026-01-01"])
    assert not problems and "before 1990" in warnings[0]


@pytest.mark.parametrize("cell, kind, first, last", [
    ("2027-01-04", "week", "2027-01-04", "2027-01-10"),
    ("Jan 4, 2027", "week", "2027-01-04", "2027-01-10"),
    ("January 2027", "month", "2027-01-01", "2027-01-31"),
    ("2027-02", "month", "2027-02-01", "2027-02-28"),
    ("Tháng 2 năm 2028", "month", "2028-02-01", "2028-02-29"),
    ("2027-12-01", "month", "2027-12-01", "2027-12-31"),
    ("Q1 2027", "quarter", "2027-01-01", "2027-03-31"),
    ("Quý 4/2027", "quarter", "2027-10-01", "2027-12-31"),
    ("2027-04-01", "quarter", "2027-04-01", "2027-06-30"),
])
def test_period_bounds(cell, kind, first, last):
    from kpikit.data_in.cells import period_bounds

    a, b = period_bounds(cell, kind)
    assert (a.isoformat(), b.isoformat()) == (first, last)


@pytest.mark.parametrize("cell, kind", [("Q5 2027", "quarter"), ("Smarch 2027", "month"),
                                        ("13/2027", "month"), ("week 1", "week")])
def test_period_bounds_refuses(cell, kind):
    from kpikit.data_in.cells import period_bounds

    assert period_bounds(cell, kind) is None


# ---------------------------------------------------------------- the rooms of the cell parsers


def test_shorten_cuts_a_long_cell_to_forty_characters():
    from kpikit.data_in.text_cells import shorten

    assert shorten("abc") == "abc"
    assert shorten(12345) == "12345"
    assert shorten("x" * 40) == "x" * 40  # at the limit: kept whole
    assert shorten("y" * 41) == "y" * 37 + "..."
    assert len(shorten("z" * 1000)) == 40


def test_a_long_impossible_cell_is_quoted_cut():
    digits = "1" * 50  # a count of 50 digits: not a usable number
    _, problems, _ = parse([digits, "1"])
    assert len(problems) == 1
    assert repr("1" * 37 + "...") in problems[0].message
    junk = "abc" * 20  # 60 characters, not a date
    _, problems, _ = parse_dates(pd.Series([junk, "2027-01-02"]), column="d", rows=[2, 3],
                                 file="f", dayfirst=True)
    assert [p.row for p in problems] == [2]
    assert repr(junk[:37] + "...") in problems[0].message and junk not in problems[0].message


def test_cells_gathers_the_parsers_of_each_kind_of_cell():
    from kpikit.data_in import cells, date_cells, number_cells, text_cells

    rooms = (number_cells, date_cells, text_cells)
    for name in cells.__all__:
        homes = [room for room in rooms if name in room.__all__]
        assert len(homes) == 1, name
        assert getattr(cells, name) is getattr(homes[0], name)
    assert "-" in cells.EMPTY and "(not set)" in cells.EMPTY


def test_a_warnings_day_is_written_as_the_readers_language_writes_days(tmp_path, monkeypatch):
    # a French catalog with no messages: the words stay English, the day follows fr_FR
    import kpikit
    from kpikit.i18n import messages

    (tmp_path / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr_FR\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n',
        encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    said = {}
    for lang in ("en", "vi", "fr"):
        with kpikit.using_language(lang):
            _, _, warns = parse_dates(pd.Series(["1985-03-31", "2027-01-02"]), column="date",
                                      rows=[2, 3], file="f.csv", dayfirst=None)
        said[lang] = str(warns[0])
    assert "(first: 1985-03-31 on row 2)" in said["en"]
    assert "(đầu tiên: 31/03/1985 ở dòng 2)" in said["vi"]
    assert "(first: 31 mars 1985 on row 2)" in said["fr"]
