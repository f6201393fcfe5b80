"""Upsampling by interpolation: nearest neighbour and bilinear, as ``F.interpolate``.

Resizing an image is separable: each output row is a fixed mix of input
rows, and each output column a fixed mix of input columns.  So the whole
operation is two small matrices, ``out = R_h @ x @ R_w.T``
(:func:`interpolation_matrix` builds them), and its gradient is the
transpose, ``dL/dx = R_h.T @ g @ R_w``.  Introduced in the chapter
*Transposed convolution and upsampling*.

The source positions follow ``torch.nn.functional.interpolate`` exactly,
including its float32 index arithmetic for ``'nearest'`` and the clamping at
the borders for ``'bilinear'`` with ``align_corners=False``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from ._validate import as_array, check_ndim, positive_int

__all__ = ["interpolation_matrix", "interpolate", "interpolate_backward"]

_MODES = ("nearest", "bilinear")


def _source_taps(
    in_size: int, out_size: int, mode: str, align_corners: bool, scale_factor: float | None,
    dtype: np.dtype,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every output index: the two input indices it reads and their weights."""
    dst = np.arange(out_size)
    if mode == "nearest":
        # PyTorch computes the scale and the product in float32 whatever the
        # input's dtype, then floors; equal sizes and exact doubling are special-cased.
        if out_size == in_size:
            i0 = dst
        elif out_size == 2 * in_size:
            i0 = dst >> 1
        else:
            scale = (np.float32(1.0 / scale_factor) if scale_factor
                     else np.float32(in_size) / np.float32(out_size))
            i0 = np.minimum(np.floor(dst.astype(np.float32) * scale).astype(np.int64),
                            in_size - 1)
        ones = np.ones(out_size, dtype=dtype)
        return i0, i0, np.stack([ones, np.zeros_like(ones)])
    # Bilinear: PyTorch's arithmetic runs in the input's precision (float32 or float64).
    work = np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)
    if align_corners:
        scale = work.type(in_size - 1) / work.type(out_size - 1) if out_size > 1 else work.type(0)
        src = dst.astype(work) * scale
    else:
        scale = (work.type(1.0 / scale_factor) if scale_factor
                 else work.type(in_size) / work.type(out_size))
        src = np.maximum(scale * (dst.astype(work) + work.type(0.5)) - work.type(0.5),
                         work.type(0))
    i0 = src.astype(np.int64)                       # src >= 0, so this is the floor
    i1 = np.minimum(i0 + 1, in_size - 1)
    lam1 = np.clip(src - i0.astype(work), 0, 1).astype(dtype)
    return i0, i1, np.stack([(1 - lam1).astype(dtype), lam1])


def _matrix(taps: tuple[np.ndarray, np.ndarray, np.ndarray], in_size: int,
            dtype: np.dtype) -> np.ndarray:
    """Scatter one axis's taps into its ``(out_size, in_size)`` matrix."""
    i0, i1, lam = taps
    matrix = np.zeros((len(i0), in_size), dtype=dtype)
    rows = np.arange(len(i0))
    np.add.at(matrix, (rows, i0), lam[0].astype(dtype, copy=False))
    np.add.at(matrix, (rows, i1), lam[1].astype(dtype, copy=False))
    return matrix


def _check_mode(mode: object, align_corners: object, fn: str) -> bool:
    if mode not in _MODES:
        raise ValueError(f"{fn}: mode must be one of {_MODES}, got {mode!r}")
    if mode == "nearest":
        if align_corners is not None:
            raise ValueError(
                f"{fn}: align_corners can only be set with mode='bilinear', "
                f"got align_corners={align_corners!r} with mode='nearest'"
            )
        return False
    if align_corners is None:
        return False
    if not isinstance(align_corners, bool):
        raise TypeError(f"{fn}: align_corners must be a bool or None, got {align_corners!r}")
    return align_corners


def interpolation_matrix(
    in_size: int, out_size: int, mode: str = "nearest", align_corners: bool | None = None,
    scale_factor: float | None = None, dtype: object = np.float64,
) -> np.ndarray:
    """The matrix that resizes one axis: ``out = R @ x`` along that axis.

    Row ``o`` says how much of each input position output ``o`` takes: a
    single 1 for ``'nearest'``; two weights that add to 1 for ``'bilinear'``.

    Parameters
    ----------
    in_size, out_size : int
        Lengths of the axis before and after resizing.
    mode : {'nearest', 'bilinear'}
        ``'bilinear'`` here means linear along this one axis.
    align_corners : bool, optional
        Bilinear only: map the first and last input *centres* onto the first
        and last output centres (True), or the input's *edges* onto the
        output's edges (False, the default).
    scale_factor : float, optional
        If the output size came from a scale factor, PyTorch places the
        samples with ``1 / scale_factor`` rather than ``in_size / out_size``.
    dtype : numpy dtype, default float64

    Returns
    -------
    ndarray, shape (out_size, in_size)

    Examples
    --------
    >>> interpolation_matrix(2, 4)                         # each pixel twice
    array([[1., 0.],
           [1., 0.],
           [0., 1.],
           [0., 1.]])
    >>> interpolation_matrix(2, 4, "bilinear")
    array([[1.  , 0.  ],
           [0.75, 0.25],
           [0.25, 0.75],
           [0.  , 1.  ]])
    """
    fn = "interpolation_matrix"
    in_size = positive_int(in_size, "in_size", fn)
    out_size = positive_int(out_size, "out_size", fn)
    corners = _check_mode(mode, align_corners, fn)
    dtype = np.dtype(dtype)
    taps = _source_taps(in_size, out_size, mode, corners, scale_factor, dtype)
    return _matrix(taps, in_size, dtype)


