"""Two-dimensional convolution: size arithmetic, the loop, the fast path, the gradients.

Read top to bottom:

1. ``conv_output_size`` -- how big the output is.
2. ``corr2d`` and ``conv2d_naive`` -- the multiply-and-sum written as loops.
3. ``im2col`` / ``col2im`` and ``conv2d`` -- the same numbers from one matrix product.
4. ``conv2d_backward`` -- the three gradients, from two more matrix products.

Everything follows ``torch.nn.functional.conv2d``: NCHW layout, weights of
shape ``(C_out, C_in // groups, kh, kw)``, cross-correlation (the kernel is
not flipped), ``stride``/``padding``/``dilation`` as an int or an ``(h, w)``
pair, ``padding='valid'`` or ``'same'``.  Introduced in the chapter
*Convolution*; the gradients in *Backpropagation through convolution*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_ndim, int_pair, positive_int, result_dtype
from ._windows import crop, fold_add, pad, window_view

__all__ = [
    "conv_output_size",
    "corr2d",
    "conv2d_naive",
    "conv2d",
    "conv2d_backward",
    "im2col",
    "col2im",
]

IntOrPair = int | tuple[int, int]
Padding = int | tuple[int, int] | str

# --------------------------------------------------------------------------
# 1. Size arithmetic
# --------------------------------------------------------------------------


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int | str = 0, dilation: int = 1
) -> int:
    """Length of a convolution's output along one axis.

    .. math:: o = \\left\\lfloor \\frac{i + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1

    Parameters
    ----------
    size : int
        Input length ``i`` (height or width).
    kernel_size : int
        Kernel length ``k``.
    stride : int
        Step ``s`` between neighbouring windows.
    padding : int or {'valid', 'same'}
        Zeros ``p`` added on *each* side; ``'same'`` (stride 1 only) gives ``o = i``.
    dilation : int
        Spacing ``d`` between kernel taps; the kernel spans ``d(k - 1) + 1`` inputs.

    Returns
    -------
    int
        The output length ``o``.

    Raises
    ------
    ValueError
        If the (dilated) kernel is larger than the padded input, or an argument
        is out of range.

    Examples
    --------
    >>> conv_output_size(32, 5)              # LeNet's first layer
    28
    >>> conv_output_size(224, 7, stride=2, padding=3)   # ResNet's stem
    112
    """
    fn = "conv_output_size"
    size = positive_int(size, "size", fn)
    kernel_size = positive_int(kernel_size, "kernel_size", fn)
    stride = positive_int(stride, "stride", fn)
    dilation = positive_int(dilation, "dilation", fn)
    span = dilation * (kernel_size - 1) + 1
    if isinstance(padding, str):
        before, after = _string_padding(padding, span, stride, fn)
        total = before + after
    else:
        total = 2 * positive_int(padding, "padding", fn, minimum=0)
    if span > size + total:
        raise ValueError(
            f"{fn}: kernel_size={kernel_size} with dilation={dilation} spans {span} inputs, "
            f"larger than the padded input {size} + {total} = {size + total}"
        )
    return (size + total - span) // stride + 1


def _string_padding(padding: str, span: int, stride: int, fn: str) -> tuple[int, int]:
    """Padding before and after one axis for ``'valid'`` or ``'same'``.

    For ``'same'`` PyTorch puts ``(span - 1) // 2`` zeros before and the rest
    after, so an even-sized kernel gets its extra zero at the bottom/right.
    """
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        if stride != 1:
            raise ValueError(f"{fn}: padding='same' needs stride 1, got stride={stride}")
        total = span - 1
        return (total // 2, total - total // 2)
    raise ValueError(f"{fn}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")


# --------------------------------------------------------------------------
# Shared argument checking for every conv2d-shaped function
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvGeometry:
    """Everything about a convolution's shapes, checked once.

    ``pads`` is ``(top, bottom, left, right)``; the rest are ``(h, w)`` pairs
    or channel counts.
    """

    n: int
    c_in: int
    c_out: int
    groups: int
    in_size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[int, int, int, int]
    out_size: tuple[int, int]

    @property
    def padded_size(self) -> tuple[int, int]:
        top, bottom, left, right = self.pads
        return (self.in_size[0] + top + bottom, self.in_size[1] + left + right)


def _resolve_padding(
    padding: Padding, kernel: tuple[int, int], stride: tuple[int, int],
    dilation: tuple[int, int], fn: str,
) -> tuple[int, int, int, int]:
    if isinstance(padding, str):
        spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
        if padding == "same" and stride != (1, 1):
            raise ValueError(f"{fn}: padding='same' needs stride 1, got stride={stride}")
        top, bottom = _string_padding(padding, spans[0], stride[0], fn)
        left, right = _string_padding(padding, spans[1], stride[1], fn)
        return (top, bottom, left, right)
    ph, pw = int_pair(padding, "padding", fn, minimum=0)
    return (ph, ph, pw, pw)


def _output_size(
    in_size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
    dilation: tuple[int, int], pads: tuple[int, int, int, int], fn: str, what: str = "kernel",
) -> tuple[int, int]:
    """Output ``(H_out, W_out)``; ``ValueError`` if the window does not fit."""
    padded = (in_size[0] + pads[0] + pads[1], in_size[1] + pads[2] + pads[3])
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if spans[0] > padded[0] or spans[1] > padded[1]:
        raise ValueError(
            f"{fn}: {what} of size {kernel[0]}x{kernel[1]} (spanning {spans[0]}x{spans[1]} "
            f"with dilation {dilation}) is larger than the padded input "
            f"{padded[0]}x{padded[1]} (input {in_size[0]}x{in_size[1]}, padding {pads})"
        )
    return tuple((p - s) // st + 1 for p, s, st in zip(padded, spans, stride, strict=True))


def _conv_geometry(
    fn: str, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
    stride: IntOrPair, padding: Padding, dilation: IntOrPair, groups: int,
) -> ConvGeometry:
    check_ndim(x, 4, "x", fn, "(N, C_in, H, W)")
    check_ndim(weight, 4, "weight", fn, "(C_out, C_in // groups, kh, kw)")
    groups = positive_int(groups, "groups", fn)
    n, c_in, h, w = x.shape
    c_out, c_per_group, kh, kw = weight.shape
    if c_in % groups:
        raise ValueError(f"{fn}: groups={groups} must divide x's {c_in} input channels")
    if c_out % groups:
        raise ValueError(
            f"{fn}: groups={groups} must divide weight's {c_out} output channels "
            f"(weight.shape={tuple(weight.shape)})"
        )
    if c_per_group * groups != c_in:
        raise ValueError(
            f"{fn}: weight has {c_per_group} input channels per group but x has {c_in} "
            f"channels (x.shape={tuple(x.shape)}, weight.shape={tuple(weight.shape)}, "
            f"groups={groups}); expected weight.shape[1] == {c_in // groups}"
        )
    if kh < 1 or kw < 1:
        raise ValueError(f"{fn}: weight's kernel must be at least 1x1, got {kh}x{kw}")
    if c_out < 1:
        # PyTorch refuses this too ("expected weight to be at least 1 at dimension 0").
        raise ValueError(
            f"{fn}: weight must have at least one output channel, got weight.shape="
            f"{tuple(weight.shape)}"
        )
    if bias is not None:
        check_ndim(bias, 1, "bias", fn, "(C_out,)")
        if bias.shape[0] != c_out:
            raise ValueError(
                f"{fn}: bias must have shape ({c_out},) to match weight's {c_out} output "
                f"channels, got {tuple(bias.shape)}"
            )
    stride_ = int_pair(stride, "stride", fn)
    dilation_ = int_pair(dilation, "dilation", fn)
    pads = _resolve_padding(padding, (kh, kw), stride_, dilation_, fn)
    out_size = _output_size((h, w), (kh, kw), stride_, dilation_, pads, fn)
    return ConvGeometry(n, c_in, c_out, groups, (h, w), (kh, kw), stride_, dilation_, pads,
                        out_size)


def _prepare(
    fn: str, x: object, weight: object, bias: object | None,
    stride: IntOrPair, padding: Padding, dilation: IntOrPair, groups: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, ConvGeometry]:
    x = as_array(x, "x", fn)
    weight = as_array(weight, "weight", fn)
    bias = None if bias is None else as_array(bias, "bias", fn)
    geo = _conv_geometry(fn, x, weight, bias, stride, padding, dilation, groups)
    dtype = result_dtype(x, weight, bias)
    return (x.astype(dtype, copy=False), weight.astype(dtype, copy=False),
            None if bias is None else bias.astype(dtype, copy=False), geo)


# --------------------------------------------------------------------------
# 2. The loops
# --------------------------------------------------------------------------


def corr2d(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of one 2-D array with one 2-D kernel.

    ``out[i, j] = sum_{a, b} x[i + a, j + b] * k[a, b]`` -- the kernel slides
    unflipped, which is what deep learning calls convolution.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    k : ndarray, shape (kh, kw)

    Returns
    -------
    ndarray, shape (H - kh + 1, W - kw + 1)

    Examples
    --------
    >>> corr2d(np.arange(9).reshape(3, 3), np.array([[0, 1], [2, 3]]))
    array([[19., 25.],
           [37., 43.]])
    """
    fn = "corr2d"
    x = as_array(x, "x", fn)
    k = as_array(k, "k", fn)
    check_ndim(x, 2, "x", fn, "(H, W)")
    check_ndim(k, 2, "k", fn, "(kh, kw)")
    kh, kw = k.shape
    ho, wo = _output_size(x.shape, k.shape, (1, 1), (1, 1), (0, 0, 0, 0), fn, what="k")
    out = np.zeros((ho, wo), dtype=result_dtype(x, k))
    for i in range(ho):
        for j in range(wo):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out


def conv2d_naive(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1, groups: int = 1,
) -> np.ndarray:
    """2-D convolution as explicit loops: the reference every fast path must equal.

    For each image ``n``, output channel ``o`` and position ``(i, j)``::

        out[n, o, i, j] = bias[o] + sum over c, a, b of
            x_padded[n, g*C_g + c, i*sh + a*dh, j*sw + b*dw] * weight[o, c, a, b]

    where ``g = o // (C_out // groups)`` is the group that output channel
    reads and ``C_g = C_in // groups``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_out, C_in // groups, kh, kw)
    bias : ndarray, shape (C_out,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), 'valid' or 'same'
    groups : int
        Input and output channels are split into this many groups; each
        output channel sees only its group's inputs.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        With ``H_out = conv_output_size(H, kh, sh, ph, dh)`` and likewise ``W_out``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_naive(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, weight, bias, geo = _prepare("conv2d_naive", x, weight, bias, stride, padding,
                                    dilation, groups)
    xp = pad(x, geo.pads)
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    c_group = geo.c_in // geo.groups
    out_per_group = geo.c_out // geo.groups
    out = np.zeros((geo.n, geo.c_out, *geo.out_size), dtype=x.dtype)
    for n in range(geo.n):
        for o in range(geo.c_out):
            first = (o // out_per_group) * c_group
            for i in range(geo.out_size[0]):
                for j in range(geo.out_size[1]):
                    patch = xp[n, first : first + c_group,
                               i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                               j * sw : j * sw + dw * (kw - 1) + 1 : dw]
                    out[n, o, i, j] = np.sum(patch * weight[o])
            if bias is not None:
                out[n, o] += bias[o]
    return out


# --------------------------------------------------------------------------
# 3. The fast path: im2col, then one matrix product
# --------------------------------------------------------------------------


def _columns(xp: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """im2col of a padded input, one matrix per image and group.

    Returns shape ``(N, groups, C_g*kh*kw, L)`` with ``L = H_out*W_out``: the
    window view's own axis order, so building it is one sequential copy, and
    ``weight_rows @ columns`` lands directly in NCHW order.
    """
    view = window_view(xp, geo.kernel, geo.stride, geo.dilation, geo.out_size)
    rows = geo.c_in // geo.groups * geo.kernel[0] * geo.kernel[1]
    return view.reshape(geo.n, geo.groups, rows, geo.out_size[0] * geo.out_size[1])


def conv2d(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1, groups: int = 1,
) -> np.ndarray:
    """2-D convolution (cross-correlation), the fast path: im2col + one matrix product.

    Same signature and result as ``torch.nn.functional.conv2d`` and as
    :func:`conv2d_naive`.  The input's windows are laid out as the columns of
    a matrix (no loops in Python), and each group's weights, flattened to
    rows, multiply it in a single ``matmul``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_out, C_in // groups, kh, kw)
    bias : ndarray, shape (C_out,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), 'valid' or 'same'
    groups : int

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, weight, bias, geo = _prepare("conv2d", x, weight, bias, stride, padding, dilation, groups)
    # Explicit sizes in every reshape (never -1): an empty batch (N = 0) or
    # no output channels (C_out = 0) gives an empty result, as in PyTorch.
    g, k = geo.groups, geo.c_in // geo.groups * geo.kernel[0] * geo.kernel[1]
    cols = _columns(pad(x, geo.pads), geo)                        # (N, G, K, L)
    w_rows = weight.reshape(g, geo.c_out // g, k)                 # (G, C_out/G, K)
    out = np.matmul(w_rows, cols)                                 # (N, G, C_out/G, L)
    if bias is not None:
        out += bias.reshape(g, geo.c_out // g, 1)
    return out.reshape(geo.n, geo.c_out, *geo.out_size)


def im2col(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair = 1,
    padding: IntOrPair = 0, dilation: IntOrPair = 1,
) -> np.ndarray:
    """Unfold every kernel window of ``x`` into a column (``torch.nn.functional.unfold``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size, stride, padding, dilation : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C*kh*kw, L)
        ``L = H_out * W_out``; row ``c*kh*kw + a*kw + b`` holds tap ``(a, b)``
        of channel ``c``, and column ``i*W_out + j`` is output position ``(i, j)``.

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2)[0]
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    fn = "im2col"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    kernel = int_pair(kernel_size, "kernel_size", fn)
    stride_ = int_pair(stride, "stride", fn)
    dilation_ = int_pair(dilation, "dilation", fn)
    ph, pw = int_pair(padding, "padding", fn, minimum=0)
    pads = (ph, ph, pw, pw)
    out_size = _output_size(x.shape[2:], kernel, stride_, dilation_, pads, fn, "kernel_size")
    view = window_view(pad(x, pads), kernel, stride_, dilation_, out_size)
    n, c = x.shape[:2]
    # Always a new, writable array (as unfold returns): a plain reshape would
    # give back a read-only view of x for a 1x1 kernel or a kernel the size
    # of the input.
    cols = np.empty((n, c * kernel[0] * kernel[1], out_size[0] * out_size[1]), dtype=x.dtype)
    cols.reshape(view.shape)[...] = view
    return cols


def col2im(
    cols: np.ndarray, output_size: IntOrPair, kernel_size: IntOrPair,
    stride: IntOrPair = 1, padding: IntOrPair = 0, dilation: IntOrPair = 1,
) -> np.ndarray:
    """Fold columns back into an image, summing overlaps (``torch.nn.functional.fold``).

    The adjoint of :func:`im2col`: ``<im2col(x), y> == <x, col2im(y, ...)>``.

    Parameters
    ----------
    cols : ndarray, shape (N, C*kh*kw, L)
    output_size : int or (int, int)
        The image size ``(H, W)`` before padding.
    kernel_size, stride, padding, dilation : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> col2im(np.ones((1, 4, 4)), 3, 2)[0, 0]   # how many windows cover each pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    fn = "col2im"
    cols = as_array(cols, "cols", fn)
    check_ndim(cols, 3, "cols", fn, "(N, C*kh*kw, L)")
    size = int_pair(output_size, "output_size", fn)
    kernel = int_pair(kernel_size, "kernel_size", fn)
    stride_ = int_pair(stride, "stride", fn)
    dilation_ = int_pair(dilation, "dilation", fn)
    ph, pw = int_pair(padding, "padding", fn, minimum=0)
    pads = (ph, ph, pw, pw)
    n, rows, length = cols.shape
    taps = kernel[0] * kernel[1]
    if rows % taps:
        raise ValueError(
            f"{fn}: cols.shape[1]={rows} must be a multiple of kh*kw={taps} "
            f"(kernel_size={kernel})"
        )
    out_size = _output_size(size, kernel, stride_, dilation_, pads, fn, "kernel_size")
    if length != out_size[0] * out_size[1]:
        raise ValueError(
            f"{fn}: cols.shape[2]={length} does not match output_size={size}: with "
            f"kernel_size={kernel}, stride={stride_}, padding={(ph, pw)}, dilation={dilation_} "
            f"there are {out_size[0]}x{out_size[1]} = {out_size[0] * out_size[1]} windows"
        )
    windows = cols.reshape(n, rows // taps, *kernel, *out_size)
    padded = (size[0] + 2 * ph, size[1] + 2 * pw)
    return crop(fold_add(windows, padded, stride_, dilation_), pads)


# --------------------------------------------------------------------------
# 4. The backward pass
# --------------------------------------------------------------------------


def conv2d_backward(
    grad_out: np.ndarray, x: np.ndarray, weight: np.ndarray,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1, groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss through :func:`conv2d`, given ``dL/d(out)``.

    With ``X`` the im2col matrix of the input and ``W`` the flattened weights,
    the forward pass is ``out = W @ X + b``; so

    - ``dL/dW = dL/dout @ X.T`` (each weight gathers input times upstream gradient),
    - ``dL/dX = W.T @ dL/dout``, folded back into the image by :func:`col2im`
      (this is a full convolution with the 180-degree-rotated kernel),
    - ``dL/db = dL/dout`` summed over images and positions.

    Parameters
    ----------
    grad_out : ndarray, shape (N, C_out, H_out, W_out)
        Gradient of the loss with respect to the convolution's output.
    x : ndarray, shape (N, C_in, H, W)
        The forward pass's input.
    weight : ndarray, shape (C_out, C_in // groups, kh, kw)
    stride, padding, dilation, groups
        As in the forward pass.

    Returns
    -------
    grad_x : ndarray, shape (N, C_in, H, W)
    grad_weight : ndarray, shape (C_out, C_in // groups, kh, kw)
    grad_bias : ndarray, shape (C_out,)

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    >>> gw[0, 0], gb
    (array([[ 8., 12.],
           [20., 24.]]), array([4.]))
    """
    fn = "conv2d_backward"
    x, weight, _, geo = _prepare(fn, x, weight, None, stride, padding, dilation, groups)
    grad_out = as_array(grad_out, "grad_out", fn)
    expected = (geo.n, geo.c_out, *geo.out_size)
    if grad_out.shape != expected:
        raise ValueError(
            f"{fn}: grad_out must have the forward output's shape {expected}, "
            f"got {tuple(grad_out.shape)}"
        )
    dtype = result_dtype(x, weight, grad_out)
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    g = geo.groups
    k = geo.c_in // g * geo.kernel[0] * geo.kernel[1]
    length = geo.out_size[0] * geo.out_size[1]
    # Explicit sizes, never -1: N = 0 or C_out = 0 give empty gradients.
    g_rows = grad_out.astype(dtype, copy=False).reshape(geo.n, g, geo.c_out // g, length)
    cols = _columns(pad(x, geo.pads), geo)                        # (N, G, K, L)
    w_rows = weight.reshape(g, geo.c_out // g, k)                 # (G, C_out/G, K)

    # dL/dW = sum over images of g @ X.T, computed as (X @ g.T).T: OpenBLAS
    # contracts the long L axis faster in this orientation (benchmarks/bench_conv.py).
    grad_weight = np.matmul(cols, g_rows.transpose(0, 1, 3, 2)).sum(axis=0)  # (G, K, C_out/G)
    grad_weight = grad_weight.transpose(0, 2, 1).reshape(weight.shape)
    grad_cols = np.matmul(w_rows.transpose(0, 2, 1), g_rows)      # (N, G, K, L)
    grad_bias = grad_out.sum(axis=(0, 2, 3), dtype=dtype)

    # (N, G, K, L) is already (N, C_in, kh, kw, Ho, Wo): scatter-add into the image.
    windows = grad_cols.reshape(geo.n, geo.c_in, *geo.kernel, *geo.out_size)
    grad_xp = fold_add(windows, geo.padded_size, geo.stride, geo.dilation)
    grad_x = np.ascontiguousarray(crop(grad_xp, geo.pads))
    return grad_x, grad_weight, grad_bias
