"""max_pool2d, avg_pool2d, global_avg_pool2d and their backward passes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlib import (
    avg_pool2d,
    avg_pool2d_backward,
    global_avg_pool2d,
    global_avg_pool2d_backward,
    gradcheck,
    max_pool2d,
    max_pool2d_backward,
)
from reference import (
    central_difference,
    pair,
    ref_avg_pool2d,
    ref_max_pool2d,
    ref_max_pool2d_backward,
)


def int_or_pair(lo, hi):
    one = st.integers(lo, hi)
    return st.one_of(one, st.tuples(one, one))


def distinct_values(rng, shape):
    """Random values at least 0.1 apart, so a finite-difference step never changes an argmax."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 - size * 0.05).reshape(shape) + 0.01 * rng.random(shape)


@st.composite
def pool_configs(draw, max_extra=4):
    """A valid pooling call (PyTorch's rule: padding at most half the kernel)."""
    n = draw(st.integers(1, 2))
    c = draw(st.integers(1, 3))
    kernel = draw(int_or_pair(1, 4))
    kh, kw = pair(kernel)
    stride = draw(st.one_of(st.none(), int_or_pair(1, 3)))
    if isinstance(kernel, int):
        padding = draw(st.integers(0, kh // 2))
    else:
        padding = draw(st.tuples(st.integers(0, kh // 2), st.integers(0, kw // 2)))
    ph, pw = pair(padding)
    h = max(1, kh - 2 * ph) + draw(st.integers(0, max_extra))
    w = max(1, kw - 2 * pw) + draw(st.integers(0, max_extra))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = distinct_values(rng, (n, c, h, w))
    return x, dict(kernel_size=kernel, stride=stride, padding=padding)


def out_shape(x, kernel_size, stride, padding):
    kh, kw = pair(kernel_size)
    sh, sw = pair(kernel_size if stride is None else stride)
    ph, pw = pair(padding)
    ho = (x.shape[2] + 2 * ph - kh) // sh + 1
    wo = (x.shape[3] + 2 * pw - kw) // sw + 1
    return (*x.shape[:2], ho, wo)


# --------------------------------------------------------------------------
# The reference against hand examples
# --------------------------------------------------------------------------


def test_reference_pools_hand_example():
    x = np.array([[[[1.0, 3, 2, 4], [5, 6, 1, 2], [3, 2, 7, 8], [1, 0, 3, 4]]]])
    np.testing.assert_array_equal(ref_max_pool2d(x, 2), [[[[6, 4], [3, 8]]]])
    np.testing.assert_array_equal(ref_avg_pool2d(x, 2), [[[[3.75, 2.25], [1.5, 5.5]]]])
    g = np.array([[[[1.0, 2], [3, 4]]]])
    # maxima at (1,1), (0,3), (2,0), (2,3)
    want = np.zeros((4, 4))
    want[1, 1], want[0, 3], want[2, 0], want[2, 3] = 1, 2, 3, 4
    np.testing.assert_array_equal(ref_max_pool2d_backward(g, x, 2)[0, 0], want)


# --------------------------------------------------------------------------
# Forward: hand examples
# --------------------------------------------------------------------------


def test_max_pool_pads_with_minus_infinity():
    # All-negative input, kernel 2, stride 1, padding 1: a zero pad would win every
    # border window; -inf padding keeps the real values.  Windows over
    # [[-1, -2], [-3, -4]] with the border: -1 -1 -2 / -1 -1 -2 / -3 -3 -4.
    x = np.array([[[[-1.0, -2], [-3, -4]]]])
    got = max_pool2d(x, 2, stride=1, padding=1)
    np.testing.assert_array_equal(got, [[[[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]]]])


def test_avg_pool_counts_the_padding():
    # [[4, 8], [12, 16]], kernel 2, stride 2, padding 1: each window holds one real
    # value and three zeros, divided by 4 (count_include_pad=True): 1, 2 / 3, 4.
    x = np.array([[[[4.0, 8], [12, 16]]]])
    np.testing.assert_array_equal(avg_pool2d(x, 2, stride=2, padding=1), [[[[1, 2], [3, 4]]]])


@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d])
def test_stride_defaults_to_kernel_size(fn):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 7, 9))
    for k in [2, 3, (2, 3), (3, 1)]:
        got = fn(x, k)
        np.testing.assert_array_equal(got, fn(x, k, stride=k))
        assert got.shape == out_shape(x, k, None, 0)


def test_max_pool_non_square_hand_example():
    # kernel (1, 3), stride (2, 1) on a 3x4 grid: rows 0 and 2 (row 1 is skipped),
    # windows over columns 0-2 and 1-3: max(1,5,2), max(5,2,0) / max(3,1,4), max(1,4,6).
    x = np.array([[[[1.0, 5, 2, 0], [9, 9, 9, 9], [3, 1, 4, 6]]]])
    got = max_pool2d(x, (1, 3), stride=(2, 1))
    np.testing.assert_array_equal(got, [[[[5, 5], [4, 6]]]])


def test_avg_pool_non_square_hand_example():
    # kernel (2, 1), stride (1, 2) on a 3x4 grid: column pairs 0 and 2, rows (0,1), (1,2).
    x = np.array([[[[1.0, 5, 2, 0], [3, 9, 4, 9], [5, 1, 8, 6]]]])
    got = avg_pool2d(x, (2, 1), stride=(1, 2))
    np.testing.assert_array_equal(got, [[[[2, 3], [4, 6]]]])  # (1+3)/2 (2+4)/2 / (3+5)/2 (4+8)/2


def test_global_avg_pool_hand_example():
    # channel means: (1+2+3+4)/4 = 2.5 and (0+0+0+8)/4 = 2
    x = np.array([[[[1.0, 2], [3, 4]], [[0, 0], [0, 8]]]])
    got = global_avg_pool2d(x)
    assert got.shape == (1, 2)
    np.testing.assert_array_equal(got, [[2.5, 2.0]])


# --------------------------------------------------------------------------
# Forward: property tests against the brute-force reference
# --------------------------------------------------------------------------


@given(cfg=pool_configs())
def test_max_pool_matches_reference(cfg):
    x, kw = cfg
    got = max_pool2d(x, **kw)
    assert got.shape == out_shape(x, **kw)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, ref_max_pool2d(x, **kw))


