"""The architecture blocks and the activations they need: values and gradients.

Every backward pass is compared with central differences in float64
(``cnnlib.gradcheck.numerical_gradient``), for the input and for every
parameter, in training and evaluation mode, on tiny inputs.  Values come
from hand derivations in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from cnnlib import nn
from cnnlib.activations import relu6, relu6_backward, silu, silu_backward
from cnnlib.gradcheck import numerical_gradient, relative_error
from cnnlib.models import (
    BasicBlock,
    Bottleneck,
    Conv2dNormActivation,
    InvertedResidual,
    MBConv,
    MBConvConfig,
    SqueezeExcitation,
    conv1x1,
)
from cnnlib.nn.stochastic_depth import stochastic_depth

TOL = 1e-6


def check_gradients(module, x, mode, seed=0, reseed=None):
    """Backward against central differences for x and every parameter (float64)."""
    module.double()
    module.train(mode == "train")
    x = np.array(x, dtype=np.float64)

    def run(v):
        if reseed is not None:
            cnnlib.manual_seed(reseed)         # the same dropout / stochastic-depth draws
        return module(v)

    out = run(x)
    grad_out = np.random.default_rng(seed).standard_normal(out.shape)
    module.zero_grad()
    grad_x = module.backward(grad_out)
    errors = {"x": relative_error(grad_x, numerical_gradient(run, x, grad_out))}
    for name, p in module.named_parameters():
        numeric = numerical_gradient(lambda _v: run(x), p.data, grad_out)
        tiny = max(np.abs(p.grad).max(), np.abs(numeric).max()) < 1e-8
        errors[name] = 0.0 if tiny else relative_error(p.grad, numeric)
    bad = {k: e for k, e in errors.items() if not e < TOL}
    assert not bad, f"gradient mismatch (relative errors): {bad}"


def randomise_bn(module, rng):
    """Non-trivial affine parameters and running statistics, so eval mode tests something."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data[...] = rng.uniform(0.5, 1.5, m.num_features)
            m.bias.data[...] = rng.uniform(-0.5, 0.5, m.num_features)
            m.running_mean[...] = rng.uniform(-0.5, 0.5, m.num_features)
            m.running_var[...] = rng.uniform(0.5, 1.5, m.num_features)
    return module


def downsample(c_in, c_out, stride):
    return nn.Sequential(conv1x1(c_in, c_out, stride), nn.BatchNorm2d(c_out))


BLOCKS = {
    "basic identity": (lambda: BasicBlock(3, 3), (2, 3, 5, 4)),
    "basic downsample": (lambda: BasicBlock(2, 4, stride=2, downsample=downsample(2, 4, 2)),
                         (2, 2, 5, 6)),
    "bottleneck identity": (lambda: Bottleneck(8, 2), (2, 8, 4, 3)),
    "bottleneck downsample": (lambda: Bottleneck(3, 2, stride=2, downsample=downsample(3, 8, 2)),
                              (2, 3, 5, 5)),
    "inverted residual": (lambda: InvertedResidual(3, 3, 1, 2), (2, 3, 4, 5)),
    "inverted stride 2": (lambda: InvertedResidual(2, 4, 2, 3), (2, 2, 5, 5)),
    "inverted t=1": (lambda: InvertedResidual(4, 2, 1, 1), (2, 4, 3, 3)),
    "squeeze-excitation": (lambda: SqueezeExcitation(4, 2), (2, 4, 3, 2)),
    "mbconv residual": (lambda: MBConv(MBConvConfig(2, 3, 1, 4, 4, 1), 0.0), (2, 4, 4, 3)),
    "mbconv stride 2, 5x5": (lambda: MBConv(MBConvConfig(2, 5, 2, 4, 3, 1), 0.0), (2, 4, 5, 5)),
    "conv-norm-activation": (lambda: Conv2dNormActivation(2, 3, activation_layer=nn.ReLU6),
                             (2, 2, 4, 4)),
}


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_block_gradients(name, mode):
    make, shape = BLOCKS[name]
    cnnlib.manual_seed(0)
    rng = np.random.default_rng(1)
    block = randomise_bn(make(), rng)
    check_gradients(block, rng.standard_normal(shape), mode)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_mbconv_with_stochastic_depth_gradients(mode):
    cnnlib.manual_seed(0)
    rng = np.random.default_rng(2)
    block = randomise_bn(MBConv(MBConvConfig(2, 3, 1, 3, 3, 1), 0.5), rng)
    check_gradients(block, rng.standard_normal((4, 3, 3, 3)), mode, reseed=7)


def test_the_shortcut_carries_the_gradient_when_the_branch_is_silent():
    # bn2's scale 0 and shift 0 (zero_init_residual): the block is relu(x), and
    # dL/dx = g where x > 0 -- all of it through the shortcut's "+ x".
    block = BasicBlock(2, 2).double().eval()
    block.bn2.weight.data[...] = 0
    x = np.random.default_rng(3).standard_normal((1, 2, 4, 4))
    np.testing.assert_allclose(block(x), np.maximum(x, 0), atol=1e-15)
    g = np.ones_like(x)
    np.testing.assert_allclose(block.backward(g), (x > 0).astype(float), atol=1e-15)


