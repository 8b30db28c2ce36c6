"""Never part of the month, never the month twice, on S3 (issue 17, the reading side).

Over a real S3 API (moto's server on loopback): SOURCE naming one object or one prefix of a
delivery, a manifest naming one object twice or an object outside the export, copies and
two deliveries under SOURCE each stop the run with one line, exit 4, nothing published.
And two deliveries of one month within one second (S3 keeps whole seconds, so their
``source.version`` times tie) end with the newer one current, whichever run publishes last.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from chargeback.pipeline import run
from chargeback.publish.s3 import S3Destination
from chargeback.read.s3 import S3Source
from chargeback.settings.model import Period, RunConfig
from tests.support.builders import cur2_row, tagged, write
from tests.support.delivery import (
    BUCKET,
    EXPECTED_TOTAL,
    EXPORT,
    OUT_BUCKET,
    PERIOD,
    build,
    cur2_manifest,
    data_key,
    manifest_key,
    published_summary,
    upload,
)
from tests.support.s3server import S3

ROOT = f"s3://{BUCKET}/cur/{EXPORT}"
OUT = f"s3://{OUT_BUCKET}/chargeback"
MANIFEST = f"s3://{BUCKET}/{manifest_key('cur')}"


def chargeback(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0].removeprefix("error: ")


@pytest.fixture
def export(s3: S3, tmp_path: Path) -> dict[str, Path]:
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    upload(s3, files, BUCKET)
    return files


def put_manifest(s3: S3, entries: list[str], key: str = manifest_key("cur"), **fields: Any) -> None:
    doc = cur2_manifest(BUCKET, [])
    doc["dataFiles"] = entries
    doc.update(fields)
    s3.client.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(doc).encode())


def nothing_published(s3: S3) -> bool:
    return s3.keys(OUT_BUCKET) == []


# -- SOURCE is a part of a delivery ----------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "under"),
    [(data_key("cur", 1), 1), (f"cur/{EXPORT}/data/BILLING_PERIOD={PERIOD}", 2)],
    ids=["one object", "the period's prefix"],
)
def test_part_of_a_delivery_is_refused_naming_its_manifest(
    export: dict[str, Path], s3: S3, part: str, under: int
) -> None:
    source = f"s3://{BUCKET}/{part}"
    code, err = chargeback("run", source, "--period", PERIOD, "--out", OUT)
    assert code == ExitCode.INPUT
    assert one_line(err) == (
        f"SOURCE {source} is part of the export {ROOT}: its manifest {MANIFEST} lists 2 "
        f"file(s) for {PERIOD}, {under} of them under SOURCE; a chargeback reads the whole "
        f"delivery: run it on the export's root (chargeback run {ROOT} --period {PERIOD})"
    )
    assert nothing_published(s3)


# -- manifests naming one object twice, or one outside the export ----------------------------


@pytest.mark.parametrize(
    "second",
    [data_key("cur", 1), f"s3://{BUCKET}/" + data_key("cur", 1).replace("=", "%3D")],
    ids=["bare key", "url-encoded"],
)
def test_manifest_naming_one_object_twice_is_refused(
    export: dict[str, Path], s3: S3, second: str
) -> None:
    """Was read twice: 34.60 instead of 17.30 published as current.json."""
    first = f"s3://{BUCKET}/{data_key('cur', 1)}"
    put_manifest(s3, [first, f"s3://{BUCKET}/{data_key('cur', 2)}", second])
    code, err = chargeback("run", ROOT, "--period", PERIOD, "--out", OUT)
    assert code == ExitCode.INPUT
    assert one_line(err) == (
        f"manifest {MANIFEST} lists {first} twice (as {first} and as {second}): a delivery's "
        "manifest names each data file once, and reading it twice would count its lines "
        "twice; was the manifest edited? download the delivery again"
    )
    assert nothing_published(s3)


@pytest.mark.parametrize(
    "entry",
    [
        f"s3://{BUCKET}/../outside/x.parquet",
        "../outside/x.parquet",
        f"s3://{BUCKET}/cur/%2E%2E/outside/x.parquet",
        f"s3://{BUCKET}/outside/x.parquet",
        f"s3://{BUCKET}/cur/{EXPORT}-other/data/x.parquet",
        f"s3://{OUT_BUCKET}/cur/{EXPORT}/data/BILLING_PERIOD={PERIOD}/x.parquet",
    ],
    ids=["dotdot", "relative", "url-encoded", "other prefix", "sibling export", "other bucket"],
)
def test_manifest_entry_outside_the_export_is_refused(
    export: dict[str, Path], s3: S3, tmp_path: Path, entry: str
) -> None:
    """Was read from outside SOURCE and charged."""
    extra = write(tmp_path / "x.parquet", [tagged("x", "CC-X", 1000.0)])
    for bucket, key in (
        (BUCKET, "outside/x.parquet"),
        (BUCKET, f"cur/{EXPORT}-other/data/x.parquet"),
        (OUT_BUCKET, f"cur/{EXPORT}/data/BILLING_PERIOD={PERIOD}/x.parquet"),
    ):
        s3.client.upload_file(str(extra), bucket, key)
    put_manifest(s3, [f"s3://{BUCKET}/{data_key('cur', 1)}", entry])
    code, err = chargeback("run", ROOT, "--period", PERIOD, "--out", OUT)
    assert code == ExitCode.INPUT
    assert one_line(err) == (
        f"manifest {MANIFEST} lists {entry}, which is outside SOURCE {ROOT}: a manifest lists "
        "its own export's files, and nothing outside SOURCE is read; was the manifest edited "
        "or copied from another export? download the delivery again"
    )
    assert s3.keys(OUT_BUCKET, "chargeback") == []


# -- copies and two deliveries under SOURCE ---------------------------------------------------


def test_an_object_copied_under_another_key_is_refused(s3: S3, tmp_path: Path) -> None:
    """Without identity_line_item_id (the small delivery has none) copies were summed."""
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    files = build(tmp_path / "export", BUCKET, "cur")
    upload(s3, {k: v for k, v in files.items() if k.endswith(".parquet")}, BUCKET)
    copy = f"cur/{EXPORT}/data/copy/{EXPORT}-00002.snappy.parquet"
    s3.client.copy_object(
        Bucket=BUCKET, Key=copy, CopySource={"Bucket": BUCKET, "Key": data_key("cur", 2)}
    )
    code, err = chargeback("run", ROOT, "--period", PERIOD, "--out", OUT)
    assert code == ExitCode.INPUT
    assert one_line(err) == (
        f"s3://{BUCKET}/{data_key('cur', 2)} and s3://{BUCKET}/{copy} are copies of one file "
        "(4 rows each, identical content): reading both would count their lines twice; keep "
        "one copy, or point SOURCE at the export's root so that its manifest decides which "
        "files are read"
    )
    assert nothing_published(s3)


def test_two_deliveries_under_source_without_a_manifest_applied_are_refused(
    s3: S3, tmp_path: Path
) -> None:
    """SOURCE above two copies of the export (a refresh beside the first delivery)."""
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    upload(s3, build(tmp_path / "first", BUCKET, "one"), BUCKET)
    refresh = build(tmp_path / "refresh", BUCKET, "two")
    write(refresh[data_key("two", 2)], [tagged("fin", "FIN-7", 2.25)])
    upload(s3, refresh, BUCKET)
    source = f"s3://{BUCKET}"
    code, err = chargeback("run", source, "--period", PERIOD, "--out", OUT)
    assert code == ExitCode.INPUT
    arn = cur2_manifest(BUCKET, [])["exportArn"]
    assert one_line(err) == (
        f"SOURCE {source} holds 2 deliveries of export {arn} for {PERIOD} (manifests "
        f"s3://{BUCKET}/{manifest_key('one')} and s3://{BUCKET}/{manifest_key('two')}): reading "
        "every file below SOURCE would count the month more than once; point SOURCE at one "
        "export's root (the folder holding data/ and metadata/), where the newest manifest "
        "decides which files are read"
    )
    assert nothing_published(s3)


# -- two deliveries of one month within one second -------------------------------------------


def _second_delivery(tmp_path: Path, prefix: str = "cur") -> dict[str, Path]:
    """A refresh of the delivery: FIN-7's 2.20 is now 5.00 (total 22.30)."""
    files = build(tmp_path / "second", BUCKET, prefix)
    write(
        files[data_key(prefix, 2)],
        [
            tagged("ml", "ML-101", 0.11, line_item_usage_type="USE1-NovaPro-output-tokens"),
            tagged("fin", "FIN-7", 5.00),
            cur2_row(cost=0.50),
        ],
    )
    return files


