"""What keeps a month of many cost centers small in memory (issue 19): the statement lines'
texts are one object per distinct text, shared by every line (and every day of the daily
check) that carries it, and the per-line query results are fetched in batches, not whole."""

from __future__ import annotations

from pathlib import Path

from chargeback.allocate.engine import Engine
from chargeback.allocate.statements import LINE_FIELDS
from chargeback.pipeline import run
from chargeback.read.schema import canonical_view, detect_schema
from chargeback.read.sources import open_source
from chargeback.settings.model import Period, RunConfig
from tests.support.paths import SAMPLE


def test_equal_texts_of_the_lines_and_days_are_one_object(tmp_path: Path) -> None:
    result = run(RunConfig(source=str(SAMPLE), period=Period.parse("2026-10"), out=str(tmp_path)))
    lines = result.allocation.lines
    assert len(lines) > 40
    for name in LINE_FIELDS:
        values = [getattr(ln, name) for ln in lines]
        assert len({id(v) for v in values}) == len(set(values)), name
    days = result.allocation.daily
    assert days, "the sample month runs the daily check"
    texts = {*(v for ln in lines for v in (ln.cost_center, ln.currency))}
    by_text = {t: t for t in texts}
    assert len({d.day for d in days}) == len({id(d.day) for d in days})
    for d in days:
        if d.cost_center in by_text:
            assert d.cost_center is by_text[d.cost_center]
        assert d.currency is by_text[d.currency]


def test_stream_gives_the_rows_fetch_gives_in_batches(tmp_path: Path) -> None:
    config = RunConfig(source=str(SAMPLE), period=Period.parse("2026-10"), out=str(tmp_path))
    source = open_source(config.source, config.period)
    engine = Engine()
    try:
        engine.register_cur(
            canonical_view(engine.con, source, detect_schema(source.files, ["cost_center"]))
        )
        period = {"period_start": "2026-10-01", "period_end": "2026-11-01"}
        fetched = engine.fetch("10_rows_by_file", period).dicts()
        for batch in (1, 2, 10_000):
            assert list(engine.stream("10_rows_by_file", period, batch=batch)) == fetched
    finally:
        engine.close()
    assert len(fetched) == len(source.files) > 1
