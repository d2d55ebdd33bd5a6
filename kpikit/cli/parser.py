"""The arguments of every ``kpikit`` command, with English help (``build_parser`` translates it)."""

from __future__ import annotations

import argparse

from kpikit.cli.analysis import cmd_evaluate, cmd_optimize
from kpikit.cli.data import cmd_compute, cmd_kpis, cmd_sample, cmd_validate
from kpikit.cli.options import seconds
from kpikit.cli.plans import cmd_plan_check, cmd_plan_suggest
from kpikit.cli.runs import cmd_batch, cmd_demo, cmd_lesson
from kpikit.runs.batch import EXECUTORS

_LANG_HELP = "en or vi: language of the output and messages (default: $KPIKIT_LANG, else en)"


def load_args(p: argparse.ArgumentParser) -> None:
    """Options of commands that load an export."""
    p.add_argument("file", help="export file (CSV/TSV/XLSX/Parquet), or for compute a folder "
                                "of canonical Parquet/CSV files")
    p.add_argument("--platform", default="auto",
                   help="auto, google_ads, meta, ga4, tiktok or canonical (default: auto)")
    p.add_argument("--mapping", metavar="FILE",
                   help="YAML or JSON file: {source header: canonical column}")
    p.add_argument("--currency", help="ISO currency code when the file does not say (VND)")
    p.add_argument("--channel", help="channel for every row when the file has none")
    p.add_argument("--decimal", choices=[".", ","], help="force the decimal separator")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--dayfirst", dest="dayfirst", action="store_true", default=None,
                   help="read 03/04/2026 as 3 April")
    g.add_argument("--monthfirst", dest="dayfirst", action="store_false",
                   help="read 03/04/2026 as 4 March")


