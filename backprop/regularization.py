"""Regularisation: the L2 penalty (weight decay) and inverted dropout (lesson 6).

Both fight overfitting, a network that fits its training set better than new data:
- L2 adds 0.5 * reg * sum(W ** 2) to the loss, whose gradient reg * W pulls every weight
  toward zero at each step ("weight decay"). Biases and batch norm's gamma and beta are
  left alone: they don't make the function more wiggly.
- Dropout zeroes each hidden unit with probability p during training, so no unit can rely
  on a particular other one. "Inverted" dropout divides the survivors by 1 - p in training,
  so the expected activation is unchanged and test mode is simply the identity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop._checks import as_array, as_float, scalar_arg

__all__ = ["dropout_backward", "dropout_forward", "l2_penalty"]

DropoutCache = tuple[dict[str, Any], np.ndarray | None]


def l2_penalty(W: np.ndarray, reg: float) -> tuple[float, np.ndarray]:
    """The L2 penalty on one weight matrix and its gradient.

    Introduced in lesson 6. The 0.5 makes the gradient reg * W, without a 2.

    Args:
        W: Weights of any shape, e.g. (D, H).
        reg: The strength lambda, >= 0.

    Returns:
        penalty: 0.5 * reg * sum(W ** 2), a float to add to the loss.
        dW: reg * W, shape of W, to add to the loss's dW.

    Raises:
        TypeError, ValueError: If W is not a float array or reg is negative or not finite.
    """
    if not isinstance(W, np.ndarray):
        raise TypeError(f"W must be a NumPy float array, got {type(W).__name__}.")
    as_array(W, "W", W.ndim, "of any shape")
    as_float(reg, "reg")
    if not (np.isfinite(reg) and reg >= 0):
        raise ValueError(f"reg must be a finite number >= 0, got {reg!r}; try 1e-3 to 1e-1.")
    return 0.5 * float(reg) * float(np.sum(W * W)), reg * W


def _rng(dropout_param: dict[str, Any]) -> np.random.Generator:
    if "rng" in dropout_param:
        rng = dropout_param["rng"]
        if not isinstance(rng, np.random.Generator):
            raise TypeError("dropout_param['rng'] must be a np.random.Generator, e.g. "
                            f"np.random.default_rng(0), got {type(rng).__name__}.")
        return rng
    if "seed" in dropout_param:
        return np.random.default_rng(dropout_param["seed"])
    raise ValueError(
        "dropout in train mode needs dropout_param['seed'] (an int) or dropout_param['rng'] "
        "(a np.random.Generator), so that the masks, and so the run, are repeatable.")


def dropout_forward(
    x: np.ndarray, dropout_param: dict[str, Any]
) -> tuple[np.ndarray, DropoutCache]:
    """Inverted dropout: zero each unit with probability p, scale the rest by 1 / (1 - p).

    Introduced in lesson 6. The mask is drawn as
    `(rng.random(x.shape) >= p) / (1 - p)`, with `rng = np.random.default_rng(seed)` when
    a seed is given (the same mask at every call: what a gradient check needs), or the
    given generator (a new mask at every call: what training needs).

    Args:
        x: Activations of any shape, e.g. (N, H).
        dropout_param: A dict with
            - "p": The probability of dropping a unit, in [0, 1): a Python or NumPy
              real scalar, or a 0-d array (never a bool).
            - "mode": "train" (drop) or "test" (the identity).
            - "seed" (int) or "rng" (np.random.Generator): needed in train mode.

    Returns:
        out: Shape of x.
        cache: `(dropout_param, mask)`; mask has x's shape and holds 0 or 1 / (1 - p)
            (None in test mode).

    Raises:
        TypeError, ValueError: On a bad x, a p outside [0, 1), a mode other than "train"
            or "test", or no seed or generator in train mode.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a NumPy float array, got {type(x).__name__}.")
    x = as_array(x, "x", x.ndim, "of any shape")
    if not isinstance(dropout_param, dict):
        raise TypeError("dropout_param must be a dict such as {'p': 0.5, 'mode': 'train', "
                        f"'seed': 0}}, got {type(dropout_param).__name__}.")
    p = scalar_arg(dropout_param.get("p"), "dropout_param['p']",
                   "the probability of dropping a unit, in [0, 1)", lambda v: 0 <= v < 1,
                   "p = 1 would drop everything; 0.1 to 0.5 are usual.")
    mode = dropout_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', got {mode!r}.")
    if mode == "test":
        return x, (dropout_param, None)  # inverted dropout already kept the scale right
    mask = (_rng(dropout_param).random(x.shape) >= p) / (1.0 - p)
    return x * mask, (dropout_param, mask)


def dropout_backward(dout: np.ndarray, cache: DropoutCache) -> np.ndarray:
    """Backward pass of inverted dropout: the same mask, applied to the gradient.

    Introduced in lesson 6. out = x * mask, so dx = dout * mask: a dropped unit passes no
    gradient back, and a kept one passes it scaled by 1 / (1 - p).

    Args:
        dout: Upstream gradient, shape of the forward's x.
        cache: From dropout_forward.

    Returns:
        dx: Shape of dout.
    """
    as_float(dout, "dout")
    _param, mask = cache
    if mask is None:
        return dout
    if np.shape(dout) != mask.shape:
        raise ValueError(f"dout has shape {np.shape(dout)}, but the forward output had shape "
                         f"{mask.shape}: dout must have the shape of this layer's output.")
    return dout * mask
