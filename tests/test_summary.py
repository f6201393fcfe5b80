"""cnnlib.summary: shapes, parameters, multiply-accumulates and receptive fields, from shapes only.

Expected values: parameter counts and VGG-16's multiply-accumulates derived
by hand (``paper_counts.py``); torchvision's published "GFLOPS" (conv and
dense multiply-accumulates at 224x224); shapes by hand from the output-size
formula; receptive fields from :func:`cnnlib.receptive_field` over
:func:`cnnlib.network_layers` (a separate implementation); output shapes
also from real forward passes.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from paper_counts import HAND, INPUT, PUBLISHED, shared_model, vgg16_macs

from cnnlib import models, network_layers, receptive_field
from cnnlib.nn import Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential
from cnnlib.summary import LayerSummary, ModelSummary, register, summary

ALL = ["lenet5", "alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "efficientnet_b0"]


def summarise(name):
    return summary(shared_model(name), INPUT.get(name, (1, 3, 224, 224)))


@pytest.mark.parametrize("name", ALL)
def test_total_parameters_equal_the_hand_derivation(name):
    s = summarise(name)
    assert s.total_params == s.trainable_params == HAND[name]()
    # a container's row holds everything below it; the leaves add up to the total
    assert sum(r.params for r in s if r.leaf) == HAND[name]()


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_macs_within_one_percent_of_torchvisions_gflops(name):
    macs = summarise(name).total_macs
    assert macs / 1e9 == pytest.approx(PUBLISHED[name][1], rel=0.01)


def test_vgg16_macs_equal_the_hand_sum_and_resnet_stem_by_hand():
    assert summarise("vgg16").total_macs == vgg16_macs()
    # ResNet's stem: 64 filters of 3*7*7 taps at 112*112 positions
    assert summarise("resnet18")["conv1"].macs == 64 * 3 * 7 * 7 * 112 * 112
    # MACs scale with the batch
    assert summary(shared_model("resnet18"), (4, 3, 224, 224)).total_macs == \
        4 * summarise("resnet18").total_macs


def test_resnet18_shapes_at_224_by_hand():
    s = summarise("resnet18")
    # 224 -> conv 7x7/2 p3: 112 -> maxpool 3x3/2 p1: 56 -> 56, 28, 14, 7
    expected = {
        "conv1": (1, 64, 112, 112), "maxpool": (1, 64, 56, 56), "layer1": (1, 64, 56, 56),
        "layer2": (1, 128, 28, 28), "layer2.0.downsample.0": (1, 128, 28, 28),
        "layer3": (1, 256, 14, 14), "layer4": (1, 512, 7, 7), "avgpool": (1, 512, 1, 1),
        "(flatten)": (1, 512), "fc": (1, 1000),
    }
    assert {k: s[k].output_shape for k in expected} == expected
    assert s.input_shape == (1, 3, 224, 224) and s.output_shape == (1, 1000)


@pytest.mark.parametrize("name,row,shape", [
    ("lenet5", "features.0", (1, 6, 28, 28)),            # 32 - 5 + 1
    ("lenet5", "features.6", (1, 120, 1, 1)),            # 5 - 5 + 1
    ("alexnet", "features.0", (1, 64, 55, 55)),          # (224 + 4 - 11) // 4 + 1
    ("alexnet", "features.12", (1, 256, 6, 6)),          # 55 -> 27 -> 13 -> 6 by 3x3/2 pools
    ("vgg16", "features.30", (1, 512, 7, 7)),            # 224 / 2**5
    ("vgg16", "(flatten)", (1, 25088)),
    ("resnet50", "layer4", (1, 2048, 7, 7)),
    ("mobilenet_v2", "features.18", (1, 1280, 7, 7)),
    ("mobilenet_v2", "features.1.conv.0.0", (1, 32, 112, 112)),   # depthwise, stride 1
    ("efficientnet_b0", "features.8", (1, 1280, 7, 7)),
    ("efficientnet_b0", "features.1.0.block.1.fc1", (1, 8, 1, 1)),   # SE squeeze 32 -> 8
])
def test_output_shapes_by_hand(name, row, shape):
    assert summarise(name)[row].output_shape == shape


@pytest.mark.parametrize("name,size", [("resnet18", 64), ("mobilenet_v2", 48),
                                       ("efficientnet_b0", 40), ("alexnet", 100)])
def test_summary_shapes_equal_a_real_forward_pass(name, size):
    model = shared_model(name).eval()
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    s = summary(model, x.shape)
    for stage in ("features", "conv1"):
        if stage in model._modules:
            first = getattr(model, stage)
            break
    y = first(x)
    assert s[stage].output_shape == y.shape
    assert s.output_shape == model(x).shape


def test_lenet_rows_equal_a_layer_by_layer_forward_pass():
    model = shared_model("lenet5")
    x = np.zeros((3, 1, 32, 32), dtype=np.float32)
    s = summary(model, x.shape)
    for i, layer in enumerate(model.features):
        x = layer(x)
        assert s[f"features.{i}"].output_shape == x.shape


@pytest.mark.parametrize("name", ["alexnet", "vgg16", "resnet18", "resnet50"])
def test_receptive_fields_equal_the_recurrence_over_network_layers(name):
    table = receptive_field(network_layers(name))
    s = summarise(name)
    if name.startswith("resnet"):
        # the same torchvision names: every layer on the main path, one by one
        for row in table[1:]:
            assert s[row.name].rf == (row.size, row.size), row.name
            assert s[row.name].jump == (row.jump, row.jump), row.name
    else:
        # the same layers in order: the summary's conv and pool rows on the main path
        rows = [r for r in s if r.leaf and r.type in ("Conv2d", "MaxPool2d")]
        assert [r.rf[0] for r in rows] == table.sizes[1:]
    assert s.receptive_field == (table[-1].size,) * 2
    assert s.jump == (table[-1].jump,) * 2


def test_receptive_field_values_by_hand():
    # VGG-16: five blocks of 3x3 convs, jumps 1, 2, 4, 8, 16: 1 + 2*(2 + 2*2 + 3*4 + 3*8
    # + 3*16) + pool increments (1 + 2 + 4 + 8 + 16) = 1 + 180 + 31 = 212
    assert summarise("vgg16").receptive_field == (212, 212)
    # LeNet-5: C5 sees the whole 32x32 input: 1 + 4 + 1 + 4*2 + 2 + 4*4 = 32
    assert summarise("lenet5").receptive_field == (32, 32)


def test_side_branches_do_not_move_the_receptive_field():
    s = summarise("resnet18")
    assert s["layer2.0.downsample.0"].rf is None and not s["layer2.0.downsample.0"].main_path
    assert s["layer2.0.downsample"].params == 64 * 128 + 2 * 128
    assert s["layer2.0"].rf == s["layer2.0.bn2"].rf
    e = summarise("efficientnet_b0")
    assert e["features.1.0.block.1.fc1"].rf is None
    assert e["features.1.0.block.1"].rf == e["features.1.0.block.0"].rf
    # the SE gate's 1x1 convolutions are counted in the cost
    assert e["features.1.0.block.1.fc1"].macs == 32 * 8


@pytest.mark.parametrize("name,layers", [("lenet5", 5), ("alexnet", 8), ("vgg16", 16),
                                         ("resnet18", 18), ("resnet50", 50)])
def test_weight_layers_count_the_main_path(name, layers):
    assert summarise(name).weight_layers == layers


def test_vgg16_summary_is_well_under_a_second():
    model = shared_model("vgg16")
    summary(model, (1, 3, 224, 224))               # warm-up
    start = time.perf_counter()
    summary(model, (1, 3, 224, 224))
    assert time.perf_counter() - start < 0.5


def test_text_and_html_tables():
    s = summary(shared_model("resnet18"), (3, 224, 224), depth=1)
    text = str(s)
    assert "Layer" in text and "MACs" in text and "Receptive field: 435" in text
    assert "Parameters: 11,689,512" in text and "1,814,073,344" in text
    lines = text.splitlines()
    assert any(line.startswith("layer4 ") for line in lines)
    assert not any(line.strip().startswith("layer4.0") for line in lines)   # depth=1
    assert "layer4.0.conv1" in s.table(depth=None)
    html = s._repr_html_()
    assert html.startswith("<table") and html.count("<tr>") == len(s.rows(1)) + 2
    assert "<code>layer4</code>" in html and "layer4.0" not in html
    assert isinstance(s, ModelSummary) and isinstance(s[0], LayerSummary)


def test_a_plain_sequential_and_a_single_layer():
    net = Sequential(Conv2d(3, 8, 3, stride=2, padding=1), ReLU(), MaxPool2d(2))
    s = summary(net, (2, 3, 16, 16))
    assert [r.name for r in s] == ["0", "1", "2"]
    assert s.output_shape == (2, 8, 4, 4)
    assert s["0"].macs == 2 * 8 * 27 * 8 * 8 and s.total_params == 8 * 27 + 8
    assert s.receptive_field == (5, 5) and s.jump == (4, 4)    # 1 + 2*1, + 1*2; 2*2
    one = summary(Linear(10, 4), (5, 10))
    assert one.output_shape == (5, 4) and one.total_macs == 200


def test_non_square_inputs_keep_both_axes():
    s = summary(Sequential(Conv2d(1, 1, (3, 1)), MaxPool2d((2, 1))), (1, 1, 8, 5))
    assert s.output_shape == (1, 1, 3, 5)
    assert s.receptive_field == (4, 1) and s.jump == (2, 1)


def test_bad_input_and_unknown_modules_name_the_problem():
    with pytest.raises(ValueError, match=r"summary: layer 'conv1' \(Conv2d\) expects 3 input"):
        summary(shared_model("resnet18"), (1, 1, 224, 224))
    with pytest.raises(ValueError, match="summary: input_size must be"):
        summary(shared_model("resnet18"), (224,))
    with pytest.raises(TypeError, match="summary: model must be a cnnlib.nn.Module"):
        summary("resnet18", (3, 224, 224))
    with pytest.raises(ValueError, match=r"layer 'features.0' \(Conv2d\) does not fit"):
        summary(models.lenet5(), (1, 1, 4, 4))

    class Mystery(Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="no shape rule for Mystery"):
        summary(Sequential(ReLU(), Mystery()), (1, 3, 4, 4))


def test_register_a_shape_rule_for_a_new_layer():
    class Halve(Module):
        """Average-pools by 2 -- a layer of one's own."""

        def forward(self, x):
            return x[:, :, ::2, ::2]

    @register(Halve)
    def _halve(t, m, name, depth, shape):
        return t.leaf(m, name, depth, shape[:2] + (shape[2] // 2, shape[3] // 2),
                      window=((1, 1), (2, 2), (1, 1)))

    s = summary(Sequential(Halve(), Conv2d(2, 2, 3)), (1, 2, 8, 8))
    assert s.output_shape == (1, 2, 2, 2) and s.receptive_field == (5, 5)


def test_summary_rejects_what_forward_rejects():
    # PyTorch builds MaxPool2d(2, padding=2) but its forward refuses it: padding <= kernel/2
    pool = MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match="max_pool2d: padding must be at most half"):
        pool(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="summary: layer .*MaxPool2d.* at most half the kernel"):
        summary(pool, (1, 1, 4, 4))
    from cnnlib.nn import Flatten
    with pytest.raises(ValueError, match="Flatten: start_dim=3 and end_dim=1 do not fit"):
        Flatten(3, 1)(np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="summary: layer .*Flatten.* start_dim=3 and end_dim=1"):
        summary(Flatten(3, 1), (1, 2, 3, 4))
    with pytest.raises(ValueError, match="summary: layer .*Flatten.* start_dim=1 and end_dim=5"):
        summary(Flatten(1, 5), (1, 2, 3, 4))


