"""Self-checks for the exercises of *Transfer learning* (labels ``transfer-ex-N``)."""

from __future__ import annotations

from functools import cache

import numpy as np

from .. import nn
from ..transfer import count_parameters, freeze
from ._core import Exercise, Mistake, register


@cache
def _resnet_parts() -> dict[str, int]:
    """Parameter counts of ResNet-18's ``layer4`` and its pieces, and of a 5-class head."""
    from ..models import resnet18
    from ..models._init import deferred_init

    with deferred_init():                 # counting needs shapes, not weights
        model = resnet18()
    layer4 = model.layer4
    convs = [m for m in layer4.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in layer4.modules() if isinstance(m, nn.BatchNorm2d)]
    return {
        "layer4": count_parameters(layer4),
        "head": count_parameters(nn.Linear(512, 5)),
        "old_head": count_parameters(model.fc),
        "conv_biases": sum(m.out_channels for m in convs),
        "norms": sum(count_parameters(m) for m in norms),
        "downsample": count_parameters(layer4[0].downsample),
        "total": count_parameters(model) - count_parameters(model.fc)
        + count_parameters(nn.Linear(512, 5)),
    }


def _top_layers(**change: int) -> int:
    p = _resnet_parts()
    return p["layer4"] + p["head"] + sum(change.values())


def _drift_batch() -> np.ndarray:
    """Exercise 2's batch: 8 random 3-channel 4x4 images with mean about 5."""
    rng = np.random.default_rng(0)
    return 5 + rng.standard_normal((8, 3, 4, 4)).astype(np.float32)


def _running_mean_after_one_batch() -> np.ndarray:
    bn = freeze(nn.BatchNorm2d(3))
    bn.train()(_drift_batch())
    return np.asarray(bn.running_mean, dtype=float)


def _batch_means() -> np.ndarray:
    return _drift_batch().astype(float).mean(axis=(0, 2, 3))


register(
    Exercise(
        "transfer-ex-1", "The number of trainable parameters of ResNet-18 with a 5-class head "
                         "when only layer4 and fc train.",
        _top_layers,
        hint="Count layer4's five 3×3 and 1×1 convolutions (no biases) and its five "
             "BatchNorms (a weight and a bias per channel), then add the new head.",
        mistakes=(
            Mistake(lambda: _resnet_parts()["layer4"],
                    "That is layer4 alone: the new head (512 · 5 + 5) trains too."),
            Mistake(lambda: _resnet_parts()["layer4"] + _resnet_parts()["old_head"],
                    "That counts the old 1000-class head; the network now ends in a "
                    "5-class one."),
            Mistake(lambda: _top_layers(biases=_resnet_parts()["conv_biases"]),
                    "torchvision's ResNet convolutions have no biases (the BatchNorm after "
                    "each one has its own)."),
            Mistake(lambda: _top_layers(norms=-_resnet_parts()["norms"]),
                    "The BatchNorms are missing: each has a weight and a bias per channel, "
                    "and layer4 has five of them."),
            Mistake(lambda: _top_layers(shortcut=-_resnet_parts()["downsample"]),
                    "The downsample shortcut is missing: a 1×1 convolution 256→512 and its "
                    "BatchNorm."),
            Mistake(lambda: _resnet_parts()["total"],
                    "That is every parameter, as in full fine-tuning; here everything "
                    "before layer4 is frozen."),
        ),
    ),
    Exercise(
        "transfer-ex-2", "running_mean of the frozen BatchNorm2d(3) after one batch in training "
                         "mode: three numbers.",
        _running_mean_after_one_batch, kind="array", rtol=2e-3, atol=1e-3,
        hint="The running mean starts at 0 and moves momentum = 0.1 of the way towards "
             "each channel's mean over the batch.",
        mistakes=(
            Mistake(lambda: np.zeros(3),
                    "Freezing stops gradients for the weight and bias, but running "
                    "statistics are buffers: in training mode they still update."),
            Mistake(_batch_means,
                    "That is the batch's mean itself; the running mean moves only a tenth "
                    "of the way there (momentum 0.1)."),
            Mistake(lambda: 0.9 * _batch_means(),
                    "The momentum is the weight of the new batch, 0.1, as in PyTorch: "
                    "0.9 · old + 0.1 · batch mean."),
            Mistake(lambda: np.full(3, 0.5),
                    "Close to it, but use each channel's mean over this batch, not the 5 "
                    "it was drawn around."),
        ),
    ),
)
