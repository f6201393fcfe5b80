"""LayerNorm, GroupNorm and BatchNorm1d: hand values, finite differences, PyTorch.

Hand values are worked in the comments; every backward pass is checked by
central differences in float64; the PyTorch comparisons are skipped where
torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from cnnlib import nn
from cnnlib.gradcheck import numerical_gradient, relative_error
from cnnlib.nn import functional as F

TOL = 1e-7


def check_gradients(module, x, seed=0):
    """dL/dx and every parameter's gradient against central differences (float64)."""
    module.double()
    out = module(x)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    module.zero_grad()
    gx = module.backward(g)
    assert relative_error(gx, numerical_gradient(module, x, g)) < TOL
    for name, p in module.named_parameters():
        numeric = numerical_gradient(lambda _w: module(x), p.data, g)
        assert relative_error(p.grad, numeric) < TOL, name


# --------------------------------------------------------------------------
# hand values
# --------------------------------------------------------------------------


def test_layer_norm_by_hand():
    # row [1, 2, 3]: mean 2, biased variance 2/3, so (x - 2) / sqrt(2/3) = -1.2247, 0, 1.2247
    ln = nn.LayerNorm(3, eps=0.0, dtype=np.float64)
    ln.load_state_dict({"weight": np.array([1.0, 2.0, 3.0]), "bias": np.array([0.0, 0.5, 0.0])})
    s = np.sqrt(1.5)
    np.testing.assert_allclose(ln(np.array([[1.0, 2.0, 3.0]])), [[-s, 0.5, 3 * s]], rtol=1e-14)


def test_layer_norm_over_several_axes_uses_one_mean():
    # (C, H, W) = (2, 1, 2) normalised together: values 0, 2, 4, 6 -> mean 3, var 5
    x = np.array([0.0, 2.0, 4.0, 6.0]).reshape(1, 2, 1, 2)
    expected = (np.array([0.0, 2.0, 4.0, 6.0]) - 3) / np.sqrt(5)
    np.testing.assert_allclose(F.layer_norm(x, (2, 1, 2), eps=0.0).ravel(), expected, rtol=1e-14)


def test_group_norm_by_hand():
    # channels (1, 3 | 10, 30) in two groups of one position each:
    # group 1 mean 2, var 1 -> -1, 1; group 2 mean 20, var 100 -> -1, 1
    gn = nn.GroupNorm(2, 4, eps=0.0, dtype=np.float64)
    gn.load_state_dict({"weight": np.array([1.0, 1.0, 2.0, 2.0]),
                        "bias": np.array([0.0, 0.0, 0.0, 5.0])})
    x = np.array([1.0, 3.0, 10.0, 30.0]).reshape(1, 4, 1, 1)
    np.testing.assert_allclose(gn(x).ravel(), [-1.0, 1.0, -2.0, 7.0], rtol=1e-14)


