"""How long a warm `matcher top` takes on the demo home (target: under a second).

    python bench/top.py [--runs 7]

Builds the demo home once (`matcher demo --keep`), runs `top` once to warm the disk cache,
then times `--runs` runs of `matcher top "Luca Ferrari"` and `matcher why` in fresh
processes, as a user types them, and prints the median and the range.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2026-11-20"


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "matcher", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        subprocess.run([sys.executable, "-m", "matcher", "demo", "--keep", str(home)], check=True,
                       stdout=subprocess.DEVNULL)
        index = home / "cache" / "index.pkl"
        print(f"demo home: nightly index {'present' if index.exists() else 'MISSING'}")
        for name, command in [("top", ["top", "Luca Ferrari"]), ("why", ["why", "Luca Ferrari"])]:
            argv = ["--home", str(home), *command, "--as-of", AS_OF]
            timed(argv)  # warm
            runs = [timed(argv) for _ in range(args.runs)]
            print(f"warm `matcher {name}`: median {statistics.median(runs):.2f} s "
                  f"(min {min(runs):.2f}, max {max(runs):.2f}, {args.runs} runs)")


if __name__ == "__main__":
    main()
