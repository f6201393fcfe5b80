"""cnnlib: the NumPy implementations behind *Convolutional Networks, Computed*.

NCHW arrays throughout; names and semantics follow ``torch.nn.functional``.
"""

from . import checkpoint, models, nn, optim, train
from .activations import (
    gelu,
    gelu_backward,
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu6,
    relu6_backward,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    silu,
    silu_backward,
    tanh,
    tanh_backward,
)
from .backprop import conv2d_input, conv2d_weight, dilate_gradient, full_correlation, rot180
from .compose import compose_conv2d, compose_kernels, conv2d_matrix, fit_kernel, r_squared
from .conv import col2im, conv2d, conv2d_backward, conv2d_naive, conv_output_size, corr2d, im2col
from .conv_transpose import (
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_naive,
    conv_transpose_output_size,
    transpose_as_convolution,
)
from .counting import (
    conv2d_macs,
    conv2d_parameters,
    linear_macs,
    linear_parameters,
    locally_connected_parameters,
)
from .data import sample_photo
from .depth import stack_gradients
from .explain import ConvStep, PoolStep, explain_conv2d, explain_pool2d
from .gradcheck import GradCheckResult, gradcheck, numerical_gradient, relative_error
from .images import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    channel_stats,
    chw_to_hwc,
    decode_image,
    denormalize,
    describe,
    hwc_to_chw,
    normalize,
    sample_photo_bytes,
    to_float,
    to_nchw,
    translate,
)
from .nn.module import is_grad_enabled, no_grad
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
from .sparsity import dead_channels, sparsity
from .summary import summary
from .upsample import interpolate, interpolate_backward, interpolation_matrix

__version__ = "0.1.0"
