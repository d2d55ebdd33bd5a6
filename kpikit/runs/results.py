"""What a notebook run leaves behind: ``results.json`` (versioned schemas), tables, charts.

Each notebook writes its outputs with one ``write_*`` function, ``results.json`` last, so a
folder with a ``results.json`` is complete. :func:`headline` is the one place that sums a
results document up in a few words (the batch index and ``summary.csv`` use it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from kpikit.i18n.lang import resolve_lang, tr, using_language

__all__ = ["SCHEMA_VERSION", "clean_json", "evaluation_payload", "gain_payload", "headline",
           "records", "results_text", "schema", "top_drivers", "write_evaluation",
           "write_figure", "write_goal_setting", "write_optimization", "write_results",
           "write_table"]

SCHEMA_VERSION = 1


def clean_json(obj: Any) -> Any:
    """JSON-safe: NaN -> null, dates -> ISO text, numpy -> Python."""
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
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
    return clean_json(df.to_dict(orient="records"))


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a notebook's ``results.json`` (``goal_setting``, ...)."""
    text = resources.files("kpikit.schemas").joinpath(f"{name}.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def results_text(kind: str, payload: dict[str, Any]) -> str:
    """A results document (JSON text), stamped with schema name and version."""
    from kpikit.version import __version__

    doc = {"schema": f"kpikit/{kind}", "schema_version": SCHEMA_VERSION,
           "kpikit_version": __version__,
           "created": datetime.now(UTC).isoformat(timespec="seconds"),
           **clean_json(payload)}
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)


