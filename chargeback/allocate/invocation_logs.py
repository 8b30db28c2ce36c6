"""The invocation_logs rule: Bedrock model invocation logs split the invoice's dollars.

Token usage that no earlier rule attributed is split over the callers the logs name, by
their share of the matching log tokens (same usage account, region, model, kind of token,
hour or day: ``queries/16``, ``28``, ``29``, ``36``); what no log explains stays UNATTRIBUTED
with ``no_log_match``, calls without the cost-center key with ``log_untagged``. The coverage
(``37``) compares the tokens the logs count with the usage the export bills, per model and
kind, and flags accounts and regions without logs, and days missing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chargeback.allocate.engine import Engine
from chargeback.allocate.log_models import application_profile, cur_model_key, log_model_key
from chargeback.errors import QueryError
from chargeback.read.invocation_logs import LogObjects, bad_log, first_bad_line
from chargeback.settings.model import MAX_CC_KEYS, RunConfig

TOKEN_KINDS: tuple[str, ...] = ("input", "output", "cache_read", "cache_write")
#: Log tokens below or above this share of the export's usage are flagged.
LOW, HIGH = Decimal("0.9"), Decimal("1.1")
#: The reasons this rule leaves on UNATTRIBUTED lines.
LOG_REASONS: frozenset[str] = frozenset({"no_log_match", "log_untagged"})


@dataclass(frozen=True)
class LogCoverageRow:
    """One model and kind of token: what the export bills and what the logs count."""

    model: str
    token_kind: str
    currency: str
    #: Tokens the export bills in accounts and regions that delivered logs (None: a pricing
    #: unit that is not a number of tokens), and in those that delivered none.
    export_tokens: Decimal | None
    unlogged_tokens: Decimal | None
    log_tokens: int
    amount: Decimal
    #: Of ``amount``: attributed by the logs, left on log_untagged, left on no_log_match.
    explained: Decimal
    untagged: Decimal
    unmatched: Decimal
    pricing_units: tuple[str, ...]
    flag: str = ""

    @property
    def log_share_pct(self) -> Decimal | None:
        """Log tokens as a percentage of the export's tokens in regions with logs."""
        if not self.export_tokens:
            return None
        return (Decimal(self.log_tokens) * 100 / self.export_tokens).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class LogGap:
    """An account and region whose token usage the logs do not cover."""

    account_id: str
    region: str
    #: ``logging_off``: no log object at all in the period; ``days_missing``: some days.
    kind: str
    days: int
    message: str


