"""Commands on plans: ``plan suggest`` and ``plan check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpikit.cli.options import load_export
from kpikit.cli.tables import day, span, table
from kpikit.i18n.lang import tr


def cmd_plan_suggest(a: argparse.Namespace) -> int:
    """``kpikit plan suggest``: a starting plan from the data, as YAML."""
    from kpikit.plans import parse_period, suggest_plan

    df = load_export(a)
    period = parse_period(a.period) if a.period else None
    plan = suggest_plan(df, a.objective, campaign=a.campaign, period=period,
                        lang=a.lang, n_kpis=a.n_kpis)
    if a.output:
        plan.to_yaml(a.output)
        n, out = sum(1 for _ in plan.targets()), a.output
        print(tr("wrote {out}: {n} KPIs; name the owners and adjust the targets, then run: kpikit "
                 "plan check", out=out, n=n), file=sys.stderr)
    else:
        sys.stdout.write(plan.to_yaml())
    return 0


def _count(n: object) -> str:
    """' 3' after 'trailing' (nothing for the other methods)."""
    return f" {n:.0f}" if isinstance(n, int | float) and n == n else ""


def _when(d: object, lang: str | None = None) -> str:
    return day(d, lang) if hasattr(d, "strftime") else str(d)


def cmd_plan_check(a: argparse.Namespace) -> int:
    """``kpikit plan check``: targets, baselines, data coverage and the KPI tree of a plan.

    Exit code 0 when the plan is measurable and consistent, 1 when not.
    """
    from kpikit.i18n.formats import format_change, format_number, format_percent, format_value
    from kpikit.plans import Plan, check_plan, feasibility_word, method_text
    from kpikit.views.display import translate

    lang = a.lang
    plan = Plan.from_yaml(Path(a.plan))
    df = load_export(a, kpis=plan.kpi_names())
    check = check_plan(plan, df)
    cur = df.attrs.get("currency") or plan.currency
    print(span(plan.name, plan.period[0], plan.period[1], lang) + "\n")

    def shown(value: object, kpi: str) -> str:
        return format_value(value, kpi, lang=lang, currency=cur)

    rows = [[r.kpi, translate(r.owner, lang), translate(r.cadence, lang),
             translate(r.horizon, lang), shown(r.target, r.kpi), shown(r.baseline, r.kpi),
             f"{method_text(r.baseline_method, lang)}{_count(r.baseline_trailing)} "
             f"{_when(r.baseline_start, lang)}..{_when(r.baseline_end, lang)}",
             format_change(r.change_vs_baseline, lang),
             feasibility_word(r.feasibility, lang)
             + ("" if r.percentile != r.percentile else f" (p{r.percentile:.0f})")]
            for r in check.targets.itertuples()]
    print(table(rows, [tr("kpi"), tr("owner"),
                       tr("cadence"), tr("horizon"),
                       tr("target"), tr("baseline"),
                       tr("baseline from"), tr("vs baseline"),
                       tr("feasibility")]))
    for r in check.targets.itertuples():
        if r.baseline_note:
            kpi, note = r.kpi, r.baseline_note
            print(tr("baseline of {kpi}: {note}", kpi=kpi, note=note))
    print(tr("\ndata (baseline window):"))
    print(table([[r.kpi, f"{_when(r.window_start, lang)}..{_when(r.window_end, lang)}",
                  format_number(r.days_covered, 0, lang), format_number(r.missing_days, 0, lang),
                  format_percent(r.null_share, 0, lang), r.missing_measures or "",
                  translate(r.status, lang)] for r in check.availability.itertuples()],
                [tr("kpi"), tr("window"), tr("days"),
                 tr("missing"), tr("empty"),
                 tr("missing measures"), tr("status")]))
    if check.cascade is not None:
        c = check.cascade
        formula, cover = c.tree.formula(), format_percent(c.coverage, 1, lang)
        print(tr("\nKPI tree: {formula} (covers {cover} of the goal)", formula=formula,
                 cover=cover))
        print(table([[r.kpi, shown(r.baseline, r.kpi), shown(r.target, r.kpi),
                      format_change(r.change, lang, 2), translate(r.source, lang)]
                     for r in c.drivers.itertuples()],
                    [tr("driver"), tr("baseline"), tr("target"),
                     tr("change"), tr("from")]))
    for line in check.contradictions:
        print(tr("CONTRADICTION: {line}", line=line))
    for line in check.warnings:
        print(tr("note: {line}", line=line))
    print(tr("\nOK") if check.ok else tr("\nNOT OK: fix the contradictions or "
                                                  "unmeasurable KPIs above"))
    return 0 if check.ok else 1
