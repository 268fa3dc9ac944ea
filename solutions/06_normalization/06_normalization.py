# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 6 · Batch normalisation, layer normalisation and regularisation
#
# Lessons 4 and 5 made deep networks trainable from the outside: a good initialisation starts every layer on the
# right scale, and a good optimiser makes good use of the gradients. But the scale of a layer's inputs does not
# stay where the initialisation put it. Every update changes the weights below a layer, so the numbers arriving
# at it drift while it is trying to learn from them. **Normalisation layers** fix this from the inside: they
# rescale each layer's inputs, at every step, to a steady mean and spread, and they are layers like any other,
# with a forward pass, a backward pass and learned parameters.
#
# The second half of the lesson is about the opposite problem: a network that learns its training set *too*
# well. **Regularisation** (an L2 penalty on the weights, and dropout) trades a little training accuracy for
# better accuracy on new data.
#
# **By the end you will be able to**
# - measure how the activation statistics of a deep network drift during training, layer by layer;
# - write batch normalisation's forward pass, in train mode (batch statistics, running averages) and test mode;
# - derive its backward pass node by node on the computational graph, gradient-check it, and simplify it
#   to one line;
# - explain why test mode needs running averages, and show what goes wrong without them;
# - write layer normalisation's backward pass, and say when to prefer layer norm to batch norm;
# - measure how much larger a learning rate a deep network tolerates with batch norm;
# - recognise overfitting, derive the L2 penalty's gradient and inverted dropout's scaling, and choose a
#   regulariser on a validation split;
# - write the forward and backward loop of a whole deep network (affine, batch norm, ReLU and dropout in every
#   hidden layer) by hand, and check it against central differences and the package's `MLP`.
#
# **Time needed:** about 80 minutes. *Going further* paragraphs can be skipped.
#
# **Prerequisites:** lessons 3–5: the `(out, cache)` / `backward(dout, cache)` convention, the affine layer and
# its backward pass (a bias's gradient is summed over the batch), the `MLP` and `Trainer`, He initialisation,
# the learning rate and mini-batches. From statistics: the mean and the variance of a list of numbers.
#
# **How this notebook works.** Run the cells from top to bottom (Shift+Enter). Each exercise is a function whose
# body says `raise NotImplementedError()`: replace that line with your code, run the cell, then run the test cell
# right below it. A test prints a ✓ line when your function is right; otherwise it tells you what looks wrong and
# what to try. When the notebook is graded, the same checks run again with more inputs. There are 7 exercises
# (15 points) and 7 short questions at the end (7 points): 22 points in all. Under each test cell,
# `hints(...)` shows up to three folded hints, from a nudge to the full formula: open one level at a time,
# only when you are stuck.

# %%
# %matplotlib inline
import copy
import time

import matplotlib.pyplot as plt
import numpy as np

from backprop.activations import relu_backward, relu_forward
from backprop.data import load_digits, standardize, train_test_split
from backprop.gradcheck import grad_check
from backprop.grading import check, hints
from backprop.layers import affine_backward, affine_forward
from backprop.losses import softmax_cross_entropy
from backprop.models import MLP
from backprop.normalization import (
    batchnorm_backward_alt,
    batchnorm_forward as reference_batchnorm_forward,
    layernorm_forward,
)
from backprop.quiz import check_choice, check_number, check_shape, self_check
from backprop.train import Trainer, TrainingDiverged
from backprop.widgets import playground

# One seeded generator for the whole notebook, so every run sees the same "random" numbers.
rng = np.random.default_rng(6)

# %% [markdown]
# ## 1. Why normalise: activations drift
#
# Lesson 4 chose the initial weights so that every layer's activations start with about the same spread. That
# holds at step 0. Then training changes the weights, and layer 9's input is computed by layers 1–8, whose
# weights all just changed: the statistics of what layer 9 sees move under it, and the deeper the layer, the
# more changes pile up below it. (The paper that introduced batch norm, Ioffe and Szegedy, 2015, called this drift
# of a layer's input distribution *internal covariate shift*, and proposed removing it as the reason batch norm
# works. That explanation is disputed: Santurkar et al., 2018, injected noise after batch norm to bring the drift
# back, and the networks trained about as well. What this notebook measures is narrower and less contested: the
# *scale* of the activations, below and in section 6.)
#
# Let us measure it. A 10-layer ReLU network on the 8×8 digits (9 hidden layers of 64 units, He initialisation,
# the training split of lessons 3–5), trained for 5 epochs with mini-batches of 64 at learning rate 0.1. Before
# training and after every epoch we record, for every hidden layer, the mean and the standard deviation of its
# activations over the first 500 training images (`MLP.hidden_activations`).

# %%
images, digits = load_digits(return_images=True)
X_all = images.reshape(len(images), 64)
X_rest, X_test_raw, y_rest, y_test = train_test_split(X_all, digits, test_size=0.2, seed=0)
X_train_raw, X_val_raw, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.2, seed=1)
X_train, X_val, X_test = standardize(X_train_raw, X_val_raw, X_test_raw)

deep_sizes = [64] + [64] * 9 + [10]


def layer_stats(net, X):
    """Mean and standard deviation of every hidden layer's activations: two arrays of shape (layers,)."""
    hidden = net.hidden_activations(X)
    return np.array([h.mean() for h in hidden]), np.array([h.std() for h in hidden])


drift, drift_nets = {}, {}
for norm in (None, "batchnorm"):
    net = drift_nets[norm] = MLP(deep_sizes, seed=0, normalization=norm)
    stats = [layer_stats(net, X_train[:500])]
    for epoch in range(5):
        Trainer(net, X_train, y_train, optim_config={"learning_rate": 0.1}, batch_size=64, epochs=1,
                seed=epoch, progress=False, acc_samples=10).train()
        stats.append(layer_stats(net, X_train[:500]))
    drift[norm] = np.array(stats)  # (epochs + 1, 2, layers): mean and std per layer, per epoch
plain_drift = drift[None]

bn_growth = drift["batchnorm"][-1, 1] / drift["batchnorm"][0, 1]
print("activations of each hidden layer, before training -> after 5 epochs")
print(f"{'':>5} {'no normalisation':^42} {'with batch norm':>16}")
print(f"{'layer':>5} {'mean':>14} {'std':>14} {'std grew by':>12} {'std grew by':>16}")
for layer in range(9):
    (m0, s0), (m5, s5) = plain_drift[0, :, layer], plain_drift[-1, :, layer]
    print(f"{layer + 1:>5} {m0:5.2f} -> {m5:5.2f} {s0:5.2f} -> {s5:5.2f} {s5 / s0:>11.2f}x "
          f"{bn_growth[layer]:>15.2f}x")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained", sharey=True)
for ax, (norm, title) in zip(axes, [(None, "no normalisation"), ("batchnorm", "with batch norm")]):
    for layer in (0, 2, 4, 6, 8):
        ax.plot(range(6), drift[norm][:, 1, layer], "o-", ms=3, label=f"hidden layer {layer + 1}")
    ax.set(xlabel="epoch", title=title)
axes[0].set_ylabel("std of the layer's activations")
axes[1].legend(fontsize=8)
plt.show()

# %%
# A guard for the course's own tests: the text below says the deepest layers drift most.
growth = plain_drift[-1, 1] / plain_drift[0, 1]
assert growth[-3:].mean() > growth[:3].mean() + 0.3, growth
assert np.all(np.abs(bn_growth - 1) < 0.2), bn_growth

# %% [markdown]
# Read the table from top to bottom. The first layers keep roughly the statistics they started with, but the
# deeper the layer, the more its spread grows (the last column) and its mean moves. Each layer below adds its own
# change, and the changes compound. For layer 9 this means its weights were tuned, step after step, for inputs
# whose scale kept changing.
#
# The last column and the right-hand plot anticipate the cure: the same network with **batch normalisation**
# after every hidden affine layer keeps every layer's spread close to where it started, epoch after epoch. That is the idea of this lesson:
# instead of hoping the statistics stay put, *reset them* in every layer, at every step. The scale argument in one
# line: after batch norm, a layer's output no longer depends on the scale of the weights that feed it (multiply
# them all by 7 and the output is the same), so an update can't inflate the scale that the layers above receive.
# Section 6 measures what that buys: much larger learning rates.

# %% [markdown]
# ## 2. Batch normalisation: the forward pass
#
# A batch norm layer sits between an affine layer and its activation. It receives the affine layer's output
# $x$ of shape $(N, D)$, a mini-batch of $N$ samples with $D$ features, and treats every feature (column) on its
# own. For feature $j$, over the batch:
#
# $$\mu_j = \frac1N \sum_{n=1}^N x_{nj}, \qquad \sigma^2_j = \frac1N \sum_{n=1}^N (x_{nj} - \mu_j)^2, \qquad
#   \hat x_{nj} = \frac{x_{nj} - \mu_j}{\sqrt{\sigma^2_j + \varepsilon}}, \qquad
#   \text{out}_{nj} = \gamma_j\, \hat x_{nj} + \beta_j .$$
#
# - $\hat x$ has mean 0 and variance (almost exactly) 1 in every column, whatever the layers below did.
# - $\varepsilon$ (`eps`, e.g. $10^{-5}$) keeps the division safe when a feature is constant over the batch
#   ($\sigma^2 = 0$). It goes *inside* the square root.
# - The variance is the **biased** one: divided by $N$, not $N-1$. It is the variance of exactly these $N$ numbers,
#   which is what makes $\hat x$'s variance 1. (NumPy's `x.var(axis=0)` does this; `ddof=1` would not.)
# - $\gamma$ and $\beta$, one of each per feature, are **learned** like weights. (This $\beta$ is batch norm's
#   *shift*, not lesson 5's momentum $\beta$; batch norm's own momentum, for the running averages below, is
#   called $m$ here.) They give the layer its freedom back: with $\gamma = \sqrt{\sigma^2 + \varepsilon}$ (the
#   standard deviation) and $\beta = \mu$ it could undo the normalisation entirely, so normalising
#   never makes the network less expressive. It only changes which parameters control the scale: two numbers per
#   feature instead of the whole stack of weights below. (The affine layer's bias $b$ becomes redundant, since
#   $\beta$ shifts anyway; it does no harm.)
#
# **Train mode and test mode.** After training, we want to classify one image at a time, and the output for an
# image should not depend on which other images share its batch. So in **train** mode, batch norm also keeps
# **running averages** of the batch statistics, updated at every step with a momentum $m$ (e.g. 0.9):
#
# $$\text{running\_mean} \leftarrow m \cdot \text{running\_mean} + (1 - m)\, \mu, \qquad
#   \text{running\_var} \leftarrow m \cdot \text{running\_var} + (1 - m)\, \sigma^2 ,$$
#
# and in **test** mode it normalises with those instead of the batch's own statistics, and leaves them alone.
# Section 4 shows why this matters. (This course, like CS231n, averages the biased $\sigma^2$; PyTorch averages
# the unbiased one. For batches of dozens the difference is tiny.)
#
# **Worked example.** One feature, a batch of four values $x = (1, 2, 3, 6)$, $\gamma = 2$, $\beta = 1$,
# $\varepsilon = 10^{-5}$: $\mu = 3$, the deviations are $(-2, -1, 0, 3)$, $\sigma^2 = (4 + 1 + 0 + 9)/4 = 3.5$,
# $\sqrt{3.5 + \varepsilon} \approx 1.8708$, so $\hat x \approx (-1.069, -0.535, 0, 1.604)$ and
# $\text{out} \approx (-1.138, -0.069, 1, 4.207)$. With running averages at 0 and 1 and $m = 0.9$, one train step
# moves them to $0.9 \cdot 0 + 0.1 \cdot 3 = 0.3$ and $0.9 \cdot 1 + 0.1 \cdot 3.5 = 1.25$. The package's
# version confirms it:

