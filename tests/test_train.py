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
