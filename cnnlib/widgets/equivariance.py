"""The shift explorer of the chapter *Images as tensors*: is conv(shift(x)) = shift(conv(x))?

Two sliders move the photo by ``(dy, dx)`` pixels and a menu picks a 3×3
kernel.  The widget convolves the shifted photo, shifts the convolved photo,
and shows both with their difference: zero (up to rounding) wherever the
kernel's window lies on the picture, non-zero only in thin strips along the
edges of the shifted picture.  The maths is :func:`cnnlib.images.equivariance_gap`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .._validate import as_array, check_ndim
from ..conv import conv2d
from ..images import equivariance_gap, translate
from ..kernels import kernel, kernel_names
from ..pooling import max_pool2d
from ..viz.style import COLUMN_INCHES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["ShiftExplorer", "shift_explorer"]


class ShiftExplorer(BookWidget):
    """Shift a grey image, convolve it, and compare with the convolved image shifted.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        A grey image (the chapter passes the photo shrunk to 150×128, so that
        one-pixel strips stay visible in the figure).
    kernel_name : str
        One of the 3×3 kernels of :mod:`cnnlib.kernels`.
    shift : (int, int)
        The starting ``(dy, dx)``.
    max_shift : int
        Largest shift the sliders allow, each way.

    Attributes
    ----------
    difference : ndarray, shape (H, W)
        ``conv(shift(x)) - shift(conv(x))`` at the current setting.
    inside : ndarray of bool, shape (H, W)
        Where the kernel's window lies on the shifted picture.
    interior_max : float
        Largest ``|difference|`` inside (rounding error: below 1e-12).
    differing : int
        Positions where ``|difference|`` exceeds 1e-9.
    """

    def __init__(self, image: np.ndarray, kernel_name: str = "sobel_x",
                 shift: tuple[int, int] = (12, -20), max_shift: int = 40) -> None:
        fn = "shift_explorer"
        image = as_array(image, "image", fn)
        check_ndim(image, 2, "image", fn, "(H, W), a grey image")
        choices = kernel_names(3)
        if kernel_name not in choices:
            raise ValueError(f"{fn}: kernel_name must be one of {', '.join(choices)}, "
                             f"got {kernel_name!r}")
        self.image = np.asarray(image, dtype=float)
        self._x = self.image[None, None]
        slider = {"continuous_update": False, "layout": widgets.Layout(width="300px"),
                  "style": {"description_width": "110px"}}
        self.kernel_menu = widgets.Dropdown(options=choices, value=kernel_name,
                                            description="kernel",
                                            layout=widgets.Layout(width="300px"))
        self.dy = widgets.IntSlider(value=shift[0], min=-max_shift, max=max_shift,
                                    description="down dy", **slider)
        self.dx = widgets.IntSlider(value=shift[1], min=-max_shift, max=max_shift,
                                    description="right dx", **slider)
        self.readout = widgets.HTML()
        self.message = MessageLine()
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 2.75), dpi=100)
        axes = self.figure.fig.subplots(1, 3)
        blank = np.zeros_like(self.image)
        self._images = [ax.imshow(blank, cmap="RdBu", interpolation="nearest")
                        for ax in axes[:2]]
        # One-pixel strips vanish at this size: show each 4x4 block's largest |difference|.
        self._images.append(axes[2].imshow(self._blocks(blank), cmap="magma_r",
                                           interpolation="nearest"))
        titles = ("conv(shift(x))", "shift(conv(x))", "|difference|, 4×4 blocks")
        for ax, title in zip(axes, titles, strict=True):
            ax.set_title(title, fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0].set_ylabel(f"{self.image.shape[0]}×{self.image.shape[1]} pixels")
        self.figure.fig.colorbar(self._images[0], ax=list(axes[:2]), location="bottom",
                                 shrink=0.6, aspect=25, label="response")
        self.figure.fig.colorbar(self._images[2], ax=axes[2], location="bottom",
                                 shrink=0.9, aspect=12, label="largest |difference|")
        self._guarded = guarded(self.update, self.message)
        for control in (self.kernel_menu, self.dy, self.dx):
            control.observe(lambda change: self._guarded(), names="value")
        controls = widgets.HBox([self.kernel_menu, self.dy, self.dx],
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([controls, self.figure.image, self.readout,
                                    self.message.html],
                                   layout=widgets.Layout(max_width="100%"))
        self._guarded()

    @staticmethod
    def _blocks(difference: np.ndarray) -> np.ndarray:
        """Largest ``|difference|`` in each 4×4 block (``max_pool2d`` of the library)."""
        return max_pool2d(np.abs(difference)[None, None], 4, ceil_mode=True)[0, 0]

    def update(self, dy: int | None = None, dx: int | None = None,
               kernel_name: str | None = None) -> None:
        """Recompute and redraw for a shift and a kernel (by default the controls' values)."""
        dy = self.dy.value if dy is None else int(dy)
        dx = self.dx.value if dx is None else int(dx)
        name = self.kernel_menu.value if kernel_name is None else kernel_name
        weight = kernel(name)[None, None]
        difference, self.inside = equivariance_gap(self._x, weight, (dy, dx))
        self.difference = difference[0, 0]
        moved_first = conv2d(translate(self._x, (dy, dx)), weight, padding=1)[0, 0]
        moved_last = moved_first - self.difference
        inner = np.abs(self.difference[self.inside])
        self.interior_max = float(inner.max()) if inner.size else 0.0
        self.differing = int(np.count_nonzero(np.abs(self.difference) > 1e-9))
        # the 99.5th percentile of |response|, so that faint edges show
        bound = float(np.quantile(np.abs(moved_last), 0.995)) or 1.0
        for im, values in zip(self._images[:2], (moved_first, moved_last), strict=True):
            im.set_data(values)
            im.set_clim(-bound, bound)
        self._images[2].set_data(self._blocks(self.difference))
        self._images[2].set_clim(0, float(np.abs(self.difference).max()) or 1.0)
        self.figure.refresh()
        inside = ("below 1e-12" if self.interior_max < 1e-12
                  else f"{self.interior_max:.2e}")
        self.readout.value = (
            f"shift ({dy}, {dx}), kernel <code>{name}</code>: "
            f"{self.differing:,} of {self.difference.size:,} positions differ, all near "
            f"an edge; where the window lies on the picture the largest |difference| "
            f"is {inside}.")

    def __repr__(self) -> str:
        return (f"<ShiftExplorer: {self.kernel_menu.value}, shift ({self.dy.value}, "
                f"{self.dx.value}), {self.differing} positions differ>")


def shift_explorer(image: np.ndarray, kernel_name: str = "sobel_x",
                   shift: tuple[int, int] = (12, -20), max_shift: int = 40) -> ShiftExplorer:
    """Sliders that shift ``image`` and show conv(shift(x)), shift(conv(x)) and their gap.

    Introduced in the chapter *Images as tensors, and why not a dense layer*.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    kernel_name : str
        A 3×3 kernel of :mod:`cnnlib.kernels`.
    shift : (int, int)
        Starting ``(dy, dx)``.
    max_shift : int

    Returns
    -------
    ShiftExplorer
        Displays as the widget; ``.update(dy, dx, kernel_name)`` is its callback.
    """
    return ShiftExplorer(image, kernel_name, shift, max_shift)
