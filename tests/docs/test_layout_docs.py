"""README's layout and ARCHITECTURE.md name every room of the package, so the map stays true."""

from __future__ import annotations

import re

from tests.support.paths import REPO

PACKAGE = REPO / "chargeback"


def test_readme_layout_lists_every_subpackage_and_core_module() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    layout = text[text.index("## Layout") :]
    for folder in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        assert f"  {folder.name}/" in layout, folder.name
    for module in sorted(PACKAGE.glob("*.py")):
        if not module.name.startswith("__"):
            assert module.name in layout, module.name


def test_architecture_names_every_module() -> None:
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    words = set(re.findall(r"[\w.]+", text))
    for module in sorted(PACKAGE.rglob("*.py")):
        if module.name.startswith("__"):
            continue
        assert module.stem in words or module.name in words, module.relative_to(REPO)
