"""Sliding windows over an NCHW array, without copying, and their adjoint.

Convolution and pooling both read the same thing: for every output position,
the ``kh x kw`` input values under the kernel.  ``window_view`` returns those
values as a strided *view* (no copy), and ``fold_add`` is its adjoint: it adds
per-window values back into the positions they came from, summing where
windows overlap.  Every backward pass in the library is a ``fold_add``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

Pair = tuple[int, int]


def window_view(
    xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, out_size: Pair
) -> np.ndarray:
    """Read-only view of every kernel window of an already padded input.

    Parameters
    ----------
    xp : ndarray, shape (N, C, Hp, Wp)
        The padded input.
    kernel, stride, dilation, out_size : (int, int)
        Kernel size, stride, dilation and the output size ``(H_out, W_out)``.

    Returns
    -------
    ndarray, shape (N, C, kh, kw, H_out, W_out)
        ``view[n, c, i, j, oh, ow] == xp[n, c, oh*sh + i*dh, ow*sw + j*dw]``.
        The axis order is that of ``torch.nn.functional.unfold`` (channel,
        kernel row, kernel column, then positions), so a reshape gives im2col.
    """
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_size
    s_n, s_c, s_h, s_w = xp.strides
    return as_strided(
        xp,
        shape=(xp.shape[0], xp.shape[1], kh, kw, ho, wo),
        strides=(s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w),
        writeable=False,
    )


def fold_add(
    windows: np.ndarray, padded_size: Pair, stride: Pair, dilation: Pair
) -> np.ndarray:
    """Adjoint of :func:`window_view`: scatter window values back, summing overlaps.

    Parameters
    ----------
    windows : ndarray, shape (N, C, kh, kw, H_out, W_out)
    padded_size : (int, int)
        ``(Hp, Wp)`` of the padded input the windows were read from.
    stride, dilation : (int, int)

    Returns
    -------
    ndarray, shape (N, C, Hp, Wp)
    """
    n, c, kh, kw, ho, wo = windows.shape
    (sh, sw), (dh, dw) = stride, dilation
    out = np.zeros((n, c, *padded_size), dtype=windows.dtype)
    # One vectorised add per kernel offset: kh*kw adds instead of a Python
    # loop over every output position.
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            out[:, :, r0 : r0 + sh * (ho - 1) + 1 : sh, c0 : c0 + sw * (wo - 1) + 1 : sw] += (
                windows[:, :, i, j]
            )
    return out


def pad(x: np.ndarray, pads: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    """Pad the two spatial axes of ``(N, C, H, W)`` by ``(top, bottom, left, right)``."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    return np.pad(
        x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode="constant", constant_values=value
    )


def crop(xp: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    """Undo :func:`pad`: drop the padded border of ``(N, C, Hp, Wp)``."""
    top, bottom, left, right = pads
    return xp[:, :, top : xp.shape[2] - bottom, left : xp.shape[3] - right]
