"""Running a checkout of the tool (this one, or another one given as ``--before``) whole.

The packages ``chargeback.queries`` and ``chargeback.report_templates`` are the repository's
top-level ``queries/`` and ``report_templates/`` folders (``package-dir`` in pyproject.toml).
In an editable install that mapping points at the installed repository, so a checkout
merely put first on ``sys.path`` (``PYTHONPATH``) would run its own Python with the
installed repository's SQL and templates: a mixed, wrong "before". These helpers import
all of it from the checkout.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: ``python -c`` code: ``chargeback`` (and its queries) from the checkout named by the first
#: argument, then its CLI with the rest.
_BOOT = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv.pop(1)); "
    "from checkout import use_checkout; use_checkout(Path(sys.argv.pop(1))); "
    "from chargeback.frontends.cli import main; main()"
)


#: The packages pyproject.toml maps to top-level folders, and their folders.
MAPPED = {"chargeback.queries": "queries", "chargeback.report_templates": "report_templates"}


def use_checkout(root: Path) -> None:
    """Import ``chargeback`` and the packages it maps to top-level folders from ``root``, in
    this process (before anything imports them)."""
    root = root.resolve()
    sys.path.insert(0, str(root))
    for name, folder in MAPPED.items():
        path = root / folder
        spec = importlib.util.spec_from_file_location(
            name, path / "__init__.py", submodule_search_locations=[str(path)]
        )
        if spec is None or spec.loader is None or not path.is_dir():
            raise RuntimeError(f"{path} is not the tool's {folder} folder")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)


def cli_command(root: Path, args: list[str]) -> list[str]:
    """The command line that runs ``chargeback ARGS`` from checkout ``root``."""
    return [sys.executable, "-c", _BOOT, str(HERE), str(root), *args]
