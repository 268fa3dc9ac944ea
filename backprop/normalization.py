"""Batch normalisation and layer normalisation as forward/backward pairs (lesson 6).

Both normalise an affine layer's output to zero mean and unit variance, then scale and
shift it with learned `gamma` and `beta`:

    x_hat = (x - mu) / sqrt(var + eps),    out = gamma * x_hat + beta.

They differ in what the statistics average over:
- batch norm: over the N samples of the batch, per feature; mu, var have shape (D,).
  At test time there may be no batch (one sample), so training keeps running averages
  of the batch statistics and test mode uses those instead.
- layer norm: over the D features of each sample; mu, var have shape (N, 1). Every
  sample is normalised on its own, so train and test mode are the same.

The variance is the biased one (divided by N, not N - 1): it is the variance of the
numbers being normalised, which is what makes x_hat have unit variance.

Shapes: N samples, D features. Caches are plain tuples `(x, x_hat, mu, var, eps, gamma)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop._checks import as_array, as_float, scalar_arg

__all__ = [
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "batchnorm_forward",
    "layernorm_backward",
    "layernorm_forward",
]

NormCache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]


def _check_inputs(x: object, gamma: object, beta: object) -> np.ndarray:
    x = as_array(x, "x", 2, "(N, D)")
    gamma = as_array(gamma, "gamma", 1, "(D,)")
    beta = as_array(beta, "beta", 1, "(D,)")
    d = x.shape[1]
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p.shape != (d,):
            raise ValueError(
                f"{name} has shape {p.shape} but x has D = {d} features: expected ({d},), one "
                f"{name} per feature. Is it from another layer?"
            )
    return x


def _eps(param: dict[str, Any], name: str) -> float:
    return scalar_arg(param.get("eps", 1e-5), f"{name}['eps']",
                      "a small positive number such as 1e-5", lambda v: 0 < v < np.inf,
                      "It keeps the square root away from zero.")


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> tuple[np.ndarray, NormCache | None]:
    """Batch normalisation: normalise each feature over the batch, then scale and shift.

    Introduced in lesson 6.

    Args:
        x: Inputs of shape (N, D).
        gamma: Scale of shape (D,).
        beta: Shift of shape (D,).
        bn_param: A dict kept from call to call, one per layer:
            - "mode": "train" (batch statistics) or "test" (the running averages); required.
            - "eps": Added to the variance under the square root (default 1e-5).
            - "momentum": How much of the running averages a train step keeps
              (default 0.9): running = momentum * running + (1 - momentum) * batch.
              "eps" and "momentum" may be Python or NumPy real scalars, or 0-d arrays.
            - "running_mean", "running_var": Shape (D,); created as zeros and ones on
              the first call. Train mode stores the new averages in this dict.

    Returns:
        out: Shape (N, D).
        cache: In train mode `(x, x_hat, mu, var, eps, gamma)`, mu and var the batch mean
            and biased variance of shape (D,); None in test mode, whose statistics don't
            depend on x (a test-mode batch has nothing to backpropagate into them).

    Raises:
        TypeError, ValueError: On a bad shape, dtype or NaN; a mode other than "train"
            or "test"; or a batch of one sample in train mode.
    """
    x = _check_inputs(x, gamma, beta)
    if not isinstance(bn_param, dict):
        raise TypeError(f"bn_param must be a dict such as {{'mode': 'train'}}, got "
                        f"{type(bn_param).__name__}.")
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(
            f"bn_param['mode'] must be 'train' or 'test', got {mode!r}. Use 'train' while "
            "training (batch statistics) and 'test' to predict (running averages).")
    eps = _eps(bn_param, "bn_param")
    momentum = scalar_arg(bn_param.get("momentum", 0.9), "bn_param['momentum']", "in [0, 1)",
                          lambda v: 0 <= v < 1,
                          "0.9 keeps 90 % of the running averages at each step.")
    n, d = x.shape
    running_mean = bn_param.setdefault("running_mean", np.zeros(d))
    running_var = bn_param.setdefault("running_var", np.ones(d))
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        if np.shape(r) != (d,):
            raise ValueError(
                f"bn_param[{name!r}] has shape {np.shape(r)} but x has D = {d} features. "
                "Keep one bn_param per layer.")

    if mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * x_hat + beta, None

    if n < 2:
        raise ValueError(
            f"batch norm in train mode needs at least 2 samples, got N = {n}: the variance of "
            "one sample is 0, so every output would be beta. Use a larger batch, mode 'test' "
            "to predict one sample, or layer norm, which normalises each sample on its own.")
    mu = x.mean(axis=0)
    var = x.var(axis=0)  # biased (divides by N): the variance of exactly these numbers
    x_hat = (x - mu) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    # In place, so the caller's dict (the layer's state) sees the new averages.
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    return out, (x, x_hat, mu, var, eps, gamma)


def _check_backward(dout: object, cache: object, name: str) -> NormCache:
    if cache is None:
        raise ValueError(
            f"{name} got no cache: the forward pass ran in test mode, which has no backward "
            "pass. Run the forward pass with bn_param['mode'] = 'train' while training.")
    if not (isinstance(cache, tuple) and len(cache) == 6):
        raise TypeError(f"cache must be the 6-tuple (x, x_hat, mu, var, eps, gamma) the "
                        f"forward pass returned, got {type(cache).__name__}.")
    as_float(dout, "dout")
    x_hat = cache[1]
    if np.shape(dout) != x_hat.shape:
        raise ValueError(
            f"dout has shape {np.shape(dout)}, but the forward output had shape {x_hat.shape} "
            "(N, D): dout must have the shape of this layer's output.")
    return cache


def batchnorm_backward(
    dout: np.ndarray, cache: NormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch norm's backward pass, node by node through its computational graph.

    Introduced in lesson 6. The forward pass as a graph, each step's local derivative
    beside it (sums over the batch appear where a (D,) value was broadcast to N rows):

        mu    = mean(x)              dmu  -> dx += dmu / N
        xc    = x - mu               dxc  -> dx += dxc,  dmu = -sum(dxc)
        var   = mean(xc ** 2)        dvar -> dxc += 2 xc dvar / N
        std   = sqrt(var + eps)      dstd -> dvar = dstd / (2 std)
        istd  = 1 / std              distd -> dstd = -distd / std**2
        x_hat = xc * istd            dx_hat -> dxc = dx_hat istd, distd = sum(dx_hat xc)
        out   = gamma x_hat + beta   dgamma = sum(dout x_hat), dbeta = sum(dout)

    Args:
        dout: Upstream gradient of shape (N, D).
        cache: From batchnorm_forward in train mode.

    Returns:
        dx: Shape (N, D).
        dgamma: Shape (D,).
        dbeta: Shape (D,).

    Raises:
        TypeError, ValueError: On a bad dout or cache (a test-mode cache is None).
    """
    x, x_hat, mu, var, eps, gamma = _check_backward(dout, cache, "batchnorm_backward")
    n = x.shape[0]
    xc = x - mu
    std = np.sqrt(var + eps)
    istd = 1.0 / std
    # out = gamma * x_hat + beta: beta and gamma were broadcast over the N rows.
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # x_hat = xc * istd: xc reaches the output directly and through istd.
    dxc = dx_hat * istd
    distd = (dx_hat * xc).sum(axis=0)
    dstd = -distd / std**2  # d(1/s)/ds = -1/s^2
    dvar = dstd / (2.0 * std)  # d sqrt(v + eps)/dv = 1 / (2 sqrt(v + eps))
    dxc += 2.0 * xc * dvar / n  # var = mean(xc^2)
    # xc = x - mu: x reaches xc directly and through mu = mean(x).
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / n
    return dx, dgamma, dbeta


