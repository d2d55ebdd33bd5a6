"""Target schedules in a plan: windows with their own targets (a Tết ramp), read and checked.

A total's windows are its shares and may not ask for more than the total (nor less when they
cover the whole period); a ratio's windows are its level there, and the whole target is their
mean over the days.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from kpikit.catalog import get_kpi
from kpikit.data_in.yaml_safe import clip
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import tr
from kpikit.plans.numbers import neutral
from kpikit.plans.targets import KPITarget, Target, parse_period

__all__ = ["ScheduleReading", "schedule_total"]

Schedule = tuple[tuple[date, date, float], ...]


def schedule_total(kpi: str, schedule: Schedule) -> float:
    """The whole target a schedule makes: a total's sum, a ratio's mean over its days."""
    if not get_kpi(kpi).is_ratio:
        return float(sum(v for _, _, v in schedule))
    days = [(b - a).days + 1 for a, b, _ in schedule]
    return float(sum(v * d for (_, _, v), d in zip(schedule, days, strict=True)) / sum(days))


class ScheduleReading:
    """The schedule part of the plan reader.

    Mixed into :class:`kpikit.plans.reading.PlanReader`, whose ``bad``, ``mapping``,
    ``period`` and ``target`` it uses to read windows and report problems with their place.
    """

    if TYPE_CHECKING:  # the reader's side of the contract
        def bad(self, path: str, message: str, fix: str = "",
                at: tuple[Any, Any] | None = None, *, code: ProblemCode | None = None
                ) -> None: ...

        def mapping(self, data: Any, path: str, allowed: tuple[str, ...],
                    at: tuple[Any, Any] | None = None) -> Mapping[str, Any]: ...

        def period(self, data: Any, path: str, at: tuple[Any, Any] | None = None
                   ) -> tuple[date, date] | None: ...

        def target(self, m: Mapping[str, Any], path: str, name: str | None
                   ) -> Target | None: ...

    def schedule(self, m: Mapping[str, Any], path: str, name: str | None) -> Schedule:
        """The windows of ``m["schedule"]``, sorted; overlaps and bad windows reported."""
        raw = m.get("schedule")
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.bad(path, tr("must be a list of windows with their targets."),
                     tr("write schedule: [{{period: 2027-01, target: 2 tỷ}}, {{period: 2027-02, "
                        "target: 3 tỷ}}]."), at=(m, "schedule"),
                            code=ProblemCode.PLAN_SCHEDULE_INVALID)
            return ()
        out = []
        for i, item in enumerate(raw[:500]):
            p = f"{path}[{i}]"
            w = self.mapping(item, p, ("period", "start", "end", "target"), (raw, i))
            if not w:
                continue
            window = None
            week = re.fullmatch(r"\s*(\d{4})-?W(\d{1,2})\s*", str(w.get("period", "")),
                                re.IGNORECASE)
            if week:  # an ISO week, Monday to Sunday: 2027-W05
                try:
                    first = date.fromisocalendar(int(week[1]), int(week[2]), 1)
                    window = (first, date.fromordinal(first.toordinal() + 6))
                except ValueError:
                    self.bad(f"{p}.period", tr("{period} is not a week of its year.",
                                               period=clip(w['period'])),
                             tr("write 2027-W05 (weeks 1 to 52 or 53)."), at=(w, "period"),
                                    code=ProblemCode.PLAN_SCHEDULE_INVALID)
            elif "period" in w:
                try:
                    window = parse_period(str(w["period"]))
                except ParameterError as e:
                    self.bad(f"{p}.period", str(e), at=(w, "period"),
                        code=ProblemCode.PLAN_SCHEDULE_INVALID)
            else:
                window = self.period({k: w[k] for k in ("start", "end") if k in w}, p,
                                     (raw, i))
            t = self.target(w, f"{p}.target", name)
            if t is not None and t.is_relative:
                self.bad(f"{p}.target", tr("must be an absolute number in a schedule."),
                         tr("write the window's own target, e.g. 2 tỷ."), at=(w, "target"),
                                code=ProblemCode.PLAN_SCHEDULE_INVALID)
                t = None
            if window and t is not None:
                out.append((window[0], window[1], float(t.value)))  # type: ignore[arg-type]
        out.sort()
        for (a0, a1, _), (b0, b1, _) in zip(out, out[1:], strict=False):
            if b0 <= a1:
                self.bad(path, tr("the windows {a0}..{a1} and {b0}..{b1} overlap.", a0=a0, a1=a1,
                                  b0=b0, b1=b1),
                         tr("give each day one target: make the windows follow each other."),
                         at=(m, "schedule"), code=ProblemCode.PLAN_SCHEDULE_OVERLAP)
        return tuple(out)

    def inside(self, schedule: tuple[tuple[date, date, float], ...], period: tuple[date, date],
               path: str, at: tuple[Any, Any]) -> None:
        for a, b, _ in schedule:
            if a < period[0] or b > period[1]:
                self.bad(path, tr("the window {a}..{b} is outside the period {period}..{v2}.", a=a,
                                  b=b, period=period[0], v2=period[1]),
                         tr("keep every window inside the KPI's period."), at=at,
                                code=ProblemCode.PLAN_SCHEDULE_OUTSIDE_PERIOD)

    def adds_up(self, k: KPITarget, period: tuple[date, date] | None, path: str) -> None:
        """A total's schedule cannot ask for more than its target, nor less when it covers all."""
        if not k.schedule or period is None or get_kpi(k.kpi).is_ratio or k.target.is_relative:
            return
        total = float(k.target.value)  # type: ignore[arg-type]
        part = sum(v for _, _, v in k.schedule)
        covered = sum((b - a).days + 1 for a, b, _ in k.schedule)
        whole = (period[1] - period[0]).days + 1
        slack = 1e-9 * max(abs(total), 1.0)
        if part > total + slack or (covered >= whole and abs(part - total) > slack):
            self.bad(f"{path}.schedule", tr("the windows add up to {part}, but the target is "
                                            "{total}.", part=neutral(part), total=neutral(total)),
                tr("make the windows add up to the target, or leave the target out."),
                       code=ProblemCode.PLAN_SCHEDULE_SUM_MISMATCH)

