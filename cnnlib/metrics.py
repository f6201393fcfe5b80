"""Reading a training run: when a curve crosses a line, where it bottoms out, what went wrong.

Small functions over the per-epoch lists that :func:`cnnlib.train.fit`
returns and over a model's outputs on a test set: the epoch a curve first
reaches a target, the epoch of its best value, the test examples with the
highest loss, per-class accuracy and the most frequent confusions from a
confusion matrix (:func:`cnnlib.train.confusion_matrix`), and how far a
test accuracy measured on N images can be trusted
(:func:`accuracy_interval`).  Introduced in the chapter "Training in
practice".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .nn.functional import cross_entropy

__all__ = [
    "accuracy_interval",
    "accuracy_standard_error",
    "best_epoch",
    "EarlyStop",
    "early_stopping",
    "epochs_to_reach",
    "hardest_examples",
    "most_confused",
    "per_class_accuracy",
]


def _curve(values: Sequence[float] | np.ndarray, fn: str) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(
            f"{fn}: values must be a non-empty 1-D sequence (one number per epoch), got shape "
            f"{tuple(v.shape)}"
        )
    return v


def epochs_to_reach(values: Sequence[float] | np.ndarray, threshold: float) -> int | None:
    """The first epoch (counting from 1) whose value is at least ``threshold``.

    Parameters
    ----------
    values : sequence of float, length E
        One number per epoch, e.g. ``history['val_accuracy']``.
    threshold : float

    Returns
    -------
    int or None
        ``e`` in ``1..E`` with ``values[e - 1] >= threshold`` and no earlier
        epoch reaching it; None if no epoch does.

    Examples
    --------
    >>> epochs_to_reach([0.5, 0.93, 0.97, 0.96], 0.95)
    3
    >>> epochs_to_reach([0.5, 0.6], 0.95) is None
    True
    """
    fn = "epochs_to_reach"
    v = _curve(values, fn)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"{fn}: threshold must be a number, got {type(threshold).__name__}")
    hits = np.flatnonzero(v >= threshold)
    return int(hits[0]) + 1 if hits.size else None


def best_epoch(values: Sequence[float] | np.ndarray, mode: str = "min") -> int:
    """The epoch (counting from 1) of the smallest (``'min'``) or largest (``'max'``) value.

    The first such epoch when several tie.  With a test loss, the epochs
    after the best one are where the network started to overfit.

    Parameters
    ----------
    values : sequence of float, length E
    mode : {'min', 'max'}, default 'min'

    Returns
    -------
    int in ``1..E``

    Examples
    --------
    >>> best_epoch([0.9, 0.4, 0.5, 0.4])
    2
    >>> best_epoch([0.1, 0.8, 0.7], mode="max")
    2
    """
    fn = "best_epoch"
    v = _curve(values, fn)
    if mode not in ("min", "max"):
        raise ValueError(f"{fn}: mode must be 'min' or 'max', got {mode!r}")
    return int(np.argmin(v) if mode == "min" else np.argmax(v)) + 1


class EarlyStop(NamedTuple):
    """Where an early-stopping rule stops, and which epoch's weights it keeps."""

    stop_epoch: int
    best_epoch: int


