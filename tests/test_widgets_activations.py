"""The activation explorer (chapter 03): values, gradients and sparsity by hand."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.widgets import ActivationExplorer, activation_explorer
from cnnlib.widgets.activations import ACTIVATIONS, activation_pair

Z = np.array([[-3.0, -1.0, 0.0], [0.5, 2.0, 4.0]])


def test_activation_pair_by_hand():
    v = np.array([-2.0, 0.0, 3.0])
    f, df = activation_pair("relu")
    assert f(v).tolist() == [0, 0, 3] and df(v).tolist() == [0, 0, 1]
    f, df = activation_pair("leaky_relu", 0.2)
    assert np.allclose(f(v), [-0.4, 0, 3]) and np.allclose(df(v), [0.2, 0.2, 1])
    f, df = activation_pair("sigmoid")
    s = 1 / (1 + np.exp(-v))
    assert np.allclose(f(v), s) and np.allclose(df(v), s * (1 - s))
    f, df = activation_pair("tanh")
    assert np.allclose(df(v), 1 - np.tanh(v) ** 2)
    with pytest.raises(ValueError, match="activation_pair: name must be one of"):
        activation_pair("softplus")


def test_relu_sparsity_and_gradient():
    w = activation_explorer(Z)
    assert isinstance(w, ActivationExplorer) and w.message.text == ""
    assert bytes(w.figure.image.value).startswith(b"\x89PNG")
    # by hand: three of six values are <= 0
    assert w.zeros == 0.5 and w.passing == 0.5 and not w.dead
    assert w.output.tolist() == [[0, 0, 0], [0.5, 2, 4]]
    assert "50.0% of the map is zero" in w.readout.value


def test_a_negative_bias_kills_relu_and_leaky_relu_revives_it():
    w = activation_explorer(Z)
    w.update("relu", -5.0)                       # every value below 0
    assert w.dead and w.zeros == 1.0 and w.passing == 0.0
    assert "dead" in w.readout.value
    w.update("leaky_relu", -5.0, 0.1)
    assert not w.dead and w.passing == 1.0
    assert np.allclose(w.gradient, 0.1)
    assert np.allclose(w.output, 0.1 * (Z - 5))


def test_controls_run_the_callback_and_repr():
    w = activation_explorer(Z, "gelu")
    w.menu.value = "sigmoid"
    assert w.zeros == 0.0                        # sigmoid is never zero
    assert set(ACTIVATIONS) == set(w.menu.options)
    assert repr(w).startswith("<ActivationExplorer: sigmoid, bias +0.0")


def test_bad_input():
    with pytest.raises(ValueError, match="activation_explorer"):
        activation_explorer(np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="activation_pair"):
        activation_explorer(Z, "swish")
