"""Tests for cnnlib.receptive_field.

Expected values come from three independent places, never from the code
under test: brute force (perturb one input pixel and see which outputs
change, with a convolution written out here; or follow index arithmetic
back from one output unit), hand derivations written out in comments, and
the course notes (seeds 002 and 003), corrected where they slip.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.receptive_field import (
    Layer,
    LayerField,
    ReceptiveFieldTable,
    effective_field_size,
    effective_receptive_field,
    network_layers,
    network_stages,
    receptive_field,
)

# --------------------------------------------------------------------------
# Brute force, written without the recurrence
# --------------------------------------------------------------------------


def out_len(n: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of one layer, by counting the window positions that fit."""
    span = d * (k - 1)
    count = 0
    left = -p
    while left + span <= n - 1 + p:
        count += 1
        left += s
    return count


def forward_1d(x: np.ndarray, layers, weights) -> list[np.ndarray]:
    """Run a batch of 1-D signals (B, N) through a linear stack, tap by tap.

    Returns the output of every layer.  Zero padding; the weights are
    positive, so an output is non-zero exactly when it depends on a non-zero
    input (no cancellation can hide a dependency).
    """
    outs = []
    for (k, s, p, d), w in zip(layers, weights, strict=True):
        n = x.shape[1]
        m = out_len(n, k, s, p, d)
        xp = np.zeros((x.shape[0], n + 2 * p))
        xp[:, p : p + n] = x
        y = np.zeros((x.shape[0], m))
        for o in range(m):
            for t in range(k):
                y[:, o] += w[t] * xp[:, o * s + t * d]
        outs.append(y)
        x = y
    return outs


def index_set(layers, unit: int) -> set[int]:
    """Input coordinates that output ``unit`` of the last layer reads.

    Follows the windows back one layer at a time, with no clipping: an
    index below 0 (or past the end) is a padded position.
    """
    positions = {unit}
    for k, s, p, d in reversed(layers):
        positions = {o * s - p + t * d for o in positions for t in range(k)}
    return positions


