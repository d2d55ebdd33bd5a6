"""Reading the plain fields of a plan's YAML: mappings, texts, names, days, periods, numbers.

:class:`FieldReading` is the part of :class:`kpikit.plans.reading.PlanReader` that knows
YAML shapes but no KPI: each reader returns a value or a default, and adds a
:class:`~kpikit.errors.Problem` with the value's path and line when it cannot. Numbers and
rules are read as written (``150.000`` in the plan's convention, not YAML's float).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from kpikit.data_in.yaml_safe import clip
from kpikit.errors import Problem, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.plans.numbers import (
    MAX_TARGET_CHARS,
    TargetError,
    clean_text,
    is_ambiguous,
    read_number,
)

__all__ = ["FieldReading", "as_written", "choices"]


def as_written(raw: Any, loaded: Any) -> Any:
    """Rules with each unquoted number as its text in the file (``150.000``, not 150.0).

    YAML reads ``150.000`` as 150.0; the text lets the plan's number convention decide
    (and an ambiguous one be refused), never a silently wrong threshold. ``raw`` that is
    not a list, or without ``loaded`` (a :class:`kpikit.data_in.yaml_safe.Loaded`), is
    returned as it is.
    """
    if not isinstance(raw, list) or loaded is None:
        return raw
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            original, item = item, dict(item)
            for key in ("above", "below", "percent", "alpha"):
                v = item.get(key)
                spot = loaded.spot(original, key)
                if (isinstance(v, (int, float)) and not isinstance(v, bool)
                        and spot is not None and spot.text):
                    item[key] = spot.text
        out.append(item)
    return out


def choices(value: object, names: tuple[str, ...] | list[str]) -> str:
    """``choose from a, b, c`` with the closest names to ``value``, as a fix."""
    # a hostile key can be megabytes long: difflib on it would take minutes
    close = difflib.get_close_matches(str(value)[:60], list(names), n=2, cutoff=0.6)
    near = tr(" or ").join(map(repr, close))
    hint = tr(" (did you mean {near}?)", near=near) if close else ""
    listed = ", ".join(names)
    return tr("choose from {listed}{hint}.", listed=listed, hint=hint)


class FieldReading:
    """Readers of YAML fields that collect problems with their path and line.

    The reader holds ``source`` (the file's name), ``loaded`` (where each value was
    written), ``problems`` and ``number_format`` (the plan's way of writing numbers).
    """

    source: str | None
    loaded: Any
    problems: list[Problem]
    number_format: str | None

    def spot(self, at: tuple[Any, Any] | None) -> Any:
        if at is None or self.loaded is None:
            return None
        return self.loaded.spot(*at)

    def bad(self, path: str, message: str, fix: str = "",
            at: tuple[Any, Any] | None = None, *, code: ProblemCode | None = None) -> None:
        spot = self.spot(at)
        self.problems.append(Problem(f"{path}: {message}", fix, self.source,
                                     spot.line if spot else None, code=code))

    def mapping(self, data: Any, path: str, allowed: tuple[str, ...],
                at: tuple[Any, Any] | None = None) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            kind = type(data).__name__
            if data is None and not path:
                self.bad("plan", tr("the plan is empty."),
                         tr("start from 'kpikit plan suggest' or a shipped plan."),
                         code=ProblemCode.PLAN_EMPTY)
                return {}
            self.bad(path, tr("must be a mapping (key: value lines), not {kind}.", kind=kind),
                     at=at, code=ProblemCode.PLAN_WRONG_TYPE)
            return {}
        for key in data:
            if key not in allowed:
                name = str(key) if len(str(key)) <= 60 else str(key)[:59] + "…"
                self.bad(f"{path}.{name}" if path else name,
                         tr("unknown key."), choices(key, allowed),
                         at=(data, key), code=ProblemCode.PLAN_UNKNOWN_KEY)
        return data

    def text(self, data: Mapping[str, Any], key: str, path: str, required: bool = False,
             default: str = "") -> str:
        v = data.get(key)
        if v is None:
            if required:
                name = key.split(".")[-1]
                self.bad(path, tr("is required."),
                         tr("add '{name}: ...'.", name=name),
                         code=ProblemCode.PLAN_REQUIRED)
            return default
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            self.bad(path, tr("must be text."), at=(data, key),
                     code=ProblemCode.PLAN_WRONG_TYPE)
            return default
        # names and descriptions are kept as written (no normalisation): they are data
        return str(v).strip()

    def names(self, data: Any, path: str, at: tuple[Any, Any] | None = None
              ) -> tuple[str, ...]:
        if data is None:
            return ()
        if isinstance(data, str):
            return (data,)
        if isinstance(data, list) and all(isinstance(x, str) for x in data):
            return tuple(data)
        self.bad(path, tr("must be a list of names."),
                 tr("write e.g. [Tết Sale, Brand Awareness]."),
                 at=at, code=ProblemCode.PLAN_WRONG_TYPE)
        return ()

    def scope(self, data: Any, path: str, at: tuple[Any, Any] | None = None
              ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if data is None:
            return (), ()
        m = self.mapping(data, path, ("campaigns", "channels"), at)
        return (self.names(m.get("campaigns"), f"{path}.campaigns", (m, "campaigns")),
                self.names(m.get("channels"), f"{path}.channels", (m, "channels")))

    def day(self, value: Any, path: str, at: tuple[Any, Any]) -> date | None:
        # YAML reads "2027-01-01 10:00" as a datetime, which cannot be compared with dates
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and len(value) < 40:
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.bad(path, tr("must be a date like 2027-01-31, not {v1}.", v1=clip(value)), at=at,
                 code=ProblemCode.PLAN_DATE)
        return None

    def period(self, data: Any, path: str, at: tuple[Any, Any] | None = None
               ) -> tuple[date, date] | None:
        if data is None:
            return None
        m = self.mapping(data, path, ("start", "end"), at)
        if not m:
            return None
        if "start" not in m or "end" not in m:
            self.bad(path, tr("needs both start and end."),
                     tr("write {{start: 2027-01-01, end: ...}}."), at=at,
                     code=ProblemCode.PLAN_REQUIRED)
            return None
        start = self.day(m["start"], f"{path}.start", (m, "start"))
        end = self.day(m["end"], f"{path}.end", (m, "end"))
        if start and end and end < start:
            self.bad(f"{path}.end", tr("{end} is before the start {start}.", end=end,
                                       start=start), at=(m, "end"),
                     code=ProblemCode.DATE_RANGE_REVERSED)
            return None
        return (start, end) if start and end else None

    def number(self, m: Mapping[str, Any], key: str, path: str, default: float) -> float:
        raw = m.get(key)
        if raw is None:
            return default
        spot = self.spot((m, key))
        text = raw if isinstance(raw, str) else spot.text if spot is not None else None
        if isinstance(raw, str) or (text is not None and is_ambiguous(text)):
            # "1,5" or an unquoted 1.500 follow the plan's convention, like targets
            try:
                raw = float(read_number(clean_text(text)[:MAX_TARGET_CHARS], self.number_format))
            except TargetError as e:
                self.bad(path, e.reason, e.fix, at=(m, key), code=e.code)
                return default
        if (isinstance(raw, bool) or not isinstance(raw, (int, float))
                or not math.isfinite(raw) or raw < 0):
            self.bad(path, tr("must be a number of 0 or more, not {v1}.",
                              v1=clip(raw)), at=(m, key),
                     code=ProblemCode.PLAN_WRONG_TYPE)
            return default
        return float(raw)
