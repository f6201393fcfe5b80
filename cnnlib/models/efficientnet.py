"""EfficientNet-B0 (Tan and Le, 2019) with torchvision's module tree and parameter names.

Its block, MBConv, is MobileNet-v2's inverted residual with three changes:
SiLU (swish) instead of ReLU6, 5x5 depthwise kernels in some stages, and a
squeeze-and-excitation gate between the depthwise and the projecting
convolution.  Residual branches are dropped at random while training
(stochastic depth, probability rising linearly from 0 to 0.2 with depth).
B0 is the base network that the family's compound scaling enlarges.
Introduced in the chapter "Architectures".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .._validate import as_array, check_ndim, positive_int
from ..nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Dropout,
    Linear,
    Module,
    Sequential,
    SiLU,
    StochasticDepth,
)
from ._init import deferred_init, init_weights
from ._shapes import flatten
from .mobilenet import make_divisible
from .ops import Conv2dNormActivation, SqueezeExcitation

__all__ = ["EfficientNet", "MBConv", "MBConvConfig", "efficientnet_b0"]


@dataclass(frozen=True)
class MBConvConfig:
    """One stage of EfficientNet: ``num_layers`` MBConv blocks of one kind.

    Attributes
    ----------
    expand_ratio : float
        Hidden width = ``make_divisible(input_channels * expand_ratio)``.
    kernel : int
        Depthwise kernel size (3 or 5).
    stride : int
        Stride of the stage's first block (the others have 1).
    input_channels, out_channels : int
    num_layers : int
        Blocks in the stage.
    """

    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int

    def scaled(self, width_mult: float = 1.0, depth_mult: float = 1.0) -> MBConvConfig:
        """Channels times ``width_mult`` (rounded to multiples of 8), blocks times ``depth_mult``.

        Examples
        --------
        >>> c = MBConvConfig(6, 3, 2, 16, 24, 2).scaled(1.1, 1.2)    # EfficientNet-B2's factors
        >>> c.input_channels, c.out_channels, c.num_layers
        (16, 24, 3)
        """
        return replace(
            self,
            input_channels=make_divisible(self.input_channels * width_mult, 8),
            out_channels=make_divisible(self.out_channels * width_mult, 8),
            num_layers=int(math.ceil(self.num_layers * depth_mult)),
        )


class MBConv(Module):
    """EfficientNet's block: expand (1x1), depthwise (k x k), squeeze-excite, project (1x1).

    ``self.block`` is torchvision's ``Sequential``: ``block.0`` the expanding
    ``Conv2dNormActivation`` (absent when ``expand_ratio == 1``), then the
    depthwise one (SiLU), then ``SqueezeExcitation`` with
    ``max(1, input_channels // 4)`` squeeze channels (``fc1``, ``fc2``), then
    the projecting ``Conv2dNormActivation`` without activation.  With stride
    1 and equal channel counts the output is ``stochastic_depth(block(x)) +
    x``; the backward pass adds the shortcut's gradient to the branch's.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    cnf : MBConvConfig
        Only ``expand_ratio``, ``kernel``, ``stride``, ``input_channels`` and
        ``out_channels`` are used.
    stochastic_depth_prob : float
        Probability of dropping the branch while training.
    norm_layer : callable returning a Module, default BatchNorm2d

    Examples
    --------
    >>> block = MBConv(MBConvConfig(1, 3, 1, 32, 16, 1), 0.0)
    >>> [k for k in block.state_dict()][:2]
    ['block.0.0.weight', 'block.0.1.weight']
    >>> block.block[1].fc1
    Conv2d(32, 8, kernel_size=(1, 1), stride=(1, 1))
    >>> block(np.ones((1, 32, 8, 8), dtype=np.float32)).shape
    (1, 16, 8, 8)
    """

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float,
                 norm_layer: Callable[[int], Module] = BatchNorm2d) -> None:
        super().__init__()
        fn = "MBConv"
        if not isinstance(cnf, MBConvConfig):
            raise TypeError(f"{fn}: cnf must be an MBConvConfig, got {type(cnf).__name__}")
        if cnf.stride not in (1, 2):
            raise ValueError(f"{fn}: cnf.stride must be 1 or 2, got {cnf.stride!r}")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = make_divisible(cnf.input_channels * cnf.expand_ratio, 8)
        layers: list[Module] = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel,
                                           stride=cnf.stride, groups=expanded,
                                           norm_layer=norm_layer, activation_layer=SiLU))
        layers.append(SqueezeExcitation(expanded, max(1, cnf.input_channels // 4),
                                        activation=SiLU))
        layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels
        self.in_channels = cnf.input_channels

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C_in, H, W) -> (N, C_out, H / stride, W / stride)``."""
        fn = "MBConv"
        x = as_array(x, "x", fn)
        check_ndim(x, 4, "x", fn, "(N, C, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"{fn}: expected x with {self.in_channels} channels, got "
                             f"{x.shape[1]} (x.shape={tuple(x.shape)})")
        result = self.block(x)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + x
        return result

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx: through the branch, plus ``grad_out`` itself when there is a shortcut."""
        if not self.use_res_connect:
            return self.block.backward(grad_out)
        return self.block.backward(self.stochastic_depth.backward(grad_out)) + grad_out


class EfficientNet(Module):
    """EfficientNet with torchvision's layout: ``features``, ``avgpool``, ``classifier``.

    ``features.0`` is a 3x3 stride-2 ``Conv2dNormActivation`` (SiLU);
    ``features.1`` .. ``features.7`` are the stages (each a ``Sequential`` of
    MBConv blocks); ``features.8`` a 1x1 ``Conv2dNormActivation`` to
    ``4 * last stage's channels`` (1280 for B0).  Then ``avgpool`` (global),
    flatten, ``classifier = Sequential(Dropout, Linear)``.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    inverted_residual_setting : sequence of MBConvConfig
    dropout : float
    stochastic_depth_prob : float, default 0.2
        Block ``i`` of ``B`` gets ``stochastic_depth_prob * i / B``.
    num_classes : int, default 1000
    last_channel : int, optional

    Examples
    --------
    >>> tiny = EfficientNet([MBConvConfig(1, 3, 1, 16, 8, 1)], dropout=0.2, num_classes=3)
    >>> tiny.eval()(np.zeros((1, 3, 32, 32), dtype=np.float32)).shape
    (1, 3)
    """

    def __init__(self, inverted_residual_setting: Sequence[MBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000,
                 last_channel: int | None = None) -> None:
        super().__init__()
        fn = "EfficientNet"
        num_classes = positive_int(num_classes, "num_classes", fn)
        if not inverted_residual_setting or not all(
                isinstance(c, MBConvConfig) for c in inverted_residual_setting):
            raise TypeError(f"{fn}: inverted_residual_setting must be a non-empty list of "
                            "MBConvConfig")
        with deferred_init():
            first = inverted_residual_setting[0].input_channels
            layers: list[Module] = [
                Conv2dNormActivation(3, first, kernel_size=3, stride=2, activation_layer=SiLU)]
            total = sum(c.num_layers for c in inverted_residual_setting)
            block_id = 0
            for cnf in inverted_residual_setting:
                stage: list[Module] = []
                for _ in range(cnf.num_layers):
                    block_cnf = cnf
                    if stage:
                        block_cnf = replace(cnf, input_channels=cnf.out_channels, stride=1)
                    prob = stochastic_depth_prob * float(block_id) / total
                    stage.append(MBConv(block_cnf, prob))
                    block_id += 1
                layers.append(Sequential(*stage))
            last_in = inverted_residual_setting[-1].out_channels
            last_out = last_channel if last_channel is not None else 4 * last_in
            layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1,
                                               activation_layer=SiLU))
            self.features = Sequential(*layers)
            self.avgpool = AdaptiveAvgPool2d(1)
            self.classifier = Sequential(Dropout(p=dropout), Linear(last_out, num_classes))
        init_weights(self, conv="kaiming_normal", linear="uniform_fan_out")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, 3, H, W) -> (N, num_classes)`` logits."""
        x = self.avgpool(self.features(x))
        self.save_for_backward(x.shape)
        return self.classifier(flatten(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/d(input) and fill every parameter's gradient."""
        (shape,) = self.saved_tensors
        g = self.classifier.backward(grad_out).reshape(shape)
        return self.features.backward(self.avgpool.backward(g))


def efficientnet_b0(num_classes: int = 1000, stochastic_depth_prob: float = 0.2) -> EfficientNet:
    """EfficientNet-B0, 5,288,548 parameters for 1000 classes (torchvision's ``efficientnet_b0()``).

    Stages ``(expand, kernel, stride, in, out, blocks)``: (1,3,1,32,16,1),
    (6,3,2,16,24,2), (6,5,2,24,40,2), (6,3,2,40,80,3), (6,5,1,80,112,3),
    (6,5,2,112,192,4), (6,3,1,192,320,1); dropout 0.2 before the classifier.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000
    stochastic_depth_prob : float, default 0.2

    Returns
    -------
    EfficientNet
        Input ``(N, 3, H, W)`` (224x224 for B0), output ``(N, num_classes)``.

    Examples
    --------
    >>> model = efficientnet_b0()
    >>> model.features[1][0].block[1].fc1.weight.shape   # features.1.0.block.1.fc1.weight
    (8, 32, 1, 1)
    """
    setting = [
        MBConvConfig(1, 3, 1, 32, 16, 1),
        MBConvConfig(6, 3, 2, 16, 24, 2),
        MBConvConfig(6, 5, 2, 24, 40, 2),
        MBConvConfig(6, 3, 2, 40, 80, 3),
        MBConvConfig(6, 5, 1, 80, 112, 3),
        MBConvConfig(6, 5, 2, 112, 192, 4),
        MBConvConfig(6, 3, 1, 192, 320, 1),
    ]
    return EfficientNet(setting, dropout=0.2, stochastic_depth_prob=stochastic_depth_prob,
                        num_classes=num_classes)
