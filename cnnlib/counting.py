"""Counting a layer's parameters and multiply-accumulates from its hyper-parameters.

The formulas, for a convolution with ``C_in`` input and ``C_out`` output
channels, a ``kh x kw`` kernel and ``groups`` groups:

- parameters: ``C_out * (C_in // groups) * kh * kw`` weights, plus ``C_out`` biases;
- multiply-accumulates per image: one for every weight of a filter, at every
  output position, i.e. ``C_out * (C_in // groups) * kh * kw * H_out * W_out``.

and for a dense (fully connected) layer ``in_features -> out_features``:
``in_features * out_features`` weights plus ``out_features`` biases, and one
multiply-accumulate per weight.  No arrays are built, so the counts are exact
even for layers far too large to allocate.  Introduced in the chapter
*Images as tensors, and why not a dense layer*.
"""

from __future__ import annotations

from ._validate import int_pair, positive_int

__all__ = [
    "conv2d_parameters",
    "linear_parameters",
    "locally_connected_parameters",
    "conv2d_macs",
    "linear_macs",
]


def _conv_channels(c_in: object, c_out: object, groups: object, fn: str) -> tuple[int, int, int]:
    c_in = positive_int(c_in, "c_in", fn)
    c_out = positive_int(c_out, "c_out", fn)
    groups = positive_int(groups, "groups", fn)
    if c_in % groups:
        raise ValueError(f"{fn}: groups={groups} must divide c_in={c_in}")
    if c_out % groups:
        raise ValueError(f"{fn}: groups={groups} must divide c_out={c_out}")
    return c_in, c_out, groups


def conv2d_parameters(
    c_in: int, c_out: int, kernel_size: int | tuple[int, int], bias: bool = True,
    groups: int = 1,
) -> int:
    """Number of learnable numbers in a 2-D convolution layer.

    Equals ``weight.size + bias.size`` for a ``torch.nn.Conv2d`` (or
    :class:`cnnlib.nn.Conv2d`) built with the same arguments.  The image size
    does not appear: the same filters are used at every position.

    Parameters
    ----------
    c_in, c_out : int
        Input and output channels.
    kernel_size : int or (kh, kw)
    bias : bool
        Whether the layer has one bias per output channel.
    groups : int
        Must divide ``c_in`` and ``c_out``; each filter sees ``c_in // groups`` channels.

    Returns
    -------
    int
        ``c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)``.

    Examples
    --------
    >>> conv2d_parameters(3, 64, 3)          # a 3x3 layer on an RGB image
    1792
    >>> conv2d_parameters(3, 64, 7)          # ResNet's 7x7 stem
    9472
    >>> conv2d_parameters(32, 32, 3, bias=False, groups=32)   # depthwise
    288
    """
    fn = "conv2d_parameters"
    c_in, c_out, groups = _conv_channels(c_in, c_out, groups, fn)
    kh, kw = int_pair(kernel_size, "kernel_size", fn)
    if not isinstance(bias, bool):
        raise TypeError(f"{fn}: bias must be True or False, got {type(bias).__name__} {bias!r}")
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


def linear_parameters(in_features: int, out_features: int, bias: bool = True) -> int:
    """Number of learnable numbers in a dense layer (``torch.nn.Linear``).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
        Whether the layer has one bias per output.

    Returns
    -------
    int
        ``in_features * out_features + (out_features if bias else 0)``.

    Examples
    --------
    >>> linear_parameters(224 * 224 * 3, 1000)   # a flattened RGB image to 1000 units
    150529000
    >>> linear_parameters(2048, 1000)             # ResNet-50's classifier
    2049000
    """
    fn = "linear_parameters"
    in_features = positive_int(in_features, "in_features", fn)
    out_features = positive_int(out_features, "out_features", fn)
    if not isinstance(bias, bool):
        raise TypeError(f"{fn}: bias must be True or False, got {type(bias).__name__} {bias!r}")
    return in_features * out_features + (out_features if bias else 0)


def locally_connected_parameters(
    c_in: int, c_out: int, kernel_size: int | tuple[int, int],
    output_size: int | tuple[int, int], bias: bool = True,
) -> int:
    """Parameters of a layer that is local like a convolution but shares nothing.

    Every output position has its own filters (Keras' ``LocallyConnected2D``):
    the same windows as a convolution, but ``H_out * W_out`` separate copies
    of the weights, and one bias per output number.  Comparing it with
    :func:`conv2d_parameters` isolates what weight sharing saves; comparing
    it with :func:`linear_parameters` isolates what locality saves.

    Parameters
    ----------
    c_in, c_out : int
    kernel_size : int or (kh, kw)
    output_size : int or (H_out, W_out)
    bias : bool

    Returns
    -------
    int
        ``H_out * W_out * c_out * (c_in * kh * kw + (1 if bias else 0))``.

    Examples
    --------
    >>> locally_connected_parameters(3, 64, 7, 112, bias=False)
    118013952
    """
    fn = "locally_connected_parameters"
    c_in = positive_int(c_in, "c_in", fn)
    c_out = positive_int(c_out, "c_out", fn)
    kh, kw = int_pair(kernel_size, "kernel_size", fn)
    ho, wo = int_pair(output_size, "output_size", fn)
    if not isinstance(bias, bool):
        raise TypeError(f"{fn}: bias must be True or False, got {type(bias).__name__} {bias!r}")
    return ho * wo * c_out * (c_in * kh * kw + (1 if bias else 0))


def conv2d_macs(
    c_in: int, c_out: int, kernel_size: int | tuple[int, int],
    output_size: int | tuple[int, int], groups: int = 1,
) -> int:
    """Multiply-accumulates one image costs in a 2-D convolution layer.

    Each output number is a dot product of one filter (``(c_in // groups) *
    kh * kw`` weights) with the patch under it; there are ``c_out * H_out *
    W_out`` output numbers.  Bias additions are not counted, as is usual.

    Parameters
    ----------
    c_in, c_out : int
    kernel_size : int or (kh, kw)
    output_size : int or (H_out, W_out)
        The output's spatial size, e.g. from :func:`cnnlib.conv_output_size`.
    groups : int

    Returns
    -------
    int
        ``c_out * (c_in // groups) * kh * kw * H_out * W_out``.

    Examples
    --------
    >>> conv2d_macs(3, 64, 7, 112)    # ResNet's stem on a 224x224 image
    118013952
    """
    fn = "conv2d_macs"
    c_in, c_out, groups = _conv_channels(c_in, c_out, groups, fn)
    kh, kw = int_pair(kernel_size, "kernel_size", fn)
    ho, wo = int_pair(output_size, "output_size", fn)
    return c_out * (c_in // groups) * kh * kw * ho * wo


def linear_macs(in_features: int, out_features: int) -> int:
    """Multiply-accumulates one input vector costs in a dense layer: one per weight.

    Parameters
    ----------
    in_features, out_features : int

    Returns
    -------
    int
        ``in_features * out_features``.

    Examples
    --------
    >>> linear_macs(4096, 128)
    524288
    """
    fn = "linear_macs"
    in_features = positive_int(in_features, "in_features", fn)
    out_features = positive_int(out_features, "out_features", fn)
    return in_features * out_features
