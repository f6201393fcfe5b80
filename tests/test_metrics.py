"""cnnlib.metrics: expected values worked by hand or by a plain loop written differently."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib.metrics import (
    accuracy_interval,
    accuracy_standard_error,
    best_epoch,
    early_stopping,
    epochs_to_reach,
    hardest_examples,
    most_confused,
    per_class_accuracy,
)
from cnnlib.train import confusion_matrix


# ---------------------------------------------------------------- epochs_to_reach
def test_epochs_to_reach_counts_from_one_and_takes_the_first_crossing():
    acc = [0.40, 0.80, 0.95, 0.90, 0.99]
    assert epochs_to_reach(acc, 0.95) == 3          # equal to the threshold counts
    assert epochs_to_reach(acc, 0.96) == 5          # the dip at epoch 4 does not
    assert epochs_to_reach(acc, 0.10) == 1
    assert epochs_to_reach(acc, 0.999) is None


def test_epochs_to_reach_accepts_arrays_and_ignores_nan():
    assert epochs_to_reach(np.array([math.nan, 0.2, 0.7]), 0.5) == 3


@pytest.mark.parametrize("bad", [[], [[0.1, 0.2]], np.zeros((2, 2))])
def test_epochs_to_reach_rejects_a_curve_that_is_not_1d(bad):
    with pytest.raises(ValueError, match="epochs_to_reach: values must be"):
        epochs_to_reach(bad, 0.5)


def test_epochs_to_reach_rejects_a_non_number_threshold():
    with pytest.raises(TypeError, match="epochs_to_reach: threshold"):
        epochs_to_reach([0.1], "0.5")


# ---------------------------------------------------------------- best_epoch
def test_best_epoch_min_and_max_first_of_ties():
    loss = [2.3, 0.7, 0.5, 0.5, 0.9]
    assert best_epoch(loss) == 3                    # the first of the two 0.5s
    assert best_epoch(loss, mode="max") == 1
    assert best_epoch([1.0]) == 1


def test_best_epoch_rejects_unknown_mode():
    with pytest.raises(ValueError, match="best_epoch: mode must be 'min' or 'max', got 'mean'"):
        best_epoch([1.0, 2.0], mode="mean")


# ---------------------------------------------------------------- hardest_examples
def test_hardest_examples_against_losses_worked_by_hand():
    # Two classes.  Row i's loss is log(1 + exp(z_wrong - z_right)).
    logits = np.array([[3.0, 0.0],     # right by 3:  log(1 + e^-3) = 0.04859
                       [0.0, 1.0],     # wrong by 1:  log(1 + e^1)  = 1.31326
                       [0.0, 0.0],     # a tie:       log 2         = 0.69315
                       [0.0, 4.0]])    # wrong by 4:  log(1 + e^4)  = 4.01815
    target = np.array([0, 0, 0, 0])
    idx, loss = hardest_examples(logits, target, k=3)
    assert idx.tolist() == [3, 1, 2]
    np.testing.assert_allclose(loss, [math.log1p(math.e ** 4), math.log1p(math.e), math.log(2)])
    assert idx.dtype == np.int64 and loss.dtype == np.float64


def test_hardest_examples_equal_losses_keep_row_order_and_k_may_exceed_n():
    logits = np.zeros((4, 3))
    idx, loss = hardest_examples(logits, np.array([2, 0, 1, 0]), k=10)
    assert idx.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(loss, np.full(4, math.log(3)))


def test_hardest_examples_matches_a_loop_over_rows():
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((50, 10))
    target = rng.integers(0, 10, size=50)
    by_loop = []
    for i in range(50):
        z = logits[i] - logits[i].max()
        by_loop.append(-(z[target[i]] - math.log(sum(math.exp(v) for v in z))))
    expected = sorted(range(50), key=lambda i: -by_loop[i])[:5]
    idx, loss = hardest_examples(logits, target, k=5)
    assert idx.tolist() == expected
    np.testing.assert_allclose(loss, [by_loop[i] for i in expected])


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_hardest_examples_rejects_bad_k(k):
    with pytest.raises(ValueError, match="hardest_examples: k must be a positive int"):
        hardest_examples(np.zeros((2, 2)), np.array([0, 1]), k=k)


def test_hardest_examples_rejects_labels_out_of_range():
    with pytest.raises(ValueError):
        hardest_examples(np.zeros((2, 2)), np.array([0, 2]))


# ---------------------------------------------------------------- confusion-matrix readers
def test_per_class_accuracy_is_the_diagonal_over_row_sums():
    cm = np.array([[8, 1, 1],
                   [0, 5, 0],
                   [2, 2, 0]])
    np.testing.assert_allclose(per_class_accuracy(cm), [0.8, 1.0, 0.0])


def test_per_class_accuracy_of_an_absent_class_is_nan():
    out = per_class_accuracy(np.array([[2, 0], [0, 0]]))
    assert out[0] == 1.0 and math.isnan(out[1])


def test_most_confused_from_a_confusion_matrix_of_known_mistakes():
    target = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    predicted = np.array([0, 2, 2, 1, 0, 2, 1, 1, 1])
    cm = confusion_matrix(target, predicted, 3)
    # Mistakes: 0->2 twice, 1->0 once, 2->1 three times.
    assert most_confused(cm, k=2) == [(2, 1, 3), (0, 2, 2)]
    assert most_confused(cm, k=10) == [(2, 1, 3), (0, 2, 2), (1, 0, 1)]
    assert most_confused(np.eye(3, dtype=np.int64)) == []


@pytest.mark.parametrize("fn", [per_class_accuracy, most_confused])
def test_confusion_readers_reject_a_non_square_or_float_matrix(fn):
    with pytest.raises(ValueError, match="must be a square"):
        fn(np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="non-negative integer counts"):
        fn(np.zeros((2, 2)))


# ---------------------------------------------------------------- accuracy intervals
def test_standard_error_by_hand():
    assert accuracy_standard_error(50, 100) == pytest.approx(0.05)          # sqrt(.25/100)
    assert accuracy_standard_error(9, 10) == pytest.approx(math.sqrt(0.09 / 10))
    assert accuracy_standard_error(10, 10) == 0.0


def test_normal_interval_is_1_1_points_at_98_9_percent_of_360():
    # 356/360 = 98.9 %; 1.96 * sqrt(p (1 - p) / 360) = 0.0108: "98.9 % +- 1.1 points".
    low, high = accuracy_interval(356, 360, method="normal")
    p = 356 / 360
    assert p - low == pytest.approx(1.959964 * math.sqrt(p * (1 - p) / 360), rel=1e-6)
    assert high - p == pytest.approx(p - low)
    assert round(100 * (high - p), 1) == 1.1


def test_wilson_interval_agrees_with_scipy_and_with_solving_the_quadratic():
    from scipy.stats import binomtest

    for k, n in [(356, 360), (0, 20), (20, 20), (7, 13), (283, 288)]:
        ref = binomtest(k, n).proportion_ci(0.95, method="wilson")
        low, high = accuracy_interval(k, n)
        assert (low, high) == pytest.approx((ref.low, ref.high), abs=1e-9)
        # Wilson's bounds solve (p - q)^2 = z^2 q (1 - q) / n for q.
        z2, p = 1.959963984540054 ** 2, k / n
        roots = np.sort(np.roots([1 + z2 / n, -(2 * p + z2 / n), p * p]).real)
        np.testing.assert_allclose([low, high], roots, atol=1e-9)


def test_wilson_is_lopsided_near_one_and_never_leaves_0_1():
    low, high = accuracy_interval(356, 360)
    p = 356 / 360
    assert p - low > high - p                       # more room below than above
    assert accuracy_interval(20, 20)[1] == pytest.approx(1.0)
    assert accuracy_interval(20, 20, method="normal") == (1.0, 1.0)   # the Wald failure
    assert accuracy_interval(0, 20)[0] == pytest.approx(0.0, abs=1e-15)


def test_wider_confidence_gives_a_wider_interval():
    l95, h95 = accuracy_interval(300, 360)
    l99, h99 = accuracy_interval(300, 360, confidence=0.99)
    assert l99 < l95 and h99 > h95


@pytest.mark.parametrize("args, err, match", [
    ((361, 360), ValueError, "accuracy_interval: need 0 <= correct <= total"),
    ((1, 0), ValueError, "accuracy_interval: need"),
    ((0.9, 10), TypeError, "accuracy_interval: correct must be an int"),
    ((9, 10, 1.5), ValueError, "accuracy_interval: confidence must be a number in"),
    ((9, 10, 0.95, "exact"), ValueError, "accuracy_interval: method must be 'wilson' or"),
])
def test_accuracy_interval_rejects_bad_input(args, err, match):
    with pytest.raises(err, match=match):
        accuracy_interval(*args)


def test_standard_error_rejects_bad_counts():
    with pytest.raises(ValueError, match="accuracy_standard_error: need 0 <= correct"):
        accuracy_standard_error(-1, 10)


# ---------------------------------------------------------------- early_stopping
def replay_by_training(values, patience, mode, min_delta):
    """An independent replay: 'train' epoch by epoch and keep a checkpoint dict."""
    better = (lambda a, b: a < b - min_delta) if mode == "min" else (lambda a, b: a > b + min_delta)
    checkpoint = {"epoch": 1, "value": values[0]}
    bad = 0
    for epoch, value in enumerate(values[1:], start=2):
        if better(value, checkpoint["value"]):
            checkpoint = {"epoch": epoch, "value": value}
            bad = 0
        else:
            bad += 1
        if bad >= patience:
            return epoch, checkpoint["epoch"]
    return len(values), checkpoint["epoch"]


def test_early_stopping_by_hand():
    loss = [1.0, 0.6, 0.5, 0.55, 0.52, 0.51, 0.7]
    assert early_stopping(loss, patience=3) == (6, 3)       # 4, 5, 6 do not beat 0.5
    assert early_stopping(loss, patience=4) == (7, 3)
    assert early_stopping(loss, patience=5) == (7, 3)       # never fires: runs to the end
    assert early_stopping([0.2, 0.5, 0.9], patience=1, mode="max") == (3, 3)
    assert early_stopping([0.9, 0.5], patience=1, mode="max") == (2, 1)


def test_early_stopping_min_delta_ignores_tiny_improvements():
    loss = [1.0, 0.999, 0.998, 0.997]
    assert early_stopping(loss, patience=2) == (4, 4)
    assert early_stopping(loss, patience=2, min_delta=0.01) == (3, 1)


def test_early_stopping_agrees_with_a_checkpointing_loop_on_random_curves():
    rng = np.random.default_rng(0)
    for _ in range(200):
        values = list(np.round(rng.random(rng.integers(1, 25)), 1))   # ties happen
        patience = int(rng.integers(1, 6))
        mode = ["min", "max"][int(rng.integers(2))]
        delta = float(rng.choice([0.0, 0.1]))
        expected = replay_by_training(values, patience, mode, delta)
        assert tuple(early_stopping(values, patience, mode, delta)) == expected


@pytest.mark.parametrize("kwargs, match", [
    ({"patience": 0}, "early_stopping: patience must be an int >= 1"),
    ({"mode": "lowest"}, "early_stopping: mode must be 'min' or 'max'"),
    ({"min_delta": -0.1}, "early_stopping: min_delta must be a number >= 0"),
])
def test_early_stopping_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        early_stopping([1.0, 0.5], **kwargs)
