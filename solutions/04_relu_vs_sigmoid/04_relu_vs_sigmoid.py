# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 4 · ReLU vs sigmoid: vanishing and exploding gradients, and initialisation
#
# In lesson 3 one hidden layer of ReLUs learned the digits. Deep networks stack many such layers, and then
# something new can go wrong: the backward pass multiplies the gradient by one factor per layer on its way back
# to the input, and many factors multiplied together easily shrink to nothing or grow without bound. Whether they
# do depends on two choices that have nothing to do with the backpropagation algorithm itself: the **activation
# function** and the **initial weights**.
#
# This lesson measures all of it on a network of $K = 10$ layers and the digits, and shows where each effect
# comes from. ($K$ counts the layers; $L$ stays the loss.) It ends with the architecture that deep networks use to
# get around the problem: the **residual block**, whose backward pass you derive.
#
# **By the end you will be able to**
# - compare sigmoid, tanh, ReLU and leaky ReLU and their derivatives, and write the backward pass of the leaky
#   ReLU;
# - explain, and show numerically, why a network needs a non-linearity at all;
# - measure the gradient norm of every layer of a deep network, and recognise **vanishing** and **exploding**
#   gradients in it;
# - explain why a deep sigmoid network's gradients vanish ($\sigma' \le 1/4$, one factor per layer);
# - read per-layer activation histograms for collapse and saturation (in the optional part);
# - count **dead ReLUs**, and say how leaky ReLU helps;
# - derive **Xavier** and **He** initialisation from a variance argument, and write He initialisation yourself;
# - tell initialisation (a choice made before training) apart from backpropagation (which computes gradients for
#   whatever weights it is given);
# - derive the backward pass of a **residual block** $x + F(x)$, and measure how its skip path keeps the
#   gradient of a deep sigmoid network alive.
#
# **Time needed:** about 75 minutes (in a workshop, plan a 75-minute slot). One short part is marked *Going
# further (optional)*: nothing later depends on it.
#
# **Prerequisites:** lessons 1–3: the chain rule, the `(out, cache)` / `backward(dout, cache)` convention, the
# affine layer and its backward pass, the ReLU's backward pass, the package's `MLP` and `Trainer`. From
# statistics: the variance of a sum of independent (or merely uncorrelated) terms is the sum of their
# variances.
#
# **How this notebook works.** Run the cells from top to bottom (Shift+Enter). Each exercise is a function whose
# body says `raise NotImplementedError()`: replace that line with your code, run the cell, then run the test cell
# right below it. A test prints a ✓ line when your function is right; otherwise it tells you what looks wrong and
# what to try. When the notebook is graded, the same checks run again with more inputs. There are 6 exercises
# (13 points) and 8 short questions at the end (8 points): 21 points in all. Under each test cell,
# `hints(...)` shows up to three folded hints, from a nudge to the full formula: open one level at a time,
# only when you are stuck.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from backprop.activations import (
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from backprop.data import load_digits, standardize, train_test_split
from backprop.gradcheck import grad_check
from backprop.grading import check, hints
from backprop.layers import affine_backward, affine_forward, residual_forward
from backprop.losses import softmax_cross_entropy
from backprop.models import MLP
from backprop.plots import plot_activation_distributions, plot_gradient_norms
from backprop.quiz import check_choice, check_number, check_shape, self_check
from backprop.train import Trainer
from backprop.widgets import gradient_norm_explorer, playground

# One seeded generator for the whole notebook, so every run sees the same "random" numbers.
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Four activation functions and their slopes
#
# An activation function is applied to every entry of a layer's output. The backward pass multiplies the upstream
# gradient by its **slope** (its local derivative), entry by entry, so the slope is what matters for the
# gradient. Here are the four this lesson compares:
#
# | name | $f(x)$ | $f'(x)$ | largest slope |
# |---|---|---|---|
# | sigmoid | $\sigma(x) = \dfrac{1}{1 + e^{-x}}$, in $(0, 1)$ | $\sigma(x)\,(1 - \sigma(x))$ | $\tfrac14$, at $x = 0$ |
# | tanh | $\tanh(x)$, in $(-1, 1)$ | $1 - \tanh^2(x)$ | $1$, at $x = 0$ |
# | ReLU | $\max(0, x)$ | $1$ for $x > 0$, $0$ for $x \le 0$ | $1$ |
# | leaky ReLU | $x$ for $x > 0$, $\alpha x$ for $x \le 0$ | yours to derive: exercise 1 | $1$ |
#
# Two things to notice, both central to this lesson:
#
# - The sigmoid's slope is **at most 1/4**. Write $s = \sigma(x)$, a number in $(0, 1)$: then
#   $\sigma'(x) = s(1 - s) = \tfrac14 - (s - \tfrac12)^2 \le \tfrac14$, with equality only where $s = \tfrac12$,
#   that is at $x = 0$. And the slope is tiny wherever $|x|$ is large (the curve is flat there: the
#   unit is **saturated**). tanh is a rescaled sigmoid, $\tanh(x) = 2\sigma(2x) - 1$, with slope up to 1, but it
#   saturates just the same.
# - The ReLU's slope is exactly 1 for every positive input, however large, and exactly 0 for every negative one.
#   It never saturates on the positive side; on the negative side it passes no gradient at all. The **leaky
#   ReLU** lets a small multiple $\alpha x$ of a negative input through (e.g. $\alpha$ = 0.01 or 0.1) instead of 0.
#
# **Worked example.** The next cell evaluates all four with the package's forward and backward functions, and
# gets each slope as the backward pass of an upstream gradient of 1: `backward(np.ones_like(x), cache)` is $1
# \cdot f'(x)$. At $x = 0$ the sigmoid's slope is $\sigma(0)(1 - \sigma(0)) = \tfrac12 \cdot \tfrac12 =
# \tfrac14$.

# %%
x_grid = np.linspace(-5.0, 5.0, 401)
ones = np.ones_like(x_grid)
curves = {}
for name, forward, backward in [("sigmoid", sigmoid_forward, sigmoid_backward),
                                ("tanh", tanh_forward, tanh_backward),
                                ("ReLU", relu_forward, relu_backward)]:
    out, cache = forward(x_grid)
    curves[name] = (out, backward(ones, cache))

for name, (out, slope) in curves.items():
    print(f"{name:8s} largest slope {slope.max():.3f}, slope at x = 4: {slope[x_grid == 4.0][0]:.4f}")


# %% [markdown]
# ### Exercise 1 · `leaky_relu_backward` (2 points)
#
# Write the backward pass of the leaky ReLU. Its forward pass, `backprop.activations.leaky_relu_forward(x,
# alpha)`, caches the pair `cache = (x, alpha)`: the input and the slope for negative inputs.
#
# - `dout` and `x` have any shape, the same one; return `dx`, of that shape too.
# - **Derive it first:** the forward pass is $x$ for $x > 0$ and $\alpha x$ for $x \le 0$. What is its slope on
#   each side, and what does the chain rule do with the upstream gradient?
# - **At the kink**, $x = 0$ exactly, use the slope of the left side, $x \le 0$, as lesson 3 used 0 for the
#   plain ReLU: only `x > 0`, strictly, counts as the right side. The check includes inputs that are exactly 0.
# - **Trap:** take `alpha` from the cache. The check uses values such as 0.1 and 0.2, not only 0.01.
#
# `np.where(condition, a, b)` picks `a` where the condition holds and `b` elsewhere.

