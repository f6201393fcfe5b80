"""cnnlib.models: parameter counts, torchvision's state_dict layout, forward and backward.

Expected parameter counts are derived by hand from the papers' layer tables
(``paper_counts.py``), and checked against torchvision's published numbers.
The expected ``state_dict`` keys and shapes come from torchvision itself,
recorded once offline in ``fixtures/torchvision_state_dict_keys.txt``.
PyTorch is not needed.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from paper_counts import BUILD_SECONDS, HAND, PUBLISHED, shared_model

import cnnlib
from cnnlib import models
from cnnlib.models import state_dict_to_numpy

FIXTURE = Path(__file__).parent / "fixtures" / "torchvision_state_dict_keys.txt"
ALL = ["lenet5", "alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "efficientnet_b0"]


def torchvision_keys() -> dict[str, list[tuple[str, tuple[int, ...]]]]:
    """``{model: [(key, shape), ...]}`` as torchvision lists them."""
    out: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    current = None
    for line in FIXTURE.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            out[current] = []
            continue
        key, *dims = line.split()
        out[current].append((key, tuple(int(d) for d in dims)))
    return out


TV_KEYS = torchvision_keys()


def n_params(model) -> int:
    return sum(p.size for p in model.parameters())


# --------------------------------------------------------------------------
# parameter counts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_parameter_count_equals_the_hand_derivation(name):
    assert n_params(shared_model(name)) == HAND[name]()


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_hand_derivation_equals_torchvisions_published_count(name):
    # two independent sources agree, so neither is a copy of the code's output
    assert HAND[name]() == PUBLISHED[name][0]


def test_lenet5_layer_by_layer():
    m = models.lenet5()
    sizes = [p.size for p in m.parameters()]
    # C1 150 + 6, C3 2400 + 16, C5 48000 + 120, F6 10080 + 84, output 840 + 10
    assert sizes == [150, 6, 2400, 16, 48000, 120, 10080, 84, 840, 10]
    assert n_params(models.lenet5(activation="relu")) == 61_706


def test_num_classes_changes_only_the_last_layer():
    # ResNet-18 with 10 classes: 512*10 + 10 instead of 512*1000 + 1000
    assert n_params(models.resnet18(num_classes=10)) == HAND["resnet18"]() - 513_000 + 5_130
    assert models.mobilenet_v2(num_classes=7).classifier[1].weight.shape == (7, 1280)
    assert models.efficientnet_b0(num_classes=3).classifier[1].weight.shape == (3, 1280)
    assert models.lenet5(num_classes=4).classifier[2].weight.shape == (4, 84)


# --------------------------------------------------------------------------
# torchvision's layout
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TV_KEYS))
def test_state_dict_keys_and_shapes_are_torchvisions(name):
    model = shared_model(name)
    ours = [(key, tuple(value.shape)) for key, value in model.state_dict().items()]
    assert ours == TV_KEYS[name]


def test_named_examples_from_the_issue_exist():
    r18 = shared_model("resnet18").state_dict()
    assert r18["layer1.0.conv1.weight"].shape == (64, 64, 3, 3)
    assert r18["layer2.0.downsample.1.running_var"].shape == (128,)
    assert r18["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)
    mb = shared_model("mobilenet_v2").state_dict()
    assert mb["features.1.conv.0.0.weight"].shape == (32, 1, 3, 3)      # depthwise 3x3
    ef = shared_model("efficientnet_b0").state_dict()
    assert ef["features.1.0.block.0.0.weight"].shape == (32, 1, 3, 3)
    assert ef["features.1.0.block.1.fc1.weight"].shape == (8, 32, 1, 1)  # SE: 32 -> 32/4
    assert shared_model("vgg16").classifier[0].weight.shape == (4096, 25088)


def fake_torchvision_state_dict(name: str, seed: int = 0) -> dict[str, np.ndarray]:
    """Random arrays under torchvision's keys, with its dtypes (int64 num_batches_tracked)."""
    rng = np.random.default_rng(seed)
    sd = {}
    for key, shape in TV_KEYS[name]:
        if key.endswith("num_batches_tracked"):
            sd[key] = np.array(5, dtype=np.int64)
        elif key.endswith("running_var"):
            sd[key] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        else:
            sd[key] = (0.05 * rng.standard_normal(shape)).astype(np.float32)
    return sd


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "efficientnet_b0"])
def test_a_state_dict_with_torchvisions_keys_loads(name):
    sd = fake_torchvision_state_dict(name)
    model = getattr(models, name)()
    assert model.load_state_dict(sd) == ([], [])
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, sd[key])
    out = model.eval()(np.random.default_rng(1).standard_normal((1, 3, 64, 64)).astype(np.float32))
    assert out.shape == (1, 1000) and out.dtype == np.float32 and np.all(np.isfinite(out))