@given(cfg=pool_configs())
def test_avg_pool_matches_reference(cfg):
    x, kw = cfg
    got = avg_pool2d(x, **kw)
    assert got.shape == out_shape(x, **kw)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ref_avg_pool2d(x, **kw), rtol=1e-12, atol=1e-12)


@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 6), w=st.integers(1, 6))
def test_global_avg_pool_is_channel_mean(n, c, h, w):
    x = np.random.default_rng(n * 100 + c * 10 + h).standard_normal((n, c, h, w))
    got = global_avg_pool2d(x)
    assert got.shape == (n, c)
    want = np.array([[sum(x[i, j].ravel().tolist()) / (h * w) for j in range(c)] for i in range(n)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: max_pool2d(x, 2),
        lambda x: avg_pool2d(x, (2, 1), padding=(1, 0)),
        global_avg_pool2d,
    ],
    ids=["max", "avg", "global"],
)
def test_pooling_dtypes(fn):
    x = np.arange(32).reshape(1, 2, 4, 4)
    assert fn(x.astype(np.float32)).dtype == np.float32
    assert fn(x.astype(np.float64)).dtype == np.float64
    got = fn(x)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, fn(x.astype(np.float64)))


# --------------------------------------------------------------------------
# Backward: finite differences
# --------------------------------------------------------------------------

POOL_CASES = [
    # kernel, stride, padding, x shape
    (2, None, 0, (2, 2, 4, 6)),
    (3, 2, 0, (1, 2, 7, 7)),  # overlapping windows
    (3, 2, 1, (1, 1, 6, 5)),  # overlapping and padded
    ((2, 3), (1, 2), (1, 1), (1, 2, 5, 6)),
    ((3, 1), (2, 1), (1, 0), (2, 1, 6, 3)),
    (2, 1, 0, (1, 1, 4, 4)),
    (3, None, 0, (1, 1, 5, 7)),  # leftover rows/columns never read
]


@pytest.mark.parametrize(("k", "s", "p", "shape"), POOL_CASES)
def test_max_pool_backward_matches_finite_differences(k, s, p, shape):
    rng = np.random.default_rng(10)
    x = distinct_values(rng, shape)
    g = rng.standard_normal(out_shape(x, k, s, p))
    got = max_pool2d_backward(g, x, k, stride=s, padding=p)
    fd = central_difference(lambda t: float(np.sum(max_pool2d(t, k, s, p) * g)), x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("k", "s", "p", "shape"), POOL_CASES)
def test_avg_pool_backward_matches_finite_differences(k, s, p, shape):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape)
    g = rng.standard_normal(out_shape(x, k, s, p))
    got = avg_pool2d_backward(g, x, k, stride=s, padding=p)
    fd = central_difference(lambda t: float(np.sum(avg_pool2d(t, k, s, p) * g)), x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-7)


def test_global_avg_pool_backward_matches_finite_differences():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 3, 4, 5))
    g = rng.standard_normal((2, 3))
    got = global_avg_pool2d_backward(g, x)
    fd = central_difference(lambda t: float(np.sum(global_avg_pool2d(t) * g)), x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-7)
    # and by hand: every pixel of channel (n, c) receives g[n, c] / (4 * 5)
    np.testing.assert_allclose(got, np.broadcast_to(g[:, :, None, None] / 20, x.shape))


