"""The library face a notebook uses: ``from chargeback import run, load_config``, typed
results, DataFrames; ``python -m chargeback`` and ``--version``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import chargeback
from tests.support.accounting import expected_by_center, month, write_month
from tests.support.paths import REPO, SAMPLE


def test_the_library_face_names_what_a_notebook_imports() -> None:
    assert set(chargeback.__all__) >= {"run", "load_config", "RunConfig", "RunResult"}
    for name in chargeback.__all__:
        assert getattr(chargeback, name) is not None, name
    assert chargeback.run.__module__ == "chargeback.pipeline"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        getattr(chargeback, "nope")  # noqa: B009 - the module's __getattr__ is the subject


def test_importing_the_package_loads_no_engine() -> None:
    code = "import json, sys, chargeback; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = {m.split(".")[0] for m in json.loads(done.stdout)}
    assert loaded & {"duckdb", "pandas", "pyarrow", "typer", "xlsxwriter"} == set()


def test_a_notebook_run_gives_dataframes_that_add_up_to_the_export(tmp_path: Path) -> None:
    rows = month()
    source = write_month(tmp_path / "export", rows)
    config = chargeback.load_config(str(source), "2026-10", out=str(tmp_path / "out"), environ={})
    result = chargeback.run(config)

    expected = expected_by_center(rows)  # from the rows written, not from the tool
    summary = result.summary_frame()
    assert list(summary.columns)[:5] == [
        "billing_period",
        "cost_center",
        "currency",
        "amount",
        "share_pct",
    ]
    assert sum(summary["amount"]) == sum(expected.values(), Decimal(0)).quantize(Decimal("0.01"))
    by_center = dict(zip(summary["cost_center"], summary["amount"], strict=True))
    assert by_center["CC-2002"] == Decimal("50.00")
    assert by_center["CC-1001"] == expected["CC-1001"].quantize(Decimal("0.01"))

    lines = result.lines_frame()
    per_center: dict[str, Decimal] = defaultdict(Decimal)
    for cc, amount in zip(lines["cost_center"], lines["amount"], strict=True):
        per_center[cc] += amount
    assert per_center == by_center
    assert sum(lines["line_items"]) == len(rows)
    assert result.rows.bedrock == len(rows)
    assert [t.currency for t in result.totals] == ["USD"]
    assert result.totals[0].export_bedrock_total == sum(expected.values(), Decimal(0)).quantize(
        Decimal("0.01")
    )


def test_run_json_is_the_typed_result(tmp_path: Path) -> None:
    config = chargeback.load_config(str(SAMPLE), "2026-10", out=str(tmp_path), environ={})
    result = chargeback.run(config)
    written = json.loads((Path(result.output_dir) / "run.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(result.to_json()))
    assert written["rows"]["bedrock"] == result.rows.bedrock == 9377
    assert written["run_id"] == result.run_id
    assert sorted(written["outputs"]) == sorted(result.files_written)
    assert {r.source for r in result.coverage} >= {"resource_tag", "default_project"}


@pytest.mark.parametrize("argv", [["-m", "chargeback", "--version"]])
def test_python_dash_m_and_version(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == f"bedrock-chargeback {chargeback.__version__}"
    exe = Path(sys.executable).with_name("chargeback")
    same = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert same.stdout == done.stdout


def test_the_readme_notebook_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.+?)\n```", text, flags=re.S)
    (tmp_path / "sample_data").symlink_to(REPO / "sample_data")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert result.totals[0].export_bedrock_total == Decimal("6597.83")
    assert "Decimal('6597.83')" in block and "9377" in block
    assert result.rows.bedrock == 9377
    assert (tmp_path / "out" / "2026-10" / "run.json").is_file()
