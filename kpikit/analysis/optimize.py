"""Budget allocation across channels under their response curves (step 7: adjust).

:func:`allocate` finds the spend per channel that maximises the outcome for a
budget, the smallest budget that reaches an outcome, or the largest outcome
under a CPA or ROAS limit, within per-channel bounds and locks. Conflicting
constraints are found before solving and explained with numbers. The curves
come from :mod:`kpikit.analysis.curves`; the advice in words from
:func:`kpikit.views.prose.recommendations`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpikit.analysis.curves import (
    FORMS,
    CurveError,
    ResponseCurve,
    adstock,
    fit_curve,
    fit_curves,
    fit_joint,
)
from kpikit.analysis.meridian import is_meridian, load_meridian
from kpikit.analysis.solver import best_separable, solve
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import nfmt, tr

# the curve and Meridian names stay importable from here: step 7 is one import for a notebook
__all__ = [
    "FORMS",
    "MODES",
    "Allocation",
    "CurveError",
    "InfeasibleError",
    "ResponseCurve",
    "adstock",
    "allocate",
    "fit_curve",
    "fit_curves",
    "fit_joint",
    "is_meridian",
    "load_meridian",
]

MODES = ("max-outcome", "min-budget", "target-cpa", "target-roas")


class InfeasibleError(ParameterError):
    """The allocation's constraints cannot all hold; the message says which and by how much."""


# ----------------------------------------------------------------- allocation


@dataclass(frozen=True)
class Allocation:
    """A recommended allocation (a frozen value).

    ``table`` has one row per channel: current and recommended spend, change,
    outcome at each, marginal return at the recommendation, bounds, the binding
    constraint and why a channel did not move.
    """

    mode: str
    table: pd.DataFrame
    budget: float
    outcome: str
    outcome_current: float
    outcome_recommended: float
    outcome_low: float
    outcome_high: float
    binding: tuple[str, ...]
    target: float | None = None
    success: bool = True
    #: paired draws (current and recommended under the same bootstrap curve): 90% interval
    #: of the gain in outcome, and the share of draws in which the recommendation gains
    gain_low: float = math.nan
    gain_high: float = math.nan
    prob_gain: float = math.nan
    #: channels whose curve failed its time-ordered holdout (forecast worse than the mean)
    failed_holdout: tuple[str, ...] = ()

    @property
    def gain(self) -> float:
        """Expected change of the outcome against the current allocation."""
        return self.outcome_recommended - self.outcome_current

    @property
    def verdict(self) -> str:
        """``"act"`` when the gain is supported (interval above zero, 80%+ of paired
        draws gain, curves pass their holdout); ``"keep"`` when the fit does not support
        moving budget; ``"single"`` with one channel; ``"no change"`` when nothing moves."""
        if len(self.table) == 1 and self.mode == "max-outcome":
            return "single"
        if self.mode != "max-outcome":
            return "act"  # a target mode answers a different question: how to meet the limit
        if (self.table["change"].abs() <= 0.005 * self.table["current"].abs().clip(lower=1e-9)
                ).all():
            return "no change"
        if self.failed_holdout:
            return "keep"
        if self.prob_gain != self.prob_gain:
            return "act"  # curves given without draws: taken as known
        if not (self.prob_gain >= 0.8 and self.gain_low > 0):
            return "keep"
        return "act"

    @property
    def spend_current(self) -> float:
        """Total current spend."""
        return float(self.table["current"].sum())

    @property
    def spend_recommended(self) -> float:
        """Total recommended spend."""
        return float(self.table["recommended"].sum())

    @property
    def lift(self) -> float:
        """Relative change of the outcome against the current allocation."""
        return self.outcome_recommended / self.outcome_current - 1 if self.outcome_current \
            else math.nan


