"""The augmentation explorer (chapter 10) and augment_copies.

Expected values come from hand-made patterns shifted by explicit loops, and
from class means and distances computed here with plain loops, not from
the widget's own numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.data import load_digits_split, random_shift, train_val_split
from cnnlib.viz.style import MIN_FONT_PT, smallest_font_pt
from cnnlib.widgets import AugmentationExplorer, augmentation_explorer
from cnnlib.widgets.augmentation import GREY_LEVEL, augment_copies


def _shift(img, dy, dx):
    """out[r, c] = img[r - dy, c - dx], zero where that falls outside."""
    out = np.zeros_like(img)
    for r in range(img.shape[0]):
        for c in range(img.shape[1]):
            if 0 <= r - dy < img.shape[0] and 0 <= c - dx < img.shape[1]:
                out[r, c] = img[r - dy, c - dx]
    return out


@pytest.fixture(scope="module")
def split():
    X_pool, y_pool, _, _ = load_digits_split(dtype=np.float64)
    return train_val_split(X_pool, y_pool, val_size=0.2, seed=0)


@pytest.fixture(scope="module")
def explorer():
    return augmentation_explorer()


def _nearest_mean(images, X_train, y_train):
    """Label of the nearest class mean, by loops over the classes."""
    means = [X_train[y_train == d].reshape(-1, 64).mean(axis=0) for d in range(10)]
    labels = []
    for img in images.reshape(len(images), 64):
        dists = [np.sqrt(np.sum((img - m) ** 2)) for m in means]
        labels.append(int(np.argmin(dists)))
    return np.array(labels)


def test_no_augmentation_returns_the_digit_unchanged(split):
    X_train = split[0]
    img = X_train[5, 0]
    for resampling in ("bilinear", "nearest"):
        copies = augment_copies(img, 6, max_shift=0, degrees=0.0, noise=0.0, seed=1,
                                resampling=resampling)
        assert copies.shape == (6, 8, 8)
        assert np.array_equal(copies, np.repeat(img[None], 6, axis=0))


def test_a_shift_of_one_moves_a_pattern_by_at_most_one_pixel():
    pattern = np.zeros((6, 7))
    pattern[2, 1:4] = [0.25, 0.5, 1.0]          # an asymmetric bar, off centre
    pattern[3, 3] = 0.75
    hand = {(dy, dx): _shift(pattern, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    copies = augment_copies(pattern, 200, max_shift=1, seed=0)
    seen = set()
    for copy in copies:
        match = [k for k, v in hand.items() if np.array_equal(copy, v)]
        assert len(match) == 1, copy
        seen.add(match[0])
    assert seen == set(hand)                    # all nine shifts occur in 200 draws


def test_nearest_rotation_never_mixes_values_bilinear_does():
    pattern = np.zeros((8, 8))
    pattern[1:7, 4] = np.linspace(0.2, 1.0, 6)
    nearest = augment_copies(pattern, 5, max_shift=0, degrees=30.0, seed=2,
                             resampling="nearest")
    assert set(np.unique(nearest)) <= set(np.unique(pattern))
    bilinear = augment_copies(pattern, 5, max_shift=0, degrees=30.0, seed=2)
    assert not set(np.unique(bilinear)) <= set(np.unique(pattern))


def test_noise_stays_in_the_grey_range():
    copies = augment_copies(np.full((8, 8), 0.5), 4, max_shift=0, noise=0.3, seed=0)
    assert copies.min() >= 0.0 and copies.max() <= 1.0
    assert np.count_nonzero(copies == 0.0) > 0 and np.count_nonzero(copies == 1.0) > 0


def test_default_copies_are_the_chapters_five_shifts(split):
    explorer = augmentation_explorer()
    X_train, y_train = split[:2]
    first_zero = X_train[np.flatnonzero(y_train == 0)[:1]]          # X_small[:1]
    moved = random_shift(np.repeat(first_zero, 5, axis=0), np.random.default_rng(3),
                         max_shift=1)
    assert np.array_equal(explorer.copies[:5], moved[:, 0])
    assert np.array_equal(explorer.original, first_zero[0, 0])


def test_readout_against_a_hand_computation(split, explorer):
    X_train, y_train, X_val, y_val = split
    w = explorer
    w.update(digit=3, max_shift=1, degrees=10.0, noise=0.1, seed=4, resampling="bilinear")
    original = X_train[np.flatnonzero(y_train == 3)[0], 0]
    assert np.array_equal(w.original, original)
    diff = np.abs(w.copies[0] - original)
    changed = sum(1 for r in range(8) for c in range(8) if diff[r, c] >= 1 / 16 - 1e-12)
    assert w.changed == changed and abs(w.mean_change - diff.sum() / 64) < 1e-12
    readings = _nearest_mean(w.copies, X_train, y_train)
    assert np.array_equal(w.readings, readings)
    kept = int(np.sum(readings == 3))
    assert f"<b>{kept} of 8</b> copies as 3" in w.readout.value
    assert f"{changed} of 64 pixels changed" in w.readout.value
    val_acc = np.mean(_nearest_mean(X_val, X_train, y_train) == y_val)
    assert abs(w.yardstick_accuracy - val_acc) < 1e-12
    assert f"{val_acc:.1%} of the 288" in w.readout.value
    assert GREY_LEVEL == 1 / 16


def test_unchanged_setting_reads_zero_change(explorer):
    explorer.update(digit=7, max_shift=0, degrees=0.0, noise=0.0, seed=0)
    assert explorer.changed == 0 and explorer.mean_change == 0.0
    assert repr(explorer).startswith("<AugmentationExplorer: digit 7, shift 0, rotation 0°")
    assert repr(explorer).endswith("8 of 8 copies read as 7>")
    assert np.all(explorer.readings == explorer.original_reading)


def test_impossible_settings_show_the_librarys_message(explorer):
    w = explorer
    cases = [({"max_shift": -1}, "random_shift: max_shift must be an int >= 0"),
             ({"max_shift": 8}, "random_shift: max_shift must be smaller than the images' sides"),
             ({"noise": -0.1}, "add_noise: std must be a number >= 0"),
             ({"degrees": -5.0}, "random_rotation: degrees must be a number >= 0"),
             ({"digit": 10}, "augmentation_explorer: digit must be an int from 0 to 9")]
    for kwargs, text in cases:
        assert w._guarded(**kwargs) is False
        assert w.message.text.startswith(text), (kwargs, w.message.text)
    assert w._guarded() is True and w.message.text == ""


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="augmentation_explorer: digit"):
        augmentation_explorer(digit=12)
    with pytest.raises(ValueError, match="augmentation_explorer: resampling"):
        augmentation_explorer(resampling="cubic")
    with pytest.raises(ValueError, match="augment_copies: image must be 2-D"):
        augment_copies(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match="augment_copies: copies"):
        augment_copies(np.zeros((8, 8)), copies=0)


def test_sliders_run_the_callback_and_repr_is_short(explorer):
    w = explorer
    w.digit.value = 4
    w.shift.value = 0
    w.degrees.value = 0.0
    w.noise.value = 0.0
    assert w.changed == 0 and "as 4" in w.readout.value
    w.noise.value = 0.5
    assert w.changed > 0
    text = repr(w)
    assert text.startswith("<AugmentationExplorer: digit 4, shift 0") and len(text) < 120
    assert bytes(w.figure.image.value).startswith(b"\x89PNG")


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def test_fits_the_column_and_wraps(explorer):
    assert isinstance(explorer, AugmentationExplorer)
    for part in _descendants(explorer.widget):
        width = part.layout.width or ""
        if width.endswith("px"):
            assert float(width[:-2]) <= 660, (part, width)
        if type(part).__name__ == "HBox" and len(part.children) > 2:
            assert part.layout.flex_flow == "row wrap"
    fig = explorer.figure.fig
    assert fig.get_figwidth() * explorer.figure.dpi <= 688 + 1e-9
    assert smallest_font_pt(fig) >= MIN_FONT_PT
