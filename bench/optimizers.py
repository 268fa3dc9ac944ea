"""How many epochs each update rule needs to reach a target accuracy on the digits.

    python bench/optimizers.py [--target 0.95] [--epochs 40] [--seeds 3]

Trains the same 64-64-10 ReLU network (He init, batch 64, float64) with each rule of
`backprop.optim`, and prints the median number of epochs until the validation accuracy first
reaches the target, with the ratio to plain SGD's (below 1.0: fewer epochs), the accuracy
after the last epoch and the time per epoch. Two tables:

1. the same learning rate for SGD, momentum and Nesterov: what lesson 5 measures;
2. every rule at its own best rate from a sweep over 0.001 … 0.3 (seed 0). This is the fair
   comparison: plain SGD with a rate 1/(1 − β) times larger keeps up with momentum here,
   which lesson 5 explains (the effective step size).
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from backprop.data import load_digits, standardize, train_test_split
from backprop.models import MLP
from backprop.train import Trainer, TrainingDiverged

RULES = ("sgd", "sgd_momentum", "nesterov", "rmsprop", "adam")
RATES = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3)
SAME_RATE = 0.03
NEVER = float("inf")


def epochs_to(target: float, val_acc: list[float]) -> int | None:
    """The first epoch (from 1) whose validation accuracy reaches the target, or None."""
    return next((i for i, acc in enumerate(val_acc, start=1) if acc >= target), None)


def run(data: tuple, rule: str, lr: float, seed: int, epochs: int,
        target: float) -> tuple[float, float, float]:
    """Train once; return (epochs to the target or inf, final accuracy, ms per epoch)."""
    X_train, y_train, X_val, y_val = data
    trainer = Trainer(MLP([64, 64, 10], seed=seed), X_train, y_train, X_val=X_val, y_val=y_val,
                      update_rule=rule, optim_config={"learning_rate": lr}, batch_size=64,
                      epochs=epochs, seed=seed, progress=False)
    try:
        history = trainer.train()
    except TrainingDiverged:
        return NEVER, float("nan"), float("nan")
    hit = epochs_to(target, history["val_acc"])
    return (NEVER if hit is None else hit, history["val_acc"][-1],
            1000 * float(np.median(history["epoch_time"])))


def table(title: str, rows: list[tuple[str, float]], data: tuple, args: argparse.Namespace) -> None:
    print(f"\n{title}")
    print(f"{'rule':<14}{'rate':>8}{'epochs':>8}{'ratio':>8}{'final acc':>11}{'ms/epoch':>10}")
    baseline = None
    for rule, lr in rows:
        runs = [run(data, rule, lr, seed, args.epochs, args.target) for seed in range(args.seeds)]
        median = statistics.median(r[0] for r in runs)
        baseline = median if baseline is None else baseline
        shown = f"{median:.0f}" if np.isfinite(median) else "never"
        ratio = f"{median / baseline:.2f}" if np.isfinite(median / baseline) else "-"
        print(f"{rule:<14}{lr:>8g}{shown:>8}{ratio:>8}"
              f"{statistics.mean(r[1] for r in runs):>11.3f}"
              f"{statistics.median(r[2] for r in runs):>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    X, y = load_digits()
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, seed=0)
    X_train, X_val = standardize(X_train, X_val)
    data = (X_train, y_train, X_val, y_val)
    print(f"digits: {len(X_train)} training and {len(X_val)} validation samples; target "
          f"{args.target:.0%} validation accuracy; at most {args.epochs} epochs; median of "
          f"{args.seeds} seeds")
    table(f"1. the same learning rate, {SAME_RATE}",
          [(rule, SAME_RATE) for rule in RULES[:3]], data, args)
    best = []
    for rule in RULES:
        sweep = {lr: run(data, rule, lr, 0, args.epochs, args.target)[0] for lr in RATES}
        best.append((rule, min(RATES, key=lambda lr: sweep[lr])))  # ties: the smaller rate
    table(f"2. each rule at its best rate of {', '.join(f'{r:g}' for r in RATES)}", best,
          data, args)


if __name__ == "__main__":
    main()
