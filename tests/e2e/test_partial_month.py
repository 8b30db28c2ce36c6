"""Never part of the month, never the month twice, with exit 0 (issue 17, the reading side).

Every way SOURCE can hold less than the delivery (an unreadable folder or file, one file or
one folder of a delivery, a link that leads nowhere, a pipe named ``.parquet``, a Bedrock
line without a billing period) or more than it (a copied delivery, with or without
``identity_line_item_id``, two deliveries of one export, one file under two names, a
manifest naming one file twice or a file outside SOURCE) either stops the run with one line
and exit 4, publishing nothing, or gives the whole delivery's total, computed here from the
rows written, never through the tool.

Unreadable files and folders: the tests run as root, and root reads a ``chmod 000`` file
anyway (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). The CLI is therefore run in a subprocess
whose capability bounding set lacks those two (``setpriv --bounding-set``): it is still
uid 0, so the kernel checks the owner bits of a root-owned file exactly as it checks them
for any user, and ``chmod 000`` makes ``open``/``opendir`` fail with EACCES, the error a
user without read access gets. A non-root runner needs no setpriv at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chargeback.errors import ExitCode, InputError
from tests.support.builders import CUR2_TYPES, cur2_row, tagged, write
from tests.support.delivery import EXPORT, cur2_manifest
from tests.support.paths import SAMPLE
from tests.support.runs import RunFn

BUCKET = "billing-exports"
PERIOD = "2026-10"
DATA = f"data/BILLING_PERIOD={PERIOD}"
META = f"metadata/BILLING_PERIOD={PERIOD}"
MANIFEST = f"{META}/{EXPORT}-Manifest.json"
SAMPLE_TOTAL = Decimal("6597.83")
TYPES = {**CUR2_TYPES, "identity_time_interval": pa.string()}


# -- a small delivery, laid out as Data Exports writes it ------------------------------------


def delivery_rows(ids: bool) -> list[list[dict[str, Any]]]:
    """Two data files' rows: six Bedrock lines of 2026-10 (19.50), one of September, one
    EC2 line. ``ids``: with identity_line_item_id and time interval, as CUR 2.0 has them."""
    files = [
        [
            tagged("ml", "ML-101", 12.34),
            tagged("fin", "FIN-7", 3.10),
            tagged("none", None, 1.25),
            cur2_row(period="2026-09", cost=100.0),
        ],
        [
            tagged("ml", "ML-101", 0.11, line_item_usage_type="USE1-NovaPro-output-tokens"),
            tagged("fin", "FIN-7", 2.20),
            cur2_row(cost=0.50),
            cur2_row(
                cost=40.0,
                line_item_product_code="AmazonEC2",
                product_product_family="Compute Instance",
            ),
        ],
    ]
    if ids:
        for n, rows in enumerate(files, start=1):
            for i, row in enumerate(rows):
                row["identity_line_item_id"] = f"li-{n}-{i}"
                row["identity_time_interval"] = "2026-10-01T00:00:00Z/2026-10-02T00:00:00Z"
    return files


def data_name(n: int) -> str:
    return f"{EXPORT}-{n:05d}.snappy.parquet"


def key(relative: str) -> str:
    """The S3 key the manifest names for a path relative to the export root."""
    return f"cur/{EXPORT}/{relative}"


def make_delivery(root: Path, ids: bool = False, manifest: bool = True) -> list[Path]:
    """The delivery under ``root`` (the export's root); its data files."""
    files = [
        write(root / DATA / data_name(n), rows, types=TYPES)
        for n, rows in enumerate(delivery_rows(ids), start=1)
    ]
    if manifest:
        entries = [f"{DATA}/{data_name(n)}" for n in (1, 2)]
        write_manifest(root, [f"s3://{BUCKET}/{key(e)}" for e in entries])
    return files


def write_manifest(root: Path, entries: list[str], **fields: Any) -> Path:
    doc = cur2_manifest(BUCKET, [])
    doc["dataFiles"] = entries
    doc.update(fields)
    path = root / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def bedrock_total(files: list[Path]) -> Decimal:
    """The period's Bedrock total of the files, summed here from the rows as written."""
    total = Decimal(0)
    for path in files:
        for row in pq.read_table(path).to_pylist():
            start = row["bill_billing_period_start_date"]
            bedrock = row["product_product_family"] == "Amazon Bedrock" or str(
                row["line_item_product_code"]
            ).startswith("AmazonBedrock")
            if bedrock and isinstance(start, datetime) and f"{start:%Y-%m}" == PERIOD:
                total += Decimal(repr(row["line_item_net_unblended_cost"]))
    return total.quantize(Decimal("0.01"))


# -- the CLI in a subprocess, optionally without root's read-anything powers ----------------


@pytest.fixture(scope="session")
def unprivileged() -> list[str]:
    """The command prefix that runs a program without the right to read what its mode bits
    deny (see the module docstring); skips when this machine cannot do that."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: chmod 000 cannot make a file unreadable")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"chargeback-probe-{os.getpid()}"
    probe.write_text("x")
    probe.chmod(0)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", f"open({str(probe)!r}).read()"], capture_output=True
        )
    finally:
        probe.unlink()
    if done.returncode == 0 or b"PermissionError" not in done.stderr:
        pytest.skip(f"setpriv could not drop root's read-anything powers: {done.stderr!r}")
    return prefix


def cli(cwd: Path, *args: str, prefix: list[str] | tuple[str, ...] = ()) -> tuple[int, str]:
    """``chargeback ARGS`` in a subprocess: exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARGEBACK_", "AWS_"))}
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "chargeback", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    return done.returncode, done.stderr


@contextmanager
def unreadable(path: Path) -> Iterator[Path]:
    mode = path.stat().st_mode
    path.chmod(0)
    try:
        yield path
    finally:
        path.chmod(mode)


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0].removeprefix("error: ")


