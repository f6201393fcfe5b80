"""cnnlib.gradcheck.numerical_gradient on views, when f raises, and with modules.

Expected gradients are worked by hand: d/dx of sum(w * x**2) is 2 w x.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import nn
from cnnlib.gradcheck import gradcheck, numerical_gradient, relative_error


def test_a_transposed_view_is_nudged_where_f_reads_it():
    a = np.arange(6.0).reshape(2, 3)
    weights = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    def f(_v):
        return np.sum(weights * a**2)          # reads a, not the view passed in

    g = numerical_gradient(f, a.T)
    np.testing.assert_allclose(g, (2 * weights * a).T, rtol=1e-8)   # the old code: all zeros


def test_a_strided_view():
    a = np.arange(12.0).reshape(3, 4)
    g = numerical_gradient(lambda _v: np.sum(a**2), a[:, ::2])
    np.testing.assert_allclose(g, 2 * a[:, ::2], rtol=1e-8)
    assert relative_error(g, 2 * a[:, ::2]) < 1e-8


def test_an_nhwc_to_nchw_transpose_as_a_layers_input():
    conv = nn.Conv2d(2, 1, 2, bias=False).double()
    nhwc = np.random.default_rng(0).standard_normal((1, 3, 3, 2))
    x = nhwc.transpose(0, 3, 1, 2)               # non-contiguous NCHW view
    out = conv(x)
    g = np.ones_like(out)
    analytic = conv.backward(g)
    numeric = numerical_gradient(lambda _v: conv(nhwc.transpose(0, 3, 1, 2)), x, g)
    assert relative_error(analytic, numeric) < 1e-8


def test_x_is_restored_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 3:                     # during the nudge of x[1]
            raise RuntimeError("boom")
        return v

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x, np.ones(3))
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert calls[2][1] != 2.0                   # f did see the nudge


def test_read_only_and_float32_inputs_are_refused():
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="numerical_gradient: x must be writeable"):
        numerical_gradient(lambda v: v, ro)
    with pytest.raises(TypeError, match="numerical_gradient: x must be a float64"):
        numerical_gradient(lambda v: v, np.zeros(3, dtype=np.float32))


def test_zero_d_and_gradcheck_still_work():
    np.testing.assert_allclose(numerical_gradient(lambda v: v**3, np.array(2.0)), 12.0,
                               rtol=1e-8)
    results = gradcheck(lambda x: x**2, lambda g, x: (2 * x * g,), {"x": np.arange(4.0)})
    assert all(r.passed for r in results)
