"""run.json is written an item at a time (``RunResult.write_json``, issue 19: at 86,000 cost
centers the whole document built at once was ~1 GB): the file is byte for byte what
``json.dumps(result.to_json(), indent=2)`` gives, with alerts, anomalies, unit economics and
invocation logs in it, and its long lists are written before they are made whole."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chargeback.pipeline import run
from chargeback.results import RunResult, _encoded, _Items
from chargeback.settings.model import InvocationLogSettings, Period, RunConfig
from tests.support.history_months import publish_history
from tests.support.paths import SAMPLE
from tests.support.sample_logs import write_sample_logs


def _as_dumped(result: RunResult) -> str:
    return json.dumps(result.to_json(), indent=2) + "\n"


def test_a_month_with_alerts_and_anomalies_is_written_as_dumped(tmp_path: Path) -> None:
    _, results = publish_history(tmp_path)
    october = results["2026-10"]
    assert october.alerts is not None and october.alerts.alerts and october.alerts.anomalies.flags
    assert october.allocation.economics.rows
    written = (Path(october.output_dir) / "run.json").read_text(encoding="utf-8")
    assert written == _as_dumped(october)
    for month in ("2026-08", "2026-09"):  # months with no flags: empty lists as "[]"
        result = results[month]
        assert (Path(result.output_dir) / "run.json").read_text(encoding="utf-8") == _as_dumped(
            result
        )


def test_the_sample_month_with_invocation_logs_is_written_as_dumped(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    write_sample_logs(logs)
    result = run(
        RunConfig(
            source=str(SAMPLE),
            period=Period.parse("2026-10"),
            out=str(tmp_path / "out"),
            invocation_logs=InvocationLogSettings(str(logs)),
        )
    )
    doc = result.to_json()
    assert "invocation_logs" in doc and doc["spend_by_model"]
    assert doc["unit_economics"]["rows"] and doc["unit_economics"]["cache"]
    written = (Path(result.output_dir) / "run.json").read_text(encoding="utf-8")
    assert written == _as_dumped(result)
    out = io.StringIO()
    result.write_json(out)
    assert out.getvalue() == written


HOSTILE = ['a\nb "quoted" \\ \t', "é ✓ \u2028 \U0001f600", "=SUM(A1)", ""]


def _nested() -> dict[str, Any]:
    return {
        "text": HOSTILE,
        "empty_list": [],
        "empty_dict": {},
        "numbers": [1, 2.5, -0.0, None, True],
        "deep": {"a": {"b": [{"c": HOSTILE}]}},
    }


def test_the_encoder_writes_what_json_dumps_writes() -> None:
    streamed = {
        **_nested(),
        "items": _Items(lambda: iter([_nested(), HOSTILE, "x", 3, [], {}])),
        "no_items": _Items(lambda: iter([])),
        "holder": {
            "first": _Items(lambda: iter([{"k": "v"}])),
            "plain": _nested(),
            "empty": _Items(lambda: iter([])),
        },
    }
    plain = {
        **_nested(),
        "items": [_nested(), HOSTILE, "x", 3, [], {}],
        "no_items": [],
        "holder": {"first": [{"k": "v"}], "plain": _nested(), "empty": []},
    }
    assert "".join(_encoded(streamed, 0)) == json.dumps(plain, indent=2)


def test_items_are_written_before_the_next_one_is_made() -> None:
    written: list[str] = []
    made_when: list[int] = []

    def items() -> Iterator[dict[str, int]]:
        for i in range(3):
            made_when.append(len("".join(written)))
            yield {"n": i}

    for chunk in _encoded({"items": _Items(items)}, 0):
        written.append(chunk)
    text = "".join(written)
    assert json.loads(text) == {"items": [{"n": 0}, {"n": 1}, {"n": 2}]}
    # each item is made only after the one before it was handed out as text
    assert made_when[0] < made_when[1] < made_when[2]
    assert '"n": 0' in text[: made_when[1]] and '"n": 1' in text[: made_when[2]]
