"""Tests for backprop.train: batches, history, progress bar, and the stop on divergence."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.models import MLP
from backprop.train import Trainer, TrainingDiverged


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    return centres[y] + rng.normal(size=(n, 2)), y


def test_training_learns_and_keeps_a_history():
    X, y = blobs()
    Xv, yv = blobs(60, seed=1)
    trainer = Trainer(MLP([2, 16, 3], seed=0), X, y, X_val=Xv, y_val=yv,
                      optim_config={"learning_rate": 0.1}, batch_size=32, epochs=8, progress=False)
    history = trainer.train()
    assert history["steps_per_epoch"] == 7  # ceil(200 / 32)
    assert len(history["loss"]) == 8 * 7
    assert len(history["train_acc"]) == len(history["val_acc"]) == 8
    assert np.mean(history["loss"][-7:]) < 0.5 * np.mean(history["loss"][:7])
    assert history["val_acc"][-1] > 0.95
    assert trainer.best_val_acc == max(history["val_acc"])


def test_every_sample_is_used_once_per_epoch():
    X, y = blobs(50)
    seen = []

    class Spy(MLP):
        def loss(self, X_batch, y_batch=None):
            if y_batch is not None:
                seen.append(X_batch[:, 0].copy())
            return super().loss(X_batch, y_batch)

    Trainer(Spy([2, 3]), X, y, batch_size=16, epochs=2, progress=False).train()
    assert [len(b) for b in seen] == [16, 16, 16, 2] * 2
    first_epoch = np.sort(np.concatenate(seen[:4]))
    np.testing.assert_array_equal(first_epoch, np.sort(X[:, 0]))
    assert not np.array_equal(seen[0], seen[4])  # reshuffled for the second epoch


def test_training_is_repeatable_with_a_seed():
    X, y = blobs()
    runs = [Trainer(MLP([2, 8, 3], seed=1), X, y, epochs=2, seed=5, progress=False).train()["loss"]
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_a_diverging_run_stops_with_the_step_and_advice():
    X, y = blobs()
    X = X * 100
    trainer = Trainer(MLP([2, 64, 3], seed=0), X, y, optim_config={"learning_rate": 50.0},
                      epochs=50, progress=False, blowup=None)
    with pytest.raises(TrainingDiverged) as info:
        trainer.train()
    message = str(info.value)
    assert f"at step {info.value.step} (epoch" in message
    assert "learning_rate=50" in message
    assert "smaller learning rate, 10 to 100 times smaller (try 5, then 0.5)" in message
    assert len(info.value.history["loss"]) == info.value.step
    assert not np.isfinite(info.value.history["loss"][-1])
    assert all(np.isfinite(p).all() for p in trainer.model.params.values())


def test_the_progress_bar_shows_steps_and_can_be_switched_off(capsys):
    X, y = blobs(64)
    Trainer(MLP([2, 3]), X, y, batch_size=32, epochs=2, progress=True).train()
    err = capsys.readouterr().err
    assert "training" in err and "4/4" in err and "loss=" in err
    Trainer(MLP([2, 3]), X, y, batch_size=32, epochs=2, progress=False).train()
    assert capsys.readouterr().err == ""


def test_any_update_rule_with_the_interface_is_accepted():
    X, y = blobs(40)
    calls = []

    def frozen(w, dw, config):
        calls.append(config.get("tag"))
        return w, config

    net = MLP([2, 3], seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    Trainer(net, X, y, update_rule=frozen, optim_config={"tag": 1}, epochs=1,
            progress=False).train()
    assert calls == [1] * (2 * 1)  # W1 and b1, one step of 40 samples
    for k in before:
        np.testing.assert_array_equal(before[k], net.params[k])


def test_bad_arguments_are_refused_clearly():
    X, y = blobs(10)
    with pytest.raises(ValueError, match="unknown update rule 'adamw'"):
        Trainer(MLP([2, 3]), X, y, update_rule="adamw")
    with pytest.raises(ValueError, match=r"X has shape \(10, 2\) but y has shape \(9,\)"):
        Trainer(MLP([2, 3]), X, y[:9])
    with pytest.raises(ValueError, match="give both X_val and y_val"):
        Trainer(MLP([2, 3]), X, y, X_val=X)
    with pytest.raises(ValueError, match="batch_size and epochs must be >= 1"):
        Trainer(MLP([2, 3]), X, y, batch_size=0)


def test_a_loss_that_explodes_while_still_finite_also_stops_the_run():
    X, y = blobs()
    trainer = Trainer(MLP([2, 64, 3], seed=0), X * 10, y, optim_config={"learning_rate": 5.0},
                      epochs=50, progress=False, blowup=1e3)
    with pytest.raises(TrainingDiverged, match="over 1000 times its first value") as info:
        trainer.train()
    losses = info.value.history["loss"]
    assert np.isfinite(losses[-1]) and losses[-1] > 1e3 * losses[0]
    assert all(v <= 1e3 * losses[0] for v in losses[:-1])


def test_blowup_can_be_switched_off():
    # The run that the test above stops at 1000 times its first loss goes on without the
    # limit, until the loss is no longer finite.
    X, y = blobs()
    trainer = Trainer(MLP([2, 64, 3], seed=0), X * 10, y, optim_config={"learning_rate": 5.0},
                      epochs=50, progress=False, blowup=None)
    with pytest.raises(TrainingDiverged, match="the loss became (nan|inf)") as info:
        trainer.train()
    losses = info.value.history["loss"]
    assert max(v for v in losses if np.isfinite(v)) > 1e3 * losses[0]


def test_a_model_whose_layers_see_a_nan_counts_as_diverged():
    X, y = blobs(40)

    class Overflowing(MLP):
        def loss(self, X_batch, y_batch=None):
            from backprop._checks import no_nan
            no_nan(np.array([np.nan]), "hidden")  # what a layer's check raises mid-forward
            return super().loss(X_batch, y_batch)

    with pytest.raises(TrainingDiverged, match="at step 1 "):
        Trainer(Overflowing([2, 3]), X, y, epochs=1, progress=False).train()


# --- lesson 5: any update rule, and a learning-rate schedule ------------------------------


@pytest.mark.parametrize("rule", ["sgd_momentum", "nesterov", "rmsprop", "adam"])
def test_every_rule_of_optim_trains(rule):
    X, y = blobs()
    lr = 0.05 if rule in ("sgd_momentum", "nesterov") else 0.01
    trainer = Trainer(MLP([2, 16, 3], seed=0), X, y, update_rule=rule,
                      optim_config={"learning_rate": lr}, batch_size=32, epochs=6, progress=False)
    history = trainer.train()
    assert history["train_acc"][-1] > 0.95
    state = {"sgd_momentum": "velocity", "nesterov": "velocity", "rmsprop": "cache",
             "adam": "m"}[rule]
    # Each parameter keeps its own state, of its own shape.
    for name, w in trainer.model.params.items():
        assert trainer.configs[name][state].shape == w.shape


def test_momentum_reaches_a_low_loss_in_fewer_steps_than_sgd():
    X, y = blobs(400, seed=3)

    def loss_after(rule, config):
        trainer = Trainer(MLP([2, 16, 3], seed=0), X, y, update_rule=rule, optim_config=config,
                          batch_size=400, epochs=30, progress=False)
        return trainer.train()["loss"][-1]

    plain = loss_after("sgd", {"learning_rate": 0.02})
    heavy = loss_after("sgd_momentum", {"learning_rate": 0.02, "momentum": 0.9})
    assert heavy < 0.5 * plain


def test_a_schedule_sets_the_rate_of_each_epoch_and_keeps_the_state():
    X, y = blobs()
    trainer = Trainer(MLP([2, 8, 3], seed=0), X, y, update_rule="sgd_momentum",
                      optim_config={"learning_rate": 0.1, "momentum": 0.9},
                      lr_schedule="step", schedule_config={"drop": 0.5, "every": 2},
                      epochs=5, progress=False)
    history = trainer.train()
    np.testing.assert_allclose(history["lr"], [0.1, 0.1, 0.05, 0.05, 0.025])
    assert all(c["learning_rate"] == 0.025 for c in trainer.configs.values())
    assert all("velocity" in c for c in trainer.configs.values())
    assert trainer.optim_config["learning_rate"] == 0.1  # the caller's config is untouched


def test_the_schedule_really_changes_the_steps():
    X, y = blobs()

    def params_after(**kw):
        trainer = Trainer(MLP([2, 8, 3], seed=0), X, y, optim_config={"learning_rate": 0.1},
                          epochs=3, progress=False, **kw)
        trainer.train()
        return trainer.model.params["W1"]

    same = params_after(lr_schedule="constant")
    np.testing.assert_array_equal(same, params_after())
    assert not np.allclose(params_after(lr_schedule="exponential", schedule_config={"decay": 0.5}),
                           same)


def test_a_learners_schedule_function_is_accepted():
    X, y = blobs(64)
    calls = []

    def halve_every_epoch(epoch, lr0, factor=0.5):
        calls.append(epoch)
        return lr0 * factor**epoch

    trainer = Trainer(MLP([2, 8, 3], seed=0), X, y, optim_config={"learning_rate": 0.2},
                      lr_schedule=halve_every_epoch, schedule_config={"factor": 0.25},
                      epochs=3, progress=False)
    history = trainer.train()
    np.testing.assert_allclose(history["lr"], [0.2, 0.05, 0.0125])
    assert calls[-3:] == [0, 1, 2]


def test_epoch_loss_and_time_are_recorded():
    X, y = blobs(100)
    trainer = Trainer(MLP([2, 8, 3], seed=0), X, y, optim_config={"learning_rate": 0.1},
                      batch_size=25, epochs=3, progress=False)
    history = trainer.train()
    assert len(history["epoch_loss"]) == len(history["epoch_time"]) == 3
    np.testing.assert_allclose(history["epoch_loss"][1], np.mean(history["loss"][4:8]))
    assert all(t > 0 for t in history["epoch_time"])
    assert history["lr"] == [0.1, 0.1, 0.1]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"lr_schedule": "cosine"}, ValueError, "unknown lr_schedule 'cosine'"),
    ({"lr_schedule": 3}, TypeError, "lr_schedule must be a name or a schedule"),
    ({"schedule_config": {"drop": 0.5}}, ValueError, "schedule_config was given without"),
    ({"lr_schedule": "step", "schedule_config": {"drop": 3.0}}, ValueError, "drop must be in"),
    ({"lr_schedule": lambda epoch, lr0: -1.0}, ValueError, "the schedule gave learning rate -1.0"),
    ({"lr_schedule": "step", "optim_config": {}}, ValueError, "a schedule starts from"),
    ({"update_rule": "adamw"}, ValueError, "unknown update rule 'adamw'"),
])
def test_bad_schedules_fail_before_training(kwargs, error, match):
    X, y = blobs(20)
    kwargs.setdefault("optim_config", {"learning_rate": 0.1})
    with pytest.raises(error, match=match):
        Trainer(MLP([2, 4, 3]), X, y, progress=False, **kwargs)


def test_divergence_message_names_the_scheduled_rate():
    X, y = blobs()
    trainer = Trainer(MLP([2, 16, 3], seed=0), X, y, optim_config={"learning_rate": 1e4},
                      lr_schedule="exponential", schedule_config={"decay": 0.5},
                      epochs=3, progress=False)
    with pytest.raises(TrainingDiverged, match="learning_rate=10000"):
        trainer.train()


def test_a_last_batch_of_one_joins_the_previous_one_with_batchnorm():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(65, 4)), rng.integers(0, 3, size=65)
    net = MLP([4, 8, 3], normalization="batchnorm", seed=0)
    trainer = Trainer(net, X, y, batch_size=32, epochs=2, progress=False)
    history = trainer.train()  # batches of 32 and 33, never one of 1
    assert history["steps_per_epoch"] == 2 and len(history["loss"]) == 4
    plain = Trainer(MLP([4, 8, 3], seed=0), X, y, batch_size=32, epochs=1, progress=False)
    assert plain.history["steps_per_epoch"] == 3