def published_total(out: Path) -> Decimal:
    info = json.loads((out / PERIOD / "run.json").read_text())
    return sum((Decimal(t["export_bedrock_total"]) for t in info["totals"]), Decimal(0))


def sample_copy(tmp_path: Path) -> Path:
    root = tmp_path / EXPORT
    shutil.copytree(SAMPLE, root)
    return root


# -- unreadable parts of SOURCE --------------------------------------------------------------


def test_unreadable_subfolder_without_manifest_is_an_error_not_half_the_month(
    tmp_path: Path, unprivileged: list[str]
) -> None:
    """The issue's case: the sample's second file in a folder the user cannot read gave
    3,581.25 of 6,597.83 with exit 0."""
    root = sample_copy(tmp_path)
    shutil.rmtree(root / "metadata")
    hidden = root / "data" / "more"
    hidden.mkdir()
    (root / DATA / data_name(2)).rename(hidden / data_name(2))
    out = tmp_path / "out"
    with unreadable(hidden):
        code, err = cli(
            tmp_path, "run", str(root), "--period", PERIOD, "--out", str(out), prefix=unprivileged
        )
    assert code == ExitCode.INPUT
    assert one_error_line(err) == (
        f"cannot read {hidden} (Permission denied): without it the month would be incomplete; "
        "give the user running the chargeback read access to it"
    )
    assert not out.exists()
    code, err = cli(tmp_path, "run", str(root), "--period", PERIOD, "--out", str(out), "-q")
    assert code == 0, err
    assert published_total(out) == SAMPLE_TOTAL  # readable again: the whole month


def test_unreadable_file_without_manifest_is_an_error(
    tmp_path: Path, unprivileged: list[str]
) -> None:
    root = tmp_path / "export"
    files = make_delivery(root, manifest=False)
    out = tmp_path / "out"
    with unreadable(files[1]):
        code, err = cli(
            tmp_path, "run", str(root), "--period", PERIOD, "--out", str(out), prefix=unprivileged
        )
    assert code == ExitCode.INPUT
    assert one_error_line(err) == (
        f"cannot read {files[1]} (Permission denied): without it the month would be "
        "incomplete; give the user running the chargeback read access to it"
    )
    assert not out.exists()


