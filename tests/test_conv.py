"""conv2d, conv2d_naive, corr2d, conv_output_size and conv2d_backward.

Expected values come from hand derivations (written next to each literal),
from the SciPy-based reference in ``reference.py``, or from central finite
differences -- never from cnnlib itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from cnnlib import (
    conv2d,
    conv2d_backward,
    conv2d_naive,
    conv_output_size,
    corr2d,
    gradcheck,
    numerical_gradient,
    relative_error,
)
from reference import (
    central_difference,
    explicit_padding,
    out_size,
    pair,
    ref_conv2d,
    ref_conv2d_backward,
)

CONV_FNS = [conv2d, conv2d_naive]
CONV_IDS = ["conv2d", "conv2d_naive"]


# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------


def int_or_pair(lo, hi):
    """An int, or an (h, w) pair whose entries may differ."""
    one = st.integers(lo, hi)
    return st.one_of(one, st.tuples(one, one))


@st.composite
def conv_configs(draw, max_groups=3, max_extra=4, allow_same=True):
    """A random, valid conv2d call: shapes, hyper-parameters and arrays."""
    groups = draw(st.integers(1, max_groups))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = draw(int_or_pair(1, 3))
    modes = ["int", "pair", "valid", "same"] if allow_same else ["int", "pair", "valid"]
    mode = draw(st.sampled_from(modes))
    if mode == "same":
        padding = "same"
        stride = draw(st.sampled_from([1, (1, 1)]))
    else:
        stride = draw(int_or_pair(1, 3))
        if mode == "valid":
            padding = "valid"
        elif mode == "int":
            padding = draw(st.integers(0, 2))
        else:
            padding = draw(st.tuples(st.integers(0, 2), st.integers(0, 2)))
    dh, dw = pair(dilation)
    (pt, pb), (pl, pr) = explicit_padding(padding, (kh, kw), (dh, dw))
    h = max(1, dh * (kh - 1) + 1 - pt - pb) + draw(st.integers(0, max_extra))
    w = max(1, dw * (kw - 1) + 1 - pl - pr) + draw(st.integers(0, max_extra))
    seed = draw(st.integers(0, 2**32 - 1))
    with_bias = draw(st.booleans())
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c_in, h, w))
    weight = rng.standard_normal((c_out, c_in // groups, kh, kw))
    bias = rng.standard_normal(c_out) if with_bias else None
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return x, weight, bias, kwargs


# --------------------------------------------------------------------------
# The reference itself (reference code needs its own tests)
# --------------------------------------------------------------------------


def test_reference_conv_matches_hand_example():
    # X (3x3) correlated with K = [[1, 0], [0, -1]] is X[i, j] - X[i+1, j+1]:
    # 1-1, 2-3 / 0-1, 1-1.
    x = np.array([[[[1, 2, 0], [0, 1, 3], [2, 1, 1]]]])
    k = np.array([[[[1, 0], [0, -1]]]])
    np.testing.assert_array_equal(ref_conv2d(x, k)[0, 0], [[0, -1], [-1, 0]])


def test_reference_conv_matches_einsum_definition():
    # The definition Y[n,o,i,j] = sum_c,u,v W[o,c,u,v] Xp[n,c,i*s+u*d,j*s+v*d],
    # written with explicit index arrays, against the SciPy-based reference.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, 2, 3))
    sh, sw, dh, dw, ph, pw = 2, 1, 1, 2, 1, 2
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = (7 + 2 * ph - dh * 1 - 1) // sh + 1
    wo = (6 + 2 * pw - dw * 2 - 1) // sw + 1
    rows = (np.arange(ho) * sh)[:, None] + (np.arange(2) * dh)[None, :]  # (ho, kh)
    cols = (np.arange(wo) * sw)[:, None] + (np.arange(3) * dw)[None, :]  # (wo, kw)
    patches = xp[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # n c ho kh wo kw
    want = np.einsum("ncaubv,ocuv->noab", patches, w)
    got = ref_conv2d(x, w, stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_reference_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 4, 6, 5))
    w = rng.standard_normal((2, 2, 3, 2))
    kw = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    g = rng.standard_normal(ref_conv2d(x, w, **kw).shape)
    gx, gw, gb = ref_conv2d_backward(g, x, w, **kw)
    np.testing.assert_allclose(
        gx, central_difference(lambda t: np.sum(ref_conv2d(t, w, **kw) * g), x), atol=1e-6
    )
    np.testing.assert_allclose(
        gw, central_difference(lambda t: np.sum(ref_conv2d(x, t, **kw) * g), w), atol=1e-6
    )
    np.testing.assert_allclose(gb, g.sum(axis=(0, 2, 3)))


def test_reference_out_size_walk_matches_formula():
    for size in range(1, 12):
        for k in range(1, 5):
            for s in range(1, 4):
                for p in range(3):
                    for d in range(1, 3):
                        span = d * (k - 1) + 1
                        if span > size + 2 * p:
                            continue
                        formula = (size + 2 * p - d * (k - 1) - 1) // s + 1
                        assert out_size(size, k, s, p, p, d) == formula


# --------------------------------------------------------------------------
# conv_output_size
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((5, 3), {}, 3),  # 5 - 3 + 1
        ((5, 3), dict(padding=1), 5),  # 5 + 2 - 3 + 1
        ((32, 3), dict(stride=1, padding=1), 32),  # "same" for k = 3
        ((224, 7), dict(stride=2, padding=3), 112),  # floor(223 / 2) + 1
        ((7, 3), dict(stride=2), 3),  # starts 0, 2, 4
        ((8, 3), dict(stride=2), 3),  # floor(5 / 2) + 1: starts 0, 2, 4 (6 + 3 > 8)
        ((10, 3), dict(dilation=2), 6),  # span 5: starts 0..5
        ((6, 2), dict(stride=3, padding=1, dilation=2), 2),  # padded 8, span 3: starts 0, 3
        ((1, 1), {}, 1),
        ((4, 5), dict(padding=1), 2),  # padded 6, span 5: starts 0, 1
        ((3, 3), dict(stride=5), 1),  # one position, stride never used
    ],
)
def test_conv_output_size_hand_examples(args, kwargs, expected):
    got = conv_output_size(*args, **kwargs)
    assert got == expected
    assert isinstance(got, int)


@given(
    size=st.integers(1, 40),
    k=st.integers(1, 7),
    s=st.integers(1, 4),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
)
def test_conv_output_size_counts_window_positions(size, k, s, p, d):
    span = d * (k - 1) + 1
    if span > size + 2 * p:
        with pytest.raises(ValueError, match="kernel"):
            conv_output_size(size, k, stride=s, padding=p, dilation=d)
    else:
        assert conv_output_size(size, k, stride=s, padding=p, dilation=d) == out_size(
            size, k, s, p, p, d
        )


def test_conv_output_size_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match="kernel"):
        conv_output_size(4, 5)
    with pytest.raises(ValueError, match="kernel"):
        conv_output_size(3, 3, dilation=2)  # span 5 > 3


# --------------------------------------------------------------------------
# corr2d
# --------------------------------------------------------------------------


def test_corr2d_hand_example():
    # Each output is X[i, j] - X[i+1, j+1] (kernel [[1, 0], [0, -1]]).
    x = np.array([[1.0, 2, 0], [0, 1, 3], [2, 1, 1]])
    k = np.array([[1.0, 0], [0, -1]])
    np.testing.assert_array_equal(corr2d(x, k), [[0, -1], [-1, 0]])


def test_corr2d_is_not_flipped_convolution():
    # An asymmetric kernel tells correlation from convolution: with k = [[1, 2]]
    # correlation gives x[j] + 2 x[j+1] = 1 + 4, 2 + 6; convolution would give 2 + 2, 4 + 3.
    np.testing.assert_array_equal(corr2d(np.array([[1.0, 2, 3]]), np.array([[1.0, 2]])), [[5, 8]])


@given(
    h=st.integers(1, 8),
    w=st.integers(1, 8),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_corr2d_matches_scipy(h, w, kh, kw, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h + kh - 1, w + kw - 1))
    k = rng.standard_normal((kh, kw))
    got = corr2d(x, k)
    assert got.shape == (h, w)
    np.testing.assert_allclose(got, signal.correlate2d(x, k, mode="valid"), rtol=1e-10, atol=1e-12)


def test_corr2d_dtypes():
    x32 = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert corr2d(x32, np.ones((2, 2), np.float32)).dtype == np.float32
    got = corr2d(np.arange(12).reshape(3, 4), np.array([[1, -1]]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, -np.ones((3, 3)))  # x[i, j] - x[i, j+1] = -1


# --------------------------------------------------------------------------
# conv2d / conv2d_naive forward: property tests against the reference
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
@given(cfg=conv_configs())
def test_conv2d_matches_reference(fn, cfg):
    x, weight, bias, kwargs = cfg
    want = ref_conv2d(x, weight, bias, **kwargs)
    got = fn(x, weight, bias, **kwargs)
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@given(cfg=conv_configs())
def test_conv2d_equals_conv2d_naive(cfg):
    x, weight, bias, kwargs = cfg
    np.testing.assert_allclose(
        conv2d(x, weight, bias, **kwargs),
        conv2d_naive(x, weight, bias, **kwargs),
        rtol=1e-10,
        atol=1e-10,
    )


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
@given(cfg=conv_configs(max_extra=2))
def test_conv2d_float32_stays_float32(fn, cfg):
    x, weight, bias, kwargs = cfg
    x32, w32 = x.astype(np.float32), weight.astype(np.float32)
    b32 = None if bias is None else bias.astype(np.float32)
    got = fn(x32, w32, b32, **kwargs)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref_conv2d(x32, w32, b32, **kwargs), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
@given(cfg=conv_configs(max_extra=2))
def test_conv2d_integer_input_gives_exact_float64(fn, cfg):
    x, weight, _, kwargs = cfg
    xi = np.round(x * 5).astype(np.int64)
    wi = np.round(weight * 5).astype(np.int64)
    got = fn(xi, wi, None, **kwargs)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, ref_conv2d(xi, wi, None, **kwargs))  # exact integers


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_conv2d_does_not_modify_inputs(fn):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    copies = [a.copy() for a in (x, w, b)]
    fn(x, w, b, padding=1)
    for a, c in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)


# --------------------------------------------------------------------------
# conv2d / conv2d_naive forward: hand examples
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_same_padding_even_kernel_pads_bottom_right(fn):
    # 2x2 ones kernel, 'same': total padding 1 per axis, all of it at the bottom/right
    # (PyTorch).  out[i, j] = sum of x[i:i+2, j:j+2] with zeros past the edge:
    # 1+2+4+5, 2+3+5+6, 3+6 / 4+5+7+8, 5+6+8+9, 6+9 / 7+8, 8+9, 9.
    x = np.arange(1, 10, dtype=float).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2))
    got = fn(x, w, padding="same")
    np.testing.assert_array_equal(got[0, 0], [[12, 16, 9], [24, 28, 15], [15, 17, 9]])


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_same_padding_non_square_dilated_keeps_size(fn):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 2, 5, 6))
    w = rng.standard_normal((3, 2, 2, 3))
    for dil in [1, 2, (2, 1), (3, 2)]:
        got = fn(x, w, padding="same", dilation=dil)
        assert got.shape == (2, 3, 5, 6)
        np.testing.assert_allclose(got, ref_conv2d(x, w, padding="same", dilation=dil))


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_valid_padding_equals_zero_padding(fn):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 1, 5, 4))
    w = rng.standard_normal((2, 1, 3, 2))
    np.testing.assert_array_equal(fn(x, w, padding="valid"), fn(x, w, padding=0))


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_unequal_stride_floors_the_last_window(fn):
    # x = 0..19 as 5x4, ones kernel 2x3, stride (2, 3): rows start 0, 2 (4 + 2 > 5);
    # columns start 0 only (3 + 3 > 4).  Sums: (0+1+2)+(4+5+6) = 18, (8+9+10)+(12+13+14) = 66.
    x = np.arange(20, dtype=float).reshape(1, 1, 5, 4)
    got = fn(x, np.ones((1, 1, 2, 3)), stride=(2, 3))
    np.testing.assert_array_equal(got, [[[[18], [66]]]])


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_unequal_padding(fn):
    # 1x1 kernel of weight 1 with padding (1, 0): one zero row above and below, no columns.
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    got = fn(x, np.ones((1, 1, 1, 1)), padding=(1, 0))
    np.testing.assert_array_equal(got, [[[[0, 0], [1, 2], [3, 4], [0, 0]]]])


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_dilation_hand_example(fn):
    # Kernel [[1, 1]] dilated by 2 in width adds x[i, j] and x[i, j+2]:
    # row 0: 1+3, 2+4; row 1: 5+7, 6+8.
    x = np.arange(1, 9, dtype=float).reshape(1, 1, 2, 4)
    got = fn(x, np.ones((1, 1, 1, 2)), dilation=(1, 2))
    np.testing.assert_array_equal(got, [[[[4, 6], [12, 14]]]])


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_groups_hand_example(fn):
    # Depthwise (groups = 2): channel 0 scaled by 2, channel 1 by 10, no mixing.
    x = np.array([[[[1.0, 2], [3, 4]], [[5, 6], [7, 8]]]])
    w = np.array([2.0, 10.0]).reshape(2, 1, 1, 1)
    got = fn(x, w, groups=2)
    np.testing.assert_array_equal(got, [[[[2, 4], [6, 8]], [[50, 60], [70, 80]]]])


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_groups_two_inputs_per_group(fn):
    # groups=2 with 4 input channels: output 0 sees channels 0, 1; output 1 sees 2, 3.
    # With 1x1 kernels [1, 10] and [100, 1000] the outputs are a + 10 b and 100 c + 1000 d.
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1, 1)
    w = np.array([[1.0, 10.0], [100.0, 1000.0]]).reshape(2, 2, 1, 1)
    got = fn(x, w, groups=2)
    np.testing.assert_array_equal(got.ravel(), [1 + 20, 300 + 4000])


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_bias_is_added_per_output_channel(fn):
    # A zero kernel leaves only the bias: channel o is filled with bias[o].
    x = np.ones((2, 1, 3, 3))
    got = fn(x, np.zeros((2, 1, 2, 2)), np.array([1.5, -2.0]))
    np.testing.assert_array_equal(got[:, 0], np.full((2, 2, 2), 1.5))
    np.testing.assert_array_equal(got[:, 1], np.full((2, 2, 2), -2.0))


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_one_by_one_conv_is_a_channel_matmul(fn):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 4, 5))
    w = rng.standard_normal((4, 3, 1, 1))
    want = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x)
    np.testing.assert_allclose(fn(x, w), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_kernel_as_large_as_padded_input(fn):
    # Kernel exactly the padded size: a single output, the full dot product.
    x = np.arange(6, dtype=float).reshape(1, 1, 2, 3)
    w = np.ones((1, 1, 4, 3))
    got = fn(x, w, padding=(1, 0))
    np.testing.assert_array_equal(got, [[[[15.0]]]])  # 0+1+...+5, the zero rows add nothing


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_accepts_numpy_integer_hyperparameters(fn):
    x = np.ones((1, 1, 5, 5))
    w = np.ones((1, 1, 3, 3))
    got = fn(x, w, stride=np.int64(2), padding=np.int64(1), dilation=np.int64(1))
    np.testing.assert_array_equal(got, ref_conv2d(x, w, stride=2, padding=1))


# --------------------------------------------------------------------------
# conv2d_backward
# --------------------------------------------------------------------------


def fd_conv_grads(x, w, b, g, **kwargs):
    """Central finite differences of L = sum(conv2d(x, w, b) * g)."""
    loss_x = lambda t: float(np.sum(conv2d(t, w, b, **kwargs) * g))  # noqa: E731
    loss_w = lambda t: float(np.sum(conv2d(x, t, b, **kwargs) * g))  # noqa: E731
    loss_b = lambda t: float(np.sum(conv2d(x, w, t, **kwargs) * g))  # noqa: E731
    return (
        central_difference(loss_x, x),
        central_difference(loss_w, w),
        central_difference(loss_b, b),
    )


BACKWARD_CASES = [
    # (x shape, weight shape, kwargs)
    ((2, 2, 5, 5), (3, 2, 3, 3), dict()),
    ((1, 2, 7, 6), (2, 2, 3, 2), dict(stride=(2, 3))),
    ((1, 1, 4, 5), (2, 1, 3, 3), dict(padding=(2, 1))),
    ((1, 2, 7, 7), (2, 2, 2, 3), dict(dilation=(2, 1))),
    ((2, 4, 5, 6), (6, 2, 2, 2), dict(groups=2, stride=2, padding=1)),
    ((1, 3, 6, 5), (3, 1, 3, 2), dict(groups=3, dilation=2, padding=(1, 2))),
    ((1, 2, 5, 4), (2, 2, 2, 2), dict(padding="same")),  # asymmetric padding
    ((1, 1, 6, 6), (1, 1, 4, 3), dict(padding="same", dilation=(1, 2))),
    ((1, 1, 3, 3), (1, 1, 3, 3), dict(stride=2)),  # one output position
]


@pytest.mark.parametrize(("xs", "ws", "kwargs"), BACKWARD_CASES)
def test_conv2d_backward_matches_finite_differences(xs, ws, kwargs):
    rng = np.random.default_rng(sum(xs) + sum(ws))
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    b = rng.standard_normal(ws[0])
    g = rng.standard_normal(ref_conv2d(x, w, b, **kwargs).shape)
    gx, gw, gb = conv2d_backward(g, x, w, **kwargs)
    fx, fw, fb = fd_conv_grads(x, w, b, g, **kwargs)
    assert gx.shape == x.shape and gw.shape == w.shape and gb.shape == b.shape
    np.testing.assert_allclose(gx, fx, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, fw, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, fb, rtol=1e-6, atol=1e-7)


@given(cfg=conv_configs())
def test_conv2d_backward_matches_reference_adjoint(cfg):
    x, weight, _, kwargs = cfg
    rng = np.random.default_rng(7)
    g = rng.standard_normal(ref_conv2d(x, weight, **kwargs).shape)
    gx, gw, gb = conv2d_backward(g, x, weight, **kwargs)
    rx, rw, rb = ref_conv2d_backward(g, x, weight, **kwargs)
    for got, want in ((gx, rx), (gw, rw), (gb, rb)):
        assert got.dtype == np.float64
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@given(cfg=conv_configs(max_extra=2))
def test_conv2d_backward_adjoint_identity(cfg):
    # <conv2d(x, w), g> == <x, grad_x(g)> == <w, grad_w(g)>: the forward map is
    # linear in x and in w, so both gradients are its adjoints.
    x, weight, _, kwargs = cfg
    g = np.random.default_rng(8).standard_normal(ref_conv2d(x, weight, **kwargs).shape)
    gx, gw, _ = conv2d_backward(g, x, weight, **kwargs)
    lhs = np.vdot(conv2d(x, weight, **kwargs), g)
    np.testing.assert_allclose(np.vdot(x, gx), lhs, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.vdot(weight, gw), lhs, rtol=1e-9, atol=1e-9)


def test_conv2d_backward_float32():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    w = rng.standard_normal((2, 2, 3, 3)).astype(np.float32)
    g = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    grads = conv2d_backward(g, x, w)
    assert [a.dtype for a in grads] == [np.float32] * 3
    for got, want in zip(grads, ref_conv2d_backward(g, x, w), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv2d_backward_integer_input():
    # Integer inputs are promoted to float64; the values are exact.
    x = np.arange(9).reshape(1, 1, 3, 3)
    w = np.array([[[[1, 0], [0, -1]]]])
    g = np.ones((1, 1, 2, 2), dtype=np.int64)
    grads = conv2d_backward(g, x, w)
    assert [a.dtype for a in grads] == [np.float64] * 3
    # grad_w[m, n] = sum of the 2x2 block of x at offset (m, n): 0+1+3+4, 1+2+4+5 / 3+4+6+7, 4+5+7+8
    np.testing.assert_array_equal(grads[1][0, 0], [[8, 12], [20, 24]])
    np.testing.assert_array_equal(grads[2], [4.0])


def test_conv2d_backward_returns_three_arrays_in_order():
    # Shapes tell the three apart: x (1,1,4,3), weight (2,1,2,2), bias (2,).
    x = np.ones((1, 1, 4, 3))
    w = np.ones((2, 1, 2, 2))
    out = conv2d_backward(np.ones((1, 2, 3, 2)), x, w)
    assert isinstance(out, tuple) and len(out) == 3
    assert [a.shape for a in out] == [(1, 1, 4, 3), (2, 1, 2, 2), (2,)]


# --------------------------------------------------------------------------
# conv2d_backward through cnnlib.gradcheck (the tool the backprop chapter uses)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("xs", "ws", "kwargs"), BACKWARD_CASES)
def test_conv2d_backward_passes_cnnlib_gradcheck(xs, ws, kwargs):
    rng = np.random.default_rng(sum(xs) * 7 + sum(ws))
    inputs = {
        "x": rng.standard_normal(xs),
        "weight": rng.standard_normal(ws),
        "bias": rng.standard_normal(ws[0]),
    }

    def forward(x, weight, bias):
        return conv2d(x, weight, bias, **kwargs)

    def backward(grad_out, x, weight, bias):
        return conv2d_backward(grad_out, x, weight, **kwargs)

    results = gradcheck(forward, backward, inputs)
    assert [r.name for r in results] == ["x", "weight", "bias"]
    assert all(r.passed for r in results), [str(r) for r in results]


def test_cnnlib_gradcheck_catches_a_wrong_backward():
    # Negative control: a backward pass that forgets the flip (correlates instead of
    # convolving grad_out with the kernel) must be reported as a mismatch.
    rng = np.random.default_rng(20)
    inputs = {"x": rng.standard_normal((1, 1, 4, 4))}
    w = rng.standard_normal((1, 1, 2, 2))

    def wrong_backward(grad_out, x):
        gx, _, _ = conv2d_backward(grad_out, x, w[:, :, ::-1, ::-1])
        return (gx,)

    results = gradcheck(lambda x: conv2d(x, w), wrong_backward, inputs)
    assert not results[0].passed


def test_cnnlib_numerical_gradient_matches_own_loop():
    rng = np.random.default_rng(21)
    x = rng.standard_normal((1, 2, 4, 3))
    w = rng.standard_normal((2, 2, 2, 2))
    g = rng.standard_normal((1, 2, 3, 2))
    got = numerical_gradient(lambda t: conv2d(t, w), x, g)
    want = central_difference(lambda t: float(np.sum(ref_conv2d(t, w) * g)), x)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    assert relative_error(got, want) < 1e-8


# --------------------------------------------------------------------------
# Memory layout: views, Fortran order and negative strides give the same numbers
# --------------------------------------------------------------------------


def relayout(a, how):
    """The same values as ``a`` in a different memory layout."""
    if how == "fortran":
        return np.asfortranarray(a)
    if how == "reversed-view":
        return np.ascontiguousarray(a[:, :, ::-1, ::-1])[:, :, ::-1, ::-1]
    if how == "strided-view":
        big = np.zeros((a.shape[0], a.shape[1], 2 * a.shape[2], 3 * a.shape[3]), a.dtype)
        big[:, :, ::2, ::3] = a
        return big[:, :, ::2, ::3]
    return a


@pytest.mark.parametrize("how", ["fortran", "reversed-view", "strided-view"])
@given(cfg=conv_configs(max_extra=2))
def test_conv_results_do_not_depend_on_memory_layout(how, cfg):
    x, weight, bias, kwargs = cfg
    xv, wv = relayout(x, how), relayout(weight, how)
    want = ref_conv2d(x, weight, bias, **kwargs)
    for fn in CONV_FNS:
        np.testing.assert_allclose(fn(xv, wv, bias, **kwargs), want, rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(0).standard_normal(want.shape)
    for got, ref in zip(
        conv2d_backward(relayout(g, how), xv, wv, **kwargs),
        ref_conv2d_backward(g, x, weight, **kwargs),
        strict=True,
    ):
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------
# Empty batches and empty channel counts (issue 11)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fn", CONV_FNS, ids=CONV_IDS)
def test_empty_batch_gives_an_empty_output(fn):
    # PyTorch: F.conv2d(zeros(0, 2, 5, 5), ones(3, 2, 3, 3), ones(3)) has shape (0, 3, 3, 3).
    x = np.zeros((0, 2, 5, 5), dtype=np.float32)
    out = fn(x, np.ones((4, 1, 3, 2), dtype=np.float32), np.ones(4, dtype=np.float32),
             stride=(2, 1), padding=(1, 0), groups=2)
    # H_out = (5 + 2 - 3) // 2 + 1 = 3, W_out = (5 - 2) // 1 + 1 = 4
    assert out.shape == (0, 4, 3, 4) and out.dtype == np.float32


def test_conv2d_backward_of_an_empty_batch():
    # Nothing flows back from no examples: grad_x is empty, grad_weight and
    # grad_bias are zeros of their full shapes (what PyTorch's autograd gives).
    x, w = np.zeros((0, 2, 5, 5)), np.ones((4, 1, 3, 2))
    gx, gw, gb = conv2d_backward(np.zeros((0, 4, 3, 4)), x, w, stride=(2, 1),
                                 padding=(1, 0), groups=2)
    assert gx.shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(gw, np.zeros((4, 1, 3, 2)))
    np.testing.assert_array_equal(gb, np.zeros(4))


@pytest.mark.parametrize("fn", [*CONV_FNS, conv2d_backward],
                         ids=[*CONV_IDS, "conv2d_backward"])
def test_no_output_channels_is_refused_like_pytorch(fn):
    # PyTorch 2.13: "expected weight to be at least 1 at dimension 0"; here a
    # clear ValueError instead of a raw NumPy reshape error.
    x, w = np.ones((2, 2, 5, 5)), np.ones((0, 2, 3, 3))
    args = (np.zeros((2, 0, 3, 3)), x, w) if fn is conv2d_backward else (x, w)
    with pytest.raises(ValueError, match=r"at least one output channel, got weight.shape="
                                         r"\(0, 2, 3, 3\)"):
        fn(*args)