def test_state_dict_to_numpy_reads_tensor_like_values():
    class FakeTensor:                      # what torch.Tensor offers: detach().cpu().numpy()
        def __init__(self, a):
            self.a = a

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.a

    sd = {k: FakeTensor(v) for k, v in fake_torchvision_state_dict("resnet18").items()}
    converted = state_dict_to_numpy(sd)
    assert list(converted) == [k for k, _ in TV_KEYS["resnet18"]]
    models.resnet18().load_state_dict(converted)
    with pytest.raises(TypeError, match="state_dict_to_numpy: state_dict must be a mapping"):
        state_dict_to_numpy([1, 2])


@pytest.mark.parametrize("name", ["lenet5", "resnet18", "mobilenet_v2", "efficientnet_b0"])
def test_state_dict_round_trip_reproduces_the_outputs(name):
    cnnlib.manual_seed(1)
    a = getattr(models, name)(num_classes=10)
    rng = np.random.default_rng(2)
    for m in a.modules():                  # give eval-mode BatchNorm something to do
        if isinstance(m, cnnlib.nn.BatchNorm2d):
            m.running_mean[...] = rng.uniform(-0.3, 0.3, m.num_features)
            m.running_var[...] = rng.uniform(0.5, 1.5, m.num_features)
    cnnlib.manual_seed(2)
    b = getattr(models, name)(num_classes=10)
    shape = (2, 1, 32, 32) if name == "lenet5" else (2, 3, 48, 48)
    x = rng.standard_normal(shape).astype(np.float32)
    assert not np.allclose(a.eval()(x), b.eval()(x))
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a(x), b(x))


def test_wrong_state_dict_names_the_key():
    sd = fake_torchvision_state_dict("resnet18")
    sd["fc.weight"] = np.zeros((10, 512), dtype=np.float32)
    with pytest.raises(ValueError, match="size mismatch for 'fc.weight'"):
        models.resnet18().load_state_dict(sd)


# --------------------------------------------------------------------------
# forward and backward
# --------------------------------------------------------------------------

SMALL = {
    "lenet5": (2, 1, 32, 32), "alexnet": (1, 3, 64, 64), "vgg16": (1, 3, 32, 32),
    "resnet18": (1, 3, 64, 64), "resnet50": (1, 3, 64, 64), "mobilenet_v2": (1, 3, 64, 64),
    "efficientnet_b0": (1, 3, 64, 64),
}


@pytest.mark.parametrize("name", ALL)
def test_forward_gives_logits_for_small_inputs(name):
    model = shared_model(name)
    model.eval()
    x = np.random.default_rng(0).standard_normal(SMALL[name]).astype(np.float32)
    out = model(x)
    classes = 10 if name == "lenet5" else 1000
    assert out.shape == (SMALL[name][0], classes)
    assert out.dtype == np.float32 and np.all(np.isfinite(out))


def directional_check(model, x, rng, mode):
    """<dL/dx, v> and <dL/dW, V> (first weight) against central differences of L = <f, g>."""
    model.double()
    model.train(mode == "train")

    def run(v):
        cnnlib.manual_seed(3)                  # the same dropout / stochastic-depth draws
        return model(v)

    out = run(x)
    g = rng.standard_normal(out.shape)
    model.zero_grad()
    gx = model.backward(g)
    v = rng.standard_normal(x.shape)
    # A small step: with thousands of ReLUs and max-pools, a step of 1e-5 along a
    # random direction already carries some unit across a kink (checked: the
    # difference quotient converges to the analytic value as the step shrinks).
    eps = 1e-7
    numeric = (np.sum(run(x + eps * v) * g) - np.sum(run(x - eps * v) * g)) / (2 * eps)
    assert np.sum(gx * v) == pytest.approx(numeric, rel=1e-4, abs=1e-8)
    name, p = model.named_parameters()[0]
    direction = rng.standard_normal(p.shape)
    analytic = np.sum(p.grad * direction)
    saved = p.data.copy()
    p.data = saved + eps * direction
    plus = np.sum(run(x) * g)
    p.data = saved - eps * direction
    minus = np.sum(run(x) * g)
    p.data = saved
    assert analytic == pytest.approx((plus - minus) / (2 * eps), rel=1e-4, abs=1e-8), name


@pytest.mark.parametrize("name,shape,mode", [
    ("lenet5", (2, 1, 32, 32), "train"),
    ("lenet5", (1, 1, 32, 32), "eval"),
    ("resnet18", (1, 3, 32, 32), "eval"),
    ("mobilenet_v2", (1, 3, 32, 32), "eval"),
    ("efficientnet_b0", (1, 3, 32, 32), "eval"),
])
def test_whole_model_backward_matches_finite_differences(name, shape, mode):
    # The wiring (stem, stages, pooling, flatten, classifier) is checked here;
    # every block is checked element by element, in both modes, in test_blocks.py.
    # Training-mode BatchNorm over a tiny batch is too ill-conditioned for a
    # whole-network difference quotient (a channel of near-constant values is
    # divided by sqrt(var + eps) ~ 3e-3), so most models are checked in eval mode.
    cnnlib.manual_seed(0)
    kwargs = {"num_classes": 5}
    model = getattr(models, name)(**kwargs)
    rng = np.random.default_rng(4)
    directional_check(model, rng.standard_normal(shape), rng, mode)


