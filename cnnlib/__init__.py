"""cnnlib: the NumPy implementations behind *Convolutional Networks, Computed*.

NCHW arrays throughout; names and semantics follow ``torch.nn.functional``.
"""

from . import nn, optim, train
from .activations import (
    gelu,
    gelu_backward,
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)
from .backprop import conv2d_input, conv2d_weight, dilate_gradient, full_correlation, rot180
from .conv import col2im, conv2d, conv2d_backward, conv2d_naive, conv_output_size, corr2d, im2col
from .data import sample_photo
from .explain import ConvStep, PoolStep, explain_conv2d, explain_pool2d
from .gradcheck import GradCheckResult, gradcheck, numerical_gradient, relative_error
from .pooling import (
    avg_pool2d,
    avg_pool2d_backward,
    global_avg_pool2d,
    global_avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
)
from .pooling_stats import ShiftSensitivity, shift_sensitivity, shift_window
from .random import manual_seed
from .receptive_field import (
    LayerField,
    ReceptiveFieldTable,
    effective_field_size,
    effective_receptive_field,
    network_layers,
    network_stages,
    receptive_field,
)

__version__ = "0.1.0"
