"""A training loop for any model with `params` and `loss(X, y)` (lesson 3; lesson 5 adds schedules).

`Trainer` shuffles the data into mini-batches every epoch, asks the model for the loss
and gradients of one batch, and lets an update rule from `backprop.optim` move each
parameter, at a learning rate a schedule may change from epoch to epoch. It records the
loss of every step and the accuracy and time of every epoch, and stops
with a clear message as soon as the loss stops being a finite number.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from backprop import optim
from backprop._checks import NonFiniteError, as_array, trusted

__all__ = ["Trainer", "TrainingDiverged"]


class Model(Protocol):
    """What the Trainer needs: a dict of parameter arrays and a loss with gradients."""

    params: dict[str, np.ndarray]

    def loss(self, X: np.ndarray, y: np.ndarray | None = None) -> Any:
        """Scores without y; (loss, grads) with y."""


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or inf; `history` holds everything recorded up to that step."""

    def __init__(self, message: str, step: int, history: dict[str, Any]) -> None:
        super().__init__(message)
        self.step = step
        self.history = history


class Trainer:
    """Train a model with mini-batch gradient descent and keep a history.

    Introduced in lesson 3 (the MLP); lesson 5 adds momentum and schedules.

    Any update rule of `backprop.optim` (or your own, with the same signature) moves the
    parameters; any schedule `schedule(epoch, lr0, **schedule_config) -> lr` sets the
    learning rate at the start of each epoch, with lr0 = optim_config["learning_rate"].

    Attributes:
        history: "loss" (one float per step); one entry per epoch for "epoch_loss" (the
            mean batch loss of the epoch), "train_acc", "val_acc" (empty without
            validation data), "lr" (the learning rate the epoch used) and "epoch_time"
            (seconds, accuracy measurements excluded); and "steps_per_epoch".
        best_params: A copy of the parameters with the best validation accuracy (or
            the last ones without validation data).

    Example:
        >>> from backprop.models import MLP
        >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
        >>> trainer = Trainer(MLP([2, 8, 2]), X, y, epochs=5, progress=False)
        >>> history = trainer.train()
        >>> len(history["train_acc"])
        5
    """

    def __init__(
        self,
        model: Model,
        X: np.ndarray,
        y: np.ndarray,
        *,
        X_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        update_rule: str | Callable[..., tuple[np.ndarray, dict[str, Any]]] = "sgd",
        optim_config: dict[str, Any] | None = None,
        lr_schedule: str | Callable[..., float] | None = None,
        schedule_config: dict[str, Any] | None = None,
        batch_size: int = 64,
        epochs: int = 10,
        seed: int = 0,
        progress: bool = True,
        acc_samples: int | None = 1000,
        blowup: float | None = 1e6,
    ) -> None:
        """Set up training.

        Args:
            model: Has `params` (dict of arrays) and `loss(X, y) -> (loss, grads)`;
                `predict(X)` is used for accuracy when present, else the argmax of the scores.
            X: Training inputs, shape (N, D).
            y: Training labels (N,) (or targets, for a regression loss).
            X_val: Optional validation inputs, shape (M, D).
            y_val: Optional validation labels, shape (M,).
            update_rule: A function of `backprop.optim` or its name, e.g. "sgd",
                "sgd_momentum", "nesterov", "rmsprop", "adam"; or your own function
                `update(w, dw, config) -> (next_w, config)`.
            optim_config: Hyperparameters of the rule, e.g. {"learning_rate": 0.1,
                "momentum": 0.9}; each parameter gets its own copy, since a rule keeps
                its state (a velocity) in it.
            lr_schedule: None (a constant rate), "constant", "step", "exponential" (see
                `backprop.optim`), or a function `schedule(epoch, lr0, **params) -> lr`
                with epochs counted from 0.
            schedule_config: Keyword arguments of the schedule, e.g. {"drop": 0.5,
                "every": 5} for "step" or {"decay": 0.9} for "exponential".
            batch_size: Samples per step; the last batch of an epoch may be smaller.
            epochs: Passes over the training data.
            seed: Seed of the shuffling.
            progress: Show a tqdm progress bar (a widget in JupyterLab, text elsewhere).
            acc_samples: Measure training accuracy on at most this many samples (None: all).
            blowup: Also stop when a step's loss exceeds this many times the first step's
                loss: by then the run has diverged, even while the numbers are still finite
                (None: stop on NaN and inf only).

        Raises:
            TypeError, ValueError: On bad shapes, NaN or an unknown rule.
        """
        X = as_array(X, "X", 2, "(N, D)")
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has shape {X.shape} but y has shape {y.shape}: one label per row.")
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither.")
        if X_val is not None:
            X_val = as_array(X_val, "X_val", 2, f"(M, {X.shape[1]})")
            if len(np.asarray(y_val)) != len(X_val):
                raise ValueError(f"X_val has shape {X_val.shape} but y_val has shape "
                                 f"{np.shape(y_val)}: one label per row.")
        if isinstance(update_rule, str):
            if not hasattr(optim, update_rule) or update_rule.startswith("_"):
                raise ValueError(f"unknown update rule {update_rule!r}; choose one of "
                                 f"{optim.__all__}, or pass a function.")
            update_rule = getattr(optim, update_rule)
        if not callable(update_rule):
            raise TypeError("update_rule must be a name or an update(w, dw, config) function.")
        schedule_config = dict(schedule_config or {})
        if isinstance(lr_schedule, str):
            if lr_schedule not in optim.SCHEDULES:
                raise ValueError(f"unknown lr_schedule {lr_schedule!r}; choose one of "
                                 f"{list(optim.SCHEDULES)}, or pass a function.")
            lr_schedule = optim.SCHEDULES[lr_schedule]
        if lr_schedule is not None and not callable(lr_schedule):
            raise TypeError("lr_schedule must be a name or a schedule(epoch, lr0, ...) function.")
        if lr_schedule is None and schedule_config:
            raise ValueError("schedule_config was given without an lr_schedule.")
        if int(batch_size) < 1 or int(epochs) < 1:
            raise ValueError(f"batch_size and epochs must be >= 1, got {batch_size} and {epochs}.")
        self.model = model
        self.X, self.y, self.X_val, self.y_val = X, y, X_val, y_val
        self.update_rule = update_rule
        self.optim_config = dict(optim_config or {})
        self.lr_schedule = lr_schedule
        self.schedule_config = schedule_config
        if lr_schedule is not None:
            if "learning_rate" not in self.optim_config:
                raise ValueError("a schedule starts from optim_config['learning_rate']; give it, "
                                 "e.g. optim_config={'learning_rate': 0.1}.")
            self._learning_rate(0)  # a bad schedule or config fails here, not mid-run
        self.batch_size = int(batch_size)
        self.epochs = int(epochs)
        self.progress = progress
        self.acc_samples = acc_samples
        self.blowup = blowup
        self.rng = np.random.default_rng(seed)
        self.configs = {k: copy.deepcopy(self.optim_config) for k in model.params}
        self.history: dict[str, Any] = {
            "loss": [], "epoch_loss": [], "train_acc": [], "val_acc": [], "lr": [],
            "epoch_time": [], "steps_per_epoch": -(-len(X) // self.batch_size),
        }
        # Batch norm can't train on a batch of one sample (lesson 6): a last batch of one
        # joins the batch before it.
        self._merge_last = (getattr(model, "normalization", None) == "batchnorm"
                            and len(X) % self.batch_size == 1 and len(X) > self.batch_size)
        if self._merge_last:
            self.history["steps_per_epoch"] -= 1
        self.best_val_acc = -1.0
        self.best_params = {k: v.copy() for k, v in model.params.items()}

    def _learning_rate(self, epoch: int) -> float | None:
        """The rate of this epoch: the schedule's, or the config's without a schedule."""
        lr0 = self.optim_config.get("learning_rate")
        if self.lr_schedule is None:
            return lr0
        lr = self.lr_schedule(epoch, lr0, **self.schedule_config)
        if not (isinstance(lr, int | float | np.floating) and np.isfinite(lr) and lr > 0):
            raise ValueError(f"the schedule gave learning rate {lr!r} for epoch {epoch}; it "
                             "must return a positive number.")
        return float(lr)

    def accuracy(self, X: np.ndarray, y: np.ndarray, limit: int | None = None) -> float:
        """Accuracy of the model on (X, y), on a random subset of `limit` rows if given."""
        if limit is not None and len(X) > limit:
            rows = self.rng.choice(len(X), limit, replace=False)
            X, y = X[rows], y[rows]
        predict = getattr(self.model, "predict", None)
        pred = predict(X) if predict is not None else self.model.loss(X).argmax(axis=1)
        return float(np.mean(pred == y))

    def step(self, X_batch: np.ndarray, y_batch: np.ndarray) -> float:
        """One update of every parameter from one mini-batch; returns the batch loss."""
        # Overflow is detected below, by the loss itself, with a clearer message than
        # NumPy's warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                loss, grads = self.model.loss(X_batch, y_batch)
            except NonFiniteError:
                # Huge but finite weights overflow to inf, and inf - inf is NaN: a layer's
                # input check then sees the NaN before the loss does. That is divergence too,
                # unless the batch itself was bad (the constructor checked X, so it isn't).
                return float("nan")
        if not np.isfinite(loss) or not all(np.isfinite(np.sum(g)) for g in grads.values()):
            return float(loss) if not np.isfinite(loss) else float("nan")
        with trusted():  # every gradient was just checked to be finite
            for name, w in self.model.params.items():
                if name not in grads:
                    raise KeyError(f"the model returned no gradient for parameter {name!r}.")
                self.model.params[name], self.configs[name] = self.update_rule(
                    w, grads[name], self.configs[name])
        return float(loss)

    def train(self) -> dict[str, Any]:
        """Run every epoch; return the history.

        Raises:
            TrainingDiverged: When the loss becomes NaN or inf, or `blowup` times its first
                value. The message names the step and the learning rate; a NaN or inf step
                is not applied to the parameters.
        """
        n = len(self.X)
        steps = self.history["steps_per_epoch"]
        bar = None
        if self.progress:
            from tqdm.auto import tqdm  # imported late: tqdm.auto probes for a notebook

            bar = tqdm(total=self.epochs * steps, desc="training", unit="step", leave=True)
        try:
            for epoch in range(1, self.epochs + 1):
                lr = self._learning_rate(epoch - 1)  # schedules count epochs from 0
                if lr is not None:
                    for config in self.configs.values():
                        config["learning_rate"] = lr  # the rule's state stays as it is
                else:  # no rate given: the rule's default, once the rule has filled it in
                    lr = next(iter(self.configs.values()), {}).get("learning_rate")
                self.history["lr"].append(lr)
                start = time.perf_counter()
                order = self.rng.permutation(n)  # a fresh shuffle each epoch
                for k in range(steps):
                    end = n if self._merge_last and k == steps - 1 else (k + 1) * self.batch_size
                    rows = order[k * self.batch_size:end]
                    loss = self.step(self.X[rows], self.y[rows])
                    self.history["loss"].append(loss)
                    if not np.isfinite(loss) or self._blew_up(loss):
                        self._diverged(loss, epoch, k + 1)
                    if bar is not None:
                        bar.update(1)
                        if k == steps - 1 or k % 10 == 0:
                            bar.set_postfix(epoch=epoch, loss=f"{loss:.4f}", refresh=False)
                self.history["epoch_time"].append(time.perf_counter() - start)
                self.history["epoch_loss"].append(float(np.mean(self.history["loss"][-steps:])))
                self._end_epoch(bar)
        finally:
            if bar is not None:
                bar.close()
        if self.X_val is None:
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        return self.history

    def _end_epoch(self, bar: Any) -> None:
        train_acc = self.accuracy(self.X, self.y, self.acc_samples)
        self.history["train_acc"].append(train_acc)
        if self.X_val is not None:
            val_acc = self.accuracy(self.X_val, self.y_val)
            self.history["val_acc"].append(val_acc)
            if val_acc > self.best_val_acc:
                self.best_val_acc = val_acc
                self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if bar is not None:
            shown = {"train_acc": f"{train_acc:.3f}"}
            if self.history["val_acc"]:
                shown["val_acc"] = f"{self.history['val_acc'][-1]:.3f}"
            bar.set_postfix(loss=f"{self.history['loss'][-1]:.4f}", **shown)

    def _blew_up(self, loss: float) -> bool:
        first = self.history["loss"][0]
        return self.blowup is not None and loss > self.blowup * max(first, 1e-12)

    def _diverged(self, loss: float, epoch: int, batch: int) -> None:
        step = len(self.history["loss"])
        # The rate in force: a schedule's, the config's, or the rule's default it filled in.
        lr = next(iter(self.configs.values()), {}).get("learning_rate")
        lr_text = f"learning_rate={lr:g}" if isinstance(lr, int | float) else "this learning rate"
        smaller = (f", 10 to 100 times smaller (try {lr / 10:g}, then {lr / 100:g})"
                   if isinstance(lr, int | float) else "")
        previous = [v for v in self.history["loss"][:-1] if np.isfinite(v)]
        trend = ""
        if len(previous) >= 2 and previous[-1] > previous[0]:
            trend = f" The loss had grown from {previous[0]:.4g} to {previous[-1]:.4g} before that."
        value = str(loss) if not np.isfinite(loss) else (
            f"{loss:.4g}, over {self.blowup:g} times its first value")
        raise TrainingDiverged(
            f"training stopped: the loss became {value} at step {step} (epoch {epoch}, batch "
            f"{batch}) with {lr_text}.{trend} The steps are too large and overshoot: use a "
            f"smaller learning rate{smaller}. trainer.history keeps the record up to this step.",
            step,
            self.history,
        )
