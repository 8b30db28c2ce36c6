"""Benchmark: the full ``chargeback run`` against the floor and against the pandas way.

For each size (``--rows``, repeatable), generates the export once (benchmarks/generate.py,
under benchmarks/data/, git-ignored), then runs, interleaved and ``--repeat`` times each,
every way in its own child process, measuring wall seconds and peak RSS (``wait4``):

- ``full``: ``chargeback run SOURCE --period P --out TMP`` (all outputs written);
- ``floor``: one DuckDB query reading the same columns, filtering Bedrock, grouping by cost
  center, no outputs (benchmarks/floor.sql);
- ``pandas``: ``pandas.read_parquet`` of the needed columns and a groupby.

- ``spark`` (only with ``--engine spark``): the full run with ``--engine spark``, a local
  Spark session of ``--threads`` cores (needs the spark extra and Java); with
  ``--write-results`` its figures go to benchmarks/spark-results.json, apart from the DuckDB
  history;
- ``before`` (with ``--before DIR``): the ``full`` run of another checkout of the tool
  (``DIR`` first on ``PYTHONPATH``, e.g. a ``git worktree`` of the previous commit), so a
  change is measured before and after in one sitting.

Prints a table of medians and ratios, with the machine's cores, memory and load. With
``--write-results`` it also writes the table to benchmarks/RESULTS.md (between the result
markers; the analysis around them is kept) and every size measured to
benchmarks/results.json; by default nothing tracked is touched.

    python benchmarks/run.py --rows 1000000
    python benchmarks/run.py --rows 1000000 --rows 10000000 --rows 50000000 --repeat 3
    python benchmarks/run.py --rows 1000000 --bedrock-share 0.5 --cost-centers 5000
    python benchmarks/run.py --rows 10000000 --engine spark --threads 2 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if not __package__:  # run as a script (python benchmarks/run.py): import from the repo
    sys.path.insert(0, str(HERE.parent))

from benchmarks.checkout import cli_command  # noqa: E402
from benchmarks.generate import GENERATOR_VERSION, N_COST_CENTERS, generate  # noqa: E402
from benchmarks.ways import totals  # noqa: E402

PERIOD = "2026-10"
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_JSON = HERE / "results.json"
START, END = "<!-- results:start -->", "<!-- results:end -->"
#: ``--engine spark`` runs: their own file, so the DuckDB history in results.json stays whole.
SPARK_JSON = HERE / "spark-results.json"
WAYS = ("floor", "full", "before", "pandas", "spark")


@dataclass(frozen=True)
class Measure:
    way: str
    seconds: float
    peak_rss_mb: float
    result: dict[str, str]
    info: dict[str, Any]
    #: CPU seconds (user + system) of the process and the writer processes it waited for:
    #: steadier than wall seconds on a shared, loaded machine.
    cpu_seconds: float = 0.0


def measured(cmd: list[str]) -> tuple[float, float, str, float]:
    """Run ``cmd``; its wall seconds, its own peak RSS in MB, its stdout, and its CPU
    seconds (with those of the children it waited for)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({proc.returncode}): {err.read().decode()[-2000:]}"
            )
        cpu = usage.ru_utime + usage.ru_stime
        return seconds, usage.ru_maxrss / 1024, out.read().decode(), cpu


def run_way(
    way: str,
    source: Path,
    threads: int | None,
    memory_limit: str | None,
    before: Path | None = None,
) -> Measure:
    if way in ("full", "before", "spark"):
        with tempfile.TemporaryDirectory(dir=HERE / "data") as out:
            args = ["run", str(source), "--period", PERIOD, "--out", out, "--quiet"]
            # each way runs its own checkout whole, Python and SQL (benchmarks/checkout.py)
            checkout = before if way == "before" and before is not None else HERE.parent
            cmd = cli_command(checkout, args)
            if way == "spark":
                cmd += ["--engine", "spark"]
            if threads:
                cmd += ["--threads", str(threads)]
            if memory_limit:
                cmd += ["--memory-limit", memory_limit]
            seconds, rss, _, cpu = measured(cmd)
            info = json.loads((Path(out) / PERIOD / "run.json").read_text(encoding="utf-8"))
        result = {
            f"{t['currency']}/{cc}": amount
            for t in info["totals"]
            for cc, amount in t["cost_centers"].items()
        }
        keep = {
            "statement_lines": _lines(info),
            "phase_seconds": info.get("phase_seconds", {}),
            "bedrock_rows": info["rows"]["bedrock"],
        }
        return Measure(way, seconds, rss, result, keep, cpu)
    cmd = [sys.executable, str(HERE / "ways.py"), way, str(source), PERIOD]
    seconds, rss, out, cpu = measured(cmd)
    return Measure(way, seconds, rss, json.loads(out), {}, cpu)