# %% nbgrader={"grade": false, "grade_id": "ex1-leaky-relu-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def leaky_relu_backward(dout, cache):
    """Backward pass of the leaky ReLU.

    Args:
        dout: Upstream gradient dL/dout, any shape.
        cache: The pair (x, alpha) from leaky_relu_forward: x has the shape of dout, alpha is a number.

    Returns:
        dx: dL/dx, the shape of dout.
    """
    ### BEGIN SOLUTION
    x, alpha = cache
    slope = np.where(x > 0, 1.0, alpha)  # alpha at the kink x = 0 too
    return dout * slope
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that leaky_relu_backward returns dL/dx."""
check("leaky_relu_backward", leaky_relu_backward)
### BEGIN HIDDEN TESTS
check("leaky_relu_backward", leaky_relu_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("leaky_relu_backward")

# %% [markdown]
# **What you derived.** The slope is 1 where $x > 0$ and $\alpha$ where $x \le 0$, and the chain rule
# multiplies it by the upstream gradient, entry by entry: `dx = dout * np.where(x > 0, 1.0, alpha)`, that is
# `dout` on the right side and `alpha * dout` on the left.
#
# A gradient check of your function against central differences, away from the kink (where a difference
# quotient straddles the corner and means nothing), then all four functions and their slopes side by side. The
# leaky ReLU uses $\alpha = 0.1$ here, so that its slope on the left is visible.

# %% tags=["raises-exception"]
x_gc = rng.normal(size=(4, 5))
x_gc[np.abs(x_gc) < 1e-3] = 0.5  # keep clear of the kink
dout_gc = rng.normal(size=(4, 5))
_, cache_gc = leaky_relu_forward(x_gc, alpha=0.1)
report = grad_check(lambda x: leaky_relu_forward(x, alpha=0.1)[0], {"x": x_gc},
                    {"x": leaky_relu_backward(dout_gc, cache_gc)}, dout=dout_gc)
print(report)

out, cache = leaky_relu_forward(x_grid, alpha=0.1)
curves["leaky ReLU (α = 0.1)"] = (out, leaky_relu_backward(ones, cache))

fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for name, (out, slope) in curves.items():
    ax_f.plot(x_grid, out, label=name)
    ax_d.plot(x_grid, slope, label=name)
ax_d.axhline(0.25, color="grey", linestyle=":", linewidth=1)
ax_d.annotate("sigmoid's largest slope, 1/4", (-4.8, 0.27), fontsize=9, color="grey")
ax_f.set(title="activation f(x)", xlabel="x", ylim=(-1.5, 3))
ax_d.set(title="slope f'(x): what the backward pass multiplies by", xlabel="x", ylim=(-0.1, 1.15))
ax_f.legend()
ax_d.legend()
plt.show()

# %% [markdown]
# ## 2. Why a non-linearity at all?
#
# Take away the activation and a layer is only affine, $h = xW + b$. The claim of this section: two of them in a
# row are again **one** affine layer, and so, by induction, **any stack of affine layers is one affine layer**:
# its decision boundaries are straight (hyperplanes), however deep it is. That is exactly what failed on XOR in
# lesson 2. The non-linearity between the layers is what lets depth buy anything; its *slope*, we will see, is
# what decides whether the gradient survives the trip back.
#
# **Worked example, on a different pair of layers.** An affine layer $h = xW + b$, shape $(N, H)$, followed by a
# *scaling* layer that multiplies column $k$ by its own factor $s_k$ (lesson 3's worked example): $\text{out} =
# h \odot s$. Entry by entry, $\text{out}_{nk} = \big(\sum_d x_{nd} W_{dk} + b_k\big)\, s_k = \sum_d x_{nd}
# (W_{dk} s_k) + b_k s_k$. Group the terms that multiply $x$ and those that don't: this is one affine layer with
# weights `W * s` (column $k$ of $W$ scaled by $s_k$) and bias `b * s`. The next cell checks it on random numbers.

# %% [markdown]
#

# %%
rng_sc = np.random.default_rng(4)  # its own generator, so that the rest of the notebook draws as before
x_sc, W_sc, b_sc = rng_sc.normal(size=(5, 3)), rng_sc.normal(size=(3, 4)), rng_sc.normal(size=4)
s_sc = rng_sc.normal(size=4)
two_steps = (x_sc @ W_sc + b_sc) * s_sc
one_layer_sc = x_sc @ (W_sc * s_sc) + b_sc * s_sc
print(f"affine then scaling vs one affine layer: largest difference {np.max(np.abs(two_steps - one_layer_sc)):.1e}")


# %% [markdown]
# ### Exercise 2 · `collapse_linear` (2 points)
#
# Write `collapse_linear(W1, b1, W2, b2)`, which returns the single affine layer `(W, b)` that computes the same as
# the two layers `x @ W1 + b1` then `@ W2 + b2`. Shapes: `W1` $(D, H)$, `b1` $(H,)$, `W2` $(H, C)$, `b2` $(C,)$;
# `W` is $(D, C)$ and `b` is $(C,)$.
#
# **Derive it on paper first**, as in the worked example: write what the two layers compute for one sample, a
# row $x$, and group the terms.
#
# - **Trap:** the order of a matrix product matters. `x` meets `W1` first.
# - **Trap:** `b1` doesn't simply add to `b2`.

# %% nbgrader={"grade": false, "grade_id": "ex2-collapse-linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
def collapse_linear(W1, b1, W2, b2):
    """The one affine layer equal to two affine layers in a row, with no activation between them.

    Args:
        W1: Shape (D, H).
        b1: Shape (H,).
        W2: Shape (H, C).
        b2: Shape (C,).

    Returns:
        W: Shape (D, C).
        b: Shape (C,), such that x @ W + b == (x @ W1 + b1) @ W2 + b2 for every x.
    """
    ### BEGIN SOLUTION
    W = W1 @ W2
    b = b1 @ W2 + b2
    return W, b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that collapse_linear returns (W, b)."""
check("collapse_linear", collapse_linear)
### BEGIN HIDDEN TESTS
check("collapse_linear", collapse_linear, hidden=True)
### END HIDDEN TESTS

# %%
hints("collapse_linear")

# %% [markdown]
# **What you derived.**
#
# $$ (xW_1 + b_1)\,W_2 + b_2 \;=\; x\,\underbrace{W_1 W_2}_{W} \;+\; \underbrace{b_1 W_2 + b_2}_{b}. $$
#
# Note where $b_1$ ends up: it is added *before* the second layer, so it is multiplied by $W_2$ like everything
# else that enters that layer.
#
# Now the numerical proof, with your function. Three layers of a 64 → 32 → 16 → 10 network without activations
# collapse, two at a time, into one 64 → 10 layer, and both give the same scores on 100 random inputs, up to
# rounding. Put a ReLU between the layers and no single affine layer does: the collapsed one is then far off.

# %% tags=["raises-exception"]
sizes_lin = [64, 32, 16, 10]
Ws = [rng.normal(0.0, 1.0 / np.sqrt(m), size=(m, n)) for m, n in zip(sizes_lin[:-1], sizes_lin[1:])]
bs = [rng.normal(size=n) for n in sizes_lin[1:]]
x_lin = rng.normal(size=(100, 64))

deep_linear = x_lin
deep_relu = x_lin
for i, (W, b) in enumerate(zip(Ws, bs)):
    deep_linear = deep_linear @ W + b
    deep_relu = deep_relu @ W + b
    if i < len(Ws) - 1:
        deep_relu = np.maximum(deep_relu, 0.0)

W_one, b_one = collapse_linear(Ws[0], bs[0], Ws[1], bs[1])
W_one, b_one = collapse_linear(W_one, b_one, Ws[2], bs[2])
one_layer = x_lin @ W_one + b_one
print(f"collapsed layer: W {W_one.shape}, b {b_one.shape}")
print(f"three linear layers vs one:     largest difference {np.max(np.abs(deep_linear - one_layer)):.1e}")
print(f"three layers with ReLUs vs one: largest difference {np.max(np.abs(deep_relu - one_layer)):.2f} "
      f"(the scores themselves are of size {np.abs(deep_relu).mean():.2f} on average)")