def random_stack(rng: np.random.Generator, depth: int) -> list[tuple[int, int, int, int]]:
    layers = []
    for _ in range(depth):
        k = int(rng.integers(1, 6))
        s = int(rng.integers(1, 4))
        d = int(rng.integers(1, 4)) if rng.random() < 0.3 else 1
        p = int(rng.integers(0, (d * (k - 1)) // 2 + 2))
        layers.append((k, s, p, d))
    return layers


def expected_bounds(row: LayerField, unit: int) -> tuple[float, float]:
    centre = row.start + unit * row.jump
    return centre - (row.size - 1) / 2, centre + (row.size - 1) / 2


@pytest.mark.parametrize("seed", range(40))
def test_perturbing_one_pixel_matches_the_recurrence_1d(seed):
    rng = np.random.default_rng(seed)
    layers = random_stack(rng, depth=int(rng.integers(1, 5)))
    rf = receptive_field(layers)
    n = rf[-1].size + 4 * rf[-1].jump + 7
    weights = [rng.uniform(0.5, 1.5, size=k) for k, *_ in layers]
    # row q of the identity is the input with pixel q perturbed (from zero)
    outs = forward_1d(np.eye(n), layers, weights)
    for depth, out in enumerate(outs, start=1):
        for unit in range(out.shape[1]):
            changed = set(np.flatnonzero(out[:, unit]).tolist())
            unclipped = index_set(layers[:depth], unit)
            lo, hi = expected_bounds(rf[depth], unit)
            assert (min(unclipped), max(unclipped)) == (lo, hi), (layers[:depth], unit)
            if 0 <= lo and hi <= n - 1:
                # field wholly inside the image: no padding anywhere on the way
                assert changed == unclipped
                assert (min(changed), max(changed)) == (lo, hi)
            else:
                # padding (at the input or at a hidden layer) feeds zeros, so a
                # unit at the border depends on part of its field only
                assert changed <= {q for q in unclipped if 0 <= q < n}


def test_the_perturbation_check_sees_interior_units():
    # guard for the test above: with this size, some units lie wholly inside
    layers = [(3, 2, 1, 1), (5, 1, 0, 2), (2, 3, 1, 1)]
    rf = receptive_field(layers)
    n = rf[-1].size + 4 * rf[-1].jump + 7
    m = len(forward_1d(np.eye(n), layers, [np.ones(3), np.ones(5), np.ones(2)])[-1][0])
    inside = [u for u in range(m) if 0 <= expected_bounds(rf[-1], u)[0]
              and expected_bounds(rf[-1], u)[1] <= n - 1]
    assert len(inside) >= 3


def depends_2d(n: int, layers) -> np.ndarray:
    """Boolean masks: out[a, b, i, j] is True if output (i, j) depends on input (a, b).

    Each layer is applied to all n*n one-pixel images at once; an output is
    True if any tap of its window lands on a True input (padding is False).
    """
    x = np.zeros((n, n, n, n), dtype=bool)
    idx = np.arange(n)
    x[idx[:, None], idx[None, :], idx[:, None], idx[None, :]] = True
    for k, s, p, d in layers:
        h = x.shape[2]
        m = out_len(h, k, s, p, d)
        xp = np.zeros((n, n, h + 2 * p, h + 2 * p), dtype=bool)
        xp[:, :, p : p + h, p : p + h] = x
        y = np.zeros((n, n, m, m), dtype=bool)
        for ti in range(k):
            for tj in range(k):
                rows = ti * d + s * np.arange(m)
                cols = tj * d + s * np.arange(m)
                y |= xp[:, :, rows[:, None], cols[None, :]]
        x = y
    return x


@pytest.mark.parametrize("seed", range(8))
def test_depends_on_masks_match_the_recurrence_2d(seed):
    rng = np.random.default_rng(100 + seed)
    layers = random_stack(rng, depth=int(rng.integers(2, 4)))
    rf = receptive_field(layers)
    n = min(rf[-1].size + 2 * rf[-1].jump + 5, 40)
    dep = depends_2d(n, layers)
    m = dep.shape[2]
    checked = 0
    for i in range(m):
        for j in range(m):
            rows, cols = np.nonzero(dep[:, :, i, j])
            lo_i, hi_i = expected_bounds(rf[-1], i)
            lo_j, hi_j = expected_bounds(rf[-1], j)
            if lo_i >= 0 and lo_j >= 0 and hi_i <= n - 1 and hi_j <= n - 1:
                assert (rows.min(), rows.max(), cols.min(), cols.max()) == (
                    lo_i, hi_i, lo_j, hi_j)
                checked += 1
            elif rows.size:  # clipped by the border: still within the field
                assert lo_i <= rows.min() and rows.max() <= hi_i
                assert lo_j <= cols.min() and cols.max() <= hi_j
    assert checked >= 1


# --------------------------------------------------------------------------
# Hand-derived cases and the course notes
# --------------------------------------------------------------------------


def test_seed_002_three_stacked_3x3_layers():
    # RF_0 = 1; every layer adds (3 - 1) * 1 = 2: 3, 5, 7
    rf = receptive_field([(3, 1, 1)] * 3)
    assert rf.sizes == [1, 3, 5, 7]
    assert rf.jumps == [1, 1, 1, 1]
    # one 7x7 layer sees the same 7 pixels
    assert receptive_field([(7, 1, 3)])[-1].size == 7
    assert rf[-1].bounds(0) == receptive_field([(7, 1, 3)])[-1].bounds(0) == (-3, 3)


def test_seed_002_parameter_comparison_27_vs_49():
    # per channel: three 3x3 kernels hold 3 * 9 = 27 weights, one 7x7 holds 49;
    # with C channels in and out (no bias), 27 C^2 against 49 C^2
    c = 4
    three = sum(np.empty((c, c, 3, 3)).size for _ in range(3))
    one = np.empty((c, c, 7, 7)).size
    assert (three // c**2, one // c**2) == (27, 49)


def test_seed_003_jump_recurrence():
    # seed 003: j_0 = 1, j_l = j_{l-1} * S_l;  r_0 = 1, r_l = r_{l-1} + (K_l - 1) j_{l-1}
    # two stacked 3x3 convs (stride 1): r_1 = 1 + 2*1 = 3, r_2 = 3 + 2*1 = 5.
    # The notes' figure labels the input region of that two-layer stack
    # "r = 7"; by the recurrence (and by brute force) it is 5 -- 7 needs a third layer.
    rf = receptive_field([(3, 1, 1), (3, 1, 1)])
    assert rf.sizes == [1, 3, 5]
    assert max(index_set([(3, 1, 1, 1)] * 2, 0)) - min(index_set([(3, 1, 1, 1)] * 2, 0)) + 1 == 5
    # "add a stride-2 layer and the field jumps faster": 3x3/2 then two 3x3/1
    #   r: 1 -> 1 + 2*1 = 3 (j = 2) -> 3 + 2*2 = 7 -> 7 + 2*2 = 11
    rf = receptive_field([(3, 2, 1), (3, 1, 1), (3, 1, 1)])
    assert rf.sizes == [1, 3, 7, 11]
    assert rf.jumps == [1, 2, 2, 2]


def test_seed_003_stage_table_corrected():
    # Seed 003's end-to-end walk: stem conv 7x7/2, max pool 3x3/2, then stages
    # with 64 -> 128 -> 256 -> 512 channels (a ResNet-18/34 layout).  Its table
    # gives 7, ~35, ~91 and "~224 (global)".  The stem's 7 is right.  For
    # ResNet-18 (torchvision), by hand:
    #   conv1 7x7/2:  r = 1 + 6*1 = 7,    j = 2
    #   maxpool 3x3/2: r = 7 + 2*2 = 11,   j = 4
    #   layer1, four 3x3/1:                r = 11 + 4 * (2*4) = 43
    #   layer2, 3x3/2 then three 3x3/1:    r = 43 + 2*4 + 3 * (2*8) = 99,   j = 8
    #   layer3:                            r = 99 + 2*8 + 3 * (2*16) = 211, j = 16
    #   layer4:                            r = 211 + 2*16 + 3 * (2*32) = 435, j = 32
    # So the notes' 35 and 91 are not ResNet-18's (43, 99) -- they are the
    # ResNet-50 v1.5 values after layer1 and layer2 -- and the last stage sees
    # 435 pixels, more than the 224-pixel image, not "~224".
    rf = receptive_field(network_layers("resnet18"))
    stages = [rf[name] for name in network_stages("resnet18")]
    assert [r.size for r in stages] == [7, 11, 43, 99, 211, 435]
    assert [r.jump for r in stages] == [2, 4, 4, 8, 16, 32]
    r50 = receptive_field(network_layers("resnet50"))
    assert [r50[name].size for name in network_stages("resnet50")][2:4] == [35, 91]


def test_stride_makes_the_field_grow_faster():
    # 3x3 convs: stride 1 everywhere adds 2 per layer; a stride-2 first layer
    # doubles what each later layer adds (2 * 2 = 4)
    assert receptive_field([(3, 1, 0)] * 4)[-1].size == 9
    assert receptive_field([(3, 2, 0)] + [(3, 1, 0)] * 3)[-1].size == 3 + 3 * 4
    # a 2x2/2 pool between conv pairs (VGG's pattern): 3, 5, 6 (j=2), 10, 14
    assert receptive_field([(3, 1, 1), (3, 1, 1), (2, 2, 0), (3, 1, 1), (3, 1, 1)]).sizes == [
        1, 3, 5, 6, 10, 14]


def test_dilation():
    # k_eff = d (k - 1) + 1: a 3x3 with dilation 2 spans 5 pixels
    assert receptive_field([(3, 1, 0, 2)])[-1].size == 5
    # dilations 1, 2, 4: r = 1 + 2 = 3, 3 + 4 = 7, 7 + 8 = 15 -- exponential growth
    assert receptive_field([(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)]).sizes == [1, 3, 7, 15]
    # but the field of one dilated layer has holes: it reads 0, 2, 4 only
    assert index_set([(3, 1, 0, 2)], 0) == {0, 2, 4}


def test_start_with_even_kernels_and_padding():
    # a 2x2/2 pool: unit 0 reads pixels 0 and 1, centre 0.5
    assert receptive_field([(2, 2, 0)])[-1].start == 0.5
    # 3x3 with padding 1: unit 0 is centred on pixel 0; without padding, on pixel 1
    assert receptive_field([(3, 1, 1)])[-1].start == 0
    assert receptive_field([(3, 1, 0)])[-1].start == 1
    # AlexNet conv1 11x11/4 pad 2: unit 0 reads -2..8, centre 3; unit 1 centre 7
    row = receptive_field(network_layers("alexnet"))["conv1"]
    assert (row.start, row.centre(1), row.bounds(0)) == (3, 7, (-2, 8))


# --------------------------------------------------------------------------
# Real networks
# --------------------------------------------------------------------------

# Hand derivations (size r, jump j after the layer named):
#   AlexNet (torchvision): conv1 11/4 p2: r 11, j 4;  pool1 3/2: 11 + 2*4 = 19, j 8;
#     conv2 5/1 p2: 19 + 4*8 = 51;  pool2 3/2: 51 + 2*8 = 67, j 16;
#     conv3..conv5 3/1: 67 + 3 * 32 = 163;  pool5 3/2: 163 + 2*16 = 195, j 32.
#   VGG-16: block b of n convs at jump j adds 2 j n, its 2x2/2 pool adds j:
#     block1 1 + 4 = 5, pool1 6 (j 2);  block2 6 + 8 = 14, pool2 16 (j 4);
#     block3 16 + 24 = 40, pool3 44 (j 8);  block4 44 + 48 = 92, pool4 100 (j 16);
#     block5 100 + 96 = 196 (conv5_3), pool5 212 (j 32).
#   ResNet-50 v1.5 (stride in the 3x3): stem 11 (j 4); layer1 3 blocks, one 3x3 each:
#     11 + 3*8 = 35;  layer2: 35 + 2*4 + 3*16 = 91 (j 8);  layer3: 91 + 2*8 + 5*32 = 267
#     (j 16);  layer4: 267 + 2*16 + 2*64 = 427 (j 32).
#   ResNet-50 v1 (stride in the first 1x1, so each stage's first 3x3 already works
#     at the new jump): layer2: 35 + 4*16 = 99;  layer3: 99 + 6*32 = 291;
#     layer4: 291 + 3*64 = 483.
REAL = {
    "alexnet": ([11, 19, 51, 67, 163, 195], [4, 8, 8, 16, 16, 32]),
    "vgg16": ([6, 16, 44, 100, 196, 212], [2, 4, 8, 16, 16, 32]),
    "resnet18": ([7, 11, 43, 99, 211, 435], [2, 4, 4, 8, 16, 32]),
    "resnet50": ([7, 11, 35, 91, 267, 427], [2, 4, 4, 8, 16, 32]),
    "resnet50v1": ([7, 11, 35, 99, 291, 483], [2, 4, 4, 8, 16, 32]),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_networks_by_hand(name):
    rf = receptive_field(network_layers(name))
    stages = [rf[s] for s in network_stages(name)]
    assert ([r.size for r in stages], [r.jump for r in stages]) == REAL[name]


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_networks_by_index_arithmetic(name):
    layers = [tuple(layer[:4]) for layer in network_layers(name)]
    rf = receptive_field(network_layers(name))
    for depth in range(1, len(layers) + 1):
        reach = index_set(layers[:depth], 0)
        lo, hi = expected_bounds(rf[depth], 0)
        assert (min(reach), max(reach)) == (lo, hi)


def test_real_network_layouts():
    # counts of layers along the main path, as torchvision builds them
    assert len(network_layers("vgg16")) == 13 + 5
    assert len(network_layers("resnet18")) == 2 + 2 * 8
    assert len(network_layers("resnet50")) == 2 + 3 * 16
    # v1.5 strides in conv2 (3x3), v1 in conv1 (1x1)
    by_name = {layer.name: layer for layer in network_layers("resnet50")}
    assert (by_name["layer2.0.conv1"].stride, by_name["layer2.0.conv2"].stride) == (1, 2)
    by_name = {layer.name: layer for layer in network_layers("ResNet-50_v1")}
    assert (by_name["layer2.0.conv1"].stride, by_name["layer2.0.conv2"].stride) == (2, 1)


def test_network_name_errors():
    with pytest.raises(ValueError, match=r"^network_layers: name must be one of .*'lenet'"):
        network_layers("lenet")
    with pytest.raises(TypeError, match=r"^network_stages: name must be a str"):
        network_stages(16)


# --------------------------------------------------------------------------
# The records and their table
# --------------------------------------------------------------------------


def test_records_table_and_lookup():
    rf = receptive_field([Layer(3, 1, 1, name="conv"), (2, 2, 0)])
    assert isinstance(rf, ReceptiveFieldTable) and len(rf) == 3
    assert rf[0] == LayerField(0, "input", None, None, None, None, size=1, jump=1, start=0.0)
    assert rf["conv"] is rf[1] and rf[2].name == "layer 2"
    assert isinstance(rf[1:], ReceptiveFieldTable) and len(rf[1:]) == 2
    text = repr(rf)
    assert text == rf.table()
    assert text.splitlines()[0].split() == ["#", "layer", "k", "s", "p", "d", "size", "jump",
                                            "start"]
    assert text.splitlines()[2].split() == ["1", "conv", "3", "1", "1", "1", "3", "1", "0"]
    assert text.splitlines()[3].split() == ["2", "layer", "2", "2", "2", "0", "1", "4", "2",
                                            "0.5"]
    only = rf.table(names=["layer 2"]).splitlines()
    assert len(only) == 3 and only[1].startswith("0") and only[2].startswith("2")
    with pytest.raises(KeyError, match="no layer named 'pool'"):
        rf["pool"]
    with pytest.raises(AttributeError):
        rf[1].size = 4  # frozen


def test_empty_stack_is_the_input():
    assert receptive_field([]).sizes == [1]


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layers", "error", "pattern"),
    [
        (3, TypeError, r"^receptive_field: layers must be a sequence"),
        ("abc", TypeError, r"^receptive_field: layers must be a sequence"),
        ([3], TypeError, r"^receptive_field: layers\[0\] must be a tuple"),
        ([(3, 1)], ValueError, r"^receptive_field: layers\[0\] must be .* got 2 values"),
        ([(3, 1, 1), (3, 0, 1)], ValueError, r"^receptive_field: layers\[1\]\.stride must be "
                                             r"positive, got 0"),
        ([(3, 1, -1)], ValueError, r"^receptive_field: layers\[0\]\.padding must be >= 0"),
        ([(0, 1, 0)], ValueError, r"^receptive_field: layers\[0\]\.kernel_size must be positive"),
        ([(3, 1, 0, 0)], ValueError, r"^receptive_field: layers\[0\]\.dilation must be positive"),
        ([(3.0, 1, 0)], TypeError, r"^receptive_field: layers\[0\]\.kernel_size must be an int"),
        ([((3, 5), 1, 0)], TypeError, r"^receptive_field: layers\[0\]\.kernel_size must be one "
                                      r"int per axis.*once per axis"),
    ],
)
def test_bad_layers(layers, error, pattern):
    with pytest.raises(error, match=pattern):
        receptive_field(layers)


# --------------------------------------------------------------------------
# The measured field
# --------------------------------------------------------------------------


def path_counts(layers, unit: int) -> dict[int, int]:
    """For every input coordinate, how many tap sequences lead from it to ``unit``.

    The multiset version of ``index_set``: with every weight 1 and one
    channel, the gradient of a linear stack at a pixel is this count.
    """
    counts = {unit: 1}
    for k, s, p, d in reversed(layers):
        below: dict[int, int] = {}
        for o, c in counts.items():
            for t in range(k):
                q = o * s - p + t * d
                below[q] = below.get(q, 0) + c
        counts = below
    return counts


def centre_unit(n: int, layers) -> int:
    for layer in layers:
        n = out_len(n, *layer)
    return (n - 1) // 2


def square(n: int, along: set[int]) -> np.ndarray:
    inside = np.zeros(n, dtype=bool)
    inside[sorted(along)] = True
    return inside[:, None] & inside[None, :]


@pytest.mark.parametrize("seed", range(12))
def test_effective_field_support_is_the_theoretical_field(seed):
    # random linear stacks with normal weights: every pixel of the field reaches
    # the centre unit (no cancellation to exactly zero), none outside does
    rng = np.random.default_rng(200 + seed)
    layers = []
    while len(layers) < int(rng.integers(1, 5)):
        k, s = int(rng.integers(1, 5)), int(rng.integers(1, 3))
        if s <= k:  # no stride larger than its kernel: a field without holes
            layers.append((k, s, int(rng.integers(0, k)), 1))
    erf = effective_receptive_field(layers, channels=2, seed=seed)
    n = erf.shape[0]
    c = centre_unit(n, layers)
    reach = index_set(layers, c)
    assert reach == set(range(min(reach), max(reach) + 1))  # no holes
    assert 0 <= min(reach) and max(reach) <= n - 1  # default size fits it
    np.testing.assert_array_equal(erf > 0, square(n, reach))
    # and it sits where the recurrence puts unit c
    lo, hi = receptive_field(layers)[-1].bounds(c)
    rows = np.flatnonzero(erf.any(axis=1))
    cols = np.flatnonzero(erf.any(axis=0))
    assert (rows[0], rows[-1], cols[0], cols[-1]) == (lo, hi, lo, hi)


def test_effective_field_with_holes_and_explicit_size():
    # dilation 3, then a stride of 3 over a 2-tap kernel: the field has gaps, and the measured
    # map has exactly the same gaps
    layers = [(3, 1, 0, 3), (2, 3, 0, 1)]
    erf = effective_receptive_field(layers, 30, seed=3)
    reach = index_set(layers, centre_unit(30, layers))
    assert reach != set(range(min(reach), max(reach) + 1))
    np.testing.assert_array_equal(erf > 0, square(30, reach))


@pytest.mark.parametrize(
    "layers",
    [[(3, 1, 1, 1)] * 3, [(3, 2, 1, 1), (3, 1, 1, 1), (2, 2, 0, 1)], [(3, 1, 2, 2), (5, 2, 1, 1)],
     [(4, 1, 0, 1), (2, 2, 1, 1), (3, 1, 0, 3)]],
)
def test_effective_field_with_unit_weights_counts_paths(layers):
    # with every weight 1 and one channel the gradient at (a, b) is the number
    # of paths from row a times the number from column b
    n = 33
    erf = effective_receptive_field(layers, n, weights="ones", normalize=False)
    counts = path_counts(layers, centre_unit(n, layers))
    line = np.zeros(n)
    for q, c in counts.items():
        if 0 <= q < n:
            line[q] = c
    np.testing.assert_array_equal(erf, np.outer(line, line))
    # with C channels each path is taken C**(depth + 1) ways (summed over the
    # input channels and the centre unit's output channels)
    erf3 = effective_receptive_field(layers, n, channels=3, weights="ones", normalize=False)
    np.testing.assert_allclose(erf3, 3 ** (len(layers) + 1) * np.outer(line, line))


def test_effective_field_of_two_3x3_layers_by_hand():
    # paths through two 3x3 layers: 1, 2, 3, 2, 1 along each axis
    erf = effective_receptive_field([(3, 1, 1)] * 2, 9, weights="ones", normalize=False)
    row = np.array([0, 0, 1, 2, 3, 2, 1, 0, 0])
    np.testing.assert_array_equal(erf, np.outer(row, row))
    normed = effective_receptive_field([(3, 1, 1)] * 2, 9, weights="ones")
    assert normed.max() == 1 and normed[4, 4] == 1 and normed[2, 2] == 1 / 9


def test_effective_field_with_relu_lies_inside_the_field():
    layers = [(3, 1, 1)] * 6
    erf = effective_receptive_field(layers, 25, channels=4, relu=True, trials=2, seed=5)
    reach = index_set([(3, 1, 1, 1)] * 6, 12)
    assert erf.max() == 1
    assert not np.any(erf[~square(25, reach)])
    # repeatable under the seed, different under another
    again = effective_receptive_field(layers, 25, channels=4, relu=True, trials=2, seed=5)
    np.testing.assert_array_equal(erf, again)
    other = effective_receptive_field(layers, 25, channels=4, relu=True, trials=2, seed=6)
    assert not np.array_equal(erf, other)


def test_effective_field_gradient_matches_finite_differences():
    # one linear stack: the map (unnormalised, one trial, one channel) is |d out / d x|;
    # perturbing each pixel and re-running a forward pass written here gives the same
    layers = [(3, 2, 1, 1), (3, 1, 0, 2)]
    n = 15
    erf = effective_receptive_field(layers, n, weights="ones", normalize=False)
    c = centre_unit(n, layers)
    ones = [np.ones(3), np.ones(3)]
    # separable: the 2-D response is the product of two 1-D responses
    response = forward_1d(np.eye(n), layers, ones)[-1][:, c]
    np.testing.assert_allclose(erf, np.abs(np.outer(response, response)))


def test_effective_field_size():
    # two 3x3 layers of ones: [1, 2, 3, 2, 1] squared, total 81; centre 9/81,
    # 3x3 49/81 = 0.60, 5x5 81/81
    erf = effective_receptive_field([(3, 1, 1)] * 2, 9, weights="ones")
    assert [effective_field_size(erf, m) for m in (0.1, 0.5, 0.6, 0.7, 1.0)] == [1, 3, 3, 5, 5]
    # a single pixel
    spot = np.zeros((5, 7))
    spot[1, 5] = 2.0
    assert effective_field_size(spot, 1.0) == 1
    # the measured field grows more slowly than the theoretical one: with unit
    # weights, n layers of 3x3 give a binomial-like bump whose width grows like
    # sqrt(n) while the theoretical field grows like 2n + 1
    sizes = [effective_field_size(effective_receptive_field([(3, 1, 1)] * d, weights="ones"))
             for d in (4, 16)]
    assert sizes[1] < 2 * sizes[0] + 1 < 33


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"layers": []}, ValueError, r"^effective_receptive_field: layers must hold at least"),
        ({"weights": "uniform"}, ValueError, r"^effective_receptive_field: weights must be"),
        ({"channels": 0}, ValueError, r"^effective_receptive_field: channels must be positive"),
        ({"trials": 1.5}, TypeError, r"^effective_receptive_field: trials must be an int"),
        ({"input_size": 4}, ValueError, r"^effective_receptive_field: the stack does not fit in "
                                        r"input_size=4"),
        ({"layers": [(3, 1)]}, ValueError, r"^receptive_field: layers\[0\]"),
    ],
)
def test_effective_field_errors(kwargs, error, pattern):
    args = {"layers": [(3, 1, 0), (3, 1, 0), (3, 1, 0)]} | kwargs
    with pytest.raises(error, match=pattern):
        effective_receptive_field(**args)


