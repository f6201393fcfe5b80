"""cnnlib.nn: modules, their gradients, state dicts, PyTorch names and bad input.

Expected values are derived by hand in the comments, computed by the
independent references in ``reference.py``, or checked by finite
differences (``cnnlib.gradcheck``) in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import cnnlib
from cnnlib import nn
from cnnlib.gradcheck import numerical_gradient, relative_error
from cnnlib.nn import functional as F
from reference import ref_avg_pool2d, ref_conv2d, ref_max_pool2d

TOL = 1e-6


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def tiny_cnn(dropout=0.0, batchnorm=False):
    """Seed 004's TinyCNN: Conv 1->3 3x3, ReLU, 2x2 max-pool, Flatten, Linear 27->3."""
    layers = [nn.Conv2d(1, 3, 3)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(3))
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(27, 3))
    return nn.Sequential(*layers)


def check_module_gradients(module, x, mode="train", seed=0, reseed=None):
    """Compare backward with central differences for x and every parameter (float64).

    ``reseed`` (an int) resets cnnlib's generator before every forward pass, so a
    Dropout layer draws the same mask each time: its mask is then fixed.
    """
    module.double()
    module.train(mode == "train")
    x = np.array(x, dtype=np.float64)

    def run(v):
        if reseed is not None:
            cnnlib.manual_seed(reseed)
        return module(v)

    out = run(x)
    grad_out = np.random.default_rng(seed).standard_normal(out.shape)
    module.zero_grad()
    grad_x = module.backward(grad_out)
    errors = {"x": relative_error(grad_x, numerical_gradient(run, x, grad_out))}
    tiny = {}
    for name, p in module.named_parameters():
        numeric = numerical_gradient(lambda _v: run(x), p.data, grad_out)
        errors[name] = relative_error(p.grad, numeric)
        # A gradient that is exactly zero (a conv bias just before training-mode
        # BatchNorm: the batch mean removes it) leaves only round-off on both sides.
        tiny[name] = max(np.abs(p.grad).max(), np.abs(numeric).max()) < 1e-8
    bad = {k: e for k, e in errors.items() if not (e < TOL or tiny.get(k, False))}
    assert not bad, f"gradient mismatch (relative errors): {bad}"
    return errors


