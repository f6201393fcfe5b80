"""The shift explorer (chapter 01) and cnnlib.images.equivariance_gap.

Expected values come from a brute-force loop over the shifted, zero-padded
image, written independently of conv2d and translate.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.images import equivariance_gap
from cnnlib.widgets import ShiftExplorer, shift_explorer


def _corr_same(img, k):
    """Same-size cross-correlation by explicit loops over a zero-padded copy."""
    kh, kw = k.shape
    p = np.pad(img, ((kh // 2,) * 2, (kw // 2,) * 2))
    out = np.zeros_like(img, dtype=float)
    for i in range(img.shape[0]):
        for j in range(img.shape[1]):
            out[i, j] = np.sum(p[i:i + kh, j:j + kw] * k)
    return out


def _shift(img, dy, dx):
    out = np.zeros_like(img, dtype=float)
    for i in range(img.shape[0]):
        for j in range(img.shape[1]):
            si, sj = i - dy, j - dx
            if 0 <= si < img.shape[0] and 0 <= sj < img.shape[1]:
                out[i, j] = img[si, sj]
    return out


@pytest.mark.parametrize("shift", [(1, 0), (0, -2), (2, 3), (-3, -1)])
def test_gap_matches_brute_force_and_vanishes_inside(shift):
    rng = np.random.default_rng(1)
    img = rng.standard_normal((9, 11))
    k = rng.standard_normal((3, 5))                     # non-square kernel
    want = _corr_same(_shift(img, *shift), k) - _shift(_corr_same(img, k), *shift)
    diff, inside = equivariance_gap(img[None, None], k[None, None], shift)
    assert diff.shape == (1, 1, 9, 11) and inside.shape == (9, 11)
    assert np.allclose(diff[0, 0], want, atol=1e-12)
    assert np.abs(diff[0, 0][inside]).max() < 1e-12
    # By hand: the window (3 rows, 5 columns) lies on the shifted picture at
    # rows max(dy,0)+1 .. 9+min(dy,0)-2 and columns max(dx,0)+2 .. 11+min(dx,0)-3.
    dy, dx = shift
    rows = np.arange(9)[(np.arange(9) >= max(dy, 0) + 1) & (np.arange(9) <= 9 + min(dy, 0) - 2)]
    cols = np.arange(11)[(np.arange(11) >= max(dx, 0) + 2)
                         & (np.arange(11) <= 11 + min(dx, 0) - 3)]
    assert inside.sum() == rows.size * cols.size


def test_gap_rejects_even_kernels_and_bad_shapes():
    with pytest.raises(ValueError, match="equivariance_gap: weight must have odd kernel sides"):
        equivariance_gap(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 2, 3)), 1)
    with pytest.raises(ValueError, match="equivariance_gap"):
        equivariance_gap(np.zeros((5, 5)), np.zeros((1, 1, 3, 3)), 1)


def test_explorer_counts_differences_near_the_edges_only():
    img = np.random.default_rng(2).random((30, 24))
    w = shift_explorer(img, "sobel_x", shift=(3, -4), max_shift=10)
    assert isinstance(w, ShiftExplorer) and w.message.text == ""
    assert bytes(w.figure.image.value).startswith(b"\x89PNG")
    sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    want = _corr_same(_shift(img, 3, -4), sobel) - _shift(_corr_same(img, sobel), 3, -4)
    assert w.differing == np.count_nonzero(np.abs(want) > 1e-9)
    assert w.interior_max < 1e-12
    assert "below 1e-12" in w.readout.value and f"{w.differing:,} of 720" in w.readout.value
    assert repr(w).startswith("<ShiftExplorer: sobel_x, shift (3, -4)")


def test_callback_and_identity_kernel_commutes_everywhere():
    img = np.random.default_rng(3).random((12, 12))
    w = shift_explorer(img)
    w.update(2, 2, "identity")
    # The identity kernel reads only the centre pixel: shifting commutes exactly.
    assert w.differing == 0
    w.dy.value = 0                                   # the sliders run the same callback
    assert "shift (0, " in w.readout.value


def test_explorer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="shift_explorer: kernel_name must be one of"):
        shift_explorer(np.zeros((5, 5)), "nope")
    with pytest.raises(ValueError, match="shift_explorer"):
        shift_explorer(np.zeros((1, 5, 5)))


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def test_chapter_widgets_fit_the_688_px_column():
    from cnnlib.widgets import (
        activation_explorer,
        kernel_playground,
        pooling_explorer,
        size_explorer,
    )

    img = np.random.default_rng(4).random((40, 32))
    made = [shift_explorer(img), activation_explorer(img - 0.5), kernel_playground(img),
            size_explorer(), pooling_explorer(img)]
    for w in made:
        root = getattr(w, "widget", w)
        for part in _descendants(root):
            width = part.layout.width or ""
            if width.endswith("px"):
                assert float(width[:-2]) <= 660, (w, part, width)
            flow = part.layout.flex_flow
            if len(getattr(part, "children", ())) > 2 and type(part).__name__ == "HBox":
                assert flow == "row wrap", (w, part)       # rows of controls wrap on a phone
        fig = w.figure.fig
        assert fig.get_figwidth() * w.figure.dpi <= 688 + 1e-9, w