@dataclass(frozen=True)
class LogSummary:
    """What the invocation logs were and how much of the bill they explain (run.json,
    ``chargeback coverage``, the workbook's Tag coverage sheet)."""

    location: str
    objects: int
    #: account/region pairs that delivered logs in the period.
    regions: tuple[tuple[str, str], ...]
    grain: str
    cost_center_keys: tuple[str, ...]
    rows: tuple[LogCoverageRow, ...]
    gaps: tuple[LogGap, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(g.message for g in self.gaps) + tuple(
            f"invocation logs: {r.model} {r.token_kind}: {r.flag}" for r in self.rows if r.flag
        )

    def to_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> str | None:
            return None if value is None else f"{value.normalize():f}"

        return {
            "location": self.location,
            "objects": self.objects,
            "regions": [{"account_id": a, "region": r} for a, r in self.regions],
            "grain": self.grain,
            "cost_center_keys": list(self.cost_center_keys),
            "coverage": [
                {
                    "model": r.model,
                    "token_kind": r.token_kind,
                    "currency": r.currency,
                    "pricing_units": list(r.pricing_units),
                    "export_tokens": number(r.export_tokens),
                    "export_tokens_without_logs": number(r.unlogged_tokens),
                    "log_tokens": r.log_tokens,
                    "log_share_pct": number(r.log_share_pct),
                    "amount": f"{r.amount:.2f}",
                    "explained": f"{r.explained:.2f}",
                    "log_untagged": f"{r.untagged:.2f}",
                    "no_log_match": f"{r.unmatched:.2f}",
                    "flag": r.flag or None,
                }
                for r in self.rows
            ],
            "gaps": [
                {"account_id": g.account_id, "region": g.region, "kind": g.kind, "days": g.days}
                for g in self.gaps
            ],
            "warnings": list(self.warnings),
        }


def read_logs(engine: Engine, config: RunConfig, logs: LogObjects) -> None:
    """Sum the period's log tokens (16), stopping on a log that cannot be read whole (17):
    the error names the object and line."""
    settings = config.invocation_logs
    assert settings is not None  # read only when configured
    keys = settings.statement_keys
    params = {
        "files": [o.path for o in logs.objects],
        "period_start": config.period.start,
        "period_end": config.period.end,
        **{f"cc_key{i}": k for i, k in enumerate(_padded(settings.cost_center_keys), 1)},
        **{f"{role}_key": keys.get(role, "") for role in ("application", "environment")},
        **{f"{role}_key": keys.get(role, "") for role in ("team", "owner")},
    }
    try:
        engine.execute("16_invocation_log_tokens", params)
    except QueryError as e:
        raise bad_log(logs, str(e.__cause__ or e)) from e
    bad = engine.fetch("17_invocation_log_checks").rows
    if bad:
        path = str(bad[0][0])
        obj = next((o for o in logs.objects if o.path == path), None)
        found = first_bad_line(obj) if obj is not None else None
        raise found if found is not None else bad_log(logs, f'"{path}"')


def _padded(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The cost-center keys in 16's three slots ('' pads: a key no request carries)."""
    return (*keys, *[""] * (MAX_CC_KEYS - len(keys)))


@dataclass(frozen=True)
class LogMatch:
    """How 29 matched: the grain, and the model keys as the lists 29 and 37 bind."""

    grain: str
    keys: dict[str, list[str | None]]


def match_logs(engine: Engine, config: RunConfig, logs: LogObjects | None) -> LogMatch:
    """Key the models (28, ``log_models``) and match the log tokens to the token usage
    groups (29); without logs, the empty tables 32 reads."""
    cur_models: list[str] = []
    log_models: list[str] = []
    grain = "month"
    if logs is not None:
        for side, name in engine.fetch("28_log_model_names").rows:
            if side == "cur":
                cur_models.append(str(name))
            elif side == "log":
                log_models.append(str(name))
            elif name is not None:
                grain = str(name)
    sides: list[str | None] = [*(["log"] * len(log_models)), *(["cur"] * len(cur_models))]
    names: list[str | None] = [*log_models, *cur_models]
    model_keys: list[str | None] = [log_model_key(m) for m in log_models]
    model_keys += [cur_model_key(m) for m in cur_models]
    profiles: list[str | None] = [application_profile(m) for m in log_models]
    profiles += [None] * len(cur_models)
    keys = {"sides": sides, "names": names, "keys": model_keys, "profiles": profiles}
    engine.execute("29_log_matches", {**keys, "grain": grain, "period_start": config.period.start})
    return LogMatch(grain, keys)


def split_logged(engine: Engine, unattributed: str, has_master: bool) -> None:
    """Replace the groups the invocation_logs rule won by their callers' parts (36)."""
    engine.execute(
        "36_invocation_log_split", {"unattributed": unattributed, "has_master": has_master}
    )


def log_summary(engine: Engine, config: RunConfig, logs: LogObjects, match: LogMatch) -> LogSummary:
    """The coverage of the logs (37), with what they leave unexplained flagged."""
    settings = config.invocation_logs
    assert settings is not None
    regions = logs.regions
    found = engine.fetch(
        "37_invocation_log_coverage",
        {
            "log_accounts": [a for a, _ in regions],
            "log_regions": [r for _, r in regions],
            **match.keys,
        },
    ).dicts()
    export: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(
        lambda: {
            "tokens": Decimal(0),
            "unlogged": Decimal(0),
            "convertible": True,
            "units": set(),
            "amount": Decimal(0),
            "explained": Decimal(0),
            "untagged": Decimal(0),
            "unmatched": Decimal(0),
        }
    )
    log_tokens: dict[tuple[str, str], int] = defaultdict(int)
    gaps: list[LogGap] = []
    for r in found:
        if r["side"] == "log":
            log_tokens[(str(r["model"]), str(r["token_kind"]))] += int(r["tokens"])
        elif r["side"] == "gap":
            account, region, days = str(r["account_id"]), str(r["region"]), int(r["days"])
            gaps.append(
                LogGap(
                    account,
                    region,
                    "days_missing",
                    days,
                    f"invocation logs: account {account} {region or '(any region)'} has token "
                    f"usage on {days} day(s) without a log record: is logging paused, or are "
                    "objects missing?",
                )
            )
        else:
            e = export[(str(r["model"]), str(r["token_kind"]), str(r["currency"]))]
            e["units"].add(str(r["pricing_unit"]))
            if int(r["unsized"]):
                e["convertible"] = False
            else:
                e["tokens" if r["has_logs"] else "unlogged"] += Decimal(r["usage"] or 0)
            for name in ("amount", "explained", "untagged", "unmatched"):
                e[name] += Decimal(r[name])
    rows = []
    for (model, kind, currency), e in sorted(export.items()):
        logged = log_tokens.pop((model, kind), 0)
        tokens = e["tokens"] if e["convertible"] else None
        unlogged = e["unlogged"] if e["convertible"] else None
        rows.append(
            LogCoverageRow(
                model=model,
                token_kind=kind,
                currency=currency,
                export_tokens=tokens,
                unlogged_tokens=unlogged,
                log_tokens=logged,
                amount=e["amount"],
                explained=e["explained"],
                untagged=e["untagged"],
                unmatched=e["unmatched"],
                pricing_units=tuple(sorted(e["units"])),
                flag=_flag(tokens, unlogged, logged),
            )
        )
    for (model, kind), logged in sorted(log_tokens.items()):
        rows.append(
            LogCoverageRow(
                model,
                kind,
                "",
                Decimal(0),
                Decimal(0),
                logged,
                Decimal(0),
                Decimal(0),
                Decimal(0),
                Decimal(0),
                (),
                "log tokens for a model and kind the export does "
                "not bill: is the model mapping (chargeback/allocate/log_models.py) missing it?",
            )
        )
    gaps = _logging_off(engine, regions) + gaps
    return LogSummary(
        location=logs.location,
        objects=len(logs.objects),
        regions=regions,
        grain=match.grain,
        cost_center_keys=settings.cost_center_keys,
        rows=tuple(rows),
        gaps=tuple(gaps),
    )


def _flag(export_tokens: Decimal | None, unlogged: Decimal | None, logged: int) -> str:
    if export_tokens is None:
        return (
            "the Bedrock taxonomy cannot size the export's pricing unit in tokens: usage not "
            "compared"
        )
    if export_tokens == 0 and logged == 0:
        return "no logs: its usage is in accounts or regions without invocation logging"
    if export_tokens == 0:
        return ""
    ratio = Decimal(logged) / export_tokens
    if ratio < LOW:
        return f"the logs count {ratio:.0%} of the tokens the export bills where logging is on"
    if ratio > HIGH:
        return f"the logs count {ratio:.0%} of the tokens the export bills (more than billed)"
    return ""


def _logging_off(engine: Engine, regions: tuple[tuple[str, str], ...]) -> list[LogGap]:
    """Accounts and regions with token usage in the export but no log object at all."""
    rows = engine.fetch(
        "38_unlogged_regions",
        {"log_accounts": [a for a, _ in regions], "log_regions": [r for _, r in regions]},
    ).rows
    return [
        LogGap(
            str(account),
            str(region),
            "logging_off",
            int(days),
            f"invocation logs: account {account} {region or '(no region)'} has token usage on "
            f"{int(days)} day(s) and no invocation logs at all: is model invocation logging "
            "off there? its default-project and shared usage stays UNATTRIBUTED (no_log_match)",
        )
        for account, region, days in rows
    ]