def test_group_norm_extremes_are_layer_norm_and_instance_norm():
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 2))
    one_group = F.group_norm(x, 1)
    np.testing.assert_allclose(one_group, F.layer_norm(x, (4, 3, 2)), rtol=1e-12)
    per_channel = F.group_norm(x, 4)
    mean = x.mean(axis=(2, 3), keepdims=True)
    std = np.sqrt(x.var(axis=(2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(per_channel, (x - mean) / std, rtol=1e-12)


def test_batch_norm_1d_by_hand():
    # column means 2 and 20, biased variances 1 and 100; running stats move by 10 %
    bn = nn.BatchNorm1d(2, eps=0.0, dtype=np.float64)
    x = np.array([[1.0, 10.0], [3.0, 30.0]])
    np.testing.assert_allclose(bn(x), [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-14)
    np.testing.assert_allclose(bn.running_mean, [0.2, 2.0], rtol=1e-14)
    # unbiased variances 2 and 200: 0.9 * 1 + 0.1 * 2 = 1.1, 0.9 + 20 = 20.9
    np.testing.assert_allclose(bn.running_var, [1.1, 20.9], rtol=1e-14)
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    np.testing.assert_allclose(bn(np.array([[0.2, 2.0]])), [[0.0, 0.0]], atol=1e-15)


def test_batch_norm_1d_on_sequences_pools_over_n_and_l():
    # (N, C, L) = (1, 1, 4): values 0, 2, 4, 6 -> mean 3, biased var 5
    bn = nn.BatchNorm1d(1, eps=0.0, dtype=np.float64)
    x = np.array([0.0, 2.0, 4.0, 6.0]).reshape(1, 1, 4)
    np.testing.assert_allclose(bn(x).ravel(), (x.ravel() - 3) / np.sqrt(5), rtol=1e-14)


# --------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape,normalized", [((3, 5), 5), ((2, 3, 2, 4), (2, 4)),
                                              ((2, 2, 3, 2), (2, 3, 2))])
def test_layer_norm_gradients(shape, normalized):
    ln = nn.LayerNorm(normalized)
    rng = np.random.default_rng(1)
    ln.weight.data = rng.standard_normal(ln.weight.shape)
    ln.bias.data = rng.standard_normal(ln.bias.shape)
    check_gradients(ln, rng.standard_normal(shape))


@pytest.mark.parametrize("groups,shape", [(1, (2, 4, 3, 2)), (2, (2, 4, 3, 2)), (4, (3, 4, 2, 3)),
                                          (3, (2, 6, 5)), (2, (4, 2))])
def test_group_norm_gradients(groups, shape):
    gn = nn.GroupNorm(groups, shape[1])
    rng = np.random.default_rng(2)
    gn.weight.data = rng.standard_normal(gn.weight.shape)
    gn.bias.data = rng.standard_normal(gn.bias.shape)
    check_gradients(gn, rng.standard_normal(shape))


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_1d_gradients(shape, training):
    bn = nn.BatchNorm1d(shape[1])
    rng = np.random.default_rng(3)
    bn.weight.data = rng.standard_normal(bn.weight.shape)
    bn.running_mean = rng.standard_normal(shape[1])
    bn.running_var = rng.random(shape[1]) + 0.5
    bn.train(training)
    check_gradients(bn, rng.standard_normal(shape))


def test_without_affine_there_are_no_parameters():
    ln = nn.LayerNorm(4, elementwise_affine=False)
    gn = nn.GroupNorm(2, 4, affine=False)
    assert ln.state_dict() == {} and gn.state_dict() == {} and ln.parameters() == []
    check_gradients(ln, np.random.default_rng(4).standard_normal((2, 4)))
    check_gradients(gn, np.random.default_rng(4).standard_normal((2, 4, 3)))
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]


# --------------------------------------------------------------------------
# shapes, names, errors
# --------------------------------------------------------------------------


def test_state_dict_keys_and_reprs_are_pytorchs():
    assert list(nn.GroupNorm(2, 4).state_dict()) == ["weight", "bias"]
    assert list(nn.LayerNorm((3, 4)).state_dict()) == ["weight", "bias"]
    assert nn.LayerNorm((3, 4)).weight.shape == (3, 4)
    assert list(nn.BatchNorm1d(3).state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True)"
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"


def test_float32_stays_float32():
    x = np.ones((2, 4, 3), dtype=np.float32)
    for m in (nn.LayerNorm(3), nn.GroupNorm(2, 4), nn.BatchNorm1d(4)):
        y = m(x)
        assert y.dtype == np.float32 and m.backward(np.ones_like(y)).dtype == np.float32


def test_empty_batches_give_empty_results():
    for m, shape in ((nn.LayerNorm(3), (0, 3)), (nn.GroupNorm(2, 4), (0, 4, 2, 2)),
                     (nn.BatchNorm1d(3), (0, 3))):
        y = m(np.zeros(shape, dtype=np.float32))
        assert y.shape == shape
        assert m.backward(np.zeros(shape, dtype=np.float32)).shape == shape


def test_bad_input_names_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(4\) must be divisible by "
                                         r"num_groups \(3\)"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"GroupNorm: expected x with shape \(N, 4, \*\)"):
        nn.GroupNorm(2, 4)(np.zeros((2, 6)))
    with pytest.raises(ValueError, match=r"LayerNorm: x must end with normalized_shape \(3, 4\)"):
        nn.LayerNorm((3, 4))(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm1d: x must be 2-D or 3-D with shape "
                                         r"\(N, C\) or \(N, C, L\), got 4-D"):
        nn.BatchNorm1d(3)(np.zeros((2, 3, 1, 1)))
    with pytest.raises(ValueError, match="BatchNorm1d: expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="group_norm: x's 5 channels must be divisible"):
        F.group_norm(np.zeros((1, 5, 2)), 2)
    with pytest.raises(ValueError, match=r"layer_norm_backward: grad_out must have x's shape"):
        F.layer_norm_backward(np.zeros((2, 2)), np.zeros((2, 3)), 3)
    with pytest.raises(TypeError, match="LayerNorm: normalized_shape must be an int or a tuple"):
        nn.LayerNorm("3")


def test_summary_knows_the_new_layers():
    s = cnnlib.summary(nn.Sequential(nn.Conv2d(1, 4, 3), nn.GroupNorm(2, 4), nn.Flatten(),
                                     nn.BatchNorm1d(16), nn.LayerNorm(16)), (2, 1, 4, 4))
    assert s.output_shape == (2, 16)
    assert s.total_params == 40 + 8 + 32 + 32
    with pytest.raises(ValueError, match="GroupNorm"):
        cnnlib.summary(nn.GroupNorm(2, 4), (1, 3, 4, 4))
    with pytest.raises(ValueError, match="LayerNorm"):
        cnnlib.summary(nn.LayerNorm(5), (1, 3, 4, 4))
    with pytest.raises(ValueError, match="BatchNorm1d"):
        cnnlib.summary(nn.BatchNorm1d(3), (1, 3, 4, 4))


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda t: t.LayerNorm((3, 4)), lambda t: t.LayerNorm(4, elementwise_affine=False),
    lambda t: t.GroupNorm(3, 6), lambda t: t.GroupNorm(1, 6, affine=False),
    lambda t: t.BatchNorm1d(6), lambda t: t.BatchNorm1d(6, momentum=None),
    lambda t: t.BatchNorm1d(6, affine=False, track_running_stats=False),
])
@pytest.mark.parametrize("training", [True, False])
def test_matches_pytorch_forward_backward_and_state(make, training):
    torch = pytest.importorskip("torch")
    theirs = make(torch.nn).double().train(training)
    ours = make(nn).double().train(training)
    rng = np.random.default_rng(5)
    sd = {k: v.numpy() + 0.3 * rng.standard_normal(tuple(v.shape))
          if v.dtype.is_floating_point else v.numpy() for k, v in theirs.state_dict().items()}
    sd = {k: np.abs(v) + 0.5 if k.endswith("running_var") else v for k, v in sd.items()}
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items()})
    ours.load_state_dict(sd)
    assert list(ours.state_dict()) == list(sd)
    shape = (5, 6, 3, 4) if isinstance(theirs, torch.nn.GroupNorm) else (
        (5, 6, 4) if isinstance(theirs, torch.nn.BatchNorm1d) else (5, 2, 3, 4))
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape)
    tx = torch.tensor(x, requires_grad=True)
    tout = theirs(tx)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ours(x), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.backward(g), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tparams[name].grad.numpy(), rtol=1e-9, atol=1e-12)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-12)