# %% [markdown]
# ## 3. Vanishing gradients
#
# Now a deep network: 10 affine layers, 64 inputs (the 8×8 digits, pixels divided by 16 so they lie in
# $[0, 1]$), nine hidden layers of 64 units and 10 scores, `MLP([64] + [64] * 9 + [10], ...)`: $K = 10$
# layers. Every weight
# matrix $W_i$ gets its own gradient $dW_i$; we measure its size with the (Frobenius) **norm**
#
# $$ \lVert dW_i \rVert = \sqrt{\textstyle\sum_{j,k} (dW_i)_{jk}^2}, $$
#
# one number per layer, for layers $i = 1$ (next to the input) to $K = 10$ (next to the loss). It is about how
# far one step of gradient descent moves that layer.
#
# **Why the sigmoid's gradients shrink.** Call $a_l$ the input of layer $l$'s activation and $h_l = f(a_l)$ its
# output, so $a_{l+1} = h_l W_{l+1} + b_{l+1}$. Going back through one layer is lesson 3's two steps:
#
# $$ \frac{\partial L}{\partial h_{l}} = \frac{\partial L}{\partial a_{l+1}}\, W_{l+1}^{\top}, \qquad
#    \frac{\partial L}{\partial a_{l}} = \frac{\partial L}{\partial h_{l}} \odot f'(a_l), $$
#
# and $dW_l = h_{l-1}^\top\, \partial L/\partial a_l$. So the gradient that reaches layer 1 has passed through
# nine products with a weight matrix and nine element-wise products with a slope $f'$. With the sigmoid each
# slope is at most $\tfrac14$, so, when the weight matrices roughly keep the size of what passes through them
# (which is what Xavier initialisation, below, aims for), every layer divides the gradient by about 4 or more:
# nine layers give a factor of roughly $4^{-9} \approx 4 \cdot 10^{-6}$. tanh's slope is 1 near 0, and the
# ReLU's is exactly 1 wherever the unit is on; with the matching initialisation, neither needs to shrink.
#
# Each multiplication is *exactly* what the chain rule says: backpropagation computes these tiny numbers
# correctly. The problem is not the algorithm but the network it is applied to.

# %% [markdown]
# ### Exercise 3 · `weight_gradient_norms` (2 points)
#
# Write `weight_gradient_norms(grads)`: given the gradient dict that `MLP.loss` returns (keys `"W1"`, `"b1"`, …,
# `"WK"`, `"bK"`), return the norms $\lVert dW_1\rVert, \dots, \lVert dW_K\rVert$ as an array of shape $(K,)$,
# **layer 1 first**.
#
# - Count the layers: $K$ is the number of keys that start with `"W"`.
# - Measure the weight gradients only, not the biases. `np.linalg.norm(A)` of a matrix is the Frobenius norm
#   above.
# - **Trap:** don't rely on the dict's order. The backward pass fills `grads` from the last layer back, so its
#   keys come as `W10, b10, W9, …`, and the check also hands you dicts in other orders. And `sorted(grads)` puts
#   `"W10"` before `"W2"`: sorting strings is not sorting numbers.

