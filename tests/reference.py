"""Independent reference implementations for the cnnlib tests.

Written on purpose *differently* from cnnlib's loops and im2col path, so that a
mistake shared by both cannot hide:

* convolution: one ``scipy.signal.correlate`` per (n, c_out, c_in) pair over
  an explicitly zero-padded image, with dilation done by inserting zeros into
  the kernel and stride done by subsampling the stride-1 result;
* its gradients: the adjoint written with ``scipy.signal.convolve`` (full
  mode) on the zero-upsampled output gradient, and ``correlate`` of the
  padded input with that gradient for the weights;
* pooling: a brute-force scan over every window of a padded copy (``-inf``
  padding for max, zero padding and a fixed divisor ``kh * kw`` for average,
  i.e. PyTorch's ``count_include_pad=True``);
* unfold (im2col): a convolution with one-hot kernels, one per
  (channel, kernel row, kernel column), in that order.

Everything works in float64 (or exact integers where the inputs are integer).
Argument conventions are PyTorch's: ints or (h, w) pairs, ``'valid'`` and
``'same'`` paddings (``'same'`` puts the odd extra row/column at the bottom and
right, like ``torch.nn.functional.conv2d``).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

__all__ = [
    "pair",
    "explicit_padding",
    "out_size",
    "dilate_kernel",
    "ref_conv2d",
    "ref_conv2d_backward",
    "ref_unfold",
    "ref_max_pool2d",
    "ref_avg_pool2d",
    "ref_max_pool2d_backward",
    "central_difference",
]


def pair(v):
    """PyTorch's ``_pair``: ``3 -> (3, 3)``; a pair is returned as a tuple."""
    if isinstance(v, int | np.integer):
        return (int(v), int(v))
    a, b = v
    return (int(a), int(b))


def explicit_padding(padding, kernel_size, dilation):
    """Return ``((top, bottom), (left, right))`` for an int, a pair, or a string.

    ``'same'`` pads ``d * (k - 1)`` in total per axis, half (rounded down)
    before and the rest after, which is what PyTorch does.
    """
    kh, kw = pair(kernel_size)
    dh, dw = pair(dilation)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            th, tw = dh * (kh - 1), dw * (kw - 1)
            return ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))
        raise ValueError(padding)
    ph, pw = pair(padding)
    return ((ph, ph), (pw, pw))


def out_size(size, k, s, before, after, d):
    """Count the window positions by walking them, not by the closed formula."""
    padded = size + before + after
    span = d * (k - 1) + 1
    count = 0
    start = 0
    while start + span <= padded:
        count += 1
        start += s
    return count


def dilate_kernel(k2d, dh, dw):
    """Insert ``d - 1`` zeros between neighbouring taps of a 2-D kernel."""
    kh, kw = k2d.shape
    out = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=k2d.dtype)
    out[::dh, ::dw] = k2d
    return out


def _pad_input(x, pads, value=0):
    (t, b), (left, right) = pads
    return np.pad(x, ((0, 0), (0, 0), (t, b), (left, right)), constant_values=value)


def ref_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """``torch.nn.functional.conv2d`` by SciPy correlations.

    Integer inputs stay integer (exact); anything else is computed in float64.
    """
    x = np.asarray(x)
    weight = np.asarray(weight)
    if not (x.dtype.kind in "iu" and weight.dtype.kind in "iu"):
        x = x.astype(np.float64)
        weight = weight.astype(np.float64)
    n, c_in, _, _ = x.shape
    c_out, c_in_g, kh, kw = weight.shape
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    pads = explicit_padding(padding, (kh, kw), (dh, dw))
    xp = _pad_input(x, pads)
    out_per_group = c_out // groups
    rows = []
    for b in range(n):
        maps = []
        for co in range(c_out):
            g = co // out_per_group
            acc = 0
            for j in range(c_in_g):
                ci = g * c_in_g + j
                kd = dilate_kernel(weight[co, j], dh, dw)
                full = signal.correlate(xp[b, ci], kd, mode="valid", method="direct")
                acc = acc + full[::sh, ::sw]
            if bias is not None:
                acc = acc + np.asarray(bias, dtype=np.float64)[co]
            maps.append(acc)
        rows.append(np.stack(maps))
    return np.stack(rows)


