"""Size the Lambda function: one handler run over a synthetic month served by a local S3 API.

    .venv/bin/python deploy/measure.py --rows 1000000 --files 4 --threads 2

Writes a CUR 2.0-shaped export (a quarter of its rows Bedrock, plus wide columns the tool
never reads, as real exports have), serves it from moto's S3 server on 127.0.0.1, invokes
``chargeback.frontends.aws_lambda.handler`` with a manifest event in a fresh process, and prints its
wall time and peak resident memory. Needs the dev extras (moto[server]).
Its figures (README.md, "Sizing") and benchmarks/RESULTS.md (50M rows: ~23 s, 1.1 GB peak
under the 1536MB DuckDB default) justify the template's MemorySize, DuckDBMemoryLimit and
Timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

BUCKET, OUT = "measure-exports", "measure-reports"
ROOT = "cur/bedrock-cur2"
PERIOD = "2026-10"


def month(rows: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    bedrock = rng.random(rows) < 0.25
    product = np.where(bedrock, "AmazonBedrock", rng.choice(["AmazonEC2", "AmazonS3"], rows))
    family = np.where(bedrock, "Amazon Bedrock", "Compute Instance")
    cost = np.round(rng.gamma(0.5, 0.02, rows), 10)
    cc = rng.choice(["ML-101", "FIN-7", "OPS-3", "RND-22", ""], rows)
    tags = pa.array(
        [[("user_cost_center", c)] if c else [] for c in cc],
        pa.map_(pa.string(), pa.string()),
    )
    resource_ids = [
        f"arn:aws:bedrock-mantle:us-east-1:444455556666:project/p{i % 40}" for i in range(rows)
    ]
    return pa.table(
        {
            "bill_billing_period_start_date": pa.array(
                np.full(rows, np.datetime64(f"{PERIOD}-01T00:00:00", "ms"))
            ),
            "bill_billing_entity": pa.array(np.full(rows, "AWS")),
            "bill_invoice_id": pa.array(np.full(rows, "INV-1")),
            "bill_payer_account_id": pa.array(np.full(rows, "111122223333")),
            "identity_line_item_id": pa.array([f"li-{seed}-{i}" for i in range(rows)]),
            "line_item_line_item_type": pa.array(np.full(rows, "Usage")),
            "line_item_product_code": pa.array(product),
            "line_item_usage_type": pa.array(
                rng.choice(
                    [
                        "USE1-Claude4.6Sonnet-input-tokens",
                        "USE1-Claude4.6Sonnet-output-tokens",
                        "USE1-NovaPro-input-tokens",
                        "USE1-NovaPro-cache-read-input-token-count",
                    ],
                    rows,
                )
            ),
            "line_item_operation": pa.array(np.full(rows, "InvokeModelInference")),
            "line_item_resource_id": pa.array(resource_ids),
            "line_item_usage_account_id": pa.array(np.full(rows, "444455556666")),
            "line_item_usage_amount": pa.array(rng.random(rows) * 100),
            "line_item_unblended_cost": pa.array(cost),
            "line_item_net_unblended_cost": pa.array(cost),
            "line_item_currency_code": pa.array(np.full(rows, "USD")),
            "pricing_unit": pa.array(np.full(rows, "1K tokens")),
            "product_product_family": pa.array(family),
            "resource_tags": tags,
            # columns no query reads; real exports have ~100 of them
            "line_item_line_item_description": pa.array(
                [
                    f"$0.003 per 1K input tokens for Claude in US East (N. Virginia) #{i % 997}"
                    for i in range(rows)
                ]
            ),
            "identity_time_interval": pa.array(
                np.full(rows, "2026-10-01T00:00:00Z/2026-10-01T01:00:00Z")
            ),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="1400MB")
    args = parser.parse_args()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "measure",
        "AWS_SECRET_ACCESS_KEY": "measure",
        "AWS_REGION": "us-east-1",
        "CHARGEBACK_OUT": f"s3://{OUT}/chargeback",
        "CHARGEBACK_THREADS": str(args.threads),
        "CHARGEBACK_MEMORY_LIMIT": args.memory_limit,
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="measure",
        aws_secret_access_key="measure",
    )
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket=OUT)
    keys, size = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.files):
            path = Path(tmp) / f"{n}.parquet"
            pq.write_table(month(args.rows // args.files, n), path, compression="snappy")
            key = f"{ROOT}/data/BILLING_PERIOD={PERIOD}/bedrock-cur2-{n + 1:05d}.snappy.parquet"
            s3.upload_file(str(path), BUCKET, key)
            keys.append(key)
            size += path.stat().st_size
    manifest = f"{ROOT}/metadata/BILLING_PERIOD={PERIOD}/bedrock-cur2-Manifest.json"
    s3.put_object(
        Bucket=BUCKET,
        Key=manifest,
        Body=json.dumps({"dataFiles": [f"s3://{BUCKET}/{k}" for k in keys]}),
    )
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": BUCKET}, "object": {"key": manifest.replace("=", "%3D")}},
            }
        ]
    }
    child = "\n".join(
        [
            "import json, resource, sys, time",
            "t = time.monotonic()",
            "from chargeback.frontends.aws_lambda import handler",
            "r = handler(json.loads(sys.argv[1]), None)",
            "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024",
            "s = round(time.monotonic() - t, 2)",
            "st = r['runs'][0]['status']",
            "print(json.dumps({'status': st, 'seconds': s, 'peak_rss_mb': rss}))",
        ]
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", child, json.dumps(event)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    run, figures = json.loads(lines[-2]), json.loads(lines[-1])
    print(
        json.dumps(
            {
                "rows": args.rows,
                "files": args.files,
                "export_bytes": size,
                "threads": args.threads,
                "bedrock_rows": run["rows"]["bedrock"],
                **figures,
                "wall_seconds": round(time.monotonic() - started, 2),
                "ru_maxrss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            }
        )
    )
    server.stop()


if __name__ == "__main__":
    main()
