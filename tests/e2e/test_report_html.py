"""report.html in a real browser: headless Chromium opens the page offline, takes a
screenshot and gives back its DOM, whose text must show the month's totals, budgets and
alerts as an independent computation gives them. Skipped, with the reason, where Chromium
is not installed."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chargeback.results import RunResult
from tests.support.browser import CHROMIUM, chromium
from tests.support.builders import tagged
from tests.support.history_months import BUDGETS, projected, publish_history, spent
from tests.support.runs import run_rows

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: apt-get install chromium to open report.html in a "
    "real browser",
)


class _Text(HTMLParser):
    """The text a reader sees (no style, no script), and every element's tag."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(dom: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split()), parser.tags


@pytest.fixture(scope="module")
def october(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], RunResult]:
    rows, results = publish_history(tmp_path_factory.mktemp("history"))
    return rows, results["2026-10"]


def test_the_page_opens_offline_with_the_months_figures(
    october: tuple[list[dict[str, Any]], RunResult], tmp_path: Path
) -> None:
    rows, result = october
    page = Path(result.output_dir) / "report.html"
    shot = tmp_path / "report.png"
    chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1200,1600")
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a page was drawn, not blank
    text, tags = page_text(chromium(page, tmp_path, "--dump-dom"))
    total = sum((spent(rows, "2026-10", cc) for cc in BUDGETS), start=Decimal("0.00"))
    assert f"Total USD {total:,}" in text
    for cc, budget in BUDGETS.items():
        amount = spent(rows, "2026-10", cc)
        assert f"{cc} {amount:,}" in text  # the table row, and the bar's label
        assert f"{budget:,} {budget - amount:,}" in text
        assert f"{projected(amount):,}" in text
    assert f"CC-3003 over budget: spent {spent(rows, '2026-10', 'CC-3003'):,} of 50.00 USD" in text
    assert "times the median of the previous 2 month(s)" in text
    # the pictures are inline SVG: spend by cost center, by model, by month, budget used
    assert tags.count("svg") == 4
    for title in ("Spend by cost center", "Spend by model", "Spend by month", "Budget used"):
        assert title in text
    assert "2026-08" in text and "2026-10 (this month)" in text
    assert not {"script", "link", "img", "iframe"} & set(tags)


def test_hostile_names_are_text_not_markup(tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>"&'
    result = run_rows(tmp_path, [tagged("p1", hostile, 3.5), tagged("p2", "CC-1", 1.25)])
    page = Path(result.output_dir) / "report.html"
    raw = page.read_text(encoding="utf-8")
    assert "<script>" not in raw and "<img" not in raw
    text, tags = page_text(chromium(page, tmp_path, "--dump-dom"))
    assert hostile[:40] in text  # shown as typed (bar labels are cut at 40 characters)
    assert not {"script", "img"} & set(tags)
    assert "Total USD 4.75" in text
