"""Lesson 06_normalization: normalisation and regularisation.

Its exercises, in notebook order:
- batchnorm_forward: batch normalisation in train and test mode, with running averages;
- batchnorm_backward: its backward pass;
- layernorm_backward: the backward pass of layer normalisation;
- l2_penalty: the L2 penalty 0.5 · reg · sum(W²) and its gradient;
- dropout_forward: inverted dropout;
- dropout_backward: its backward pass;
- network_loss: the forward and backward loop of an L-layer network (affine, batch norm,
  ReLU, dropout per hidden layer; affine and softmax cross-entropy last), by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop.activations import relu_backward, relu_forward
from backprop.grading.exercise import Case, Exercise, Mistake, register
from backprop.grading.messages import shapes as _shapes
from backprop.layers import affine_backward, affine_forward
from backprop.losses import softmax_cross_entropy
from backprop.models import MLP
from backprop.normalization import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
)
from backprop.regularization import dropout_backward, dropout_forward, l2_penalty

LESSON = "06_normalization"


# --- batchnorm_forward -----------------------------------------------------------------


def _cases_batchnorm_forward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Train steps with and without running averages yet, and test steps.

    Every case has features of different means and spreads, and an eps large enough that
    its place (inside or outside the square root) shows.
    """
    specs: list[tuple[str, int, int, float, float | None, bool]] = [
        # mode, N, D, eps, momentum (None: the default 0.9), running averages given
        ("train", 5, 3, 1e-2, None, True),
        ("train", 4, 2, 1e-3, 0.8, False),
        ("test", 3, 3, 1e-2, None, True),
    ]
    if hidden:
        specs += [("train", 2, 4, 1e-2, 0.5, True), ("train", 8, 1, 0.1, None, True),
                  ("test", 1, 4, 1e-2, 0.7, True), ("train", 6, 5, 1e-5, 0.95, True)]
    cases = []
    for mode, n, d, eps, momentum, running in specs:
        x = rng.normal(rng.normal(0.0, 3.0, size=d), rng.uniform(0.5, 3.0, size=d), size=(n, d))
        gamma, beta = rng.uniform(0.5, 2.0, size=d), rng.normal(size=d)
        bn_param: dict[str, Any] = {"mode": mode, "eps": eps}
        if momentum is not None:
            bn_param["momentum"] = momentum
        state = "no running averages yet"
        if running:
            bn_param["running_mean"] = rng.normal(0.0, 2.0, size=d)
            bn_param["running_var"] = rng.uniform(0.5, 4.0, size=d)
            state = "running averages from earlier steps"
        note = (f"{_shapes(x=x)}, mode {mode!r}, eps={eps:g}, momentum="
                f"{momentum if momentum is not None else '0.9 (default)'}, {state}")
        cases.append(Case((x, gamma, beta, bn_param), note))
    if hidden:
        x = rng.normal(size=(4, 3))
        x[:, 1] = 2.5  # a constant feature: variance 0, so x_hat is 0 there
        bn_param = {"mode": "train", "eps": 1e-2, "running_mean": np.zeros(3),
                    "running_var": np.ones(3)}
        cases.append(Case((x, np.ones(3), np.zeros(3), bn_param),
                          "x (4, 3) whose second feature is constant, mode 'train'"))
    return cases


def _variant_batchnorm_forward(kind: str):
    """A wrong batchnorm_forward: `kind` names the slip."""
    def compute(x, gamma, beta, bn_param):
        mode = bn_param["mode"]
        eps = 1e-5 if kind == "eps_ignored" else bn_param.get("eps", 1e-5)
        m = bn_param.get("momentum", 0.9)
        d = x.shape[1]
        rm = bn_param.setdefault("running_mean", np.zeros(d))
        rv = bn_param.setdefault("running_var", np.ones(d))
        mu = x.mean(axis=0)
        var = x.var(axis=0, ddof=1 if kind == "unbiased" else 0)
        if mode == "train" or kind == "test_batch_stats":
            use_mu, use_var = mu, var
        else:
            use_mu, use_var = rm, rv
        if kind == "eps_outside":
            x_hat = (x - use_mu) / (np.sqrt(use_var) + eps)
        else:
            x_hat = (x - use_mu) / np.sqrt(use_var + eps)
        out = beta * x_hat + gamma if kind == "gamma_beta_swapped" else gamma * x_hat + beta
        update = mode == "train" or kind == "test_updates_running"
        if update and kind != "running_not_stored":
            run_var = {"running_unbiased": x.var(axis=0, ddof=1) if len(x) > 1 else var,
                       "running_std": np.sqrt(var)}.get(kind, var)
            keep = 1 - m if kind == "momentum_swapped" else m
            bn_param["running_mean"] = keep * rm + (1 - keep) * mu
            bn_param["running_var"] = keep * rv + (1 - keep) * run_var
        return out, ((x, x_hat, mu, var, eps, gamma) if mode == "train" else None)
    return compute