# %% nbgrader={"grade": false, "grade_id": "ex3-weight-gradient-norms", "locked": false, "schema_version": 3, "solution": true, "task": false}
def weight_gradient_norms(grads):
    """The norm of every layer's weight gradient, layer 1 (next to the input) first.

    Args:
        grads: A dict with keys "W1", "b1", ..., "WK", "bK" (in any order), as MLP.loss returns.

    Returns:
        norms: Shape (K,); norms[i - 1] = the Frobenius norm of layer i's weight gradient.
    """
    ### BEGIN SOLUTION
    num_layers = sum(1 for key in grads if key.startswith("W"))
    return np.array([np.linalg.norm(grads[f"W{i}"]) for i in range(1, num_layers + 1)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that weight_gradient_norms returns the per-layer norms, layer 1 first."""
check("weight_gradient_norms", weight_gradient_norms)
### BEGIN HIDDEN TESTS
check("weight_gradient_norms", weight_gradient_norms, hidden=True)
### END HIDDEN TESTS

# %%
hints("weight_gradient_norms")

# %% [markdown]
# Now the measurement, with your function. Three 10-layer networks with the same sizes, the same 256 digits and
# the same seed, each with the initialisation that suits its activation (section 6 explains these): sigmoid and
# tanh with Xavier's, ReLU with He's. One forward and one backward pass each, no training.

# %% tags=["raises-exception"]
X_all, y_all = load_digits()
X_deep, y_deep = X_all[:256] / 16.0, y_all[:256]
deep_sizes = [64] + [64] * 9 + [10]


def deep_norms(activation, **init):
    """Per-layer gradient norms of a fresh 10-layer network on the 256 digits (your function)."""
    net = MLP(deep_sizes, activation, seed=0, **init)
    _, grads = net.loss(X_deep, y_deep)
    return weight_gradient_norms(grads)


norms_good = {
    "sigmoid, Xavier": deep_norms("sigmoid", init="xavier"),
    "tanh, Xavier": deep_norms("tanh", init="xavier"),
    "ReLU, He": deep_norms("relu", init="he"),
}
print("layer:          " + " ".join(f"{i:>8d}" for i in range(1, 11)))
for label, norms in norms_good.items():
    print(f"{label:16s}" + " ".join(f"{v:8.2g}" for v in norms))
sig = norms_good["sigmoid, Xavier"]
print(f"\nsigmoid: layer 1 / layer 10 = {sig[0] / sig[-1]:.1e}; from one layer to the one below, the norm "
      f"shrinks by a factor of {np.min(sig[1:] / sig[:-1]):.1f} to {np.max(sig[1:] / sig[:-1]):.1f}")
# A guard for the course's own tests: the text below says "a few millionths".
assert 1e-6 < sig[0] / sig[-1] < 1e-5

plot_gradient_norms(norms_good, title="10 layers, at initialisation: gradient norm per layer")
plt.show()

# %% [markdown]
# The sigmoid line falls by a factor of about 4 per layer toward the input, as the slope bound predicted, until
# layer 1's gradient is a few millionths of layer 10's (the printed ratio, about $2 \cdot 10^{-6}$, close to the
# $4^{-9} \approx 4 \cdot 10^{-6}$ predicted above): the first layers would barely move in training, while
# the last ones do all the learning. The tanh and ReLU lines stay level: each varies by less than a factor of 2.5
# across all ten layers.
#
# Where does the factor 4 come from exactly? The average slope $\sigma'(a) = h(1 - h)$ of each hidden layer can
# be read off the activations themselves:

# %%
net_sigmoid = MLP(deep_sizes, "sigmoid", init="xavier", seed=0)
mean_slopes = [float(np.mean(h * (1 - h))) for h in net_sigmoid.hidden_activations(X_deep)]
print("mean sigmoid slope per hidden layer:", np.round(mean_slopes, 3))

# %% [markdown]
# Every hidden layer's units sit near the middle of the sigmoid, so the slopes are close to their maximum,
# $\tfrac14$; and even the *largest* possible slope shrinks the gradient fourfold per layer. A better
# initialisation cannot fix that for the sigmoid: the ceiling of $\tfrac14$ is in the function itself. That is
# the first reason deep networks use ReLUs.

# %% [markdown]
# **Practice question** (not graded): pick an answer and press *Check*.

# %%
self_check(
    "A 20-layer sigmoid network has the slopes of its units close to their best, 1/4, and weight matrices that "
    "keep the size of what passes through them. Roughly how much smaller is the gradient at layer 1 than at "
    "layer 20?",
    ["About 20 × 1/4 = 5 times smaller", "About 4 times smaller, as for every network",
     "About 4^19 ≈ 3·10^11 times smaller", "The same size: the chain rule conserves the gradient"],
    answer=2,
    explanation=(
        "The factors multiply, one per layer that the gradient passes on its way back: 19 layers between layer "
        "20 and layer 1, each dividing by about 4, give 4^19, about 3·10^11. That is the 'vanishing' in vanishing "
        "gradients."
    ),
)

# %% [markdown]
# ## 4. Exploding gradients, and what the activations look like
#
# The weight matrices are the other half of each factor. Multiply a vector by a $64 \times 64$ matrix whose
# entries have standard deviation $s$ and, on average, its length changes by a factor of about $\sqrt{64}\, s =
# 8s$ (section 6 derives this). With $s = 1$ instead of Xavier's or He's $s \approx 0.13$–$0.18$, every layer
# *multiplies* the signal, in the forward pass and in the backward pass alike. The package's `MLP` takes such a
# plain normal initialisation with `weight_scale=...`.

# %% tags=["raises-exception"]
norms_big = {
    "ReLU, std 1": deep_norms("relu", weight_scale=1.0),
    "tanh, std 1": deep_norms("tanh", weight_scale=1.0),
    "ReLU, He": norms_good["ReLU, He"],
}
for label, norms in norms_big.items():
    print(f"{label:12s} layer 1: {norms[0]:9.3g}   layer 10: {norms[-1]:9.3g}")

plot_gradient_norms(norms_big, title="too large an initial scale: exploding gradients")
plt.show()

# %% [markdown]
# With ReLUs and standard deviation 1, every layer's gradient is of order $10^7$: one gradient-descent step at a
# learning rate of 0.1 would move each weight matrix by a distance of about $10^6$, when the whole matrix has a
# norm of about 64 ($\sqrt{64 \cdot 64}$ entries of size 1). With tanh, the gradient *grows* on its way back,
# layer 1's about 300 times layer 10's, yet it stays far below the ReLU's: tanh saturates, so its outputs, which
# enter every $dW$, can't exceed 1 in size, while the ReLU's grow by a factor of about 5.7 per layer.
#
# **Why is the ReLU line level, if every factor is above 1?** Because $dW_l = h_{l-1}^\top\, \partial L/\partial
# a_l$ has two parts. The activation $h_{l-1}$ has been multiplied on the way *forward* by $l - 1$ factors of
# about 5.7; the backward signal $\partial L/\partial a_l$ on the way *back* by $K - l$ of them. Every layer gets
# $K - 1 = 9$ factors in all, and $5.7^9 \approx 6 \cdot 10^6$: level, and huge. The sigmoid's outputs, in
# $(0, 1)$, can't grow forward, so there only the backward factors show, and the line slopes. The same
# bookkeeping explains a line that is level but tiny: factors below 1, forward and back (you can make one in the
# widget of section 6).
#
# ### Going further (optional): what the activations look like
#
# The histograms below show, for three networks, the outputs of each of the nine hidden layers on the 256 digits
# (`MLP.hidden_activations`), with each panel's standard deviation in its title:
#
# - ReLU with a tiny scale, std 0.01: every layer multiplies the size of the signal by about $\sqrt{64/2} \cdot
#   0.01 \approx 0.06$, and the activations **collapse** to 0. So do the gradients of the weights, which are
#   products of these activations and the backward signal.
# - tanh with std 1: the inputs of each tanh are large, and the units **saturate** at $\pm 1$, where the slope is
#   nearly 0.
# - ReLU with He's initialisation: the spread stays of the same order from layer to layer. This is the goal.

# %%
settings = [("ReLU, std 0.01: collapse", "relu", {"weight_scale": 0.01}),
            ("tanh, std 1: saturation", "tanh", {"weight_scale": 1.0}),
            ("ReLU, He: a steady spread", "relu", {"init": "he"})]
fig, axes = plt.subplots(3, 9, figsize=(15, 6.6), layout="constrained", sharey="row")
hidden = {}
for row, (title, activation, init) in zip(axes, settings):
    hidden[title] = MLP(deep_sizes, activation, seed=0, **init).hidden_activations(X_deep)
    plot_activation_distributions(hidden[title], axes=row)
    row[0].set_ylabel(f"{title}\n\nfraction of units", fontsize=9)
plt.show()

stds = np.array([h.std() for h in hidden["ReLU, std 0.01: collapse"]])
print("ReLU, std 0.01: the spread shrinks by a factor of", np.round(stds[:-1] / stds[1:], 1),
      f"per layer, to {stds[-1]:.1e}")
pinned = [np.mean(np.abs(h) > 0.99) for h in hidden["tanh, std 1: saturation"]]
print("tanh, std 1: fraction of outputs within 0.01 of -1 or +1, per layer:", np.round(pinned, 2))
print("ReLU, He: std per layer:", np.round([h.std() for h in hidden["ReLU, He: a steady spread"]], 2))


# %% [markdown]
# In the top row the spread falls by a factor of about 16 to 24 per layer, down to about $10^{-12}$ by layer 9:
# numbers that small carry no information, and the gradients of the weights, built from them, are tiny too. In
# the middle row about 70 % of the outputs of every layer after the first sit within 0.01 of $-1$ or $+1$, where
# tanh's slope is below 0.02. Only the bottom row keeps a spread of the same order in every layer (its standard
# deviation stays between about 0.2 and 0.45).

# %% [markdown]
# ## 5. Dead ReLUs
#
# The ReLU's slope is 0 for negative inputs. A unit whose input is negative for **every** sample outputs 0 for
# every sample: it is **dead**. Its slope is then 0 everywhere, so its incoming weights and bias get exactly zero
# gradient, and gradient descent never changes them. Only the layers below it can switch it back on, if their
# changing outputs happen to make its input positive for some sample; in a first hidden layer, whose inputs are
# the fixed data, not even that. In practice a dead unit mostly stays dead. A single large step can do this
# to many units at once: a big update pushes a unit's bias or weights so far that its input is negative for all
# the data.
#
# The leaky ReLU was proposed for this: its slope on the negative side is $\alpha$, not 0, so a unit that went
# negative still receives a (small) gradient and can find its way back.

# %% [markdown]
# ### Exercise 4 · `dead_relu_fraction` (2 points)
#
# Write `dead_relu_fraction(H)`: given a layer's ReLU outputs `H` of shape `(N, units)` (one row per sample, one
# column per unit), return the **fraction of units** that are 0 for every sample, a float between 0 and 1.
#
# - **Trap:** a live unit outputs 0 for many samples; that's what ReLUs do. It is dead only if its whole
#   column is exactly 0: a unit that is positive for a single sample, however slightly, still learns from it.
# - **Trap:** units are columns, samples are rows.
# - NumPy's reductions (`np.sum`, `np.mean`, `np.all`, `np.any`) take an `axis` argument: the axis they remove.

# %% nbgrader={"grade": false, "grade_id": "ex4-dead-relu-fraction", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dead_relu_fraction(H):
    """The fraction of ReLU units that output 0 for every sample of the batch.

    Args:
        H: ReLU outputs of shape (N, units): one row per sample, one column per unit; all >= 0.

    Returns:
        fraction: A float in [0, 1], the fraction of the units that are dead.
    """
    ### BEGIN SOLUTION
    dead = np.all(H == 0, axis=0)  # one True/False per unit
    return float(np.mean(dead))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that dead_relu_fraction returns the fraction of dead units."""
check("dead_relu_fraction", dead_relu_fraction)
### BEGIN HIDDEN TESTS
check("dead_relu_fraction", dead_relu_fraction, hidden=True)
### END HIDDEN TESTS

# %%
hints("dead_relu_fraction")

# %% [markdown]
# **What you wrote**, in one line: `np.mean(np.all(H == 0, axis=0))`. `np.all(..., axis=0)` removes the
# samples' axis and leaves one True/False per unit; the mean of the booleans is the fraction of dead units.
#
# Now an experiment with your function. We take lesson 3's digits set-up (standardised pixels) with two hidden
# layers of 64 ReLUs, and train it for **one epoch at a learning rate of 1.5**, far too large (lesson 3 used 0.2).
# Then we count the dead units of each hidden layer on the training set, and check that the weights into the dead
# units really get a gradient of exactly 0.

# %% tags=["raises-exception"]
images, digits = load_digits(return_images=True)
X_flat = images.reshape(len(images), 64)
X_train_raw, X_test_raw, y_train, y_test = train_test_split(X_flat, digits, test_size=0.2, seed=0)
X_train, X_test = standardize(X_train_raw, X_test_raw)
two_hidden = [64, 64, 64, 10]


def dead_fractions(net):
    """Your dead_relu_fraction for each hidden layer; a leaky unit counts as dead if it is never positive."""
    return [dead_relu_fraction(np.maximum(h, 0.0)) for h in net.hidden_activations(X_train)]


damaged = MLP(two_hidden, "relu", seed=0)
Trainer(damaged, X_train, y_train, optim_config={"learning_rate": 1.5}, batch_size=32, epochs=1, seed=0,
        progress=False).train()
dead_after_bad = dead_fractions(damaged)
print("dead fraction per hidden layer after one epoch at 1.5:", np.round(dead_after_bad, 3))
print(f"test accuracy: {damaged.accuracy(X_test, y_test):.1%}")

dead_units = np.all(damaged.hidden_activations(X_train)[1] == 0, axis=0)
_, grads_damaged = damaged.loss(X_train, y_train)
print(f"{dead_units.sum()} dead units in layer 2; the sum of |dW2| over their incoming weights: "
      f"{np.abs(grads_damaged['W2'][:, dead_units]).sum()}, and of |db2| over their biases: "
      f"{np.abs(grads_damaged['b2'][dead_units]).sum()}")

# %% [markdown]
# Exactly 0, not merely small: no learning rate and no number of epochs will move those weights. To see what
# the leaky ReLU changes, we copy the damaged weights into a second network that differs only in its activation,
# a leaky ReLU (the package's `MLP` uses $\alpha = 0.01$), and train both, and a fresh undamaged ReLU network for
# comparison, for 10 more epochs at a sensible rate, 0.1.

# %% tags=["raises-exception"]
leaky = MLP(two_hidden, "leaky_relu", seed=0)
leaky.params = {key: value.copy() for key, value in damaged.params.items()}
_, grads_leaky = leaky.loss(X_train, y_train)
print(f"leaky copy: the sum of |dW2| into the same {dead_units.sum()} units: "
      f"{np.abs(grads_leaky['W2'][:, dead_units]).sum():.3g}")

healthy = MLP(two_hidden, "relu", seed=0)
runs = {"ReLU, damaged": damaged, "leaky ReLU, same damaged weights": leaky, "ReLU, fresh start": healthy}
for net in runs.values():
    Trainer(net, X_train, y_train, optim_config={"learning_rate": 0.1}, batch_size=32, epochs=10, seed=1,
            progress=False).train()
dead_after = {label: dead_fractions(net) for label, net in runs.items()}
for label, net in runs.items():
    print(f"{label:33s} dead per layer {np.round(dead_after[label], 3)}, "
          f"test accuracy {net.accuracy(X_test, y_test):.1%}")
still_dead = np.all(damaged.hidden_activations(X_train)[1] == 0, axis=0)
print(f"ReLU, damaged, layer 2: {np.sum(dead_units & ~still_dead)} of the {dead_units.sum()} dead units came "
      f"back to life, {np.sum(~dead_units & still_dead)} more died")

fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
bars = {"after the bad epoch": dead_after_bad, **{f"+10 epochs: {k}": v for k, v in dead_after.items()}}
for j, (label, fractions) in enumerate(bars.items()):
    ax.bar(np.arange(2) + 0.2 * j - 0.3, fractions, width=0.2, label=label)
ax.set(xticks=[0, 1], xticklabels=["hidden layer 1", "hidden layer 2"], ylabel="fraction of dead units",
       title="dead units (0 for every training digit)")
ax.legend(fontsize=8)
plt.show()


# %% [markdown]
# Read the printed numbers: the plain ReLU network hardly recovers its dead units. One came back, switched on by
# the changes in layer 1 below it, while more died, so the fraction even grows a little; and it ends well below
# the fresh network's accuracy. With the very same weights, the leaky version gets a small but nonzero gradient
# into those units, revives some of them, and ends closer to the fresh network. With $\alpha = 0.01$ the rescue
# is slow; it is a mitigation, and the real cure is not to take such steps in the first place (a smaller
# learning rate; lesson 5's schedules).

# %% [markdown]
# ## 6. Initialisation: the cure, and a choice separate from backpropagation
#
# Sections 3 and 4 changed only the **starting weights**, and the gradients went from vanishing to healthy to
# exploding. So choose the starting scale on purpose: such that the signal keeps its size from layer to layer,
# forward and backward.
#
# **The variance argument.** Take one unit of a layer with `fan_in` inputs $h_1, \dots, h_{n}$ ($n$ = fan_in),
# weights $w_i$ drawn independently with mean 0 and variance $v$, and $a = \sum_i h_i w_i$ (the bias starts at 0).
# The terms have mean 0 and are uncorrelated (the $w_i$ are independent of each other and of the $h_i$), so their
# variances add:
#
# $$ \operatorname{Var}(a) = \sum_{i=1}^{n} \operatorname{Var}(h_i w_i) = n \, v \, \mathbb{E}[h^2]. $$
#
# - **tanh** (and the identity) near 0: $h \approx a_\text{prev}$, so $\mathbb{E}[h^2] \approx
#   \operatorname{Var}(a_\text{prev})$. Keeping $\operatorname{Var}(a) = \operatorname{Var}(a_\text{prev})$ needs
#   $v = 1/n_\text{in}$. The backward pass runs the same argument through $W^\top$ and asks for $v =
#   1/n_\text{out}$. **Xavier** (Glorot) initialisation takes the compromise
#   $$ v = \frac{2}{n_\text{in} + n_\text{out}}. $$
# - **ReLU**: $a_\text{prev}$ is symmetric around 0 and the ReLU zeroes its negative half, so $\mathbb{E}[h^2] =
#   \tfrac12 \operatorname{Var}(a_\text{prev})$. **He** initialisation chooses the $v$ that makes up for that
#   half, so that $\operatorname{Var}(a) = \operatorname{Var}(a_\text{prev})$ again. Which $v$ is it? That is
#   exercise 5: derive it on paper from the equation above before you write the code.
#
# **Initialisation is not part of backpropagation.** A common mix-up is to think of choosing the starting weights
# as a step of backprop. It isn't: the initial weights are chosen once, *before* training starts; backpropagation
# then computes, at every step, the exact gradient of the loss for *whatever* weights the network has at that
# moment, good or bad. The sigmoid network of section 3 was backpropagated perfectly correctly; its gradients were
# simply tiny. Initialisation, like the activation and the architecture, decides what there is to backpropagate
# through; backprop only does the chain rule.

# %% [markdown]
# ### Exercise 5 · `he_init` (2 points)
#
# Write `he_init(fan_in, fan_out, rng)`, which returns a weight matrix of shape `(fan_in, fan_out)` with
# independent normal entries of mean 0 and He's variance $v$, the one you derived from the ReLU bullet above
# ($n$ = fan_in).
#
# - Draw **all the weights in one call, from the `rng` you are given**, in the shape `(fan_in, fan_out)`
#   (`rng.normal` or `rng.standard_normal`; see `help(rng.normal)`). The check gives your function a seeded
#   generator and compares the numbers one by one, so drawing from `np.random`, drawing twice, or drawing in
#   another shape gives other numbers.
# - **Trap:** `rng.normal` takes the standard deviation, not the variance.
# - **Trap:** fan_in is the first size, the number of inputs added up in each unit.

# %% nbgrader={"grade": false, "grade_id": "ex5-he-init", "locked": false, "schema_version": 3, "solution": true, "task": false}
def he_init(fan_in, fan_out, rng):
    """He initialisation for a layer followed by a ReLU.

    Args:
        fan_in: The number of inputs of the layer (D).
        fan_out: The number of units of the layer (H).
        rng: A np.random.Generator; draw from it, in one call.

    Returns:
        W: Shape (fan_in, fan_out), normal entries with mean 0 and He's variance (section 6).
    """
    ### BEGIN SOLUTION
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that he_init draws N(0, 2 / fan_in) weights of shape (fan_in, fan_out)."""
check("he_init", he_init)
### BEGIN HIDDEN TESTS
check("he_init", he_init, hidden=True)
### END HIDDEN TESTS

# %%
hints("he_init")

# %% [markdown]
# **What you derived.** $\operatorname{Var}(a) = n\, v\, \tfrac12 \operatorname{Var}(a_\text{prev})$ equals
# $\operatorname{Var}(a_\text{prev})$ when $n v / 2 = 1$:
#
# $$ v = \frac{2}{n_\text{in}}, \qquad \text{standard deviation } \sqrt{2 / n_\text{in}}, $$
#
# LeCun's $1/n_\text{in}$ doubled, and in code `rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))`.
# For our 64-unit layers that is a standard deviation of $\sqrt{2/64} \approx 0.18$. With $s = 1$ instead, the
# variance is multiplied by $n v / 2 = 64 \cdot 1 / 2 = 32$ per ReLU layer (a factor $\sqrt{32} \approx 5.7$ in
# size): the explosion of section 4. With $s = 0.01$ it is multiplied by $64 \cdot 10^{-4} / 2 = 0.0032$ (a factor
# of about 0.06 in size): the collapse of section 4's optional part.
#
# Your `he_init` at work: a forward pass through 20 ReLU layers of width 256, from standardised inputs, with
# weights from your function and, for contrast, from LeCun's $\sqrt{1/n}$ (He without the factor 2) and from a
# fixed std of 0.1. Printed is the root mean square of each layer's output, the quantity the variance argument
# keeps constant.

# %% tags=["raises-exception"]
width, depth = 256, 20
inits = {
    "He (yours)": lambda n_in, n_out, g: he_init(n_in, n_out, g),
    "LeCun, sqrt(1/n)": lambda n_in, n_out, g: g.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out)),
    "std 0.1": lambda n_in, n_out, g: g.normal(0.0, 0.1, size=(n_in, n_out)),
}
x_in = rng.normal(size=(500, width))
rms = {}
for label, init in inits.items():
    g = np.random.default_rng(1)
    h, sizes_rms = x_in, []
    for _ in range(depth):
        h = np.maximum(h @ init(width, width, g), 0.0)
        sizes_rms.append(np.sqrt(np.mean(h**2)))
    rms[label] = np.array(sizes_rms)
    print(f"{label:17s} RMS after layer 1: {rms[label][0]:.3f}, after layer {depth}: {rms[label][-1]:.3g}")

fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
for label, values in rms.items():
    ax.semilogy(np.arange(1, depth + 1), values, marker="o", label=label)
ax.set(xlabel="layer", ylabel="RMS of the ReLU outputs", title="forward signal through 20 ReLU layers")
ax.legend()
plt.show()

# %% [markdown]
# He's line stays roughly level (20 random layers let it drift a little), LeCun's halves the variance (a factor
# $1/\sqrt 2$ in size) at every layer, and the fixed 0.1 grows, since $256 \cdot 0.01 / 2 = 1.28 > 1$. The
# backward pass obeys the same argument, with fan_out in place of fan_in, so the gradients behave alike.
#
# ### Explore: depth, activation and initialisation
#
# The widget below builds a fresh network for the settings you pick and plots the gradient norm of each of its
# layers, measured with **your** `weight_gradient_norms`; the previous setting stays in the plot, faded. Things
# to try:
#
# - sigmoid with `auto` (Xavier), then raise the depth from 10 to 20: how small does layer 1's gradient get?
# - Switch to tanh, then relu, at depth 20.
# - relu with `normal` and a std of 1, then 0.05, then 0.18 ($\approx\sqrt{2/64}$, He's value).
# - sigmoid with `he`, or relu with `xavier`: the "wrong" pairing. Which matters more, the activation or the
#   initialisation?

# %% tags=["raises-exception"]
gradient_norm_explorer(X_deep, y_deep, depth=10, activation="sigmoid", norms=weight_gradient_norms)

# %% [markdown]
# ### Watch it train: sigmoid against ReLU on the spirals
#
# Gradient norms at initialisation are a prediction; training is the test. The cell below uses lesson 3's
# Backprop Playground headless: the same network (2 → 16 → 16 → 3, on the spirals, plain gradient descent with
# learning rate 0.3, batches of 32, the same seed) once per activation, each initialised as section 6
# recommends (Xavier for sigmoid and tanh, He for the ReLUs). It prints the training accuracy after 100 and
# after 300 steps.

# %%
spiral_accuracy = {}
for name in ("sigmoid", "tanh", "relu", "leaky_relu"):
    run = playground("spirals", activation=name, learning_rate=0.3, momentum=0.0)
    run.step(100, redraw=False)
    after_100 = run.train_accuracy()
    run.step(200, redraw=False)
    spiral_accuracy[name] = (after_100, run.train_accuracy())
    print(f"{name:<11} training accuracy after 100 steps {after_100:6.1%}, after 300 steps "
          f"{run.train_accuracy():6.1%}")

# A guard for the course's own tests: the text below says the sigmoid is far behind the other three.
assert all(spiral_accuracy["sigmoid"][1] + 0.1 < acc[1] for acc in list(spiral_accuracy.values())[1:])

# %% [markdown]
# Only two hidden layers, yet the sigmoid network is far behind the other three after the same number of steps
# (the printed accuracies). One reason is section 3's: on its way back, the gradient is multiplied by a sigmoid
# slope of at most $\tfrac14$ at every hidden layer, so the first layers learn slowly. Play it yourself in the
# panel below, which starts with the sigmoid. Press Play, then switch the activation to relu and play again (a
# change of activation builds a new network from the same seed). With leaky_relu, the panel uses **your**
# `leaky_relu_backward`. Also try:
#
# - sigmoid with a larger learning rate: does it catch up, or does it become unstable?
# - a deeper network, e.g. `16, 16, 16, 16, 16`, with each activation;
# - the **batch norm** box with the sigmoid: a preview of lesson 6.

# %% tags=["raises-exception"]
activation_pg = playground("spirals", activation="sigmoid", learning_rate=0.3, momentum=0.0,
                           functions={"leaky_relu_backward": leaky_relu_backward})
activation_pg


# %% [markdown]
# ### The other cures, in brief
#
# Initialisation fixes the scale *at the start*; during training the weights change, and the scale can drift
# again. Two further tools keep deep networks trainable:
#
# - **Normalisation layers** (batch normalisation, layer normalisation) rescale the activations to mean 0 and
#   variance 1 (then apply a learned scale and shift) *at every step*, whatever the weights are doing. They are
#   the topic of lesson 6.
# - **Residual connections** change the architecture itself, so that even the sigmoid network of section 3
#   keeps its gradients: section 7, next.
#
# Together with ReLU-like activations and a good initialisation, these are the standard remedies for vanishing
# and exploding gradients. None of them changes backpropagation: they change the network it runs on.

# %% [markdown]
# ## 7. Residual connections: a path around every layer
#
# A **residual block** adds its input to what its layers compute:
#
# $$ \text{out} = x + F(x), \qquad F(x) = \text{relu}(x W_1 + b_1)\, W_2 + b_2, $$
#
# lesson 3's pieces (affine, ReLU, affine) with one new line, the **skip connection** that adds $x$. $F$ must give
# back its input's width, so `x` is $(N, D)$, `W1` $(D, H)$, `b1` $(H,)$, `W2` $(H, D)$, `b2` $(D,)$, and `out` is
# $(N, D)$ like `x`. A deep network stacks such blocks; each block's layers only have to learn a *correction*
# $F$ to what passes through. The package's `residual_forward(x, W1, b1, W2, b2)` computes the block, in the
# `(out, cache)` convention:
#
# | | forward | shape | in the cache |
# |---|---|---|---|
# | 1 | $a = xW_1 + b_1$ | $(N, H)$ | `fc1_cache = (x, W1, b1)` |
# | 2 | $h = \text{relu}(a)$ | $(N, H)$ | `a` |
# | 3 | $f = hW_2 + b_2$ | $(N, D)$ | `fc2_cache = (h, W2, b2)` |
# | 4 | $\text{out} = x + f$ | $(N, D)$ | |
#
# and `cache = (fc1_cache, a, fc2_cache)`.
#
# **Worked example, on a scalar function.** $y = x + x^2$ uses $x$ twice: once directly, once through the
# square. Lesson 1's rule for a value used in several places adds the two contributions: $dy/dx = 1 + 2x$, each
# use with its own local derivative. At $x = 3$ that is 7, and a central difference agrees:

# %%
def y_of(x):
    return x + x**2


x0, eps = 3.0, 1e-5
print(f"(y(3 + eps) - y(3 - eps)) / (2 eps) = {(y_of(x0 + eps) - y_of(x0 - eps)) / (2 * eps):.6f}, "
      f"1 + 2x = {1 + 2 * x0}")


# %% [markdown]
# ### Exercise 6 · `residual_backward` (3 points)
#
# Write `residual_backward(dout, cache)`: given `dout` $= \partial L/\partial\,\text{out}$, shape $(N, D)$, and
# the `cache` of `residual_forward` above, return `(dx, dW1, db1, dW2, db2)`, in that order, each with the shape
# of its variable.
#
# **Derive it on paper first:** add a backward column to the table, from row 4 up to row 1. Which gradient comes
# in at each row, and which go out? Row 4 is new; rows 3 to 1 are lesson 3's layers, whose backward passes you
# may write in NumPy or take from the package: `affine_backward(dout, cache)` and `relu_backward(dout, x)` are
# imported in the setup cell. And count the places where $x$ is used.
#
# - **Trap:** the check uses $D = H$, so a transpose in the wrong place, or a mask taken from the wrong tensor,
#   gives wrong numbers rather than a shape error.

# %% nbgrader={"grade": false, "grade_id": "ex6-residual-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def residual_backward(dout, cache):
    """Backward pass of the residual block out = x + F(x), F(x) = relu(x @ W1 + b1) @ W2 + b2.

    Args:
        dout: Upstream gradient dL/dout, shape (N, D).
        cache: (fc1_cache, a, fc2_cache) from residual_forward: fc1_cache = (x, W1, b1) with x (N, D),
            W1 (D, H), b1 (H,); a (N, H), the ReLU's input; fc2_cache = (h, W2, b2) with h (N, H),
            W2 (H, D), b2 (D,).

    Returns:
        dx: dL/dx, (N, D).
        dW1: dL/dW1, (D, H).
        db1: dL/db1, (H,).
        dW2: dL/dW2, (H, D).
        db2: dL/db2, (D,).
    """
    ### BEGIN SOLUTION
    fc1_cache, a, fc2_cache = cache
    dh, dW2, db2 = affine_backward(dout, fc2_cache)  # row 3: dout reaches F unchanged through the +
    da = relu_backward(dh, a)  # row 2
    dx_F, dW1, db1 = affine_backward(da, fc1_cache)  # row 1: F's share of dx
    dx = dx_F + dout  # row 4: x is used twice, through F and around it
    return dx, dW1, db1, dW2, db2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that residual_backward returns (dx, dW1, db1, dW2, db2)."""
check("residual_backward", residual_backward)
### BEGIN HIDDEN TESTS
check("residual_backward", residual_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("residual_backward")

# %% [markdown]
# **What you derived.** The addition of row 4 hands `dout` unchanged to both its inputs (lesson 1's add gate):
# to $f$, where lesson 3's backward pass takes it through $F$, and to $x$ directly. $x$ was used twice, so
# its gradient is the sum, `dx = dx_F + dout`:
#
# $$ \frac{\partial L}{\partial x} = \texttt{dout} + \Big(\big(\texttt{dout}\, W_2^{\top}\big) \odot [a > 0]\Big)
#    W_1^{\top}, \qquad \text{that is} \qquad \frac{\partial\, \text{out}}{\partial x} = I +
#    \frac{\partial F}{\partial x}. $$
#
# The $I$ is the point. Through a plain layer, the gradient is multiplied by that layer's factor; through a
# residual block it is multiplied by $I$ *plus* that factor, so however small the factors through the $F$'s
# are, the gradient at the bottom of a stack of blocks still contains the one at the top, passed back
# unchanged. A gradient check of your function, with sizes that all differ ($N = 4$, $D = 3$, $H = 5$):

# %% tags=["raises-exception"]
x_rb = rng.normal(size=(4, 3))
params_rb = {"W1": rng.normal(size=(3, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 3)),
             "b2": rng.normal(size=3)}
dout_rb = rng.normal(size=(4, 3))
_, cache_rb = residual_forward(x_rb, **params_rb)
grads_rb = dict(zip(["x", "W1", "b1", "W2", "b2"], residual_backward(dout_rb, cache_rb)))
print(grad_check(lambda x, W1, b1, W2, b2: residual_forward(x, W1, b1, W2, b2)[0],
                 {"x": x_rb, **params_rb}, grads_rb, dout=dout_rb))


# %% [markdown]
# ### Measured: the 10-layer sigmoid network, with and without skip connections
#
# Back to section 3's network, $K = 10$ sigmoid layers with Xavier's initialisation, the same weights and the
# same 256 digits. We give its eight middle layers a skip connection, $h_l = h_{l-1} + \sigma(h_{l-1} W_l +
# b_l)$ for $l = 2, \dots, 9$: a residual block whose $F$ is a single sigmoid layer (layer 1 reads the pixels and
# layer 10 makes the scores; they stay plain). The backward pass is the one you just derived, with this $F$: at
# every block the incoming gradient goes down the skip path unchanged, plus its share through $F$. The cell
# writes both networks' forward and backward passes from the package's pieces and measures them with **your**
# `weight_gradient_norms`.

# %% tags=["raises-exception"]
def deep_sigmoid_norms(params, skip):
    """Per-layer gradient norms of the 10-layer sigmoid network; skip=True adds x to layers 2 .. 9."""
    K = len(deep_sizes) - 1
    h, caches = X_deep, []
    for i in range(1, K):
        a, fc_cache = affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        f, sig_cache = sigmoid_forward(a)
        caches.append((fc_cache, sig_cache))
        h = h + f if (skip and i > 1) else f
    scores, fc_last = affine_forward(h, params[f"W{K}"], params[f"b{K}"])
    _, dscores = softmax_cross_entropy(scores, y_deep)
    grads = {}
    dh, grads[f"W{K}"], grads[f"b{K}"] = affine_backward(dscores, fc_last)
    for i in range(K - 1, 0, -1):
        fc_cache, sig_cache = caches[i - 1]
        dh_F, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(sigmoid_backward(dh, sig_cache), fc_cache)
        dh = dh_F + dh if (skip and i > 1) else dh_F  # the skip path: dh passes on unchanged
    return weight_gradient_norms(grads)


sigmoid_params = MLP(deep_sizes, "sigmoid", init="xavier", seed=0).params
norms_skip = {"sigmoid, plain": deep_sigmoid_norms(sigmoid_params, skip=False),
              "sigmoid, skip connections": deep_sigmoid_norms(sigmoid_params, skip=True)}
print("layer:                    " + " ".join(f"{i:>8d}" for i in range(1, 11)))
for label, norms in norms_skip.items():
    print(f"{label:26s}" + " ".join(f"{v:8.2g}" for v in norms))
plain, skipped = norms_skip["sigmoid, plain"], norms_skip["sigmoid, skip connections"]
print(f"\nlayer 1 / layer 10: plain {plain[0] / plain[-1]:.1e}, with skips {skipped[0] / skipped[-1]:.1e}; "
      f"layer 1 / layer 9: plain {plain[0] / plain[-2]:.1e}, with skips {skipped[0] / skipped[-2]:.1e}")
# A guard for the course's own tests: the plain network is section 3's, and the skips keep layer 1 alive.
assert np.allclose(plain, norms_good["sigmoid, Xavier"]) and skipped[0] / skipped[-2] > 0.1

plot_gradient_norms(norms_skip, title="10 sigmoid layers, at initialisation: with and without skip connections")
plt.show()

# %% [markdown]
# Same weights, same activation, same data: without skips, layer 1's gradient is a few millionths of layer
# 10's; with them, the nine lower layers all get gradients of the same order (layer 1's is about a fifth of
# layer 9's), and layer 1's is more than half a million times larger than before. Layer 10 stands out in the
# skip network because its input, the sum of eight blocks' outputs, is larger: the skip connections let the
# forward signal grow too, which is one reason real residual networks pair them with normalisation (lesson 6).
# Nothing about backpropagation changed; the network gave the gradient a path that no factor of $\tfrac14$
# can close. This is how networks with hundreds of layers are trained.

# %% [markdown]
# ## 8. Check your understanding
#
# Eight questions, one point each. In each answer cell, replace the two lines `# YOUR CODE HERE` and
# `raise NotImplementedError()` with your answer: for questions 1 to 5 a single letter in quotes, e.g.
# `q1 = "a"`; for questions 6 and 8 a number (no quotes), e.g. `q6 = 0.5`; for question 7 a shape, a tuple of
# sizes, e.g. `q7 = (3, 4)`. The test under each answer only checks its form (one of the options, a number, a shape);
# whether it is right is checked when the notebook is graded.

# %% [markdown]
# **Question 1.** Someone removes every activation function from a 6-layer network, to make it faster. What can
# the network still compute?
#
# a) Everything it could before, since the depth is unchanged; it only needs more epochs to train.
#
# b) Only affine maps of its input: the six layers are equivalent to a single affine layer.
#
# c) Only functions with at most six bends, one per layer, instead of the curved ones the activations made.
#
# d) Nothing useful: without activations, backprop can compute no gradient.

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
check_choice("q1", q1, answer="b", reread="section 2, 'Why a non-linearity at all?'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 2.** In a 10-layer sigmoid network, the first layer's weight gradient is a few millionths of the
# last layer's. What is the main reason?
#
# a) Rounding errors pile up in the backward pass, one per layer, until the small gradients are lost in them.
#
# b) The learning rate is applied once per layer on the way back, so the first layer receives it ten times.
#
# c) The first layer is farthest from the loss, and backpropagation stops computing gradients after a few layers.
#
# d) On its way back the gradient is multiplied by the sigmoid's slope, at most 1/4, once per layer it crosses.

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
check_choice("q2", q2, answer="d", reread="section 3, 'Vanishing gradients'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 3.** Which list contains only remedies for vanishing or exploding gradients in deep networks?
#
# a) ReLU-like activations, He or Xavier initialisation, normalisation layers, residual connections.
#
# b) Sigmoid activations, whose outputs stay in (0, 1) so no signal can blow up, and a larger weight scale.
#
# c) Initialising all weights to 0, so that no gradient can grow, and a larger learning rate for the first layers.
#
# d) More epochs and a smaller learning rate, so that the tiny gradients have time to add up.

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
check_choice("q3", q3, answer="a", reread="section 6, 'The other cures, in brief', section 7, and sections 3 and 4")
### END HIDDEN TESTS

# %% [markdown]
# **Question 4.** How does weight initialisation relate to backpropagation?
#
# a) It is backprop's first step: the backward pass picks the starting weights that make the gradients well scaled.
#
# b) It matters only for the first step: backprop repairs any starting point anyway.
#
# c) It is a separate choice, made before training; backprop gives exact gradients for any weights.
#
# d) With He or Xavier initialisation backprop's gradients are exact; with other choices they are approximations.

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
check_choice("q4", q4, answer="c", reread="'Initialisation is not part of backpropagation' in section 6")
### END HIDDEN TESTS

# %% [markdown]
# **Question 5.** After a few steps at too large a learning rate, 40 of the 64 ReLU units of a layer output 0 for
# every training sample. Training then continues at a good learning rate. What happens to those 40 units?
#
# a) They come back quickly: a smaller learning rate makes their gradients large enough to revive them.
#
# b) Their incoming weights get exactly zero gradient, so gradient descent leaves them unchanged.
#
# c) They make every layer below them get zero gradient too, so the whole network stops learning.
#
# d) They are removed from the network by backpropagation, which makes the later epochs faster.

# %% nbgrader={"grade": false, "grade_id": "q5-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q5 = None
### BEGIN SOLUTION
q5 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q5 is one of the options."""
check_choice("q5", q5)
### BEGIN HIDDEN TESTS
check_choice("q5", q5, answer="b", reread="section 5, 'Dead ReLUs'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 6.** A ReLU layer's outputs for a batch of 4 samples (rows) and 5 units (columns):
#
# ```
# H = [[0.0, 0.7, 0.0, 0.0, 1.2],
#      [0.0, 0.0, 0.0, 0.0, 0.3],
#      [0.0, 0.1, 0.0, 0.0, 0.0],
#      [0.0, 0.0, 2.0, 0.0, 0.0]]
# ```
#
# What fraction of the layer's units is dead? Answer with a number between 0 and 1, within ±0.01.

# %% nbgrader={"grade": false, "grade_id": "q6-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number, e.g. q6 = 0.5.
q6 = None
### BEGIN SOLUTION
q6 = 0.4
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q6 is a number."""
check_number("q6", q6)
### BEGIN HIDDEN TESTS
check_number("q6", q6, answer=0.4, atol=0.01, reread="section 5, 'Dead ReLUs': a unit is a column, dead if 0 for every sample")
### END HIDDEN TESTS

# %% [markdown]
# **Question 7 (revisits lesson 3).** A network with one hidden layer, $64 \to 50 \to 10$, is trained on
# mini-batches of $N = 32$ digits, `X` of shape `(32, 64)`. What is the shape of `dW1`, the gradient of the
# loss with respect to the first layer's weights?

# %% nbgrader={"grade": false, "grade_id": "q7-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a shape, a tuple of sizes such as q7 = (3, 4).
q7 = None
### BEGIN SOLUTION
q7 = (64, 50)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q7 is a shape."""
check_shape("q7", q7)
### BEGIN HIDDEN TESTS
check_shape("q7", q7, answer=(64, 50), reread="lesson 3, section 2: dW = X.T @ dout has W's shape, whatever N")
### END HIDDEN TESTS

# %% [markdown]
# **Question 8.** A residual block computes $\text{out} = x + F(x)$ with $F(x) = \text{relu}(xW_1 + b_1)\,W_2 +
# b_2$, as in section 7. For one sample, every hidden unit of $F$ is off (each ReLU input is negative), and the
# upstream gradient of its output is $\texttt{dout} = (0.5,\ -2.0,\ 1.5)$. What is the second entry of `dx` for
# that sample? Answer with a number, within ±0.01.

# %% nbgrader={"grade": false, "grade_id": "q8-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number, e.g. q8 = 0.5.
q8 = None
### BEGIN SOLUTION
q8 = -2.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q8-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q8 is a number."""
check_number("q8", q8)
### BEGIN HIDDEN TESTS
check_number("q8", q8, answer=-2.0, atol=0.01, reread="section 7: with every ReLU off, F passes no gradient back, and the skip path passes dout on unchanged")
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Summary
#
# - Without a non-linearity, any stack of affine layers is **one affine layer**: $W = W_1W_2$, $b = b_1W_2 + b_2$.
# - On its way back to the input, the gradient is multiplied, once per layer, by a weight matrix and by the
#   activation's slope. Many factors below 1 make it **vanish**; many above 1 make it **explode**.
# - The sigmoid's slope is at most $\tfrac14$: in our 10-layer sigmoid network the gradient shrank by a factor of
#   about 4 per layer, to a few millionths of the last layer's at layer 1. tanh and ReLU, each with its matching
#   initialisation, kept it level.
# - Too large an initial scale explodes the gradients (about $10^7$ with ReLUs and std 1); too small a one
#   collapses the activations to 0, and then every layer's gradient with them.
# - A ReLU that is 0 for every sample is **dead**: its weights get exactly zero gradient and never change. Too
#   large a step causes it; the leaky ReLU's small negative slope gives such units a way back.
# - **Xavier** ($v = 2/(n_\text{in} + n_\text{out})$, for tanh) and **He** ($v = 2/n_\text{in}$, for ReLU) keep the
#   variance of the signal steady from layer to layer. Initialisation is a choice made before training, separate
#   from backpropagation, which computes exact gradients for whatever weights it is given.
# - A **residual block** $x + F(x)$ gives the gradient a path around its layers: the addition passes `dout`
#   to $x$ unchanged, so `dx` is `dout` plus $F$'s share, $\partial\,\text{out}/\partial x = I + \partial
#   F/\partial x$. In our 10-layer sigmoid network, skip connections lifted layer 1's gradient from a few
#   millionths of layer 10's to a few hundredths.
# - Normalisation layers (lesson 6) are the other standard cure.
#
# ## What comes next
#
# With a well-initialised ReLU network the gradients are healthy; what remains is how to *use* them. **Lesson 5**
# is about the steps themselves: full-batch, mini-batch and stochastic gradient descent, **momentum** (a velocity
# that smooths the steps and speeds them up along long, shallow valleys), Nesterov momentum, and learning-rate
# schedules, the gentler way to avoid the too-large steps that killed our ReLUs.
