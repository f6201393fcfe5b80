"""``cnnlib.nn``: layers as objects with forward and backward, mirroring ``torch.nn``.

Same class names, constructor arguments, attribute names and ``state_dict``
keys as PyTorch, so weights move between the two as plain arrays.  The
arithmetic comes from cnnlib's functional core (``cnnlib.conv2d``,
``cnnlib.relu``, ``cnnlib.max_pool2d``, ...) and from
:mod:`cnnlib.nn.functional` for the layers the core does not cover.
Introduced in the chapter "A CNN from scratch".
"""

from . import functional, init
from .activation import ReLU
from .batchnorm import BatchNorm1d, BatchNorm2d
from .containers import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .linear import Flatten, Identity, Linear
from .loss import CrossEntropyLoss
from .module import IncompatibleKeys, Module, Parameter, is_grad_enabled, no_grad
from .nonlinear import ReLU6, Sigmoid, SiLU, Tanh
from .normalization import GroupNorm, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .stochastic_depth import StochasticDepth
from .upsampling import ConvTranspose2d, Upsample

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "GroupNorm",
    "Identity",
    "IncompatibleKeys",
    "LayerNorm",
    "Linear",
    "MaxPool2d",
    "Module",
    "Parameter",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "StochasticDepth",
    "Tanh",
    "Upsample",
    "functional",
    "init",
    "is_grad_enabled",
    "no_grad",
]