register(Exercise(
    id="batchnorm_forward",
    lesson=LESSON,
    reference=batchnorm_forward,
    cases=_cases_batchnorm_forward,
    outputs=("out", "cache", "bn_param"),
    free=("cache",),
    after=(3,),
    seed=601,
    mistakes=(
        Mistake(
            "unbiased_variance",
            _variant_batchnorm_forward("unbiased"),
            "you used the unbiased variance (divided by N − 1, e.g. ddof=1). Batch norm "
            "divides by N: var = x.var(axis=0), the variance of exactly these N numbers, which "
            "is what gives x_hat a variance of 1. (The running average takes the same biased "
            "var.)",
        ),
        Mistake(
            "eps_outside_sqrt",
            _variant_batchnorm_forward("eps_outside"),
            "eps is outside the square root: (x − mu) / (sqrt(var) + eps). It belongs inside, "
            "x_hat = (x − mu) / sqrt(var + eps), as in the formula of section 2 (and in the "
            "cache your backward pass will use).",
        ),
        Mistake(
            "eps_ignored",
            _variant_batchnorm_forward("eps_ignored"),
            "you used eps = 1e-5 whatever bn_param says. Read it from the dict, eps = "
            "bn_param.get('eps', 1e-5): 1e-5 is only the default.",
        ),
        Mistake(
            "test_uses_batch_statistics",
            _variant_batchnorm_forward("test_batch_stats"),
            "in test mode you normalised with the batch's own mean and variance. Test mode "
            "uses the running averages, bn_param['running_mean'] and bn_param['running_var'], "
            "so that a prediction doesn't depend on the other samples of its batch (or fails "
            "for a batch of one).",
        ),
        Mistake(
            "test_updates_running",
            _variant_batchnorm_forward("test_updates_running"),
            "out is right, but test mode changed the running averages. Only train mode updates "
            "bn_param['running_mean'] and bn_param['running_var']; test mode reads them and "
            "leaves them as they were, so predicting never changes the network.",
        ),
        Mistake(
            "momentum_swapped",
            _variant_batchnorm_forward("momentum_swapped"),
            "the running averages weigh the wrong way round: momentum multiplies the OLD "
            "average, running = momentum · running + (1 − momentum) · batch statistic. With "
            "momentum 0.9 each step keeps 90 % of the old average and adds 10 % of the batch.",
        ),
        Mistake(
            "running_not_stored",
            _variant_batchnorm_forward("running_not_stored"),
            "out is right, but bn_param's running averages were not updated in train mode. "
            "Store the new ones in the dict, bn_param['running_mean'] = momentum · "
            "running_mean + (1 − momentum) · mu (and the same for running_var with var): the "
            "dict is the layer's memory from one call to the next.",
        ),
        Mistake(
            "running_unbiased",
            _variant_batchnorm_forward("running_unbiased"),
            "out is right, but the running variance averages the unbiased variance (N − 1, as "
            "PyTorch does). This course keeps the biased batch variance, var = x.var(axis=0), "
            "in the running average too, the same var that normalised the batch.",
        ),
        Mistake(
            "running_std",
            _variant_batchnorm_forward("running_std"),
            "bn_param['running_var'] averages the standard deviation, sqrt(var). It is a "
            "running average of the variance itself: running_var = momentum · running_var + "
            "(1 − momentum) · var.",
        ),
        Mistake(
            "gamma_beta_swapped",
            _variant_batchnorm_forward("gamma_beta_swapped"),
            "gamma and beta are swapped: gamma scales and beta shifts, out = gamma · x_hat + "
            "beta.",
        ),
    ),
    hints=(
        "two modes. In train mode, over which axis do the statistics run: one mean per "
        "feature, over the batch, or one per sample? In test mode, which statistics are used, "
        "and may anything in bn_param change?",
        "train: per feature, mu = x.mean(axis=0) and var = x.var(axis=0); normalise with eps "
        "under the square root, then scale by gamma and shift by beta. The running averages "
        "(zeros and ones at first) move towards mu and var by momentum (0.9 by default).",
        "train: x_hat = (x − mu) / sqrt(var + eps), out = gamma · x_hat + beta, then running "
        "= momentum · running + (1 − momentum) · (mu or var), stored in bn_param; test: the "
        "same with the running averages, which stay unchanged, and cache None. See section 2, "
        "'Batch normalisation: the forward pass'.",
    ),
))


# --- batchnorm_backward ----------------------------------------------------------------


def _norm_cache(x: np.ndarray, gamma: np.ndarray, eps: float, axis: int):
    keep = axis == 1
    mu = x.mean(axis=axis, keepdims=keep)
    var = x.var(axis=axis, keepdims=keep)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return (x, x_hat, mu, var, eps, gamma)