def _pair_of(value: object, name: str, fn: str) -> tuple:
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        items = tuple(value)
        if len(items) != 2:
            raise ValueError(f"{fn}: {name} must be a number or a pair (h, w), got {value!r}")
        return items
    return (value, value)


def _resolve_size(
    x: np.ndarray, size: object, scale_factor: object, fn: str,
) -> tuple[tuple[int, int], tuple[float | None, float | None]]:
    if (size is None) == (scale_factor is None):
        raise ValueError(
            f"{fn}: give exactly one of size and scale_factor, got size={size!r} and "
            f"scale_factor={scale_factor!r}"
        )
    h, w = x.shape[2:]
    if size is not None:
        sh, sw = _pair_of(size, "size", fn)
        return (positive_int(sh, "size[0]", fn), positive_int(sw, "size[1]", fn)), (None, None)
    factors = _pair_of(scale_factor, "scale_factor", fn)
    for f in factors:
        if isinstance(f, bool) or not isinstance(f, numbers.Real) or not f > 0:
            raise ValueError(f"{fn}: scale_factor must be positive numbers, got {scale_factor!r}")
    out = (int(np.floor(h * float(factors[0]))), int(np.floor(w * float(factors[1]))))
    if min(out) < 1:
        raise ValueError(
            f"{fn}: scale_factor={scale_factor!r} shrinks the {h}x{w} input to "
            f"{out[0]}x{out[1]}; the output must be at least 1x1"
        )
    return out, (float(factors[0]), float(factors[1]))


def _prepare(fn: str, x: object, size: object, scale_factor: object, mode: object,
             align_corners: object):
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    if min(x.shape[2:]) < 1:
        raise ValueError(f"{fn}: x must have H, W >= 1, got shape {tuple(x.shape)}")
    corners = _check_mode(mode, align_corners, fn)
    out_size, factors = _resolve_size(x, size, scale_factor, fn)
    taps = [
        _source_taps(n_in, n_out, mode, corners, f, x.dtype)
        for n_in, n_out, f in zip(x.shape[2:], out_size, factors, strict=True)
    ]
    return x, out_size, taps


def interpolate(
    x: np.ndarray, size: int | tuple[int, int] | None = None,
    scale_factor: float | tuple[float, float] | None = None, mode: str = "nearest",
    align_corners: bool | None = None,
) -> np.ndarray:
    """Resize the spatial axes, equal to ``torch.nn.functional.interpolate``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    size : int or (int, int), optional
        The output's ``(H_out, W_out)``.
    scale_factor : float or (float, float), optional
        Exactly one of ``size`` and ``scale_factor``; then
        ``H_out = floor(H * scale_factor)``.
    mode : {'nearest', 'bilinear'}, default 'nearest'
    align_corners : bool, optional
        Bilinear only; see :func:`interpolation_matrix`.

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)
        Same dtype as ``x``.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> interpolate(x, scale_factor=2)[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    >>> interpolate(x, size=3, mode="bilinear", align_corners=True)[0, 0]
    array([[1. , 1.5, 2. ],
           [2. , 2.5, 3. ],
           [3. , 3.5, 4. ]])
    """
    x, _, ((h0, h1, lh), (w0, w1, lw)) = _prepare(
        "interpolate", x, size, scale_factor, mode, align_corners)
    # Gather rows, then columns: out = sum of the two taps, weighted, per axis.
    rows = (lh[0][:, None] * x[:, :, h0, :] + lh[1][:, None] * x[:, :, h1, :]
            if mode == "bilinear" else x[:, :, h0, :])
    out = (lw[0] * rows[:, :, :, w0] + lw[1] * rows[:, :, :, w1]
           if mode == "bilinear" else rows[:, :, :, w0])
    return np.ascontiguousarray(out, dtype=x.dtype)


def interpolate_backward(
    grad_out: np.ndarray, x: np.ndarray, size: int | tuple[int, int] | None = None,
    scale_factor: float | tuple[float, float] | None = None, mode: str = "nearest",
    align_corners: bool | None = None,
) -> np.ndarray:
    """Gradient of a loss through :func:`interpolate`: ``R_h.T @ grad_out @ R_w``.

    Each input pixel collects the gradient of every output pixel that read
    it, times the weight it was read with.

    Parameters
    ----------
    grad_out : ndarray, shape (N, C, H_out, W_out)
    x : ndarray, shape (N, C, H, W)
        The forward pass's input (only its shape and dtype are used).
    size, scale_factor, mode, align_corners
        As in the forward pass.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> x = np.zeros((1, 1, 2, 2))
    >>> interpolate_backward(np.ones((1, 1, 4, 4)), x, scale_factor=2)[0, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    fn = "interpolate_backward"
    x, out_size, taps = _prepare(fn, x, size, scale_factor, mode, align_corners)
    grad_out = as_array(grad_out, "grad_out", fn)
    expected = (*x.shape[:2], *out_size)
    if grad_out.shape != expected:
        raise ValueError(
            f"{fn}: grad_out must have the forward output's shape {expected}, "
            f"got {tuple(grad_out.shape)}"
        )
    dtype = np.result_type(x.dtype, grad_out.dtype)
    r_h, r_w = (_matrix(t, n_in, dtype) for t, n_in in zip(taps, x.shape[2:], strict=True))
    return np.ascontiguousarray(r_h.T @ grad_out.astype(dtype, copy=False) @ r_w)
