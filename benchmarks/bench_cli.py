"""Benchmark: start-up time of the command line (``--help``, ``--version``) and of ``import tillvaxt_geo``.

Run: ``python benchmarks/bench_cli.py [--repeat 15]``.

Each case runs in a fresh interpreter; the table gives the median and the
fastest wall time, the time of a bare ``python -c pass`` for reference, and
which heavy libraries (numba, geopandas, pandas, folium) the case imported.
Target (issue 13): ``tillvaxt-geo --help`` under 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = ("numba", "geopandas", "pandas", "folium", "shapely")
PROBE = "import sys; print('HEAVY:' + ','.join(m for m in {heavy!r} if m in sys.modules))"

CASES = {
    "python -c pass": "pass",
    "import tillvaxt_geo": "import tillvaxt_geo",
    "tillvaxt-geo --help": "import sys; sys.argv=['tillvaxt-geo', '--help']\n"
    "from tillvaxt_geo.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
    "tillvaxt-geo --version": "import sys; sys.argv=['tillvaxt-geo', '--version']\n"
    "from tillvaxt_geo.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
}


def _time(code: str, repeat: int) -> tuple[float, float, str]:
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    probe = subprocess.run(
        [sys.executable, "-c", code + "\n" + PROBE.format(heavy=HEAVY)], capture_output=True, text=True, check=True
    )
    heavy = [line for line in probe.stdout.splitlines() if line.startswith("HEAVY:")][-1].removeprefix("HEAVY:")
    return statistics.median(walls), min(walls), heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"{'case':<26} {'median s':>9} {'min s':>7}  heavy modules imported")
    for name, code in CASES.items():
        median, fastest, heavy = _time(code, args.repeat)
        print(f"{name:<26} {median:>9.3f} {fastest:>7.3f}  {heavy or '-'}")


if __name__ == "__main__":
    main()
