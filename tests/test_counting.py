"""cnnlib.counting: parameter and multiply-accumulate counts.

Expected values are hand-derived (the seeds' layers), or counted independently:
the size of a weight array that conv2d accepts, and -- for multiply-accumulates
-- the sum of a convolution of all-ones inputs with all-ones weights, in which
every output number equals the number of products that made it.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import conv2d, conv_output_size
from cnnlib.counting import (
    conv2d_macs,
    conv2d_parameters,
    linear_macs,
    linear_parameters,
    locally_connected_parameters,
)


def test_seed_layers_by_hand():
    # 002: 3x3 kernel, 3 -> 64 channels: (3*3*3 + 1) * 64 = 28 * 64
    assert conv2d_parameters(3, 64, 3) == 1792
    # 003: 7x7, 3 -> 64: 7*7*3*64 + 64 = 9408 + 64
    assert conv2d_parameters(3, 64, 7) == 9472
    assert conv2d_parameters(3, 64, 7, bias=False) == 9408
    # 002: a flattened 224x224x3 image into 1000 units: 150528 * 1000 weights + 1000 biases
    assert linear_parameters(224 * 224 * 3, 1000) == 150_529_000
    # 003: a dense layer between the stem's input and output tensors
    assert linear_parameters(150_528, 802_816, bias=False) == 120_846_286_848
    # 003: ResNet-50's classifier head, 2048 * 1000 + 1000
    assert linear_parameters(2048, 1000) == 2_049_000


@pytest.mark.parametrize(
    "c_in, c_out, kernel_size, groups",
    [(3, 5, (2, 4), 1), (4, 6, (3, 1), 2), (6, 6, 3, 6), (1, 2, 5, 1)],
)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_parameters_equal_the_arrays_conv2d_takes(c_in, c_out, kernel_size, groups, bias):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    weight = np.zeros((c_out, c_in // groups, kh, kw))
    b = np.zeros(c_out) if bias else None
    conv2d(np.zeros((1, c_in, 7, 8)), weight, b, groups=groups)   # conv2d accepts these shapes
    expected = weight.size + (b.size if bias else 0)
    assert conv2d_parameters(c_in, c_out, kernel_size, bias=bias, groups=groups) == expected


@pytest.mark.parametrize(
    "c_in, c_out, kernel_size, size, stride, groups",
    [(3, 4, (2, 3), (7, 9), (1, 2), 1), (4, 2, 3, (8, 8), 2, 2), (3, 3, (1, 4), (5, 6), 1, 3)],
)
def test_conv_macs_count_every_product(c_in, c_out, kernel_size, size, stride, groups):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    x = np.ones((1, c_in, *size))
    weight = np.ones((c_out, c_in // groups, kh, kw))
    products = conv2d(x, weight, stride=stride, groups=groups).sum()
    out = (conv_output_size(size[0], kh, sh), conv_output_size(size[1], kw, sw))
    assert conv2d_macs(c_in, c_out, kernel_size, out, groups=groups) == products


def test_resnet_stem_macs_by_hand():
    # 64 filters of 7*7*3 = 147 weights, at 112*112 = 12544 positions
    assert conv2d_macs(3, 64, 7, 112) == 64 * 147 * 12544 == 118_013_952


def test_locally_connected_is_one_filter_bank_per_position():
    # 4 x 5 output positions, each with its own (2, 3, 3, 2) filter bank and 2 biases
    assert locally_connected_parameters(3, 2, (3, 2), (4, 5)) == 20 * (2 * 3 * 3 * 2 + 2)
    assert locally_connected_parameters(3, 2, (3, 2), (4, 5), bias=False) == (
        20 * conv2d_parameters(3, 2, (3, 2), bias=False))
    # without sharing, every multiply-accumulate has its own weight
    assert locally_connected_parameters(3, 64, 7, 112, bias=False) == conv2d_macs(3, 64, 7, 112)
    with pytest.raises(ValueError, match="locally_connected_parameters: output_size"):
        locally_connected_parameters(3, 2, 3, 0)


def test_linear_counts_equal_a_matrix_product():
    x, w = np.ones(13), np.ones((13, 5))
    assert linear_macs(13, 5) == (x @ w).sum() == 65
    assert linear_parameters(13, 5) == w.size + 5
    assert linear_parameters(13, 5, bias=False) == w.size


def test_counts_are_exact_python_ints_for_huge_layers():
    n = linear_parameters(4000 * 4000 * 3, 4000 * 4000 * 3, bias=False)
    assert isinstance(n, int) and n == (48_000_000) ** 2


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: conv2d_parameters(0, 4, 3), "c_in"),
        (lambda: conv2d_parameters(3, 4, (3, 0)), "kernel_size"),
        (lambda: conv2d_parameters(4, 6, 3, groups=4), "groups=4 must divide c_out=6"),
        (lambda: conv2d_parameters(3, 6, 3, groups=2), "groups=2 must divide c_in=3"),
        (lambda: linear_parameters(10, -1), "out_features"),
        (lambda: conv2d_macs(3, 4, 3, (5, 0)), "output_size"),
        (lambda: linear_macs(0, 3), "in_features"),
    ],
)
def test_bad_values_raise_value_error_naming_the_argument(call, words):
    with pytest.raises(ValueError, match=words):
        call()


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: conv2d_parameters(3.0, 4, 3), "c_in must be an int"),
        (lambda: conv2d_parameters(3, 4, 3, bias=1), "bias must be True or False"),
        (lambda: linear_parameters(3, 4, bias="yes"), "bias must be True or False"),
        (lambda: linear_macs(True, 3), "in_features must be an int"),
    ],
)
def test_wrong_types_raise_type_error(call, words):
    with pytest.raises(TypeError, match=words):
        call()
