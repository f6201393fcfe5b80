"""cnnlib.upsample: hand values, SciPy's linear interpolation, finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cnnlib import numerical_gradient
from cnnlib.upsample import interpolate, interpolate_backward, interpolation_matrix


def test_nearest_hand_values():
    # 3 -> 5: source index floor(o * 3/5) = 0, 0, 1, 1, 2.
    x = np.array([[[[10.0, 20.0, 30.0]]]])
    np.testing.assert_array_equal(interpolate(x, size=(1, 5))[0, 0], [[10, 10, 20, 20, 30]])
    # 4 -> 3 (downsampling): floor(o * 4/3) = 0, 1, 2.
    x = np.array([[[[1.0, 2.0, 3.0, 4.0]]]])
    np.testing.assert_array_equal(interpolate(x, size=(1, 3))[0, 0], [[1, 2, 3]])
    # scale_factor 2.5 on 2 pixels: 5 outputs at floor(o / 2.5) = 0, 0, 0, 1, 1.
    x = np.array([[[[1.0, 2.0]]]])
    np.testing.assert_array_equal(interpolate(x, scale_factor=(1, 2.5))[0, 0], [[1, 1, 1, 2, 2]])


def test_bilinear_hand_values():
    x = np.array([[[[0.0, 4.0]]]])
    # align_corners=False, 2 -> 4: sources (o + 0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25,
    # 0.75, 1.25 (the second tap clamped to the last pixel): 0, 1, 3, 4.
    np.testing.assert_allclose(interpolate(x, size=(1, 4), mode="bilinear")[0, 0],
                               [[0, 1, 3, 4]])
    # align_corners=True, 2 -> 5: sources o * 1/4: 0, 1, 2, 3, 4.
    np.testing.assert_allclose(
        interpolate(x, size=(1, 5), mode="bilinear", align_corners=True)[0, 0],
        [[0, 1, 2, 3, 4]])
    # A single output pixel with align_corners=True reads the first input pixel.
    assert interpolate(x, size=(1, 1), mode="bilinear", align_corners=True)[0, 0, 0, 0] == 0


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize(("in_size", "out_size"), [((5, 7), (11, 4)), ((3, 3), (8, 9)),
                                                    ((6, 2), (6, 5))])
def test_bilinear_equals_scipy_linear_interpolation(align_corners, in_size, out_size):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, *in_size))

    def coords(n_in, n_out):
        o = np.arange(n_out, dtype=np.float64)
        if align_corners:
            return o * (n_in - 1) / (n_out - 1) if n_out > 1 else np.zeros(n_out)
        return np.maximum((o + 0.5) * n_in / n_out - 0.5, 0.0)

    rows, cols = np.meshgrid(coords(in_size[0], out_size[0]), coords(in_size[1], out_size[1]),
                             indexing="ij")
    expected = np.stack([
        np.stack([ndimage.map_coordinates(x[n, c], [rows, cols], order=1, mode="nearest")
                  for c in range(3)])
        for n in range(2)])
    out = interpolate(x, size=out_size, mode="bilinear", align_corners=align_corners)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_separable_matrix_form(mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 2, 4, 6))
    r_h = interpolation_matrix(4, 7, mode)
    r_w = interpolation_matrix(6, 3, mode)
    np.testing.assert_allclose(interpolate(x, size=(7, 3), mode=mode), r_h @ x @ r_w.T,
                               rtol=1e-12, atol=1e-12)
    # Every row of an interpolation matrix sums to 1: a constant image stays constant.
    np.testing.assert_allclose(r_h.sum(axis=1), 1.0)


def test_nearest_keeps_infinities_exact():
    x = np.array([[[[np.inf, 1.0], [2.0, 3.0]]]])
    out = interpolate(x, scale_factor=2)
    assert np.isinf(out[0, 0, :2, :2]).all() and not np.isnan(out).any()


@pytest.mark.parametrize(("mode", "align_corners", "size", "scale"),
                         [("nearest", None, (5, 3), None), ("bilinear", False, (7, 2), None),
                          ("bilinear", True, (4, 9), None), ("bilinear", None, None, 1.5),
                          ("nearest", None, None, (2, 0.5))])
def test_backward_matches_finite_differences(mode, align_corners, size, scale):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 3, 4))
    out = interpolate(x, size, scale, mode, align_corners)
    g = rng.standard_normal(out.shape)
    grad = interpolate_backward(g, x, size, scale, mode, align_corners)

    def loss(v):
        return np.sum(g * interpolate(v, size, scale, mode, align_corners))

    np.testing.assert_allclose(grad, numerical_gradient(loss, x.copy()), rtol=1e-6, atol=1e-8)


def test_float32_stays_float32():
    x = np.ones((1, 1, 2, 2), dtype=np.float32)
    assert interpolate(x, scale_factor=2, mode="bilinear").dtype == np.float32
    assert interpolate(x, scale_factor=2).dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "give exactly one of size and scale_factor"),
        ({"size": 4, "scale_factor": 2}, "give exactly one"),
        ({"size": 4, "mode": "bicubic"}, "mode must be one of"),
        ({"size": 4, "align_corners": True}, "align_corners can only be set with mode='bilinear'"),
        ({"size": 0}, "size\\[0\\] must be positive"),
        ({"scale_factor": 0.1}, "the output must be at least 1x1"),
        ({"scale_factor": -2.0}, "scale_factor must be positive"),
        ({"size": (2, 3, 4)}, "size must be a number or a pair"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        interpolate(np.ones((1, 1, 3, 3)), **kwargs)


def test_backward_checks_grad_out_shape():
    with pytest.raises(ValueError, match="grad_out must have the forward output's shape"):
        interpolate_backward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), scale_factor=2)
