"""Two building blocks torchvision shares between models: conv-norm-activation and SE.

``Conv2dNormActivation`` is ``torchvision.ops.Conv2dNormActivation`` (a
``Sequential`` of a convolution, a BatchNorm and an activation, named
``0``, ``1``, ``2``); ``SqueezeExcitation`` is
``torchvision.ops.SqueezeExcitation`` with its attribute names ``avgpool``,
``fc1``, ``fc2``, ``activation``, ``scale_activation``, so their
``state_dict`` keys are torchvision's.  Introduced in the chapter
"Architectures".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validate import as_array, check_ndim, positive_int
from ..nn import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Module, ReLU, Sequential, Sigmoid

__all__ = ["Conv2dNormActivation", "SqueezeExcitation"]


class Conv2dNormActivation(Sequential):
    """Convolution, then BatchNorm, then an activation: ``torchvision.ops.Conv2dNormActivation``.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int, default 3
    stride : int, default 1
    padding : int, optional
        Defaults to ``(kernel_size - 1) // 2 * dilation``, which keeps the
        size at stride 1 and halves it at stride 2.
    groups : int, default 1
        ``groups == in_channels`` makes the depthwise convolution of
        MobileNet and EfficientNet.
    norm_layer : callable returning a Module, or None, default BatchNorm2d
        Called with ``out_channels``.  None leaves it out.
    activation_layer : callable returning a Module, or None, default ReLU
        Called with no argument.  None leaves it out.
    dilation : int, default 1
    bias : bool, optional
        Defaults to True only when there is no norm layer (a bias before
        BatchNorm is cancelled by its mean).

    Examples
    --------
    >>> from cnnlib.nn import ReLU6
    >>> block = Conv2dNormActivation(8, 8, stride=2, groups=8, activation_layer=ReLU6)
    >>> block
    Conv2dNormActivation(
      (0): Conv2d(8, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=8, bias=False)
      (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
      (2): ReLU6()
    )
    >>> list(block.state_dict())[:2]
    ['0.weight', '1.weight']
    >>> block(np.zeros((1, 8, 10, 10), dtype=np.float32)).shape
    (1, 8, 5, 5)
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
        padding: int | None = None, groups: int = 1,
        norm_layer: Callable[[int], Module] | None = BatchNorm2d,
        activation_layer: Callable[[], Module] | None = ReLU,
        dilation: int = 1, bias: bool | None = None,
    ) -> None:
        fn = "Conv2dNormActivation"
        kernel_size = positive_int(kernel_size, "kernel_size", fn)
        dilation = positive_int(dilation, "dilation", fn)
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[Module] = [
            Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                   groups=groups, bias=bias)
        ]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer())
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(Module):
    """Squeeze-and-excitation (Hu et al., 2018): re-weight channels by a gate computed from them.

    ``scale = sigmoid(fc2(act(fc1(avgpool(x)))))`` has shape ``(N, C, 1, 1)``
    and the output is ``x * scale``: each channel is multiplied by a number
    in (0, 1) that depends on the whole feature map ("squeeze" to one mean
    per channel, then "excite" through a bottleneck of ``squeeze_channels``).
    ``fc1`` and ``fc2`` are 1x1 convolutions with biases, as in torchvision,
    so the block adds ``2 * C * S + C + S`` parameters.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    input_channels : int
        C.
    squeeze_channels : int
        S, the bottleneck width (C/4 of the block's input in EfficientNet).
    activation : callable returning a Module, default ReLU
        Between fc1 and fc2 (EfficientNet uses SiLU).
    scale_activation : callable returning a Module, default Sigmoid

    Examples
    --------
    >>> se = SqueezeExcitation(16, 4)
    >>> [k for k in se.state_dict()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    >>> sum(p.size for p in se.parameters())      # 2*16*4 + 16 + 4
    148
    >>> se(np.ones((2, 16, 5, 5), dtype=np.float32)).shape
    (2, 16, 5, 5)
    """

    def __init__(
        self, input_channels: int, squeeze_channels: int,
        activation: Callable[[], Module] = ReLU,
        scale_activation: Callable[[], Module] = Sigmoid,
    ) -> None:
        super().__init__()
        fn = "SqueezeExcitation"
        self.input_channels = positive_int(input_channels, "input_channels", fn)
        self.squeeze_channels = positive_int(squeeze_channels, "squeeze_channels", fn)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x: np.ndarray) -> np.ndarray:
        s = self.avgpool(x)
        s = self.fc1(s)
        s = self.activation(s)
        s = self.fc2(s)
        return self.scale_activation(s)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C, H, W) -> (N, C, H, W)``: ``x`` times its per-channel gate."""
        fn = "SqueezeExcitation"
        x = as_array(x, "x", fn)
        check_ndim(x, 4, "x", fn, "(N, C, H, W)")
        scale = self._scale(x)
        self.save_for_backward(x, scale)
        return x * scale

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx: the gated gradient plus what flows back through the gate.

        ``out = x * s(x)``, so ``dL/dx = g * s`` (x as the multiplicand) plus
        the gate's branch, fed by ``dL/ds = sum over H, W of g * x``.
        """
        x, scale = self.saved_tensors
        grad_scale = (grad_out * x).sum(axis=(2, 3), keepdims=True)
        g = self.scale_activation.backward(grad_scale)
        g = self.fc2.backward(g)
        g = self.activation.backward(g)
        g = self.fc1.backward(g)
        g = self.avgpool.backward(g)
        return grad_out * scale + g
