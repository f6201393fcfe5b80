"""cnnlib.data: the line patterns, the digits split and the augmentations."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import cnnlib
from cnnlib.data import (
    LINE_CLASSES,
    add_noise,
    compose,
    line_patterns,
    load_digits_split,
    random_rotation,
    random_shift,
    sample_photo,
)

# --------------------------------------------------------------------------
# Line patterns (seed 004)
# --------------------------------------------------------------------------


def hand_templates():
    """The three 8x8 templates written out: bars on rows/columns 3 and 4; the diagonal."""
    vertical = np.zeros((8, 8))
    vertical[:, 3:5] = 1.0
    horizontal = vertical.T.copy()
    diagonal = np.zeros((8, 8))
    for i in range(8):
        diagonal[i, i] = 1.0
        if i + 1 < 8:
            diagonal[i, i + 1] = diagonal[i + 1, i] = 0.35
    return [vertical, horizontal, diagonal]


def test_line_patterns_shapes_labels_and_range():
    X, y, names = line_patterns(10, seed=0)
    assert X.shape == (30, 1, 8, 8) and X.dtype == np.float32
    assert y.shape == (30,) and y.dtype == np.int64
    assert names == LINE_CLASSES == ("vertical", "horizontal", "diagonal")
    assert np.bincount(y).tolist() == [10, 10, 10]
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert not np.array_equal(y[:10], np.zeros(10))         # shuffled, not class by class
    X64, _, _ = line_patterns(2, size=12, seed=0, dtype=np.float64)
    assert X64.shape == (6, 1, 12, 12) and X64.dtype == np.float64


def test_line_patterns_without_noise_or_shift_are_the_templates():
    X, y, _ = line_patterns(2, noise=0.0, max_shift=0, seed=0)
    templates = hand_templates()
    for img, label in zip(X[:, 0], y, strict=True):
        np.testing.assert_array_equal(img, templates[label].astype(np.float32))


def test_line_patterns_are_rolled_templates():
    # Without noise every image is its template rolled by (dr, dc), |dr|, |dc| <= 2,
    # and with 100 images per class every one of the 25 shifts turns up.
    X, y, _ = line_patterns(100, noise=0.0, seed=3)
    templates = hand_templates()
    for label in range(3):
        rolls = {(dr, dc): np.roll(templates[label], (dr, dc), axis=(0, 1)).astype(np.float32)
                 for dr in range(-2, 3) for dc in range(-2, 3)}
        found = set()
        for img in X[y == label, 0]:
            matches = [s for s, r in rolls.items() if np.array_equal(img, r)]
            assert matches, "an image is not a rolled template"
            found.update(matches)
        if label == 2:
            assert len(found) == 25        # every diagonal roll is a distinct image
        else:
            assert {s[1 - label] for s in found} == set(range(-2, 3))  # across the bar


def test_line_patterns_are_seeded():
    a = line_patterns(5, seed=4)
    b = line_patterns(5, seed=4)
    c = line_patterns(5, seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_line_patterns_noise_level():
    # Away from the clip at 0 and 1 the noise is N(0, 0.15): look at the bar pixels of
    # unshifted vertical images, which sit at 1 and so are clipped from above:
    # E[min(1, 1 + e)] = 1 - 0.15 / sqrt(2 pi) = 0.9402.
    X, y, _ = line_patterns(400, max_shift=0, seed=0, dtype=np.float64)
    bars = X[y == 0][:, 0, :, 3:5]
    assert bars.mean() == pytest.approx(1 - 0.15 / np.sqrt(2 * np.pi), abs=0.003)


def test_line_patterns_bad_arguments():
    with pytest.raises(ValueError, match="n_per_class must be an int >= 1, got 0"):
        line_patterns(0)
    with pytest.raises(ValueError, match="size must be an int >= 3"):
        line_patterns(5, size=2)
    with pytest.raises(ValueError, match="noise must be a number >= 0"):
        line_patterns(5, noise=-0.1)


# --------------------------------------------------------------------------
# Digits
# --------------------------------------------------------------------------

DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]   # scikit-learn's docs; 1,797


def test_digits_split_shapes_scale_and_stratification():
    X_train, y_train, X_test, y_test = load_digits_split()
    # ceil(0.2 * 1797) = ceil(359.4) = 360 test images, 1437 training images
    assert X_train.shape == (1437, 1, 8, 8) and X_test.shape == (360, 1, 8, 8)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0    # grey levels 0..16 divided by 16
    assert sum(DIGIT_COUNTS) == 1797
    counts = np.bincount(y_test, minlength=10)
    np.testing.assert_array_equal(counts + np.bincount(y_train, minlength=10), DIGIT_COUNTS)
    for c, total in zip(counts, DIGIT_COUNTS, strict=True):
        assert abs(c - 0.2 * total) <= 1                  # each digit keeps its 20 % share
    # together the two parts hold every image exactly once (sixteenths are exact in float32)
    from sklearn.datasets import load_digits

    ours = (np.concatenate([X_train, X_test]).reshape(1797, 64) * 16).astype(np.int64)
    theirs = load_digits().images.reshape(1797, 64).astype(np.int64)
    np.testing.assert_array_equal(ours[np.lexsort(ours.T)], theirs[np.lexsort(theirs.T)])


def test_digits_split_is_fixed_by_the_seed():
    a = load_digits_split(seed=0)
    b = load_digits_split(seed=0)
    c = load_digits_split(seed=1)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    X_train, _, X_test, _ = load_digits_split(test_size=0.5, dtype=np.float64)
    assert X_test.shape[0] == 899 and X_train.dtype == np.float64    # ceil(898.5)
    with pytest.raises(ValueError, match=r"test_size must be a float in \(0, 1\)"):
        load_digits_split(test_size=1.5)


# --------------------------------------------------------------------------
# Augmentation
# --------------------------------------------------------------------------


def one_hot_images(n, size=9, at=4):
    x = np.zeros((n, 1, size, size), dtype=np.float32)
    x[:, 0, at, at] = 1.0
    return x


def test_random_shift_moves_each_image_by_at_most_max_shift():
    x = one_hot_images(400)
    out = random_shift(x, np.random.default_rng(0), max_shift=2)
    assert out.shape == x.shape and out.dtype == np.float32
    moves = set()
    for img in out[:, 0]:
        (r,), (c,) = np.nonzero(img)
        assert img.sum() == 1.0
        moves.add((int(r) - 4, int(c) - 4))
    assert moves == {(dr, dc) for dr in range(-2, 3) for dc in range(-2, 3)}


def test_random_shift_fills_with_zeros_not_wraparound():
    x = np.ones((200, 2, 4, 5))
    out = random_shift(x, np.random.default_rng(1), max_shift=1)
    # a shifted image of ones loses one row and/or one column to zeros; never wraps
    sums = out.sum(axis=(1, 2, 3)) / 2
    assert set(sums.tolist()) <= {20.0, 16.0, 15.0, 12.0}   # 4x5, 4x4, 3x5, 3x4 ones
    np.testing.assert_array_equal(random_shift(x, np.random.default_rng(1), max_shift=0), x)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])     # channels move together


def test_random_rotation_small_angles():
    x = np.zeros((50, 1, 9, 9))
    x[:, 0, 4, :] = 1.0                                      # a horizontal line
    out = random_rotation(x, np.random.default_rng(0), degrees=10.0)
    assert out.shape == x.shape and out.dtype == x.dtype
    # the centre pixel is the pivot and stays put; the line tilts but stays near row 4
    np.testing.assert_allclose(out[:, 0, 4, 4], 1.0, atol=1e-12)
    assert np.all(out[:, 0, 0, :] < 1e-12) and np.all(out[:, 0, 8, :] < 1e-12)
    assert not np.allclose(out, x)
    np.testing.assert_allclose(random_rotation(x, np.random.default_rng(0), degrees=0.0), x,
                               atol=1e-12)
    # a disc centred on the pivot is unchanged by any rotation, up to interpolation
    rr, cc = np.mgrid[:9, :9]
    disc = ((rr - 4) ** 2 + (cc - 4) ** 2 <= 4).astype(np.float64)[None, None]
    spun = random_rotation(np.repeat(disc, 5, axis=0), np.random.default_rng(0), degrees=45)
    assert np.abs(spun.sum(axis=(1, 2, 3)) - disc.sum()).max() < 0.1 * disc.sum()


def test_random_rotation_nearest_only_moves_values():
    x = np.arange(1.0, 50.0).reshape(1, 1, 7, 7).repeat(20, axis=0)
    out = random_rotation(x, np.random.default_rng(3), degrees=30.0, order=0)
    assert set(np.unique(out)) <= set(np.unique(x)) | {0.0}   # nothing mixed
    bilinear = random_rotation(x, np.random.default_rng(3), degrees=30.0)
    assert not set(np.unique(bilinear)) <= set(np.unique(x)) | {0.0}
    # the same angles either way: the pivot (centre pixel) keeps its value in both
    np.testing.assert_allclose(out[:, 0, 3, 3], 25.0)
    np.testing.assert_allclose(bilinear[:, 0, 3, 3], 25.0, atol=1e-9)


def test_random_rotation_rejects_bad_order_and_degrees():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"random_rotation: order must be 0 \(nearest\) or 1"):
        random_rotation(x, order=3)
    with pytest.raises(ValueError, match="random_rotation: degrees must be a number >= 0"):
        random_rotation(x, degrees=True)


def test_add_noise_statistics_and_clipping():
    x = np.full((100, 1, 10, 10), 0.5)
    out = add_noise(x, np.random.default_rng(0), std=0.1)
    assert (out - x).std() == pytest.approx(0.1, rel=0.03)   # 10,000 draws
    assert abs((out - x).mean()) < 0.005
    clipped = add_noise(np.zeros((10, 1, 4, 4)), np.random.default_rng(0), std=1.0)
    assert clipped.min() == 0.0 and clipped.max() <= 1.0
    free = add_noise(np.zeros((10, 1, 4, 4)), np.random.default_rng(0), std=1.0, clip=None)
    assert free.min() < 0.0
    assert add_noise(x.astype(np.float32), np.random.default_rng(0)).dtype == np.float32


def test_augmentations_are_reproducible_and_use_the_global_seed():
    x = np.random.default_rng(0).random((4, 1, 8, 8))
    for fn in (random_shift, random_rotation, add_noise):
        np.testing.assert_array_equal(fn(x, np.random.default_rng(3)),
                                      fn(x, np.random.default_rng(3)))
        cnnlib.manual_seed(9)
        a = fn(x)
        cnnlib.manual_seed(9)
        np.testing.assert_array_equal(fn(x), a)


def test_compose_applies_left_to_right():
    augment = compose(partial(random_shift, max_shift=0), partial(add_noise, std=0.0, clip=None),
                      lambda x, rng: x * 2)
    x = np.ones((2, 1, 3, 3))
    np.testing.assert_array_equal(augment(x, np.random.default_rng(0)), 2 * x)
    with pytest.raises(TypeError, match="every transform must be callable"):
        compose(random_shift, 3)


def test_augmentations_reject_bad_batches():
    for fn in (random_shift, random_rotation, add_noise):
        with pytest.raises(ValueError, match=r"x must be 4-D with shape \(N, C, H, W\), got 3-D"):
            fn(np.zeros((1, 8, 8)))
        with pytest.raises(TypeError, match="x must be a numpy.ndarray"):
            fn([[0.0]])
    with pytest.raises(ValueError, match="max_shift must be an int >= 0"):
        random_shift(np.zeros((1, 1, 2, 2)), max_shift=-1)
    # a shift as large as a side could leave nothing of the image
    with pytest.raises(ValueError, match=r"random_shift: max_shift must be smaller than the "
                                         r"images' sides \(2, 3\), got 2"):
        random_shift(np.zeros((1, 1, 2, 3)), max_shift=2)


def test_sample_photo_is_still_there():
    photo = sample_photo(gray=True)
    assert photo.ndim == 2 and 0.0 <= photo.min() and photo.max() <= 1.0


def test_train_val_split_is_stratified_disjoint_and_complete():
    from cnnlib.data import train_val_split

    X_train, y_train, _, _ = load_digits_split()
    X_fit, y_fit, X_val, y_val = train_val_split(X_train, y_train, val_size=0.2, seed=3)
    # ceil(0.2 * 1437) = 288 held out, as scikit-learn rounds the test part up.
    assert X_val.shape[0] == 288 and X_fit.shape[0] == 1437 - 288
    # Every image lands in exactly one part: compare the multisets of rows.
    rows = lambda a: sorted(map(bytes, a.reshape(a.shape[0], -1)))  # noqa: E731
    assert rows(np.concatenate([X_fit, X_val])) == rows(X_train)
    # Stratified: each digit's share of the validation part is within one image of 20 %.
    for digit in range(10):
        n = int((y_train == digit).sum())
        assert abs(int((y_val == digit).sum()) - 0.2 * n) <= 1
    with pytest.raises(ValueError, match="train_val_split: val_size"):
        train_val_split(X_train, y_train, val_size=1.5)
    with pytest.raises(ValueError, match="train_val_split: X and y"):
        train_val_split(X_train, y_train[:-1])