def test_periods_on_an_unreadable_folder_says_it_is_unreadable(
    tmp_path: Path, unprivileged: list[str]
) -> None:
    root = tmp_path / "export"
    make_delivery(root, manifest=False)
    with unreadable(root / "data"):
        code, err = cli(tmp_path, "periods", str(root), prefix=unprivileged)
    assert code == ExitCode.INPUT
    message = one_error_line(err)
    assert message.startswith(f"cannot read {root / 'data'} (Permission denied)"), message
    assert "no Parquet files" not in message


@pytest.mark.parametrize("command", ["run", "coverage"])
@pytest.mark.parametrize("folder", ["metadata", "data"])
def test_unreadable_metadata_or_data_folder_is_one_line_exit_4(
    tmp_path: Path, unprivileged: list[str], command: str, folder: str
) -> None:
    """Was a PermissionError traceback, exit 1."""
    root = sample_copy(tmp_path)
    out = tmp_path / "out"
    args = [command, str(root), "--period", PERIOD]
    if command == "run":
        args += ["--out", str(out)]
    with unreadable(root / folder):
        code, err = cli(tmp_path, *args, prefix=unprivileged)
    assert code == ExitCode.INPUT, err
    message = one_error_line(err)
    expected = {
        "metadata": root / META,
        "data": root / DATA / "bedrock-cur2-00001.snappy.parquet",
    }[folder]
    assert message == (
        f"cannot read {expected} (Permission denied): without it the month would be "
        "incomplete; give the user running the chargeback read access to it"
    )
    assert not out.exists()


def fifo(root: Path) -> Path:
    path = root / DATA / "bedrock-cur2-00003.snappy.parquet"
    os.mkfifo(path)
    return path


def dangling_link(root: Path) -> Path:
    path = root / DATA / "bedrock-cur2-00003.snappy.parquet"
    path.symlink_to(root / "gone" / "bedrock-cur2-00003.snappy.parquet")
    return path


def looping_link(root: Path) -> Path:
    path = root / DATA / "more"
    path.symlink_to(path)  # stat(2) fails with ELOOP, for root too
    return path


READ_AS_ROOT: dict[str, tuple[Callable[[Path], Path], str]] = {
    # these fail for root as well, so they run in-process
    "named pipe": (
        fifo,
        "{path} is not a regular file (a named pipe): it cannot be read as Parquet, and "
        "leaving it out would leave out part of the month; replace it with the file it stands "
        "for, or remove it",
    ),
    "dangling link": (
        dangling_link,
        "{path} is a symbolic link that leads nowhere (No such file or directory): what it "
        "pointed at would be left out of the month; restore its target or remove the link",
    ),
    "looping link": (
        looping_link,
        "{path} is a symbolic link that leads nowhere (Too many levels of symbolic links): "
        "what it pointed at would be left out of the month; restore its target or remove the "
        "link",
    ),
}


@pytest.mark.parametrize("case", list(READ_AS_ROOT))
def test_an_entry_that_cannot_be_read_is_an_error_not_skipped(
    case: str, tmp_path: Path, run_on: RunFn
) -> None:
    """Were skipped silently (``Path.rglob`` and ``is_file`` pass over them)."""
    make_case, expected = READ_AS_ROOT[case]
    root = tmp_path / "export"
    make_delivery(root, manifest=False)
    path = make_case(root)
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(root, out=out)
    assert str(info.value) == expected.format(path=path)
    assert not out.exists()