@given(cfg=pool_configs(max_extra=3), seed=st.integers(0, 2**32 - 1))
def test_max_pool_backward_matches_reference(cfg, seed):
    x, kw = cfg
    g = np.random.default_rng(seed).standard_normal(out_shape(x, **kw))
    np.testing.assert_allclose(
        max_pool2d_backward(g, x, **kw), ref_max_pool2d_backward(g, x, **kw), rtol=1e-12
    )


@given(cfg=pool_configs(max_extra=3), seed=st.integers(0, 2**32 - 1))
def test_avg_pool_backward_is_adjoint(cfg, seed):
    # avg pooling is linear, so its backward is its adjoint: <P x, g> == <x, P^T g>.
    x, kw = cfg
    g = np.random.default_rng(seed).standard_normal(out_shape(x, **kw))
    np.testing.assert_allclose(
        np.vdot(avg_pool2d(x, **kw), g),
        np.vdot(x, avg_pool2d_backward(g, x, **kw)),
        rtol=1e-10,
        atol=1e-10,
    )


def test_pool_backward_float32():
    x = distinct_values(np.random.default_rng(13), (1, 1, 4, 4)).astype(np.float32)
    g = np.ones((1, 1, 2, 2), np.float32)
    assert max_pool2d_backward(g, x, 2).dtype == np.float32
    assert avg_pool2d_backward(g, x, 2).dtype == np.float32
    assert global_avg_pool2d_backward(np.ones((1, 1), np.float32), x).dtype == np.float32


# --------------------------------------------------------------------------
# Backward: gradient routing and ties, by hand
# --------------------------------------------------------------------------


def test_max_pool_backward_routes_to_the_maximum():
    # 2x2 windows of [[1, 3, 2, 4], [5, 6, 1, 2], ...]: maxima 6 at (1,1), 4 at (0,3),
    # 3 at (2,0), 8 at (2,3); each receives its window's gradient, the rest get 0.
    x = np.array([[[[1.0, 3, 2, 4], [5, 6, 1, 2], [3, 2, 7, 8], [1, 0, 3, 4]]]])
    g = np.array([[[[10.0, 20], [30, 40]]]])
    want = [[0, 0, 0, 20], [0, 10, 0, 0], [30, 0, 0, 40], [0, 0, 0, 0]]
    np.testing.assert_array_equal(max_pool2d_backward(g, x, 2), [[want]])


def test_max_pool_backward_ties_go_to_first_in_row_major_order():
    # Window [[3, 7], [7, 2]]: the 7 at (0, 1) comes first.  Window [[7, 1], [0, 7]]:
    # the 7 at (0, 2) comes first.  One element per window gets the gradient.
    x = np.array([[[[3.0, 7, 7, 1], [7, 2, 0, 7]]]])
    g = np.array([[[[10.0, 20]]]])
    np.testing.assert_array_equal(max_pool2d_backward(g, x, 2), [[[[0, 10, 20, 0], [0, 0, 0, 0]]]])


def test_max_pool_backward_all_equal_window():
    # A constant 2x2 window: only its top-left element receives the gradient.
    x = np.ones((1, 1, 2, 2))
    np.testing.assert_array_equal(
        max_pool2d_backward(np.array([[[[5.0]]]]), x, 2), [[[[5, 0], [0, 0]]]]
    )


def test_max_pool_backward_overlapping_ties():
    # [5, 5, 5] with kernel (1, 2), stride 1: window 0 picks index 0, window 1 picks
    # index 1 (the first of ITS elements), so gradients 1 and 2 land on different cells.
    x = np.full((1, 1, 1, 3), 5.0)
    got = max_pool2d_backward(np.array([[[[1.0, 2.0]]]]), x, (1, 2), stride=1)
    np.testing.assert_array_equal(got, [[[[1, 2, 0]]]])


def test_max_pool_backward_accumulates_over_overlapping_windows():
    # The centre 9 is the maximum of all four 2x2 windows (stride 1) of a 3x3 grid,
    # so it collects 1 + 2 + 3 + 4 = 10.
    x = np.array([[[[1.0, 2, 3], [4, 9, 5], [6, 7, 8]]]])
    got = max_pool2d_backward(np.array([[[[1.0, 2], [3, 4]]]]), x, 2, stride=1)
    np.testing.assert_array_equal(got, [[[[0, 0, 0], [0, 10, 0], [0, 0, 0]]]])


