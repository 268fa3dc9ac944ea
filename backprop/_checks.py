"""Input checks shared by the array functions of the package (every lesson).

Each check names the argument, says what was expected and what arrived, and suggests
the likely fix, so that a learner's shape or dtype slip is caught where it happens.
They are cheap (at most one sum over the data, and more work only once something is
wrong), so they can sit on hot paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real

import numpy as np

# Inside a model or trainer that has checked its inputs at the door, the NaN scans on
# every intermediate array only repeat that work; `trusted()` switches them off there.
_SCAN_FOR_NAN: ContextVar[bool] = ContextVar("scan_for_nan", default=True)


@contextmanager
def trusted() -> Iterator[None]:
    """Skip the NaN and inf scans (not the shape and dtype checks) inside this block."""
    token = _SCAN_FOR_NAN.set(False)
    try:
        yield
    finally:
        _SCAN_FOR_NAN.reset(token)


def as_float(x: object, name: str) -> np.ndarray | float:
    """Return `x` unchanged if it is a real number or a float array, else raise TypeError."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind != "f":
            raise TypeError(
                f"{name} has dtype {x.dtype}, expected a float array: integer arithmetic would "
                f"round the results. Convert it with {name}.astype(np.float64)."
            )
        return x
    if isinstance(x, Real) and not isinstance(x, bool):
        return x
    raise TypeError(
        f"{name} must be a number or a NumPy float array, got {type(x).__name__}. "
        f"Convert it with np.asarray({name}, dtype=np.float64)."
    )


def _what(x: object) -> str:
    """Describe a value that should have been one number, with the likely fix."""
    if isinstance(x, bool | np.bool_):
        return f"{x!r}, a bool: use a number (True and False are not rates or probabilities)"
    if isinstance(x, str):
        return f"the string {x!r}: use the number itself, without quotes"
    if isinstance(x, np.ndarray):
        if x.size == 1 and x.dtype.kind in "iuf":
            return f"an array of shape {x.shape}: pass the number itself, float(...) or .item()"
        return f"an array of shape {x.shape} and dtype {x.dtype}: it takes one number"
    if x is None:
        return "None"
    if isinstance(x, Real):
        nan = isinstance(x, float | np.floating) and np.isnan(x)
        return f"{x!r}" + (": a NaN usually comes from an earlier step that blew up" if nan else "")
    return f"{type(x).__name__} {x!r}"[:120]


def as_scalar(x: object) -> float | None:
    """Return x as a Python float if it is one real number, else None.

    A real number is a Python int or float, a NumPy integer or floating scalar (such as
    np.float32(0.1)) or a 0-d array of one; never a bool, a string, NaN, or an array of
    any other shape.
    """
    if isinstance(x, np.ndarray):
        if x.ndim != 0 or x.dtype.kind not in "iuf":
            return None
        x = x.item()
    if isinstance(x, bool | np.bool_) or not isinstance(x, Real):
        return None
    value = float(x)
    return None if np.isnan(value) else value


def scalar_arg(
    x: object, name: str, expected: str, ok: Callable[[float], bool], hint: str = ""
) -> float:
    """Return x as a Python float if it is one real number for which ok holds, else raise.

    Args:
        x: The value to check, e.g. config["learning_rate"].
        name: Its name, for the message.
        expected: What it must be, e.g. "a positive number"; the message says
            "{name} must be {expected}, got ...", and what arrived.
        ok: The range test, given the number as a float.
        hint: A sentence added to the message, e.g. "0.9 is usual."

    Raises:
        ValueError: If x is not one real number (a bool, a string, NaN, None, an array
            that is not 0-d) or is out of range; the message says what arrived.
    """
    value = as_scalar(x)
    if value is None or not ok(value):
        extra = f" {hint}" if hint else ""
        raise ValueError(f"{name} must be {expected}, got {_what(x)}.{extra}")
    return value