def test_hidden_folders_are_still_skipped_without_being_opened(
    tmp_path: Path, run_on: RunFn
) -> None:
    """``_temporary`` and ``.x`` folders (an interrupted copy) are not data, even unreadable."""
    root = tmp_path / "export"
    files = make_delivery(root, manifest=False)
    write(root / DATA / "_temporary" / "part-0.parquet", [tagged("x", "CC-9", 99.0)])
    os.mkfifo(root / DATA / ".partial.parquet")
    assert run_on(root).totals[0].export_bedrock_total == bedrock_total(files)


# -- SOURCE is a part of a delivery ----------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "under"),
    [(f"{DATA}/{data_name(1)}", 1), (DATA, 2), ("data", 2)],
    ids=["one file", "the period's folder", "data folder"],
)
def test_part_of_a_delivery_is_refused_naming_its_manifest(
    tmp_path: Path, run_on: RunFn, part: str, under: int
) -> None:
    """One file of a two-file delivery gave half the month, exit 0, "manifest": null."""
    root = tmp_path / EXPORT
    make_delivery(root)
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(root / part, out=out)
    assert str(info.value) == (
        f"SOURCE {root / part} is part of the export {root}: its manifest {root / MANIFEST} "
        f"lists 2 file(s) for {PERIOD}, {under} of them under SOURCE; a chargeback reads the "
        f"whole delivery: run it on the export's root (chargeback run {root} --period {PERIOD})"
    )
    assert not out.exists()
    assert run_on(root, out=out).source.manifest is not None  # as the message says


def test_a_file_of_another_month_inside_an_export_is_refused_too(
    tmp_path: Path, run_on: RunFn
) -> None:
    root = tmp_path / EXPORT
    make_delivery(root)
    other = write(root / "data" / "BILLING_PERIOD=2026-09" / data_name(1), [cur2_row("2026-09")])
    with pytest.raises(InputError, match="is part of the export"):
        run_on(other)


def test_a_folder_named_data_outside_any_export_is_read(tmp_path: Path, run_on: RunFn) -> None:
    files = make_delivery(tmp_path / "data" / "exports", manifest=False)
    result = run_on(tmp_path / "data" / "exports" / "data")
    assert result.totals[0].export_bedrock_total == bedrock_total(files)


# -- a Bedrock line without a billing period -------------------------------------------------


def test_bedrock_line_without_billing_period_is_an_error(tmp_path: Path, run_on: RunFn) -> None:
    """Was dropped without a word: the period is selected by that column."""
    root = tmp_path / "export"
    rows = delivery_rows(ids=True)
    rows[1][0]["bill_billing_period_start_date"] = None
    rows[1][1]["bill_billing_period_start_date"] = None
    path = write(root / "a.parquet", rows[0] + rows[1], types=TYPES)
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(root, out=out)
    assert str(info.value) == (
        f"{path}: Bedrock line item li-2-0 has no bill_billing_period_start_date (2 Bedrock "
        "line items have none); a chargeback cannot tell which month it belongs to: fix or "
        "re-download the export"
    )
    assert info.value.exit_code == ExitCode.INPUT
    assert not out.exists()


def test_undated_line_that_is_not_bedrock_is_not_our_business(
    tmp_path: Path, run_on: RunFn
) -> None:
    root = tmp_path / "export"
    rows = delivery_rows(ids=False)
    rows[1][3]["bill_billing_period_start_date"] = None  # the EC2 line
    files = [write(root / f"{n}.parquet", r) for n, r in enumerate(rows)]
    assert run_on(root).totals[0].export_bedrock_total == bedrock_total(files)


def test_only_undated_rows_say_so_in_the_no_rows_error(tmp_path: Path, run_on: RunFn) -> None:
    root = tmp_path / "export"
    write(root / "a.parquet", [tagged("p", "CC-1", 1.0, bill_billing_period_start_date=None)])
    with pytest.raises(InputError) as info:
        run_on(root)
    assert str(info.value) == (
        f"no rows for {PERIOD} in {root}; billing periods present: none; 1 rows have no "
        "bill_billing_period_start_date"
    )


# -- the month twice -------------------------------------------------------------------------


