"""Issue 14, as a property: whatever the amounts and the callers' token counts, the
invocation-log split creates and loses nothing, and each cost center gets its exact share
(Fractions computed here) to within the 1e-12 units the split works in."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chargeback.pipeline import run
from chargeback.settings.model import InvocationLogSettings, Period, RunConfig
from tests.support.invocation_logs import log, usage, write_scenario

CALLERS = ("CC-1", "CC-2", "CC-3", None)
KINDS = (("USE1-NovaPro-input-tokens", "input"), ("USE1-NovaPro-output-tokens", "output"))

Line = tuple[int, tuple[str, str], Decimal, list[tuple[str | None, int]]]
line = st.tuples(
    st.integers(min_value=0, max_value=3),  # hour
    st.sampled_from(KINDS),
    st.decimals(min_value=Decimal("-5"), max_value=Decimal("5000"), places=6),
    st.lists(
        st.tuples(st.sampled_from(CALLERS), st.integers(min_value=1, max_value=10**12)),
        max_size=4,
    ),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=1, max_size=5, unique_by=lambda x: (x[0], x[1][1])))
def test_split_creates_and_loses_nothing(lines: list[Line]) -> None:
    rows, logs = [], []
    exact: dict[str, Fraction] = defaultdict(Fraction)
    for hour, (usage_type, kind), cost, callers in lines:
        at = datetime(2026, 10, 3, 10 + hour)
        rows.append(usage(float(cost), usage_type, at, 1.0))
        tokens: dict[str, int] = defaultdict(int)
        for cc, n in callers:
            logs.append(log(at, "amazon.nova-pro-v1:0", kind, n, cc))
            tokens[cc or "UNATTRIBUTED"] += n
        amount = Fraction(str(float(cost)))
        total = sum(tokens.values())
        for cc, n in tokens.items():
            exact[cc] += amount * n / total
        if not tokens:
            exact["UNATTRIBUTED"] += amount
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        export, log_root = write_scenario(tmp, rows, logs)
        if not logs:  # a location with no log for the period is refused: give one elsewhere
            write_scenario(tmp / "other", [], [log(datetime(2026, 10, 9), "x", "input", 1, None)])
            log_root = tmp / "other" / "logs"
        result = run(
            RunConfig(
                source=str(export),
                period=Period.parse("2026-10"),
                out=str(tmp / "out"),
                invocation_logs=InvocationLogSettings(str(log_root)),
            )
        )
    totals = result.allocation.totals[0]
    assert totals.exact_total == sum(Decimal(str(float(c))) for *_, c, _ in lines)
    found: dict[str, Decimal] = defaultdict(Decimal)
    for ln in result.allocation.lines:
        found[ln.cost_center] += ln.exact_amount
    assert sum(found.values()) == totals.exact_total  # nothing created or lost, exactly
    for cc in set(found) | set(exact):
        want = Decimal(exact[cc].numerator) / Decimal(exact[cc].denominator)
        assert abs(found[cc] - want) <= Decimal("1e-12") * 4 * len(lines), cc
    assert totals.attributed + totals.unattributed == totals.total
