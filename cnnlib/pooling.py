"""Max, average and global average pooling, with their backward passes.

Semantics of ``torch.nn.functional``: ``stride`` defaults to ``kernel_size``;
max pooling pads with ``-inf`` (padding never wins); average pooling counts
the padded zeros in its divisor (``count_include_pad=True``); padding may be
at most half the kernel.  Introduced in the chapter *Pooling*; the backward
passes in *Backpropagation through convolution*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_ndim, int_pair
from ._windows import crop, pad
from .conv import IntOrPair, _output_size

__all__ = [
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "global_avg_pool2d",
    "global_avg_pool2d_backward",
]


@dataclass(frozen=True)
class _PoolGeometry:
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[int, int, int, int]
    out_size: tuple[int, int]


def _pool_geometry(
    fn: str, x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None,
    padding: IntOrPair, dilation: IntOrPair = 1, ceil_mode: bool = False,
) -> _PoolGeometry:
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    kernel = int_pair(kernel_size, "kernel_size", fn)
    stride_ = kernel if stride is None else int_pair(stride, "stride", fn)
    dilation_ = int_pair(dilation, "dilation", fn)
    ph, pw = int_pair(padding, "padding", fn, minimum=0)
    for p, k, axis in ((ph, kernel[0], "height"), (pw, kernel[1], "width")):
        # PyTorch's rule compares with the undilated kernel size.
        if 2 * p > k:
            raise ValueError(
                f"{fn}: padding must be at most half of kernel_size, got padding={p} for "
                f"a {axis} kernel of size {k}"
            )
    pads = (ph, ph, pw, pw)
    if not isinstance(ceil_mode, bool | np.bool_):
        raise TypeError(f"{fn}: ceil_mode must be a bool, got {type(ceil_mode).__name__}")
    if ceil_mode:
        return _ceil_geometry(fn, x, kernel, stride_, dilation_, (ph, pw))
    out_size = _output_size(x.shape[2:], kernel, stride_, dilation_, pads, fn, "kernel_size")
    return _PoolGeometry(kernel, stride_, dilation_, pads, out_size)


def _ceil_geometry(
    fn: str, x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
    dilation: tuple[int, int], padding: tuple[int, int],
) -> _PoolGeometry:
    """``ceil_mode=True``: round the output size up, as PyTorch does.

    One more window fits where the floor formula drops a partial one, but
    only if it starts inside the input or its left padding; the part of it
    past the right padding is filled with ``-inf`` too (it never wins).
    """
    out, extra = [], []
    for size, k, s, d, p in zip(x.shape[2:], kernel, stride, dilation, padding, strict=True):
        span = d * (k - 1) + 1
        n = -(-(size + 2 * p - span) // s) + 1            # ceil division, then + 1
        if (n - 1) * s >= size + p:                       # the last window starts too late
            n -= 1
        if n < 1:
            raise ValueError(
                f"{fn}: kernel_size {kernel[0]}x{kernel[1]} (spanning {span} with dilation "
                f"{dilation}) leaves no output for the input side {size} with padding {p} "
                f"(x.shape={tuple(x.shape)})"
            )
        out.append(n)
        extra.append(max(0, (n - 1) * s + span - (size + 2 * p)))
    pads = (padding[0], padding[0] + extra[0], padding[1], padding[1] + extra[1])
    return _PoolGeometry(kernel, stride, dilation, pads, (out[0], out[1]))


def _check_grad_out(fn: str, grad_out: np.ndarray, x: np.ndarray, geo: _PoolGeometry) -> None:
    expected = (*x.shape[:2], *geo.out_size)
    if grad_out.shape != expected:
        raise ValueError(
            f"{fn}: grad_out must have the forward output's shape {expected}, "
            f"got {tuple(grad_out.shape)}"
        )


def _taps(xp: np.ndarray, geo: _PoolGeometry):
    """Yield ``(t, tap)`` for every kernel offset, row-major: ``tap`` is the strided view
    ``(N, C, H_out, W_out)`` of the padded input under that offset of every window.

    Pooling reduces over the ``kh*kw`` taps of each window; looping over the
    few taps with whole-array operations avoids copying every window out.
    """
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    ho, wo = geo.out_size
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            yield i * kw + j, xp[:, :, r0 : r0 + sh * (ho - 1) + 1 : sh,
                                 c0 : c0 + sw * (wo - 1) + 1 : sw]


def _scatter_taps(
    values_for_tap, x_shape: tuple[int, ...], geo: _PoolGeometry, dtype: np.dtype
) -> np.ndarray:
    """Add ``values_for_tap(t)`` (shape ``(N, C, H_out, W_out)``) back under tap ``t`` of
    every window, summing overlaps; return the gradient on the unpadded input."""
    padded = (x_shape[2] + geo.pads[0] + geo.pads[1], x_shape[3] + geo.pads[2] + geo.pads[3])
    grad = np.zeros((*x_shape[:2], *padded), dtype=dtype)
    for t, view in _taps(grad, geo):
        view += values_for_tap(t)
    return np.ascontiguousarray(crop(grad, geo.pads))


def max_pool2d(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
    padding: IntOrPair = 0, dilation: IntOrPair = 1, ceil_mode: bool = False,
) -> np.ndarray:
    """Largest value in each window.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (windows side by side, no overlap).
    padding : int or (int, int)
        ``-inf`` added on each side; at most half the kernel.
    dilation : int or (int, int)
    ceil_mode : bool, default False
        Round ``H_out`` and ``W_out`` up instead of down, so a last, partial
        window at the bottom and right is kept -- provided it starts inside
        the input or the left/top padding (PyTorch's rule).

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)
        ``H_out = floor((H + 2p - d(k-1) - 1) / s) + 1`` (``ceil`` with
        ``ceil_mode``).

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 1], [4, 6, 5, 0], [7, 2, 9, 8], [1, 0, 3, 4]])
    >>> max_pool2d(x.reshape(1, 1, 4, 4), 2)[0, 0]
    array([[6., 5.],
           [7., 9.]])
    >>> max_pool2d(x[:3, :3].reshape(1, 1, 3, 3), 2, ceil_mode=True)[0, 0]   # 3x3 -> 2x2
    array([[6., 5.],
           [7., 9.]])
    """
    fn = "max_pool2d"
    x = as_array(x, "x", fn)
    geo = _pool_geometry(fn, x, kernel_size, stride, padding, dilation, ceil_mode)
    out = None
    for _, tap in _taps(pad(x, geo.pads, -np.inf), geo):
        # np.maximum propagates NaN, as PyTorch's max pooling does.
        out = tap.copy() if out is None else np.maximum(out, tap, out=out)
    return out


def max_pool2d_backward(
    grad_out: np.ndarray, x: np.ndarray, kernel_size: IntOrPair,
    stride: IntOrPair | None = None, padding: IntOrPair = 0, dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """Gradient through :func:`max_pool2d`: each window's gradient goes to its winner.

    Only the input that was the maximum of a window receives that window's
    upstream gradient; the rest get nothing.  On a tie the first maximum in
    row-major order wins, as in PyTorch; where windows overlap, an input that
    wins several windows collects all their gradients.

    Parameters
    ----------
    grad_out : ndarray, shape (N, C, H_out, W_out)
    x : ndarray, shape (N, C, H, W)
        The forward pass's input.
    kernel_size, stride, padding, dilation, ceil_mode
        As in the forward pass.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [4.0, 2.0]]).reshape(1, 1, 2, 2)
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[0., 0.],
           [1., 0.]])
    """
    fn = "max_pool2d_backward"
    x = as_array(x, "x", fn)
    geo = _pool_geometry(fn, x, kernel_size, stride, padding, dilation, ceil_mode)
    grad_out = as_array(grad_out, "grad_out", fn)
    _check_grad_out(fn, grad_out, x, geo)
    xp = pad(x, geo.pads, -np.inf)
    real = pad(np.ones((1, 1, *x.shape[2:]), dtype=bool), geo.pads, False)
    # PyTorch's scan, tap by tap in row-major order: each window starts at its
    # first real (unpadded) element and moves on only to a strictly larger
    # value or a NaN, so ties go to the first maximum and padding never wins.
    best = np.full((*x.shape[:2], *geo.out_size), -np.inf, dtype=x.dtype)
    winner = np.full(best.shape, -1)
    for (t, value), (_, is_real) in zip(_taps(xp, geo), _taps(real, geo), strict=True):
        winner = np.where(is_real & (winner < 0), t, winner)
        better = is_real & ((value > best) | np.isnan(value))
        best = np.where(better, value, best)
        winner = np.where(better, t, winner)
    dtype = np.result_type(grad_out, x)
    return _scatter_taps(lambda t: np.where(winner == t, grad_out, 0), x.shape, geo, dtype)


def avg_pool2d(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
) -> np.ndarray:
    """Mean of each window; padded zeros count towards the mean.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Zeros on each side, included in the divisor ``kh*kw``
        (``count_include_pad=True``, PyTorch's default).

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 1], [4, 6, 5, 0], [7, 2, 9, 8], [1, 0, 3, 4]])
    >>> avg_pool2d(x.reshape(1, 1, 4, 4), 2)[0, 0]
    array([[3.5, 2. ],
           [2.5, 6. ]])
    """
    fn = "avg_pool2d"
    x = as_array(x, "x", fn)
    geo = _pool_geometry(fn, x, kernel_size, stride, padding)
    # Sum in at least float32, as PyTorch does: a float16 window of 64 values
    # of 1e4 sums past float16's largest number (65504), though its mean fits.
    acc = np.promote_types(x.dtype, np.float32)
    total = None
    for _, tap in _taps(pad(x, geo.pads), geo):
        total = tap.astype(acc) if total is None else np.add(total, tap, out=total)
    return (total / (geo.kernel[0] * geo.kernel[1])).astype(x.dtype, copy=False)


def avg_pool2d_backward(
    grad_out: np.ndarray, x: np.ndarray, kernel_size: IntOrPair,
    stride: IntOrPair | None = None, padding: IntOrPair = 0,
) -> np.ndarray:
    """Gradient through :func:`avg_pool2d`: each window's gradient spread evenly.

    Every input in a window receives ``grad_out / (kh*kw)`` from it.

    Parameters
    ----------
    grad_out : ndarray, shape (N, C, H_out, W_out)
    x : ndarray, shape (N, C, H, W)
        The forward pass's input (only its shape is used).
    kernel_size, stride, padding
        As in the forward pass.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)), 2)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    fn = "avg_pool2d_backward"
    x = as_array(x, "x", fn)
    geo = _pool_geometry(fn, x, kernel_size, stride, padding)
    grad_out = as_array(grad_out, "grad_out", fn)
    _check_grad_out(fn, grad_out, x, geo)
    dtype = np.result_type(grad_out, x)
    share = (grad_out / (geo.kernel[0] * geo.kernel[1])).astype(dtype, copy=False)
    return _scatter_taps(lambda t: share, x.shape, geo, dtype)


