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
- every lesson: `grading` (the exercise registry and check) and `quiz`;
- the instructor's side: `course` and `cli` (the `backprop-course` command).

Import what a lesson needs explicitly, e.g. `from backprop.layers import affine_forward`.
"""

__version__ = "0.3.0"
