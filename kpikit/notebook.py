"""Support for kpikit's notebooks: strict parameters, display helpers, outputs.

Every notebook starts with ``_before = nb.begin(globals())``, then its cell
tagged ``parameters``, then ``P = nb.parameters("01_goal_setting", globals(),
_before)``. Papermill only warns about a parameter the notebook does not
declare; kpikit refuses it, and checks every value, before any work is done.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .catalog import OBJECTIVES, get_kpi
from .errors import ParameterError
from .format import LANGS, format_change, format_value

__all__ = ["NOTEBOOKS", "Param", "begin", "parameters", "setup", "write_results"]


@dataclass(frozen=True)
class Param:
    """One notebook parameter: its kind, and for choices the valid values."""

    name: str
    kind: str  # "path", "optional_path", "text", "optional_text", "choice", "dir"
    help: str
    choices: tuple[str, ...] = ()


NOTEBOOKS: dict[str, tuple[Param, ...]] = {
    "01_goal_setting": (
        Param("data_path", "optional_path", "export or canonical table (None: bundled sample)"),
        Param("plan_path", "optional_path", "plan YAML to refine (None: suggest one)"),
        Param("campaign", "optional_text", "campaign the plan is for (None: all)"),
        Param("objective", "choice", "objective of a suggested plan", OBJECTIVES),
        Param("lang", "choice", "language of tables and charts", LANGS),
        Param("output_dir", "dir", "folder for plan.yaml, tables, charts, results.json"),
    ),
}


def begin(namespace: Mapping[str, Any]) -> frozenset[str]:
    """Remember the names defined before the parameters cell."""
    return frozenset(namespace)


def parameters(notebook: str, namespace: Mapping[str, Any], before: frozenset[str]) -> Any:
    """Check the parameters of ``notebook``; return them as an object with attributes.

    Raises
    ------
    ParameterError
        Listing every unknown name (with close matches) and every bad value.
    """
    spec = {p.name: p for p in NOTEBOOKS[notebook]}
    given = {k for k in namespace if k not in before and not k.startswith("_")
             and k not in ("In", "Out", "get_ipython", "exit", "quit")}
    problems = []
    for name in sorted(given - set(spec)):
        close = difflib.get_close_matches(name, list(spec), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        problems.append(f"unknown parameter {name!r}.{hint}")
    values = {}
    for name, p in spec.items():
        v = namespace.get(name)
        values[name] = v
        if p.kind in ("path", "optional_path"):
            if v is None and p.kind == "optional_path":
                continue
            if not isinstance(v, (str, Path)) or not Path(v).exists():
                problems.append(f"{name}={v!r}: no such file (paths are read from "
                                f"{Path.cwd()}).")
            else:
                values[name] = Path(v)
        elif p.kind in ("text", "optional_text"):
            if v is None and p.kind == "optional_text":
                continue
            if not isinstance(v, str) or not v.strip():
                problems.append(f"{name}={v!r}: must be text.")
        elif p.kind == "choice":
            if v not in p.choices:
                problems.append(f"{name}={v!r}: choose from {', '.join(p.choices)}.")
        elif p.kind == "dir":
            if not isinstance(v, (str, Path)) or not str(v).strip():
                problems.append(f"{name}={v!r}: must be a folder path.")
            else:
                values[name] = Path(v)
    if problems:
        valid = ", ".join(f"{p.name} ({p.help})" for p in spec.values())
        raise ParameterError(
            f"notebook {notebook}: " + " ".join(problems) + f" Valid parameters: {valid}."
        )
    return _Params(values)


class _Params:
    """Checked parameters, as attributes (``P.lang``) and as a dict (``P.as_dict()``)."""

    def __init__(self, values: dict[str, Any]):
        self._values = values
        for k, v in values.items():
            setattr(self, k, v)

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self._values.items()}

    def __repr__(self) -> str:
        return "Parameters(" + ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items()) + ")"


def setup() -> None:
    """Plotly renders in JupyterLab and, with plotly.js inlined, in exported HTML."""
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype+notebook"


# ------------------------------------------------------------- display

_COLS = {
    "en": {"kpi": "KPI", "objective": "Objective", "owner": "Owner", "cadence": "Cadence",
           "horizon": "Horizon", "target": "Target", "baseline": "Baseline",
           "change_vs_baseline": "vs baseline", "feasibility": "Feasibility",
           "percentile": "Percentile", "status": "Status", "days_covered": "Days covered",
           "missing_days": "Missing days", "null_share": "Empty cells", "last_date": "Last date",
           "missing_measures": "Missing measures", "rank": "#", "reason": "Why",
           "measurable": "In the data", "direction": "Better when"},
    "vi": {"kpi": "KPI", "objective": "Mục tiêu", "owner": "Người phụ trách",
           "cadence": "Chu kỳ", "horizon": "Tầm nhìn", "target": "Chỉ tiêu",
           "baseline": "Cơ sở", "change_vs_baseline": "So với cơ sở",
           "feasibility": "Khả thi", "percentile": "Phân vị", "status": "Trạng thái",
           "days_covered": "Số ngày có dữ liệu", "missing_days": "Ngày thiếu",
           "null_share": "Ô trống", "last_date": "Ngày cuối", "missing_measures": "Thiếu cột",
           "rank": "#", "reason": "Lý do", "measurable": "Có dữ liệu",
           "direction": "Tốt hơn khi"},
}


def targets_table(targets: pd.DataFrame, *, lang: str = "en",
                  currency: str | None = None) -> pd.DataFrame:
    """The plan check's target rows, formatted for reading."""
    from .goals import FEASIBILITY_LABELS

    i = 1 if lang == "vi" else 0
    better = {"higher": ("higher", "cao hơn"), "lower": ("lower", "thấp hơn")}
    rows = []
    for r in targets.itertuples():
        rows.append({
            "kpi": get_kpi(r.kpi).label(lang), "owner": r.owner,
            "cadence": translate(r.cadence, lang), "horizon": translate(r.horizon, lang),
            "direction": better[r.direction][i],
            "target": format_value(r.target, r.kpi, lang=lang, currency=currency),
            "baseline": format_value(r.baseline, r.kpi, lang=lang, currency=currency),
            "change_vs_baseline": format_change(r.change_vs_baseline, lang),
            "feasibility": FEASIBILITY_LABELS[r.feasibility][i],
            "percentile": "–" if r.percentile != r.percentile else f"{r.percentile:.0f}",
        })
    return pd.DataFrame(rows).rename(columns=_COLS[lang])


