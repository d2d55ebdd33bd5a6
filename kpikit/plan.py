"""KPI plans: objectives, KPIs, SMART targets, owners and cadence, as frozen values.

A :class:`Plan` is read from and written to YAML (safe loading only). Every
validation problem names its exact place (``objectives[0].kpis[2].target``)
and the valid choices. Direction always comes from the catalog.

YAML shape::

    plan: Tết Sale 2027
    currency: VND
    language: vi
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
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ._lang import tr
from .catalog import HORIZONS, KPIS, OBJECTIVES, get_kpi
from .errors import KpikitError, Problem

__all__ = [
    "BASELINES",
    "CADENCES",
    "BusinessGoal",
    "KPITarget",
    "Objective",
    "Plan",
    "PlanError",
    "Target",
    "parse_period",
    "parse_target",
]

CADENCES: tuple[str, ...] = ("weekly", "monthly", "quarterly", "campaign")
#: baselines a relative target can refer to
BASELINES: tuple[str, ...] = ("last_year", "previous_period", "trailing")
LANGS = ("en", "vi")
UNASSIGNED = "unassigned"
#: rates whose numerator is part of the denominator: they cannot pass 1 (100%)
BOUNDED_RATES = frozenset({
    "ctr", "link_ctr", "view_rate", "completion_rate", "engaged_session_rate", "bounce_rate",
    "email_open_rate", "email_ctr", "click_to_open_rate", "unsubscribe_rate",
    "repeat_purchase_rate", "share_rate",
})

_REL_RE = re.compile(
    r"^\s*([+-]\s*\d+(?:[.,]\d+)?)\s*%\s*"
    r"(?:vs\.?\s*(last\s+year|same\s+period\s+last\s+year|previous\s+period|"
    r"trailing(?:\s+(\d+))?(?:\s+periods?)?))?\s*$",
    re.IGNORECASE,
)


class PlanError(KpikitError):
    """A plan file or object with problems; lists every one with its place."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        n = len(problems)
        head += tr(f"{n} problem{'s' if n != 1 else ''} in the plan",
                   f"kế hoạch có {n} lỗi")
        super().__init__("\n".join([head, *(f"  - {p}" for p in problems)]))


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
            if clean != v:
                # "1.17%" reads as 1.17 / 100: write it back the way it reads
                text = f"{v * 100:.12g}%"
                try:
                    if parse_target(text).value == v:
                        return text
                except ValueError:
                    pass
            return int(clean) if clean.is_integer() else clean
        pct = f"{self.change * 100:+g}%"
        if self.baseline == "last_year":
            return f"{pct} vs last year"
        if self.baseline == "previous_period":
            return f"{pct} vs previous period"
        return f"{pct} vs trailing {self.trailing}"

    def __str__(self) -> str:
        return str(self.to_yaml())


def _as_displayed(t: Target, kpi: str, currency: str | None) -> Target:
    """An absolute target carrying float noise (a computed 36,512,345,678.91...) rounded as
    it is displayed (money to its currency's units, percent to 0.01%, ratios to 0.01);
    a clean value as the user wrote it is kept whole."""
    if t.is_relative or t.value is None:
        return t
    v = float(t.value)
    if float(f"{v:.12g}") == v or float(f"{v * 100:.12g}") / 100 == v:
        return t  # as written ("1.17%" reads as 1.17 / 100)
    from .format import _NO_DECIMALS

    unit = get_kpi(kpi).unit
    digits = {"percent": 4, "ratio": 2}.get(unit, 0 if abs(v) >= 100 else 1)
    if unit == "currency":
        digits = 0 if (currency in _NO_DECIMALS or abs(v) >= 1000 and currency is None) else 2
    return replace(t, value=round(v, digits))


