"""One cache per call: module reuse, weight sharing, interleaved forwards, no_grad.

Each module call keeps its own record and each backward consumes one, last in
first out; whatever cannot be matched for certain is an error.  Expected
values come from finite differences of the whole forward pass
(``numerical_gradient``), or from the same network built without reuse;
``test_nn_calls_torch.py`` compares the same cases with PyTorch's autograd.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import cnnlib
from cnnlib import nn
from cnnlib.gradcheck import numerical_gradient, relative_error
from cnnlib.nn.module import MAX_PENDING_GRAPHS

TOL = 1e-7


def _rng(seed=0):
    return np.random.default_rng(seed)


def assert_matches_finite_differences(forward, backward, x, params, seed=1):
    """backward(grad_out) -> dL/dx and params' .grad, against central differences."""
    out = forward(x)
    g = _rng(seed).standard_normal(out.shape)
    for p in params:
        p.grad = None
    grad_x = backward(g)
    assert relative_error(grad_x, numerical_gradient(forward, x, g)) < TOL
    for p in params:
        numeric = numerical_gradient(lambda _w: forward(x), p.data, g)
        # a bias just before training-mode BatchNorm has gradient 0: round-off only
        tiny = max(np.abs(p.grad).max(), np.abs(numeric).max()) < 1e-10
        assert tiny or relative_error(p.grad, numeric) < TOL, p


# --------------------------------------------------------------------------
# reuse and weight sharing inside one forward pass
# --------------------------------------------------------------------------


def test_one_relu_used_twice_in_a_sequential():
    # conv1 -> act -> conv2 -> act: the second act's backward must use the
    # second input.  (A single cache gave dL/dx off by up to 31 in issue 11.)
    cnnlib.manual_seed(0)
    act = nn.ReLU()
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), act, nn.Conv2d(3, 2, (2, 3)), act)
    model.double()
    x = _rng().standard_normal((2, 2, 5, 6))
    assert_matches_finite_differences(model, model.backward, x, model.parameters())


def test_one_conv_applied_twice_shares_its_weight():
    # The shared weight's gradient is the sum over both uses (PyTorch's rule).
    cnnlib.manual_seed(1)
    conv = nn.Conv2d(3, 3, 3, padding=1).double()
    model = nn.Sequential(conv, nn.Tanh(), conv, nn.Sigmoid())
    x = _rng(1).standard_normal((2, 3, 4, 5))
    assert_matches_finite_differences(model, model.backward, x, conv.parameters())


def test_a_shared_linear_equals_two_copies_summed():
    # Independent check without finite differences: untie the weights into two
    # Linear layers holding the same values; the shared gradient is their sum.
    cnnlib.manual_seed(2)
    fc = nn.Linear(4, 4, dtype=np.float64)
    shared = nn.Sequential(fc, nn.Tanh(), fc)
    a, b = copy.deepcopy(fc), copy.deepcopy(fc)
    untied = nn.Sequential(a, nn.Tanh(), b)
    x = _rng(2).standard_normal((3, 4))
    g = _rng(3).standard_normal((3, 4))
    np.testing.assert_array_equal(shared(x), untied(x))
    gx_shared = shared.backward(g)
    gx_untied = untied.backward(g)
    np.testing.assert_allclose(gx_shared, gx_untied, rtol=1e-13)
    np.testing.assert_allclose(fc.weight.grad, a.weight.grad + b.weight.grad, rtol=1e-13)
    np.testing.assert_allclose(fc.bias.grad, a.bias.grad + b.bias.grad, rtol=1e-13)


def test_reuse_in_training_mode_batchnorm_and_dropout_keeps_each_calls_state():
    # BatchNorm's batch statistics and Dropout's mask differ between the two
    # calls; each backward must use its own call's.
    cnnlib.manual_seed(3)
    bn, drop = nn.BatchNorm2d(2, dtype=np.float64), nn.Dropout(0.3)
    model = nn.Sequential(bn, drop, nn.Conv2d(2, 2, 1).double(), bn, drop)

    def run(v):
        cnnlib.manual_seed(11)                  # the same masks every time
        return model(v)

    x = _rng(4).standard_normal((3, 2, 3, 3))
    assert_matches_finite_differences(run, model.backward, x, model.parameters())


def test_resnet_block_uses_its_relu_twice():
    from cnnlib.models import BasicBlock

    cnnlib.manual_seed(4)
    block = BasicBlock(2, 2).double()
    x = _rng(5).standard_normal((2, 2, 4, 4))
    assert_matches_finite_differences(block, block.backward, x, block.parameters())


