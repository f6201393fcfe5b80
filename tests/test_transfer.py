"""Tests for cnnlib.transfer: class selection, per-class subsets, freezing, heads, npz files."""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from cnnlib import nn, optim
from cnnlib.transfer import (
    count_parameters,
    freeze,
    load_npz,
    replace_head,
    save_npz,
    select_classes,
    subset_per_class,
    unfreeze,
)


def small_net() -> nn.Sequential:
    return nn.Sequential({
        "features": nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
        "flatten": nn.Flatten(),
        "classifier": nn.Linear(4 * 2 * 2, 3),
    })


# ---------------------------------------------------------------------- select_classes
def test_select_classes_keeps_order_and_renumbers():
    X = np.arange(8.0).reshape(8, 1)
    y = np.array([9, 5, 6, 9, 0, 5, 6, 1])
    X_sel, y_sel = select_classes(X, y, [9, 5])
    # rows 0, 1, 3, 5 hold labels 9, 5, 9, 5 -> 0, 1, 0, 1
    assert X_sel.ravel().tolist() == [0.0, 1.0, 3.0, 5.0]
    assert y_sel.tolist() == [0, 1, 0, 1]
    assert y_sel.dtype == np.int64


def test_select_classes_digits_five_to_nine():
    X = np.zeros((10, 1, 2, 2))
    y = np.arange(10)
    _, y_sel = select_classes(X, y, range(5, 10))
    assert y_sel.tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("classes, message", [([], "at least one"), ([1, 1], "repeat")])
def test_select_classes_bad_classes(classes, message):
    with pytest.raises(ValueError, match=f"select_classes: .*{message}"):
        select_classes(np.zeros((3, 1)), np.array([0, 1, 1]), classes)


def test_select_classes_bad_labels():
    with pytest.raises(TypeError, match="select_classes: y must be a 1-D array of integer"):
        select_classes(np.zeros((3, 1)), np.array([0.0, 1.0, 1.0]), [0])
    with pytest.raises(ValueError, match="same number of examples"):
        select_classes(np.zeros((4, 1)), np.array([0, 1, 1]), [0])


