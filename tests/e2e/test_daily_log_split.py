"""The daily check with the invocation-log split: each day's share of a split line goes to
the cost centers the logs name, in the split's proportions. The sample month is allocated
with and without its logs; per cost center and day, the difference is what the logs moved
out of UNATTRIBUTED, computed here from the Parquet rows and the log files
(``tests/support/sample_logs.py``), to the cent."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from chargeback.pipeline import read_and_allocate
from chargeback.settings.model import InvocationLogSettings, Period, RunConfig
from tests.support.paths import SAMPLE
from tests.support.sample_logs import exact_log_split, write_sample_logs

USAGE = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
CENT = Decimal("0.01")


def _daily(config: RunConfig) -> dict[tuple[str, str], Decimal]:
    _source, _schema, allocation = read_and_allocate(config, lambda _text: None)
    return {(d.cost_center, d.day): d.amount for d in allocation.daily}


def test_a_split_lines_days_go_where_the_logs_put_them(tmp_path: Path) -> None:
    log_root = tmp_path / "logs"
    write_sample_logs(log_root)
    moved: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for cc, interval, kind, amount in exact_log_split(log_root):
        if kind in USAGE:
            moved[(cc, interval[:10])] += amount
    named = {k for k in moved if k[0] != "UNATTRIBUTED"}
    assert len({cc for cc, _day in named}) == 3 and len({day for _cc, day in named}) > 20

    base = RunConfig(source=str(SAMPLE), period=Period.parse("2026-10"), out="unused")
    without = _daily(base)
    logged = _daily(
        RunConfig(
            source=base.source,
            period=base.period,
            out=base.out,
            invocation_logs=InvocationLogSettings(str(log_root)),
        )
    )
    for cc, day in named:
        want = Decimal(moved[(cc, day)].numerator) / Decimal(moved[(cc, day)].denominator)
        got = logged.get((cc, day), Decimal(0)) - without.get((cc, day), Decimal(0))
        # each day's spend is rounded to the cent on its own: the difference of two roundings
        assert abs(got - want) <= CENT, (cc, day, got, want)
    # what the named cost centers gained each day, UNATTRIBUTED lost
    for day in {d for _cc, d in named}:
        gained = sum((moved[(cc, d)] for cc, d in named if d == day), Fraction(0))
        lost = without.get(("UNATTRIBUTED", day), Decimal(0)) - logged.get(
            ("UNATTRIBUTED", day), Decimal(0)
        )
        want = (Decimal(gained.numerator) / Decimal(gained.denominator)).quantize(
            CENT, ROUND_HALF_UP
        )
        assert abs(lost - want) <= CENT, (day, lost, want)
