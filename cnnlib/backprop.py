"""The backward pass of a convolution, written as forward convolutions.

:func:`cnnlib.conv2d_backward` computes the three gradients with im2col and
matrix products.  This module computes two of them a second way, the way the
textbooks state them, so the chapter can show that the two agree:

* ``dL/dX`` is a *full* cross-correlation of the upstream gradient with the
  kernel rotated by 180 degrees (:func:`rot180`, :func:`full_correlation`);
  with a stride the upstream gradient first gets ``stride - 1`` zeros between
  its entries (:func:`dilate_gradient`), and with padding the result is
  cropped (:func:`conv2d_input`);
* ``dL/dW`` is a cross-correlation of the padded input with the (dilated)
  upstream gradient (:func:`conv2d_weight`).

The names ``conv2d_input`` and ``conv2d_weight`` and their argument order
follow ``torch.nn.grad``.  Only ``groups=1`` is covered.  Introduced in the
chapter *Backpropagation through convolution*.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validate import as_array, check_ndim, int_pair
from ._windows import pad
from .conv import IntOrPair, _output_size, conv2d, corr2d

__all__ = ["rot180", "full_correlation", "dilate_gradient", "conv2d_input", "conv2d_weight"]


def rot180(weight: np.ndarray) -> np.ndarray:
    """Rotate kernels by 180 degrees: reverse the last two axes.

    Introduced in the chapter *Backpropagation through convolution*.

    Parameters
    ----------
    weight : ndarray, shape (..., kh, kw)
        One kernel ``(kh, kw)`` or a stack such as ``(C_out, C_in, kh, kw)``.

    Returns
    -------
    ndarray, same shape
        ``out[..., a, b] == weight[..., kh - 1 - a, kw - 1 - b]``.

    Examples
    --------
    >>> rot180(np.array([[1, 0], [0, -1]]))
    array([[-1.,  0.],
           [ 0.,  1.]])
    """
    fn = "rot180"
    weight = as_array(weight, "weight", fn)
    if weight.ndim < 2:
        raise ValueError(
            f"{fn}: weight must have at least 2 dimensions (..., kh, kw), got {weight.ndim}-D "
            f"array with shape {tuple(weight.shape)}"
        )
    return np.ascontiguousarray(weight[..., ::-1, ::-1])


def full_correlation(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Full 2-D cross-correlation: every placement where ``k`` overlaps ``x`` at all.

    Introduced in the chapter *Backpropagation through convolution*.

    ``x`` is padded with ``kh - 1`` zero rows above and below and ``kw - 1``
    zero columns left and right, then :func:`cnnlib.corr2d` slides ``k`` over
    it.  ``full_correlation(g, rot180(K))`` is the input gradient of a
    stride-1, unpadded ``corr2d(X, K)`` whose upstream gradient is ``g``.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    k : ndarray, shape (kh, kw)

    Returns
    -------
    ndarray, shape (H + kh - 1, W + kw - 1)

    Examples
    --------
    >>> full_correlation(np.array([[1, 2]]), np.array([[1, 10]]))
    array([[10., 21.,  2.]])
    """
    fn = "full_correlation"
    x = as_array(x, "x", fn)
    k = as_array(k, "k", fn)
    check_ndim(x, 2, "x", fn, "(H, W)")
    check_ndim(k, 2, "k", fn, "(kh, kw)")
    kh, kw = k.shape
    if kh < 1 or kw < 1:
        raise ValueError(f"{fn}: k must be at least 1x1, got shape {tuple(k.shape)}")
    padded = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return corr2d(padded, k)


