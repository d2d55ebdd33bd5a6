"""Batch runs: one notebook run per campaign, in parallel, resumable, with reports.

- :mod:`.spec`: the spec (campaigns x notebooks, parameters, timeouts), checked before
  anything runs, and when a run is complete already (its inputs' fingerprint);
- :mod:`.runner`: the executors (``local``, ``papermill``, ``dask``) and :func:`run_batch`;
- :mod:`.report`: a run's offline HTML report;
- :mod:`.index`: the batch's ``index.html`` and ``summary.csv``;
- :mod:`.processes`: what the run processes (:mod:`kpikit.runs.kernels`) do for a batch.

Each run writes, into its own folder, the executed notebook, ``report.html`` (no code,
plotly inlined once, offline) and the notebook's ``results.json``; ``manifest.json``
records the inputs' fingerprint.
"""

from kpikit.runs.batch.index import write_index
from kpikit.runs.batch.report import export_html, report_markdown
from kpikit.runs.batch.runner import (
    EXECUTORS,
    BatchResult,
    Executor,
    RunResult,
    alert_rules,
    batch_alerts,
    execute_run,
    get_executor,
    print_progress,
    register_executor,
    run_batch,
    run_many,
    warm_kernels,
)
from kpikit.runs.batch.spec import (
    DEFAULT_TIMEOUT,
    RUN_FILES,
    Run,
    Spec,
    check_runs,
    demo_spec,
    fingerprint,
    is_complete,
    load_spec,
    plan_runs,
    safe_name,
)
from kpikit.runs.params import NOTEBOOK_DIR, declared_parameters, notebook_path

__all__ = [
    "DEFAULT_TIMEOUT",
    "EXECUTORS",
    "NOTEBOOK_DIR",
    "RUN_FILES",
    "BatchResult",
    "Executor",
    "Run",
    "RunResult",
    "Spec",
    "alert_rules",
    "batch_alerts",
    "check_runs",
    "declared_parameters",
    "demo_spec",
    "execute_run",
    "export_html",
    "fingerprint",
    "get_executor",
    "is_complete",
    "load_spec",
    "notebook_path",
    "plan_runs",
    "print_progress",
    "register_executor",
    "report_markdown",
    "run_batch",
    "run_many",
    "safe_name",
    "warm_kernels",
    "write_index",
]