def write_results(output_dir: str | Path, kind: str, payload: dict[str, Any]) -> Path:
    """Write ``results.json`` atomically, stamped with schema name and version."""
    from kpikit.files import atomic_write_text

    path = Path(output_dir) / "results.json"
    atomic_write_text(path, results_text(kind, payload))
    return path


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV (no index, UTF-8) atomically; text cells that a spreadsheet would
    run as a formula (``=HYPERLINK(...)``) are written as text (:mod:`kpikit.safety`)."""
    from kpikit.files import atomic_write
    from kpikit.safety import neutral_frame

    safe = neutral_frame(df)
    return atomic_write(Path(path), lambda p: safe.to_csv(p, index=False, encoding="utf-8"))


def write_figure(fig: Any, path: str | Path) -> Path:
    """Write a plotly figure as HTML beside a shared ``plotly.min.js`` (works offline).

    The figure is embedded base64-encoded (:func:`kpikit.safety.plotly_embed`): names from
    the data never appear as HTML or script text in the file.
    """
    from kpikit.files import atomic_write_text
    from kpikit.safety import html_text, plotly_embed

    path = Path(path)
    js = path.parent / "plotly.min.js"
    if not js.exists():
        from plotly.offline import get_plotlyjs

        atomic_write_text(js, get_plotlyjs())
    spec = json.loads(fig.to_json())
    spec["config"] = {"displaylogo": False, "responsive": True}
    height = spec.get("layout", {}).get("height")
    embed = plotly_embed(f"kpikit-{path.stem}", json.dumps(spec, ensure_ascii=False),
                         f"{int(height)}px" if height else "95vh")
    page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{html_text(path.stem)}</title>"
            '<script src="plotly.min.js"></script></head>'
            f'<body style="margin:0">{embed}</body></html>\n')
    return atomic_write_text(path, page)


def _write_charts(out: Path, figures: Mapping[str, Any], files: dict[str, str]) -> None:
    """Each figure as ``charts/<name>.html``, listed in ``files``."""
    for name, fig in figures.items():
        rel = f"charts/{name}.html"
        write_figure(fig, out / rel)
        files[f"chart:{name}"] = rel


def _written(out: Path, files: Mapping[str, str]) -> dict[str, str]:
    return {k: str(out / v) for k, v in {**files, "results": "results.json"}.items()}


# ---------------------------------------------------------- 01 goal setting


def write_goal_setting(params: Any, plan: Any, check: Any, figures: Mapping[str, Any],
                       tree_figure: Any = None) -> dict[str, str]:
    """Write plan.yaml, availability.csv, targets.csv, charts and results.json (last)."""
    out = Path(params.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"plan": "plan.yaml", "availability": "availability.csv",
             "targets": "targets.csv"}
    plan.to_yaml(out / files["plan"])
    write_table(check.availability, out / files["availability"])
    write_table(check.targets, out / files["targets"])
    charts = dict(figures)
    if tree_figure is not None:
        charts["kpi_tree"] = tree_figure
    _write_charts(out, charts, files)
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
    return _written(out, files)


# ------------------------------------------------------------- 02 evaluation


def top_drivers(ev: Any, kpi: str, n: int = 3) -> list[dict[str, Any]]:
    """The largest effects of the gap attribution (or the change, when there is no gap)."""
    tables = ev.drivers.get(kpi, {})
    table = tables.get("gap", tables.get("change"))
    if table is None:
        return []
    kind = "gap" if "gap" in tables else "change"
    top = table.reindex(table["effect"].abs().sort_values(ascending=False).index).head(n)
    return [{"driver": r.driver, "change": r.change, "effect": r.effect, "versus": kind}
            for r in top.itertuples()]


def write_evaluation(params: Any, ev: Any, figures: Mapping[str, Any]) -> dict[str, str]:
    """Write kpis.csv, charts and results.json (last) for notebook 02."""
    out = Path(params.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"kpis": "kpis.csv"}
    write_table(ev.rows, out / files["kpis"])
    _write_charts(out, figures, files)
    write_results(out, "evaluation", evaluation_payload(ev, params.as_dict(), files))
    return _written(out, files)


def evaluation_payload(ev: Any, parameters: dict[str, Any], files: dict[str, str]) -> dict:
    """The content of an evaluation's ``results.json`` (schema ``kpikit/evaluation``)."""
    from kpikit.views.prose import summary_lines

    keep = ["kpi", "objective", "owner", "horizon", "cadence", "direction", "actual", "target",
            "expected", "attainment", "projection", "low", "high", "probability",
            "projected_attainment", "status", "pacing", "elapsed_days", "days",
            "data_end", "lag_days", "estimated"]
    optional = ["change_prev", "p_prev", "significant_prev", "test_prev", "change_ly", "p_ly",
                "significant_ly", "test_ly", "wilson_low", "wilson_high", "trend", "trend_slope",
                "trend_se", "trend_p", "trend_months", "latest_day", "latest_value",
                "latest_expected", "latest_anomaly", "goal", "periods_broken",
                "periods_finished"]
    kpis = []
    for row in ev.totals().to_dict(orient="records"):
        item = {k: row.get(k) for k in keep}
        item.update({k: row[k] for k in optional if k in row})
        per = ev.rows[(ev.rows["kpi"] == row["kpi"]) & (ev.rows["level"] == "period")]
        cols = ["period", "start", "end", "actual", "target", "attainment", "status"]
        item["periods"] = records(per[cols + [c for c in ("estimated",) if c in per]])
        item["top_drivers"] = top_drivers(ev, row["kpi"])
        kpis.append(item)
    totals = ev.totals()
    statuses = totals["status"].value_counts().to_dict()
    fresh = {}
    if "data_end" in totals and len(totals):
        fresh = {"data_end": totals["data_end"].iloc[0],
                 "lag_days": int(totals["lag_days"].iloc[0]),
                 "estimated_periods": [{"kpi": r.kpi, "level": r.level, "period": r.period}
                                       for r in ev.rows.itertuples() if bool(r.estimated)]}
    return {"notebook": "02_evaluation", "parameters": parameters,
            "plan": ev.plan.name, "currency": ev.plan.currency, "as_of": ev.as_of,
            "period": list(ev.period), "pacing": ev.pacing, "statuses": statuses, "kpis": kpis,
            **fresh, "summary": list(summary_lines(ev)), "files": files}


# ----------------------------------------------------------- 03 optimization


def curves_table(curves: Mapping[str, Any], refused: Mapping[str, str]) -> pd.DataFrame:
    """One row per channel: the chosen form, fit quality and notes (or why it was refused)."""
    rows = [{"channel": ch, "form": c.form, "adstock": c.decay, "points": c.n,
             "r2": round(c.r2, 3), "mape": round(c.mape, 3),
             "holdout_error": round(c.holdout_mape, 3) if c.holdout_n else None,
             "holdout_mean_error": round(c.holdout_naive, 3) if c.holdout_n else None,
             "holdout_passed": c.holdout_ok, "criterion": c.criterion,
             "current_spend": round(c.current), "notes": " ".join(c.notes)}
            for ch, c in curves.items()]
    rows += [{"channel": ch, "form": "refused", "notes": why} for ch, why in refused.items()]
    return pd.DataFrame(rows)


def gain_payload(allocation: Any) -> dict[str, Any]:
    """The paired gain of an allocation and its verdict, for results.json."""
    return {"expected": allocation.gain, "low": allocation.gain_low,
            "high": allocation.gain_high, "probability": allocation.prob_gain,
            "verdict": allocation.verdict, "failed_holdout": list(allocation.failed_holdout)}


