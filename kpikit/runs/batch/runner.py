"""Running a batch: every run in its own process, spread by an executor chosen by name,
resumable, one batch at a time per output folder, then alerts and the index.

Executors (:data:`EXECUTORS`, :func:`register_executor`):

- ``local``: ``jobs`` runs at a time on this machine, each in a new process forked from a
  warm parent (:mod:`kpikit.runs.kernels`), or started cold where it cannot fork;
- ``papermill``: one run at a time in a Jupyter kernel (where run processes cannot be
  used: Windows; or to compare with plain papermill);
- ``dask``: over a Dask distributed cluster (``scheduler="tcp://host:8786"``); each
  worker keeps a warm parent.

A run is written in a temporary folder and moved into place when complete, so a killed
batch loses nothing and a rerun redoes only what is missing or changed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import resolve_lang, tr, using_language
from kpikit.runs.batch import processes
from kpikit.runs.batch.index import status_word, write_index
from kpikit.runs.batch.spec import (
    DEFAULT_TIMEOUT,
    Run,
    Spec,
    check_runs,
    fingerprint,
    is_complete,
    plan_runs,
    run_lang,
    spec_lang,
)
from kpikit.runs.kernels import driver
from kpikit.runs.params import notebook_path

# ------------------------------------------------------------------ values


@dataclass(frozen=True)
class RunResult:
    """What became of one run: ``ok``, ``failed`` (with its error) or ``skipped`` (complete
    already), and how long it took. Its folder holds the manifest with the details."""

    run: Run
    status: str
    error: str | None = None
    seconds: float | None = None

    @property
    def label(self) -> str:
        return self.run.label

    @property
    def folder(self) -> Path:
        return self.run.folder

    def as_dict(self) -> dict[str, Any]:
        """The result as the JSON-like mapping earlier versions returned."""
        return {"label": self.label, "status": self.status, "error": self.error,
                "folder": str(self.folder), "seconds": self.seconds}

    # read like the mapping earlier versions returned (``result["status"]``), so that
    # callers written against it (scripts, kpikit.cli) keep working
    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.as_dict().get(key, default)


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: per run status, and where the index is."""

    results: tuple[RunResult, ...]
    index: Path
    summary: Path
    monitor: Any = None  # kpikit.runs.alerts.Monitor: alerts, what was sent, deliveries

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if r.status == "failed"]


@dataclass(frozen=True)
class Options:
    """How to run the runs an executor is given."""

    jobs: int
    force: bool = False
    scheduler: str | None = None
    shared_js: Path | None = None  # the batch's one plotly.min.js (see _shared_js)


Record = Callable[[RunResult], None]


@dataclass(frozen=True)
class Executor:
    """A way to spread a batch's runs: ``run(todo, options, record)`` calls ``record``
    once per finished run."""

    name: str
    run: Callable[[Sequence[Run], Options, Record], None]
    needs_scheduler: bool = False


#: the executors by name (``run_batch(executor=...)``, ``kpikit batch --executor``)
EXECUTORS: dict[str, Executor] = {}


def register_executor(name: str, *, needs_scheduler: bool = False
                      ) -> Callable[[Callable[[Sequence[Run], Options, Record], None]],
                                    Callable[[Sequence[Run], Options, Record], None]]:
    """Register the decorated function as the executor ``name``."""
    def add(fn: Callable[[Sequence[Run], Options, Record], None]
            ) -> Callable[[Sequence[Run], Options, Record], None]:
        EXECUTORS[name] = Executor(name, fn, needs_scheduler)
        return fn
    return add


def get_executor(name: str, scheduler: str | None = None) -> Executor:
    """The executor ``name``, checked with its ``scheduler``; a "choose from" error else."""
    if name not in EXECUTORS:
        names = ", ".join(EXECUTORS)
        raise ParameterError(tr("executor={name!r}: unknown executor. Choose from: {names}.",
                                name=name, names=names),
                             code=ProblemCode.PARAMETER_CHOICE)
    if EXECUTORS[name].needs_scheduler and not scheduler:
        raise ParameterError(tr("executor={name!r} needs scheduler='tcp://host:port'.", name=name),
                             code=ProblemCode.PARAMETER_MISSING)
    return EXECUTORS[name]


# ---------------------------------------------------------------- one run


