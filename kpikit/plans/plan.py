"""KPI plans: objectives, KPIs, SMART targets, owners and cadence, as frozen values.

A :class:`Plan` is read from and written to YAML (safe loading only). Every
validation problem names its exact place (``objectives[0].kpis[2].target``)
and the valid choices. Direction always comes from the catalog.

YAML shape::

    plan: Tết Sale 2027
    currency: VND
    language: vi
    number_format: vi            # 1.234.567,5; default: from language and currency, else
                                 # from the targets that can only be read one way
    period: {start: 2027-01-01, end: 2027-02-28}
    scope: {campaigns: [Tết Sale], channels: []}      # empty: all
    business_goal: {kpi: revenue, target: 23000000000, description: ...}
    objectives:
      - type: sales
        description: Sell more during Tết
        kpis:
          - kpi: roas
            target: 5.5                     # absolute
            owner: Lan (performance)
            cadence: weekly                 # weekly, monthly, quarterly, campaign
            horizon: short                  # default: the catalog's hint
            weight: 2
          - kpi: revenue
            target: "+15% vs last year"     # relative to a baseline
          - kpi: cpa
            target: "128.000 ₫"             # money, in the plan's number format ("22 tỷ", "5tr")

Numbers that read differently in the two formats (``1.234``, ``1,234``) follow
``number_format``; when a plan gives no way to tell, they are refused, never guessed.
The reading lives in :mod:`kpikit.plans.reading`, targets in :mod:`kpikit.plans.targets`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError, Problem
from kpikit.plans.reading import PlanError, PlanReader
from kpikit.plans.targets import (
    BusinessGoal,
    KPITarget,
    Objective,
    Target,
    as_displayed,
    parse_target,
)

__all__ = ["Plan", "PlanError", "load_plan"]


@dataclass(frozen=True)
class Plan:
    """A KPI plan (a frozen value: methods return new plans).

    Attributes
    ----------
    name, currency, language
        Plan name, ISO currency of money targets, ``"en"`` or ``"vi"``.
    period
        First and last day the plan covers.
    campaigns, channels
        Scope of the plan; empty means all.
    business_goal
        The result the KPIs must add up to (step 4), or None.
    objectives
        The objectives with their KPIs.
    number_format
        ``"vi"`` or ``"en"``: how the plan file writes numbers (None when it cannot tell).
    """

    name: str
    period: tuple[date, date]
    objectives: tuple[Objective, ...]
    currency: str | None = None
    language: str = "en"
    campaigns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    business_goal: BusinessGoal | None = None
    source: str | None = field(default=None, compare=False)
    #: how the plan file writes numbers (``vi`` 1.234,5, ``en`` 1,234.5), None when unknown
    number_format: str | None = field(default=None, compare=False)
    #: alert rules as written (checked by kpikit.runs.alerts when a batch reads the plan)
    alerts: tuple[Any, ...] = field(default=(), compare=False)

    # ------------------------------------------------------------ access
    def targets(self) -> Iterator[tuple[Objective, KPITarget]]:
        """Yield ``(objective, kpi_target)`` for every KPI of the plan."""
        for o in self.objectives:
            for k in o.kpis:
                yield o, k

    def kpi_names(self) -> list[str]:
        """Names of every KPI in the plan, without repeats."""
        return list(dict.fromkeys(k.kpi for _, k in self.targets()))

    def scope_of(self, k: KPITarget) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return the (campaigns, channels) a KPI is measured on."""
        return (k.campaigns or self.campaigns, k.channels or self.channels)

    def period_of(self, k: KPITarget) -> tuple[date, date]:
        """Return the period a KPI's target is for."""
        return k.period or self.period

    def for_campaign(self, campaign: str) -> Plan:
        """A new plan narrowed to one campaign (KPI-level campaign scopes are dropped)."""
        objs = tuple(replace(o, kpis=tuple(replace(k, campaigns=()) for k in o.kpis))
                     for o in self.objectives)
        return replace(self, campaigns=(campaign,), objectives=objs)

    def with_target(self, kpi: str, target: Target | float | str) -> Plan:
        """Return a new plan where every entry of ``kpi`` has ``target``."""
        t = target if isinstance(target, Target) else parse_target(
            target, self.number_format, self.currency)
        objs = tuple(
            replace(o, kpis=tuple(replace(k, target=t) if k.kpi == kpi else k for k in o.kpis))
            for o in self.objectives
        )
        return replace(self, objectives=objs)

    # -------------------------------------------------------------- YAML
    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Plan:
        """Build a plan from parsed YAML; raise :class:`PlanError` listing every problem."""
        return cls(**PlanReader(source).fields(data))

    @classmethod
    def from_yaml(cls, path_or_text: str | os.PathLike[str]) -> Plan:
        """Read a plan from a YAML file path or YAML text (safe loading only).

        The file is read with :mod:`kpikit.data_in.yaml_safe`: UTF-8 (BOM or not) or UTF-16
        with a BOM, at most a few MB, no alias bombs, no deep nesting, no duplicate keys.
        """
        from kpikit.data_in.yaml_safe import OptionFileError, load_file, load_text

        source = None
        text = str(path_or_text)
        try:
            if isinstance(path_or_text, os.PathLike) or ("\n" not in text and
                                                         text.endswith((".yaml", ".yml"))):
                path = Path(path_or_text)
                source = path.name or str(path)
                loaded = load_file(path, source)
            else:
                loaded = load_text(text, None)
        except OptionFileError as e:
            raise PlanError([e.problem], source) from None
        except ParameterError as e:  # read_limited: missing, a folder, a FIFO, too large
            raise PlanError([Problem(str(e), code=e.code)], source) from None
        return cls(**PlanReader(source, loaded).fields(loaded.data))

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain data (the YAML shape)."""
        out: dict[str, Any] = {"plan": self.name}
        if self.currency:
            out["currency"] = self.currency
        out["language"] = self.language
        if self.number_format:
            out["number_format"] = self.number_format
        out["period"] = {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()}
        if self.campaigns or self.channels:
            out["scope"] = {"campaigns": list(self.campaigns), "channels": list(self.channels)}
        if self.business_goal:
            g = self.business_goal
            out["business_goal"] = {"kpi": g.kpi,
                                    "target": as_displayed(g.target, g.kpi,
                                                            self.currency).to_yaml(),
                                    **({"description": g.description} if g.description else {})}
        if self.alerts:
            out["alerts"] = [dict(a) if isinstance(a, Mapping) else a for a in self.alerts]
        out["objectives"] = []
        for o in self.objectives:
            od: dict[str, Any] = {"type": o.type}
            if o.description:
                od["description"] = o.description
            od["kpis"] = []
            for k in o.kpis:
                kd: dict[str, Any] = {"kpi": k.kpi,
                                      "target": as_displayed(k.target, k.kpi,
                                                              self.currency).to_yaml(),
                                      "owner": k.owner, "cadence": k.cadence,
                                      "horizon": k.horizon}
                if k.weight != 1:
                    kd["weight"] = k.weight
                if k.campaigns or k.channels:
                    kd["scope"] = {"campaigns": list(k.campaigns), "channels": list(k.channels)}
                if k.period:
                    kd["period"] = {"start": k.period[0].isoformat(),
                                    "end": k.period[1].isoformat()}
                if k.note:
                    kd["note"] = k.note
                if k.goal != "reach":
                    kd["goal"] = k.goal
                if k.schedule:
                    kd["schedule"] = [
                        {"start": a.isoformat(), "end": b.isoformat(),
                         "target": as_displayed(Target(v), k.kpi, self.currency).to_yaml()}
                        for a, b, v in k.schedule]
                od["kpis"].append(kd)
            out["objectives"].append(od)
        return out

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """Return the plan as YAML text; also write it (atomically) when ``path`` is given."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)
        if path is not None:
            from kpikit.files import atomic_write_text

            atomic_write_text(Path(path), text)
        return text



def load_plan(path_or_text: str | os.PathLike[str]) -> Plan:
    """Read a plan from a YAML file path or YAML text: :meth:`Plan.from_yaml`.

    Raises
    ------
    PlanError
        Listing every problem of the plan, each with its path, line and fix.
    """
    return Plan.from_yaml(path_or_text)
