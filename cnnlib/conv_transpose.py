"""Transposed convolution: the input-gradient of ``conv2d``, used as a layer.

Read top to bottom:

1. ``conv_transpose_output_size`` -- how big the output is.
2. ``conv_transpose2d_naive`` -- every input value stamps a scaled copy of
   the kernel onto the output; where stamps overlap, they add.
3. ``conv_transpose2d`` -- the same numbers from one matrix product and a
   fold: exactly the ``dL/dX`` path of :func:`cnnlib.conv2d_backward`.
4. ``transpose_as_convolution`` -- the same output from an ordinary
   stride-1 convolution: stretch the input with zeros, pad it, flip the
   kernel (Dumoulin and Visin's "equivalent convolution").
5. ``overlap_counts`` -- how many stamps land on each output pixel: uneven
   counts are the checkerboard pattern of Odena, Dumoulin and Olah (2016).
6. ``conv_transpose2d_backward`` -- its gradients, which are an ordinary
   convolution (for the input) and a convolution's weight gradient (for the
   weights): the two layers are each other's adjoints.

Everything follows ``torch.nn.functional.conv_transpose2d``: NCHW, weights of
shape ``(C_in, C_out // groups, kh, kw)`` (input channels first, the
transpose of ``conv2d``'s layout), integer ``stride``/``padding``/
``output_padding``/``dilation`` or ``(h, w)`` pairs.  Introduced in the
chapter *Transposed convolution and upsampling*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_ndim, int_pair, positive_int, result_dtype
from ._windows import crop, fold_add
from .backprop import dilate_gradient, rot180
from .conv import conv2d, conv2d_backward

__all__ = [
    "conv_transpose_output_size",
    "conv_transpose2d_naive",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "transpose_as_convolution",
    "overlap_counts",
]

IntOrPair = int | tuple[int, int]


def conv_transpose_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0,
    output_padding: int = 0, dilation: int = 1,
) -> int:
    """Length of a transposed convolution's output along one axis.

    .. math:: o = (i - 1)s - 2p + d(k - 1) + a + 1

    where ``a`` is ``output_padding``.  It inverts :func:`cnnlib.conv_output_size`:
    a convolution with the same ``k, s, p, d`` maps size ``o`` back to ``i``.
    Since that convolution rounds down, ``s`` different sizes ``o`` map to the
    same ``i``; ``a`` (``0 <= a < max(s, d)``) picks which one.

    Parameters
    ----------
    size : int
        Input length ``i``.
    kernel_size, stride : int
        ``k`` and ``s``, at least 1.
    padding : int
        ``p >= 0``: rows cropped from *each* side of the full output.
    output_padding : int
        ``a``: extra rows added on one side (bottom/right).
    dilation : int
        ``d``, at least 1.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_transpose_output_size(3, kernel_size=3, stride=2, padding=1)
    5
    >>> conv_transpose_output_size(3, kernel_size=3, stride=2, padding=1, output_padding=1)
    6
    """
    fn = "conv_transpose_output_size"
    i = positive_int(size, "size", fn)
    k = positive_int(kernel_size, "kernel_size", fn)
    s = positive_int(stride, "stride", fn)
    p = positive_int(padding, "padding", fn, minimum=0)
    a = positive_int(output_padding, "output_padding", fn, minimum=0)
    d = positive_int(dilation, "dilation", fn)
    _check_output_padding((a, a), (s, s), (d, d), fn)
    out = (i - 1) * s - 2 * p + d * (k - 1) + a + 1
    if out < 1:
        raise ValueError(
            f"{fn}: padding={p} crops more than the full output of {out + 2 * p} "
            f"(size={i}, kernel_size={k}, stride={s}, dilation={d}); the output would "
            f"have size {out}"
        )
    return out


def _check_output_padding(
    output_padding: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int],
    fn: str,
) -> None:
    # PyTorch's rule: a is an offset within one stride (or one dilation step).
    for a, s, d in zip(output_padding, stride, dilation, strict=True):
        if not (a < s or a < d):
            raise ValueError(
                f"{fn}: output_padding must be smaller than stride or dilation, got "
                f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
            )


@dataclass(frozen=True)
class TransposeGeometry:
    """Shapes of one transposed convolution, checked once (``(h, w)`` pairs)."""

    n: int
    c_in: int
    c_out: int
    groups: int
    in_size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    dilation: tuple[int, int]
    out_size: tuple[int, int]

    @property
    def full_size(self) -> tuple[int, int]:
        """The output before ``padding`` is cropped from each side."""
        return (self.out_size[0] + 2 * self.padding[0], self.out_size[1] + 2 * self.padding[1])

    @property
    def pads(self) -> tuple[int, int, int, int]:
        return (self.padding[0], self.padding[0], self.padding[1], self.padding[1])


def _geometry(
    fn: str, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
    stride: IntOrPair, padding: IntOrPair, output_padding: IntOrPair, groups: int,
    dilation: IntOrPair,
) -> TransposeGeometry:
    check_ndim(x, 4, "x", fn, "(N, C_in, H, W)")
    check_ndim(weight, 4, "weight", fn, "(C_in, C_out // groups, kh, kw)")
    groups = positive_int(groups, "groups", fn)
    n, c_in, h, w = x.shape
    c_w, c_out_per_group, kh, kw = weight.shape
    if c_w != c_in:
        raise ValueError(
            f"{fn}: weight has {c_w} input channels (weight.shape[0]) but x has {c_in} "
            f"(x.shape={tuple(x.shape)}, weight.shape={tuple(weight.shape)}); a transposed "
            f"convolution's weight is laid out (C_in, C_out // groups, kh, kw)"
        )
    if c_in % groups:
        raise ValueError(f"{fn}: groups={groups} must divide x's {c_in} input channels")
    if kh < 1 or kw < 1:
        raise ValueError(f"{fn}: weight's kernel must be at least 1x1, got {kh}x{kw}")
    c_out = c_out_per_group * groups
    if bias is not None:
        check_ndim(bias, 1, "bias", fn, "(C_out,)")
        if bias.shape[0] != c_out:
            raise ValueError(
                f"{fn}: bias must have shape ({c_out},) to match the {c_out} output "
                f"channels (weight.shape[1] * groups), got {tuple(bias.shape)}"
            )
    stride_ = int_pair(stride, "stride", fn)
    padding_ = int_pair(padding, "padding", fn, minimum=0)
    out_pad = int_pair(output_padding, "output_padding", fn, minimum=0)
    dilation_ = int_pair(dilation, "dilation", fn)
    _check_output_padding(out_pad, stride_, dilation_, fn)
    out_size = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + a + 1
        for i, s, p, d, k, a in zip((h, w), stride_, padding_, dilation_, (kh, kw), out_pad,
                                    strict=True)
    )
    if min(out_size) < 1:
        raise ValueError(
            f"{fn}: padding={padding_} crops the whole output: with input {h}x{w}, "
            f"kernel {kh}x{kw}, stride={stride_}, dilation={dilation_} and "
            f"output_padding={out_pad} the output would be {out_size[0]}x{out_size[1]}"
        )
    return TransposeGeometry(n, c_in, c_out, groups, (h, w), (kh, kw), stride_, padding_,
                             out_pad, dilation_, out_size)


def _prepare(
    fn: str, x: object, weight: object, bias: object | None, stride: IntOrPair,
    padding: IntOrPair, output_padding: IntOrPair, groups: int, dilation: IntOrPair,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, TransposeGeometry]:
    x = as_array(x, "x", fn)
    weight = as_array(weight, "weight", fn)
    bias = None if bias is None else as_array(bias, "bias", fn)
    geo = _geometry(fn, x, weight, bias, stride, padding, output_padding, groups, dilation)
    dtype = result_dtype(x, weight, bias)
    return (x.astype(dtype, copy=False), weight.astype(dtype, copy=False),
            None if bias is None else bias.astype(dtype, copy=False), geo)


# --------------------------------------------------------------------------
# 2. The loop
# --------------------------------------------------------------------------


def conv_transpose2d_naive(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
    stride: IntOrPair = 1, padding: IntOrPair = 0, output_padding: IntOrPair = 0,
    groups: int = 1, dilation: IntOrPair = 1,
) -> np.ndarray:
    """Transposed convolution as explicit loops: each input value stamps the kernel.

    Input pixel ``(i, j)`` of channel ``c`` adds ``x[n, c, i, j] * weight[c, o]``
    onto the output window whose top-left corner is ``(i*sh, j*sw)`` (taps
    ``dilation`` apart), in the full output; then ``padding`` rows and columns
    are cropped from each side.  The reference that :func:`conv_transpose2d`
    is tested against; same arguments and result.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_in, C_out // groups, kh, kw)
    bias : ndarray, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or (int, int)
    groups : int

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        ``H_out = (H - 1)*sh - 2*ph + dh*(kh - 1) + output_padding_h + 1``.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0]]]])                 # one row, two pixels
    >>> conv_transpose2d_naive(x, np.ones((1, 1, 1, 3)), stride=2)[0, 0]
    array([[1., 1., 3., 2., 2.]])
    """
    x, weight, bias, geo = _prepare("conv_transpose2d_naive", x, weight, bias, stride, padding,
                                    output_padding, groups, dilation)
    (sh, sw), (dh, dw), (kh, kw) = geo.stride, geo.dilation, geo.kernel
    c_in_g, c_out_g = geo.c_in // geo.groups, geo.c_out // geo.groups
    full = np.zeros((geo.n, geo.c_out, *geo.full_size), dtype=x.dtype)
    for n in range(geo.n):
        for c in range(geo.c_in):
            g = c // c_in_g
            for o in range(c_out_g):
                for i in range(geo.in_size[0]):
                    for j in range(geo.in_size[1]):
                        rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                        cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                        full[n, g * c_out_g + o, rows, cols] += x[n, c, i, j] * weight[c, o]
    out = crop(full, geo.pads).copy()
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out


# --------------------------------------------------------------------------
# 3. The fast path
# --------------------------------------------------------------------------


def conv_transpose2d(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
    stride: IntOrPair = 1, padding: IntOrPair = 0, output_padding: IntOrPair = 0,
    groups: int = 1, dilation: IntOrPair = 1,
) -> np.ndarray:
    """Transposed convolution, equal to ``torch.nn.functional.conv_transpose2d``.

    One matrix product turns every input pixel into its ``C_out*kh*kw``
    stamp, ``cols = W.T @ X``; :func:`cnnlib.col2im`'s fold adds the stamps
    into the output.  These are the same two steps that compute ``dL/dX``
    in :func:`cnnlib.conv2d_backward`: a transposed convolution *is* the
    input-gradient of the convolution with the same weight, stride, padding
    and dilation, applied to ``x`` as if it were an upstream gradient.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_in, C_out // groups, kh, kw)
    bias : ndarray, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or (int, int)
        ``0 <= output_padding < max(stride, dilation)`` on each axis.
    groups : int

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        ``H_out = (H - 1)*sh - 2*ph + dh*(kh - 1) + output_padding_h + 1``.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 2, 2)))[0, 0]    # overlapping stamps add
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    """
    x, weight, bias, geo = _prepare("conv_transpose2d", x, weight, bias, stride, padding,
                                    output_padding, groups, dilation)
    g = geo.groups
    h, w = geo.in_size
    x_rows = x.reshape(geo.n, g, geo.c_in // g, h * w)                     # (N, G, C_in/G, L)
    w_rows = weight.reshape(g, geo.c_in // g, (geo.c_out // g) * geo.kernel[0] * geo.kernel[1])
    stamps = np.matmul(w_rows.transpose(0, 2, 1), x_rows)                # (N, G, K, L)
    windows = stamps.reshape(geo.n, geo.c_out, *geo.kernel, h, w)
    full = fold_add(windows, geo.full_size, geo.stride, geo.dilation)
    out = np.ascontiguousarray(crop(full, geo.pads))
    if bias is not None:
        out += bias.reshape(1, geo.c_out, 1, 1)
    return out


def transpose_as_convolution(
    x: np.ndarray, weight: np.ndarray, stride: IntOrPair = 1, padding: IntOrPair = 0,
    output_padding: IntOrPair = 0, dilation: IntOrPair = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """The direct convolution that computes a transposed convolution, step by step.

    1. *Stretch*: put ``stride - 1`` zeros between neighbouring input pixels.
    2. *Pad*: ``d(k - 1) - p`` zeros on every side, plus ``output_padding``
       more at the bottom and right (a negative amount crops instead).
    3. *Flip*: rotate each kernel by 180 degrees and swap its input and
       output channels.

    Then ``conv2d(stretched, flipped, dilation=dilation)`` (stride 1, no
    padding) equals ``conv_transpose2d(x, weight, None, stride, padding,
    output_padding, 1, dilation)``.  This is the slow way -- most of the
    products are with the inserted zeros -- and the way to see why the
    output has the size it has.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_in, C_out, kh, kw)
        ``groups=1`` only.
    stride, padding, output_padding, dilation : int or (int, int)

    Returns
    -------
    stretched : ndarray, shape (N, C_in, Hs, Ws)
        The stretched and padded input,
        ``Hs = (H - 1)*sh + 1 + 2*(dh*(kh - 1) - ph) + output_padding_h``.
    flipped : ndarray, shape (C_out, C_in, kh, kw)
        The kernels rotated by 180 degrees, channels swapped: a ``conv2d`` weight.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0]]]])
    >>> stretched, flipped = transpose_as_convolution(x, np.ones((1, 1, 1, 3)), stride=2)
    >>> stretched[0, 0]
    array([[0., 0., 1., 0., 2., 0., 0.]])
    >>> conv2d(stretched, flipped)[0, 0]
    array([[1., 1., 3., 2., 2.]])
    """
    fn = "transpose_as_convolution"
    x, weight, _, geo = _prepare(fn, x, weight, None, stride, padding, output_padding, 1,
                                 dilation)
    stretched = dilate_gradient(x, geo.stride)
    (kh, kw), (dh, dw), (ph, pw) = geo.kernel, geo.dilation, geo.padding
    ah, aw = geo.output_padding
    before = (dh * (kh - 1) - ph, dw * (kw - 1) - pw)
    after = (before[0] + ah, before[1] + aw)
    # Negative padding means the transposed layer crops more than the
    # kernel's reach: drop those rows instead of adding zeros.
    stretched = np.pad(stretched, ((0, 0), (0, 0), (max(before[0], 0), max(after[0], 0)),
                                   (max(before[1], 0), max(after[1], 0))))
    h, w = stretched.shape[2:]
    stretched = stretched[:, :, max(-before[0], 0) : h - max(-after[0], 0),
                          max(-before[1], 0) : w - max(-after[1], 0)]
    flipped = rot180(weight).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(stretched), np.ascontiguousarray(flipped)


def overlap_counts(
    size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
    output_padding: IntOrPair = 0, dilation: IntOrPair = 1,
) -> np.ndarray:
    """How many kernel stamps cover each output pixel of a transposed convolution.

    Every input pixel stamps the kernel onto the output (see
    :func:`conv_transpose2d_naive`); this counts, for each output pixel, the
    stamps whose taps land on it, by placing them one by one.  With a
    constant input and an all-ones kernel the transposed convolution's output
    *is* this count.  When ``stride`` does not divide ``kernel_size`` the
    counts alternate between neighbouring pixels -- the checkerboard
    artifact of Odena, Dumoulin and Olah (2016).

    Parameters
    ----------
    size : int or (H, W)
        The input's spatial size.
    kernel_size, stride, padding, output_padding, dilation : int or (int, int)
        As for :func:`conv_transpose2d`.

    Returns
    -------
    ndarray of int, shape (H_out, W_out)
        ``H_out = (H - 1)*sh - 2*ph + dh*(kh - 1) + output_padding_h + 1``.

    Examples
    --------
    >>> overlap_counts((1, 3), kernel_size=(1, 3), stride=2)   # k = 3, s = 2: uneven
    array([[1, 1, 2, 1, 2, 1, 1]])
    >>> overlap_counts((1, 3), kernel_size=(1, 4), stride=2, padding=(0, 1))   # k = 4: even
    array([[1, 2, 2, 2, 2, 1]])
    """
    fn = "overlap_counts"
    h, w = int_pair(size, "size", fn)
    kh, kw = int_pair(kernel_size, "kernel_size", fn)
    weight = np.ones((1, 1, kh, kw))
    geo = _geometry(fn, np.zeros((1, 1, h, w)), weight, None, stride, padding, output_padding,
                    1, dilation)
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    full = np.zeros(geo.full_size, dtype=np.int64)
    for i in range(h):
        for j in range(w):
            full[i * sh: i * sh + dh * (kh - 1) + 1: dh,
                 j * sw: j * sw + dw * (kw - 1) + 1: dw] += 1
    ph, pw = geo.padding
    return np.ascontiguousarray(full[ph: ph + geo.out_size[0], pw: pw + geo.out_size[1]])


# --------------------------------------------------------------------------
# 4. The backward pass
# --------------------------------------------------------------------------


def conv_transpose2d_backward(
    grad_out: np.ndarray, x: np.ndarray, weight: np.ndarray,
    stride: IntOrPair = 1, padding: IntOrPair = 0, output_padding: IntOrPair = 0,
    groups: int = 1, dilation: IntOrPair = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss through :func:`conv_transpose2d`, given ``dL/d(out)``.

    ``conv_transpose2d`` is the adjoint of ``conv2d`` with the same weight:
    ``<conv2d(y, W), x> = <y, conv_transpose2d(x, W)>``.  Differentiating that
    identity gives both gradients from the *forward* convolution's machinery:

    - ``dL/dx = conv2d(dL/dout, W)`` -- an ordinary strided convolution;
    - ``dL/dW`` = the weight gradient of ``conv2d`` whose input is
      ``dL/dout`` and whose upstream gradient is ``x``;
    - ``dL/db = dL/dout`` summed over images and positions.

    Parameters
    ----------
    grad_out : ndarray, shape (N, C_out, H_out, W_out)
    x : ndarray, shape (N, C_in, H, W)
        The forward pass's input.
    weight : ndarray, shape (C_in, C_out // groups, kh, kw)
    stride, padding, output_padding, groups, dilation
        As in the forward pass.

    Returns
    -------
    grad_x : ndarray, shape (N, C_in, H, W)
    grad_weight : ndarray, shape (C_in, C_out // groups, kh, kw)
    grad_bias : ndarray, shape (C_out,)

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0]]]])
    >>> gx, gw, gb = conv_transpose2d_backward(np.ones((1, 1, 1, 3)), x, np.ones((1, 1, 1, 2)))
    >>> gx[0, 0], gw[0, 0], gb
    (array([[2., 2.]]), array([[3., 3.]]), array([3.]))
    """
    fn = "conv_transpose2d_backward"
    x, weight, _, geo = _prepare(fn, x, weight, None, stride, padding, output_padding, groups,
                                 dilation)
    grad_out = as_array(grad_out, "grad_out", fn)
    expected = (geo.n, geo.c_out, *geo.out_size)
    if grad_out.shape != expected:
        raise ValueError(
            f"{fn}: grad_out must have the forward output's shape {expected}, "
            f"got {tuple(grad_out.shape)}"
        )
    dtype = result_dtype(x, weight, grad_out)
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    grad_out = grad_out.astype(dtype, copy=False)
    conv_args = {"stride": geo.stride, "padding": geo.padding, "dilation": geo.dilation,
                 "groups": geo.groups}
    # The convolution of grad_out has one more row per full stride in
    # output_padding (possible only when dilation > stride); those rows
    # belong to input pixels that do not exist.
    conv_out = conv2d(grad_out, weight, **conv_args)
    h, w = geo.in_size
    grad_x = np.ascontiguousarray(conv_out[:, :, :h, :w])
    x_ext = np.zeros(conv_out.shape, dtype=dtype)
    x_ext[:, :, :h, :w] = x
    _, grad_weight, _ = conv2d_backward(x_ext, grad_out, weight, **conv_args)
    grad_bias = grad_out.sum(axis=(0, 2, 3), dtype=dtype)
    return grad_x, grad_weight, grad_bias