def ref_conv2d_backward(grad_out, x, weight, stride=1, padding=0, dilation=1, groups=1):
    """The three gradients of ``ref_conv2d`` written as adjoint convolutions.

    Returns ``(grad_x, grad_weight, grad_bias)`` in float64.
    """
    g = np.asarray(grad_out, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    n, c_in, h, w = x.shape
    c_out, c_in_g, kh, kw = weight.shape
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    pads = explicit_padding(padding, (kh, kw), (dh, dw))
    (top, _), (left, _) = pads
    xp = _pad_input(x, pads)
    hp, wp = xp.shape[2:]
    ho, wo = g.shape[2:]
    # Put the output gradient back on the stride-1 grid: zeros between samples.
    up = np.zeros((n, c_out, (ho - 1) * sh + 1, (wo - 1) * sw + 1))
    up[:, :, ::sh, ::sw] = g
    out_per_group = c_out // groups
    grad_xp = np.zeros_like(xp)
    grad_w = np.zeros_like(weight)
    for co in range(c_out):
        grp = co // out_per_group
        for j in range(c_in_g):
            ci = grp * c_in_g + j
            kd = dilate_kernel(weight[co, j], dh, dw)
            for b in range(n):
                spread = signal.convolve(up[b, co], kd, mode="full", method="direct")
                grad_xp[b, ci, : spread.shape[0], : spread.shape[1]] += spread
                corr = signal.correlate(xp[b, ci], up[b, co], mode="valid", method="direct")
                grad_w[co, j] += corr[: dh * (kh - 1) + 1 : dh, : dw * (kw - 1) + 1 : dw]
    grad_x = grad_xp[:, :, top : top + h, left : left + w]
    assert grad_xp.shape == (n, c_in, hp, wp)
    grad_b = g.sum(axis=(0, 2, 3))
    return grad_x, grad_w, grad_b


def ref_unfold(x, kernel_size, stride=1, padding=0, dilation=1):
    """``torch.nn.functional.unfold`` as a convolution with one-hot kernels.

    Row ``c * kh * kw + i * kw + j`` of the result holds, for every output
    position in row-major order, the input value under kernel tap ``(i, j)``
    of channel ``c``; that is exactly a convolution whose kernel is 1 at
    ``(c, i, j)`` and 0 elsewhere.
    """
    x = np.asarray(x)
    n, c, _, _ = x.shape
    kh, kw = pair(kernel_size)
    eye = np.zeros((c * kh * kw, c, kh, kw), dtype=x.dtype if x.dtype.kind in "iu" else float)
    row = 0
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                eye[row, ci, i, j] = 1
                row += 1
    out = ref_conv2d(x, eye, None, stride, padding, dilation)
    return out.reshape(n, c * kh * kw, -1)


def _pool_scan(x, kernel_size, stride, padding, fill, reduce):
    x = np.asarray(x, dtype=np.float64)
    n, c, h, w = x.shape
    kh, kw = pair(kernel_size)
    sh, sw = pair(kernel_size if stride is None else stride)
    ph, pw = pair(padding)
    xp = _pad_input(x, ((ph, ph), (pw, pw)), value=fill)
    ho = out_size(h, kh, sh, ph, ph, 1)
    wo = out_size(w, kw, sw, pw, pw, 1)
    out = np.empty((n, c, ho, wo))
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    window = [
                        xp[b, ch, i * sh + u, j * sw + v] for u in range(kh) for v in range(kw)
                    ]
                    out[b, ch, i, j] = reduce(window)
    return out


def ref_max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max over every window of a ``-inf``-padded copy."""
    return _pool_scan(x, kernel_size, stride, padding, -np.inf, max)


def ref_avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean over every window of a zero-padded copy, dividing by ``kh * kw``."""
    kh, kw = pair(kernel_size)
    return _pool_scan(x, kernel_size, stride, padding, 0.0, lambda win: sum(win) / (kh * kw))


def ref_max_pool2d_backward(grad_out, x, kernel_size, stride=None, padding=0):
    """Route each output gradient to the first maximum of its window.

    "First" is row-major order inside the window, which is the element
    PyTorch's CPU kernel keeps (it only replaces the running maximum on a
    strictly greater value).  Overlapping windows add up.
    """
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(grad_out, dtype=np.float64)
    n, c, h, w = x.shape
    kh, kw = pair(kernel_size)
    sh, sw = pair(kernel_size if stride is None else stride)
    ph, pw = pair(padding)
    grad = np.zeros_like(x)
    for b in range(n):
        for ch in range(c):
            for i in range(g.shape[2]):
                for j in range(g.shape[3]):
                    best, where = -np.inf, None
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * sh + u - ph, j * sw + v - pw
                            inside = 0 <= r < h and 0 <= q < w
                            if inside and (where is None or x[b, ch, r, q] > best):
                                best, where = x[b, ch, r, q], (r, q)
                    grad[b, ch, where[0], where[1]] += g[b, ch, i, j]
    return grad


def central_difference(f, x, h=1e-6):
    """d f(x) / d x by central differences, one coordinate at a time.

    ``f`` maps a float64 array shaped like ``x`` to a Python float.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * h)
    return grad