def _lines(info: dict[str, Any]) -> int:
    return int(info.get("statement_lines", info["rows"].get("statement_lines", -1)))


@dataclass(frozen=True)
class Shape:
    """What the generated export looks like besides its size."""

    cost_centers: int = N_COST_CENTERS
    bedrock_share: float = 0.05
    product_keys: int = 0
    resources: int = 0

    @property
    def suffix(self) -> str:
        """'' for the default shape (its data folder and results key are as before)."""
        parts = []
        if self.cost_centers != N_COST_CENTERS:
            parts.append(f"cc{self.cost_centers}")
        if self.bedrock_share != 0.05:
            parts.append(f"b{self.bedrock_share:g}")
        if self.product_keys:
            parts.append(f"pk{self.product_keys}")
        if self.resources:
            parts.append(f"r{self.resources}")
        return "".join(f"-{p}" for p in parts)


def ensure_data(rows: int, seed: int, shape: Shape = Shape()) -> tuple[Path, float | None]:
    """The generated export for ``rows`` (made once; regenerated if its size, seed or the
    generator's version differ).

    Generated in a child process: this one starts every measured run, and a child's peak
    RSS counts the pages it shares with its parent before ``exec``, so a parent grown by
    generating would inflate every later measurement (it showed 842 MB for the 1M floor).
    """
    root = HERE / "data" / f"cur-{rows}{shape.suffix}"
    stamp = root / "generated.json"
    wanted = {"rows": rows, "seed": seed, "generator": GENERATOR_VERSION, **asdict(shape)}
    if stamp.exists():
        made = json.loads(stamp.read_text())
        if all(made.get(k) == v for k, v in wanted.items()):
            return root, None
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=_generate_and_stamp, args=(root, rows, seed, shape)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"generating {rows:,} rows into {root} failed ({child.exitcode})")
    return root, time.perf_counter() - started