def parse_target(raw: object) -> Target:
    """Parse ``4.5``, ``"4.5"``, ``"+15%"`` or ``"-10% vs trailing 3"``.

    Raises
    ------
    ValueError
        When ``raw`` is neither a number nor a relative change.
    """
    if isinstance(raw, bool):
        raise ValueError("a yes/no is not a target")
    if isinstance(raw, (int, float)):
        if raw != raw:
            raise ValueError("NaN is not a target")
        return Target(value=float(raw))
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return Target(value=float(text.replace(",", "")))
        except ValueError:
            pass
        if re.fullmatch(r"\d+(?:[.,]\d+)?\s*%", text):  # "2.5%": an absolute rate
            return Target(value=float(text.rstrip("% ").replace(",", ".")) / 100)
        m = _REL_RE.match(text)
        if m:
            change = float(m.group(1).replace(" ", "").replace(",", ".")) / 100
            base = (m.group(2) or "last year").lower()
            if "trailing" in base:
                return Target(change=change, baseline="trailing", trailing=int(m.group(3) or 3))
            if "previous" in base:
                return Target(change=change, baseline="previous_period")
            return Target(change=change, baseline="last_year")
    raise ValueError(f"cannot read {raw!r} as a target")


def parse_period(text: str) -> tuple[date, date]:
    """``"2027Q1"``, ``"2027-01"``, ``"2027"`` or ``"2027-01-01:2027-02-28"`` as (start, end).

    Raises
    ------
    ParameterError
        For anything else.
    """
    from .errors import ParameterError

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
        raise ParameterError(tr(
            f"period {text!r}: write 2027-01 (a month), 2027Q1 (a quarter), 2027 (a year) or "
            "2027-01-01:2027-02-28 (a range).",
            f"kỳ {text!r}: viết 2027-01 (một tháng), 2027Q1 (một quý), 2027 (một năm) hoặc "
            "2027-01-01:2027-02-28 (một khoảng ngày).")) from None


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
        t = target if isinstance(target, Target) else parse_target(target)
        objs = tuple(
            replace(o, kpis=tuple(replace(k, target=t) if k.kpi == kpi else k for k in o.kpis))
            for o in self.objectives
        )
        return replace(self, objectives=objs)

    # -------------------------------------------------------------- YAML
    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Plan:
        """Build a plan from parsed YAML; raise :class:`PlanError` listing every problem."""
        return _Reader(source).plan(data)

    @classmethod
    def from_yaml(cls, path_or_text: str | os.PathLike[str]) -> Plan:
        """Read a plan from a YAML file path or YAML text (safe loading only)."""
        import yaml

        source = None
        text = str(path_or_text)
        if isinstance(path_or_text, os.PathLike) or ("\n" not in text and
                                                     text.endswith((".yaml", ".yml"))):
            path = Path(path_or_text)
            source = path.name
            if not path.exists():
                raise PlanError([Problem(tr("no such file.", "không có tệp này."),
                                         tr("check the plan path.",
                                            "kiểm tra đường dẫn kế hoạch."), str(path))])
            text = path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            row = mark.line + 1 if mark else None
            why = getattr(e, "problem", e)
            raise PlanError([Problem(tr(f"not valid YAML ({why}).",
                                        f"không phải YAML hợp lệ ({why})."),
                                     tr("check indentation and quotes near that line.",
                                        "kiểm tra thụt lề và dấu nháy gần dòng đó."),
                                     source, row)], source) from None
        return cls.from_dict(data, source)

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain data (the YAML shape)."""
        out: dict[str, Any] = {"plan": self.name}
        if self.currency:
            out["currency"] = self.currency
        out["language"] = self.language
        out["period"] = {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()}
        if self.campaigns or self.channels:
            out["scope"] = {"campaigns": list(self.campaigns), "channels": list(self.channels)}
        if self.business_goal:
            g = self.business_goal
            out["business_goal"] = {"kpi": g.kpi,
                                    "target": _as_displayed(g.target, g.kpi,
                                                            self.currency).to_yaml(),
                                    **({"description": g.description} if g.description else {})}
        out["objectives"] = []
        for o in self.objectives:
            od: dict[str, Any] = {"type": o.type}
            if o.description:
                od["description"] = o.description
            od["kpis"] = []
            for k in o.kpis:
                kd: dict[str, Any] = {"kpi": k.kpi,
                                      "target": _as_displayed(k.target, k.kpi,
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
                od["kpis"].append(kd)
            out["objectives"].append(od)
        return out

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """Return the plan as YAML text; also write it (atomically) when ``path`` is given."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)
        if path is not None:
            from ._files import atomic_write_text

            atomic_write_text(Path(path), text)
        return text


