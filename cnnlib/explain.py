"""Step-by-step records of single output cells, for worked examples and step-through widgets.

``explain_conv2d`` answers "where did this number come from?" for one cell
of a convolution's output: which input pixels the kernel covered, the
element-wise products, their sum and the bias.  ``explain_pool2d`` does the
same for one pooling window.  The records come from the same padding and
window arithmetic as :func:`cnnlib.conv2d`, and their ``value`` equals the
corresponding output element, so a printed worked example cannot disagree
with the library.  Introduced in the chapter *One CNN block*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_ndim, positive_int
from ._windows import pad
from .conv import IntOrPair, Padding, _prepare
from .pooling import _pool_geometry

__all__ = ["ConvStep", "PoolStep", "explain_conv2d", "explain_pool2d", "format_number"]


def format_number(v: float) -> str:
    """Shortest readable form: ``3`` for 3.0, ``-0.5``, ``0.3333`` (4 significant digits)."""
    v = float(v)
    if v == 0:
        return "0"  # also turns -0.0 into 0
    if v.is_integer() and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.4g}"


def _grid(a: np.ndarray) -> list[str]:
    """Right-aligned text rows of a 2-D array."""
    cells = [[format_number(v) for v in row] for row in a]
    width = max(len(c) for row in cells for c in row)
    return [" ".join(c.rjust(width) for c in row) for row in cells]


def _side_by_side(blocks: list[tuple[str, np.ndarray]]) -> str:
    columns = []
    for title, arr in blocks:
        rows = _grid(arr)
        width = max(len(title), *(len(r) for r in rows))
        columns.append([title.ljust(width)] + [r.ljust(width) for r in rows])
    lines = ("   ".join(col[i] for col in columns) for i in range(len(columns[0])))
    return "\n".join(line.rstrip() for line in lines)


def _term(v: float) -> str:
    s = format_number(v)
    return f"({s})" if s.startswith("-") else s


@dataclass(frozen=True)
class ConvStep:
    """How one output cell ``out[n, out_channel, row, col]`` of a convolution is made.

    Attributes
    ----------
    n, out_channel, row, col : int
        The output cell.
    input_rows, input_cols : ndarray of int, shapes (kh,) and (kw,)
        Coordinates in the *unpadded* input of each kernel tap; a value
        outside ``[0, H)`` or ``[0, W)`` means the tap sits on padding.
    channels : ndarray of int, shape (C_in // groups,)
        The input channels this output channel reads.
    patch : ndarray, shape (C_in // groups, kh, kw)
        The input values under the kernel (zeros where it lies on padding).
    kernel : ndarray, shape (C_in // groups, kh, kw)
        ``weight[out_channel]``.
    products : ndarray, shape (C_in // groups, kh, kw)
        ``patch * kernel``.
    total : float
        ``products.sum()``.
    bias : float
    value : float
        ``total + bias``, equal to ``conv2d(...)[n, out_channel, row, col]``.
    """

    n: int
    out_channel: int
    row: int
    col: int
    input_rows: np.ndarray
    input_cols: np.ndarray
    channels: np.ndarray
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    value: float

    def equation(self) -> str:
        """The sum written out: ``1*1 + 2*0 + ... = total``."""
        terms = " + ".join(
            f"{_term(p)}×{_term(k)}"
            for p, k in zip(self.patch.ravel(), self.kernel.ravel(), strict=True)
        )
        text = f"{terms} = {format_number(self.total)}"
        if self.bias:
            text += f"; + bias {format_number(self.bias)} = {format_number(self.value)}"
        return text

    def __str__(self) -> str:
        r0, r1 = self.input_rows[0], self.input_rows[-1]
        c0, c1 = self.input_cols[0], self.input_cols[-1]
        lines = [
            f"out[{self.n}, {self.out_channel}, {self.row}, {self.col}]: "
            f"input rows {r0}..{r1}, columns {c0}..{c1}"
        ]
        for i, c in enumerate(self.channels):
            if len(self.channels) > 1:
                lines.append(f"input channel {c}:")
            lines.append(_side_by_side([("patch", self.patch[i]), ("kernel", self.kernel[i]),
                                        ("patch × kernel", self.products[i])]))
        lines.append(self.equation())
        return "\n".join(lines)


def explain_conv2d(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1, groups: int = 1,
    *, n: int = 0, out_channel: int = 0, row: int = 0, col: int = 0,
) -> ConvStep:
    """Record how :func:`cnnlib.conv2d` computes one output cell.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_out, C_in // groups, kh, kw)
    bias : ndarray, shape (C_out,), optional
    stride, padding, dilation, groups
        As for :func:`cnnlib.conv2d`.
    n, out_channel, row, col : int
        The output cell ``out[n, out_channel, row, col]`` to explain.

    Returns
    -------
    ConvStep

    Examples
    --------
    >>> x = np.arange(9).reshape(1, 1, 3, 3)
    >>> step = explain_conv2d(x, np.array([[[[1, 0], [0, -1]]]]), row=1, col=0)
    >>> step.equation()
    '3×1 + 4×0 + 6×0 + 7×(-1) = -4'
    """
    fn = "explain_conv2d"
    x, weight, bias, geo = _prepare(fn, x, weight, bias, stride, padding, dilation, groups)
    index = {}
    for name, value, limit in (("n", n, geo.n), ("out_channel", out_channel, geo.c_out),
                               ("row", row, geo.out_size[0]), ("col", col, geo.out_size[1])):
        index[name] = positive_int(value, name, fn, minimum=0)
        if index[name] >= limit:
            raise ValueError(f"{fn}: {name} must be below {limit}, got {value}")
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    top, _, left, _ = geo.pads
    prow = index["row"] * sh + dh * np.arange(kh)       # rows in the padded input
    pcol = index["col"] * sw + dw * np.arange(kw)
    c_group = geo.c_in // geo.groups
    first = index["out_channel"] // (geo.c_out // geo.groups) * c_group
    channels = np.arange(first, first + c_group)
    patch = pad(x, geo.pads)[index["n"]][np.ix_(channels, prow, pcol)]
    kernel = weight[index["out_channel"]]
    products = patch * kernel
    total = float(products.sum())
    b = 0.0 if bias is None else float(bias[index["out_channel"]])
    return ConvStep(index["n"], index["out_channel"], index["row"], index["col"],
                    prow - top, pcol - left, channels, patch, kernel, products, total, b,
                    total + b)


@dataclass(frozen=True)
class PoolStep:
    """How one output cell of a pooling layer is made.

    Attributes
    ----------
    mode : {'max', 'avg'}
    n, channel, row, col : int
    input_rows, input_cols : ndarray of int, shapes (kh,) and (kw,)
        Unpadded input coordinates of the window's taps.
    window : ndarray, shape (kh, kw)
        The values in the window (``-inf`` or 0 on padding, by mode).
    value : float
        The window's maximum or mean; equals the pooling output.
    winner : (int, int) or None
        For ``'max'``: input coordinates of the first maximum (the one that
        receives the gradient); ``None`` for ``'avg'``.
    """

    mode: str
    n: int
    channel: int
    row: int
    col: int
    input_rows: np.ndarray
    input_cols: np.ndarray
    window: np.ndarray
    value: float
    winner: tuple[int, int] | None

    def equation(self) -> str:
        """``max(1, 3, 4, 2) = 4`` or ``(1 + 3 + 4 + 2) / 4 = 2.5``."""
        items = [format_number(v) for v in self.window.ravel()]
        if self.mode == "max":
            return f"max({', '.join(items)}) = {format_number(self.value)}"
        return f"({' + '.join(items)}) / {len(items)} = {format_number(self.value)}"

    def __str__(self) -> str:
        head = (f"{self.mode}pool out[{self.n}, {self.channel}, {self.row}, {self.col}]: "
                f"input rows {self.input_rows[0]}..{self.input_rows[-1]}, "
                f"columns {self.input_cols[0]}..{self.input_cols[-1]}")
        return "\n".join([head, *_grid(self.window), self.equation()])


def explain_pool2d(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
    padding: IntOrPair = 0, mode: str = "max",
    *, n: int = 0, channel: int = 0, row: int = 0, col: int = 0,
) -> PoolStep:
    """Record how :func:`cnnlib.max_pool2d` or :func:`cnnlib.avg_pool2d` makes one cell.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size, stride, padding
        As for the pooling functions (``stride`` defaults to ``kernel_size``).
    mode : {'max', 'avg'}
    n, channel, row, col : int
        The output cell to explain.

    Returns
    -------
    PoolStep

    Examples
    --------
    >>> x = np.array([[1, 3], [4, 2]]).reshape(1, 1, 2, 2)
    >>> explain_pool2d(x, 2).equation()
    'max(1, 3, 4, 2) = 4'
    """
    fn = "explain_pool2d"
    if mode not in ("max", "avg"):
        raise ValueError(f"{fn}: mode must be 'max' or 'avg', got {mode!r}")
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    geo = _pool_geometry(fn, x, kernel_size, stride, padding)
    index = {}
    for name, value, limit in (("n", n, x.shape[0]), ("channel", channel, x.shape[1]),
                               ("row", row, geo.out_size[0]), ("col", col, geo.out_size[1])):
        index[name] = positive_int(value, name, fn, minimum=0)
        if index[name] >= limit:
            raise ValueError(f"{fn}: {name} must be below {limit}, got {value}")
    (kh, kw), (sh, sw) = geo.kernel, geo.stride
    prow = index["row"] * sh + np.arange(kh)
    pcol = index["col"] * sw + np.arange(kw)
    fill = -np.inf if mode == "max" else 0.0
    window = pad(x, geo.pads, fill)[index["n"], index["channel"]][np.ix_(prow, pcol)]
    top, _, left, _ = geo.pads
    if mode == "max":
        a, b = np.unravel_index(int(window.argmax()), window.shape)
        value, winner = float(window.max()), (int(prow[a] - top), int(pcol[b] - left))
    else:
        value, winner = float(window.mean()), None
    return PoolStep(mode, index["n"], index["channel"], index["row"], index["col"],
                    prow - top, pcol - left, window, value, winner)