def dilate_gradient(grad_out: np.ndarray, stride: IntOrPair) -> np.ndarray:
    """Put ``stride - 1`` zeros between neighbouring entries of the last two axes.

    Introduced in the chapter *Backpropagation through convolution*.

    A strided convolution skips positions; in the backward pass the skipped
    positions received no gradient, and the zeros stand for them.  After
    dilation the gradient lines up with a stride-1 convolution.

    Parameters
    ----------
    grad_out : ndarray, shape (..., H_out, W_out)
    stride : int or (int, int)

    Returns
    -------
    ndarray, shape (..., (H_out - 1) * sh + 1, (W_out - 1) * sw + 1)

    Examples
    --------
    >>> dilate_gradient(np.array([[1, 2], [3, 4]]), 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    fn = "dilate_gradient"
    grad_out = as_array(grad_out, "grad_out", fn)
    if grad_out.ndim < 2:
        raise ValueError(
            f"{fn}: grad_out must have at least 2 dimensions (..., H_out, W_out), got "
            f"{grad_out.ndim}-D array with shape {tuple(grad_out.shape)}"
        )
    sh, sw = int_pair(stride, "stride", fn)
    h, w = grad_out.shape[-2:]
    if h == 0 or w == 0:
        raise ValueError(f"{fn}: grad_out must not be empty, got shape {tuple(grad_out.shape)}")
    out = np.zeros((*grad_out.shape[:-2], (h - 1) * sh + 1, (w - 1) * sw + 1),
                   dtype=grad_out.dtype)
    out[..., ::sh, ::sw] = grad_out
    return out


def _sizes(value: Sequence[int] | np.ndarray, name: str, fn: str, length: int) -> tuple[int, ...]:
    try:
        items = tuple(int(v) for v in value)
    except TypeError as err:
        raise TypeError(f"{fn}: {name} must be a tuple of {length} ints, got {value!r}") from err
    if len(items) != length or min(items) < 1:
        raise ValueError(f"{fn}: {name} must be {length} positive ints, got {value!r}")
    return items


def conv2d_input(
    input_size: Sequence[int], weight: np.ndarray, grad_output: np.ndarray,
    stride: IntOrPair = 1, padding: IntOrPair = 0, dilation: IntOrPair = 1,
) -> np.ndarray:
    """Input gradient of :func:`cnnlib.conv2d`, computed as a forward convolution.

    Introduced in the chapter *Backpropagation through convolution*.

    The recipe, step by step:

    1. dilate ``grad_output`` with ``stride - 1`` zeros (:func:`dilate_gradient`);
    2. pad it with ``span - 1`` zeros on every side, where ``span`` is the
       (dilated) kernel's extent -- the *full* correlation -- plus, at the
       bottom and right, the rows and columns that the forward pass's floor
       division left unvisited;
    3. correlate with the rotated kernels ``rot180(weight)``, with input and
       output channels swapped;
    4. crop ``padding`` rows and columns from each border.

    Parameters
    ----------
    input_size : (N, C_in, H, W)
        Shape of the forward pass's input.
    weight : ndarray, shape (C_out, C_in, kh, kw)
    grad_output : ndarray, shape (N, C_out, H_out, W_out)
    stride, padding, dilation : int or (int, int)
        As in the forward pass (integer padding only; ``groups=1``).

    Returns
    -------
    ndarray, shape (N, C_in, H, W)
        Equal to the first result of :func:`cnnlib.conv2d_backward`.

    Examples
    --------
    >>> k = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    >>> conv2d_input((1, 1, 3, 3), k, np.array([[[[1.0, 2.0], [0.0, -1.0]]]]))[0, 0]
    array([[ 1.,  2.,  0.],
           [ 0., -2., -2.],
           [ 0.,  0.,  1.]])
    """
    fn = "conv2d_input"
    n, c_in, h, w = _sizes(input_size, "input_size", fn, 4)
    weight = as_array(weight, "weight", fn)
    grad_output = as_array(grad_output, "grad_output", fn)
    check_ndim(weight, 4, "weight", fn, "(C_out, C_in, kh, kw)")
    check_ndim(grad_output, 4, "grad_output", fn, "(N, C_out, H_out, W_out)")
    c_out, c_w, kh, kw = weight.shape
    if c_w != c_in:
        raise ValueError(
            f"{fn}: weight has {c_w} input channels but input_size has {c_in} "
            f"(weight.shape={tuple(weight.shape)}, input_size={(n, c_in, h, w)}); only "
            f"groups=1 is supported"
        )
    stride_ = int_pair(stride, "stride", fn)
    dilation_ = int_pair(dilation, "dilation", fn)
    ph, pw = int_pair(padding, "padding", fn, minimum=0)
    ho, wo = _output_size((h, w), (kh, kw), stride_, dilation_, (ph, ph, pw, pw), fn)
    if grad_output.shape != (n, c_out, ho, wo):
        raise ValueError(
            f"{fn}: grad_output must have the forward output's shape {(n, c_out, ho, wo)}, "
            f"got {tuple(grad_output.shape)}"
        )
    # A dilated kernel is a kernel with zeros between its taps.
    kernel = dilate_gradient(weight, dilation_)
    span_h, span_w = kernel.shape[-2:]
    g = dilate_gradient(grad_output, stride_)
    # Rows/columns of the padded input that no window reached (floor division).
    left_h = h + 2 * ph - (g.shape[2] + span_h - 1)
    left_w = w + 2 * pw - (g.shape[3] + span_w - 1)
    g = pad(g, (span_h - 1, span_h - 1 + left_h, span_w - 1, span_w - 1 + left_w))
    flipped = rot180(kernel).transpose(1, 0, 2, 3)          # (C_in, C_out, kh, kw)
    grad_padded = conv2d(g, flipped.astype(g.dtype, copy=False))
    return np.ascontiguousarray(grad_padded[:, :, ph : ph + h, pw : pw + w])


def conv2d_weight(
    input: np.ndarray, weight_size: Sequence[int], grad_output: np.ndarray,
    stride: IntOrPair = 1, padding: IntOrPair = 0, dilation: IntOrPair = 1,
) -> np.ndarray:
    """Weight gradient of :func:`cnnlib.conv2d`, computed as a forward convolution.

    Introduced in the chapter *Backpropagation through convolution*.

    ``dL/dW[o, c, a, b] = sum over n, i, j of g[n, o, i, j] * x_pad[n, c, i*s + a*d, j*s + b*d]``:
    the padded input correlated with the upstream gradient used as a kernel
    whose taps are ``stride`` apart (a convolution with ``dilation=stride``),
    the images of the batch playing the part of channels.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W)
        The forward pass's input.
    weight_size : (C_out, C_in, kh, kw)
    grad_output : ndarray, shape (N, C_out, H_out, W_out)
    stride, padding, dilation : int or (int, int)
        As in the forward pass (integer padding only; ``groups=1``).

    Returns
    -------
    ndarray, shape (C_out, C_in, kh, kw)
        Equal to the second result of :func:`cnnlib.conv2d_backward`.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2, 0], [0, 1, 3], [2, 1, 1]]]])
    >>> conv2d_weight(x, (1, 1, 2, 2), np.array([[[[1.0, 2.0], [0.0, -1.0]]]]))[0, 0]
    array([[ 4., -1.],
           [ 1.,  6.]])
    """
    fn = "conv2d_weight"
    x = as_array(input, "input", fn)
    check_ndim(x, 4, "input", fn, "(N, C_in, H, W)")
    c_out, c_in, kh, kw = _sizes(weight_size, "weight_size", fn, 4)
    grad_output = as_array(grad_output, "grad_output", fn)
    check_ndim(grad_output, 4, "grad_output", fn, "(N, C_out, H_out, W_out)")
    n, c_x, h, w = x.shape
    if c_x != c_in:
        raise ValueError(
            f"{fn}: input has {c_x} channels but weight_size has {c_in} input channels "
            f"(input.shape={tuple(x.shape)}, weight_size={(c_out, c_in, kh, kw)}); only "
            f"groups=1 is supported"
        )
    stride_ = int_pair(stride, "stride", fn)
    dh, dw = int_pair(dilation, "dilation", fn)
    ph, pw = int_pair(padding, "padding", fn, minimum=0)
    ho, wo = _output_size((h, w), (kh, kw), stride_, (dh, dw), (ph, ph, pw, pw), fn)
    if grad_output.shape != (n, c_out, ho, wo):
        raise ValueError(
            f"{fn}: grad_output must have the forward output's shape {(n, c_out, ho, wo)}, "
            f"got {tuple(grad_output.shape)}"
        )
    dtype = np.result_type(x, grad_output)
    # Batch becomes the channel axis that is summed: (C_in, N, Hp, Wp) * (C_out, N, Ho, Wo).
    xp = pad(x, (ph, ph, pw, pw)).astype(dtype, copy=False).transpose(1, 0, 2, 3)
    g = grad_output.astype(dtype, copy=False).transpose(1, 0, 2, 3)
    full = conv2d(np.ascontiguousarray(xp), np.ascontiguousarray(g), dilation=stride_)
    # full[c, o, a', b'] holds every offset a'; the kernel's taps sit at a' = a * dh.
    taps = full[:, :, : dh * (kh - 1) + 1 : dh, : dw * (kw - 1) + 1 : dw]
    return np.ascontiguousarray(taps.transpose(1, 0, 2, 3))
