"""Alert rules: reading and checking the ``alerts:`` of a batch spec or a plan.

Each rule is a :class:`Rule` value; a list that cannot be read raises
:class:`~kpikit.errors.ParameterError` naming the file, the rule's place and the fix.
The shape of the rules is described in :mod:`kpikit.runs.alerts`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError
from kpikit.i18n.lang import tr
from kpikit.plans.field_reading import as_written

__all__ = ["DEFAULT_RULES", "RULES", "SEVERITIES", "VERSUS", "Rule", "as_written",
           "parse_rules", "plan_rules"]

SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
RULES: tuple[str, ...] = ("status", "threshold", "change", "anomaly", "stale", "run_failed")
STATE_FILE = ".kpikit-alerts-state.json"
ALERTS_FILE = "alerts.json"
_KEYS = {
    "status": ("rule", "severity", "kpi", "statuses"),
    "threshold": ("rule", "severity", "kpi", "above", "below"),
    "change": ("rule", "severity", "kpi", "versus", "percent", "alpha"),
    "anomaly": ("rule", "severity", "kpi"),
    "stale": ("rule", "severity", "days"),
    "run_failed": ("rule", "severity"),
}
VERSUS = {"previous_period": "prev", "last_year": "ly"}
_STATUSES = ("on track", "at risk", "off track", "achieved", "missed", "too early", "no data")


@dataclass(frozen=True)
class Rule:
    """One alert rule (see the module's YAML shape)."""

    rule: str
    severity: str = "warning"
    kpi: str | None = None
    statuses: tuple[str, ...] = ("off track", "missed")
    above: float | None = None
    below: float | None = None
    versus: str = "previous_period"
    percent: float | None = None
    alpha: float = 0.05
    days: int = 2

    @property
    def name(self) -> str:
        """A stable name of the rule (part of each alert's key)."""
        if self.rule == "threshold":
            side = f"above {self.above:g}" if self.above is not None else f"below {self.below:g}"
            return f"threshold {side}"
        if self.rule == "change":
            return f"change {self.versus} {self.percent:+g}%"
        if self.rule == "stale":
            return f"stale > {self.days}d"
        return self.rule


DEFAULT_RULES = (Rule("status"), Rule("run_failed", "critical"))


def _bad(where: str, what: str) -> ParameterError:
    """``where: what`` (``what`` already in the reader's language)."""
    return ParameterError(f"{where}: {what}")


def _num(value: Any, where: str, number_format: str | None) -> float:
    from kpikit.plans.targets import parse_target

    if isinstance(value, bool):
        value = None
    try:
        t = parse_target(value, number_format)
    except (ValueError, TypeError) as e:
        reason = getattr(e, "reason", None)
        if reason:  # an ambiguous "150.000": the number rules say why and how to write it
            raise _bad(where, tr("{reason} Fix: {v1}", reason=reason,
                                 v1=getattr(e, 'fix', ''))) from None
        t = None
    if t is None or t.value is None or not math.isfinite(t.value):
        raise _bad(where, tr("must be a number, not {value!r}. Fix: e.g. 150000 or \"150.000 ₫\".",
                             value=value))
    return float(t.value)


def parse_rules(raw: Any, source: str = "spec", number_format: str | None = None
                ) -> tuple[Rule, ...]:
    """Read a list of rules (from a spec or a plan); the defaults are added.

    A rule of kind ``status`` or ``run_failed`` replaces the default of its kind.
    Raises :class:`ParameterError` naming the file, the rule's place and the fix.
    """
    return _with_defaults(_read_rules(raw, source, number_format))


def _with_defaults(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    kinds = {r.rule for r in rules}
    return tuple(r for r in DEFAULT_RULES if r.rule not in kinds) + tuple(
        dict.fromkeys(rules))


def _read_rules(raw: Any, source: str, number_format: str | None) -> list[Rule]:
    from kpikit.catalog import KPIS

    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _bad(f"{source}: alerts", tr("must be a list of rules. Fix: alerts: [{{rule: "
                                           "status, severity: warning}}]."))
    rules: list[Rule] = []
    for i, item in enumerate(raw[:200]):
        where = f"{source}: alerts[{i}]"
        if not isinstance(item, Mapping):
            raise _bad(where, tr("must be a mapping such as {{rule: status, severity: warning}}."))
        kind = item.get("rule")
        if kind not in RULES:
            raise _bad(where, tr("unknown rule {v1!r}. Fix: choose from {v2}.", v1=str(kind)[:60],
                                 v2=', '.join(RULES)))
        extra = sorted(str(k) for k in item if k not in _KEYS[kind])
        if extra:
            raise _bad(where, tr("unknown key {v1!r} for rule {kind}. Fix: choose from {v2}.",
                                 v1=extra[0][:60], kind=kind, v2=', '.join(_KEYS[kind])))
        sev = item.get("severity", "warning")
        if sev not in SEVERITIES:
            raise _bad(where, tr("unknown severity {v1!r}. Fix: choose from {v2}.",
                                 v1=str(sev)[:60], v2=', '.join(SEVERITIES)))
        rule = Rule(kind, sev)
        kpi = item.get("kpi")
        if kpi is not None:
            if kpi not in KPIS:
                raise _bad(where, tr("unknown KPI {v1!r}. Fix: write a KPI of the catalog, e.g. "
                                     "revenue, cpa, roas.", v1=str(kpi)[:60]))
            rule = replace(rule, kpi=str(kpi))
        if kind == "status" and "statuses" in item:
            st = item["statuses"]
            if (not isinstance(st, list) or not st
                    or any(s not in _STATUSES for s in st)):
                raise _bad(where, tr("statuses must be a list from {v1}.", v1=', '.join(_STATUSES)))
            rule = replace(rule, statuses=tuple(st))
        if kind == "threshold":
            if ("above" in item) == ("below" in item) or kpi is None:
                raise _bad(where, tr("needs a kpi and exactly one of above or below. Fix: {{rule: "
                                     "threshold, kpi: cpa, above: 150000}}."))
            side = "above" if "above" in item else "below"
            rule = replace(rule, **{side: _num(item[side], f"{where}.{side}", number_format)})
        if kind == "change":
            versus = item.get("versus", "previous_period")
            if versus not in VERSUS:
                first, second = VERSUS  # the two words a rule may compare with
                raise _bad(where, tr("versus must be {first} or {second}.", first=first,
                                     second=second))
            pct = _num(item.get("percent"), f"{where}.percent", number_format)
            if pct == 0:
                raise _bad(where, tr("percent must not be 0: -20 alerts on a fall of 20% or more, "
                                     "20 on a rise of 20% or more."))
            alpha = _num(item.get("alpha", 0.05), f"{where}.alpha", number_format)
            if not 0 < alpha < 1:
                raise _bad(where, tr("alpha must be between 0 and 1, e.g. 0.05."))
            rule = replace(rule, versus=versus, percent=pct, alpha=alpha)
        if kind == "stale":
            days = item.get("days", 2)
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise _bad(where, tr("days must be a whole number of 0 or more, not {days!r}.",
                                     days=days))
            rule = replace(rule, days=days)
        rules.append(rule)
    return rules


def plan_rules(plan_path: str | None, spec_rules: Any, source: str) -> tuple[Rule, ...]:
    """The rules of one campaign: the spec's, then its plan's ``alerts`` (if any).

    The plan's rules read numbers in the plan's own convention (``150.000`` in a Vietnamese
    plan). A plan that cannot be read adds no rules: its run fails and says why.
    """
    from kpikit.plans import Plan, PlanError

    rules = _read_rules(list(spec_rules) if spec_rules else None, source, None)
    if plan_path:
        try:
            plan = Plan.from_yaml(Path(plan_path))
        except (PlanError, ParameterError, OSError):
            plan = None
        if plan is not None and plan.alerts:
            rules += _read_rules(list(plan.alerts), Path(plan_path).name, plan.number_format)
    return _with_defaults(rules)
