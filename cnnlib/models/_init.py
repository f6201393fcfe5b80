"""How the model builders initialise their weights, quickly and as torchvision does.

Every layer's constructor draws initial weights (PyTorch's default, from
float64 draws).  A whole network then redraws them with its own scheme
(torchvision's ResNet, VGG, MobileNet-v2 and EfficientNet each have one),
so the first draw is wasted -- 138 million numbers for VGG-16.  The
builders therefore construct their layers inside :func:`deferred_init`,
where ``Conv2d`` and ``Linear`` skip their default draw (the weights stay
zero), and then call :func:`init_weights` once, which fills every weight
with float32 draws in place.  This is the job PyTorch's ``meta`` device and
``torch.nn.utils.skip_init`` do.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..nn import BatchNorm2d, Conv2d, Linear, Module, init
from ..random import default_generator

__all__ = ["deferred_init", "init_weights"]


@contextmanager
def deferred_init() -> Iterator[None]:
    """Within the block, ``Conv2d`` and ``Linear`` are built with zero weights (no draw).

    The caller must initialise them afterwards (:func:`init_weights`).
    """
    saved = Conv2d.reset_parameters, Linear.reset_parameters

    def skip(self: Module) -> None:
        return None

    Conv2d.reset_parameters = skip
    Linear.reset_parameters = skip
    try:
        yield
    finally:
        Conv2d.reset_parameters, Linear.reset_parameters = saved


def _uniform_(arr: np.ndarray, bound: float, rng: np.random.Generator) -> None:
    """Fill ``arr`` in place with U(-bound, bound), drawn in ``arr``'s own dtype."""
    if arr.dtype in (np.float32, np.float64) and arr.flags.c_contiguous:
        rng.random(out=arr, dtype=arr.dtype)
        arr *= 2 * bound
        arr -= bound
    else:
        arr[...] = rng.uniform(-bound, bound, size=arr.shape)


def init_weights(model: Module, conv: str = "kaiming_normal", linear: str = "default") -> None:
    """Initialise every ``Conv2d``, ``Linear`` and ``BatchNorm2d`` of ``model`` in place.

    Parameters
    ----------
    model : Module
    conv : {'kaiming_normal', 'default'}
        ``'kaiming_normal'``: N(0, 2 / (C_out*kh*kw)) weights and zero biases
        (torchvision's ResNet, VGG, MobileNet-v2, EfficientNet);
        ``'default'``: PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        for weights and biases (AlexNet, LeNet).
    linear : {'default', 'normal', 'uniform_fan_out'}
        ``'default'``: as for conv; ``'normal'``: N(0, 0.01**2) weights, zero
        biases (VGG, MobileNet-v2); ``'uniform_fan_out'``:
        U(-1/sqrt(out), 1/sqrt(out)) weights, zero biases (EfficientNet).

    BatchNorm layers get weight 1, bias 0 (their constructor's values).
    Draws come from cnnlib's global generator (:func:`cnnlib.manual_seed`).
    """
    rng = default_generator()
    for m in model.modules():
        if isinstance(m, Conv2d):
            w = m.weight.data
            fan_in, fan_out = init.calculate_fan_in_and_fan_out(w.shape)
            if conv == "kaiming_normal":
                init.normal_(w, 0.0, math.sqrt(2.0 / fan_out), generator=rng)
                if m.bias is not None:
                    m.bias.data[...] = 0
            else:
                _uniform_(w, 1 / math.sqrt(fan_in), rng)
                if m.bias is not None:
                    _uniform_(m.bias.data, 1 / math.sqrt(fan_in), rng)
        elif isinstance(m, Linear):
            w = m.weight.data
            if linear == "normal":
                init.normal_(w, 0.0, 0.01, generator=rng)
                if m.bias is not None:
                    m.bias.data[...] = 0
            elif linear == "uniform_fan_out":
                _uniform_(w, 1 / math.sqrt(m.out_features), rng)
                if m.bias is not None:
                    m.bias.data[...] = 0
            else:
                _uniform_(w, 1 / math.sqrt(m.in_features), rng)
                if m.bias is not None:
                    _uniform_(m.bias.data, 1 / math.sqrt(m.in_features), rng)
        elif isinstance(m, BatchNorm2d) and m.affine:
            m.weight.data[...] = 1
            m.bias.data[...] = 0
