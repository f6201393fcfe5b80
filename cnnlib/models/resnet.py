"""Residual networks (He et al., 2016) with torchvision's module tree and parameter names.

A residual block computes ``relu(F(x) + shortcut(x))``.  The shortcut is the
identity, or -- when the block changes the resolution or the channel count --
a 1x1 convolution with BatchNorm (``downsample.0``, ``downsample.1``).  In the
backward pass the addition copies the gradient to both paths and the input
collects the sum, ``dL/dx = dL/dy (dF/dx + dshortcut/dx)``: the ``+ 1`` of
the identity is what lets gradients reach the first layers of a deep
network.

``BasicBlock`` (two 3x3 convolutions) builds ResNet-18/34; ``Bottleneck``
(1x1 down, 3x3, 1x1 up by 4) builds ResNet-50/101/152, in torchvision's
"v1.5" form with the stride in the 3x3 convolution.  Introduced in the
chapter "Architectures".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validate import as_array, check_ndim, positive_int
from ..nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    no_grad,
)
from ._init import deferred_init, init_weights
from ._shapes import flatten

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "conv1x1", "conv3x3", "resnet18", "resnet50"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1,
            dilation: int = 1) -> Conv2d:
    """3x3 convolution with padding ``dilation`` and no bias (torchvision's helper)."""
    return Conv2d(in_planes, out_planes, 3, stride=stride, padding=dilation, groups=groups,
                  bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """1x1 convolution with no bias (torchvision's helper)."""
    return Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)


def _check_x(x: object, channels: int, fn: str) -> np.ndarray:
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    if x.shape[1] != channels:
        raise ValueError(
            f"{fn}: expected x with {channels} channels, got {x.shape[1]} "
            f"(x.shape={tuple(x.shape)})"
        )
    return x


class BasicBlock(Module):
    """Two 3x3 convolutions and a shortcut: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + x)``.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    inplanes : int
        Input channels.
    planes : int
        Output channels (``expansion = 1``).
    stride : int, default 1
        Stride of ``conv1``; 2 halves the resolution.
    downsample : Module, optional
        The shortcut when the shape changes: torchvision's
        ``Sequential(conv1x1(inplanes, planes, stride), BatchNorm2d(planes))``.
        None means the identity, which needs ``stride == 1`` and
        ``inplanes == planes``.

    Notes
    -----
    ``self.relu`` is applied twice, as in torchvision (after ``bn1`` and after
    the addition).  Each call of a module keeps its own cache, so the
    backward pass calls ``self.relu.backward`` twice, in the reverse order:
    first for the ReLU after the addition, then for the one after ``bn1``.

    Examples
    --------
    >>> block = BasicBlock(4, 4)
    >>> [k for k in block.state_dict() if k.endswith("weight")]
    ['conv1.weight', 'bn1.weight', 'conv2.weight', 'bn2.weight']
    >>> x = np.ones((1, 4, 6, 6), dtype=np.float32)
    >>> block(x).shape, block.backward(np.ones((1, 4, 6, 6))).shape
    ((1, 4, 6, 6), (1, 4, 6, 6))
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None) -> None:
        super().__init__()
        fn = "BasicBlock"
        inplanes = positive_int(inplanes, "inplanes", fn)
        planes = positive_int(planes, "planes", fn)
        stride = positive_int(stride, "stride", fn)
        if downsample is None and (stride != 1 or inplanes != planes):
            raise ValueError(
                f"{fn}: stride={stride}, inplanes={inplanes}, planes={planes} change the shape, "
                "so the shortcut needs a downsample module (conv1x1 + BatchNorm2d)"
            )
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = BatchNorm2d(planes)
        self.relu = ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride
        self.inplanes = inplanes

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, inplanes, H, W) -> (N, planes, H / stride, W / stride)``."""
        x = _check_x(x, self.inplanes, "BasicBlock")
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx, the sum of the residual path's and the shortcut's gradients."""
        g = self.relu.backward(grad_out)          # through the final ReLU (its last call)
        # the addition sends g unchanged down both paths
        g_short = g if self.downsample is None else self.downsample.backward(g)
        g_main = self.conv1.backward(self.bn1.backward(self.relu.backward(
            self.conv2.backward(self.bn2.backward(g)))))
        return g_main + g_short


class Bottleneck(Module):
    """1x1 reduce, 3x3, 1x1 expand (x4), plus a shortcut: ResNet-50's block.

    ``width = planes`` channels inside, ``planes * 4`` out.  The stride sits
    in the 3x3 ``conv2`` (torchvision's "ResNet v1.5"; the paper's v1 put it
    in ``conv1``), which costs a little more and is more accurate.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    inplanes : int
        Input channels.
    planes : int
        Inner width; the output has ``planes * expansion = 4 * planes`` channels.
    stride : int, default 1
    downsample : Module, optional
        torchvision's ``Sequential(conv1x1(inplanes, 4 * planes, stride),
        BatchNorm2d(4 * planes))`` when the shape changes; None for the identity.

    Examples
    --------
    >>> from cnnlib.nn import BatchNorm2d, Sequential
    >>> down = Sequential(conv1x1(8, 16, 2), BatchNorm2d(16))
    >>> block = Bottleneck(8, 4, stride=2, downsample=down)
    >>> block(np.ones((1, 8, 6, 6), dtype=np.float32)).shape
    (1, 16, 3, 3)
    >>> "downsample.1.running_var" in block.state_dict()
    True
    """

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None) -> None:
        super().__init__()
        fn = "Bottleneck"
        inplanes = positive_int(inplanes, "inplanes", fn)
        planes = positive_int(planes, "planes", fn)
        stride = positive_int(stride, "stride", fn)
        out = planes * self.expansion
        if downsample is None and (stride != 1 or inplanes != out):
            raise ValueError(
                f"{fn}: stride={stride}, inplanes={inplanes}, planes*4={out} change the shape, "
                "so the shortcut needs a downsample module (conv1x1 + BatchNorm2d)"
            )
        width = planes
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride)
        self.bn2 = BatchNorm2d(width)
        self.conv3 = conv1x1(width, out)
        self.bn3 = BatchNorm2d(out)
        self.relu = ReLU()
        self.downsample = downsample
        self.stride = stride
        self.inplanes = inplanes

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, inplanes, H, W) -> (N, 4 * planes, H / stride, W / stride)``."""
        x = _check_x(x, self.inplanes, "Bottleneck")
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx, the sum of the residual path's and the shortcut's gradients.

        ``self.relu`` ran three times; its backward calls come in the reverse order.
        """
        g = self.relu.backward(grad_out)
        g_short = g if self.downsample is None else self.downsample.backward(g)
        h = self.relu.backward(self.conv3.backward(self.bn3.backward(g)))
        h = self.relu.backward(self.conv2.backward(self.bn2.backward(h)))
        g_main = self.conv1.backward(self.bn1.backward(h))
        return g_main + g_short


class ResNet(Module):
    """A residual network with torchvision's layout: stem, four stages, pool, ``fc``.

    ``conv1`` (7x7, stride 2) -> ``bn1`` -> ``relu`` -> ``maxpool`` (3x3,
    stride 2) -> ``layer1`` .. ``layer4`` (64, 128, 256, 512 planes; the
    first block of stages 2-4 has stride 2) -> ``avgpool`` (global) ->
    flatten -> ``fc``.  A 224x224 image ends as a 7x7 map.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    block : BasicBlock or Bottleneck (the class)
    layers : sequence of 4 ints
        Blocks per stage: ``[2, 2, 2, 2]`` is ResNet-18, ``[3, 4, 6, 3]``
        with Bottleneck is ResNet-50.
    num_classes : int, default 1000
    zero_init_residual : bool, default False
        Start each block's last BatchNorm at weight 0, so every block starts
        as the identity (torchvision's option).

    Weights are initialised as torchvision does: convolutions He-normal
    (fan-out), BatchNorm 1 and 0, ``fc`` PyTorch's default uniform.

    Examples
    --------
    >>> tiny = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10)     # a ResNet-10
    >>> tiny.eval()(np.zeros((2, 3, 32, 32), dtype=np.float32)).shape
    (2, 10)
    """

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: Sequence[int],
                 num_classes: int = 1000, zero_init_residual: bool = False) -> None:
        super().__init__()
        fn = "ResNet"
        if block not in (BasicBlock, Bottleneck):
            raise TypeError(f"{fn}: block must be BasicBlock or Bottleneck, got {block!r}")
        if len(layers) != 4:
            raise ValueError(f"{fn}: layers must hold 4 block counts, got {list(layers)}")
        counts = [positive_int(n, f"layers[{i}]", fn) for i, n in enumerate(layers)]
        num_classes = positive_int(num_classes, "num_classes", fn)
        with deferred_init():
            self.inplanes = 64
            self.conv1 = Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
            self.bn1 = BatchNorm2d(64)
            self.relu = ReLU()
            self.maxpool = MaxPool2d(3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, 64, counts[0])
            self.layer2 = self._make_layer(block, 128, counts[1], stride=2)
            self.layer3 = self._make_layer(block, 256, counts[2], stride=2)
            self.layer4 = self._make_layer(block, 512, counts[3], stride=2)
            self.avgpool = AdaptiveAvgPool2d((1, 1))
            self.fc = Linear(512 * block.expansion, num_classes)
        init_weights(self, conv="kaiming_normal", linear="default")
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    m.bn3.weight.data[...] = 0
                elif isinstance(m, BasicBlock):
                    m.bn2.weight.data[...] = 0

    def _make_layer(self, block: type[BasicBlock] | type[Bottleneck], planes: int,
                    blocks: int, stride: int = 1) -> Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return Sequential(*layers)

    def feature_maps(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The activations after the stem and after each stage, for looking at.

        Parameters
        ----------
        x : ndarray, shape (N, 3, H, W)

        Returns
        -------
        dict of str to ndarray
            ``'relu'`` (after conv1, bn1, relu: (N, 64, H/2, W/2)),
            ``'maxpool'`` (N, 64, H/4, W/4), then ``'layer1'`` .. ``'layer4'``
            ((N, 64 * e, H/4, W/4) .. (N, 512 * e, H/32, W/32), ``e`` the
            block's expansion).  Named after the module that produced them.
            The layers run under :class:`cnnlib.no_grad`: maps are for
            looking at, so nothing is kept for a backward pass.

        Examples
        --------
        >>> maps = resnet18().eval().feature_maps(np.zeros((1, 3, 64, 64), dtype=np.float32))
        >>> {name: a.shape[1:] for name, a in maps.items()}     # doctest: +NORMALIZE_WHITESPACE
        {'relu': (64, 32, 32), 'maxpool': (64, 16, 16), 'layer1': (64, 16, 16),
         'layer2': (128, 8, 8), 'layer3': (256, 4, 4), 'layer4': (512, 2, 2)}
        """
        x = _check_x(x, 3, "ResNet.feature_maps")
        maps: dict[str, np.ndarray] = {}
        with no_grad():
            x = maps["relu"] = self.relu(self.bn1(self.conv1(x)))
            x = maps["maxpool"] = self.maxpool(x)
            for name in ("layer1", "layer2", "layer3", "layer4"):
                x = maps[name] = getattr(self, name)(x)
        return maps

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, 3, H, W) -> (N, num_classes)`` logits."""
        x = _check_x(x, 3, "ResNet")
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)
        self.save_for_backward(x.shape)
        return self.fc(flatten(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/d(input) and fill every parameter's gradient."""
        (shape,) = self.saved_tensors
        g = self.avgpool.backward(self.fc.backward(grad_out).reshape(shape))
        g = self.layer1.backward(self.layer2.backward(self.layer3.backward(
            self.layer4.backward(g))))
        return self.conv1.backward(self.bn1.backward(self.relu.backward(
            self.maxpool.backward(g))))


