"""Benchmark (issue 14): reading N invocation-log records the way a run does vs a bare DuckDB
read of the same fields.

Writes N ModelInvocationLog records (with their input and output bodies, as AWS writes them)
as gzipped JSON Lines in AWS's layout under ``--out`` (a month, one object per account,
region and hour), then times, each in its own child process (wall seconds, peak RSS from
``wait4``):

- **tool**: ``queries/16_invocation_log_tokens.sql`` through the run's ``Engine`` and
  ``read_logs`` (listing, the one DuckDB scan, the per-caller sums, the checks);
- **bare**: one ``read_json`` of the same fields, summed per account, region, model and
  hour, nothing else.

Both must count the same tokens. Prints the figures; nothing is asserted.

    .venv/bin/python benchmarks/invocation_logs.py --records 10000000 --out /tmp/logs-10m
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

BARE = """
SELECT sum(coalesce("input".inputTokenCount, 0) + coalesce("input".cacheReadInputTokenCount, 0)
         + coalesce("input".cacheWriteInputTokenCount, 0) + coalesce("output".outputTokenCount, 0))
FROM read_json($files, format = 'newline_delimited', compression = 'gzip', columns = {
    schemaType: 'VARCHAR', "timestamp": 'VARCHAR', accountId: 'VARCHAR', region: 'VARCHAR',
    modelId: 'VARCHAR', identity: 'STRUCT(arn VARCHAR)', requestMetadata: 'MAP(VARCHAR, VARCHAR)',
    "input": 'STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT,
                     cacheWriteInputTokenCount BIGINT)',
    "output": 'STRUCT(outputTokenCount BIGINT)', errorCode: 'VARCHAR'})
"""


def generate(out: Path, records: int, seed: int = 14) -> int:
    """Write ``records`` records over October 2026; returns the tokens they hold."""
    if (out / "DONE").exists():
        return int((out / "DONE").read_text())
    rng = random.Random(seed)
    hours = 31 * 24
    per_hour = max(1, records // hours)
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "word " * 60}]}]})
    tokens = 0
    written = 0
    for h in range(hours):
        if written >= records:
            break
        hour = datetime(2026, 10, 1) + timedelta(hours=h)
        folder = out / (
            f"AWSLogs/444455556666/BedrockModelInvocationLogs/us-east-1/{hour:%Y/%m/%d/%H}"
        )
        folder.mkdir(parents=True, exist_ok=True)
        n = per_hour if h < hours - 1 else records - written
        lines = []
        for i in range(n):
            t_in, t_out = rng.randint(10, 5000), rng.randint(10, 2000)
            tokens += t_in + t_out
            cc = ("CC-1001", "CC-2002", "CC-3003", None)[i % 4]
            meta = f',"requestMetadata":{{"costCenter":"{cc}"}}' if cc else ""
            lines.append(
                f'{{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":'
                f'"{hour:%Y-%m-%dT%H}:{i % 60:02d}:00Z","accountId":"444455556666",'
                f'"identity":{{"arn":"arn:aws:sts::444455556666:assumed-role/gw/s{i % 7}"}},'
                f'"region":"us-east-1","requestId":"r{written + i}","operation":"Converse",'
                f'"modelId":"us.amazon.nova-pro-v1:0"{meta},"input":{{"inputContentType":'
                f'"application/json","inputBodyJson":{body},"inputTokenCount":{t_in}}},'
                f'"output":{{"outputContentType":"application/json","outputBodyJson":{body},'
                f'"outputTokenCount":{t_out}}}}}'
            )
        with gzip.open(folder / f"part-{h:04d}.json.gz", "wt", compresslevel=1) as f:
            f.write("\n".join(lines) + "\n")
        written += n
    (out / "DONE").write_text(str(tokens))
    return tokens


def child(way: str, out: str) -> None:
    """One measured way, in this (child) process: prints the tokens it counted."""
    from chargeback.allocate.engine import Engine
    from chargeback.read.invocation_logs import open_logs
    from chargeback.settings.model import InvocationLogSettings, Period, RunConfig

    period = Period.parse("2026-10")
    logs = open_logs(out, period)
    engine = Engine(None, None)
    try:
        if way == "bare":
            found = engine.con.execute(BARE, {"files": [o.path for o in logs.objects]})
            print(found.fetchone()[0])  # type: ignore[index]
        else:
            from chargeback.allocate.invocation_logs import read_logs

            config = RunConfig(
                source="-", period=period, out="-", invocation_logs=InvocationLogSettings(out)
            )
            read_logs(engine, config, logs)
            print(engine.con.execute("SELECT sum(tokens) FROM log_tokens").fetchone()[0])  # type: ignore[index]
    finally:
        engine.close()


def measure(way: str, out: Path) -> tuple[float, float, int]:
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", way, "--out", str(out)], stdout=subprocess.PIPE
    )
    _pid, _status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    assert proc.stdout is not None
    tokens = int(proc.stdout.read().decode().strip() or 0)
    return seconds, usage.ru_maxrss / 1024, tokens


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data/invocation-logs"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, str(args.out))
        return 0
    started = time.monotonic()
    expected = generate(args.out, args.records)
    size = sum(p.stat().st_size for p in args.out.rglob("*.json.gz")) / 1e6
    print(f"{args.records:,} records, {size:,.0f} MB gzipped ({time.monotonic() - started:.0f} s)")
    for _ in range(args.repeat):
        for way in ("bare", "tool"):
            seconds, rss, tokens = measure(way, args.out)
            same = "same tokens" if tokens == expected else f"TOKENS DIFFER ({tokens:,})"
            print(f"  {way:<5} {seconds:8.1f} s  {rss:8.0f} MB peak RSS  {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
