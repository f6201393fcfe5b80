"""cnnlib.experiments: seeds stacked, sweeps, spreads and ablation controls.

Expected values are worked by hand from small made-up histories, or come from
an independent computation (SciPy's shift and rotation for the augmentations).
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.experiments import (
    Spread,
    best_setting,
    lr_sweep,
    moving_average,
    nearest_rotation,
    run_seeds,
    settings_within,
    subpixel_shift,
    summarise,
    sweep,
    tail_mean,
)


def fake_history(seed, lr=1.0):
    """Three epochs whose numbers encode the seed and the setting."""
    return {"val_accuracy": [0.1 * seed, 0.2 * seed, lr],
            "val_loss": [3.0, 2.0, 1.0 + seed], "test_accuracy": 0.5 + seed}


# ------------------------------------------------------------------ run_seeds
def test_run_seeds_stacks_one_row_per_seed_in_the_order_given():
    calls = []

    def train(seed):
        calls.append(seed)
        return fake_history(seed)

    runs = run_seeds(train, [2, 0, 1])
    assert calls == [2, 0, 1]
    assert runs["val_accuracy"].shape == (3, 3) and runs["val_accuracy"].dtype == np.float64
    np.testing.assert_allclose(runs["val_accuracy"][0], [0.2, 0.4, 1.0])
    np.testing.assert_allclose(runs["val_loss"][:, -1], [3.0, 1.0, 2.0])
    np.testing.assert_allclose(runs["test_accuracy"], [2.5, 0.5, 1.5])     # scalars: (S,)


def test_run_seeds_accepts_a_range():
    assert run_seeds(fake_history, range(4))["val_loss"].shape == (4, 3)


def test_run_seeds_rejects_histories_of_different_lengths():
    with pytest.raises(ValueError, match="run_seeds: 'loss' must be one number per epoch"):
        run_seeds(lambda s: {"loss": [1.0] * (s + 1)}, [0, 1])


def test_run_seeds_rejects_a_missing_name():
    with pytest.raises(ValueError, match="run_seeds: the history of seed 1 has no 'b'"):
        run_seeds(lambda s: {"a": [1.0], "b": [2.0]} if s == 0 else {"a": [1.0]}, [0, 1])


@pytest.mark.parametrize("seeds, err", [(3, TypeError), ([], ValueError), ([0, -1], ValueError),
                                        ([0.5], ValueError), ([True], ValueError)])
def test_run_seeds_rejects_bad_seeds(seeds, err):
    with pytest.raises(err, match="run_seeds: seeds|run_seeds: every seed"):
        run_seeds(fake_history, seeds)


def test_run_seeds_rejects_a_train_fn_that_returns_no_history():
    with pytest.raises(TypeError, match="run_seeds: train_fn must return"):
        run_seeds(lambda s: 0.5, [0])
    with pytest.raises(TypeError, match="run_seeds: train_fn must be callable"):
        run_seeds("fit", [0])


# ------------------------------------------------------------------ sweep, lr_sweep
def test_sweep_pairs_every_setting_with_every_seed():
    seen = []

    def train(setting, seed):
        seen.append((setting, seed))
        return {"score": [setting * 10 + seed]}

    res = sweep(train, [1, 2], [0, 1, 2])
    assert list(res) == [1, 2]
    assert seen == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
    np.testing.assert_allclose(res[2]["score"].ravel(), [20, 21, 22])


def test_sweep_rejects_repeated_or_empty_settings():
    with pytest.raises(ValueError, match="sweep: settings must be distinct"):
        sweep(lambda s, seed: {"a": [1.0]}, [0.1, 0.1], [0])
    with pytest.raises(ValueError, match="sweep: settings must be a non-empty"):
        sweep(lambda s, seed: {"a": [1.0]}, [], [0])


def test_lr_sweep_keys_by_float_learning_rate():
    res = lr_sweep(lambda lr, seed: fake_history(seed, lr), [1, 0.5], range(2))
    assert list(res) == [1.0, 0.5] and all(isinstance(k, float) for k in res)
    np.testing.assert_allclose(res[0.5]["val_accuracy"][:, -1], [0.5, 0.5])


@pytest.mark.parametrize("lrs", [[0.1, 0.0], [-1.0], ["0.1"], [True]])
def test_lr_sweep_rejects_non_positive_rates(lrs):
    with pytest.raises(ValueError, match="lr_sweep: every learning rate must be a number > 0"):
        lr_sweep(lambda lr, seed: {"a": [1.0]}, lrs, [0])


# ------------------------------------------------------------------ tail_mean, moving_average
def test_tail_mean_by_hand():
    c = [[1.0, 2.0, 3.0, 4.0], [4.0, 0.0, 0.0, 2.0]]
    np.testing.assert_allclose(tail_mean(c), [4.0, 2.0])
    np.testing.assert_allclose(tail_mean(c, last=3), [3.0, 2.0 / 3.0])
    np.testing.assert_allclose(tail_mean(c, last=4), [2.5, 1.5])
    assert float(tail_mean([1.0, 5.0], last=2)) == 3.0


def test_tail_mean_rejects_bad_windows():
    with pytest.raises(ValueError, match="tail_mean: last must be at most the 2 epochs"):
        tail_mean([[1.0, 2.0]], last=3)
    with pytest.raises(ValueError, match="tail_mean: last must be an int >= 1"):
        tail_mean([[1.0, 2.0]], last=0)
    with pytest.raises(ValueError, match="tail_mean: curves must have shape"):
        tail_mean(np.zeros((2, 2, 2)))


def test_moving_average_equals_a_loop_over_windows():
    rng = np.random.default_rng(0)
    c = rng.normal(size=(3, 9))
    for window in (1, 2, 4, 9):
        expected = np.array([[row[j:j + window].mean() for j in range(9 - window + 1)]
                             for row in c])
        np.testing.assert_allclose(moving_average(c, window), expected, rtol=1e-12)
    np.testing.assert_allclose(moving_average([2.0, 4.0, 9.0], 3), [5.0])


def test_moving_average_rejects_a_window_longer_than_the_curve():
    with pytest.raises(ValueError, match="moving_average: window must be at most the 3 epochs"):
        moving_average([1.0, 2.0, 3.0], 4)


# ------------------------------------------------------------------ summarise, best_setting
RESULTS = {
    0.01: {"val_accuracy": np.array([[0.5, 0.60], [0.5, 0.70], [0.5, 0.80]]),
           "val_loss": np.array([[1.0, 0.9], [1.0, 0.8], [1.0, 0.7]])},
    0.1: {"val_accuracy": np.array([[0.9, 0.96], [0.9, 0.97], [0.9, 0.95]]),
          "val_loss": np.array([[0.5, 0.2], [0.5, 0.1], [0.5, 0.3]])},
    1.0: {"val_accuracy": np.array([[0.9, 0.95], [0.9, 0.95], [0.9, 0.95]]),
          "val_loss": np.array([[0.5, 0.25], [0.5, 0.25], [0.5, 0.25]])},
}


def test_summarise_gives_mean_min_max_over_seeds_of_the_last_epoch():
    s = summarise(RESULTS)
    assert list(s) == [0.01, 0.1, 1.0]
    assert isinstance(s[0.1], Spread)
    assert s[0.01].mean == pytest.approx(0.70) and (s[0.01].min, s[0.01].max) == (0.6, 0.8)
    assert s[0.1].mean == pytest.approx(0.96)
    np.testing.assert_allclose(s[0.1].values, [0.96, 0.97, 0.95])


def test_summarise_last_two_epochs_and_scalar_scores():
    s = summarise(RESULTS, key="val_loss", last=2)
    assert s[0.1].mean == pytest.approx((0.35 + 0.3 + 0.4) / 3)
    scalar = {"a": {"test": np.array([0.9, 0.8])}}
    assert summarise(scalar, key="test")["a"].min == 0.8


def test_summarise_names_a_missing_key():
    with pytest.raises(ValueError, match="summarise: setting 0.01 has no 'accuracy'"):
        summarise(RESULTS, key="accuracy")


def test_best_setting_max_accuracy_and_min_loss():
    assert best_setting(RESULTS) == 0.1                          # 0.96 > 0.95 > 0.70
    assert best_setting(RESULTS, key="val_loss", mode="min") == 0.1     # 0.2 < 0.25 < 0.8
    # over the last two epochs 1.0 ties 0.1 on accuracy (0.925 each): the first wins
    assert best_setting(RESULTS, last=2) == 0.1


def test_best_setting_rejects_a_bad_mode():
    with pytest.raises(ValueError, match="best_setting: mode must be 'min' or 'max', got 'low'"):
        best_setting(RESULTS, mode="low")


def test_settings_within_a_tolerance_of_the_best():
    assert settings_within(RESULTS, 0.02) == [0.1, 1.0]
    assert settings_within(RESULTS, 0.0) == [0.1]
    assert settings_within(RESULTS, 0.3) == [0.01, 0.1, 1.0]
    assert settings_within(RESULTS, 0.06, key="val_loss", mode="min") == [0.1, 1.0]
    with pytest.raises(ValueError, match="settings_within: tolerance must be a number >= 0"):
        settings_within(RESULTS, -0.1)


# ------------------------------------------------------------------ ablation controls
def test_subpixel_shift_matches_scipy_bilinear_shift():
    from scipy import ndimage

    rng = np.random.default_rng(5)
    x = rng.random((4, 2, 8, 7))
    out = subpixel_shift(x, np.random.default_rng(1), max_shift=0.9)
    shifts = np.random.default_rng(1).uniform(-0.9, 0.9, size=(4, 2))
    for i, (dy, dx) in enumerate(shifts):
        expected = ndimage.shift(x[i], (0, dy, dx), order=1, mode="grid-constant")
        np.testing.assert_allclose(out[i], expected, atol=1e-12)


def test_subpixel_shift_half_pixel_by_hand_and_keeps_dtype():
    # A single bright pixel moved by (0, +0.5) spreads half to its right neighbour.
    x = np.zeros((1, 1, 1, 4), dtype=np.float32)
    x[0, 0, 0, 1] = 1.0

    class Half:
        def uniform(self, low, high, size):
            return np.array([[0.0, 0.5]])

    out = subpixel_shift(x, Half(), max_shift=0.5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.ravel(), [0.0, 0.5, 0.5, 0.0])


def test_subpixel_shift_whole_pixel_at_the_edge_of_the_range():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)

    class MinusOne:
        def uniform(self, low, high, size):
            return np.array([[-1.0, 0.0]])

    out = subpixel_shift(x, MinusOne(), max_shift=1.0)
    np.testing.assert_allclose(out[0, 0], [[4, 5, 6], [7, 8, 9], [0, 0, 0]])


def test_nearest_rotation_only_moves_values_and_matches_scipy():
    from scipy import ndimage

    x = np.random.default_rng(2).random((3, 1, 8, 8))
    out = nearest_rotation(x, np.random.default_rng(4), degrees=15.0)
    assert np.isin(out, np.append(x.ravel(), 0.0)).all()          # nothing interpolated
    angles = np.random.default_rng(4).uniform(-15.0, 15.0, size=3)
    for i, a in enumerate(angles):
        expected = ndimage.rotate(x[i, 0], a, reshape=False, order=0, mode="constant")
        np.testing.assert_allclose(out[i, 0], expected)


def test_nearest_rotation_quarter_turn_by_hand():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 0, 1] = 1.0                                           # top middle

    class Ninety:
        def uniform(self, low, high, size):
            return np.array([90.0])

    out = nearest_rotation(x, Ninety(), degrees=90.0)[0, 0]
    assert out.sum() == 1.0 and out[1, 1] == 0.0 and out[0, 1] == 0.0
    assert out[1, 0] == 1.0 or out[1, 2] == 1.0                  # moved to a side middle


@pytest.mark.parametrize("fn", [subpixel_shift, nearest_rotation])
def test_ablation_controls_reject_bad_input(fn):
    with pytest.raises(TypeError, match=f"{fn.__name__}: x must be a numpy.ndarray"):
        fn([[1.0]])
    with pytest.raises(ValueError, match=f"{fn.__name__}: x must be 4-D"):
        fn(np.zeros((2, 8, 8)))


def test_ablation_controls_reject_bad_amounts():
    with pytest.raises(ValueError, match=r"subpixel_shift: max_shift must be a number in \[0, 1\]"):
        subpixel_shift(np.zeros((1, 1, 2, 2)), max_shift=1.5)
    with pytest.raises(ValueError, match="nearest_rotation: degrees must be a number >= 0"):
        nearest_rotation(np.zeros((1, 1, 2, 2)), degrees=-1)
