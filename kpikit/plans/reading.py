"""Reading a plan: parsed YAML in, the fields of a Plan out, every problem with its place.

Each problem names its exact path (``objectives[0].kpis[2].target``), the line of the file
when known, the valid choices and the fix; a plan with problems raises :class:`PlanError`
listing them all at once. The plain fields (mappings, texts, days, numbers) are read by
:mod:`~kpikit.plans.field_reading`, target schedules by :mod:`~kpikit.plans.schedules`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from kpikit.catalog import HORIZONS, KPIS, OBJECTIVES, get_kpi
from kpikit.data_in.yaml_safe import clip
from kpikit.errors import KpikitError, Problem, ProblemCode
from kpikit.i18n.lang import LANGS, tr
from kpikit.plans.field_reading import FieldReading, as_written, choices
from kpikit.plans.numbers import NUMBER_FORMATS, convention, number_style
from kpikit.plans.schedules import ScheduleReading, schedule_total
from kpikit.plans.targets import (
    BOUNDED_RATES,
    CADENCES,
    GOAL_WORDS,
    GOALS,
    UNASSIGNED,
    BusinessGoal,
    KPITarget,
    Objective,
    Target,
    how_to_write,
    parse_target,
)

__all__ = ["PlanError", "PlanReader", "choices"]

#: problems a PlanError lists before counting the rest
_MAX_LISTED = 25


class PlanError(KpikitError):
    """A plan file or object with problems; lists every one with its place."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        n = len(problems)
        # one pair per count: the English plural is not the Vietnamese one
        head += (tr("1 problem in the plan") if n == 1 else
                 tr("{n} problems in the plan", n=n))
        lines = [head, *(f"  - {p}" for p in problems[:_MAX_LISTED])]
        if n > _MAX_LISTED:
            more = n - _MAX_LISTED
            lines.append(tr("  ... and {more} more", more=more))
        super().__init__("\n".join(lines))