def resnet18(num_classes: int = 1000) -> ResNet:
    """ResNet-18: BasicBlocks ``[2, 2, 2, 2]``, 11,689,512 parameters for 1000 classes.

    torchvision's ``resnet18()``: same modules, names and ``state_dict`` keys
    (``layer2.0.downsample.1.running_var``, ...), so its weights, converted to
    NumPy arrays, load with ``load_state_dict``.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000

    Returns
    -------
    ResNet
        Input ``(N, 3, H, W)`` (224x224 for ImageNet; any size from 32 up
        works), output ``(N, num_classes)``.

    Examples
    --------
    >>> model = resnet18(num_classes=10)
    >>> model.eval()(np.zeros((1, 3, 64, 64), dtype=np.float32)).shape
    (1, 10)
    """
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes)


def resnet50(num_classes: int = 1000) -> ResNet:
    """ResNet-50 (v1.5): Bottlenecks ``[3, 4, 6, 3]``, 25,557,032 parameters for 1000 classes.

    torchvision's ``resnet50()``: the stride of each stage's first block sits
    in its 3x3 convolution.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000

    Returns
    -------
    ResNet
        Input ``(N, 3, H, W)``, output ``(N, num_classes)``.

    Examples
    --------
    >>> model = resnet50()
    >>> model.layer1[0].conv2.weight.shape, model.fc.weight.shape
    ((64, 64, 3, 3), (1000, 2048))
    """
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes)
