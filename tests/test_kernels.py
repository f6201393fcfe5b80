"""cnnlib.kernels: the named hand-made kernels, flip, convolve2d and filter2d.

Expected values are hand-derived (written next to each literal) or come from
SciPy's independent ``correlate2d``/``convolve2d``, never from cnnlib itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from cnnlib import corr2d
from cnnlib.kernels import KERNELS, NamedKernel, convolve2d, filter2d, flip, kernel, kernel_names

BRIGHTNESS_KEEPING = ["identity", "box_blur", "gaussian_blur", "sharpen"]
ZERO_SUM = ["laplacian", "vertical_edge", "horizontal_edge", "sobel_x", "sobel_y", "diagonal",
            "roberts"]


def test_the_named_kernels_are_all_there():
    assert set(KERNELS) == set(BRIGHTNESS_KEEPING + ZERO_SUM)
    assert kernel_names() == list(KERNELS)
    assert kernel_names(2) == ["roberts"]
    assert "roberts" not in kernel_names(3) and len(kernel_names(3)) == 10


@pytest.mark.parametrize("name", list(KERNELS))
def test_kernel_is_weights_over_divisor_and_a_fresh_float_copy(name):
    named = KERNELS[name]
    a = kernel(name)
    assert a.dtype == np.float64
    assert np.array_equal(a * named.divisor, np.array(named.weights))
    a[0, 0] = 123.0
    assert kernel(name)[0, 0] != 123.0          # callers cannot corrupt the registry
    assert named.description and named.name == name


@pytest.mark.parametrize("name", BRIGHTNESS_KEEPING)
def test_brightness_keeping_kernels_sum_to_one(name):
    assert np.isclose(kernel(name).sum(), 1.0)


@pytest.mark.parametrize("name", ZERO_SUM)
def test_detectors_sum_to_zero_and_ignore_flat_regions(name):
    k = kernel(name)
    assert k.sum() == 0
    expected = np.zeros((7 - k.shape[0], 8 - k.shape[1]))     # valid output of a 6x7 image
    assert np.array_equal(filter2d(np.full((6, 7), 0.25), k), expected)


def test_hand_written_weights():
    assert np.array_equal(kernel("sobel_x"), [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    assert np.array_equal(kernel("sobel_y"), kernel("sobel_x").T)
    assert np.array_equal(kernel("horizontal_edge"), kernel("vertical_edge").T)
    assert np.array_equal(kernel("gaussian_blur") * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert np.allclose(kernel("box_blur"), np.full((3, 3), 1 / 9))
    # Sobel is smoothing (1, 2, 1) down the rows times a difference (1, 0, -1) across.
    assert np.array_equal(kernel("sobel_x"), np.outer([1, 2, 1], [1, 0, -1]))
    # Sharpening is the image minus its Laplacian.
    assert np.array_equal(kernel("sharpen"), kernel("identity") - kernel("laplacian"))


def test_repr_names_size_and_divisor():
    assert repr(KERNELS["gaussian_blur"]) == "NamedKernel('gaussian_blur', 3x3 / 16)"
    assert repr(KERNELS["roberts"]) == "NamedKernel('roberts', 2x2)"
    custom = NamedKernel("plus", ((0, 1, 0), (1, 1, 1), (0, 1, 0)), 5, "a plus sign")
    assert np.allclose(custom.array.sum(), 1.0)


def test_seed_001_patch_with_the_vertical_edge_kernel():
    # Rows: 1*1 + 2*0 + 0*(-1) = 1; 0 + 0 - 3 = -3; 2 + 0 - 1 = 1; total -1.
    patch = np.array([[1, 2, 0], [0, 1, 3], [2, 3, 1]])
    assert corr2d(patch, kernel("vertical_edge"))[0, 0] == -1


def test_edge_kernels_answer_to_their_own_direction():
    step = np.zeros((6, 6))
    step[:, :3] = 1.0                              # bright left half
    # A window straddling the boundary: left column 1+1+1, right column 0.
    assert np.array_equal(filter2d(step, kernel("vertical_edge")), [[0, 3, 3, 0]] * 4)
    assert np.array_equal(filter2d(step, kernel("horizontal_edge")), np.zeros((4, 4)))
    # Sobel counts the middle row twice: 1 + 2 + 1 = 4.
    assert np.array_equal(filter2d(step, kernel("sobel_x")), [[0, 4, 4, 0]] * 4)
    top = step.T.copy()                            # bright top half
    assert np.array_equal(filter2d(top, kernel("horizontal_edge")), [[0] * 4, [3] * 4,
                                                                     [3] * 4, [0] * 4])


def test_diagonal_kernel_prefers_bright_upper_left():
    # Ones where row + column < 4: the upper-left triangle of a 5x5 image.
    upper_left = np.array([[1 if r + c < 4 else 0 for c in range(5)] for r in range(5)])
    # Output (1, 1) reads rows 1..3, columns 1..3; with x the window the kernel computes
    # 2*x00 + x01 + x10 - x12 - x21 - 2*x22 = 2 + 1 + 1 - 0 - 0 - 0 = 4.
    # Rotated image: ones where row + column > 4, so x12 = x21 = x22 = 1: -1 - 1 - 2 = -4.
    assert filter2d(upper_left, kernel("diagonal"))[1, 1] == 4
    assert filter2d(upper_left[::-1, ::-1], kernel("diagonal"))[1, 1] == -4


def test_unknown_or_wrongly_typed_names():
    with pytest.raises(ValueError, match=r"kernel: unknown name 'blur'; expected one of identity"):
        kernel("blur")
    with pytest.raises(TypeError, match="kernel: name must be a str"):
        kernel(3)


def test_flip_rotates_by_180_degrees():
    k = np.array([[1, 2, 3], [4, 5, 6]])
    assert np.array_equal(flip(k), [[6, 5, 4], [3, 2, 1]])
    w = np.arange(2 * 3 * 2 * 3).reshape(2, 3, 2, 3)
    assert np.array_equal(flip(w), np.rot90(w, 2, axes=(2, 3)))
    assert flip(k.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="flip: k must have at least 2 dimensions"):
        flip(np.ones(3))


def test_seed_002_example_correlation_against_convolution():
    x = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]])
    k = kernel("roberts")
    # flip(k) = -k, so the true convolution negates [[0, -1], [-1, 0]].
    assert np.array_equal(convolve2d(x, k), [[0, 1], [1, 0]])


@given(h=st.integers(1, 7), w=st.integers(1, 7), kh=st.integers(1, 4), kw=st.integers(1, 4),
       seed=st.integers(0, 2**16))
def test_convolve2d_matches_scipy_and_corr2d_of_the_flip(h, w, kh, kw, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(h + kh - 1, w + kw - 1))
    k = rng.normal(size=(kh, kw))
    expected = signal.convolve2d(x, k, mode="valid")
    assert np.allclose(convolve2d(x, k), expected)
    assert np.allclose(corr2d(x, k), convolve2d(x, flip(k)))


def test_filter2d_grey_and_colour_against_scipy():
    rng = np.random.default_rng(0)
    grey = rng.random((9, 11))
    k = rng.normal(size=(3, 2))                           # non-square on purpose
    assert np.allclose(filter2d(grey, k), signal.correlate2d(grey, k, mode="valid"))
    padded = np.pad(grey, ((1, 1), (2, 2)))
    assert np.allclose(filter2d(grey, k, padding=(1, 2)),
                       signal.correlate2d(padded, k, mode="valid"))
    colour = rng.random((9, 11, 3)).astype(np.float32)
    out = filter2d(colour, k, padding="same")
    assert out.shape == (9, 11, 3) and out.dtype == np.float64   # kernel is float64
    for c in range(3):
        assert np.allclose(out[:, :, c], filter2d(colour[:, :, c], k, padding="same"))


def test_filter2d_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"filter2d: image must be 2-D \(H, W\) or 3-D"):
        filter2d(np.ones((1, 1, 4, 4)), kernel("identity"))
    with pytest.raises(ValueError, match="filter2d: k must be 2-D"):
        filter2d(np.ones((4, 4)), np.ones((1, 3, 3)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        filter2d(np.ones((2, 2)), kernel("identity"))
