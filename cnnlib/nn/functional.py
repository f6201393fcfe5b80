"""The maths of the layers that are not convolution, pooling or ReLU.

Convolution, ReLU and fixed-window pooling live in cnnlib's functional core
(``cnnlib.conv2d``, ``cnnlib.relu``, ``cnnlib.max_pool2d``, ...).  This file
holds the rest of what the layers in :mod:`cnnlib.nn` compute, as plain
forward/backward functions named after ``torch.nn.functional``: the affine
map of ``Linear``, adaptive average pooling, batch normalisation, dropout and
softmax cross-entropy.  Introduced in the chapters "A CNN from scratch" and
"Training in practice".
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_array, check_ndim, positive_int

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_avg_pool2d_backward",
    "adaptive_bins",
    "batch_norm",
    "batch_norm_backward",
    "cross_entropy",
    "cross_entropy_backward",
    "linear",
    "linear_backward",
    "log_softmax",
    "softmax",
]


# ---------------------------------------------------------------------- linear
def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """Affine map ``x @ weight.T + bias``, as ``torch.nn.functional.linear``.

    Parameters
    ----------
    x : ndarray, shape (..., in_features)
    weight : ndarray, shape (out_features, in_features)
    bias : ndarray, shape (out_features,), optional

    Returns
    -------
    ndarray, shape (..., out_features)

    Examples
    --------
    >>> import numpy as np
    >>> linear(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]), np.array([0.5]))
    array([[11.5]])
    """
    x = as_array(x, "x", "linear")
    weight = as_array(weight, "weight", "linear")
    check_ndim(weight, 2, "weight", "linear", "(out_features, in_features)")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: x must have shape (..., {weight.shape[1]}) to match weight.shape="
            f"{tuple(weight.shape)}, got x.shape={tuple(x.shape)}"
        )
    y = x @ weight.T
    if bias is not None:
        bias = as_array(bias, "bias", "linear")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"linear: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}"
            )
        y = y + bias
    return y


def linear_backward(
    grad_out: np.ndarray, x: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`linear` with respect to x, weight and bias.

    Parameters
    ----------
    grad_out : ndarray, shape (..., out_features)
    x : ndarray, shape (..., in_features)
    weight : ndarray, shape (out_features, in_features)

    Returns
    -------
    grad_x : ndarray, shape (..., in_features)
        ``grad_out @ weight``.
    grad_weight : ndarray, shape (out_features, in_features)
        ``grad_out.T @ x`` summed over every leading axis.
    grad_bias : ndarray, shape (out_features,)
        ``grad_out`` summed over every leading axis.

    Examples
    --------
    >>> import numpy as np
    >>> gx, gw, gb = linear_backward(np.array([[1.0]]), np.array([[1.0, 2.0]]),
    ...                              np.array([[3.0, 4.0]]))
    >>> gx, gw, gb
    (array([[3., 4.]]), array([[1., 2.]]), array([1.]))
    """
    fn = "linear_backward"
    grad_out = as_array(grad_out, "grad_out", fn)
    x = as_array(x, "x", fn)
    weight = as_array(weight, "weight", fn)
    check_ndim(weight, 2, "weight", fn, "(out_features, in_features)")
    out_f, in_f = weight.shape
    if x.ndim < 1 or x.shape[-1] != in_f:
        raise ValueError(
            f"{fn}: x must have shape (..., {in_f}) to match weight.shape={tuple(weight.shape)}, "
            f"got x.shape={tuple(x.shape)}"
        )
    if grad_out.shape != x.shape[:-1] + (out_f,):
        raise ValueError(
            f"{fn}: grad_out must have shape {x.shape[:-1] + (out_f,)}, "
            f"got {tuple(grad_out.shape)}"
        )
    rows = int(np.prod(x.shape[:-1], dtype=np.int64))   # explicit, so N = 0 works
    g2 = grad_out.reshape(rows, out_f)
    x2 = x.reshape(rows, in_f)
    return grad_out @ weight, g2.T @ x2, g2.sum(axis=0)


