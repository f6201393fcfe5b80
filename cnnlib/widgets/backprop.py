"""The gradient-flow widget: one output-gradient cell, and where it lands in dL/dX and dL/dK.

The backward twin of the step-through widget of *One CNN block*.  The
upstream gradient is 1 at one chosen output cell and 0 elsewhere, so the
two gradients the backward pass returns show exactly what that one output
touched:

* ``dL/dX`` is the kernel laid on the window that output read (rotated by
  nothing: tap ``(a, b)`` lands on the pixel it multiplied), zero elsewhere;
* ``dL/dK`` is the patch of the input under that window.

Sliders choose the cell and the convolution's stride, padding and dilation;
the maths is :func:`cnnlib.conv2d_input`, :func:`cnnlib.conv2d_weight` and
:func:`cnnlib.explain_conv2d`.  Introduced in the chapter
*Backpropagation through convolution*.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..backprop import conv2d_input, conv2d_weight
from ..conv import conv2d
from ..explain import ConvStep, explain_conv2d
from ..viz.style import figure_png
from ..viz.worked import _scales, worked_grids
from ._base import LIVE, BookWidget, MessageLine, cropped_png, guarded

__all__ = ["GradientFlow", "gradient_flow"]


def _single(a: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 2:
        return a[None, None]
    if a.ndim == 4 and a.shape[:2] == (1, 1):
        return a
    raise ValueError(f"gradient_flow: {name} must be one channel, shape (H, W) or "
                     f"(1, 1, H, W), got {a.shape}")


class GradientFlow(BookWidget):
    """Choose one output cell of a convolution; see where its gradient flows.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (1, 1, H, W)
    weight : ndarray, shape (kh, kw) or (1, 1, kh, kw)
    stride, padding, dilation : int
        The starting setting (the sliders allow 1-3, 0-2 and 1-2).
    cell : (int, int)
        The starting output cell.

    Attributes
    ----------
    grad_output : ndarray, shape (1, 1, H_out, W_out)
        One at the chosen cell, zero elsewhere.
    grad_x : ndarray, shape (H, W)
        ``dL/dX`` from :func:`cnnlib.conv2d_input`.
    grad_w : ndarray, shape (kh, kw)
        ``dL/dK`` from :func:`cnnlib.conv2d_weight`.
    step : ConvStep
        :func:`cnnlib.explain_conv2d`'s record of the chosen cell (its window
        and patch).
    widget : ipywidgets.VBox
        Sliders, figure, a sentence, and a message line for impossible settings.
    """

    def __init__(self, x: np.ndarray, weight: np.ndarray, stride: int = 1, padding: int = 0,
                 dilation: int = 1, cell: tuple[int, int] = (0, 0)) -> None:
        self.x = _single(x, "x")
        self.weight = _single(weight, "weight")
        self.grad_output = self.grad_x = self.grad_w = None
        self.step: ConvStep | None = None
        style = {"continuous_update": False, "layout": widgets.Layout(width="230px"),
                 "style": {"description_width": "82px"}}
        self.stride = widgets.IntSlider(value=stride, min=1, max=3, description="stride",
                                        **style)
        self.padding = widgets.IntSlider(value=padding, min=0, max=2, description="padding",
                                         **style)
        self.dilation = widgets.IntSlider(value=dilation, min=1, max=2,
                                          description="dilation", **style)
        self.row = widgets.IntSlider(value=cell[0], min=0, max=max(cell[0], 8),
                                     description="output row", **style)
        self.col = widgets.IntSlider(value=cell[1], min=0, max=max(cell[1], 8),
                                     description="output col", **style)
        self.image = widgets.Image(format="png",
                                   layout=widgets.Layout(width="calc(100% - 4px)",
                                                         max_width="520px"))
        self.readout = widgets.HTML()
        self.message = MessageLine()
        self._guarded = guarded(self.update, self.message)
        self._busy = False
        for control in (self.stride, self.padding, self.dilation, self.row, self.col):
            control.observe(self._on_change, names="value")
        wrap = widgets.Layout(flex_flow="row wrap")
        controls = widgets.VBox([
            widgets.HBox([self.row, self.col], layout=wrap),
            widgets.HBox([self.stride, self.padding, self.dilation], layout=wrap),
        ])
        self.widget = widgets.VBox([controls, self.image, self.readout, self.message.html],
                                   layout=widgets.Layout(max_width="100%"))
        self._guarded(stride, padding, dilation, *cell)

    def _on_change(self, _change: object) -> None:
        if not self._busy:
            self._guarded(self.stride.value, self.padding.value, self.dilation.value,
                          self.row.value, self.col.value)

    def update(self, stride: int, padding: int, dilation: int, row: int, col: int) -> None:
        """Recompute both gradients for this setting and cell, and redraw.

        A cell beyond the output is moved to its last row or column; a
        setting the convolution refuses raises its ``ValueError`` (shown in
        the widget's message line).
        """
        setting = {"stride": stride, "padding": padding, "dilation": dilation}
        out = conv2d(self.x, self.weight, **setting)          # refuses impossible settings
        h_out, w_out = out.shape[2:]
        row, col = min(int(row), h_out - 1), min(int(col), w_out - 1)
        if row < 0 or col < 0:
            raise ValueError(f"gradient_flow: row and col must be >= 0, got ({row}, {col})")
        self._busy = True
        try:
            self.row.max, self.col.max = h_out - 1, w_out - 1
            self.row.value, self.col.value = row, col
            for control, value in ((self.stride, stride), (self.padding, padding),
                                   (self.dilation, dilation)):
                control.value = value
        finally:
            self._busy = False
        g = np.zeros_like(out)
        g[0, 0, row, col] = 1.0
        self.grad_output = g
        self.grad_x = conv2d_input(self.x.shape, self.weight, g, **setting)[0, 0]
        self.grad_w = conv2d_weight(self.x, self.weight.shape, g, **setting)[0, 0]
        self.step = explain_conv2d(self.x, self.weight, row=row, col=col, **setting)
        self._draw(row, col)

    def _window(self) -> tuple[np.ndarray, np.ndarray]:
        """The window's rows and columns that lie on the (unpadded) input."""
        h, w = self.x.shape[2:]
        rows = self.step.input_rows[(self.step.input_rows >= 0) & (self.step.input_rows < h)]
        cols = self.step.input_cols[(self.step.input_cols >= 0) & (self.step.input_cols < w)]
        return rows, cols

    def _draw(self, row: int, col: int) -> None:
        rows, cols = self._window()
        outlines = {0: ([row], [col])}
        if rows.size and cols.size:
            outlines.update({1: (rows, cols), 2: (rows, cols)})
        signed = [False, True, bool(self.x.min() < 0), bool(self.x.min() < 0)]
        groups = ["g", "K", "X", "X"]
        panels = [(f"g: 1 at ({row}, {col})", self.grad_output[0, 0]),
                  ("dL/dX", self.grad_x), ("input X", self.x[0, 0]), ("dL/dK", self.grad_w)]
        if LIVE:
            self.image.value = self._live_png(panels, signed, groups, outlines)
        else:
            fig, _ = worked_grids(panels, signed=signed, groups=groups, outlines=outlines,
                                  fontsize=10.5, max_columns=2,
                                  labels=["upstream g", "kernel values", "input values"])
            self.image.value = figure_png(fig)[0]
        on_input = rows.size * cols.size
        self.readout.value = (
            f"Output ({row}, {col}) read the outlined window. Its gradient reaches the "
            f"<b>{on_input}</b> input pixels under that window and no other: dL/dX is the "
            f"kernel laid on the window ({self.step.patch.size - on_input} of its "
            f"{self.step.patch.size} taps fall on padding and are dropped), and dL/dK is "
            f"the patch the window read (<code>explain_conv2d</code>'s patch).")

    def _live_png(self, panels: list, signed: list[bool], groups: list[str],
                  outlines: dict) -> bytes:
        """The live picture: one drawing pass at 1x, and while the grids keep their
        sizes and colour scales (a new cell, say), the last figure with new numbers,
        titles and outlines instead of a new figure (Pyodide builds figures slowly)."""
        arrays = [np.asarray(v, dtype=float) for _, v in panels]
        shapes = tuple(a.shape for a in arrays)
        scales = tuple(sorted(_scales(arrays, signed, groups, "gradient_flow").items()))
        last = self.__dict__.get("_live_figure")
        if last is not None and last[0] == (shapes, scales):
            _, fig, grids, positions = last
            for grid, (title, _), values in zip(grids, panels, arrays, strict=True):
                grid.set_values(values)
                grid.ax.set_title(title)
            for index, grid in enumerate(grids):
                if index in outlines:
                    grid.outline(*(np.asarray(a) for a in outlines[index]))
                else:
                    grid.outline(None, None)
            return cropped_png(fig, positions=positions)
        fig, grids = worked_grids(panels, signed=signed, groups=groups, outlines=outlines,
                                  fontsize=10.5, max_columns=2,
                                  labels=["upstream g", "kernel values", "input values"])
        # new scales on grids of the same sizes: the last layout still fits
        same_sizes = last is not None and last[0][0] == shapes
        png = cropped_png(fig, positions=last[3] if same_sizes else None)
        self._live_figure = ((shapes, scales), fig, grids,
                             [ax.get_position() for ax in fig.axes])
        return png

    def __repr__(self) -> str:
        if self.grad_x is None:
            return "<GradientFlow widget>"
        return (f"<GradientFlow: output cell ({self.row.value}, {self.col.value}), stride "
                f"{self.stride.value}, padding {self.padding.value}, dilation "
                f"{self.dilation.value}>")


def gradient_flow(x: np.ndarray, weight: np.ndarray, stride: int = 1, padding: int = 0,
                  dilation: int = 1, cell: tuple[int, int] = (0, 0)) -> GradientFlow:
    """Sliders that pick one output-gradient cell and show its dL/dX and dL/dK.

    Introduced in the chapter *Backpropagation through convolution*.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    weight : ndarray, shape (kh, kw)
    stride, padding, dilation : int
    cell : (int, int)
        The starting output cell.

    Returns
    -------
    GradientFlow
        Displays as the widget; ``.update(stride, padding, dilation, row, col)``
        is its callback.

    Examples
    --------
    >>> w = gradient_flow(np.arange(9.0).reshape(3, 3), np.eye(2), cell=(1, 0))
    >>> w.grad_w
    array([[3., 4.],
           [6., 7.]])
    """
    return GradientFlow(x, weight, stride, padding, dilation, cell)
