"""The feature-map explorer: pick a test digit and a layer, watch that layer's maps.

``feature_map_explorer(model, images, labels)`` returns the widget.  Its
callback, :meth:`FeatureMapExplorer.update`, is a plain method the tests call
directly; a setting that cannot work (an image index out of range, a layer
whose output is not a stack of maps) shows a message under the figure and
keeps the last good picture.  Introduced in the chapter *What a trained CNN
sees*.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..interpret import feature_maps
from ..nn import Sequential
from ..nn.functional import softmax
from ..viz.interpret import LayerMapsView
from ..viz.style import COLUMN_INCHES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["FeatureMapExplorer", "feature_map_explorer"]


class FeatureMapExplorer(BookWidget):
    """A test-image index, a layer menu, the figure and a message line.

    Parameters
    ----------
    model : Sequential
        A trained network in eval mode.
    images : ndarray, shape (N, 1, H, W)
    labels : ndarray of int, shape (N,)
    index, layer : int
        The initial image and layer.

    Attributes
    ----------
    index : ipywidgets.BoundedIntText
    layer : ipywidgets.Dropdown
        Every layer of the model, by ``"i: LayerClass"``.
    message : MessageLine
    maps : ndarray, shape (C, h, w)
        The maps on show.
    prediction : int
        The model's class for the image on show.
    """

    def __init__(self, model: Sequential, images: np.ndarray, labels: np.ndarray,
                 index: int = 0, layer: int = 2) -> None:
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"feature_map_explorer: images must have shape (N, 1, H, W), "
                             f"got {images.shape}")
        self.model = model
        self.images = images
        self.labels = np.asarray(labels)
        self.names = [f"{i}: {type(m).__name__}" for i, m in enumerate(model)]
        self.maps = np.zeros((1, 1, 1))
        self.prediction = -1
        self.index = widgets.BoundedIntText(index, min=0, max=len(images) - 1,
                                            description="test image",
                                            layout=widgets.Layout(width="190px"))
        self.layer = widgets.Dropdown(options=[(n, i) for i, n in enumerate(self.names)],
                                      value=layer, description="layer",
                                      layout=widgets.Layout(width="230px"))
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 2.5), dpi=100)
        self.view = LayerMapsView(self.figure.fig)
        self.message = MessageLine()
        self._guarded = guarded(self._update, self.message)
        self.index.observe(self._on_change, names="value")
        self.layer.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.index, self.layer]), self.figure.image, self.message.html],
            layout=widgets.Layout(max_width="688px"),
        )
        self.update(index, layer)

    def _on_change(self, _change: object) -> None:
        self.update(self.index.value, self.layer.value)

    def update(self, index: int, layer: int) -> bool:
        """Show ``layer``'s maps for image ``index``; ``False`` (and a message) if impossible."""
        return self._guarded(index, layer)

    def _update(self, index: int, layer: int) -> None:
        if not 0 <= index < len(self.images):
            raise ValueError(f"feature_map_explorer: index must be in [0, {len(self.images)}), "
                             f"got {index}")
        if not 0 <= layer < len(self.names):
            raise ValueError(f"feature_map_explorer: layer must be in [0, {len(self.names)}), "
                             f"got {layer}")
        x = self.images[index : index + 1]
        maps = feature_maps(self.model, x)
        name, out = maps[layer]
        if out.ndim != 4:
            last = max(i for i, (_, a) in enumerate(maps) if a.ndim == 4)
            raise ValueError(f"feature_map_explorer: layer {name} outputs {out.shape[1]} "
                             f"numbers, not maps; pick a layer from 0 to {last}")
        logits = maps[-1][1]
        self.prediction = int(logits.argmax())
        p = float(softmax(logits)[0, self.prediction])
        self.maps = out[0]
        c, h, w = self.maps.shape
        self.view.show(x[0, 0], self.maps,
                       f"a {self.labels[index]}; says {self.prediction} ({p:.0%})",
                       f"layer {name}: {c} maps of {h}×{w}")
        self.figure.refresh()

    def __repr__(self) -> str:
        c, h, w = self.maps.shape
        return (f"<FeatureMapExplorer: test image {self.index.value} "
                f"(a {self.labels[self.index.value]}), layer {self.names[self.layer.value]}, "
                f"{c} maps of {h}x{w}>")


def feature_map_explorer(model: Sequential, images: np.ndarray, labels: np.ndarray,
                         index: int = 0, layer: int = 2) -> FeatureMapExplorer:
    """The feature-map explorer for a trained network and a set of test images.

    Introduced in the chapter *What a trained CNN sees*.

    Parameters
    ----------
    model : Sequential
        In eval mode.
    images : ndarray, shape (N, 1, H, W)
    labels : ndarray of int, shape (N,)
    index, layer : int
        The initial test image and layer index.

    Returns
    -------
    FeatureMapExplorer
        Displays as its widget; ``.update(index, layer)`` drives it from code.
    """
    return FeatureMapExplorer(model, images, labels, index, layer)