def _norm_backward_cases(axis: int):
    """Caches as the forward pass makes them (batch norm: axis 0, layer norm: axis 1)."""
    def cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
        sizes = [(4, 3, 1e-5), (6, 2, 1e-2), (3, 5, 1e-3)]
        if hidden:
            sizes += [(2, 3, 1e-5), (8, 4, 0.1), (5, 6, 1e-5)]
        out = []
        for n, d, eps in sizes:
            x = rng.normal(rng.normal(0.0, 2.0, size=d), rng.uniform(0.5, 2.5, size=d),
                           size=(n, d))
            gamma = rng.uniform(0.5, 2.0, size=d)
            dout = rng.normal(size=(n, d))
            cache = _norm_cache(x, gamma, eps, axis)
            out.append(Case((dout, cache), f"{_shapes(dout=dout, x=x, gamma=gamma)}, "
                                           f"eps={eps:g}"))
        if hidden:
            x, gamma = rng.normal(size=(4, 3)), rng.uniform(0.5, 2.0, size=3)
            dout = np.tile(rng.normal(size=(1, 3)), (4, 1)) if axis == 0 else \
                np.tile(rng.normal(size=(4, 1)), (1, 3))
            out.append(Case((dout, _norm_cache(x, gamma, 1e-5, axis)),
                            "dout the same for every " + ("sample" if axis == 0 else "feature")
                            + " (then dx is 0)"))
        return out
    return cases


def _variant_batchnorm_backward(kind: str, axis: int):
    """A wrong batch norm (axis 0) or layer norm (axis 1) backward pass."""
    def compute(dout, cache):
        x, x_hat, mu, var, eps, gamma = cache
        keep = axis == 1
        m = x.shape[axis]
        dbeta = dout.sum(axis=0)
        dgamma = (dout * x_hat).sum(axis=0)
        if kind == "dgamma_not_summed":
            dgamma = dout * x_hat
        elif kind == "dbeta_not_summed":
            dbeta = dout.copy()
        elif kind == "dgamma_with_x":
            dgamma = (dout * x).sum(axis=0)
        dx_hat = dout if kind == "no_gamma" else dout * gamma
        std = np.sqrt(var + eps)
        xc = x - mu
        dxc = dx_hat / std
        dvar_factor = {"no_half": -1.0, "dvar_sign": 0.5}.get(kind, -0.5)
        dvar = (dx_hat * xc).sum(axis=axis, keepdims=keep) * dvar_factor * std ** -3
        if kind not in ("no_var_path", "constants"):
            dxc = dxc + 2.0 * xc * dvar / m
        if kind in ("no_mean_path", "constants"):
            return dxc, dgamma, dbeta
        dx = dxc - dxc.sum(axis=axis, keepdims=keep) / m
        if kind == "no_one_over_n":
            dx = dxc - dxc.sum(axis=axis, keepdims=keep)
        return dx, dgamma, dbeta
    return compute


def _norm_mistakes(axis: int, stat: str) -> tuple[Mistake, ...]:
    over = "batch" if axis == 0 else "features of each sample"
    return (
        Mistake(
            "dgamma_not_summed",
            _variant_batchnorm_backward("dgamma_not_summed", axis),
            "dgamma is not summed over the batch: dout * x_hat has one row per sample, but "
            "gamma has shape (D,) and was used by every row (broadcast), so the rows' "
            "gradients add up: dgamma = (dout * x_hat).sum(axis=0).",
        ),
        Mistake(
            "dbeta_not_summed",
            _variant_batchnorm_backward("dbeta_not_summed", axis),
            "dbeta is not summed over the batch: beta (D,) was added to every row, so it "
            "receives every row's gradient: dbeta = dout.sum(axis=0).",
        ),
        Mistake(
            "dgamma_with_x",
            _variant_batchnorm_backward("dgamma_with_x", axis),
            "dgamma multiplies dout by x instead of x_hat: gamma scales the normalised input, "
            "out = gamma · x_hat + beta, so dgamma = (dout * x_hat).sum(axis=0).",
        ),
        Mistake(
            "no_gamma",
            _variant_batchnorm_backward("no_gamma", axis),
            "dx is missing the factor gamma: out = gamma · x_hat + beta, so the gradient that "
            "reaches x_hat is dx_hat = dout * gamma, and everything in dx starts from it.",
        ),
        Mistake(
            "constants",
            _variant_batchnorm_backward("constants", axis),
            f"dx treats the {stat} as constants: dx = gamma · dout / sqrt(var + eps) is only "
            f"the direct path. The {stat} are computed from x too (over the {over}), so x "
            "also reaches the output through them: add the variance's and the mean's paths "
            "(the graph's nodes var and mu).",
        ),
        Mistake(
            "no_mean_path",
            _variant_batchnorm_backward("no_mean_path", axis),
            f"dx is missing the mean's path: mu is computed from x (over the {over}), so after "
            "dxc (the gradient at xc = x − mu, both paths into it) comes dmu = −(sum of dxc), "
            "and dx = dxc + dmu / " + ("N" if axis == 0 else "D") + ".",
        ),
        Mistake(
            "no_var_path",
            _variant_batchnorm_backward("no_var_path", axis),
            "dx is missing the variance's path: var = mean(xc²) depends on x too, so dxc gets "
            "a second term, 2 · xc · dvar / " + ("N" if axis == 0 else "D") + ", with dvar = "
            "−0.5 · sum(dx_hat · xc) · (var + eps)^(−3/2).",
        ),
        Mistake(
            "no_half",
            _variant_batchnorm_backward("no_half", axis),
            "dvar is twice too large: the derivative of (var + eps)^(−1/2) is −½ · (var + "
            "eps)^(−3/2); the ½ is missing. (Or: d sqrt(v)/dv = 1 / (2 sqrt(v)).)",
        ),
        Mistake(
            "dvar_sign",
            _variant_batchnorm_backward("dvar_sign", axis),
            "dvar has the wrong sign: a larger variance makes the inverse square root, and so "
            "x_hat, smaller. d(var + eps)^(−1/2)/dvar = −½ · (var + eps)^(−3/2), with a minus.",
        ),
        Mistake(
            "no_one_over_n",
            _variant_batchnorm_backward("no_one_over_n", axis),
            "the mean's path is " + ("N" if axis == 0 else "D") + " times too large: mu is "
            "an average, so each x contributes with weight 1/" + ("N" if axis == 0 else "D")
            + ": dx = dxc + dmu / " + ("N" if axis == 0 else "D") + ".",
        ),
    )


