"""im2col and col2im: torch.nn.functional.unfold / fold layout and adjointness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlib import col2im, conv2d, im2col
from reference import pair, ref_conv2d, ref_unfold


def int_or_pair(lo, hi):
    one = st.integers(lo, hi)
    return st.one_of(one, st.tuples(one, one))


@st.composite
def unfold_configs(draw):
    """A valid im2col call: x, kernel_size, stride, padding, dilation."""
    n = draw(st.integers(1, 2))
    c = draw(st.integers(1, 3))
    kernel = draw(int_or_pair(1, 4))
    stride = draw(int_or_pair(1, 3))
    padding = draw(int_or_pair(0, 2))
    dilation = draw(int_or_pair(1, 3))
    (kh, kw), (ph, pw), (dh, dw) = pair(kernel), pair(padding), pair(dilation)
    h = max(1, dh * (kh - 1) + 1 - 2 * ph) + draw(st.integers(0, 4))
    w = max(1, dw * (kw - 1) + 1 - 2 * pw) + draw(st.integers(0, 4))
    x = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal((n, c, h, w))
    return x, dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)


# --------------------------------------------------------------------------
# The reference unfold against a hand example
# --------------------------------------------------------------------------


def test_reference_unfold_hand_example():
    # 2x3 input, kernel (1, 2): positions (0,0) (0,1) (1,0) (1,1); tap 0 reads
    # 1, 2, 4, 5 and tap 1 reads 2, 3, 5, 6.
    x = np.array([[[[1, 2, 3], [4, 5, 6]]]])
    np.testing.assert_array_equal(ref_unfold(x, (1, 2)), [[[1, 2, 4, 5], [2, 3, 5, 6]]])


# --------------------------------------------------------------------------
# im2col layout, by hand
# --------------------------------------------------------------------------


def test_im2col_layout_row_kernel():
    # Kernel (1, 2) on [[1, 2, 3], [4, 5, 6]]: L = 2 * 2 positions, row-major.
    x = np.array([[[[1.0, 2, 3], [4, 5, 6]]]])
    np.testing.assert_array_equal(im2col(x, (1, 2)), [[[1, 2, 4, 5], [2, 3, 5, 6]]])


def test_im2col_layout_column_kernel():
    # Kernel (2, 1): one row of three positions; tap (0, 0) reads the top row, (1, 0) the bottom.
    x = np.array([[[[1.0, 2, 3], [4, 5, 6]]]])
    np.testing.assert_array_equal(im2col(x, (2, 1)), [[[1, 2, 3], [4, 5, 6]]])


def test_im2col_layout_channel_major():
    # Two channels (1..9 and 11..19), kernel 2x2, 4 positions.  Rows are
    # (c, i, j) = (0,0,0) (0,0,1) (0,1,0) (0,1,1) (1,0,0) ...; each row lists the
    # value under that tap at positions (0,0) (0,1) (1,0) (1,1).
    c0 = np.arange(1.0, 10).reshape(3, 3)
    x = np.stack([c0, c0 + 10])[None]
    top = [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]
    want = np.array(top + [[v + 10 for v in r] for r in top], dtype=float)
    got = im2col(x, 2)
    assert got.shape == (1, 8, 4)
    np.testing.assert_array_equal(got[0], want)


def test_im2col_padding_stride_dilation_hand_example():
    # x = [[1, 2], [3, 4]], kernel (1, 2), padding (0, 1), stride (1, 2), dilation (1, 2):
    # padded rows [0 1 2 0] / [0 3 4 0]; the taps sit 2 apart, so a window covers
    # columns {0, 2} and the next start (2) would need column 4: one position per row.
    x = np.array([[[[1.0, 2], [3, 4]]]])
    got = im2col(x, (1, 2), stride=(1, 2), padding=(0, 1), dilation=(1, 2))
    np.testing.assert_array_equal(got, [[[0, 0], [2, 4]]])


@given(cfg=unfold_configs())
def test_im2col_matches_reference_unfold(cfg):
    x, kw = cfg
    got = im2col(x, **kw)
    want = ref_unfold(x, **kw)
    assert got.shape == want.shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_im2col_dtypes():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    assert im2col(x, 2).dtype == np.float32
    xi = np.arange(16).reshape(1, 1, 4, 4)
    got = im2col(xi, 3, padding=1)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, ref_unfold(xi, 3, padding=1))


@given(cfg=unfold_configs())
def test_conv2d_is_weight_matrix_times_im2col(cfg):
    # The im2col + matrix product story of the chapter: W (C_out, C*kh*kw) @ cols.
    x, kw = cfg
    kh_, kw_ = pair(kw["kernel_size"])
    w = np.random.default_rng(1).standard_normal((2, x.shape[1], kh_, kw_))
    cols = im2col(x, **kw)
    out = np.einsum("ok,nkl->nol", w.reshape(2, -1), cols)
    want = ref_conv2d(x, w, None, kw["stride"], kw["padding"], kw["dilation"])
    np.testing.assert_allclose(out.reshape(want.shape), want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        conv2d(x, w, stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"]),
        want,
        rtol=1e-10,
        atol=1e-10,
    )


# --------------------------------------------------------------------------
# col2im
# --------------------------------------------------------------------------


def test_col2im_sums_overlaps():
    # Every 2x2 window (stride 1) of a 3x3 grid of ones, folded back: each pixel
    # receives one 1 per window covering it -- corners 1, edges 2, centre 4.
    cols = im2col(np.ones((1, 1, 3, 3)), 2)
    got = col2im(cols, (3, 3), 2)
    np.testing.assert_array_equal(got, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]])


def test_col2im_hand_example_non_square():
    # output 2x3, kernel (1, 2), stride 1: two positions per row.  Column l of
    # cols holds the values of window l: taps (a, b) go to (row, col) and (row, col+1).
    cols = np.array([[[1.0, 2, 3, 4], [10, 20, 30, 40]]])
    got = col2im(cols, (2, 3), (1, 2))
    # row 0: 1, 10 + 2, 20; row 1: 3, 30 + 4, 40
    np.testing.assert_array_equal(got, [[[[1, 12, 20], [3, 34, 40]]]])


def test_col2im_drops_the_padding():
    # 1x1 kernel, padding 1 on a 2x2 output: 16 positions, of which only the
    # central 4 land inside the image.  Column order is row-major over the 4x4 grid.
    cols = np.arange(16.0).reshape(1, 1, 16)
    got = col2im(cols, (2, 2), 1, padding=1)
    np.testing.assert_array_equal(got, [[[[5, 6], [9, 10]]]])


def test_col2im_inverts_im2col_without_overlap():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 6, 4))
    np.testing.assert_array_equal(
        col2im(im2col(x, (3, 2), stride=(3, 2)), (6, 4), (3, 2), stride=(3, 2)), x
    )


def test_col2im_leaves_uncovered_pixels_zero():
    # Kernel 2, stride 2 on a 5x5 output: the last row and column are never read.
    got = col2im(np.ones((1, 4, 4)), (5, 5), 2, stride=2)
    want = np.ones((5, 5))
    want[4, :] = 0
    want[:, 4] = 0
    np.testing.assert_array_equal(got, want[None, None])


@given(cfg=unfold_configs(), seed=st.integers(0, 2**32 - 1))
def test_col2im_is_adjoint_of_im2col(cfg, seed):
    x, kw = cfg
    n, c, h, w = x.shape
    cols = im2col(x, **kw)
    y = np.random.default_rng(seed).standard_normal(cols.shape)
    back = col2im(y, (h, w), **kw)
    assert back.shape == x.shape
    assert back.dtype == np.float64
    np.testing.assert_allclose(np.vdot(cols, y), np.vdot(x, back), rtol=1e-10, atol=1e-10)


def test_col2im_dtypes():
    cols = np.ones((1, 4, 4), dtype=np.float32)
    assert col2im(cols, (3, 3), 2).dtype == np.float32
    got = col2im(np.ones((1, 4, 4), dtype=np.int64), (3, 3), 2)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@pytest.mark.parametrize("channels", [1, 3])
def test_col2im_infers_channels(channels):
    cols = np.ones((2, channels * 2 * 3, 4))  # (3-2+1) * (4-3+1) = 4 windows
    assert col2im(cols, (3, 4), (2, 3)).shape == (2, channels, 3, 4)


@pytest.mark.parametrize("kernel, size", [(1, (3, 4)), ((3, 4), (3, 4)), (2, (3, 3))])
def test_im2col_returns_a_new_writable_array(kernel, size):
    # unfold returns a fresh tensor; a 1x1 kernel or a kernel the size of the
    # input used to give back a read-only view of x itself.
    x = np.arange(2.0 * size[0] * size[1]).reshape(2, 1, *size)
    before = x.copy()
    cols = im2col(x, kernel)
    assert cols.flags.writeable and cols.flags.c_contiguous
    assert not np.shares_memory(cols, x)
    cols[...] = -1.0
    np.testing.assert_array_equal(x, before)
