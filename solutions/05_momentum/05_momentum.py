# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 5 · Mini-batches, momentum, Adam, weight decay and clipping
#
# Backpropagation computes the gradient: how the loss changes with every weight. What we *do* with that gradient
# is a separate decision, made by the **optimiser**, and it matters as much as the gradient itself. Since lesson 2
# our optimiser has been the simplest one, $w \leftarrow w - \eta\cdot\nabla L$, with $\eta$ the learning rate.
# This lesson asks five questions about it, and answers each with a measurement:
#
# - **How much data per step?** The whole training set (full batch), one example (stochastic), or a few dozen
#   (mini-batch)?
# - **Should a step remember the previous ones?** Momentum keeps a *velocity*, and it turns a zig-zag down a
#   narrow valley into a straight run.
# - **Should the step size change during training?** A learning rate that shrinks lets noisy mini-batch training
#   settle at the bottom, instead of jittering around it.
# - **Should every weight get the same step?** Adam scales each weight's step by its own gradients' size, and
#   corrects for the zeros its averages start from.
# - **What keeps one huge gradient from wrecking a run?** Weight decay keeps the weights small, and clipping
#   caps the length of a step.
#
# None of this changes backpropagation: the gradients are computed exactly as in lesson 3. Mini-batches and
# momentum are two techniques commonly combined with backpropagation to make training faster and steadier.
#
# **By the end you will be able to**
# - cut a shuffled training set into mini-batches, and compare full-batch, mini-batch and stochastic gradient
#   descent by their loss per epoch and their time per epoch;
# - derive momentum's one-step update from its definition as an exponentially weighted sum of past gradients,
#   and its effective step of $\eta/(1-\beta)$;
# - derive Nesterov momentum's update for the stored look-ahead point;
# - write step decay for every step of a run, and measure how a decaying learning rate lowers the noise floor of
#   mini-batch training;
# - say where plain gradient descent stops on a surface with a local minimum and a saddle point, and what
#   momentum changes;
# - measure that momentum reaches an accuracy target on the digits in fewer epochs;
# - derive Adam's bias correction and code Adam;
# - measure that decoupled weight decay and L2 regularisation agree under plain SGD, differ by a rescaling under
#   momentum, and differ in kind under Adam;
# - clip gradients by their global norm, and rescue a deep network's run that diverges without it.
#
# **Time needed:** about 90 minutes, 75 without the parts marked *(optional)*: sections 5 and 6, and "Watch it"
# in section 7.
#
# **Prerequisites:** lessons 2 and 3: gradient descent and the learning rate, mini-batches, the `MLP` and the
# `Trainer`. NumPy: `rng.permutation`, slicing, `np.repeat`.
#
# **How this notebook works.** Run the cells from top to bottom (Shift+Enter). Each exercise is a function whose
# body says `raise NotImplementedError()`: replace that line with your code, run the cell, then run the test cell
# right below it. A test prints a ✓ line when your function is right; otherwise it tells you what looks wrong and
# what to try. When the notebook is graded, the same checks run again with more inputs. There are 6 exercises
# (16 points) and 9 short questions at the end (9 points): 25 points in all. Under each test cell,
# `hints(...)` shows up to three folded hints, from a nudge to the full formula: open one level at a time,
# only when you are stuck.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from backprop import optim
from backprop.data import load_digits, standardize, train_test_split
from backprop.grading import check, hints
from backprop.models import MLP
from backprop.plots import plot_trajectories
from backprop.quiz import check_choice, check_number, self_check
from backprop.surfaces import descend, ill_conditioned_quadratic, rosenbrock, two_minima
from backprop.train import Trainer
from backprop.widgets import optimizer_explorer, playground

# One seeded generator for the whole notebook, so every run sees the same "random" numbers.
rng = np.random.default_rng(5)


# %% [markdown]
# ## 1. Full batch, mini-batches and SGD
#
# The training loss is a mean over the $N$ training examples, $L(w) = \frac{1}{N}\sum_{n} \ell_n(w)$, and so is
# its gradient. Gradient descent needs that gradient, but it can use an *estimate* of it instead: the mean over a
# **batch** of $B$ examples. The batch size gives three flavours of one algorithm:
#
# | name | examples per step | steps per epoch | each step |
# |---|---|---|---|
# | full-batch gradient descent | $B = N$ | 1 | the exact gradient, and the most work |
# | mini-batch gradient descent | e.g. $B = 32$ | $\lceil N/B \rceil$ | a noisy estimate, a fraction of the work |
# | stochastic gradient descent (SGD) | $B = 1$ | $N$ | one example: very noisy, the least work |
#
# A mini-batch drawn at random is an *unbiased* estimate: on average over the draws it equals the full gradient,
# and its noise shrinks as $B$ grows (its standard deviation like $1/\sqrt{B}$). So a batch 4 times larger gives
# a gradient only about twice as precise, for 4 times the work: that is why many cheap noisy steps usually beat a
# few exact ones. (The name "SGD" is also used loosely for mini-batch training, as in `optim.sgd`.)
#
# **One epoch, every example once.** Training goes epoch by epoch: shuffle the indices $0, \dots, N-1$, cut them
# into consecutive batches of $B$, and make one step per batch. Each example is used exactly once per epoch, and
# a fresh shuffle each epoch gives different batches every time. When $B$ doesn't divide $N$, the last batch is
# shorter.
#
# **Worked example.** $N = 10$, $B = 4$. Say the shuffle gives `[7, 2, 9, 0, 5, 1, 8, 3, 6, 4]`; the batches are
# `[7, 2, 9, 0]`, `[5, 1, 8, 3]` and `[6, 4]`: $\lceil 10/4 \rceil = 3$ steps, the last on 2 examples.

# %% [markdown]
# ### Exercise 1 · `minibatches` (2 points)
#
# Write `minibatches(n, batch_size, rng)`: shuffle the indices `0 … n-1` **once** with `rng.permutation(n)`,
# cut the shuffled order into consecutive batches of `batch_size`, and return them as a list of integer arrays
# (the last may be shorter). A generator that `yield`s the batches is fine too.
#
# The check gives your function a seeded `rng` and replays the same draws, so use `rng.permutation(n)` (or
# `rng.shuffle` on `np.arange(n)`, which draws the same numbers), called once.
#
# - **Trap:** don't drop the last, shorter batch, and don't fill it up with repeated examples: every example
#   exactly once per epoch.
# - **Trap:** shuffle *all* the indices before cutting, not each batch on its own; and shuffle without
#   replacement (`rng.integers` would repeat some examples and skip others).
# - **Trap:** `np.array_split(order, k)` cuts into `k` nearly equal parts, not into parts of `batch_size`.