# %%
bn_param = {"mode": "train", "eps": 1e-5, "momentum": 0.9}
out, _ = reference_batchnorm_forward(np.array([[1.0], [2.0], [3.0], [6.0]]), np.array([2.0]), np.array([1.0]),
                                     bn_param)
print("out:", np.round(out.ravel(), 3))
print("running mean and variance after one step:", bn_param["running_mean"], bn_param["running_var"])


# %% [markdown]
# ### Exercise 1 · `batchnorm_forward` (3 points)
#
# Write `batchnorm_forward(x, gamma, beta, bn_param)`:
#
# 1. read `mode = bn_param["mode"]`, `eps = bn_param.get("eps", 1e-5)`, `momentum = bn_param.get("momentum",
#    0.9)`, and the running averages, `bn_param.get("running_mean", np.zeros(D))` and `bn_param.get("running_var",
#    np.ones(D))` (a new layer has none yet);
# 2. **train** mode: compute `mu` and `var` over the batch (axis 0, biased), `x_hat`, `out = gamma * x_hat +
#    beta`; store the updated running averages in `bn_param["running_mean"]` and `bn_param["running_var"]`; and
#    return `out, cache` with `cache = (x, x_hat, mu, var, eps, gamma)`, exactly this tuple, which your backward
#    pass will read;
# 3. **test** mode: the same normalisation with the running averages in place of `mu` and `var`; store the running
#    averages in `bn_param` unchanged (so that a new layer's zeros and ones are kept), and return `out, None`:
#    test mode has no backward pass.
#
# The check calls your function in both modes, with and without running averages, and compares `out` and the
# `bn_param` you leave behind (the cache is yours to fill, but keep the tuple above).
#
# - **Trap:** `x.var(axis=0)`, not `ddof=1`. And `np.sqrt(var + eps)`, not `np.sqrt(var) + eps`.
# - **Trap:** the momentum multiplies the *old* running average.
# - **Trap:** test mode reads the running averages and must not update them.

# %% nbgrader={"grade": false, "grade_id": "ex1-batchnorm-forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation, forward pass, in train or test mode.

    Args:
        x: Inputs of shape (N, D).
        gamma: Scale of shape (D,).
        beta: Shift of shape (D,).
        bn_param: A dict with "mode" ("train" or "test") and optionally "eps" (1e-5), "momentum" (0.9),
            "running_mean" (D,) and "running_var" (D,). Train mode stores updated running averages in it.

    Returns:
        out: Shape (N, D).
        cache: (x, x_hat, mu, var, eps, gamma) in train mode; None in test mode.
    """
    ### BEGIN SOLUTION
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)  # biased: divided by N
        x_hat = (x - mu) / np.sqrt(var + eps)
        out = gamma * x_hat + beta
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        return out, (x, x_hat, mu, var, eps, gamma)
    x_hat = (x - running_mean) / np.sqrt(running_var + eps)
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var  # read, never updated
    return gamma * x_hat + beta, None
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that batchnorm_forward normalises in both modes and keeps the running averages."""
check("batchnorm_forward", batchnorm_forward)
### BEGIN HIDDEN TESTS
check("batchnorm_forward", batchnorm_forward, hidden=True)
### END HIDDEN TESTS

# %%
hints("batchnorm_forward")

# %% [markdown]
# Your layer on the drifted network of section 1. Its last hidden affine layer's outputs (layer 9, before the
# ReLU, over the training set) have drifted: each of its 64 features has its own mean and spread, far from 0
# and 1. Your batch norm in train mode, with $\gamma = 1$ and $\beta = 0$, maps every one of them to mean 0 and
# standard deviation 1.

# %% tags=["raises-exception"]
plain_net = drift_nets[None]  # section 1's network without normalisation, after its 5 epochs
below = plain_net.hidden_activations(X_train)[7]  # layer 8's output feeds layer 9
a9 = below @ plain_net.params["W9"] + plain_net.params["b9"]
normalised, _ = batchnorm_forward(a9, np.ones(64), np.zeros(64), {"mode": "train"})
print(f"layer 9 before your batch norm: feature means from {a9.mean(0).min():.2f} to {a9.mean(0).max():.2f}, "
      f"stds from {a9.std(0).min():.2f} to {a9.std(0).max():.2f}")
print(f"after: means within {np.abs(normalised.mean(0)).max():.1e} of 0, stds from {normalised.std(0).min():.4f} "
      f"to {normalised.std(0).max():.4f}")

fig, (ax_m, ax_s) = plt.subplots(1, 2, figsize=(11, 3.2), layout="constrained")
ax_m.hist(a9.mean(0), bins=20, alpha=0.7, label="before")
ax_m.hist(normalised.mean(0), bins=20, alpha=0.7, label="after your batch norm")
ax_m.set(xlabel="mean of a feature over the training set", ylabel="features")
ax_s.hist(a9.std(0), bins=20, alpha=0.7, label="before")
ax_s.hist(normalised.std(0), bins=20, alpha=0.7, label="after your batch norm")
ax_s.set(xlabel="std of a feature over the training set")
ax_s.legend(fontsize=8)
plt.show()


# %% [markdown]
# ## 3. The backward pass, node by node
#
# Batch norm is a small computational graph, and lesson 1's recipe applies: break it into steps whose local
# derivatives are easy, then go through them backwards, multiplying by each local derivative and **adding** the
# gradients where a value feeds more than one step. Per feature (all operations are per column; a sum
# $\sum_n$ runs over the batch). To keep the symbols apart: $\sigma^2$ is the batch variance, and
# $\sigma_\varepsilon = \sqrt{\sigma^2 + \varepsilon}$ the standard deviation that actually divides (with
# $\varepsilon$ inside).
#
# | node | forward | its inputs |
# |---|---|---|
# | 1 | $\mu = \frac1N \sum_n x_n$ | $x$ (every sample) |
# | 2 | $x_c = x - \mu$ | $x$, $\mu$ |
# | 3 | $\sigma^2 = \frac1N \sum_n x_{c,n}^2$ | $x_c$ (every sample) |
# | 4 | $\sigma_\varepsilon = \sqrt{\sigma^2 + \varepsilon}$ | $\sigma^2$ |
# | 5 | $s = 1/\sigma_\varepsilon$ | $\sigma_\varepsilon$ |
# | 6 | $\hat x = x_c \cdot s$ | $x_c$, $s$ |
# | 7 | $y = \gamma \hat x$ | $\hat x$, $\gamma$ |
# | 8 | $\text{out} = y + \beta$ | $y$, $\beta$ |
#
# Two values feed two steps each, and that is where the care goes:
#
# - $x_c$ feeds node 6 directly **and** node 3 (the variance): $dx_c$ collects both contributions.
# - $x$ feeds node 2 directly **and** node 1 (the mean): $dx$ collects both.
#
# And every quantity of shape $(D,)$ that was used by all $N$ rows ($\mu$, $s$, $\gamma$, $\beta$) gets the
# **sum over the batch** of the rows' gradients, exactly like the bias of lesson 3. Going backwards means nodes
# 8, 7, 6, 5, 4, 3, 2, 1, and each node's backward rule needs only what is already known by then.
#
# **Worked example: centring alone.** A smaller graph with the same two patterns, $\text{out} = x - \mu$ with
# $\mu = \frac1N \sum_n x_n$ (nodes 1 and 2 only). Backwards: node 2 sends $d\text{out}$ to $x$ directly and
# $d\mu = -\sum_n d\text{out}_n$ to the mean ($\mu$ was subtracted from every row, so its gradient sums over
# them); node 1 spreads $d\mu$ back over the samples, $d\mu / N$ to each (each $x_n$ enters the mean with weight
# $1/N$). So $dx = d\text{out} - \frac1N \sum_n d\text{out}_n$. For $x = (1, 2, 3, 6)$ and $d\text{out} = (1, 0, 0,
# 0)$: $d\mu = -1$ and $dx = (0.75, -0.25, -0.25, -0.25)$, which sums to zero: shifting the whole batch changes
# nothing after centring.

# %% [markdown]
# ### Exercise 2 · `batchnorm_backward` (3 points)
#
# Write `batchnorm_backward(dout, cache)` with `cache = (x, x_hat, mu, var, eps, gamma)` from train mode. Derive
# each node's backward rule on paper first: for every node of the table, what it sends back to each of its
# inputs, given the gradient at its output. Then code them from node 8 down to node 1, one line per node
# (recompute `xc`, the standard deviation and `s` from the cache first). Return `dx` of shape $(N, D)$, and
# `dgamma` and `dbeta` of shape $(D,)$.
#
# - **Trap:** `dgamma` and `dbeta` have shape $(D,)$, but $\gamma$ and $\beta$ were used by every row.
# - **Trap:** don't stop at the direct path, `dout * gamma / std`: the mean and the variance depend on $x$ too.
# - **Trap:** node 4's local derivative has a ½ in it, node 5's a minus sign.

