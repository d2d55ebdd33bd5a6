"""Batch throughput: N evaluations of the sample campaigns, side by side in one run.

    python bench/batch_throughput.py [--runs 20] [--jobs CORES] [--cli-loop]

Contenders, all executing notebooks/02_evaluation.ipynb with the same parameters (the two
sample campaigns, as_of dates spread over their plan periods) and the same setting
(KPIKIT_STATIC=1: widgets show their static view), writing every output:

- what an engineer would write instead: ``papermill.execute_notebook`` in a process pool
  of the same size (a fresh kernel per run, the executed notebook saved);
- optionally (``--cli-loop``) a loop of ``papermill`` command-line calls;
- kpikit's batch runner (a fresh process per run, forked from a warm parent; it also
  writes each run's HTML report and manifest).

Then the in-process floor: the notebook's own work (evaluate, figures, JSON) executed
again and again in this one warm process, divided by the jobs: no isolation, no report;
no runner can go below it. Prints seconds per run, the ratios (goal: 4x the pool) and the
mean time of each stage of a kpikit run (start, execute, export, write). The machine may be
busy: compare the ratios of one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from kpikit.data_in.sample import sample_path
from kpikit.runs.batch import Run, check_runs, notebook_path, run_many
from kpikit.runs.params import bundled_plan


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


def _pool_run(notebook: str, out: str, params: dict) -> None:
    import papermill

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(notebook, out, parameters=params, cwd=str(Path(out).parent),
                               progress_bar=False, log_output=False)


def papermill_pool(runs: list[Run], root: Path, jobs: int) -> float:
    """papermill.execute_notebook in a process pool of ``jobs`` workers."""
    os.environ["KPIKIT_STATIC"] = "1"  # inherited by the workers and their kernels
    t = time.perf_counter()
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_pool_run, str(notebook_path(r.notebook)),
                                   str(root / f"pool{i:03d}" / "out.ipynb"), r.parameters)
                       for i, r in enumerate(runs)]
            for f in futures:
                f.result()
    finally:
        os.environ.pop("KPIKIT_STATIC", None)
    return time.perf_counter() - t


def _cpu() -> float:
    """CPU seconds of this process and of its children that have been waited for."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def floor(runs: list[Run], root: Path, jobs: int) -> float:
    """Seconds a run of the notebook's own work takes in this warm process, over ``jobs``."""
    import nbformat

    from kpikit.runs.kernels import shell as run_shell

    os.environ.update(KPIKIT_STATIC="1", KPIKIT_BATCH="1")
    shell = run_shell.make_shell()
    here = Path.cwd()
    times = []
    sample = runs[: min(len(runs), 6)]
    try:
        for i, r in enumerate([sample[0], *sample]):  # the first one warms up
            folder = root / f"floor{i:03d}"
            folder.mkdir(parents=True)
            os.chdir(folder)
            nb = nbformat.read(notebook_path(r.notebook), as_version=4)
            run_shell.parameterize(nb, r.parameters)
            shell.reset(new_session=False)
            t = time.perf_counter()
            status, error = run_shell.execute(nb, shell, lambda *_: None)
            times.append(time.perf_counter() - t)
            assert status == "ok", error
    finally:
        os.chdir(here)
        for k in ("KPIKIT_STATIC", "KPIKIT_BATCH"):
            os.environ.pop(k, None)
    return sum(times[1:]) / len(times[1:]) / jobs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--cli-loop", action="store_true", help="also time papermill CLI calls")
    a = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kpikit-bench-"))
    try:
        runs = runs_for(a.runs, root / "kpikit")
        check_runs(runs)
        rows = []
        if a.cli_loop:
            rows.append(("papermill CLI loop", papermill_loop(runs, root / "papermill")))
        cpu0 = _cpu()
        pool = papermill_pool(runs, root / "pool", a.jobs)
        pool_cpu = _cpu() - cpu0
        rows.append((f"papermill pool ({a.jobs} procs)", pool))
        cpu0 = _cpu()
        t = time.perf_counter()
        results = run_many(runs, jobs=a.jobs, force=True)
        ours = time.perf_counter() - t
        ours_cpu = _cpu() - cpu0  # this process and the warm parent (reaped at the end)
        rows.append(("kpikit batch", ours))
        failed = [r for r in results if r.status != "ok"]
        per_run = floor(runs, root / "floor", a.jobs)
        print(f"{a.runs} evaluations of 02_evaluation, {a.jobs} jobs")
        print(f"{'contender':<28} {'total s':>9} {'s per run':>10} {'vs pool':>8}")
        for name, total in rows:
            print(f"{name:<28} {total:>9.1f} {total / a.runs:>10.2f} {pool / total:>7.2f}x")
        print(f"{'in-process floor':<28} {per_run * a.runs:>9.1f} {per_run:>10.2f} "
              f"{pool / (per_run * a.runs):>7.2f}x")
        print(f"kpikit vs pool: {pool / ours:.2f}x (goal 4x: "
              f"{'OK' if pool / ours >= 4 else 'MISSED'}); kpikit vs floor: "
              f"{ours / (per_run * a.runs):.2f}x the floor; failed runs: {len(failed)}")
        stages: dict[str, list[float]] = {}
        for r in runs:
            m = json.loads((r.folder / "manifest.json").read_text(encoding="utf-8"))
            for k, v in (m.get("timings") or {}).items():
                stages.setdefault(k, []).append(v)
        ours_cpu += sum(stages.pop("cpu", []))  # the run processes, reaped by the parent
        said = ", ".join(f"{k} {sum(v) / len(v):.2f}" for k, v in stages.items())
        print(f"kpikit stages, mean s per run (in each run's process): {said}")
        print(f"CPU seconds per run (all processes; what a busy machine cannot distort): "
              f"pool {pool_cpu / a.runs:.2f}, kpikit {ours_cpu / a.runs:.2f}: "
              f"{pool_cpu / ours_cpu:.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
