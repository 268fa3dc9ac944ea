"""Outcomes as plain data, for the sandbox's wire (`backprop.course.sandbox.wire`).

The learner's process runs `collect` inside the sandbox; its `Outcome`s travel to the
grader as plain data (numbers, arrays, strings, lists, tuples, dicts), never as pickles:
- `outcome_to_data` turns an Outcome into such data and never raises; what the wire
  can't hold (a Value, an object array, a custom class, a huge answer) is replaced by its
  description (`_plain`);
- `outcome_from_data` checks that data and rebuilds the Outcome, with `_Opaque` stand-ins
  for the described values (`_unplain`), which judge reports as a wrong type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from backprop.grading.exercise import Outcome
from backprop.grading.messages import Described, describe

# Answers larger than this are sent as their description only: judge refuses them anyway.
_MAX_SENT_VALUES = 2_000_000
_MAX_SENT_ITEMS = 100_000
_MAX_SENT_DEPTH = 32
_OPAQUE = "__backprop_opaque__"


class _Opaque(Described):
    """Stands in for a returned value that can't cross the wire (a Value, an object array).

    judge sees it as what it was described as: never a number, never a match.
    """

    def __init__(self, description: str, value_like: bool) -> None:
        self.description = description
        self.value_like = value_like

    def __repr__(self) -> str:
        return f"<{self.description}>"


def _plain(value: Any, depth: int = 0) -> Any:
    """Turn a learner's answer into data the wire writes, describing what it can't."""
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int or type(value) is float:
        return value if type(value) is float or value.bit_length() < 10_000 else float("inf")
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc" \
            and value.dtype.names is None and value.size <= _MAX_SENT_VALUES:
        return np.array(value, copy=True, subok=False)
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool | np.generic):
        return _plain(float(value) if isinstance(value, float) else int(value), depth)
    if depth < _MAX_SENT_DEPTH:
        if isinstance(value, list | tuple) and len(value) <= _MAX_SENT_ITEMS:
            items = [_plain(v, depth + 1) for v in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, Mapping) and len(value) <= _MAX_SENT_ITEMS:
            # Only str keys: the expected dicts (configs) have no others to compare.
            return {str(k): _plain(v, depth + 1) for k, v in value.items()
                    if isinstance(k, str)}
    return {_OPAQUE: describe(value)[:200],
            "value_like": hasattr(value, "data") and hasattr(value, "grad")}


def outcome_to_data(outcome: Outcome) -> dict[str, Any]:
    """Turn an Outcome into plain data that `wire.dump` writes; never raises.

    A returned value wire can't hold (a Value, an object array, a custom class, an answer
    far too large) is replaced by its description, which judge reports as a wrong type.
    """
    try:
        result = _plain(outcome.result)
    except Exception:  # a learner's object that breaks while being read
        result = {_OPAQUE: "an object that could not be read", "value_like": False}
    return {"result": result, "error": outcome.error, "not_implemented": outcome.not_implemented,
            "mutated": list(outcome.mutated), "used_reference": outcome.used_reference}


def _unplain(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        return value
    if isinstance(value, dict):
        if set(value) == {_OPAQUE, "value_like"} and isinstance(value[_OPAQUE], str):
            return _Opaque(value[_OPAQUE][:200], value["value_like"] is True)
        return {k: _unplain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_unplain(v, depth + 1) for v in value)
    return value


def outcome_from_data(data: Any) -> Outcome:
    """Rebuild an Outcome from what `outcome_to_data` made (after `wire.load`).

    Raises:
        ValueError: If `data` is not such a dict; the message says what is wrong.
    """
    fields = {"result", "error", "not_implemented", "mutated", "used_reference"}
    if not isinstance(data, dict) or set(data) != fields:
        raise ValueError(f"an outcome must be a dict with the keys {sorted(fields)}, but it is "
                         f"{describe(data)}"
                         + (f" with keys {sorted(map(str, data))}" if isinstance(data, dict)
                            else "") + ".")
    error, mutated = data["error"], data["mutated"]
    if not (error is None or isinstance(error, str)):
        raise ValueError(f"an outcome's error must be a str or None, not {describe(error)}.")
    if not isinstance(data["not_implemented"], bool) \
            or not isinstance(data["used_reference"], bool):
        raise ValueError("an outcome's not_implemented and used_reference must be booleans.")
    if not isinstance(mutated, list | tuple) or not all(
            type(i) is int and 0 <= i < 1000 for i in mutated):
        raise ValueError("an outcome's mutated must be a list of argument positions (ints).")
    return Outcome(result=_unplain(data["result"]), error=error,
                   not_implemented=data["not_implemented"], mutated=tuple(mutated),
                   used_reference=data["used_reference"])
