"""Step 4: KPI trees (revenue = impressions x CTR x CVR x value per conversion) and the
cascade that splits a business goal into driver targets multiplying up to it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from kpikit.catalog import get_kpi
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import nfmt, resolve_lang, tr
from kpikit.plans.scope import kpi_value

__all__ = ["TREES", "Cascade", "KPITree", "cascade", "choose_tree", "tree_baselines"]


@dataclass(frozen=True)
class KPITree:
    """``goal = constant * prod(driver ** exponent)``, an exact identity of sums."""

    goal: str
    drivers: tuple[tuple[str, int], ...]
    constant: float = 1.0

    @property
    def measures(self) -> tuple[str, ...]:
        """Every measure the tree needs."""
        seen: dict[str, None] = {}
        for n in (self.goal, *(d for d, _ in self.drivers)):
            for m in get_kpi(n).measures:
                seen[m] = None
        return tuple(seen)

    def formula(self, lang: str | None = None) -> str:
        """``revenue = impressions × ctr × cvr × value_per_conversion`` in English (the codes
        a plan file uses), the catalog's labels in other languages."""
        lang = resolve_lang(lang)

        def word(name: str) -> str:
            return name if lang == "en" else get_kpi(name).label(lang)

        parts = []
        for i, (d, e) in enumerate(self.drivers):
            op = "" if i == 0 else (" × " if e > 0 else " ÷ ")
            parts.append(op + word(d))
        head = word(self.goal)
        const = f"{self.constant:g} × " if self.constant != 1 else ""
        return f"{head} = {const}{''.join(parts)}"


TREES: dict[str, tuple[KPITree, ...]] = {
    "revenue": (
        KPITree("revenue", (("impressions", 1), ("ctr", 1), ("cvr", 1),
                            ("value_per_conversion", 1))),
        KPITree("revenue", (("sessions", 1), ("session_cvr", 1), ("value_per_conversion", 1))),
        KPITree("revenue", (("spend", 1), ("roas", 1))),
    ),
    "conversions": (
        KPITree("conversions", (("impressions", 1), ("ctr", 1), ("cvr", 1))),
        KPITree("conversions", (("spend", 1), ("cpa", -1))),
    ),
    "orders": (KPITree("orders", (("spend", 1), ("cost_per_order", -1))),),
    "leads": (
        KPITree("leads", (("spend", 1), ("cpl", -1))),
        KPITree("leads", (("clicks", 1), ("lead_rate", 1))),
    ),
    "new_customers": (KPITree("new_customers", (("spend", 1), ("cac", -1))),),
    "clicks": (KPITree("clicks", (("impressions", 1), ("ctr", 1))),
               KPITree("clicks", (("spend", 1), ("cpc", -1)))),
    "sessions": (KPITree("sessions", (("clicks", 1), ("landing_rate", 1))),),
    "impressions": (KPITree("impressions", (("spend", 1), ("cpm", -1)), 1000.0),),
    "engagements": (KPITree("engagements", (("impressions", 1),
                                            ("engagement_rate_impressions", 1))),),
}


