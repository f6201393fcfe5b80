"""Helpers for the chapter *Architectures*: stages of the classic networks, an input, the maps.

* :data:`STAGES` names, for every model in :mod:`cnnlib.models`, the layer
  that ends each stage of its feature extractor (a ``cnnlib.summary`` row
  name), and :data:`INPUT_SIZES` the input each model expects;
* :func:`stage_totals` reads a summary up to one of those rows: the
  parameters and multiply-accumulates spent so far, the receptive field and
  the jump reached;
* :func:`imagenet_input` turns a photo into the normalised
  ``(1, 3, 224, 224)`` batch an ImageNet network reads;
* :func:`stage_outputs` runs a network child by child and keeps the feature
  maps after the stages asked for.

Introduced in the chapter *Architectures*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validate import positive_int
from .nn.module import Module

__all__ = [
    "INPUT_SIZES",
    "STAGES",
    "StageTotals",
    "imagenet_input",
    "square_photo",
    "stage_outputs",
    "stage_totals",
]

_RESNET_STAGES = [
    ("conv1", "conv1"), ("maxpool", "maxpool"), ("layer1", "layer1"), ("layer2", "layer2"),
    ("layer3", "layer3"), ("layer4", "layer4"),
]

#: model name -> [(stage label, summary row name), ...], first stage first.
STAGES: dict[str, list[tuple[str, str]]] = {
    "lenet5": [("C1 conv", "features.0"), ("S2 pool", "features.2"), ("C3 conv", "features.3"),
               ("S4 pool", "features.5"), ("C5 conv", "features.6")],
    "alexnet": [("conv1", "features.0"), ("pool1", "features.2"), ("conv2", "features.3"),
                ("pool2", "features.5"), ("conv5", "features.10"), ("pool5", "features.12")],
    "vgg16": [("block1 pool", "features.4"), ("block2 pool", "features.9"),
              ("block3 pool", "features.16"), ("block4 pool", "features.23"),
              ("block5 pool", "features.30")],
    "resnet18": list(_RESNET_STAGES),
    "resnet50": list(_RESNET_STAGES),
    "mobilenet_v2": [("stem", "features.0"), ("112 px", "features.1"), ("56 px", "features.3"),
                     ("28 px", "features.6"), ("14 px", "features.13"),
                     ("7 px", "features.17"), ("1x1 conv", "features.18")],
    "efficientnet_b0": [("stem", "features.0")]
    + [(f"stage {i}", f"features.{i}") for i in range(1, 8)] + [("1x1 conv", "features.8")],
}

#: model name -> the (N, C, H, W) input its summary is taken at.
INPUT_SIZES: dict[str, tuple[int, int, int, int]] = {
    name: ((1, 1, 32, 32) if name == "lenet5" else (1, 3, 224, 224)) for name in STAGES
}


@dataclass(frozen=True)
class StageTotals:
    """What a network has spent and seen by the end of one stage.

    Attributes
    ----------
    name : str
        The summary row that ends the stage.
    output_shape : tuple of int
        Its output, batch axis included.
    params : int
        Parameters of every layer up to and including this row (side
        branches such as a downsample shortcut included).
    macs : int
        Multiply-accumulates of those layers.
    params_fraction, macs_fraction : float
        The same as fractions of the whole model's totals.
    rf : int
        Receptive field (rows; the networks here are square) of one unit.
    jump : int
        Input pixels between neighbouring units.
    """

    name: str
    output_shape: tuple[int, ...]
    params: int
    macs: int
    params_fraction: float
    macs_fraction: float
    rf: int
    jump: int


def stage_totals(summary: object, row: str) -> StageTotals:
    """Totals of a :class:`cnnlib.summary.ModelSummary` up to the row named ``row``.

    Parameters
    ----------
    summary : ModelSummary
        From ``cnnlib.summary(model, input_size)``.
    row : str
        A row on the main path, e.g. ``"layer2"`` or ``"features.9"``.

    Returns
    -------
    StageTotals

    Raises
    ------
    ValueError
        If the summary has no such row, or the row is off the main path.

    Examples
    --------
    >>> from cnnlib import models, summary
    >>> t = stage_totals(summary(models.lenet5(), (1, 1, 32, 32)), "features.3")
    >>> t.params, t.rf, t.jump            # C1: 6*25 + 6;  C3: 16*6*25 + 16
    (2572, 14, 2)
    """
    fn = "stage_totals"
    rows = list(summary)  # type: ignore[call-overload]
    names = [r.name for r in rows]
    if row not in names:
        raise ValueError(f"{fn}: the summary has no row {row!r}")
    index = names.index(row)
    target = rows[index]
    if target.rf is None:
        raise ValueError(f"{fn}: row {row!r} is off the main path (it has no receptive field)")
    # a container row sums its children; count leaves only, up to the end of this row
    last = index
    while last + 1 < len(rows) and rows[last + 1].name.startswith(row + "."):
        last += 1
    leaves = [r for r in rows[: last + 1] if r.leaf]
    params = sum(r.params for r in leaves)
    macs = sum(r.macs for r in leaves)
    total_params = summary.total_params  # type: ignore[attr-defined]
    total_macs = summary.total_macs  # type: ignore[attr-defined]
    return StageTotals(
        name=row, output_shape=tuple(target.output_shape), params=int(params), macs=int(macs),
        params_fraction=params / total_params if total_params else 0.0,
        macs_fraction=macs / total_macs if total_macs else 0.0,
        rf=int(target.rf[0]), jump=int(target.jump[0]),
    )


def square_photo(photo: np.ndarray, size: int = 224) -> np.ndarray:
    """Crop the largest centred square from ``photo`` and resize it to ``size x size``.

    Bilinear interpolation (``scipy.ndimage.zoom``, ``order=1``), the usual
    "centre crop, resize" of an ImageNet pipeline in one step.

    Parameters
    ----------
    photo : ndarray, shape (H, W) or (H, W, 3)
        Values in [0, 1].
    size : int, default 224

    Returns
    -------
    ndarray, shape (size, size) or (size, size, 3)
        float64, clipped to [0, 1].

    Examples
    --------
    >>> square_photo(np.ones((60, 40, 3)), 10).shape
    (10, 10, 3)
    """
    from scipy import ndimage

    fn = "square_photo"
    size = positive_int(size, "size", fn)
    if not isinstance(photo, np.ndarray) or photo.ndim not in (2, 3):
        raise ValueError(f"{fn}: photo must be an (H, W) or (H, W, 3) array")
    h, w = photo.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = np.asarray(photo[top : top + side, left : left + side], dtype=np.float64)
    factor = (size / side, size / side) + ((1,) if crop.ndim == 3 else ())
    out = ndimage.zoom(crop, factor, order=1)
    return np.clip(out[:size, :size], 0.0, 1.0)


def imagenet_input(photo: np.ndarray, size: int = 224) -> np.ndarray:
    """A photo as the normalised batch of one that ImageNet networks read.

    Centre square crop, resize to ``size``, subtract ImageNet's per-channel
    mean and divide by its standard deviation (``cnnlib.IMAGENET_MEAN``,
    ``cnnlib.IMAGENET_STD``, torchvision's numbers), then NCHW.

    Parameters
    ----------
    photo : ndarray, shape (H, W, 3)
        RGB values in [0, 1].
    size : int, default 224

    Returns
    -------
    ndarray, float32, shape (1, 3, size, size)

    Examples
    --------
    >>> x = imagenet_input(np.full((50, 40, 3), 0.5), size=16)
    >>> x.shape, x.dtype
    ((1, 3, 16, 16), dtype('float32'))
    """
    from .images import IMAGENET_MEAN, IMAGENET_STD

    if not isinstance(photo, np.ndarray) or photo.ndim != 3 or photo.shape[2] != 3:
        raise ValueError(
            "imagenet_input: photo must be an RGB array of shape (H, W, 3), got "
            f"{getattr(photo, 'shape', type(photo).__name__)}"
        )
    square = square_photo(photo, size)
    normed = (square - np.asarray(IMAGENET_MEAN)) / np.asarray(IMAGENET_STD)
    return normed.transpose(2, 0, 1)[None].astype(np.float32)


def stage_outputs(model: Module, x: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Run ``model``'s top-level children one after another; keep the outputs of ``names``.

    For networks whose forward pass is their children in order up to the
    global pooling (torchvision's ResNets: ``conv1``, ``bn1``, ``relu``,
    ``maxpool``, ``layer1`` ... ``layer4``).  Stops after the last name
    asked for, so the classifier is never run.

    Parameters
    ----------
    model : Module
    x : ndarray, shape (N, C, H, W)
    names : sequence of str
        Names of top-level children, in the order they run.

    Returns
    -------
    dict of str to ndarray
        ``{name: output of that child}``, each (N, C_stage, H_stage, W_stage).

    Examples
    --------
    >>> from cnnlib import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
    >>> {k: v.shape for k, v in stage_outputs(net, np.zeros((1, 1, 6, 6)), ["0", "2"]).items()}
    {'0': (1, 2, 4, 4), '2': (1, 2, 2, 2)}
    """
    fn = "stage_outputs"
    if not isinstance(model, Module):
        raise TypeError(f"{fn}: model must be a cnnlib.nn.Module, got {type(model).__name__}")
    children = dict(model.named_children())
    wanted = list(names)
    missing = [n for n in wanted if n not in children]
    if missing:
        raise ValueError(
            f"{fn}: model has no top-level child {missing[0]!r} (its children: "
            f"{', '.join(children)})"
        )
    out: dict[str, np.ndarray] = {}
    h = x
    for name, child in children.items():
        if len(out) == len(wanted):
            break
        h = child(h)
        if name in wanted:
            out[name] = h
    return out
