"""The smallest ``--memory-limit`` at which ``chargeback run`` succeeds, per DuckDB thread count.

DuckDB spills its aggregates past the memory limit, but not the scan's buffers: with too
little memory per thread it fails with "Out of Memory Error" instead. This measures how much
each thread needs, with the tool's own sizing switched off (``MEMORY_PER_THREAD = 1``), so
that ``chargeback.allocate.engine.MEMORY_PER_THREAD`` can be set from it (RESULTS.md,
"Threads and the memory limit"). A limit counts when three runs in a row succeed.

    .venv/bin/python benchmarks/generate.py --rows 10000000 --out /tmp/cur-10m
    .venv/bin/python benchmarks/threads_memory.py /tmp/cur-10m --threads 1 2 4 8
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile

#: ``chargeback run`` with the sizing of threads to the memory limit switched off.
UNSIZED = (
    "import sys, chargeback.allocate.engine as e; e.MEMORY_PER_THREAD = 1; "
    "from chargeback.frontends.cli import main; sys.argv[0] = 'chargeback'; main()"
)


def passes(source: str, threads: int, megabytes: int, repeat: int) -> bool:
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            args = ["run", source, "--period", "2026-10", "--out", out, "--quiet"]
            args += ["--threads", str(threads), "--memory-limit", f"{megabytes}MB"]
            done = subprocess.run([sys.executable, "-c", UNSIZED, *args], capture_output=True)
            if done.returncode != 0:
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="an export, e.g. from benchmarks/generate.py")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--start", type=int, default=100, help="first limit tried, MB")
    parser.add_argument("--step", type=int, default=25, help="MB")
    parser.add_argument("--stop", type=int, default=2000, help="last limit tried, MB")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print("| threads | smallest --memory-limit that passes | per thread |")
    print("| ---: | ---: | ---: |")
    for threads in options.threads:
        found = next(
            (
                mb
                for mb in range(options.start, options.stop + 1, options.step)
                if passes(options.source, threads, mb, options.repeat)
            ),
            None,
        )
        shown = "none up to the stop" if found is None else f"{found} MB"
        each = "" if found is None else f"{found / threads:.0f} MB"
        print(f"| {threads} | {shown} | {each} |", flush=True)


if __name__ == "__main__":
    main()
