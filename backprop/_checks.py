"""Input checks shared by the array functions of the package (every lesson).

Each check names the argument, says what was expected and what arrived, and suggests
the likely fix, so that a learner's shape or dtype slip is caught where it happens.
They are cheap (no pass over the data), so they can sit on hot paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real

import numpy as np

# Inside a model or trainer that has checked its inputs at the door, the NaN scans on
# every intermediate array only repeat that work; `trusted()` switches them off there.
_SCAN_FOR_NAN: ContextVar[bool] = ContextVar("scan_for_nan", default=True)


@contextmanager
def trusted() -> Iterator[None]:
    """Skip the NaN scans (not the shape and dtype checks) inside this block."""
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


def same_shape(a: object, a_name: str, b: object, b_name: str) -> None:
    """Raise ValueError, naming both arguments and shapes, if `a` and `b` differ in shape."""
    shape_a, shape_b = np.shape(a), np.shape(b)
    if shape_a != shape_b:
        raise ValueError(
            f"{a_name} has shape {shape_a} but {b_name} has shape {shape_b}; they must match. "
            f"A gradient always has the shape of the value it belongs to: is {a_name} from a "
            "different layer, or transposed?"
        )


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
    raise ValueError(
        f"{name} contains {int(mask.sum())} NaN value(s){where}. A NaN usually comes from an "
        "earlier step that blew up: check the data for missing values, and lower the learning "
        "rate if the training loss grew before it."
    )


def as_array(x: object, name: str, ndim: int, shape_hint: str) -> np.ndarray:
    """Return x if it is a float array with `ndim` dimensions and no NaN, else raise."""
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy float array of shape {shape_hint}, got {type(x).__name__}. "
            f"Convert it with np.asarray({name}, dtype=np.float64)."
        )
    as_float(x, name)
    if x.ndim != ndim:
        fix = f" Flatten each sample first: {name}.reshape(len({name}), -1)." if ndim == 2 else ""
        raise ValueError(f"{name} must have shape {shape_hint}, got shape {x.shape}.{fix}")
    no_nan(x, name)
    return x


def as_labels(y: object, name: str, n: int, classes: int | None = None) -> np.ndarray:
    """Return y if it is a 1-D integer array of length n with labels in [0, classes)."""
    if not isinstance(y, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array of integer class labels, got {type(y).__name__}. "
            f"Convert it with np.asarray({name}, dtype=np.int64)."
        )
    if y.dtype.kind not in "iu":
        fix = (f" If they are whole numbers stored as floats, use {name}.astype(np.int64)."
               if y.dtype.kind == "f" else "")
        raise TypeError(f"{name} must hold integer class labels 0..C-1, got dtype {y.dtype}.{fix}")
    if y.shape != (n,):
        raise ValueError(
            f"{name} has shape {y.shape}, but there are {n} samples: expected shape ({n},), one "
            "label per row. Did you pass one-hot labels? Use labels.argmax(axis=1)."
        )
    if classes is not None and n and (y.min() < 0 or y.max() >= classes):
        bad = y[(y < 0) | (y >= classes)][0]
        raise ValueError(
            f"{name} holds the label {int(bad)}, but there are {classes} classes (labels "
            f"0..{classes - 1}). Does the last layer have one output per class?"
        )
    return y
