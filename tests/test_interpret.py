"""cnnlib.interpret: each explanation checked against an independent computation.

The model is the chapter-10 digits network in float64 and eval mode with its
random initial weights: the tools' arithmetic does not depend on training.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cnnlib import conv2d, numerical_gradient
from cnnlib.interpret import (
    cascading_randomization,
    class_model,
    class_score_gradient,
    feature_maps,
    fgsm,
    fgsm_accuracy,
    fgsm_predictions,
    grad_cam,
    grad_cam_map,
    occlusion,
    randomize_layers,
    rank_correlation,
    saliency,
    smallest_flipping_epsilon,
    top_patches,
)
from cnnlib.models.digits import digits_cnn
from cnnlib.nn import no_grad
from cnnlib.nn.functional import cross_entropy, softmax
from cnnlib.random import manual_seed


@pytest.fixture()
def model():
    manual_seed(0)
    net = digits_cnn().double()
    # Non-trivial running statistics, so eval-mode BatchNorm is not the identity.
    rng = np.random.default_rng(0)
    for name, buf in net.named_buffers():
        if name.endswith("running_mean"):
            buf[...] = rng.normal(0, 0.1, buf.shape)
        elif name.endswith("running_var"):
            buf[...] = rng.uniform(0.5, 1.5, buf.shape)
    return net.eval()


@pytest.fixture()
def images():
    return np.random.default_rng(1).random((3, 1, 8, 8))


def _score(model, target):
    def f(v):
        with no_grad():
            return float(model(v[None])[0, target])
    return f


def test_saliency_is_the_score_gradient(model, images):
    scores, grad = class_score_gradient(model, images, [2, 5, 7])
    for n, t in enumerate([2, 5, 7]):
        numeric = numerical_gradient(_score(model, t), images[n].copy())
        np.testing.assert_allclose(grad[n], numeric, rtol=1e-6, atol=1e-8)
    with no_grad():
        np.testing.assert_allclose(scores, model(images))
    np.testing.assert_allclose(saliency(model, images, [2, 5, 7]), np.abs(grad).max(axis=1))


def test_grad_cam_weights_are_pooled_finite_difference_gradients(model, images):
    layer = 3                                          # after the first block's max-pool
    cam, alpha = grad_cam(model, images, 4, layer, upsample=False)
    with no_grad():
        activation = model[: layer + 1](images)
    tail = model[layer + 1 :]
    for n in range(images.shape[0]):
        def score(a, n=n):
            with no_grad():
                return float(tail(a[None])[0, 4])
        numeric = numerical_gradient(score, activation[n].copy())
        np.testing.assert_allclose(alpha[n], numeric.mean(axis=(1, 2)), rtol=1e-6, atol=1e-9)
        # The map: ReLU of the alpha-weighted sum of the channels, by a plain loop.
        expected = np.zeros(activation.shape[2:])
        for c in range(activation.shape[1]):
            expected += alpha[n, c] * activation[n, c]
        np.testing.assert_allclose(cam[n], np.maximum(expected, 0), rtol=1e-12, atol=1e-12)
    full, _ = grad_cam(model, images, 4, layer)
    assert full.shape == (3, 8, 8) and full.min() >= 0


def test_occlusion_equals_one_patch_at_a_time(model, images):
    x = images[:1]
    drop = occlusion(model, x, target=3, size=3, stride=2, fill=0.5)
    assert drop.shape == (3, 3)                         # (8 - 3)//2 + 1
    with no_grad():
        base = softmax(model(x))[0, 3]
        for i in range(3):
            for j in range(3):
                hidden = x.copy()
                hidden[0, 0, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3] = 0.5
                assert drop[i, j] == pytest.approx(base - softmax(model(hidden))[0, 3], abs=1e-12)


def test_fgsm_steps_along_the_sign_of_the_loss_gradient(model, images):
    labels = np.array([1, 2, 3])
    eps = 1e-4
    adv = fgsm(model, images, labels, eps, clip=None)

    def loss(v):
        with no_grad():
            return float(cross_entropy(model(v), labels))

    numeric = numerical_gradient(loss, images.copy())
    step = (adv - images) / eps
    big = np.abs(numeric) > 1e-8
    np.testing.assert_allclose(step[big], np.sign(numeric[big]), rtol=1e-9)
    assert loss(adv) > loss(images)
    clipped = fgsm(model, images, labels, 0.5)
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_class_model_raises_the_objective(model):
    x, objective = class_model(model, target=6, shape=(1, 1, 8, 8), steps=30, lr=0.05, l2=0.05)
    assert objective.shape == (31,) and objective[-1] > objective[0]
    with no_grad():
        start = model(np.zeros((1, 1, 8, 8)))[0, 6]
        assert model(x)[0, 6] > start


def test_top_patches_of_the_first_convolution(model, images):
    patches, values, where = top_patches(model, 0, images, channel=5, k=4)
    assert patches.shape == (4, 1, 3, 3)                # the 3x3 kernel's field
    assert np.all(np.diff(values) <= 0)
    w = model[0].weight.data[5, 0]
    b = model[0].bias.data[5]
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for patch, value, (n, i, j) in zip(patches, values, where, strict=True):
        # padding 1: output (i, j) reads padded rows i..i+2, i.e. image rows i-1..i+1.
        np.testing.assert_array_equal(patch[0], padded[n, 0, i : i + 3, j : j + 3])
        assert value == pytest.approx(np.sum(patch[0] * w) + b, abs=1e-12)
    # No other unit of that channel is larger than the fourth.
    all_values = conv2d(images, model[0].weight.data[5:6], model[0].bias.data[5:6], padding=1)
    assert np.sort(all_values.ravel())[-4] == pytest.approx(values[-1])


def test_top_patches_after_two_blocks_have_the_stacked_field(model, images):
    patches, _, _ = top_patches(model, 4, images, channel=0, k=2)   # second conv
    # 3x3 conv, 2x2/2 pool, 3x3 conv: r = 1 + 2 + 1 + 2*2 = 8.
    assert patches.shape == (2, 1, 8, 8)


def test_feature_maps_shapes(model, images):
    maps = feature_maps(model, images)
    assert [m.shape for _, m in maps][:4] == [(3, 16, 8, 8)] * 3 + [(3, 16, 4, 4)]
    assert maps[-1][1].shape == (3, 10) and maps[0][0] == "0: Conv2d"


def test_randomize_layers_resets_only_the_last_ones(model):
    clone = randomize_layers(model, count=1, seed=3)
    same = [np.array_equal(a, b) for (_, a), (_, b) in
            zip(model.state_dict().items(), clone.state_dict().items(), strict=True)]
    keys = list(model.state_dict())
    changed = {k for k, s in zip(keys, same, strict=True) if not s}
    assert changed == {keys[-2], keys[-1]}              # the last Linear's weight and bias
    with pytest.raises(ValueError, match="count must be at most"):
        randomize_layers(model, count=99)


def test_rank_correlation_matches_scipy_with_ties():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 5, 40).astype(float)
    b = a + rng.integers(0, 3, 40)
    assert rank_correlation(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)


def test_bad_input():
    net = digits_cnn()
    with pytest.raises(TypeError, match="saliency|class_score_gradient"):
        saliency(object(), np.zeros((1, 1, 8, 8)), 0)
    with pytest.raises(ValueError, match="target must be class indices"):
        saliency(net, np.zeros((1, 1, 8, 8), dtype=np.float32), 12)
    with pytest.raises(ValueError, match="one image"):
        occlusion(net, np.zeros((2, 1, 8, 8), dtype=np.float32), 0)
    with pytest.raises(ValueError, match="Grad-CAM needs feature maps"):
        grad_cam(net, np.zeros((1, 1, 8, 8), dtype=np.float32), 0, layer=9)


def test_grad_cam_map_by_hand():
    # alpha = means of G: (4/4, -4/4) = (1, -1); ReLU(A0 - A1) = ReLU([[1, -2], [1, 0]]).
    a = np.array([[[[1.0, 0], [2, 1]], [[0, 2], [1, 1]]]])
    g = np.array([[[[2.0, 0], [1, 1]], [[-1, -1], [0, -2]]]])
    cam, alpha = grad_cam_map(a, g)
    np.testing.assert_array_equal(alpha, [[1.0, -1.0]])
    np.testing.assert_array_equal(cam, [[[1.0, 0.0], [1.0, 0.0]]])
    with pytest.raises(ValueError, match="grad_cam_map: grad must have the activation's shape"):
        grad_cam_map(a, g[:, :1])


def test_class_models_for_several_classes_are_separate_ascents(model):
    together, objective = class_model(model, [1, 6], (2, 1, 8, 8), steps=15, lr=0.05, l2=0.1)
    total = np.zeros(16)
    for row, target in enumerate([1, 6]):
        alone, obj = class_model(model, target, (1, 1, 8, 8), steps=15, lr=0.05, l2=0.1)
        np.testing.assert_allclose(together[row], alone[0], rtol=1e-10, atol=1e-12)
        total += obj
    np.testing.assert_allclose(objective, total, rtol=1e-10)


def test_fgsm_predictions_and_accuracy_against_a_loop(model, images):
    labels = np.array([0, 4, 9])
    eps = [0.0, 0.05, 0.3]
    preds = fgsm_predictions(model, images, labels, eps)
    for e, epsilon in enumerate(eps):
        adversarial = fgsm(model, images, labels, epsilon)
        with no_grad():
            want = model(adversarial).argmax(axis=1)
        np.testing.assert_array_equal(preds[e], want)
    np.testing.assert_allclose(fgsm_accuracy(model, images, labels, eps),
                               (preds == labels).mean(axis=1))
    with pytest.raises(ValueError, match="fgsm_predictions: epsilons must be"):
        fgsm_predictions(model, images, labels, [-0.1])


def test_smallest_flipping_epsilon_is_the_first_wrong_grid_point(model, images):
    with no_grad():
        labels = model(images).argmax(axis=1)           # all right at epsilon 0
    grid = np.round(np.arange(0, 1.01, 0.05), 2)
    found = smallest_flipping_epsilon(model, images, labels, grid)
    for n in range(3):
        expected = np.inf
        for epsilon in grid:                             # brute force, one image at a time
            adv = fgsm(model, images[n : n + 1], labels[n : n + 1], epsilon)
            with no_grad():
                flipped = model(adv).argmax() != labels[n]
            if flipped:
                expected = epsilon
                break
        assert found[n] == expected
    wrong = (labels + 1) % 10
    np.testing.assert_array_equal(smallest_flipping_epsilon(model, images, wrong, grid), 0.0)
    with pytest.raises(ValueError, match="epsilons must increase"):
        smallest_flipping_epsilon(model, images, labels, [0.1, 0.0])


def test_cascading_randomization_against_a_manual_loop(model, images):
    corr = cascading_randomization(model, images, [1, 2, 3], seeds=[5, 6])
    assert corr.shape == (2, 5, 3)                      # 4 layers with weights, plus none
    np.testing.assert_allclose(corr[:, 0], 1.0)
    trained = saliency(model, images, [1, 2, 3])
    for s, seed in enumerate([5, 6]):
        for count in (1, 4):
            maps = saliency(randomize_layers(model, count, seed), images, [1, 2, 3])
            want = [stats.spearmanr(a.ravel(), b.ravel()).statistic
                    for a, b in zip(trained, maps, strict=True)]
            np.testing.assert_allclose(corr[s, count], want, atol=1e-12)
    with pytest.raises(TypeError, match="explain must be a function"):
        cascading_randomization(model, images, 0, explain=3)
