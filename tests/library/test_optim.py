"""Tests for backprop.optim: the one update interface."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.optim import sgd


def test_sgd_steps_against_the_gradient_and_returns_a_new_array():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    before = w.copy()
    next_w, config = sgd(w, dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [0.95, -1.9])
    np.testing.assert_array_equal(w, before)  # the caller's array is untouched
    assert config == {"learning_rate": 0.1}


def test_sgd_fills_in_defaults():
    _, config = sgd(np.zeros(2), np.ones(2))
    assert config["learning_rate"] == 1e-2


def test_sgd_minimises_a_quadratic():
    w = np.array([3.0, -4.0])
    config = {"learning_rate": 0.1}
    for _ in range(200):
        w, config = sgd(w, 2 * w, config)  # L = |w|^2
    assert np.abs(w).max() < 1e-10


@pytest.mark.parametrize(("config", "match"), [
    ({"learning_rate": -1.0}, "learning_rate'] must be a positive number"),
    ({"learning_rate": "fast"}, "learning_rate'] must be a positive number"),
])
def test_bad_configs_are_refused(config, match):
    with pytest.raises(ValueError, match=match):
        sgd(np.zeros(2), np.ones(2), config)


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "nesterov", "rmsprop", "adam"])
@pytest.mark.parametrize("lr", [np.float32(0.1), np.float64(0.1), np.array(0.1),
                                np.array(0.1, dtype=np.float32), np.int64(1)])
def test_a_numpy_scalar_or_0d_learning_rate_is_a_number(rule, lr):
    from backprop import optim as rules

    update = getattr(rules, rule)
    w, dw = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    extra = {"momentum": np.float32(0.5)} if rule in ("sgd_momentum", "nesterov") else {}
    got, config = update(w, dw, {"learning_rate": lr, **extra})
    plain = {key: float(value) for key, value in extra.items()}
    want, _ = update(w, dw, {"learning_rate": float(lr), **plain})
    np.testing.assert_array_equal(got, want)
    assert type(config["learning_rate"]) is float and config["learning_rate"] == float(lr)


@pytest.mark.parametrize(("lr", "says"), [
    (True, "True, a bool"),
    (np.nan, "got nan"),
    (np.array([0.1, 0.2]), "an array of shape (2,)"),
    (np.array([0.1]), "float(...) or .item()"),
    ("0.1", "the string '0.1'"),
])
def test_a_learning_rate_that_is_not_one_number_is_refused_saying_what_it_is(lr, says):
    with pytest.raises(ValueError) as info:
        sgd(np.zeros(2), np.ones(2), {"learning_rate": lr})
    assert "config['learning_rate'] must be a positive number, got " in str(info.value)
    assert says in str(info.value)


def test_bad_arrays_are_refused():
    with pytest.raises(ValueError, match=r"dw has shape \(3,\) but w has shape \(2,\)"):
        sgd(np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="dw contains 1 NaN"):
        sgd(np.zeros(2), np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="w has dtype int64"):
        sgd(np.zeros(2, dtype=int), np.ones(2))


# --- lesson 5: momentum, Nesterov, RMSProp, Adam, schedules --------------------------------

from backprop import optim  # noqa: E402

GRADS = ([1.0, 0.2], [1.0, -0.4], [-2.0, 0.1])


def _run(rule, config, grads=GRADS, w0=(1.0, -0.5)):
    w, out = np.array(w0), []
    for g in grads:
        w, config = rule(w, np.array(g), config)
        out.append(w)
    return np.array(out), config


# Fixed numbers. The first column of momentum and Nesterov is worked by hand in the comments;
# RMSProp and Adam were computed once from their formulas and are kept as a regression record.
@pytest.mark.parametrize(("rule", "config", "expected"), [
    (optim.sgd, {"learning_rate": 0.1}, [[0.9, -0.52], [0.8, -0.48], [1.0, -0.49]]),
    # v = -0.1 → w = 0.9; v = 0.9·(-0.1) - 0.1 = -0.19 → 0.71; v = -0.171 + 0.2 = 0.029 → 0.739
    (optim.sgd_momentum, {"learning_rate": 0.1, "momentum": 0.9},
     [[0.9, -0.52], [0.71, -0.498], [0.739, -0.4882]]),
    # w = 1 + 1.9·(-0.1) = 0.81; 0.81 + 0.09 + 1.9·(-0.19) = 0.539; 0.539 + 0.171 + 1.9·0.029
    (optim.nesterov, {"learning_rate": 0.1, "momentum": 0.9},
     [[0.81, -0.538], [0.539, -0.4782], [0.7651, -0.47938]]),
    (optim.rmsprop, {"learning_rate": 0.01, "decay_rate": 0.9},
     [[0.968377224398, -0.531622771602], [0.945435651538, -0.503051345071],
      [0.97190309145, -0.510375828726]]),
    (optim.adam, {"learning_rate": 0.01},
     [[0.9900000001, -0.5099999995], [0.9800000002, -0.506338964345],
      [0.980756493502, -0.504972057767]]),
])
def test_every_rule_reproduces_fixed_numbers(rule, config, expected):
    got, _ = _run(rule, dict(config))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-11)


def test_sgd_momentum_matches_the_textbook_recurrence_over_ten_steps():
    rng = np.random.default_rng(5)
    grads = rng.normal(size=(10, 3, 2))
    lr, beta = 0.05, 0.8
    w_ref, v_ref = rng.normal(size=(3, 2)), np.zeros((3, 2))
    w, config = w_ref.copy(), {"learning_rate": lr, "momentum": beta}
    # The second textbook form: v ← β·v + g, w ← w − lr·v. With a fixed rate it is the same
    # recurrence with v scaled by -lr, so both must agree with the rule.
    w_alt, v_alt = w_ref.copy(), np.zeros((3, 2))
    for g in grads:
        v_ref = beta * v_ref - lr * g
        w_ref = w_ref + v_ref
        v_alt = beta * v_alt + g
        w_alt = w_alt - lr * v_alt
        w, config = optim.sgd_momentum(w, g, config)
        np.testing.assert_allclose(w, w_ref, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(config["velocity"], v_ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(w, w_alt, rtol=1e-12)


def test_momentum_zero_is_plain_sgd_and_nesterov_zero_too():
    plain, _ = _run(optim.sgd, {"learning_rate": 0.1})
    for rule in (optim.sgd_momentum, optim.nesterov):
        got, _ = _run(rule, {"learning_rate": 0.1, "momentum": 0.0})
        np.testing.assert_allclose(got, plain, rtol=1e-14)


def test_nesterov_equals_momentum_with_the_gradient_taken_ahead():
    # The look-ahead form: v ← β·v − lr·∇L(θ + β·v), θ ← θ + v. The rule stores φ = θ + β·v
    # and takes the gradient there, so its iterates must be the look-ahead points.
    def grad(p):  # L = 0.5·(p0² + 10·p1²)
        return np.array([1.0, 10.0]) * p

    lr, beta = 0.02, 0.9
    theta, v = np.array([1.0, 1.0]), np.zeros(2)
    phi, config = theta.copy(), {"learning_rate": lr, "momentum": beta}
    for _ in range(10):
        v = beta * v - lr * grad(theta + beta * v)
        theta = theta + v
        phi, config = optim.nesterov(phi, grad(phi), config)
        np.testing.assert_allclose(phi, theta + beta * v, rtol=1e-12)


def test_adam_first_step_moves_each_weight_by_about_the_learning_rate():
    # Bias correction: m̂ = g and v̂ = g² after one step, so the step is lr·sign(g).
    w, config = optim.adam(np.zeros(3), np.array([1e-3, -5.0, 200.0]), {"learning_rate": 0.1})
    np.testing.assert_allclose(w, [-0.1, 0.1, -0.1], rtol=1e-4)
    assert config["t"] == 1


@pytest.mark.parametrize("rule", [optim.sgd_momentum, optim.nesterov, optim.rmsprop, optim.adam])
def test_rules_keep_their_state_in_config_and_leave_w_alone(rule):
    w = np.array([1.0, 2.0])
    before = w.copy()
    next_w, config = rule(w, np.array([0.5, -0.5]), None)
    np.testing.assert_array_equal(w, before)
    assert next_w is not w
    state = {"velocity"} if rule in (optim.sgd_momentum, optim.nesterov) else (
        {"cache"} if rule is optim.rmsprop else {"m", "v", "t"})
    assert state <= set(config)


@pytest.mark.parametrize("rule", [optim.sgd, optim.sgd_momentum, optim.nesterov, optim.rmsprop,
                                  optim.adam])
def test_every_rule_minimises_an_ill_conditioned_quadratic(rule):
    scale = np.array([1.0, 10.0])
    w, config = np.array([3.0, -2.0]), {"learning_rate": 0.05}
    for t in range(3000):
        # Adaptive rules take steps of about lr whatever the gradient, so they hover around
        # the minimum at a distance of order lr: let the rate decay for all rules.
        config["learning_rate"] = optim.exponential_decay(t, 0.05, decay=0.998)
        w, config = rule(w, scale * w, config)  # L = 0.5·(w0² + 10·w1²)
    assert np.abs(w).max() < 1e-3, w


@pytest.mark.parametrize(("config", "match"), [
    ({"learning_rate": 0.1, "momentum": 1.0},
     r"config\['momentum'\] must be a number in \[0.0, 1.0\)"),
    ({"learning_rate": 0.1, "momentum": -0.1}, "momentum"),
    ({"learning_rate": 0.1, "momentum": "high"}, "momentum"),
    ({"learning_rate": 0.1, "velocity": np.zeros(3)},
     r"config\['velocity'\] has shape \(3,\) but w"),
])
def test_bad_momentum_configs_are_refused(config, match):
    with pytest.raises(ValueError, match=match):
        optim.sgd_momentum(np.zeros(2), np.ones(2), config)


def test_bad_adam_and_rmsprop_configs_are_refused():
    with pytest.raises(ValueError, match="beta2"):
        optim.adam(np.zeros(2), np.ones(2), {"beta2": 1.5})
    with pytest.raises(ValueError, match="decay_rate"):
        optim.rmsprop(np.zeros(2), np.ones(2), {"decay_rate": 1.0})
    with pytest.raises(ValueError, match="dw contains 1 NaN"):
        optim.adam(np.zeros(2), np.array([np.nan, 1.0]))


def test_step_decay_changes_the_rate_between_epochs_only():
    rates = [optim.step_decay(e, 0.1, drop=0.5, every=3) for e in range(7)]
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])


def test_exponential_decay_and_constant():
    np.testing.assert_allclose([optim.exponential_decay(e, 0.2, decay=0.5) for e in range(4)],
                               [0.2, 0.1, 0.05, 0.025])
    assert [optim.constant(e, 0.3) for e in range(3)] == [0.3, 0.3, 0.3]
    assert optim.SCHEDULES["step"] is optim.step_decay


@pytest.mark.parametrize(("call", "match"), [
    (lambda: optim.step_decay(-1, 0.1), "epoch must be a whole number >= 0"),
    (lambda: optim.step_decay(1.5, 0.1), "epoch must be a whole number"),
    (lambda: optim.step_decay(1, 0.0), "lr0 must be a positive number"),
    (lambda: optim.step_decay(1, 0.1, drop=2.0), r"drop must be in \(0, 1\]"),
    (lambda: optim.step_decay(1, 0.1, every=0), "every must be a whole number"),
    (lambda: optim.exponential_decay(1, 0.1, decay=0.0), r"decay must be in \(0, 1\]"),
])
def test_bad_schedule_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_schedules_take_numpy_scalars_and_0d_arrays():
    assert optim.constant(np.int64(2), np.float32(0.5)) == 0.5
    assert optim.step_decay(4, np.array(0.1), drop=np.float32(0.5), every=2) == pytest.approx(
        0.025)
    assert optim.exponential_decay(2, np.float64(0.2), decay=np.array(0.5)) == pytest.approx(
        0.05)
    for bad, says in ((True, "a bool"), (np.array([0.1]), "shape (1,)"), (np.nan, "nan")):
        with pytest.raises(ValueError, match="lr0 must be a positive number, got ") as info:
            optim.constant(0, bad)
        assert says in str(info.value)


# --- lesson 5: decoupled weight decay and clipping by the global norm ---------------------


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "nesterov", "adam"])
def test_weight_decay_is_absent_by_default_and_zero_changes_nothing(rule):
    from backprop import optim as rules

    update = getattr(rules, rule)
    w, dw = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    plain, config = update(w, dw, {"learning_rate": 0.1})
    assert "weight_decay" not in config  # not filled in: a check compares configs
    zero, _ = update(w, dw, {"learning_rate": 0.1, "weight_decay": 0.0})
    np.testing.assert_array_equal(plain, zero)


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "nesterov", "adam"])
def test_decoupled_weight_decay_shrinks_w_by_lr_times_lambda_outside_the_state(rule):
    from backprop import optim as rules

    update = getattr(rules, rule)
    w, dw = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    plain, plain_config = update(w, dw, {"learning_rate": 0.1})
    decayed, config = update(w, dw, {"learning_rate": 0.1, "weight_decay": 0.5})
    np.testing.assert_allclose(decayed, plain - 0.1 * 0.5 * w)
    for key in ("velocity", "m", "v"):  # the decay never enters the rule's state
        if key in plain_config:
            np.testing.assert_array_equal(config[key], plain_config[key])


def test_under_sgd_decoupled_decay_is_l2_added_to_the_gradient():
    from backprop.optim import sgd

    w, dw = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    decoupled, _ = sgd(w, dw, {"learning_rate": 0.1, "weight_decay": 0.3})
    l2, _ = sgd(w, dw + 0.3 * w, {"learning_rate": 0.1})
    np.testing.assert_allclose(decoupled, l2)


def test_a_negative_weight_decay_is_refused():
    from backprop.optim import sgd

    with pytest.raises(ValueError, match=r"config\['weight_decay'\] must be a number >= 0"):
        sgd(np.zeros(2), np.ones(2), {"learning_rate": 0.1, "weight_decay": -1.0})


def test_adams_bias_correction_makes_the_first_step_lr_times_the_sign():
    from backprop.optim import adam

    w, dw = np.zeros(3), np.array([0.001, -5.0, 2.0])
    next_w, config = adam(w, dw, {"learning_rate": 0.1, "epsilon": 1e-12})
    np.testing.assert_allclose(next_w, -0.1 * np.sign(dw))
    assert config["t"] == 1


def test_clip_by_norm_scales_all_gradients_by_one_factor_above_max_norm():
    from backprop.optim import clip_by_norm

    grads = {"W": np.array([[3.0, 0.0]]), "b": np.array([4.0])}
    before = {k: v.copy() for k, v in grads.items()}
    clipped, norm = clip_by_norm(grads, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped["W"], [[0.6, 0.0]])
    np.testing.assert_allclose(clipped["b"], [0.8])
    for k in grads:  # a new dict of new arrays; the caller's gradients untouched
        np.testing.assert_array_equal(grads[k], before[k])
        assert clipped[k] is not grads[k]


def test_clip_by_norm_leaves_gradients_below_max_norm_as_they_are():
    from backprop.optim import clip_by_norm

    grads = {"W": np.array([0.3, 0.4])}
    clipped, norm = clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped["W"], grads["W"])
    zero, zero_norm = clip_by_norm({"W": np.zeros(2)}, 1.0)
    assert zero_norm == 0.0 and not np.any(zero["W"])


@pytest.mark.parametrize(("grads", "max_norm", "error", "match"), [
    ([np.ones(2)], 1.0, TypeError, "grads must be a dict"),
    ({"W": np.ones(2)}, 0.0, ValueError, "max_norm must be a positive number"),
    ({"W": np.ones(2, dtype=int)}, 1.0, TypeError, r"grads\['W'\] has dtype int64"),
    ({"W": np.array([1.0, np.nan])}, 1.0, ValueError, "NaN"),
])
def test_clip_by_norm_refuses_bad_input(grads, max_norm, error, match):
    from backprop.optim import clip_by_norm

    with pytest.raises(error, match=match):
        clip_by_norm(grads, max_norm)