def _in_one_second(steps: list[Callable[[], S3Source]]) -> list[S3Source]:
    """Run the steps (each uploads a delivery and opens the source) within one wall-clock
    second, as two deliveries a second apart would be; retried when a second boundary falls
    between them."""
    for _ in range(5):
        time.sleep(1.02 - time.time() % 1)  # just after a second begins
        sources = [step() for step in steps]
        stamps = {s.version.split("+")[0] for s in sources}
        if len(stamps) == 1:
            return sources
    pytest.fail("could not upload two deliveries within one second")


def _publish_record(source: S3Source) -> S3Destination:
    """Publish a set whose run.json carries ``source``: a run that read it, finishing now."""
    dest = S3Destination(OUT)
    with dest.staging(PERIOD) as stage:
        (stage / "a.csv").write_text(f"from {source.version}\n")
        manifest = None if source.manifest is None else {"uri": source.manifest.uri}
        record = {"source": {"uri": source.root, "version": source.version, "manifest": manifest}}
        (stage / "run.json").write_text(json.dumps({**record, "outputs": ["a.csv", "run.json"]}))
    return dest


def _run_now() -> str:
    """A run over what the export holds now, published to OUT; its run id."""
    config = RunConfig(source=ROOT, period=Period.parse(PERIOD), out=OUT)
    result = run(config)
    assert result.superseded_by is None
    return result.output_dir.rstrip("/").rsplit("/", 1)[1]