# ---------------------------------------------------------------------- adaptive pooling
def _output_size(output_size: object, h: int, w: int, fn: str) -> tuple[int, int]:
    if isinstance(output_size, numbers.Integral) and not isinstance(output_size, bool):
        pair: tuple[object, object] = (output_size, output_size)
    elif isinstance(output_size, tuple | list) and len(output_size) == 2:
        pair = (output_size[0], output_size[1])
    else:
        raise TypeError(
            f"{fn}: output_size must be an int or a pair (h, w) (None keeps that side), "
            f"got {output_size!r}"
        )
    out = []
    for v, full, side in zip(pair, (h, w), ("h", "w"), strict=True):
        if v is None:
            out.append(full)
        elif isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1:
            out.append(int(v))
        else:
            raise ValueError(f"{fn}: output_size[{side}] must be a positive int or None, got {v!r}")
    return out[0], out[1]


def adaptive_bins(in_size: int, out_size: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive-pooling windows: ``[(start, end), ...]`` for each output.

    Output ``i`` averages input positions ``start = floor(i * in / out)`` up
    to (not including) ``end = ceil((i + 1) * in / out)``.  Windows may
    overlap by one when ``out`` does not divide ``in``.

    Examples
    --------
    >>> adaptive_bins(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    """
    in_size = positive_int(in_size, "in_size", "adaptive_bins")
    out_size = positive_int(out_size, "out_size", "adaptive_bins")
    # -(-a // b) is ceil(a / b) in integer arithmetic.
    return [(i * in_size // out_size, -(-(i + 1) * in_size // out_size)) for i in range(out_size)]


def adaptive_avg_pool2d(
    x: np.ndarray, output_size: int | tuple[int | None, int | None]
) -> np.ndarray:
    """Average pooling to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    output_size : int or (h_out, w_out)
        ``None`` for a side keeps the input's size on that side.

    Returns
    -------
    ndarray, shape (N, C, h_out, w_out)
        Each cell is the mean of its window (see :func:`adaptive_bins`).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 1, 1, 5)
    >>> adaptive_avg_pool2d(x, (1, 3))
    array([[[[0.5, 2. , 3.5]]]])
    """
    fn = "adaptive_avg_pool2d"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    h, w = x.shape[2:]
    oh, ow = _output_size(output_size, h, w, fn)
    if h == 0 or w == 0:
        raise ValueError(f"{fn}: x must have at least one position, got x.shape={x.shape}")
    if (oh, ow) == (1, 1):                       # global average pooling, the common case
        return x.mean(axis=(2, 3), keepdims=True)
    # Sum each bin along H (whole rows at a time), then along W, looping over
    # the bins of each side rather than over the output cells; then divide
    # by the bin areas.
    acc = np.promote_types(x.dtype, np.float32)
    sums = _bin_sums(_bin_sums(x.astype(acc, copy=False), 2, oh), 3, ow)
    _, len_h = _bin_edges(h, oh)
    _, len_w = _bin_edges(w, ow)
    return (sums / (len_h[:, None] * len_w[None, :])).astype(x.dtype, copy=False)


def _bin_edges(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, lengths)`` of the :func:`adaptive_bins`, as arrays."""
    i = np.arange(out_size)
    starts = i * in_size // out_size
    ends = -(-(i + 1) * in_size // out_size)
    return starts, ends - starts


def _bin_sums(x: np.ndarray, axis: int, out_size: int) -> np.ndarray:
    """Sum ``x`` over each of the ``out_size`` adaptive bins along ``axis``.

    One slice-sum per bin, so pooling a 600x512 map to any size takes at
    most 600 + 512 vectorised sums, never one Python step per output cell.
    """
    shape = list(x.shape)
    shape[axis] = out_size
    out = np.empty(shape, dtype=x.dtype)
    src: list[object] = [slice(None)] * x.ndim
    dst: list[object] = [slice(None)] * x.ndim
    for i, (start, end) in enumerate(adaptive_bins(x.shape[axis], out_size)):
        src[axis], dst[axis] = slice(start, end), i
        out[tuple(dst)] = x[tuple(src)].sum(axis=axis)
    return out


def adaptive_avg_pool2d_backward(
    grad_out: np.ndarray, x: np.ndarray, output_size: int | tuple[int | None, int | None]
) -> np.ndarray:
    """Gradient of :func:`adaptive_avg_pool2d` with respect to x.

    Each output cell spreads its gradient evenly over its window; where
    windows overlap the shares add.

    Parameters
    ----------
    grad_out : ndarray, shape (N, C, h_out, w_out)
    x : ndarray, shape (N, C, H, W)
        The forward input (only its shape and dtype are used).
    output_size : int or (h_out, w_out)

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> adaptive_avg_pool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)), 1)
    array([[[[0.25, 0.25],
             [0.25, 0.25]]]])
    """
    fn = "adaptive_avg_pool2d_backward"
    grad_out = as_array(grad_out, "grad_out", fn)
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    h, w = x.shape[2:]
    oh, ow = _output_size(output_size, h, w, fn)
    if grad_out.shape != x.shape[:2] + (oh, ow):
        raise ValueError(
            f"{fn}: grad_out must have shape {x.shape[:2] + (oh, ow)}, got {tuple(grad_out.shape)}"
        )
    dtype = np.result_type(grad_out.dtype, x.dtype)
    _, len_h = _bin_edges(h, oh)
    _, len_w = _bin_edges(w, ow)
    share = (grad_out / (len_h[:, None] * len_w[None, :])).astype(dtype, copy=False)
    if (oh, ow) == (1, 1):                       # global pooling: the same share everywhere
        return np.broadcast_to(share, x.shape).copy()
    # The adjoint of the two bin sums, in reverse order: spread along W, then H.
    return _bin_spread(_bin_spread(share, 3, w), 2, h)


def _bin_spread(g: np.ndarray, axis: int, size: int) -> np.ndarray:
    """Adjoint of :func:`_bin_sums`: add each bin's value to every position it covers."""
    shape = list(g.shape)
    shape[axis] = size
    out = np.zeros(shape, dtype=g.dtype)
    src: list[object] = [slice(None)] * g.ndim
    dst: list[object] = [slice(None)] * g.ndim
    for i, (start, end) in enumerate(adaptive_bins(size, g.shape[axis])):
        src[axis], dst[axis] = slice(i, i + 1), slice(start, end)
        out[tuple(dst)] += g[tuple(src)]
    return out


# ---------------------------------------------------------------------- batch norm
def _check_batch_norm(
    fn: str, x: object, mean: object, var: object, weight: object, bias: object, eps: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None, float]:
    """Check batch norm's arguments; return them as arrays (eps as a float)."""
    x = as_array(x, "x", fn)
    if x.ndim < 2:
        raise ValueError(
            f"{fn}: x must have a channel axis, shape (N, C, ...), got {x.ndim}-D array "
            f"with shape {tuple(x.shape)}"
        )
    c = x.shape[1]
    arrays = []
    for name, v in (("mean", mean), ("var", var), ("weight", weight), ("bias", bias)):
        if v is None and name in ("weight", "bias"):
            arrays.append(None)
            continue
        v = as_array(v, name, fn)
        if v.shape != (c,):
            raise ValueError(
                f"{fn}: {name} must have shape ({c},), one value per channel of x "
                f"(x.shape={tuple(x.shape)}), got {name}.shape={tuple(v.shape)}"
            )
        arrays.append(v)
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"{fn}: eps must be a number, got {type(eps).__name__} {eps!r}")
    if not eps >= 0:
        raise ValueError(f"{fn}: eps must be >= 0, got {eps!r}")
    return x, arrays[0], arrays[1], arrays[2], arrays[3], float(eps)


def batch_norm(
    x: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    eps: float = 1e-5,
) -> np.ndarray:
    """Normalise each channel with the given statistics, then scale and shift.

    ``y = weight * (x - mean) / sqrt(var + eps) + bias``, per channel.  The
    caller chooses the statistics: the batch's own (training) or the running
    estimates (evaluation); :class:`cnnlib.nn.BatchNorm2d` does that.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), or (N, C) or (N, C, L)
        Channels on axis 1, as ``torch.nn.functional.batch_norm``.
    mean, var : ndarray, shape (C,)
    weight, bias : ndarray, shape (C,), optional
        gamma and beta; None means 1 and 0.
    eps : float, default 1e-5

    Returns
    -------
    ndarray, the shape of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 3.0]).reshape(2, 1, 1, 1)
    >>> batch_norm(x, np.array([2.0]), np.array([1.0]), eps=0.0).ravel()
    array([-1.,  1.])
    """
    x, mean, var, weight, bias, eps = _check_batch_norm(
        "batch_norm", x, mean, var, weight, bias, eps)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    inv_std = 1.0 / np.sqrt(var + eps)
    y = (x - mean.reshape(shape)) * inv_std.reshape(shape)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def batch_norm_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    weight: np.ndarray | None = None,
    eps: float = 1e-5,
    batch_stats: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`batch_norm` with respect to x, weight and bias.

    With ``batch_stats=True`` the mean and (biased) variance were computed
    from ``x`` itself, so they depend on every input and the gradient has
    the two extra terms of the BatchNorm paper, per channel over the
    ``m = N*H*W`` values::

        dx = weight / sqrt(var + eps) * (g - mean(g) - x_hat * mean(g * x_hat))

    With ``batch_stats=False`` (evaluation mode) the statistics are constants
    and ``dx = weight * g / sqrt(var + eps)``.

    Parameters
    ----------
    grad_out, x : ndarray, shape (N, C, H, W) (or (N, C), (N, C, L))
    mean, var : ndarray, shape (C,)
        The statistics the forward pass used.
    weight : ndarray, shape (C,), optional
    eps : float, default 1e-5
    batch_stats : bool, default True

    Returns
    -------
    grad_x : ndarray, shape (N, C, H, W)
    grad_weight : ndarray, shape (C,)
        ``sum(g * x_hat)`` over N, H, W.
    grad_bias : ndarray, shape (C,)
        ``sum(g)`` over N, H, W.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 3.0]).reshape(2, 1, 1, 1)
    >>> gx, gw, gb = batch_norm_backward(np.ones_like(x), x, np.array([2.0]),
    ...                                  np.array([1.0]), eps=0.0)
    >>> gx.ravel(), gw, gb
    (array([0., 0.]), array([0.]), array([2.]))
    """
    fn = "batch_norm_backward"
    x, mean, var, weight, _, eps = _check_batch_norm(fn, x, mean, var, weight, None, eps)
    grad_out = as_array(grad_out, "grad_out", fn)
    if grad_out.shape != x.shape:
        raise ValueError(
            f"{fn}: grad_out must have x's shape {tuple(x.shape)}, got {tuple(grad_out.shape)}"
        )
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    axes = (0, *range(2, x.ndim))
    inv_std = (1.0 / np.sqrt(var + eps)).reshape(shape)
    x_hat = (x - mean.reshape(shape)) * inv_std
    grad_bias = grad_out.sum(axis=axes)
    grad_weight = (grad_out * x_hat).sum(axis=axes)
    scale = inv_std if weight is None else inv_std * weight.reshape(shape)
    if batch_stats:
        g_mean = grad_out.mean(axis=axes, keepdims=True)
        gx_mean = (grad_out * x_hat).mean(axis=axes, keepdims=True)
        grad_x = scale * (grad_out - g_mean - x_hat * gx_mean)
    else:
        grad_x = scale * grad_out
    return grad_x, grad_weight, grad_bias


# ---------------------------------------------------------------------- softmax, cross-entropy
def log_softmax(logits: np.ndarray, axis: int = 1) -> np.ndarray:
    """Stable ``log(softmax(logits))``: subtract the max before exponentiating.

    ``log_softmax(z)_k = (z_k - max z) - log(sum_j exp(z_j - max z))``; every
    exponent is <= 0, so nothing overflows, even for logits of 1e4.

    Parameters
    ----------
    logits : ndarray, shape (N, C)
    axis : int, default 1

    Returns
    -------
    ndarray, shape (N, C)

    Examples
    --------
    >>> import numpy as np
    >>> np.round(log_softmax(np.array([[1e4, 1e4]])), 4)
    array([[-0.6931, -0.6931]])
    """
    fn = "log_softmax"
    logits = as_array(logits, "logits", fn)
    _check_axis(logits, axis, fn)
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = 1) -> np.ndarray:
    """Stable softmax, ``exp(log_softmax(logits))``; rows sum to one.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    logits = as_array(logits, "logits", "softmax")
    _check_axis(logits, axis, "softmax")
    return np.exp(log_softmax(logits, axis=axis))