# --------------------------------------------------------------------------
# several forward passes: which one does a backward belong to?
# --------------------------------------------------------------------------


def make_classifier(seed=0):
    cnnlib.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).double()


def test_a_validation_batch_between_forward_and_backward_is_harmless_through_the_loss():
    # Issue 11: the old single cache sent backward to the validation batch
    # (relative error 1.27).  The loss's gradient remembers its forward pass.
    model, clean = make_classifier(), make_classifier()
    crit = nn.CrossEntropyLoss()
    x, y = _rng(6).standard_normal((4, 1, 4, 4)), np.array([0, 2, 1, 2])
    x_val = _rng(7).standard_normal((4, 1, 4, 4))   # same size: no shape error to save us
    logits = model(x)
    model(x_val)                                     # the extra forward
    crit(logits, y)
    gx = model.backward(crit.backward())
    crit(clean(x), y)
    clean_gx = clean.backward(crit.backward())
    np.testing.assert_array_equal(gx, clean_gx)
    for p, q in zip(model.parameters(), clean.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad, q.grad)


def test_an_unmarked_gradient_with_two_forwards_waiting_is_an_error():
    model = make_classifier()
    x = _rng(6).standard_normal((4, 1, 4, 4))
    out = model(x)
    model(x + 1)
    with pytest.raises(RuntimeError, match="2 forward passes .* cnnlib.no_grad"):
        model.backward(np.ones_like(out))
    assert all(p.grad is None for p in model.parameters())


def test_backward_twice_is_an_error_and_leaves_the_gradients_alone():
    model, crit = make_classifier(), nn.CrossEntropyLoss()
    x, y = _rng(8).standard_normal((2, 1, 4, 4)), np.array([1, 0])
    crit(model(x), y)
    g = crit.backward()
    model.backward(g)
    once = [p.grad.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match="a second time"):
        model.backward(g)
    with pytest.raises(RuntimeError, match="a second time"):
        model.backward(np.ones((2, 3)))
    for p, before in zip(model.parameters(), once, strict=True):
        np.testing.assert_array_equal(p.grad, before)
    # and after an extra forward, the old gradient still does not go through it
    model(x)
    with pytest.raises(RuntimeError, match="a second time|took no part"):
        model.backward(g)


@pytest.mark.parametrize("layer", [
    nn.Conv2d(1, 1, 1), nn.Linear(1, 1), nn.ReLU(), nn.Tanh(), nn.MaxPool2d(2),
    nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.BatchNorm2d(1), nn.Flatten(),
    nn.Identity(), nn.Dropout(0.5), nn.StochasticDepth(0.5), nn.Sequential(nn.ReLU()),
    nn.CrossEntropyLoss(),
], ids=lambda m: type(m).__name__)
def test_backward_with_no_forward_raises_for_every_module(layer):
    with pytest.raises(RuntimeError, match="call forward"):
        layer.backward(np.zeros(1))


def test_grad_out_must_have_the_calls_output_shape():
    fc = nn.Linear(3, 2, dtype=np.float64)
    fc(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.backward: grad_out must have the shape .*"
                                         r"\(4, 2\), got \(2, 4\)"):
        fc.backward(np.ones((2, 4)))
    # the call was not consumed by the refused backward
    fc.backward(np.ones((4, 2)))
    np.testing.assert_array_equal(fc.weight.grad, np.full((2, 3), 4.0))


