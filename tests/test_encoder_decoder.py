"""cnnlib.models.encoder_decoder: the per-pixel loss against hand values and
finite differences, the metrics by hand, and the two decoders' shapes."""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from cnnlib import numerical_gradient
from cnnlib.models.encoder_decoder import (
    PixelCrossEntropyLoss,
    encoder_decoder,
    mask_iou,
    pixel_accuracy,
    stroke_masks,
)


def test_loss_by_hand():
    # Two pixels, scores (0, 0) and (log 3, 0): losses log 2 and log(1 + 1/3)... for
    # targets 0 and 1: -log(1/2) and -log(1/4) = log 4.
    scores = np.zeros((1, 2, 1, 2))
    scores[0, 0, 0, 1] = np.log(3.0)
    loss = PixelCrossEntropyLoss()
    value = loss(scores, np.array([[[0, 1]]]))
    assert value == pytest.approx((np.log(2) + np.log(4)) / 2)
    grad = loss.backward()
    # (softmax - one_hot) / 2 pixels: pixel 0 (1/2 - 1, 1/2), pixel 1 (3/4, 1/4 - 1).
    assert np.allclose(grad[0, :, 0, 0], [-0.25, 0.25])
    assert np.allclose(grad[0, :, 0, 1], [0.375, -0.375])


def test_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((2, 3, 2, 3))
    target = rng.integers(0, 3, (2, 2, 3))
    loss = PixelCrossEntropyLoss()
    loss(scores, target)
    numeric = numerical_gradient(lambda s: PixelCrossEntropyLoss()(s, target), scores)
    assert np.allclose(loss.backward(), numeric, atol=1e-8)


def test_masks_and_metrics_by_hand():
    images = np.array([[[[0.1, 0.6], [0.5, 0.49]]]])
    assert stroke_masks(images).tolist() == [[[0, 1], [1, 0]]]
    scores = np.zeros((1, 2, 2, 2))
    scores[0, 1] = [[1, 1], [0, 0]]                   # predicts stroke in the top row
    target = np.array([[[0, 1], [1, 0]]])
    assert pixel_accuracy(scores, target) == 0.5       # (0,1) and (1,1) right
    assert mask_iou(scores, target) == pytest.approx(1 / 3)   # {(0,1)} / {(0,0),(0,1),(1,0)}
    with pytest.raises(ValueError, match="pixel_accuracy: target"):
        pixel_accuracy(scores, target[0])


@pytest.mark.parametrize("decoder", ["transposed", "upsample"])
def test_shapes_and_training_step(decoder):
    cnnlib.manual_seed(0)
    model = encoder_decoder(decoder, channels=3)
    x = np.random.default_rng(0).random((4, 1, 8, 8))
    scores = model(x)
    assert scores.shape == (4, 2, 8, 8) and scores.dtype == np.float64
    loss = PixelCrossEntropyLoss()
    loss(scores, stroke_masks(x))
    grad_x = model.backward(loss.backward())
    assert grad_x.shape == x.shape


def test_bad_decoder_names_the_argument():
    with pytest.raises(ValueError, match="encoder_decoder: decoder"):
        encoder_decoder("deconv")
