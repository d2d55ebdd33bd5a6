"""Allocator speed and accuracy on 20 channels with a known optimum, side by side.

    python bench/allocator.py [--repeats 20]

Logarithmic curves have a closed-form optimum (equal marginal returns); the script
times kpikit.analysis.optimize.allocate against it and a plain equal split, and prints the
distance to the optimum (goal: under 0.2 s and within 0.1%).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from kpikit.analysis.optimize import ResponseCurve, allocate


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=20)
    repeats = p.parse_args().repeats
    times, gaps, equal_gaps = [], [], []
    for seed in range(repeats):
        rng = np.random.default_rng(seed)
        a, b = rng.uniform(50, 500, 20), rng.uniform(500, 5000, 20)
        budget = 300_000.0
        lam = a.sum() / (budget + b.sum())
        best_x = a / lam - b
        best = float((a * np.log1p(best_x / b)).sum())
        curves = {f"c{i}": ResponseCurve(f"c{i}", "log", (a[i], b[i]), current=budget / 20,
                                         spend_max=math.inf) for i in range(20)}
        t = time.perf_counter()
        res = allocate(curves, budget=budget)
        times.append(time.perf_counter() - t)
        gaps.append(1 - res.outcome_recommended / best)
        equal_gaps.append(1 - res.outcome_current / best)
    print(f"{'contender':<24} {'median s':>9} {'gap to optimum':>15}")
    print(f"{'analytic optimum':<24} {'-':>9} {0:>14.4%}")
    print(f"{'kpikit allocate':<24} {statistics.median(times):>9.4f} "
          f"{max(gaps):>14.4%}")
    print(f"{'equal split (no model)':<24} {'-':>9} {statistics.median(equal_gaps):>14.4%}")
    ok = statistics.median(times) < 0.2 and max(gaps) < 0.001
    print(f"goal: under 0.2 s and within 0.1%: {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
