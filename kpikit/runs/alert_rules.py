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


def _bad(where: str, en: str, vi: str) -> ParameterError:
    return ParameterError(tr(f"{where}: {en}", f"{where}: {vi}"))


def _num(value: Any, where: str, number_format: str | None) -> float:
    from kpikit.plans.targets import parse_target

    if isinstance(value, bool):
        value = None
    try:
        t = parse_target(value, number_format)
    except (ValueError, TypeError) as e:
        reason = getattr(e, "reason", None)
        if reason:  # an ambiguous "150.000": the number rules say why and how to write it
            raise _bad(where, f"{reason} Fix: {getattr(e, 'fix', '')}",
                       f"{reason} Cách sửa: {getattr(e, 'fix', '')}") from None
        t = None
    if t is None or t.value is None or not math.isfinite(t.value):
        raise _bad(where, f"must be a number, not {value!r}. Fix: e.g. 150000 or \"150.000 ₫\".",
                   f"phải là một số, không phải {value!r}. Cách sửa: ví dụ 150000 hoặc "
                   "\"150.000 ₫\".")
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
        raise _bad(f"{source}: alerts", "must be a list of rules. Fix: alerts: [{rule: status, "
                   "severity: warning}].", "phải là danh sách quy tắc. Cách sửa: alerts: "
                   "[{rule: status, severity: warning}].")
    rules: list[Rule] = []
    for i, item in enumerate(raw[:200]):
        where = f"{source}: alerts[{i}]"
        if not isinstance(item, Mapping):
            raise _bad(where, "must be a mapping such as {rule: status, severity: warning}.",
                       "phải là ánh xạ như {rule: status, severity: warning}.")
        kind = item.get("rule")
        if kind not in RULES:
            raise _bad(where, f"unknown rule {str(kind)[:60]!r}. Fix: choose from "
                       f"{', '.join(RULES)}.", f"không có quy tắc {str(kind)[:60]!r}. Cách sửa: "
                       f"chọn trong {', '.join(RULES)}.")
        extra = sorted(str(k) for k in item if k not in _KEYS[kind])
        if extra:
            raise _bad(where, f"unknown key {extra[0][:60]!r} for rule {kind}. Fix: choose from "
                       f"{', '.join(_KEYS[kind])}.", f"khóa {extra[0][:60]!r} không hợp lệ với "
                       f"quy tắc {kind}. Cách sửa: chọn trong {', '.join(_KEYS[kind])}.")
        sev = item.get("severity", "warning")
        if sev not in SEVERITIES:
            raise _bad(where, f"unknown severity {str(sev)[:60]!r}. Fix: choose from "
                       f"{', '.join(SEVERITIES)}.", f"không có mức độ {str(sev)[:60]!r}. Cách "
                       f"sửa: chọn trong {', '.join(SEVERITIES)}.")
        rule = Rule(kind, sev)
        kpi = item.get("kpi")
        if kpi is not None:
            if kpi not in KPIS:
                raise _bad(where, f"unknown KPI {str(kpi)[:60]!r}. Fix: write a KPI of the "
                           "catalog, e.g. revenue, cpa, roas.", f"không có KPI "
                           f"{str(kpi)[:60]!r}. Cách sửa: viết một KPI trong danh mục, ví dụ "
                           "revenue, cpa, roas.")
            rule = replace(rule, kpi=str(kpi))
        if kind == "status" and "statuses" in item:
            st = item["statuses"]
            if (not isinstance(st, list) or not st
                    or any(s not in _STATUSES for s in st)):
                raise _bad(where, f"statuses must be a list from {', '.join(_STATUSES)}.",
                           f"statuses phải là danh sách trong {', '.join(_STATUSES)}.")
            rule = replace(rule, statuses=tuple(st))
        if kind == "threshold":
            if ("above" in item) == ("below" in item) or kpi is None:
                raise _bad(where, "needs a kpi and exactly one of above or below. Fix: "
                           "{rule: threshold, kpi: cpa, above: 150000}.",
                           "cần kpi và đúng một trong above hoặc below. Cách sửa: "
                           "{rule: threshold, kpi: cpa, above: 150000}.")
            side = "above" if "above" in item else "below"
            rule = replace(rule, **{side: _num(item[side], f"{where}.{side}", number_format)})
        if kind == "change":
            versus = item.get("versus", "previous_period")
            if versus not in VERSUS:
                raise _bad(where, f"versus must be {' or '.join(VERSUS)}.",
                           f"versus phải là {' hoặc '.join(VERSUS)}.")
            pct = _num(item.get("percent"), f"{where}.percent", number_format)
            if pct == 0:
                raise _bad(where, "percent must not be 0: -20 alerts on a fall of 20% or more, "
                           "20 on a rise of 20% or more.", "percent không được bằng 0: -20 báo "
                           "khi giảm từ 20% trở lên, 20 khi tăng từ 20% trở lên.")
            alpha = _num(item.get("alpha", 0.05), f"{where}.alpha", number_format)
            if not 0 < alpha < 1:
                raise _bad(where, "alpha must be between 0 and 1, e.g. 0.05.",
                           "alpha phải nằm giữa 0 và 1, ví dụ 0,05.")
            rule = replace(rule, versus=versus, percent=pct, alpha=alpha)
        if kind == "stale":
            days = item.get("days", 2)
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise _bad(where, f"days must be a whole number of 0 or more, not {days!r}.",
                           f"days phải là số nguyên từ 0 trở lên, không phải {days!r}.")
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
