"""Fully connected networks built from the package's layers (lesson 3).

`MLP` stacks affine layers with an activation between them. Its `loss(X, y)` runs the
forward pass, the loss, and the backward pass layer by layer in reverse, and returns the
gradient of every parameter under the parameter's own key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from backprop import activations as act
from backprop._checks import as_array, as_labels, trusted
from backprop.layers import affine_backward, affine_forward
from backprop.losses import binary_cross_entropy_with_logits, mse_loss, softmax_cross_entropy
from backprop.normalization import (
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)
from backprop.regularization import dropout_backward, dropout_forward, l2_penalty

__all__ = ["ACTIVATIONS", "INITS", "LOSSES", "MLP", "NORMALIZATIONS", "init_weights",
           "layer_gradient_norms"]

ACTIVATIONS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "relu": (act.relu_forward, act.relu_backward),
    "sigmoid": (act.sigmoid_forward, act.sigmoid_backward),
    "tanh": (act.tanh_forward, act.tanh_backward),
    "leaky_relu": (act.leaky_relu_forward, act.leaky_relu_backward),
}
INITS = ("auto", "he", "xavier", "normal")
NORMALIZATIONS = (None, "batchnorm", "layernorm")
LOSSES = ("softmax", "bce", "mse")


def init_weights(
    fan_in: int,
    fan_out: int,
    method: str = "he",
    rng: np.random.Generator | None = None,
    scale: float = 0.01,
) -> np.ndarray:
    """Draw a (fan_in, fan_out) weight matrix with a zero-mean normal of a chosen spread.

    Introduced in lesson 3; lesson 4 shows why the spread matters.

    - "he": std sqrt(2 / fan_in), which keeps the variance of ReLU activations steady
      from layer to layer (ReLU zeroes half of them, hence the 2).
    - "xavier" (Glorot): std sqrt(2 / (fan_in + fan_out)), for tanh and sigmoid.
    - "normal": std `scale`.

    Args:
        fan_in: Inputs of the layer (D).
        fan_out: Outputs of the layer (H).
        method: "he", "xavier" or "normal".
        rng: The random generator; a seeded one keeps runs repeatable.
        scale: The standard deviation for "normal".

    Returns:
        W: Shape (fan_in, fan_out), float64.

    Raises:
        ValueError: If the method is unknown or a size or the scale is not positive.
    """
    if fan_in < 1 or fan_out < 1:
        raise ValueError(f"fan_in and fan_out must be at least 1, got {fan_in} and {fan_out}.")
    if method == "he":
        std = np.sqrt(2.0 / fan_in)
    elif method == "xavier":
        std = np.sqrt(2.0 / (fan_in + fan_out))
    elif method == "normal":
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale}; try 0.01 or 0.1.")
        std = scale
    else:
        raise ValueError(f"unknown init {method!r}; choose one of 'he', 'xavier', 'normal'.")
    rng = rng if rng is not None else np.random.default_rng(0)
    return rng.normal(0.0, std, size=(fan_in, fan_out))


class MLP:
    """A multi-layer perceptron: affine → activation → ... → affine → loss.

    Introduced in lesson 3 (the MLP). Lesson 6 adds, optionally, to every hidden layer:
    affine → batch or layer norm → activation → dropout; and an L2 penalty on the weights.

    Attributes:
        params: "W1", "b1", ..., "WL", "bL"; W{i} has shape (sizes[i-1], sizes[i]) and b{i}
            shape (sizes[i],). With normalisation also "gamma{i}" and "beta{i}" of shape
            (sizes[i],) for each hidden layer i < L.
        bn_params: With batch norm, one dict per hidden layer holding its running
            averages (see `backprop.normalization.batchnorm_forward`); else empty dicts.
        sizes: The layer widths, input first.
        activation: The hidden activation's name.
        loss_name: "softmax" (softmax cross-entropy, integer labels), "bce" (one output,
            sigmoid cross-entropy, labels 0/1) or "mse" (float targets of shape (N, C)).

    Example:
        >>> net = MLP([2, 8, 3], seed=0)
        >>> X = np.zeros((5, 2)); y = np.array([0, 1, 2, 0, 1])
        >>> loss, grads = net.loss(X, y)
        >>> sorted(grads) == sorted(net.params)
        True
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        *,
        init: str = "auto",
        weight_scale: float | None = None,
        loss: str = "softmax",
        seed: int = 0,
        normalization: str | None = None,
        dropout: float = 0.0,
        l2: float = 0.0,
    ) -> None:
        """Create the network with seeded random weights and zero biases.

        Args:
            sizes: Layer widths, e.g. [64, 128, 10]: 64 inputs, one hidden layer of 128
                units, 10 outputs. At least two entries.
            activation: "relu", "sigmoid", "tanh" or "leaky_relu", between the layers.
            init: "auto" (He for ReLU-like activations, Xavier for sigmoid and tanh), "he",
                "xavier" or "normal" (std `weight_scale`).
            weight_scale: The std of a plain normal init; giving it implies init="normal".
            loss: "softmax", "bce" or "mse" (see the class docstring).
            seed: Seed of the weights' random generator (and of the dropout masks).
            normalization: None, "batchnorm" or "layernorm", after each hidden affine
                layer (lesson 6).
            dropout: The probability p in [0, 1) of dropping a hidden unit in training
                (lesson 6); 0 for none.
            l2: The L2 strength lambda >= 0: the loss gains 0.5 * l2 * sum of W{i} ** 2
                over the weights (lesson 6).

        Raises:
            ValueError: On an unknown name, a size below 1, fewer than two sizes, a p
                outside [0, 1) or a negative l2.
        """
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"sizes must list at least an input and an output width, all >= 1, got {sizes}; "
                "e.g. [64, 128, 10]."
            )
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {list(ACTIVATIONS)}.")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; choose one of {list(INITS)}.")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {list(LOSSES)}.")
        if loss == "bce" and sizes[-1] != 1:
            raise ValueError(f"loss='bce' needs one output unit, but sizes ends in {sizes[-1]}.")
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"unknown normalization {normalization!r}; choose one of "
                             f"{list(NORMALIZATIONS)}.")
        if not (isinstance(dropout, int | float) and 0 <= dropout < 1):
            raise ValueError(f"dropout is the probability of dropping a unit and must be in "
                             f"[0, 1), got {dropout!r}; 0.1 to 0.5 are usual, 0 turns it off.")
        if not (isinstance(l2, int | float) and np.isfinite(l2) and l2 >= 0):
            raise ValueError(f"l2 must be a number >= 0, got {l2!r}; try 1e-3 to 1e-1.")
        if weight_scale is not None:
            if init not in ("auto", "normal"):
                raise ValueError(
                    f"weight_scale sets a plain normal init; it can't go with {init!r}.")
            init = "normal"
        if init == "auto":
            init = "xavier" if activation in ("sigmoid", "tanh") else "he"
        self.sizes = sizes
        self.activation = activation
        self.init = init
        self.loss_name = loss
        self.normalization = normalization
        self.dropout = float(dropout)
        self.l2 = float(l2)
        rng = np.random.default_rng(seed)
        # The masks have their own stream, so that turning dropout on doesn't change the
        # initial weights.
        self.dropout_rng = np.random.default_rng([seed, 1])
        self.params: dict[str, np.ndarray] = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            self.params[f"W{i}"] = init_weights(fan_in, fan_out, init, rng,
                                                weight_scale if weight_scale else 0.01)
            self.params[f"b{i}"] = np.zeros(fan_out)
            if normalization is not None and i < len(sizes) - 1:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
        self.bn_params: list[dict[str, Any]] = [{} for _ in range(len(sizes) - 2)]

    @property
    def num_layers(self) -> int:
        """The number of affine layers."""
        return len(self.sizes) - 1

    def __repr__(self) -> str:
        n = sum(p.size for p in self.params.values())
        extra = "".join(f", {k}={v!r}" for k, v in (
            ("normalization", self.normalization), ("dropout", self.dropout), ("l2", self.l2))
            if v)
        return (f"MLP(sizes={self.sizes}, activation={self.activation!r}, init={self.init!r}, "
                f"loss={self.loss_name!r}{extra}; {n} parameters)")

    def _check_input(self, X: object) -> np.ndarray:
        X = as_array(X, "X", 2, f"(N, {self.sizes[0]})")
        if X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"X has shape {X.shape}, but the network takes {self.sizes[0]} features: expected "
                f"(N, {self.sizes[0]}). Check sizes[0], or flatten the inputs."
            )
        return X

    def _hidden_layer(
        self, i: int, a: np.ndarray, mode: str, bn_param: dict[str, Any] | None,
        drop: dict[str, Any] | None,
    ) -> tuple[np.ndarray, tuple[Any, Any, Any]]:
        """Hidden layer i after its affine part: [norm] → activation → [dropout]."""
        norm_cache = drop_cache = None
        if self.normalization == "batchnorm":
            bn_param = self.bn_params[i - 1] if bn_param is None else bn_param
            bn_param["mode"] = mode
            a, norm_cache = batchnorm_forward(a, self.params[f"gamma{i}"],
                                              self.params[f"beta{i}"], bn_param)
        elif self.normalization == "layernorm":
            a, norm_cache = layernorm_forward(a, self.params[f"gamma{i}"],
                                              self.params[f"beta{i}"])
        h, act_cache = ACTIVATIONS[self.activation][0](a)
        if drop is not None:
            h, drop_cache = dropout_forward(h, drop)
        return h, (norm_cache, act_cache, drop_cache)

    def _dropout_param(self, mode: str, dropout_seed: int | None, i: int) -> dict | None:
        if not self.dropout or mode != "train":
            return None
        if dropout_seed is not None:  # fixed masks: the loss is a function of the weights
            return {"p": self.dropout, "mode": "train", "seed": [dropout_seed, i]}
        return {"p": self.dropout, "mode": "train", "rng": self.dropout_rng}

    def forward(
        self, X: np.ndarray, *, mode: str = "test", dropout_seed: int | None = None
    ) -> tuple[np.ndarray, list[Any]]:
        """Compute the scores and keep every layer's cache.

        Args:
            X: Inputs of shape (N, sizes[0]).
            mode: "train" (batch statistics, updating the running averages; dropout on)
                or "test" (running averages; no dropout). Matters only with batch norm
                or dropout (lesson 6).
            dropout_seed: Fix the dropout masks (the same for every call with this seed).

        Returns:
            scores: Shape (N, sizes[-1]), before any softmax or sigmoid.
            caches: One (affine_cache, (norm_cache, activation_cache, dropout_cache)) per
                layer; the last layer's second entry is None.
        """
        if mode not in ("train", "test"):
            raise ValueError(f"mode must be 'train' or 'test', got {mode!r}.")
        X = self._check_input(X)
        caches: list[Any] = []
        h = X
        # X was scanned for NaN at the door; the layers' own scans would only repeat it.
        with trusted():
            for i in range(1, self.num_layers + 1):
                a, fc_cache = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
                if i < self.num_layers:
                    drop = self._dropout_param(mode, dropout_seed, i)
                    h, layer_cache = self._hidden_layer(i, a, mode, None, drop)
                else:
                    h, layer_cache = a, None  # the last layer gives raw scores to the loss
                caches.append((fc_cache, layer_cache))
        return h, caches

    def hidden_activations(self, X: np.ndarray, *, mode: str = "train") -> list[np.ndarray]:
        """The output of every hidden layer's activation, first layer first (lesson 4).

        Args:
            X: Inputs of shape (N, sizes[0]).
            mode: With batch norm, "train" normalises with this batch's statistics (what
                training sees) and "test" with the running averages. Neither changes the
                running averages, and dropout is off.

        Returns:
            One array per hidden layer, layer i of shape (N, sizes[i]).
        """
        X = self._check_input(X)
        outputs = []
        h = X
        with trusted(), np.errstate(over="ignore", invalid="ignore"):
            for i in range(1, self.num_layers):
                a, _ = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
                scratch = {k: v.copy() if isinstance(v, np.ndarray) else v
                           for k, v in self.bn_params[i - 1].items()}
                h, _ = self._hidden_layer(i, a, mode, scratch, None)
                outputs.append(h)
        return outputs

    def backward(self, dscores: np.ndarray, caches: list[Any]) -> dict[str, np.ndarray]:
        """Run the backward pass from dL/dscores through every layer, last first.

        Args:
            dscores: Shape (N, sizes[-1]).
            caches: From `forward` (in train mode, when batch norm is on).

        Returns:
            grads: dL/dparam for every key of `params`, each the shape of its parameter
                (without the L2 term, which `loss` adds).
        """
        backward_act = ACTIVATIONS[self.activation][1]
        grads: dict[str, np.ndarray] = {}
        dh = dscores
        for i in range(self.num_layers, 0, -1):
            fc_cache, layer_cache = caches[i - 1]
            da = dh
            if layer_cache is not None:
                norm_cache, act_cache, drop_cache = layer_cache
                if drop_cache is not None:
                    dh = dropout_backward(dh, drop_cache)
                da = backward_act(dh, act_cache)
                if self.normalization == "batchnorm":
                    da, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(
                        da, norm_cache)
                elif self.normalization == "layernorm":
                    da, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(
                        da, norm_cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(da, fc_cache, need_dx=i > 1)
        return grads

    def loss(
        self,
        X: np.ndarray,
        y: np.ndarray | None = None,
        *,
        mode: str | None = None,
        dropout_seed: int | None = None,
    ) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """Return the scores (without y) or the loss and every parameter's gradient (with y).

        Args:
            X: Inputs of shape (N, sizes[0]).
            y: Integer labels (N,) for "softmax" and "bce", or float targets
                (N, sizes[-1]) for "mse". None to get scores only.
            mode: "train" or "test" (lesson 6: batch norm's statistics, dropout); by
                default "train" with y and "test" without, so that training and
                prediction each do the right thing.
            dropout_seed: Fix the dropout masks, so that the loss is a plain function of
                the parameters and can be gradient-checked.

        Returns:
            Without y: scores of shape (N, sizes[-1]).
            With y: (loss, grads), grads having the same keys and shapes as params. The
            loss includes the L2 penalty, and grads its gradient.

        Raises:
            TypeError, ValueError: On a bad shape, dtype, label or NaN, naming the argument.
        """
        mode = mode if mode is not None else ("test" if y is None else "train")
        scores, caches = self.forward(X, mode=mode, dropout_seed=dropout_seed)
        if y is None:
            return scores
        n = scores.shape[0]
        if not np.isfinite(np.sum(scores)):
            # Finite weights can still overflow; the loss is then NaN or inf, which the
            # Trainer reports as divergence, rather than a NaN error from inside a layer.
            return float("nan"), {k: np.full_like(v, np.nan) for k, v in self.params.items()}
        if self.loss_name == "softmax":
            loss, dscores = softmax_cross_entropy(scores, y)
        elif self.loss_name == "bce":
            y = as_labels(y, "y", n, 2, of="X")
            loss, dz = binary_cross_entropy_with_logits(scores[:, 0], y.astype(np.float64))
            dscores = dz[:, None]
        else:
            loss, dscores = mse_loss(scores, y)
        with trusted():
            if mode == "test" and self.normalization == "batchnorm":
                raise ValueError(
                    "mode='test' has no backward pass with batch norm: its statistics are "
                    "the running averages, not functions of X. Use mode='train' for gradients.")
            grads = self.backward(dscores, caches)
            if self.l2:
                for i in range(1, self.num_layers + 1):
                    penalty, dW = l2_penalty(self.params[f"W{i}"], self.l2)
                    loss += penalty
                    grads[f"W{i}"] = grads[f"W{i}"] + dW
        return loss, grads

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predict labels (N,) for classification losses, or the outputs for "mse"."""
        scores = self.loss(X)
        if self.loss_name == "softmax":
            return scores.argmax(axis=1)
        if self.loss_name == "bce":
            return (scores[:, 0] > 0).astype(np.int64)
        return scores

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """The fraction of samples whose predicted label equals y (classification only)."""
        if self.loss_name == "mse":
            raise ValueError("accuracy needs a classifier; this network was built with loss='mse'.")
        pred = self.predict(X)
        y = as_labels(y, "y", len(pred), of="X")
        return float(np.mean(pred == y))


def layer_gradient_norms(model: MLP, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The size of each layer's weight gradient, ‖dW_i‖ (Frobenius norm), input layer first.

    Introduced in lesson 4: in a deep sigmoid network these shrink toward the input
    (vanishing gradients); with too large an initial scale they grow (exploding ones).

    Args:
        model: The network.
        X: Inputs of shape (N, sizes[0]).
        y: Labels or targets, as for `model.loss`.

    Returns:
        norms: Shape (L,), norms[i - 1] = sqrt(sum(dW_i ** 2)) for layer i = 1 … L.
    """
    _, grads = model.loss(X, y)
    return np.array([np.linalg.norm(grads[f"W{i}"]) for i in range(1, model.num_layers + 1)])