# %% nbgrader={"grade": false, "grade_id": "ex1-minibatches", "locked": false, "schema_version": 3, "solution": true, "task": false}
def minibatches(n, batch_size, rng):
    """Cut a shuffled 0 … n-1 into mini-batches of indices.

    Args:
        n: The number of training examples.
        batch_size: Examples per batch, >= 1.
        rng: A np.random.Generator; call rng.permutation(n) once.

    Returns:
        A list of integer arrays, together holding every index exactly once; all have batch_size
        entries except perhaps the last, which holds the rest.
    """
    ### BEGIN SOLUTION
    order = rng.permutation(n)  # a fresh shuffle: every index exactly once
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that minibatches returns shuffled batches covering every index once."""
check("minibatches", minibatches)
### BEGIN HIDDEN TESTS
check("minibatches", minibatches, hidden=True)
### END HIDDEN TESTS

# %%
hints("minibatches")

# %% [markdown]
# Your function on the digits' training set of lesson 3 (1,150 examples) with batches of 32: how many steps an
# epoch makes, how big the last batch is, and whether every example is used exactly once.

# %% tags=["raises-exception"]
batches = list(minibatches(1150, 32, np.random.default_rng(0)))
used = np.concatenate(batches)
print(f"{len(batches)} batches; sizes of the first and last: {len(batches[0])} and {len(batches[-1])}")
print(f"every example exactly once: {np.array_equal(np.sort(used), np.arange(1150))}")
print(f"the first batch: {np.sort(batches[0])[:8]} ...")

# %% [markdown]
# ### The three flavours on the digits
#
# The `Trainer` of lesson 3 makes its batches exactly this way. Here it trains the same network, `MLP([64, 64,
# 10])` from the same starting weights, three times:
#
# - **full batch** ($B = 1150$): 20 epochs, so 20 steps, with a learning rate of 0.2;
# - **mini-batch** ($B = 32$): 20 epochs, 36 steps each, learning rate 0.05;
# - **SGD** ($B = 1$): only 2 epochs, 1,150 steps each, learning rate 0.01.
#
# Each run uses a learning rate that suits its batch size (smaller batches are noisier, so they need smaller
# steps). The `Trainer` records `epoch_loss`, the mean of the batch losses over each epoch, and `epoch_time`, the
# seconds each epoch took.

# %%
images, digits = load_digits(return_images=True)
X_all = images.reshape(len(images), 64)
X_rest, X_test_raw, y_rest, y_test = train_test_split(X_all, digits, test_size=0.2, seed=0)
X_train_raw, X_val_raw, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.2, seed=1)
X_train, X_val, X_test = standardize(X_train_raw, X_val_raw, X_test_raw)

flavours = {"full batch (B = 1150)": (len(X_train), 20, 0.2), "mini-batch (B = 32)": (32, 20, 0.05),
            "SGD (B = 1)": (1, 2, 0.01)}
histories = {}
for label, (batch_size, epochs, lr) in flavours.items():
    trainer = Trainer(MLP([64, 64, 10], seed=0), X_train, y_train, X_val=X_val, y_val=y_val,
                      optim_config={"learning_rate": lr}, batch_size=batch_size, epochs=epochs, seed=0,
                      progress=False)
    histories[label] = trainer.train()

print(f"{'':<22} {'steps/epoch':>11} {'ms/epoch':>9} {'loss after epoch 1':>19} {'after epoch 2':>14} "
      f"{'last epoch':>11}")
for label, h in histories.items():
    print(f"{label:<22} {h['steps_per_epoch']:>11} {1e3 * np.median(h['epoch_time']):>9.1f} "
          f"{h['epoch_loss'][0]:>19.3f} {h['epoch_loss'][1]:>14.3f} {h['epoch_loss'][-1]:>11.3f}")
full_final = histories["full batch (B = 1150)"]["epoch_loss"][-1]
catch_up = 1 + int(np.argmax(np.array(histories["mini-batch (B = 32)"]["epoch_loss"]) < full_final))
print(f"mini-batches get below full batch's loss after 20 epochs ({full_final:.3f}) in epoch {catch_up}")

# %%
fig, (ax_epoch, ax_time) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for label, h in histories.items():
    epochs_run = np.arange(1, len(h["epoch_loss"]) + 1)
    ax_epoch.plot(epochs_run, h["epoch_loss"], "o-", ms=3, label=label)
    ax_time.plot(np.cumsum(h["epoch_time"]), h["epoch_loss"], "o-", ms=3, label=label)
ax_epoch.set(xlabel="epoch", ylabel="mean training loss of the epoch", yscale="log", title="per epoch")
ax_time.set(xlabel="seconds of training", ylabel="mean training loss of the epoch", yscale="log",
            title="per second of training")
ax_epoch.legend(fontsize=8)
plt.show()


# %% [markdown]
# Read the table and the plots together:
#
# - **Per epoch**, full-batch descent is by far the slowest learner: one step per pass over the data. After 20
#   epochs it is still above the loss that mini-batches reach within their first few epochs (the last printed
#   line).
# - SGD learns the most per epoch (1,150 updates), but it pays for them: each step handles a single example and
#   still pays the whole cost of a step in Python, so an epoch takes much longer than a mini-batch epoch.
# - **Mini-batches** get the best of both: dozens of steps per epoch, each one a few matrix products that
#   process 32 examples at once, so an epoch costs a small fraction of an SGD epoch. Per second of training,
#   they are the best of the three here.
#
# The timings in the table are this machine's, and vary from run to run: look at the ratios, not the digits.
# On a GPU the case for larger batches grows, since a batch of hundreds costs hardly more than a batch of one.

# %% [markdown]
# ## 2. Momentum: a velocity
#
# Plain gradient descent forgets: each step depends only on the gradient where it stands. Picture a ball rolling
# down a valley instead. It builds up speed while the slope keeps pointing the same way, and its inertia
# smooths out bumps. **Momentum** gives the optimiser such a velocity $v_t$: each step moves by it,
# $w_t = w_{t-1} + v_t$, and the velocity is an **exponentially weighted sum of all past gradient steps**, the
# most recent counting most:
#
# $$v_t = -\eta\,\big(g_t + \beta\, g_{t-1} + \beta^2 g_{t-2} + \dots + \beta^{t-1} g_1\big)
#       = -\eta\sum_{k=0}^{t-1} \beta^k\, g_{t-k},$$
#
# where $g_t = \nabla L(w_{t-1})$ is this step's gradient, $\eta$ the learning rate, and $\beta \in [0, 1)$, the
# **momentum coefficient** (`config["momentum"]`, usually 0.9), says how fast old gradients fade. (This $\beta$ is
# momentum's. Lesson 6's batch norm has a $\beta$ of its own, a shift parameter; Adam, in section 8, calls its two
# coefficients $\beta_1$ and $\beta_2$.) With $\beta = 0$ it is plain gradient descent. A gradient from $k$ steps
# ago still counts with weight $\beta^k$; for $\beta = 0.9$ the weights halve about every 7 steps.
#
# Kept as a list of past gradients, the sum would cost more memory at every step. Exercise 2 asks for the
# update that needs only the last velocity and this step's gradient.
#
# - **Where the gradient keeps its direction** ($g_t = g$ every step), the sum is a geometric series:
#   $v_t \to -\eta\, g\,(1 + \beta + \beta^2 + \dots) = -\dfrac{\eta}{1-\beta}\, g$. The **effective
#   step** is $\eta/(1-\beta)$: 10 times larger than plain gradient descent's for $\beta = 0.9$.
# - **Where the gradient flips sign every step** ($g, -g, g, \dots$), the terms alternate and mostly cancel:
#   $|v| \to \dfrac{\eta}{1+\beta}\,|g|$, about half a plain step for $\beta = 0.9$.
#
# So momentum speeds up along directions where the gradients agree from step to step, and damps directions where
# they oscillate: exactly what a narrow valley needs.
#
# **Worked example.** $\eta = 0.1$, $\beta = 0.9$, and a constant gradient $g = 1$, from the sum:
# $v_1 = -0.1$, $v_2 = -0.1\,(1 + 0.9) = -0.19$, $v_3 = -0.1\,(1 + 0.9 + 0.81) = -0.271$, and so on: a geometric
# series whose limit is $-0.1/(1 - 0.9) = -1$.
#
# **The interface.** Every update rule in `backprop.optim` has the signature `update(w, dw, config) -> (next_w,
# config)`. `config` holds the hyperparameters (`"learning_rate"`, `"momentum"`) and the rule's **state**, here
# `config["velocity"]`, which must survive from one call to the next: the rule itself keeps nothing. The `Trainer`
# keeps one config per parameter and passes it back in at every step.

# %% [markdown]
# ### Exercise 2 · `sgd_momentum` (3 points)
#
# Write `sgd_momentum(w, dw, config)`, one step of momentum that keeps nothing between calls but the latest
# velocity (no list of past gradients):
#
# 1. **on paper first:** write $v_t$ and $v_{t-1}$ as the sums above, one under the other, and find $v_t$ from
#    $v_{t-1}$ and $g_t$ alone. Test it on the worked example: from $v_2 = -0.19$ and $g_3 = 1$ it must give
#    $v_3 = -0.271$;
# 2. read the old velocity, `config.get("velocity", np.zeros_like(w))` (on the first step the sum is empty);
# 3. compute the new one with $\beta$ = `config["momentum"]` and $\eta$ = `config["learning_rate"]`, store it in
#    `config["velocity"]`, and return `(next_w, config)` with $w_t = w_{t-1} + v_t$.
#
# The check calls your function with configs that already hold a velocity, and compares the config you return,
# so the velocity must be kept there.
#
# - **Trap:** don't change `w` in place (`w += ...`): return a new array. (Changing `config` is expected.)
# - **Trap:** step with the *new* velocity, the one that includes this step's gradient.
# - **Trap:** the learning rate is inside the velocity already (look at the sum): don't multiply by it again.
# - **Convention:** other courses and libraries store the velocity with the opposite sign, or keep $\eta$ out of
#   it (PyTorch). This course's velocity is the step itself, the sum above with its $-\eta$, added to $w$: other
#   code (and the check) reads `config["velocity"]` that way.

# %% nbgrader={"grade": false, "grade_id": "ex2-sgd-momentum", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sgd_momentum(w, dw, config):
    """One step of gradient descent with momentum.

    Args:
        w: A parameter array, any shape.
        dw: dL/dw, the same shape.
        config: A dict with "learning_rate", "momentum" (β) and, after the first step, "velocity"
            (w's shape).

    Returns:
        next_w: w + v, a new array, where v is the new velocity (section 2's weighted sum,
            this step's gradient included).
        config: The same dict, with config["velocity"] = v.
    """
    ### BEGIN SOLUTION
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw  # the old velocity fades by β
    config["velocity"] = v  # the state must survive until the next call
    return w + v, config
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that sgd_momentum returns (next_w, config) and keeps the velocity in config."""
check("sgd_momentum", sgd_momentum)
### BEGIN HIDDEN TESTS
check("sgd_momentum", sgd_momentum, hidden=True)
### END HIDDEN TESTS

# %%
hints("sgd_momentum")

# %% [markdown]
# **The one-step update.** Every term of $v_{t-1}$ reappears in $v_t$ with one more factor $\beta$, and $v_t$
# has one new term, this step's: $v_t = \beta\, v_{t-1} - \eta\cdot g_t$. One array per parameter, whatever the
# number of steps.
#
# The effective step, measured with your function: feed it the same gradient $g = 1$ for 60 steps, with
# $\eta = 0.1$. The velocity should settle at $-\eta/(1-\beta)$ for every $\beta$.

# %% tags=["raises-exception"]
for beta in (0.0, 0.5, 0.9):
    w, config = np.zeros(1), {"learning_rate": 0.1, "momentum": beta}
    for _ in range(60):
        w, config = sgd_momentum(w, np.ones(1), config)
    print(f"beta = {beta}: velocity after 60 steps {config['velocity'][0]:+.4f}, "
          f"-lr/(1 - beta) = {-0.1 / (1 - beta):+.4f}")

# %% [markdown]
# ### A narrow valley
#
# The loss $L(x, y) = \tfrac12 (x^2 + 20\, y^2)$ is a long, narrow valley: 20 times more curved across ($y$)
# than along ($x$). It is **ill-conditioned**, the shape that slows gradient descent down in real networks,
# where some directions are far steeper than others. Its gradient is $(x,\ 20y)$.
#
# - Plain gradient descent is stable only if $\eta < 2/20 = 0.1$, the steep direction's limit. Near that
#   limit, each step overshoots across the valley and lands on the other wall: a zig-zag. Meanwhile each step
#   along the valley is only $\eta\cdot x$, a crawl.
# - Momentum damps the zig-zag (those gradients flip sign) and accumulates speed along the valley (those agree).
#
# Both start at $(-10, 1)$ and make 50 steps: plain gradient descent with the largest sensible learning rate,
# 0.09, and your `sgd_momentum` with a *smaller* one, 0.05, and $\beta = 0.7$.

# %% tags=["raises-exception"]
valley = ill_conditioned_quadratic()
path_gd, loss_gd = descend(valley, optim.sgd, {"learning_rate": 0.09}, steps=50)
path_mom, loss_mom = descend(valley, sgd_momentum, {"learning_rate": 0.05, "momentum": 0.7}, steps=50)
print(f"after 50 steps: gradient descent (lr 0.09) loss {loss_gd[-1]:.2e}, "
      f"momentum (lr 0.05, beta 0.7) loss {loss_mom[-1]:.2e}")
print(f"distance along the valley to the minimum, |x|, after 10 steps: {abs(path_gd[10, 0]):.2f} without "
      f"momentum, {abs(path_mom[10, 0]):.2f} with")
print(f"steps on which y changed sign (a crossing of the valley floor): "
      f"{np.sum(np.diff(np.sign(path_gd[:, 1])) != 0)} of 50 without momentum")

# %% tags=["raises-exception"]
plot_trajectories(valley, {"gradient descent, lr 0.09": path_gd,
                           "your momentum, lr 0.05, β 0.7": path_mom}, title="50 steps in a narrow valley")
plt.show()

# %% [markdown]
# Gradient descent crosses the valley floor at every single step, bouncing from wall to wall, and creeps along
# it. Momentum, with a *smaller* learning rate, swings across in a few wide, smooth turns instead, covers the
# length of the valley much faster (compare $|x|$ after 10 steps), and ends orders of magnitude lower. Too much
# momentum overshoots in its turn (try $\beta = 0.95$ in the explorer of section 5): $\beta$ is a hyperparameter,
# like the learning rate.

# %% [markdown]
# **Practice question** (not graded): pick an answer and press *Check*.

# %%
self_check(
    "With learning rate 0.01 and β = 0.9, the gradient points the same way for many steps in a row. About how "
    "large does each momentum step become?",
    ["0.01 × the gradient", "0.009 × the gradient", "0.1 × the gradient", "0.19 × the gradient"],
    answer=2,
    explanation=(
        "The velocity sums the gradients with weights 1, β, β², ...: a geometric series worth 1/(1 − β) = 10. "
        "So the step settles at lr/(1 − β) = 0.01/0.1 = 0.1 times the gradient."
    ),
)


# %% [markdown]
# ## 3. Nesterov momentum
#
# Momentum computes the gradient where the parameters *are*, then adds the velocity. But part of the next
# move is already decided: the old velocity will carry $w$ to about $w + \beta v$ anyway. **Nesterov momentum**
# looks ahead: it takes the gradient at that point instead,
#
# $$v_t = \beta v_{t-1} - \eta\cdot \nabla L(w_{t-1} + \beta v_{t-1}), \qquad w_t = w_{t-1} + v_t.$$
#
# If the velocity is about to overshoot (carry $w$ past the bottom), the gradient at the look-ahead point already
# points back, and the correction comes one step earlier.
#
# **Storing the look-ahead point.** Backpropagation gives the gradient where the parameters are, not at a
# look-ahead point. The trick (Bengio et al., 2012, "Advances in optimizing recurrent networks"; the CS231n notes
# use it too) is to *store the look-ahead point itself* as the parameter: call it $\tilde w = w + \beta v$. Then
# the gradient we need is simply the gradient at the stored point, `dw` $= \nabla L(\tilde w_{t-1})$, and the new
# velocity is built from it exactly as for momentum, $v_\text{new} = \beta\, v_\text{prev} - \eta\cdot dw$.
# What is left is to move the stored point, from $\tilde w_{t-1}$ to $\tilde w_t = w_t + \beta v_t$: exercise 3.
#
# **Worked example (numbers to test your update on).** $\beta = 0.9$, $\eta = 0.1$, $v_\text{prev} = -0.5$,
# $dw = 2$ and a stored point $\tilde w = 1$: $v_\text{new} = -0.45 - 0.2 = -0.65$, the real position is
# $\tilde w - \beta v_\text{prev} = 1.45$, and the next stored point comes out at $0.215$. Plain momentum, from
# $w = 1$, would go to $1 - 0.65 = 0.35$.

# %% [markdown]
# ### Exercise 3 · `nesterov` (3 points)
#
# Write `nesterov(w, dw, config)`, with the same interface as `sgd_momentum`; `w` is the stored look-ahead
# point $\tilde w_{t-1}$ and `dw` the gradient there. Read `v_prev` (zeros on the first step), compute `v_new`,
# store `config["velocity"] = v_new`, and return `(next_w, config)`, where `next_w` is the next stored point
# $\tilde w_t$.
#
# **On paper first:** write the real position $w_{t-1}$ in terms of $\tilde w_{t-1}$ and $v_\text{prev}$, move
# it by $v_\text{new}$, then add the next look-ahead. Collect the terms, and test the result on the worked example
# (0.215).
#
# - **Trap:** keep `v_prev` before you overwrite `config["velocity"]`: with `v_new` in both places the update
#   collapses into plain momentum.

# %% nbgrader={"grade": false, "grade_id": "ex3-nesterov", "locked": false, "schema_version": 3, "solution": true, "task": false}
def nesterov(w, dw, config):
    """One step of Nesterov momentum, with the gradient taken at the stored (look-ahead) point.

    Args:
        w: The stored parameter, any shape.
        dw: dL/dw at w, the same shape.
        config: A dict with "learning_rate", "momentum" (β) and, after the first step, "velocity".

    Returns:
        next_w: The next stored (look-ahead) point, a new array of w's shape.
        config: The same dict, with config["velocity"] = v_new, the new velocity.
    """
    ### BEGIN SOLUTION
    beta = config["momentum"]
    v_prev = config.get("velocity", np.zeros_like(w))
    v_new = beta * v_prev - config["learning_rate"] * dw
    config["velocity"] = v_new
    return w - beta * v_prev + (1 + beta) * v_new, config  # undo the old look-ahead, make the new one
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that nesterov returns (next_w, config) and keeps the velocity in config."""
check("nesterov", nesterov)
### BEGIN HIDDEN TESTS
check("nesterov", nesterov, hidden=True)
### END HIDDEN TESTS

# %%
hints("nesterov")

# %% [markdown]
# **The update.** $\tilde w_t = w_t + \beta v_t = (w_{t-1} + v_t) + \beta v_t
# = (\tilde w_{t-1} - \beta v_{t-1}) + (1+\beta)\, v_t$. So, with `w` meaning the stored point,
#
# $$w \leftarrow w - \beta\, v_{\text{prev}} + (1 + \beta)\, v_{\text{new}}:$$
#
# take back the last look-ahead ($-\beta v_\text{prev}$), make this step ($v_\text{new}$) and the next
# look-ahead ($\beta v_\text{new}$). Expanding $v_\text{new}$ gives another common form of the same update,
# $w \leftarrow w + \beta v_{\text{new}} - \eta\cdot dw$. When training ends, the stored point is the
# look-ahead point, which differs from $w$ by $\beta v$: a velocity near zero at convergence makes the two agree.
#
# The narrow valley again, with a large $\beta = 0.9$ for both rules and learning rate 0.05, 100 steps from
# $(-10, 1)$. With that much momentum, plain momentum overshoots the minimum at $x = 0$ far to the right before
# it turns back; Nesterov's look-ahead brakes earlier.

# %% tags=["raises-exception"]
paths, losses = {}, {}
for label, rule in [("momentum", sgd_momentum), ("your nesterov", nesterov)]:
    paths[label], losses[label] = descend(valley, rule, {"learning_rate": 0.05, "momentum": 0.9}, steps=100)
    print(f"{label:<14} largest overshoot past x = 0: {paths[label][:, 0].max():.2f}, "
          f"loss after 100 steps: {losses[label][-1]:.1e}")
plot_trajectories(valley, paths, title="β = 0.9: momentum and Nesterov momentum")
plt.show()


# %% [markdown]
# ## 4. Learning-rate schedules
#
# Mini-batch gradients are noisy. Near the minimum, the true gradient is small but the noise is not, so with a
# fixed learning rate the parameters keep jittering around the minimum instead of settling: the loss stops
# improving at a **noise floor**, whose height grows with the learning rate. A **schedule** starts with a large
# rate, to make fast progress early, and lowers it later, to settle. Two common ones, with epochs counted from 0:
#
# - **step decay**: hold the rate for `every` epochs, then multiply it by `drop`, hold it again for `every`
#   epochs, and so on;
# - **exponential decay**: multiply it by `decay` every epoch, $\eta_e = \eta_0 \cdot \text{decay}^e$.
#
# `backprop.optim` has both (`step_decay(epoch, lr0, drop, every)` and `exponential_decay(epoch, lr0, decay)`),
# and `Trainer(..., lr_schedule="step", schedule_config={...})` applies one at the start of each epoch. Within an
# epoch, every step uses the same rate.
#
# **Worked example.** $\eta_0 = 0.1$, drop 0.5, every 2 epochs, 3 steps per epoch, 5 epochs: epochs 0–1 train
# at 0.1, epochs 2–3 at 0.05, epoch 4 at 0.025; step by step that is three 0.1s, three more 0.1s, six 0.05s and
# three 0.025s, 15 numbers.

# %% [markdown]
# ### Exercise 4 · `lr_per_step` (3 points)
#
# Write `lr_per_step(lr0, drop, every, epochs, steps_per_epoch)`, which returns the learning rate of every
# *step* of a run with step decay: a float array of `epochs * steps_per_epoch` numbers, steps counted from 0 and
# each epoch's steps in a row. Work out first, on the worked example, which epoch step `s` belongs to, and how
# many drops have happened by epoch `e`; then write both for any `s` and `e`.
#
# - **Trap:** the rate changes between epochs, never inside one: decay by the epoch number, not the step number.
# - **Trap:** epochs count from 0, so epochs `0 … every-1` all train at `lr0`.
# - **Trap:** a fractional number of drops, $e/\text{every}$ not rounded down, is exponential decay, not step
#   decay.

# %% nbgrader={"grade": false, "grade_id": "ex4-lr-per-step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lr_per_step(lr0, drop, every, epochs, steps_per_epoch):
    """The learning rate of every training step under step decay.

    Args:
        lr0: The rate of the first epochs.
        drop: The factor applied once every `every` epochs, in (0, 1].
        every: Epochs between drops, >= 1.
        epochs: The number of epochs of the run.
        steps_per_epoch: Steps (mini-batches) per epoch.

    Returns:
        A float array of shape (epochs * steps_per_epoch,): the learning rate of each step,
        in order.
    """
    ### BEGIN SOLUTION
    epoch = np.arange(epochs * steps_per_epoch) // steps_per_epoch  # each step's epoch, from 0
    return lr0 * drop ** (epoch // every).astype(float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that lr_per_step returns one step-decay learning rate per step."""
check("lr_per_step", lr_per_step)
### BEGIN HIDDEN TESTS
check("lr_per_step", lr_per_step, hidden=True)
### END HIDDEN TESTS

# %%
hints("lr_per_step")

# %% [markdown]
# **The closed form.** Step $s$ belongs to epoch $e = \lfloor s / \text{steps\_per\_epoch} \rfloor$, and by
# then the rate has dropped $\lfloor e / \text{every} \rfloor$ times: $\eta_s = \eta_0 \cdot
# \text{drop}^{\lfloor e / \text{every} \rfloor}$, the same as `optim.step_decay(e, lr0, drop, every)`.

# %% [markdown]
# ### Measuring the noise floor
#
# To see the floor we need a problem whose best possible loss we know. A linear regression does it: 400 noisy
# examples $y = x \cdot w_\text{true} + 1 + \text{noise}$ with 5 features, a model with no hidden layer
# (`MLP([5, 1], loss="mse")`, one affine layer), and least squares gives the best loss $L^*$ exactly.
# Mini-batches of 4, learning rate 0.1, 30 epochs, three ways: constant, step decay (halve every 5 epochs) and
# exponential decay (×0.85 per epoch). The plot shows how far each epoch's loss stays above $L^*$. Your
# `lr_per_step` draws the step-decay run's learning rate, and the cell checks it against the rate the `Trainer`
# actually used.

# %% tags=["raises-exception"]
X_lin = rng.normal(size=(400, 5))
y_lin = (X_lin @ rng.normal(size=5) + 1.0 + rng.normal(0.0, 1.0, size=400))[:, None]
A = np.column_stack([X_lin, np.ones(400)])
best_loss = np.mean((A @ np.linalg.lstsq(A, y_lin, rcond=None)[0] - y_lin) ** 2)  # L*, least squares

runs = {"constant": (None, None), "step decay": ("step", {"drop": 0.5, "every": 5}),
        "exponential decay": ("exponential", {"decay": 0.85})}
floor_histories, final_excess = {}, {}
for label, (schedule, schedule_config) in runs.items():
    net_lin = MLP([5, 1], loss="mse", seed=0)
    floor_histories[label] = Trainer(net_lin, X_lin, y_lin, optim_config={"learning_rate": 0.1},
                                     lr_schedule=schedule, schedule_config=schedule_config, batch_size=4,
                                     epochs=30, seed=0, progress=False).train()
    final_excess[label] = net_lin.loss(X_lin, y_lin)[0] - best_loss
    print(f"{label:<18} loss above L* after 30 epochs: {final_excess[label]:.1e}")

steps = floor_histories["step decay"]["steps_per_epoch"]
yours = lr_per_step(0.1, 0.5, 5, 30, steps)
print(f"your lr_per_step matches the Trainer's step decay: "
      f"{np.allclose(yours, np.repeat(floor_histories['step decay']['lr'], steps))}")

fig, (ax_rate, ax_floor) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
ax_rate.plot(np.arange(1, len(yours) + 1), yours, color="#2b6cb0")
ax_rate.set(xlabel="step", ylabel="learning rate", title=f"your lr_per_step(0.1, 0.5, 5, 30, {steps})")
for label, h in floor_histories.items():
    ax_floor.semilogy(np.arange(1, 31), np.array(h["epoch_loss"]) - best_loss, "o-", ms=3, label=label)
ax_floor.set(xlabel="epoch", ylabel="epoch loss − L*", title="mini-batches of 4: the noise floor")
ax_floor.legend(fontsize=8)
plt.show()

# %% [markdown]
# All three runs start alike, but with a constant rate the loss soon stops improving and hovers at its noise
# floor. Each halving of the step-decay rate brings the loss down another step, and the exponential decay slides
# down smoothly: after 30 epochs both decaying runs end far closer to $L^*$ than the constant one (the printed
# numbers). The price of decaying is speed: decay too early or too fast and training crawls before it reaches the
# minimum. That is why schedules start high.

# %% [markdown]
# ## 5. Explore: learning rate, momentum and schedule (optional)
#
# The explorer below runs your `sgd_momentum` on the narrow valley, 60 steps from $(-10, 1)$, and redraws the path
# and the loss whenever you move a control. On the loss panel, "loss − global minimum" is on a log scale. Things to
# try:
#
# - $\beta = 0$ is plain gradient descent: find the learning rate where the zig-zag starts, and the one where it
#   diverges ($2/20 = 0.1$).
# - At learning rate 0.05, raise $\beta$ from 0 toward 0.9 and watch the status line's loss: at first the run
#   along the valley speeds up by orders of magnitude (best around $\beta = 0.6$ here); beyond that the path
#   overshoots the minimum and circles it, and the loss after 60 steps climbs again.
# - With $\beta = 0.9$, raise the learning rate until the run diverges (about 0.2), then pick the exponential
#   schedule (the schedules here count steps: ×0.97 per step, or halving every 20 steps for step decay): the
#   shrinking steps bring the run back under control. Step decay waits 20 steps for its first halving, and at
#   that rate 20 steps are too many.
#
# Pass a surface by name to explore the others, e.g. `optimizer_explorer("two_minima", sgd_momentum, steps=150)`,
# the surface of the next section.

# %% tags=["raises-exception"]
optimizer_explorer(ill_conditioned_quadratic(), sgd_momentum, learning_rate=0.05, momentum=0.7)

# %% [markdown]
# ## 6. Local minima and saddle points (optional)
#
# A network's loss surface is not a bowl. It can have **local minima**, valleys that are not the deepest, and
# **saddle points**, where the gradient is zero but the surface goes up in some directions and down in others.
# Gradient descent only sees the slope where it stands, so both can stop it. The surface
#
# $$L(x, y) = (x^2 - 1)^2 + 0.3\,x + \tfrac12 y^2$$
#
# has a global minimum near $x = -1.04$, a shallower local minimum near $x = 0.96$, and between them a saddle
# point near $x = 0.08$ (a maximum along $x$, a minimum along $y$).
#
# **Where plain gradient descent stops.** From $(2, 1)$, on the local minimum's side, plain gradient descent
# ($\eta = 0.05$) walks downhill into the nearest valley and stays there. Your momentum ($\eta = 0.05$, $\beta = 0.9$)
# arrives in that valley with speed, rolls up the other side and over the saddle, and settles in the deeper one.

# %% tags=["raises-exception"]
hills = two_minima()
saddle_x = hills.saddles[0][0]
print(f"global minimum at x = {hills.minima[0][0]:.3f}, local minimum at x = {hills.minima[1][0]:.3f}, "
      f"saddle at x = {saddle_x:.3f}")
path_plain, loss_plain = descend(hills, optim.sgd, {"learning_rate": 0.05}, start=(2.0, 1.0), steps=200)
path_heavy, loss_heavy = descend(hills, sgd_momentum, {"learning_rate": 0.05, "momentum": 0.9},
                                 start=(2.0, 1.0), steps=200)
path_saddle, loss_saddle = descend(hills, optim.sgd, {"learning_rate": 0.05}, start=(saddle_x, 1.0), steps=200)
for label, path, loss in [("gradient descent from (2, 1)", path_plain, loss_plain),
                          ("your momentum from (2, 1)", path_heavy, loss_heavy),
                          ("gradient descent from the saddle's line", path_saddle, loss_saddle)]:
    print(f"{label:<40} ends at ({path[-1, 0]:+.3f}, {path[-1, 1]:+.3f}), loss {loss[-1]:+.4f}, "
          f"|gradient| {np.linalg.norm(hills.gradient(path[-1])):.1e}")

# %% tags=["raises-exception"]
plot_trajectories(hills, {"gradient descent, lr 0.05": path_plain, "your momentum, β 0.9": path_heavy,
                          "gradient descent from x = saddle": path_saddle},
                  title="two minima and a saddle, 200 steps")
plt.show()

# %% [markdown]
# **A saddle stops gradient descent too.** The third run starts at $(x_\text{saddle}, 1)$, exactly above the
# saddle. There the gradient is $(0,\ y)$: it has no $x$ component, so every step stays on the line
# $x = x_\text{saddle}$, and the run slides down that line *into the saddle point*, where the gradient is zero.
# The printed gradient norm is tiny: by the gradient alone, this point looks like a minimum, yet the loss goes down
# on both sides along $x$. In exact arithmetic no gradient method (momentum included) leaves that line, since it
# never sees a push sideways.
#
# Off the line, the saddle is unstable: a small nudge along $x$ grows at every step. But near a saddle the gradient
# is small, so the steps are small and the escape is slow. The cell below starts $10^{-3}$ to the side and counts
# the steps until each method is within 0.05 of a minimum.

# %% tags=["raises-exception"]
for label, rule, config in [("gradient descent", optim.sgd, {"learning_rate": 0.05}),
                            ("your momentum", sgd_momentum, {"learning_rate": 0.05, "momentum": 0.9})]:
    path, _ = descend(hills, rule, config, start=(saddle_x + 1e-3, 1.0), steps=300)
    distance = np.min([np.linalg.norm(path - np.array(m), axis=1) for m in hills.minima], axis=0)
    print(f"{label:<17} from x = saddle + 0.001: within 0.05 of a minimum after {np.argmax(distance < 0.05)} "
          f"steps, ends at x = {path[-1, 0]:+.3f}")

# %% [markdown]
# Lessons from this small surface, with care about how far they carry:
#
# - Plain gradient descent stops in whichever valley it starts in, and can crawl past, or even stop at, a saddle.
# - Momentum's speed can carry it over a low ridge into a better valley, and out of a saddle's neighbourhood
#   somewhat sooner (the printed step counts). It is no guarantee: from next to the saddle it has little speed
#   and, like gradient descent, ends in the nearer, shallower valley; and with the wrong speed it can also leave
#   a *good* valley.
# - Two dimensions mislead, though. In networks with many weights, research (Dauphin et al., 2014) found that
#   most points where the gradient vanishes are saddles rather than bad local minima, and that the local minima
#   found tend to have losses close to the best. Mini-batch noise is one of the nudges that keeps training from
#   sitting on a saddle.

# %% [markdown]
# ## 7. Momentum on the digits
#
# Finally the real test: the digits network of lesson 3, trained with mini-batches of 64, learning rate 0.01, for
# 30 epochs, once with plain SGD and once with SGD + momentum ($\beta = 0.9$), from the same starting weights. We
# count the epochs each needs to reach 90 % validation accuracy. A third run, plain SGD with learning rate 0.1,
# asks a fair question: how much of momentum's gain is just its 10× larger effective step $\eta/(1-\beta)$?

# %%
target = 0.90
digit_runs = {"SGD, lr 0.01": ("sgd", {"learning_rate": 0.01}),
              "SGD + momentum 0.9, lr 0.01": ("sgd_momentum", {"learning_rate": 0.01, "momentum": 0.9}),
              "SGD, lr 0.1": ("sgd", {"learning_rate": 0.1})}
digit_histories, epochs_to_target = {}, {}
for label, (rule, config) in digit_runs.items():
    h = Trainer(MLP([64, 64, 10], seed=0), X_train, y_train, X_val=X_val, y_val=y_val, update_rule=rule,
                optim_config=config, batch_size=64, epochs=30, seed=0, progress=False).train()
    digit_histories[label] = h
    reached = np.flatnonzero(np.array(h["val_acc"]) >= target)
    epochs_to_target[label] = int(reached[0]) + 1 if reached.size else None
    when = f"epoch {epochs_to_target[label]}" if reached.size else "not within 30 epochs"
    print(f"{label:<28} {target:.0%} validation accuracy: {when:<22} after 30 epochs: {h['val_acc'][-1]:.1%}")

# %%
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for label, h in digit_histories.items():
    ax.plot(np.arange(1, 31), h["val_acc"], "o-", ms=3, label=label)
ax.axhline(target, color="gray", lw=0.8, ls="--")
ax.set(xlabel="epoch", ylabel="validation accuracy", title="digits: plain SGD against SGD + momentum")
ax.legend(fontsize=8)
plt.show()

# %%
# A guard for the course's own tests: this section promises that momentum reaches the target in fewer epochs.
sgd_epochs = epochs_to_target["SGD, lr 0.01"] or np.inf
momentum_epochs = epochs_to_target["SGD + momentum 0.9, lr 0.01"]
assert momentum_epochs is not None and momentum_epochs < sgd_epochs, (momentum_epochs, sgd_epochs)

# %% [markdown]
# With the same learning rate, momentum reaches the target many epochs sooner than plain SGD (the printed
# epochs). The third run shows where most of that gain comes from on this problem: plain SGD with a 10× larger
# learning rate does as well as momentum, or slightly better, so here momentum mostly buys its larger effective
# step. Momentum's own advantage, beyond a larger effective step, shows on ill-conditioned problems like the narrow
# valley of section 2, where the larger step plain gradient descent would need makes it zig-zag or diverge,
# while momentum takes large steps along the valley and small ones across it.

# %% [markdown]
# ### Watch it: momentum on the spirals (optional)
#
# The same three runs on a smaller problem that you can watch: lesson 3's Backprop Playground, the spirals with a
# 2 → 16 → 16 → 3 ReLU network and batches of 32, with **your** `sgd_momentum` as its update rule (momentum
# $\beta = 0$ makes it plain SGD). The cell counts, 10 steps at a time, the steps each run needs to reach 95 %
# training accuracy (at most 1,000).

# %% tags=["raises-exception"]
spiral_runs = {"SGD, lr 0.03": (0.03, 0.0), "SGD + momentum 0.9, lr 0.03": (0.03, 0.9),
               "SGD, lr 0.3": (0.3, 0.0)}
steps_to_95 = {}
for label, (lr, beta) in spiral_runs.items():
    run = playground("spirals", learning_rate=lr, momentum=beta, functions={"update": sgd_momentum})
    while run.error is None and len(run.history) < 1000 and run.train_accuracy() < 0.95:
        run.step(10, redraw=False)
    if run.error is not None:  # your sgd_momentum failed: the panel's message says why
        print(f"{label}: {run.error}")
        break
    steps_to_95[label] = len(run.history) if run.train_accuracy() >= 0.95 else None
    print(f"{label:<28} 95 % training accuracy after "
          + (f"{steps_to_95[label]} steps" if steps_to_95[label] else "more than 1,000 steps"))

# A guard for the course's own tests: the text below promises that momentum needs fewer steps than plain SGD.
assert steps_to_95["SGD + momentum 0.9, lr 0.03"] < (steps_to_95["SGD, lr 0.03"] or np.inf), steps_to_95

# %% [markdown]
# The printed steps tell the digits' story again: at the same learning rate, momentum needs far fewer steps than
# plain SGD, and plain SGD with a 10× larger learning rate gets there about as fast as momentum. In the panel
# below, which starts with momentum 0.9 and learning rate 0.03:
#
# - Press Play, then Reset, set $\beta$ to 0 and play again: compare the loss curves.
# - With $\beta = 0.9$, raise the learning rate until the loss curve turns ragged, then until training fails.
# - The batch size: 1 (pure SGD) against `all` (full-batch gradient descent, section 1). Which curve is
#   smoother, and which gets further in the same number of steps?

# %% tags=["raises-exception"]
momentum_pg = playground("spirals", learning_rate=0.03, momentum=0.9, functions={"update": sgd_momentum})
momentum_pg


# %% [markdown]
# ## 8. Adam: a step per weight, corrected for its start at zero
#
# Momentum gives every weight the same learning rate. In a network, some weights get gradients hundreds of times
# larger than others, and one learning rate can't suit them all. **RMSProp** divides each weight's step by a
# running root mean square of that weight's own gradients, so steep directions get small steps and flat ones
# large steps. **Adam** (Kingma and Ba, 2015) combines that with a momentum-like average. Per weight, with
# $g$ = `dw`:
#
# - $m \leftarrow \beta_1 m + (1 - \beta_1)\, g$: an exponential moving average of the gradients (momentum's sum
#   made an average: new gradients enter with weight $1 - \beta_1$), $\beta_1$ = `config["beta1"]`, usually 0.9;
# - $v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2$: the same for the squared gradients, $\beta_2$ =
#   `config["beta2"]`, usually 0.999;
# - the step: $w \leftarrow w - \eta\cdot \hat m / (\sqrt{\hat v} + \varepsilon)$, where $\hat m$ and $\hat v$ are
#   $m$ and $v$ **corrected for their start at zero** (below), and $\varepsilon$ = `config["epsilon"]` keeps the
#   division safe.
#
# Where the gradient is steady, $\hat m \approx g$ and $\sqrt{\hat v} \approx |g|$: each weight moves by about
# $\eta$, whatever the scale of its gradient.
#
# **Why the averages start too small.** Both start at zero, $m_0 = v_0 = 0$. After the first step
# $m_1 = (1 - \beta_1)\, g_1 = 0.1\, g_1$, ten times smaller than the only gradient seen so far, and
# $v_1 = (1 - \beta_2)\, g_1^2 = 0.001\, g_1^2$: **1000 times too small**. The zero start pulls both averages
# toward 0, and the pull fades only slowly: with $\beta_2 = 0.999$ it lasts thousands of steps.
#
# **Worked example (RMSProp, which has no correction).** RMSProp's cache is the same kind of average,
# $c \leftarrow \rho\, c + (1 - \rho)\, g^2$, with step $\eta\, g / \sqrt{c}$. With $\rho = 0.9$ and a first
# gradient $g = 2$: $c_1 = 0.1 \cdot 4 = 0.4$ and the step is $\eta \cdot 2/\sqrt{0.4} \approx 3.16\,\eta$, more
# than three times the step of a steady state ($\eta \cdot 2/2 = \eta$): the too-small cache makes the first
# steps too large.
#
# **Derive the correction, on paper.** Suppose every gradient has the same mean, $E[g_t] = E[g]$. Unroll $m_t$
# from $m_0 = 0$, as you did for the velocity in section 2, and add up the weights of the gradients:
# $E[m_t] = (\text{?}) \cdot E[g]$. Dividing $m_t$ by that factor gives an average whose expectation is $E[g]$
# again, at every $t$; the same with $\beta_2$ and $g^2$ corrects $v$. Test your factors: at $t = 1$ the one for
# $v$ must be 0.001 (the 1000 above), and both must tend to 1 as $t$ grows.

# %% [markdown]
# ### Exercise 5 · `adam` (3 points)
#
# Write `adam(w, dw, config)`, with the interface of every rule here. `config` holds `"learning_rate"`,
# `"beta1"`, `"beta2"`, `"epsilon"` and, after the first step, the state: `"m"` and `"v"` (arrays of `w`'s
# shape) and `"t"`, the number of steps taken so far (absent, or 0, before the first). Update `m` and `v`, count
# this step, correct both averages with the factors you derived, step, and return `(next_w, config)` with the new
# `m`, `v` and `t` stored in `config`.
#
# - **Trap:** `t` counts this step too: on the first step the correction uses $t = 1$.
# - **Trap:** store `m` and `v` themselves, not their corrected versions: the next step averages on from them.
# - **Trap:** $\varepsilon$ goes after the square root, $\sqrt{\hat v} + \varepsilon$. The check's cases use an
#   $\varepsilon$ large enough to tell the difference.
# - **Trap:** don't change `w` in place.

# %% nbgrader={"grade": false, "grade_id": "ex5-adam", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adam(w, dw, config):
    """One step of Adam, with its bias correction.

    Args:
        w: A parameter array, any shape.
        dw: dL/dw, the same shape.
        config: A dict with "learning_rate", "beta1", "beta2", "epsilon" and, after the first
            step, "m", "v" (w's shape) and "t" (the number of steps taken so far).

    Returns:
        next_w: The updated parameter, a new array.
        config: The same dict, holding the new m, v and t.
    """
    ### BEGIN SOLUTION
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1  # this step counts: t = 1 on the first
    m = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw**2
    config["m"], config["v"], config["t"] = m, v, t
    m_hat = m / (1 - beta1**t)  # the weights of the average sum to 1 - beta1**t
    v_hat = v / (1 - beta2**t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that adam returns (next_w, config) and keeps m, v and t in config."""
check("adam", adam)
### BEGIN HIDDEN TESTS
check("adam", adam, hidden=True)
### END HIDDEN TESTS

# %%
hints("adam")

# %% [markdown]
# **The correction.** Unrolled, $m_t = (1 - \beta_1)\,(g_t + \beta_1 g_{t-1} + \dots + \beta_1^{t-1} g_1)$,
# whose weights sum to $(1 - \beta_1)(1 + \beta_1 + \dots + \beta_1^{t-1}) = 1 - \beta_1^t$. So
# $E[m_t] = (1 - \beta_1^t)\, E[g]$, and
#
# $$\hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}.$$
#
# Measured with your function: a constant gradient $g = 1$, $\eta = 0.1$, the usual betas. With the
# correction every step is $\eta$. Without it ($\eta\, m/\sqrt{v}$, computed alongside) the steps start about
# three times too large, since $v$ is even further below its mean than $m$ is; they grow to over six times by
# $t = 10$, when $m$ has nearly caught up but $v$ has not, and are still off after 1,000 steps: with
# $\beta_2 = 0.999$, $v$'s correction fades only over thousands of steps.

# %% tags=["raises-exception"]
w_adam, adam_config = np.zeros(1), {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
m_raw = v_raw = 0.0
for t in range(1, 1001):
    before = w_adam.copy()
    w_adam, adam_config = adam(w_adam, np.ones(1), adam_config)
    m_raw, v_raw = 0.9 * m_raw + 0.1, 0.999 * v_raw + 0.001
    if t in (1, 2, 10, 100, 1000):
        print(f"t = {t:>4}: your step {before[0] - w_adam[0]:.4f}, uncorrected "
              f"{0.1 * m_raw / np.sqrt(v_raw):.4f}, 1 − β2^t = {1 - 0.999**t:.4f}")

# %% [markdown]
# On the Rosenbrock surface, $L = (1 - x)^2 + 100\,(y - x^2)^2$, a curved valley with a nearly flat floor and its
# minimum at $(1, 1)$: 1,000 steps of plain SGD, your momentum, RMSProp (`optim.rmsprop`) and your Adam, from
# $(-1.5, 2)$.

# %% tags=["raises-exception"]
banana = rosenbrock()
banana_runs = {"SGD, lr 0.001": (optim.sgd, {"learning_rate": 1e-3}),
               "your momentum, lr 0.001, β 0.9": (sgd_momentum, {"learning_rate": 1e-3, "momentum": 0.9}),
               "RMSProp, lr 0.01": (optim.rmsprop, {"learning_rate": 1e-2}),
               "your Adam, lr 0.1": (adam, {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.999,
                                            "epsilon": 1e-8})}
banana_paths = {}
for label, (rule, config) in banana_runs.items():
    banana_paths[label], banana_losses = descend(banana, rule, config, steps=1000)
    print(f"{label:<30} ends at ({banana_paths[label][-1, 0]:+.3f}, {banana_paths[label][-1, 1]:+.3f}), "
          f"distance to (1, 1): {np.linalg.norm(banana_paths[label][-1] - 1):.3f}")
plot_trajectories(banana, banana_paths, title="Rosenbrock, 1,000 steps")
plt.show()

# %% [markdown]
# Plain SGD crawls along the flat floor; the others get much further along the valley, and the best of them end
# near $(1, 1)$ (the printed distances). Each rule has its own good learning rate, so this is a picture of their
# characters, not a ranking: try other settings with `optimizer_explorer("rosenbrock", ...)`.

# %% [markdown]
# ## 9. Weight decay, two ways
#
# Lesson 6 adds an **L2 penalty** $\tfrac12 \lambda \lVert w \rVert^2$ to the loss, to keep the weights small; its
# gradient, $\lambda w$, is added to `dw` before the update rule sees it. Another way is to shrink the weights
# directly in the update, outside the gradient: after the rule's own step, $w \leftarrow w - \eta\lambda\, w$.
# That is **decoupled weight decay** (Loshchilov and Hutter, 2019: "SGDW", "AdamW"). In `backprop.optim`, a
# `"weight_decay"` entry in the config does it, for `sgd`, `sgd_momentum`, `nesterov` and `adam`.
#
# Are they the same? Under plain SGD, write both out: $w - \eta\,(g + \lambda w)$ and
# $w - \eta\, g - \eta\lambda\, w$, the same step. Under momentum the L2 term enters the velocity and adds up like
# every gradient, about $1/(1 - \beta)$ times, while the decoupled shrink doesn't. Under Adam the L2 term is
# divided by $\sqrt{\hat v}$ like the gradient, so a weight with large gradients is hardly decayed and one with
# small gradients a lot; the decoupled shrink is $\eta\lambda w$ for every weight.
#
# **The measurement.** A linear regression without bias: 400 examples with 3 features of standard deviations 3,
# 1 and 0.3 (so the three weights' gradients differ in scale), every true weight 1, mini-batches of 20, 800 steps.
# Each optimiser trains three times from zero: without regularisation, with L2 ($\lambda = 0.5$) and with
# decoupled decay ($\lambda = 0.5$); momentum once more with $\lambda/(1 - \beta) = 5$, Adam with $\lambda = 2$.
# The table gives each final weight divided by the same optimiser's unregularised one: 1 means not shrunk.

# %%
wd_rng = np.random.default_rng(9)
X_wd = wd_rng.normal(size=(400, 3)) * np.array([3.0, 1.0, 0.3])
y_wd = X_wd @ np.ones(3) + wd_rng.normal(0.0, 0.5, size=400)


def train_linear(rule, config, l2=0.0, steps=800):
    """Mini-batch training of y ≈ X_wd @ w from w = 0; l2 adds l2 * w to the gradient."""
    w, config, batch_rng = np.zeros(3), dict(config), np.random.default_rng(0)
    for _ in range(steps):
        rows = batch_rng.integers(0, len(X_wd), size=20)
        dw = X_wd[rows].T @ (X_wd[rows] @ w - y_wd[rows]) / 20 + l2 * w
        w, config = rule(w, dw, config)
    return w


lam = 0.5
wd_rules = {"SGD, lr 0.02": (optim.sgd, {"learning_rate": 0.02}),
            "momentum 0.9, lr 0.002": (optim.sgd_momentum, {"learning_rate": 0.002, "momentum": 0.9}),
            "Adam, lr 0.01": (optim.adam, {"learning_rate": 0.01})}
shrink = {}
print(f"{'':<24} {'':<26} weight / unregularised weight")
for label, (rule, config) in wd_rules.items():
    plain_w = train_linear(rule, config)
    shrink[label, "L2"] = train_linear(rule, config, l2=lam) / plain_w
    shrink[label, "decoupled"] = train_linear(rule, {**config, "weight_decay": lam}) / plain_w
    if label.startswith("momentum"):
        shrink[label, "decoupled λ/(1 − β)"] = train_linear(
            rule, {**config, "weight_decay": lam / (1 - 0.9)}) / plain_w
    if label.startswith("Adam"):
        shrink[label, "decoupled λ = 2"] = train_linear(rule, {**config, "weight_decay": 2.0}) / plain_w
for (label, how), ratio in shrink.items():
    print(f"{label:<24} {how:<26} " + "  ".join(f"{r:.3f}" for r in ratio))
print(f"for comparison, L2's exact optimum shrinks the weights to "
      f"{'  '.join(f'{a / (a + lam):.3f}' for a in np.array([3.0, 1.0, 0.3]) ** 2)}")

# A guard for the course's own tests: the text below reads these numbers this way.
sgd_l2, sgd_wd = shrink["SGD, lr 0.02", "L2"], shrink["SGD, lr 0.02", "decoupled"]
mom = "momentum 0.9, lr 0.002"
adam_l2, adam_wd = shrink["Adam, lr 0.01", "L2"], shrink["Adam, lr 0.01", "decoupled"]
assert np.allclose(sgd_l2, sgd_wd)
assert np.allclose(shrink[mom, "L2"], shrink[mom, "decoupled λ/(1 − β)"], atol=0.03)
assert np.all(shrink[mom, "decoupled"] > shrink[mom, "L2"] + 0.03)
assert adam_wd[2] > 3 * adam_l2[2] and shrink["Adam, lr 0.01", "decoupled λ = 2"][0] < 0.7


# %% [markdown]
# What the numbers show:
#
# - **SGD:** L2 and decoupled decay give the same weights, to every printed digit: it is the same update.
# - **Momentum:** decoupled decay with the same $\lambda$ shrinks much less than L2, but with
#   $\lambda/(1 - \beta)$ it gives L2's weights back (to about 0.01): under momentum the two differ only by a
#   rescaling of $\lambda$.
# - **Adam:** L2 shrinks the three weights very unequally, like L2's optimum: the third feature, whose small
#   gradients make $\sqrt{\hat v}$ small, has its weight cut to about an eighth, the first by only about 5 %.
#   Decoupled decay shrinks them far more evenly. No single $\lambda$ makes them agree: with $\lambda = 2$
#   decoupled decay comes near L2 on the third weight (about 0.2 against 0.13) only by cutting the first to under
#   half. Under Adam the two are different regularisers: AdamW's decay takes the same fraction, $\eta\lambda$, of
#   every weight at every step, whatever the size of its gradients: that is why it is the usual choice with Adam.

# %% [markdown]
# ## 10. Gradient clipping: a cap on the step
#
# Now and then a mini-batch produces a gradient many times larger than usual, especially in a deep network early
# in training or at a learning rate near its limit. One step along it throws the weights far away, the next
# gradients are larger still, and the run diverges. **Clipping by norm** caps the length of the step and keeps
# its direction: between backpropagation and the update, if the gradients are too long, shrink them all by the
# same factor until they are not.
#
# "Too long" is measured by the **global norm**: the length of one long vector holding every entry of every
# parameter's gradient ($dW_1$, $db_1$, $dW_2$, …), one number for the whole network. Clipping each tensor by its
# own norm would shrink them by different factors, and the step would point somewhere else.
#
# **Worked example (clipping by value, a different clip).** `np.clip(g, -1, 1)` caps each entry on its own:
# $g = (3,\ 0.5)$ becomes $(1,\ 0.5)$, and the direction has changed, from 6 : 1 to 2 : 1. Clipping by norm keeps
# the 6 : 1 and shortens the vector.

# %% [markdown]
# ### Exercise 6 · `clip_by_norm` (2 points)
#
# Write `clip_by_norm(grads, max_norm)`. `grads` is a dict of name → gradient array, as `net.loss(X, y)` returns
# it. Return `(clipped, norm)`: `norm` is the global norm *before* clipping, a float; `clipped` is a new dict with
# the same keys and shapes, in which every gradient is multiplied by the one factor that makes the global norm
# exactly `max_norm`, if `norm > max_norm`, and otherwise the gradients unchanged. Derive first: the global norm
# from the tensors' entries, and the factor.
#
# - **Trap:** one norm over all the tensors, not one per tensor.
# - **Trap:** below `max_norm` nothing changes: clipping never makes a gradient longer.
# - **Trap:** build new arrays; don't change `grads` in place (`g *= ...`): the caller may still need them.

# %% nbgrader={"grade": false, "grade_id": "ex6-clip-by-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
def clip_by_norm(grads, max_norm):
    """Clip every parameter's gradient by their global norm.

    Args:
        grads: A dict of name -> gradient array (any shapes).
        max_norm: The largest global norm allowed, > 0.

    Returns:
        clipped: A new dict, the same keys and shapes, with a global norm of at most max_norm.
        norm: The global norm before clipping, a float.
    """
    ### BEGIN SOLUTION
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))  # one long vector
    scale = max_norm / norm if norm > max_norm else 1.0  # one factor for every tensor
    return {name: g * scale for name, g in grads.items()}, norm
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that clip_by_norm returns (clipped, norm) and leaves grads as they were."""
check("clip_by_norm", clip_by_norm)
### BEGIN HIDDEN TESTS
check("clip_by_norm", clip_by_norm, hidden=True)
### END HIDDEN TESTS

# %%
hints("clip_by_norm")


# %% [markdown]
# **The formula.** The squares of all entries add up: $\lVert g \rVert = \sqrt{\sum_p \sum_{\text{entries}}
# g_p^2}$, and scaling every entry by $c$ scales that length by $c$, so $c = \text{max\_norm} / \lVert g \rVert$
# when the norm is too large, and 1 otherwise.
#
# **A run it saves.** A ReLU network of 7 layers (6 hidden layers of 64, He initialisation) on the digits, batches
# of 64, plain SGD at learning rate 1.0, 5 epochs; the second run clips with your `clip_by_norm` at
# `max_norm = 1`. The loop is the `Trainer`'s, written out so that the clip can sit between backpropagation and
# the update. A run stops when its loss turns NaN or exceeds 10 times the first.

# %% tags=["raises-exception"]
def train_deep(max_norm=None, learning_rate=1.0, epochs=5):
    """Mini-batch SGD on the digits; returns the batch losses, gradient norms and validation accuracy."""
    net = MLP([64, 64, 64, 64, 64, 64, 64, 10], seed=0)
    order_rng = np.random.default_rng(0)
    losses, norms = [], []
    for _ in range(epochs):
        for batch in minibatches(len(X_train), 64, order_rng):
            with np.errstate(all="ignore"):  # a diverging run overflows
                loss, grads = net.loss(X_train[batch], y_train[batch])
            if not np.isfinite(loss) or (losses and loss > 10 * losses[0]):
                return losses + [loss], norms, None
            if max_norm is not None:
                grads, norm = clip_by_norm(grads, max_norm)
            else:
                norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
            losses.append(loss)
            norms.append(norm)
            for name in net.params:
                net.params[name] = net.params[name] - learning_rate * grads[name]
    return losses, norms, net.accuracy(X_val, y_val)


deep_runs = {"plain SGD, lr 1.0": train_deep(), "clipped at 1.0, lr 1.0": train_deep(max_norm=1.0)}
for label, (losses, norms, acc) in deep_runs.items():
    ending = (f"trained all {len(losses)} steps, validation accuracy {acc:.1%}" if acc is not None
              else f"diverged at step {len(losses)} (loss {losses[-1]:.3g})")
    print(f"{label:<24} {ending}; largest gradient norm {max(norms):.1f}, "
          f"steps above 1.0: {np.mean(np.array(norms) > 1.0):.0%}")

fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
for label, (losses, _, _) in deep_runs.items():
    ax.semilogy(np.arange(1, len(losses) + 1), np.minimum(losses, 1e3), label=label)
ax.set(xlabel="step", ylabel="batch loss", title="a 7-layer network at learning rate 1.0")
ax.legend(fontsize=8)
plt.show()

# A guard for the course's own tests: the text below says the plain run diverges and the clipped one trains.
assert deep_runs["plain SGD, lr 1.0"][2] is None and deep_runs["clipped at 1.0, lr 1.0"][2] > 0.85

# %% [markdown]
# Without clipping, the gradient norms grow into the hundreds, each step throws the weights further off, and the
# loss explodes within a dozen steps. With the clip, every step is cut down to length at most 1, and the same
# learning rate trains the network to a good validation accuracy. Clipping acts on most steps of this run (the
# printed share): at this learning rate it is doing real work, not only catching rare spikes. It is a safety net,
# not a cure: a learning rate this large is still not a good choice, but with the net in place a single bad batch
# no longer ends the run. Clipping is routine in recurrent networks and transformers.

# %% [markdown]
# ## 11. Check your understanding
#
# Nine questions, one point each. In each answer cell, replace the two lines `# YOUR CODE HERE` and
# `raise NotImplementedError()` with your answer: for questions 1 to 5 and 9 a single letter in quotes, e.g.
# `q1 = "a"`; for questions 6 to 8 a number (no quotes), e.g. `q6 = 0.5`. The test under each answer only
# checks its form (one of the options, or a number); whether it is right is checked when the notebook is graded.

# %% [markdown]
# **Question 1.** Mini-batch gradient descent and momentum are often combined with backpropagation. What do they
# change?
#
# a) How the gradients from backpropagation are turned into weight updates; the gradients are computed as before.
#
# b) How backpropagation computes the gradients: the chain rule is applied to a running average of past layers.
#
# c) The network's architecture: momentum adds a velocity unit to every layer, which is trained with the rest.
#
# d) Nothing during training: they are applied once, after training, to smooth the weights the network ended with.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q1 = None
### BEGIN SOLUTION
q1 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q1 is one of the options."""
check_choice("q1", q1)
### BEGIN HIDDEN TESTS
check_choice("q1", q1, answer="a", reread="the introduction and section 2, 'Momentum: a velocity'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 2.** Why is mini-batch gradient descent usually preferred to full-batch gradient descent on a large
# training set?
#
# a) A mini-batch gradient is exact, while the full-batch gradient is only an estimate of the true one.
#
# b) Many cheap, noisy but unbiased steps per epoch get further per second than a few exact ones.
#
# c) It needs no learning rate at all: the noise of the batches sets the step.
#
# d) It uses every example several times in each epoch, so the network effectively sees more data.

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q2 = None
### BEGIN SOLUTION
q2 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q2 is one of the options."""
check_choice("q2", q2)
### BEGIN HIDDEN TESTS
check_choice("q2", q2, answer="b", reread="section 1, 'Full batch, mini-batches and SGD'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 3.** In a long narrow valley, plain gradient descent zig-zags from wall to wall. Why does momentum
# help?
#
# a) It measures how curved the valley is in each direction and divides every step by that curvature.
#
# b) Its velocity makes every step longer, in all directions alike, so it crosses the valley in fewer steps.
#
# c) Along the valley the gradients agree and add up; across it they flip sign and cancel.
#
# d) It raises the learning rate while the loss falls, and lowers it when it rises.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q3 = None
### BEGIN SOLUTION
q3 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q3 is one of the options."""
check_choice("q3", q3)
### BEGIN HIDDEN TESTS
check_choice("q3", q3, answer="c", reread="section 2, 'Momentum: a velocity' and 'A narrow valley'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 4.** Training can settle in a local minimum instead of the global one. Which statement is right?
#
# a) Backpropagation computes the wrong gradient near a local minimum, which is why training stops there.
#
# b) Local minima only happen with sigmoids; a ReLU network never has any.
#
# c) With a small enough learning rate, plain gradient descent always ends in the global minimum.
#
# d) It follows only the local slope, so it can stop in one; momentum sometimes carries it over.

# %% nbgrader={"grade": false, "grade_id": "q4-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q4 = None
### BEGIN SOLUTION
q4 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q4 is one of the options."""
check_choice("q4", q4)
### BEGIN HIDDEN TESTS
check_choice("q4", q4, answer="d", reread="section 6, 'Local minima and saddle points'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 5.** With a constant learning rate, the loss of mini-batch training stops improving at some level.
# What does decaying the learning rate do?
#
# a) Smaller steps shrink the jitter of the noisy mini-batch steps, so the loss settles lower.
#
# b) It removes the noise from the mini-batch gradients, so that late in training they become exact.
#
# c) It only saves time: the late steps are smaller, but the loss ends where it would have anyway.
#
# d) It removes local minima, because the smaller steps can no longer enter a narrow valley.

# %% nbgrader={"grade": false, "grade_id": "q5-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q5 = None
### BEGIN SOLUTION
q5 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q5 is one of the options."""
check_choice("q5", q5)
### BEGIN HIDDEN TESTS
check_choice("q5", q5, answer="a", reread="section 4, 'Measuring the noise floor'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 6.** SGD with momentum, $\beta = 0.8$ and $\eta = 0.1$, on a single weight. The velocity starts
# at 0; the first step's gradient is $dw = 3$, the second step's $dw = 1$. What is the velocity $v$ after the
# second step (with its sign)? Answer within ±0.001.

# %% nbgrader={"grade": false, "grade_id": "q6-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number, e.g. q6 = 0.5.
q6 = None
### BEGIN SOLUTION
q6 = -0.34
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q6 is a number."""
check_number("q6", q6)
### BEGIN HIDDEN TESTS
check_number("q6", q6, answer=-0.34, atol=1e-3, reread="section 2, 'Momentum: a velocity': v = beta v - eta dw, step by step")
### END HIDDEN TESTS

# %% [markdown]
# **Question 7 (revisits lesson 4).** A ReLU layer has `fan_in = 50` inputs and `fan_out = 20` units. What
# standard deviation does He initialisation draw its weights with? Answer within ±0.001.

# %% nbgrader={"grade": false, "grade_id": "q7-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number, e.g. q7 = 0.5.
q7 = None
### BEGIN SOLUTION
q7 = 0.2
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q7 is a number."""
check_number("q7", q7)
### BEGIN HIDDEN TESTS
check_number("q7", q7, answer=0.2, atol=1e-3, reread="lesson 4, section 6: He's variance is 2 / fan_in, its std the square root")
### END HIDDEN TESTS

# %% [markdown]
# **Question 8.** Adam with $\beta_1 = 0.9$, on its second step ($t = 2$). The average $m_2$ is, in expectation,
# too small by a factor: $E[m_2] = c \cdot E[g]$. What is $c$? Answer within ±0.001.

# %% nbgrader={"grade": false, "grade_id": "q8-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number, e.g. q8 = 0.5.
q8 = None
### BEGIN SOLUTION
q8 = 0.19
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q8-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q8 is a number."""
check_number("q8", q8)
### BEGIN HIDDEN TESTS
check_number("q8", q8, answer=0.19, atol=1e-3, reread="section 8, 'Adam': the weights of m_t sum to 1 - beta1^t")
### END HIDDEN TESTS

# %% [markdown]
# **Question 9.** Training with Adam, you add an L2 penalty's gradient $\lambda w$ to `dw` instead of using
# decoupled weight decay. Which statement is right?
#
# a) Nothing changes: the two always give the same weights, with every optimiser.
#
# b) They differ only by a constant: L2 with $\lambda$ equals decoupled decay with $\lambda/(1 - \beta_1)$.
#
# c) The L2 term is divided by $\sqrt{\hat v}$ too, so weights with large gradients are hardly decayed.
#
# d) L2 no longer regularises at all, because Adam's bias correction removes the added term.

# %% nbgrader={"grade": false, "grade_id": "q9-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q9 = None
### BEGIN SOLUTION
q9 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q9-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q9 is one of the options."""
check_choice("q9", q9)
### BEGIN HIDDEN TESTS
check_choice("q9", q9, answer="c", reread="section 9, 'Weight decay, two ways'")
### END HIDDEN TESTS

# %% [markdown]
# ## 12. Summary
#
# - **Batch size**: full batch gives exact but few steps; SGD ($B = 1$) many steps, each very noisy and slow in
#   Python; **mini-batches** are the practical middle. An epoch shuffles once and uses every example exactly once,
#   the last batch possibly shorter.
# - **Momentum** keeps a velocity, $v \leftarrow \beta v - \eta\cdot dw$, $w \leftarrow w + v$: an
#   exponentially weighted sum of past gradients, with an effective step of $\eta/(1-\beta)$ where they agree
#   and damping where they flip sign. Its state lives in `config`, passed from step to step.
# - **Nesterov momentum** takes the gradient at the look-ahead point; storing that point gives the update
#   $w \leftarrow w - \beta v_\text{prev} + (1+\beta) v_\text{new}$ with the ordinary gradient.
# - **Schedules** (step and exponential decay) start fast and settle: with mini-batches, a decaying learning rate
#   lowers the noise floor, as measured on the regression problem.
# - Plain gradient descent stops in the valley it starts in and can stall at a **saddle point**; momentum can carry
#   it further, without guarantees.
# - On the digits, momentum reached the accuracy target in fewer epochs than plain SGD at the same learning rate,
#   largely thanks to its larger effective step; on ill-conditioned surfaces it also straightens the path.
# - **Adam** averages the gradients ($\beta_1$) and their squares ($\beta_2$) and steps by
#   $\eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$. Both averages start at 0, so $E[m_t] = (1 - \beta_1^t)\,E[g]$:
#   the bias correction divides by that factor (1000× for $v$ at $t = 1$ with $\beta_2 = 0.999$).
# - **Weight decay** outside the gradient equals L2 under plain SGD, equals it up to a rescaling of $\lambda$ by
#   $1/(1 - \beta)$ under momentum, and is a different regulariser under Adam (AdamW).
# - **Clipping by the global norm** scales all gradients by one factor, $\text{max\_norm}/\lVert g \rVert$,
#   when they are too long: it saved a deep network's run at a learning rate where plain SGD diverged.
#
# ## What comes next
#
# Momentum and schedules change how we *use* the gradients. **Lesson 6** changes the network itself, so that
# the gradients are easier to use: **batch normalisation** and **layer normalisation** keep every layer's inputs on
# a steady scale while the weights below them change, which lets deep networks train with larger learning rates;
# and **regularisation** keeps a network from fitting the noise in its training set.