_cases_batchnorm_backward = _norm_backward_cases(0)


register(Exercise(
    id="batchnorm_backward",
    lesson=LESSON,
    reference=batchnorm_backward,
    equivalents=(batchnorm_backward_alt,),
    cases=_cases_batchnorm_backward,
    outputs=("dx", "dgamma", "dbeta"),
    seed=602,
    mistakes=_norm_mistakes(0, "batch mean and variance"),
    hints=(
        "draw the graph of section 3 (x → mean → centred xc → variance → inverse square root "
        "→ x_hat → scale and shift) and walk it backwards. Start at the easy end: what shapes "
        "must dgamma and dbeta have, and over which axis do you sum?",
        "dbeta = dout.sum(axis=0), dgamma = (dout · x_hat).sum(axis=0), dx_hat = dout · "
        "gamma. x reaches x_hat by three paths, through xc, through var and through mu: each "
        "adds its share to dx.",
        "with xc = x − mu and s = sqrt(var + eps): dvar = (dx_hat · xc).sum(axis=0) · (−½) / "
        "s³; dxc = dx_hat / s + 2 · xc · dvar / N; last the mean's path, dx = dxc − "
        "dxc.sum(axis=0) / N. Compare with grad_check as in section 3, 'The gradient check'.",
    ),
))


_cases_layernorm_backward = _norm_backward_cases(1)


register(Exercise(
    id="layernorm_backward",
    lesson=LESSON,
    reference=layernorm_backward,
    equivalents=(batchnorm_backward, batchnorm_backward_alt),
    cases=_cases_layernorm_backward,
    outputs=("dx", "dgamma", "dbeta"),
    seed=603,
    mistakes=(
        Mistake(
            "batch_axis",
            _variant_batchnorm_backward("right", 0),
            "dx is batch norm's, with sums over the batch (axis 0). Layer norm's mean and "
            "variance are per sample, over its D features: in dx every sum runs over axis=1 "
            "(keepdims=True), and the averages divide by D. (dgamma and dbeta still sum over "
            "the batch.)",
        ),
        *_norm_mistakes(1, "per-sample mean and variance"),
    ),
    hints=(
        "layer norm is batch norm with the statistics taken over the other axis. Which of the "
        "three gradients change, and which still sum over the batch?",
        "dgamma and dbeta still sum over the batch (axis 0), shape (D,). mu and var have "
        "shape (N, 1), so in dx every sum runs over the features of one sample (axis=1, "
        "keepdims=True) and divides by D.",
        "batch norm's dx with the axes swapped: with xc = x − mu, s = sqrt(var + eps) and "
        "dx_hat = dout · gamma: dvar = (dx_hat · xc).sum(axis=1, keepdims=True) · (−½) / s³; "
        "dxc = dx_hat / s + 2 · xc · dvar / D; dx = dxc − dxc.sum(axis=1, keepdims=True) / D. "
        "See section 5, 'Layer normalisation'.",
    ),
))


# --- l2_penalty ------------------------------------------------------------------------


