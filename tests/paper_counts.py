"""Parameter and multiply-accumulate counts of the classic networks, derived by hand.

Each count is written from the layer tables of the papers (LeNet-5: LeCun et
al. 1998, Fig. 2; AlexNet as torchvision builds it: Krizhevsky 2014, "One
weird trick"; VGG-16: Simonyan and Zisserman 2015, Table 1, column D;
ResNet: He et al. 2016, Table 1; MobileNet-v2: Sandler et al. 2018, Table 2;
EfficientNet-B0: Tan and Le 2019, Table 1), as plain arithmetic over the
layer shapes.  Nothing here looks at a cnnlib model, so the tests compare
the library against an independent derivation.  The totals also agree with
the numbers torchvision publishes for its models (``PUBLISHED``).

Conventions: a convolution followed by BatchNorm has no bias (torchvision's
ResNet, MobileNet and EfficientNet); BatchNorm has 2 parameters per channel.
"""

from __future__ import annotations

import functools
import time

import cnnlib
from cnnlib import models


def conv(c_in: int, c_out: int, k: int, bias: bool = True, groups: int = 1) -> int:
    """Weights ``c_out * (c_in / groups) * k * k``, plus ``c_out`` biases."""
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)


def bn(c: int) -> int:
    """gamma and beta per channel."""
    return 2 * c


