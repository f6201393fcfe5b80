"""The plain stacks: LeNet-5, AlexNet and VGG-16.

Each is a ``features`` stack of convolutions, activations and poolings,
then a flatten and a ``classifier`` of dense layers -- the pattern
Conv -> ReLU -> Pool, repeated, that the early chapters build by hand.
AlexNet and VGG-16 have torchvision's module tree and parameter names
(``features.0.weight``, ``classifier.1.weight``, ...); LeNet-5 is not in
torchvision and is defined here in the same style.  Introduced in the
chapter "Architectures".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validate import positive_int
from ..nn import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    Conv2d,
    Dropout,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    Tanh,
)
from ._init import deferred_init, init_weights
from ._shapes import flatten

__all__ = ["AlexNet", "LeNet5", "VGG", "alexnet", "lenet5", "vgg16"]


class _FeaturesClassifier(Module):
    """``features`` -> ``avgpool`` (if any) -> flatten -> ``classifier``, with backward."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C, H, W) -> (N, num_classes)`` logits."""
        x = self.features(x)
        if "avgpool" in self._modules:
            x = self.avgpool(x)
        self.save_for_backward(x.shape)
        return self.classifier(flatten(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/d(input) and fill every parameter's gradient."""
        (shape,) = self.saved_tensors
        g = self.classifier.backward(grad_out).reshape(shape)
        if "avgpool" in self._modules:
            g = self.avgpool.backward(g)
        return self.features.backward(g)


class LeNet5(_FeaturesClassifier):
    """LeNet-5 (LeCun et al., 1998), as most courses build it today.

    The variant (input ``(N, 1, 32, 32)``)::

        features.0  Conv2d(1, 6, 5)      -> (6, 28, 28)     C1:    156 parameters
        features.1  Tanh (or ReLU)
        features.2  AvgPool2d(2)         -> (6, 14, 14)     S2
        features.3  Conv2d(6, 16, 5)     -> (16, 10, 10)    C3:  2,416
        features.4  Tanh
        features.5  AvgPool2d(2)         -> (16, 5, 5)      S4
        features.6  Conv2d(16, 120, 5)   -> (120, 1, 1)     C5: 48,120
        features.7  Tanh
        (flatten)                        -> (120,)
        classifier.0  Linear(120, 84)                       F6: 10,164
        classifier.1  Tanh
        classifier.2  Linear(84, num_classes)               output: 850

    61,706 parameters for 10 classes.  Where it differs from the 1998
    paper (60,840 trainable parameters): C3 connects every S2 map to every
    C3 map (the paper's sparse connection table gave 1,516 parameters, not
    2,416); S2 and S4 are plain average pools (the paper's had a trainable
    coefficient and bias per map, 12 and 32 parameters, and a squashing
    function); the activation is plain ``tanh`` (the paper's was
    ``1.7159 tanh(2a/3)``); and the output is a linear layer read by
    softmax cross-entropy instead of 84-input Euclidean RBF units (840
    fixed-by-design parameters).

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 10
    activation : {'tanh', 'relu'}, default 'tanh'
        ``'relu'`` swaps every Tanh for a ReLU (the modern habit).

    Examples
    --------
    >>> LeNet5(activation="relu").features[1]
    ReLU()
    """

    def __init__(self, num_classes: int = 10, activation: str = "tanh") -> None:
        super().__init__()
        fn = "LeNet5"
        num_classes = positive_int(num_classes, "num_classes", fn)
        if activation not in ("tanh", "relu"):
            raise ValueError(f"{fn}: activation must be 'tanh' or 'relu', got {activation!r}")
        act = Tanh if activation == "tanh" else ReLU
        self.activation = activation
        self.features = Sequential(
            Conv2d(1, 6, 5), act(), AvgPool2d(2),
            Conv2d(6, 16, 5), act(), AvgPool2d(2),
            Conv2d(16, 120, 5), act(),
        )
        self.classifier = Sequential(Linear(120, 84), act(), Linear(84, num_classes))


class AlexNet(_FeaturesClassifier):
    """AlexNet as torchvision builds it (the single-GPU "one weird trick" variant).

    ``features``: Conv 11x11/4 (64) - ReLU - MaxPool 3/2 - Conv 5x5 (192) -
    ReLU - MaxPool 3/2 - Conv 3x3 (384) - ReLU - Conv 3x3 (256) - ReLU -
    Conv 3x3 (256) - ReLU - MaxPool 3/2; ``avgpool``: adaptive to 6x6;
    ``classifier``: Dropout - Linear(9216, 4096) - ReLU - Dropout -
    Linear(4096, 4096) - ReLU - Linear(4096, num_classes).  (The 2012
    paper's two-GPU network had 96, 256, 384, 384, 256 filters.)

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000
    dropout : float, default 0.5
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        num_classes = positive_int(num_classes, "num_classes", "AlexNet")
        with deferred_init():
            self.features = Sequential(
                Conv2d(3, 64, 11, stride=4, padding=2), ReLU(), MaxPool2d(3, stride=2),
                Conv2d(64, 192, 5, padding=2), ReLU(), MaxPool2d(3, stride=2),
                Conv2d(192, 384, 3, padding=1), ReLU(),
                Conv2d(384, 256, 3, padding=1), ReLU(),
                Conv2d(256, 256, 3, padding=1), ReLU(), MaxPool2d(3, stride=2),
            )
            self.avgpool = AdaptiveAvgPool2d((6, 6))
            self.classifier = Sequential(
                Dropout(p=dropout), Linear(256 * 6 * 6, 4096), ReLU(),
                Dropout(p=dropout), Linear(4096, 4096), ReLU(),
                Linear(4096, num_classes),
            )
        init_weights(self, conv="default", linear="default")


VGG16_CONFIG: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
                                 512, 512, 512, "M", 512, 512, 512, "M"]


def make_layers(cfg: Sequence[int | str]) -> Sequential:
    """VGG's ``features``: each int a 3x3 convolution (padding 1) + ReLU, each 'M' a 2x2 max pool.

    Examples
    --------
    >>> make_layers([8, "M"])
    Sequential(
      (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
      (1): ReLU()
      (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    )
    """
    layers: list[Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [Conv2d(in_channels, int(v), 3, padding=1), ReLU()]
            in_channels = int(v)
    return Sequential(*layers)


class VGG(_FeaturesClassifier):
    """VGG as torchvision builds it: ``features``, ``avgpool`` (adaptive 7x7), ``classifier``.

    ``classifier``: Linear(25088, 4096) - ReLU - Dropout - Linear(4096, 4096)
    - ReLU - Dropout - Linear(4096, num_classes).  Weights as torchvision:
    convolutions He-normal (fan-out) with zero biases, dense layers
    N(0, 0.01^2) with zero biases, all drawn in float32.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    features : Sequential
        From :func:`make_layers`.
    num_classes : int, default 1000
    dropout : float, default 0.5
    """

    def __init__(self, features: Sequential, num_classes: int = 1000,
                 dropout: float = 0.5) -> None:
        super().__init__()
        num_classes = positive_int(num_classes, "num_classes", "VGG")
        with deferred_init():
            self.features = features
            self.avgpool = AdaptiveAvgPool2d((7, 7))
            self.classifier = Sequential(
                Linear(512 * 7 * 7, 4096), ReLU(), Dropout(p=dropout),
                Linear(4096, 4096), ReLU(), Dropout(p=dropout),
                Linear(4096, num_classes),
            )
        init_weights(self, conv="kaiming_normal", linear="normal")


def lenet5(num_classes: int = 10, activation: str = "tanh") -> LeNet5:
    """LeNet-5 for ``(N, 1, 32, 32)`` inputs, 61,706 parameters for 10 classes.

    See :class:`LeNet5` for the layers and how they differ from the paper.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 10
    activation : {'tanh', 'relu'}, default 'tanh'

    Returns
    -------
    LeNet5
        Input ``(N, 1, 32, 32)``, output ``(N, num_classes)``.

    Examples
    --------
    >>> model = lenet5()
    >>> model(np.zeros((2, 1, 32, 32), dtype=np.float32)).shape
    (2, 10)
    >>> sum(p.size for p in model.parameters())
    61706
    """
    return LeNet5(num_classes=num_classes, activation=activation)


def alexnet(num_classes: int = 1000, dropout: float = 0.5) -> AlexNet:
    """AlexNet, 61,100,840 parameters for 1000 classes (torchvision's ``alexnet()``).

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000
    dropout : float, default 0.5

    Returns
    -------
    AlexNet
        Input ``(N, 3, H, W)`` (224x224; at least 63x63), output ``(N, num_classes)``.

    Examples
    --------
    >>> alexnet(num_classes=10).classifier[6]
    Linear(in_features=4096, out_features=10, bias=True)
    """
    return AlexNet(num_classes=num_classes, dropout=dropout)


def vgg16(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-16 (configuration D): torchvision's ``vgg16()``, 138,357,544 parameters.

    Thirteen 3x3 convolutions in five blocks (64, 128, 256, 512, 512
    channels), each block closed by a 2x2 max pool, then three dense layers.
    Building it allocates 138 million float32 weights (553 MB); they are
    drawn once, in float32, so construction takes seconds.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    num_classes : int, default 1000
    dropout : float, default 0.5

    Returns
    -------
    VGG
        Input ``(N, 3, H, W)`` (224x224; at least 32x32), output ``(N, num_classes)``.
    """
    with deferred_init():
        features = make_layers(VGG16_CONFIG)
    return VGG(features, num_classes=num_classes, dropout=dropout)
