"""cnnlib.nn.ConvTranspose2d and Upsample: the layers around the functional core."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib import conv_transpose2d, interpolate, nn, numerical_gradient


def _module_gradients(module, x, g):
    module.zero_grad()
    module(x)
    return module.backward(g)


def test_conv_transpose_layer_forward_backward_and_state_dict():
    rng = np.random.default_rng(0)
    layer = nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0),
                               output_padding=(1, 0), groups=2, dtype=np.float64)
    assert layer.weight.shape == (4, 3, 3, 2) and layer.bias.shape == (6,)
    assert list(layer.state_dict()) == ["weight", "bias"]
    x = rng.standard_normal((2, 4, 3, 4))
    out = layer(x)
    expected = conv_transpose2d(x, layer.weight.data, layer.bias.data, (2, 1), (1, 0), (1, 0), 2)
    np.testing.assert_array_equal(out, expected)
    g = rng.standard_normal(out.shape)
    layer.zero_grad()
    grad_x = layer.backward(g)

    def loss_x(v):
        with nn.no_grad():
            return float(np.sum(g * layer(v)))

    np.testing.assert_allclose(grad_x, numerical_gradient(loss_x, x.copy()), rtol=1e-6,
                               atol=1e-8)
    w = layer.weight.data

    def loss_w(v):
        return float(np.sum(g * conv_transpose2d(x, v, layer.bias.data, (2, 1), (1, 0), (1, 0),
                                                 2)))

    np.testing.assert_allclose(layer.weight.grad, numerical_gradient(loss_w, w.copy()),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=(0, 2, 3)))


def test_conv_transpose_init_uses_pytorch_fan_in():
    # fan_in = out_channels // groups * kh * kw = 3 * 3 * 2 = 18 (the weight's second axis).
    layer = nn.ConvTranspose2d(4, 6, (3, 2), groups=2)
    bound = 1 / math.sqrt(18)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.8 * bound      # the range is used


def test_conv_transpose_undoes_a_convolution_shape():
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    up = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1, output_padding=1)
    x = np.zeros((1, 3, 28, 28), dtype=np.float32)
    assert up(conv(x)).shape == x.shape
    assert repr(up) == ("ConvTranspose2d(8, 3, kernel_size=(3, 3), stride=(2, 2), "
                        "padding=(1, 1), output_padding=(1, 1))")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"output_padding": 2, "stride": 2}, "output_padding must be smaller"),
    ({"groups": 3}, "groups=3 must divide in_channels=4"),
])
def test_conv_transpose_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.ConvTranspose2d(4, 6, 3, **kwargs)


def test_conv_transpose_checks_channels():
    with pytest.raises(ValueError, match="expected x with 4 channels"):
        nn.ConvTranspose2d(4, 2, 3)(np.zeros((1, 3, 5, 5)))


@pytest.mark.parametrize("kwargs", [{"scale_factor": 2}, {"size": (5, 7), "mode": "bilinear"},
                                    {"scale_factor": 1.5, "mode": "bilinear",
                                     "align_corners": True}])
def test_upsample_layer_matches_functional_and_finite_differences(kwargs):
    rng = np.random.default_rng(1)
    layer = nn.Upsample(**kwargs)
    x = rng.standard_normal((2, 2, 3, 4))
    out = layer(x)
    np.testing.assert_array_equal(out, interpolate(x, **kwargs))
    g = rng.standard_normal(out.shape)
    grad = layer.backward(g)

    def loss(v):
        return float(np.sum(g * interpolate(v, **kwargs)))

    np.testing.assert_allclose(grad, numerical_gradient(loss, x.copy()), rtol=1e-6, atol=1e-8)


def test_upsample_reused_twice_in_one_forward():
    # One Upsample instance used at two scales of a decoder: each backward gets its own input.
    up = nn.Upsample(scale_factor=2)
    model = nn.Sequential(up, nn.Conv2d(1, 1, 3, padding=1, dtype=np.float64), up)
    x = np.random.default_rng(2).standard_normal((1, 1, 3, 3))
    out = model(x)
    assert out.shape == (1, 1, 12, 12)
    g = np.random.default_rng(3).standard_normal(out.shape)
    grad = model.backward(g)

    def loss(v):
        with nn.no_grad():
            return float(np.sum(g * model(v)))

    np.testing.assert_allclose(grad, numerical_gradient(loss, x.copy()), rtol=1e-6, atol=1e-8)


def test_upsample_bad_settings_fail_when_built():
    with pytest.raises(ValueError, match="Upsample: give exactly one of size and scale_factor"):
        nn.Upsample()
    with pytest.raises(ValueError, match="align_corners can only be set"):
        nn.Upsample(scale_factor=2, align_corners=True)
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2, mode='nearest')"


def test_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    layer = nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, dtype=np.float64)
    ref = torch.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1).double()
    ref.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((2, 3, 4, 5))
    xt = torch.tensor(x, requires_grad=True)
    out_t = ref(xt)
    np.testing.assert_allclose(layer(x), out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, ref.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
