"""Training speed of the package's MLP on the digits, against PyTorch when it is installed.

    python bench/train_speed.py [--steps 2000] [--repeats 3]

Trains a 64-128-10 ReLU network with softmax cross-entropy and plain SGD, batch 64, float64,
for a fixed number of steps, and prints samples per second. When PyTorch is importable it
trains the same network from the same initial weights on the same batches, on the CPU in
float64, in this process, and prints the ratio of the package's time to PyTorch's (goal:
<= 1.0). Because both runs do the same arithmetic, their loss curves must agree to rounding;
the largest difference is printed as a check that the comparison is fair.

PyTorch is not a requirement of the course: `pip install torch` (a CPU build) to compare.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from backprop.data import load_digits, standardize
from backprop.models import MLP
from backprop.train import Trainer

SIZES = [64, 128, 10]
BATCH = 64
LEARNING_RATE = 0.05


def batches(n_samples: int, steps: int, seed: int = 0) -> list[np.ndarray]:
    """Row indices of each step: shuffled epochs cut into batches of BATCH (last one dropped)."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    while len(out) < steps:
        order = rng.permutation(n_samples)
        out += [order[i:i + BATCH] for i in range(0, n_samples - BATCH + 1, BATCH)]
    return out[:steps]


def run_package(X, y, rows, params0) -> tuple[float, list[float]]:
    net = MLP(SIZES, "relu", seed=0)
    net.params = {k: v.copy() for k, v in params0.items()}
    trainer = Trainer(net, X, y, optim_config={"learning_rate": LEARNING_RATE},
                      batch_size=BATCH, progress=False)
    losses = []
    start = time.perf_counter()
    for r in rows:
        losses.append(trainer.step(X[r], y[r]))
    return time.perf_counter() - start, losses


def run_torch(torch, X, y, rows, params0) -> tuple[float, list[float]]:
    torch.manual_seed(0)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10)).double()
    with torch.no_grad():  # nn.Linear keeps W as (out, in): ours transposed
        model[0].weight.copy_(torch.from_numpy(params0["W1"].T))
        model[0].bias.copy_(torch.from_numpy(params0["b1"]))
        model[2].weight.copy_(torch.from_numpy(params0["W2"].T))
        model[2].bias.copy_(torch.from_numpy(params0["b2"]))
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    index = [torch.from_numpy(r) for r in rows]
    losses = []
    start = time.perf_counter()
    for r in index:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(Xt[r]), yt[r])
        loss.backward()
        opt.step()
        losses.append(loss.item())  # as the package does: a Python float per step
    return time.perf_counter() - start, losses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args(argv)

    X, y = load_digits()
    (X,) = standardize(X)
    rows = batches(len(X), args.steps)
    params0 = MLP(SIZES, "relu", seed=0).params
    print(f"MLP {'-'.join(map(str, SIZES))} (ReLU), batch {BATCH}, float64, {args.steps} SGD steps "
          f"on the 8x8 digits; best of {args.repeats}")

    run_package(X, y, rows[:50], params0)  # warm-up: imports, caches, BLAS threads
    ours, our_losses = min((run_package(X, y, rows, params0) for _ in range(args.repeats)),
                           key=lambda r: r[0])
    print(f"  backprop  {ours:7.3f} s  {args.steps * BATCH / ours:10,.0f} samples/s  "
          f"{ours / args.steps * 1e6:6.1f} µs/step  final loss {np.mean(our_losses[-50:]):.4f}")

    try:
        import torch
    except ImportError:
        print("  PyTorch is not installed: no ratio (pip install torch to compare).")
        return 0
    run_torch(torch, X, y, rows[:50], params0)
    theirs, torch_losses = min((run_torch(torch, X, y, rows, params0)
                                for _ in range(args.repeats)), key=lambda r: r[0])
    print(f"  PyTorch   {theirs:7.3f} s  {args.steps * BATCH / theirs:10,.0f} samples/s  "
          f"{theirs / args.steps * 1e6:6.1f} µs/step  final loss {np.mean(torch_losses[-50:]):.4f}"
          f"  (torch {torch.__version__}, {torch.get_num_threads()} threads)")
    diff = np.max(np.abs(np.array(our_losses) - np.array(torch_losses)))
    print(f"  same arithmetic: largest difference between the loss curves {diff:.1e}")
    print(f"  ratio backprop / PyTorch time: {ours / theirs:.2f}  (goal <= 1.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
