"""Which CUR model an invocation log's ``modelId`` is.

A log names a model by its Bedrock id (``amazon.nova-pro-v1:0``), a cross-region inference
profile id (``us.anthropic.claude-sonnet-4-6``, ``global.…``), or a foundation-model or
inference-profile ARN; the CUR line's model is what the Bedrock taxonomy named it
(``chargeback/bedrock_taxonomy.toml``: ``Claude Sonnet 4.6``, whose aliases hold the model
id ``anthropic.claude-sonnet-4-6``). Both sides are reduced to one key (``model_key``): a
log id loses its ARN, geography prefix and version and is looked up among the taxonomy's
spellings; a CUR name likewise. What the taxonomy does not know falls back to the name's
words and numbers, sorted, without the provider (``cohere.command-r-plus`` and
``Command R Plus`` both give ``command plus r``), so a model missing from the table still
matches when its names agree.

An application inference profile ARN names no model: its lines are matched by resource id
(``application_profile``).
"""

from __future__ import annotations

import re

from chargeback.bedrock_taxonomy import key, table

#: Prefixes of cross-region (system) inference profile ids.
GEOGRAPHIES: tuple[str, ...] = ("us-gov", "global", "apac", "us", "eu", "jp", "au", "ca")
PROVIDERS: frozenset[str] = frozenset(
    {"amazon", "anthropic", "meta", "openai", "mistral", "cohere", "ai21", "deepseek", "qwen"}
)

_ARN = re.compile(r"^arn:[^:]+:bedrock:[^:]*:[^:]*:(?P<kind>[a-z-]+)/(?P<id>.+)$")
_SUFFIX = re.compile(r":\d+(k|m)?$")
_VERSION = re.compile(r"(-v\d+(:\d+)?|-\d+:\d+)(:\d+(k|m)?)?$")
_DATE = re.compile(r"-\d{8}$")
_WORDS = re.compile(r"[a-z]+|\d+")


def application_profile(model_id: str) -> str | None:
    """The ARN, lower case, when ``model_id`` is an application inference profile."""
    match = _ARN.match(model_id.strip())
    if match is not None and match["kind"] == "application-inference-profile":
        return model_id.strip().lower()
    return None


def base_model_id(model_id: str) -> str:
    """``us.anthropic.claude-sonnet-4-6-20260101-v1:0`` -> ``anthropic.claude-sonnet-4-6``
    (ARN, geography prefix, version and release date removed; lower case)."""
    return candidates(model_id)[-1]


def candidates(model_id: str) -> list[str]:
    """The forms of a model id to look up, most specific first: without ARN and geography
    prefix; then without the ``:0`` throughput suffix (``amazon.titan-embed-text-v2``);
    then without the version (``-v1:0``); then without a release date, which tells some
    models apart (``anthropic.claude-3-5-sonnet-20241022`` is Claude 3.5 Sonnet v2)."""
    text = model_id.strip().lower()
    match = _ARN.match(text)
    if match is not None:
        text = match["id"]
    head, dot, rest = text.partition(".")
    if dot and head in GEOGRAPHIES and "." in rest:
        text = rest
    forms = [text, _SUFFIX.sub("", text), _VERSION.sub("", text)]
    forms.append(_DATE.sub("", forms[-1]))
    return list(dict.fromkeys(forms))


def log_model_key(model_id: str) -> str:
    """The key of a log's ``modelId`` (see the module's docstring)."""
    models = table().models
    forms = candidates(model_id)
    known = next((models[key(f)] for f in forms if key(f) in models), None)
    return known.name if known is not None else _words(forms[-1].partition(".")[2] or forms[-1])


def cur_model_key(model: str) -> str:
    """The key of a CUR model name (``product['model']`` or the usage type's part)."""
    known = table().models.get(key(model))
    return known.name if known is not None else _words(model)


def _words(name: str) -> str:
    words = [w for w in _WORDS.findall(name.lower()) if w not in PROVIDERS]
    return " ".join(sorted(words))
