"""Which CUR model an invocation log's ``modelId`` is: the mapping, kept as data.

A log names a model by its Bedrock id (``amazon.nova-pro-v1:0``), a cross-region inference
profile id (``us.anthropic.claude-sonnet-4-6``, ``global.…``), or a foundation-model or
inference-profile ARN; the CUR names it by ``product['model']`` (``Claude Sonnet 4.6``) or
the usage type's model part (``Claude4.6Sonnet``, ``NovaPro``; queries/00_macros.sql,
``bedrock_model``). Both sides are reduced to one key (``model_key``): a log id loses its
ARN, geography prefix and version, then ``MODELS`` names its key; a CUR name is looked up
in ``MODELS`` by any of its spellings. What the table does not know falls back to the
name's words and numbers, sorted, without the provider (``claude-sonnet-4-6`` and
``Claude4.6Sonnet`` both give ``4 6 claude sonnet``).

An application inference profile ARN names no model: its lines are matched by resource id
(``application_profile``). TODO(issue 15): read the model names from the canonical model
taxonomy once it exists, instead of ``MODELS``.
"""

from __future__ import annotations

import re

#: (base model id, CUR spellings: product['model'] and the usage type's model part).
MODELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("anthropic.claude-sonnet-4-6", ("Claude Sonnet 4.6", "Claude4.6Sonnet")),
    ("anthropic.claude-sonnet-4-5", ("Claude Sonnet 4.5", "Claude4.5Sonnet")),
    ("anthropic.claude-sonnet-4", ("Claude Sonnet 4", "Claude4Sonnet")),
    ("anthropic.claude-opus-4-1", ("Claude Opus 4.1", "Claude4.1Opus")),
    ("anthropic.claude-haiku-4-5", ("Claude Haiku 4.5", "Claude4.5Haiku")),
    ("anthropic.claude-3-7-sonnet", ("Claude 3.7 Sonnet", "Claude3.7Sonnet")),
    ("anthropic.claude-3-5-haiku", ("Claude 3.5 Haiku", "Claude3.5Haiku")),
    ("amazon.nova-pro", ("Amazon Nova Pro", "NovaPro")),
    ("amazon.nova-lite", ("Amazon Nova Lite", "NovaLite")),
    ("amazon.nova-micro", ("Amazon Nova Micro", "NovaMicro")),
    ("amazon.nova-premier", ("Amazon Nova Premier", "NovaPremier")),
    ("meta.llama3-3-70b-instruct", ("Llama 3.3 70B Instruct", "Llama3.3")),
    ("openai.gpt-oss-120b", ("gpt-oss-120b", "gpt")),
    ("openai.gpt-oss-20b", ("gpt-oss-20b",)),
    ("mistral.mistral-large-2407", ("Mistral Large (24.07)", "MistralLarge2407")),
    ("deepseek.r1", ("DeepSeek-R1", "DeepSeekR1")),
)

#: Prefixes of cross-region (system) inference profile ids.
GEOGRAPHIES: tuple[str, ...] = ("us-gov", "global", "apac", "us", "eu", "jp", "au", "ca")
PROVIDERS: frozenset[str] = frozenset(
    {"amazon", "anthropic", "meta", "openai", "mistral", "cohere", "ai21", "deepseek", "qwen"}
)

_ARN = re.compile(r"^arn:[^:]+:bedrock:[^:]*:[^:]*:(?P<kind>[a-z-]+)/(?P<id>.+)$")
_VERSION = re.compile(r"(-\d{8})?(-v?\d+:\d+|-v\d+)?(:\d+(k|m)?)?$")
_WORDS = re.compile(r"[a-z]+|\d+")

_BY_ID = {base: base for base, _ in MODELS}


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


_BY_NAME = {_fold(name): base for base, names in MODELS for name in names}


def application_profile(model_id: str) -> str | None:
    """The ARN, lower case, when ``model_id`` is an application inference profile."""
    match = _ARN.match(model_id.strip())
    if match is not None and match["kind"] == "application-inference-profile":
        return model_id.strip().lower()
    return None


def base_model_id(model_id: str) -> str:
    """``us.anthropic.claude-sonnet-4-6-20260101-v1:0`` -> ``anthropic.claude-sonnet-4-6``
    (ARN, geography prefix and version removed; lower case)."""
    text = model_id.strip().lower()
    match = _ARN.match(text)
    if match is not None:
        text = match["id"]
    head, dot, rest = text.partition(".")
    if dot and head in GEOGRAPHIES and "." in rest:
        text = rest
    return _VERSION.sub("", text)


def log_model_key(model_id: str) -> str:
    """The key of a log's ``modelId`` (see the module's docstring)."""
    base = base_model_id(model_id)
    if base in _BY_ID:
        return base
    return _words(base.partition(".")[2] or base)


def cur_model_key(model: str) -> str:
    """The key of a CUR model name (``product['model']`` or the usage type's part)."""
    known = _BY_NAME.get(_fold(model))
    return known if known is not None else _words(model)


def _words(name: str) -> str:
    words = [w for w in _WORDS.findall(name.lower()) if w not in PROVIDERS]
    return " ".join(sorted(words))