def same_shape(a: object, a_name: str, b: object, b_name: str) -> None:
    """Raise ValueError, naming both arguments and shapes, if `a` and `b` differ in shape."""
    shape_a, shape_b = np.shape(a), np.shape(b)
    if shape_a != shape_b:
        raise ValueError(
            f"{a_name} has shape {shape_a} but {b_name} has shape {shape_b}; they must match. "
            f"A gradient always has the shape of the value it belongs to: is {a_name} from a "
            "different layer, or transposed?"
        )


class NonFiniteError(ValueError):
    """An array holds NaN (or, for data, inf).

    Its own type lets a caller such as the Trainer tell a blown-up computation from other
    bad input without reading the message.
    """


def no_nan(x: np.ndarray | float, name: str) -> None:
    """Raise ValueError, saying how many entries and where the first is, if x holds NaN.

    The fast path is one sum (NaN propagates through it); only a suspicious sum pays for
    the element-wise test, so a legitimate inf doesn't count as a NaN.
    """
    if not _SCAN_FOR_NAN.get():
        return
    with np.errstate(all="ignore"):
        total = np.sum(x)
    if not np.isnan(total):
        return
    mask = np.isnan(x)
    if not mask.any():
        return
    first = tuple(int(i) for i in np.argwhere(mask)[0])
    where = f" (the first at index {first})" if first else ""
    raise NonFiniteError(
        f"{name} contains {int(mask.sum())} NaN value(s){where}. A NaN usually comes from an "
        "earlier step that blew up: check the data for missing values, and lower the learning "
        "rate if the training loss grew before it."
    )


def no_nan_or_inf(x: np.ndarray, name: str) -> None:
    """Raise ValueError, with counts and the first position, if float array x holds NaN or inf.

    For data, where an infinite value is as wrong as a missing one (unlike `no_nan`, which
    lets an activation's legitimate inf through). One sum on the fast path, as in `no_nan`.
    """
    if not _SCAN_FOR_NAN.get() or x.dtype.kind != "f":
        return
    with np.errstate(all="ignore"):
        if np.isfinite(np.sum(x)):
            return
    bad = ~np.isfinite(x)
    if not bad.any():  # the sum overflowed, the values are fine
        return
    n_nan = int(np.isnan(x).sum())
    n_inf = int(bad.sum()) - n_nan
    counts = " and ".join(
        part for part in (n_nan and f"{n_nan} NaN", n_inf and f"{n_inf} infinite") if part
    )
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    at = f"{name}[{', '.join(map(str, first))}]" if first else name
    if x.ndim == 2:
        rows, cols = np.flatnonzero(bad.any(axis=1)), np.flatnonzero(bad.any(axis=0))
        where = f", in {rows.size} row(s) and {cols.size} column(s)"
        fix = (f"Remove those rows (keep = np.isfinite({name}).all(axis=1); then use "
               f"{name}[keep] and y[keep]) or fill the gaps, e.g. with the training set's "
               "column means.")
    else:
        where, fix = "", f"Remove those values from {name}, or fill them in."
    raise NonFiniteError(
        f"{name} has {counts} value(s){where}; the first is {at} = {x[first]}. {fix}"
    )


def as_array(
    x: object,
    name: str,
    ndim: int,
    shape_hint: str,
    *,
    allow_int: bool = False,
    finite: bool = False,
) -> np.ndarray:
    """Return x if it is a float array with `ndim` dimensions and no NaN, else raise.

    Args:
        x: The argument to check; it is returned as it is (never converted or copied).
        name: Its name, for the messages.
        ndim: The number of dimensions it must have.
        shape_hint: Its expected shape, for the messages, e.g. "(N, D)".
        allow_int: Accept integer arrays too (data, which the caller converts later), not
            only float arrays.
        finite: Reject inf as well as NaN, saying how many and where (for data). Without
            it only NaN is refused, as an activation can legitimately see inf.
    """
    if not isinstance(x, np.ndarray):
        kind = "" if allow_int else "float "
        raise TypeError(
            f"{name} must be a NumPy {kind}array of shape {shape_hint}, got {type(x).__name__}. "
            f"Convert it with np.asarray({name}, dtype=np.float64)."
        )
    if not allow_int:
        as_float(x, name)
    elif x.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} has dtype {x.dtype}, expected real numbers (float64, or integers). "
            f"Convert it with {name}.astype(np.float64)."
        )
    if x.ndim != ndim:
        fix = ""
        if ndim == 2 and x.ndim == 0:
            fix = f" It is a single number: wrap it, np.array([[{name}]])."
        elif ndim == 2 and x.ndim == 1:
            fix = (f" A 2-D array has one row per sample: if {name} is one column (one "
                   f"feature), use {name}.reshape(-1, 1); if it is one sample, use "
                   f"{name}.reshape(1, -1).")
        elif ndim == 2:
            fix = (f" Flatten each sample first, e.g. images to rows: "
                   f"{name}.reshape(len({name}), -1).")
        raise ValueError(f"{name} must have shape {shape_hint}, got shape {x.shape}.{fix}")
    if finite:
        no_nan_or_inf(x, name)
    elif x.dtype.kind == "f":
        no_nan(x, name)
    return x


