"""The exception tree of kpikit.

Every error a user can cause is a :class:`KpikitError`. Its message says what
was wrong, where (file, row, column or parameter) and how to fix it; its
:class:`ProblemCode` (``error.code``, ``problem.code``, ``error.codes``) says which
kind of problem it is, the same in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kpikit.i18n.current import ntr, tr

__all__ = [
    "CODE_DOCS",
    "DataError",
    "KpikitError",
    "KpikitWarning",
    "MissingColumnsError",
    "NonAdditiveError",
    "Note",
    "ParameterError",
    "Problem",
    "ProblemCode",
    "UnknownKPIError",
]


class ProblemCode(StrEnum):
    """Stable, language-independent codes, one per kind of problem (and of warning).

    A message is translated; its code never is, so scripts and ``kpikit validate
    --format json`` can act on ``problem.code`` in any language. Codes are only ever
    added, never renamed or reused. :data:`CODE_DOCS` says what each one means.
    Being a ``str``, a code compares equal to its text: ``code == "row.duplicate"``.
    """

    FILE_NOT_FOUND = "file.not_found"
    FILE_UNREADABLE = "file.unreadable"
    FILE_IS_FOLDER = "file.is_folder"
    FILE_NOT_REGULAR = "file.not_regular"
    FILE_TOO_LARGE = "file.too_large"
    FILE_EMPTY = "file.empty"
    FILE_ENCODING = "file.encoding"
    FILE_UNSUPPORTED_TYPE = "file.unsupported_type"
    FILE_NO_DATA_FILES = "file.no_data_files"
    CSV_UNCLOSED_QUOTE = "csv.unclosed_quote"
    CSV_CELL_TOO_LONG = "csv.cell_too_long"
    CSV_EXTRA_CELLS = "csv.extra_cells"
    CSV_MALFORMED = "csv.malformed"
    XLSX_UNREADABLE = "xlsx.unreadable"
    XLSX_ZIP_BOMB = "xlsx.zip_bomb"
    XLSX_FORMULA_WITHOUT_VALUE = "xlsx.formula_without_value"
    PARQUET_UNREADABLE = "parquet.unreadable"
    HEADER_NOT_FOUND = "header.not_found"
    MAPPING_UNKNOWN_TARGET = "mapping.unknown_target"
    MAPPING_SOURCE_MISSING = "mapping.source_missing"
    COLUMN_MISSING = "column.missing"
    COLUMN_DATE_MISSING = "column.date_missing"
    COLUMN_NO_MEASURES = "column.no_measures"
    DATA_NO_ROWS = "data.no_rows"
    DATA_CANNOT_MEASURE = "data.cannot_measure"
    DATA_INSUFFICIENT = "data.insufficient"
    NUMBER_UNREADABLE = "number.unreadable"
    NUMBER_AMBIGUOUS_SEPARATOR = "number.ambiguous_separator"
    NUMBER_PERCENT_IN_MEASURE = "number.percent_in_measure"
    NUMBER_NOT_FINITE = "number.not_finite"
    DATE_UNREADABLE = "date.unreadable"
    DATE_EMPTY = "date.empty"
    DATE_OUT_OF_RANGE = "date.out_of_range"
    DATE_RANGE_REVERSED = "date.range_reversed"
    ROW_DUPLICATE = "row.duplicate"
    ROW_CROSSES_PERIOD = "row.crosses_period"
    VALUE_NEGATIVE = "value.negative"
    VALUE_ZERO_BASE = "value.zero_base"
    CAMPAIGN_EMPTY = "campaign.empty"
    CURRENCY_MIXED = "currency.mixed"
    CURRENCY_CONFLICT = "currency.conflict"
    CURRENCY_UNKNOWN = "currency.unknown"
    MEASURE_NON_ADDITIVE = "measure.non_additive"
    KPI_UNKNOWN = "kpi.unknown"
    KPI_UNSUPPORTED = "kpi.unsupported"
    MEASURE_UNKNOWN = "measure.unknown"
    OBJECTIVE_UNKNOWN = "objective.unknown"
    PERIOD_INVALID = "period.invalid"
    PERIOD_NOT_NESTED = "period.not_nested"
    PERIOD_OUTSIDE_PLAN = "period.outside_plan"
    PERIOD_AS_OF_BEFORE_START = "period.as_of_before_start"
    PARAMETER_CHOICE = "parameter.choice"
    PARAMETER_INVALID = "parameter.invalid"
    PARAMETER_MISSING = "parameter.missing"
    PARAMETER_CONFLICT = "parameter.conflict"
    PARAMETER_UNKNOWN_NAME = "parameter.unknown_name"
    PARAMETER_UNKNOWN_COLUMN = "parameter.unknown_column"
    DEPENDENCY_MISSING = "dependency.missing"
    ENGINE_OUT_OF_MEMORY = "engine.out_of_memory"
    ENGINE_READ_FAILED = "engine.read_failed"
    YAML_SYNTAX = "yaml.syntax"
    CATALOG_SYNTAX = "catalog.syntax"
    YAML_CONTROL_CHARACTER = "yaml.control_character"
    YAML_BAD_VALUE = "yaml.bad_value"
    YAML_TOO_DEEP = "yaml.too_deep"
    YAML_ALIAS_BOMB = "yaml.alias_bomb"
    YAML_ALIAS_LOOP = "yaml.alias_loop"
    YAML_DUPLICATE_KEY = "yaml.duplicate_key"
    JSON_SYNTAX = "json.syntax"
    JSON_TOO_DEEP = "json.too_deep"
    JSON_DUPLICATE_KEY = "json.duplicate_key"
    OPTION_NOT_MAPPING = "option.not_mapping"
    OPTION_BAD_PAIR = "option.bad_pair"
    OPTION_MIN_ABOVE_MAX = "option.min_above_max"
    PLAN_EMPTY = "plan.empty"
    PLAN_WRONG_TYPE = "plan.wrong_type"
    PLAN_UNKNOWN_KEY = "plan.unknown_key"
    PLAN_REQUIRED = "plan.required"
    PLAN_DATE = "plan.date"
    PLAN_UNKNOWN_VALUE = "plan.unknown_value"
    PLAN_NUMBER_FORMAT_MIXED = "plan.number_format_mixed"
    PLAN_DUPLICATE_KPI = "plan.duplicate_kpi"
    PLAN_TARGET_NOT_NUMBER = "plan.target.not_number"
    PLAN_TARGET_AMBIGUOUS = "plan.target.ambiguous"
    PLAN_TARGET_NUMBER_FORMAT = "plan.target.number_format"
    PLAN_TARGET_TOO_LARGE = "plan.target.too_large"
    PLAN_TARGET_SIGN_WITHOUT_PERCENT = "plan.target.sign_without_percent"
    PLAN_TARGET_CURRENCY = "plan.target.currency"
    PLAN_TARGET_BASELINE_SPAN = "plan.target.baseline_span"
    PLAN_TARGET_SHARE_ABOVE_ONE = "plan.target.share_above_one"
    PLAN_TARGET_NEGATIVE = "plan.target.negative"
    PLAN_TARGET_CHANGE_TO_ZERO = "plan.target.change_to_zero"
    PLAN_GOAL_UNKNOWN = "plan.goal.unknown"
    PLAN_SCHEDULE_INVALID = "plan.schedule.invalid"
    PLAN_SCHEDULE_OVERLAP = "plan.schedule.overlap"
    PLAN_SCHEDULE_OUTSIDE_PERIOD = "plan.schedule.outside_period"
    PLAN_SCHEDULE_SUM_MISMATCH = "plan.schedule.sum_mismatch"
    PLAN_ALERTS_INVALID = "plan.alerts.invalid"
    SPEC_INVALID = "spec.invalid"
    BATCH_BUSY = "batch.busy"
    SPEC_DUPLICATE_FOLDER = "spec.duplicate_folder"
    NOTEBOOK_UNKNOWN = "notebook.unknown"
    NOTEBOOK_NO_PARAMETERS_CELL = "notebook.no_parameters_cell"
    CURVE_TOO_FEW_POINTS = "curve.too_few_points"
    CURVE_NO_SPEND = "curve.no_spend"
    CURVE_FLAT_SPEND = "curve.flat_spend"
    CURVE_UNIDENTIFIED = "curve.unidentified"
    ALLOCATION_INVALID_BOUNDS = "allocation.invalid_bounds"
    ALLOCATION_BUDGET_NOT_POSITIVE = "allocation.budget_not_positive"
    ALLOCATION_MINIMUMS_ABOVE_BUDGET = "allocation.minimums_above_budget"
    ALLOCATION_MAXIMUMS_BELOW_BUDGET = "allocation.maximums_below_budget"
    ALLOCATION_TARGET_UNREACHABLE = "allocation.target_unreachable"
    ALLOCATION_INFEASIBLE = "allocation.infeasible"
    # kinds of warning (KpikitWarning.code, Note.code)
    XLSX_SHEETS_SKIPPED = "xlsx.sheets_skipped"
    COLUMN_DUPLICATE = "column.duplicate"
    CAMPAIGN_DEFAULTED = "campaign.defaulted"
    MEASURE_MIXED_RESULT_TYPES = "measure.mixed_result_types"
    VALUE_CLICKS_ABOVE_IMPRESSIONS = "value.clicks_above_impressions"
    DATE_ORDER_GUESSED = "date.order_guessed"
    DATE_SUSPICIOUS = "date.suspicious"
    KPI_PARTIAL_COVERAGE = "kpi.partial_coverage"


#: what each :class:`ProblemCode` means (README and ``kpikit validate --help`` list them)
CODE_DOCS: dict[ProblemCode, str] = {
    ProblemCode.FILE_NOT_FOUND: "The file or folder given does not exist.",
    ProblemCode.FILE_UNREADABLE:
        "The file exists but cannot be opened (permissions, a broken link).",
    ProblemCode.FILE_IS_FOLDER: "A folder was given where one file is needed.",
    ProblemCode.FILE_NOT_REGULAR: "The path is a pipe, socket or device, which kpikit never reads.",
    ProblemCode.FILE_TOO_LARGE: "The file or text is larger than kpikit reads into memory.",
    ProblemCode.FILE_EMPTY: "The file holds nothing.",
    ProblemCode.FILE_ENCODING:
        "The bytes are not text in a supported "
        "encoding (UTF-8, or UTF-16/32 with a byte order mark).",
    ProblemCode.FILE_UNSUPPORTED_TYPE: "The file type (suffix) is not one kpikit reads or writes.",
    ProblemCode.FILE_NO_DATA_FILES: "The folder holds no data files to compute from.",
    ProblemCode.CSV_UNCLOSED_QUOTE:
        "A quote opened in a cell is never closed where the cell should end.",
    ProblemCode.CSV_CELL_TOO_LONG:
        "A cell is longer than any export writes (usually an unclosed quote).",
    ProblemCode.CSV_EXTRA_CELLS: "A row has more cells than the header, so its values would shift.",
    ProblemCode.CSV_MALFORMED: "The file is not valid delimited text.",
    ProblemCode.XLSX_UNREADABLE: "The workbook cannot be opened or read to the end.",
    ProblemCode.XLSX_ZIP_BOMB: "The workbook unpacks to far more than its size (a zip bomb).",
    ProblemCode.XLSX_FORMULA_WITHOUT_VALUE:
        "A formula cell has no stored value (the workbook was never recalculated).",
    ProblemCode.PARQUET_UNREADABLE: "The Parquet file cannot be read.",
    ProblemCode.HEADER_NOT_FOUND: "No header row with known column names was found.",
    ProblemCode.MAPPING_UNKNOWN_TARGET:
        "The mapping sends a header to a column kpikit does not know.",
    ProblemCode.MAPPING_SOURCE_MISSING: "The mapping names a header that the file does not have.",
    ProblemCode.COLUMN_MISSING: "A column needed by the requested KPIs is absent.",
    ProblemCode.COLUMN_DATE_MISSING: "The table has no date column.",
    ProblemCode.COLUMN_NO_MEASURES:
        "No measure column (impressions, clicks, spend, ...) was recognised.",
    ProblemCode.DATA_NO_ROWS: "There are no data rows (in the file, or up to the asked date).",
    ProblemCode.DATA_CANNOT_MEASURE:
        "The data lacks the measures that every candidate KPI or tree needs.",
    ProblemCode.DATA_INSUFFICIENT:
        "The data is too small for what was asked (too few groups or days).",
    ProblemCode.NUMBER_UNREADABLE: "A cell cannot be read as a number.",
    ProblemCode.NUMBER_AMBIGUOUS_SEPARATOR:
        "A column's numbers read differently with ',' or '.' as decimal mark.",
    ProblemCode.NUMBER_PERCENT_IN_MEASURE:
        "A measure column holds percentages (a rate, not a count or amount).",
    ProblemCode.NUMBER_NOT_FINITE: "A number is infinite or has more digits than any real value.",
    ProblemCode.DATE_UNREADABLE: "A cell cannot be read as a date, week, month or quarter.",
    ProblemCode.DATE_EMPTY: "A date cell is empty.",
    ProblemCode.DATE_OUT_OF_RANGE: "A date is outside the years any report covers.",
    ProblemCode.DATE_RANGE_REVERSED: "An end date comes before its start.",
    ProblemCode.ROW_DUPLICATE:
        "Two rows have the same key (the same day, campaign, channel and dimensions).",
    ProblemCode.ROW_CROSSES_PERIOD:
        "A row covering several days crosses the boundary of the asked period.",
    ProblemCode.VALUE_NEGATIVE: "A measure or target that cannot be negative is negative.",
    ProblemCode.VALUE_ZERO_BASE:
        "A total that the computation divides or splits is zero or missing.",
    ProblemCode.CAMPAIGN_EMPTY: "A campaign name is empty.",
    ProblemCode.CURRENCY_MIXED: "The input mixes currencies.",
    ProblemCode.CURRENCY_CONFLICT: "A currency in the data differs from the one stated or asked.",
    ProblemCode.CURRENCY_UNKNOWN: "A currency is not an ISO 4217 code.",
    ProblemCode.MEASURE_NON_ADDITIVE:
        "A non-additive measure (reach) would have to be summed across rows or days.",
    ProblemCode.KPI_UNKNOWN: "A KPI name that the catalog does not know.",
    ProblemCode.KPI_UNSUPPORTED:
        "The KPI exists but cannot be used for this (a snapshot KPI, not a simple ratio).",
    ProblemCode.MEASURE_UNKNOWN: "A measure name that the catalog does not know.",
    ProblemCode.OBJECTIVE_UNKNOWN: "A marketing objective that kpikit does not know.",
    ProblemCode.PERIOD_INVALID: "A period text that is not a month, quarter, year or range.",
    ProblemCode.PERIOD_NOT_NESTED: "The table's periods do not nest in the asked period.",
    ProblemCode.PERIOD_OUTSIDE_PLAN: "The asked period is not inside the plan's period.",
    ProblemCode.PERIOD_AS_OF_BEFORE_START: "The as-of date is before the period starts.",
    ProblemCode.PARAMETER_CHOICE: "A parameter value that is not one of its allowed choices.",
    ProblemCode.PARAMETER_INVALID: "A parameter value of the wrong form or sign.",
    ProblemCode.PARAMETER_MISSING: "A parameter that this call or mode needs was not given.",
    ProblemCode.PARAMETER_CONFLICT:
        "Parameters that do not go together, or one that does not apply to this input.",
    ProblemCode.PARAMETER_UNKNOWN_NAME:
        "A name (campaign, sheet, notebook parameter, driver, "
        "...) that is not among those available.",
    ProblemCode.PARAMETER_UNKNOWN_COLUMN: "A grouping column that the table does not have.",
    ProblemCode.DEPENDENCY_MISSING: "An optional package needed for this is not installed.",
    ProblemCode.ENGINE_OUT_OF_MEMORY: "DuckDB ran out of memory.",
    ProblemCode.ENGINE_READ_FAILED: "DuckDB could not read a file.",
    ProblemCode.YAML_SYNTAX: "The text is not valid YAML.",
    ProblemCode.CATALOG_SYNTAX: "A translation catalog (.po file) is not valid gettext syntax.",
    ProblemCode.YAML_CONTROL_CHARACTER:
        "The text holds a control character that YAML does not allow.",
    ProblemCode.YAML_BAD_VALUE: "A YAML value cannot be read (an impossible date, a huge integer).",
    ProblemCode.YAML_TOO_DEEP: "Lists and mappings nest too deeply.",
    ProblemCode.YAML_ALIAS_BOMB: "Aliases expand the file to too many values.",
    ProblemCode.YAML_ALIAS_LOOP: "An alias points into the block that contains it.",
    ProblemCode.YAML_DUPLICATE_KEY: "A key appears twice in one mapping.",
    ProblemCode.JSON_SYNTAX: "The text is not valid JSON.",
    ProblemCode.JSON_TOO_DEEP: "The JSON nests too deeply.",
    ProblemCode.JSON_DUPLICATE_KEY: "A key appears twice in one JSON object.",
    ProblemCode.OPTION_NOT_MAPPING: "An option file does not hold the mapping it must hold.",
    ProblemCode.OPTION_BAD_PAIR:
        "An entry of an option file is not the "
        "pair it must be (header: column, channel: [min, max]).",
    ProblemCode.OPTION_MIN_ABOVE_MAX: "A maximum is below its minimum.",
    ProblemCode.PLAN_EMPTY: "The plan is empty.",
    ProblemCode.PLAN_WRONG_TYPE:
        "A plan value has the wrong type (a mapping, a list, text, a number).",
    ProblemCode.PLAN_UNKNOWN_KEY: "A plan key that kpikit does not know.",
    ProblemCode.PLAN_REQUIRED: "A required plan key is missing.",
    ProblemCode.PLAN_DATE: "A plan date cannot be read.",
    ProblemCode.PLAN_UNKNOWN_VALUE:
        "A plan value (cadence, horizon, language, number format) that is not allowed.",
    ProblemCode.PLAN_NUMBER_FORMAT_MIXED:
        "The plan writes numbers both the English and the Vietnamese way.",
    ProblemCode.PLAN_DUPLICATE_KPI: "The same KPI appears twice with the same scope and period.",
    ProblemCode.PLAN_TARGET_NOT_NUMBER:
        "A target cannot be read as a number or a change like +15%.",
    ProblemCode.PLAN_TARGET_AMBIGUOUS:
        "A target such as 1.234 reads as a thousand or as a decimal depending on the convention.",
    ProblemCode.PLAN_TARGET_NUMBER_FORMAT:
        "A target is written in the other number convention than the plan's.",
    ProblemCode.PLAN_TARGET_TOO_LARGE: "A target is too large or too long to be real.",
    ProblemCode.PLAN_TARGET_SIGN_WITHOUT_PERCENT:
        "A signed target without % is neither a level nor a change.",
    ProblemCode.PLAN_TARGET_CURRENCY:
        "A target names its currency twice, or another currency than the plan's.",
    ProblemCode.PLAN_TARGET_BASELINE_SPAN:
        "A trailing baseline spans fewer than 1 or more than 1000 periods.",
    ProblemCode.PLAN_TARGET_SHARE_ABOVE_ONE:
        "A share KPI (a rate between 0 and 1) has a target above 100%.",
    ProblemCode.PLAN_TARGET_NEGATIVE: "A target is negative.",
    ProblemCode.PLAN_TARGET_CHANGE_TO_ZERO: "A relative change would take the KPI to 0 or below.",
    ProblemCode.PLAN_GOAL_UNKNOWN: "A KPI's goal type is not reach, stay above or stay below.",
    ProblemCode.PLAN_SCHEDULE_INVALID: "A target schedule is not a list of windows with "
                                       "absolute targets.",
    ProblemCode.PLAN_SCHEDULE_OVERLAP: "Two windows of a target schedule overlap.",
    ProblemCode.PLAN_SCHEDULE_OUTSIDE_PERIOD: "A schedule window lies outside the KPI's period.",
    ProblemCode.PLAN_SCHEDULE_SUM_MISMATCH: "A total's schedule does not add up to its target.",
    ProblemCode.PLAN_ALERTS_INVALID: "A plan's alert rules are not a list of rules.",
    ProblemCode.SPEC_INVALID: "A batch spec or its notebook parameters are not valid.",
    ProblemCode.BATCH_BUSY: "Another batch is running on the same output folder.",
    ProblemCode.SPEC_DUPLICATE_FOLDER: "A campaign is listed twice in a batch spec (after NFC).",
    ProblemCode.NOTEBOOK_UNKNOWN: "A notebook name that kpikit does not ship.",
    ProblemCode.NOTEBOOK_NO_PARAMETERS_CELL: "A notebook has no cell tagged 'parameters'.",
    ProblemCode.CURVE_TOO_FEW_POINTS:
        "A channel has too few periods of data to fit a response curve.",
    ProblemCode.CURVE_NO_SPEND: "A channel has no spend to fit a response curve on.",
    ProblemCode.CURVE_FLAT_SPEND:
        "A channel's spend hardly varies, so its curve cannot be identified.",
    ProblemCode.CURVE_UNIDENTIFIED: "No channel has data that identifies a response curve.",
    ProblemCode.ALLOCATION_INVALID_BOUNDS:
        "The bounds or locked channels of an allocation contradict each other.",
    ProblemCode.ALLOCATION_BUDGET_NOT_POSITIVE: "The budget to allocate is 0 or less.",
    ProblemCode.ALLOCATION_MINIMUMS_ABOVE_BUDGET:
        "The channel minimums add up to more than the budget.",
    ProblemCode.ALLOCATION_MAXIMUMS_BELOW_BUDGET:
        "The channel maximums add up to less than the budget.",
    ProblemCode.ALLOCATION_TARGET_UNREACHABLE:
        "No allocation within the bounds reaches the target.",
    ProblemCode.ALLOCATION_INFEASIBLE: "No allocation meets the constraints.",
    ProblemCode.XLSX_SHEETS_SKIPPED: "Warning: sheets holding a different table were not read.",
    ProblemCode.COLUMN_DUPLICATE:
        "Warning: two headers mean the same canonical column; the first one was used.",
    ProblemCode.CAMPAIGN_DEFAULTED:
        "Warning: the file has no campaign column; every row got campaign '(all)'.",
    ProblemCode.MEASURE_MIXED_RESULT_TYPES:
        "Warning: a 'Results' column counts different things on different rows.",
    ProblemCode.VALUE_CLICKS_ABOVE_IMPRESSIONS: "Warning: clicks exceed impressions on some rows.",
    ProblemCode.DATE_ORDER_GUESSED:
        "Warning: the day/month order of dates like 03/04/2026 was guessed.",
    ProblemCode.DATE_SUSPICIOUS:
        "Warning: dates long before reporting began or more than a year ahead.",
    ProblemCode.KPI_PARTIAL_COVERAGE:
        "Warning: a ratio's measures are missing on some rows of a group, so it divides "
        "sums over different rows.",
}


class KpikitError(Exception):
    """Base class of every error a user of kpikit can cause.

    Parameters
    ----------
    *args
        The message (written with ``tr(english, vietnamese)``).
    code
        The :class:`ProblemCode` of the one reason it is raised for; None only where the
        error carries problems (``DataError``, ``PlanError``), each with its own code.
    """

    code: ProblemCode | None

    def __init__(self, *args: object, code: ProblemCode | None = None):
        super().__init__(*args)
        self.code = code

    @property
    def codes(self) -> list[ProblemCode | None]:
        """The code of each problem carried (``DataError``, ``PlanError``), else ``[code]``."""
        problems = getattr(self, "problems", None)
        if problems is not None:
            return [p.code for p in problems]
        return [self.code]

    def __reduce__(self):  # keep the code across processes (batch, Dask)
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type, args: tuple, state: dict) -> KpikitError:
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class KpikitWarning(UserWarning):
    """Suspicious but legal input (clicks above impressions, guessed formats).

    ``code`` is the :class:`ProblemCode` of the kind of warning, where it has one.
    """

    def __init__(self, *args: object, code: ProblemCode | None = None):
        super().__init__(*args)
        self.code = code


class Note(str):
    """A warning's text that carries its :class:`ProblemCode`.

    Still a ``str``, so lists of warnings, joins and comparisons work as before;
    ``kpikit.load`` warns with its code and ``kpikit validate --format json`` shows it.
    """

    code: ProblemCode | None

    def __new__(cls, text: str, code: ProblemCode | None = None) -> Note:
        note = super().__new__(cls, text)
        note.code = code
        return note


class ParameterError(KpikitError, ValueError):
    """A function or command was called with a bad parameter."""


class UnknownKPIError(ParameterError, KeyError):
    """A KPI or measure name that the catalog does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input: where it is, what it is, how to fix it.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    fix
        What the user should do about it.
    file, row, column
        Where it is; ``row`` is the line number in the file (1-based, as a
        text editor or spreadsheet shows it) or the DataFrame row label.
    code
        The stable, language-independent :class:`ProblemCode` of its kind. Every
        Problem kpikit makes has one (a test walks the source to make sure).
    """

    message: str
    fix: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None
    code: ProblemCode | None = None

    def where(self) -> str:
        """Return the location as ``file, row N, column 'C'`` (``dòng``/``cột`` in vi)."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(tr("row {row}", row=self.row))
        if self.column is not None:
            parts.append(tr("column {column!r}", column=self.column))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += tr(" Fix: {fix}", fix=self.fix)
        return text


class DataError(KpikitError):
    """Input data that kpikit cannot read or must not compute on.

    Carries every problem found (validation is lazy: one error lists them all).

    Parameters
    ----------
    problems
        The problems found, in file order.
    source
        The file name or a short description of the input.
    """

    #: how many problems the message lists before summarising the rest
    max_listed = 25

    def __init__(self, problems: list[Problem] | Problem, source: str | None = None):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        codes = set(self.codes)
        super().__init__(self._message(), code=codes.pop() if len(codes) == 1 else None)

    def _message(self) -> str:
        n = len(self.problems)
        if n == 1 and not self.source:
            return str(self.problems[0])
        head = f"{self.source}: " if self.source else ""
        head += ntr("{n} problem found", "{n} problems found", n)
        lines = [head]
        for p in self.problems[: self.max_listed]:
            lines.append(f"  - {p}")
        if n > self.max_listed:
            more = n - self.max_listed
            lines.append(tr("  ... and {more} more of the same kinds", more=more))
        return "\n".join(lines)


class MissingColumnsError(DataError):
    """Columns needed by the requested KPIs are absent from the table."""


class NonAdditiveError(DataError):
    """A non-additive measure (reach) would have to be summed across rows."""