def early_stopping(values: Sequence[float] | np.ndarray, patience: int = 10,
                   mode: str = "min", min_delta: float = 0.0) -> EarlyStop:
    """Replay an early-stopping rule on a recorded validation curve.

    The rule: after every epoch, if the value improved on the best so far
    by more than ``min_delta``, remember this epoch (and its weights);
    otherwise count one more epoch without improvement, and stop after
    ``patience`` of them in a row, keeping the remembered weights.  Because
    training is deterministic, the epochs before the stop are the same
    whether or not training went on, so a full history tells exactly where
    the rule would have stopped.

    Parameters
    ----------
    values : sequence of float, length E
        E.g. ``history['val_loss']``.
    patience : int, default 10
        Epochs without improvement before stopping, >= 1.
    mode : {'min', 'max'}, default 'min'
        ``'min'`` for a loss, ``'max'`` for an accuracy.
    min_delta : float, default 0
        The smallest change that counts as an improvement.

    Returns
    -------
    EarlyStop
        ``stop_epoch``: the epoch (counting from 1) after which training
        stops, E if the rule never fires; ``best_epoch``: the epoch whose
        weights are kept.

    Examples
    --------
    >>> early_stopping([0.9, 0.5, 0.6, 0.55, 0.7, 0.4], patience=3)
    EarlyStop(stop_epoch=5, best_epoch=2)
    >>> early_stopping([0.9, 0.5, 0.6, 0.4], patience=3)     # never 3 bad epochs in a row
    EarlyStop(stop_epoch=4, best_epoch=4)
    """
    fn = "early_stopping"
    v = _curve(values, fn)
    if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 1:
        raise ValueError(f"{fn}: patience must be an int >= 1, got {patience!r}")
    if mode not in ("min", "max"):
        raise ValueError(f"{fn}: mode must be 'min' or 'max', got {mode!r}")
    if isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real) or min_delta < 0:
        raise ValueError(f"{fn}: min_delta must be a number >= 0, got {min_delta!r}")
    sign = 1.0 if mode == "min" else -1.0
    best, best_at, waited = sign * v[0], 0, 0
    for e in range(1, v.size):
        if sign * v[e] < best - min_delta:
            best, best_at, waited = sign * v[e], e, 0
        else:
            waited += 1
            if waited == patience:
                return EarlyStop(e + 1, best_at + 1)
    return EarlyStop(int(v.size), best_at + 1)