def show(df: pd.DataFrame) -> Any:
    """A table for reading: no index, text left-aligned, nothing cut short."""
    return (df.style.hide(axis="index")
            .set_properties(**{"text-align": "left", "white-space": "pre-wrap"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))


_VALUES_VI = {"short": "ngắn hạn", "long": "dài hạn", "weekly": "hằng tuần",
              "monthly": "hằng tháng", "quarterly": "hằng quý", "campaign": "theo chiến dịch",
              "ok": "đủ", "gaps": "có khoảng trống", "no data": "không có dữ liệu",
              "unmeasurable": "không đo được", "all": "tất cả"}


def translate(value: Any, lang: str = "en") -> Any:
    """A code word (short, weekly, gaps, ...) in ``lang``."""
    return _VALUES_VI.get(value, value) if lang == "vi" and isinstance(value, str) else value


def rename(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Translate known column names and code words for display."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(lambda v: translate(v, lang))
    return out.rename(columns=_COLS.get(lang, _COLS["en"]))


# -------------------------------------------------------------- results

SCHEMA_VERSION = 1


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN -> null, dates -> ISO text, numpy -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (pd.Timestamp, datetime, date)):
        return obj.isoformat()[:10] if not isinstance(obj, datetime) or obj == obj else None
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if obj is pd.NaT:
        return None
    return obj


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-safe records."""
    return _clean(df.to_dict(orient="records"))


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a notebook's ``results.json`` (``goal_setting``, ...)."""
    text = resources.files("kpikit.schemas").joinpath(f"{name}.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def write_results(output_dir: str | Path, kind: str, payload: dict[str, Any]) -> Path:
    """Write ``results.json`` atomically, stamped with schema name and version."""
    from . import __version__
    from ._files import atomic_write_text

    doc = {"schema": f"kpikit/{kind}", "schema_version": SCHEMA_VERSION,
           "kpikit_version": __version__,
           "created": datetime.now(UTC).isoformat(timespec="seconds"),
           **_clean(payload)}
    path = Path(output_dir) / "results.json"
    atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False))
    return path


