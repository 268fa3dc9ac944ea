"""Loss functions that return the loss and its gradient together (lessons 2 and 3).

Each returns `(loss, dpred)`: the mean loss (a float) and dL/dpred, the gradient with
respect to its first argument. That gradient is where every backward pass starts.
"""

from __future__ import annotations

import numpy as np

from backprop._checks import as_array, as_float, as_labels, no_nan

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse_loss",
    "softmax",
    "softmax_cross_entropy",
]


def _pair(pred: object, y: object, pred_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a prediction and its targets: float arrays of one shape, no NaN."""
    if not isinstance(pred, np.ndarray):
        raise TypeError(
            f"{pred_name} must be a NumPy float array, got {type(pred).__name__}. "
            f"Convert it with np.asarray({pred_name}, dtype=np.float64)."
        )
    as_float(pred, pred_name)
    y = np.asarray(y)
    if y.dtype.kind not in "fiub":
        raise TypeError(f"y must hold numbers, got dtype {y.dtype}.")
    if pred.shape != y.shape:
        fix = ""
        if pred.size == y.size:
            fix = (f" They hold the same number of values: reshape one, e.g. "
                   f"y.reshape({pred_name}.shape), so that (N, 1) minus (N,) doesn't "
                   "broadcast to (N, N).")
        raise ValueError(
            f"{pred_name} has shape {pred.shape} but y has shape {y.shape}; they must "
            f"match.{fix}"
        )
    if pred.size == 0:
        raise ValueError(f"{pred_name} is empty: a loss needs at least one prediction.")
    no_nan(pred, pred_name)
    y = y.astype(np.float64)
    no_nan(y, "y")
    return pred, y


def mse_loss(pred: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over all elements: L = mean((pred - y)**2).

    Introduced in lesson 2 (the single neuron).

    Args:
        pred: Predictions, any shape, e.g. (N,) or (N, K).
        y: Targets, the same shape as pred.

    Returns:
        loss: The mean of the squared errors, a float.
        dpred: dL/dpred = 2 * (pred - y) / pred.size, the same shape as pred.

    Raises:
        TypeError: If pred is not a float array.
        ValueError: If the shapes differ, or either holds NaN.
    """
    pred, y = _pair(pred, y, "pred")
    diff = pred - y
    loss = float(np.mean(diff * diff))
    # The mean divides by every element, so each one's share of the gradient does too.
    dpred = 2.0 * diff / diff.size
    return loss, dpred


def binary_cross_entropy(
    p: np.ndarray, y: np.ndarray, eps: float = 1e-12
) -> tuple[float, np.ndarray]:
    """Binary cross-entropy of probabilities: L = -mean(y log p + (1 - y) log(1 - p)).

    Introduced in lesson 2 (the single neuron), after the MSE. When p comes from a
    sigmoid, prefer `binary_cross_entropy_with_logits`, which is exact where p rounds
    to 0 or 1.

    Args:
        p: Predicted probabilities of class 1, any shape, e.g. (N,).
        y: Targets in [0, 1] (usually 0 or 1), the same shape as p.
        eps: p is clipped to [eps, 1 - eps], so that log(0) never happens.

    Returns:
        loss: The mean over all elements, a float.
        dp: dL/dp = (p - y) / (p * (1 - p)) / p.size, the same shape as p.

    Raises:
        TypeError: If p is not a float array.
        ValueError: If the shapes differ, p is outside [0, 1], or y outside [0, 1].
    """
    p, y = _pair(p, y, "p")
    if p.min() < 0 or p.max() > 1:
        raise ValueError(
            f"p must hold probabilities in [0, 1], but it ranges over [{p.min():.3g}, "
            f"{p.max():.3g}]. Pass sigmoid(z), or use binary_cross_entropy_with_logits(z, y)."
        )
    if y.min() < 0 or y.max() > 1:
        raise ValueError(f"y must hold targets in [0, 1], got values in [{y.min()}, {y.max()}].")
    pc = np.clip(p, eps, 1 - eps)
    loss = float(-np.mean(y * np.log(pc) + (1 - y) * np.log1p(-pc)))
    dp = (pc - y) / (pc * (1 - pc)) / p.size
    return loss, dp


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy of sigmoid(z), computed from the logits z without overflow.

    Introduced in lesson 2. Combining the sigmoid and the loss makes the gradient
    collapse to dL/dz = (sigmoid(z) - y) / N: the error, nothing else.

    Args:
        z: Logits (pre-sigmoid scores), any shape, e.g. (N,) or (N, 1).
        y: Targets in [0, 1], the same shape as z.

    Returns:
        loss: mean(log(1 + exp(z)) - y z), computed stably, a float.
        dz: dL/dz, the same shape as z.

    Raises:
        TypeError: If z is not a float array.
        ValueError: If the shapes differ, or y is outside [0, 1].
    """
    z, y = _pair(z, y, "z")
    if y.min() < 0 or y.max() > 1:
        raise ValueError(f"y must hold targets in [0, 1], got values in [{y.min()}, {y.max()}].")
    # log(1 + exp(z)) = max(z, 0) + log(1 + exp(-|z|)): no exponent is ever positive.
    loss = float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return loss, (p - y) / z.size


def softmax(scores: np.ndarray) -> np.ndarray:
    """Turn each row of scores into probabilities, stably.

    Introduced in lesson 3 (the MLP). Subtracting each row's maximum changes nothing
    mathematically but keeps exp() from overflowing.

    Args:
        scores: Class scores of shape (N, C).

    Returns:
        probs: Shape (N, C); each row is positive and sums to 1.

    Raises:
        TypeError: If scores is not a float array.
        ValueError: If scores is not 2-D, or holds NaN.
    """
    scores = as_array(scores, "scores", 2, "(N, C)")
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax followed by the cross-entropy, averaged over the batch.

    Introduced in lesson 3 (the MLP). L = -mean_i log softmax(scores_i)[y_i], with the
    log-softmax computed through log-sum-exp so that scores of 1e4 stay finite.

    Args:
        scores: Class scores (logits) of shape (N, C).
        y: Integer labels of shape (N,), each in 0..C-1.

    Returns:
        loss: The mean cross-entropy, a float.
        dscores: dL/dscores = (softmax(scores) - onehot(y)) / N, shape (N, C).

    Raises:
        TypeError: If scores is not a float array, or y does not hold integers.
        ValueError: If the shapes don't fit, a label is out of range, or scores holds NaN.
    """
    scores = as_array(scores, "scores", 2, "(N, C)")
    n, c = scores.shape
    if n == 0:
        raise ValueError("scores is empty: a loss needs at least one sample.")
    y = as_labels(y, "y", n, c, of="scores")
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_norm
    rows = np.arange(n)
    loss = float(-log_probs[rows, y].mean())
    dscores = np.exp(log_probs)
    # d/dscores of -log softmax_y is softmax - onehot(y); the batch mean divides it by N.
    dscores[rows, y] -= 1.0
    dscores /= n
    return loss, dscores