def test_delivery_copied_twice_without_line_item_ids_is_refused(
    tmp_path: Path, run_on: RunFn
) -> None:
    """Without identity_line_item_id the copies were summed: 39.00 for 19.50, exit 0."""
    source = tmp_path / "downloads"
    first = make_delivery(source / "october", manifest=False)
    shutil.copytree(source / "october", source / "october (copy)")
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(source, out=out)
    copy = source / "october (copy)" / DATA / data_name(1)
    assert str(info.value) == (
        f"{first[0]} and {copy} are copies of one file (4 rows each, identical content): "
        "reading both would count their lines twice; keep one copy, or point SOURCE at the "
        "export's root so that its manifest decides which files are read"
    )
    assert not out.exists()


def test_one_file_under_two_names_is_refused(tmp_path: Path, run_on: RunFn) -> None:
    root = tmp_path / "export"
    files = make_delivery(root, manifest=False)
    twin = root / "data" / "again.parquet"
    os.link(files[0], twin)
    with pytest.raises(InputError) as info:
        run_on(root)
    assert str(info.value) == (
        f"{files[0]} and {twin} are one file under two names (a link, 4 rows): reading both "
        "would count its lines twice; remove the link"
    )


def test_a_link_to_a_folder_already_read_is_read_once(tmp_path: Path, run_on: RunFn) -> None:
    root = tmp_path / "export"
    files = make_delivery(root, manifest=False)
    (root / "data" / "loop").symlink_to(root / "data")  # ./data/loop/loop/... forever
    (root / "october").symlink_to(root / DATA)
    assert run_on(root).totals[0].export_bedrock_total == bedrock_total(files)


def test_two_deliveries_of_one_export_under_source_are_refused(
    tmp_path: Path, run_on: RunFn
) -> None:
    """A refresh next to the first delivery (different data, no line item ids): two
    manifests of one export for the period, and no manifest applied."""
    source = tmp_path / "exports"
    make_delivery(source / "first" / EXPORT)
    refreshed = source / "refresh" / EXPORT
    make_delivery(refreshed)
    write(refreshed / DATA / data_name(2), [tagged("fin", "FIN-7", 2.25)], types=TYPES)
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(source, out=out)
    m1, m2 = source / "first" / EXPORT / MANIFEST, refreshed / MANIFEST
    export = cur2_manifest(BUCKET, [])["exportArn"]
    assert str(info.value) == (
        f"SOURCE {source} holds 2 deliveries of export {export} for {PERIOD} (manifests "
        f"{m1} and {m2}): reading every file below SOURCE would count the month more than "
        "once; point SOURCE at one export's root (the folder holding data/ and metadata/), "
        "where the newest manifest decides which files are read"
    )
    assert not out.exists()


def test_two_different_exports_under_source_are_not_two_deliveries(
    tmp_path: Path, run_on: RunFn
) -> None:
    source = tmp_path / "exports"
    a = make_delivery(source / "payer-a" / EXPORT)
    b_root = source / "payer-b" / EXPORT
    b = [write(b_root / DATA / data_name(1), [tagged("b", "CC-B", 7.0)])]
    write_manifest(b_root, [key(f"{DATA}/{data_name(1)}")], exportArn="arn:other-export")
    assert run_on(source).totals[0].export_bedrock_total == bedrock_total(a + b)


# -- manifests that name a file twice, or one outside SOURCE ---------------------------------


