"""The pieces of a plan: targets (absolute or relative to a baseline), KPI targets,
objectives and the business goal, as frozen values; target texts read into them.

A target is written as a number (``4.5``, ``"5,6"``, ``"128.000 ₫"``, ``"22 tỷ"``,
``"2,15%"``) or a change against a baseline (``"+15% vs last year"``); numbers follow the
plan's ``number_format`` (see :mod:`kpikit.plans.numbers`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from kpikit.catalog import get_kpi
from kpikit.data_in.yaml_safe import clip
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.plans.numbers import (
    CURRENCIES,
    MAGNITUDES,
    MAX_TARGET_CHARS,
    NUMBER_FORMATS,
    TargetError,
    clean_text,
    finite,
    is_ambiguous,
    match_target,
    neutral,
    read_number,
)

__all__ = [
    "BASELINES",
    "BOUNDED_RATES",
    "CADENCES",
    "GOALS",
    "GOAL_WORDS",
    "UNASSIGNED",
    "BusinessGoal",
    "KPITarget",
    "Objective",
    "Target",
    "as_displayed",
    "how_to_write",
    "parse_period",
    "parse_target",
]

CADENCES: tuple[str, ...] = ("weekly", "monthly", "quarterly", "campaign")
#: how a target is judged: reached by the end (default), or a floor or ceiling every period
GOALS: tuple[str, ...] = ("reach", "stay above", "stay below")
GOAL_WORDS = {"reach": "reach", "đạt": "reach", "stay above": "stay above",
               "giữ trên": "stay above", "stay below": "stay below", "giữ dưới": "stay below"}
#: baselines a relative target can refer to
BASELINES: tuple[str, ...] = ("last_year", "previous_period", "trailing")
UNASSIGNED = "unassigned"
#: rates whose numerator is part of the denominator: they cannot pass 1 (100%)
BOUNDED_RATES = frozenset({
    "ctr", "link_ctr", "view_rate", "completion_rate", "engaged_session_rate", "bounce_rate",
    "email_open_rate", "email_ctr", "click_to_open_rate", "unsubscribe_rate",
    "repeat_purchase_rate", "share_rate",
})


@dataclass(frozen=True)
class Target:
    """A KPI target: an absolute value, or a change against a baseline.

    Attributes
    ----------
    value
        The absolute target (None for a relative one).
    change
        Relative change, e.g. ``0.15`` for ``+15%`` (None for absolute).
    baseline
        ``"last_year"`` (same period a year earlier), ``"previous_period"``
        or ``"trailing"`` (mean of the ``trailing`` periods before).
    trailing
        How many periods a trailing baseline spans.
    """

    value: float | None = None
    change: float | None = None
    baseline: str = "last_year"
    trailing: int = 3

    @property
    def is_relative(self) -> bool:
        """True for a target relative to a baseline."""
        return self.change is not None

    def to_yaml(self) -> float | str:
        """Return the YAML form: a number or ``"+15% vs last year"``."""
        if self.change is None:
            v = float(self.value)  # type: ignore[arg-type]
            clean = float(f"{v:.12g}")  # float noise off: 36499999999.99999 is 36500000000
            if clean.is_integer() and abs(clean) < 1e15:
                return int(clean)
            if clean != v:
                # "1.17%" reads as 1.17 / 100: write it back the way it reads
                text = f"{neutral(v * 100)}%"
                try:
                    if parse_target(text).value == v:
                        return text
                except ValueError:
                    pass
            text = repr(clean)
            # 1.234 would read as 1234 in a Vietnamese plan: write a form both conventions agree on
            return text + "0" if is_ambiguous(text.lstrip("-")) else clean
        pct = f"{neutral(self.change * 100, sign=True)}%"
        if self.baseline == "last_year":
            return f"{pct} vs last year"
        if self.baseline == "previous_period":
            return f"{pct} vs previous period"
        return f"{pct} vs trailing {self.trailing}"

    def __str__(self) -> str:
        return str(self.to_yaml())


def as_displayed(t: Target, kpi: str, currency: str | None) -> Target:
    """An absolute target carrying float noise (a computed 36,512,345,678.91...) rounded as
    it is displayed (money to its currency's units, percent to 0.01%, ratios to 0.01);
    a clean value as the user wrote it is kept whole."""
    if t.is_relative or t.value is None:
        return t
    v = float(t.value)
    if float(f"{v:.12g}") == v or float(f"{v * 100:.12g}") / 100 == v:
        return t  # as written ("1.17%" reads as 1.17 / 100)
    from kpikit.i18n.formats import _NO_DECIMALS

    unit = get_kpi(kpi).unit
    digits = {"percent": 4, "ratio": 2}.get(unit, 0 if abs(v) >= 100 else 1)
    if unit == "currency":
        digits = 0 if (currency in _NO_DECIMALS or abs(v) >= 1000 and currency is None) else 2
    return replace(t, value=round(v, digits))


def parse_target(raw: object, number_format: str | None = None,
                 currency: str | None = None) -> Target:
    """Parse a target: ``4.5``, ``"5,6"``, ``"2,15%"``, ``"+15%"``, ``"-10% vs trailing 3"``,
    ``"22 tỷ"`` or ``"128.000 ₫"``.

    Parameters
    ----------
    raw
        A number or a text.
    number_format
        ``"vi"`` (``1.234,5``), ``"en"`` (``1,234.5``) or None when the plan does not say:
        then a number that reads differently in the two (``"1.234"``, ``"1,234"``) is refused.
    currency
        The plan's ISO currency: a money target in another currency (``"5 USD"`` in a VND
        plan) is refused.

    Raises
    ------
    TargetError
        A :class:`~kpikit.errors.ParameterError` (so also a ValueError) saying why and the fix.
    """
    if number_format is not None and number_format not in NUMBER_FORMATS:
        raise ParameterError(tr("number_format={number_format}: choose en or vi.",
                                number_format=clip(number_format)),
                             code=ProblemCode.PARAMETER_CHOICE)
    if isinstance(raw, bool):
        raise TargetError(tr("a yes/no is not a target."),
                          how_to_write(), code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise TargetError(tr("{raw!r} is not a finite number.", raw=raw), how_to_write(),
                              code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
        return Target(value=float(raw))
    if not isinstance(raw, str):
        raise TargetError(tr("{raw} is not a number or a text.", raw=clip(raw)), how_to_write(),
                          code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    if len(raw) > MAX_TARGET_CHARS:
        raise TargetError(tr("{raw} is too long to be a target.", raw=clip(raw)), how_to_write(),
                          code=ProblemCode.PLAN_TARGET_TOO_LARGE)
    text = clean_text(raw)
    if text.lower().lstrip("+-.") in ("nan", "inf", "infinity"):
        raise TargetError(tr("{raw} is not a finite number.", raw=clip(raw)), how_to_write(),
                          code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    found = match_target(text)
    if not found:
        raise TargetError(tr("{raw} is neither a number nor a change like \"+15%\".",
                             raw=clip(raw)),
                          how_to_write(), code=ProblemCode.PLAN_TARGET_NOT_NUMBER)
    kind, m = found
    if kind == "change":
        change = read_number(m.group(2), number_format) / 100
        if m.group(1) == "-":
            change = -change
        change_f = finite(float(change), raw)
        base = (m.group(3) or "last year").lower()
        if "trailing" in base or "gần nhất" in base:
            n = int(m.group(4) or m.group(5) or 3)
            if not 1 <= n <= 1000:
                raise TargetError(tr("{raw}: a trailing baseline spans 1 to 1000 periods.",
                                     raw=clip(raw)),
                                  how_to_write(), code=ProblemCode.PLAN_TARGET_BASELINE_SPAN)
            return Target(change=change_f, baseline="trailing", trailing=n)
        if "previous" in base or "kỳ trước" in base:
            return Target(change=change_f, baseline="previous_period")
        return Target(change=change_f, baseline="last_year")
    if kind == "percent":  # "2,5%": an absolute rate
        return Target(value=finite(float(read_number(m.group(1), number_format) / 100), raw))
    cur1, sign, cur2, num, mag, cur3 = m.groups()
    if sign == "+":
        raise TargetError(tr("{raw}: a sign without % is neither a level nor a change.",
                             raw=clip(raw)),
                          tr("write {num} for a level or \"+{num}%\" for a change.", num=num),
                          code=ProblemCode.PLAN_TARGET_SIGN_WITHOUT_PERCENT)
    marks = [c for c in (cur1, cur2, cur3) if c]
    if len(marks) > 1:
        raise TargetError(tr("{raw} names its currency twice.", raw=clip(raw)), how_to_write(),
                          code=ProblemCode.PLAN_TARGET_CURRENCY)
    if marks:
        code = CURRENCIES[marks[0].lower()]
        if currency and code != currency.upper():
            raise TargetError(
                tr("{raw} is in {code}, but the plan's currency is {currency}.", raw=clip(raw),
                   code=code, currency=currency),
                tr("convert the amount to {currency}, or fix the plan's currency.",
                   currency=currency),
                code=ProblemCode.PLAN_TARGET_CURRENCY)
    value = read_number(num, number_format)
    if mag:
        value *= Decimal(10) ** MAGNITUDES[mag.lower()]
    if sign == "-":
        value = -value
    return Target(value=finite(float(value), raw))


def how_to_write() -> str:
    return tr("write a number (5.6, \"128.000 ₫\", \"22 tỷ\", \"2,15%\") or a change (\"+15% vs "
              "last year\", \"-10% vs previous period\", \"+5% vs trailing 3\").")


def parse_period(text: str) -> tuple[date, date]:
    """``"2027Q1"``, ``"2027-01"``, ``"2027"`` or ``"2027-01-01:2027-02-28"`` as (start, end).

    Raises
    ------
    ParameterError
        For anything else.
    """
    t = str(text).strip()
    try:
        if ":" in t:
            a, b = (date.fromisoformat(x.strip()) for x in t.split(":", 1))
            if b < a:
                raise ValueError
            return a, b
        import pandas as pd

        if re.fullmatch(r"\d{4}", t):
            p = pd.Period(t, freq="Y")
        elif re.fullmatch(r"\d{4}-?[Qq][1-4]", t):
            p = pd.Period(t.replace("-", "").upper(), freq="Q")
        elif re.fullmatch(r"\d{4}-\d{2}", t):
            p = pd.Period(t, freq="M")
        else:
            raise ValueError
        return p.start_time.date(), p.end_time.date()
    except ValueError:
        raise ParameterError(tr("period {text!r}: write 2027-01 (a month), 2027Q1 (a quarter), "
                                "2027 (a year) or 2027-01-01:2027-02-28 (a range).",
                                text=text), code=ProblemCode.PERIOD_INVALID) from None


@dataclass(frozen=True)
class KPITarget:
    """One KPI of an objective with its target, owner and cadence."""

    kpi: str
    target: Target
    owner: str = UNASSIGNED
    cadence: str = "monthly"
    horizon: str = ""
    weight: float = 1.0
    campaigns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    period: tuple[date, date] | None = None
    note: str = ""
    #: "reach" (the target by the end), "stay above" or "stay below" (a floor or ceiling in
    #: every period of the cadence: a weekly CPA ceiling, not a total at the end)
    goal: str = "reach"
    #: targets that vary by date: (start, end, absolute target) windows, e.g. a Tết ramp;
    #: a total's windows are its shares, a ratio's windows its level there
    schedule: tuple[tuple[date, date, float], ...] = ()

    def __post_init__(self) -> None:
        if not self.horizon:
            object.__setattr__(self, "horizon", get_kpi(self.kpi).horizon)

    @property
    def direction(self) -> str:
        """``"higher"`` or ``"lower"``: from the catalog, never from the plan."""
        return get_kpi(self.kpi).direction


@dataclass(frozen=True)
class Objective:
    """A marketing objective and the KPIs that measure it."""

    type: str
    kpis: tuple[KPITarget, ...]
    description: str = ""


@dataclass(frozen=True)
class BusinessGoal:
    """The business result the plan serves, e.g. revenue for the period."""

    kpi: str
    target: Target
    description: str = ""