def _bounds(curves: Mapping[str, ResponseCurve], current: Mapping[str, float],
            bounds: Mapping[str, Sequence[float]] | None, locked: Iterable[str]
            ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    names = list(curves)
    problems = []
    bounds = dict(bounds or {})
    locked = list(locked)
    for ch in [*bounds, *locked]:
        if ch not in curves:
            problems.append(tr("{ch!r} is not a channel with a curve (choose from {names}).", ch=ch,
                               names=', '.join(names)))
    lo = np.zeros(len(names))
    hi = np.full(len(names), np.inf)
    for i, ch in enumerate(names):
        if ch in bounds:
            b = bounds[ch]
            if not isinstance(b, (list, tuple)) or len(b) != 2:
                problems.append(tr("bounds[{ch!r}] must be [min, max], not {b!r}.", ch=ch, b=b))
                continue
            mn, mx = (0.0 if b[0] is None else float(b[0]),
                      math.inf if b[1] is None else float(b[1]))
            if mn < 0:
                problems.append(tr("bounds[{ch!r}]: the minimum {mn} is negative.", ch=ch,
                                   mn=nfmt(mn)))
            if mx < mn:
                problems.append(tr("bounds[{ch!r}]: the maximum {mx} is below the minimum {mn}.",
                                   ch=ch, mx=nfmt(mx), mn=nfmt(mn)))
            lo[i], hi[i] = mn, mx
        if ch in locked:
            if ch in bounds and not lo[i] <= current[ch] <= hi[i]:
                span = f"[{lo[i]:,.0f}, {hi[i]:,.0f}]"
                problems.append(tr("{ch!r} is locked at {current}, outside its bounds {span}.",
                                   ch=ch, current=nfmt(current[ch]), span=span))
            lo[i] = hi[i] = current[ch]
    if problems:
        said = " ".join(problems)
        raise InfeasibleError(tr("the allocation cannot run: {said}", said=said),
                              code=ProblemCode.ALLOCATION_INVALID_BOUNDS)
    return lo, hi, names


def _check_budget(budget: float, lo: np.ndarray, hi: np.ndarray, names: list[str],
                  locked: Iterable[str]) -> None:
    if budget <= 0:
        raise InfeasibleError(tr("budget {budget} must be above 0.", budget=nfmt(budget)),
                              code=ProblemCode.ALLOCATION_BUDGET_NOT_POSITIVE)
    if lo.sum() > budget * (1 + 1e-9):
        worst = sorted(zip(lo, names, strict=True), reverse=True)[:3]
        locked_word = tr(" (locked)")
        what = ", ".join(f"{n} {v:,.0f}" + (locked_word if n in set(locked) else "")
                         for v, n in worst if v > 0)
        raise InfeasibleError(tr("the minimums add up to {sum}, {v2} above the budget {budget} "
                                 "(largest: {what}). Fix: lower those minimums or unlock, or "
                                 "raise the budget.", sum=nfmt(lo.sum()),
                                 v2=nfmt(lo.sum() - budget), budget=nfmt(budget), what=what),
                              code=ProblemCode.ALLOCATION_MINIMUMS_ABOVE_BUDGET)
    if np.isfinite(hi).all() and hi.sum() < budget * (1 - 1e-9):
        raise InfeasibleError(tr("the maximums add up to {sum}, {v2} below the budget {budget}: "
                                 "the budget cannot be spent. Fix: raise the maximums or lower "
                                 "the budget.", sum=nfmt(hi.sum()), v2=nfmt(budget - hi.sum()),
                                 budget=nfmt(budget)),
                              code=ProblemCode.ALLOCATION_MAXIMUMS_BELOW_BUDGET)


def _total(curves: list[ResponseCurve], x: np.ndarray) -> float:
    return float(sum(c.predict(v) for c, v in zip(curves, x, strict=True)))


def _grad(curves: list[ResponseCurve], x: np.ndarray) -> np.ndarray:
    return np.array([float(c.marginal(v)) for c, v in zip(curves, x, strict=True)])


def allocate(
    curves: Mapping[str, ResponseCurve],
    *,
    budget: float | None = None,
    current: Mapping[str, float] | None = None,
    mode: str = "max-outcome",
    target: float | None = None,
    bounds: Mapping[str, Sequence[float]] | None = None,
    locked: Iterable[str] = (),
    value_per_outcome: float | None = None,
    max_multiple: float | None = 1.5,
) -> Allocation:
    """Allocate spend across channels under the fitted curves.

    Parameters
    ----------
    curves
        Channel -> curve (same outcome and period length for all).
    budget
        Total spend per period; default the current total. In ``min-budget``
        mode it is an upper limit (optional).
    current
        Current spend per period by channel (default: each curve's mean).
    mode
        ``max-outcome`` (most outcome for the budget), ``min-budget`` (least
        spend reaching ``target`` outcome), ``target-cpa`` (most outcome with
        spend / outcome at most ``target``) or ``target-roas`` (most outcome with
        revenue / spend at least ``target``).
    bounds
        Channel -> ``[min, max]`` spend per period (``None`` for no limit).
    locked
        Channels kept at their current spend.
    value_per_outcome
        Revenue per unit of outcome, for ``target-roas`` with a conversion curve.
    max_multiple
        Channels without an explicit maximum may not go above this multiple of the
        largest spend their curve was fitted on: a curve is not trusted far outside its
        data. ``None`` lifts the guard.

    Raises
    ------
    InfeasibleError
        When bounds, locks, budget and target cannot hold together (says which, by how much).
    """
    if mode not in MODES:
        raise ParameterError(tr("mode={mode!r}: choose from {MODES}.", mode=mode,
                                MODES=', '.join(MODES)),
                             code=ProblemCode.PARAMETER_CHOICE)
    if not curves:
        raise ParameterError(tr("no curves to allocate over."),
                             code=ProblemCode.PARAMETER_MISSING)
    outcomes = {c.outcome for c in curves.values()}
    if len(outcomes) > 1:
        kinds = ", ".join(sorted(outcomes))
        raise ParameterError(tr("curves of different outcomes ({kinds}) cannot be added up. Fix: "
                                "fit them on one outcome.", kinds=kinds),
                             code=ProblemCode.PARAMETER_CONFLICT)
    outcome = outcomes.pop()
    cur = {ch: float((current or {}).get(ch, c.current)) for ch, c in curves.items()}
    locked = list(locked)
    lo, hi, names = _bounds(curves, cur, bounds, locked)
    cs = [curves[n] for n in names]
    if max_multiple:
        for i, (n, c) in enumerate(zip(names, cs, strict=True)):
            if n not in (bounds or {}) and n not in locked and 0 < c.spend_max < math.inf:
                hi[i] = max(min(hi[i], max_multiple * c.spend_max), cur[n], lo[i])
    x0 = np.array([cur[n] for n in names])
    if mode in ("target-cpa", "target-roas", "min-budget") and (target is None or target <= 0):
        raise ParameterError(tr("mode {mode!r} needs a positive target.", mode=mode),
                             code=ProblemCode.PARAMETER_INVALID)
    value = 1.0
    if mode == "target-roas":
        if outcome != "revenue" and not value_per_outcome:
            raise ParameterError(tr("target-roas needs revenue curves, or value_per_outcome to "
                                    "turn conversions into revenue."),
                                 code=ProblemCode.PARAMETER_MISSING)
        value = value_per_outcome or 1.0
    total_budget = float(budget) if budget is not None else float(x0.sum())

    def neg_outcome(x: np.ndarray) -> float:
        return -_total(cs, x)

    def neg_grad(x: np.ndarray) -> np.ndarray:
        return -_grad(cs, x)

    starts = [x0 * total_budget / x0.sum() if x0.sum() > 0 else np.full(len(cs),
                                                                        total_budget / len(cs)),
              np.full(len(cs), total_budget / len(cs)), x0]
    binding: list[str] = []
    if mode == "max-outcome":
        _check_budget(total_budget, lo, hi, names, locked)
        cons = [{"type": "eq", "fun": lambda x: x.sum() - total_budget,
                 "jac": lambda x: np.ones_like(x), "unit": total_budget}]
        x = solve(lo, hi, starts, neg_outcome, neg_grad, cons)
        binding.append("total budget")
        # never worse than the current allocation when that one is feasible
        if abs(x0.sum() - total_budget) <= 1e-9 * total_budget and (lo <= x0).all() and (
                x0 <= hi).all() and (x is None or _total(cs, x0) > _total(cs, x)):
            x = x0
    elif mode == "min-budget":
        # without a maximum, look as far as ten times the data (or a hundred times today)
        wide = np.array([c.spend_max * 10 if 0 < c.spend_max < math.inf
                         else max(x0[i] * 100, 1.0) for i, c in enumerate(cs)])
        reach_hi = np.where(np.isfinite(hi), hi, wide)
        best = _total(cs, reach_hi)
        if best < target:
            raise InfeasibleError(tr("even at every channel's maximum ({sum} in all) the curves "
                                     "give {best} {outcome}, below the target {target}. Fix: "
                                     "lower the target or raise the maximums.",
                                     sum=nfmt(reach_hi.sum()), best=nfmt(best), outcome=outcome,
                                     target=nfmt(target)),
                                  code=ProblemCode.ALLOCATION_TARGET_UNREACHABLE)
        cons = [{"type": "ineq", "fun": lambda x: _total(cs, x) - target,
                 "jac": lambda x: _grad(cs, x), "unit": float(target)}]
        if budget is not None:
            cons.append({"type": "ineq", "fun": lambda x: total_budget - x.sum(),
                         "jac": lambda x: -np.ones_like(x), "unit": total_budget})
        starts = [reach_hi.copy(), x0 * 1.5, x0]
        x = solve(lo, hi, starts, lambda x: float(x.sum()), lambda x: np.ones_like(x),
                   cons)
        if x is not None and budget is not None and x.sum() > total_budget * (1 + 1e-6):
            x = None
        if x is None:
            room = (tr("within the budget {total_budget} ",
                       total_budget=nfmt(total_budget)) if budget is not None else "")
            raise InfeasibleError(tr("no allocation {room}reaches {target} {outcome}. Fix: raise "
                                     "the budget or the maximums.", room=room, target=nfmt(target),
                                     outcome=outcome),
                                  code=ProblemCode.ALLOCATION_TARGET_UNREACHABLE)
        binding.append(f"{outcome} >= target")
    else:
        _check_budget(total_budget, lo, np.full(len(cs), np.inf), names, locked)
        if mode == "target-cpa":
            def limit(x: np.ndarray) -> float:
                return target * _total(cs, x) - x.sum()  # spend <= cpa * outcome

            def limit_jac(x: np.ndarray) -> np.ndarray:
                return target * _grad(cs, x) - 1.0
        else:
            def limit(x: np.ndarray) -> float:
                return value * _total(cs, x) - target * x.sum()  # revenue >= roas * spend

            def limit_jac(x: np.ndarray) -> np.ndarray:
                return value * _grad(cs, x) - target
        # the limit is a sum of one term per channel (value x outcome - target x spend for
        # ROAS); the best any allocation can do is found channel by channel, coupled
        # only by the budget. Refuse only when even that best breaks the limit.
        if mode == "target-cpa":
            def term(i: int, v: np.ndarray) -> np.ndarray:
                return target * cs[i].predict(v) - v
        else:
            def term(i: int, v: np.ndarray) -> np.ndarray:
                return value * cs[i].predict(v) - target * v
        witness, best_limit = best_separable(term, lo, hi, total_budget)
        unit = max(1.0, total_budget)
        if best_limit < -1e-9 * unit:
            kind = "CPA" if mode == "target-cpa" else "ROAS"
            got = _total(cs, witness)
            spent = float(witness.sum())
            if mode == "target-cpa":
                best_ratio = spent / got if got > 0 else math.inf
            else:
                best_ratio = value * got / spent if spent > 0 else 0.0
            raise InfeasibleError(tr("no allocation within the bounds and the budget "
                                     "{total_budget} meets the {kind} limit {target}: even the "
                                     "most efficient one misses it ({kind} {best_ratio} at {sum} "
                                     "spent). Fix: relax the target, lower the minimums, or raise "
                                     "the maximums of the most efficient channels.",
                                     total_budget=nfmt(total_budget), kind=kind,
                                     target=nfmt(target, 'g'), best_ratio=nfmt(best_ratio, '.3g'),
                                     sum=nfmt(float(witness.sum()))),
                                  code=ProblemCode.ALLOCATION_INFEASIBLE)
        cons = [{"type": "ineq", "fun": limit, "jac": limit_jac, "unit": total_budget},
                {"type": "ineq", "fun": lambda x: total_budget - x.sum(),
                 "jac": lambda x: -np.ones_like(x), "unit": total_budget}]
        starts = [witness, np.maximum(lo, x0 * 0.5), lo + 1e-6, np.maximum(lo, x0)]
        x = solve(lo, hi, starts, neg_outcome, neg_grad, cons)
        if x is None:
            x = witness  # feasible by construction: never fall back to a breaking answer
        if abs(limit(x)) <= 1e-6 * max(1.0, x.sum()):
            binding.append("CPA limit" if mode == "target-cpa" else "ROAS limit")
        if abs(x.sum() - total_budget) <= 1e-6 * total_budget:
            binding.append("total budget")
    if x is None:
        raise InfeasibleError(tr("the optimiser found no allocation that meets the constraints."),
                              code=ProblemCode.ALLOCATION_INFEASIBLE)
    return _result(mode, cs, names, x0, x, lo, hi, locked, total_budget, outcome, target,
                   binding)


def _result(mode: str, cs: list[ResponseCurve], names: list[str], x0: np.ndarray,
            x: np.ndarray, lo: np.ndarray, hi: np.ndarray, locked: list[str], budget: float,
            outcome: str, target: float | None, binding: list[str]) -> Allocation:
    rows = []
    marg = _grad(cs, x)
    for i, (c, n) in enumerate(zip(cs, names, strict=True)):
        tol = 1e-6 * max(1.0, x.max())
        at_min, at_max = x[i] <= lo[i] + tol, np.isfinite(hi[i]) and x[i] >= hi[i] - tol
        bind = "locked" if n in locked else ("min" if at_min and lo[i] > 0 else
                                               "max" if at_max else ("zero" if at_min else ""))
        change = x[i] - x0[i]
        reason = _why(bind, abs(change) <= 0.005 * max(x0[i], 1e-9), len(names) == 1)
        rows.append({
            "channel": n, "current": x0[i], "recommended": x[i], "change": change,
            "change_pct": change / x0[i] if x0[i] else math.nan,
            "outcome_current": float(c.predict(x0[i])),
            "outcome_recommended": float(c.predict(x[i])),
            "marginal_current": float(c.marginal(x0[i])), "marginal": float(marg[i]),
            "min": lo[i], "max": hi[i], "binding": bind, "why": reason,
        })
        if bind in ("min", "max"):
            binding.append(f"{n} {bind}")
    table = pd.DataFrame(rows)
    table["impact"] = table["outcome_recommended"] - table["outcome_current"]
    table = table.sort_values("impact", key=np.abs, ascending=False).reset_index(drop=True)
    draws = [c.draws for c in cs]
    low = high = g_lo = g_hi = p_gain = math.nan
    if all(d is not None and len(d) for d in draws):
        m = min(len(d) for d in draws)
        # paired: both allocations under the same draw of every curve, so the spread of
        # the level (shared by both) does not hide or fake a gain
        sims = np.array([sum(float(c.predict(v, d[j])) for c, v, d in zip(cs, x, draws,
                                                                              strict=True))
                         for j in range(m)])
        base = np.array([sum(float(c.predict(v, d[j])) for c, v, d in zip(cs, x0, draws,
                                                                              strict=True))
                         for j in range(m)])
        low, high = np.quantile(sims, [0.05, 0.95])
        diff = sims - base
        g_lo, g_hi = (float(q) for q in np.quantile(diff, [0.05, 0.95]))
        p_gain = float(np.mean(diff > 0))
    failed = tuple(n for c, n in zip(cs, names, strict=True) if c.holdout_ok is False)
    return Allocation(mode, table, budget, outcome, _total(cs, x0), _total(cs, x), float(low),
                      float(high), tuple(binding), target, gain_low=g_lo, gain_high=g_hi,
                      prob_gain=p_gain, failed_holdout=failed)


def _why(bind: str, unmoved: bool, single: bool) -> str:
    """Why a channel stayed or moved to a bound, in the reader's language."""
    if unmoved and single:
        return tr("the only channel: there is nothing to reallocate")
    if unmoved:
        if bind == "locked":
            return tr("locked at its current spend")
        if bind == "min":
            return tr("held at its minimum")
        if bind == "max":
            return tr("held at its maximum")
        return tr("its marginal return already matches the other channels'")
    if bind == "min":
        return tr("cut to its minimum: its marginal return is the lowest")
    if bind == "max":
        return tr("raised to its maximum: its marginal return stays the highest")
    if bind == "zero":
        return tr("cut to zero: its marginal return is below the others'")
    return ""
