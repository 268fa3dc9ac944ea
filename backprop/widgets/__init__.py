"""The course's widgets: move a control, watch training change (lessons 1 to 7).

Which lesson introduces which widget, and where each lives:

- lesson 1, the chain rule: `self_check`, the practice question of every lesson
  (`backprop.widgets.selfcheck`);
- lesson 2, the single neuron: `learning_rate_explorer` (`LearningRateExplorer`), a
  learning-rate slider over the loss curve of the learner's own training
  (`backprop.widgets.learning_rate`);
- lesson 3, the MLP, and again in lessons 4 to 7: `playground` (`Playground`), the Backprop
  Playground, a network that trains on 2-D data as you watch
  (`backprop.widgets.playground`);
- lesson 4, ReLU vs sigmoid: `gradient_norm_explorer` (`GradientNormExplorer`), depth,
  activation and initialisation against the gradient norm of every layer
  (`backprop.widgets.gradient_norms`);
- lesson 5, momentum: `optimizer_explorer` (`OptimizerExplorer`), an optimiser's path over
  a 2-D loss surface as the learning rate, β and schedule change
  (`backprop.widgets.optimizers`).

Every widget builds and draws without a browser, so nbval and CI run it; in a live notebook
it redraws when a control moves, and a run that blows up is reported inside the widget, in
words. They share one rendering module, `backprop.widgets.render` (a figure to PNG bytes,
and the outputs that show them), take their arguments through the shared checks and
controls of `backprop.widgets._controls`, and draw with the palette of `backprop._style`.
They use the learner's library (`backprop.plots`, `backprop.models`, ...) and never the
grading or the instructor's side.

Import them from here: `from backprop.widgets import learning_rate_explorer, playground`.
"""

from backprop.widgets.gradient_norms import GradientNormExplorer, gradient_norm_explorer
from backprop.widgets.learning_rate import LearningRateExplorer, learning_rate_explorer
from backprop.widgets.optimizers import OptimizerExplorer, optimizer_explorer
from backprop.widgets.playground import Playground, playground
from backprop.widgets.selfcheck import self_check

__all__ = [
    "GradientNormExplorer",
    "LearningRateExplorer",
    "OptimizerExplorer",
    "Playground",
    "gradient_norm_explorer",
    "learning_rate_explorer",
    "optimizer_explorer",
    "playground",
    "self_check",
]
