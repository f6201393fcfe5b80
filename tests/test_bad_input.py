"""Bad input raises a clear error for every public function of the functional core.

The contract (DESIGN.md, "The functional contract"; CONTRIBUTING.md): a
``ValueError`` for a value of the right kind but the wrong size, a
``TypeError`` for a value of the wrong kind, and a message that starts with the
function's name and names the argument.  Nothing returns a wrongly shaped
result silently, and nothing leaks an ``IndexError`` or a NumPy broadcasting
error.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlib import (
    avg_pool2d,
    avg_pool2d_backward,
    col2im,
    conv2d,
    conv2d_backward,
    conv2d_naive,
    conv_output_size,
    corr2d,
    global_avg_pool2d,
    global_avg_pool2d_backward,
    im2col,
    max_pool2d,
    max_pool2d_backward,
    relu,
    relu_backward,
)

# Valid defaults: x (1, 2, 5, 5), weight (3, 2, 3, 3), bias (3,), conv output (1, 3, 3, 3).
X = np.ones((1, 2, 5, 5))
W = np.ones((3, 2, 3, 3))
B = np.ones(3)
G = np.ones((1, 3, 3, 3))


def _conv_call(fn):
    """A caller with conv2d's keywords; for conv2d_backward it builds a grad_out.

    grad_out has the shape the output would have if the bad argument were
    ignored (the valid default), so the bad argument is the only thing wrong.
    """
    if fn is conv2d_backward:

        def call(x=X, weight=W, bias=None, grad_out=G, **kw):
            return conv2d_backward(grad_out, x, weight, **kw)

        return call

    def call(x=X, weight=W, bias=B, grad_out=None, **kw):
        return fn(x, weight, bias, **kw)

    return call


def assert_raises(exc, call, fn_name, *patterns):
    """``call()`` raises exactly ``exc``; the message starts with ``fn_name`` and matches all."""
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc, f"raised {type(info.value).__name__}, expected {exc.__name__}"
    msg = str(info.value)
    assert re.match(rf"{fn_name}\b", msg), f"message does not start with {fn_name!r}: {msg!r}"
    for pattern in patterns:
        assert re.search(pattern, msg), f"message does not mention {pattern!r}: {msg!r}"


# --------------------------------------------------------------------------
# conv2d, conv2d_naive, conv2d_backward
# --------------------------------------------------------------------------

CONV_CASES = [
    # id, keyword overrides, exception, patterns the message must contain
    ("x-3d", dict(x=np.ones((2, 5, 5))), ValueError, [r"\bx\b", "4"]),
    ("x-5d", dict(x=np.ones((1, 1, 2, 5, 5))), ValueError, [r"\bx\b"]),
    ("weight-3d", dict(weight=np.ones((3, 2, 3))), ValueError, [r"weight"]),
    ("channel-mismatch", dict(weight=np.ones((3, 3, 3, 3))), ValueError, [r"weight", r"channel"]),
    (
        "channel-mismatch-groups",  # groups=2: weight must have 2 // 2 = 1 input channel
        dict(weight=np.ones((4, 2, 3, 3)), groups=2),
        ValueError,
        [r"channel|groups"],
    ),
    (
        "groups-not-dividing-c-in",
        dict(x=np.ones((1, 3, 5, 5)), weight=np.ones((2, 1, 3, 3)), groups=2),
        ValueError,
        [r"groups"],
    ),
    (
        "groups-not-dividing-c-out",
        dict(weight=np.ones((3, 1, 3, 3)), groups=2),
        ValueError,
        [r"groups"],
    ),
    ("groups-zero", dict(groups=0), ValueError, [r"groups"]),
    ("groups-float", dict(groups=1.5), TypeError, [r"groups"]),
    ("groups-bool", dict(groups=True), TypeError, [r"groups"]),
    ("kernel-larger", dict(x=np.ones((1, 2, 2, 5))), ValueError, [r"kernel|weight"]),
    (
        "dilated-kernel-larger",
        dict(dilation=3),  # spans 7 > 5
        ValueError,
        [r"kernel|weight|dilation"],
    ),
    ("stride-zero", dict(stride=0), ValueError, [r"stride"]),
    ("stride-negative", dict(stride=-1), ValueError, [r"stride"]),
    ("stride-pair-zero", dict(stride=(1, 0)), ValueError, [r"stride"]),
    ("stride-float", dict(stride=1.5), TypeError, [r"stride"]),
    ("stride-bool", dict(stride=True), TypeError, [r"stride"]),
    ("stride-string", dict(stride="2"), TypeError, [r"stride"]),
    ("stride-triple", dict(stride=(1, 1, 1)), ValueError, [r"stride"]),
    ("stride-none", dict(stride=None), TypeError, [r"stride"]),
    ("stride-pair-bool", dict(stride=(2, True)), TypeError, [r"stride"]),
    ("stride-pair-float", dict(stride=(2, 1.0)), TypeError, [r"stride"]),
    ("stride-single", dict(stride=(2,)), ValueError, [r"stride"]),
    ("padding-negative", dict(padding=-1), ValueError, [r"padding"]),
    ("padding-pair-negative", dict(padding=(0, -1)), ValueError, [r"padding"]),
    ("padding-float", dict(padding=0.5), TypeError, [r"padding"]),
    ("padding-bool", dict(padding=True), TypeError, [r"padding"]),
    ("padding-same-stride-2", dict(padding="same", stride=2), ValueError, [r"same", r"stride"]),
    (
        "padding-same-stride-pair",
        dict(padding="same", stride=(1, 2)),
        ValueError,
        [r"same", r"stride"],
    ),
    ("padding-bad-string", dict(padding="full"), ValueError, [r"padding"]),
    ("padding-uppercase", dict(padding="SAME"), ValueError, [r"padding"]),
    ("dilation-zero", dict(dilation=0), ValueError, [r"dilation"]),
    ("dilation-pair-zero", dict(dilation=(0, 1)), ValueError, [r"dilation"]),
    ("dilation-float", dict(dilation=1.5), TypeError, [r"dilation"]),
    ("x-string-dtype", dict(x=np.full((1, 2, 5, 5), "a")), TypeError, [r"\bx\b"]),
    ("x-object-dtype", dict(x=X.astype(object)), TypeError, [r"\bx\b"]),
    ("x-complex", dict(x=X.astype(complex)), TypeError, [r"\bx\b"]),
    ("x-none", dict(x=None), TypeError, [r"\bx\b"]),
    ("x-scalar", dict(x=3.0), TypeError, [r"\bx\b"]),
    ("weight-complex", dict(weight=W.astype(complex)), TypeError, [r"weight"]),
    ("weight-object", dict(weight=W.astype(object)), TypeError, [r"weight"]),
]

BIAS_CASES = [
    ("bias-wrong-length", dict(bias=np.ones(2)), ValueError, [r"bias"]),
    ("bias-2d", dict(bias=np.ones((3, 1))), ValueError, [r"bias"]),
    ("bias-scalar-array", dict(bias=np.array(1.0)), ValueError, [r"bias"]),
    ("bias-complex", dict(bias=B.astype(complex)), TypeError, [r"bias"]),
    ("bias-string", dict(bias="zeros"), TypeError, [r"bias"]),
]

GRAD_OUT_CASES = [
    ("grad_out-wrong-spatial", dict(grad_out=np.ones((1, 3, 2, 2))), ValueError, [r"grad_out"]),
    ("grad_out-wrong-channels", dict(grad_out=np.ones((1, 2, 3, 3))), ValueError, [r"grad_out"]),
    ("grad_out-wrong-batch", dict(grad_out=np.ones((2, 3, 3, 3))), ValueError, [r"grad_out"]),
    ("grad_out-3d", dict(grad_out=np.ones((3, 3, 3))), ValueError, [r"grad_out"]),
    ("grad_out-complex", dict(grad_out=G.astype(complex)), TypeError, [r"grad_out"]),
]


def _conv_params():
    for fn in (conv2d, conv2d_naive, conv2d_backward):
        cases = CONV_CASES + (GRAD_OUT_CASES if fn is conv2d_backward else BIAS_CASES)
        for case_id, kw, exc, patterns in cases:
            yield pytest.param(fn, kw, exc, patterns, id=f"{fn.__name__}-{case_id}")


@pytest.mark.parametrize(("fn", "kw", "exc", "patterns"), list(_conv_params()))
def test_conv_bad_input(fn, kw, exc, patterns):
    call = _conv_call(fn)
    assert_raises(exc, lambda: call(**kw), fn.__name__, *patterns)


@pytest.mark.parametrize("fn", [conv2d, conv2d_naive])
def test_conv_accepts_what_the_contract_allows(fn):
    # Sanity for the table above: the valid defaults do not raise, nor do the
    # documented alternatives (pairs, numpy ints, 'valid', 'same' at stride 1, lists).
    fn(X, W, B)
    fn(X, W, None, stride=(1, 2), padding=(1, 0), dilation=(1, 2))
    fn(X, W, B, stride=np.int64(2), padding=np.int32(1))
    fn(X, W, B, padding="valid")
    fn(X, W, B, padding="same", stride=(1, 1))
    fn(X.tolist(), W.tolist(), B.tolist())


# --------------------------------------------------------------------------
# conv_output_size
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kw", "exc", "patterns"),
    [
        pytest.param((0, 3), {}, ValueError, [r"\bsize"], id="size-zero"),
        pytest.param((-4, 3), {}, ValueError, [r"\bsize"], id="size-negative"),
        pytest.param((5.0, 3), {}, TypeError, [r"\bsize"], id="size-float"),
        pytest.param((5, 0), {}, ValueError, [r"kernel_size"], id="kernel-zero"),
        pytest.param((5, 2.5), {}, TypeError, [r"kernel_size"], id="kernel-float"),
        pytest.param((5, 6), {}, ValueError, [r"kernel"], id="kernel-larger"),
        pytest.param(
            (5, 3), dict(dilation=3), ValueError, [r"kernel|dilation"], id="dilated-larger"
        ),
        pytest.param((5, 3), dict(stride=0), ValueError, [r"stride"], id="stride-zero"),
        pytest.param((5, 3), dict(stride=-2), ValueError, [r"stride"], id="stride-negative"),
        pytest.param((5, 3), dict(stride=1.5), TypeError, [r"stride"], id="stride-float"),
        pytest.param((5, 3), dict(stride=True), TypeError, [r"stride"], id="stride-bool"),
        pytest.param((5, 3), dict(padding=-1), ValueError, [r"padding"], id="padding-negative"),
        pytest.param((5, 3), dict(padding=1.0), TypeError, [r"padding"], id="padding-float"),
        pytest.param((5, 3), dict(padding="full"), ValueError, [r"padding"], id="padding-string"),
        pytest.param(
            (5, 3), dict(padding="same", stride=2), ValueError, [r"same", r"stride"], id="same-s2"
        ),
        pytest.param((5, 3), dict(dilation=0), ValueError, [r"dilation"], id="dilation-zero"),
        pytest.param((5, 3), dict(dilation=2.0), TypeError, [r"dilation"], id="dilation-float"),
    ],
)
def test_conv_output_size_bad_input(args, kw, exc, patterns):
    assert_raises(exc, lambda: conv_output_size(*args, **kw), "conv_output_size", *patterns)


# --------------------------------------------------------------------------
# corr2d
# --------------------------------------------------------------------------

X2 = np.ones((4, 4))
K2 = np.ones((2, 2))


@pytest.mark.parametrize(
    ("x", "k", "exc", "patterns"),
    [
        pytest.param(np.ones((1, 1, 4, 4)), K2, ValueError, [r"\bx\b"], id="x-4d"),
        pytest.param(np.ones(4), K2, ValueError, [r"\bx\b"], id="x-1d"),
        pytest.param(X2, np.ones((1, 1, 2, 2)), ValueError, [r"\bk\b"], id="k-4d"),
        pytest.param(X2, np.ones((5, 2)), ValueError, [r"\bk\b|kernel"], id="k-taller"),
        pytest.param(X2, np.ones((2, 5)), ValueError, [r"\bk\b|kernel"], id="k-wider"),
        pytest.param(X2.astype(complex), K2, TypeError, [r"\bx\b"], id="x-complex"),
        pytest.param(np.full((4, 4), "a"), K2, TypeError, [r"\bx\b"], id="x-string"),
        pytest.param(X2.astype(object), K2, TypeError, [r"\bx\b"], id="x-object"),
        pytest.param(X2, K2.astype(complex), TypeError, [r"\bk\b"], id="k-complex"),
        pytest.param(None, K2, TypeError, [r"\bx\b"], id="x-none"),
    ],
)
def test_corr2d_bad_input(x, k, exc, patterns):
    assert_raises(exc, lambda: corr2d(x, k), "corr2d", *patterns)


# --------------------------------------------------------------------------
# im2col, col2im
# --------------------------------------------------------------------------

IM2COL_CASES = [
    ("x-3d", dict(x=np.ones((2, 5, 5))), ValueError, [r"\bx\b"]),
    ("kernel-zero", dict(kernel_size=0), ValueError, [r"kernel_size"]),
    ("kernel-float", dict(kernel_size=2.0), TypeError, [r"kernel_size"]),
    ("kernel-bool", dict(kernel_size=True), TypeError, [r"kernel_size"]),
    ("kernel-larger", dict(kernel_size=(6, 2)), ValueError, [r"kernel"]),
    ("dilated-larger", dict(kernel_size=3, dilation=3), ValueError, [r"kernel|dilation"]),
    ("stride-zero", dict(stride=0), ValueError, [r"stride"]),
    ("stride-float", dict(stride=1.5), TypeError, [r"stride"]),
    ("stride-bool", dict(stride=False), TypeError, [r"stride"]),
    ("padding-negative", dict(padding=(-1, 0)), ValueError, [r"padding"]),
    ("dilation-zero", dict(dilation=0), ValueError, [r"dilation"]),
    ("x-complex", dict(x=X.astype(complex)), TypeError, [r"\bx\b"]),
    ("x-object", dict(x=X.astype(object)), TypeError, [r"\bx\b"]),
    ("x-string", dict(x=np.full((1, 1, 3, 3), "a")), TypeError, [r"\bx\b"]),
]


@pytest.mark.parametrize(
    ("kw", "exc", "patterns"),
    [pytest.param(kw, exc, p, id=i) for i, kw, exc, p in IM2COL_CASES],
)
def test_im2col_bad_input(kw, exc, patterns):
    args = dict(x=X, kernel_size=2) | kw
    assert_raises(exc, lambda: im2col(**args), "im2col", *patterns)


COLS = np.ones((1, 2 * 4, 16))  # x (1, 2, 5, 5), kernel 2 -> 4 x 4 = 16 windows

COL2IM_CASES = [
    ("cols-4d", dict(cols=np.ones((1, 8, 4, 4))), ValueError, [r"cols"]),
    ("cols-2d", dict(cols=np.ones((8, 16))), ValueError, [r"cols"]),
    ("cols-rows-not-multiple", dict(cols=np.ones((1, 7, 16))), ValueError, [r"cols|kernel"]),
    ("cols-length-mismatch", dict(cols=np.ones((1, 8, 15))), ValueError, [r"output_size|cols"]),
    ("output-size-inconsistent", dict(output_size=(5, 6)), ValueError, [r"output_size"]),
    ("output-size-zero", dict(output_size=(0, 5)), ValueError, [r"output_size"]),
    ("output-size-float", dict(output_size=(5.0, 5)), TypeError, [r"output_size"]),
    ("output-size-string", dict(output_size="5x5"), TypeError, [r"output_size"]),
    ("kernel-larger", dict(kernel_size=6), ValueError, [r"kernel"]),
    ("kernel-zero", dict(kernel_size=0), ValueError, [r"kernel_size"]),
    ("stride-zero", dict(stride=0), ValueError, [r"stride"]),
    ("stride-float", dict(stride=1.5), TypeError, [r"stride"]),
    ("padding-negative", dict(padding=-1), ValueError, [r"padding"]),
    ("dilation-zero", dict(dilation=0), ValueError, [r"dilation"]),
    ("cols-complex", dict(cols=COLS.astype(complex)), TypeError, [r"cols"]),
    ("cols-object", dict(cols=COLS.astype(object)), TypeError, [r"cols"]),
]


@pytest.mark.parametrize(
    ("kw", "exc", "patterns"),
    [pytest.param(kw, exc, p, id=i) for i, kw, exc, p in COL2IM_CASES],
)
def test_col2im_bad_input(kw, exc, patterns):
    args = dict(cols=COLS, output_size=(5, 5), kernel_size=2) | kw
    assert_raises(exc, lambda: col2im(**args), "col2im", *patterns)


def test_col2im_valid_defaults_do_not_raise():
    assert col2im(COLS, (5, 5), 2).shape == (1, 2, 5, 5)


# --------------------------------------------------------------------------
# relu, relu_backward
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "exc"),
    [
        pytest.param(np.array([1 + 2j]), TypeError, id="complex"),
        pytest.param(np.array(["a", "b"]), TypeError, id="string"),
        pytest.param(np.array([1.0, None]), TypeError, id="object"),
        pytest.param(None, TypeError, id="none"),
        pytest.param("1.0", TypeError, id="str"),
    ],
)
def test_relu_bad_input(x, exc):
    assert_raises(exc, lambda: relu(x), "relu", r"\bx\b")


@pytest.mark.parametrize(
    ("g", "x", "exc", "pattern"),
    [
        pytest.param(np.ones(3), np.ones(4), ValueError, r"grad_out", id="shape-mismatch"),
        pytest.param(np.ones((2, 2)), np.ones(4), ValueError, r"grad_out", id="rank-mismatch"),
        pytest.param(np.ones((1, 4)), np.ones(4), ValueError, r"grad_out", id="no-broadcasting"),
        pytest.param(np.ones(4, complex), np.ones(4), TypeError, r"grad_out", id="grad-complex"),
        pytest.param(np.ones(4), np.ones(4, complex), TypeError, r"\bx\b", id="x-complex"),
        pytest.param(np.ones(4), np.array(list("abcd")), TypeError, r"\bx\b", id="x-string"),
        pytest.param(None, np.ones(4), TypeError, r"grad_out", id="grad-none"),
    ],
)
def test_relu_backward_bad_input(g, x, exc, pattern):
    assert_raises(exc, lambda: relu_backward(g, x), "relu_backward", pattern)


# --------------------------------------------------------------------------
# max_pool2d, avg_pool2d and their backward passes
# --------------------------------------------------------------------------

PX = np.arange(50.0).reshape(1, 2, 5, 5)  # kernel 2 -> output (1, 2, 2, 2)
PG = np.ones((1, 2, 2, 2))

POOL_CASES = [
    ("x-3d", dict(x=np.ones((2, 5, 5))), ValueError, [r"\bx\b"]),
    ("x-2d", dict(x=np.ones((5, 5))), ValueError, [r"\bx\b"]),
    ("kernel-zero", dict(kernel_size=0), ValueError, [r"kernel_size"]),
    ("kernel-pair-zero", dict(kernel_size=(2, 0)), ValueError, [r"kernel_size"]),
    ("kernel-float", dict(kernel_size=2.0), TypeError, [r"kernel_size"]),
    ("kernel-bool", dict(kernel_size=True), TypeError, [r"kernel_size"]),
    ("kernel-single", dict(kernel_size=(2,)), ValueError, [r"kernel_size"]),
    ("kernel-larger", dict(kernel_size=(2, 6)), ValueError, [r"kernel"]),
    ("stride-zero", dict(stride=0), ValueError, [r"stride"]),
    ("stride-negative", dict(stride=-2), ValueError, [r"stride"]),
    ("stride-float", dict(stride=1.5), TypeError, [r"stride"]),
    ("stride-bool", dict(stride=True), TypeError, [r"stride"]),
    ("padding-negative", dict(padding=-1), ValueError, [r"padding"]),
    ("padding-float", dict(padding=0.5), TypeError, [r"padding"]),
    ("padding-string", dict(padding="same"), TypeError, [r"padding"]),
    # PyTorch: "pad should be at most half of kernel size"
    ("padding-over-half", dict(kernel_size=2, padding=2), ValueError, [r"padding"]),
    ("padding-over-half-pair", dict(kernel_size=(3, 2), padding=(1, 2)), ValueError, [r"padding"]),
    ("padding-kernel-1", dict(kernel_size=1, padding=1), ValueError, [r"padding"]),
    ("padding-over-half-odd", dict(kernel_size=3, padding=2), ValueError, [r"padding"]),
    ("x-complex", dict(x=PX.astype(complex)), TypeError, [r"\bx\b"]),
    ("x-object", dict(x=PX.astype(object)), TypeError, [r"\bx\b"]),
    ("x-string", dict(x=np.full((1, 1, 4, 4), "a")), TypeError, [r"\bx\b"]),
]

POOL_GRAD_CASES = [
    ("grad_out-wrong-spatial", dict(grad_out=np.ones((1, 2, 3, 3))), ValueError, [r"grad_out"]),
    ("grad_out-wrong-channels", dict(grad_out=np.ones((1, 1, 2, 2))), ValueError, [r"grad_out"]),
    ("grad_out-3d", dict(grad_out=np.ones((2, 2, 2))), ValueError, [r"grad_out"]),
    ("grad_out-complex", dict(grad_out=PG.astype(complex)), TypeError, [r"grad_out"]),
]


def _pool_params():
    for fwd, bwd in ((max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)):
        for case_id, kw, exc, patterns in POOL_CASES:
            yield pytest.param(fwd, kw, exc, patterns, id=f"{fwd.__name__}-{case_id}")
        for case_id, kw, exc, patterns in POOL_CASES + POOL_GRAD_CASES:
            yield pytest.param(bwd, kw, exc, patterns, id=f"{bwd.__name__}-{case_id}")


@pytest.mark.parametrize(("fn", "kw", "exc", "patterns"), list(_pool_params()))
def test_pool_bad_input(fn, kw, exc, patterns):
    args = dict(x=PX, kernel_size=2) | kw
    if fn.__name__.endswith("_backward"):
        grad_out = args.pop("grad_out", PG)
        call = lambda: fn(grad_out, **args)  # noqa: E731
    else:
        call = lambda: fn(**args)  # noqa: E731
    assert_raises(exc, call, fn.__name__, *patterns)


@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d])
def test_pool_accepts_half_kernel_padding(fn):
    # the boundary of PyTorch's rule is allowed: padding == kernel_size // 2
    assert fn(PX, 2, padding=1).shape == (1, 2, 3, 3)
    assert fn(PX, (3, 2), stride=1, padding=(1, 1)).shape == (1, 2, 5, 6)
    assert fn(PX, (5, 4), stride=1, padding=2).shape == (1, 2, 5, 6)


@pytest.mark.parametrize(
    ("x", "exc", "pattern"),
    [
        pytest.param(np.ones((2, 5, 5)), ValueError, r"\bx\b", id="x-3d"),
        pytest.param(np.ones((1, 2, 3, 3, 3)), ValueError, r"\bx\b", id="x-5d"),
        pytest.param(PX.astype(complex), TypeError, r"\bx\b", id="x-complex"),
        pytest.param(PX.astype(object), TypeError, r"\bx\b", id="x-object"),
        pytest.param(None, TypeError, r"\bx\b", id="x-none"),
    ],
)
def test_global_avg_pool2d_bad_input(x, exc, pattern):
    assert_raises(exc, lambda: global_avg_pool2d(x), "global_avg_pool2d", pattern)


@pytest.mark.parametrize(
    ("g", "x", "exc", "pattern"),
    [
        pytest.param(np.ones((1, 3)), PX, ValueError, r"grad_out", id="grad-wrong-channels"),
        pytest.param(np.ones((2, 2)), PX, ValueError, r"grad_out", id="grad-wrong-batch"),
        pytest.param(np.ones((1, 2, 1, 1)), PX, ValueError, r"grad_out", id="grad-4d"),
        pytest.param(np.ones(2), PX, ValueError, r"grad_out", id="grad-1d"),
        pytest.param(np.ones((1, 2), complex), PX, TypeError, r"grad_out", id="grad-complex"),
        pytest.param(np.ones((1, 2)), np.ones((2, 5, 5)), ValueError, r"\bx\b", id="x-3d"),
        pytest.param(np.ones((1, 2)), PX.astype(complex), TypeError, r"\bx\b", id="x-complex"),
    ],
)
def test_global_avg_pool2d_backward_bad_input(g, x, exc, pattern):
    assert_raises(
        exc, lambda: global_avg_pool2d_backward(g, x), "global_avg_pool2d_backward", pattern
    )


# --------------------------------------------------------------------------
# nn.functional: batch norm, linear, adaptive pooling, softmax (issue 11)
# --------------------------------------------------------------------------

from cnnlib.nn import functional as F  # noqa: E402

BX = np.ones((2, 3, 4, 4))
C3 = np.ones(3)

FUNCTIONAL_CASES = [
    ("batch_norm-mean-shape", lambda: F.batch_norm(BX, np.ones(4), C3), ValueError,
     "batch_norm", [r"\bmean\b", r"\(3,\)", r"\(4,\)"]),
    ("batch_norm-x-1d", lambda: F.batch_norm(np.ones(3), C3, C3), ValueError,
     "batch_norm", [r"\bx\b", r"\(N, C, \.\.\.\)", r"\(3,\)"]),
    ("batch_norm-weight-shape", lambda: F.batch_norm(BX, C3, C3, np.ones(2)), ValueError,
     "batch_norm", [r"\bweight\b", r"\(3,\)", r"\(2,\)"]),
    ("batch_norm-var-list-of-str", lambda: F.batch_norm(BX, C3, ["a", "b", "c"]), TypeError,
     "batch_norm", [r"\bvar\b"]),
    ("batch_norm-eps-str", lambda: F.batch_norm(BX, C3, C3, eps="1e-5"), TypeError,
     "batch_norm", [r"\beps\b", "number", "str"]),
    ("batch_norm_backward-grad-shape",
     lambda: F.batch_norm_backward(np.ones((2, 3, 4, 5)), BX, C3, C3), ValueError,
     "batch_norm_backward", [r"grad_out", r"\(2, 3, 4, 4\)", r"\(2, 3, 4, 5\)"]),
    ("batch_norm_backward-mean-shape",
     lambda: F.batch_norm_backward(BX, BX, np.ones(1), C3), ValueError,
     "batch_norm_backward", [r"\bmean\b", r"\(3,\)"]),
    ("linear_backward-weight-1d",
     lambda: F.linear_backward(np.ones((2, 3)), np.ones((2, 4)), np.ones(4)), ValueError,
     "linear_backward", [r"\bweight\b", r"\(out_features, in_features\)"]),
    ("linear_backward-x-features",
     lambda: F.linear_backward(np.ones((2, 3)), np.ones((2, 5)), np.ones((3, 4))), ValueError,
     "linear_backward", [r"\bx\b", r"\(\.\.\., 4\)", r"\(2, 5\)"]),
    ("linear_backward-grad-list",
     lambda: F.linear_backward([[1.0, 2.0]], np.ones((2, 4)), np.ones((3, 4))), ValueError,
     "linear_backward", [r"grad_out", r"\(2, 3\)", r"\(1, 2\)"]),
    ("linear_backward-grad-none",
     lambda: F.linear_backward(None, np.ones((2, 4)), np.ones((3, 4))), TypeError,
     "linear_backward", [r"grad_out", "NoneType"]),
    ("adaptive_avg_pool2d_backward-x-3d",
     lambda: F.adaptive_avg_pool2d_backward(np.ones((1, 2, 2)), np.ones((1, 4, 4)), 2),
     ValueError, "adaptive_avg_pool2d_backward", [r"\bx\b", r"\(N, C, H, W\)"]),
    ("adaptive_avg_pool2d_backward-grad-list",
     lambda: F.adaptive_avg_pool2d_backward([1.0], np.ones((1, 1, 4, 4)), 2),
     ValueError, "adaptive_avg_pool2d_backward", [r"grad_out", r"\(1, 1, 2, 2\)"]),
    ("adaptive_avg_pool2d-empty-x",
     lambda: F.adaptive_avg_pool2d(np.ones((1, 1, 0, 4)), 2),
     ValueError, "adaptive_avg_pool2d", [r"\bx\b", r"\(1, 1, 0, 4\)"]),
    ("adaptive_bins-zero", lambda: F.adaptive_bins(5, 0), ValueError,
     "adaptive_bins", [r"out_size", "positive", r"\b0\b"]),
    ("adaptive_bins-negative", lambda: F.adaptive_bins(-5, 2), ValueError,
     "adaptive_bins", [r"in_size", "positive", r"-5"]),
    ("adaptive_bins-float", lambda: F.adaptive_bins(5.0, 2), TypeError,
     "adaptive_bins", [r"in_size", "int", "float"]),
    ("log_softmax-1d", lambda: F.log_softmax(np.ones(3)), ValueError,
     "log_softmax", [r"axis=1", r"1 dimension", r"\(3,\)", r"axis=0"]),
    ("softmax-1d", lambda: F.softmax(np.ones(3)), ValueError,
     "softmax", [r"axis=1", r"\(3,\)"]),
    ("softmax-axis-float", lambda: F.softmax(np.ones((2, 3)), axis=1.0), TypeError,
     "softmax", [r"\baxis\b", "int", "float"]),
]


@pytest.mark.parametrize(("call", "exc", "fn_name", "patterns"),
                         [pytest.param(*case[1:], id=case[0]) for case in FUNCTIONAL_CASES])
def test_functional_bad_input(call, exc, fn_name, patterns):
    assert_raises(exc, call, fn_name, *patterns)


# --------------------------------------------------------------------------
# The training loop's arguments (issue 11)
# --------------------------------------------------------------------------

from cnnlib import nn, optim  # noqa: E402
from cnnlib.train import DataLoader, fit, predict, train_step  # noqa: E402
from cnnlib.transfer import train_steps  # noqa: E402

TX = np.ones((4, 3))
TY = np.array([0, 1, 0, 1])


def _net():
    model = nn.Linear(3, 2, dtype=np.float64)
    return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1)


TRAIN_CASES = [
    ("train_step-loss-and-optimizer-swapped",
     lambda m, lf, o: train_step(m, o, lf, TX, TY), TypeError, "train_step",
     [r"loss_fn", r"SGD", r"swapped"]),
    ("train_step-model-and-x-swapped",
     lambda m, lf, o: train_step(TX, lf, o, m, TY), TypeError, "train_step",
     [r"\bmodel\b", r"ndarray", r"swapped"]),
    ("train_step-x-and-y-swapped",
     lambda m, lf, o: train_step(m, lf, o, TY, TX), TypeError, "train_step",
     [r"\by\b", r"integer class indices", r"float64", r"swapped"]),
    ("predict-swapped",
     lambda m, lf, o: predict(TX, m), TypeError, "predict",
     [r"\bmodel\b", r"ndarray", r"swapped"]),
    ("predict-x-list",
     lambda m, lf, o: predict(m, [[1.0, 2.0, 3.0]]), TypeError, "predict",
     [r"\bx\b", r"ndarray", r"list"]),
    ("fit-optimizer-none",
     lambda m, lf, o: fit(m, lf, None, (TX, TY), progress=False), TypeError, "fit",
     [r"optimizer", r"optimiser", r"NoneType"]),
    ("fit-scheduler-wrong",
     lambda m, lf, o: fit(m, lf, o, (TX, TY), scheduler=0.1, progress=False), TypeError, "fit",
     [r"scheduler", r"float"]),
    ("DataLoader-seed-negative",
     lambda m, lf, o: DataLoader((TX, TY), seed=-1), ValueError, "DataLoader",
     [r"\bseed\b", r"non-negative int", r"-1"]),
    ("DataLoader-seed-float",
     lambda m, lf, o: DataLoader((TX, TY), seed=1.5), TypeError, "DataLoader",
     [r"\bseed\b", r"float", r"1.5"]),
    ("train_steps-empty-data",
     lambda m, lf, o: train_steps(m, lf, o, (np.ones((0, 3)), np.array([], dtype=np.int64)),
                                 steps=5, batch_size=32),
     ValueError, "train_steps", [r"train_data", r"at least one example", r"\(0, 3\)"]),
]


@pytest.mark.parametrize(("call", "exc", "fn_name", "patterns"),
                         [pytest.param(*case[1:], id=case[0]) for case in TRAIN_CASES])
def test_training_bad_input(call, exc, fn_name, patterns):
    model, loss_fn, opt = _net()
    assert_raises(exc, lambda: call(model, loss_fn, opt), fn_name, *patterns)

