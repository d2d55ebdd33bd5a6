"""A corpus of malformed inputs: each gives a clear KpikitError, none a traceback."""

from __future__ import annotations

import pandas as pd
import pytest

import kpikit
from kpikit.errors import DataError, KpikitError, NonAdditiveError, ParameterError, Problem

# file -> fragments the message must contain (what, where, how to fix)
CORPUS = {
    "empty.csv": ["empty.csv", "the file is empty", "Fix:"],
    "no_header.csv": ["no header row with known column names", "mapping="],
    "not_utf8.csv": ["not UTF-8", "byte 0xe9", "CSV UTF-8"],
    "bad_number.csv": ["row 2", "column 'Clicks'", "cannot read '12abc' as a number", "Fix:"],
    "bad_date.csv": ["row 2", "column 'Day'", "'2026-13-45' as a date", "yyyy-mm-dd"],
    "negative_spend.csv": ["row 2", "column 'Cost'", "negative value -10", "Fix:"],
    "duplicate_rows.csv": ["rows 2, 4", "row 4 repeats row 2", "remove the duplicate"],
    "conflicting_rows.csv": ["rows 2, 3", "same date, campaign and channel", "ad group"],
    "mixed_currency.csv": ["mixes currencies", "USD", "VND", "separately"],
    "ambiguous_decimal.csv": ["column 'Cost'", "cannot tell whether '1.234'", "decimal="],
    "mixed_decimal.csv": ["column 'Cost'", "mixes number formats", "'1,234.5'", "'1.234,5'"],
    "no_date.csv": ["no date column", "'Day'", "'Ngày'", "mapping="],
    "no_measures.csv": ["no measure columns", "mapping="],
    "header_only.csv": ["header but no data rows"],
    "total_only.csv": ["header but no data rows"],
    "empty_campaign.csv": ["row 2", "column 'Campaign'", "campaign name is empty"],
    "empty_date.csv": ["row 2", "column 'Day'", "the date is empty"],
    "old_workbook.xls": [".xls workbooks are not supported", ".xlsx"],
    "report.json": ["unsupported file type '.json'", ".csv"],
    "broken.xlsx": ["cannot open the workbook", "save it again"],
    "meta_end_before_start.csv": ["row 2", "reporting end is before its start"],
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_file_gives_clear_error(fixtures, name):
    with pytest.raises(KpikitError) as info:
        kpikit.load(fixtures / "bad" / name)
    message = str(info.value)
    for fragment in CORPUS[name]:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    # the message is ours, not pandas' or the csv module's
    assert "Traceback" not in message
    assert name in message


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 15


def test_every_problem_of_a_file_is_reported_at_once(fixtures):
    with pytest.raises(DataError) as info:
        kpikit.load(fixtures / "bad" / "many_problems.csv")
    problems = info.value.problems
    assert [(p.row, p.column) for p in problems] == [(2, "Clicks"), (3, "Cost"), (4, "Day")]
    assert "3 problems found" in str(info.value)


def test_problem_text_names_place_and_fix():
    p = Problem("bad value.", "use a number.", "f.csv", 7, "Clicks")
    assert str(p) == "f.csv, row 7, column 'Clicks': bad value. Fix: use a number."


def test_mapping_to_unknown_column_lists_close_names(fixtures):
    with pytest.raises(DataError, match=r"unknown column 'clikcs'.*Did you mean 'clicks'"):
        kpikit.load(fixtures / "crm_export.csv", mapping={"Lượt nhấp": "clikcs"})


def test_mapping_names_a_column_the_file_lacks(fixtures):
    with pytest.raises(DataError, match="mapping names column 'Ngay'.*file does not have"):
        kpikit.load(fixtures / "crm_export.csv", mapping={"Ngay": "date"})


def test_currency_argument_contradicting_the_file(fixtures):
    with pytest.raises(DataError, match=r"the file is in USD .*currency='VND'"):
        kpikit.load(fixtures / "meta_en.csv", currency="VND")


def test_unknown_platform_and_missing_file(fixtures, tmp_path):
    with pytest.raises(ParameterError, match="Unknown platform 'facebook'.*meta"):
        kpikit.load(fixtures / "meta_en.csv", platform="facebook")
    with pytest.raises(ParameterError, match="no such file"):
        kpikit.load(tmp_path / "missing.csv")
    with pytest.raises(ParameterError, match="is a folder"):
        kpikit.load(tmp_path)


def test_reach_summed_across_days_is_refused():
    df = pd.DataFrame({
        "date": pd.to_datetime(["2026-01-01", "2026-01-02"]),
        "campaign": ["A", "A"], "channel": ["social", "social"],
        "impressions": [100.0, 100.0], "reach": [80.0, 70.0],
    })
    with pytest.raises(NonAdditiveError, match="'reach' is not additive.*campaign=A.*2 rows"):
        kpikit.compute(df, "frequency", by="campaign")
    # by day each row stands alone: allowed
    out = kpikit.compute(df, "frequency", by="campaign,day")
    assert out["frequency"].tolist() == pytest.approx([100 / 80, 100 / 70])


def test_missing_measure_for_kpi():
    df = pd.DataFrame({"date": pd.to_datetime(["2026-01-01"]), "campaign": ["A"],
                       "channel": ["x"], "clicks": [1.0]})
    with pytest.raises(kpikit.MissingColumnsError, match="'impressions' is missing.*ctr"):
        kpikit.compute(df, "ctr")


def test_bad_compute_parameters():
    df = kpikit.load_sample()
    with pytest.raises(ParameterError, match="freq='fortnight'"):
        kpikit.compute(df, "ctr", freq="fortnight")
    with pytest.raises(ParameterError, match="by='country': no such column.*'campaign'"):
        kpikit.compute(df, "ctr", by="country")
    with pytest.raises(ParameterError, match="give the period once"):
        kpikit.compute(df, "ctr", by="campaign,month", freq="W")
    with pytest.raises(kpikit.UnknownKPIError, match="Did you mean 'roas'"):
        kpikit.compute(df, "roa")
