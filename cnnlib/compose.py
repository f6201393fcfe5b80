"""A convolution is a linear map: as one matrix, two in a row, and the best single fit.

- :func:`conv2d_matrix` writes a convolution on a fixed input size as the
  ordinary matrix of a dense layer, which shows locality (most entries are
  zero) and weight sharing (every row holds the same few numbers).
- :func:`compose_kernels` and :func:`compose_conv2d` give the one
  convolution that equals two stacked ones (stride 1, no padding): without
  an activation between them, depth adds nothing a single layer could not do.
- :func:`fit_kernel` finds, by least squares, the single convolution that
  comes closest to any target output; with a ReLU between two layers there
  is a residual no kernel removes, and :func:`r_squared` says how much of
  the target the fit explains.

Introduced in the chapters *Images as tensors, and why not a dense layer*
(:func:`conv2d_matrix`) and *ReLU* (the rest).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_ndim, int_pair, result_dtype
from .conv import IntOrPair, conv2d, im2col

__all__ = ["conv2d_matrix", "compose_kernels", "compose_conv2d", "fit_kernel", "r_squared"]

#: conv2d_matrix refuses to build matrices with more entries than this.
MAX_MATRIX_ENTRIES = 10_000_000


def conv2d_matrix(
    weight: np.ndarray, input_size: IntOrPair, stride: IntOrPair = 1,
    padding: IntOrPair = 0, dilation: IntOrPair = 1,
) -> np.ndarray:
    """The matrix ``M`` of a bias-free convolution on inputs of one size.

    For every ``x`` of shape ``(N, C_in, H, W)``,
    ``conv2d(x, weight, ...)[n].ravel() == M @ x[n].ravel()``: the convolution
    is the dense layer whose weight matrix is ``M``.  Column ``k`` of ``M`` is
    the convolution of the ``k``-th one-hot image, which is how it is built.

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in, kh, kw)
    input_size : int or (H, W)
    stride, padding, dilation : int or (int, int)
        As for :func:`cnnlib.conv2d`.

    Returns
    -------
    ndarray, shape (C_out * H_out * W_out, C_in * H * W)
        Rows and columns follow the C-order flattening of ``(C, H, W)``.

    Raises
    ------
    ValueError
        If the matrix would have more than ``MAX_MATRIX_ENTRIES`` entries
        (it is meant for small examples), or the kernel does not fit.

    Examples
    --------
    >>> conv2d_matrix(np.array([[[[1.0, -1.0]]]]), (1, 3))   # a difference kernel on 3 pixels
    array([[ 1., -1.,  0.],
           [ 0.,  1., -1.]])
    """
    fn = "conv2d_matrix"
    weight = as_array(weight, "weight", fn)
    check_ndim(weight, 4, "weight", fn, "(C_out, C_in, kh, kw)")
    h, w = int_pair(input_size, "input_size", fn)
    c_out, c_in = weight.shape[:2]
    n_in = c_in * h * w
    probe = conv2d(np.zeros((1, c_in, h, w), weight.dtype), weight, None, stride, padding,
                   dilation)
    n_out = probe.size
    if n_in * n_out > MAX_MATRIX_ENTRIES:
        raise ValueError(
            f"{fn}: the matrix would be {n_out} x {n_in} = {n_in * n_out} entries, more than "
            f"MAX_MATRIX_ENTRIES={MAX_MATRIX_ENTRIES}; use a smaller input_size than {(h, w)}"
        )
    basis = np.eye(n_in, dtype=weight.dtype).reshape(n_in, c_in, h, w)
    columns = conv2d(basis, weight, None, stride, padding, dilation)   # (n_in, C_out, Ho, Wo)
    return np.ascontiguousarray(columns.reshape(n_in, n_out).T)


def compose_kernels(k1: np.ndarray, k2: np.ndarray) -> np.ndarray:
    """The one kernel that equals correlating with ``k1`` and then with ``k2``.

    ``corr2d(corr2d(x, k1), k2) == corr2d(x, compose_kernels(k1, k2))`` for
    every ``x`` big enough.  The composite tap at offset ``(r, c)`` collects
    every pair of taps whose offsets add up to it::

        k[r, c] = sum over (a, b) of k1[r - a, c - b] * k2[a, b]

    which is the *full* 2-D convolution of the two kernels (so the order of
    ``k1`` and ``k2`` does not matter for single-channel kernels).

    Parameters
    ----------
    k1 : ndarray, shape (kh1, kw1)
        Applied first.
    k2 : ndarray, shape (kh2, kw2)
        Applied second.

    Returns
    -------
    ndarray, shape (kh1 + kh2 - 1, kw1 + kw2 - 1)

    Examples
    --------
    >>> compose_kernels(np.array([[1, 1]]), np.array([[1, 1]]))     # box then box
    array([[1., 2., 1.]])
    >>> compose_kernels(np.array([[1, 1]]), np.array([[1], [-1]]))  # box across, difference down
    array([[ 1.,  1.],
           [-1., -1.]])
    """
    fn = "compose_kernels"
    k1 = as_array(k1, "k1", fn)
    k2 = as_array(k2, "k2", fn)
    check_ndim(k1, 2, "k1", fn, "(kh1, kw1)")
    check_ndim(k2, 2, "k2", fn, "(kh2, kw2)")
    (h1, w1), (h2, w2) = k1.shape, k2.shape
    if 0 in k1.shape or 0 in k2.shape:
        raise ValueError(f"{fn}: kernels must be at least 1x1, got {k1.shape} and {k2.shape}")
    out = np.zeros((h1 + h2 - 1, w1 + w2 - 1), dtype=result_dtype(k1, k2))
    # Tap (a, b) of k2 reads the first output at offset (a, b), where k1 sits
    # on the input at offsets (a .. a+h1-1, b .. b+w1-1): one shifted copy of k1.
    for a in range(h2):
        for b in range(w2):
            out[a : a + h1, b : b + w1] += k2[a, b] * k1
    return out


def compose_conv2d(
    weight1: np.ndarray, weight2: np.ndarray,
    bias1: np.ndarray | None = None, bias2: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weight and bias of the one convolution equal to two stacked ones, with nothing between.

    For stride 1, no padding and no dilation::

        conv2d(conv2d(x, weight1, bias1), weight2, bias2) == conv2d(x, weight, bias)

    where ``weight[o, i] = sum_m compose_kernels(weight1[m, i], weight2[o, m])``
    and ``bias[o] = bias2[o] + sum_m bias1[m] * weight2[o, m].sum()`` (the
    first layer's bias is a constant image, which the second layer's kernel
    sums).

    Parameters
    ----------
    weight1 : ndarray, shape (C_mid, C_in, kh1, kw1)
    weight2 : ndarray, shape (C_out, C_mid, kh2, kw2)
    bias1 : ndarray, shape (C_mid,), optional
    bias2 : ndarray, shape (C_out,), optional

    Returns
    -------
    weight : ndarray, shape (C_out, C_in, kh1 + kh2 - 1, kw1 + kw2 - 1)
    bias : ndarray, shape (C_out,)
        Zeros when both biases are None.

    Examples
    --------
    >>> w, b = compose_conv2d(np.ones((1, 1, 1, 2)), np.ones((1, 1, 1, 2)),
    ...                       bias1=np.array([1.0]), bias2=np.array([0.5]))
    >>> w[0, 0], b
    (array([[1., 2., 1.]]), array([2.5]))
    """
    fn = "compose_conv2d"
    weight1 = as_array(weight1, "weight1", fn)
    weight2 = as_array(weight2, "weight2", fn)
    check_ndim(weight1, 4, "weight1", fn, "(C_mid, C_in, kh1, kw1)")
    check_ndim(weight2, 4, "weight2", fn, "(C_out, C_mid, kh2, kw2)")
    c_mid, c_in = weight1.shape[:2]
    c_out = weight2.shape[0]
    if weight2.shape[1] != c_mid:
        raise ValueError(
            f"{fn}: weight2 must read the {c_mid} channels weight1 makes, got "
            f"weight1.shape={tuple(weight1.shape)}, weight2.shape={tuple(weight2.shape)}"
        )
    bias_arrays = []
    for name, b, c in (("bias1", bias1, c_mid), ("bias2", bias2, c_out)):
        if b is not None:
            b = as_array(b, name, fn)
            if b.shape != (c,):
                raise ValueError(f"{fn}: {name} must have shape ({c},), got {tuple(b.shape)}")
        bias_arrays.append(b)
    bias1, bias2 = bias_arrays
    dtype = result_dtype(weight1, weight2, bias1, bias2)
    kh = weight1.shape[2] + weight2.shape[2] - 1
    kw = weight1.shape[3] + weight2.shape[3] - 1
    weight = np.zeros((c_out, c_in, kh, kw), dtype=dtype)
    for o in range(c_out):
        for i in range(c_in):
            for m in range(c_mid):
                weight[o, i] += compose_kernels(weight1[m, i], weight2[o, m])
    bias = np.zeros(c_out, dtype=dtype)
    if bias2 is not None:
        bias += bias2
    if bias1 is not None:
        bias += weight2.sum(axis=(2, 3)) @ bias1
    return weight, bias


