"""The stack builder: four layers' kernels and strides, and the field they give on a photo.

Introduced in the chapter *Receptive fields*.  Every layer is a convolution
with an odd kernel and padding ``kernel_size // 2`` (so the photo is never
too small for it); the sliders set each layer's kernel size and stride, and
the figure outlines the field of the centre unit after every layer.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np

from ..receptive_field import Layer, ReceptiveFieldTable, receptive_field
from ..viz.receptive_field import draw_fields_on_photo
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["StackBuilder", "stack_builder", "stack_layers"]

LAYERS = 4
KERNELS = (1, 3, 5, 7, 9, 11)
STRIDES = (1, 2, 3, 4)


def stack_layers(kernels: Sequence[int], strides: Sequence[int]) -> list[Layer]:
    """The builder's stack: ``conv1..convN``, each padded by ``kernel_size // 2``.

    Parameters
    ----------
    kernels, strides : sequences of int, the same length
        Kernel size and stride of each layer, first layer first.

    Returns
    -------
    list of Layer

    Examples
    --------
    >>> stack_layers([3, 5], [1, 2])
    [Layer(kernel_size=3, stride=1, padding=1, dilation=1, name='conv1'), \
Layer(kernel_size=5, stride=2, padding=2, dilation=1, name='conv2')]
    """
    if len(kernels) != len(strides):
        raise ValueError(
            f"stack_layers: kernels and strides must have the same length, got "
            f"{len(kernels)} kernels and {len(strides)} strides"
        )
    return [Layer(k, s, k // 2, name=f"conv{i}")
            for i, (k, s) in enumerate(zip(kernels, strides, strict=True), start=1)]


class StackBuilder(BookWidget):
    """Kernel and stride sliders for four layers; the growing field on a photo.

    Parameters
    ----------
    photo : ndarray, shape (H, W) or (H, W, 3)
        Values in [0, 1].
    kernels, strides : sequences of 4 ints
        The starting settings (kernels from 1, 3, ..., 11; strides 1 to 4).

    Attributes
    ----------
    table : ReceptiveFieldTable or None
        The rows (along the photo's height) for the current settings.
    patches : list of matplotlib.patches.Rectangle
        The drawn fields, first layer first.
    widget : ipywidgets.VBox
        The UI.
    """

    def __init__(self, photo: np.ndarray, kernels: Sequence[int] = (7, 3, 3, 3),
                 strides: Sequence[int] = (2, 2, 2, 2)) -> None:
        self.photo = photo
        self.table: ReceptiveFieldTable | None = None
        self.patches: list = []
        # 300 px wide: beside the table in the 688 px column, above it on a phone.
        self.figure = FigureImage(figsize=(3.0, 3.4), dpi=100)
        self.figure.image.layout.width = "300px"
        self.ax = self.figure.fig.add_subplot()
        self.message = MessageLine()
        self.readout = widgets.HTML(value="")
        slider = {"continuous_update": False,
                  "layout": widgets.Layout(width="320px", max_width="100%"),
                  "style": {"description_width": "70px"}}
        self.kernel_sliders = [
            widgets.SelectionSlider(options=KERNELS, value=k, description=f"kernel {i}",
                                    **slider)
            for i, k in enumerate(kernels, start=1)
        ]
        self.stride_sliders = [
            widgets.SelectionSlider(options=STRIDES, value=s, description=f"stride {i}",
                                    **slider)
            for i, s in enumerate(strides, start=1)
        ]
        self._guarded_update = guarded(self.update, self.message)
        for slider in self.kernel_sliders + self.stride_sliders:
            slider.observe(self._on_change, names="value")
        # Kernel and stride of a layer side by side where they fit, one under
        # the other on a phone; the table goes under the figure when it must.
        wrap = widgets.Layout(flex_flow="row wrap")
        controls = widgets.HBox(
            [item for pair in zip(self.kernel_sliders, self.stride_sliders, strict=True)
             for item in pair], layout=wrap)
        self.widget = widgets.VBox(
            [controls, widgets.HBox([self.figure.image, self.readout], layout=wrap),
             self.message.html], layout=widgets.Layout(max_width="100%"))
        self._guarded_update(kernels, strides)

    def _on_change(self, _change: object) -> None:
        self._guarded_update([s.value for s in self.kernel_sliders],
                             [s.value for s in self.stride_sliders])

    def update(self, kernels: Sequence[int], strides: Sequence[int]) -> None:
        """Redraw for these settings: the plain callback behind the sliders."""
        layers = stack_layers(kernels, strides)
        height = self.photo.shape[0]
        self.table = receptive_field(layers, input_size=height)
        self.ax.clear()
        last = self.table[-1]
        self.patches = draw_fields_on_photo(
            self.ax, self.photo, layers,
            title=f"Field of the centre unit\n(last: {last.size} pixels, jump {last.jump})",
        )
        self.figure.refresh()
        self.readout.value = (
            "<pre style='font-size:11.5px;line-height:1.3;margin:0 0 0 6px'>"
            f"{html.escape(self.table.table())}\n\n"
            "size: field, end to end (pixels)\n"
            "jump: input pixels between\n      neighbouring units\n"
            f"out: rows of the map\n     (photo is {height} rows)</pre>"
        )

    def __repr__(self) -> str:
        if self.table is None:
            return "<StackBuilder widget>"
        sizes = ", ".join(str(s) for s in self.table.sizes[1:])
        return f"<StackBuilder widget: receptive fields {sizes}>"


def stack_builder(photo: np.ndarray | None = None, kernels: Sequence[int] = (7, 3, 3, 3),
                  strides: Sequence[int] = (2, 2, 2, 2)) -> StackBuilder:
    """The stack-builder widget: four layers' kernel and stride sliders over a photo.

    Introduced in the chapter *Receptive fields*.

    Parameters
    ----------
    photo : ndarray, shape (H, W) or (H, W, 3), optional
        Values in [0, 1]; ``cnnlib.data.sample_photo()`` by default.
    kernels, strides : sequences of 4 ints
        Starting settings.

    Returns
    -------
    StackBuilder
        Displays as the widget in a notebook.
    """
    if photo is None:
        from ..data import sample_photo

        photo = sample_photo()
    if len(kernels) != LAYERS or len(strides) != LAYERS:
        raise ValueError(
            f"stack_builder: kernels and strides must hold {LAYERS} values each, got "
            f"{len(kernels)} and {len(strides)}"
        )
    for label, values, allowed in (("kernels", kernels, KERNELS), ("strides", strides, STRIDES)):
        for i, value in enumerate(values):
            if value not in allowed:
                raise ValueError(
                    f"stack_builder: {label}[{i}] must be one of the slider's values "
                    f"{allowed}, got {value!r}"
                )
    return StackBuilder(photo, kernels, strides)
