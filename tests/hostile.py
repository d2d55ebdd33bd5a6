"""Hostile names for output-safety tests: data, plan and batch spec built from the sample.

Shared by tests/test_hostile_outputs.py and tests/test_browser.py (no network: the data
is the bundled sample with names swapped).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

CAMPAIGN = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
OWNER = '"><svg onload=alert(3)>'
FORMULA = '=HYPERLINK("http://x")'
AT = "@SUM(1+1)"
# Vietnamese in decomposed form (NFD): what macOS file names and some exports carry
NFD = unicodedata.normalize("NFD", "Mạng xã hội")
OWNER_NFD = unicodedata.normalize("NFD", "Thu Hà")
CHANNELS = {"search": SCRIPT, "email": FORMULA, "social": NFD, "display": AT}


def hostile_data(folder: Path) -> Path:
    """The sample's Tết Sale rows, renamed: a hostile campaign and hostile channels."""
    df = pd.read_csv(DATA / "sample_campaigns.csv", dtype={"campaign": str, "channel": str})
    df = df[df["campaign"] == "Tết Sale"].copy()
    df["campaign"] = CAMPAIGN
    df["channel"] = df["channel"].map(CHANNELS)
    path = folder / "hostile.csv"
    df.to_csv(path, index=False)
    return path


def hostile_plan(folder: Path) -> Path:
    """The Tết Sale plan scoped to the hostile campaign, with hostile owners."""
    plan = yaml.safe_load((DATA / "plan_tet_sale.yaml").read_text(encoding="utf-8"))
    plan["plan"] = f"{CAMPAIGN} {FORMULA}"
    plan["scope"] = {"campaigns": [CAMPAIGN]}
    owners = [OWNER, FORMULA, OWNER_NFD, AT]
    n = 0
    for objective in plan["objectives"]:
        for k in objective["kpis"]:
            k["owner"] = owners[n % len(owners)]
            n += 1
    path = folder / "hostile_plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return path


def hostile_spec(folder: Path, notebooks=("01_goal_setting", "02_evaluation",
                                          "03_optimization"), lang: str = "en") -> Path:
    """A batch spec over the hostile data and plan, and one run that fails."""
    data, plan = hostile_data(folder), hostile_plan(folder)
    spec = {"output_dir": "out", "data_path": str(data), "notebooks": list(notebooks),
            "parameters": {"lang": lang},
            "campaigns": [
                {"name": CAMPAIGN, "plan_path": str(plan),
                 "parameters": {"02_evaluation": {"as_of": "2027-01-25"}}},
                # no such campaign in the data: this run fails, its error names it
                {"name": SCRIPT, "plan_path": str(plan), "notebooks": ["02_evaluation"]},
            ]}
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path
