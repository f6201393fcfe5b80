"""cnnlib.conv_transpose: transposed convolution, checked four independent ways.

1. hand-derived values;
2. the naive stamping loop against the fast fold, over random settings;
3. against chapter 07's ``conv2d_input``, which computes the same numbers by
   a different route (dilate, pad, convolve with the rotated kernel);
4. the adjoint identity ``<conv2d(y, W), x> = <y, conv_transpose2d(x, W)>``,
   and finite differences for the backward pass.

Dumoulin and Visin's relationships 8-14 are checked by brute force against
the shapes it returns and against the direct convolution they describe.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib import conv2d, conv2d_input, conv_output_size, numerical_gradient
from cnnlib.conv_arithmetic import TRANSPOSED_RELATIONSHIPS
from cnnlib.conv_transpose import (
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_naive,
    conv_transpose_output_size,
    transpose_as_convolution,
)


def test_hand_values_stride_two_stamps_do_not_overlap():
    # x = [1, 2] stamped with k = [1, 10, 100] every 2 columns:
    # [1, 10, 100, 0, 0] + [0, 0, 2, 20, 200] = [1, 10, 102, 20, 200].
    out = conv_transpose2d(np.array([[[[1.0, 2.0]]]]), np.array([[[[1.0, 10.0, 100.0]]]]),
                           stride=2)
    np.testing.assert_array_equal(out[0, 0], [[1, 10, 102, 20, 200]])
    # output_padding=1 first adds a column at the right, [1, 10, 102, 20, 200, 0];
    # padding=1 then crops one column from each side.
    out = conv_transpose2d(np.array([[[[1.0, 2.0]]]]), np.array([[[[1.0, 10.0, 100.0]]]]),
                           stride=(1, 2), padding=(0, 1), output_padding=(0, 1))
    np.testing.assert_array_equal(out[0, 0], [[10, 102, 20, 200]])


def test_hand_values_channels_bias_and_dilation():
    # Two input channels add into one output channel; bias is added once.
    x = np.array([[[[1.0]], [[2.0]]]])                      # (1, 2, 1, 1)
    w = np.array([[[[1.0, 1.0]]], [[[3.0, -1.0]]]])         # (2, 1, 1, 2)
    np.testing.assert_array_equal(conv_transpose2d(x, w, np.array([0.5]))[0, 0], [[7.5, -0.5]])
    # Dilation 2 puts the taps two apart: [1, 0, 1].
    np.testing.assert_array_equal(
        conv_transpose2d(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 2)), dilation=2)[0, 0],
        [[1, 0, 1]])


def test_output_size_formula_by_hand():
    # (3 - 1)*2 - 2*1 + 1*(3 - 1) + 0 + 1 = 5, and 6 with output_padding 1.
    assert conv_transpose_output_size(3, 3, 2, 1) == 5
    assert conv_transpose_output_size(3, 3, 2, 1, output_padding=1) == 6
    # It undoes conv_output_size: both 5 and 6 convolve down to 3.
    assert conv_output_size(5, 3, 2, 1) == conv_output_size(6, 3, 2, 1) == 3
    with pytest.raises(ValueError, match="output_padding must be smaller than stride"):
        conv_transpose_output_size(3, 3, 2, 1, output_padding=2)
    with pytest.raises(ValueError, match="padding=3 crops"):
        conv_transpose_output_size(1, 3, 1, 3)


settings_strategy = st.tuples(
    st.integers(1, 3), st.integers(1, 2),                   # N, groups
    st.integers(1, 2), st.integers(1, 2),                   # C_in/G, C_out/G
    st.integers(1, 4), st.integers(1, 4),                   # H, W
    st.integers(1, 3), st.integers(1, 3),                   # kh, kw
    st.integers(1, 3), st.integers(1, 3),                   # sh, sw
    st.integers(0, 2), st.integers(0, 2),                   # ph, pw
    st.integers(1, 2), st.integers(1, 2),                   # dh, dw
    st.integers(0, 2), st.integers(0, 2),                   # output padding h, w
)


def _case(params, seed=0):
    n, g, cin_g, cout_g, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ah, aw = params
    ah, aw = ah % max(sh, dh), aw % max(sw, dw)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, cin_g * g, h, w))
    weight = rng.standard_normal((cin_g * g, cout_g, kh, kw))
    bias = rng.standard_normal(cout_g * g)
    kwargs = {"stride": (sh, sw), "padding": (ph, pw), "output_padding": (ah, aw),
              "groups": g, "dilation": (dh, dw)}
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + ah + 1
    out_w = (w - 1) * sw - 2 * pw + dw * (kw - 1) + aw + 1
    return x, weight, bias, kwargs, (out_h, out_w)


@settings(max_examples=120, deadline=None)
@given(settings_strategy)
def test_fast_equals_naive_loop(params):
    x, weight, bias, kwargs, (out_h, out_w) = _case(params)
    if min(out_h, out_w) < 1:
        with pytest.raises(ValueError, match="crops the whole output"):
            conv_transpose2d(x, weight, bias, **kwargs)
        return
    fast = conv_transpose2d(x, weight, bias, **kwargs)
    assert fast.shape == (x.shape[0], weight.shape[1] * kwargs["groups"], out_h, out_w)
    np.testing.assert_allclose(fast, conv_transpose2d_naive(x, weight, bias, **kwargs),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(settings_strategy)
def test_is_the_input_gradient_of_conv2d(params):
    params = (params[0], 1, *params[2:])             # conv2d_input is for groups=1
    x, weight, _, kwargs, (out_h, out_w) = _case(params)
    (ah, aw), (sh, sw) = kwargs["output_padding"], kwargs["stride"]
    if min(out_h, out_w) < 1 or ah >= sh or aw >= sw:
        return   # conv2d_input needs the forward convolution to give back x's size
    expected = conv2d_input((x.shape[0], weight.shape[1], out_h, out_w), weight, x,
                            stride=kwargs["stride"], padding=kwargs["padding"],
                            dilation=kwargs["dilation"])
    np.testing.assert_allclose(conv_transpose2d(x, weight, **kwargs), expected,
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(settings_strategy)
def test_adjoint_of_conv2d(params):
    x, weight, _, kwargs, (out_h, out_w) = _case(params)
    if min(out_h, out_w) < 1:
        return
    y = np.random.default_rng(1).standard_normal((x.shape[0], weight.shape[1] * kwargs["groups"],
                                                  out_h, out_w))
    conv_kwargs = {k: v for k, v in kwargs.items() if k != "output_padding"}
    forward = conv2d(y, weight, **conv_kwargs)
    # The convolution may reach one row past x when output_padding >= stride: x is 0 there.
    lhs = np.sum(forward[:, :, : x.shape[2], : x.shape[3]] * x)
    rhs = np.sum(y * conv_transpose2d(x, weight, **kwargs))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    params = tuple(int(v) for v in rng.integers([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0],
                                               [3, 3, 3, 3, 4, 4, 4, 3, 4, 3, 2, 2, 3, 3, 3, 3]))
    x, weight, bias, kwargs, (out_h, out_w) = _case(params, seed)
    if min(out_h, out_w) < 1:
        kwargs["padding"] = (0, 0)
    out = conv_transpose2d(x, weight, bias, **kwargs)
    g = rng.standard_normal(out.shape)
    gx, gw, gb = conv_transpose2d_backward(g, x, weight, **kwargs)

    def loss_x(v):
        return np.sum(g * conv_transpose2d(v, weight, bias, **kwargs))

    def loss_w(v):
        return np.sum(g * conv_transpose2d(x, v, bias, **kwargs))

    def loss_b(v):
        return np.sum(g * conv_transpose2d(x, weight, v, **kwargs))

    np.testing.assert_allclose(gx, numerical_gradient(loss_x, x.copy()), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, numerical_gradient(loss_w, weight.copy()), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_allclose(gb, numerical_gradient(loss_b, bias.copy()), rtol=1e-6, atol=1e-7)


def test_transposed_relationships_by_brute_force():
    """Relationships 8-14: the predicted size, PyTorch's layer, and the direct convolution."""
    numbers = [r.number for r in TRANSPOSED_RELATIONSHIPS]
    assert numbers == [8, 9, 10, 11, 12, 13, 14]
    covered = dict.fromkeys(numbers, 0)
    rng = np.random.default_rng(0)
    for i, k, s, p in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(0, 4)):
        if k > i + 2 * p or p > k - 1:
            continue    # the forward convolution must fit; p < k as in the guide
        i_t = conv_output_size(i, k, s, p)         # the forward convolution's output
        a = (i + 2 * p - k) % s                    # the guide's extra term
        x = rng.standard_normal((1, 1, i_t, 2))
        weight = rng.standard_normal((1, 1, k, 1))
        out = conv_transpose2d(x, weight, stride=(s, 1), padding=(p, 0), output_padding=(a, 0))
        assert out.shape[2] == i                   # back to the convolution's input size
        stretched, flipped = transpose_as_convolution(
            x, weight, stride=(s, 1), padding=(p, 0), output_padding=(a, 0))
        np.testing.assert_allclose(conv2d(stretched, flipped), out, rtol=1e-12, atol=1e-12)
        for rel in TRANSPOSED_RELATIONSHIPS:
            if rel.applies(i, k, s, p):
                covered[rel.number] += 1
                uses_a = rel.number == 14
                size = conv_transpose2d(x, weight, stride=(s, 1), padding=(p, 0),
                                        output_padding=(a if uses_a else 0, 0)).shape[2]
                assert rel.output(i_t, k, s, p, a) == size, (rel, i, k, s, p)
    assert all(count > 0 for count in covered.values()), covered