def test_summary_given_an_array_hints_at_its_shape():
    x = np.zeros((1, 3, 8, 8))
    with pytest.raises(TypeError, match=r"got an array of shape \(1, 3, 8, 8\); pass its shape: "
                                        r"summary\(model, x.shape\)"):
        summary(Conv2d(3, 2, 3), x)
    assert summary(Conv2d(3, 2, 3), x.shape).output_shape == (1, 2, 6, 6)


def test_decoder_layers_shapes_macs_and_unknown_field():
    from cnnlib.nn import ConvTranspose2d, Upsample

    model = Sequential(Conv2d(1, 4, 3, stride=2, padding=1),
                       ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
                       Upsample(scale_factor=2), Conv2d(2, 1, 3, padding=1))
    s = summary(model, (1, 1, 8, 8))
    assert [r.output_shape for r in s] == [(1, 4, 4, 4), (1, 2, 8, 8), (1, 2, 16, 16),
                                          (1, 1, 16, 16)]
    # Transposed conv: 4*4 input pixels x 4 input channels x (2 x 3 x 3) stamp = 1,152 MACs.
    assert s[1].macs == 4 * 4 * 4 * 2 * 9 and s[2].macs == 0
    assert s[0].rf == (3, 3) and s[1].rf is None and s[3].rf is None
    assert s.receptive_field is None
    assert s[1].params == 4 * 2 * 9 + 2


