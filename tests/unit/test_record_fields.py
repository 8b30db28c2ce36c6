"""Publishing reads only the fields of run.json it needs (``history.record_fields``, issue
19: a month of 86,000 cost centers writes ~160 MB of it): the same values as parsing the
whole file, on the sample month's run.json and on layouts the line cut must not be fooled
by."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from chargeback.pipeline import run
from chargeback.publish.history import RUN_EVENT_KEYS, fields_of, record_fields, run_event
from chargeback.publish.local import LocalDestination
from chargeback.publish.published import published_month
from chargeback.run_record import RECORD_KEYS, parse_run_record
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


def test_a_truncated_record_is_refused_not_read_in_part(tmp_path: Path) -> None:
    doc = {"run_id": "r", "totals": [{"currency": "USD"}], "unit_economics": [1, 2, 3]}
    text = json.dumps(doc, indent=2) + "\n"
    path = tmp_path / "run.json"
    cut = text.index('  "unit_economics"') + 20  # inside a member nobody asked for
    path.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(ValueError, match="truncated"):
        record_fields(path, ("run_id", "totals"))
    path.write_text(text, encoding="utf-8")
    assert record_fields(path, ("run_id", "totals")) == _whole(path, ("run_id", "totals"))


def test_earlier_months_are_read_for_their_figures_only(tmp_path: Path) -> None:
    """What a run compares itself with (totals, spend by model, status) comes out of an
    earlier month's run.json as ``parse_run_record`` reads the whole file."""
    result = run(RunConfig(source=str(SAMPLE), period=Period.parse("2026-10"), out=str(tmp_path)))
    path = Path(result.output_dir) / "run.json"
    published = published_month(LocalDestination(tmp_path), Period.parse("2026-10"))
    assert published is not None
    whole = json.loads(path.read_text(encoding="utf-8"))
    from_whole = parse_run_record("2026-10", str(path), whole)
    for figure in ("status", "amounts", "totals", "models"):
        assert getattr(published, figure) == getattr(from_whole, figure)
    assert published.models and published.totals["USD"] == Decimal("6597.83")
    assert published.record == {k: whole[k] for k in RECORD_KEYS}  # not unit economics
    with path.open(encoding="utf-8") as lines:
        assert fields_of(lines, RECORD_KEYS) == published.record
