"""The exception tree of kpikit.

Every error a user can cause is a :class:`KpikitError`. Its message says what
was wrong, where (file, row, column or parameter) and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._lang import language, tr

__all__ = [
    "DataError",
    "KpikitError",
    "KpikitWarning",
    "MissingColumnsError",
    "NonAdditiveError",
    "ParameterError",
    "Problem",
    "UnknownKPIError",
]


class KpikitError(Exception):
    """Base class of every error a user of kpikit can cause."""


class KpikitWarning(UserWarning):
    """Suspicious but legal input (clicks above impressions, guessed formats)."""


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
    """

    message: str
    fix: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def where(self) -> str:
        """Return the location as ``file, row N, column 'C'`` (``dòng``/``cột`` in vi)."""
        row, column = ("dòng", "cột") if language() == "vi" else ("row", "column")
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"{row} {self.row}")
        if self.column is not None:
            parts.append(f"{column} {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += tr(f" Fix: {self.fix}", f" Cách sửa: {self.fix}")
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
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        if n == 1 and not self.source:
            return str(self.problems[0])
        head = f"{self.source}: " if self.source else ""
        head += tr(f"{n} problem{'s' if n != 1 else ''} found", f"tìm thấy {n} lỗi")
        lines = [head]
        for p in self.problems[: self.max_listed]:
            lines.append(f"  - {p}")
        if n > self.max_listed:
            more = n - self.max_listed
            lines.append(tr(f"  ... and {more} more of the same kinds",
                            f"  ... và {more} lỗi cùng loại nữa"))
        return "\n".join(lines)


class MissingColumnsError(DataError):
    """Columns needed by the requested KPIs are absent from the table."""


class NonAdditiveError(DataError):
    """A non-additive measure (reach) would have to be summed across rows."""
