"""Layers as forward/backward pairs, in the style of CS231n (lessons 3 and 4).

`*_forward(...) -> (out, cache)` computes the layer and keeps what its backward pass
needs; `*_backward(dout, cache)` returns the gradient of the loss with respect to every
input, in the order of the forward's arguments. Sandwich layers only chain pairs, and
their cache nests the caches of the pairs they chain.

Shapes: N samples, D input features, H outputs (H hidden units inside a residual block).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop._checks import as_array, as_float
from backprop.activations import relu_backward, relu_forward, sigmoid_backward, sigmoid_forward

__all__ = [
    "affine_backward",
    "affine_forward",
    "affine_relu_backward",
    "affine_relu_forward",
    "affine_sigmoid_backward",
    "affine_sigmoid_forward",
    "residual_backward",
    "residual_forward",
    "sum_to_shape",
]

AffineCache = tuple[np.ndarray, np.ndarray, np.ndarray]


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, AffineCache]:
    """Compute the affine (fully connected) layer out = x @ W + b.

    Introduced in lesson 3 (the MLP).

    Args:
        x: Inputs of shape (N, D), one sample per row.
        W: Weights of shape (D, H).
        b: Biases of shape (H,), added to every row.

    Returns:
        out: Shape (N, H).
        cache: `(x, W, b)`, for affine_backward.

    Raises:
        TypeError: If an argument is not a float array.
        ValueError: If the shapes don't fit together, or x holds NaN.
    """
    x = as_array(x, "x", 2, "(N, D)")
    W = as_array(W, "W", 2, "(D, H)")
    b = as_array(b, "b", 1, "(H,)")
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"x has shape {x.shape} (D = {x.shape[1]} features) but W has shape {W.shape}: "
            f"W needs D = {x.shape[1]} rows. Is W transposed, or from another layer?"
        )
    if b.shape != (W.shape[1],):
        raise ValueError(
            f"b has shape {b.shape} but W has shape {W.shape}: expected b of shape "
            f"({W.shape[1]},), one bias per output."
        )
    out = x @ W + b
    return out, (x, W, b)


def affine_backward(
    dout: np.ndarray, cache: AffineCache, *, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Backward pass of the affine layer.

    Introduced in lesson 3 (the MLP). Each gradient has the shape of its variable,
    which fixes where the transposes go.

    Args:
        dout: Upstream gradient dL/dout, shape (N, H).
        cache: `(x, W, b)` from affine_forward: x (N, D), W (D, H), b (H,).
        need_dx: False skips dx (returned as None). A network's first layer needs no
            gradient for its input, the data, which saves a third of its backward pass.

    Returns:
        dx: Shape (N, D), dout @ W.T (None if need_dx is False).
        dW: Shape (D, H), x.T @ dout: the sum over the batch of each sample's outer product.
        db: Shape (H,), dout summed over the batch, because b was added to every row.

    Raises:
        TypeError: If dout is not a float array.
        ValueError: If dout's shape doesn't match the forward output.
    """
    x, W, _b = cache
    as_float(dout, "dout")
    expected = (x.shape[0], W.shape[1])
    if np.shape(dout) != expected:
        raise ValueError(
            f"dout has shape {np.shape(dout)}, but the forward output had shape {expected} "
            "(N, H): dout must have the shape of this layer's output."
        )
    dx = dout @ W.T if need_dx else None
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


