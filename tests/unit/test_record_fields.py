"""Publishing reads only the fields of run.json it needs (``history.record_fields``, issue
19: a month of 86,000 cost centers writes ~160 MB of it): the same values as parsing the
whole file, on the sample month's run.json and on layouts the line cut must not be fooled
by."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chargeback.pipeline import run
from chargeback.publish.history import RUN_EVENT_KEYS, record_fields, run_event
from chargeback.settings.model import Period, RunConfig
from tests.support.paths import SAMPLE


def _whole(path: Path, keys: tuple[str, ...]) -> dict[str, object]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {k: doc[k] for k in keys if k in doc}


def test_the_sample_run_json_gives_what_parsing_it_whole_gives(tmp_path: Path) -> None:
    result = run(RunConfig(source=str(SAMPLE), period=Period.parse("2026-10"), out=str(tmp_path)))
    path = Path(result.output_dir) / "run.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for keys in (RUN_EVENT_KEYS, (*RUN_EVENT_KEYS, "outputs"), ("phase_seconds",), tuple(doc)):
        assert record_fields(path, keys) == _whole(path, keys)
    assert run_event(record_fields(path), "set", "at") == run_event(doc, "set", "at")
    assert record_fields(path)["totals"][0]["cost_centers"]


@pytest.mark.parametrize(
    "doc",
    [
        {"run_id": "a", "x": {'  "run_id": 1': 'b\n  "status": "no"'}, "status": "ok"},
        {"x": [1, {"y": {}}], "totals": {"run_id": "nested"}},
        {"status": [], "run_id": {}},
        {"x": 1},
        {},
    ],
)
def test_members_are_cut_at_the_top_level_only(tmp_path: Path, doc: dict[str, object]) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    assert record_fields(path) == _whole(path, RUN_EVENT_KEYS)


def test_other_layouts_are_parsed_whole(tmp_path: Path) -> None:
    doc = {"run_id": "r", "status": "final", "x": [1, 2]}
    path = tmp_path / "run.json"
    for text in (json.dumps(doc), json.dumps(doc, indent=4), json.dumps(doc, indent=1)):
        path.write_text(text, encoding="utf-8")
        assert record_fields(path) == {"run_id": "r", "status": "final"}
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError):
        record_fields(path)
    path.write_text('{\n  "run_id": ', encoding="utf-8")
    with pytest.raises(ValueError):
        record_fields(path)