def distinct(rng, shape):
    """Values at least 0.1 apart: a finite-difference step never changes a max."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 - size * 0.05).reshape(shape) + 0.01 * rng.random(shape)


# --------------------------------------------------------------------------
# Parameter and Module basics
# --------------------------------------------------------------------------


def test_parameter_keeps_float_dtype_and_promotes_ints():
    assert nn.Parameter(np.zeros(2, dtype=np.float32)).dtype == np.float32
    p = nn.Parameter(np.array([1, 2]))
    assert p.dtype == np.float64 and p.grad is None and p.requires_grad
    assert repr(p) == "Parameter(shape=(2,), dtype=float64, requires_grad=True)"
    with pytest.raises(TypeError, match="real array"):
        nn.Parameter(np.array(["a"]))


def test_parameter_accumulates_and_respects_requires_grad():
    p = nn.Parameter(np.zeros(3))
    p.accumulate_grad(np.ones(3))
    p.accumulate_grad(np.full(3, 2.0))
    np.testing.assert_array_equal(p.grad, [3.0, 3.0, 3.0])
    frozen = nn.Parameter(np.zeros(3), requires_grad=False)
    frozen.accumulate_grad(np.ones(3))
    assert frozen.grad is None
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        p.accumulate_grad(np.ones(2))


def test_sequential_of_conv_and_batchnorm_has_pytorch_state_dict_keys():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    assert list(model.state_dict()) == [
        "0.weight", "0.bias",
        "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
    ]
    sd = model.state_dict()
    assert sd["0.weight"].shape == (2, 1, 3, 3)
    assert sd["1.num_batches_tracked"].shape == () and sd["1.num_batches_tracked"].dtype == np.int64
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [n for n, _ in model.named_buffers()] == [
        "1.running_mean", "1.running_var", "1.num_batches_tracked"]


def test_nested_names_and_shared_parameters_counted_once():
    inner = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model = nn.Sequential(inner, nn.Linear(2, 1, bias=False))
    assert [n for n, _ in model.named_parameters()] == ["0.0.weight", "0.0.bias", "1.weight"]
    shared = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    shared[1].weight = shared[0].weight
    assert len(shared.parameters()) == 3          # the shared weight once, two biases
    assert [name for name, _ in shared.named_children()] == ["0", "1"]
    assert [name for name, _ in model.named_modules()] == ["", "0", "0.0", "0.1", "1"]


def test_state_dict_is_a_snapshot_and_round_trips():
    cnnlib.manual_seed(0)
    a = tiny_cnn(batchnorm=True)
    cnnlib.manual_seed(1)
    b = tiny_cnn(batchnorm=True)
    x = np.random.default_rng(0).random((4, 1, 8, 8)).astype(np.float32)
    a.train()(x)                                   # moves a's running statistics
    snap = a.state_dict()
    snap_copy = {k: v.copy() for k, v in snap.items()}
    a(x)                                           # training again must not change the snapshot
    for k in snap:
        np.testing.assert_array_equal(snap[k], snap_copy[k])
    result = b.load_state_dict(snap)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(v, snap[k])
        assert v.dtype == snap[k].dtype
    assert int(b.state_dict()["1.num_batches_tracked"]) == 1
    a.eval()
    b.eval()
    a.load_state_dict(snap)
    np.testing.assert_array_equal(a(x), b(x))


def test_load_state_dict_casts_to_the_models_dtype():
    model = nn.Linear(2, 3)                        # float32 by default, as in PyTorch
    model.load_state_dict({"weight": np.ones((3, 2)), "bias": np.zeros(3)})
    assert model.weight.dtype == np.float32
    np.testing.assert_array_equal(model.weight.data, np.ones((3, 2), dtype=np.float32))


def test_load_state_dict_names_missing_unexpected_and_misshaped_keys():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    good = model.state_dict()
    missing = {k: v for k, v in good.items() if k != "1.running_var"}
    with pytest.raises(ValueError, match=r"missing key\(s\): '1\.running_var'"):
        model.load_state_dict(missing)
    extra = {**good, "2.weight": np.zeros(1)}
    with pytest.raises(ValueError, match=r"unexpected key\(s\): '2\.weight'"):
        model.load_state_dict(extra)
    misshaped = {**good, "0.weight": np.zeros((2, 1, 5, 5))}
    with pytest.raises(ValueError, match=r"'0\.weight'.*\(2, 1, 5, 5\).*\(2, 1, 3, 3\)"):
        model.load_state_dict(misshaped)
    with pytest.raises(ValueError, match=r"'0\.weight'"):           # shapes matter even if lax
        model.load_state_dict(misshaped, strict=False)
    result = model.load_state_dict({**missing, "2.weight": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["1.running_var"] and result.unexpected_keys == ["2.weight"]
    with pytest.raises(TypeError, match="state_dict must be a dict"):
        model.load_state_dict([("0.weight", np.zeros(1))])


def test_failed_load_changes_nothing():
    model = nn.Linear(2, 2)
    before = model.state_dict()
    with pytest.raises(ValueError):
        model.load_state_dict({"weight": np.ones((2, 2)), "bias": np.ones(5)})
    np.testing.assert_array_equal(model.weight.data, before["weight"])


def test_train_and_eval_reach_every_child():
    model = nn.Sequential(nn.Sequential(nn.Dropout(), nn.BatchNorm2d(1)), nn.ReLU())
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(TypeError, match="mode must be a bool"):
        model.train("no")


def test_backward_adds_into_grad_and_zero_grad_clears():
    lin = nn.Linear(3, 2, dtype=np.float64)
    x = np.arange(6.0).reshape(2, 3)
    lin(x)
    lin.backward(np.ones((2, 2)))
    once = lin.weight.grad.copy()
    lin(x)
    lin.backward(np.ones((2, 2)))
    np.testing.assert_allclose(lin.weight.grad, 2 * once)
    # dL/dW = g.T @ x: each row of W gets the column sums of x = [3, 5, 7]
    np.testing.assert_allclose(once, [[3, 5, 7], [3, 5, 7]])
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None
    lin.requires_grad_(False)
    lin(x)
    lin.backward(np.ones((2, 2)))
    assert lin.weight.grad is None


def test_two_waiting_forwards_and_an_unmarked_gradient_is_an_error():
    # Which of the two calls does [[1.0]] belong to?  cnnlib cannot know, so it
    # refuses (the old single cache silently used the second).
    lin = nn.Linear(2, 1, bias=False, dtype=np.float64)
    lin(np.array([[1.0, 2.0]]))
    lin(np.array([[10.0, 20.0]]))
    with pytest.raises(RuntimeError, match="2 forward passes .*no_grad"):
        lin.backward(np.array([[1.0]]))
    assert lin.weight.grad is None
    # the waiting calls were discarded: forward and backward again just work
    lin(np.array([[1.0, 2.0]]))
    lin.backward(np.array([[1.0]]))
    np.testing.assert_array_equal(lin.weight.grad, [[1.0, 2.0]])


def test_backward_before_forward_is_a_clear_error():
    for layer in [nn.Conv2d(1, 1, 1), nn.Linear(1, 1), nn.ReLU(), nn.MaxPool2d(2),
                  nn.BatchNorm2d(1), nn.Flatten(), nn.CrossEntropyLoss()]:
        with pytest.raises(RuntimeError, match="call forward"):
            layer.backward(np.zeros(1))


def test_to_double_converts_parameters_and_buffers():
    model = tiny_cnn(batchnorm=True).double()
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float64)}
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    with pytest.raises(TypeError, match="floating"):
        model.to(np.int32)


def test_assigning_a_non_parameter_to_a_parameter_slot_is_refused():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = np.zeros((2, 2))
    lin.bias = None                                 # allowed, as in PyTorch
    assert "bias" not in lin.state_dict()
    assert repr(lin) == "Linear(in_features=2, out_features=2, bias=False)"


# --------------------------------------------------------------------------
# repr and Sequential
# --------------------------------------------------------------------------


def test_repr_reads_like_pytorch():
    model = tiny_cnn(dropout=0.25, batchnorm=True)
    assert repr(model) == "\n".join([
        "Sequential(",
        "  (0): Conv2d(1, 3, kernel_size=(3, 3), stride=(1, 1))",
        "  (1): BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
        "  (2): ReLU()",
        "  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
        "  (4): Flatten(start_dim=1, end_dim=-1)",
        "  (5): Dropout(p=0.25, inplace=False)",
        "  (6): Linear(in_features=27, out_features=3, bias=True)",
        ")",
    ])
    conv = nn.Conv2d(4, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=2, groups=4,
                     bias=False)
    assert repr(conv) == ("Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), "
                          "dilation=(2, 2), groups=4, bias=False)")
    assert repr(nn.Conv2d(1, 1, 2, padding="same")) == (
        "Conv2d(1, 1, kernel_size=(2, 2), stride=(1, 1), padding=same)")
    assert repr(nn.AvgPool2d(3, 1, 1)) == "AvgPool2d(kernel_size=3, stride=1, padding=1)"
    assert repr(nn.AdaptiveAvgPool2d((2, 3))) == "AdaptiveAvgPool2d(output_size=(2, 3))"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    nested = nn.Sequential(nn.Sequential(nn.ReLU()))
    assert repr(nested) == "Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)"


def test_sequential_indexing_len_iteration_and_slices():
    model = tiny_cnn()
    assert len(model) == 5
    assert isinstance(model[0], nn.Conv2d) and isinstance(model[-1], nn.Linear)
    assert [type(m).__name__ for m in model] == ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]
    tail = model[3:]
    assert isinstance(tail, nn.Sequential) and len(tail) == 2
    assert list(tail.state_dict()) == ["4.weight", "4.bias"]      # names kept, as PyTorch
    with pytest.raises(IndexError, match="index 5 is out of range for 5 layers"):
        model[5]
    with pytest.raises(TypeError, match="layer 1 must be a Module"):
        nn.Sequential(nn.ReLU(), np.zeros(2))
    model.append(nn.ReLU())
    assert len(model) == 6 and list(dict(model.named_children())) == [str(i) for i in range(6)]


def test_sequential_forward_chains_the_functional_core():
    cnnlib.manual_seed(3)
    model = tiny_cnn().double()
    x = np.random.default_rng(1).random((2, 1, 8, 8))
    conv, lin = model[0], model[4]
    h = cnnlib.relu(ref_conv2d(x, conv.weight.data, conv.bias.data))
    h = ref_max_pool2d(h, 2).reshape(2, 27)
    want = h @ lin.weight.data.T + lin.bias.data
    np.testing.assert_allclose(model(x), want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------
# Initialisation and seeding
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, fan_in",
    [
        (lambda: nn.Conv2d(1, 3, 3), 9),                       # 1 * 3 * 3
        (lambda: nn.Conv2d(4, 8, (3, 5), groups=2), 30),       # (4 / 2) * 3 * 5
        (lambda: nn.Conv2d(6, 6, 3, groups=6), 9),             # depthwise: 1 * 3 * 3
        (lambda: nn.Linear(27, 3), 27),
        (lambda: nn.Linear(400, 120), 400),
    ],
)
def test_default_init_is_uniform_within_one_over_sqrt_fan_in(make, fan_in):
    cnnlib.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        assert np.all(np.abs(p.data) <= bound)
    w = layer.weight.data
    if w.size >= 1000:            # a big layer fills its interval: near both ends, mean ~ 0
        assert w.max() > 0.95 * bound and w.min() < -0.95 * bound
        assert abs(w.mean()) < 0.05 * bound


def test_manual_seed_makes_initialisation_reproducible():
    cnnlib.manual_seed(42)
    a = tiny_cnn()
    cnnlib.manual_seed(42)
    b = tiny_cnn()
    cnnlib.manual_seed(43)
    c = tiny_cnn()
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v, b.state_dict()[k])
    assert not np.array_equal(a[0].weight.data, c[0].weight.data)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        cnnlib.manual_seed(-1)


def test_tiny_cnn_has_114_parameters():
    # Conv: 3 filters * (1 * 3 * 3) + 3 biases = 30; Linear: 27 * 3 + 3 = 84; total 114.
    model = tiny_cnn()
    sizes = {name: p.size for name, p in model.named_parameters()}
    assert sizes == {"0.weight": 27, "0.bias": 3, "4.weight": 81, "4.bias": 3}
    assert sum(sizes.values()) == 114


def test_float32_stays_float32_through_forward_and_backward():
    model = tiny_cnn(dropout=0.5, batchnorm=True)
    x = np.random.default_rng(0).random((4, 1, 8, 8)).astype(np.float32)
    crit = nn.CrossEntropyLoss()
    logits = model(x)
    assert logits.dtype == np.float32
    crit(logits, np.array([0, 1, 2, 0]))
    grad_x = model.backward(crit.backward())
    assert grad_x.dtype == np.float32
    assert {p.grad.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert model[1].running_var.dtype == np.float32


# --------------------------------------------------------------------------
# Gradient checks, every layer, training and evaluation mode
# --------------------------------------------------------------------------

MODES = ["train", "eval"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "kwargs, in_shape",
    [
        (dict(in_channels=2, out_channels=3, kernel_size=(2, 3)), (2, 2, 5, 6)),
        (dict(in_channels=2, out_channels=2, kernel_size=(3, 2), stride=(2, 1),
              padding=(1, 0), dilation=(1, 2)), (1, 2, 6, 7)),
        (dict(in_channels=4, out_channels=2, kernel_size=3, groups=2, bias=False), (1, 4, 5, 5)),
        (dict(in_channels=3, out_channels=3, kernel_size=3, groups=3), (2, 3, 4, 5)),  # depthwise
        (dict(in_channels=1, out_channels=2, kernel_size=(2, 4), padding="same"), (1, 1, 4, 5)),
        (dict(in_channels=1, out_channels=1, kernel_size=2, padding="valid"), (1, 1, 3, 3)),
    ],
)
def test_conv2d_gradients(kwargs, in_shape, mode):
    layer = nn.Conv2d(**kwargs)
    x = np.random.default_rng(1).standard_normal(in_shape)
    check_module_gradients(layer, x, mode)


def test_conv2d_same_padding_keeps_the_size_and_matches_reference():
    layer = nn.Conv2d(1, 2, (2, 4), padding="same", dtype=np.float64)
    x = np.random.default_rng(2).standard_normal((1, 1, 4, 5))
    out = layer(x)
    assert out.shape == (1, 2, 4, 5)
    want = ref_conv2d(x, layer.weight.data, layer.bias.data, padding="same")
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_linear_gradients(mode):
    check_module_gradients(nn.Linear(4, 3), np.random.default_rng(0).standard_normal((5, 4)), mode)
    # any leading axes, as PyTorch
    check_module_gradients(nn.Linear(3, 2), np.random.default_rng(1).standard_normal((2, 4, 3)),
                           mode)


@pytest.mark.parametrize("mode", MODES)
def test_relu_flatten_identity_gradients(mode):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    check_module_gradients(nn.ReLU(), x, mode)
    check_module_gradients(nn.Flatten(), x, mode)
    check_module_gradients(nn.Flatten(0, 2), x, mode)
    check_module_gradients(nn.Identity(), x, mode)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "layer",
    [
        lambda: nn.MaxPool2d(2),
        lambda: nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)),
        lambda: nn.MaxPool2d(2, stride=1, dilation=2),
        lambda: nn.AvgPool2d(2),
        lambda: nn.AvgPool2d((3, 2), stride=(2, 1), padding=(1, 0)),
        lambda: nn.AdaptiveAvgPool2d((3, 2)),
        lambda: nn.AdaptiveAvgPool2d(1),
        lambda: nn.AdaptiveAvgPool2d((None, 4)),
    ],
)
def test_pooling_gradients(layer, mode):
    x = distinct(np.random.default_rng(3), (2, 2, 5, 7))
    check_module_gradients(layer(), x, mode)


def test_pool_layers_match_the_reference_scans():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    np.testing.assert_allclose(nn.MaxPool2d((3, 2), stride=(2, 1), padding=1)(x),
                               ref_max_pool2d(x, (3, 2), (2, 1), 1))
    np.testing.assert_allclose(nn.AvgPool2d(3, stride=2, padding=1)(x),
                               ref_avg_pool2d(x, 3, 2, 1))


def test_adaptive_avg_pool_bins_hand_example():
    # PyTorch's bins, start = floor(i*L/out), end = ceil((i+1)*L/out):
    #   L=5, out=3:  (0,2) (1,4) (3,5);   L=7, out=3:  (0,3) (2,5) (4,7);
    #   L=10, out=4: (0,3) (2,5) (5,8) (7,10).
    assert F.adaptive_bins(5, 3) == [(0, 2), (1, 4), (3, 5)]
    assert F.adaptive_bins(7, 3) == [(0, 3), (2, 5), (4, 7)]
    assert F.adaptive_bins(10, 4) == [(0, 3), (2, 5), (5, 8), (7, 10)]
    # x[r, c] = 7r + c is linear, so a window's mean is 7 * (mean row) + (mean column):
    # mean rows 0.5, 2, 3.5 and mean columns 1, 3, 5.
    x = np.arange(35.0).reshape(1, 1, 5, 7)
    want = 7 * np.array([0.5, 2.0, 3.5])[:, None] + np.array([1.0, 3.0, 5.0])[None, :]
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(3)(x)[0, 0], want)
    # output 1 is the global mean (17 for 0..34); a divisible size is avg_pool2d
    assert nn.AdaptiveAvgPool2d(1)(x).item() == 17.0
    y = np.random.default_rng(0).standard_normal((2, 3, 8, 6))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d((4, 2))(y), ref_avg_pool2d(y, (2, 3)))
    assert nn.AdaptiveAvgPool2d((None, 2))(y).shape == (2, 3, 8, 2)


# --------------------------------------------------------------------------
# BatchNorm2d
# --------------------------------------------------------------------------


def bn_hand_batch():
    # N=2, C=2, H=1, W=2.  Channel 0 holds 1, 2, 3, 4; channel 1 holds 0, 0, 0, 4.
    x = np.zeros((2, 2, 1, 2))
    x[:, 0] = np.array([[1.0, 2.0], [3.0, 4.0]])[:, None, :]
    x[1, 1, 0, 1] = 4.0
    return x


def test_batchnorm_training_step_by_hand():
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    x = bn_hand_batch()
    y = bn(x)
    # channel 0: mean 2.5, biased var (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25, unbiased 5/3
    # channel 1: mean 1,   biased var (1 + 1 + 1 + 9)/4 = 3,               unbiased 4
    want0 = (np.array([1, 2, 3, 4]) - 2.5) / np.sqrt(1.25 + 1e-5)
    want1 = (np.array([0, 0, 0, 4]) - 1.0) / np.sqrt(3 + 1e-5)
    np.testing.assert_allclose(y[:, 0].ravel(), want0)
    np.testing.assert_allclose(y[:, 1].ravel(), want1)
    # running = 0.9 * initial + 0.1 * batch, the variance unbiased
    np.testing.assert_allclose(bn.running_mean, [0.25, 0.1])
    np.testing.assert_allclose(bn.running_var, [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 4])
    assert int(bn.num_batches_tracked) == 1
    bn(x)
    # second step: 0.9 * 0.25 + 0.1 * 2.5 = 0.475; 0.9 * 0.1 + 0.1 * 1 = 0.19
    np.testing.assert_allclose(bn.running_mean, [0.475, 0.19])
    assert int(bn.num_batches_tracked) == 2


def test_batchnorm_eval_uses_running_statistics_and_affine():
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    bn.load_state_dict({
        "weight": np.array([2.0, 1.0]), "bias": np.array([0.5, -1.0]),
        "running_mean": np.array([1.0, -2.0]), "running_var": np.array([4.0, 0.25]),
        "num_batches_tracked": np.array(7),
    })
    bn.eval()
    x = bn_hand_batch()
    y = bn(x)
    # y = weight * (x - running_mean) / sqrt(running_var + eps) + bias; statistics unchanged
    want0 = 2.0 * (x[:, 0] - 1.0) / np.sqrt(4.0 + 1e-5) + 0.5
    want1 = 1.0 * (x[:, 1] + 2.0) / np.sqrt(0.25 + 1e-5) - 1.0
    np.testing.assert_allclose(y[:, 0], want0)
    np.testing.assert_allclose(y[:, 1], want1)
    np.testing.assert_array_equal(bn.running_mean, [1.0, -2.0])
    assert int(bn.num_batches_tracked) == 7
    # one example's output does not depend on the rest of the batch
    np.testing.assert_allclose(bn(x[:1]), y[:1])


def test_batchnorm_cumulative_average_when_momentum_is_none():
    bn = nn.BatchNorm2d(1, momentum=None, dtype=np.float64)
    bn(np.array([1.0, 3.0]).reshape(2, 1, 1, 1))     # mean 2, unbiased var 2
    bn(np.array([5.0, 9.0]).reshape(2, 1, 1, 1))     # mean 7, unbiased var 8
    # factor 1/1 then 1/2: the plain average of the two batches' statistics
    np.testing.assert_allclose(bn.running_mean, [4.5])
    np.testing.assert_allclose(bn.running_var, [5.0])


def test_batchnorm_without_running_stats_always_uses_the_batch():
    bn = nn.BatchNorm2d(2, affine=False, track_running_stats=False, dtype=np.float64)
    assert bn.state_dict() == {}
    x = bn_hand_batch()
    np.testing.assert_allclose(bn.eval()(x), bn.train()(x))
    assert repr(bn) == ("BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=False, "
                        "track_running_stats=False)")


@pytest.mark.parametrize("mode", MODES)
def test_batchnorm_gradients_dx_dweight_dbias(mode):
    bn = nn.BatchNorm2d(3)
    rng = np.random.default_rng(5)
    bn.weight.data[:] = rng.uniform(0.5, 2.0, 3)
    bn.bias.data[:] = rng.standard_normal(3)
    bn.running_mean[:] = rng.standard_normal(3)
    bn.running_var[:] = rng.uniform(0.5, 2.0, 3)
    x = rng.standard_normal((4, 3, 2, 3)) * 2 + 1
    errors = check_module_gradients(bn, x, mode)
    assert set(errors) == {"x", "weight", "bias"}


@pytest.mark.parametrize("mode", MODES)
def test_batchnorm_without_running_stats_gradients(mode):
    # No running statistics: batch statistics in both modes, so the full gradient both times.
    bn = nn.BatchNorm2d(2, track_running_stats=False)
    x = np.random.default_rng(6).standard_normal((3, 2, 2, 2))
    check_module_gradients(bn, x, mode)


def test_batchnorm_refuses_one_value_per_channel_in_training():
    bn = nn.BatchNorm2d(2)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(np.zeros((1, 2, 1, 1)))
    bn.eval()(np.zeros((1, 2, 1, 1)))               # fine with running statistics


# --------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------


def test_dropout_is_inverted_and_identity_in_eval():
    drop = nn.Dropout(p=0.25)
    cnnlib.manual_seed(0)
    x = np.ones((200, 50))
    y = drop(x)
    assert set(np.unique(y).tolist()) == {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.01             # 10,000 draws: sd ~ 0.004
    assert abs(y.mean() - 1.0) < 0.02                      # expectation kept
    np.testing.assert_array_equal(drop.backward(np.full_like(x, 3.0)), 3.0 * y)
    drop.eval()
    np.testing.assert_array_equal(drop(x), x)
    np.testing.assert_array_equal(drop.backward(x), x)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x), x)
    np.testing.assert_array_equal(nn.Dropout(1.0)(x), np.zeros_like(x))


def test_dropout_masks_follow_the_global_seed():
    drop = nn.Dropout(0.5)
    x = np.ones((4, 6), dtype=np.float32)
    cnnlib.manual_seed(7)
    a = drop(x)
    b = drop(x)
    cnnlib.manual_seed(7)
    np.testing.assert_array_equal(drop(x), a)
    assert not np.array_equal(a, b)                         # a fresh mask every call
    assert a.dtype == np.float32
    with pytest.raises(ValueError, match="p must be a probability"):
        nn.Dropout(1.5)


@pytest.mark.parametrize("mode", MODES)
def test_dropout_gradients_with_a_fixed_mask(mode):
    x = np.random.default_rng(0).standard_normal((3, 4, 2, 2))
    check_module_gradients(nn.Dropout(0.3), x, mode, reseed=11)


# --------------------------------------------------------------------------
# CrossEntropyLoss
# --------------------------------------------------------------------------


def test_cross_entropy_by_hand():
    # Row 0: logits (0, ln 3): softmax (1/4, 3/4); target 1 -> -ln(3/4).
    # Row 1: logits (0, 0): softmax (1/2, 1/2);   target 0 -> ln 2.
    logits = np.array([[0.0, math.log(3.0)], [0.0, 0.0]])
    target = np.array([1, 0])
    crit = nn.CrossEntropyLoss()
    loss = crit(logits, target)
    assert loss == pytest.approx((-math.log(0.75) + math.log(2.0)) / 2, rel=1e-14)
    # gradient (softmax - one_hot) / N
    np.testing.assert_allclose(crit.backward(), np.array([[0.25, -0.25], [-0.5, 0.5]]) / 2)
    assert nn.CrossEntropyLoss(reduction="sum")(logits, target) == pytest.approx(2 * loss)
    per = nn.CrossEntropyLoss(reduction="none")(logits, target)
    np.testing.assert_allclose(per, [-math.log(0.75), math.log(2.0)])


def test_cross_entropy_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4)) * 3
    target = np.array([0, 3, 1, 1, 2])
    for reduction in ("mean", "sum"):
        crit = nn.CrossEntropyLoss(reduction=reduction)
        crit(logits, target)
        analytic = crit.backward()
        numeric = numerical_gradient(lambda z, c=crit: np.array(c(z, target)), logits)
        assert relative_error(analytic, numeric) < TOL
    crit = nn.CrossEntropyLoss(reduction="none")
    crit(logits, target)
    g = rng.standard_normal(5)
    numeric = numerical_gradient(lambda z: crit(z, target), logits, g)
    assert relative_error(crit.backward(g), numeric) < TOL


def test_cross_entropy_is_stable_for_huge_logits():
    # logits (1e4, 0, -1e4), target 2: log-softmax = -2e4 - log(1 + e^-1e4 + e^-2e4) = -2e4
    crit = nn.CrossEntropyLoss()
    logits = np.array([[1e4, 0.0, -1e4]])
    assert crit(logits, np.array([2])) == 2e4
    np.testing.assert_allclose(crit.backward(), [[1.0, 0.0, -1.0]], atol=1e-300)
    assert crit(logits, np.array([0])) == 0.0
    f32 = np.array([[1e4, -1e4]], dtype=np.float32)
    assert math.isfinite(crit(f32, np.array([1])))
    assert np.all(np.isfinite(crit.backward())) and crit.backward().dtype == np.float32


def test_cross_entropy_validates_the_labels():
    crit = nn.CrossEntropyLoss()
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"\[0, 3\] for 4 classes, got target\[1\]=4"):
        crit(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"got target\[2\]=-1"):
        crit(logits, np.array([0, 1, -1]))
    with pytest.raises(TypeError, match="integer class indices.*float64"):
        crit(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="integer class indices.*bool"):
        crit(logits, np.array([True, False, True]))
    with pytest.raises(ValueError, match=r"target must have shape \(3,\).*\(3, 1\)"):
        crit(logits, np.array([[0], [1], [2]]))
    with pytest.raises(ValueError, match=r"logits must be 2-D"):
        crit(np.zeros((3, 4, 1)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.CrossEntropyLoss(reduction="avg")


# --------------------------------------------------------------------------
# Whole networks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_tiny_cnn_with_batchnorm_and_dropout_gradients(mode):
    cnnlib.manual_seed(0)
    model = tiny_cnn(dropout=0.2, batchnorm=True)
    x = np.random.default_rng(4).standard_normal((3, 1, 8, 8))
    check_module_gradients(model, x, mode, reseed=5)
    if mode == "train":
        # BatchNorm subtracts the batch mean, so the conv bias before it cannot matter.
        assert np.abs(model[0].bias.grad).max() < 1e-12


def test_loss_and_model_backward_compose_to_the_parameters_gradient():
    cnnlib.manual_seed(1)
    model = tiny_cnn().double()
    crit = nn.CrossEntropyLoss()
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8))
    y = np.array([0, 2, 1, 2])
    crit(model(x), y)
    model.backward(crit.backward())
    w = model[4].weight
    numeric = numerical_gradient(lambda _v: np.array(crit(model(x), y)), w.data)
    assert relative_error(w.grad, numeric) < TOL


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def test_layers_reject_wrong_rank_and_channel_count():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"Conv2d: x must be 4-D .* got 3-D"):
        conv(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match=r"Conv2d: expected x with 3 channels.*got 1 channels.*"
                                         r"\(1, 1, 8, 8\)"):
        conv(np.zeros((1, 1, 8, 8)))
    with pytest.raises(TypeError, match="Conv2d: x must be a numpy.ndarray"):
        conv("image")
    with pytest.raises(ValueError, match=r"Linear: expected x with shape \(N, 27\).*\(2, 26\)"):
        nn.Linear(27, 3)(np.zeros((2, 26)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected x with 3 channels.*got 2"):
        nn.BatchNorm2d(3)(np.zeros((2, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: x must be 4-D"):
        nn.BatchNorm2d(3)(np.zeros((2, 3)))
    for pool in (nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1)):
        with pytest.raises(ValueError, match=r"x must be 4-D"):
            pool(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="kernel_size of size 3x3 .* larger than the padded"):
        nn.MaxPool2d(3)(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="Flatten: start_dim=3"):
        nn.Flatten(3)(np.zeros((2, 3)))


def test_constructors_reject_impossible_settings():
    with pytest.raises(ValueError, match="groups=2 must divide in_channels=3"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="groups=2 must divide out_channels=3"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be an int, a pair, 'valid' or 'same'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be 'zeros'"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(TypeError, match="kernel_size must be an int"):
        nn.Conv2d(1, 1, 2.5)
    with pytest.raises(ValueError, match="in_features must be positive"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="return_indices must be False"):
        nn.MaxPool2d(2, return_indices=True)
    with pytest.raises(ValueError, match=r"output_size\[h\] must be a positive int"):
        nn.AdaptiveAvgPool2d(0)
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm2d(3, momentum=2.0)


def test_reassigning_a_child_keeps_its_position():
    # PyTorch keeps a re-assigned child where it was: a Sequential whose first
    # layer is replaced must still run it first, and list its keys first.
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    setattr(seq, "0", nn.Linear(2, 3, bias=False))
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2"]
    assert list(seq.state_dict())[:2] == ["0.weight", "2.weight"]
    assert seq(np.ones((4, 2), dtype=np.float32)).shape == (4, 1)


def test_reassigning_a_parameter_keeps_its_position():
    lin = nn.Linear(2, 3)
    lin.weight = nn.Parameter(np.zeros((3, 2), dtype=np.float32))
    assert list(lin.state_dict()) == ["weight", "bias"]
