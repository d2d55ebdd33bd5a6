"""A notebook's parameters: declared in its ``parameters`` cell, checked before any work.

Every notebook starts with ``_before = params.begin(globals())``, then its cell tagged
``parameters``, then ``P = params.parameters("01_goal_setting", globals(), _before)``.
Papermill only warns about a parameter the notebook does not declare; kpikit refuses it,
and checks every value, before any work is done. :func:`declared_parameters` is the one
reader of a notebook file's ``parameters`` cell (``kpikit batch`` uses it too).
"""

from __future__ import annotations

import ast
import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.catalog import OBJECTIVES
from kpikit.data_in.sample import bundled_plan
from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import LANGS, set_language, tr
from kpikit.runs.results import clean_json

__all__ = ["NOTEBOOKS", "Param", "begin", "bundled_plan", "check_values",
           "declared_parameters", "notebook_path", "parameters", "setup"]

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent.parent / "notebooks"


@dataclass(frozen=True)
class Param:
    """One notebook parameter: its kind, what it is for, and for choices the valid values.

    ``help`` is a function so that the text is made in the language current when it is
    read, not when kpikit was imported.
    """

    name: str
    kind: str  # "path", "optional_path", "text", "optional_text", "choice", "dir", ...
    help: Callable[[], str]
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """``name (help)`` in the current language."""
        return f"{self.name} ({self.help()})"


def _sample_help() -> str:
    return tr("export or canonical table (None: bundled sample)")


def _output_help() -> str:
    return tr("folder for results.json, tables and charts")


NOTEBOOKS: dict[str, tuple[Param, ...]] = {
    "00_kpi_basics": (
        Param("data_path", "optional_path", _sample_help),
        Param("lang", "choice", lambda: tr("language of every text, table and chart"), LANGS),
        Param("output_dir", "dir", lambda: tr("folder for the lesson's gappy export")),
    ),
    "01_goal_setting": (
        Param("data_path", "optional_path", _sample_help),
        Param("plan_path", "optional_path", lambda: tr("plan YAML to refine (None: suggest one)")),
        Param("campaign", "optional_text", lambda: tr("campaign the plan is for (None: all)")),
        Param("objective", "choice", lambda: tr("objective of a suggested plan"), OBJECTIVES),
        Param("lang", "choice", lambda: tr("language of tables and charts"), LANGS),
        Param("output_dir", "dir",
              lambda: tr("folder for plan.yaml, tables, charts, results.json")),
    ),
    "02_evaluation": (
        Param("data_path", "optional_path", _sample_help),
        Param("plan_path", "optional_path", lambda: tr(
            "plan YAML (None: the bundled Tết Sale plan)")),
        Param("campaign", "optional_text", lambda: tr(
            "narrow the plan to one campaign (None: its scope)")),
        Param("as_of", "date", lambda: tr("last day of data to judge, yyyy-mm-dd")),
        Param("period", "period", lambda: tr("campaign (the plan period), 2027-01, 2027Q1 or a "
                                             "range")),
        Param("lang", "choice", lambda: tr("language of tables, charts and summary"), LANGS),
        Param("output_dir", "dir", _output_help),
    ),
    "03_optimization": (
        Param("data_path", "optional_path", lambda: tr(
            "canonical table, export, or a Meridian-shaped weekly file (None: bundled sample)")),
        Param("plan_path", "optional_path", lambda: tr(
            "plan whose evaluation explains why to act (None: the bundled Tết Sale plan)")),
        Param("campaign", "optional_text", lambda: tr("campaign whose channels are optimised")),
        Param("budget", "optional_number", lambda: tr(
            "spend per period to allocate (None: current)")),
        Param("mode", "choice", lambda: tr("what to optimise"),
              ("max-outcome", "min-budget", "target-cpa", "target-roas")),
        Param("target", "optional_number", lambda: tr("outcome, CPA or ROAS target of the mode")),
        Param("bounds", "bounds", lambda: tr("channel -> [min, max] spend per period")),
        Param("lang", "choice", lambda: tr("language"), LANGS),
        Param("output_dir", "dir", _output_help),
    ),
}


def _unknown_notebook(name: str) -> ParameterError:
    names = ", ".join(NOTEBOOKS)
    return ParameterError(tr("unknown notebook {name!r}. Choose from: {names}.", name=name,
                             names=names),
                          code=ProblemCode.NOTEBOOK_UNKNOWN)


# ------------------------------------------------------------ notebook files


def _notebook_dir() -> Path:
    folder = os.environ.get("KPIKIT_NOTEBOOK_DIR")
    if folder:
        return Path(folder)
    if NOTEBOOK_DIR.is_dir():  # a clone, or an editable install
        return NOTEBOOK_DIR
    return Path(str(resources.files("kpikit.notebooks")))  # installed from a wheel


def notebook_path(name: str) -> Path:
    """Path of a kpikit notebook by name (``02_evaluation``).

    Looked up in ``$KPIKIT_NOTEBOOK_DIR`` when set (a folder of copies), else in the
    clone's ``notebooks/``, else among the notebooks installed with the package.

    Raises
    ------
    ParameterError
        When there is no such notebook, listing the ones there are.
    """
    path = _notebook_dir() / f"{name}.ipynb"
    if not path.exists():
        raise _unknown_notebook(name)
    return path


