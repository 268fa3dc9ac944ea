"""Lesson 06_normalization: its exercises, the grading of bn_param, and the lesson's claims.

The five per-exercise tests (tests/grading/helpers.py) on this lesson's exercises: its
independent solutions pass, and every known mistake is named. Then what the lesson relies
on: the notebook guards its measured claims with asserts (nbval runs them); these tests
keep the package behaviour behind them true on their own, quickly.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from backprop.grading import REGISTRY, CheckFailed, cases_for, check
from backprop.grading.compare import close
from backprop.grading.messages import first_difference, structure_problem
from backprop.models import MLP
from backprop.normalization import batchnorm_forward, layernorm_forward
from tests.grading.helpers import (
    assert_a_correct_function_passes,
    assert_a_mistake_through_the_wire_gets_checks_verdict_and_its_name,
    assert_a_solution_through_the_wire_gets_checks_verdict,
    assert_the_mistake_is_recognised_with_its_own_message,
    assert_the_packages_own_function_is_refused,
    exercise_ids,
    mistakes_of,
    through_the_wire,
)

pytestmark = pytest.mark.lesson6

LESSON = "06_normalization"


# Written apart from backprop.normalization and backprop.regularization, and for the
# backward passes along other routes (batch norm's by the simplified formula, layer
# norm's by transposing into batch norm), so that a slip in the package shows.
def _batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    d = x.shape[1]
    if "running_mean" not in bn_param:
        bn_param["running_mean"] = np.zeros(d)
        bn_param["running_var"] = np.ones(d)
    if bn_param["mode"] == "test":
        out = gamma * (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + eps)
        return out + beta, None
    n = x.shape[0]
    mu = np.sum(x, axis=0) / n
    var = np.sum((x - mu) ** 2, axis=0) / n
    x_hat = (x - mu) / np.sqrt(var + eps)
    bn_param["running_mean"] = momentum * bn_param["running_mean"] + (1 - momentum) * mu
    bn_param["running_var"] = momentum * bn_param["running_var"] + (1 - momentum) * var
    return gamma * x_hat + beta, (x, x_hat, mu, var, eps, gamma)


def _batchnorm_backward(dout, cache):
    _x, x_hat, _mu, var, eps, gamma = cache
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx = gamma / (n * np.sqrt(var + eps)) * (n * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


def _layernorm_backward(dout, cache):
    x, x_hat, mu, var, eps, gamma = cache
    # Layer norm of x is batch norm of x.T (gamma = 1): reuse the formula on the transpose.
    inner = (x.T, x_hat.T, mu.ravel(), var.ravel(), eps, np.ones(x.shape[0]))
    dx_t, _, _ = _batchnorm_backward((dout * gamma).T, inner)
    return dx_t.T, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def _l2_penalty(W, reg):
    return 0.5 * reg * float(np.vdot(W, W)), reg * W


def _dropout_forward(x, dropout_param):
    if dropout_param["mode"] == "test":
        return x, (dropout_param, None)
    p = dropout_param["p"]
    keep = np.random.default_rng(dropout_param["seed"]).random(x.shape) >= p
    mask = np.where(keep, 1.0 / (1.0 - p), 0.0)
    return x * mask, (dropout_param, mask)


def _dropout_backward(dout, cache):
    _param, mask = cache
    return dout if mask is None else np.where(mask != 0, dout * mask, 0.0)


def _network_loss(X, y, params, bn_params, dropout_param):
    # Plain NumPy, the hidden layers' caches kept in a dict by layer, and batch norm's
    # backward pass by the simplified formula: no package function on the way.
    L = max(int(k[1:]) for k in params if k.startswith("W"))
    h, keep = X, {}
    for i in range(1, L):
        a = h @ params[f"W{i}"] + params[f"b{i}"]
        bn_out, bn_cache = _batchnorm_forward(a, params[f"gamma{i}"], params[f"beta{i}"],
                                              bn_params[i - 1])
        r = np.maximum(bn_out, 0.0)
        drop = {"p": dropout_param["p"], "mode": "train", "seed": [dropout_param["seed"], i]}
        h, (_, mask) = _dropout_forward(r, drop)
        keep[i] = (keep.get(i - 1, (X,))[-1] if i > 1 else X, bn_cache, bn_out > 0, mask, h)
    scores = h @ params[f"W{L}"] + params[f"b{L}"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    loss = float(-logp[np.arange(n), y].mean())
    dscores = np.exp(logp)
    dscores[np.arange(n), y] -= 1.0
    dscores /= n
    grads = {f"W{L}": h.T @ dscores, f"b{L}": dscores.sum(axis=0)}
    dh = dscores @ params[f"W{L}"].T
    for i in range(L - 1, 0, -1):
        h_in, bn_cache, on, mask, _ = keep[i]
        dz = dh * mask * on
        da, grads[f"gamma{i}"], grads[f"beta{i}"] = _batchnorm_backward(dz, bn_cache)
        grads[f"W{i}"], grads[f"b{i}"] = h_in.T @ da, da.sum(axis=0)
        dh = da @ params[f"W{i}"].T
    return loss, grads


SOLUTIONS = {
    "batchnorm_forward": _batchnorm_forward,
    "batchnorm_backward": _batchnorm_backward,
    "layernorm_backward": _layernorm_backward,
    "l2_penalty": _l2_penalty,
    "dropout_forward": _dropout_forward,
    "dropout_backward": _dropout_backward,
    "network_loss": _network_loss,
}

EXERCISES = exercise_ids(LESSON)
MISTAKES = mistakes_of(EXERCISES)


def test_every_exercise_of_the_lesson_has_an_independent_solution_here():
    assert EXERCISES, "no exercise of the lesson is registered"
    assert set(SOLUTIONS) == set(EXERCISES)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_correct_function_passes(ex_id, hidden, capsys):
    assert_a_correct_function_passes(ex_id, SOLUTIONS[ex_id], hidden, capsys)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("ex_id", "name"), MISTAKES)
def test_every_known_mistake_is_recognised_with_its_own_message(ex_id, name, hidden):
    assert_the_mistake_is_recognised_with_its_own_message(ex_id, name, hidden)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_the_packages_own_function_is_refused(ex_id):
    assert_the_packages_own_function_is_refused(ex_id)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_solution_through_the_wire_gets_checks_verdict(ex_id, hidden, tmp_path):
    assert_a_solution_through_the_wire_gets_checks_verdict(ex_id, SOLUTIONS[ex_id], hidden,
                                                           tmp_path)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize(("ex_id", "name"), MISTAKES)
def test_a_known_mistake_through_the_wire_gets_checks_verdict_and_its_name(
        ex_id, name, hidden, tmp_path):
    assert_a_mistake_through_the_wire_gets_checks_verdict_and_its_name(ex_id, name, hidden,
                                                                       tmp_path)


# -- what the lesson relies on -----------------------------------------------------------


def _dropout_forward_keep_probability(x, dropout_param):
    # A learner's slip as they write it: p taken as the keep probability. At p = 0 (a
    # hidden case) `/ p` divides 0 by 0, so out is all NaN (with a RuntimeWarning).
    if dropout_param["mode"] == "test":
        return x, (dropout_param, None)
    p = dropout_param["p"]
    mask = (np.random.default_rng(dropout_param["seed"]).random(x.shape) < p) / p
    return x * mask, (dropout_param, mask)


@pytest.mark.parametrize("hidden", [False, True])
def test_p_as_the_keep_probability_is_recognised_on_every_case_set(hidden, tmp_path):
    message = "dropout_forward: " + next(
        m.message for m in REGISTRY["dropout_forward"].mistakes if m.name == "keep_probability")
    assert any(case.args[1]["p"] == 0 for case in cases_for("dropout_forward", hidden=True))
    with pytest.raises(CheckFailed) as info:
        check("dropout_forward", _dropout_forward_keep_probability, hidden=hidden)
    assert str(info.value).startswith(message), str(info.value)
    verdict = through_the_wire("dropout_forward", _dropout_forward_keep_probability, hidden,
                               tmp_path)
    assert verdict.mistake == "keep_probability", verdict
    assert verdict.message.startswith(message), verdict.message


def test_a_nan_answer_matches_only_a_mistake_with_nan_in_the_same_places():
    ex = REGISTRY["dropout_forward"]
    nan_at_0 = np.array([np.nan, 1.0])
    assert close(ex, nan_at_0, nan_at_0, same_nan=True)
    assert not close(ex, nan_at_0, nan_at_0)  # never the expected answer
    assert not close(ex, nan_at_0, np.array([1.0, np.nan]), same_nan=True)
    assert not close(ex, nan_at_0, np.array([0.0, 1.0]), same_nan=True)


def test_string_settings_in_a_compared_dict_are_compared_by_equality():
    ex = REGISTRY["batchnorm_forward"]
    assert close(ex, {"mode": "train", "running_mean": np.zeros(2)},
                 {"mode": "train", "running_mean": np.zeros(2)})
    assert not close(ex, {"mode": "test"}, {"mode": "train"})
    assert structure_problem("bn_param", {"mode": "train"}, {"mode": "train"}) is None
    assert "should be the string 'train'" in structure_problem("bn_param", {"mode": 1.0},
                                                                 {"mode": "train"})
    assert first_difference(ex, "bn_param", {"mode": "test"}, {"mode": "train"}) == \
        "bn_param['mode'] is 'test', expected 'train'"


def test_a_forward_pass_that_changes_the_mode_is_told_so():
    def batchnorm_forward(x, gamma, beta, bn_param):
        out, cache = SOLUTIONS["batchnorm_forward"](x, gamma, beta, bn_param)
        bn_param["mode"] = "test"
        return out, cache

    with pytest.raises(CheckFailed, match=r"bn_param\['mode'\] is 'test', expected 'train'"):
        check("batchnorm_forward", batchnorm_forward)


def test_batch_norm_output_is_unchanged_when_the_incoming_weights_are_scaled():
    # Section 6: a layer's output does not change when its incoming weights are scaled.
    rng = np.random.default_rng(0)
    h, W, b = rng.normal(size=(16, 5)), rng.normal(size=(5, 4)), rng.normal(size=4)
    gamma, beta = rng.uniform(0.5, 2, size=4), rng.normal(size=4)
    out, _ = batchnorm_forward(h @ W + b, gamma, beta, {"mode": "train", "eps": 1e-12})
    scaled, _ = batchnorm_forward(h @ (7 * W) + b, gamma, beta, {"mode": "train", "eps": 1e-12})
    np.testing.assert_allclose(scaled, out, atol=1e-9)


def test_a_batch_of_one_needs_test_mode_or_layer_norm():
    # Section 4: train mode refuses a batch of one; layer norm handles it.
    x = np.random.default_rng(1).normal(size=(1, 6))
    with pytest.raises(ValueError, match="at least 2 samples"):
        batchnorm_forward(x, np.ones(6), np.zeros(6), {"mode": "train"})
    out, _ = layernorm_forward(x, np.ones(6), np.zeros(6))
    assert abs(out.mean()) < 1e-12 and abs(out.std() - 1) < 1e-4


def test_hidden_activations_leave_the_running_averages_alone():
    # Section 1 measures batch-norm networks with hidden_activations between epochs.
    X = np.random.default_rng(2).normal(size=(20, 8))
    net = MLP([8, 6, 6, 3], normalization="batchnorm", seed=0)
    net.loss(X, np.arange(20) % 3)
    before = [{k: np.copy(v) for k, v in p.items() if k.startswith("running")}
              for p in net.bn_params]
    net.hidden_activations(X)
    after = [{k: v for k, v in p.items() if k.startswith("running")} for p in net.bn_params]
    for b, a in zip(before, after, strict=True):
        for key in b:
            np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize("ex_id", exercise_ids(LESSON))
def test_every_exercise_has_a_ladder_from_a_nudge_to_the_formula(ex_id):
    ladder = REGISTRY[ex_id].hints
    assert len(ladder) == 3, ladder
    assert "?" in ladder[0], "the first level is a nudge: it asks, it doesn't tell"


@pytest.mark.parametrize("hidden", [False, True])
def test_network_loss_is_what_the_mlp_computes(hidden):
    # Section 8 compares the learner's network with MLP; the reference must agree with it on
    # every case, parameter names, dropout seeds [seed, i] and batch norm defaults included.
    ex = REGISTRY["network_loss"]
    for case in cases_for("network_loss", hidden=hidden):
        X, y, params, bn_params, dropout_param = copy.deepcopy(case.args)
        loss, grads = ex.reference(X, y, copy.deepcopy(params), bn_params, dropout_param)
        L = sum(k.startswith("W") for k in params)
        sizes = [X.shape[1]] + [params[f"W{i}"].shape[1] for i in range(1, L + 1)]
        net = MLP(sizes, normalization="batchnorm", dropout=dropout_param["p"])
        net.params = params
        mlp_loss, mlp_grads = net.loss(X, y, dropout_seed=dropout_param["seed"])
        assert sorted(grads) == sorted(mlp_grads)
        np.testing.assert_allclose(loss, mlp_loss, rtol=1e-12)
        for key, value in mlp_grads.items():
            np.testing.assert_allclose(grads[key], value, rtol=1e-9, atol=1e-12)


def test_network_loss_cases_can_show_every_mistake():
    # Each known mistake differs from the reference on some visible case (two hidden layers
    # or more, p > 0), so that the visible check can name it.
    ex = REGISTRY["network_loss"]
    cases = cases_for("network_loss", hidden=False)
    for mistake in ex.mistakes:
        differs = False
        for case in cases:
            want = ex.reference(*copy.deepcopy(case.args))
            got = mistake.compute(*copy.deepcopy(case.args))
            differs |= not close(ex, got[0], want[0]) or not close(ex, got[1], want[1])
        assert differs, mistake.name
