"""Issue 14: default-project and shared-profile usage split by invocation logs, end to end
over real gzipped JSON Lines files; every amount against an independent computation."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from chargeback.allocate.money import round_money
from chargeback.errors import ExitCode
from chargeback.frontends.cli import app
from chargeback.pipeline import run
from chargeback.settings.model import InvocationLogSettings, Period, RunConfig
from chargeback.settings.rules import AllocationRules
from tests.support.invocation_logs import (
    GATEWAY_ROLE,
    H10,
    expected,
    log,
    scenario,
    usage,
    write_scenario,
)
from tests.support.runs import lines, read_csv, summary


def config(
    tmp_path: Path, export: Path, logs: Path, principal_map: dict[str, str] | None = None
) -> RunConfig:
    return RunConfig(
        source=str(export),
        period=Period.parse("2026-10"),
        out=str(tmp_path / "out"),
        rules=AllocationRules(
            principal_map={k.lower(): v for k, v in (principal_map or {}).items()}
        ),
        invocation_logs=InvocationLogSettings(str(logs)),
    )


def rounded(exact: dict[str, Decimal]) -> dict[str, Decimal]:
    return {cc: round_money(v) for cc, v in exact.items()}


def test_default_project_and_shared_profile_split_by_log_tokens_to_the_cent(tmp_path: Path) -> None:
    rows, logs = scenario()
    export, log_root = write_scenario(tmp_path, rows, logs)
    principal_map = {GATEWAY_ROLE: "CC-2002"}
    result = run(config(tmp_path, export, log_root, principal_map))
    want = expected(rows, logs, principal_map)
    assert summary(result) == rounded(want)
    assert summary(result) == {
        "CC-1001": Decimal("15.17"),
        "CC-2002": Decimal("6.33"),
        "CC-3003": Decimal("4.00"),
        "UNATTRIBUTED": Decimal("10.62"),
    }
    total = result.totals[0]
    assert total.attributed + total.unattributed == total.export_bedrock_total == Decimal("36.12")
    found = lines(result)
    reasons = {(r["cost_center"], r["unattributed_reason"], r["amount"]) for r in found}
    assert ("UNATTRIBUTED", "no_log_match", "7.00") in reasons  # hour 11: no log
    assert ("UNATTRIBUTED", "log_untagged", "2.51") in reasons  # output: half its calls untagged
    via_map = [r for r in found if "principal map" in r["description"]]
    assert [(r["cost_center"], r["amount"], r["attribution_value"]) for r in via_map] == [
        ("CC-2002", "3.00", "CC-2002")
    ]
    evidence = next(
        r for r in found if r["cost_center"] == "CC-2002" and r["model"] == "Amazon Nova Pro"
    )
    assert evidence["attribution_source"] == "invocation_logs"
    assert (
        evidence["description"]
        == "invocation logs (requestMetadata): 10,000 of 30,000 tokens, 33.33%"
    )
    assert evidence["team"] == "t-cc-2002"  # the statement tags come from the request metadata
    # the reconciliation sheet still balances
    book = openpyxl.load_workbook(result.outputs["workbook"], data_only=True)
    assert "CC-2002" in book.sheetnames
    rows_found = [
        (ws.title, [c.value for c in r]) for ws in book.worksheets for r in ws.iter_rows()
    ]
    coverage_sheet = next(t for t, v in rows_found if v and v[0] == "Invocation logs")
    nova = next(
        v for t, v in rows_found if t == coverage_sheet and v[:2] == ["Amazon Nova Pro", "input"]
    )
    assert nova[3] == 30000 and nova[7] == 7.0  # log tokens; no_log_match amount
    run_json = json.loads(Path(result.outputs["run"]).read_text())
    coverage = run_json["invocation_logs"]["coverage"]
    nova_in = next(
        c for c in coverage if c["model"] == "Amazon Nova Pro" and c["token_kind"] == "input"
    )
    nova_input_k = sum(
        r["line_item_usage_amount"]
        for r in rows
        if r["line_item_usage_type"] == "USE1-NovaPro-input-tokens" and not r.get("resource_tags")
    )
    assert (
        nova_in["export_tokens"] == f"{nova_input_k * 1000:.0f}"
    )  # 1K tokens converted; the tagged line was not the logs' to explain
    assert nova_in["log_tokens"] == 30000  # the failed call and September's record left out
    assert nova_in["no_log_match"] == "7.00"
    assert run_json["invocation_logs"]["grain"] == "hour"


def test_usage_amounts_split_exactly_and_line_items_counted_once(tmp_path: Path) -> None:
    rows, logs = scenario()
    export, log_root = write_scenario(tmp_path, rows, logs)
    result = run(config(tmp_path, export, log_root))
    found = lines(result)
    assert sum(int(r["line_items"]) for r in found) == len(rows)
    usage = sum(Decimal(r["usage_amount"]) for r in found)
    assert usage == sum(Decimal(str(r["line_item_usage_amount"])) for r in rows)
    assert sum(Decimal(r["amount"]) for r in found) == Decimal("36.12")


def test_without_logs_the_same_export_stays_default_project(tmp_path: Path) -> None:
    rows, logs = scenario()
    export, _ = write_scenario(tmp_path, rows, logs)
    plain = RunConfig(source=str(export), period=Period.parse("2026-10"), out=str(tmp_path / "o"))
    result = run(plain)
    assert summary(result) == {"CC-3003": Decimal("4.00"), "UNATTRIBUTED": Decimal("32.12")}
    reasons = {
        r["unattributed_reason"] for r in lines(result) if r["cost_center"] == "UNATTRIBUTED"
    }
    assert reasons == {"default_project", "untagged", "no_resource"}
    assert "invocation_logs" not in json.loads(Path(result.outputs["run"]).read_text())


def test_cli_option_and_coverage_command(tmp_path: Path) -> None:
    rows, logs = scenario()
    export, log_root = write_scenario(tmp_path, rows, logs)
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "run",
            str(export),
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "out"),
            "--invocation-logs",
            str(log_root),
        ],
    )
    assert done.exit_code == 0, done.stderr
    assert "CC-1001                15.17 USD" in done.stdout
    shown = runner.invoke(
        app, ["coverage", str(export), "--period", "2026-10", "--invocation-logs", str(log_root)]
    )
    assert shown.exit_code == 0, shown.stderr
    assert "invocation logs" in shown.stdout
    assert "Amazon Nova Pro" in shown.stdout


def test_coverage_flags_logging_off_and_days_without_logs(tmp_path: Path) -> None:
    rows, logs = scenario()
    rows.append(usage(2.00, "USE1-NovaPro-input-tokens", datetime(2026, 10, 5, 8), 4.0))
    rows.append(
        usage(
            3.00, "USE1-NovaPro-input-tokens", H10, 6.0, line_item_usage_account_id="777788889999"
        )
    )
    export, log_root = write_scenario(tmp_path, rows, logs)
    result = run(config(tmp_path, export, log_root))
    gaps = json.loads(Path(result.outputs["run"]).read_text())["invocation_logs"]["gaps"]
    assert {
        "account_id": "777788889999",
        "region": "us-east-1",
        "kind": "logging_off",
        "days": 1,
    } in gaps
    assert {
        "account_id": "444455556666",
        "region": "us-east-1",
        "kind": "days_missing",
        "days": 1,
    } in gaps
    assert any(
        "777788889999 us-east-1" in w and "no invocation logs at all" in w for w in result.warnings
    )
    # both new lines stay UNATTRIBUTED (no_log_match)
    assert summary(result) == rounded(expected(rows, logs, {}))
    assert summary(result)["UNATTRIBUTED"] == Decimal("18.62")


def _write_bad(root: Path, name: str, content: bytes) -> Path:
    folder = root / "AWSLogs/444455556666/BedrockModelInvocationLogs/us-east-1/2026/10/03/10"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _good_line() -> bytes:
    return (json.dumps(log(H10, "amazon.nova-pro-v1:0", "input", 5, "CC-1001")) + "\n").encode()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (gzip.compress(_good_line() * 400)[:300], "is not a whole gzip file"),
        (gzip.compress(_good_line() + b"{not json\n"), "line 2: is not JSON"),
        (
            gzip.compress(
                _good_line() * 2
                + json.dumps({"schemaType": "Other", "timestamp": "x"}).encode()
                + b"\n"
            ),
            "line 3: schemaType is \"Other\", not 'ModelInvocationLog'",
        ),
        (
            gzip.compress(
                json.dumps({**json.loads(_good_line()), "requestMetadata": ["CC-1"]}).encode()
            ),
            "line 1: requestMetadata is [",
        ),
    ],
    ids=["truncated-gzip", "not-json", "unknown-schema-type", "metadata-not-a-map"],
)
def test_a_bad_log_stops_the_run_naming_object_and_line(
    tmp_path: Path, content: bytes, says: str
) -> None:
    rows, logs = scenario()
    export, log_root = write_scenario(tmp_path, rows, logs)
    bad = _write_bad(log_root, "zz-bad.json.gz", content)
    out = tmp_path / "out"
    done = CliRunner().invoke(
        app,
        [
            "run",
            str(export),
            "--period",
            "2026-10",
            "--out",
            str(out),
            "--invocation-logs",
            str(log_root),
        ],
    )
    assert done.exit_code == ExitCode.INPUT
    assert f"invocation log {bad}" in done.stderr
    assert says in done.stderr
    assert not (out / "2026-10").exists()  # nothing published


def test_logs_folder_without_logs_for_the_period_is_an_error(tmp_path: Path) -> None:
    rows, _ = scenario()
    export, _ = write_scenario(tmp_path, rows, [])
    (tmp_path / "empty").mkdir()
    done = CliRunner().invoke(
        app,
        [
            "run",
            str(export),
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "o"),
            "--invocation-logs",
            str(tmp_path / "empty"),
        ],
    )
    assert done.exit_code == 4
    assert "no Bedrock invocation logs for 2026-10 under" in done.stderr


def test_settings_file_names_the_logs_and_keys(tmp_path: Path) -> None:
    rows, logs = scenario()
    for r in logs:  # the organization tags requests with "cc", not "costCenter"
        if r.get("requestMetadata"):
            r["requestMetadata"] = {"cc": r["requestMetadata"]["costCenter"]}
    export, log_root = write_scenario(tmp_path, rows, logs)
    (tmp_path / "chargeback.toml").write_text(
        '[invocation_logs]\nlocation = "logs"\ncost_center_keys = ["costCenter", "cc"]\n'
    )
    done = CliRunner().invoke(
        app,
        [
            "run",
            str(export),
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "out"),
            "--config",
            str(tmp_path / "chargeback.toml"),
        ],
    )
    assert done.exit_code == 0, done.stderr
    amounts = {
        r["cost_center"]: r["amount"]
        for r in read_csv(tmp_path / "out/2026-10/chargeback-2026-10-summary.csv")
    }
    assert amounts["CC-1001"] == "15.17"
    checked = CliRunner().invoke(
        app, ["config", "check", "--config", str(tmp_path / "chargeback.toml")]
    )
    assert checked.exit_code == 0, checked.stderr
    assert (
        f"invocation logs: {tmp_path / 'logs'}; cost center from requestMetadata costCenter, cc"
        in checked.stdout
    )


def test_only_the_periods_folders_are_read_and_late_deliveries_count(tmp_path: Path) -> None:
    rows, logs = scenario()
    late = datetime(2026, 10, 31, 23)
    rows.append(usage(4.00, "USE1-NovaPro-input-tokens", late, 8.0))
    export, log_root = write_scenario(tmp_path, rows, logs)
    # a record of 23:59 on the last day, delivered in the next month's first hour folder
    record = log(late, "amazon.nova-pro-v1:0", "input", 800, "CC-2002")
    folder = log_root / "AWSLogs/444455556666/BedrockModelInvocationLogs/us-east-1/2026/11/01/00"
    folder.mkdir(parents=True)
    (folder / "late.json.gz").write_bytes(gzip.compress((json.dumps(record) + "\n").encode()))
    # other months' objects are never opened, so a broken one there does not matter
    for day in ("2026/09/15/04", "2026/11/02/00"):
        other = log_root / f"AWSLogs/444455556666/BedrockModelInvocationLogs/us-east-1/{day}"
        other.mkdir(parents=True)
        (other / "broken.json.gz").write_bytes(b"not gzip")
    result = run(config(tmp_path, export, log_root))
    want = expected(rows, [*logs, record], {})
    assert summary(result) == rounded(want)
    assert summary(result)["CC-2002"] == Decimal("7.33")  # 3.33 + the late line's 4.00