def test_flatten_backward_of_the_wrong_size_is_a_house_error():
    flat = nn.Flatten()
    flat(np.zeros((2, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"Flatten.backward: grad_out must have the shape "
                                         r".*\(2, 12\), got \(2, 11\)"):
        flat.backward(np.zeros((2, 11)))


@pytest.mark.parametrize("layer,x", [
    (nn.Linear(2, 2, dtype=np.float64), np.ones((1, 2))),
    (nn.AdaptiveAvgPool2d(1), np.ones((1, 1, 2, 2))),
])
def test_backward_accepts_a_nested_list_and_names_a_wrong_type(layer, x):
    out = layer(x)
    assert layer.backward(np.ones_like(out).tolist()).shape == x.shape
    layer(x)
    with pytest.raises(TypeError, match=f"{type(layer).__name__}.backward: grad_out must be "
                                        "a numpy.ndarray, got str"):
        layer.backward("ones")


def test_a_chain_of_separate_modules_with_an_extra_forward_in_the_middle():
    # Modules called one by one (no container), an extra call of the ReLU in
    # between, then the backward chain by hand: each gradient knows its pass.
    cnnlib.manual_seed(5)
    conv, act, flat = nn.Conv2d(1, 2, 3).double(), nn.ReLU(), nn.Flatten()
    fc, crit = nn.Linear(8, 3, dtype=np.float64), nn.CrossEntropyLoss()
    x, y = _rng(9).standard_normal((4, 1, 4, 4)), np.array([2, 0, 1, 1])
    a = act(conv(x))
    act(_rng(10).standard_normal(a.shape))            # the stray call
    crit(fc(flat(a)), y)
    gx = conv.backward(act.backward(flat.backward(fc.backward(crit.backward()))))
    grads = {name: p.grad.copy() for name, p in [("conv", conv.weight), ("fc", fc.weight)]}

    def loss_of(v):
        return np.array(crit(fc(flat(act(conv(v)))), y))

    assert relative_error(gx, numerical_gradient(loss_of, x)) < TOL
    assert relative_error(grads["conv"],
                          numerical_gradient(lambda _w: loss_of(x), conv.weight.data)) < TOL
    assert relative_error(grads["fc"],
                          numerical_gradient(lambda _w: loss_of(x), fc.weight.data)) < TOL


def test_weight_sharing_across_two_outermost_calls_through_the_loss():
    # y2 = conv(conv(x)) written as two separate calls: two forward passes,
    # linked because the second one's input is the first one's output.
    cnnlib.manual_seed(6)
    conv = nn.Conv2d(2, 2, 3, padding=1).double()
    fc, crit = nn.Linear(2 * 3 * 3, 2, dtype=np.float64), nn.CrossEntropyLoss()
    x, y = _rng(11).standard_normal((3, 2, 3, 3)), np.array([1, 0, 1])
    y1 = conv(x)
    y2 = conv(y1)
    crit(fc(y2.reshape(3, -1)), y)
    g = fc.backward(crit.backward()).reshape(y2.shape)
    with pytest.raises(RuntimeError, match="2 forward passes"):
        conv.backward(g)                    # a reshape made a new, unmarked array
    # so the same, keeping the arrays the library gave back:
    flat = nn.Flatten()
    y1 = conv(x)
    y2 = conv(y1)
    crit(fc(flat(y2)), y)
    conv.zero_grad()
    gx = conv.backward(conv.backward(flat.backward(fc.backward(crit.backward()))))

    def loss_of(v):
        return np.array(crit(fc(flat(conv(conv(v)))), y))

    assert relative_error(gx, numerical_gradient(loss_of, x)) < TOL
    assert relative_error(conv.weight.grad,
                          numerical_gradient(lambda _w: loss_of(x), conv.weight.data)) < TOL


# --------------------------------------------------------------------------
# no_grad, memory, copies
# --------------------------------------------------------------------------


def test_no_grad_keeps_nothing_and_nests():
    fc = nn.Linear(2, 2, dtype=np.float64)
    assert cnnlib.is_grad_enabled()
    with cnnlib.no_grad():
        with cnnlib.no_grad():
            assert not cnnlib.is_grad_enabled()
        assert not cnnlib.is_grad_enabled()
        fc(np.ones((1, 2)))
    assert cnnlib.is_grad_enabled()
    assert fc._calls == []
    with pytest.raises(RuntimeError, match="no_grad"):
        fc.backward(np.ones((1, 2)))

    @cnnlib.no_grad()
    def infer(v):
        return fc(v)

    infer(np.ones((1, 2)))
    assert fc._calls == [] and cnnlib.is_grad_enabled()


def test_no_grad_is_restored_when_the_body_raises():
    with pytest.raises(ZeroDivisionError), cnnlib.no_grad():
        raise ZeroDivisionError
    assert cnnlib.is_grad_enabled()


def test_many_inference_calls_without_no_grad_keep_bounded_memory():
    model = make_classifier()
    x = _rng(12).standard_normal((2, 1, 4, 4))
    first = model(x)
    kept = [model(x) for _ in range(50)]          # outputs held: nothing is obviously stale
    for m in model.modules():
        graphs = {c.graph for c in m._calls}
        assert len(m._calls) <= MAX_PENDING_GRAPHS + 1 and len(graphs) <= MAX_PENDING_GRAPHS + 1
    # the first pass was freed: its gradient is refused, not sent elsewhere
    crit = nn.CrossEntropyLoss()
    crit(first, np.array([0, 1]))
    with pytest.raises(RuntimeError, match="freed"):
        model.backward(crit.backward())
    # an unmarked gradient cannot be matched either
    with pytest.raises(RuntimeError, match="some of them freed"):
        model.backward(np.ones((2, 3)))
    del kept


def test_stray_calls_whose_outputs_are_dropped_are_freed_first():
    model, clean, crit = make_classifier(), make_classifier(), nn.CrossEntropyLoss()
    x, y = _rng(16).standard_normal((2, 1, 4, 4)), np.array([2, 0])
    logits = model(x)
    for _ in range(20):
        model(x + 1)                              # output dropped at once
    crit(logits, y)
    gx = model.backward(crit.backward())
    crit(clean(x), y)
    np.testing.assert_array_equal(gx, clean.backward(crit.backward()))


def test_a_recent_pass_is_found_among_freed_ones():
    model, clean, crit = make_classifier(), make_classifier(), nn.CrossEntropyLoss()
    x, y = _rng(13).standard_normal((2, 1, 4, 4)), np.array([2, 1])
    for _ in range(10):
        model(x + 1)
    crit(model(x), y)
    gx = model.backward(crit.backward())
    crit(clean(x), y)
    np.testing.assert_array_equal(gx, clean.backward(crit.backward()))


def test_numerical_gradient_leaves_no_forward_waiting():
    fc = nn.Linear(3, 2, dtype=np.float64)
    x = _rng(14).standard_normal((2, 3))
    numerical_gradient(fc, x)
    assert fc._calls == []
    fc(x)
    fc.backward(np.ones((2, 2)))           # unambiguous: numerical_gradient kept nothing


def test_a_copy_starts_with_no_forward_waiting():
    model = make_classifier()
    x = _rng(15).standard_normal((2, 1, 4, 4))
    out = model(x)
    twin = copy.deepcopy(model)
    with pytest.raises(RuntimeError, match="call forward"):
        twin.backward(np.ones_like(out))
    model.backward(np.ones_like(out))


def test_forward_called_directly_still_records_its_cache():
    fc = nn.Linear(2, 1, bias=False, dtype=np.float64)
    fc.forward(np.array([[1.0, 2.0]]))
    np.testing.assert_array_equal(fc.backward(np.array([[3.0]])), 3 * fc.weight.data)
    np.testing.assert_array_equal(fc.weight.grad, [[3.0, 6.0]])


def test_a_subclass_backward_calling_super_consumes_one_call():
    class Doubled(nn.Linear):
        def backward(self, grad_out):
            return 2 * super().backward(grad_out)

    fc = Doubled(2, 2, dtype=np.float64)
    x = np.ones((1, 2))
    fc(x)
    fc(x)
    g = np.ones((1, 2))
    with pytest.raises(RuntimeError):
        fc.backward(g)                      # two waiting: refused
    fc(x)
    np.testing.assert_array_equal(fc.backward(g), 2 * g @ fc.weight.data)
    with pytest.raises(RuntimeError, match="a second time"):
        fc.backward(g)


def test_saved_tensors_outside_backward_is_an_error():
    with pytest.raises(RuntimeError, match="only available inside backward"):
        _ = nn.ReLU().saved_tensors


def test_the_loss_backward_may_be_repeated():
    crit = nn.CrossEntropyLoss()
    crit(np.zeros((2, 2)), np.array([0, 1]))
    np.testing.assert_array_equal(crit.backward(), crit.backward())
    with cnnlib.no_grad():
        crit(np.zeros((1, 2)), np.array([0]))    # keeps nothing: the last loss stays
    assert crit.backward().shape == (2, 2)


def test_backward_may_name_the_output_it_differentiates():
    # like PyTorch's out.backward(g): the older of two waiting passes, by name
    model, clean = make_classifier(), make_classifier()
    x = _rng(17).standard_normal((2, 1, 4, 4))
    g = _rng(18).standard_normal((2, 3))
    out = model(x)
    model(x + 1)
    gx = model.backward(g, output=out)
    clean(x)
    np.testing.assert_array_equal(gx, clean.backward(g))
    for p, q in zip(model.parameters(), clean.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad, q.grad)
    with pytest.raises(ValueError, match="output must be the array a forward call"):
        model.backward(g, output=np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="a second time"):
        model.backward(g, output=out)