def _generate_and_stamp(root: Path, rows: int, seed: int, shape: Shape) -> None:
    started = time.perf_counter()
    made = generate(
        root,
        rows,
        seed=seed,
        period=PERIOD,
        cost_centers=shape.cost_centers,
        bedrock_share=shape.bedrock_share,
        product_keys=shape.product_keys,
        resources=shape.resources,
    )
    (root / "generated.json").write_text(
        json.dumps(
            {
                "rows": made.rows,
                "seed": seed,
                "generator": GENERATOR_VERSION,
                **asdict(shape),
                "bedrock_rows": made.bedrock_rows,
                "files": len(made.files),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


def bench(
    rows: int,
    repeat: int,
    seed: int,
    pandas_max: int,
    threads: int | None,
    memory: str | None,
    shape: Shape = Shape(),
    before: Path | None = None,
    skip: tuple[str, ...] = (),
    spark: bool = False,
) -> dict[str, Any]:
    source, gen_seconds = ensure_data(rows, seed, shape)
    size = sum(p.stat().st_size for p in source.rglob("*.parquet"))
    ways = [
        w
        for w in WAYS
        if (w != "pandas" or rows <= pandas_max)
        and (w != "before" or before is not None)
        and (w != "spark" or spark)
        and w not in skip
    ]
    runs: dict[str, list[Measure]] = {w: [] for w in ways}
    for i in range(repeat):
        for way in ways if i % 2 == 0 else reversed(ways):  # interleaved: noise hits all
            m = run_way(way, source, threads, memory, before)
            runs[way].append(m)
            print(
                f"  {rows:>11,} rows  {way:<6} run {i + 1}: {m.seconds:7.2f} s  "
                f"{m.peak_rss_mb:7.0f} MB  {m.cpu_seconds:7.2f} CPU s",
                flush=True,
            )
    agree = _agree(runs)
    stamp = json.loads((source / "generated.json").read_text())
    entry: dict[str, Any] = {
        "rows": rows,
        "shape": asdict(shape),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "bedrock_rows": stamp["bedrock_rows"],
        "files": stamp["files"],
        "parquet_mb": round(size / 1e6),
        "generate_seconds": gen_seconds if gen_seconds is not None else stamp.get("seconds"),
        "repeat": repeat,
        "totals_agree": agree,
        "ways": {},
    }
    for way, ms in runs.items():
        entry["ways"][way] = {
            "median_seconds": round(statistics.median(m.seconds for m in ms), 3),
            "seconds": [round(m.seconds, 3) for m in ms],
            "median_peak_rss_mb": round(statistics.median(m.peak_rss_mb for m in ms)),
            "median_cpu_seconds": round(statistics.median(m.cpu_seconds for m in ms), 3),
            **({"info": ms[-1].info} if ms[-1].info else {}),
        }
    full = runs["full"]
    entry["write_seconds"] = round(
        statistics.median(m.info["phase_seconds"].get("write", 0.0) for m in full), 3
    )
    entry["statement_lines"] = full[-1].info["statement_lines"]
    entry["cost_centers"] = sum(1 for key in full[-1].result if not key.endswith("/UNATTRIBUTED"))
    return entry


def _agree(runs: dict[str, list[Measure]]) -> str:
    """Whether every way found the same Bedrock total per currency (to the cent)."""
    cent = Decimal("0.01")
    found = {
        way: {c: v.quantize(cent) for c, v in totals(ms[0].result).items()}
        for way, ms in runs.items()
    }
    first = found["full"]  # "before" must agree too: the change keeps every total
    bad = [w for w, t in found.items() if t != first]
    return "yes" if not bad else f"NO: {found}"


def machine() -> dict[str, Any]:
    mem_kb = 0
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    import pandas
    import pyarrow

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": model,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pyarrow": pyarrow.__version__,
        "pandas": pandas.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "when": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def table(results: dict[str, Any]) -> str:
    """The Markdown tables of every size measured so far."""
    m = results["machine"]
    lines = [
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB memory; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, pyarrow {m['pyarrow']}, "
        f"pandas {m['pandas']}; load average at start {m['load_average']}; {m['when']}.",
        "",
        "| rows | way | median wall s | rows/s | peak RSS MB | vs floor | runs (s) "
        "| median CPU s |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    by_rows = sorted(results["sizes"].values(), key=_order)
    for e in by_rows:
        floor = e["ways"].get("floor", e["ways"]["full"])["median_seconds"]
        for way in WAYS:
            w = e["ways"].get(way)
            if w is None:
                if way not in ("before", "spark"):  # measured only when asked
                    lines.append(f"| {_label(e)} | {way} | skipped | | | | | |")
                continue
            s = w["median_seconds"]
            lines.append(
                f"| {_label(e)} | {way} | {s:.2f} | {e['rows'] / s:,.0f} | "
                f"{w['median_peak_rss_mb']:,} | {s / floor:.2f}x | "
                f"{', '.join(f'{x:.1f}' for x in w['seconds'])} | "
                f"{w.get('median_cpu_seconds', 0):.2f} |"
            )
    lines += [
        "",
        "| rows | Bedrock rows | cost centers | files | Parquet MB | statement lines "
        "| write s (CSV+xlsx) | full / floor | before / full | pandas / full | totals agree "
        "| load avg |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for e in by_rows:
        full = e["ways"]["full"]["median_seconds"]
        floor = e["ways"].get("floor")
        pandas = e["ways"].get("pandas")
        before = e["ways"].get("before")
        lines.append(
            f"| {_label(e)} | {e['bedrock_rows']:,} | {e.get('cost_centers', 0):,} | "
            f"{e['files']} | {e['parquet_mb']:,} | "
            f"{e['statement_lines']:,} | {e['write_seconds']:.2f} | "
            + (f"{full / floor['median_seconds']:.2f}x" if floor else "not run")
            + " | "
            + (f"{before['median_seconds'] / full:.2f}x" if before else "not run")
            + " | "
            + (f"{pandas['median_seconds'] / full:.1f}x" if pandas else "not run")
            + f" | {e['totals_agree']} | {e.get('load_average', '')} |"
        )
    return "\n".join(lines)


def _label(entry: dict[str, Any]) -> str:
    shape = Shape(**entry.get("shape", {}))
    return f"{entry['rows']:,}{shape.suffix.replace('-', ' ')}"


def _order(entry: dict[str, Any]) -> tuple[int, int, float, int, int]:
    shape = Shape(**entry.get("shape", {}))
    return (
        shape.cost_centers,
        entry["rows"],
        shape.bedrock_share,
        shape.product_keys,
        shape.resources,
    )


def write_results(results: dict[str, Any]) -> None:
    RESULTS_JSON.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    body = f"{START}\n{table(results)}\n{END}"
    if RESULTS_MD.exists():
        text = RESULTS_MD.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            text = head + body + rest.split(END, 1)[1]
        else:
            text = text.rstrip() + "\n\n" + body + "\n"
    else:
        text = f"# Benchmark results\n\n{body}\n"
    RESULTS_MD.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="rows (repeatable)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each way (median)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--pandas-max-rows",
        type=int,
        default=10_000_000,
        help="skip the pandas way above this many rows (it needs ~1 GB/M rows)",
    )
    parser.add_argument("--threads", type=int, default=None, help="passed to chargeback run")
    parser.add_argument("--memory-limit", default=None, help="passed to chargeback run")
    parser.add_argument(
        "--cost-centers", type=int, default=N_COST_CENTERS, help="generator: cost centers"
    )
    parser.add_argument("--bedrock-share", type=float, default=0.05, help="generator")
    parser.add_argument("--product-keys", type=int, default=0, help="generator: product map keys")
    parser.add_argument(
        "--resources", type=int, default=0, help="generator: tagged resources (0: by cost centers)"
    )
    parser.add_argument(
        "--before", type=Path, default=None, help="another checkout, measured as way 'before'"
    )
    parser.add_argument("--skip", action="append", default=[], choices=WAYS, help="skip a way")
    parser.add_argument(
        "--write-results",
        action="store_true",
        help="write the table to benchmarks/RESULTS.md and results.json (tracked files)",
    )
    parser.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default="duckdb",
        help="spark: also time the full run with --engine spark (a local session)",
    )
    args = parser.parse_args(argv)
    sizes = args.rows or [1_000_000]
    shape = Shape(args.cost_centers, args.bedrock_share, args.product_keys, args.resources)
    (HERE / "data").mkdir(exist_ok=True)
    results: dict[str, Any] = {"sizes": {}}
    if args.write_results and RESULTS_JSON.exists():
        results = json.loads(RESULTS_JSON.read_text())
    results["machine"] = machine()
    spark = args.engine == "spark"
    if spark:  # measured beside DuckDB's ways, kept apart from the DuckDB history
        results = {"sizes": {}, "machine": results["machine"]}
    for rows in sizes:
        print(f"{rows:,} rows{shape.suffix}:", flush=True)
        entry = bench(
            rows,
            args.repeat,
            args.seed,
            args.pandas_max_rows,
            args.threads,
            args.memory_limit,
            shape,
            args.before,
            tuple(args.skip),
            spark,
        )
        results["sizes"][f"{rows}{shape.suffix}"] = entry
        if args.write_results and spark:
            SPARK_JSON.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        elif args.write_results:
            write_results(results)
    print(table(results))
    if args.write_results:
        print(f"\nwritten to {SPARK_JSON if spark else RESULTS_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