def _check_axis(logits: np.ndarray, axis: object, fn: str) -> None:
    """PyTorch's ``dim`` check: ``axis`` must name an axis of ``logits``."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{fn}: axis must be an int, got {type(axis).__name__} {axis!r}")
    if not -logits.ndim <= axis < logits.ndim:
        hint = "; for one row of scores (shape (C,)) pass axis=0" if logits.ndim == 1 else ""
        raise ValueError(
            f"{fn}: axis={axis} is out of range for logits with {logits.ndim} dimension(s) "
            f"(shape {tuple(logits.shape)}), expected -{logits.ndim} <= axis < "
            f"{logits.ndim}{hint}"
        )


def _check_targets(logits: np.ndarray, target: object, fn: str) -> np.ndarray:
    check_ndim(logits, 2, "logits", fn, "(N, num_classes)")
    if not isinstance(target, np.ndarray):
        if isinstance(target, list | tuple):
            target = np.asarray(target)
        else:
            raise TypeError(
                f"{fn}: target must be an ndarray of class indices, got {type(target).__name__}"
            )
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{fn}: target must hold integer class indices (dtype int64), got dtype {target.dtype}"
        )
    n, c = logits.shape
    if target.shape != (n,):
        raise ValueError(
            f"{fn}: target must have shape ({n},) to match logits.shape={tuple(logits.shape)}, "
            f"got target.shape={tuple(target.shape)}"
        )
    bad = np.flatnonzero((target < 0) | (target >= c))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{fn}: target values must be class indices in [0, {c - 1}] for {c} classes, "
            f"got target[{i}]={int(target[i])} ({bad.size} out of range)"
        )
    return target.astype(np.intp, copy=False)


_REDUCTIONS = ("mean", "sum", "none")


def cross_entropy(
    logits: np.ndarray, target: np.ndarray, reduction: str = "mean"
) -> float | np.ndarray:
    """Softmax cross-entropy from raw scores, as ``torch.nn.functional.cross_entropy``.

    ``loss_n = -log_softmax(logits)[n, target[n]]``, then averaged
    (``'mean'``), summed (``'sum'``) or returned per example (``'none'``).

    Parameters
    ----------
    logits : ndarray, shape (N, C)
        Unnormalised class scores.
    target : ndarray of int, shape (N,)
        Class indices in ``[0, C)``.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Returns
    -------
    float, or ndarray of shape (N,) for ``reduction='none'``

    Examples
    --------
    >>> import numpy as np
    >>> round(cross_entropy(np.array([[0.0, 0.0]]), np.array([1])), 4)   # log 2
    0.6931
    """
    fn = "cross_entropy"
    logits = as_array(logits, "logits", fn)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    t = _check_targets(logits, target, fn)
    losses = -log_softmax(logits)[np.arange(t.size), t]
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    return float(losses.mean())


def cross_entropy_backward(
    logits: np.ndarray, target: np.ndarray, grad_out: float | np.ndarray = 1.0,
    reduction: str = "mean",
) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to the logits.

    ``d loss_n / d logits[n] = softmax(logits[n]) - one_hot(target[n])``,
    divided by N for ``'mean'`` and scaled by ``grad_out``.

    Parameters
    ----------
    logits : ndarray, shape (N, C)
    target : ndarray of int, shape (N,)
    grad_out : float, or ndarray of shape (N,) for ``reduction='none'``
        dL/d(loss); 1 when the cross-entropy is the final loss.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Returns
    -------
    ndarray, shape (N, C), the logits' dtype

    Examples
    --------
    >>> import numpy as np
    >>> cross_entropy_backward(np.array([[0.0, 0.0]]), np.array([1]))
    array([[ 0.5, -0.5]])
    """
    fn = "cross_entropy_backward"
    logits = as_array(logits, "logits", fn)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    t = _check_targets(logits, target, fn)
    n = t.size
    grad = softmax(logits)
    grad[np.arange(n), t] -= 1.0
    g = np.asarray(grad_out, dtype=logits.dtype)
    if reduction == "none":
        if g.shape != (n,):
            raise ValueError(
                f"{fn}: grad_out must have shape ({n},) for reduction='none', got {g.shape}"
            )
        grad *= g[:, None]
    else:
        if g.ndim != 0:
            raise ValueError(
                f"{fn}: grad_out must be a scalar for reduction={reduction!r}, got shape {g.shape}"
            )
        grad *= g / n if reduction == "mean" else g
    return grad


# The normalisations within one example live in normalization.py (with their modules).
from .normalization import group_norm as group_norm  # noqa: E402
from .normalization import group_norm_backward as group_norm_backward  # noqa: E402
from .normalization import layer_norm as layer_norm  # noqa: E402
from .normalization import layer_norm_backward as layer_norm_backward  # noqa: E402