def _cases_l2_penalty(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs: list[tuple[tuple[int, ...], float]] = [((3, 4), 0.1), ((5, 2), 0.01), ((2, 2), 1.0)]
    if hidden:
        specs += [((1, 6), 0.5), ((4, 3), 1e-3), ((6, 5), 2.0)]
    cases = []
    for shape, reg in specs:
        W = rng.normal(size=shape)
        cases.append(Case((W, reg), f"{_shapes(W=W)}, reg={reg:g}"))
    if hidden:
        W = rng.normal(size=(3, 3))
        cases.append(Case((W, 0.0), f"{_shapes(W=W)}, reg=0 (no penalty)"))
    return cases


register(Exercise(
    id="l2_penalty",
    lesson=LESSON,
    reference=l2_penalty,
    cases=_cases_l2_penalty,
    outputs=("penalty", "dW"),
    seed=604,
    mistakes=(
        Mistake(
            "no_half_in_penalty",
            lambda W, reg: (reg * float(np.sum(W ** 2)), reg * W),
            "the penalty is twice too large: it is 0.5 · reg · sum(W²). The 0.5 is there so "
            "that the gradient is simply reg · W (dW is right).",
        ),
        Mistake(
            "two_in_gradient",
            lambda W, reg: (0.5 * reg * float(np.sum(W ** 2)), 2 * reg * W),
            "dW is twice too large: the derivative of 0.5 · reg · W² is reg · W. The 2 of the "
            "power rule cancels the 0.5.",
        ),
        Mistake(
            "half_in_gradient",
            lambda W, reg: (0.5 * reg * float(np.sum(W ** 2)), 0.5 * reg * W),
            "dW is half what it should be: you kept the 0.5 but dropped the 2 of the power "
            "rule. d(0.5 · reg · W²)/dW = 0.5 · reg · 2W = reg · W.",
        ),
        Mistake(
            "no_half_anywhere",
            lambda W, reg: (reg * float(np.sum(W ** 2)), 2 * reg * W),
            "you used reg · sum(W²) and its gradient 2 · reg · W: consistent, but this course's "
            "(and the MLP's) L2 term is 0.5 · reg · sum(W²), with gradient reg · W, so that "
            "reg means the same everywhere.",
        ),
        Mistake(
            "l1",
            lambda W, reg: (reg * float(np.sum(np.abs(W))), reg * np.sign(W)),
            "this is the L1 penalty, reg · sum(|W|) with gradient reg · sign(W). L2 squares "
            "the weights: 0.5 · reg · sum(W²), gradient reg · W.",
        ),
        Mistake(
            "mean",
            lambda W, reg: (0.5 * reg * float(np.mean(W ** 2)), reg * W / W.size),
            "you averaged over the weights: the penalty sums them, 0.5 · reg · sum(W²), so "
            "dW = reg · W, one term per weight, not divided by their number.",
        ),
        Mistake(
            "sign",
            lambda W, reg: (0.5 * reg * float(np.sum(W ** 2)), -reg * W),
            "dW has the wrong sign: the gradient of the penalty is +reg · W (it grows with W). "
            "The minus of 'weight decay' comes from the update step, W − lr · dW.",
        ),
    ),
    hints=(
        "what must each result be? The penalty is one number; its gradient has one entry per "
        "weight, W's shape. Each weight appears in only one term of the sum.",
        "differentiate one term, 0.5 · reg · w², with the power rule, as section 7's worked "
        "example did for L1's reg · |w|. What happens to the ½?",
        "penalty = 0.5 · reg · (W ** 2).sum() as a float, dW = reg · W. See section 7, 'L2: "
        "weight decay'.",
    ),
))


# --- dropout_forward and dropout_backward ------------------------------------------------


def _cases_dropout_forward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs: list[tuple[str, tuple[int, ...], float]] = [
        ("train", (4, 5), 0.3), ("train", (3, 6), 0.6), ("test", (3, 4), 0.4)]
    if hidden:
        specs += [("train", (6, 3), 0.1), ("train", (2, 3, 4), 0.75), ("test", (5, 2), 0.8),
                  ("train", (8, 8), 0.45)]
    cases = []
    for mode, shape, p in specs:
        x = rng.normal(size=shape)
        param = {"p": p, "mode": mode, "seed": int(rng.integers(1000))}
        cases.append(Case((x, param), f"{_shapes(x=x)}, p={p:g}, mode {mode!r}, "
                                      f"seed={param['seed']}"))
    if hidden:
        x = rng.normal(size=(3, 4))
        cases.append(Case((x, {"p": 0.0, "mode": "train", "seed": 7}),
                          f"{_shapes(x=x)}, p=0 (nothing dropped), mode 'train', seed=7"))
    return cases


def _variant_dropout_forward(kind: str):
    """A wrong dropout_forward: `kind` names the slip."""
    def compute(x, dropout_param):
        p, mode = dropout_param["p"], dropout_param["mode"]
        r = np.random.default_rng(dropout_param["seed"]).random(x.shape)
        if mode == "test" and kind not in ("mask_in_test", "test_scaled", "vanilla"):
            return x.copy(), (dropout_param, None)
        if mode == "test":
            if kind == "mask_in_test":
                mask = (r >= p) / (1 - p)
                return x * mask, (dropout_param, mask)
            return x * (1 - p), (dropout_param, None)
        mask = {
            "not_rescaled": (r >= p) * 1.0,
            "vanilla": (r >= p) * 1.0,
            # As the learner's code does: at p = 0 it divides 0 by 0, and out is all NaN.
            "keep_probability": (r < p) / p,
            "flipped": (r < p) / (1 - p),
            "times_keep": (r >= p) * (1 - p),
            "mask_in_test": (r >= p) / (1 - p),
            "test_scaled": (r >= p) / (1 - p),
        }[kind]
        return x * mask, (dropout_param, mask)
    return compute


register(Exercise(
    id="dropout_forward",
    lesson=LESSON,
    reference=dropout_forward,
    cases=_cases_dropout_forward,
    outputs=("out", "cache"),
    free=("cache",),
    seed=605,
    mistakes=(
        Mistake(
            "not_rescaled",
            _variant_dropout_forward("not_rescaled"),
            "the kept units are not rescaled: with a fraction p of the units dropped, the "
            "expected output is (1 − p) · x, not x. Inverted dropout scales the kept units up "
            "so that the expected output equals x, and test mode can be the identity.",
        ),
        Mistake(
            "vanilla",
            _variant_dropout_forward("vanilla"),
            "this is the original, non-inverted dropout: no rescaling in training and x · "
            "(1 − p) at test time, the worked example of section 7. This course's inverted "
            "dropout rescales the kept units in training instead, and returns x unchanged in "
            "test mode.",
        ),
        Mistake(
            "keep_probability",
            _variant_dropout_forward("keep_probability"),
            "you used p as the probability of KEEPING a unit (kept where r < p, scaled with p). "
            "Here p is the probability of DROPPING one: a unit is kept where its random number "
            "is >= p, and the keep probability, which the scaling is about, is 1 − p.",
        ),
        Mistake(
            "flipped_comparison",
            _variant_dropout_forward("flipped"),
            "the comparison is flipped: you keep the units with r < p. A unit is dropped with "
            "probability p, so it is kept where rng.random(x.shape) >= p.",
        ),
        Mistake(
            "times_keep",
            _variant_dropout_forward("times_keep"),
            "the kept units are scaled DOWN, by 1 − p: that is the original dropout's test-time "
            "factor. Inverted dropout scales the kept units UP in training, to make up for the "
            "dropped ones: the expected output must equal x.",
        ),
        Mistake(
            "mask_in_test",
            _variant_dropout_forward("mask_in_test"),
            "test mode drops units too. At test time dropout is off: return x unchanged (the "
            "training-time division by 1 − p already kept the scale right).",
        ),
        Mistake(
            "test_scaled",
            _variant_dropout_forward("test_scaled"),
            "train mode is right, but test mode scales x by 1 − p. With inverted dropout the "
            "rescaling already happened in training, so test mode is the identity: out = x.",
        ),
    ),
    hints=(
        "two modes. In test mode, what does dropout do to x? In train mode, which units are "
        "kept, with what probability, and by how much must a kept one be scaled so that the "
        "expected output is x?",
        "draw from rng = np.random.default_rng(dropout_param['seed']) and keep a unit where "
        "rng.random(x.shape) >= p. A kept unit, scaled by some factor c, contributes c · x "
        "with probability 1 − p, a dropped one 0 with probability p: set the expected value "
        "equal to x and solve for c.",
        "train: mask = (rng.random(x.shape) >= p) / (1 − p), out = x · mask, cache = "
        "(dropout_param, mask); test: out = x, mask None. See section 7, 'Dropout'.",
    ),
))


def _cases_dropout_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    cases = []
    for case in _cases_dropout_forward(rng, hidden):
        x, param = case.args
        _, cache = dropout_forward(x, param)
        dout = rng.normal(size=x.shape)
        cases.append(Case((dout, cache), case.note.replace("x ", "dout ", 1)))
    return cases


def _variant_dropout_backward(kind: str):
    def compute(dout, cache):
        param, mask = cache
        p = param["p"]
        if mask is None:
            return dout * (1 - p) if kind == "test_scaled" else dout.copy()
        return {
            "twice": dout * mask / (1 - p),
            "unscaled": dout * (mask != 0),
            "test_scaled": dout * mask,
            "no_mask": dout / (1 - p),
            "divided": np.divide(dout, mask, out=np.zeros_like(dout), where=mask != 0),
        }[kind]
    return compute


register(Exercise(
    id="dropout_backward",
    lesson=LESSON,
    reference=dropout_backward,
    cases=_cases_dropout_backward,
    outputs=("dx",),
    seed=606,
    mistakes=(
        Mistake(
            "rescaled_twice",
            _variant_dropout_backward("twice"),
            "dx is rescaled twice: the cached mask already holds 0 or 1 / (1 − p), so dx = "
            "dout · mask, with no further division by 1 − p.",
        ),
        Mistake(
            "unscaled",
            _variant_dropout_backward("unscaled"),
            "dx lost the 1 / (1 − p): the forward pass multiplied the kept units by it, so "
            "their gradient is multiplied by it too. Use the cached mask as it is: dx = dout · "
            "mask.",
        ),
        Mistake(
            "no_mask",
            _variant_dropout_backward("no_mask"),
            "dx ignores the mask: a dropped unit did not reach the output, so no gradient flows "
            "back through it. dx = dout · mask (the mask from the cache).",
        ),
        Mistake(
            "divided_by_mask",
            _variant_dropout_backward("divided"),
            "you divided by the mask: out = x · mask, so dx = dout · mask (multiplied).",
        ),
        Mistake(
            "test_scaled",
            _variant_dropout_backward("test_scaled"),
            "train mode is right, but in test mode (mask None) you scaled dout by 1 − p. Test "
            "mode's forward pass is the identity, so dx = dout.",
        ),
    ),
    hints=(
        "which gate is this? In train mode out = x · mask, the mask a constant drawn in the "
        "forward pass; in test mode out = x. What does multiplying by a constant do to the "
        "gradient on the way back?",
        "once drawn, the mask is a constant: out = x · mask is lesson 1's multiply gate with "
        "one input fixed. What is its local derivative with respect to x? And that of test "
        "mode's out = x? The cache holds what you need.",
        "param, mask = cache; dx = dout if mask is None (test mode) else dout · mask. See "
        "section 7, 'Dropout'.",
    ),
))


# --- network_loss: a whole deep network by hand -------------------------------------------


def _network_loss(kind: str, X, y, params, bn_params, dropout_param):
    """network_loss, right (kind "right") or with one slip that `kind` names."""
    L = sum(1 for k in params if k.startswith("W"))
    p, seed = dropout_param["p"], dropout_param["seed"]
    h, caches = X, []
    for i in range(1, L):
        a, fc = affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        a, bn = batchnorm_forward(a, params[f"gamma{i}"], params[f"beta{i}"],
                                  bn_params[i - 1])
        h, rc = relu_forward(a)
        layer_seed = seed if kind == "one_mask" else [seed, i]
        h, dc = dropout_forward(h, {"p": p, "mode": "train", "seed": layer_seed})
        caches.append((fc, bn, rc, dc))
    scores, fc_last = affine_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dscores = softmax_cross_entropy(scores, y)
    grads: dict[str, np.ndarray] = {}
    dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, fc_last)
    for i in range(L - 1, 0, -1):
        fc, bn, rc, dc = caches[i - 1]
        if kind == "one_cache":  # one variable for the layers' caches, overwritten
            _, bn, rc, dc = caches[-1]
        if kind != "no_dropout_backward":
            dh = dropout_backward(dh, dc)
        if kind == "bn_before_relu":
            dh, dgamma, dbeta = batchnorm_backward(dh, bn)
            da = relu_backward(dh, rc)
        else:
            if kind != "no_relu_backward":
                dh = relu_backward(dh, rc)
            da, dgamma, dbeta = batchnorm_backward(dh, bn)
        if kind != "no_bn_grads":
            grads[f"gamma{i}"], grads[f"beta{i}"] = dgamma, dbeta
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(da, fc)
    return loss, grads


