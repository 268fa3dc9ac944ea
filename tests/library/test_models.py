"""Tests for backprop.models: the MLP's gradients against central differences, and its API."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.gradcheck import numerical_gradient, rel_error
from backprop.layers import affine_forward
from backprop.models import MLP, init_weights


def data(n=6, d=4, c=3, seed=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, c, size=n)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
@pytest.mark.parametrize("sizes", [[4, 3], [4, 7, 3], [4, 6, 5, 3]])
def test_every_parameter_gradient_matches_central_differences(activation, sizes):
    X, y = data()
    net = MLP(sizes, activation, seed=1)
    for b in (k for k in net.params if k.startswith("b")):  # nonzero biases: a stronger test
        net.params[b] = np.random.default_rng(2).normal(size=net.params[b].shape) * 0.1
    loss, grads = net.loss(X, y)
    assert set(grads) == set(net.params)
    for name, p in net.params.items():
        def f(_, name=name):
            return net.loss(X, y)[0]
        num = numerical_gradient(f, p)
        assert grads[name].shape == p.shape
        # Element-wise relative error is harsh on entries near 1e-5; the absolute error
        # (against a loss near 1) shows the agreement is to rounding.
        assert rel_error(grads[name], num) < 1e-5, (activation, sizes, name)
        assert np.max(np.abs(grads[name] - num)) < 1e-8, (activation, sizes, name)


@pytest.mark.parametrize(("loss", "y"), [("bce", np.array([0, 1, 1, 0, 1, 0])),
                                          ("mse", np.linspace(-1, 1, 12).reshape(6, 2))])
def test_other_losses_have_correct_gradients(loss, y):
    X, _ = data()
    net = MLP([4, 5, 1 if loss == "bce" else 2], "tanh", loss=loss, seed=3)
    _, grads = net.loss(X, y)
    for name, p in net.params.items():
        num = numerical_gradient(lambda _: net.loss(X, y)[0], p)
        assert rel_error(grads[name], num) < 1e-6, (loss, name)


def test_scores_without_labels_are_the_chained_layers():
    X, _ = data()
    net = MLP([4, 5, 3], "relu", seed=0)
    h = np.maximum(affine_forward(X, net.params["W1"], net.params["b1"])[0], 0)
    expected = affine_forward(h, net.params["W2"], net.params["b2"])[0]
    np.testing.assert_allclose(net.loss(X), expected)
    np.testing.assert_array_equal(net.predict(X), expected.argmax(axis=1))


def test_the_seed_makes_the_weights_repeatable():
    a, b, c = MLP([3, 4, 2], seed=7), MLP([3, 4, 2], seed=7), MLP([3, 4, 2], seed=8)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_initialisations_have_their_spread():
    rng = np.random.default_rng(0)
    assert init_weights(400, 300, "he", rng).std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert init_weights(400, 300, "xavier", rng).std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert init_weights(400, 300, "normal", rng, 0.05).std() == pytest.approx(0.05, rel=0.02)
    assert MLP([50, 50, 2], "sigmoid").init == "xavier"
    assert MLP([50, 50, 2], "relu").init == "he"
    assert MLP([50, 50, 2], weight_scale=1e-3).params["W1"].std() < 2e-3


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        MLP([2, 2], "relu6")
    with pytest.raises(ValueError, match="at least an input and an output"):
        MLP([2])
    with pytest.raises(ValueError, match="loss='bce' needs one output unit"):
        MLP([2, 3], loss="bce")
    with pytest.raises(ValueError, match="weight_scale sets a plain normal init"):
        MLP([2, 3], init="he", weight_scale=0.1)
    net = MLP([4, 3])
    with pytest.raises(ValueError, match=r"X has shape \(2, 5\), but the network takes 4 features"):
        net.loss(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="y holds the label 3, but there are 3 classes"):
        net.loss(np.zeros((2, 4)), np.array([0, 3]))
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        net.loss(np.zeros((2, 4)), np.array([0.0, 1.0]))
    X = np.zeros((2, 4))
    X[1, 3] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        net.loss(X)


def test_accuracy_and_repr():
    X, y = data()
    net = MLP([4, 3], seed=0)
    assert net.accuracy(X, y) == pytest.approx(np.mean(net.predict(X) == y))
    assert "15 parameters" in repr(net)


# --- lesson 4: looking inside a deep network --------------------------------------------

from backprop.models import layer_gradient_norms  # noqa: E402


def test_layer_gradient_norms_are_the_norms_of_each_dW():
    X, y = data(n=10)
    net = MLP([4, 6, 5, 3], activation="tanh", seed=2)
    _, grads = net.loss(X, y)
    norms = layer_gradient_norms(net, X, y)
    assert norms.shape == (3,)
    np.testing.assert_allclose(norms, [np.sqrt(np.sum(grads[f"W{i}"] ** 2)) for i in (1, 2, 3)])


def test_gradients_vanish_toward_the_input_in_a_deep_sigmoid_network():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 16)), rng.integers(0, 4, size=64)
    sizes = [16] + [32] * 9 + [4]
    sigmoid = layer_gradient_norms(MLP(sizes, "sigmoid", seed=0), X, y)
    relu = layer_gradient_norms(MLP(sizes, "relu", seed=0), X, y)
    assert sigmoid[0] < 1e-3 * sigmoid[-1]  # shrinks by 1000× over 10 layers
    assert relu[0] > 0.1 * relu[-1]  # He init keeps ReLU's gradients within a factor of 10


def test_hidden_activations_match_a_forward_pass_by_hand():
    X, _ = data(n=5)
    net = MLP([4, 6, 5, 3], activation="relu", seed=1)
    outputs = net.hidden_activations(X)
    assert [h.shape for h in outputs] == [(5, 6), (5, 5)]
    h1 = np.maximum(X @ net.params["W1"] + net.params["b1"], 0)
    np.testing.assert_allclose(outputs[0], h1)
    np.testing.assert_allclose(outputs[1], np.maximum(h1 @ net.params["W2"] + net.params["b2"], 0))


def test_hidden_activations_check_their_input():
    with pytest.raises(ValueError, match=r"X has shape \(5, 3\), but the network takes 4"):
        MLP([4, 6, 3]).hidden_activations(np.zeros((5, 3)))


def test_init_weights_spreads_follow_their_formulas():
    rng = np.random.default_rng(0)
    he = init_weights(400, 300, "he", rng)
    xavier = init_weights(400, 300, "xavier", rng)
    normal = init_weights(400, 300, "normal", rng, scale=0.3)
    assert abs(he.std() - np.sqrt(2 / 400)) < 0.01 * np.sqrt(2 / 400)
    assert abs(xavier.std() - np.sqrt(2 / 700)) < 0.01 * np.sqrt(2 / 700)
    assert abs(normal.std() - 0.3) < 0.01 * 0.3


# --- Lesson 6: normalisation, dropout and L2 inside the MLP ---

@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
@pytest.mark.parametrize(("dropout", "l2"), [(0.0, 0.0), (0.3, 0.0), (0.0, 0.1), (0.25, 0.05)])
def test_lesson6_options_keep_the_loss_gradient_checkable(normalization, dropout, l2):
    X, y = data(n=8)
    net = MLP([4, 6, 5, 3], "tanh", normalization=normalization, dropout=dropout, l2=l2, seed=4)
    rng = np.random.default_rng(6)
    for k in net.params:  # move gamma, beta and biases off their initial values
        if not k.startswith("W"):
            net.params[k] = net.params[k] + 0.3 * rng.normal(size=net.params[k].shape)
    loss, grads = net.loss(X, y, dropout_seed=11)
    assert set(grads) == set(net.params)
    if normalization:
        assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(grads) and "gamma3" not in grads
    for name, p in net.params.items():
        num = numerical_gradient(lambda _: net.loss(X, y, dropout_seed=11)[0], p)
        if normalization == "batchnorm" and name in ("b1", "b2"):
            # Batch norm subtracts the batch mean, so a bias before it has no effect: its
            # gradient is exactly 0, and the central difference is rounding noise.
            assert np.max(np.abs(grads[name])) < 1e-12 and np.max(np.abs(num)) < 1e-8
            continue
        assert rel_error(grads[name], num) < 1e-5, (normalization, dropout, l2, name)
        assert np.max(np.abs(grads[name] - num)) < 1e-8, (normalization, dropout, l2, name)


def test_l2_adds_the_penalty_to_the_loss():
    X, y = data()
    plain, penalised = MLP([4, 5, 3], seed=2), MLP([4, 5, 3], seed=2, l2=0.5)
    extra = 0.25 * sum(np.sum(penalised.params[f"W{i}"] ** 2) for i in (1, 2))
    assert penalised.loss(X, y)[0] == pytest.approx(plain.loss(X, y)[0] + extra)


def test_dropout_masks_change_between_steps_but_not_the_predictions():
    X, y = data(n=20)
    net = MLP([4, 30, 3], dropout=0.5, seed=1)
    assert net.loss(X, y)[0] != net.loss(X, y)[0]  # a fresh mask at every training step
    np.testing.assert_array_equal(net.loss(X), net.loss(X))  # test mode: no dropout
    np.testing.assert_array_equal(MLP([4, 30, 3], seed=1).loss(X), net.loss(X))


def test_batchnorm_modes_and_running_averages():
    X, y = data(n=16)
    net = MLP([4, 8, 3], normalization="batchnorm", seed=1)
    before = net.loss(X)  # test mode: running averages 0 and 1, so the layer is gamma*x+beta
    assert "running_mean" in net.bn_params[0]
    np.testing.assert_array_equal(net.bn_params[0]["running_mean"], 0)
    net.loss(X, y)  # train mode updates them
    assert not np.allclose(net.bn_params[0]["running_mean"], 0)
    assert not np.allclose(net.loss(X), before)
    assert net.loss(X[:1]).shape == (1, 3)  # one sample predicts in test mode
    with pytest.raises(ValueError, match="at least 2 samples"):
        net.loss(X[:1], y[:1])
    with pytest.raises(ValueError, match="no backward pass"):
        net.loss(X, y, mode="test")
    kept = net.bn_params[0]["running_mean"].copy()
    acts = net.hidden_activations(X)  # batch statistics, and the averages stay as they were
    a, _ = affine_forward(X, net.params["W1"], net.params["b1"])
    by_hand = np.maximum(0, (a - a.mean(axis=0)) / np.sqrt(a.var(axis=0) + 1e-5)
                         * net.params["gamma1"] + net.params["beta1"])
    np.testing.assert_allclose(acts[0], by_hand, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(net.bn_params[0]["running_mean"], kept)
    assert not np.allclose(net.hidden_activations(X, mode="test")[0], acts[0])


def test_deep_network_trains_with_batchnorm_at_a_rate_that_breaks_the_plain_one():
    from backprop.data import load_digits, standardize, train_test_split
    from backprop.train import Trainer, TrainingDiverged

    X, y = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    X_tr, X_te = standardize(X_tr, X_te)
    accs = {}
    for norm in (None, "batchnorm"):
        net = MLP([64] + [48] * 8 + [10], normalization=norm, seed=0)
        trainer = Trainer(net, X_tr, y_tr, update_rule="sgd_momentum",
                          optim_config={"learning_rate": 0.5, "momentum": 0.9},
                          batch_size=64, epochs=3, seed=0, progress=False)
        try:
            trainer.train()
            accs[norm] = net.accuracy(X_te, y_te)
        except TrainingDiverged:
            accs[norm] = None
    assert accs["batchnorm"] is not None and accs["batchnorm"] > 0.75, accs
    assert accs[None] is None or accs[None] < 0.5, accs


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"normalization": "groupnorm"}, "unknown normalization"),
    ({"dropout": 1.0}, r"\[0, 1\)"),
    ({"dropout": -0.2}, r"\[0, 1\)"),
    ({"l2": -1.0}, "l2 must be"),
])
def test_bad_lesson6_options_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP([4, 5, 3], **kwargs)