def dense(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


# ---------------------------------------------------------------------- LeNet-5
def lenet5_params() -> int:
    # C1: 6 maps, 5x5 on 1 channel; C3: 16 maps, 5x5 on all 6 (full table);
    # C5: 120 maps, 5x5 on 16; F6: 120 -> 84; output: 84 -> 10
    return (6 * 25 + 6) + (16 * 6 * 25 + 16) + (120 * 16 * 25 + 120) + (120 * 84 + 84) \
        + (84 * 10 + 10)


# ---------------------------------------------------------------------- AlexNet
def alexnet_params() -> int:
    return (
        (64 * 3 * 11 * 11 + 64)          # conv1 11x11/4, 64
        + (192 * 64 * 5 * 5 + 192)       # conv2 5x5, 192
        + (384 * 192 * 3 * 3 + 384)      # conv3
        + (256 * 384 * 3 * 3 + 256)      # conv4
        + (256 * 256 * 3 * 3 + 256)      # conv5
        + (256 * 6 * 6 * 4096 + 4096)    # fc6 on the 6x6x256 map
        + (4096 * 4096 + 4096)           # fc7
        + (4096 * 1000 + 1000)           # fc8
    )


# ---------------------------------------------------------------------- VGG-16
VGG16_CONVS = [  # (c_in, c_out, spatial size of the output), configuration D
    (3, 64, 224), (64, 64, 224),
    (64, 128, 112), (128, 128, 112),
    (128, 256, 56), (256, 256, 56), (256, 256, 56),
    (256, 512, 28), (512, 512, 28), (512, 512, 28),
    (512, 512, 14), (512, 512, 14), (512, 512, 14),
]
VGG16_FCS = [(512 * 7 * 7, 4096), (4096, 4096), (4096, 1000)]


def vgg16_params() -> int:
    convs = sum(9 * c_in * c_out + c_out for c_in, c_out, _ in VGG16_CONVS)
    fcs = sum(n_in * n_out + n_out for n_in, n_out in VGG16_FCS)
    return convs + fcs


def vgg16_macs() -> int:
    convs = sum(9 * c_in * c_out * size * size for c_in, c_out, size in VGG16_CONVS)
    return convs + sum(n_in * n_out for n_in, n_out in VGG16_FCS)


# ---------------------------------------------------------------------- ResNet
def _basic(c_in: int, c: int, stride: int) -> int:
    total = conv(c_in, c, 3, bias=False) + bn(c) + conv(c, c, 3, bias=False) + bn(c)
    if stride != 1 or c_in != c:
        total += conv(c_in, c, 1, bias=False) + bn(c)
    return total


def _bottleneck(c_in: int, width: int, stride: int) -> int:
    out = 4 * width
    total = (conv(c_in, width, 1, bias=False) + bn(width)
             + conv(width, width, 3, bias=False) + bn(width)
             + conv(width, out, 1, bias=False) + bn(out))
    if stride != 1 or c_in != out:
        total += conv(c_in, out, 1, bias=False) + bn(out)
    return total


def _resnet(blocks: list[int], bottleneck: bool) -> int:
    total = conv(3, 64, 7, bias=False) + bn(64)        # conv1 7x7/2 + BN
    c_in = 64
    for stage, (width, n) in enumerate(zip([64, 128, 256, 512], blocks, strict=True)):
        for i in range(n):
            stride = 2 if stage > 0 and i == 0 else 1
            if bottleneck:
                total += _bottleneck(c_in, width, stride)
                c_in = 4 * width
            else:
                total += _basic(c_in, width, stride)
                c_in = width
    return total + dense(c_in, 1000)


def resnet18_params() -> int:
    return _resnet([2, 2, 2, 2], bottleneck=False)


def resnet50_params() -> int:
    return _resnet([3, 4, 6, 3], bottleneck=True)


# ---------------------------------------------------------------------- MobileNet-v2
MOBILENET_V2_TABLE = [  # (t, c, n, s), the paper's Table 2
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
]


def _inverted_residual(c_in: int, c_out: int, t: int) -> int:
    hidden = c_in * t
    total = 0
    if t != 1:
        total += conv(c_in, hidden, 1, bias=False) + bn(hidden)             # expand
    total += conv(hidden, hidden, 3, bias=False, groups=hidden) + bn(hidden)  # depthwise
    return total + conv(hidden, c_out, 1, bias=False) + bn(c_out)            # project


def mobilenet_v2_params() -> int:
    total = conv(3, 32, 3, bias=False) + bn(32)
    c_in = 32
    for t, c, n, _ in MOBILENET_V2_TABLE:
        for _ in range(n):
            total += _inverted_residual(c_in, c, t)
            c_in = c
    total += conv(c_in, 1280, 1, bias=False) + bn(1280)
    return total + dense(1280, 1000)


# ---------------------------------------------------------------------- EfficientNet-B0
EFFICIENTNET_B0_TABLE = [  # (expand, kernel, channels, layers), the paper's Table 1
    (1, 3, 16, 1), (6, 3, 24, 2), (6, 5, 40, 2), (6, 3, 80, 3),
    (6, 5, 112, 3), (6, 5, 192, 4), (6, 3, 320, 1),
]


def _mbconv(c_in: int, c_out: int, t: int, k: int) -> int:
    hidden = c_in * t
    squeeze = max(1, c_in // 4)                    # SE ratio 0.25 of the block's input
    total = 0
    if t != 1:
        total += conv(c_in, hidden, 1, bias=False) + bn(hidden)
    total += conv(hidden, hidden, k, bias=False, groups=hidden) + bn(hidden)
    total += conv(hidden, squeeze, 1) + conv(squeeze, hidden, 1)     # SE fc1, fc2 (biases)
    return total + conv(hidden, c_out, 1, bias=False) + bn(c_out)


def efficientnet_b0_params() -> int:
    total = conv(3, 32, 3, bias=False) + bn(32)
    c_in = 32
    for t, k, c, n in EFFICIENTNET_B0_TABLE:
        for _ in range(n):
            total += _mbconv(c_in, c, t, k)
            c_in = c
    total += conv(c_in, 1280, 1, bias=False) + bn(1280)
    return total + dense(1280, 1000)


HAND = {
    "lenet5": lenet5_params,
    "alexnet": alexnet_params,
    "vgg16": vgg16_params,
    "resnet18": resnet18_params,
    "resnet50": resnet50_params,
    "mobilenet_v2": mobilenet_v2_params,
    "efficientnet_b0": efficientnet_b0_params,
}

# torchvision's model documentation (the weights' meta data in torchvision
# 0.29.1's source): parameters, and "GFLOPS" = giga multiply-accumulates of
# convolutions and dense layers at 224x224.
PUBLISHED = {
    "alexnet": (61_100_840, 0.714),
    "vgg16": (138_357_544, 15.47),
    "resnet18": (11_689_512, 1.814),
    "resnet50": (25_557_032, 4.089),
    "mobilenet_v2": (3_504_872, 0.301),
    "efficientnet_b0": (5_288_548, 0.386),
}

INPUT = {"lenet5": (1, 1, 32, 32)}


BUILD_SECONDS: dict[str, float] = {}


@functools.cache
def shared_model(name: str) -> cnnlib.nn.Module:
    """One instance per model for the whole test session.  Read-only: do not modify it.

    The construction time is kept in ``BUILD_SECONDS[name]``.
    """
    cnnlib.manual_seed(0)
    start = time.perf_counter()
    model = getattr(models, name)()
    BUILD_SECONDS[name] = time.perf_counter() - start
    return model
