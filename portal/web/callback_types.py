"""The types a Dash callback's inputs must have, read from its own annotations and checked in one place.

A browser sends what the page's components hold; scripts, probes and stale pages send anything.
Checking every input and state against the callback's type hints before Dash runs it turns a
malformed request into a 400 that names the input, instead of a TypeError deep in a callback.
Callbacks therefore annotate exactly what their inputs may be, ``None`` included.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import logging
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import dash

log = logging.getLogger(__name__)
EXTENSION_KEY = "portal.callback_types"


@dataclasses.dataclass(frozen=True)
class InputType:
    """One input or state of a callback: its ``component.property`` label and the type it must have."""

    label: str
    hint: Any


class UncheckedCallback(Exception):
    """A server callback whose inputs cannot be matched to type hints; the message says which."""


def record_callback_types(app: dash.Dash) -> dict[str, list[InputType]]:
    """Read every server callback's input types; raises UncheckedCallback for one without them."""
    found: dict[str, list[InputType]] = {}
    for output, entry in app.callback_map.items():
        if "callback" not in entry:
            continue  # clientside: the browser runs it, the guard refuses it
        found[output] = input_types(output, entry)
    app.server.extensions[EXTENSION_KEY] = found
    return found


def input_types(output: str, entry: Mapping[str, Any]) -> list[InputType]:
    """Inputs then state, paired with the callback's last parameters (a background job's first: progress)."""
    function = inspect.unwrap(entry["callback"])
    items = [*entry.get("inputs", []), *entry.get("state", [])]
    parameters = list(inspect.signature(function).parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters) or len(parameters) < len(items):
        name = function.__qualname__
        raise UncheckedCallback(f"callback {name} for {output} does not take one parameter per input")
    try:
        hints = typing.get_type_hints(function)
    except Exception as exc:  # a hint naming something the module cannot resolve
        raise UncheckedCallback(f"callback {function.__qualname__}: unreadable type hints ({exc})") from None
    paired = parameters[len(parameters) - len(items) :] if items else []
    missing = [p.name for p in paired if p.name not in hints]
    if missing:
        raise UncheckedCallback(f"callback {function.__qualname__} has no type hint for {', '.join(missing)}")
    return [InputType(_label(item), hints[p.name]) for item, p in zip(items, paired, strict=True)]


def _label(item: Mapping[str, Any]) -> str:
    component = item.get("id")
    name = component if isinstance(component, str) else "{" + ", ".join(sorted(map(str, component))) + "}"
    return f"{name}.{item.get('property')}"


def first_mismatch(types_: Sequence[InputType], body: Mapping[str, Any]) -> str | None:
    """What is wrong with the first input or state whose value has the wrong type, or None."""
    values = [*(body.get("inputs") or []), *(body.get("state") or [])]
    for expected, item in zip(types_, values, strict=False):
        if isinstance(item, list):  # a pattern-matching input: the callback gets one value per component
            value: Any = [entry.get("value") for entry in item if isinstance(entry, Mapping)]
        else:
            value = item.get("value")
        if not conforms(value, expected.hint):
            return (
                f"the callback input {expected.label} must be {describe(expected.hint)}, "
                f"not {_json_kind(value)}; reload the page"
            )
    return None


def conforms(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a type hint; hints it does not know (components, frames) accept anything."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, option) for option in arguments)
    if origin is typing.Literal:
        return any(value == option and type(value) is type(option) for option in arguments)
    if typing.is_typeddict(hint):
        return _conforms_to_typeddict(value, hint)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if hint is dict or origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            return False
        if len(arguments) == 2:
            key_hint, value_hint = arguments
            return all(conforms(k, key_hint) and conforms(v, value_hint) for k, v in value.items())
        return True
    if hint is list or origin in (list, collections.abc.Sequence, tuple):
        if not isinstance(value, list):
            return False
        if arguments and arguments[-1] is not Ellipsis and origin is not tuple:
            return all(conforms(item, arguments[0]) for item in value)
        return True
    return True


def _conforms_to_typeddict(value: Any, hint: Any) -> bool:
    if not isinstance(value, dict):
        return False
    fields = typing.get_type_hints(hint)
    if any(key not in value for key in hint.__required_keys__):
        return False
    return all(conforms(value[key], field) for key, field in fields.items() if key in value)


def describe(hint: Any) -> str:
    """A type hint in words, for the 400's message."""
    if hint is None or hint is type(None):
        return "empty"
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(option) for option in typing.get_args(hint))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(option) for option in typing.get_args(hint))
    if typing.is_typeddict(hint):
        return "an object with " + ", ".join(sorted(typing.get_type_hints(hint)))
    words = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}
    if hint in words:
        return words[hint]
    if hint is dict or origin in (dict, collections.abc.Mapping):
        return "an object"
    if hint is list or origin in (list, collections.abc.Sequence, tuple):
        return "a list"
    return getattr(hint, "__name__", str(hint))


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
