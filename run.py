#!/usr/bin/env python3
"""Set up kpikit in ./.venv and run the main job or the tests.

Needs only Python 3.11+ with pip; uses the standard library alone, so it runs
on a fresh machine before anything is installed.

    python3 run.py demo [ARGS]   set up, then run `kpikit demo ARGS`
    python3 run.py test [ARGS]   set up with test tools, run ruff, then pytest ARGS
    python3 run.py lesson [ARGS] set up, then serve the KPI lesson (`kpikit lesson ARGS`)
    python3 run.py kpikit ARGS   set up, then run any kpikit command
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KPIKIT_VENV", ROOT / ".venv"))


def _bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def _run(cmd: list[str | Path]) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def setup(extras: str) -> None:
    """Create the virtual environment and install kpikit (again only when pyproject changed)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before the venv, on any python3
        sys.exit(f"kpikit needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = _bin("python")
    if not python.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except Exception as e:  # Debian without python3-venv, for one
            sys.exit(f"could not create {VENV} ({e}). Fix: install the venv module "
                     "(Debian/Ubuntu: apt install python3-venv) and run this again.")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / ".kpikit-installed"
    have = stamp.read_text().split() if stamp.exists() else []
    if have and have[0] == digest and (not extras or extras in have[1:]):
        return
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    target = f".[{extras}]" if extras else "."
    _run([python, "-m", "pip", "install", "--quiet", "-e", target])
    stamp.write_text(" ".join([digest, *(have[1:] if have and have[0] == digest else []),
                               *([extras] if extras else [])]))


def main(argv: list[str]) -> int:
    """Dispatch ``demo``, ``test`` or ``kpikit``."""
    task, rest = (argv[0], argv[1:]) if argv else ("demo", [])
    if task == "demo":
        setup("")
        return subprocess.call([str(_bin("kpikit")), "demo", *rest], cwd=ROOT)
    if task == "lesson":
        setup("")
        return subprocess.call([str(_bin("kpikit")), "lesson", *rest], cwd=ROOT)
    if task == "kpikit":
        setup("")
        return subprocess.call([str(_bin("kpikit")), *rest], cwd=ROOT)
    if task == "test":
        setup("dev")
        python = str(_bin("python"))
        code = subprocess.call([python, "-m", "ruff", "check", "."], cwd=ROOT)
        if code:
            return code
        return subprocess.call([python, "-m", "pytest", *rest], cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