def batchnorm_backward_alt(
    dout: np.ndarray, cache: NormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch norm's backward pass in one simplified line for dx (same result, faster).

    Introduced in lesson 6, where the formula is derived from the node-by-node version:

        dx = gamma / (N sqrt(var + eps)) * (N dout - sum(dout) - x_hat * sum(dout x_hat)),

    the sums over the batch. The two subtractions remove what the mean and the variance
    of the batch absorbed: the part of dout shared by all samples, and the part along x_hat.

    Args:
        dout: Upstream gradient of shape (N, D).
        cache: From batchnorm_forward in train mode.

    Returns:
        dx: Shape (N, D).
        dgamma: Shape (D,).
        dbeta: Shape (D,).
    """
    x, x_hat, _mu, var, eps, gamma = _check_backward(dout, cache, "batchnorm_backward_alt")
    n = x.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = (gamma / (n * np.sqrt(var + eps))) * (n * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict[str, Any] | None = None
) -> tuple[np.ndarray, NormCache]:
    """Layer normalisation: normalise each sample over its features, then scale and shift.

    Introduced in lesson 6. The same in train and test mode, and it works for a batch of
    one sample, because no statistic is shared between samples.

    Args:
        x: Inputs of shape (N, D), D >= 2.
        gamma: Scale of shape (D,).
        beta: Shift of shape (D,).
        ln_param: Optional dict; "eps" (default 1e-5). A "mode" key is ignored.

    Returns:
        out: Shape (N, D).
        cache: `(x, x_hat, mu, var, eps, gamma)`, mu and var of shape (N, 1).

    Raises:
        TypeError, ValueError: On a bad shape, dtype or NaN, or D = 1.
    """
    x = _check_inputs(x, gamma, beta)
    ln_param = {} if ln_param is None else ln_param
    if not isinstance(ln_param, dict):
        raise TypeError(f"ln_param must be a dict or None, got {type(ln_param).__name__}.")
    eps = _eps(ln_param, "ln_param")
    if x.shape[1] < 2:
        raise ValueError(
            f"layer norm needs at least 2 features per sample, got D = {x.shape[1]}: one "
            "number normalised on its own is always 0.")
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x, x_hat, mu, var, eps, gamma)


def layernorm_backward(
    dout: np.ndarray, cache: NormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Layer norm's backward pass: batch norm's formula with the roles of N and D swapped.

    Introduced in lesson 6. The statistics are per row, so the sums in dx run over the D
    features of each sample; gamma and beta are still shared by all rows, so their
    gradients still sum over the batch.

    Args:
        dout: Upstream gradient of shape (N, D).
        cache: From layernorm_forward.

    Returns:
        dx: Shape (N, D).
        dgamma: Shape (D,).
        dbeta: Shape (D,).
    """
    x, x_hat, _mu, var, eps, gamma = _check_backward(dout, cache, "layernorm_backward")
    d = x.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat * d - dx_hat.sum(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True)) / (d * np.sqrt(var + eps))
    return dx, dgamma, dbeta