@pytest.mark.parametrize(
    ("erf", "mass", "error", "pattern"),
    [
        (np.ones(4), 0.9, ValueError, r"^effective_field_size: erf must be 2-D"),
        (-np.ones((3, 3)), 0.9, ValueError, r"^effective_field_size: erf must be non-negative"),
        (np.ones((3, 3)), 0.0, ValueError, r"^effective_field_size: mass must be in"),
        (np.ones((3, 3)), "all", TypeError, r"^effective_field_size: mass must be a float"),
    ],
)
def test_effective_field_size_errors(erf, mass, error, pattern):
    with pytest.raises(error, match=pattern):
        effective_field_size(erf, mass)


def test_receptive_field_with_input_size():
    # ResNet-18 at 224: 112 after conv1, 56 after the max pool, then 56, 28, 14, 7
    # (floor((224 + 6 - 7) / 2) + 1 = 112, floor((112 + 2 - 3) / 2) + 1 = 56, ...)
    rf = receptive_field(network_layers("resnet18"), input_size=224)
    assert [rf[s].out_size for s in network_stages("resnet18")] == [112, 56, 56, 28, 14, 7]
    assert rf.table().splitlines()[0].split()[-1] == "out"
    # AlexNet at 224: floor((224 + 4 - 11) / 4) + 1 = 55, 27, 27, 13, 13, 6
    rf = receptive_field(network_layers("alexnet"), input_size=224)
    assert [rf[s].out_size for s in network_stages("alexnet")] == [55, 27, 27, 13, 13, 6]
    with pytest.raises(ValueError, match=r"^receptive_field: layers\[1\] \(layer 2\) spans 5"):
        receptive_field([(3, 1, 0), (5, 1, 0)], input_size=5)
    with pytest.raises(ValueError, match=r"^receptive_field: input_size must be positive"):
        receptive_field([(3, 1, 0)], input_size=0)


