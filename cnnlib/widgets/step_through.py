"""Step-through widgets: walk a kernel (or a pooling window) over a small input.

One slider picks the output cell.  The figure outlines the window on the
input, shows the kernel, the element-wise products, and the output filled in
up to the current step; the text under it is the ``cnnlib.explain`` record of
that cell (patch, kernel, products, sum).  Introduced in *One CNN block*.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from .._windows import pad
from ..conv import IntOrPair, Padding, conv2d
from ..explain import ConvStep, PoolStep, explain_conv2d, explain_pool2d
from ..pooling import avg_pool2d, max_pool2d
from ..viz.grids import NumberGrid
from ..viz.style import COLUMN_INCHES, COLUMN_PX
from ._base import BookWidget, FigureImage

__all__ = ["ConvStepThrough", "PoolStepThrough", "conv_step_through", "pool_step_through"]


def _as_single_channel(a: np.ndarray, name: str, fn: str) -> np.ndarray:
    """Accept (H, W) or (1, 1, H, W); return (1, 1, H, W)."""
    a = np.asarray(a)
    if a.ndim == 2:
        return a.reshape(1, 1, *a.shape)
    if a.ndim == 4 and a.shape[:2] == (1, 1):
        return a
    raise ValueError(
        f"{fn}: {name} must be one channel, shape (H, W) or (1, 1, H, W), got {a.shape}"
    )


def _pre(text: str) -> str:
    return (f'<pre style="font-size: 13px; line-height: 1.3; white-space: pre-wrap; '
            f'max-width: 100%">{html.escape(text)}</pre>')


class _StepThrough(BookWidget):
    """What both step-throughs share: the slider, the text, and the output filling in."""

    def _build_controls(self) -> None:
        self.slider = widgets.IntSlider(value=0, min=0, max=len(self.steps) - 1,
                                        description="step", continuous_update=True,
                                        layout=widgets.Layout(width="320px",
                                                              max_width="100%"))
        self.text = widgets.HTML()
        self.slider.observe(lambda change: self.show(change["new"]), names="value")
        self.widget = widgets.VBox([self.slider, self.figure.image, self.text],
                                   layout=widgets.Layout(max_width="100%"))
        self.show(0)

    def _record(self, step: int) -> ConvStep | PoolStep:
        if not 0 <= step < len(self.steps):
            raise ValueError(f"show: step must be in [0, {len(self.steps)}), got {step}")
        return self.steps[step]

    def _finish(self, step: int, record: ConvStep | PoolStep) -> None:
        """Fill the output up to ``step``, outline the current cell, redraw, explain."""
        done = np.full(self.output.size, np.nan)
        done[: step + 1] = self.output.ravel()[: step + 1]
        self.output_grid.set_values(done.reshape(self.output.shape))
        self.output_grid.outline(np.array([record.row]), np.array([record.col]))
        self.figure.refresh()
        self.text.value = _pre(str(record))


class ConvStepThrough(_StepThrough):
    """Walk a single-channel convolution one output cell at a time.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (1, 1, H, W)
    weight : ndarray, shape (kh, kw) or (1, 1, kh, kw)
    bias : float, optional
    stride, padding, dilation
        As for :func:`cnnlib.conv2d`.

    Attributes
    ----------
    output : ndarray, shape (H_out, W_out)
        The full convolution output.
    steps : list of ConvStep
        One record per output cell, row by row.
    widget : ipywidgets.VBox
        Slider, figure and explanation.
    """

    def __init__(
        self, x: np.ndarray, weight: np.ndarray, bias: float | None = None,
        stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1,
    ) -> None:
        fn = "conv_step_through"
        x4 = _as_single_channel(x, "x", fn)
        w4 = _as_single_channel(weight, "weight", fn)
        b = None if bias is None else np.array([float(bias)])
        self.output = conv2d(x4, w4, b, stride, padding, dilation)[0, 0]
        ho, wo = self.output.shape
        self.steps: list[ConvStep] = [
            explain_conv2d(x4, w4, b, stride, padding, dilation, row=i, col=j)
            for i in range(ho) for j in range(wo)
        ]
        first = self.steps[0]
        # Draw the padded input so a window that overlaps the border is visible;
        # the offset converts input coordinates to padded-array coordinates.
        top = -int(first.input_rows[0])
        left = -int(first.input_cols[0])
        bottom = max(0, int(self.steps[-1].input_rows[-1]) - x4.shape[2] + 1)
        right = max(0, int(self.steps[-1].input_cols[-1]) - x4.shape[3] + 1)
        self._offset = (top, left)
        shown = pad(x4.astype(float), (top, bottom, left, right))[0, 0]

        # Drawn at the width of the text column (688 px), shrunk on a phone.
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 2.2), dpi=100)
        # (the image widget has a 2 px margin each side: leave room for it)
        self.figure.image.layout.width = "calc(100% - 4px)"
        self.figure.image.layout.max_width = f"{COLUMN_PX - 4}px"
        axes = self.figure.fig.subplots(1, 4)
        big = {"fontsize": 10 if max(shown.shape) > 5 else 11.5}
        self.input_grid = NumberGrid(axes[0], shown, "input" + (" (zero-padded)" if top or left
                                                                  else ""), **big)
        self.kernel_grid = NumberGrid(axes[1], first.kernel[0], "kernel", cmap="RdBu", **big)
        bound = float(np.max(np.abs([s.products for s in self.steps])))
        self.product_grid = NumberGrid(axes[2], first.products[0], "patch × kernel",
                                       cmap="RdBu", vmin=-bound or -1, vmax=bound or 1, **big)
        self.output_grid = NumberGrid(axes[3], np.full_like(self.output, np.nan),
                                      "output (so far)", cmap="RdBu",
                                      vmin=-np.abs(self.output).max() or -1,
                                      vmax=np.abs(self.output).max() or 1, **big)
        self._build_controls()

    def show(self, step: int) -> ConvStep:
        """Display output cell number ``step`` (row-major) and return its record."""
        record = self._record(step)
        top, left = self._offset
        self.input_grid.outline(record.input_rows + top, record.input_cols + left)
        self.product_grid.set_values(record.products[0])
        self._finish(step, record)
        return record

    def __repr__(self) -> str:
        return f"<ConvStepThrough: {len(self.steps)} steps, output {self.output.shape}>"


class PoolStepThrough(_StepThrough):
    """Walk a pooling window over a single-channel map one output cell at a time.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (1, 1, H, W)
    kernel_size, stride, padding
        As for :func:`cnnlib.max_pool2d`.
    mode : {'max', 'avg'}
    """

    def __init__(
        self, x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
        padding: IntOrPair = 0, mode: str = "max",
    ) -> None:
        fn = "pool_step_through"
        x4 = _as_single_channel(x, "x", fn).astype(float)
        pool = max_pool2d if mode == "max" else avg_pool2d
        if mode not in ("max", "avg"):
            raise ValueError(f"{fn}: mode must be 'max' or 'avg', got {mode!r}")
        self.output = pool(x4, kernel_size, stride, padding)[0, 0]
        ho, wo = self.output.shape
        self.steps: list[PoolStep] = [
            explain_pool2d(x4, kernel_size, stride, padding, mode, row=i, col=j)
            for i in range(ho) for j in range(wo)
        ]
        self.figure = FigureImage(figsize=(0.7 * COLUMN_INCHES, 2.7), dpi=100)
        self.figure.image.layout.width = "70%"
        self.figure.image.layout.min_width = "min(100%, 340px)"
        axes = self.figure.fig.subplots(1, 2)
        self.input_grid = NumberGrid(axes[0], x4[0, 0], "input", fontsize=12)
        self.output_grid = NumberGrid(axes[1], np.full_like(self.output, np.nan),
                                      f"{mode} pool output (so far)",
                                      vmin=float(x4.min()), vmax=float(x4.max()), fontsize=12)
        self._build_controls()

    def show(self, step: int) -> PoolStep:
        """Display output cell number ``step`` (row-major) and return its record."""
        record = self._record(step)
        self.input_grid.outline(record.input_rows, record.input_cols)
        self._finish(step, record)
        return record

    def __repr__(self) -> str:
        return f"<PoolStepThrough: {len(self.steps)} steps, output {self.output.shape}>"


def conv_step_through(
    x: np.ndarray, weight: np.ndarray, bias: float | None = None,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1,
) -> ConvStepThrough:
    """A slider that walks ``weight`` over ``x``; see :class:`ConvStepThrough`.

    Examples
    --------
    >>> w = conv_step_through(np.arange(16).reshape(4, 4), np.ones((3, 3)))
    >>> w.show(3).value
    90.0
    """
    return ConvStepThrough(x, weight, bias, stride, padding, dilation)


def pool_step_through(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
    padding: IntOrPair = 0, mode: str = "max",
) -> PoolStepThrough:
    """A slider that walks a pooling window over ``x``; see :class:`PoolStepThrough`.

    Examples
    --------
    >>> pool_step_through(np.arange(16).reshape(4, 4), 2).show(0).value
    5.0
    """
    return PoolStepThrough(x, kernel_size, stride, padding, mode)