@pytest.mark.parametrize(
    "second",
    [
        f"{key(DATA)}/{data_name(1)}",  # the bare key
        f"s3://{BUCKET}/{key('data/BILLING_PERIOD%3D' + PERIOD)}/{data_name(1)}",  # %3D
    ],
    ids=["bare key", "url-encoded"],
)
def test_manifest_naming_one_file_twice_is_refused(
    tmp_path: Path, run_on: RunFn, second: str
) -> None:
    root = tmp_path / EXPORT
    make_delivery(root)
    first = f"s3://{BUCKET}/{key(DATA)}/{data_name(1)}"
    write_manifest(root, [first, f"s3://{BUCKET}/{key(DATA)}/{data_name(2)}", second])
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(root, out=out)
    assert str(info.value) == (
        f"manifest {root / MANIFEST} lists {root / DATA / data_name(1)} twice (as {first} and "
        f"as {second}): a delivery's manifest names each data file once, and reading it twice "
        "would count its lines twice; was the manifest edited? download the delivery again"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "entry",
    [
        f"s3://{BUCKET}/../outside/{data_name(9)}",
        f"../outside/{data_name(9)}",
        f"s3://{BUCKET}/cur/%2E%2E/%2E%2E/outside/{data_name(9)}",
    ],
    ids=["s3 uri", "relative", "url-encoded"],
)
def test_manifest_entry_outside_source_is_refused(
    tmp_path: Path, run_on: RunFn, entry: str
) -> None:
    """Was read from beside SOURCE and charged."""
    root = tmp_path / EXPORT
    make_delivery(root)
    write(tmp_path / "outside" / data_name(9), [tagged("x", "CC-X", 1000.0)])
    write_manifest(root, [f"s3://{BUCKET}/{key(DATA)}/{data_name(1)}", entry])
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_on(root, out=out)
    assert str(info.value) == (
        f"manifest {root / MANIFEST} lists {entry}, which is outside SOURCE {root}: a manifest "
        "lists its own export's files, and nothing outside SOURCE is read; was the manifest "
        "edited or copied from another export? download the delivery again"
    )
    assert not out.exists()


def test_url_encoded_manifest_entries_are_read(tmp_path: Path, run_on: RunFn) -> None:
    root = tmp_path / EXPORT
    files = make_delivery(root)
    encoded = key("data/BILLING_PERIOD%3D" + PERIOD)
    write_manifest(root, [f"s3://{BUCKET}/{encoded}/{data_name(n)}" for n in (1, 2)])
    assert run_on(root).totals[0].export_bedrock_total == bedrock_total(files)


# -- the sweep: every way to shrink or double SOURCE -----------------------------------------


def _whole(tmp: Path) -> tuple[Path, list[Path]]:
    root = tmp / EXPORT
    return root, make_delivery(root)