def _shared_js(runs: Sequence[Run]) -> Path | None:
    """Where the batch keeps its one ``plotly.min.js`` for the runs' figure pages: the
    folder all the runs share (a spec's ``output_dir``)."""
    if not runs:
        return None
    try:
        return Path(os.path.commonpath([str(r.folder.parent.resolve()) for r in runs])) \
            / "plotly.min.js"
    except ValueError:  # different drives
        return None


def execute_run(run: Run, force: bool = False, warm: Any = None,
                shared_js: Path | None = None, *, kernel: str = "process") -> RunResult:
    """Execute one run in a new process; never raises for a failing or hanging notebook.

    ``kernel="process"``: a run process (:mod:`kpikit.runs.kernels`) forked by ``warm``, a
    warm parent (:func:`warm_kernels`), or by this process's own when ``warm`` is
    ``"process"`` (a Dask worker's), or started cold when ``warm`` is None; where processes
    cannot be passed sockets (Windows) a Jupyter kernel. ``kernel="jupyter"``: a Jupyter
    kernel through papermill. The run is stopped after ``run.timeout`` seconds (default
    :data:`DEFAULT_TIMEOUT`). Its messages speak the run's ``lang``.
    """
    with using_language(run_lang(run)):
        return _execute_run(run, force, warm, shared_js, kernel)


def _execute_run(run: Run, force: bool, warm: Any, shared_js: Path | None,
                 kernel: str) -> RunResult:
    if not force and is_complete(run):
        return RunResult(run, "skipped")
    import threading

    if os.name != "posix":
        kernel = "jupyter"  # no descriptor passing: a Jupyter kernel per run
    # unique per process, thread and call: runs on threads of one Dask worker never share
    tmp = run.folder.parent / (f".{run.folder.name}.tmp-{os.getpid()}-"
                               f"{threading.get_ident()}-{secrets.token_hex(4)}")
    if kernel == "process" and warm == "process":
        data = run.parameters.get("data_path")
        warm = processes.start_warm_parent(
            [str(Path(data).resolve())] if isinstance(data, str) else [], [run.notebook],
            per_process=True)
    elif warm is not None and not warm.ready():  # waits while the parent warms up
        warm = None
    # made once the parent is ready: a batch killed while it warms up leaves no folder
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    timeout = float(run.timeout or DEFAULT_TIMEOUT)
    manifest: dict[str, Any] = {"campaign": run.campaign, "notebook": run.notebook,
                                "parameters": run.parameters,
                                "fingerprint": fingerprint(run), "timeout": timeout}
    try:
        # widgets show a static view in reports; figures go out as JSON only and
        # export_html draws them
        env = dict(os.environ, KPIKIT_STATIC="1", KPIKIT_BATCH="1")
        request = {"notebook": str(notebook_path(run.notebook)),
                   "parameters": run.parameters, "folder": str(tmp), "env": env,
                   "title": f"{run.campaign} · {run.notebook}", "lang": run_lang(run),
                   "shared_js": str(shared_js) if shared_js else None,
                   "final": str(run.folder)}
        if kernel == "jupyter":
            done = _execute_papermill(run, tmp, timeout, request)
        else:
            done = driver.drive(request, warm, timeout, processes.COLD_COMMAND)
        status, error = done.pop("status"), done.pop("error", None)
        manifest.update(done)
        if status == "ok" and not (tmp / "results.json").exists():
            status, error = "failed", tr("the notebook wrote no results.json")
    except Exception as e:  # a broken run must never stop the batch
        status, error = "failed", f"{type(e).__name__}: {e}"
        manifest["traceback"] = traceback.format_exc()[-4000:]
    manifest.update(status=status, error=error,
                    seconds=round(time.perf_counter() - started, 2))
    from kpikit.files import atomic_write_text

    atomic_write_text(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False,
                                                        indent=1, default=str))
    # swap the finished folder into place: readers see the old run or the new one
    old = run.folder.parent / f".{run.folder.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    if run.folder.exists():
        run.folder.rename(old)
    tmp.rename(run.folder)
    shutil.rmtree(old, ignore_errors=True)
    return RunResult(run, status, error, manifest["seconds"])