def test_html_view_at_a_depth_keeps_every_column_and_scrolls_inside_itself():
    s = summary(shared_model("resnet18"), (3, 224, 224))          # depth None: every row
    view = s.view(depth=1)
    html = view._repr_html_()
    # the seven headers, the RF and Jump columns included, and only depth-0 rows
    assert [h.split(">")[-1] for h in html.split("</th>")[:-1]] == [
        "Layer", "Type", "Output shape", "Params", "MACs", "RF", "Jump"]
    # conv1 bn1 relu maxpool layer1-4 avgpool (flatten) fc: 11 rows, head and foot
    assert html.count("<tr>") == 11 + 2
    assert "<code>layer4</code>" in html and "layer4.0" not in html
    # layer4's row ends with its field and jump, 435 and 32, as the text table says
    row = next(r for r in html.split("<tr>") if "<code>layer4</code>" in r)
    assert row.endswith(">435</td><td style=\"padding:0.1em 0.45em;white-space:nowrap;"
                        "text-align:right\">32</td></tr>")
    # a narrow screen scrolls the table, not the page; numbers never wrap
    assert "display:block" in html and "overflow-x:auto" in html
    assert "white-space:nowrap" in html
    # printed, the view is the text table at the same depth
    assert repr(view) == s.table(depth=1)
    assert s._repr_html_() == s.html(None) != html
