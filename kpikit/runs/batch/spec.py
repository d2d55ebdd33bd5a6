"""A batch spec: what to run (campaigns x notebooks, parameters, timeouts), checked before
anything runs, and when a run is already done (its inputs' fingerprint).

A spec (YAML) names the campaigns (or ``all`` in the data), the notebooks, shared
and per-campaign parameters, the data and plan paths, and the output folder::

    output_dir: kpikit-out/batch
    data_path: data/sample_campaigns.csv      # relative to the spec file
    notebooks: [01_goal_setting, 02_evaluation]
    parameters: {lang: vi}                    # shared by every run
    timeout: {default: 600, 03_optimization: 1200}   # seconds; or one number for all
    campaigns:
      - name: Tết Sale
        plan_path: data/plan_tet_sale.yaml
        parameters: {02_evaluation: {as_of: "2027-01-25"}}   # for one notebook only
        notebooks: [01_goal_setting, 02_evaluation, 03_optimization]
      - name: Brand Awareness
        plan_path: data/plan_brand_engagement.yaml

Every run's parameters are checked against the notebook's ``parameters`` cell and
kpikit's rules before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import LANGS, language, resolve_lang, tr
from kpikit.runs.params import declared_parameters, notebook_path

#: what a complete run folder holds
RUN_FILES = ("executed.ipynb", "report.html", "results.json", "manifest.json")

DEFAULT_TIMEOUT = 1800.0
"""Seconds a run may take before it is stopped (``--timeout``, ``timeout:`` in the spec)."""


def safe_name(text: str) -> str:
    """A readable, unique, portable folder name for any campaign name.

    Letters lose their accents (``Tết Sale`` -> ``tet-sale``), anything else
    becomes ``-``, and a short hash of the exact name keeps two names that look
    alike apart (``a/b`` and ``a-b``).
    """
    plain = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:40] or "campaign"
    digest = hashlib.sha1(str(text).encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}"


@dataclass(frozen=True)
class Run:
    """One notebook for one campaign."""

    campaign: str
    notebook: str
    parameters: dict[str, Any]
    folder: Path
    timeout: float | None = None  # seconds; None: DEFAULT_TIMEOUT

    @property
    def label(self) -> str:
        return f"{self.campaign} / {self.notebook}"


@dataclass(frozen=True)
class Spec:
    """A parsed batch spec."""

    output_dir: Path
    notebooks: tuple[str, ...]
    campaigns: tuple[dict[str, Any], ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    data_path: Path | None = None
    source: str = "spec"
    timeouts: dict[str, float] = field(default_factory=dict)  # notebook or "default": s
    #: the spec's raw ``alerts`` rules and ``notify`` block (see kpikit.runs.alerts and
    #: kpikit.runs.notify)
    alerts: tuple[Any, ...] | None = None
    notify: dict[str, Any] | None = None


def _rel(base: Path, value: Any) -> Path | None:
    if value is None:
        return None
    p = Path(str(value))
    return p if p.is_absolute() else (base / p)


def load_spec(path_or_dict: str | os.PathLike[str] | Mapping[str, Any],
              base: Path | None = None) -> Spec:
    """Read and check a batch spec (YAML file or dict); paths are relative to the file.

    The file is read with :mod:`kpikit.data_in.yaml_safe` (bounded size, aliases and
    nesting; duplicate keys and non-UTF-8 encodings refused with their line).
    """
    from kpikit.data_in.yaml_safe import clip, load_file

    if isinstance(path_or_dict, Mapping):
        raw, base, source = dict(path_or_dict), base or Path.cwd(), "spec"
    else:
        path = Path(path_or_dict)
        if not path.exists():
            raise ParameterError(tr("{path}: no such spec file.", path=path),
                                 code=ProblemCode.FILE_NOT_FOUND)
        loaded = load_file(path, path.name)  # an OptionFileError names file, line and fix
        raw = loaded.data
        if isinstance(raw, dict) and "alerts" in raw:
            from kpikit.runs.alerts import as_written

            # "above: 150.000" is 150.0 to YAML: keep the text, refused when ambiguous
            raw = dict(raw, alerts=as_written(raw["alerts"], loaded))
        base, source = path.resolve().parent, path.name
    problems = []
    if not isinstance(raw, dict):
        raise ParameterError(tr("{source}: must be a mapping with output_dir, notebooks, "
                                "campaigns.", source=source), code=ProblemCode.SPEC_INVALID)
    allowed = {"output_dir", "data_path", "notebooks", "parameters", "campaigns", "timeout",
               "alerts", "notify"}
    for k in raw:
        if k not in allowed:
            keys = ", ".join(sorted(allowed))
            problems.append(tr("unknown key {k} (choose from {keys})", k=clip(k), keys=keys))
    notebooks = raw.get("notebooks") or []
    if not isinstance(notebooks, list) or not notebooks:
        problems.append(tr("notebooks: must list at least one notebook, e.g. [02_evaluation]"))
        notebooks = []
    campaigns = raw.get("campaigns", "all")
    items: list[dict[str, Any]] = []
    if campaigns == "all":
        items = [{"name": "all"}]
    elif isinstance(campaigns, list):
        for i, c in enumerate(campaigns):
            c = {"name": c} if isinstance(c, str) else c
            if not isinstance(c, dict) or not str(c.get("name", "")).strip():
                problems.append(tr("campaigns[{i}]: needs a name", i=i))
                continue
            extra = set(c) - {"name", "plan_path", "parameters", "notebooks"}
            if extra:
                key = sorted(extra, key=str)[0]
                problems.append(tr("campaigns[{i}]: unknown key {key} (choose from name, "
                                   "plan_path, parameters, notebooks)", i=i, key=clip(key)))
            items.append(c)
    else:
        problems.append(tr("campaigns: must be 'all' or a list of names or mappings"))
    for key in ("parameters",):
        if key in raw and not isinstance(raw[key], dict):
            problems.append(tr("{key}: must be a mapping of name: value", key=key))
    paths = [(k, raw.get(k)) for k in ("output_dir", "data_path")]
    paths += [(f"campaigns[{i}].plan_path", c.get("plan_path")) for i, c in enumerate(items)]
    for key, value in paths:
        # a path must be text: Path(str([...])) would name a folder no one meant
        if value is not None and (not isinstance(value, (str, os.PathLike))
                                  or not str(value).strip() or "\0" in str(value)):
            problems.append(tr("{key}: must be a file or folder path, not {value}", key=key,
                               value=clip(value)))
    timeouts = _spec_timeouts(raw.get("timeout"), notebooks, problems)
    if problems:
        shown = problems[:25]
        if len(problems) > 25:
            shown.append(tr("and {v1} more", v1=len(problems) - 25))
        raise ParameterError(f"{source}: " + "; ".join(shown) + ".", code=ProblemCode.SPEC_INVALID)
    from kpikit.runs.alerts import parse_rules
    from kpikit.runs.notify import parse_notify

    parse_rules(raw.get("alerts"), source)  # refused here, before anything runs
    parse_notify(raw.get("notify"), source)
    resolved = []
    for c in items:
        c = dict(c)
        if c.get("plan_path"):
            c["plan_path"] = str(_rel(base, c["plan_path"]))
        resolved.append(c)
    return Spec(output_dir=_rel(base, raw.get("output_dir", "kpikit-out/batch")),
                notebooks=tuple(str(n) for n in notebooks), campaigns=tuple(resolved),
                parameters=dict(raw.get("parameters") or {}),
                data_path=_rel(base, raw.get("data_path")), source=source,
                timeouts=timeouts,
                alerts=tuple(raw["alerts"]) if raw.get("alerts") is not None else None,
                notify=dict(raw["notify"]) if raw.get("notify") else None)


def _seconds(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and 0 < value < float("inf"))


def _spec_timeouts(value: Any, notebooks: Any, problems: list[str]) -> dict[str, float]:
    """The spec's ``timeout``: seconds for every run (``timeout: 600``), or per notebook
    (``timeout: {default: 600, 03_optimization: 1200}``). Problems are appended."""
    if value is None:
        return {}
    if _seconds(value):
        return {"default": float(value)}
    if not isinstance(value, dict):
        problems.append(tr("timeout: {value!r} is not a number of seconds above 0 nor a mapping "
                           "of notebook: seconds, e.g. timeout: 600", value=value))
        return {}
    known = sorted(_notebook_names() | {str(n) for n in notebooks} | {"default"})
    out = {}
    for k, v in value.items():
        if str(k) not in known:
            names = ", ".join(known)
            problems.append(tr("timeout: unknown notebook {k!r} (choose from {names})", k=k,
                               names=names))
        elif not _seconds(v):
            problems.append(tr("timeout: {k}: {v!r} is not a number of seconds above 0", k=k, v=v))
        else:
            out[str(k)] = float(v)
    return out


def _notebook_names() -> set[str]:
    from kpikit.runs.params import NOTEBOOKS

    return set(NOTEBOOKS)


def plan_runs(spec: Spec) -> list[Run]:
    """Expand a spec into runs (``all`` campaigns are read from the data)."""
    campaigns = list(spec.campaigns)
    if campaigns == [{"name": "all"}]:
        from kpikit.data_in.load import load
        from kpikit.data_in.sample import load_sample

        data = load(spec.data_path) if spec.data_path else load_sample()
        campaigns = [{"name": n} for n in sorted(data["campaign"].unique())]
    runs = []
    seen: dict[str, str] = {}
    for c in campaigns:
        # the data's names are NFC (the loader normalises them): a name typed in NFD
        # (macOS, some editors) must name the same campaign; case stays significant
        c = {**c, "name": unicodedata.normalize("NFC", str(c["name"]))}
        folder_name = safe_name(c["name"])
        if folder_name in seen:
            raise ParameterError(tr("campaign {name!r} is listed twice in the spec (names are "
                                    "compared after Unicode NFC normalisation). Fix: list it once.",
                                    name=c['name']),
                code=ProblemCode.SPEC_DUPLICATE_FOLDER)
        seen[folder_name] = c["name"]
        for nb in c.get("notebooks") or spec.notebooks:
            params: dict[str, Any] = {}
            if spec.data_path is not None:
                params["data_path"] = str(spec.data_path)
            if c.get("plan_path"):
                params["plan_path"] = c["plan_path"]
            params["campaign"] = c["name"]
            # plain names go to every notebook; a notebook's name holds its own ones
            for source in (spec.parameters, c.get("parameters") or {}):
                params.update({k: v for k, v in source.items() if not isinstance(v, dict)
                               or k not in _notebook_names()})
                params.update(source.get(nb) or {})
            folder = spec.output_dir / folder_name / nb
            params["output_dir"] = "outputs"
            timeout = spec.timeouts.get(nb, spec.timeouts.get("default"))
            runs.append(Run(c["name"], nb, params, folder, timeout))
    return runs


def check_runs(runs: Sequence[Run]) -> None:
    """Refuse unknown parameters and bad values of every run, before anything runs."""
    from kpikit.runs.params import check_values

    problems = []
    for r in runs:
        declared = declared_parameters(notebook_path(r.notebook))
        for k, v in r.parameters.items():
            if k not in declared:
                continue  # check_values names it, with the closest valid name
            d = declared[k]
            if d is not None and v is not None and type(d) is not type(v) and not (
                    isinstance(d, (int, float)) and isinstance(v, (int, float))):
                kind = type(d).__name__
                problems.append(tr("{label}: {k}={v!r} should be {kind} like the notebook's "
                                   "default {d!r}.", label=r.label, k=k, v=v, kind=kind, d=d))
        _, bad = check_values(r.notebook, r.parameters, declared)
        problems += [f"{r.label}: {b}" for b in bad if "output_dir" not in b]
    if problems:
        said = " ".join(problems)
        raise ParameterError(tr("the batch was not started: {said}",
                                said=said), code=ProblemCode.SPEC_INVALID)


def fingerprint(run: Run) -> str:
    """Hash of everything a run depends on: notebook, parameters and input files."""
    h = hashlib.sha256()
    h.update(notebook_path(run.notebook).read_bytes())
    h.update(json.dumps(run.parameters, sort_keys=True, default=str).encode())
    for key in ("data_path", "plan_path"):
        p = run.parameters.get(key)
        if p and Path(p).exists():
            h.update(Path(p).read_bytes())
    from kpikit.version import __version__

    h.update(__version__.encode())
    return h.hexdigest()


def is_complete(run: Run) -> bool:
    """True when the run's folder holds a finished, successful run of the same inputs."""
    m = run.folder / "manifest.json"
    if not m.exists():
        return False
    try:
        manifest = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (manifest.get("status") == "ok" and manifest.get("fingerprint") == fingerprint(run)
            and all((run.folder / f).exists() for f in RUN_FILES))


