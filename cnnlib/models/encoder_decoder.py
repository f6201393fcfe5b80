"""A small encoder-decoder for the 8x8 digits: which pixels belong to the stroke?

The encoder halves the image with a strided convolution (8x8 -> 4x4); the
decoder brings it back to 8x8, either with a transposed convolution or by
resizing (nearest neighbour) and then convolving.  The last layer gives two
scores per pixel, background and stroke, trained with a per-pixel
cross-entropy (:class:`PixelCrossEntropyLoss`).  Introduced in the chapter
*Transposed convolution and upsampling*.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from .._validate import as_array, check_ndim, positive_int
from ..nn.functional import cross_entropy, cross_entropy_backward
from ..nn.module import Module, _graph_of, _tag, is_grad_enabled

__all__ = ["PixelCrossEntropyLoss", "encoder_decoder", "mask_iou", "pixel_accuracy",
           "stroke_masks"]

_DECODERS = ("transposed", "upsample")


def stroke_masks(images: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The segmentation target: 1 where a pixel is at least ``threshold``, else 0.

    Parameters
    ----------
    images : ndarray, shape (N, 1, H, W)
        Grey levels in [0, 1].
    threshold : float, default 0.5

    Returns
    -------
    ndarray of int64, shape (N, H, W)

    Examples
    --------
    >>> stroke_masks(np.array([[[[0.0, 0.5], [0.25, 1.0]]]]))
    array([[[0, 1],
            [0, 1]]])
    """
    fn = "stroke_masks"
    images = as_array(images, "images", fn)
    check_ndim(images, 4, "images", fn, "(N, 1, H, W)")
    if images.shape[1] != 1:
        raise ValueError(f"{fn}: images must have one channel, got shape {images.shape}")
    return (images[:, 0] >= threshold).astype(np.int64)


def encoder_decoder(decoder: str = "transposed", channels: int = 8,
                    dtype: object = np.float64) -> nn.Sequential:
    """Conv down to 4x4, then back up to 8x8, and two scores per pixel.

    ``Conv2d(1, c, 3, padding=1)``, ReLU, ``Conv2d(c, c, 3, stride=2,
    padding=1)`` (8 -> 4), ReLU, then the decoder -- ``'transposed'``:
    ``ConvTranspose2d(c, c, 4, stride=2, padding=1)`` (4 -> 8, kernel size
    divisible by the stride: even overlap); ``'upsample'``:
    ``Upsample(scale_factor=2)`` and ``Conv2d(c, c, 3, padding=1)`` --
    ReLU, and ``Conv2d(c, 2, 1)``.

    Parameters
    ----------
    decoder : {'transposed', 'upsample'}
    channels : int, default 8
    dtype : numpy dtype, default float64

    Returns
    -------
    Sequential
        Maps ``(N, 1, 8, 8)`` to ``(N, 2, 8, 8)`` scores (any even ``H, W``).

    Examples
    --------
    >>> model = encoder_decoder("upsample", channels=4)
    >>> model(np.zeros((3, 1, 8, 8))).shape
    (3, 2, 8, 8)
    """
    fn = "encoder_decoder"
    if decoder not in _DECODERS:
        raise ValueError(f"{fn}: decoder must be one of {_DECODERS}, got {decoder!r}")
    c = positive_int(channels, "channels", fn)
    if decoder == "transposed":
        up = [nn.ConvTranspose2d(c, c, 4, stride=2, padding=1, dtype=dtype)]
    else:
        up = [nn.Upsample(scale_factor=2), nn.Conv2d(c, c, 3, padding=1, dtype=dtype)]
    return nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1, dtype=dtype), nn.ReLU(),
        nn.Conv2d(c, c, 3, stride=2, padding=1, dtype=dtype), nn.ReLU(),
        *up, nn.ReLU(),
        nn.Conv2d(c, 2, 1, dtype=dtype),
    )


def _rows(scores: np.ndarray) -> np.ndarray:
    """(N, C, H, W) scores -> (N*H*W, C): one row per pixel."""
    return scores.transpose(0, 2, 3, 1).reshape(-1, scores.shape[1])


def _check_pair(fn: str, scores: object, target: object) -> tuple[np.ndarray, np.ndarray]:
    scores = as_array(scores, "scores", fn)
    check_ndim(scores, 4, "scores", fn, "(N, C, H, W)")
    target = np.asarray(target)
    expected = (scores.shape[0], *scores.shape[2:])
    if target.shape != expected:
        raise ValueError(f"{fn}: target must have shape {expected} (N, H, W) to match scores "
                         f"{scores.shape}, got {target.shape}")
    return scores, target


class PixelCrossEntropyLoss(Module):
    """Cross-entropy averaged over every pixel, as ``torch.nn.CrossEntropyLoss`` on (N, C, H, W).

    ``forward(scores, target)`` with scores ``(N, C, H, W)`` and integer
    classes ``(N, H, W)``; ``backward()`` returns dL/dscores, shape
    ``(N, C, H, W)``: ``(softmax - one_hot) / (N*H*W)`` at every pixel.

    Examples
    --------
    >>> loss = PixelCrossEntropyLoss()
    >>> round(loss(np.zeros((1, 2, 1, 2)), np.array([[[0, 1]]])), 4)    # log 2
    0.6931
    >>> loss.backward()[0, :, 0]
    array([[-0.25,  0.25],
           [ 0.25, -0.25]])
    """

    _records_calls = False
    reduction = "mean"

    def __init__(self) -> None:
        super().__init__()
        self._cache: tuple | None = None

    def forward(self, scores: np.ndarray, target: np.ndarray) -> float:
        scores, target = _check_pair("PixelCrossEntropyLoss", scores, target)
        rows, classes = _rows(scores), target.reshape(-1)
        loss = cross_entropy(rows, classes)
        if is_grad_enabled():
            self._cache = (scores.shape, rows, classes, _graph_of(scores))
        return loss

    def backward(self, grad_out: float = 1.0) -> np.ndarray:
        if self._cache is None:
            raise RuntimeError("PixelCrossEntropyLoss.backward: call forward() first")
        (n, c, h, w), rows, classes, graph = self._cache
        grad = cross_entropy_backward(rows, classes, grad_out)
        grad = np.ascontiguousarray(grad.reshape(n, h, w, c).transpose(0, 3, 1, 2))
        _tag(grad, graph)
        return grad


def pixel_accuracy(scores: np.ndarray, target: np.ndarray) -> float:
    """Fraction of pixels whose highest score is the target class.

    Examples
    --------
    >>> scores = np.array([[[[1.0, 0.0]], [[0.0, 1.0]]]])       # (1, 2, 1, 2)
    >>> pixel_accuracy(scores, np.array([[[0, 0]]]))
    0.5
    """
    scores, target = _check_pair("pixel_accuracy", scores, target)
    return float(np.mean(scores.argmax(axis=1) == target))


def mask_iou(scores: np.ndarray, target: np.ndarray) -> float:
    """Intersection over union of the predicted stroke (class 1) and the true one.

    Examples
    --------
    >>> scores = np.array([[[[0.0, 0.0, 1.0]], [[1.0, 1.0, 0.0]]]])   # predicts 1, 1, 0
    >>> mask_iou(scores, np.array([[[1, 0, 1]]]))                       # 1 shared of 3
    0.3333333333333333
    """
    scores, target = _check_pair("mask_iou", scores, target)
    predicted, truth = scores.argmax(axis=1) == 1, target == 1
    union = np.logical_or(predicted, truth).sum()
    return float(np.logical_and(predicted, truth).sum() / union) if union else 1.0