def sweep_unreadable_file(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    return root, files, files[1]


def sweep_unreadable_folder(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    (root / "data" / "more").mkdir()
    moved = root / "data" / "more" / data_name(2)
    files[1].rename(moved)
    return root, [files[0], moved], moved.parent


def sweep_unreadable_manifest_folder(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    return root, files, root / "metadata"


def sweep_one_file(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    return files[0], files, None


def sweep_subfolder(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    return root / DATA, files, None


def sweep_copied_delivery(ids: bool) -> Callable[[Path], tuple[Path, list[Path], Path | None]]:
    def build(tmp: Path) -> tuple[Path, list[Path], Path | None]:
        files = make_delivery(tmp / "all" / "one", ids=ids, manifest=False)
        shutil.copytree(tmp / "all" / "one", tmp / "all" / "two")
        return tmp / "all", files, None

    return build


def sweep_copied_export(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    files = make_delivery(tmp / "all" / EXPORT)
    shutil.copytree(tmp / "all" / EXPORT, tmp / "all" / f"{EXPORT}-copy")
    return tmp / "all", files, None


def sweep_manifest_twice(spelling: str) -> Callable[[Path], tuple[Path, list[Path], Path | None]]:
    def build(tmp: Path) -> tuple[Path, list[Path], Path | None]:
        root, files = _whole(tmp)
        entries = [f"s3://{BUCKET}/{key(DATA)}/{data_name(n)}" for n in (1, 2)]
        write_manifest(root, [*entries, spelling])
        return root, files, None

    return build


def sweep_two_names(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    shutil.copy2(files[1], root / "data" / "renamed.parquet")
    return root, files, None


def sweep_hard_link(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    os.link(files[1], root / "data" / "linked.parquet")
    return root, files, None


def sweep_unreadable_data_folder(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    return root, files, root / "data"


def sweep_dangling_link(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    moved = tmp / "elsewhere" / data_name(2)
    moved.parent.mkdir()
    files[1].rename(moved)
    files[1].symlink_to(moved)
    moved.rename(moved.with_suffix(".gone"))  # the link's target is gone
    return root, [files[0], moved.with_suffix(".gone")], None


def sweep_named_pipe(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    keep = tmp / "kept.parquet"
    files[1].rename(keep)
    os.mkfifo(files[1])  # where the file was, something that is not one
    return root, [files[0], keep], None


def sweep_undated_line(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    whole = make_delivery(tmp / "as delivered")
    root = tmp / EXPORT
    shutil.copytree(tmp / "as delivered", root)
    rows = delivery_rows(ids=False)
    rows[1][1]["bill_billing_period_start_date"] = None  # FIN-7's 2.20
    write(root / DATA / data_name(2), rows[1], types=TYPES)
    return root, whole, None


def sweep_symlinked_file(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    (root / "data" / "link.parquet").symlink_to(files[0])
    return root, files, None


def sweep_symlinked_folder(tmp: Path) -> tuple[Path, list[Path], Path | None]:
    root, files = _whole(tmp)
    shutil.rmtree(root / "metadata")
    (root / "october").symlink_to(root / DATA)
    return root, files, None


SWEEP: dict[str, Callable[[Path], tuple[Path, list[Path], Path | None]]] = {
    "unreadable file": sweep_unreadable_file,
    "unreadable folder": sweep_unreadable_folder,
    "unreadable metadata folder": sweep_unreadable_manifest_folder,
    "unreadable data folder": sweep_unreadable_data_folder,
    "a link that leads nowhere": sweep_dangling_link,
    "a named pipe where a file was": sweep_named_pipe,
    "a Bedrock line without a billing period": sweep_undated_line,
    "one file of a delivery": sweep_one_file,
    "subfolder of an export": sweep_subfolder,
    "delivery copied, with line item ids": sweep_copied_delivery(ids=True),
    "delivery copied, without line item ids": sweep_copied_delivery(ids=False),
    "export copied with its manifest": sweep_copied_export,
    "manifest lists a file as a bare key too": sweep_manifest_twice(f"{key(DATA)}/{data_name(1)}"),
    "manifest lists a file URL-encoded too": sweep_manifest_twice(
        f"s3://{BUCKET}/{key('data/BILLING_PERIOD%3D' + PERIOD)}/{data_name(2)}"
    ),
    "the same file under two names": sweep_two_names,
    "a hard link": sweep_hard_link,
    "a symbolic link to a file": sweep_symlinked_file,
    "a symbolic link to a folder already read": sweep_symlinked_folder,
}


#: The cases that are read, whole: a folder reached twice through a link is read once.
READ_WHOLE = {"a symbolic link to a folder already read"}


@pytest.mark.parametrize("case", list(SWEEP))
def test_sweep_no_exit_0_with_a_total_other_than_the_whole_delivery(
    case: str, tmp_path: Path, unprivileged: list[str]
) -> None:
    """Each case either stops (exit 4, one line, nothing published) or, exit 0, publishes the
    total of the delivery's rows (``whole``: the files SOURCE stands for, summed here)."""
    source, whole, locked = SWEEP[case](tmp_path)
    expected = bedrock_total(whole)
    assert expected == Decimal("19.50")
    out = tmp_path / "out"
    args = ["run", str(source), "--period", PERIOD, "--out", str(out), "-q"]
    if locked is None:
        code, err = cli(tmp_path, *args)
    else:
        with unreadable(locked):
            code, err = cli(tmp_path, *args, prefix=unprivileged)
    if code == 0:
        assert published_total(out) == expected, case
        assert case in READ_WHOLE, err  # every other case is refused today
    else:
        assert code == ExitCode.INPUT, err
        one_error_line(err)
        assert not out.exists()