def run_lang(run: Run) -> str:
    """The run's ``lang`` parameter; without one, the current language (one channel)."""
    lang = run.parameters.get("lang") or language()
    return lang if lang in LANGS else "en"


def spec_lang(spec: Spec) -> str:
    """The language of a batch's own pages (index, alerts): the spec's shared ``lang``
    parameter; without one, the current language."""
    lang = spec.parameters.get("lang") or language()
    return lang if lang in LANGS else "en"


def demo_spec(output_dir: str | os.PathLike[str] = "kpikit-out/demo",
              lang: str | None = None) -> Spec:
    """The demo batch on the bundled sample data and plans, its reports in ``lang``
    (default: the current language)."""
    from kpikit.runs.params import bundled_plan

    lang = resolve_lang(lang)

    return load_spec({
        "output_dir": str(Path(output_dir).resolve()),
        "notebooks": ["01_goal_setting", "02_evaluation"],
        "parameters": {"lang": lang},
        # the monitor's rules, so the demo's index opens with its alerts
        "alerts": [{"rule": "change", "kpi": "cvr", "versus": "last_year", "percent": -5,
                    "severity": "critical"},
                   {"rule": "anomaly", "severity": "info"},
                   {"rule": "stale", "days": 2, "severity": "info"}],
        "campaigns": [
            {"name": "Tết Sale", "plan_path": str(bundled_plan("plan_tet_sale.yaml")),
             "parameters": {"02_evaluation": {"as_of": "2027-02-05"}},
             "notebooks": ["01_goal_setting", "02_evaluation", "03_optimization"]},
            {"name": "Brand Awareness",
             "plan_path": str(bundled_plan("plan_brand_engagement.yaml")),
             "parameters": {"02_evaluation": {"as_of": "2027-03-15"}}},
        ],
    })
