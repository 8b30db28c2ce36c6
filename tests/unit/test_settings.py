"""chargeback.toml: validation in one place, errors naming file and key, precedence."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from chargeback.errors import ConfigError
from chargeback.settings.files import build_run_config, find_config, load_settings
from chargeback.settings.model import CostMeasure
from chargeback.settings.rules import Method, Rule
from chargeback.taxonomy import PolicyKind

GOOD = """
out = "statements"
cost_center_tag = "CostCentre"
cost_measure = "unblended"
threads = 2

[statement_tags]
team = "Squad"

[attribution]
order = ["resource_tag", "resource_map", "account_map"]
resource_map = "maps/projects.csv"
account_map = "maps/accounts.csv"

[cost_centers]
master = "cost_centers.csv"
aliases = { cc1001 = "CC-1001" }

[policies]
tax = "proportional"
default_project = "even"
provisioned = { method = "fixed", shares = { "CC-1001" = 62.5, "cc-2002" = 37.5 } }
"""

MASTER = (
    "code,name,owner,gl_account,active\nCC-1001,Search,ana,6100,true\nCC-2002,Support,bo,6200,yes\n"
)


def write_config(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> Path:
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    path = tmp_path / "chargeback.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_FILES = {
    "cost_centers.csv": MASTER,
    "maps/projects.csv": "project_id,cost_center\nproj_abc, cc1001\nPROJ_Z,CC-2002\n",
    "maps/accounts.csv": "account_id,cost_center\n012345678901,CC-2002\n",
}


def test_a_full_config_becomes_typed_settings(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, GOOD, GOOD_FILES))
    rules = settings.rules
    assert rules.order == (Rule.RESOURCE_TAG, Rule.RESOURCE_MAP, Rule.ACCOUNT_MAP)
    assert rules.resource_map == {"proj_abc": "CC-1001", "proj_z": "CC-2002"}
    assert rules.account_map == {"012345678901": "CC-2002"}
    assert [c.code for c in rules.master] == ["CC-1001", "CC-2002"]
    assert rules.aliases == {"cc1001": "CC-1001"}
    assert rules.policy(PolicyKind.TAX).method is Method.PROPORTIONAL
    assert rules.policy(PolicyKind.CREDIT).method is Method.KEEP
    fixed = rules.policy(PolicyKind.PROVISIONED)
    assert fixed.shares == (("CC-1001", Decimal("62.5")), ("CC-2002", Decimal("37.5")))
    assert settings.statement_tags["team"] == "Squad"


def test_excel_csv_with_a_byte_order_mark_and_leading_zeros(tmp_path: Path) -> None:
    files = {
        "cc.csv": "\ufeffCode,Name,Active\nCC-1,One,TRUE\nCC-2,Two,no\n",
        "acc.csv": "\ufeffaccount_id,cost_center\n000000000042,cc-1\n",
    }
    text = "[cost_centers]\nmaster = 'cc.csv'\n[attribution]\naccount_map = 'acc.csv'\n"
    rules = load_settings(write_config(tmp_path, text, files)).rules
    assert [(c.code, c.name, c.active) for c in rules.master] == [
        ("CC-1", "One", True),
        ("CC-2", "Two", False),
    ]
    assert rules.account_map == {"000000000042": "CC-1"}


def test_command_line_beats_file_beats_default(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, GOOD, GOOD_FILES))
    from_file = build_run_config("src", "2026-10", settings)
    assert (
        from_file.out,
        from_file.cost_center_tag,
        from_file.cost_measure,
        from_file.threads,
    ) == (
        "statements",
        "CostCentre",
        CostMeasure.UNBLENDED,
        2,
    )
    cli = build_run_config(
        "src", "2026-10", settings, out="o2", cost_measure=CostMeasure.NET_UNBLENDED, threads=1
    )
    assert (cli.out, cli.cost_measure, cli.threads, cli.cost_center_tag) == (
        "o2",
        CostMeasure.NET_UNBLENDED,
        1,
        "CostCentre",
    )
    default = build_run_config("src", "2026-10", load_settings(None))
    assert (default.out, default.cost_center_tag, default.cost_measure) == (
        "out",
        "CostCenter",
        CostMeasure.NET_UNBLENDED,
    )


def test_config_found_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHARGEBACK_CONFIG", raising=False)
    assert find_config(None, tmp_path) is None
    path = write_config(tmp_path, 'out = "x"\n')
    assert find_config(None, tmp_path) == path
    with pytest.raises(ConfigError, match="nope.toml does not exist"):
        find_config(str(tmp_path / "nope.toml"), tmp_path)


@pytest.mark.parametrize(
    ("text", "files", "message"),
    [
        ('outt = "x"\n', {}, r"unknown key 'outt'; known keys here: out, "),
        ("[attribution]\nordr = []\n", {}, r"unknown key attribution.'ordr'"),
        ("[policies]\ntaxes = 'keep'\n", {}, r"unknown key policies.'taxes'"),
        ("threads = 'four'\n", {}, r"threads = 'four' must be a whole number"),
        ("cost_measure = 'blended'\n", {}, r"cost_measure = 'blended' is not one of net_unblended"),
        ("[attribution]\norder = ['resource_tag', 'magic']\n", {}, r"'magic' is not one of"),
        ("[attribution]\norder = ['resource_tag', 'resource_tag']\n", {}, "names a rule twice"),
        (
            "[attribution]\norder = ['resource_tag']\naccount_map = 'a.csv'\n",
            {"a.csv": "account_id,cost_center\n111122223333,X\n"},
            "leaves out 'account_map'",
        ),
        ("[policies]\ntax = 'fixed'\n", {}, r"policies.tax = 'fixed' needs its percentages"),
        (
            "[policies]\ntax = { method = 'fixed', shares = { A = 50, B = 49.99 } }\n",
            {},
            r"policies.tax.shares add up to 99.99, not 100",
        ),
        (
            "[policies]\ntax = { method = 'even', shares = { A = 100 } }\n",
            {},
            "shares only goes with method = 'fixed'",
        ),
        ("[cost_centers]\nmaster = 'missing.csv'\n", {}, r"missing.csv does not exist"),
        (
            "[cost_centers]\nmaster = 'cc.csv'\n",
            {"cc.csv": "name,owner\nx,y\n"},
            r"cc.csv: no column 'code' in the header",
        ),
        (
            "[cost_centers]\nmaster = 'cc.csv'\n",
            {"cc.csv": "code\nCC-1\n cc-1 \n"},
            r"cc.csv line 3: code ' ?cc-1 ?' is already on line 2",
        ),
        (
            "[cost_centers]\nmaster = 'cc.csv'\n",
            {"cc.csv": "code,active\nCC-1,maybe\n"},
            r"line 2: active 'maybe' for 'CC-1' is not true/false",
        ),
        (
            "[cost_centers]\nmaster = 'cc.csv'\naliases = { x = 'CC-9' }\n",
            {"cc.csv": "code\nCC-1\n"},
            r"cost_centers.aliases.x: cost center 'CC-9' is not in the cost-center master list",
        ),
        (
            "[cost_centers]\nmaster = 'cc.csv'\n[attribution]\nresource_map = 'm.csv'\n",
            {"cc.csv": "code\nCC-1\n", "m.csv": "resource,cost_center\nproj_a,CC-7\n"},
            r"m.csv line 2: cost center 'CC-7' is not in the cost-center master list",
        ),
        (
            "[attribution]\naccount_map = 'm.csv'\n",
            {"m.csv": "account_id,cost_center\n12345678901,CC-1\n"},
            r"m.csv line 2: account id '12345678901' is not 12 digits",
        ),
        (
            "[attribution]\nprincipal_map = 'm.csv'\n",
            {"m.csv": "principal,cost_center\narn:a,CC-1\nARN:A,CC-2\n"},
            r"m.csv line 3: 'ARN:A' is already mapped to 'CC-1' on line 2",
        ),
        (
            "[attribution]\nresource_map = 'm.csv'\n",
            {"m.csv": "what,cost_center\nproj_a,CC-1\n"},
            r"m.csv: no key column; name the first column one of resource, project_id",
        ),
        (
            "[cost_centers]\nmaster = 'cc.csv'\n"
            "[policies]\ntax = { method = 'fixed', shares = { CC-1 = 50, cc-2 = 50 } }\n",
            {"cc.csv": "code,active\nCC-1,true\nCC-2,false\n"},
            r"policies.tax.shares.cc-2: cost center 'CC-2' is inactive in the master list",
        ),
        ("out = \n", {}, r"chargeback.toml is not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_fix(
    tmp_path: Path, text: str, files: dict[str, str], message: str
) -> None:
    path = write_config(tmp_path, text, files)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(path)
    assert str(tmp_path) in str(info.value)
