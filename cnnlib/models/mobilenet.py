"""MobileNet-v2 (Sandler et al., 2018) with torchvision's module tree and parameter names.

Its block, the *inverted residual*, widens the input with a 1x1 convolution
(by the expansion factor ``t``, 6 in most blocks), filters each channel on
its own with a 3x3 *depthwise* convolution (``groups = channels``), and
narrows back with a *linear* 1x1 convolution (no activation: a ReLU on the
narrow output would destroy information).  The shortcut joins the two
narrow ends, when the shapes agree.  The depthwise-separable pair costs
``C*k*k + C*C_out`` multiply-accumulates per position instead of
``C*C_out*k*k``.  Introduced in the chapter "Architectures".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validate import as_array, check_ndim, positive_int
from ..nn import BatchNorm2d, Conv2d, Dropout, Linear, Module, ReLU6, Sequential
from ..nn.functional import adaptive_avg_pool2d, adaptive_avg_pool2d_backward
from ._init import deferred_init, init_weights
from ._shapes import flatten
from .ops import Conv2dNormActivation

__all__ = ["InvertedResidual", "MobileNetV2", "make_divisible", "mobilenet_v2"]


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10% down.

    torchvision's ``_make_divisible`` (from the original TensorFlow code),
    used when a width multiplier scales the channels.

    Examples
    --------
    >>> make_divisible(32 * 0.75), make_divisible(16 * 6), make_divisible(10)
    (24, 96, 16)
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class InvertedResidual(Module):
    """MobileNet-v2's block: expand (1x1), depthwise (3x3), project (1x1, linear).

    ``self.conv`` is torchvision's ``Sequential``: when ``expand_ratio != 1``
    ``conv.0`` is the expanding ``Conv2dNormActivation`` (1x1, ReLU6);
    then the depthwise ``Conv2dNormActivation`` (3x3, ``groups = hidden``,
    ReLU6); then the projecting ``Conv2d`` (1x1, no bias) and its
    ``BatchNorm2d``.  With ``stride == 1`` and ``inp == oup`` the output is
    ``x + conv(x)``, and the backward pass adds the gradient that reaches x
    through the shortcut to the one through ``conv``.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    inp, oup : int
        Input and output channels.
    stride : {1, 2}
        Stride of the depthwise convolution.
    expand_ratio : int or float
        ``t``: the hidden width is ``round(inp * t)``.

    Examples
    --------
    >>> block = InvertedResidual(16, 16, 1, 6)
    >>> block.use_res_connect, block.conv[1][0]
    (True, Conv2d(96, 96, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=96, bias=False))
    >>> block(np.ones((1, 16, 8, 8), dtype=np.float32)).shape
    (1, 16, 8, 8)
    """

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: float) -> None:
        super().__init__()
        fn = "InvertedResidual"
        inp = positive_int(inp, "inp", fn)
        oup = positive_int(oup, "oup", fn)
        if stride not in (1, 2):
            raise ValueError(f"{fn}: stride must be 1 or 2, got {stride!r}")
        if not expand_ratio >= 1:
            raise ValueError(f"{fn}: expand_ratio must be >= 1, got {expand_ratio!r}")
        self.stride = stride
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1,
                                               activation_layer=ReLU6))
        layers += [
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                                 activation_layer=ReLU6),
            Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            BatchNorm2d(oup),
        ]
        self.conv = Sequential(*layers)
        self.out_channels = oup
        self.inp = inp

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, inp, H, W) -> (N, oup, H / stride, W / stride)``."""
        fn = "InvertedResidual"
        x = as_array(x, "x", fn)
        check_ndim(x, 4, "x", fn, "(N, C, H, W)")
        if x.shape[1] != self.inp:
            raise ValueError(f"{fn}: expected x with {self.inp} channels, got {x.shape[1]} "
                             f"(x.shape={tuple(x.shape)})")
        out = self.conv(x)
        return x + out if self.use_res_connect else out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx: through ``conv``, plus ``grad_out`` itself when there is a shortcut."""
        g = self.conv.backward(grad_out)
        return g + grad_out if self.use_res_connect else g


class MobileNetV2(Module):
    """MobileNet-v2 with torchvision's layout: ``features`` (19 entries) then ``classifier``.

    ``features.0`` is a 3x3 stride-2 ``Conv2dNormActivation`` (32 channels);
    ``features.1`` .. ``features.17`` are inverted residuals with
    ``(t, c, n, s)`` = (1,16,1,1), (6,24,2,2), (6,32,3,2), (6,64,4,2),
    (6,96,3,1), (6,160,3,2), (6,320,1,1); ``features.18`` a 1x1 to 1280
    channels.  Then global average pooling (a function call in torchvision,
    not a module), flatten, and ``classifier = Sequential(Dropout(0.2),
    Linear(1280, num_classes))``.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000
    width_mult : float, default 1.0
        Scales every channel count (rounded by :func:`make_divisible`).
    dropout : float, default 0.2
    inverted_residual_setting : sequence of (t, c, n, s), optional
    round_nearest : int, default 8

    Examples
    --------
    >>> half = MobileNetV2(num_classes=10, width_mult=0.5)
    >>> half.features[0][0].out_channels, half.classifier[1].in_features   # 32/2; 1280 kept
    (16, 1280)
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0,
                 inverted_residual_setting: Sequence[Sequence[int]] | None = None,
                 round_nearest: int = 8, dropout: float = 0.2) -> None:
        super().__init__()
        fn = "MobileNetV2"
        num_classes = positive_int(num_classes, "num_classes", fn)
        if inverted_residual_setting is None:
            inverted_residual_setting = [
                # t, c, n, s
                [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
            ]
        if not inverted_residual_setting or any(len(r) != 4 for r in inverted_residual_setting):
            raise ValueError(
                f"{fn}: inverted_residual_setting must be a non-empty list of (t, c, n, s), "
                f"got {inverted_residual_setting!r}"
            )
        input_channel = make_divisible(32 * width_mult, round_nearest)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult), round_nearest)
        with deferred_init():
            features: list[Module] = [
                Conv2dNormActivation(3, input_channel, stride=2, activation_layer=ReLU6)]
            for t, c, n, s in inverted_residual_setting:
                output_channel = make_divisible(c * width_mult, round_nearest)
                for i in range(n):
                    features.append(InvertedResidual(input_channel, output_channel,
                                                     s if i == 0 else 1, expand_ratio=t))
                    input_channel = output_channel
            features.append(Conv2dNormActivation(input_channel, self.last_channel,
                                                 kernel_size=1, activation_layer=ReLU6))
            self.features = Sequential(*features)
            self.classifier = Sequential(Dropout(p=dropout),
                                         Linear(self.last_channel, num_classes))
        init_weights(self, conv="kaiming_normal", linear="normal")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, 3, H, W) -> (N, num_classes)`` logits."""
        x = self.features(x)
        self.save_for_backward(x)
        x = adaptive_avg_pool2d(x, (1, 1))
        return self.classifier(flatten(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/d(input) and fill every parameter's gradient."""
        (feat,) = self.saved_tensors
        g = self.classifier.backward(grad_out).reshape(*feat.shape[:2], 1, 1)
        g = adaptive_avg_pool2d_backward(g, feat, (1, 1))
        return self.features.backward(g)


def mobilenet_v2(num_classes: int = 1000, width_mult: float = 1.0) -> MobileNetV2:
    """MobileNet-v2, 3,504,872 parameters for 1000 classes (torchvision's ``mobilenet_v2()``).

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000
    width_mult : float, default 1.0

    Returns
    -------
    MobileNetV2
        Input ``(N, 3, H, W)``, output ``(N, num_classes)``.

    Examples
    --------
    >>> model = mobilenet_v2()
    >>> model.features[1].conv[0][0].weight.shape       # features.1.conv.0.0.weight
    (32, 1, 3, 3)
    """
    return MobileNetV2(num_classes=num_classes, width_mult=width_mult)
