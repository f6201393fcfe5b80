"""cnnlib.optim: each optimiser against updates worked out by hand, step by step.

The expected values below are written from torch.optim's documented update
rules with the intermediate numbers computed by hand in the comments; the
test evaluates only the final arithmetic, never cnnlib's code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib import optim
from cnnlib.nn import Linear, Parameter

G = [np.array([0.5, 1.0]), np.array([-1.0, 0.5]), np.array([2.0, 0.0])]   # g1, g2, g3


def run(opt_cls, grads, p0=(1.0, -2.0), **kwargs):
    """Apply ``opt_cls`` to one parameter fed the given gradients; return each new value."""
    p = Parameter(np.array(p0, dtype=np.float64))
    opt = opt_cls([p], **kwargs)
    values = []
    for g in grads:
        opt.zero_grad()
        p.grad = np.array(g, dtype=np.float64)
        opt.step()
        values.append(p.data.copy())
    return values


def assert_steps(got, want):
    for t, (a, b) in enumerate(zip(got, want, strict=True), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=f"step {t}")


# --------------------------------------------------------------------------
# SGD
# --------------------------------------------------------------------------


def test_sgd_plain():
    # p = p - 0.1 g:  [1, -2] -> [0.95, -2.1] -> [1.05, -2.15] -> [0.85, -2.15]
    assert_steps(run(optim.SGD, G, lr=0.1), [[0.95, -2.1], [1.05, -2.15], [0.85, -2.15]])


def test_sgd_momentum_first_buffer_is_the_gradient():
    # buf1 = g1 = [0.5, 1]
    #     p1 = [1 - 0.05, -2 - 0.1] = [0.95, -2.1]
    # buf2 = 0.9 [0.5, 1] + [-1, 0.5] = [-0.55, 1.4]
    #     p2 = [0.95 + 0.055, -2.1 - 0.14] = [1.005, -2.24]
    # buf3 = 0.9 [-0.55, 1.4] + [2, 0] = [1.505, 1.26]
    #     p3 = [1.005 - 0.1505, -2.24 - 0.126] = [0.8545, -2.366]
    assert_steps(run(optim.SGD, G, lr=0.1, momentum=0.9),
                 [[0.95, -2.1], [1.005, -2.24], [0.8545, -2.366]])


def test_sgd_dampening_skips_the_first_step():
    # buf1 = g1 (no dampening on the first step)  p1 = [0.95, -2.1]
    # buf2 = 0.9 [0.5, 1] + 0.5 [-1, 0.5] = [-0.05, 1.15]     p2 = [0.955, -2.215]
    # buf3 = 0.9 [-0.05, 1.15] + 0.5 [2, 0] = [0.955, 1.035]  p3 = [0.8595, -2.3185]
    assert_steps(run(optim.SGD, G, lr=0.1, momentum=0.9, dampening=0.5),
                 [[0.95, -2.1], [0.955, -2.215], [0.8595, -2.3185]])


def test_sgd_nesterov():
    # step direction g + 0.9 buf, buffers as in the momentum test:
    # 1: [0.5, 1] + 0.9 [0.5, 1]        = [0.95, 1.9]      p1 = [0.905, -2.19]
    # 2: [-1, 0.5] + 0.9 [-0.55, 1.4]   = [-1.495, 1.76]   p2 = [1.0545, -2.366]
    # 3: [2, 0] + 0.9 [1.505, 1.26]     = [3.3545, 1.134]  p3 = [0.71905, -2.4794]
    assert_steps(run(optim.SGD, G, lr=0.1, momentum=0.9, nesterov=True),
                 [[0.905, -2.19], [1.0545, -2.366], [0.71905, -2.4794]])


def test_sgd_weight_decay_adds_to_the_gradient():
    # 1: g = [0.5, 1] + 0.1 [1, -2] = [0.6, 0.8]            p1 = [0.94, -2.08]
    # 2: g = [-1, 0.5] + 0.1 [0.94, -2.08] = [-0.906, 0.292] p2 = [1.0306, -2.1092]
    assert_steps(run(optim.SGD, G[:2], lr=0.1, weight_decay=0.1),
                 [[0.94, -2.08], [1.0306, -2.1092]])


# --------------------------------------------------------------------------
# Adam and AdamW, one scalar parameter p0 = 1 with gradients 2, -1, 0.5
# --------------------------------------------------------------------------

ADAM_G = [[2.0], [-1.0], [0.5]]
EPS = 1e-8


def adam_by_hand():
    """Torch's Adam rule with the moments worked out by hand (lr 0.1, betas 0.9/0.999).

    m1 = 0.1*2 = 0.2            v1 = 0.001*4 = 0.004
    m2 = 0.9*0.2 - 0.1 = 0.08   v2 = 0.999*0.004 + 0.001*1 = 0.004996
    m3 = 0.072 + 0.05 = 0.122   v3 = 0.999*0.004996 + 0.001*0.25 = 0.005241004
    bias corrections 1 - 0.9**t = 0.1, 0.19, 0.271 and 1 - 0.999**t = 0.001, 0.001999, 0.002997001
    p_t = p_{t-1} - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
    """
    p, out = 1.0, []
    for m, v, bc1, bc2 in [(0.2, 0.004, 0.1, 0.001), (0.08, 0.004996, 0.19, 0.001999),
                           (0.122, 0.005241004, 0.271, 0.002997001)]:
        p = p - (0.1 / bc1) * m / (math.sqrt(v) / math.sqrt(bc2) + EPS)
        out.append([p])
    return out


def test_adam_matches_the_hand_computation():
    want = adam_by_hand()
    # The first step moves by lr (up to eps): m_hat / sqrt(v_hat) = 2 / 2.
    assert want[0][0] == pytest.approx(0.9, abs=1e-8)
    assert_steps(run(optim.Adam, ADAM_G, p0=(1.0,), lr=0.1), want)


def test_adam_puts_eps_outside_the_bias_corrected_root():
    # eps is added after dividing sqrt(v) by sqrt(1 - beta2**t): with a tiny gradient
    # and a large eps the two placements differ visibly.
    got = run(optim.Adam, [[1e-3]], p0=(0.0,), lr=1.0, eps=1e-3)[0][0]
    # m = 1e-4, v = 1e-9, bc1 = 0.1, bc2 = 0.001: sqrt(v)/sqrt(bc2) = 1e-3
    assert got == pytest.approx(-(1.0 / 0.1) * 1e-4 / (1e-3 + 1e-3), rel=1e-12)   # -0.5


def test_adam_weight_decay_is_l2_in_the_gradient():
    # step 1: g = 2 + 0.1*1 = 2.1, m = 0.21, v = 0.001*2.1**2 = 0.00441
    p1 = 1.0 - (0.1 / 0.1) * 0.21 / (math.sqrt(0.00441) / math.sqrt(0.001) + EPS)
    # step 2: g = -1 + 0.1*p1, m = 0.9*0.21 + 0.1*g, v = 0.999*0.00441 + 0.001*g**2
    g2 = -1.0 + 0.1 * p1
    m2, v2 = 0.9 * 0.21 + 0.1 * g2, 0.999 * 0.00441 + 0.001 * g2**2
    p2 = p1 - (0.1 / 0.19) * m2 / (math.sqrt(v2) / math.sqrt(0.001999) + EPS)
    assert_steps(run(optim.Adam, ADAM_G[:2], p0=(1.0,), lr=0.1, weight_decay=0.1),
                 [[p1], [p2]])


def test_adamw_decays_the_weights_before_the_adam_step():
    # p <- p * (1 - lr*wd) = p * 0.99, then Adam with the raw gradient (moments as above)
    p1 = 1.0 * 0.99 - (0.1 / 0.1) * 0.2 / (math.sqrt(0.004) / math.sqrt(0.001) + EPS)
    p2 = p1 * 0.99 - (0.1 / 0.19) * 0.08 / (math.sqrt(0.004996) / math.sqrt(0.001999) + EPS)
    assert p1 == pytest.approx(0.89, abs=1e-8)
    assert_steps(run(optim.AdamW, ADAM_G[:2], p0=(1.0,), lr=0.1, weight_decay=0.1),
                 [[p1], [p2]])
    # AdamW's default decay is 1e-2, and it differs from Adam's L2 decay
    assert optim.AdamW([Parameter(np.zeros(1))]).param_groups[0]["weight_decay"] == 1e-2
    adam = run(optim.Adam, ADAM_G[:2], p0=(1.0,), lr=0.1, weight_decay=0.1)
    assert not np.allclose(adam[1], p2)


# --------------------------------------------------------------------------
# What every optimiser shares
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.1),
     lambda ps: optim.AdamW(ps, lr=0.1)],
)
def test_frozen_or_gradient_free_parameters_are_left_alone(make):
    frozen = Parameter(np.ones(2), requires_grad=False)
    frozen.grad = np.ones(2)                       # even a stale gradient is ignored
    no_grad = Parameter(np.ones(2))
    live = Parameter(np.ones(2))
    opt = make([frozen, no_grad, live])
    live.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(frozen.data, [1.0, 1.0])
    np.testing.assert_array_equal(no_grad.data, [1.0, 1.0])
    assert np.all(live.data < 1.0)
    assert frozen not in opt.state and no_grad not in opt.state


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW])
def test_float32_parameters_stay_float32(cls):
    p = Parameter(np.ones(3, dtype=np.float32))
    opt = cls([p], lr=0.1)
    p.grad = np.full(3, 0.5, dtype=np.float32)
    opt.step()
    assert p.data.dtype == np.float32


def test_zero_grad_and_parameter_groups():
    a, b = Parameter(np.zeros(1)), Parameter(np.zeros(1))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = np.ones(1), np.ones(1)
    opt.step()
    np.testing.assert_array_equal(a.data, [-0.1])
    np.testing.assert_array_equal(b.data, [-1.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_works_on_a_models_parameters():
    model = Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.5)
    before = model.weight.data.copy()
    model.weight.grad = np.ones_like(before)
    opt.step()
    np.testing.assert_allclose(model.weight.data, before - 0.5)


def test_bad_arguments_are_named():
    p = [Parameter(np.zeros(1))]
    with pytest.raises(ValueError, match="SGD: lr must be >= 0"):
        optim.SGD(p, lr=-0.1)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Adam: betas\[1\] must be in \[0.0, 1.0\)"):
        optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="got one Parameter"):
        optim.SGD(p[0], lr=0.1)
    with pytest.raises(TypeError, match="must be Parameter objects, got ndarray"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number"):
        optim.SGD(p, lr="fast")


# --------------------------------------------------------------------------
# Learning-rate schedules
# --------------------------------------------------------------------------


def lrs_over(sched_cls, epochs, lr=1.0, **kwargs):
    opt = optim.SGD([Parameter(np.zeros(1))], lr=lr)
    sched = sched_cls(opt, **kwargs)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        sched.step()
    return out, sched


def test_step_lr():
    # multiply by gamma = 0.5 every 2 epochs: 1, 1, 0.5, 0.5, 0.25, 0.25
    got, sched = lrs_over(optim.StepLR, 6, step_size=2, gamma=0.5)
    assert got == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert sched.get_last_lr() == [0.125]


def test_cosine_annealing_lr():
    # eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2 with base 1, eta_min 0.1, T_max 4:
    # t = 0..4: 1, 0.1 + 0.45 (1 + 1/sqrt 2), 0.55, 0.1 + 0.45 (1 - 1/sqrt 2), 0.1;
    # then it climbs back: t = 5 gives the t = 3 value again.
    got, _ = lrs_over(optim.CosineAnnealingLR, 6, T_max=4, eta_min=0.1)
    r = 1 / math.sqrt(2)
    want = [1.0, 0.1 + 0.45 * (1 + r), 0.55, 0.1 + 0.45 * (1 - r), 0.1, 0.1 + 0.45 * (1 - r)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_schedule_drives_the_update_size():
    p = Parameter(np.zeros(1))
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.1)
    for _ in range(3):
        p.grad = np.ones(1)
        opt.step()
        sched.step()
    # steps of 1, 0.1, 0.01
    np.testing.assert_allclose(p.data, [-1.11])


def test_schedule_arguments_are_checked():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive int"):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(TypeError, match="optimizer must be a cnnlib.optim optimiser"):
        optim.StepLR("sgd", step_size=1)