def fit_kernel(
    x: np.ndarray, y: np.ndarray, kernel_size: IntOrPair, bias: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The single convolution (stride 1, no padding) closest to ``y`` in least squares.

    Solves ``min over weight, bias of sum (conv2d(x, weight, bias) - y) ** 2``.
    Every output number is a linear function of one patch of ``x``, so this
    is an ordinary linear least-squares problem: one row per output position
    (the patch, unfolded by :func:`cnnlib.im2col`), one unknown per weight.
    It is solved through the normal equations, which is fast for the many
    rows of an image and accurate enough in float64 for its few unknowns.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    y : ndarray, shape (N, C_out, H - kh + 1, W - kw + 1)
        The target output.
    kernel_size : int or (kh, kw)
    bias : bool
        Fit a bias per output channel too (otherwise it is fixed at 0).

    Returns
    -------
    weight : ndarray, shape (C_out, C_in, kh, kw)
    bias : ndarray, shape (C_out,)
        Zeros when ``bias=False``.

    Raises
    ------
    ValueError
        If ``y`` does not have the shape a ``kernel_size`` convolution of ``x`` has.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((1, 1, 6, 6))
    >>> y = conv2d(x, np.array([[[[1.0, -2.0]]]]), np.array([0.5]))
    >>> w, b = fit_kernel(x, y, (1, 2))
    >>> np.round(w, 6), np.round(b, 6)
    (array([[[[ 1., -2.]]]]), array([0.5]))
    """
    fn = "fit_kernel"
    x = as_array(x, "x", fn)
    y = as_array(y, "y", fn)
    check_ndim(x, 4, "x", fn, "(N, C_in, H, W)")
    check_ndim(y, 4, "y", fn, "(N, C_out, H_out, W_out)")
    kh, kw = int_pair(kernel_size, "kernel_size", fn)
    if not isinstance(bias, bool):
        raise TypeError(f"{fn}: bias must be True or False, got {type(bias).__name__} {bias!r}")
    n, c_in, h, w = x.shape
    expected = (n, y.shape[1], h - kh + 1, w - kw + 1)
    if y.shape != expected:
        raise ValueError(
            f"{fn}: y must have shape (N, C_out, H - kh + 1, W - kw + 1) = {expected} for "
            f"x.shape={tuple(x.shape)} and kernel_size={(kh, kw)}, got {tuple(y.shape)}"
        )
    dtype = result_dtype(x, y)
    cols = im2col(x.astype(dtype, copy=False), (kh, kw))            # (N, C_in*kh*kw, L)
    k = c_in * kh * kw
    design = np.ones((cols.shape[0] * cols.shape[2], k + int(bias)), dtype)   # (N*L, K [+1])
    design[:, :k] = cols.transpose(0, 2, 1).reshape(-1, k)
    target = y.astype(dtype, copy=False).transpose(0, 2, 3, 1).reshape(-1, y.shape[1])
    # The normal equations (A^T A) coef = A^T y: two matrix products over the
    # many rows, then a small (K+1) x (K+1) system, solved by lstsq so that a
    # singular system (a constant image, say) still gives the minimum-norm answer.
    gram = design.T @ design
    coef, *_ = np.linalg.lstsq(gram, design.T @ target, rcond=None)  # (K [+1], C_out)
    weight = np.ascontiguousarray(coef[:k].T).reshape(y.shape[1], c_in, kh, kw)
    b = coef[-1].copy() if bias else np.zeros(y.shape[1], dtype)
    return weight, b


def r_squared(prediction: np.ndarray, target: np.ndarray) -> float:
    """Fraction of the target's variance a prediction explains: ``1 - SSE / SST``.

    ``SSE = sum((target - prediction)**2)`` and ``SST = sum((target -
    mean(target))**2)``.  1 means a perfect fit; 0 means no better than
    predicting the target's mean everywhere.

    Parameters
    ----------
    prediction, target : ndarray, same shape

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes differ or the target is constant (``SST = 0``).

    Examples
    --------
    >>> r_squared(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))
    1.0
    >>> r_squared(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    0.0
    """
    fn = "r_squared"
    prediction = as_array(prediction, "prediction", fn)
    target = as_array(target, "target", fn)
    if prediction.shape != target.shape:
        raise ValueError(f"{fn}: prediction must have target's shape {tuple(target.shape)}, "
                         f"got {tuple(prediction.shape)}")
    sst = float(np.sum((target - target.mean()) ** 2))
    if sst == 0:
        raise ValueError(f"{fn}: target is constant, so no variance is left to explain")
    return 1.0 - float(np.sum((target - prediction) ** 2)) / sst