def test_unit_at_and_centre_unit():
    # two 3x3 stride-2 layers padded by 1 on 16 pixels: 16 -> 8 -> 4 units,
    # jump 4, start 0, so unit u is centred on pixel 4u
    row = receptive_field([(3, 2, 1), (3, 2, 1)], input_size=16)[2]
    assert (row.out_size, row.centre_unit()) == (4, 1)
    assert [row.unit_at(x) for x in (0.0, 1.9, 2.0, 9.0, 100.0, -7.0)] == [0, 0, 1, 2, 3, 0]
    # without an input size nothing is clipped
    free = receptive_field([(3, 2, 1), (3, 2, 1)])[2]
    assert free.unit_at(-9.0) == -2 and free.unit_at(100.0) == 25
    with pytest.raises(ValueError, match=r"^LayerField.centre_unit: the output size is unknown"):
        free.centre_unit()


def test_table_html_select_and_collapse():
    # By hand: 3x3/1 pad 1 -> r 3; 2x2/2 -> r 4, j 2; 3x3/1 -> r 4 + 2*2 = 8.
    rf = receptive_field([(3, 1, 1), (2, 2, 0), (3, 1, 1)], input_size=8)
    part = rf.select(["layer 3"], title="demo", collapsed=True)
    assert part.sizes == [1, 8] and part.jumps == [1, 2]
    html = part._repr_html_()
    assert html.startswith("<details><summary><strong>demo</strong>: field 8 pixels, jump 2")
    assert "<caption>demo</caption>" in html and html.count("<tr>") == 3   # header + 2 rows
    assert '<td style="padding:0.15em 0.7em;text-align:right">8</td>' in html
    assert repr(part).splitlines()[0] == "demo"
    full = rf._repr_html_()
    assert full.startswith('<table class="cnnlib-rf">') and "<details>" not in full
    assert full.count("<tr>") == 5 and ">out</th>" in full
    with pytest.raises(KeyError, match="no layer named 'nope'"):
        rf.select(["nope"])