def build() -> argparse.ArgumentParser:
    """The ``kpikit`` parser with its English help texts."""
    from kpikit.version import __version__

    p = argparse.ArgumentParser(prog="kpikit", description="Marketing KPIs, computed right.")
    p.add_argument("--version", action="version", version=f"kpikit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="check an export and report every problem")
    load_args(v)
    v.add_argument("--kpis", help="KPIs you will compute, e.g. ctr,cpa (checks their columns)")
    v.add_argument("--by", help="grouping you will use, e.g. campaign,month")
    v.add_argument("--lang", help=_LANG_HELP)
    v.add_argument("--format", default="text", choices=["text", "json"],
                   help="text (default), or json: every problem with its stable code "
                        "(kpikit.errors.ProblemCode), exit code 0 when usable, 1 when not")
    v.set_defaults(func=cmd_validate)

    k = sub.add_parser("kpis", help="list the KPI catalog")
    k.add_argument("--objective", help="sales, leads, awareness, engagement, traffic, retention")
    k.add_argument("--lang", help=_LANG_HELP)
    k.add_argument("--json", action="store_true", help="print JSON")
    k.set_defaults(func=cmd_kpis)

    c = sub.add_parser("compute", help="compute KPIs by any grouping and period")
    load_args(c)
    c.add_argument("--by", default="campaign",
                   help="columns and a period word: campaign,channel,month (default: campaign)")
    c.add_argument("--kpis", help="comma-separated KPI names (default: all computable)")
    c.add_argument("--include-measures", action="store_true",
                   help="also write the aggregated measures")
    c.add_argument("-o", "--output", help="out.csv, out.xlsx or out.parquet (default: stdout)")
    c.add_argument("--engine", default="auto", choices=["auto", "pandas", "duckdb"],
                   help="auto: DuckDB for canonical Parquet/CSV files and folders (any size, "
                        "only the needed columns read), pandas for platform exports")
    c.add_argument("--lang", help=_LANG_HELP)
    c.set_defaults(func=cmd_compute)

    s = sub.add_parser("sample", help="generate the sample data set")
    s.add_argument("-o", "--output", default="sample_campaigns.csv")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--start", default="2025-01-01")
    s.add_argument("--end", default="2027-06-30")
    s.add_argument("--lang", help=_LANG_HELP)
    s.set_defaults(func=cmd_sample)

    pl = sub.add_parser("plan", help="suggest or check a KPI plan")
    psub = pl.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    ps = psub.add_parser("suggest", help="suggest a starting plan from the data")
    load_args(ps)
    ps.add_argument("--objective", required=True,
                    help="sales, leads, awareness, engagement, traffic or retention")
    ps.add_argument("--campaign", help="campaign the plan is for (default: all)")
    ps.add_argument("--period", help="2027Q1, 2027-01, 2027 or 2027-01-01:2027-02-28 "
                                     "(default: the quarter after the data)")
    ps.add_argument("--lang", help=_LANG_HELP)
    ps.add_argument("--n-kpis", type=int, default=5, help="how many KPIs (default 5)")
    ps.add_argument("-o", "--output", help="plan.yaml (default: stdout)")
    ps.set_defaults(func=cmd_plan_suggest)
    pc = psub.add_parser("check", help="check a plan against the data")
    pc.add_argument("plan", help="plan YAML")
    load_args(pc)
    pc.add_argument("--lang", help=_LANG_HELP)
    pc.set_defaults(func=cmd_plan_check)

    e = sub.add_parser("evaluate", help="judge a plan's KPIs against the data as of a date")
    load_args(e)
    e.add_argument("plan", help="plan YAML")
    e.add_argument("--as-of", required=True, help="last day of data to judge (yyyy-mm-dd)")
    e.add_argument("--period", help="campaign (default), 2027-01, 2027Q1 or a range")
    e.add_argument("--campaign", help="narrow the plan to one campaign")
    e.add_argument("--pacing", default="seasonal", choices=["seasonal", "linear"],
                   help="expected path to the target (default: seasonal)")
    e.add_argument("--lang", help=_LANG_HELP)
    e.add_argument("-o", "--output", help="write results.json here")
    e.set_defaults(func=cmd_evaluate)

    o = sub.add_parser("optimize", help="fit response curves and allocate a budget")
    load_args(o)
    o.add_argument("--budget", type=float, help="spend per period to allocate (default: current)")
    o.add_argument("--mode", default="max-outcome",
                   choices=["max-outcome", "min-budget", "target-cpa", "target-roas"])
    o.add_argument("--target", type=float, help="outcome, CPA or ROAS target of the mode")
    o.add_argument("--bounds", metavar="FILE", help="YAML: channel: [min, max] per period")
    o.add_argument("--campaign", help="campaign whose channels are optimised")
    o.add_argument("--outcome", default="revenue", choices=["revenue", "conversions"])
    o.add_argument("--freq", default="D", choices=["D", "W"], help="period of the curves")
    o.add_argument("--lang", help=_LANG_HELP)
    o.add_argument("-o", "--output", help="write the result as JSON here")
    o.set_defaults(func=cmd_optimize)

    b = sub.add_parser("batch", help="run notebooks per campaign from a spec (YAML)")
    b.add_argument("spec", help="batch spec YAML")
    b.add_argument("--jobs", type=int, help="parallel runs (default: the cores)")
    b.add_argument("--force", action="store_true", help="rerun complete runs too")
    b.add_argument("--executor", default="local", choices=sorted(EXECUTORS),
                   help="local processes (default) or a Dask distributed cluster")
    b.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    run_options(b)
    b.add_argument("--lang", help=_LANG_HELP + "; default for batch: the spec's lang")
    b.add_argument("--notify-url", help="webhook (Slack, Teams) that gets one JSON message "
                   "per new or resolved alert")
    b.add_argument("--fail-on", choices=["info", "warning", "critical"],
                   help="exit with code 3 when an alert of this severity or worse is active")
    b.set_defaults(func=cmd_batch)

    d = sub.add_parser("demo", help="run the demo batch on the bundled sample data")
    d.add_argument("--lang", help=_LANG_HELP)
    d.add_argument("--output-dir", default="kpikit-out/demo", help="where the reports go")
    d.add_argument("--jobs", type=int, help="parallel runs (default: the cores)")
    d.add_argument("--force", action="store_true", help="rerun complete runs too")
    d.add_argument("--table-only", action="store_true", help="only print the KPI table")
    run_options(d)
    d.set_defaults(func=cmd_demo)

    le = sub.add_parser("lesson", help="serve the KPI basics lesson for a class (Voila)")
    le.add_argument("--lang", help=_LANG_HELP)
    le.add_argument("--port", type=int, default=8866, help="local port (default 8866)")
    le.add_argument("--no-browser", action="store_true", help="do not open a browser")
    le.set_defaults(func=cmd_lesson)
    return p


def run_options(p: argparse.ArgumentParser) -> None:
    """Options of commands that run a batch."""
    p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="stop a run that takes longer (default: the spec's timeout, else "
                        "1800); the run is marked failed with the cell that hung")
    p.add_argument("--wait", type=seconds, default=0.0, metavar="SECONDS",
                   help="if another batch is running on the output folder, wait this long "
                        "for it (default: refuse at once, naming it)")