def _variant_network_loss(kind: str):
    """A wrong network_loss: `kind` names the slip."""
    def compute(X, y, params, bn_params, dropout_param):
        return _network_loss(kind, X, y, params, bn_params, dropout_param)
    return compute


def network_loss(X, y, params, bn_params, dropout_param):
    """An L-layer network's loss and every parameter's gradient (lesson 6).

    Hidden layer i is affine → batch norm (train mode, bn_params[i - 1]) → ReLU → dropout
    (seed [dropout_param["seed"], i]); the last layer is affine → softmax cross-entropy.
    Returns (loss, grads), grads with the keys of params.
    """
    return _network_loss("right", X, y, params, bn_params, dropout_param)


def _network_case(rng: np.random.Generator, n: int, d: int, h: int, c: int, layers: int,
                  p: float, running: bool) -> Case:
    sizes = [d] + [h] * (layers - 1) + [c]
    params: dict[str, np.ndarray] = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{i}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        params[f"b{i}"] = rng.normal(0.0, 0.1, size=fan_out)
        if i < layers:
            params[f"gamma{i}"] = rng.uniform(0.5, 1.5, size=fan_out)
            params[f"beta{i}"] = rng.normal(0.0, 0.3, size=fan_out)
    bn_params: list[dict[str, Any]] = []
    for _ in range(layers - 1):
        bn: dict[str, Any] = {"mode": "train"}
        if running:
            bn["running_mean"] = rng.normal(0.0, 0.5, size=h)
            bn["running_var"] = rng.uniform(0.5, 2.0, size=h)
        bn_params.append(bn)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, c, size=n)
    dropout_param = {"p": p, "seed": int(rng.integers(1000))}
    note = (f"{_shapes(X=X, y=y)}, {layers} layers {sizes}, dropout p={p:g} "
            f"seed={dropout_param['seed']}")
    return Case((X, y, params, bn_params, dropout_param), note)


