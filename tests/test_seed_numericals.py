"""Every worked numerical in the source notes that cnnlib's functional core computes.

The inputs are the notes' inputs; every expected value below was derived by
hand from them (the derivation is the comment above each literal), not copied
from the notes' answers and not taken from cnnlib's output.  Where a note
states a wrong or loosely labelled number, the test asserts the right one and
says what the note got wrong.

Seeds: 000 (two Conv -> ReLU -> MaxPool pipelines), 001 (a 3x3 patch, 4x4 max
and average pooling, output sizes), 002 (3x3-by-2x2 correlation and its three
gradients, pooling, output sizes, 1,792 parameters, a layer stack), 003 (9,472
parameters, pooling example and shapes, depthwise-separable cost, global
average pooling head), 004 (TinyCNN's shapes and 114 parameters).
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import (
    avg_pool2d,
    avg_pool2d_backward,
    conv2d,
    conv2d_backward,
    conv2d_naive,
    conv_output_size,
    corr2d,
    global_avg_pool2d,
    max_pool2d,
    max_pool2d_backward,
    relu,
    relu_backward,
)


def nchw(a):
    """A 2-D grid as a (1, 1, H, W) batch."""
    return np.asarray(a)[None, None]


# --------------------------------------------------------------------------
# Seed 000, numerical 1: 5x5 input, vertical-edge kernel, 2x2 max pool stride 1
# --------------------------------------------------------------------------

INP1 = np.array(
    [
        [1, 2, 3, 0, 1],
        [4, 5, 6, 1, 2],
        [7, 8, 9, 0, 3],
        [2, 1, 0, 4, 5],
        [6, 3, 2, 1, 0],
    ]
)
K1 = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])

# FM[i, j] = sum over the 3 rows r of (x[r, j] - x[r, j + 2]):
#   row 0: (1-3)+(4-6)+(7-9) = -6, (2-0)+(5-1)+(8-0) = 14, (3-1)+(6-2)+(9-3) = 12
#   row 1: (4-6)+(7-9)+(2-0) = -2, (5-1)+(8-0)+(1-4) = 9,  (6-2)+(9-3)+(0-5) = 5
#   row 2: (7-9)+(2-0)+(6-2) = 4,  (8-0)+(1-4)+(3-1) = 7,  (9-3)+(0-5)+(2-0) = 3
FM1 = np.array([[-6, 14, 12], [-2, 9, 5], [4, 7, 3]], dtype=float)
# ReLU zeroes the two negatives (-6 and -2).
R1 = np.array([[0, 14, 12], [0, 9, 5], [4, 7, 3]], dtype=float)
# 2x2 windows, stride 1: max(0,14,0,9), max(14,12,9,5) / max(0,9,4,7), max(9,5,7,3).
P1 = np.array([[14, 14], [9, 9]], dtype=float)


@pytest.mark.parametrize("conv", [conv2d, conv2d_naive], ids=["conv2d", "conv2d_naive"])
def test_seed000_numerical1_pipeline(conv):
    fm = conv(nchw(INP1), nchw(K1))
    np.testing.assert_array_equal(fm[0, 0], FM1)
    r = relu(fm)
    np.testing.assert_array_equal(r[0, 0], R1)
    p = max_pool2d(r, 2, stride=1)
    np.testing.assert_array_equal(p[0, 0], P1)
    # output size of the pool as the note computes it: floor((3 - 2) / 1) + 1 = 2
    assert conv_output_size(3, 2, stride=1) == 2


def test_seed000_numerical1_corr2d():
    np.testing.assert_array_equal(corr2d(INP1, K1), FM1)


# --------------------------------------------------------------------------
# Seed 000, numerical 2: 4x4 input, sharpening kernel, 2x2 max pool stride 2
# --------------------------------------------------------------------------

INP2 = np.array([[2, 4, 1, 3], [5, 8, 2, 6], [1, 3, 7, 4], [0, 2, 5, 9]])
K2 = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])

# FM[i, j] = 5 * centre - (up + down + left + right), centre = x[i+1, j+1]:
#   [0,0]: 5*8 - (4+3+5+2) = 26    [0,1]: 5*2 - (1+7+8+6) = -12
#   [1,0]: 5*3 - (8+2+1+7) = -3    [1,1]: 5*7 - (2+5+3+4) = 21
FM2 = np.array([[26, -12], [-3, 21]], dtype=float)
R2 = np.array([[26, 0], [0, 21]], dtype=float)  # the two negatives become 0
P2 = np.array([[26]], dtype=float)  # one 2x2 window: max(26, 0, 0, 21)


@pytest.mark.parametrize("conv", [conv2d, conv2d_naive], ids=["conv2d", "conv2d_naive"])
def test_seed000_numerical2_pipeline(conv):
    fm = conv(nchw(INP2), nchw(K2))
    np.testing.assert_array_equal(fm[0, 0], FM2)
    r = relu(fm)
    np.testing.assert_array_equal(r[0, 0], R2)
    p = max_pool2d(r, 2, stride=2)
    np.testing.assert_array_equal(p[0, 0], P2)
    # floor((2 - 2) / 2) + 1 = 1: a single output
    assert conv_output_size(2, 2, stride=2) == 1


def test_seed000_both_pipelines_as_one_batch_of_two_channels():
    # The two numericals side by side: groups=2 keeps each kernel on its own image.
    # INP2 is padded with a zero row and column at the bottom/right to 5x5; the
    # sharpening kernel's 4 valid outputs are then the top-left 2x2 of a 3x3 map.
    x = np.stack([INP1, np.pad(INP2, ((0, 1), (0, 1)))])[None].astype(float)
    w = np.stack([K1, K2])[:, None].astype(float)
    out = max_pool2d(relu(conv2d(x, w, groups=2)), 2, stride=1)
    np.testing.assert_array_equal(out[0, 0], P1)
    assert out[0, 1, 0, 0] == 26  # max of ReLU(FM2) sits in the first window


# --------------------------------------------------------------------------
# Seed 001: one 3x3 patch, 4x4 pooling example, output sizes
# --------------------------------------------------------------------------


def test_seed001_patch_times_vertical_edge_filter():
    # rows: (1*1 + 2*0 + 0*-1) + (0*1 + 1*0 + 3*-1) + (2*1 + 3*0 + 1*-1) = 1 - 3 + 1 = -1
    # (the note writes out the three row sums but its total is lost in extraction)
    patch = np.array([[1, 2, 0], [0, 1, 3], [2, 3, 1]])
    filt = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    np.testing.assert_array_equal(corr2d(patch, filt), [[-1.0]])
    np.testing.assert_array_equal(conv2d(nchw(patch), nchw(filt)), [[[[-1.0]]]])


SEED001_POOL = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [3, 2, 7, 8], [1, 0, 3, 4]], dtype=float)


def test_seed001_max_pooling():
    # 2x2 blocks: max(1,3,5,6)=6, max(2,4,1,2)=4 / max(3,2,1,0)=3, max(7,8,3,4)=8
    np.testing.assert_array_equal(
        max_pool2d(nchw(SEED001_POOL), 2, stride=2)[0, 0], [[6, 4], [3, 8]]
    )


def test_seed001_average_pooling():
    # (1+3+5+6)/4 = 15/4, (2+4+1+2)/4 = 9/4 / (3+2+1+0)/4 = 6/4, (7+8+3+4)/4 = 22/4
    np.testing.assert_array_equal(
        avg_pool2d(nchw(SEED001_POOL), 2, stride=2)[0, 0], [[3.75, 2.25], [1.5, 5.5]]
    )


def test_seed001_global_average_pooling_of_the_example():
    # all 16 values sum to 52 (15 + 9 + 6 + 22), so the global average is 52 / 16 = 3.25
    np.testing.assert_array_equal(global_avg_pool2d(nchw(SEED001_POOL)), [[3.25]])


def test_seed001_output_sizes():
    assert conv_output_size(5, 3) == 3  # 5x5 input, 3x3 filter, no padding -> 3x3
    assert conv_output_size(5, 3, padding=1) == 5  # with one ring of zeros -> 5x5
    # the 3x3 map from a 5x5 image, computed
    assert conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))).shape == (1, 1, 3, 3)
    assert conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding=1).shape == (1, 1, 5, 5)


def test_seed001_filters_and_depth():
    # RGB input (3 channels), 4 filters of 3x3x3: 4 output feature maps; the filter depth
    # must equal the input depth.  Spatial size with no padding: 32 - 3 + 1 = 30.
    out = conv2d(np.zeros((1, 3, 32, 32)), np.zeros((4, 3, 3, 3)))
    assert out.shape == (1, 4, 30, 30)
    # 32 maps in -> each next-layer filter has depth 32
    assert conv2d(np.zeros((1, 32, 5, 5)), np.zeros((8, 32, 3, 3))).shape == (1, 8, 3, 3)


def test_seed001_flatten_and_gap_lengths():
    # a 4x4 map with 512 channels flattens to 4 * 4 * 512 = 8192 values
    x = np.zeros((1, 512, 4, 4))
    assert x.reshape(1, -1).shape[1] == 8192
    # global average pooling reduces each of the 512 maps to one number
    assert global_avg_pool2d(x).shape == (1, 512)


# --------------------------------------------------------------------------
# Seed 002: the 3x3-by-2x2 example and its backward pass
# --------------------------------------------------------------------------

X002 = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]], dtype=float)
K002 = np.array([[1, 0], [0, -1]], dtype=float)
G002 = np.array([[1, 2], [0, -1]], dtype=float)  # dL/dS given in the note


def test_seed002_forward():
    # S(i, j) = X(i, j) - X(i+1, j+1): 1-1, 2-3 / 0-1, 1-1
    want = np.array([[0, -1], [-1, 0]], dtype=float)
    np.testing.assert_array_equal(corr2d(X002, K002), want)
    np.testing.assert_array_equal(conv2d(nchw(X002), nchw(K002))[0, 0], want)
    np.testing.assert_array_equal(conv2d_naive(nchw(X002), nchw(K002))[0, 0], want)
    # output size: floor((3 - 2 + 0) / 1) + 1 = 2
    assert conv_output_size(3, 2) == 2


def test_seed002_forward_with_bias():
    # b is added to every output: S + 0.5
    got = conv2d(nchw(X002), nchw(K002), np.array([0.5]))
    np.testing.assert_array_equal(got[0, 0], [[0.5, -0.5], [-0.5, 0.5]])


def test_seed002_backward():
    grad_x, grad_k, grad_b = conv2d_backward(nchw(G002), nchw(X002), nchw(K002))
    # dL/dK(m, n) = sum_ij g_ij X(i+m, j+n), the 2x2 block of X at offset (m, n):
    #   (0,0): 1*1 + 2*2 + 0*0 - 1*1 = 4     (0,1): 1*2 + 2*0 + 0*1 - 1*3 = -1
    #   (1,0): 1*0 + 2*1 + 0*2 - 1*1 = 1     (1,1): 1*1 + 2*3 + 0*1 - 1*1 = 6
    np.testing.assert_array_equal(grad_k[0, 0], [[4, -1], [1, 6]])
    # dL/db = 1 + 2 + 0 - 1 = 2
    np.testing.assert_array_equal(grad_b, [2.0])
    # dL/dX(i, j) = g(i, j) * K(0,0) + g(i-1, j-1) * K(1,1) = g(i, j) - g(i-1, j-1),
    # g = 0 outside its 2x2 grid:
    #   row 0: 1-0, 2-0, 0-0;  row 1: 0-0, -1-1, 0-2;  row 2: 0-0, 0-0, 0-(-1)
    np.testing.assert_array_equal(grad_x[0, 0], [[1, 2, 0], [0, -2, -2], [0, 0, 1]])


def test_seed002_backward_slow_check_of_x11():
    # X(1,1) meets K(1,1) = -1 in S(0,0) and K(0,0) = 1 in S(1,1): 1*(-1) + (-1)*1 = -2
    grad_x, _, _ = conv2d_backward(nchw(G002), nchw(X002), nchw(K002))
    assert grad_x[0, 0, 1, 1] == -2


def test_seed002_max_pooling():
    # 2x2 blocks of the note's grid: max(1,3,5,6)=6, max(2,4,1,2)=4 / max(1,2,0,1)=2,
    # max(3,0,1,4)=4
    x = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [1, 2, 3, 0], [0, 1, 1, 4]], dtype=float)
    np.testing.assert_array_equal(max_pool2d(nchw(x), 2, stride=2)[0, 0], [[6, 4], [2, 4]])


def test_seed002_pooling_gradients():
    # "max-pool routes the gradient only to the max; avg-pool spreads it equally":
    # the maxima above sit at (1,1), (0,3), (2,1), (3,3); with grad_out all ones each of
    # them gets 1.  Average pooling gives every cell 1/4.
    x = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [1, 2, 3, 0], [0, 1, 1, 4]], dtype=float)
    g = np.ones((1, 1, 2, 2))
    want = np.zeros((4, 4))
    want[1, 1] = want[0, 3] = want[2, 1] = want[3, 3] = 1
    np.testing.assert_array_equal(max_pool2d_backward(g, nchw(x), 2)[0, 0], want)
    np.testing.assert_array_equal(avg_pool2d_backward(g, nchw(x), 2)[0, 0], np.full((4, 4), 0.25))


def test_seed002_output_size_worked_check():
    # W = 5, k = 3: starts at columns 0, 1, 2 -> 5 - 3 + 1 = 3 outputs
    assert conv_output_size(5, 3) == 3
    # W = 32, k = 3, p = 1, s = 1: floor(31 / 1) + 1 = 32 ("same")
    assert conv_output_size(32, 3, stride=1, padding=1) == 32
    assert conv2d(np.zeros((1, 1, 32, 32)), np.zeros((1, 1, 3, 3)), padding="same").shape[2:] == (
        32,
        32,
    )


def test_seed002_multichannel_filter_sums_twelve_products():
    # A 3-channel 2x2 filter on one 2x2x3 patch: 4 x 3 = 12 products summed into one
    # number; with all-ones input and weights each product is 1, so the output is 12.
    out = conv2d(np.ones((1, 3, 2, 2)), np.ones((1, 3, 2, 2)))
    np.testing.assert_array_equal(out, [[[[12.0]]]])


def test_seed002_receptive_fields_by_gradient():
    # Stacking L stride-1 3x3 layers: RF = 3, 5, 7 for L = 1, 2, 3.  Measured here, not by
    # the recurrence: backpropagate a one-hot gradient at the central output through L
    # all-ones 3x3 convolutions and count the rows/columns of the input that it reaches.
    w = np.ones((1, 1, 3, 3))
    for layers, expected in [(1, 3), (2, 5), (3, 7)]:
        xs = [np.ones((1, 1, 9, 9))]
        for _ in range(layers):
            xs.append(conv2d(xs[-1], w))
        g = np.zeros_like(xs[-1])
        c = g.shape[2] // 2
        g[0, 0, c, c] = 1.0
        for x in reversed(xs[:-1]):
            g, _, _ = conv2d_backward(g, x, w)
        rows, cols = np.nonzero(g[0, 0])
        assert rows.max() - rows.min() + 1 == expected
        assert cols.max() - cols.min() + 1 == expected
    # three 3x3 layers vs one 7x7, per channel: 3 * 9 = 27 vs 49 weights
    assert 3 * w.size == 27 and np.ones((7, 7)).size == 49


def test_seed002_parameter_counts():
    # one 3x3 filter over RGB: 3 * 3 * 3 = 27 weights
    assert np.zeros((1, 3, 3, 3)).size == 27
    # conv layer 3x3, C_in = 3, C_out = 64: (3*3*3 + 1) * 64 = 28 * 64 = 1792
    weight, bias = np.zeros((64, 3, 3, 3)), np.zeros(64)
    assert weight.size + bias.size == 1792
    # ... and the same parameters process any image size (H, W appear nowhere)
    for hw in [(32, 32), (40, 24)]:
        assert conv2d(np.zeros((1, 3, *hw)), weight, bias, padding=1).shape == (1, 64, *hw)
    # a dense layer on a flattened 224x224x3 image: 150,528 inputs, x 1000 units
    assert 224 * 224 * 3 == 150_528
    assert 150_528 * 1000 == 150_528_000  # "150 million weights"


def test_seed002_layer_stack_shapes():
    # Seed 002's stack on a 32x32x3 input.  The third conv ("CONV 3x3, 64 filters",
    # no padding stated) is shown as keeping 16x16; that needs padding 1 ("same").
    # SLIP (loose label): with the default padding 0 the map would be 16 - 3 + 1 = 14.
    assert conv_output_size(16, 3) == 14
    assert conv_output_size(16, 3, padding=1) == 16
    x = np.zeros((1, 3, 32, 32))
    x = relu(conv2d(x, np.zeros((32, 3, 3, 3)), padding="same"))
    assert x.shape == (1, 32, 32, 32)
    x = relu(conv2d(x, np.zeros((32, 32, 3, 3)), padding="same"))
    assert x.shape == (1, 32, 32, 32)
    x = max_pool2d(x, 2)
    assert x.shape == (1, 32, 16, 16)
    x = relu(conv2d(x, np.zeros((64, 32, 3, 3)), padding=1))
    assert x.shape == (1, 64, 16, 16)
    x = max_pool2d(x, 2)
    assert x.shape == (1, 64, 8, 8)
    assert x.reshape(1, -1).shape == (1, 4096)  # 8 * 8 * 64
    # the note's PyTorch SmallCNN: fc1 takes 64 * 8 * 8 = 4096 features, like the stack above


def test_seed002_smallcnn_shapes():
    # The note's PyTorch SmallCNN on a 32x32x3 image (batch 1 here; BatchNorm keeps shapes).
    # SLIP (loose label): the comment on conv2's constructor says (B, 64, 32, 32), but in
    # forward() conv2 runs after the first pool, on a 16x16 map, so it gives (B, 64, 16, 16);
    # the forward() comments and fc1's 64 * 8 * 8 inputs agree with that.
    x = np.zeros((1, 3, 32, 32))
    x = conv2d(x, np.zeros((32, 3, 3, 3)), np.zeros(32), padding=1)
    assert x.shape == (1, 32, 32, 32)
    x = max_pool2d(relu(x), 2, 2)
    assert x.shape == (1, 32, 16, 16)
    x = conv2d(x, np.zeros((64, 32, 3, 3)), np.zeros(64), padding=1)
    assert x.shape == (1, 64, 16, 16)
    x = max_pool2d(relu(x), 2, 2)
    assert x.shape == (1, 64, 8, 8)
    assert x.reshape(1, -1).shape[1] == 64 * 8 * 8 == 4096


# --------------------------------------------------------------------------
# Seed 003: 7x7 stem, pooling example, depthwise-separable cost, GAP head
# --------------------------------------------------------------------------


def test_seed003_stem_shape_and_parameters():
    # floor((224 + 2*3 - 7) / 2) + 1 = floor(223 / 2) + 1 = 112
    assert conv_output_size(224, 7, stride=2, padding=3) == 112
    # (7 * 7 * 3 * 64) + 64 = 9408 + 64 = 9472
    weight, bias = np.zeros((64, 3, 7, 7)), np.zeros(64)
    assert weight.size == 9408
    assert weight.size + bias.size == 9472
    # the full (B, 64, 112, 112) shape, on a batch of 1 instead of 32 to keep it cheap
    out = conv2d(
        np.zeros((1, 3, 224, 224), np.float32), weight.astype(np.float32), stride=2, padding=3
    )
    assert out.shape == (1, 64, 112, 112)


def test_seed003_dense_comparison_numbers():
    # A dense layer from the (224*224*3) input to the (112*112*64) output map:
    # 150,528 * 802,816 = 120,846,286,848, i.e. about 121 billion weights.
    # SLIP: the note says "about 24 billion" and hence a reduction "of over 2.5 million
    # times"; the right ratio is 120,846,286,848 / 9,472, about 12.8 million.
    n_in = 224 * 224 * 3
    n_out = conv_output_size(224, 7, 2, 3) ** 2 * 64
    assert (n_in, n_out) == (150_528, 802_816)
    assert n_in * n_out == 120_846_286_848
    assert 12_700_000 < n_in * n_out / 9472 < 12_800_000


def test_seed003_max_pool_figure():
    # The figure's 4x4 grid, read row by row: 1 3 8 2 / 4 2 1 0 / 5 6 7 3 / 1 2 4 9.
    # 2x2 blocks: max(1,3,4,2)=4, max(8,2,1,0)=8 / max(5,6,1,2)=6, max(7,3,4,9)=9
    x = np.array([[1, 3, 8, 2], [4, 2, 1, 0], [5, 6, 7, 3], [1, 2, 4, 9]], dtype=float)
    np.testing.assert_array_equal(max_pool2d(nchw(x), 2, stride=2)[0, 0], [[4, 8], [6, 9]])


def test_seed003_pooling_shapes():
    # (B, 256, 56, 56) -> (B, 256, 28, 28) with K = 2, S = 2: floor((56 - 2) / 2) + 1 = 28
    assert conv_output_size(56, 2, stride=2) == 28
    assert max_pool2d(np.zeros((1, 256, 56, 56), np.float32), 2, 2).shape == (1, 256, 28, 28)


def test_seed003_end_to_end_stem_pool():
    # "MaxPool 3x3, stride 2": (B, 64, 112, 112) -> (B, 64, 56, 56).
    # SLIP (loose label): this needs padding 1, floor((112 + 2 - 3) / 2) + 1 = 56, as in
    # ResNet; with no padding it is floor((112 - 3) / 2) + 1 = 55.
    assert conv_output_size(112, 3, stride=2, padding=1) == 56
    assert conv_output_size(112, 3, stride=2) == 55
    x = np.zeros((1, 2, 112, 112), np.float32)  # 2 channels stand in for 64
    assert max_pool2d(x, 3, stride=2, padding=1).shape == (1, 2, 56, 56)
    assert max_pool2d(x, 3, stride=2).shape == (1, 2, 55, 55)


def test_seed003_stage_shapes():
    # From the 56x56 map after the stem's pool to the 7x7 map before GAP takes three
    # stride-2 stages (3x3 kernels, padding 1): 56 -> 28 -> 14 -> 7.
    # SLIP (loose label): the note's table lists stage 2 at 56x56, stage 3 at 28x28 and
    # stage 4 at 7x7 -- a factor-4 drop in one stage; with ResNet's stride-2 stages the
    # maps are 56 (stage 1), 28 (stage 2), 14 (stage 3), 7 (stage 4).
    sizes = [56]
    for _ in range(3):
        sizes.append(conv_output_size(sizes[-1], 3, stride=2, padding=1))
    assert sizes == [56, 28, 14, 7]


def test_seed003_depthwise_separable_cost():
    # K = 3, C_in = 4, C_out = 8: standard 3*3*4*8 = 288 weights; depthwise 3*3*4 = 36,
    # pointwise 4*8 = 32, together 68 = 4 * (9 + 8); ratio 68/288 = 1/8 + 1/9.
    k, c_in, c_out = 3, 4, 8
    depthwise = np.ones((c_in, 1, k, k))  # groups = c_in: one 3x3 filter per channel
    pointwise = np.ones((c_out, c_in, 1, 1))
    standard = np.ones((c_out, c_in, k, k))
    assert standard.size == 288
    assert depthwise.size + pointwise.size == 68 == c_in * (k * k + c_out)
    assert (depthwise.size + pointwise.size) / standard.size == pytest.approx(1 / c_out + 1 / k**2)
    # With all-ones weights, both paths sum every value in each 3x3x4 window: same output.
    x = np.arange(4 * 5 * 5, dtype=float).reshape(1, 4, 5, 5)
    separable = conv2d(conv2d(x, depthwise, groups=c_in), pointwise)
    np.testing.assert_allclose(separable, conv2d(x, standard))
    # "about 8-9x cheaper" for K = 3 and a large C_out, e.g. 256: 1/(1/256 + 1/9) = 8.7
    assert 8 < 1 / (1 / 256 + 1 / 9) < 9


def test_seed003_global_average_pooling_head():
    # (B, 2048, 7, 7) -> (B, 2048); on a batch of 1 whose channel c is constant c
    x = np.broadcast_to(np.arange(2048.0)[None, :, None, None], (1, 2048, 7, 7))
    z = global_avg_pool2d(x)
    assert z.shape == (1, 2048)
    np.testing.assert_array_equal(z[0], np.arange(2048.0))
    # flatten would give 2048 * 7 * 7 = 100,352 features; an FC to 1000 classes needs
    # 100,352 * 1000 + 1000 = 100,353,000 (~100 million) parameters; after GAP it is
    # 2048 * 1000 + 1000 = 2,049,000, so ~98% of the head's parameters disappear.
    assert 2048 * 7 * 7 == 100_352
    assert 2048 * 1000 + 1000 == 2_049_000
    assert 1 - 2_049_000 / 100_353_000 == pytest.approx(0.98, abs=0.005)


def test_seed003_relu_gradient():
    # dReLU/dx = 1 for x > 0 and 0 for x <= 0
    np.testing.assert_array_equal(
        relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0]
    )


# --------------------------------------------------------------------------
# Seed 004: TinyCNN shapes and parameter counts
# --------------------------------------------------------------------------


def test_seed004_tinycnn_shapes_and_parameters():
    # 8x8 -> Conv(1->3, 3x3) -> (3, 6, 6) -> MaxPool 2 -> (3, 3, 3) -> Flatten 27 -> Dense 3
    x = np.zeros((1, 1, 8, 8))
    w, b = np.zeros((3, 1, 3, 3)), np.zeros(3)
    h = relu(conv2d(x, w, b))
    assert h.shape == (1, 3, 6, 6)
    h = max_pool2d(h, 2)
    assert h.shape == (1, 3, 3, 3)
    assert h.reshape(1, -1).shape == (1, 27)
    conv_params = w.size + b.size  # 3 * (1*3*3) + 3 = 30
    dense_params = 27 * 3 + 3  # 84
    assert (conv_params, dense_params, conv_params + dense_params) == (30, 84, 114)
    # the exercise's dense alternative: 64*27 + 27 + 27*3 + 3 = 1728 + 27 + 81 + 3
    assert 64 * 27 + 27 + 27 * 3 + 3 == 1839


def test_seed004_exercise_conv_shape():
    # Exercise 23.1: (16, 3, 32, 32) through 8 filters of 5x5 -> (16, 8, 28, 28);
    # parameters 8 * 3 * 5 * 5 + 8 = 608.  (A batch of 2 here keeps the test cheap.)
    w, b = np.zeros((8, 3, 5, 5)), np.zeros(8)
    assert conv2d(np.zeros((2, 3, 32, 32)), w, b).shape == (2, 8, 28, 28)
    assert conv_output_size(32, 5) == 28
    assert w.size + b.size == 608


def test_seed004_max_pool_floor():
    # H_out = floor(H / p) for non-overlapping windows: a 7x7 map pools to 3x3 with p = 2
    assert max_pool2d(np.zeros((1, 1, 7, 7)), 2).shape == (1, 1, 3, 3)
