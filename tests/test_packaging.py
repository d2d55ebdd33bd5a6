"""Set-up and house rules: dependencies in step, a light import, the README commands."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r.replace(" ", "") for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted.update({_name(r): r.replace(" ", "") for r in extra})
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d.replace(" ", "") for d in env["dependencies"]
             if isinstance(d, str) and _name(d) not in ("python", "pip")}
    assert conda == wanted, "environment.yml and pyproject.toml list different dependencies"


def test_import_is_light():
    code = ("import sys, kpikit; heavy = [m for m in ('plotly', 'ipywidgets', 'papermill', "
            "'nbformat', 'duckdb', 'scipy', 'matplotlib') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]
    assert commands == ["python3 run.py demo", "python3 run.py test"]
    assert "python3 run.py test" in (ROOT / ".ci" / "run").read_text()


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["kpikit"] == "kpikit.cli:main"


def test_wheel_ships_notebooks_data_and_schemas(tmp_path):
    """A wheel install finds its notebooks (batch, demo, lesson) without the clone."""
    import zipfile

    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("kpikit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for nb in ("00_kpi_basics", "01_goal_setting", "02_evaluation", "03_optimization"):
        assert f"kpikit/notebooks/{nb}.ipynb" in names
    assert "kpikit/data/sample_campaigns.csv" in names
    assert "kpikit/schemas/evaluation.schema.json" in names
    assert "kpikit/runs/kernels/child.py" in names and "kpikit/runs/batch/__main__.py" in names