def choose_tree(goal: str, data: pd.DataFrame | None = None) -> KPITree:
    """The first tree for ``goal`` whose measures the data has (any, without data)."""
    goal = get_kpi(goal).name
    if goal not in TREES:
        names = ", ".join(TREES)
        raise ParameterError(tr("no KPI tree for business goal {goal!r}. Fix: choose from {names}.",
                                goal=goal, names=names), code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    for tree in TREES[goal]:
        if data is None or all(m in data and data[m].notna().any() for m in tree.measures):
            return tree
    needs = ", ".join(TREES[goal][0].measures)
    raise ParameterError(tr("the data cannot measure any tree of {goal!r} (needs e.g. {needs}). "
                            "Fix: load those measures.", goal=goal,
                            needs=needs), code=ProblemCode.DATA_CANNOT_MEASURE)


@dataclass(frozen=True)
class Cascade:
    """A business goal split into driver targets that multiply up to it."""

    tree: KPITree
    goal_baseline: float
    goal_target: float
    drivers: pd.DataFrame  # kpi, exponent, baseline, target, change, source
    product: float  # constant * prod(target ** exponent)
    contradictions: tuple[str, ...]
    coverage: float = 1.0  # share of the goal's baseline the tree's rows hold

    @property
    def error(self) -> float:
        """Relative gap between the drivers' product and the goal target."""
        return abs(self.product / self.goal_target - 1) if self.goal_target else math.nan


def tree_baselines(tree: KPITree, data: pd.DataFrame) -> dict[str, float]:
    """Goal and driver values over the rows where every tree measure is present."""
    rows = data.dropna(subset=list(tree.measures))
    out = {tree.goal: kpi_value(rows, get_kpi(tree.goal))}
    for d, _ in tree.drivers:
        out[d] = kpi_value(rows, get_kpi(d))
    return out


def cascade(
    tree: KPITree,
    goal_target: float,
    baselines: dict[str, float],
    *,
    fixed: dict[str, float] | None = None,
    locked: Iterable[str] = (),
    weights: dict[str, float] | None = None,
    tolerance: float = 0.01,
) -> Cascade:
    """Split the change a goal needs across the tree's drivers.

    Fixed drivers keep their given targets, locked ones their baselines; the
    rest share the remaining change in proportion to ``weights`` (equal by
    default) on a log scale, so the targets multiply exactly to the goal.
    A driver with exponent -1 (CPL in ``leads = spend / CPL``) moves down.
    """
    fixed = dict(fixed or {})
    locked = set(locked)
    names = [d for d, _ in tree.drivers]
    for n in (*fixed, *locked):
        if n not in names:
            raise ParameterError(tr("{n!r} is not a driver of {formula}.", n=n,
                                    formula=tree.formula()),
                                 code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    b = {d: baselines[d] for d in names}
    bad = [d for d in names if not (b[d] == b[d] and b[d] > 0)]
    if bad:
        names = ", ".join(bad)
        raise ParameterError(tr("no usable baseline for {names} (zero or missing), so the goal "
                                "cannot be split. Fix: set their targets directly, or use data "
                                "that measures them.",
                                names=names), code=ProblemCode.VALUE_ZERO_BASE)
    goal_base = tree.constant * math.prod(b[d] ** e for d, e in tree.drivers)
    need = goal_target / goal_base
    got = math.prod((fixed[d] / b[d]) ** e for d, e in tree.drivers if d in fixed)
    free = [d for d in names if d not in fixed and d not in locked]
    w = {d: (weights or {}).get(d, 1.0) for d in free}
    contradictions = []
    targets: dict[str, float] = {}
    source: dict[str, str] = {}
    for d, _e in tree.drivers:
        if d in fixed:
            targets[d], source[d] = fixed[d], "plan"
        elif d in locked:
            targets[d], source[d] = b[d], "locked"
    if free and sum(w.values()) > 0:
        rest = need / got
        for d, e in tree.drivers:
            if d in w:
                targets[d] = b[d] * rest ** (w[d] / sum(w.values()) / e)
                source[d] = "cascade"
    else:
        for d in free:
            targets[d], source[d] = b[d], "locked"
    product = tree.constant * math.prod(targets[d] ** e for d, e in tree.drivers)
    if abs(product / goal_target - 1) > tolerance:
        off = nfmt(product / goal_target - 1, "+.1%")
        contradictions.append(tr("the driver targets multiply to {product}, not the goal "
                                 "{goal_target} ({off}): {formula}", product=nfmt(product, ',.6g'),
                                 goal_target=nfmt(goal_target, ',.6g'), off=off,
                                 formula=tree.formula()))
    frame = pd.DataFrame([
        {"kpi": d, "exponent": e, "baseline": b[d], "target": targets[d],
         "change": targets[d] / b[d] - 1, "source": source[d],
         "direction": get_kpi(d).direction}
        for d, e in tree.drivers
    ])
    return Cascade(tree, goal_base, goal_target, frame, product, tuple(contradictions))
