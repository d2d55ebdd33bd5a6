"""Commands on data: ``validate``, ``kpis``, ``compute`` and ``sample``."""

from __future__ import annotations

import argparse
import json
import numbers
import sys
import warnings
from pathlib import Path

from kpikit.cli.options import load_export
from kpikit.cli.tables import day, table
from kpikit.errors import KpikitError, ParameterError, ProblemCode
from kpikit.i18n.lang import language, tr

#: ``kpikit validate --format json`` documents: their schema name and version
VALIDATION_SCHEMA = "kpikit/validation"
VALIDATION_SCHEMA_VERSION = 1

# columns of the canonical table that are not measures
_KEYS = ("date", "date_end", "campaign", "channel")


def dropped_line(n: object) -> str:
    """How many total/summary rows the loader left out (said even when 0)."""
    return tr("dropped {n} total/summary row(s)", n=n)


def _validated(a: argparse.Namespace):
    df = load_export(a, kpis=a.kpis)
    if a.kpis and a.by:
        from kpikit.metrics.engines import compute

        compute(df, a.kpis, by=a.by)  # raises on non-additive sums
    return df


def cmd_validate(a: argparse.Namespace) -> int:
    """``kpikit validate``: a summary of a usable export, or every problem in it."""
    # text: a summary, or (raised) the error on stderr with exit 2 like every command;
    # json: one document on stdout either way, exit 0 when usable and 1 when not
    if a.format == "json":
        doc, code = validation_document(a)
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return code
    df = _validated(a)
    at = df.attrs
    src, platform = at["source"], at["platform"]
    print(tr("{src}: OK ({platform} export)", src=src, platform=platform))
    n, first, last = len(df), day(df["date"].min()), day(df["date"].max())
    print(tr("  rows: {n}, {first} to {last}", n=n, first=first, last=last))
    campaigns = df["campaign"].nunique()
    channels = ", ".join(sorted(df["channel"].unique()))
    print(tr("  campaigns: {campaigns}, channels: {channels}", campaigns=campaigns,
             channels=channels))
    currency = at["currency"] or tr("unknown (pass --currency)")
    print(tr("  currency: {currency}", currency=currency))
    columns = ", ".join(c for c in df.columns if c not in _KEYS)
    print(tr("  columns: {columns}", columns=columns))
    # always shown, 0 included: a reader must see that no data row was left out
    print("  " + dropped_line(at.get("dropped_total_rows", 0)))
    if at["ignored_columns"]:
        ignored = ", ".join(at["ignored_columns"])
        print(tr("  ignored columns: {ignored}", ignored=ignored))
    return 0


def _code_text(code: object) -> str | None:
    return None if code is None else str(code)


def _problem_json(p) -> dict:
    return {"code": _code_text(p.code), "message": p.message,
            "fix": p.fix, "file": p.file,
            # a DataFrame label may be a numpy integer or any hashable: JSON gets int or text
            "row": None if p.row is None else (
                int(p.row) if isinstance(p.row, numbers.Integral) else str(p.row)),
            "column": None if p.column is None else str(p.column)}


