"""How many activations are exactly zero: sparsity, and units that never fire.

After a ReLU every negative input has become exactly 0.  :func:`sparsity`
measures the fraction of zeros, over everything or per channel;
:func:`dead_channels` finds the channels that are zero at every position of
every image (a "dead" ReLU unit, which passes no gradient back either).
Introduced in the chapter *ReLU*.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_array, check_ndim

__all__ = ["sparsity", "dead_channels"]


def sparsity(
    x: np.ndarray, axis: int | tuple[int, ...] | None = None, atol: float = 0.0,
) -> float | np.ndarray:
    """Fraction of entries that are zero (exactly, or within ``atol`` of it).

    Parameters
    ----------
    x : ndarray, any shape
        Typically a ReLU's output, shape ``(N, C, H, W)``.
    axis : None, int or tuple of int
        ``None`` counts over the whole array and returns a float; otherwise
        the fraction is taken over these axes and the rest are kept (for
        ``(N, C, H, W)``, ``axis=(0, 2, 3)`` gives one fraction per channel).
    atol : float, >= 0
        Count ``|x| <= atol`` as zero.  The default 0 counts exact zeros; a
        small tolerance such as ``1e-9`` also counts values that are zero in
        exact arithmetic but came out of a floating-point sum as +-1e-16,
        whose sign depends on the order of the additions (and so on the
        machine's matrix library).

    Returns
    -------
    float, or ndarray of floats in [0, 1]

    Examples
    --------
    >>> sparsity(np.array([[0.0, 14, 12], [0, 9, 5], [4, 7, 3]]))
    0.2222222222222222
    >>> sparsity(np.array([[[[0.0, 1]], [[0, 0]]]]), axis=(0, 2, 3))
    array([0.5, 1. ])
    >>> sparsity(np.array([0.0, 1e-16, 0.5, 2.0]), atol=1e-9)
    0.5
    """
    fn = "sparsity"
    x = as_array(x, "x", fn)
    if x.size == 0:
        raise ValueError(f"{fn}: x must not be empty, got shape {tuple(x.shape)}")
    if (isinstance(atol, bool) or not isinstance(atol, numbers.Real)
            or not np.isfinite(atol) or atol < 0):
        raise ValueError(f"{fn}: atol must be a finite number >= 0, got {atol!r}")
    zero = (x == 0) if atol == 0 else (np.abs(x) <= atol)
    if axis is None:
        return float(np.mean(zero))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral) or not -x.ndim <= a < x.ndim:
            raise ValueError(
                f"{fn}: axis must hold axes of x (shape {tuple(x.shape)}), got {axis!r}"
            )
    return np.mean(zero, axis=axes)


def dead_channels(x: np.ndarray) -> np.ndarray:
    """Which channels are zero at every position of every image.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Activations after a ReLU.

    Returns
    -------
    ndarray of bool, shape (C,)
        ``True`` where channel ``c`` never fired.

    Examples
    --------
    >>> x = np.zeros((2, 3, 4, 4)); x[1, 0, 2, 2] = 0.7
    >>> dead_channels(x)
    array([False,  True,  True])
    """
    fn = "dead_channels"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    return np.all(x == 0, axis=(0, 2, 3))
