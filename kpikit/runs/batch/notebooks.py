"""Where kpikit's notebooks are, and the parameters each declares.

(Kept here for the batch until :mod:`kpikit.runs.params` holds them: the lead points these
imports there when the branches meet.)
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

from kpikit._lang import tr
from kpikit.errors import ParameterError, ProblemCode

#: the clone's notebooks folder (kpikit/runs/batch/notebooks.py -> the repository root)
NOTEBOOK_DIR = Path(__file__).resolve().parents[3] / "notebooks"


def _notebook_dir() -> Path:
    folder = os.environ.get("KPIKIT_NOTEBOOK_DIR")
    if folder:
        return Path(folder)
    if NOTEBOOK_DIR.is_dir():  # a clone, or an editable install
        return NOTEBOOK_DIR
    from importlib import resources

    return Path(str(resources.files("kpikit.notebooks")))  # installed from a wheel


def notebook_path(name: str) -> Path:
    """Path of a kpikit notebook by name (``02_evaluation``).

    Looked up in ``$KPIKIT_NOTEBOOK_DIR`` when set (a folder of copies), else in the
    clone's ``notebooks/``, else among the notebooks installed with the package.
    """
    path = _notebook_dir() / f"{name}.ipynb"
    if not path.exists():
        from kpikit.notebook import NOTEBOOKS

        names = ", ".join(NOTEBOOKS)
        raise ParameterError(tr(f"unknown notebook {name!r}. Choose from: {names}.",
                                f"không có notebook {name!r}. Chọn: {names}."),
                             code=ProblemCode.NOTEBOOK_UNKNOWN)
    return path


def declared_parameters(path: Path) -> dict[str, Any]:
    """Names and default values of the notebook's ``parameters`` cell."""
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
    raise ParameterError(tr(f"{path.name} has no cell tagged 'parameters'.",
                            f"{path.name} không có ô nào gắn thẻ 'parameters'."),
                         code=ProblemCode.NOTEBOOK_NO_PARAMETERS_CELL)
