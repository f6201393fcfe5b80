"""ipywidgets UIs for the chapters: one module per topic.

Each widget is a function that returns an ipywidget; its callback is a plain
function the tests call directly.  A setting that cannot work shows the
library's error message in the widget instead of a traceback.
"""

from ._base import BookWidget, FigureImage, MessageLine, guarded
from .activations import ActivationExplorer, activation_explorer
from .architecture import ArchitectureExplorer, architecture_explorer
from .augmentation import AugmentationExplorer, augmentation_explorer
from .backprop import GradientFlow, gradient_flow
from .equivariance import ShiftExplorer, shift_explorer
from .interpret import FeatureMapExplorer, feature_map_explorer
from .playground import KernelPlayground, kernel_playground
from .pooling import PoolingExplorer, pooling_explorer
from .receptive_field import StackBuilder, stack_builder, stack_layers
from .size_explorer import SizeExplorer, size_explorer
from .step_through import ConvStepThrough, PoolStepThrough, conv_step_through, pool_step_through
from .training import TrainingExplorer, training_explorer
from .transfer import TransferExplorer, transfer_explorer
from .transposed import TransposedExplorer, transposed_explorer
