"""The graded exercises, one module per lesson; importing this package registers them all.

In course order (each module's docstring lists its exercises in notebook order):
- lesson01_chain_rule: numerical_derivative, dsin_square, mul_backward, tanh_backward,
  neuron_backward, Scalar (the learner's own autograd class);
- lesson02_single_neuron: neuron_forward, sigmoid_backward, mse_gradients, gd_step,
  bce_gradients;
- lesson03_mlp: affine_forward, affine_backward, sum_to_shape, relu_backward,
  softmax_cross_entropy, two_layer_loss;
- lesson04_relu_vs_sigmoid: leaky_relu_backward, collapse_linear, weight_gradient_norms,
  dead_relu_fraction, he_init;
- lesson05_momentum: minibatches, sgd_momentum, nesterov, lr_per_step;
- lesson06_normalization: batchnorm_forward, batchnorm_backward, layernorm_backward,
  l2_penalty, dropout_forward, dropout_backward;
- lesson07_review: train_capstone.

Each module defines `LESSON` (its folder, e.g. "01_chain_rule") and, per exercise, its
local reference `_ref_<id>` (where the library has none), its case generator `_cases_<id>`
and the factory of its known mistakes `_variant_<id>` (where there is one), followed by
its `register(Exercise(...))` with its known mistakes and its hint ladder. A lesson module
imports the engine (`exercise`, `messages`) and the learner's library, never another lesson.
"""

from backprop.grading.exercises import (  # imported to register their exercises
    lesson01_chain_rule,
    lesson02_single_neuron,
    lesson03_mlp,
    lesson04_relu_vs_sigmoid,
    lesson05_momentum,
    lesson06_normalization,
    lesson07_review,
)

__all__ = [
    "lesson01_chain_rule",
    "lesson02_single_neuron",
    "lesson03_mlp",
    "lesson04_relu_vs_sigmoid",
    "lesson05_momentum",
    "lesson06_normalization",
    "lesson07_review",
]