def _execute_papermill(run: Run, tmp: Path, timeout: float,
                       request: dict[str, Any]) -> dict[str, Any]:
    """A run in a plain Jupyter kernel over TCP, where run processes cannot be used.

    Runs one at a time (papermill changes the working folder of the whole process).
    """
    import nbformat
    import papermill

    executed, status, error = None, "ok", None
    env = {"KPIKIT_STATIC": "1", "KPIKIT_BATCH": "1"}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        executed = papermill.execute_notebook(
            str(notebook_path(run.notebook)), str(tmp / "executed.ipynb"),
            parameters=run.parameters, cwd=str(tmp), kernel_name="python3",
            progress_bar=False, log_output=False, execution_timeout=int(timeout),
            request_save_on_cell_execute=False)
    except papermill.PapermillExecutionError as e:
        status, error = "failed", f"{e.ename}: {e.evalue}"
    except Exception as e:  # a cell over the timeout, a kernel that died
        status, error = "failed", f"{type(e).__name__}: {e}"
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if (tmp / "executed.ipynb").exists():
        nb = executed if executed is not None else nbformat.read(tmp / "executed.ipynb",
                                                                 as_version=4)
        processes.finish_run(nb, tmp, request)  # the same report and results as a process
    return {"status": status, "error": error, "kernel": "jupyter", "attempts": 1}


@contextmanager
def warm_kernels(runs: Sequence[Run]) -> Iterator[Any]:
    """Start a warm parent for ``runs`` (see :mod:`kpikit.runs.kernels.warm_parent`);
    yield its handle.

    Yields None where warm runs are unavailable (no ``fork``) or switched off with the
    environment variable ``KPIKIT_WARM=0``; runs then start cold. The parent, and any run
    process it forked, ends with the block, and with this process if it is killed.
    """
    data = sorted({str(Path(r.parameters["data_path"]).resolve()) for r in runs
                   if isinstance(r.parameters.get("data_path"), str)})
    shared = _shared_js(runs)  # the batch's output folder: its scratch folder goes there
    parent = processes.start_warm_parent(data, sorted({r.notebook for r in runs}),
                                         shared.parent if shared else None)
    if parent is None:
        yield None
        return
    try:
        yield parent
    finally:
        parent.close()


# -------------------------------------------------------------- executors


@register_executor("local")
def _local(todo: Sequence[Run], options: Options, record: Record) -> None:
    """``jobs`` run processes at a time, forked from one warm parent (else cold); threads
    suffice here: each run is its own process, the threads only wait."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    if os.name != "posix":  # Jupyter kernels through papermill: one at a time
        _papermill(todo, options, record)
        return
    with warm_kernels(todo) as warm, ThreadPoolExecutor(
            max_workers=min(options.jobs, len(todo)), thread_name_prefix="kpikit-run") as pool:
        futures = {pool.submit(execute_run, r, options.force, warm, options.shared_js): r
                   for r in todo}
        try:
            for f in as_completed(futures):
                record(_outcome(f, futures[f]))
        except BaseException:  # Ctrl+C: start nothing more, stop what runs
            pool.shutdown(wait=False, cancel_futures=True)
            driver.kill_all()
            raise


@register_executor("papermill")
def _papermill(todo: Sequence[Run], options: Options, record: Record) -> None:
    """One run at a time, each in a Jupyter kernel (papermill changes the process's
    working folder: no two at once)."""
    for r in todo:
        record(execute_run(r, options.force, None, options.shared_js, kernel="jupyter"))


@register_executor("dask", needs_scheduler=True)
def _dask(todo: Sequence[Run], options: Options, record: Record) -> None:
    """Runs submitted to the Dask scheduler at ``options.scheduler``; each worker keeps a
    warm parent for its lifetime."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ParameterError(tr("executor='dask' needs dask's distributed scheduler. Fix: pip "
                                "install 'kpikit[dask]' (dask and distributed)."),
            code=ProblemCode.DEPENDENCY_MISSING) from None
    with Client(options.scheduler, timeout="30s") as client:
        futures = {client.submit(execute_run, r, options.force, "process", options.shared_js,
                                 pure=False): r for r in todo}
        for f in dask_completed(list(futures)):
            record(_outcome(f, futures[f]))


def _outcome(future: Any, run: Run) -> RunResult:
    """A finished future's result, or a failed result when the worker itself died."""
    try:
        return future.result()
    except Exception as e:
        return RunResult(run, "failed", f"{type(e).__name__}: {e}")


# ----------------------------------------------------------------- a batch