class PlanReader(FieldReading, ScheduleReading):
    """Turns parsed YAML into a Plan's fields, collecting every problem with its path and line."""

    def __init__(self, source: str | None, loaded: Any = None):
        self.source = source
        self.loaded = loaded  # a kpikit.data_in.yaml_safe.Loaded: where each value was written
        self.problems: list[Problem] = []
        self.number_format: str | None = None
        self.currency: str | None = None

    def raw_target(self, m: Mapping[str, Any]) -> Any:
        """The target as written: an unquoted number's own text (``128.000``), not YAML's float."""
        raw = m.get("target")
        spot = self.spot((m, "target"))
        if (spot is not None and spot.text is not None and not isinstance(raw, bool)
                and isinstance(raw, (int, float))):
            return spot.text
        return raw

    def target(self, m: Mapping[str, Any], path: str, name: str | None) -> Target | None:
        raw = self.raw_target(m)
        at = (m, "target")
        if raw is None:
            self.bad(path, tr("is required."), how_to_write(),
                     code=ProblemCode.PLAN_REQUIRED)
            return None
        try:
            target = parse_target(raw, self.number_format, self.currency)
        except ValueError as e:
            reason = getattr(e, "reason", str(e))
            fix = getattr(e, "fix", how_to_write())
            self.bad(path, tr("must be a number or \"+N%\" (optionally \"vs last year\", \"vs "
                              "previous period\", \"vs trailing N\"): {reason}",
                              reason=reason), fix, at=at,
                     code=getattr(e, "code", None) or ProblemCode.PLAN_TARGET_NOT_NUMBER)
            return None
        if name is None:
            return target
        kpi = get_kpi(name)
        may_be_negative = any(c < 0 for _, c in kpi.numerator)
        if target.value is not None and target.value > 1 and name in BOUNDED_RATES:
            v = target.value
            self.bad(path, tr("{v:g} is above 100% for {name}, a share between 0 and 1.", v=v,
                              name=name),
                     tr("write {v1:g} or \"{v:g}%\".", v1=v / 100, v=v),
                     at=at, code=ProblemCode.PLAN_TARGET_SHARE_ABOVE_ONE)
        if target.value is not None and target.value < 0 and not may_be_negative:
            self.bad(path, tr("{value:g} is negative.", value=target.value),
                     tr("{name} cannot be below 0.", name=name), at=at,
                     code=ProblemCode.PLAN_TARGET_NEGATIVE)
        if target.change is not None and target.change <= -1 and not may_be_negative:
            pct = f"{target.change * 100:g}%"
            self.bad(path, tr("a change of {pct} would take {name} to 0 or below.", pct=pct,
                              name=name),
                     tr("{name} cannot be below 0: write a change above -100%.", name=name), at=at,
                     code=ProblemCode.PLAN_TARGET_CHANGE_TO_ZERO)
        return target

    def kpi_name(self, m: Mapping[str, Any], path: str) -> str | None:
        raw = m.get("kpi")
        if not isinstance(raw, str) or not raw.strip():
            self.bad(path, tr("is required: the KPI's name."),
                     choices("", list(KPIS)), at=(m, "kpi"), code=ProblemCode.PLAN_REQUIRED)
            return None
        key = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if key not in KPIS:
            self.bad(path, tr("unknown KPI {v1}.", v1=clip(raw)),
                     choices(key, list(KPIS)), at=(m, "kpi"), code=ProblemCode.KPI_UNKNOWN)
            return None
        return key

    def kpi(self, data: Any, path: str, at: tuple[Any, Any]) -> KPITarget | None:
        m = self.mapping(data, path, ("kpi", "target", "owner", "cadence", "horizon", "weight",
                                      "scope", "period", "note", "goal", "schedule"), at)
        if not m:
            return None
        name = self.kpi_name(m, f"{path}.kpi")
        schedule = self.schedule(m, f"{path}.schedule", name)
        goal = self.goal(m, f"{path}.goal")
        if m.get("target") is None and schedule:
            # the schedule is the whole target: a total adds up, a ratio is its days' mean
            target: Target | None = None
            if name is not None:
                target = Target(schedule_total(name, schedule))
        else:
            target = self.target(m, f"{path}.target", name)
        owner = self.text(m, "owner", f"{path}.owner", default=UNASSIGNED) or UNASSIGNED
        cadence = self.text(m, "cadence", f"{path}.cadence", default="monthly")
        if cadence not in CADENCES:
            self.bad(f"{path}.cadence", tr("unknown cadence {v1}.", v1=clip(cadence)),
                     choices(cadence, CADENCES), at=(m, "cadence"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
        horizon = self.text(m, "horizon", f"{path}.horizon")
        if horizon and horizon not in HORIZONS:
            self.bad(f"{path}.horizon", tr("unknown horizon {v1}.", v1=clip(horizon)),
                     choices(horizon, HORIZONS), at=(m, "horizon"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
        weight = self.number(m, "weight", f"{path}.weight", 1.0)
        campaigns, channels = self.scope(m.get("scope"), f"{path}.scope", (m, "scope"))
        period = self.period(m.get("period"), f"{path}.period", (m, "period"))
        if name is None or target is None:
            return None
        if schedule and period:
            self.inside(schedule, period, f"{path}.schedule", (m, "schedule"))
        return KPITarget(kpi=name, target=target, owner=owner, cadence=cadence,
                         horizon=horizon if horizon in HORIZONS else "", weight=weight,
                         campaigns=campaigns, channels=channels, period=period,
                         note=self.text(m, "note", f"{path}.note"), goal=goal,
                         schedule=schedule)

    def goal(self, m: Mapping[str, Any], path: str) -> str:
        raw = m.get("goal")
        if raw is None:
            return "reach"
        key = re.sub(r"[\s_-]+", " ", str(raw).strip().lower()) if isinstance(raw, str) else ""
        if key not in GOAL_WORDS:
            self.bad(path, tr("unknown goal {v1}.", v1=clip(raw)),
                     choices(key, GOALS), at=(m, "goal"), code=ProblemCode.PLAN_GOAL_UNKNOWN)
            return "reach"
        return GOAL_WORDS[key]

    def targets_written(self, top: Mapping[str, Any]) -> Iterator[tuple[str, Any, Any]]:
        """Every (path, raw target, place) in the plan, before any is read."""
        goal = top.get("business_goal")
        if isinstance(goal, Mapping):
            yield "business_goal.target", self.raw_target(goal), (goal, "target")
        objs = top.get("objectives")
        for i, o in enumerate(objs if isinstance(objs, list) else []):
            kpis = o.get("kpis") if isinstance(o, Mapping) else None
            for j, k in enumerate(kpis if isinstance(kpis, list) else []):
                if isinstance(k, Mapping):
                    yield f"objectives[{i}].kpis[{j}].target", self.raw_target(k), (k, "target")

    def convention(self, top: Mapping[str, Any], language: str) -> str | None:
        """How the plan writes numbers: said, implied by language or currency, or shown."""
        said = top.get("number_format")
        if said is not None:
            if said in NUMBER_FORMATS:
                return str(said)
            self.bad("number_format", tr("unknown number format {v1}.", v1=clip(said)),
                     tr("choose vi (1.234.567,5) or en (1,234,567.5)."), at=(top, "number_format"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
            return None
        by_language = language if "language" in top and language in NUMBER_FORMATS else None
        by_currency = "vi" if self.currency == "VND" else None
        # an English-language plan in VND is often typed by Vietnamese hands: when language and
        # currency disagree, only the targets themselves can say how they are written (a
        # French plan in VND agrees: both write a decimal comma)
        if by_language and by_currency and convention(by_language) != by_currency:
            by_language = by_currency = None
        if by_language or by_currency:
            return by_language or by_currency
        shown: dict[str, str] = {}
        for path, raw, _ in self.targets_written(top):
            style = number_style(raw)
            if style:
                shown.setdefault(style, f"{path} ({clip(raw)})")
        if len(shown) == 2:
            self.bad("number_format", tr("the plan writes numbers both ways: {en} the English way "
                                         "and {vi} the Vietnamese way.", en=shown['en'],
                                         vi=shown['vi']),
                tr("write every number one way and add \"number_format: vi\" or \"number_format: "
                   "en\"."), code=ProblemCode.PLAN_NUMBER_FORMAT_MIXED)
            return None
        return next(iter(shown), None)

    def fields(self, data: Any) -> dict[str, Any]:
        """The keyword arguments of a :class:`~kpikit.plans.plan.Plan` read from ``data``.

        Raises
        ------
        PlanError
            Listing every problem found, each with its path and line.
        """
        top = self.mapping(data, "", ("plan", "name", "currency", "language", "number_format",
                                      "period", "scope", "business_goal", "objectives",
                                      "alerts"))
        alerts = top.get("alerts") if isinstance(top, Mapping) else None
        if alerts is not None and not (isinstance(alerts, list)
                                       and all(isinstance(a, Mapping) for a in alerts)):
            self.bad("alerts", tr("must be a list of rules."),
                     tr("write alerts: [{{rule: status, severity: warning}}]."), at=(top, "alerts"),
                            code=ProblemCode.PLAN_ALERTS_INVALID)
            alerts = None
        if not isinstance(data, Mapping):
            raise PlanError(self.problems, self.source)
        name = self.text(top, "plan", "plan") or self.text(top, "name", "name")
        if not name:
            self.bad("plan", tr("is required: the plan's name."),
                     tr("add 'plan: My plan' at the top."), code=ProblemCode.PLAN_REQUIRED)
        currency = self.text(top, "currency", "currency").upper() or None
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            self.bad("currency", tr("{v1} is not an ISO currency code.", v1=clip(currency)),
                     tr("e.g. VND, USD."), at=(top, "currency"),
                     code=ProblemCode.CURRENCY_UNKNOWN)
            currency = None
        self.currency = currency
        language = self.text(top, "language", "language", default="en")
        if language not in LANGS:
            self.bad("language", tr("unknown language {v1}.", v1=clip(language)),
                     choices(language, LANGS), at=(top, "language"),
                     code=ProblemCode.PLAN_UNKNOWN_VALUE)
        self.number_format = self.convention(top, language)
        period = self.period(top.get("period"), "period", (top, "period"))
        if "period" not in top:
            self.bad("period", tr("is required."),
                     tr("add 'period: {{start: 2027-01-01, end: 2027-03-31}}'."),
                     code=ProblemCode.PLAN_REQUIRED)
        campaigns, channels = self.scope(top.get("scope"), "scope", (top, "scope"))
        goal = None
        if top.get("business_goal") is not None:
            g = self.mapping(top["business_goal"], "business_goal",
                             ("kpi", "target", "description"), (top, "business_goal"))
            gname = self.kpi_name(g, "business_goal.kpi")
            gtarget = self.target(g, "business_goal.target", gname) if g else None
            if gname and gtarget:
                goal = BusinessGoal(gname, gtarget,
                                    self.text(g, "description", "business_goal.description"))
        objectives = []
        raw_objs = top.get("objectives")
        if not isinstance(raw_objs, list) or not raw_objs:
            self.bad("objectives", tr("must be a list with at least one objective."),
                     tr("add 'objectives: [{{type: sales, kpis: [...]}}]'."),
                     at=(top, "objectives"),
                     code=ProblemCode.PLAN_WRONG_TYPE)
            raw_objs = []
        for i, o in enumerate(raw_objs):
            p = f"objectives[{i}]"
            om = self.mapping(o, p, ("type", "description", "kpis"), (raw_objs, i))
            otype = self.text(om, "type", f"{p}.type", required=True)
            if otype and otype not in OBJECTIVES:
                self.bad(f"{p}.type", tr("unknown objective {v1}.", v1=clip(otype)),
                         choices(otype, OBJECTIVES), at=(om, "type"),
                         code=ProblemCode.OBJECTIVE_UNKNOWN)
            raw_kpis = om.get("kpis")
            if not isinstance(raw_kpis, list) or not raw_kpis:
                self.bad(f"{p}.kpis", tr("must be a list with at least one KPI."),
                         tr("add 'kpis: [{{kpi: roas, target: 4, owner: ...}}]'."), at=(om, "kpis"),
                         code=ProblemCode.PLAN_WRONG_TYPE)
                raw_kpis = []
            kpis = [self.kpi(k, f"{p}.kpis[{j}]", (raw_kpis, j)) for j, k in enumerate(raw_kpis)]
            seen: dict[tuple, int] = {}
            for j, k in enumerate(kpis):
                if k is None:
                    continue
                key = (k.kpi, k.campaigns, k.channels, k.period)
                if key in seen:
                    other = f"{p}.kpis[{seen[key]}]"
                    self.bad(f"{p}.kpis[{j}]",
                             tr("repeats {kpi!r} of {other} with the same scope and period.",
                                kpi=k.kpi, other=other),
                             tr("remove one of them."), at=(raw_kpis, j),
                             code=ProblemCode.PLAN_DUPLICATE_KPI)
                seen.setdefault(key, j)
            objectives.append(Objective(otype, tuple(k for k in kpis if k is not None),
                                        self.text(om, "description", f"{p}.description")))
        for i, o in enumerate(objectives):
            for j, k in enumerate(o.kpis):
                if k.schedule and period and not k.period:
                    self.inside(k.schedule, period, f"objectives[{i}].kpis[{j}].schedule", None)
                self.adds_up(k, k.period or period, f"objectives[{i}].kpis[{j}]")
        if self.problems:
            raise PlanError(self.problems, self.source)
        assert period is not None
        return dict(name=name, period=period, objectives=tuple(objectives), currency=currency,
                    language=language, campaigns=campaigns, channels=channels,
                    business_goal=goal, source=self.source, number_format=self.number_format,
                    alerts=tuple(dict(a) for a in as_written(alerts, self.loaded) or ()))
