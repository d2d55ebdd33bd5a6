"""Cell parsers for exports: numbers in either convention, dates in many forms.

Each kind of cell has its module: :mod:`~kpikit.data_in.number_cells`,
:mod:`~kpikit.data_in.date_cells` (days, weeks, months, quarters) and
:mod:`~kpikit.data_in.text_cells` (empty cells). This module gathers their parsers.
Both parsers work on one column at a time and return the parsed values together with
:class:`~kpikit.errors.Problem` objects for every cell they could not read, so that a
file's problems can be reported all at once.
"""

from __future__ import annotations

from kpikit.data_in.date_cells import (
    MAX_YEAR,
    MIN_YEAR,
    WARN_BEFORE_YEAR,
    parse_date,
    parse_dates,
    parse_periods,
    period_bounds,
)
from kpikit.data_in.number_cells import (
    MAX_DIGITS,
    NumberScan,
    decide_decimal,
    parse_numbers,
    parse_one,
    scan_numbers,
)
from kpikit.data_in.text_cells import EMPTY

__all__ = ["EMPTY", "MAX_DIGITS", "MAX_YEAR", "MIN_YEAR", "WARN_BEFORE_YEAR", "NumberScan",
           "decide_decimal", "parse_date", "parse_dates", "parse_numbers", "parse_one",
           "parse_periods", "period_bounds", "scan_numbers"]