# ------------------------------------------------------------------ reading


def _choices(value: object, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=2, cutoff=0.6)
    near = " or ".join(map(repr, close)) if close else ""
    hint = tr(f" (did you mean {near}?)", f" (có phải ý bạn là {near}?)") if close else ""
    return tr(f"choose from {', '.join(choices)}{hint}.", f"chọn trong {', '.join(choices)}{hint}.")


class _Reader:
    """Turns parsed YAML into a Plan, collecting every problem with its path."""

    def __init__(self, source: str | None):
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, path: str, message: str, fix: str = "") -> None:
        self.problems.append(Problem(f"{path}: {message}", fix, self.source))

    def mapping(self, data: Any, path: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            kind = type(data).__name__
            self.bad(path, tr(f"must be a mapping (key: value lines), not {kind}.",
                              f"phải là một ánh xạ (các dòng khóa: giá trị), không phải {kind}."))
            return {}
        for key in data:
            if key not in allowed:
                self.bad(f"{path}.{key}" if path else str(key),
                         tr("unknown key.", "khóa không hợp lệ."), _choices(key, allowed))
        return data

    def text(self, data: Mapping[str, Any], key: str, path: str, required: bool = False,
             default: str = "") -> str:
        v = data.get(key)
        if v is None:
            if required:
                name = key.split(".")[-1]
                self.bad(path, tr("is required.", "là bắt buộc."),
                         tr(f"add '{name}: ...'.", f"thêm '{name}: ...'."))
            return default
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            self.bad(path, tr("must be text.", "phải là văn bản."))
            return default
        return str(v).strip()

    def names(self, data: Any, path: str) -> tuple[str, ...]:
        if data is None:
            return ()
        if isinstance(data, str):
            return (data,)
        if isinstance(data, list) and all(isinstance(x, str) for x in data):
            return tuple(data)
        self.bad(path, tr("must be a list of names.", "phải là một danh sách tên."),
                 tr("write e.g. [Tết Sale, Brand Awareness].",
                    "ví dụ: [Tết Sale, Brand Awareness]."))
        return ()

    def scope(self, data: Any, path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if data is None:
            return (), ()
        m = self.mapping(data, path, ("campaigns", "channels"))
        return (self.names(m.get("campaigns"), f"{path}.campaigns"),
                self.names(m.get("channels"), f"{path}.channels"))

    def day(self, value: Any, path: str) -> date | None:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.bad(path, tr(f"must be a date like 2027-01-31, not {value!r}.",
                          f"phải là ngày dạng 2027-01-31, không phải {value!r}."))
        return None

    def period(self, data: Any, path: str) -> tuple[date, date] | None:
        if data is None:
            return None
        m = self.mapping(data, path, ("start", "end"))
        if not m:
            return None
        if "start" not in m or "end" not in m:
            self.bad(path, tr("needs both start and end.", "cần cả start và end."),
                     tr("write {start: 2027-01-01, end: ...}.",
                        "viết {start: 2027-01-01, end: ...}."))
            return None
        start = self.day(m["start"], f"{path}.start")
        end = self.day(m["end"], f"{path}.end")
        if start and end and end < start:
            self.bad(f"{path}.end", tr(f"{end} is before the start {start}.",
                                       f"{end} trước ngày bắt đầu {start}."))
            return None
        return (start, end) if start and end else None

    def target(self, raw: Any, path: str) -> Target | None:
        if raw is None:
            self.bad(path, tr("is required.", "là bắt buộc."),
                     tr('write a number (4.5) or a change ("+15% vs last year", "-10% vs '
                        'previous period", "+5% vs trailing 3").',
                        'viết một số (4.5) hoặc một mức thay đổi ("+15% vs last year", '
                        '"-10% vs previous period", "+5% vs trailing 3").'))
            return None
        try:
            return parse_target(raw)
        except ValueError:
            self.bad(path, tr(f'must be a number or "+N%" (optionally "vs last year", "vs '
                              f'previous period", "vs trailing N"), not {raw!r}.',
                              f'phải là một số hoặc "+N%" (có thể kèm "vs last year", "vs '
                              f'previous period", "vs trailing N"), không phải {raw!r}.'))
            return None

    def number(self, raw: Any, path: str, default: float) -> float:
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0:
            self.bad(path, tr(f"must be a number of 0 or more, not {raw!r}.",
                              f"phải là số từ 0 trở lên, không phải {raw!r}."))
            return default
        return float(raw)

    def kpi_name(self, raw: Any, path: str) -> str | None:
        if not isinstance(raw, str) or not raw.strip():
            self.bad(path, tr("is required: the KPI's name.", "là bắt buộc: tên của KPI."),
                     _choices("", list(KPIS)))
            return None
        key = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if key not in KPIS:
            self.bad(path, tr(f"unknown KPI {raw!r}.", f"không có KPI {raw!r}."),
                     _choices(key, list(KPIS)))
            return None
        return key

    def kpi(self, data: Any, path: str) -> KPITarget | None:
        m = self.mapping(data, path, ("kpi", "target", "owner", "cadence", "horizon", "weight",
                                      "scope", "period", "note"))
        if not m:
            return None
        name = self.kpi_name(m.get("kpi"), f"{path}.kpi")
        target = self.target(m.get("target"), f"{path}.target")
        owner = self.text(m, "owner", f"{path}.owner", default=UNASSIGNED) or UNASSIGNED
        cadence = self.text(m, "cadence", f"{path}.cadence", default="monthly")
        if cadence not in CADENCES:
            self.bad(f"{path}.cadence", tr(f"unknown cadence {cadence!r}.",
                                           f"không có chu kỳ {cadence!r}."),
                     _choices(cadence, CADENCES))
        horizon = self.text(m, "horizon", f"{path}.horizon")
        if horizon and horizon not in HORIZONS:
            self.bad(f"{path}.horizon", tr(f"unknown horizon {horizon!r}.",
                                           f"không có tầm nhìn {horizon!r}."),
                     _choices(horizon, HORIZONS))
        weight = self.number(m.get("weight"), f"{path}.weight", 1.0)
        campaigns, channels = self.scope(m.get("scope"), f"{path}.scope")
        period = self.period(m.get("period"), f"{path}.period")
        if name is None or target is None:
            return None
        if (target.value is not None and target.value > 1 and name in BOUNDED_RATES):
            v = target.value
            self.bad(f"{path}.target",
                     tr(f"{v:g} is above 100% for {name}, a share between 0 and 1.",
                        f"{v:g} vượt 100% với {name}, một tỷ lệ giữa 0 và 1."),
                     tr(f'write {v / 100:g} or "{v:g}%".', f'viết {v / 100:g} hoặc "{v:g}%".'))
        if target.value is not None and target.value < 0:
            self.bad(f"{path}.target", tr(f"{target.value:g} is negative.",
                                          f"{target.value:g} là số âm."),
                     tr(f"{name} cannot be below 0.", f"{name} không thể dưới 0."))
        return KPITarget(kpi=name, target=target, owner=owner, cadence=cadence,
                         horizon=horizon if horizon in HORIZONS else "", weight=weight,
                         campaigns=campaigns, channels=channels, period=period,
                         note=self.text(m, "note", f"{path}.note"))

    def plan(self, data: Any) -> Plan:
        top = self.mapping(data, "", ("plan", "name", "currency", "language", "period",
                                      "scope", "business_goal", "objectives"))
        if not isinstance(data, Mapping):
            raise PlanError(self.problems, self.source)
        name = self.text(top, "plan", "plan") or self.text(top, "name", "name")
        if not name:
            self.bad("plan", tr("is required: the plan's name.", "là bắt buộc: tên kế hoạch."),
                     tr("add 'plan: My plan' at the top.",
                        "thêm 'plan: Kế hoạch của tôi' ở đầu tệp."))
        currency = self.text(top, "currency", "currency").upper() or None
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            self.bad("currency", tr(f"{currency!r} is not an ISO currency code.",
                                    f"{currency!r} không phải mã tiền tệ ISO."),
                     tr("e.g. VND, USD.", "ví dụ VND, USD."))
        language = self.text(top, "language", "language", default="en")
        if language not in LANGS:
            self.bad("language", tr(f"unknown language {language!r}.",
                                    f"không hỗ trợ ngôn ngữ {language!r}."),
                     _choices(language, LANGS))
        period = self.period(top.get("period"), "period")
        if "period" not in top:
            self.bad("period", tr("is required.", "là bắt buộc."),
                     tr("add 'period: {start: 2027-01-01, end: 2027-03-31}'.",
                        "thêm 'period: {start: 2027-01-01, end: 2027-03-31}'."))
        campaigns, channels = self.scope(top.get("scope"), "scope")
        goal = None
        if top.get("business_goal") is not None:
            g = self.mapping(top["business_goal"], "business_goal",
                             ("kpi", "target", "description"))
            gname = self.kpi_name(g.get("kpi"), "business_goal.kpi")
            gtarget = self.target(g.get("target"), "business_goal.target")
            if gname and gtarget:
                goal = BusinessGoal(gname, gtarget,
                                    self.text(g, "description", "business_goal.description"))
        objectives = []
        raw_objs = top.get("objectives")
        if not isinstance(raw_objs, list) or not raw_objs:
            self.bad("objectives", tr("must be a list with at least one objective.",
                                      "phải là danh sách có ít nhất một mục tiêu."),
                     tr("add 'objectives: [{type: sales, kpis: [...]}]'.",
                        "thêm 'objectives: [{type: sales, kpis: [...]}]'."))
            raw_objs = []
        for i, o in enumerate(raw_objs):
            p = f"objectives[{i}]"
            om = self.mapping(o, p, ("type", "description", "kpis"))
            otype = self.text(om, "type", f"{p}.type", required=True)
            if otype and otype not in OBJECTIVES:
                self.bad(f"{p}.type", tr(f"unknown objective {otype!r}.",
                                         f"không có mục tiêu {otype!r}."),
                         _choices(otype, OBJECTIVES))
            raw_kpis = om.get("kpis")
            if not isinstance(raw_kpis, list) or not raw_kpis:
                self.bad(f"{p}.kpis", tr("must be a list with at least one KPI.",
                                         "phải là danh sách có ít nhất một KPI."),
                         tr("add 'kpis: [{kpi: roas, target: 4, owner: ...}]'.",
                            "thêm 'kpis: [{kpi: roas, target: 4, owner: ...}]'."))
                raw_kpis = []
            kpis = [self.kpi(k, f"{p}.kpis[{j}]") for j, k in enumerate(raw_kpis)]
            seen: dict[tuple, int] = {}
            for j, k in enumerate(kpis):
                if k is None:
                    continue
                key = (k.kpi, k.campaigns, k.channels, k.period)
                if key in seen:
                    other = f"{p}.kpis[{seen[key]}]"
                    self.bad(f"{p}.kpis[{j}]",
                             tr(f"repeats {k.kpi!r} of {other} with the same scope and period.",
                                f"lặp lại {k.kpi!r} của {other} với cùng phạm vi và kỳ."),
                             tr("remove one of them.", "xóa một trong hai."))
                seen.setdefault(key, j)
            objectives.append(Objective(otype, tuple(k for k in kpis if k is not None),
                                        self.text(om, "description", f"{p}.description")))
        if self.problems:
            raise PlanError(self.problems, self.source)
        assert period is not None
        return Plan(name=name, period=period, objectives=tuple(objectives), currency=currency,
                    language=language, campaigns=campaigns, channels=channels,
                    business_goal=goal, source=self.source)
