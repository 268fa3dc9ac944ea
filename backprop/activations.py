"""Element-wise activation functions as forward/backward pairs (lessons 1, 2, 3 and 4).

Every pair follows one convention:
`*_forward(x) -> (out, cache)` and `*_backward(dout, cache) -> dx`, where `x`,
`out`, `dout` and `dx` all share one shape (any shape: a number, (N,), (N, H), ...).
The cache holds what the backward pass needs and nothing more.
"""

from __future__ import annotations

import numpy as np

from backprop._checks import as_float, no_nan, same_shape

__all__ = [
    "leaky_relu_backward",
    "leaky_relu_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "tanh_backward",
    "tanh_forward",
]

Array = np.ndarray | float


def _input(x: object) -> Array:
    x = as_float(x, "x")
    no_nan(x, "x")
    return x


def sigmoid_forward(x: Array) -> tuple[Array, Array]:
    """Compute the logistic sigmoid 1 / (1 + exp(-x)) element-wise, without overflow.

    Introduced in lesson 2 (the single neuron).

    exp(-x) overflows for x below about -709, so each side uses the form whose exponent
    is never positive: 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with e = exp(-|x|).

    Args:
        x: Input of any shape.

    Returns:
        out: sigmoid(x), same shape as x, in [0, 1].
        cache: `out` itself: the derivative sigmoid(x) * (1 - sigmoid(x)) needs only it.

    Raises:
        TypeError: If x is not a number or a float array.
        ValueError: If x contains NaN.
    """
    x = _input(x)
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if np.ndim(out) == 0:
        out = float(out)
    return out, out


def sigmoid_backward(dout: Array, cache: Array) -> Array:
    """Backward pass of the sigmoid: dx = dout * out * (1 - out).

    Introduced in lesson 2 (the single neuron).

    Args:
        dout: Upstream gradient dL/dout, same shape as the forward output.
        cache: The forward output `out = sigmoid(x)`, from `sigmoid_forward`.

    Returns:
        dx: dL/dx, same shape as dout.

    Raises:
        TypeError: If dout or cache is not a number or a float array.
        ValueError: If dout and cache differ in shape.
    """
    out = as_float(cache, "cache")
    same_shape(as_float(dout, "dout"), "dout", out, "cache (the forward output)")
    # Local derivative written with the output; at most 1/4 (at x = 0), which is why deep
    # sigmoid stacks shrink gradients (lesson 4).
    return dout * out * (1.0 - out)


def relu_forward(x: Array) -> tuple[Array, Array]:
    """Compute max(0, x) element-wise.

    Introduced in lesson 3 (the MLP); compared with the sigmoid in lesson 4.

    Args:
        x: Input of any shape.

    Returns:
        out: max(0, x), same shape as x.
        cache: `x`, because the gradient depends on the sign of the input.

    Raises:
        TypeError: If x is not a number or a float array.
        ValueError: If x contains NaN.
    """
    x = _input(x)
    out = np.maximum(x, 0.0)
    return (float(out) if np.ndim(out) == 0 else out), x


def relu_backward(dout: Array, cache: Array) -> Array:
    """Backward pass of ReLU: dx = dout where x > 0, else 0.

    Introduced in lesson 3. At the kink x = 0 this uses the subgradient 0, as PyTorch does.

    Args:
        dout: Upstream gradient, same shape as x.
        cache: The forward input `x`, from `relu_forward`.

    Returns:
        dx: dL/dx, same shape as dout.

    Raises:
        TypeError: If dout or cache is not a number or a float array.
        ValueError: If dout and cache differ in shape.
    """
    x = as_float(cache, "cache")
    same_shape(as_float(dout, "dout"), "dout", x, "cache (the forward input)")
    # The gate is open (slope 1) where the input was positive, shut (slope 0) elsewhere.
    return dout * (x > 0)


def leaky_relu_forward(x: Array, alpha: float = 0.01) -> tuple[Array, tuple[Array, float]]:
    """Compute x where x > 0, else alpha * x, element-wise.

    Introduced in lesson 4 (ReLU vs sigmoid): the small slope keeps a unit that went
    negative from dying, since its gradient is alpha instead of 0.

    Args:
        x: Input of any shape.
        alpha: The slope for negative inputs, usually 0.01 to 0.3.

    Returns:
        out: leaky_relu(x), same shape as x.
        cache: `(x, alpha)`.

    Raises:
        TypeError: If x is not a number or a float array.
        ValueError: If x contains NaN, or alpha is negative.
    """
    x = _input(x)
    if not 0 <= alpha < 1:
        raise ValueError(f"alpha must be in [0, 1), got {alpha}; the usual values are 0.01-0.3.")
    out = np.where(x > 0, x, alpha * x)
    return (float(out) if np.ndim(out) == 0 else out), (x, alpha)


def leaky_relu_backward(dout: Array, cache: tuple[Array, float]) -> Array:
    """Backward pass of leaky ReLU: dx = dout where x > 0, else alpha * dout.

    Introduced in lesson 4.

    Args:
        dout: Upstream gradient, same shape as x.
        cache: `(x, alpha)` from `leaky_relu_forward`.

    Returns:
        dx: dL/dx, same shape as dout.

    Raises:
        TypeError: If dout or x is not a number or a float array.
        ValueError: If dout and x differ in shape.
    """
    x, alpha = cache
    as_float(x, "cache[0] (the forward input)")
    same_shape(as_float(dout, "dout"), "dout", x, "cache[0] (the forward input)")
    return dout * np.where(x > 0, 1.0, alpha)


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
        ValueError: If x contains NaN.
    """
    out = np.tanh(_input(x))
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
