"""Input checks shared by the array functions of the package (every lesson).

Each check names the argument, says what was expected and what arrived, and suggests
the likely fix, so that a learner's shape or dtype slip is caught where it happens.
They are cheap (no pass over the data), so they can sit on hot paths.
"""

from __future__ import annotations

from numbers import Real

import numpy as np


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
