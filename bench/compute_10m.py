"""Ratio KPIs on 10 million daily rows: kpikit (pandas and DuckDB engines) against
hand-written pandas and hand-written DuckDB SQL, side by side in one run.

    python bench/compute_10m.py [--rows 10000000] [--keep FOLDER] [--csv]

Generates a canonical Parquet table (campaign x channel x day, 20 summed measures), then
runs each contender in its own process: read what it needs from the file and compute
every ratio KPI of the catalog whose measures are in the table, by campaign and month.
Prints the median seconds of --repeat runs, the ratio to the best hand-written engine
(goal: kpikit within 1.3x) and each process's peak memory; checks that all four give the
same numbers. The table is clean, so kpikit's DuckDB engine takes its fast path: one
pass that proves the file clean while it sums by series and month. With --csv the same
table is also written as CSV and kpikit's DuckDB engine (proof on every text cell) is
timed against hand-written DuckDB SQL on that CSV.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEASURES = ["impressions", "clicks", "link_clicks", "sessions", "engaged_sessions",
            "conversions", "leads", "orders", "repeat_orders", "revenue", "spend",
            "engagements", "shares", "video_views", "video_completions", "new_customers",
            "emails_delivered", "email_opens", "email_clicks", "unsubscribes"]
CHANNELS = ["search", "display", "social", "video", "email"]


def ratio_kpis() -> list:
    from kpikit.catalog import KPIS
    from kpikit.catalog import MEASURES as M

    return [k for k in KPIS.values() if k.is_ratio and all(
        m in MEASURES and M[m].aggregation == "sum" for m in k.measures)]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A canonical table of ``rows`` daily rows, written in chunks (bounded memory)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    days = 2000
    campaigns = max(1, rows // (days * len(CHANNELS)))
    dates = pd.date_range("2021-01-01", periods=days)
    rng = np.random.default_rng(seed)
    writer = None
    per_chunk = max(1, 1_000_000 // (days * len(CHANNELS)))
    for first in range(0, campaigns, per_chunk):
        names = [f"Campaign {i:04d}" for i in range(first, min(first + per_chunk, campaigns))]
        n = len(names) * len(CHANNELS) * days
        frame = pd.DataFrame({
            "date": np.tile(dates.values, len(names) * len(CHANNELS)),
            "campaign": np.repeat(names, len(CHANNELS) * days),
            "channel": np.tile(np.repeat(CHANNELS, days), len(names)),
        })
        base = rng.gamma(2.0, 5_000.0, n)
        for j, m in enumerate(MEASURES):
            share = 0.5 ** (j % 7 + 1)
            col = np.floor(base * share * rng.uniform(0.5, 1.5, n))
            if m in ("revenue", "spend"):
                col *= 1_000.0
            col[rng.random(n) < 0.01] = 0.0  # some zero denominators
            frame[m] = col
        # clean data: clicks above impressions is a loader warning, which would (rightly)
        # send the file through kpikit.load instead of the DuckDB fast path
        frame["clicks"] = np.minimum(frame["clicks"], frame["impressions"])
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


# ------------------------------------------------------------------ contenders

def _ratios_sql(kpis) -> str:
    def side(terms):
        return " + ".join(f"{c:g} * sum({t})" if c != 1 else f"sum({t})" for t, c in terms)

    out = []
    for k in kpis:
        num, den = side(k.numerator), side(k.denominator)
        out.append(f"CASE WHEN ({den}) = 0 THEN NULL ELSE {k.scale:g} * ({num}) / ({den}) "
                   f"END AS {k.name}")
    return ", ".join(out)


def hand_duckdb(path: str, kpis) -> object:
    import duckdb

    sql = (f"SELECT campaign, date_trunc('month', date) AS month, {_ratios_sql(kpis)} "
           f"FROM read_parquet('{path}') GROUP BY 1, 2 ORDER BY 1, 2")
    return duckdb.connect().execute(sql).df()


def hand_pandas(path: str, kpis) -> object:
    import numpy as np
    import pandas as pd

    need = sorted({m for k in kpis for m in k.measures})
    df = pd.read_parquet(path, columns=["date", "campaign", *need])
    month = df["date"].to_numpy().astype("datetime64[M]")
    sums = df[need].groupby([df["campaign"], month]).sum()
    out = pd.DataFrame(index=sums.index)
    for k in kpis:
        num = sum(c * sums[t] for t, c in k.numerator)
        den = sum(c * sums[t] for t, c in k.denominator)
        out[k.name] = (k.scale * num / den).where(den != 0, np.nan)
    return out.reset_index()


def kpikit_pandas(path: str, kpis) -> object:
    import pandas as pd

    import kpikit

    need = sorted({m for k in kpis for m in k.measures})
    df = pd.read_parquet(path, columns=["date", "campaign", "channel", *need])
    return kpikit.compute(df, [k.name for k in kpis], by="campaign", freq="M")


def kpikit_duckdb(path: str, kpis) -> object:
    import kpikit

    return kpikit.compute(path, [k.name for k in kpis], by="campaign", freq="M")


def hand_duckdb_csv(path: str, kpis) -> object:
    import duckdb

    sql = (f"SELECT campaign, date_trunc('month', date) AS month, {_ratios_sql(kpis)} "
           f"FROM read_csv('{path}') GROUP BY 1, 2 ORDER BY 1, 2")
    return duckdb.connect().execute(sql).df()


CONTENDERS = {"hand-written pandas": hand_pandas, "hand-written DuckDB SQL": hand_duckdb,
              "kpikit, pandas engine": kpikit_pandas, "kpikit, DuckDB engine": kpikit_duckdb}
CSV_CONTENDERS = {"CSV: hand-written DuckDB": hand_duckdb_csv,
                  "CSV: kpikit, DuckDB engine": kpikit_duckdb}


def child(name: str, path: str, out: str) -> None:
    """Run one contender in this process; report seconds; save the KPI values."""
    import numpy as np

    kpis = ratio_kpis()
    t = time.perf_counter()
    result = {**CONTENDERS, **CSV_CONTENDERS}[name](path, kpis)
    seconds = time.perf_counter() - t
    values = result[[k.name for k in kpis]].to_numpy(dtype="float64")
    np.save(out, values)
    print(json.dumps({"seconds": seconds, "rows": len(result)}))


def run_child(name: str, path: Path, out: Path) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--child", name, "--file", str(path),
                             "--out", str(out)], stdout=subprocess.PIPE, text=True)
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{name} failed ({proc.returncode})")
    res = json.loads(text.strip().splitlines()[-1])
    res["peak_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--keep", help="folder to keep the generated table in (reused if there)")
    p.add_argument("--repeat", type=int, default=3, help="runs per contender (median kept)")
    p.add_argument("--csv", action="store_true", help="also time the same table as CSV")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(a.child, a.file, a.out)
        return
    import numpy as np

    folder = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="kpikit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"daily_{a.rows}.parquet"
    try:
        if not path.exists():
            t = time.perf_counter()
            generate(path, a.rows)
            print(f"generated {path.name} ({path.stat().st_size / 2**20:.0f} MB) in "
                  f"{time.perf_counter() - t:.0f} s", file=sys.stderr)
        kpis = ratio_kpis()
        results = {}
        for name in CONTENDERS:
            tries = [run_child(name, path, folder / f"{name.replace(' ', '_')}.npy")
                     for _ in range(max(1, a.repeat))]
            results[name] = {"seconds": statistics.median(t["seconds"] for t in tries),
                             "rows": tries[0]["rows"],
                             "peak_mb": max(t["peak_mb"] for t in tries)}
        values = {n: np.load(folder / f"{n.replace(' ', '_')}.npy") for n in CONTENDERS}
        ref = values["hand-written DuckDB SQL"]
        same = {n: v.shape == ref.shape and np.allclose(v, ref, rtol=1e-9, equal_nan=True)
                for n, v in values.items()}
        best = min(results["hand-written pandas"]["seconds"],
                   results["hand-written DuckDB SQL"]["seconds"])
        rows = results["hand-written DuckDB SQL"]["rows"]
        print(f"{a.rows:,} daily rows -> {rows:,} campaign-months x {len(kpis)} ratio KPIs")
        print(f"{'contender':<26} {'seconds':>8} {'vs best hand':>13} {'peak MB':>9} "
              f"{'same numbers':>13}")
        for n, r in results.items():
            print(f"{n:<26} {r['seconds']:>8.2f} {r['seconds'] / best:>12.2f}x "
                  f"{r['peak_mb']:>9.0f} {'yes' if same[n] else 'NO':>13}")
        kp = min(results["kpikit, pandas engine"]["seconds"],
                 results["kpikit, DuckDB engine"]["seconds"])
        print(f"goal: kpikit within 1.3x of the best hand-written engine: "
              f"{kp / best:.2f}x {'OK' if kp / best <= 1.3 else 'MISSED'}")
        if a.csv:
            csv = folder / f"daily_{a.rows}.csv"
            if not csv.exists():
                import duckdb

                duckdb.connect().execute(
                    f"COPY (SELECT * REPLACE (CAST(date AS DATE) AS date) FROM "
                                         f"read_parquet('{path}')) TO "
                                         f"'{csv}' (HEADER)")
            timed = {}
            for name in CSV_CONTENDERS:
                out = folder / f"{name.replace(' ', '_').replace(':', '')}.npy"
                tries = [run_child(name, csv, out) for _ in range(max(1, a.repeat))]
                timed[name] = statistics.median(t["seconds"] for t in tries)
                same = np.allclose(np.load(out), ref, rtol=1e-9, equal_nan=True)
                print(f"{name:<26} {timed[name]:>8.2f} {'':>13} "
                      f"{max(t['peak_mb'] for t in tries):>9.0f} {'yes' if same else 'NO':>13}")
            ratio = timed["CSV: kpikit, DuckDB engine"] / timed["CSV: hand-written DuckDB"]
            print(f"CSV ({csv.stat().st_size / 2**20:.0f} MB): kpikit DuckDB engine, proof "
                  f"included, is {ratio:.2f}x hand-written DuckDB SQL on the same CSV")
    finally:
        if not a.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
