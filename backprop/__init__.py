"""backprop: the helper package of Backprop Workbook.

Its modules follow the course, lesson by lesson:

- lesson 1, the chain rule: `scalar` (Value), `graph` (draw_graph), `gradcheck`,
  `activations` (tanh);
- lesson 2, the single neuron: `activations` (sigmoid), `losses` (MSE, binary
  cross-entropy), `optim` (sgd), `data` (logic gates), `plots`, `widgets`;
- lesson 3, the MLP: `layers` (affine and sandwiches), `losses` (softmax cross-entropy),
  `activations` (ReLU), `models` (MLP), `train` (Trainer), `data` (moons, spirals,
  circles, the 8x8 digits);
- every lesson: `grading` (the exercise registry and check) and `quiz`;
- the instructor's side: `course` and `cli` (the `backprop-course` command).

Import what a lesson needs explicitly, e.g. `from backprop.layers import affine_forward`.
"""

__version__ = "0.2.0"
