"""Update rules for gradient descent, behind one interface (lessons 2, 3 and 5).

Every rule has the signature

    update(w, dw, config) -> (next_w, config)

- `w`: a parameter array of any shape;
- `dw`: dL/dw, the same shape;
- `config`: a dict of hyperparameters (`learning_rate`, ...) and of the rule's state,
  such as a velocity, which it carries from one step to the next. Pass None on the first
  step to get the defaults; keep one config per parameter.

The rule returns a new array and leaves `w` as it was, so a caller can still compare
the step before and after.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop._checks import as_float, no_nan, same_shape

__all__ = ["sgd"]

Config = dict[str, Any]


def _start(w: np.ndarray, dw: np.ndarray, config: Config | None, defaults: Config) -> Config:
    as_float(w, "w")
    as_float(dw, "dw")
    same_shape(dw, "dw", w, "w")
    no_nan(dw, "dw")
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    lr = config["learning_rate"]
    if not (isinstance(lr, int | float) and lr > 0 and np.isfinite(lr)):
        raise ValueError(f"config['learning_rate'] must be a positive number, got {lr!r}.")
    return config


def sgd(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """Plain (stochastic) gradient descent: w ← w − learning_rate · dw.

    Introduced in lesson 2 (one gradient-descent step); used by the Trainer from lesson 3.

    Args:
        w: A parameter, any shape.
        dw: dL/dw, the same shape as w.
        config: "learning_rate" (default 1e-2).

    Returns:
        next_w: The updated parameter, a new array of w's shape.
        config: The same dict, with defaults filled in.

    Raises:
        TypeError: If w or dw is not a float array.
        ValueError: If the shapes differ, dw holds NaN, or the learning rate is not positive.
    """
    config = _start(w, dw, config, {"learning_rate": 1e-2})
    # Step against the gradient: it points uphill, and we want the loss to go down.
    return w - config["learning_rate"] * dw, config
