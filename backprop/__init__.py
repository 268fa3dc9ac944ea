"""backprop: the helper package of Backprop Workbook.

Its modules follow the course, lesson by lesson:

- lesson 1, the chain rule: `scalar` (Value), `graph` (draw_graph), `gradcheck`,
  `activations` (tanh);
- lesson 2, the single neuron: `activations` (sigmoid), `losses` (MSE, binary
  cross-entropy), `optim` (sgd), `data` (logic gates), `plots`, `widgets`;
- lesson 3, the MLP: `layers` (affine and sandwiches), `losses` (softmax cross-entropy),
  `activations` (ReLU), `models` (MLP), `train` (Trainer), `data` (moons, spirals,
  circles, the 8x8 digits);
- lesson 4, ReLU vs sigmoid: `activations` (leaky ReLU), `models` (init_weights,
  layer_gradient_norms, MLP.hidden_activations), `plots` (gradient norms, activation
  distributions), `widgets`;
- lesson 5, momentum: `optim` (sgd_momentum, nesterov, rmsprop, adam, schedules),
  `train` (schedules), `surfaces` (2-D loss surfaces, descend), `plots` (trajectories),
  `widgets`;
- lesson 6, normalisation: `normalization` (batch norm, layer norm), `regularization`
  (L2, dropout), `models` (MLP with normalization=, dropout=, l2=);
- lesson 7, review: the capstone trains the deepest MLP of the course with all of the above;
- lessons 3 to 7: `playground` (the Backprop Playground, also as `widgets.playground`);
- every lesson: `grading` (the exercise registry and check) and `quiz`;
- the instructor's side: `course` and `cli` (the `backprop-course` command: release,
  autograde in the `sandbox`, feedback, `report`, `validate`).

Import what a lesson needs explicitly, e.g. `from backprop.layers import affine_forward`.
"""

__version__ = "0.4.0"
