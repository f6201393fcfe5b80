"""The small LeNet-style network the chapter *Training in practice* trains on 8x8 digits."""

from __future__ import annotations

from types import ModuleType

from .. import nn as cnn_nn

__all__ = ["digits_cnn"]


def digits_cnn(batch_norm: bool = True, dropout: float = 0.0, *,
               layers: ModuleType = cnn_nn):
    """Two convolution blocks and a two-layer head for ``(N, 1, 8, 8)`` digit images.

    ``[Conv 3x3 (padding 1) - BatchNorm - ReLU - MaxPool 2x2] x 2`` with 16 then
    32 channels takes an 8x8 image to ``32 x 2 x 2 = 128`` features, then
    ``Linear 128 -> 64 - ReLU - (Dropout) - Linear 64 -> 10`` gives one score
    per digit.

    Parameters
    ----------
    batch_norm : bool
        Put a ``BatchNorm2d`` after each convolution.
    dropout : float
        If positive, a ``Dropout(dropout)`` before the last layer.
    layers : module
        Where the layer classes come from: ``cnnlib.nn`` by default.  Passing
        ``torch.nn`` builds the same network, with the same ``state_dict``
        keys, in PyTorch (``benchmarks/bench_train.py`` does this).

    Returns
    -------
    Sequential
        Input ``(N, 1, 8, 8)``, output ``(N, 10)`` logits.

    Examples
    --------
    >>> sum(p.size for p in digits_cnn().parameters())
    13802
    """

    def block(c_in: int, c_out: int) -> list:
        norm = [layers.BatchNorm2d(c_out)] if batch_norm else []
        conv = layers.Conv2d(c_in, c_out, 3, padding=1)
        return [conv, *norm, layers.ReLU(), layers.MaxPool2d(2)]

    drop = [layers.Dropout(dropout)] if dropout else []
    return layers.Sequential(
        *block(1, 16), *block(16, 32), layers.Flatten(),
        layers.Linear(128, 64), layers.ReLU(), *drop, layers.Linear(64, 10),
    )
