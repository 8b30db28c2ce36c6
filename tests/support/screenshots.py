"""The README's pictures, drawn by the tools the tests use: the sample history's October
report.html in headless Chromium, and its workbook's Summary (table and charts) through
LibreOffice's PDF export and poppler's pdftoppm.

    .venv/bin/python -m tests.support.screenshots docs/
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.browser import PDFTOPPM, chromium, to_pdf
from tests.support.history_months import publish_history


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _, results = publish_history(work)
        october = Path(results["2026-10"].output_dir)
        chromium(
            october / "report.html",
            work,
            f"--screenshot={folder / 'report.png'}",
            "--window-size=900,1450",
        )
        pdf = to_pdf(october / "chargeback-2026-10.xlsx", work)
        assert PDFTOPPM is not None
        crop = ["-r", "150", "-x", "60", "-y", "60", "-W", "720", "-H", "600"]
        subprocess.run(
            [PDFTOPPM, "-f", "1", "-l", "1", "-singlefile", "-png", *crop, str(pdf)]
            + [str(folder / "workbook-summary-charts")],
            check=True,
        )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