def write_optimization(params: Any, inputs: Mapping[str, Any], allocation: Any,
                       lines: Sequence[str], figures: Mapping[str, Any]) -> dict[str, str]:
    """Write allocation.csv, curves.csv, charts and results.json (last) for notebook 03."""
    out = Path(params.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"allocation": "allocation.csv", "curves": "curves.csv"}
    write_table(allocation.table, out / files["allocation"])
    write_table(curves_table(inputs["curves"], inputs["refused"]), out / files["curves"])
    _write_charts(out, figures, files)
    curves = {ch: {"form": c.form, "params": list(c.params), "adstock": c.decay,
                   "r2": c.r2, "mape": c.mape, "aic": c.aic, "points": c.n,
                   "holdout": {"error": c.holdout_mape, "mean_error": c.holdout_naive,
                               "periods": c.holdout_n, "passed": c.holdout_ok},
                   "current_spend": c.current, "notes": list(c.notes)}
              for ch, c in inputs["curves"].items()}
    payload = {
        "notebook": "03_optimization", "parameters": params.as_dict(),
        "mode": allocation.mode, "outcome": allocation.outcome, "period": inputs["freq"],
        "budget": allocation.budget, "target": allocation.target,
        "allocation": records(allocation.table),
        "expected": {"current": allocation.outcome_current,
                     "recommended": allocation.outcome_recommended,
                     "low": allocation.outcome_low, "high": allocation.outcome_high,
                     "lift": allocation.lift},
        "gain": gain_payload(allocation), "currency": inputs.get("currency"),
        "binding_constraints": list(allocation.binding), "curves": curves,
        "refused_channels": dict(inputs["refused"]), "recommendations": list(lines),
        "files": files,
    }
    write_results(out, "optimization", payload)
    return _written(out, files)


# ---------------------------------------------------------------- headline


def _goal_setting_headline(results: Mapping[str, Any]) -> list[tuple[str, str]]:
    n = len(results.get("targets", []))
    bad = len(results.get("contradictions", []))
    return [(tr("{n} KPIs planned, {bad} contradiction(s)", n=n, bad=bad),
             "ok" if results.get("ok") else "at risk")]


def _evaluation_headline(results: Mapping[str, Any]) -> list[tuple[str, str]]:
    from kpikit.catalog import KPIS
    from kpikit.i18n.formats import format_value

    cur = results.get("currency")
    out = []
    for k in results.get("kpis", [])[:4]:
        code = k["kpi"]
        name = KPIS[code].short_label() if code in KPIS else code
        actual = format_value(k.get("actual"), code, currency=cur)
        target = format_value(k.get("target"), code, currency=cur)
        out.append((tr("{name}: {actual} vs {target}", name=name, actual=actual, target=target),
                    k.get("status", "")))
    return out


def _optimization_headline(results: Mapping[str, Any]) -> list[tuple[str, str]]:
    from kpikit.catalog import word_for
    from kpikit.i18n.formats import format_change

    lift = (results.get("expected") or {}).get("lift")
    if not isinstance(lift, (int, float)) or isinstance(lift, bool):
        return [(tr("allocation"), "ok")]
    outcome = word_for(results.get("outcome"), short=True)
    change = format_change(lift)
    return [(tr("{outcome}: {change} for the same budget", outcome=outcome, change=change), "ok")]


#: the headline writer of each results schema (``kpikit/<kind>``)
_HEADLINES: dict[str, Callable[[Mapping[str, Any]], list[tuple[str, str]]]] = {
    "goal_setting": _goal_setting_headline,
    "evaluation": _evaluation_headline,
    "optimization": _optimization_headline,
}


def headline(results: Mapping[str, Any] | None, lang: str | None = None, *,
             notebook: str | None = None) -> list[tuple[str, str]]:
    """(text, status) pairs that sum up a ``results.json`` document, in ``lang``.

    Chosen by the document's schema (``kpikit/evaluation``: up to four KPIs, actual against
    target; ``kpikit/goal_setting``: KPIs planned and contradictions;
    ``kpikit/optimization``: the outcome's lift for the same budget). The status is a code
    (``on track``, ``ok`` ...) for the caller to colour and put in words. A document of
    another schema, or none, gives no pairs. ``notebook`` (``02_evaluation``) names the
    schema of a document that carries no stamp.
    """
    if not results:
        return []
    kind = str(results.get("schema", "")).removeprefix("kpikit/")
    if kind not in _HEADLINES:
        # a document without its stamp: known by the notebook that wrote it
        by_notebook = {"01_goal_setting": "goal_setting", "02_evaluation": "evaluation",
                       "03_optimization": "optimization"}
        kind = by_notebook.get(str(notebook or results.get("notebook")), "")
    if kind not in _HEADLINES:
        return []
    with using_language(resolve_lang(lang)):
        return _HEADLINES[kind](results)