def run_many(runs: Sequence[Run], *, jobs: int | None = None, force: bool = False,
             progress: Callable[[int, int, RunResult], None] | None = None,
             executor: str = "local", scheduler: str | None = None) -> list[RunResult]:
    """Execute checked runs (skipping complete ones unless ``force``) with the executor
    named ``executor``; return their results in the order they finished."""
    chosen = get_executor(executor, scheduler)
    results: list[RunResult] = []

    def record(res: RunResult) -> None:
        results.append(res)
        if progress:
            progress(len(results), len(runs), res)

    todo = [r for r in runs if force or not is_complete(r)]
    for r in runs:
        if r not in todo:
            record(RunResult(r, "skipped"))
    if todo:
        chosen.run(todo, Options(max(1, jobs or os.cpu_count() or 1), force, scheduler,
                                 _shared_js(runs)), record)
    return results


def run_batch(spec: Spec, *, jobs: int | None = None, force: bool = False,
              progress: Callable[[int, int, RunResult], None] | None = None,
              executor: str = "local", scheduler: str | None = None,
              timeout: float | None = None, wait: float = 0.0,
              on_wait: Callable[[dict], None] | None = None,
              notify_url: str | None = None) -> BatchResult:
    """Run every run of ``spec``; raise and send its alerts; write the index.

    ``executor`` names one of :data:`EXECUTORS`: ``"local"`` spreads runs over ``jobs``
    processes (default: the cores), ``"papermill"`` runs them one at a time in Jupyter
    kernels, ``"dask"`` sends them to the Dask distributed scheduler at ``scheduler``
    (``tcp://host:8786``), whose workers must have kpikit and the files' paths.
    ``timeout`` (seconds) stops a run that takes longer; it overrides the spec's.
    One batch at a time per output folder: another one running there makes this one wait
    up to ``wait`` seconds, then raise :class:`kpikit.runs.lock.BatchBusyError` naming it.
    """
    from kpikit.runs.lock import folder_lock

    get_executor(executor, scheduler)  # refused before anything runs
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ParameterError(tr("timeout={timeout!r}: must be a number of seconds above 0.",
                                timeout=timeout),
                             code=ProblemCode.PARAMETER_INVALID)
    runs = plan_runs(spec)
    if timeout is not None:
        runs = [replace(r, timeout=float(timeout)) for r in runs]
    check_runs(runs)
    rules = alert_rules(spec, runs)  # a plan's bad rule is refused before anything runs
    with folder_lock(spec.output_dir, wait, on_wait):
        processes.clean_leftovers(spec.output_dir)
        results = run_many(runs, jobs=jobs, force=force, progress=progress,
                           executor=executor, scheduler=scheduler)
        # under the lock: the alert state belongs to one batch at a time
        mon = batch_alerts(spec, runs, notify_url, rules)
        index, summary = write_index(spec, runs)
    return BatchResult(tuple(results), index, summary, mon)


def alert_rules(spec: Spec, runs: Sequence[Run]) -> dict[str, Any]:
    """Each campaign's alert rules: the spec's and its plan's (see kpikit.runs.alerts)."""
    from kpikit.runs.alerts import plan_rules

    rules: dict[str, Any] = {}
    for r in runs:
        if r.campaign not in rules:
            rules[r.campaign] = plan_rules(r.parameters.get("plan_path"),
                                           list(spec.alerts or []), spec.source)
    return rules


def batch_alerts(spec: Spec, runs: Sequence[Run], notify_url: str | None = None,
                 rules: dict[str, Any] | None = None) -> Any:
    """Alerts of the batch's runs (kpikit.runs.alerts), sent through the spec's ``notify``."""
    from kpikit.runs.alerts import RunInfo, monitor
    from kpikit.runs.notify import parse_notify

    rules = rules if rules is not None else alert_rules(spec, runs)
    infos = [RunInfo(r.campaign, r.notebook, r.folder,
                     (r.folder / "report.html").relative_to(spec.output_dir).as_posix())
             for r in runs]
    return monitor(spec.output_dir, infos, rules,
                   notifier=parse_notify(spec.notify, spec.source, notify_url),
                   lang=spec_lang(spec), title=f"kpikit · {spec.output_dir.name}")


def print_progress(done: int, total: int, res: RunResult, lang: str | None = None) -> None:
    """A one-line progress report per finished run, in ``lang`` (default: current)."""
    extra = f" ({res.seconds:.1f}s)" if res.seconds is not None else ""
    word = status_word(res.status, resolve_lang(lang))
    print(f"[{done}/{total}] {word:<7} {res.label}{extra}", file=sys.stderr, flush=True)