def _cases_network_loss(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # (N, D, H, C, layers, p, running averages given): every hidden layer has the same
    # width H, so that a slip that mixes the layers up has the right shapes and is named
    # by its values; two hidden layers or more, and p > 0, in the visible cases.
    specs = [(6, 5, 4, 3, 3, 0.3, False), (5, 3, 4, 2, 4, 0.5, True)]
    if hidden:
        specs += [(8, 4, 5, 3, 3, float(rng.uniform(0.2, 0.6)), True),
                  (4, 6, 3, 4, 2, 0.25, False),
                  (7, 2, 6, 3, int(rng.integers(3, 5)), 0.4, True),
                  (5, 4, 4, 3, 3, 0.0, False)]  # p = 0: nothing dropped
    return [_network_case(rng, *spec) for spec in specs]


register(Exercise(
    id="network_loss",
    lesson=LESSON,
    reference=network_loss,
    equivalents=(MLP,),
    cases=_cases_network_loss,
    outputs=("loss", "grads"),
    mutable=(3, 4),  # the running averages in bn_params; a dropout_param used as scratch
    seed=607,
    mistakes=(
        Mistake(
            "one_cache",
            _variant_network_loss("one_cache"),
            "the hidden layers' backward passes all used the LAST hidden layer's batch norm, "
            "ReLU and dropout caches: a cache variable overwritten by every layer of the "
            "forward loop. Keep one entry per layer (append to a list in the forward loop) "
            "and give layer i's backward pass layer i's caches.",
        ),
        Mistake(
            "no_dropout_backward",
            _variant_network_loss("no_dropout_backward"),
            "the backward pass skips dropout: a unit dropped in the forward pass had no "
            "effect on the loss, so its gradient must be 0, and a kept one was scaled. "
            "Replay the forward pass's mask (its cache) on the way back, in every hidden "
            "layer.",
        ),
        Mistake(
            "one_mask",
            _variant_network_loss("one_mask"),
            "every hidden layer drew the same dropout mask: you passed the seed as it is to "
            "each layer. Layer i draws its mask with the seed [seed, i] (the statement), as "
            "the MLP does, so that each layer drops different units.",
        ),
        Mistake(
            "no_bn_grads",
            _variant_network_loss("no_bn_grads"),
            "grads has no entries for batch norm's parameters: gamma{i} and beta{i} are "
            "parameters like the weights, and grads needs a key for every key of params, "
            "from each layer's batch norm backward pass.",
        ),
        Mistake(
            "bn_before_relu",
            _variant_network_loss("bn_before_relu"),
            "inside a hidden layer the backward calls run in the wrong order: batch norm's "
            "backward pass came before the ReLU's. The forward pass went affine → batch norm "
            "→ ReLU → dropout, so the backward pass visits the same boxes in reverse.",
        ),
        Mistake(
            "no_relu_backward",
            _variant_network_loss("no_relu_backward"),
            "the gradient went through the ReLUs unchanged: a unit that was off (its input "
            "≤ 0) passes no gradient back. Each hidden layer's backward pass needs the ReLU's "
            "backward step, with that layer's ReLU cache.",
        ),
    ),
    hints=(
        "draw one hidden layer as four boxes, affine → batch norm → ReLU → dropout, each "
        "returning (out, cache). What must the forward loop keep so that the backward loop "
        "can undo layer i? In which order does the backward loop visit the layers, and, "
        "inside one layer, the four boxes?",
        "forward: for i = 1 … L − 1, one entry per layer in a list of caches (affine, batch "
        "norm, ReLU, dropout; dropout with seed [seed, i]); then the last affine layer and "
        "softmax_cross_entropy. Backward: the last affine layer first, then for i = L − 1 "
        "down to 1 that layer's boxes in reverse; batch norm's backward pass gives "
        "gamma{i}'s and beta{i}'s gradients.",
        "loss, dscores = softmax_cross_entropy(scores, y); dh, grads[f'W{L}'], "
        "grads[f'b{L}'] = affine_backward(dscores, fc_last); then for i in range(L − 1, 0, "
        "−1): fc, bn, rc, dc = caches[i − 1]; dh = dropout_backward(dh, dc); dh = "
        "relu_backward(dh, rc); dh, grads[f'gamma{i}'], grads[f'beta{i}'] = "
        "batchnorm_backward(dh, bn); dh, grads[f'W{i}'], grads[f'b{i}'] = "
        "affine_backward(dh, fc). See section 8, 'A whole deep network by hand'.",
    ),
))