def test_inverted_residual_adds_the_input_only_when_shapes_agree():
    x = np.random.default_rng(4).standard_normal((1, 4, 6, 6))
    same = InvertedResidual(4, 4, 1, 6).double().eval()
    assert same.use_res_connect
    np.testing.assert_allclose(same(x), x + same.conv(x))
    assert not InvertedResidual(4, 4, 2, 6).use_res_connect
    assert not InvertedResidual(4, 8, 1, 6).use_res_connect
    # t = 1 has no expanding layer: conv.0 is the depthwise one
    assert InvertedResidual(4, 4, 1, 1).conv[0][0].groups == 4


def test_squeeze_excitation_by_hand():
    # fc1 and fc2 with zero weights: the gate is sigmoid(fc2.bias), per channel.
    se = SqueezeExcitation(2, 1).double()
    for p in se.parameters():
        p.data[...] = 0
    se.fc2.bias.data[...] = [0.0, np.log(3.0)]          # sigmoid: 1/2 and 3/4
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    out = se(x)
    np.testing.assert_allclose(out[0, 0], 0.5 * x[0, 0])
    np.testing.assert_allclose(out[0, 1], 0.75 * x[0, 1])
    # 2*C*S + C + S = 2*2*1 + 2 + 1
    assert sum(p.size for p in se.parameters()) == 7


def test_mbconv_uses_a_quarter_of_its_input_channels_to_squeeze():
    block = MBConv(MBConvConfig(6, 5, 2, 24, 40, 1), 0.0)
    se = block.block[2]
    assert (se.fc1.in_channels, se.fc1.out_channels) == (144, 6)     # 24*6 wide, 24/4
    assert block.block[1][0].kernel_size == (5, 5) and block.block[1][0].groups == 144
    assert not block.use_res_connect


# --------------------------------------------------------------------------
# activations and stochastic depth
# --------------------------------------------------------------------------


def test_relu6_and_silu_by_hand():
    x = np.array([-2.0, 0.5, 7.0])
    np.testing.assert_array_equal(relu6(x), [0.0, 0.5, 6.0])
    np.testing.assert_array_equal(relu6_backward(np.ones(3), x), [0.0, 1.0, 0.0])
    # silu(0) = 0, silu'(0) = 1/2; silu(x) -> x for large x, -> 0 for very negative x
    assert silu(np.array([0.0]))[0] == 0.0
    assert silu_backward(np.array([1.0]), np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(silu(np.array([40.0, -40.0])), [40.0, 0.0], atol=1e-15)
    assert relu6(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert silu(np.ones(2, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("layer", [nn.ReLU6(), nn.SiLU(), nn.Sigmoid(), nn.Tanh()])
def test_activation_module_gradients(layer):
    # values kept away from ReLU6's kinks at 0 and 6
    x = np.array([[-1.3, 0.4, 2.2], [5.1, 6.8, -0.2]])
    check_gradients(layer, x, "train")


def test_activation_modules_print_like_pytorch():
    assert [repr(m) for m in (nn.ReLU6(), nn.SiLU(), nn.Sigmoid(), nn.Tanh())] == [
        "ReLU6()", "SiLU()", "Sigmoid()", "Tanh()"]


def test_stochastic_depth_row_mode_drops_whole_examples():
    sd = nn.StochasticDepth(0.25, "row")
    cnnlib.manual_seed(0)
    x = np.ones((2000, 2, 3, 3))
    y = sd(x)
    per_example = y.reshape(2000, -1)
    # each example is all zeros or all 1/(1 - 0.25) = 4/3
    assert set(np.unique(per_example).tolist()) == {0.0, 4 / 3}
    assert np.all(per_example.min(axis=1) == per_example.max(axis=1))
    kept = np.mean(per_example[:, 0] > 0)
    assert abs(kept - 0.75) < 0.05                       # ~ Binomial(2000, 0.75)
    np.testing.assert_array_equal(sd.backward(np.ones_like(x)), y)
    assert sd.eval()(x) is x and sd.backward(x) is x


def test_stochastic_depth_batch_mode_and_edge_probabilities():
    rng = np.random.default_rng(0)
    x = np.ones((5, 1, 2, 2))
    y = stochastic_depth(x, 0.5, "batch", generator=rng)
    assert len(np.unique(y)) == 1                        # one coin for the whole batch
    assert not stochastic_depth(x, 1.0, "row", generator=rng).any()
    assert stochastic_depth(x, 0.0, "row") is x
    with pytest.raises(ValueError, match="stochastic_depth: p must be a probability"):
        stochastic_depth(x, 1.5)
    with pytest.raises(ValueError, match="StochasticDepth: mode must be 'row' or 'batch'"):
        nn.StochasticDepth(0.1, "column")


def test_stochastic_depth_follows_the_global_seed():
    sd = nn.StochasticDepth(0.5)
    x = np.ones((16, 1, 1, 1))
    cnnlib.manual_seed(3)
    a = sd(x)
    cnnlib.manual_seed(3)
    np.testing.assert_array_equal(sd(x), a)


def test_kaiming_normal_and_normal_keep_float32_and_the_scale():
    w = np.zeros((256, 64, 3, 3), dtype=np.float32)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu",
                            generator=np.random.default_rng(0))
    assert w.dtype == np.float32
    assert float(w.std()) == pytest.approx(np.sqrt(2 / (256 * 9)), rel=0.01)
    v = np.zeros((100, 100))
    nn.init.normal_(v, mean=3.0, std=0.5, generator=np.random.default_rng(1))
    assert float(v.mean()) == pytest.approx(3.0, abs=0.02)
    assert float(v.std()) == pytest.approx(0.5, rel=0.02)
    with pytest.raises(ValueError, match="kaiming_normal_: mode must be"):
        nn.init.kaiming_normal_(w, mode="fan_avg")
