"""Element-wise activation functions as forward/backward pairs (lessons 1, 2 and 4).

Every pair follows one convention:
`*_forward(x) -> (out, cache)` and `*_backward(dout, cache) -> dx`, where `x`,
`out`, `dout` and `dx` all share one shape (any shape: a number, (N,), (N, H), ...).
The cache holds what the backward pass needs and nothing more.
"""

from __future__ import annotations

import numpy as np

from backprop._checks import as_float, same_shape

__all__ = ["tanh_backward", "tanh_forward"]


def tanh_forward(x: np.ndarray | float) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Compute tanh(x) element-wise.

    Introduced in lesson 1 (local gradients).

    Args:
        x: Input of any shape.

    Returns:
        out: tanh(x), same shape as x.
        cache: `out` itself, because the derivative 1 - tanh(x)**2 only needs the output.

    Raises:
        TypeError: If x is not a number or a float array.
    """
    out = np.tanh(as_float(x, "x"))
    return out, out


def tanh_backward(dout: np.ndarray | float, cache: np.ndarray | float) -> np.ndarray | float:
    """Backward pass of tanh: dx = dout * (1 - out**2).

    Introduced in lesson 1 (local gradients).

    Args:
        dout: Upstream gradient dL/dout, same shape as the forward output.
        cache: The forward output `out = tanh(x)`, from `tanh_forward`.

    Returns:
        dx: dL/dx, same shape as dout.

    Raises:
        TypeError: If dout or cache is not a number or a float array.
        ValueError: If dout and cache differ in shape.
    """
    out = as_float(cache, "cache")
    same_shape(as_float(dout, "dout"), "dout", out, "cache (the forward output)")
    # The local derivative of tanh, written with the output: 1 - tanh(x)^2 = 1 - out^2.
    return dout * (1.0 - out * out)
