"""Numerical search behind the allocator: a separable programme and a scaled SLSQP."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["best_separable", "solve"]


def best_separable(term: Callable[[int, np.ndarray], np.ndarray], lo: np.ndarray,
                   hi: np.ndarray, budget: float, steps: int = 400
                   ) -> tuple[np.ndarray, float]:
    """The allocation that maximises ``sum term(i, x_i)`` with ``lo <= x <= hi`` and
    ``sum x <= budget``, and that maximum.

    The terms are separable, so a dynamic programme over the budget left above the
    minimums (on a grid of ``steps``) is exact up to the grid; the best grid point is
    then polished by a local search that keeps it feasible.
    """
    n = len(lo)
    room = max(budget - float(lo.sum()), 0.0)
    grid = np.linspace(0.0, room, steps + 1)
    # value of channel i at lo_i + grid[k] (minus infinity beyond its maximum)
    vals = np.empty((n, steps + 1))
    for i in range(n):
        v = lo[i] + grid
        vals[i] = np.where(v <= hi[i] * (1 + 1e-12), term(i, np.minimum(v, hi[i])), -np.inf)
    best = vals[0].copy()
    choice = [np.arange(steps + 1)]
    for i in range(1, n):
        # new[k] = max over j <= k of best[k - j] + vals[i][j]
        ks = np.arange(steps + 1)
        j = ks[:, None] - ks[None, :]  # j = k - m, for m = budget used before
        ok = j >= 0
        cand = np.where(ok, best[None, :] + vals[i][np.clip(j, 0, steps)], -np.inf)
        arg = cand.argmax(axis=1)  # m
        best = cand[ks, arg]
        choice.append(arg)
    k = int(best.argmax())
    x = np.empty(n)
    for i in range(n - 1, 0, -1):
        m = int(choice[i][k])
        x[i] = lo[i] + grid[k - m]
        k = m
    x[0] = lo[0] + grid[k]
    x = np.minimum(x, hi)
    total = float(sum(term(i, np.array(x[i])) for i in range(n)))
    # polish: coordinate moves along the gradient sign keep the budget and the bounds
    step = room / steps if room > 0 else 0.0
    while step > room * 1e-9 and step > 0:
        improved = False
        for i in range(n):
            for d in (step, -step):
                y = x.copy()
                y[i] = min(max(y[i] + d, lo[i]), hi[i])
                if y.sum() > budget * (1 + 1e-12):
                    continue
                t = float(sum(term(q, np.array(y[q])) for q in range(n)))
                if t > total:
                    x, total, improved = y, t, True
        if not improved:
            step /= 2
    return x, total


def solve(lo: np.ndarray, hi: np.ndarray, starts: Sequence[np.ndarray],
          objective: Callable, jac: Callable, constraints: list[dict]) -> np.ndarray | None:
    """SLSQP from several starts on a well-scaled problem; the best feasible answer.

    Spend is scaled by the largest start, the objective by its size at the first
    start, and each constraint by its ``unit``, so that every quantity is of the
    order of one (outcomes in the hundreds of millions otherwise stall the line search).
    """
    from scipy.optimize import minimize

    scale = max(float(np.nanmax([s.max() for s in starts])), 1.0)
    first = np.clip(starts[0], lo, np.where(np.isfinite(hi), hi, np.inf))
    fs = max(abs(float(objective(first))), 1e-12)
    best, best_val = None, math.inf
    bnds = [(a / scale, (b / scale if np.isfinite(b) else None))
            for a, b in zip(lo, hi, strict=True)]
    cons = [{"type": c["type"],
             "fun": (lambda z, f=c["fun"], u=c["unit"]: f(z * scale) / u),
             "jac": (lambda z, g=c["jac"], u=c["unit"]: g(z * scale) * scale / u)}
            for c in constraints]
    for s0 in starts:
        z0 = np.clip(s0, lo, np.where(np.isfinite(hi), hi, np.inf)) / scale
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = minimize(lambda z: objective(z * scale) / fs, z0,
                           jac=lambda z: jac(z * scale) * scale / fs, bounds=bnds,
                           constraints=cons, method="SLSQP",
                           options={"ftol": 1e-15, "maxiter": 2000})
        x = np.clip(res.x * scale, lo, np.where(np.isfinite(hi), hi, np.inf))
        feasible = all((c["fun"](x) / c["unit"] >= -1e-7) if c["type"] == "ineq"
                       else abs(c["fun"](x) / c["unit"]) <= 1e-7 for c in constraints)
        if feasible and objective(x) < best_val:
            best, best_val = x, objective(x)
    return best
