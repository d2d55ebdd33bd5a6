"""Batch throughput: N evaluations of the sample campaigns, plain papermill CLI loop
against kpikit's batch runner, side by side in one run.

    python bench/batch_throughput.py [--runs 100] [--jobs CORES]

Both sides execute notebooks/02_evaluation.ipynb with the same parameters (the two
sample campaigns, as_of dates spread over their plan periods) and the same setting
(KPIKIT_STATIC=1: widgets show their static view) and write every output; kpikit also
writes the HTML report of each run. Prints seconds per run and the ratio
(goal: 8x or more).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from kpikit.batch import Run, check_runs, notebook_path, run_many
from kpikit.notebook import bundled_plan
from kpikit.sample import sample_path


def runs_for(n: int, root: Path) -> list[Run]:
    plans = [("Tết Sale", bundled_plan("plan_tet_sale.yaml"), date(2027, 1, 10)),
             ("Brand Awareness", bundled_plan("plan_brand_engagement.yaml"), date(2027, 2, 1))]
    runs = []
    for i in range(n):
        name, plan, start = plans[i % 2]
        params = {"data_path": str(sample_path()), "plan_path": str(plan), "campaign": name,
                  "as_of": str(start + timedelta(days=i // 2)), "output_dir": "outputs"}
        runs.append(Run(name, "02_evaluation", params, root / f"run{i:03d}"))
    return runs


def papermill_loop(runs: list[Run], root: Path) -> float:
    t = time.perf_counter()
    for i, r in enumerate(runs):
        cwd = root / f"pm{i:03d}"
        cwd.mkdir(parents=True)
        args = [sys.executable, "-m", "papermill", str(notebook_path(r.notebook)),
                str(cwd / "out.ipynb"), "--cwd", str(cwd), "--no-progress-bar"]
        for k, v in r.parameters.items():
            args += ["-p", k, str(v)]
        # the batch's setting too: widgets show their static view (headless, no frontend;
        # live widget output can hang nbclient now and then, jupyter/nbclient#312)
        subprocess.run(args, check=True, capture_output=True, timeout=600,
                       env=dict(os.environ, KPIKIT_STATIC="1"))
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kpikit-bench-"))
    try:
        runs = runs_for(a.runs, root / "kpikit")
        check_runs(runs)
        base = papermill_loop(runs, root / "papermill")
        t = time.perf_counter()
        results = run_many(runs, jobs=a.jobs, force=True)
        ours = time.perf_counter() - t
        failed = [r for r in results if r["status"] != "ok"]
        print(f"{a.runs} evaluations, {a.jobs} jobs")
        print(f"{'contender':<28} {'total s':>9} {'s per run':>10} {'ratio':>7}")
        print(f"{'papermill CLI loop':<28} {base:>9.1f} {base / a.runs:>10.2f} {1:>6.2f}x")
        print(f"{'kpikit batch':<28} {ours:>9.1f} {ours / a.runs:>10.2f} {base / ours:>6.2f}x")
        print(f"goal 8x: {'OK' if base / ours >= 8 else 'MISSED'}; failed runs: {len(failed)}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