# %% nbgrader={"grade": false, "grade_id": "ex2-batchnorm-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_backward(dout, cache):
    """Batch normalisation, backward pass, node by node.

    Args:
        dout: Upstream gradient of shape (N, D).
        cache: (x, x_hat, mu, var, eps, gamma) from batchnorm_forward in train mode.

    Returns:
        dx: Shape (N, D).
        dgamma: Shape (D,).
        dbeta: Shape (D,).
    """
    ### BEGIN SOLUTION
    x, x_hat, mu, var, eps, gamma = cache
    N = x.shape[0]
    xc = x - mu
    std = np.sqrt(var + eps)
    s = 1.0 / std
    dbeta = dout.sum(axis=0)                 # node 8
    dgamma = (dout * x_hat).sum(axis=0)      # node 7
    dx_hat = dout * gamma
    dxc = dx_hat * s                         # node 6, the direct path
    ds = (dx_hat * xc).sum(axis=0)
    dstd = -ds / std**2                      # node 5
    dvar = dstd / (2.0 * std)                # node 4
    dxc = dxc + 2.0 * xc * dvar / N          # node 3, the variance's path
    dmu = -dxc.sum(axis=0)                   # node 2
    dx = dxc + dmu / N                       # node 1, the mean's path
    return dx, dgamma, dbeta
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that batchnorm_backward returns (dx, dgamma, dbeta)."""
check("batchnorm_backward", batchnorm_backward)
### BEGIN HIDDEN TESTS
check("batchnorm_backward", batchnorm_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("batchnorm_backward")


# %% [markdown]
# ### The backward rules, and the gradient check
#
# Now that your check passes, here are the rules you derived, node by node, to compare with your paper:
#
# | node | forward | backward: what it sends to its inputs |
# |---|---|---|
# | 1 | $\mu = \frac1N \sum_n x_n$ | $dx_n \mathrel{+}= d\mu / N$ (every sample) |
# | 2 | $x_c = x - \mu$ | $dx \mathrel{+}= dx_c$, and $d\mu = -\sum_n dx_{c,n}$ |
# | 3 | $\sigma^2 = \frac1N \sum_n x_{c,n}^2$ | $dx_c \mathrel{+}= \frac{2}{N}\, x_c\, d\sigma^2$ |
# | 4 | $\sigma_\varepsilon = \sqrt{\sigma^2 + \varepsilon}$ | $d\sigma^2 = d\sigma_\varepsilon / (2\sigma_\varepsilon)$ |
# | 5 | $s = 1/\sigma_\varepsilon$ | $d\sigma_\varepsilon = -ds / \sigma_\varepsilon^2$ |
# | 6 | $\hat x = x_c \cdot s$ | $dx_c \mathrel{+}= d\hat x \cdot s$, and $ds = \sum_n d\hat x_n\, x_{c,n}$ |
# | 7 | $y = \gamma \hat x$ | $d\hat x = dy\, \gamma$, and $d\gamma = \sum_n dy_n\, \hat x_n$ |
# | 8 | $\text{out} = y + \beta$ | $dy = d\text{out}$, and $d\beta = \sum_n d\text{out}_n$ |
#
# **Worked through**, for the batch $(1, 2, 3, 6)$ of section 2 with $\gamma = 2$ and $d\text{out} = (1, 0, 0,
# 0)$: $d\beta = 1$, $d\gamma = \hat x_1 \approx -1.069$, $d\hat x = (2, 0, 0, 0)$, $ds = 2 \cdot (-2) = -4$,
# $d\sigma_\varepsilon = 4/3.5 \approx 1.143$, $d\sigma^2 \approx 1.143 / 3.742 \approx 0.3055$; then $dx_c = d\hat x
# \cdot s + \frac{2}{4} x_c \cdot 0.3055 \approx (1.069, 0, 0, 0) + (-0.3055, -0.1527, 0, 0.4582)$, and since
# $\sum_n dx_{c,n} \approx 1.069$, $d\mu \approx -1.069$ and $dx = dx_c + d\mu/4 \approx (0.496, -0.420, -0.267,
# 0.191)$. Like the centring example, $dx$ sums to zero.
#
# The check above compares with a reference; the independent test is lesson 1's gradient check, which needs no
# reference at all: it nudges every input by $\pm h$ and compares the change of $\sum \text{out} \cdot
# d\text{out}$ with your gradients. The forward pass here is the package's (a fresh `bn_param` every call, so
# that each evaluation is the same function); the backward pass is yours. Float64 and a seeded generator, as
# always. The worked example's numbers come out too.

# %% tags=["raises-exception"]
def bn_train(x, gamma, beta):
    return reference_batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]


x = rng.normal(3.0, 2.0, size=(8, 5))
gamma, beta = rng.uniform(0.5, 2.0, size=5), rng.normal(size=5)
dout = rng.normal(size=(8, 5))
_, cache = reference_batchnorm_forward(x, gamma, beta, {"mode": "train"})
dx, dgamma, dbeta = batchnorm_backward(dout, cache)
print(grad_check(bn_train, {"x": x, "gamma": gamma, "beta": beta}, {"x": dx, "gamma": dgamma, "beta": dbeta},
                 dout=dout))
print(f"sum of dx over the batch, per feature: {np.abs(dx.sum(axis=0)).max():.1e} at most")

_, small_cache = reference_batchnorm_forward(np.array([[1.0], [2.0], [3.0], [6.0]]), np.array([2.0]),
                                             np.zeros(1), {"mode": "train"})
print("worked example, dx:", np.round(batchnorm_backward(np.array([[1.0], [0.0], [0.0], [0.0]]),
                                                         small_cache)[0].ravel(), 3))

# %% [markdown]
# ### Simplified: one line for dx
#
# Node by node is the safe way to *derive* the gradient; it is not the fastest way to *compute* it. Write
# $g = \gamma \cdot d\text{out}$ (that is $d\hat x$) and follow the table symbolically, per feature.
#
# - Nodes 6–4: $ds = \sum_n g_n x_{c,n}$, so $d\sigma^2 = -\dfrac{ds}{\sigma_\varepsilon^2} \cdot \dfrac{1}{2\sigma_\varepsilon} =
#   -\dfrac{1}{2\sigma_\varepsilon^3} \sum_n g_n x_{c,n}$.
# - Node 3 and 6 together: $dx_c = \dfrac{g}{\sigma_\varepsilon} + \dfrac{2}{N} x_c\, d\sigma^2 = \dfrac{g}{\sigma_\varepsilon} -
#   \dfrac{x_c}{N \sigma_\varepsilon^3} \sum_n g_n x_{c,n}$. Since $x_c = \sigma_\varepsilon \hat x$, this is
#   $dx_c = \dfrac{1}{\sigma_\varepsilon}\Big(g - \hat x \cdot \dfrac1N \sum_n g_n \hat x_n\Big)$.
# - Node 2: $d\mu = -\sum_n dx_{c,n} = -\dfrac{1}{\sigma_\varepsilon} \sum_n g_n$, because $\sum_n \hat x_n = 0$.
# - Node 1: $dx = dx_c + d\mu / N$, and multiplying through by $N\sigma_\varepsilon$:
#
# $$dx = \frac{\gamma}{N\sigma_\varepsilon}\Big(N\, d\text{out} - \sum_n d\text{out}_n - \hat x \sum_n d\text{out}_n\, \hat x_n
#   \Big) = \frac{\gamma}{N\sigma_\varepsilon}\Big(N\, d\text{out} - d\beta - \hat x\, d\gamma\Big).$$
#
# It reads well: $dx$ is the direct path's $\gamma\, d\text{out} / \sigma_\varepsilon$, minus its average over the batch
# (a shift of all samples together is undone by the mean), minus its component along $\hat x$ (a stretch of all
# samples together is undone by the variance). Normalisation can't change the mean or the spread of its output,
# so the gradient can't push in those two directions. And it reuses $d\beta$ and $d\gamma$, which we needed
# anyway. The package's `batchnorm_backward_alt` is this formula. Here it is against your node-by-node version,
# first for equality and then for speed, on a batch of 256 samples with 512 features:

# %% tags=["raises-exception"]
x_big = rng.normal(size=(256, 512))
gamma_big, beta_big = rng.uniform(0.5, 2.0, size=512), rng.normal(size=512)
dout_big = rng.normal(size=(256, 512))
_, cache_big = reference_batchnorm_forward(x_big, gamma_big, beta_big, {"mode": "train"})
yours, alt = batchnorm_backward(dout_big, cache_big), batchnorm_backward_alt(dout_big, cache_big)
print(f"largest difference between your dx and the formula's: {np.abs(yours[0] - alt[0]).max():.1e}")


def best_time(fn, repeats=30):
    """The fastest of `repeats` runs of fn(dout_big, cache_big), in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(dout_big, cache_big)
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


t_nodes, t_alt = best_time(batchnorm_backward), best_time(batchnorm_backward_alt)
print(f"your node-by-node version: {t_nodes:.2f} ms; the simplified formula: {t_alt:.2f} ms "
      f"({t_nodes / t_alt:.1f} times faster)")

# %% [markdown]
# The two agree to rounding error, and the one-line formula is faster (the printed ratio; timings vary from run
# to run and machine to machine): it makes fewer passes over the $(N, D)$ arrays and fewer temporary arrays. The
# package's `MLP` uses it. The node-by-node version stays the one to trust, because each of its lines was
# checked against a local derivative.

# %% [markdown]
# **Practice question** (not graded): pick an answer and press *Check*.

# %%
self_check(
    "Every sample of a batch gets the same upstream gradient: dout is the same row repeated N times. "
    "What is batch norm's dx?",
    ["dout · gamma / std, for every sample", "zero", "dout itself", "dout / N"],
    answer=1,
    explanation=(
        "Adding the same amount to every sample's output is a shift of the whole batch, and the batch mean "
        "absorbs it. In the formula, N·dout − sum(dout) = 0, and sum(dout · x_hat) = dout · sum(x_hat) = 0."
    ),
)

# %% [markdown]
# ## 4. Train mode, test mode and the running averages
#
# **The running averages converge.** Your `batchnorm_forward` in train mode, fed 60 batches of 32 samples from a
# fixed distribution (3 features with means 2, −1, 5 and variances 1, 4, 0.25), starting from a new layer's
# zeros and ones. Each step keeps 90 % of the old average, so the starting values fade like $0.9^t$ (below 1 %
# after about 44 steps); what remains is the noise of the batch statistics themselves.