def as_labels(
    y: object,
    name: str,
    n: int | None = None,
    classes: int | None = None,
    *,
    of: str | None = None,
    allow_bool: bool = False,
) -> np.ndarray:
    """Return y if it is a 1-D integer array of class labels, else raise.

    Args:
        y: The labels; a NumPy array (callers that take lists pass np.asarray(y)).
        name: Its name, for the messages.
        n: The number of labels it must hold (one per sample), or None for any.
        classes: The number of classes C, so that labels must lie in 0..C-1; with None
            they need only be >= 0.
        of: The name of the argument that has the n samples, e.g. "X", for the messages.
        allow_bool: Accept a boolean array as the labels 0 and 1 (converted to int64).

    Returns:
        y itself, or for allow_bool a boolean y as int64.
    """
    if not isinstance(y, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array of integer class labels, shape (N,), got "
            f"{type(y).__name__}. Convert it with np.asarray({name}, dtype=np.int64)."
        )
    if allow_bool and y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        if y.dtype.kind == "b":
            fix = f" If True/False stand for the classes 1/0, use {name}.astype(np.int64)."
        elif y.dtype.kind == "f":
            fix = (f" If they are whole numbers (e.g. 0.0/1.0 targets), use "
                   f"{name}.astype(np.int64); if {name} holds scores or one-hot rows, use "
                   f"{name}.argmax(axis=1).")
        elif y.dtype.kind in "USO":
            fix = (f" If they are names, number them with "
                   f"np.unique({name}, return_inverse=True)[1].")
        else:
            fix = ""
        raise TypeError(
            f"{name} must hold integer class labels 0..C-1, got dtype {y.dtype}.{fix}"
        )
    if y.ndim != 1:
        raise ValueError(
            f"{name} has shape {y.shape}, expected (N,): a 1-D array, one integer label per "
            f"sample. If it is a column (N, 1), use {name}.ravel(); if it holds one-hot rows "
            f"(N, C), use {name}.argmax(axis=1)."
        )
    if n is not None and y.shape[0] != n:
        if of:
            other, part, slice_both = f"{of} has {n} rows", of, f", e.g. {of}[:k] with {name}[:k]"
        else:
            other, part, slice_both = f"there are {n} samples", "the data", ""
        raise ValueError(
            f"{name} has shape {y.shape} but {other}: expected ({n},), one label per row. Did "
            f"you pass the labels of another data set, or of a part of {part}? Slice both the "
            f"same way{slice_both}."
        )
    if not y.size:
        return y
    if y.dtype.kind == "i" and y.min() < 0:
        bad = int(y[y < 0][0])
        labels = f"0..{classes - 1} ({classes} classes)" if classes is not None else "from 0 up"
        raise ValueError(
            f"{name} holds the label {bad}, but class labels are never negative: they run "
            f"{labels}. If they are -1/+1 (two classes), map them to 0/1 with "
            f"({name} > 0).astype(np.int64)."
        )
    if classes is not None and y.max() >= classes:
        bad = int(y[y >= classes][0])
        raise ValueError(
            f"{name} holds the label {bad}, but there are {classes} classes (labels "
            f"0..{classes - 1}). Does the last layer have one output per class?"
        )
    return y