def test_resnet18_forward_on_64x64_takes_under_a_second():
    model = shared_model("resnet18").eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    model(x)                                   # warm-up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        model(x)
        best = min(best, time.perf_counter() - start)
    assert best < 1.0, f"ResNet-18 forward on 1x3x64x64 took {best:.3f} s"


def test_vgg16_builds_in_seconds_in_float32():
    model = shared_model("vgg16")
    elapsed = BUILD_SECONDS["vgg16"]
    # 138,357,544 float32 weights = 553 MB; a float64 init would double that
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert sum(p.data.nbytes for p in model.parameters()) == 4 * 138_357_544
    assert elapsed < 30, f"building VGG-16 took {elapsed:.1f} s"
    # torchvision's scheme: dense weights N(0, 0.01^2), zero biases
    w = model.classifier[3].weight.data
    assert abs(float(w.std()) - 0.01) < 1e-4 and not model.classifier[3].bias.data.any()


def test_initialisation_follows_torchvision_and_the_seed():
    cnnlib.manual_seed(5)
    a = models.resnet18()
    cnnlib.manual_seed(5)
    b = models.resnet18()
    np.testing.assert_array_equal(a.conv1.weight.data, b.conv1.weight.data)
    # He-normal, fan-out: std = sqrt(2 / (64 * 7 * 7))
    assert float(a.conv1.weight.data.std()) == pytest.approx(np.sqrt(2 / (64 * 49)), rel=0.05)
    assert np.all(a.layer1[0].bn1.weight.data == 1) and not a.layer1[0].bn1.bias.data.any()
    # the fc keeps PyTorch's default U(-1/sqrt(512), 1/sqrt(512))
    assert np.abs(a.fc.weight.data).max() <= 1 / np.sqrt(512)
    zero = models.ResNet(models.BasicBlock, [1, 1, 1, 1], zero_init_residual=True)
    assert not zero.layer3[0].bn2.weight.data.any()


def test_constructors_reject_impossible_settings():
    with pytest.raises(ValueError, match="BasicBlock: .*needs a downsample"):
        models.BasicBlock(64, 128, stride=2)
    with pytest.raises(ValueError, match="Bottleneck: .*needs a downsample"):
        models.Bottleneck(64, 64)
    with pytest.raises(ValueError, match="InvertedResidual: stride must be 1 or 2"):
        models.InvertedResidual(16, 16, 3, 6)
    with pytest.raises(ValueError, match="ResNet: layers must hold 4"):
        models.ResNet(models.BasicBlock, [2, 2, 2])
    with pytest.raises(ValueError, match="LeNet5: activation must be"):
        models.lenet5(activation="sigmoid")
    with pytest.raises(TypeError, match="num_classes must be an int"):
        models.resnet18(num_classes=2.5)
    with pytest.raises(ValueError, match="ResNet: expected x with 3 channels"):
        models.resnet18()(np.zeros((1, 1, 32, 32), dtype=np.float32))


def test_resnet_feature_maps_are_the_stages_of_the_forward_pass():
    model = shared_model("resnet18").eval()
    x = np.random.default_rng(6).standard_normal((1, 3, 64, 64)).astype(np.float32)
    maps = model.feature_maps(x)
    # 64 -> 32 (conv1/2) -> 16 (maxpool/2) -> 16, 8, 4, 2
    assert {k: v.shape for k, v in maps.items()} == {
        "relu": (1, 64, 32, 32), "maxpool": (1, 64, 16, 16), "layer1": (1, 64, 16, 16),
        "layer2": (1, 128, 8, 8), "layer3": (1, 256, 4, 4), "layer4": (1, 512, 2, 2)}
    # the logits are the fc of layer4's global average
    pooled = maps["layer4"].mean(axis=(2, 3))
    expected = pooled @ model.fc.weight.data.T + model.fc.bias.data
    np.testing.assert_allclose(model(x), expected, rtol=1e-4, atol=1e-5)


def test_digits_cnn_parameter_count_by_hand():
    # conv1 16*1*3*3 + 16 = 160, bn1 2*16 = 32, conv2 32*16*3*3 + 32 = 4640, bn2 2*32 = 64,
    # fc1 128*64 + 64 = 8256, fc2 64*10 + 10 = 650.
    from cnnlib.models import digits_cnn

    assert sum(p.size for p in digits_cnn().parameters()) == 160 + 32 + 4640 + 64 + 8256 + 650
    assert sum(p.size for p in digits_cnn(batch_norm=False).parameters()) == 160 + 4640 + 8256 + 650
    model = digits_cnn(dropout=0.5)
    assert model(np.zeros((3, 1, 8, 8), dtype=np.float32)).shape == (3, 10)