# %% tags=["raises-exception"]
true_mean, true_var = np.array([2.0, -1.0, 5.0]), np.array([1.0, 4.0, 0.25])
stream = {"mode": "train", "momentum": 0.9}
means, variances = [], []
for step in range(60):
    batch = rng.normal(true_mean, np.sqrt(true_var), size=(32, 3))
    batchnorm_forward(batch, np.ones(3), np.zeros(3), stream)
    means.append(stream["running_mean"].copy())
    variances.append(stream["running_var"].copy())
means, variances = np.array(means), np.array(variances)
print(f"after 60 steps: running mean {np.round(means[-1], 2)} (true {true_mean}), "
      f"running var {np.round(variances[-1], 2)} (true {true_var})")

fig, (ax_m, ax_v) = plt.subplots(1, 2, figsize=(11, 3.5), layout="constrained")
for j, colour in enumerate(["C0", "C1", "C2"]):
    ax_m.plot(np.arange(1, 61), means[:, j], color=colour, label=f"feature {j + 1}")
    ax_m.axhline(true_mean[j], color=colour, ls="--", lw=0.8)
    ax_v.plot(np.arange(1, 61), variances[:, j], color=colour)
    ax_v.axhline(true_var[j], color=colour, ls="--", lw=0.8)
ax_m.set(xlabel="train step", ylabel="running_mean", title="your running means (dashed: the true means)")
ax_v.set(xlabel="train step", ylabel="running_var", title="your running variances (dashed: the true ones)")
ax_m.legend(fontsize=8)
plt.show()

# %% [markdown]
# **What goes wrong without them.** Here is a trained network with batch norm: section 1's 10-layer network with
# batch norm, after its 5 epochs. We classify the validation images four ways:
#
# 1. test mode, the running averages: what `predict` does;
# 2. train mode on the whole validation set as one batch: the batch statistics of 288 mixed images are close to
#    the running averages, so this works too;
# 3. train mode on **skewed batches**: each batch holds the images of one digit only, a perfectly reasonable way
#    to receive data (say, sorted by label), but now each batch's statistics describe one digit, not the data;
# 4. train mode on **batches of 2**: statistics from two images are mostly noise. (A batch of **one** is worse
#    still: every $x - \mu$ is 0, so every image gives the output $\beta$, the same prediction for all. The
#    package refuses it, as the last line shows.)
#
# A copy of the network is used for the train-mode passes, since train mode would update its running averages.

# %%
bn_net = drift_nets["batchnorm"]


def batch_stats_accuracy(net, batches):
    """Accuracy when every batch is normalised with its own statistics (train mode), on a copy of net."""
    probe = copy.deepcopy(net)
    right = sum(int(np.sum(probe.loss(X_val[rows], mode="train").argmax(axis=1) == y_val[rows]))
                for rows in batches)
    return right / sum(len(rows) for rows in batches)


