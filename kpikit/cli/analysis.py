"""Commands that judge and improve: ``evaluate`` and ``optimize``."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from kpikit.cli.options import load_export, read_bounds
from kpikit.cli.tables import binding, significant, span, table
from kpikit.i18n.lang import tr


def cmd_evaluate(a: argparse.Namespace) -> int:
    """``kpikit evaluate``: each KPI of a plan judged against the data as of a day."""
    from kpikit.analysis.evaluate import evaluate
    from kpikit.i18n.formats import format_change, format_percent, format_value
    from kpikit.plans import Plan
    from kpikit.views.display import estimated_line, freshness_line
    from kpikit.views.prose import status_text, summary_lines

    lang = a.lang
    plan = Plan.from_yaml(Path(a.plan))
    if a.campaign:
        plan = plan.for_campaign(a.campaign)
    df = load_export(a, kpis=plan.kpi_names())
    ev = evaluate(df, plan, as_of=a.as_of, period=a.period, pacing=a.pacing, lang=lang)
    cur = df.attrs.get("currency") or plan.currency
    print(span(plan.name, ev.period[0], ev.period[1], lang, ev.as_of) + "\n")

    def shown(value: object, kpi: str) -> str:
        return format_value(value, kpi, lang=lang, currency=cur)

    est = tr(" (est.)")
    rows = [[r.kpi, r.owner, status_text(r.status, lang),
             shown(r.actual, r.kpi) + (est if bool(getattr(r, "estimated", False)) else ""),
             shown(r.expected, r.kpi), shown(r.target, r.kpi), shown(r.projection, r.kpi),
             format_percent(r.probability, 0, lang),
             format_change(getattr(r, "change_ly", float("nan")), lang)]
            for r in ev.totals().itertuples()]
    print(table(rows, [tr("kpi"), tr("owner"),
                       tr("status"), tr("actual"),
                       tr("expected"), tr("target"),
                       tr("projection"), tr("P(reach)"),
                       tr("vs last year")]))
    print()
    for extra in (freshness_line(ev, lang), estimated_line(ev, lang)):
        if extra:
            print(extra)
    print()
    for line in summary_lines(ev):
        print(f"- {line}")
    if a.output:
        from kpikit.files import atomic_write_text
        from kpikit.runs.results import evaluation_payload, results_text

        params = {"data_path": a.file, "plan_path": a.plan, "campaign": a.campaign,
                  "as_of": str(ev.as_of), "period": a.period or "campaign", "lang": lang,
                  "output_dir": str(Path(a.output).parent)}
        atomic_write_text(Path(a.output), results_text(
            "evaluation", evaluation_payload(ev, params, {})))
        out = a.output
        print(tr("wrote {out}", out=out), file=sys.stderr)
    return 0


def _curves(a: argparse.Namespace):
    """Response curves of ``a.file`` (a Meridian CSV or an export), the channels refused
    with the reason, and the currency."""
    import pandas as pd

    from kpikit.analysis.optimize import fit_curves, fit_joint, is_meridian, load_meridian
    from kpikit.files import read_limited

    head = b""
    if Path(a.file).suffix.lower() == ".csv":
        head = read_limited(Path(a.file), "optimize").split(b"\n", 1)[0]
    if head and is_meridian(pd.read_csv(io.BytesIO(head), nrows=0).columns):
        spend, conversions, revenue = load_meridian(a.file)
        outcome = revenue if a.outcome == "revenue" else conversions
        curves, _ = fit_joint(spend, outcome, outcome_name=a.outcome)
        return curves, {}, getattr(a, "currency", None)
    df = load_export(a)
    currency = df.attrs.get("currency") or getattr(a, "currency", None)
    curves, refused = fit_curves(df, outcome=a.outcome,
                                 campaigns=[a.campaign] if a.campaign else [], freq=a.freq)
    return curves, refused, currency


def cmd_optimize(a: argparse.Namespace) -> int:
    """``kpikit optimize``: fit response curves and allocate the budget across channels."""
    from kpikit.analysis.optimize import allocate
    from kpikit.i18n.formats import format_change, format_money, format_percent
    from kpikit.i18n.lang import nfmt
    from kpikit.views.prose import recommendations

    lang = a.lang
    bounds = read_bounds(a.bounds) if a.bounds else {}
    curves, refused, currency = _curves(a)
    for why in refused.values():
        print(tr("note: {why}", why=why), file=sys.stderr)
    if not currency:
        print(tr("note: the file does not say its currency, so amounts are shown without one. "
                 "Fix: pass --currency (e.g. --currency VND)."), file=sys.stderr)
    alloc = allocate(curves, budget=a.budget, mode=a.mode, target=a.target, bounds=bounds)
    rows = [[r.channel, format_money(r.current, currency, lang),
             format_money(r.recommended, currency, lang),
             format_change(r.change_pct, lang),
             significant(r.marginal_current, lang), significant(r.marginal, lang),
             binding(r.binding, lang)]
            for r in alloc.table.itertuples()]
    print(table(rows, [tr("channel"), tr("current"),
                       tr("recommended"), tr("change"),
                       tr("marginal now"),
                       tr("marginal after"),
                       tr("binding")]))
    print()
    for c in curves.values():
        mape, naive = (format_percent(c.holdout_mape, 1, lang),
                       format_percent(c.holdout_naive, 1, lang))
        r2, channel, periods = nfmt(c.r2, ".2f", lang), c.channel, c.holdout_n
        ho = "–" if c.holdout_ok is None else tr("{mape} (mean {naive})", mape=mape, naive=naive)
        print(tr("fit {channel}: R² {r2}, holdout error {ho} over {periods} periods",
                 channel=channel, r2=r2, ho=ho, periods=periods))
    print()
    for line in recommendations(alloc, lang=lang, currency=currency, curves=curves):
        print(f"- {line}")
    if a.output:
        _write_allocation(a.output, alloc, curves, refused, currency)
    return 0


def _write_allocation(out: str, alloc, curves: dict, refused: dict[str, str],
                      currency: str | None) -> None:
    """``optimize -o``: the allocation, its expected gain and the curves' holdout checks."""
    from kpikit.files import atomic_write_text
    from kpikit.runs.results import records, results_text

    payload = {"mode": alloc.mode, "outcome": alloc.outcome, "budget": alloc.budget,
               "target": alloc.target, "allocation": records(alloc.table),
               "expected": {"current": alloc.outcome_current,
                            "recommended": alloc.outcome_recommended,
                            "low": alloc.outcome_low, "high": alloc.outcome_high,
                            "lift": alloc.lift},
               "gain": {"expected": alloc.gain, "low": alloc.gain_low,
                        "high": alloc.gain_high, "probability": alloc.prob_gain,
                        "verdict": alloc.verdict},
               "holdout": {ch: {"r2": c.r2, "error": c.holdout_mape,
                                "mean_error": c.holdout_naive, "periods": c.holdout_n,
                                "passed": c.holdout_ok} for ch, c in curves.items()},
               "currency": currency,
               "binding_constraints": list(alloc.binding), "refused_channels": refused}
    atomic_write_text(Path(out), results_text("optimization_cli", payload))
    print(tr("wrote {out}", out=out), file=sys.stderr)