def declared_parameters(path: Path) -> dict[str, Any]:
    """Names and default values of the notebook's ``parameters`` cell.

    Raises
    ------
    ParameterError
        When the notebook has no cell tagged ``parameters``.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            out = {}
            for node in ast.parse(src).body:
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            out[t.id] = ast.literal_eval(node.value)
            return out
    raise ParameterError(tr("{name} has no cell tagged 'parameters'.", name=path.name),
                         code=ProblemCode.NOTEBOOK_NO_PARAMETERS_CELL)


# --------------------------------------------------------------- checking


def begin(namespace: Mapping[str, Any]) -> frozenset[str]:
    """Remember the names defined before the parameters cell."""
    return frozenset(namespace)


def parameters(notebook: str, namespace: Mapping[str, Any], before: frozenset[str]) -> Params:
    """Check the parameters of ``notebook``; return them as an object with attributes.

    Raises
    ------
    ParameterError
        Listing every unknown name (with close matches) and every bad value.
    """
    given = {k for k in namespace if k not in before and not k.startswith("_")
             and k not in ("In", "Out", "get_ipython", "exit", "quit")}
    if namespace.get("lang") in LANGS:  # the notebook speaks its language from here on
        set_language(namespace["lang"])
    values, problems = check_values(notebook, {k: namespace.get(k) for k in given}, namespace)
    if problems:
        valid = ", ".join(p.describe() for p in NOTEBOOKS[notebook])
        said = " ".join(problems)
        raise ParameterError(tr("notebook {notebook}: {said} Valid parameters: {valid}.",
                                notebook=notebook, said=said, valid=valid),
                             code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    return Params(values)


def check_values(notebook: str, given: Mapping[str, Any],
                 defaults: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Check parameter values of ``notebook``; return (checked values, problems).

    ``given`` are the names set by the caller (unknown ones are problems);
    ``defaults`` supplies the others.
    """
    if notebook not in NOTEBOOKS:
        raise _unknown_notebook(notebook)
    spec = {p.name: p for p in NOTEBOOKS[notebook]}
    namespace = {**(defaults or {}), **given}
    problems = []
    for name in sorted(set(given) - set(spec)):
        close = difflib.get_close_matches(name, list(spec), n=1)
        hint = ""
        if close:
            match = close[0]
            hint = tr(" Did you mean {match!r}?", match=match)
        problems.append(tr("unknown parameter {name!r}.{hint}", name=name, hint=hint))
    values = {}
    for name, p in spec.items():
        v = namespace.get(name)
        values[name] = v
        checked, problem = _check_one(p, v)
        if problem:
            problems.append(problem)
        elif checked is not None:
            values[name] = checked
    return values, problems


def _check_one(p: Param, v: Any) -> tuple[Any, str | None]:
    """(the value as kpikit uses it, or None to keep it as given; the problem, or None)."""
    name = p.name
    if p.kind in ("path", "optional_path"):
        if v is None and p.kind == "optional_path":
            return None, None
        if not isinstance(v, (str, Path)) or not Path(v).exists():
            cwd = Path.cwd()
            return None, tr("{name}={v!r}: no such file (paths are read from {cwd}).", name=name,
                            v=v, cwd=cwd)
        return Path(v), None
    if p.kind in ("text", "optional_text"):
        if (v is not None or p.kind == "text") and (not isinstance(v, str) or not v.strip()):
            return None, tr("{name}={v!r}: must be text.", name=name, v=v)
        return None, None
    if p.kind == "choice":
        if v not in p.choices:
            choices = ", ".join(p.choices)
            return None, tr("{name}={v!r}: choose from {choices}.", name=name, v=v, choices=choices)
        return None, None
    if p.kind == "date":
        try:
            return pd.Timestamp(str(v)).date(), None
        except (ValueError, TypeError):
            return None, tr("{name}={v!r}: must be a date like 2027-01-25.", name=name, v=v)
    if p.kind == "period":
        if v == "campaign":
            return None, None
        from kpikit.plans.targets import parse_period

        try:
            return parse_period(str(v)), None
        except ParameterError:
            return None, tr("{name}={v!r}: write campaign, 2027-01, 2027Q1, 2027 or "
                            "2027-01-01:2027-02-28.", name=name, v=v)
    if p.kind == "optional_number":
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
            return None, tr("{name}={v!r}: must be a number of 0 or more, or None.", name=name, v=v)
        return None, None
    if p.kind == "bounds":
        if not isinstance(v, dict) or not all(
                isinstance(b, (list, tuple)) and len(b) == 2 for b in v.values()):
            return None, tr("{name}={v!r}: must be a mapping like {{'search': [1000000, "
                            "5000000]}}.", name=name, v=v)
        return None, None
    if p.kind == "dir":
        if not isinstance(v, (str, Path)) or not str(v).strip():
            return None, tr("{name}={v!r}: must be a folder path.", name=name, v=v)
        return Path(v), None
    return None, None


class Params:
    """Checked parameters, as attributes (``P.lang``) and as a dict (``P.as_dict()``)."""

    def __init__(self, values: dict[str, Any]):
        self._values = values
        for k, v in values.items():
            setattr(self, k, v)

    def as_dict(self) -> dict[str, Any]:
        """The parameters as JSON-safe values (paths and dates as text)."""
        return clean_json(self._values)

    def __repr__(self) -> str:
        return "Parameters(" + ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items()) + ")"


def setup() -> None:
    """Plotly renders in JupyterLab and, with plotly.js inlined, in exported HTML.

    Under ``kpikit batch`` (``KPIKIT_BATCH=1``) figures go out as plotly JSON only: the
    batch's report writer draws them and inlines plotly.js once, so the kernel does not
    ship 3.6 MB of plotly.js nor a second, HTML copy of every figure.
    """
    import plotly.io as pio

    batch = os.environ.get("KPIKIT_BATCH") == "1"
    pio.renderers.default = "plotly_mimetype" if batch else "plotly_mimetype+notebook"