def hardest_examples(
    logits: np.ndarray, target: np.ndarray, k: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` examples with the highest cross-entropy loss, hardest first.

    Parameters
    ----------
    logits : ndarray, shape (N, C)
        The model's scores, e.g. from :func:`cnnlib.train.predict`.
    target : ndarray of int, shape (N,)
        True classes in ``[0, C)``.
    k : int, default 8
        How many to return; at most N are.

    Returns
    -------
    indices : ndarray of int64, shape (min(k, N),)
        Row numbers into ``logits``, by decreasing loss; equal losses keep
        the order of their rows.
    losses : ndarray of float64, shape (min(k, N),)
        Their losses, ``-log softmax(logits)[i, target[i]]``.

    Examples
    --------
    >>> logits = np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> idx, loss = hardest_examples(logits, np.array([0, 0, 0]), k=2)
    >>> idx.tolist(), np.round(loss, 4).tolist()     # -log(1/(1+e^2)), then log 2
    ([1, 2], [2.1269, 0.6931])
    """
    fn = "hardest_examples"
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"{fn}: k must be a positive int, got {k!r}")
    losses = np.asarray(cross_entropy(logits, target, reduction="none"), dtype=np.float64)
    order = np.argsort(-losses, kind="stable")[: int(k)]
    return order.astype(np.int64), losses[order]


def _check_confusion(confusion: np.ndarray, fn: str) -> np.ndarray:
    cm = np.asarray(confusion)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(
            f"{fn}: confusion must be a square (C, C) matrix, got shape {tuple(cm.shape)}"
        )
    if cm.dtype.kind not in "iu" or (cm.size and cm.min() < 0):
        raise TypeError(f"{fn}: confusion must hold non-negative integer counts, got {cm.dtype}")
    return cm


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """The fraction of each true class that was predicted correctly (the recall).

    Parameters
    ----------
    confusion : ndarray of int, shape (C, C)
        Row = true class, column = predicted class, as
        :func:`cnnlib.train.confusion_matrix` returns it.

    Returns
    -------
    ndarray of float64, shape (C,)
        ``confusion[i, i] / confusion[i].sum()``; NaN for a class with no
        examples.

    Examples
    --------
    >>> per_class_accuracy(np.array([[3, 1], [0, 2]])).tolist()
    [0.75, 1.0]
    """
    cm = _check_confusion(confusion, "per_class_accuracy")
    totals = cm.sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / totals, np.nan)


def most_confused(confusion: np.ndarray, k: int = 3) -> list[tuple[int, int, int]]:
    """The ``k`` largest off-diagonal counts: which class was taken for which, how often.

    Parameters
    ----------
    confusion : ndarray of int, shape (C, C)
        Row = true class, column = predicted class.
    k : int, default 3

    Returns
    -------
    list of (true, predicted, count)
        Largest counts first (ties in row-major order); cells with a count
        of 0 are left out, so the list may be shorter than ``k``.

    Examples
    --------
    >>> most_confused(np.array([[5, 2, 0], [1, 4, 0], [0, 2, 3]]), k=5)
    [(0, 1, 2), (2, 1, 2), (1, 0, 1)]
    """
    fn = "most_confused"
    cm = _check_confusion(confusion, fn)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"{fn}: k must be a positive int, got {k!r}")
    off = cm.copy()
    np.fill_diagonal(off, 0)
    flat = off.ravel()
    order = np.argsort(-flat, kind="stable")[: int(k)]
    c = cm.shape[0]
    return [(int(i // c), int(i % c), int(flat[i])) for i in order if flat[i] > 0]


def _counts(correct: object, total: object, fn: str) -> tuple[int, int]:
    for name, v in (("correct", correct), ("total", total)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{fn}: {name} must be an int (a count of images), got {v!r}")
    if total < 1 or not 0 <= correct <= total:
        raise ValueError(
            f"{fn}: need 0 <= correct <= total and total >= 1, got correct={correct}, "
            f"total={total}"
        )
    return int(correct), int(total)


def accuracy_standard_error(correct: int, total: int) -> float:
    """The standard error of an accuracy measured on ``total`` images: sqrt(p(1 - p) / n).

    Each test image is one coin flip (right or wrong) with an unknown
    chance; ``p = correct / total`` estimates it, and another test set of
    the same size would typically give an accuracy about one standard error
    away.

    Parameters
    ----------
    correct : int
        Images classified correctly, 0 .. total.
    total : int
        Images measured, n >= 1.

    Returns
    -------
    float
        ``sqrt(p * (1 - p) / n)``; 0 when p is 0 or 1 (where this estimate
        fails: use :func:`accuracy_interval`).

    Examples
    --------
    >>> round(accuracy_standard_error(50, 100), 4)          # sqrt(0.25 / 100)
    0.05
    """
    c, n = _counts(correct, total, "accuracy_standard_error")
    p = c / n
    return math.sqrt(p * (1.0 - p) / n)


def accuracy_interval(correct: int, total: int, confidence: float = 0.95,
                      method: str = "wilson") -> tuple[float, float]:
    """A confidence interval for an accuracy measured on ``total`` images.

    ``method='normal'`` is the textbook (Wald) interval
    ``p +- z * sqrt(p(1 - p) / n)``, clipped to [0, 1]: symmetric, and too
    narrow when p is near 0 or 1 (at p = 1 it has width zero).
    ``method='wilson'`` is Wilson's score interval (Wilson 1927): the values
    of the true accuracy q for which the measured p lies within z standard
    errors ``sqrt(q(1 - q) / n)``,

        (p + z^2 / 2n  +-  z * sqrt(p(1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n),

    which stays inside [0, 1] and is lopsided near it, as it should be.
    ``z`` is the standard normal quantile for ``confidence`` (1.96 for 95 %).

    Parameters
    ----------
    correct : int
        Images classified correctly, 0 .. total.
    total : int
        Images measured, n >= 1.
    confidence : float, default 0.95
        In (0, 1).
    method : {'wilson', 'normal'}, default 'wilson'

    Returns
    -------
    (low, high) : tuple of float
        Fractions in [0, 1].

    Examples
    --------
    >>> low, high = accuracy_interval(356, 360, method="normal")
    >>> round(356 / 360 - low, 4), round(high - 356 / 360, 4)    # about +-1.1 points
    (0.0108, 0.0108)
    >>> [round(v, 4) for v in accuracy_interval(356, 360)]      # Wilson: lopsided
    [0.9718, 0.9957]
    """
    from statistics import NormalDist

    fn = "accuracy_interval"
    c, n = _counts(correct, total, fn)
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) \
            or not 0.0 < confidence < 1.0:
        raise ValueError(f"{fn}: confidence must be a number in (0, 1), got {confidence!r}")
    if method not in ("wilson", "normal"):
        raise ValueError(f"{fn}: method must be 'wilson' or 'normal', got {method!r}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    p = c / n
    if method == "normal":
        half = z * math.sqrt(p * (1.0 - p) / n)
        return max(0.0, p - half), min(1.0, p + half)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