by_digit = [np.flatnonzero(y_val == d) for d in range(10)]
pairs = np.array_split(np.arange(len(X_val) - len(X_val) % 2), len(X_val) // 2)
modes = {"test mode (running averages)": bn_net.accuracy(X_val, y_val),
         "train mode, one batch of all images": batch_stats_accuracy(bn_net, [np.arange(len(X_val))]),
         "train mode, one batch per digit": batch_stats_accuracy(bn_net, by_digit),
         "train mode, batches of 2": batch_stats_accuracy(bn_net, pairs)}
for label, acc in modes.items():
    print(f"{label:<38} validation accuracy {acc:.1%}")
try:
    copy.deepcopy(bn_net).loss(X_val[:1], mode="train")
except ValueError as error:
    print(f"a batch of one in train mode: ValueError: {str(error)[:95]}...")

# %%
# A guard for the course's own tests: the text says that skewed and tiny batches break batch statistics.
assert modes["train mode, one batch per digit"] < modes["test mode (running averages)"] - 0.2, modes
assert modes["train mode, batches of 2"] < modes["test mode (running averages)"] - 0.2, modes


# %% [markdown]
# With the running averages the network does what it learned to do. With the statistics of the batch at hand,
# the prediction for an image depends on its neighbours: a batch of all "3"s is normalised as if "3" were the
# average digit, which shifts every feature, and the accuracy collapses (the printed numbers). Hence the rule:
# **train mode while training, test mode to predict**. The `MLP` switches by itself: `loss(X, y)` trains,
# `predict` and `accuracy` test.

# %% [markdown]
# ## 5. Layer normalisation
#
# Batch norm's statistics come from the batch, which is its weak point: with tiny batches they are noisy, with a
# batch of one they don't exist, and at test time it needs a second set of statistics. **Layer normalisation**
# (Ba, Kiros and Hinton, 2016) takes the statistics over the other axis: each *sample* is normalised over its own
# $D$ features,
#
# $$\mu_n = \frac1D \sum_{j=1}^D x_{nj}, \qquad \sigma^2_n = \frac1D \sum_{j} (x_{nj} - \mu_n)^2, \qquad
#   \hat x_{nj} = \frac{x_{nj} - \mu_n}{\sqrt{\sigma^2_n + \varepsilon}}, \qquad
#   \text{out}_{nj} = \gamma_j \hat x_{nj} + \beta_j .$$
#
# No statistic is shared between samples, so there is nothing to average over the training run: train mode and
# test mode are the same computation, and a batch of one works. $\gamma$ and $\beta$ are still per feature.
#
# **When to prefer it:** small batches (a few samples per step, as with large models or images on one GPU);
# predicting one sample at a time with exactly the training computation; and **sequence models** (recurrent
# networks, Transformers), where batch statistics would have to mix different positions and sequence lengths.
# Transformers use layer norm throughout. Batch norm remains the usual choice in convolutional networks with
# decent batch sizes, where its batch statistics also add a little helpful noise.
#
# **The backward pass** is section 3's graph again, with the mean and the variance now taken per sample, over
# its $D$ features. Which of the three gradients does that change, and which don't? Think about who shares what:
# each sample's $\mu_n$ and $\sigma^2_n$ are used by that sample's $D$ features only, while $\gamma$ and $\beta$
# are still shared by all $N$ rows.

# %% [markdown]
# ### Exercise 3 · `layernorm_backward` (2 points)
#
# Write `layernorm_backward(dout, cache)`, with `cache = (x, x_hat, mu, var, eps, gamma)` as the package's
# `layernorm_forward` returns it: `mu` and `var` have shape $(N, 1)$. Derive it: walk section 3's nodes again,
# deciding for each sum whether it now runs over the batch or over the features of one sample (or redo the
# one-line simplification with the axes swapped). Return `dx` $(N, D)$, `dgamma` and `dbeta` $(D,)$.
#
# - **Trap:** not every sum changes axis: look at the shapes of `dgamma` and `dbeta`.
# - **Trap:** in batch norm $\gamma_j$ is constant along the summed axis and could be pulled out of the sums;
#   here it varies along it.

# %% nbgrader={"grade": false, "grade_id": "ex3-layernorm-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def layernorm_backward(dout, cache):
    """Layer normalisation, backward pass.

    Args:
        dout: Upstream gradient of shape (N, D).
        cache: (x, x_hat, mu, var, eps, gamma) from layernorm_forward; mu and var have shape (N, 1).

    Returns:
        dx: Shape (N, D).
        dgamma: Shape (D,).
        dbeta: Shape (D,).
    """
    ### BEGIN SOLUTION
    x, x_hat, mu, var, eps, gamma = cache
    D = x.shape[1]
    dbeta = dout.sum(axis=0)                  # gamma and beta: shared by all rows
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma                          # formed before the sums over the features
    dx = (D * g - g.sum(axis=1, keepdims=True)
          - x_hat * (g * x_hat).sum(axis=1, keepdims=True)) / (D * np.sqrt(var + eps))
    return dx, dgamma, dbeta
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that layernorm_backward returns (dx, dgamma, dbeta)."""
check("layernorm_backward", layernorm_backward)
### BEGIN HIDDEN TESTS
check("layernorm_backward", layernorm_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("layernorm_backward")

# %% [markdown]
# For the record, the simplified form you may have derived: with $g = \gamma \cdot d\text{out}$ (formed *before*
# summing, since $\gamma$ varies along the features) and $\sigma_{\varepsilon,n} = \sqrt{\sigma^2_n + \varepsilon}$,
#
# $$dx_n = \frac{1}{D\, \sigma_{\varepsilon,n}}\Big(D\, g_n - \sum_j g_{nj} - \hat x_n \sum_j g_{nj}\, \hat x_{nj}\Big),$$
#
# while $d\gamma$ and $d\beta$ still sum over the batch, as in batch norm. Your layer norm backward pass,
# gradient-checked against the package's forward pass, including on a batch of a single sample, which batch norm
# can't even run in train mode:

# %% tags=["raises-exception"]
for n in (6, 1):
    x, dout = rng.normal(size=(n, 5)), rng.normal(size=(n, 5))
    gamma, beta = rng.uniform(0.5, 2.0, size=5), rng.normal(size=5)
    _, cache = layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    report = grad_check(lambda x, gamma, beta: layernorm_forward(x, gamma, beta)[0],
                        {"x": x, "gamma": gamma, "beta": beta}, {"x": dx, "gamma": dgamma, "beta": dbeta},
                        dout=dout)
    print(f"batch of {n}: largest relative error {report.max_rel_error:.1e}, passes: {report.ok}")

# %% [markdown]
# ### Tiny batches: batch norm against layer norm
#
# A 6-layer network (5 hidden layers of 64) trained with mini-batches of **2** (one epoch over the first 500
# training images, learning rate 0.02), with batch norm and with layer norm; and for comparison the same networks
# trained with batches of 64 (5 epochs over the whole training set, learning rate 0.1).

# %%
small_sizes = [64] + [64] * 5 + [10]
tiny = {}
for norm in ("batchnorm", "layernorm"):
    for batch_size, n, epochs, lr in ((2, 500, 1, 0.02), (64, len(X_train), 5, 0.1)):
        net = MLP(small_sizes, seed=0, normalization=norm)
        Trainer(net, X_train[:n], y_train[:n], optim_config={"learning_rate": lr}, batch_size=batch_size,
                epochs=epochs, seed=0, progress=False, acc_samples=10).train()
        tiny[norm, batch_size] = net.accuracy(X_val, y_val)
print(f"{'validation accuracy':<20} {'batches of 2':>13} {'batches of 64':>14}")
for norm in ("batchnorm", "layernorm"):
    print(f"{norm:<20} {tiny[norm, 2]:>13.1%} {tiny[norm, 64]:>14.1%}")

# %%
# A guard for the course's own tests: batch norm fails on batches of 2, layer norm doesn't.
assert tiny["batchnorm", 2] < 0.4 < 0.7 < tiny["layernorm", 2], tiny

# %% [markdown]
# With batches of 64 both work well. With batches of 2, layer norm still learns (less than with batches of 64,
# after a single pass over 500 images), while batch norm fails badly: in training, each feature is normalised with the mean and variance of just two numbers (every
# $\hat x$ is then $\pm 1$, whatever the values), and the running averages collected from such batches don't
# match what the network learned to expect. Layer norm's statistics come from 64 features of one image, however
# small the batch.

# %% [markdown]
# ## 6. A deep network with and without batch norm
#
# Now the payoff. The 10-layer network of section 1, with and without batch norm, trained for 5 epochs
# (mini-batches of 64) at learning rates from 0.1 to 10, each from the same initial weights. The `Trainer`
# stops a run whose loss becomes NaN or explodes (a `TrainingDiverged` error); we also call a finished run
# *trained* only if its last epoch's mean loss is below 0.5, since a run that sits at the loss of guessing
# ($\ln 10 \approx 2.3$) didn't diverge but didn't learn either.

# %%
rates = [0.1, 0.3, 1.0, 3.0, 10.0]
sweep, epoch_ms = {}, {}
for norm in (None, "batchnorm"):
    for lr in rates:
        net = MLP(deep_sizes, seed=0, normalization=norm)
        trainer = Trainer(net, X_train, y_train, optim_config={"learning_rate": lr}, batch_size=64, epochs=5,
                          seed=0, progress=False, acc_samples=10)
        try:
            history = trainer.train()
            sweep[norm, lr] = (history["epoch_loss"], None, net.accuracy(X_val, y_val))
            epoch_ms[norm, lr] = 1e3 * np.median(history["epoch_time"])
        except TrainingDiverged as error:
            sweep[norm, lr] = (error.history["epoch_loss"], error.step, None)


def outcome(norm, lr):
    losses, diverged_at, acc = sweep[norm, lr]
    if diverged_at is not None:
        return f"diverged, step {diverged_at}"
    return f"loss {losses[-1]:.2f}, val {acc:.0%}"


def trained(norm, lr):
    losses, diverged_at, _ = sweep[norm, lr]
    return diverged_at is None and losses[-1] < 0.5


print(f"{'learning rate':>13}   {'no normalisation':<24} {'batch norm':<24}")
for lr in rates:
    print(f"{lr:>13g}   {outcome(None, lr):<24} {outcome('batchnorm', lr):<24}")
largest = {norm: max(lr for lr in rates if trained(norm, lr)) for norm in (None, "batchnorm")}
print(f"largest learning rate that trained: {largest[None]:g} without batch norm, "
      f"{largest['batchnorm']:g} with it")
for norm, label in ((None, "without batch norm"), ("batchnorm", "with batch norm")):
    first = [1 + int(np.argmax(np.array(sweep[norm, lr][0]) < 0.5)) for lr in rates if trained(norm, lr)]
    print(f"{label}: fewest epochs to a loss below 0.5, over the learning rates that trained: {min(first)}")
print(f"time per epoch at learning rate 0.1: {epoch_ms[None, 0.1]:.0f} ms without batch norm, "
      f"{epoch_ms['batchnorm', 0.1]:.0f} ms with it")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained", sharey=True)
for ax, (norm, title) in zip(axes, [(None, "no normalisation"), ("batchnorm", "with batch norm")]):
    for lr in rates:
        losses, diverged_at, _ = sweep[norm, lr]
        label = f"lr {lr:g}" + (" (diverged)" if diverged_at is not None else "")
        ax.plot(np.arange(1, len(losses) + 1), losses, "o-", ms=3, label=label)
    ax.axhline(np.log(10), color="gray", lw=0.8, ls="--")
    ax.set(xlabel="epoch", yscale="log", title=title)
    ax.legend(fontsize=8)
axes[0].set_ylabel("mean training loss of the epoch")
plt.show()

# %%
# A guard for the course's own tests: batch norm trains at learning rates at least 10 times larger.
assert largest["batchnorm"] >= 10 * largest[None], largest

# %% [markdown]
# Without normalisation, this deep network trains at 0.1 but is already erratic at 0.3, gets stuck at the loss
# of guessing (the dashed line) or diverges beyond; with batch norm it trains well over a range of learning
# rates at least ten times wider, and at its best rates it gets below a loss of 0.5 in fewer epochs (the table,
# the printed epochs and the curves). A diverged run ends early, and its curve stops where the `Trainer` stopped it. Why does
# normalisation help? A large step can change the weights of the first layers a lot, and without
# normalisation that change of scale is passed on, and amplified, through every layer above: the next step
# then sees wildly different activations and gradients. With batch norm every layer's input is brought back to
# mean 0 and variance 1 at every step, so no update can inflate the scale seen by the layers above it, and a
# layer's output does not even change when its incoming weights are all scaled by a constant. Even batch norm
# has a limit: at 10 the steps overshoot anyway.
#
# (Batch norm is no free lunch: each epoch takes longer, the last printed line, and the network now behaves
# differently in train and test mode. Those are the costs of the larger, safer steps.)

# %% [markdown]
# ### Play: batch norm in the playground
#
# The same experiment on a problem you can watch: lesson 3's Backprop Playground on the spirals, now with a deeper
# network, 2 → 16 → 16 → 16 → 16 → 16 → 16 → 3 (six hidden ReLU layers), momentum 0.9 and batches of 32. With
# batch norm on, the playground runs **your** `batchnorm_forward` and `batchnorm_backward` after every hidden
# affine layer. The cell counts, 10 steps at a time, the steps each run needs to reach 95 % training accuracy
# (at most 1,500).

# %% tags=["raises-exception"]
deep = (16,) * 6
my_batchnorm = {"batchnorm_forward": batchnorm_forward, "batchnorm_backward": batchnorm_backward}
pg_steps = {}
for lr in (0.03, 0.1, 0.3):
    for bn in (False, True):
        run = playground("spirals", hidden=deep, learning_rate=lr, momentum=0.9, batchnorm=bn,
                         functions=my_batchnorm)
        while run.error is None and len(run.history) < 1500 and run.train_accuracy() < 0.95:
            run.step(10, redraw=False)
        label = f"lr {lr:<4g} {'with' if bn else 'without'} batch norm"
        if run.error is not None and bn:  # your function failed: the panel's message says why
            print(f"{label}: {run.error}")
            break
        reached = run.train_accuracy() >= 0.95
        pg_steps[lr, bn] = len(run.history) if reached else None
        outcome = (f"95 % after {len(run.history)} steps" if reached else
                   "diverged" if run.error is not None else
                   f"stuck at {run.train_accuracy():.0%} after {len(run.history)} steps")
        print(f"{label:<30} {outcome}")

# A guard for the course's own tests: the text below says batch norm trains at every one of these rates.
assert all(pg_steps[lr, True] for lr in (0.03, 0.1, 0.3)), pg_steps
assert not pg_steps[0.1, False] and not pg_steps[0.3, False], pg_steps

# %% [markdown]
# The digits' story again, in miniature: without normalisation the six-layer network learns the spirals only at
# the smallest rate, stays at the accuracy of guessing one class (33 %) at 0.1, and blows up at 0.3; with your
# batch norm it learns at all three. In the panel below (batch norm on, your functions inside):
#
# - Press Play and watch the decision boundary form; then Reset, untick batch norm, and play again.
# - With batch norm on, raise the learning rate step by step: where does even batch norm give up?
# - Set the batch size to 2, then 1. What happens to batch norm's statistics, and to the status line?

# %% tags=["raises-exception"]
batchnorm_pg = playground("spirals", hidden=deep, learning_rate=0.1, momentum=0.9, batchnorm=True,
                          functions=my_batchnorm)
batchnorm_pg

# %% [markdown]
# ## 7. Regularisation: when a network learns its training set too well
#
# Training minimises the loss on the *training* set, but what we want is a network that does well on *new*
# data. When a network is flexible enough to fit not just the patterns but also the accidents of its training
# set (its noise, its odd examples, its wrong labels), its training accuracy keeps rising while its accuracy on
# new data stalls or drops. That is **overfitting**, and its sign is a **gap** between training accuracy and
# accuracy on held-out data. It is worst with small training sets and large networks.
#
# To see it clearly we make it easy to happen: only 200 training digits, one hidden layer of 256 units, and, as
# real data sets often have, some wrong labels: each of the 200 labels is, with probability 0.2, replaced by a
# random *other* digit (never its own, so every replaced label is wrong). The draw is random, so the count is
# near 20 % but not exactly: here it hits 46 labels, 23 % (the cell prints it). A network that reaches 100 %
# training accuracy must have memorised those wrong labels.
#
# Choosing a regulariser, and its strength, is a decision made by looking at held-out data, so it uses the
# **validation** split (288 images, true labels), never the test split: as lesson 3 said, the test set is looked
# at once, at the very end, for the one choice we keep. Scoring every candidate on the test set would make it
# one more thing the choice was tuned to, and its accuracy would no longer be an honest estimate.

# %%
n_small = 200
X_small, y_small = X_train[:n_small], y_train[:n_small].copy()
label_rng = np.random.default_rng(60)
wrong = label_rng.random(n_small) < 0.2
y_small[wrong] = (y_small[wrong] + label_rng.integers(1, 10, size=wrong.sum())) % 10  # another digit
print(f"{wrong.sum()} of {n_small} training labels are wrong ({wrong.mean():.0%}); "
      f"{len(X_val)} validation images to choose with")


def fit_small(**regularisation):
    """Train MLP([64, 256, 10]) on the 200 digits for 60 epochs.

    Returns (train accuracy, validation accuracy, the fraction of the wrongly labelled training images that the
    network predicts with their wrong label, i.e. has memorised, the trained network).
    """
    net = MLP([64, 256, 10], seed=0, **regularisation)
    Trainer(net, X_small, y_small, optim_config={"learning_rate": 0.1}, batch_size=25, epochs=60, seed=0,
            progress=False, acc_samples=None).train()
    memorised = np.mean(net.predict(X_small[wrong]) == y_small[wrong])
    return net.accuracy(X_small, y_small), net.accuracy(X_val, y_val), memorised, net


def show_fit(label, fit):
    print(f"{label:<18} train accuracy {fit[0]:6.1%}, validation accuracy {fit[1]:6.1%}, gap "
          f"{fit[0] - fit[1]:6.1%}; wrong labels memorised: {fit[2]:.0%}")


plain_fit = fit_small()
show_fit("no regularisation", plain_fit)


# %% [markdown]
# A gap of more than 20 points: the network fits its training set perfectly, wrong labels included, and
# that memorisation costs it on the validation images. The remedies below make the network *less able* to memorise, in two
# different ways.
#
# ### L2: weight decay
#
# The **L2 penalty** adds the squared size of the weights to the loss, with a strength $\lambda$ (`reg`):
#
# $$L_\text{total} = L_\text{data} + \frac{\lambda}{2} \sum W^2 .$$
#
# Large weights cost more, so the optimiser keeps only those that the data keeps pushing. Small weights make a
# smoother function, which can't bend around every single training example. Biases (and batch norm's $\gamma$,
# $\beta$) are usually not penalised: they shift and scale, but don't make the function wigglier. (The factor
# $\frac12$ is a convention; exercise 4 shows what it is for.)
#
# **Worked example: L1, a different penalty.** **L1** adds $\lambda \sum |W|$ instead. Each weight appears in one
# term, $\lambda |w|$, whose derivative is $\lambda$ for $w > 0$ and $-\lambda$ for $w < 0$: the gradient is
# $\lambda\, \text{sign}(W)$, the same size for every weight whatever its value. For $W = (2, -1)$ and
# $\lambda = 0.1$: penalty $= 0.1 \cdot (2 + 1) = 0.3$, gradient $(0.1, -0.1)$.

# %% [markdown]
# ### Exercise 4 · `l2_penalty` (1 point)
#
# Write `l2_penalty(W, reg)`, which returns the penalty $\frac{\lambda}{2}\sum W^2$ (a float) and its gradient
# `dW` (the shape of `W`): derive it as the worked example did for L1, one weight's term at a time. The `MLP`
# adds one such penalty per weight matrix to its loss, and `dW` to each weight's gradient.

# %% nbgrader={"grade": false, "grade_id": "ex4-l2-penalty", "locked": false, "schema_version": 3, "solution": true, "task": false}
def l2_penalty(W, reg):
    """The L2 penalty of a weight matrix and its gradient.

    Args:
        W: Weights of any shape.
        reg: The strength lambda, >= 0.

    Returns:
        penalty: 0.5 * reg * sum(W ** 2), a float.
        dW: The gradient of the penalty, W's shape.
    """
    ### BEGIN SOLUTION
    return 0.5 * reg * float(np.sum(W**2)), reg * W
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that l2_penalty returns (penalty, dW)."""
check("l2_penalty", l2_penalty)
### BEGIN HIDDEN TESTS
check("l2_penalty", l2_penalty, hidden=True)
### END HIDDEN TESTS

# %%
hints("l2_penalty")

# %% [markdown]
# The gradient is $\lambda W$: the $\frac12$ was there to cancel the 2 of the power rule. In a gradient descent
# step the penalty's part is $W \leftarrow W - \eta\,\lambda W = (1 - \eta\,\lambda)\, W$: every step shrinks every
# weight by the same *factor*, hence the name **weight decay**. L1's step subtracts the same *amount*,
# $\eta\lambda$, from every weight's size instead.
#
# L2 against L1 on four weights, $(2, 0.5, 0.05, -1)$, pushed by the penalty alone for 100 steps (learning rate
# 0.1, $\lambda = 0.1$). The L2 steps use your `dW`. L1 twice: plain gradient steps, $w - \eta\lambda\,
# \text{sign}(w)$; and the **clipped** (proximal) update, the usual way L1 is applied, which subtracts
# $\eta\lambda = 0.01$ from each weight's size and stops at zero (a step that would cross zero lands on it).

# %% tags=["raises-exception"]
w_l2 = w_l1 = w_sub = np.array([2.0, 0.5, 0.05, -1.0])
path_l2, path_l1 = [w_l2], [w_l1]
for _ in range(100):
    w_l2 = w_l2 - 0.1 * l2_penalty(w_l2, 0.1)[1]
    w_l1 = np.sign(w_l1) * np.maximum(np.abs(w_l1) - 0.1 * 0.1, 0.0)
    w_sub = w_sub - 0.1 * 0.1 * np.sign(w_sub)
    path_l2.append(w_l2)
    path_l1.append(w_l1)
print(f"after 100 steps, L2: {np.round(w_l2, 3)} (each times {w_l2[0] / 2.0:.3f})")
print(f"after 100 steps, L1 clipped: {np.round(w_l1, 3)} ({np.sum(w_l1 == 0)} weights exactly 0)")
print(f"after 100 steps, L1 plain gradient steps: {np.round(w_sub, 4)} ({np.sum(w_sub == 0)} weights exactly 0)")

fig, (ax_2, ax_1) = plt.subplots(1, 2, figsize=(11, 3.3), layout="constrained", sharey=True)
ax_2.plot(np.array(path_l2))
ax_1.plot(np.array(path_l1))
ax_2.set(xlabel="step", ylabel="weight", title="L2 (your dW): every weight shrinks by the same factor")
ax_1.set(xlabel="step", title="L1, clipped: every weight shrinks by the same amount, to 0")
plt.show()

# %% [markdown]
# With the clipped update, a small weight reaches exactly zero and stays there: L1 makes a network **sparse**
# (many weights exactly 0), while L2 makes all weights small but rarely exactly zero. With plain gradient steps
# that is not true: a weight near zero jumps from one side to the other, $\pm\eta\lambda$ at a time, and is
# almost never exactly 0 (the last printed line). The sparsity is the clipping's doing. Both penalties are ways
# of preferring simpler models.

# %% [markdown]
# Now the L2 penalty on the overfitting network: `MLP(..., l2=0.03)` adds $\frac{0.03}{2}\sum W^2$ over its two
# weight matrices (the package's `l2_penalty`, the same as yours), everything else unchanged.

# %%
l2_fit = fit_small(l2=0.03)
show_fit("L2, lambda 0.03", l2_fit)


# %% [markdown]
# With the penalty the network can no longer afford the large weights that memorising every wrong label takes:
# its training accuracy drops below 100 %, because it no longer reproduces some of the *wrong* labels (the last
# number), and its validation accuracy rises. The gap shrinks a lot. $\lambda$ is a hyperparameter: too small does nothing, too large
# and the network can't fit even the real patterns (try `fit_small(l2=0.3)`).
#
# ### Dropout
#
# **Dropout** (Srivastava et al., 2014) attacks memorisation differently. In every training step, each hidden unit
# is switched off (its output set to 0) with probability $p$, a new random choice every step. A unit can't count
# on any particular other unit being there, so the network can't build fragile, specialised combinations that
# fit single examples; it must spread what it knows over many units, redundantly. One way to see it: each step
# trains a different random sub-network, and the full network at test time acts like an average of them.
#
# At test time nothing is dropped. But then each unit's input is larger than during training, when on average a
# fraction $p$ of it was missing: the layers above would see a different scale at test time than they learned
# on. Something must fix the scale, either at test time or during training.
#
# **Worked example: the original dropout**, which fixes it at test time. In training, a unit is kept where its
# random number $r \sim \text{Uniform}(0, 1)$ is $\ge p$, and passed on unchanged; at test time every unit is
# multiplied by $1 - p$, the fraction that was kept on average. With $p = 0.5$, $x = (2, 4, 6, 8)$ and random
# numbers $r = (0.7, 0.2, 0.9, 0.4)$: units 1 and 3 are kept, and the training output is $(2, 0, 6, 0)$. Its
# expected value is $0.5 \cdot x + 0.5 \cdot 0 = (1, 2, 3, 4)$, and that is exactly the test output $(1 - p)\,x$.
#
# **Inverted dropout**, the one used today and in this course, moves the fix into training instead, so that test
# mode is simply the identity, `out = x`: the kept units are scaled so that the *expected* training output equals
# the input. By how much? That is exercise 5.

# %% [markdown]
# ### Exercise 5 · `dropout_forward` (2 points)
#
# Write `dropout_forward(x, dropout_param)`, where `dropout_param` holds `"p"` (the probability of *dropping* a
# unit, in $[0, 1)$), `"mode"` (`"train"` or `"test"`) and `"seed"`. So that the check can replay your random
# numbers, draw them with `np.random.default_rng(dropout_param["seed"])`, one call of `.random(x.shape)` (one
# number per unit), and keep a unit where its number is `>= p`. Derive the factor for the kept units from the
# requirement above (the expected output equals `x`, for every `p`), and build `mask`, the array that multiplies
# `x`: 0 for a dropped unit, that factor for a kept one. Return `out, (dropout_param, mask)`. In test mode, return
# `x, (dropout_param, None)`.
#
# - **Trap:** $p$ is the probability of dropping, not of keeping.
# - **Trap:** test mode changes nothing: no mask, no scaling (that is what "inverted" buys).

# %% nbgrader={"grade": false, "grade_id": "ex5-dropout-forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_forward(x, dropout_param):
    """Inverted dropout, forward pass.

    Args:
        x: Activations of any shape.
        dropout_param: A dict with "p" (probability of dropping a unit), "mode" ("train" or "test") and "seed".

    Returns:
        out: x's shape.
        cache: (dropout_param, mask); mask, x's shape, is what x was multiplied by in train mode (0 for a
            dropped unit), and None in test mode.
    """
    ### BEGIN SOLUTION
    if dropout_param["mode"] == "test":
        return x, (dropout_param, None)
    p = dropout_param["p"]
    rng = np.random.default_rng(dropout_param["seed"])
    mask = (rng.random(x.shape) >= p) / (1 - p)  # kept units scaled up: the expected output is x
    return x * mask, (dropout_param, mask)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that dropout_forward drops, rescales, and is the identity in test mode."""
check("dropout_forward", dropout_forward)
### BEGIN HIDDEN TESTS
check("dropout_forward", dropout_forward, hidden=True)
### END HIDDEN TESTS

# %%
hints("dropout_forward")


# %% [markdown]
# ### Exercise 6 · `dropout_backward` (1 point)
#
# Write `dropout_backward(dout, cache)`, with `param, mask = cache` from your `dropout_forward`: return `dx`, the
# gradient with respect to the forward pass's `x`, in train mode and in test mode (`mask is None`). Which gate of
# lesson 1 is dropout's forward pass, once the mask has been drawn?

# %% nbgrader={"grade": false, "grade_id": "ex6-dropout-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_backward(dout, cache):
    """Inverted dropout, backward pass.

    Args:
        dout: Upstream gradient, the shape of the forward's x.
        cache: (dropout_param, mask) from dropout_forward.

    Returns:
        dx: dout's shape.
    """
    ### BEGIN SOLUTION
    _, mask = cache
    return dout if mask is None else dout * mask
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that dropout_backward applies the cached mask."""
check("dropout_backward", dropout_backward)
### BEGIN HIDDEN TESTS
check("dropout_backward", dropout_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("dropout_backward")

# %% [markdown]
# Inverted dropout in one line, now that both checks pass:
#
# $$\text{mask} = \frac{[\,r \ge p\,]}{1 - p}, \qquad \text{out} = x \cdot \text{mask}, \qquad
#   dx = d\text{out} \cdot \text{mask}:$$
#
# a kept unit is divided by the keep probability $1 - p$ (the expected output is $(1 - p) \cdot \frac{x}{1 - p} = x$),
# and on the way back the mask is a constant factor, like the multiply gate of lesson 1 with one input fixed.
#
# Your dropout on a $1000 \times 100$ array of ones: the fraction of units kept should be about $1 - p$, and,
# thanks to the rescaling, the mean output about 1 for every $p$. Then a gradient check of your pair, with a fixed
# seed (the same mask at every call, so the layer is a fixed function of $x$).

# %% tags=["raises-exception"]
ones = np.ones((1000, 100))
for p in (0.2, 0.5, 0.8):
    out, (_, mask) = dropout_forward(ones, {"p": p, "mode": "train", "seed": 0})
    print(f"p = {p}: kept {np.mean(mask > 0):.3f} of the units (1 - p = {1 - p:.1f}), mean output {out.mean():.3f}")
test_out, _ = dropout_forward(ones, {"p": 0.5, "mode": "test", "seed": 0})
print(f"test mode: output equals input: {np.array_equal(test_out, ones)}")

x, dout = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
fixed = {"p": 0.4, "mode": "train", "seed": 3}
_, cache = dropout_forward(x, fixed)
print(grad_check(lambda x: dropout_forward(x, fixed)[0], {"x": x}, {"x": dropout_backward(dout, cache)},
                 dout=dout))

# %% [markdown]
# Dropout on the overfitting network: `MLP(..., dropout=0.7)` drops each hidden unit with probability 0.7 in
# every training step, with the package's inverted dropout (the same as yours). That is a high rate (0.5 is the
# classic choice for hidden units); a network this small, on 200 examples, needs it to show a clear effect
# (try `fit_small(dropout=0.5)`). Then all three side by side:

# %%
dropout_fit = fit_small(dropout=0.7)
fits = {"no regularisation": plain_fit, "L2, lambda 0.03": l2_fit, "dropout, p 0.7": dropout_fit}
for label, fit in fits.items():
    show_fit(label, fit)

# %%
# A guard for the course's own tests: both regularisers shrink the gap and raise the validation accuracy.
for label in ("L2, lambda 0.03", "dropout, p 0.7"):
    assert fits[label][0] - fits[label][1] < plain_fit[0] - plain_fit[1] - 0.01, fits
    assert fits[label][1] > plain_fit[1] + 0.01, fits

# %% [markdown]
# Both regularisers reduce the gap between training and validation accuracy, and both raise the validation
# accuracy (the table). Here L2 helps more than dropout: with dropout the network still ends up reproducing
# almost all the wrong labels. With other data, networks and settings the ranking can be the other way round,
# and the two are often combined. The lesson is the pattern, not the ranking: a regulariser gives up a little
# training accuracy, here mostly on examples that were wrong anyway, for accuracy on data the network hasn't
# seen.
#
# The choice is made: the candidate with the best validation accuracy. Only now, once, does the test split come
# out, for that one network:

# %%
chosen = max(fits, key=lambda label: fits[label][1])
print(f"chosen on the validation split: {chosen}; its test accuracy, measured once: "
      f"{fits[chosen][3].accuracy(X_test, y_test):.1%} on {len(X_test)} images")


# %% [markdown]
# Batch norm, by the way, also regularises a little: each sample's output depends on the random company of its
# mini-batch, a kind of noise. That is a side effect, not its purpose; its purpose is the steadier training of
# section 6.

# %% [markdown]
# ## 8. A whole deep network by hand
#
# Since lesson 3 the `MLP` has run the forward and the backward loop for you. Now you write it, for this lesson's
# deep network, from your own pieces. An $L$-layer network has weight matrices $W_1, \dots, W_L$; **hidden layer**
# $i = 1, \dots, L-1$ is four boxes, each with its own forward pass and cache:
#
# $$a_i = h_{i-1} W_i + b_i, \qquad z_i = \text{BN}_{\gamma_i, \beta_i}(a_i), \qquad r_i = \max(0, z_i), \qquad
#   h_i = \text{dropout}(r_i),$$
#
# with $h_0 = X$; then the **last layer** gives the scores $h_{L-1} W_L + b_L$ and the loss is their softmax
# cross-entropy with the labels $y$, averaged over the batch. Batch norm runs in train mode, with
# `bn_params[i - 1]` as layer $i$'s `bn_param`. Dropout's probability is `dropout_param["p"]`, and layer $i$ draws
# its mask with the seed `[dropout_param["seed"], i]` (a list: `np.random.default_rng` accepts it), so that every
# layer drops different units and the check can replay them all. These are the `MLP`'s own conventions (the same
# parameter names, and `MLP(..., normalization="batchnorm", dropout=p).loss(X, y, dropout_seed=seed)` uses the
# same seeds), so your numbers can be compared with it below.

# %% [markdown]
# ### Exercise 7 · `network_loss` (3 points)
#
# Write `network_loss(X, y, params, bn_params, dropout_param)`, which returns the loss (a float) and `grads`, a
# dict with one entry for every key of `params`, each of its parameter's shape. `params` holds `"W1"`, `"b1"`,
# `"gamma1"`, `"beta1"`, …, `"W{L}"`, `"b{L}"` (the last layer has no batch norm), so $L$ is the number of keys
# that start with `"W"`. Use your own `batchnorm_forward`, `batchnorm_backward`, `dropout_forward` and
# `dropout_backward` from this lesson, and the package's `affine_forward`, `affine_backward`, `relu_forward`,
# `relu_backward` and `softmax_cross_entropy` from lesson 3 (imported in the setup cell). Work out on paper first
# what the forward loop must keep, and in which order the backward loop undoes it.
#
# - **Trap:** a name assigned inside a loop is overwritten at every iteration.
# - **Trap:** $\gamma_i$ and $\beta_i$ are parameters too.
#
# Shapes: `X` $(N, D)$, `y` $(N,)$ integer labels, `W{i}` $(H_{i-1}, H_i)$, `b{i}`, `gamma{i}`, `beta{i}`
# $(H_i,)$, and the scores $(N, C)$.

# %% nbgrader={"grade": false, "grade_id": "ex7-network-loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def network_loss(X, y, params, bn_params, dropout_param):
    """The loss of an L-layer network with batch norm and dropout, and every parameter's gradient.

    Args:
        X: Inputs of shape (N, D).
        y: Integer labels of shape (N,).
        params: "W1", "b1", "gamma1", "beta1", ..., "W{L}", "b{L}"; hidden layer i is affine, batch norm (train
            mode), ReLU, dropout; the last layer is affine, then softmax cross-entropy.
        bn_params: L - 1 dicts, bn_params[i - 1] for hidden layer i's batch norm.
        dropout_param: {"p": probability of dropping, "seed": int}; layer i uses the seed [seed, i].

    Returns:
        loss: A float.
        grads: A dict with the keys of params, each gradient of its parameter's shape.
    """
    ### BEGIN SOLUTION
    L = sum(1 for key in params if key.startswith("W"))
    h, caches = X, []
    for i in range(1, L):
        a, fc_cache = affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        z, bn_cache = batchnorm_forward(a, params[f"gamma{i}"], params[f"beta{i}"], bn_params[i - 1])
        r, relu_cache = relu_forward(z)
        layer_dropout = {"p": dropout_param["p"], "mode": "train", "seed": [dropout_param["seed"], i]}
        h, drop_cache = dropout_forward(r, layer_dropout)
        caches.append((fc_cache, bn_cache, relu_cache, drop_cache))  # one entry per layer
    scores, fc_last = affine_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, dscores = softmax_cross_entropy(scores, y)
    grads = {}
    dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, fc_last)
    for i in range(L - 1, 0, -1):  # the layers in reverse, and each layer's boxes in reverse
        fc_cache, bn_cache, relu_cache, drop_cache = caches[i - 1]
        dr = dropout_backward(dh, drop_cache)
        dz = relu_backward(dr, relu_cache)
        da, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dz, bn_cache)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(da, fc_cache)
    return loss, grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex7-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that network_loss returns (loss, grads) for every parameter."""
check("network_loss", network_loss)
### BEGIN HIDDEN TESTS
check("network_loss", network_loss, hidden=True)
### END HIDDEN TESTS

# %%
hints("network_loss")

# %% [markdown]
# Two independent tests of your network. First lesson 1's gradient check, on a 4-layer network ($5 \to 4 \to 4
# \to 4 \to 3$, three hidden layers, dropout 0.3): the loss is a plain function of its 103 parameters, since the
# seed fixes every mask and batch norm's train-mode output doesn't depend on the running averages. Then the
# package's `MLP`, given the same parameters and the same dropout seed.

# %% tags=["raises-exception"]
net_sizes = [5, 4, 4, 4, 3]
X_net, y_net = rng.normal(size=(8, 5)), rng.integers(0, 3, size=8)
params_net = {}
for i, (fan_in, fan_out) in enumerate(zip(net_sizes[:-1], net_sizes[1:]), start=1):
    params_net[f"W{i}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    params_net[f"b{i}"] = rng.normal(0.0, 0.1, size=fan_out)
    if i < len(net_sizes) - 1:
        params_net[f"gamma{i}"] = rng.uniform(0.5, 1.5, size=fan_out)
        params_net[f"beta{i}"] = rng.normal(0.0, 0.3, size=fan_out)
drop_net = {"p": 0.3, "seed": 7}


def net_loss_only(**params):
    """The loss alone, with fresh batch norm dicts: the function the gradient check differentiates."""
    return network_loss(X_net, y_net, params, [{"mode": "train"} for _ in net_sizes[2:]], drop_net)[0]


loss_net, grads_net = network_loss(X_net, y_net, params_net, [{"mode": "train"} for _ in net_sizes[2:]], drop_net)
report = grad_check(net_loss_only, params_net, grads_net)
print(f"gradient check of all {sum(v.size for v in params_net.values())} parameters: largest relative error "
      f"{report.max_rel_error:.1e}, passes: {report.ok}")

mlp = MLP(net_sizes, normalization="batchnorm", dropout=drop_net["p"])
mlp.params = {key: value.copy() for key, value in params_net.items()}
mlp_loss, mlp_grads = mlp.loss(X_net, y_net, dropout_seed=drop_net["seed"])
largest_diff = max(np.abs(grads_net[key] - mlp_grads[key]).max() for key in mlp_grads)
print(f"loss: yours {loss_net:.10f}, the MLP's {mlp_loss:.10f}; largest gradient difference {largest_diff:.1e}")
print(f"the same keys as the MLP's gradients: {sorted(grads_net) == sorted(mlp_grads)}")

# A guard for the course's own tests: the text below says both tests agree.
assert report.ok and abs(loss_net - mlp_loss) < 1e-12 and largest_diff < 1e-10, (report, largest_diff)

# %% [markdown]
# Both agree: your loop computes what the `MLP` computes, and what central differences measure. Written out, the
# backward loop is the forward loop undone: the last layer first, then, for $i = L-1$ down to 1,
# `dropout_backward` → `relu_backward` → `batchnorm_backward` → `affine_backward`, each with layer $i$'s own cache,
# collecting `gamma{i}`, `beta{i}`, `W{i}` and `b{i}` on the way. Everything in this course's networks is this
# loop; the `MLP` only adds the choice of pieces.

# %% [markdown]
# ## 9. Check your understanding
#
# Seven questions, one point each. In each answer cell, replace the two lines `# YOUR CODE HERE` and
# `raise NotImplementedError()` with your answer: for questions 1 to 5 a single letter in quotes, e.g.
# `q1 = "a"`; for question 6 a shape, a tuple of sizes, e.g. `q6 = (3, 4)`; for question 7 a number (no
# quotes), e.g. `q7 = 0.5`. The test under each answer only checks its form (one of the options, a shape, a
# number); whether it is right is checked when the notebook is graded.

# %% [markdown]
# **Question 1.** A network reaches 100 % accuracy on its training set but only 77 % on new data. What is the
# most likely diagnosis, and a remedy?
#
# a) Underfitting: the network is too small for the data, so it should get more layers and more epochs.
#
# b) Overfitting: it memorised its training set; regularise it (L2, dropout) or add data.
#
# c) Wrong gradients: a gradient check on the training set would show the bug.
#
# d) A learning rate that is too small: a larger one would carry the training accuracy over to new data.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q1 = None
### BEGIN SOLUTION
q1 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q1 is one of the options."""
check_choice("q1", q1)
### BEGIN HIDDEN TESTS
check_choice("q1", q1, answer="b", reread="section 7, 'Regularisation: when a network learns its training set too well'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 2.** What do the L1 and L2 penalties do to a network's weights?
#
# a) Both set every weight to exactly zero after enough steps, whatever the data.
#
# b) Both add random noise to the weights at each step, which keeps the network from memorising examples.
#
# c) They change only the loss that is reported; the gradients, and so the weights, are as without them.
#
# d) Both penalise large weights: L2 shrinks each by a factor, L1 drives many to exactly 0.

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q2 = None
### BEGIN SOLUTION
q2 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q2 is one of the options."""
check_choice("q2", q2)
### BEGIN HIDDEN TESTS
check_choice("q2", q2, answer="d", reread="section 7, 'L2: weight decay'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 3.** Why does dropout reduce overfitting, and what happens to it at test time?
#
# a) Each step trains a random sub-network, so no unit can rely on another; at test all units are used.
#
# b) It removes the units with the smallest weights for good, making the network smaller.
#
# c) It switches off random training examples in each epoch; at test time the same examples are left out again.
#
# d) Random units are switched off at test time too, so that the predictions average over many sub-networks.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q3 = None
### BEGIN SOLUTION
q3 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q3 is one of the options."""
check_choice("q3", q3)
### BEGIN HIDDEN TESTS
check_choice("q3", q3, answer="a", reread="section 7, 'Dropout'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 4.** Why can a deep network with batch normalisation usually train with a much larger learning rate?
#
# a) Batch norm divides every gradient by the batch size, so the steps are smaller.
#
# b) Batch norm normalises the gradients of the hidden layers, so that every step has the same size.
#
# c) Each layer's input is renormalised at every step, so a large update can't inflate the scale passed upwards.
#
# d) Batch norm clips every gradient to unit length before each update, so that no single step can ever get too large.

# %% nbgrader={"grade": false, "grade_id": "q4-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q4 = None
### BEGIN SOLUTION
q4 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q4 is one of the options."""
check_choice("q4", q4)
### BEGIN HIDDEN TESTS
check_choice("q4", q4, answer="c", reread="sections 1 and 6, 'Why normalise' and 'A deep network with and without batch norm' (the scale argument; too large a step still overshoots)")
### END HIDDEN TESTS

# %% [markdown]
# **Question 5.** You must train with mini-batches of only 2 samples. Which normalisation fits, and why?
#
# a) Batch norm, since two samples are enough to estimate a mean and a variance for every feature reliably.
#
# b) Batch norm in test mode during training, since its running averages don't depend on the batch size.
#
# c) Neither: normalisation layers only work with batches of at least 64 samples, whatever their axis.
#
# d) Layer norm, since it normalises each sample over its own features and never uses batch statistics.

# %% nbgrader={"grade": false, "grade_id": "q5-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q5 = None
### BEGIN SOLUTION
q5 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q5 is one of the options."""
check_choice("q5", q5)
### BEGIN HIDDEN TESTS
check_choice("q5", q5, answer="d", reread="section 5, 'Layer normalisation'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 6.** Batch normalisation after a layer whose outputs `x` have shape `(N, D) = (32, 100)`. What is
# the shape of `dgamma`, the gradient of the loss with respect to the scale $\gamma$?

# %% nbgrader={"grade": false, "grade_id": "q6-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a shape, a tuple of sizes such as q6 = (3, 4).
q6 = None
### BEGIN SOLUTION
q6 = (100,)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q6 is a shape."""
check_shape("q6", q6)
### BEGIN HIDDEN TESTS
check_shape("q6", q6, answer=(100,), reread="section 3: gamma has one entry per feature, and so has its gradient")
### END HIDDEN TESTS

# %% [markdown]
# **Question 7 (revisits lesson 5).** SGD with momentum $\beta = 0.8$ (lesson 5's momentum coefficient, not batch
# norm's shift $\beta$) is fed the same gradient $g$ at every
# step. Its velocity settles at a multiple of plain gradient descent's step $-\eta g$. Which multiple? Answer
# within ±0.01.

# %% nbgrader={"grade": false, "grade_id": "q7-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number, e.g. q7 = 0.5.
q7 = None
### BEGIN SOLUTION
q7 = 5.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q7 is a number."""
check_number("q7", q7)
### BEGIN HIDDEN TESTS
check_number("q7", q7, answer=5.0, atol=0.01, reread="lesson 5, section 2: the effective step is eta / (1 - beta)")
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Summary
#
# - In a deep network, each layer's input statistics **drift** during training, the more the deeper the layer:
#   measured on a 10-layer network.
# - **Batch norm** normalises every feature over the batch (biased variance, $\varepsilon$ inside the square
#   root), then scales and shifts with learned $\gamma$, $\beta$. Train mode uses the batch statistics and updates
#   **running averages** (momentum on the old value); test mode uses the running averages and changes nothing.
# - Its **backward pass**, node by node: gradients add where a value feeds two steps ($x$ into the mean, $x_c$
#   into the variance), and everything broadcast over the batch sums over it. Simplified:
#   $dx = \frac{\gamma}{N\sigma_\varepsilon}(N\, d\text{out} - d\beta - \hat x\, d\gamma)$ with $\sigma_\varepsilon =
#   \sqrt{\sigma^2 + \varepsilon}$, the same numbers, faster.
# - Batch statistics from skewed or tiny batches break predictions, which is why test mode exists. **Layer norm**
#   normalises each sample over its features: the same in train and test, fine with batches of 1 or 2, and the
#   choice for sequence models.
# - With batch norm, the 10-layer digits network trained at learning rates at least ten times larger (though at
#   10 even it overshoots). Whether removing "internal covariate shift" is the reason is disputed; that a layer's
#   output no longer depends on the scale of its incoming weights is not.
# - **Overfitting** shows as a gap between training and held-out accuracy. The **L2 penalty** ($\frac{\lambda}{2}\sum
#   W^2$, gradient $\lambda W$: weight decay) and **inverted dropout** (drop with probability $p$, divide the rest
#   by $1-p$, identity at test time) both reduced the gap and raised the validation accuracy; the choice between
#   them was made on the validation split, and the test split was used once, for the chosen network. L1
#   ($\lambda\sum|W|$) with the clipped update makes weights exactly zero.
# - A whole deep network is one loop forward, keeping each layer's caches, and one loop backward, undoing the
#   layers last first and each layer's boxes in reverse: yours matched the `MLP` and central differences.
#
# ## What comes next
#
# This lesson ends the new material. **Lesson 7** is the review: a quiz on what backpropagation does and why it
# matters, its common misconceptions (what is *not* part of backpropagation: initialisation, measuring accuracy,
# choosing the architecture), how it compares with genetic algorithms and reinforcement learning, and a capstone:
# the deepest network of the course, built from your own layers (He initialisation, batch norm, momentum, a
# schedule), trained on the digits to at least 97 % test accuracy.