@pytest.mark.parametrize("older_finishes", ["first", "last"])
@pytest.mark.parametrize("layout", ["overwrite", "new report"])
def test_two_deliveries_within_one_second_end_with_the_newer_current(
    s3: S3, tmp_path: Path, older_finishes: str, layout: str
) -> None:
    """``overwrite``: the second delivery replaces the manifest (one key); ``new report``:
    each delivery has its own manifest (CREATE_NEW_REPORT), the later one's key sorting last.
    Either way their times tie; the older run's set must never become current."""
    s3.client.create_bucket(Bucket=BUCKET)
    s3.client.create_bucket(Bucket=OUT_BUCKET)
    first = build(tmp_path / "first", BUCKET, "cur")
    second = _second_delivery(tmp_path)
    period_folder = f"cur/{EXPORT}/metadata/BILLING_PERIOD={PERIOD}"
    if layout == "new report":
        for files, folder in ((first, "20261101T0300Z-a"), (second, "20261101T0300Z-b")):
            files[f"{period_folder}/{folder}/{EXPORT}-Manifest.json"] = files.pop(
                manifest_key("cur")
            )
    else:  # the same manifest key, different bytes
        path = second[manifest_key("cur")]
        path.write_text(json.dumps({**json.loads(path.read_text()), "executionId": "second"}))

    def deliver(files: dict[str, Path]) -> Callable[[], S3Source]:
        def step() -> S3Source:
            upload(s3, files, BUCKET)
            return S3Source.open(ROOT, Period.parse(PERIOD))

        return step

    older, newer = _in_one_second([deliver(first), deliver(second)])
    assert older.version != newer.version  # same second, yet never a tie
    assert older.version.split("+")[0] == newer.version.split("+")[0]

    if older_finishes == "last":
        newer_run = _run_now()  # reads the export as it is now: the newer delivery
        late = _publish_record(older)
        assert late.superseded_by == newer_run
    else:
        _publish_record(older)
        newer_run = _run_now()
    pointer, amounts = published_summary(s3)
    assert pointer["run_id"] == newer_run
    assert pointer["source"]["version"] == newer.version
    assert sum(amounts.values()) == EXPECTED_TOTAL - Decimal("2.20") + Decimal("5.00")
