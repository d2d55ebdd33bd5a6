"""The package's rooms: folders name the layers, imports only go down, no circles.

The layering (docs: DESIGN.md) is the law::

    ground (errors, files, safety, i18n) <- data_in <- metrics <- plans <- analysis
    <- views <- runs <- cli

A module may import its own layer or a lower one, never a higher one, and no two
modules may import each other, not even through a chain and not even inside a
function (a deferred import is still a dependency). The graph is read from the
syntax trees, so the test needs nothing installed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kpikit"

#: Floors from the ground up; a module's floor comes from its folder (or its name
#: for the few modules that live at the top of the package).
FLOORS = ("ground", "data_in", "metrics", "plans", "analysis", "views", "runs", "cli")
#: The catalog (measures and KPIs: names, formulas, units, labels) is the kit's vocabulary:
#: readers check columns against it and formats read units from it, so it sits on the
#: ground floor with errors and i18n. ``schemas`` holds JSON files only.
_TOP = {"errors": "ground", "files": "ground", "safety": "ground", "catalog": "ground",
        "version": "ground", "schemas": "ground", "cli": "cli"}

#: Modules allowed over the size limit because they hold one job whose length is
#: its content (a table of data, a list of codes), not several jobs side by side.
LIMIT = 500
ONE_JOB: dict[str, str] = {
    "kpikit.catalog": "the KPI and measure catalogue: one table of definitions",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def floor(module: str) -> str | None:
    """The layer of a dotted module name, or None for the package's front door."""
    parts = module.split(".")
    if len(parts) == 1:
        return None  # kpikit/__init__.py: the public API may gather from every floor
    head = parts[1]
    if head == "i18n":
        return "ground"
    if head in FLOORS:
        return head
    return _TOP.get(head, "unplaced")


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> list[str]:
    if node.level:
        package = module.split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        base = package[: len(package) - (node.level - 1)]
        if node.module:
            base = [*base, *node.module.split(".")]
    else:
        base = (node.module or "").split(".")
    name = ".".join(base)
    targets = []
    for alias in node.names:
        sub = f"{name}.{alias.name}"
        targets.append(sub if sub in MODULES else name)
    return targets


def imports(module: str) -> set[str]:
    """Every kpikit module ``module`` imports, at any depth of its code."""
    path = MODULES[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = _resolve(module, path, node)
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name.startswith("kpikit") and name != module:
                found.add(name)
    return found


GRAPH = {module: imports(module) for module in MODULES}


def _below_or_same(a: str | None, b: str | None) -> bool:
    return FLOORS.index(b) <= FLOORS.index(a)


def test_every_module_has_a_floor():
    unplaced = sorted(m for m in MODULES if floor(m) == "unplaced")
    assert not unplaced, f"modules outside the layered folders: {unplaced}"


def test_no_import_goes_up():
    upward = []
    for module, targets in GRAPH.items():
        here = floor(module)
        if here in (None, "unplaced"):
            continue
        for target in sorted(targets):
            there = floor(target)
            if there is None:
                upward.append(f"{module} -> kpikit (the front door)")
            elif there != "unplaced" and not _below_or_same(here, there):
                upward.append(f"{module} ({here}) -> {target} ({there})")
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    # A package's __init__ importing its own modules is how a front door works;
    # only circles between modules count.
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in GRAPH.items()}
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_floors_of_sample_names():
    assert floor("kpikit.i18n.lang") == "ground"
    assert floor("kpikit.metrics.compute") == "metrics"
    assert floor("kpikit.runs.batch.runner") == "runs"
    assert floor("kpikit.stray") == "unplaced"
    assert not _below_or_same("metrics", "views")
    assert _below_or_same("views", "metrics")


def _lines(path: Path) -> int:
    return sum(1 for _ in path.open(encoding="utf-8"))


def test_no_module_over_the_limit_mixes_jobs():
    big = {m: _lines(p) for m, p in MODULES.items() if _lines(p) > LIMIT and m not in ONE_JOB}
    assert not big, f"modules over {LIMIT} lines; split them by job: {big}"


@pytest.mark.parametrize("module", sorted(ONE_JOB))
def test_one_job_exceptions_are_still_needed(module):
    # An exception that is no longer over the limit (or no longer exists) goes.
    assert module in MODULES and _lines(MODULES[module]) > LIMIT


def test_the_front_door_names_resolve_without_loading_the_heavy_floors():
    import subprocess
    import sys

    code = ("import sys, kpikit\n"
            "heavy = [m for m in ('scipy', 'plotly', 'ipywidgets', 'duckdb', "
            "'kpikit.analysis.evaluate', 'kpikit.runs.batch') if m in sys.modules]\n"
            "assert heavy == [], heavy\n"
            "missing = [n for n in kpikit.__all__ if getattr(kpikit, n, None) is None]\n"
            "assert missing == [], missing\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