def write_figure(fig: Any, path: str | Path) -> Path:
    """Write a plotly figure as HTML beside a shared ``plotly.min.js`` (works offline)."""
    from ._files import atomic_write

    path = Path(path)
    return atomic_write(path, lambda p: fig.write_html(
        p, include_plotlyjs="directory", full_html=True, config={"displaylogo": False}))


# ---------------------------------------------------------- 01 goal setting


def recommendations_table(recs: list, *, lang: str = "en") -> pd.DataFrame:
    """Recommended KPIs, formatted for reading."""
    yes, no = ("yes", "no") if lang != "vi" else ("có", "không")
    rows = [{"rank": r.rank, "kpi": r.label(lang),
             "measurable": "–" if r.measurable is None else (yes if r.measurable else
                                                              f"{no}: {', '.join(r.missing)}"),
             "horizon": get_kpi(r.kpi).horizon, "reason": r.reason} for r in recs]
    return rename(pd.DataFrame(rows), lang)


def accountability_table(targets: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Steps 5, 6, 8: who owns which KPI, reviewed how often, short or long term."""
    rows = [{"owner": r.owner, "kpi": get_kpi(r.kpi).label(lang), "cadence": r.cadence,
             "horizon": r.horizon, "objective": r.objective} for r in targets.itertuples()]
    df = pd.DataFrame(rows).sort_values(["owner", "cadence"], kind="stable")
    return rename(df, lang)


def availability_table(avail: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """The availability check, formatted for reading."""
    out = avail[["kpi", "campaigns", "channels", "window_start", "window_end", "days_covered",
                 "missing_days", "null_share", "last_date", "missing_measures",
                 "status"]].copy()
    out["kpi"] = [get_kpi(k).label(lang) for k in out["kpi"]]
    out["null_share"] = [("–" if v != v else f"{v:.1%}") for v in out["null_share"]]
    return rename(out, lang)


def feasibility_figures(plan: Any, data: pd.DataFrame, check: Any, *,
                        lang: str = "en") -> dict[str, Any]:
    """One history-with-target chart per plan KPI, keyed by KPI name."""
    from .charts import feasibility_chart
    from .goals import feasibility

    figs = {}
    currency = data.attrs.get("currency")
    for (_, k), row in zip(plan.targets(), check.targets.itertuples(), strict=True):
        if row.target != row.target:
            continue
        campaigns, channels = plan.scope_of(k)
        f = feasibility(data, k.kpi, row.target, cadence=k.cadence,
                        period=plan.period_of(k), campaigns=campaigns, channels=channels)
        if len(f.history):
            figs[k.kpi] = feasibility_chart(f, lang=lang, currency=currency)
    return figs


def write_goal_setting(params: Any, plan: Any, check: Any, figures: Mapping[str, Any],
                       tree_figure: Any = None) -> dict[str, str]:
    """Write plan.yaml, availability.csv, targets.csv, charts and results.json (last)."""
    from ._files import atomic_write

    out = Path(params.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"plan": "plan.yaml", "availability": "availability.csv",
             "targets": "targets.csv"}
    plan.to_yaml(out / files["plan"])
    atomic_write(out / files["availability"],
                 lambda p: check.availability.to_csv(p, index=False, encoding="utf-8"))
    atomic_write(out / files["targets"],
                 lambda p: check.targets.to_csv(p, index=False, encoding="utf-8"))
    charts = dict(figures)
    if tree_figure is not None:
        charts["kpi_tree"] = tree_figure
    for name, fig in charts.items():
        rel = f"charts/{name}.html"
        write_figure(fig, out / rel)
        files[f"chart:{name}"] = rel
    tree = None
    if check.cascade is not None:
        c = check.cascade
        tree = {"formula": c.tree.formula(), "goal": c.tree.goal,
                "goal_baseline": c.goal_baseline, "goal_target": c.goal_target,
                "coverage": c.coverage, "product": c.product,
                "drivers": records(c.drivers)}
    payload = {
        "notebook": "01_goal_setting", "parameters": params.as_dict(), "plan": plan.to_dict(),
        "targets": records(check.targets), "availability": records(check.availability),
        "tree": tree, "contradictions": list(check.contradictions),
        "warnings": list(check.warnings), "ok": bool(check.ok), "files": files,
    }
    write_results(out, "goal_setting", payload)
    return {k: str(out / v) for k, v in {**files, "results": "results.json"}.items()}