# ---------------------------------------------------------------------- subset_per_class
def test_subset_per_class_balanced_and_labels_follow_examples():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, size=200)
    X = (y * 1000 + np.arange(200)).astype(float).reshape(200, 1)   # each row encodes its label
    X_sub, y_sub = subset_per_class(X, y, 7, seed=5)
    assert np.bincount(y_sub).tolist() == [7, 7, 7, 7]
    assert np.array_equal(X_sub.ravel() // 1000, y_sub)
    assert len(set(X_sub.ravel().tolist())) == 28                    # no example twice


def test_subset_per_class_smaller_subset_is_part_of_larger():
    y = np.repeat(np.arange(3), 30)
    X = np.arange(90.0).reshape(90, 1)
    small, _ = subset_per_class(X, y, 5, seed=11)
    large, _ = subset_per_class(X, y, 20, seed=11)
    assert set(small.ravel().tolist()) <= set(large.ravel().tolist())


def test_subset_per_class_seeded():
    y = np.repeat(np.arange(2), 50)
    X = np.arange(100.0).reshape(100, 1)
    a, _ = subset_per_class(X, y, 4, seed=1)
    b, _ = subset_per_class(X, y, 4, seed=1)
    c, _ = subset_per_class(X, y, 4, seed=2)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_subset_per_class_too_many():
    y = np.array([0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"subset_per_class: n_per_class .* 2 \(class 1\), got 3"):
        subset_per_class(np.zeros((5, 1)), y, 3)
    with pytest.raises(TypeError, match="n_per_class must be an int"):
        subset_per_class(np.zeros((5, 1)), y, 1.5)


# ---------------------------------------------------------------------- freezing and counting
def test_count_parameters_by_hand():
    model = small_net()
    # conv 4*1*3*3 + 4 = 40; linear 16*3 + 3 = 51
    assert count_parameters(model) == 91
    freeze(model.features)
    assert count_parameters(model) == 91
    assert count_parameters(model, trainable_only=True) == 51
    unfreeze(model)
    assert count_parameters(model, trainable_only=True) == 91


def test_frozen_layer_does_not_move_and_head_does():
    cnnlib.manual_seed(0)
    model = small_net()
    freeze(model.features)
    before = model.state_dict()
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = np.random.default_rng(0).random((6, 1, 4, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2])
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    opt.step()
    after = model.state_dict()
    assert model.features[0].weight.grad is None
    assert np.array_equal(before["features.0.weight"], after["features.0.weight"])
    assert np.array_equal(before["features.0.bias"], after["features.0.bias"])
    assert not np.array_equal(before["classifier.weight"], after["classifier.weight"])


def test_freeze_returns_module_and_checks_type():
    layer = nn.Linear(2, 2)
    assert freeze(layer) is layer
    with pytest.raises(TypeError, match="freeze: module must be a cnnlib.nn.Module"):
        freeze([layer])
    with pytest.raises(TypeError, match="count_parameters: trainable_only"):
        count_parameters(layer, trainable_only=1)


# ---------------------------------------------------------------------- replace_head
def test_replace_head_top_level():
    model = small_net()
    old = replace_head(model, "classifier", nn.Linear(16, 5))
    assert old.out_features == 3
    assert model(np.zeros((2, 1, 4, 4), dtype=np.float32)).shape == (2, 5)
    assert model.state_dict()["classifier.weight"].shape == (5, 16)


def test_replace_head_nested_and_new_head_trainable():
    model = small_net()
    freeze(model)
    replace_head(model, "features.0", nn.Conv2d(1, 4, 3, padding=1))
    assert model.features[0].weight.requires_grad
    assert count_parameters(model, trainable_only=True) == 40


def test_replace_head_errors():
    model = small_net()
    with pytest.raises(ValueError, match=r"model has no child module 'fc' \(its children: "
                                         r"'features', 'flatten', 'classifier'\)"):
        replace_head(model, "fc", nn.Linear(16, 2))
    with pytest.raises(ValueError, match="no child module 'head'"):
        replace_head(model, "head.1", nn.Linear(16, 2))
    with pytest.raises(ValueError, match="'features' has no child module '7'"):
        replace_head(model, "features.7", nn.Linear(16, 2))
    with pytest.raises(TypeError, match="new_head must be a cnnlib.nn.Module"):
        replace_head(model, "classifier", np.zeros(3))


# ---------------------------------------------------------------------- arrays and files
class FakeTensor:
    """Enough of a torch.Tensor for state_dict_to_numpy: detach().cpu().numpy()."""

    def __init__(self, values):
        self.values = np.asarray(values)
        self.calls = []

    def detach(self):
        self.calls.append("detach")
        return self

    def cpu(self):
        self.calls.append("cpu")
        return self

    def numpy(self):
        self.calls.append("numpy")
        return self.values


def test_save_npz_accepts_tensors(tmp_path):
    t = FakeTensor([[1.0, 2.0]])
    loaded = load_npz(save_npz({"w": t, "n": np.array(5)}, tmp_path / "t"))
    assert t.calls == ["detach", "cpu", "numpy"]
    assert loaded["w"].tolist() == [[1.0, 2.0]] and int(loaded["n"]) == 5


def test_npz_round_trip_gives_the_same_outputs(tmp_path):
    cnnlib.manual_seed(1)
    model = small_net()
    path = save_npz(model.state_dict(), tmp_path / "small")
    assert path.endswith("small.npz")
    loaded = load_npz(path)
    assert list(loaded) == list(model.state_dict())
    cnnlib.manual_seed(2)
    fresh = small_net()
    x = np.random.default_rng(4).random((3, 1, 4, 4)).astype(np.float32)
    assert not np.allclose(fresh(x), model(x))
    fresh.load_state_dict(loaded)
    assert np.array_equal(fresh(x), model(x))


def test_npz_keeps_batchnorm_buffers(tmp_path):
    bn = nn.BatchNorm2d(2)
    bn(np.random.default_rng(0).random((4, 2, 3, 3)).astype(np.float32))
    loaded = load_npz(save_npz(bn.state_dict(), tmp_path / "bn.npz"))
    assert set(loaded) == {"weight", "bias", "running_mean", "running_var",
                           "num_batches_tracked"}
    assert int(loaded["num_batches_tracked"]) == 1
    np.testing.assert_array_equal(loaded["running_mean"], bn.running_mean)


def test_save_npz_refuses_path_separators(tmp_path):
    with pytest.raises(ValueError, match="save_npz: keys must not contain a path separator"):
        save_npz({"a/b": np.zeros(1)}, tmp_path / "x")


def test_replace_head_keeps_the_position_in_a_sequential():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    replace_head(model, "0", nn.Linear(2, 4))
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


# ---------------------------------------------------------------------- figures
def test_transfer_figures_have_titles_and_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz.transfer import plot_filter_change, plot_transfer_curves

    runs = np.array([[0.2, 0.6, 0.8], [0.2, 0.5, 0.9]])
    fig = plot_transfer_curves([0, 10, 20], {"5 labels": {"fine-tuning": runs},
                                             "all": {"from scratch": runs}}, title="t")
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == "training step" and fig.axes[0].get_ylabel()
    assert fig.axes[0].get_title() == "5 labels (2 seeds)"
    before = np.random.default_rng(0).standard_normal((4, 1, 3, 3))
    fig = plot_filter_change(before, before + 0.1, title="filters")
    assert len(fig.axes) == 3 + 2                     # three mosaics, two colour bars
    assert [ax.get_title() for ax in fig.axes[:3]] == ["before", "after", "after − before"]
    plt.close("all")


def test_filter_change_difference_has_its_own_symmetric_scale():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz.transfer import plot_filter_change

    before = np.zeros((2, 1, 3, 3))
    before[0, 0, 1, 1] = -2.0                        # weights reach |2|
    after = before.copy()
    after[1, 0, 0, 0] = 0.5                          # the change reaches |0.5|
    fig = plot_filter_change(before, after)
    weights, _, change = (ax.images[0] for ax in fig.axes[:3])
    assert weights.get_clim() == (-2.0, 2.0)        # max |weight| over before and after
    assert change.get_clim() == (-0.5, 0.5)          # its own scale, centred at 0
    assert fig.axes[0].images[0].get_clim() == weights.get_clim()
    assert change.get_cmap().name.startswith("RdBu")
    plt.close("all")


def test_filter_mosaic_places_kernels_row_by_row_with_gaps():
    from cnnlib.viz.transfer import filter_mosaic

    f = np.arange(5 * 4, dtype=float).reshape(5, 1, 2, 2)      # 5 kernels of 2x2
    m = filter_mosaic(f, columns=2)                             # 3 rows of 2
    assert m.shape == (3 * 3 - 1, 2 * 3 - 1)
    np.testing.assert_array_equal(m[0:2, 3:5], [[4, 5], [6, 7]])   # kernel 1, top right
    np.testing.assert_array_equal(m[6:8, 0:2], [[16, 17], [18, 19]])  # kernel 4, bottom left
    assert np.isnan(m[2]).all() and np.isnan(m[:, 2]).all()   # gaps
    assert np.isnan(m[6:8, 3:5]).all()                          # the unused cell
    with pytest.raises(ValueError, match="filter_mosaic: filters"):
        filter_mosaic(np.zeros((2, 3, 3, 3)))
    with pytest.raises(ValueError, match="filter_mosaic: columns"):
        filter_mosaic(f, columns=0)


def test_result_table_text_and_html():
    from cnnlib.viz.transfer import ResultTable

    t = ResultTable(["test", "a", "bb"], [["row one", "1", "22"], ["r2", "333", "4"]])
    assert repr(t).splitlines() == ["test      a bb", "row one   1 22", "r2      333  4"]
    html = t._repr_html_()
    assert html.count("<tr>") == 3 and "<th>row one</th>" in html
    with pytest.raises(ValueError, match="ResultTable: every row"):
        ResultTable(["a", "b"], [["x"]])


def test_lr_sweep_figure_draws_means_seed_ranges_and_the_chosen_rate():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz.transfer import plot_lr_sweep

    # 3 seeds (rows) x 3 learning rates (columns); means 0.6, 0.9, 0.2 by hand
    scores = np.array([[0.5, 0.9, 0.2], [0.7, 0.8, 0.2], [0.6, 1.0, 0.2]])
    fig = plot_lr_sweep([0.01, 0.1, 1.0], {"5 labels": {"fine-tuning": scores},
                                          "all": {"from scratch": scores}},
                        chosen={"5 labels": {"fine-tuning": 0.1}}, title="t")
    ax = fig.axes[0]
    assert len(fig.axes) == 2 and ax.get_xscale() == "log"
    assert ax.get_title() == "5 labels (3 seeds)" and ax.get_ylabel() == "validation accuracy"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.6, 0.9, 0.2])
    # each bar runs from the worst seed to the best one
    bars = ax.collections[0].get_segments()
    np.testing.assert_allclose([b[0][1] for b in bars], [0.5, 0.8, 0.2])
    np.testing.assert_allclose([b[1][1] for b in bars], [0.7, 1.0, 0.2])
    # one ring, at the chosen rate's mean; the other panel has none
    rings = [ln for ln in ax.lines if ln.get_markersize() > 10]
    assert len(rings) == 1 and rings[0].get_ydata().tolist() == [0.9]
    assert not [ln for ln in fig.axes[1].lines if ln.get_markersize() > 10]
    plt.close("all")


def test_transfer_figures_fit_the_text_column():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz.transfer import plot_filter_change, plot_transfer_curves

    runs = np.array([[0.2, 0.6, 0.8], [0.2, 0.5, 0.9], [0.2, 0.7, 0.7]])
    fig = plot_transfer_curves([0, 10, 20], {"a": {"fine-tuning": runs},
                                             "b": {"fine-tuning": runs},
                                             "c": {"fine-tuning": runs}})
    assert fig.get_figwidth() <= 6.9
    band = fig.axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.2) and band.max() == pytest.approx(0.9)   # worst..best
    filters = np.random.default_rng(0).standard_normal((16, 1, 3, 3))
    assert plot_filter_change(filters, filters).get_figwidth() <= 6.9
    assert fig.get_figwidth() == pytest.approx(6.88)          # the column, house style
    plt.close("all")