def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    """Mean of each channel over all positions: ``(N, C, H, W) -> (N, C)``.

    Equals ``adaptive_avg_pool2d(x, 1).flatten(1)`` in PyTorch.

    Examples
    --------
    >>> global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[1.5, 5.5]])
    """
    fn = "global_avg_pool2d"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    if x.shape[2] == 0 or x.shape[3] == 0:
        raise ValueError(f"{fn}: x must have at least one position, got shape {x.shape}")
    return x.mean(axis=(2, 3))


def global_avg_pool2d_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through :func:`global_avg_pool2d`: ``grad_out / (H*W)`` at every position.

    Parameters
    ----------
    grad_out : ndarray, shape (N, C)
    x : ndarray, shape (N, C, H, W)

    Returns
    -------
    ndarray, shape (N, C, H, W)
    """
    fn = "global_avg_pool2d_backward"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    grad_out = as_array(grad_out, "grad_out", fn)
    if grad_out.shape != x.shape[:2]:
        raise ValueError(
            f"{fn}: grad_out must have shape (N, C) = {tuple(x.shape[:2])}, "
            f"got {tuple(grad_out.shape)}"
        )
    h, w = x.shape[2:]
    dtype = np.result_type(grad_out, x)
    return np.broadcast_to((grad_out / (h * w)).astype(dtype)[:, :, None, None], x.shape).copy()
