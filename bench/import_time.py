"""Import cost of kpikit against pandas alone, in fresh processes, side by side.

    python bench/import_time.py [--runs 15]

Prints the median wall time of each and what kpikit adds (goal: at most 0.15 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall(code: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=15)
    runs = p.parse_args().runs
    contenders = {"python (nothing)": "pass", "import pandas": "import pandas",
                  "import kpikit": "import kpikit"}
    times: dict[str, list[float]] = {k: [] for k in contenders}
    wall("import kpikit")  # warm the file cache and bytecode
    for _ in range(runs):  # interleaved, so drift hits all alike
        for name, code in contenders.items():
            times[name].append(wall(code))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["import pandas"]
    print(f"{'contender':<18} {'median s':>9} {'vs pandas':>10}")
    for k, v in med.items():
        print(f"{k:<18} {v:9.3f} {v / base:9.2f}x")
    added = med["import kpikit"] - base
    print(f"kpikit adds {added:+.3f} s to import pandas (goal <= 0.150 s): "
          f"{'OK' if added <= 0.15 else 'OVER'}")


if __name__ == "__main__":
    main()