def sum_to_shape(dout: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum an upstream gradient over the axes that broadcasting stretched ("unbroadcast").

    Introduced in lesson 3 (the MLP). If `out = x + b` and NumPy broadcast `b`, of shape
    `shape`, to `out.shape`, then every entry of `b` was used in several entries of `out`,
    and its gradient is the sum of theirs: `db = sum_to_shape(dout, b.shape)`. The axes
    summed are the leading axes that `b` doesn't have, and the axes where `b` has size 1
    (kept, with size 1). `affine_backward`'s `db = dout.sum(axis=0)` is the case
    `dout` (N, H), `shape` (H,).

    Args:
        dout: The upstream gradient dL/dout, a float array of any shape.
        shape: The shape of the broadcast operand, a tuple of non-negative ints that
            broadcasts to `dout.shape` (for example (H,), (1, H) or () for a scalar).

    Returns:
        The gradient with respect to the operand, a float array of shape `shape`.

    Raises:
        TypeError: If dout is not a float array, or shape is not a tuple of ints.
        ValueError: If an array of shape `shape` doesn't broadcast to `dout.shape`.
    """
    if not isinstance(dout, np.ndarray):
        as_float(dout, "dout")  # a number or the wrong type: say which
        dout = np.asarray(dout, dtype=np.float64)
    as_float(dout, "dout")
    if not (isinstance(shape, tuple) and all(
            isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 0
            for s in shape)):
        raise TypeError(
            f"shape must be a tuple of non-negative ints, such as (3,) or (1, 4), got "
            f"{shape!r}. Pass the operand's own shape, e.g. b.shape."
        )
    shape = tuple(int(s) for s in shape)
    lead = dout.ndim - len(shape)
    if lead < 0 or any(s not in (1, d) for s, d in zip(shape, dout.shape[lead:], strict=True)):
        raise ValueError(
            f"shape {shape} does not broadcast to dout's shape {dout.shape}: NumPy lines "
            "shapes up from the right, and each axis of shape must be 1 or equal to dout's. "
            "Is shape the operand's shape, and dout the gradient of the broadcast result?"
        )
    summed = dout.sum(axis=tuple(range(lead))) if lead else dout
    ones = tuple(i for i, s in enumerate(shape) if s == 1 and summed.shape[i] != 1)
    if ones:
        summed = summed.sum(axis=ones, keepdims=True)
    return np.asarray(summed, dtype=np.float64).reshape(shape)


def affine_relu_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple[AffineCache, np.ndarray]]:
    """Affine layer followed by ReLU: out = relu(x @ W + b).

    Introduced in lesson 3. Shapes as in affine_forward; out is (N, H).

    Returns:
        out: Shape (N, H).
        cache: `(affine_cache, relu_cache)`.
    """
    a, fc_cache = affine_forward(x, W, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(
    dout: np.ndarray, cache: tuple[AffineCache, Any]
) -> tuple[np.ndarray, ...]:
    """Backward pass of affine_relu: the ReLU's backward, then the affine layer's.

    Introduced in lesson 3.

    Returns:
        dx: Shape (N, D).
        dW: Shape (D, H).
        db: Shape (H,).
    """
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)


def affine_sigmoid_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple[AffineCache, np.ndarray]]:
    """Affine layer followed by the sigmoid: out = sigmoid(x @ W + b).

    Introduced in lesson 3. Shapes as in affine_forward; out is (N, H).

    Returns:
        out: Shape (N, H).
        cache: `(affine_cache, sigmoid_cache)`.
    """
    a, fc_cache = affine_forward(x, W, b)
    out, sig_cache = sigmoid_forward(a)
    return out, (fc_cache, sig_cache)


def affine_sigmoid_backward(
    dout: np.ndarray, cache: tuple[AffineCache, Any]
) -> tuple[np.ndarray, ...]:
    """Backward pass of affine_sigmoid: the sigmoid's backward, then the affine layer's.

    Introduced in lesson 3.

    Returns:
        dx: Shape (N, D).
        dW: Shape (D, H).
        db: Shape (H,).
    """
    fc_cache, sig_cache = cache
    return affine_backward(sigmoid_backward(dout, sig_cache), fc_cache)


ResidualCache = tuple[AffineCache, np.ndarray, AffineCache]


def residual_forward(
    x: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> tuple[np.ndarray, ResidualCache]:
    """A residual block: out = x + F(x), with F(x) = relu(x @ W1 + b1) @ W2 + b2.

    Introduced in lesson 4 (ReLU vs sigmoid), from lesson 3's pieces: affine, ReLU,
    affine, and the skip connection that adds the block's input to F's output. F must
    give back its input's width, so W2 maps the H hidden units back to D.

    Args:
        x: Inputs of shape (N, D).
        W1: Shape (D, H).
        b1: Shape (H,).
        W2: Shape (H, D).
        b2: Shape (D,).

    Returns:
        out: Shape (N, D).
        cache: `(fc1_cache, relu_cache, fc2_cache)`: `(x, W1, b1)`, the ReLU's input
            `a = x @ W1 + b1` of shape (N, H), and `(h, W2, b2)` with `h = relu(a)`.

    Raises:
        TypeError: If an argument is not a float array.
        ValueError: If the shapes don't fit together, or F's output is not x's shape.
    """
    x = as_array(x, "x", 2, "(N, D)")
    W2 = as_array(W2, "W2", 2, "(H, D)")
    if W2.shape[1] != x.shape[1]:
        raise ValueError(
            f"W2 has shape {W2.shape} but x has shape {x.shape}: the skip connection adds x "
            f"to F(x), so W2 must map back to x's D = {x.shape[1]} features, shape "
            f"(H, {x.shape[1]})."
        )
    a, fc1_cache = affine_forward(x, W1, b1)
    h, relu_cache = relu_forward(a)
    f, fc2_cache = affine_forward(h, W2, b2)
    return x + f, (fc1_cache, relu_cache, fc2_cache)


def residual_backward(dout: np.ndarray, cache: ResidualCache) -> tuple[np.ndarray, ...]:
    """Backward pass of the residual block out = x + F(x).

    Introduced in lesson 4. The addition copies dout to both of its inputs (lesson 1's
    add gate): down the skip path to x unchanged, and into F, whose backward pass is
    lesson 3's affine, ReLU, affine in reverse. x receives both, so they add up.

    Args:
        dout: Upstream gradient dL/dout, shape (N, D).
        cache: `(fc1_cache, relu_cache, fc2_cache)` from residual_forward.

    Returns:
        dx: Shape (N, D): dout (the skip path) plus the gradient through F.
        dW1: Shape (D, H).
        db1: Shape (H,).
        dW2: Shape (H, D).
        db2: Shape (D,).

    Raises:
        TypeError: If dout is not a float array.
        ValueError: If dout's shape is not the block's output shape.
    """
    fc1_cache, relu_cache, fc2_cache = cache
    dh, dW2, db2 = affine_backward(dout, fc2_cache)
    dx_f, dW1, db1 = affine_backward(relu_backward(dh, relu_cache), fc1_cache)
    return dx_f + dout, dW1, db1, dW2, db2
