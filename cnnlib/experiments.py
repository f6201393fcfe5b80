"""Experiments that survive a sceptic: repeat over seeds, sweep a setting, compare spreads.

One training run is one draw: another seed (another initialisation, another
order of the mini-batches, other dropout masks) gives other curves.  The
functions here run a training function once per seed and stack the
per-epoch histories into arrays of shape ``(n_seeds, epochs)``, sweep a
setting such as the learning rate, and summarise each setting by its mean,
minimum and maximum over the seeds, so that a comparison can be stated as a
property that holds on every seed rather than as one run's number.

A *training function* is any callable that trains a fresh model and returns
a history in the format of :func:`cnnlib.train.fit`: a mapping from a name
(``'val_accuracy'``, ``'val_loss'``, ...) to one number per epoch.  A name
may also map to a single number (a final test score, say).

The module also holds two augmentations that exist only as experimental
controls for a rotation ablation: :func:`subpixel_shift` (bilinear
interpolation without rotation) and :func:`nearest_rotation` (rotation
without interpolation).  Introduced in the chapter *Training in practice*;
used again in *Transfer learning*.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .data import _check_batch, _rng, _rotate

__all__ = [
    "Spread",
    "best_setting",
    "lr_sweep",
    "moving_average",
    "nearest_rotation",
    "run_seeds",
    "settings_within",
    "subpixel_shift",
    "summarise",
    "sweep",
    "tail_mean",
]

History = Mapping[str, Any]
Results = Mapping[Hashable, Mapping[str, np.ndarray]]


class Spread(NamedTuple):
    """One setting's score over seeds: mean, smallest, largest and every value.

    ``values`` has shape (n_seeds,); ``mean``, ``min`` and ``max`` are floats.
    """

    mean: float
    min: float
    max: float
    values: np.ndarray


def _seeds(seeds: object, fn: str) -> list[int]:
    if isinstance(seeds, numbers.Integral) or not isinstance(seeds, Sequence | range):
        raise TypeError(
            f"{fn}: seeds must be a sequence of ints (e.g. range(3)), got {type(seeds).__name__}"
        )
    out = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"{fn}: every seed must be an int >= 0, got {s!r}")
        out.append(int(s))
    if not out:
        raise ValueError(f"{fn}: seeds must hold at least one seed, got an empty sequence")
    return out


def run_seeds(train_fn: Callable[[int], History], seeds: Sequence[int]) -> dict[str, np.ndarray]:
    """Train once per seed and stack the histories: one row per seed.

    Parameters
    ----------
    train_fn : callable
        ``train_fn(seed) -> history``, a mapping from names to one number
        per epoch (as :func:`cnnlib.train.fit` returns) or to a single
        number.  It should seed everything random from ``seed``.
    seeds : sequence of int, length S
        E.g. ``range(3)``.

    Returns
    -------
    dict of str to ndarray of float64
        Each name of the first history; shape (S, E) for a per-epoch list
        of length E, shape (S,) for a single number.  Every seed's history
        must have the same names and lengths.

    Examples
    --------
    >>> runs = run_seeds(lambda s: {"val_loss": [1.0 + s, 0.5 + s]}, seeds=[0, 1, 2])
    >>> runs["val_loss"].shape, runs["val_loss"][:, -1].tolist()
    ((3, 2), [0.5, 1.5, 2.5])
    """
    fn = "run_seeds"
    if not callable(train_fn):
        raise TypeError(f"{fn}: train_fn must be callable, got {type(train_fn).__name__}")
    seed_list = _seeds(seeds, fn)
    histories = []
    for seed in seed_list:
        history = train_fn(seed)
        if not isinstance(history, Mapping) or not history:
            raise TypeError(
                f"{fn}: train_fn must return a non-empty mapping of name -> values, got "
                f"{type(history).__name__} for seed {seed}"
            )
        histories.append(history)
    names = list(histories[0])
    out: dict[str, np.ndarray] = {}
    for name in names:
        rows = []
        for seed, history in zip(seed_list, histories, strict=True):
            if name not in history:
                raise ValueError(f"{fn}: the history of seed {seed} has no {name!r}")
            rows.append(np.asarray(history[name], dtype=np.float64))
        shapes = {r.shape for r in rows}
        if len(shapes) != 1 or rows[0].ndim > 1:
            raise ValueError(
                f"{fn}: {name!r} must be one number per epoch with the same length for every "
                f"seed, got shapes {[r.shape for r in rows]}"
            )
        out[name] = np.stack(rows)
    return out


def sweep(train_fn: Callable[[Any, int], History], settings: Sequence[Hashable],
          seeds: Sequence[int]) -> dict[Hashable, dict[str, np.ndarray]]:
    """Run :func:`run_seeds` at every setting: ``{setting: {name: (S, E) array}}``.

    Parameters
    ----------
    train_fn : callable
        ``train_fn(setting, seed) -> history``.
    settings : sequence of hashable, length K
        The values tried (learning rates, method names, ...), distinct.
    seeds : sequence of int, length S
        The same seeds at every setting, so seed ``i`` of two settings
        shares its initialisation and batch order.

    Returns
    -------
    dict
        Keyed by setting, in the order given; each value as
        :func:`run_seeds` returns it.

    Examples
    --------
    >>> res = sweep(lambda lr, s: {"val_accuracy": [lr * (s + 1)]}, [0.1, 0.2], [0, 1])
    >>> {lr: r["val_accuracy"].ravel().tolist() for lr, r in res.items()}
    {0.1: [0.1, 0.2], 0.2: [0.2, 0.4]}
    """
    fn = "sweep"
    if not callable(train_fn):
        raise TypeError(f"{fn}: train_fn must be callable, got {type(train_fn).__name__}")
    if not isinstance(settings, Sequence | range) or isinstance(settings, str) or not settings:
        raise ValueError(f"{fn}: settings must be a non-empty sequence, got {settings!r}")
    if len(set(settings)) != len(settings):
        raise ValueError(f"{fn}: settings must be distinct, got {list(settings)!r}")
    seed_list = _seeds(seeds, fn)
    return {setting: run_seeds(lambda seed, s=setting: train_fn(s, seed), seed_list)
            for setting in settings}


def lr_sweep(train_fn: Callable[[float, int], History], lrs: Sequence[float],
             seeds: Sequence[int]) -> dict[float, dict[str, np.ndarray]]:
    """Train at every learning rate with every seed: ``{lr: {name: (S, E) array}}``.

    :func:`sweep` over learning rates, which must be positive numbers.

    Parameters
    ----------
    train_fn : callable
        ``train_fn(lr, seed) -> history``.
    lrs : sequence of float, length K
        Positive and distinct, typically a factor of 3 to 10 apart.
    seeds : sequence of int, length S

    Returns
    -------
    dict of float to dict of str to ndarray
        ``result[lr][name]`` has shape (S, E) (or (S,) for a single number).

    Examples
    --------
    >>> res = lr_sweep(lambda lr, s: {"val_loss": [1.0, lr]}, [0.01, 0.1], range(2))
    >>> res[0.1]["val_loss"].tolist()
    [[1.0, 0.1], [1.0, 0.1]]
    """
    fn = "lr_sweep"
    if not isinstance(lrs, Sequence | range) or isinstance(lrs, str):
        raise TypeError(f"{fn}: lrs must be a sequence of numbers, got {type(lrs).__name__}")
    for lr in lrs:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
            raise ValueError(f"{fn}: every learning rate must be a number > 0, got {lr!r}")
    return sweep(train_fn, [float(lr) for lr in lrs], seeds)


def _positive(value: object, name: str, fn: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{fn}: {name} must be an int >= 1, got {value!r}")
    return int(value)


def tail_mean(curves: np.ndarray, last: int = 1) -> np.ndarray:
    """Each run's mean over its last ``last`` epochs: a score that reads a plateau.

    The last epoch alone (``last=1``) is the usual score; a mean over the
    last few epochs is steadier where a curve swings from epoch to epoch.

    Parameters
    ----------
    curves : array_like, shape (S, E) or (E,)
        One row per seed (or a single curve).
    last : int, default 1
        At most E.

    Returns
    -------
    ndarray of float64, shape (S,) (a 0-d array for a single curve)

    Examples
    --------
    >>> tail_mean([[0.5, 0.7, 0.9], [0.4, 0.8, 0.6]], last=2).tolist()
    [0.8, 0.7]
    """
    fn = "tail_mean"
    c = np.asarray(curves, dtype=np.float64)
    last = _positive(last, "last", fn)
    if c.ndim not in (1, 2) or c.shape[-1] == 0:
        raise ValueError(
            f"{fn}: curves must have shape (S, E) or (E,) with E >= 1, got {tuple(c.shape)}"
        )
    if last > c.shape[-1]:
        raise ValueError(f"{fn}: last must be at most the {c.shape[-1]} epochs, got {last}")
    return c[..., -last:].mean(axis=-1)


def moving_average(curves: np.ndarray, window: int) -> np.ndarray:
    """Smooth each curve with a trailing mean over ``window`` epochs.

    Entry ``e`` is the mean of epochs ``e - window + 1 .. e``; the first
    ``window - 1`` entries are dropped, so the result is shorter.

    Parameters
    ----------
    curves : array_like, shape (S, E) or (E,)
    window : int
        1 .. E.

    Returns
    -------
    ndarray of float64, shape (S, E - window + 1) or (E - window + 1,)
        Entry ``j`` covers epochs ``j + 1 .. j + window`` (counting from 1).

    Examples
    --------
    >>> moving_average([1.0, 3.0, 2.0, 6.0], window=2).tolist()
    [2.0, 2.5, 4.0]
    """
    fn = "moving_average"
    c = np.asarray(curves, dtype=np.float64)
    window = _positive(window, "window", fn)
    if c.ndim not in (1, 2) or c.shape[-1] == 0:
        raise ValueError(
            f"{fn}: curves must have shape (S, E) or (E,) with E >= 1, got {tuple(c.shape)}"
        )
    if window > c.shape[-1]:
        raise ValueError(f"{fn}: window must be at most the {c.shape[-1]} epochs, got {window}")
    sums = np.cumsum(np.concatenate([np.zeros(c.shape[:-1] + (1,)), c], axis=-1), axis=-1)
    return (sums[..., window:] - sums[..., :-window]) / window


def _scores(results: Results, key: str, last: int, fn: str) -> dict[Hashable, np.ndarray]:
    if not isinstance(results, Mapping) or not results:
        raise ValueError(f"{fn}: results must be a non-empty mapping setting -> runs")
    out = {}
    for setting, runs in results.items():
        if key not in runs:
            raise ValueError(
                f"{fn}: setting {setting!r} has no {key!r}; it has {sorted(runs)!r}"
            )
        values = np.asarray(runs[key], dtype=np.float64)
        out[setting] = values if values.ndim == 1 else tail_mean(values, last)
    return out


def _mode(mode: str, fn: str) -> str:
    if mode not in ("min", "max"):
        raise ValueError(f"{fn}: mode must be 'min' or 'max', got {mode!r}")
    return mode


def summarise(results: Results, key: str = "val_accuracy", last: int = 1) -> dict[Hashable, Spread]:
    """Mean, minimum and maximum over seeds of each setting's score.

    The score of one run is ``tail_mean(results[setting][key], last)``: its
    value at the last epoch, or its mean over the last ``last`` epochs (a
    single number per run is used as it is).

    Parameters
    ----------
    results : mapping
        ``{setting: {name: (S, E) array}}`` as :func:`sweep` returns it.
    key : str, default 'val_accuracy'
    last : int, default 1

    Returns
    -------
    dict of setting to Spread
        ``Spread(mean, min, max, values)``, ``values`` of shape (S,).

    Examples
    --------
    >>> res = {0.1: {"val_accuracy": np.array([[0.5, 0.9], [0.6, 0.7]])}}
    >>> s = summarise(res)[0.1]
    >>> round(s.mean, 3), s.min, s.max
    (0.8, 0.7, 0.9)
    """
    fn = "summarise"
    return {setting: Spread(float(v.mean()), float(v.min()), float(v.max()), v)
            for setting, v in _scores(results, key, _positive(last, "last", fn), fn).items()}


def best_setting(results: Results, key: str = "val_accuracy", mode: str = "max",
                 last: int = 1) -> Hashable:
    """The setting whose score, averaged over seeds, is best.

    Parameters
    ----------
    results : mapping
        ``{setting: {name: (S, E) array}}`` as :func:`sweep` returns it.
    key : str, default 'val_accuracy'
    mode : {'max', 'min'}, default 'max'
        ``'max'`` for an accuracy, ``'min'`` for a loss.
    last : int, default 1
        Score each run by its mean over the last ``last`` epochs.

    Returns
    -------
    setting
        The first one in ``results``' order when several tie.  Choose on the
        validation set, never on the test set.

    Examples
    --------
    >>> res = {0.01: {"val_loss": np.array([[0.9], [0.8]])},
    ...        0.1: {"val_loss": np.array([[0.4], [0.6]])}}
    >>> best_setting(res, key="val_loss", mode="min")
    0.1
    """
    fn = "best_setting"
    mode = _mode(mode, fn)
    means = {s: float(v.mean()) for s, v in
             _scores(results, key, _positive(last, "last", fn), fn).items()}
    pick = min if mode == "min" else max
    return pick(means, key=means.__getitem__)


def settings_within(results: Results, tolerance: float, key: str = "val_accuracy",
                    mode: str = "max", last: int = 1) -> list[Hashable]:
    """The settings whose mean score is within ``tolerance`` of the best one's.

    How wide a range of learning rates works: with ``mode='max'``, every
    setting whose mean score is at least ``best - tolerance``.

    Parameters
    ----------
    results : mapping
        ``{setting: {name: (S, E) array}}``.
    tolerance : float
        ``>= 0``, in the score's units (0.01 = one point of accuracy).
    key : str, default 'val_accuracy'
    mode : {'max', 'min'}, default 'max'
    last : int, default 1

    Returns
    -------
    list of settings
        In ``results``' order; the best setting is always among them.

    Examples
    --------
    >>> res = {lr: {"val_accuracy": np.array([[a]])}
    ...        for lr, a in [(0.01, 0.80), (0.1, 0.97), (1.0, 0.96)]}
    >>> settings_within(res, 0.02)
    [0.1, 1.0]
    """
    fn = "settings_within"
    mode = _mode(mode, fn)
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or tolerance < 0:
        raise ValueError(f"{fn}: tolerance must be a number >= 0, got {tolerance!r}")
    means = {s: float(v.mean()) for s, v in
             _scores(results, key, _positive(last, "last", fn), fn).items()}
    if mode == "max":
        best = max(means.values())
        return [s for s, m in means.items() if m >= best - tolerance]
    best = min(means.values())
    return [s for s, m in means.items() if m <= best + tolerance]


# ------------------------------------------------------------ ablation controls
def subpixel_shift(x: np.ndarray, rng: np.random.Generator | None = None,
                   max_shift: float = 0.5) -> np.ndarray:
    """Move each image by a random fraction of a pixel, with bilinear interpolation.

    Each image gets its own shift ``(dy, dx)``, both drawn uniformly from
    ``[-max_shift, max_shift]``; each output pixel is the bilinear mix of
    the (up to) four input pixels around ``(r - dy, c - dx)``, with zeros
    outside the image.  Within one pixel this blurs strokes as a small
    interpolated rotation does, without rotating them: the *blur only*
    control of a rotation ablation.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    rng : numpy.random.Generator, optional
        Defaults to cnnlib's global generator.
    max_shift : float, default 0.5
        In pixels, 0 .. 1.

    Returns
    -------
    ndarray, shape (N, C, H, W), x's dtype

    Examples
    --------
    >>> x = np.zeros((1, 1, 1, 3)); x[0, 0, 0, 1] = 1.0
    >>> out = subpixel_shift(x, np.random.default_rng(0), max_shift=0.0)
    >>> out.ravel().tolist()
    [0.0, 1.0, 0.0]
    """
    fn = "subpixel_shift"
    x = _check_batch(x, fn)
    if isinstance(max_shift, bool) or not isinstance(max_shift, numbers.Real) \
            or not 0 <= max_shift <= 1:
        raise ValueError(f"{fn}: max_shift must be a number in [0, 1], got {max_shift!r}")
    shifts = _rng(rng).uniform(-max_shift, max_shift, size=(x.shape[0], 2))
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    h, w = x.shape[2:]
    out = np.empty_like(x)
    for i, (dy, dx) in enumerate(shifts):
        # out[r, c] = x(r - dy, c - dx), between rows r + ry and r + ry + 1 of x,
        # which are rows r + ry + 2 and r + ry + 3 of the padded image.
        ry, rx = np.floor(-dy), np.floor(-dx)
        fy, fx = -dy - ry, -dx - rx                     # fractional parts in [0, 1)
        top, left = 2 + int(ry), 2 + int(rx)
        a = padded[i, :, top : top + h, left : left + w]
        b = padded[i, :, top : top + h, left + 1 : left + 1 + w]
        c = padded[i, :, top + 1 : top + 1 + h, left : left + w]
        d = padded[i, :, top + 1 : top + 1 + h, left + 1 : left + 1 + w]
        out[i] = ((1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d))
    return out


def nearest_rotation(x: np.ndarray, rng: np.random.Generator | None = None,
                     degrees: float = 10.0) -> np.ndarray:
    """Rotate each image by a random angle, taking each output pixel from the nearest input one.

    As :func:`cnnlib.data.random_rotation` (angles uniform in
    ``[-degrees, degrees]``, about the centre, same size, zeros outside)
    but with nearest-neighbour resampling (``scipy.ndimage.rotate``,
    ``order=0``): pixels move, their values are never mixed.  The *rotation
    without blur* control of a rotation ablation.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    rng : numpy.random.Generator, optional
        Defaults to cnnlib's global generator.
    degrees : float, default 10

    Returns
    -------
    ndarray, shape (N, C, H, W), x's dtype
        Every output value is one of the input's values or 0.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> out = nearest_rotation(x, np.random.default_rng(0), degrees=0.0)
    >>> bool(np.array_equal(out, x))
    True
    """
    return _rotate(x, rng, degrees, 0, "nearest_rotation")
