"""How much a pooled feature map changes when its input moves by a few pixels.

The claim that pooling makes a network "robust to small shifts" is easy to
state and easy to measure: translate a feature map by ``s`` pixels, pool
both versions, and compare.  :func:`shift_window` makes the translated copies
(by cropping a fixed-size window at a moving offset, so no wrapped-around or
invented pixels enter), and :func:`shift_sensitivity` reports the relative
change

.. math:: \\frac{\\lVert P(x_s) - P(x_0) \\rVert_2}{\\lVert P(x_0) \\rVert_2}

for max pooling, average pooling and no pooling (``P`` the identity), at
every shift ``s = 0 .. max_shift``.  Introduced in the chapter *Pooling*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_ndim, int_pair, positive_int
from .conv import IntOrPair
from .pooling import avg_pool2d, max_pool2d

__all__ = ["shift_window", "ShiftSensitivity", "shift_sensitivity", "POOL_MODES"]

POOL_MODES = ("none", "max", "avg")


def _direction(direction: object, fn: str) -> tuple[int, int]:
    try:
        dy, dx = (int(v) for v in direction)  # type: ignore[union-attr]
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{fn}: direction must be a pair (dy, dx) of 0s and 1s, got {direction!r}"
        ) from err
    if (dy, dx) not in ((0, 1), (1, 0), (1, 1)):
        raise ValueError(
            f"{fn}: direction must be (0, 1) right, (1, 0) down or (1, 1) diagonal, "
            f"got {direction!r}"
        )
    return dy, dx


def shift_window(
    x: np.ndarray, shift: int, max_shift: int, direction: tuple[int, int] = (0, 1)
) -> np.ndarray:
    """A crop of ``x`` whose content is translated by ``shift`` pixels.

    Introduced in the chapter *Pooling*.

    All crops for ``shift = 0 .. max_shift`` have the same size,
    ``H - max_shift * dy`` by ``W - max_shift * dx``, and each one shows the
    same scene moved ``shift`` pixels further right (``dx = 1``) and/or down
    (``dy = 1``): ``out[..., i, j] == x[..., i + (max_shift - shift) * dy,
    j + (max_shift - shift) * dx]``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    shift : int
        ``0 <= shift <= max_shift``.
    max_shift : int
        The largest shift that will be compared; fixes the crop size.
    direction : (dy, dx)
        ``(0, 1)`` right, ``(1, 0)`` down, ``(1, 1)`` diagonally.

    Returns
    -------
    ndarray, shape (N, C, H - max_shift * dy, W - max_shift * dx)

    Examples
    --------
    >>> x = np.arange(5.0).reshape(1, 1, 1, 5)
    >>> shift_window(x, 0, 2)[0, 0], shift_window(x, 1, 2)[0, 0]
    (array([[2., 3., 4.]]), array([[1., 2., 3.]]))
    """
    fn = "shift_window"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    max_shift = positive_int(max_shift, "max_shift", fn, minimum=0)
    shift = positive_int(shift, "shift", fn, minimum=0)
    if shift > max_shift:
        raise ValueError(f"{fn}: shift must be at most max_shift={max_shift}, got {shift}")
    dy, dx = _direction(direction, fn)
    h, w = x.shape[2] - max_shift * dy, x.shape[3] - max_shift * dx
    if h < 1 or w < 1:
        raise ValueError(
            f"{fn}: max_shift={max_shift} leaves no pixels of x with shape {tuple(x.shape)}"
        )
    top, left = (max_shift - shift) * dy, (max_shift - shift) * dx
    return x[:, :, top : top + h, left : left + w]


def _pool(x: np.ndarray, mode: str, kernel_size: IntOrPair, stride: IntOrPair | None):
    if mode == "none":
        return x
    if mode == "max":
        return max_pool2d(x, kernel_size, stride)
    return avg_pool2d(x, kernel_size, stride)


@dataclass(frozen=True)
class ShiftSensitivity:
    """Relative change of each pooling's output, per shift.

    Attributes
    ----------
    shifts : ndarray of int, shape (S,)
        ``0, 1, ..., max_shift``.
    changes : dict of str to ndarray, shape (S,)
        For each mode (``'none'``, ``'max'``, ``'avg'``), the relative change
        ``||P(x_s) - P(x_0)|| / ||P(x_0)||`` at each shift; 0 at shift 0.
    kernel_size, stride : (int, int)
        The pooling windows used.
    direction : (int, int)
        ``(dy, dx)`` of the translation.
    """

    shifts: np.ndarray
    changes: dict[str, np.ndarray]
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    direction: tuple[int, int]

    def table(self, decimals: int = 3) -> str:
        """The changes as a text table, one row per shift."""
        modes = list(self.changes)
        lines = ["shift  " + "  ".join(f"{m:>7}" for m in modes)]
        for i, s in enumerate(self.shifts):
            cells = "  ".join(f"{self.changes[m][i]:7.{decimals}f}" for m in modes)
            lines.append(f"{int(s):5d}  {cells}")
        return "\n".join(lines)


def shift_sensitivity(
    x: np.ndarray, max_shift: int, kernel_size: IntOrPair = 2,
    stride: IntOrPair | None = None, modes: tuple[str, ...] = POOL_MODES,
    direction: tuple[int, int] = (0, 1),
) -> ShiftSensitivity:
    """Measure how much pooled outputs change when the input shifts by 0..max_shift pixels.

    Introduced in the chapter *Pooling*.

    For every shift ``s`` the input is translated with :func:`shift_window`,
    pooled, and compared with the pooled unshifted input (same crop size, so
    the outputs have the same shape and are compared position by position).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        A feature map (or a batch of them).
    max_shift : int
        Largest shift, in input pixels.
    kernel_size : int or (int, int)
        Pooling window.
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    modes : tuple of {'none', 'max', 'avg'}
        Which poolings to measure; ``'none'`` compares the maps themselves.
    direction : (dy, dx)
        ``(0, 1)`` right, ``(1, 0)`` down, ``(1, 1)`` diagonally.

    Returns
    -------
    ShiftSensitivity

    Raises
    ------
    ValueError
        If ``x`` is zero everywhere in the unshifted crop (nothing to compare
        with), a mode is unknown, or the pooling window does not fit.

    Examples
    --------
    >>> x = np.zeros((1, 1, 2, 6)); x[0, 0, 0, 2] = 1.0   # one spike
    >>> r = shift_sensitivity(x, 2, kernel_size=2)
    >>> np.round(r.changes["none"], 3)     # the spike moves every time
    array([0.   , 1.414, 1.414])
    >>> np.round(r.changes["max"], 3)      # it stays in its window for one step
    array([0.   , 0.   , 1.414])
    """
    fn = "shift_sensitivity"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    max_shift = positive_int(max_shift, "max_shift", fn, minimum=0)
    kernel = int_pair(kernel_size, "kernel_size", fn)
    stride_ = kernel if stride is None else int_pair(stride, "stride", fn)
    direction_ = _direction(direction, fn)
    if not modes:
        raise ValueError(f"{fn}: modes must name at least one of {POOL_MODES}, got {modes!r}")
    for mode in modes:
        if mode not in POOL_MODES:
            raise ValueError(f"{fn}: modes must be drawn from {POOL_MODES}, got {mode!r}")
    crops = [shift_window(x, s, max_shift, direction_) for s in range(max_shift + 1)]
    changes = {}
    for mode in modes:
        pooled = [_pool(c, mode, kernel, stride_) for c in crops]
        reference = float(np.linalg.norm(pooled[0]))
        if reference == 0:
            raise ValueError(
                f"{fn}: the unshifted {'map' if mode == 'none' else mode + '-pooled map'} is "
                f"zero everywhere; there is no change to measure relative to it"
            )
        changes[mode] = np.array([float(np.linalg.norm(p - pooled[0])) / reference
                                  for p in pooled])
    return ShiftSensitivity(np.arange(max_shift + 1), changes, kernel, stride_, direction_)