def test_max_pool_backward_padded_window_never_picks_padding():
    # All-negative input with padding 1, kernel 2, stride 2: each window holds one
    # real value; the gradient goes to it, not to a padded cell.
    x = np.array([[[[-1.0, -2], [-3, -4]]]])
    got = max_pool2d_backward(np.array([[[[1.0, 2], [3, 4]]]]), x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(got, [[[[1, 2], [3, 4]]]])


def test_avg_pool_backward_spreads_evenly():
    # Kernel 3, stride 2, on a 5x5 grid: windows start at 0 and 2, so row/column 2
    # is shared.  Each cell receives (sum of covering windows' gradients) / 9.
    g = np.array([[[[9.0, 18], [27, 36]]]])
    got = avg_pool2d_backward(g, np.zeros((1, 1, 5, 5)), 3, stride=2)
    want = np.array(
        [
            [1, 1, 3, 2, 2],
            [1, 1, 3, 2, 2],
            [4, 4, 10, 6, 6],  # centre: (9 + 18 + 27 + 36) / 9
            [3, 3, 7, 4, 4],
            [3, 3, 7, 4, 4],
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(got[0, 0], want)


# --------------------------------------------------------------------------
# Backward passes through cnnlib.gradcheck
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "s", "p", "shape"), POOL_CASES)
def test_pool_backward_passes_cnnlib_gradcheck(k, s, p, shape):
    x = distinct_values(np.random.default_rng(14), shape)
    for fwd, bwd in [(max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)]:
        results = gradcheck(
            lambda x, fwd=fwd: fwd(x, k, s, p),
            lambda g, x, bwd=bwd: (bwd(g, x, k, s, p),),
            {"x": x},
        )
        assert all(r.passed for r in results), [str(r) for r in results]
    results = gradcheck(
        global_avg_pool2d, lambda g, x: (global_avg_pool2d_backward(g, x),), {"x": x}
    )
    assert all(r.passed for r in results), [str(r) for r in results]


# --------------------------------------------------------------------------
# Non-finite values, as torch.nn.functional.max_pool2d treats them
# --------------------------------------------------------------------------


def test_max_pool_propagates_nan():
    # PyTorch's max pooling lets a NaN win its window (and routes the gradient to it).
    x = np.array([[[[1.0, np.nan], [3.0, 4.0]]]])
    assert np.isnan(max_pool2d(x, 2)[0, 0, 0, 0])
    np.testing.assert_array_equal(
        max_pool2d_backward(np.array([[[[5.0]]]]), x, 2), [[[[0, 5], [0, 0]]]]
    )


def test_max_pool_minus_inf_input_forward():
    # A window whose real values are all -inf has maximum -inf.
    x = np.full((1, 1, 2, 2), -np.inf)
    np.testing.assert_array_equal(
        max_pool2d(x, 2, stride=2, padding=1), np.full((1, 1, 2, 2), -np.inf)
    )


def test_max_pool_backward_minus_inf_window_with_padding():
    # Kernel 2, stride 2, padding 1 on a 2x2 grid of -inf: every window holds exactly one
    # real cell, so (as in PyTorch, whose running argmax starts at the window's first real
    # element) each cell receives its window's gradient and none is lost to padding.
    x = np.full((1, 1, 2, 2), -np.inf)
    g = np.array([[[[1.0, 2], [3, 4]]]])
    got = max_pool2d_backward(g, x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(got, [[[[1, 2], [3, 4]]]])
    np.testing.assert_array_equal(got, ref_max_pool2d_backward(g, x, 2, stride=2, padding=1))


def test_max_pool_padding_limit_uses_undilated_kernel():
    # PyTorch requires padding <= kernel_size // 2 of the *undilated* kernel: kernel 3 with
    # dilation 2 spans 5 inputs, but padding 2 is still more than half of 3.
    with pytest.raises(ValueError, match="padding"):
        max_pool2d(np.zeros((1, 1, 9, 9)), 3, padding=2, dilation=2)
    # padding 1 with the same kernel is allowed: (9 + 2 - 5) // 3 + 1 = 3 with stride 3.
    assert max_pool2d(np.zeros((1, 1, 9, 9)), 3, padding=1, dilation=2).shape == (1, 1, 3, 3)


def test_avg_pool2d_sums_float16_in_float32():
    # 64 values of 1e4 sum to 640000, past float16's largest finite value
    # 65504; PyTorch accumulates in float32 and returns 1e4 (exact in float16:
    # 10000 = 625 * 16).
    x = np.full((1, 1, 8, 8), 1e4, dtype=np.float16)
    out = avg_pool2d(x, 8)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, np.full((1, 1, 1, 1), 1e4, dtype=np.float16))


def test_avg_pool2d_float16_matches_a_float64_mean():
    rng = np.random.default_rng(0)
    x = (rng.random((2, 3, 9, 9)) * 1000).astype(np.float16)
    want = ref_avg_pool2d(x.astype(np.float64), (3, 3), (2, 2), (1, 1))
    out = avg_pool2d(x, 3, 2, 1)
    assert out.dtype == np.float16
    # one float16 rounding of the exact mean: within half an ulp, 2**-11 relative
    np.testing.assert_allclose(out.astype(np.float64), want, rtol=2.0**-11)
