"""``cnnlib.models``: the classic networks, with torchvision's names, in NumPy.

=========================  ============================  ===========
builder                    what it introduced            parameters
=========================  ============================  ===========
:func:`lenet5`             learned convolutions          61,706
:func:`alexnet`            depth, ReLU, dropout          61,100,840
:func:`vgg16`              stacks of 3x3 convolutions    138,357,544
:func:`resnet18`           residual connections          11,689,512
:func:`resnet50`           bottleneck blocks             25,557,032
:func:`mobilenet_v2`       inverted residuals            3,504,872
:func:`efficientnet_b0`    SE, SiLU, compound scaling    5,288,548
=========================  ============================  ===========

Parameter counts are for 1000 classes (LeNet-5: 10).

Every model except LeNet-5 has torchvision's module tree, so its
``state_dict`` keys are torchvision's (``features.0.weight``,
``layer2.0.downsample.1.running_var``, ``features.1.0.block.1.fc1.weight``,
...) and a torchvision ``state_dict``, converted to NumPy arrays with
:func:`state_dict_to_numpy`, loads with ``load_state_dict``; in evaluation
mode the forward pass then gives torchvision's outputs.  The blocks
(:class:`BasicBlock`, :class:`Bottleneck`, :class:`InvertedResidual`,
:class:`SqueezeExcitation`, :class:`MBConv`) are modules with their own
backward passes.  Introduced in the chapters "Architectures" and
"Transfer learning".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .classic import VGG, AlexNet, LeNet5, alexnet, lenet5, make_layers, vgg16
from .digits import digits_cnn
from .efficientnet import EfficientNet, MBConv, MBConvConfig, efficientnet_b0
from .mobilenet import InvertedResidual, MobileNetV2, make_divisible, mobilenet_v2
from .ops import Conv2dNormActivation, SqueezeExcitation
from .resnet import BasicBlock, Bottleneck, ResNet, conv1x1, conv3x3, resnet18, resnet50

__all__ = [
    "digits_cnn",
    "AlexNet",
    "BasicBlock",
    "Bottleneck",
    "Conv2dNormActivation",
    "EfficientNet",
    "InvertedResidual",
    "LeNet5",
    "MBConv",
    "MBConvConfig",
    "MobileNetV2",
    "ResNet",
    "SqueezeExcitation",
    "VGG",
    "alexnet",
    "conv1x1",
    "conv3x3",
    "efficientnet_b0",
    "lenet5",
    "make_divisible",
    "make_layers",
    "mobilenet_v2",
    "resnet18",
    "resnet50",
    "state_dict_to_numpy",
    "vgg16",
]


def state_dict_to_numpy(state_dict: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Convert a PyTorch ``state_dict`` (tensors) into ``{key: numpy array}``.

    Each value with a ``detach`` method (a ``torch.Tensor``) becomes
    ``value.detach().cpu().numpy()``; anything else goes through
    ``numpy.asarray``.  PyTorch itself is not imported.  The result loads
    into the matching cnnlib model with ``model.load_state_dict(...)``
    (BatchNorm's ``num_batches_tracked`` entries included).

    Introduced in the chapter *Transfer learning*.

    Parameters
    ----------
    state_dict : mapping of str to tensor or array

    Returns
    -------
    dict of str to ndarray
        Same keys, same order.

    Raises
    ------
    TypeError
        If ``state_dict`` is not a mapping.

    Examples
    --------
    >>> sd = state_dict_to_numpy({"fc.weight": [[1.0, 2.0]], "fc.bias": [0.5]})
    >>> sd["fc.weight"].shape, sd["fc.bias"].dtype
    ((1, 2), dtype('float64'))
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"state_dict_to_numpy: state_dict must be a mapping of names to tensors, got "
            f"{type(state_dict).__name__}"
        )
    out: dict[str, np.ndarray] = {}
    for key, value in state_dict.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        out[key] = np.asarray(value)
    return out