def validation_document(a: argparse.Namespace) -> tuple[dict, int]:
    """Validate ``a.file`` as ``kpikit validate`` does; return the JSON document and exit code.

    The document follows ``kpikit/schemas/validation.schema.json``: every problem found,
    each with its stable :class:`kpikit.errors.ProblemCode`, its message and fix in the
    current language and where it is. Exit code 0 when the file is usable, 1 when not.
    """
    from kpikit.data_in.yaml_safe import OptionFileError
    from kpikit.errors import DataError, KpikitWarning, Problem
    from kpikit.version import __version__

    doc: dict = {"schema": VALIDATION_SCHEMA, "schema_version": VALIDATION_SCHEMA_VERSION,
                 "kpikit_version": __version__, "lang": language(), "file": a.file,
                 "ok": False, "rows": None, "columns": [], "platform": None,
                 "currency": None, "date_start": None, "date_end": None, "campaigns": None,
                 "channels": [], "dropped_summary_rows": None, "ignored_columns": [],
                 "warnings": [], "problems": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            df = _validated(a)
        except DataError as e:
            problems = e.problems
        except OptionFileError as e:
            problems = [e.problem]
        except KpikitError as e:
            # a refusal for one reason (no such file, a folder, an unknown platform): its
            # message says where and ends with the fix, which gets its own field
            text = str(e)
            marker = tr(" Fix: ")
            message, _, fix = text.partition(marker) if marker in text else (text, "", "")
            problems = [Problem(message, fix, a.file, code=e.code)]
        else:
            problems = []
    doc["warnings"] = [{"code": _code_text(getattr(w.message, "code", None)),
                        "message": str(w.message)}
                       for w in caught if issubclass(w.category, KpikitWarning)]
    if problems:
        doc["problems"] = [_problem_json(p) for p in problems]
        return doc, 1
    at = df.attrs
    measures = [c for c in df.columns if c not in _KEYS]
    doc.update(ok=True, rows=len(df), columns=[str(c) for c in measures],
               platform=at.get("platform"), currency=at.get("currency"),
               date_start=f"{df['date'].min():%Y-%m-%d}" if len(df) else None,
               date_end=f"{df['date'].max():%Y-%m-%d}" if len(df) else None,
               campaigns=int(df["campaign"].nunique()),
               channels=sorted(str(c) for c in df["channel"].unique()),
               dropped_summary_rows=int(at.get("dropped_total_rows", 0)),
               ignored_columns=[str(c) for c in at.get("ignored_columns", [])])
    return doc, 0


def cmd_kpis(a: argparse.Namespace) -> int:
    """``kpikit kpis``: the KPI catalog as a table (or JSON)."""
    from kpikit.catalog import list_kpis

    rows = list_kpis(a.objective, lang=a.lang)
    if a.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    head = [tr("name"), tr("label"), tr("formula"),
            tr("better"), tr("horizon"),
            tr("objectives")]
    better = {"higher": tr("higher"), "lower": tr("lower")}
    horizon = {"short": tr("short"), "long": tr("long")}
    print(table([[r["name"], r["label"], r["formula"], better[r["direction"]],
                  horizon[r["horizon"]], r["objectives"]] for r in rows], head))
    return 0


def write_table(df, out: str | None) -> None:
    """Write a computed table to ``out`` (.csv, .xlsx, .parquet), or as CSV to stdout.

    Raises
    ------
    ParameterError
        For any other file type.
    """
    from kpikit.files import atomic_write
    from kpikit.safety import neutral_frame, write_xlsx

    df = df.copy()
    if "period" in df:
        df["period"] = df["period"].astype(str)
    if out is None:
        # stdout is often redirected into a .csv a spreadsheet opens: text cells that
        # start like a formula are neutralised there too
        sys.stdout.write(neutral_frame(df).to_csv(index=False, lineterminator="\n"))
        return
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # BOM so that Excel shows Vietnamese letters right
        safe = neutral_frame(df)
        atomic_write(path, lambda p: safe.to_csv(p, index=False, encoding="utf-8-sig"))
    elif suffix == ".xlsx":
        # text cells are written as strings, never formulas (the exact text is kept)
        atomic_write(path, lambda p: write_xlsx(df, p))
    elif suffix in (".parquet", ".pq"):
        atomic_write(path, lambda p: df.to_parquet(p, index=False))
    else:
        raise ParameterError(tr("-o {out}: unsupported output type. Fix: end it with .csv, .xlsx "
                                "or .parquet.", out=out),
                             code=ProblemCode.FILE_UNSUPPORTED_TYPE)
    n = len(df)
    print(tr("wrote {n} rows to {path}", n=n, path=path), file=sys.stderr)


def cmd_compute(a: argparse.Namespace) -> int:
    """``kpikit compute``: KPIs by any grouping, with pandas or DuckDB."""
    from kpikit.metrics.engines import compute

    loader_options = (a.platform != "auto" or a.mapping or a.currency or a.channel
                      or a.decimal or a.dayfirst is not None)
    engine = a.engine
    if engine == "auto":
        from kpikit.metrics import duckdb_proof

        engine = "duckdb" if not loader_options and duckdb_proof.is_canonical(a.file) else "pandas"
    if engine == "duckdb":
        if loader_options:
            raise ParameterError(tr("--engine duckdb reads canonical Parquet/CSV tables as they "
                                    "are; drop the loader options (--platform, --mapping, ...), "
                                    "or use --engine pandas."),
                                 code=ProblemCode.PARAMETER_CONFLICT)
        result = compute(a.file, a.kpis, by=a.by, include_measures=a.include_measures,
                         engine="duckdb")
        dropped = result.attrs.get("dropped_total_rows", 0)
    elif not loader_options and Path(a.file).is_dir():
        # a folder of exports: each file loaded, then checked together (kpikit.compute)
        result = compute(a.file, a.kpis, by=a.by, include_measures=a.include_measures,
                         engine="pandas")
        dropped = result.attrs.get("dropped_total_rows", 0)
    else:
        df = load_export(a, kpis=a.kpis)
        result = compute(df, a.kpis, by=a.by, include_measures=a.include_measures)
        dropped = df.attrs.get("dropped_total_rows", 0)
    # on stderr, so that the table on stdout stays clean CSV
    print(dropped_line(dropped), file=sys.stderr)
    write_table(result, a.output)
    return 0


def cmd_sample(a: argparse.Namespace) -> int:
    """``kpikit sample``: write the sample data set and print its path."""
    from kpikit.data_in.sample import write_sample

    path = write_sample(a.output, seed=a.seed, start=a.start, end=a.end)
    print(path)
    return 0
