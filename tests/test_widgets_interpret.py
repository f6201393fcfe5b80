"""The feature-map explorer: its callback draws what cnnlib.interpret computes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib.models.digits import digits_cnn  # noqa: E402
from cnnlib.nn import no_grad  # noqa: E402
from cnnlib.random import manual_seed  # noqa: E402
from cnnlib.widgets import FeatureMapExplorer, feature_map_explorer  # noqa: E402


@pytest.fixture()
def setup():
    manual_seed(0)
    net = digits_cnn().double().eval()
    images = np.random.default_rng(2).random((5, 1, 8, 8))
    return net, images, np.array([3, 1, 4, 1, 5])


def test_initial_setting_draws_the_layer(setup):
    net, images, labels = setup
    w = feature_map_explorer(net, images, labels, index=1, layer=2)
    assert isinstance(w, FeatureMapExplorer)
    assert bytes(w.figure.image.value).startswith(b"\x89PNG")
    assert w.message.text == ""
    # Independently: the first three layers applied one after the other.
    with no_grad():
        expected = net[2](net[1](net[0](images[1:2])))[0]
        logits = net(images[1:2])
    np.testing.assert_allclose(w.maps, expected, rtol=1e-12, atol=1e-12)
    assert w.prediction == int(logits.argmax())
    assert repr(w) == "<FeatureMapExplorer: test image 1 (a 1), layer 2: ReLU, 16 maps of 8x8>"


def test_callback_and_controls_follow_the_choice(setup):
    net, images, labels = setup
    w = feature_map_explorer(net, images, labels)
    assert w.update(4, 7) is True
    assert w.maps.shape == (32, 2, 2)                    # after the second max-pooling
    w.layer.value = 4
    assert w.maps.shape == (32, 4, 4)
    w.index.value = 3
    with no_grad():
        np.testing.assert_allclose(w.maps, net[:5](images[3:4])[0], rtol=1e-12, atol=1e-12)


def test_settings_that_cannot_work_show_a_message(setup):
    net, images, labels = setup
    w = feature_map_explorer(net, images, labels)
    before = w.maps.copy()
    assert w.update(0, 9) is False
    assert w.message.text.startswith("feature_map_explorer: layer 9: Linear outputs 64 numbers")
    assert "from 0 to 7" in w.message.text
    np.testing.assert_array_equal(w.maps, before)        # last good picture kept
    assert w.update(7, 2) is False
    assert "index must be in [0, 5)" in w.message.text
    assert w.update(0, 2) is True and w.message.text == ""


def test_rejects_images_that_are_not_a_batch(setup):
    net, _, _ = setup
    with pytest.raises(ValueError, match="feature_map_explorer: images must have shape"):
        feature_map_explorer(net, np.zeros((8, 8)), [0])