def test_relationship_14_needs_the_a_term():
    # i = 6, k = 3, s = 2, p = 1: the convolution gives 3; without a the transpose gives 5.
    rel13, rel14 = TRANSPOSED_RELATIONSHIPS[5], TRANSPOSED_RELATIONSHIPS[6]
    assert not rel13.applies(6, 3, 2, 1)
    assert rel14.output(3, 3, 2, 1, (6 + 2 - 3) % 2) == 6
    assert conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2,
                            padding=1).shape[2:] == (5, 5)


def test_transpose_as_convolution_with_dilation_and_cropping_padding():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 3))
    weight = rng.standard_normal((3, 2, 2, 3))
    for stride, padding, out_pad, dilation in [((2, 1), (1, 2), (1, 0), (1, 2)),
                                               ((3, 2), (3, 0), (2, 1), (2, 1))]:
        stretched, flipped = transpose_as_convolution(x, weight, stride, padding, out_pad,
                                                      dilation)
        np.testing.assert_allclose(
            conv2d(stretched, flipped, dilation=dilation),
            conv_transpose2d(x, weight, None, stride, padding, out_pad, 1, dilation),
            rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.ones((1, 2, 3)), np.ones((2, 1, 2, 2))), {}, "x must be 4-D"),
        ((np.ones((1, 2, 3, 3)), np.ones((3, 1, 2, 2))), {}, "weight has 3 input channels"),
        ((np.ones((1, 3, 3, 3)), np.ones((3, 1, 2, 2))), {"groups": 2}, "groups=2 must divide"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)), np.ones(2)), {}, "bias must have shape"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"stride": 0}, "stride must be positive"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"output_padding": 1},
         "output_padding must be smaller"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"padding": "same"},
         "padding must be an int or a pair"),
    ],
)
def test_bad_input_names_the_argument(args, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        conv_transpose2d(*args, **kwargs)


def test_backward_checks_grad_out_and_keeps_float32():
    x = np.ones((1, 1, 2, 2), dtype=np.float32)
    w = np.ones((1, 1, 2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match=r"grad_out must have the forward output's shape"):
        conv_transpose2d_backward(np.ones((1, 1, 2, 2)), x, w)
    gx, gw, gb = conv_transpose2d_backward(np.ones((1, 1, 3, 3), np.float32), x, w)
    assert gx.dtype == gw.dtype == gb.dtype == np.float32
    assert conv_transpose2d(x, w).dtype == np.float32


# --------------------------------------------------------------------------
# overlap_counts: the checkerboard
# --------------------------------------------------------------------------


def test_overlap_counts_by_hand():
    from cnnlib.conv_transpose import overlap_counts

    # k = 3, s = 2, i = 3: stamps cover cells 0-2, 2-4, 4-6 of 7.
    assert overlap_counts((1, 3), (1, 3), stride=2).tolist() == [[1, 1, 2, 1, 2, 1, 1]]
    # k = 4, s = 2, i = 3: cells 0-3, 2-5, 4-7 of 8; padding 1 crops one each side.
    assert overlap_counts((1, 3), (1, 4), stride=2, padding=(0, 1)).tolist() == [
        [1, 2, 2, 2, 2, 1]]
    # k = 5, s = 2, i = 4: starts 0, 2, 4, 6, each 5 wide, 11 cells.
    assert overlap_counts((1, 4), (1, 5), stride=2).tolist() == [
        [1, 1, 2, 2, 3, 2, 3, 2, 2, 1, 1]]
    # output_padding adds an uncovered row: count 0 there.
    assert overlap_counts((1, 2), (1, 1), stride=(1, 2), output_padding=(0, 1)).tolist() == [
        [1, 0, 1, 0]]
    # dilation 2: taps at 0 and 2 of each stamp.
    assert overlap_counts((1, 2), (1, 2), dilation=2).tolist() == [[1, 1, 1, 1]]


@pytest.mark.parametrize("k,s,p,a", [(3, 2, 1, 1), (4, 2, 1, 0), (5, 3, 2, 2), (2, 1, 0, 0)])
def test_overlap_counts_is_separable_and_equals_ones_through_the_layer(k, s, p, a):
    from cnnlib.conv_transpose import overlap_counts

    counts = overlap_counts((4, 5), k, stride=s, padding=p, output_padding=a)
    rows = overlap_counts((4, 1), (k, 1), stride=(s, 1), padding=(p, 0), output_padding=(a, 0))
    cols = overlap_counts((1, 5), (1, k), stride=(1, s), padding=(0, p), output_padding=(0, a))
    assert np.array_equal(counts, rows[:, :1] * cols[:1, :])
    ones = conv_transpose2d_naive(np.ones((1, 1, 4, 5)), np.ones((1, 1, k, k)), stride=s,
                                  padding=p, output_padding=a)
    assert np.array_equal(counts, ones[0, 0])


def test_overlap_counts_even_exactly_when_the_stride_divides_the_kernel():
    from cnnlib.conv_transpose import overlap_counts

    for k, s in itertools.product(range(1, 7), range(1, 4)):
        counts = overlap_counts(8, k, stride=s)
        # Interior cells k - 1 .. 7s, where every stamp that could reach a cell exists.
        inner = counts[k - 1: 7 * s + 1, k - 1: 7 * s + 1]
        assert (inner.min() == inner.max()) == (k % s == 0), (k, s)


def test_overlap_counts_bad_input_names_the_function():
    from cnnlib.conv_transpose import overlap_counts

    with pytest.raises(ValueError, match="overlap_counts: output_padding"):
        overlap_counts(3, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="overlap_counts: padding"):
        overlap_counts(1, 1, padding=1)
