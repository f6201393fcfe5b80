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


# --------------------------------------------------------------------------
# RMSprop (issue 11), by hand with alpha = 0.5 so the averages are simple
# --------------------------------------------------------------------------


def test_rmsprop_plain():
    # v = 0.5 v + 0.5 g**2;  p = p - 0.1 g / sqrt(v)   (eps = 0)
    # t=1: v = [0.125, 0.5]; g / sqrt(v) = [sqrt 2, sqrt 2]
    # t=2: v = [0.0625 + 0.5, 0.25 + 0.125] = [0.5625, 0.375]; g / sqrt v = [-1/0.75, 0.5/sqrt .375]
    # t=3: v = [0.28125 + 2, 0.1875 + 0] = [2.28125, 0.1875];   g / sqrt v = [2/sqrt 2.28125, 0]
    s2 = math.sqrt(2)
    p1 = np.array([1 - 0.1 * s2, -2 - 0.1 * s2])
    p2 = p1 - 0.1 * np.array([-1 / 0.75, 0.5 / math.sqrt(0.375)])
    p3 = p2 - 0.1 * np.array([2 / math.sqrt(2.28125), 0.0])
    assert_steps(run(optim.RMSprop, G, lr=0.1, alpha=0.5, eps=0.0), [p1, p2, p3])


def test_rmsprop_centered_with_momentum():
    # ga = ga + 0.5 (g - ga); avg = sqrt(v - ga**2); buf = 0.9 buf + g / avg; p = p - 0.1 buf
    # t=1: ga = [0.25, 0.5], v = [0.125, 0.5], avg = [0.25, 0.5], buf = [2, 2], p = [0.8, -2.2]
    # t=2: ga = [-0.375, 0.5], v = [0.5625, 0.375], avg = sqrt([0.421875, 0.125]),
    #      buf = [1.8 - 1/sqrt(0.421875), 1.8 + 0.5/sqrt(0.125)]
    p1 = np.array([0.8, -2.2])
    buf2 = np.array([1.8 - 1 / math.sqrt(0.421875), 1.8 + 0.5 / math.sqrt(0.125)])
    p2 = p1 - 0.1 * buf2
    got = run(optim.RMSprop, G[:2], lr=0.1, alpha=0.5, eps=0.0, momentum=0.9, centered=True)
    assert_steps(got, [p1, p2])


def test_rmsprop_weight_decay_and_eps():
    # g = g1 + 0.5 p0 = [0.5 + 0.5, 1 - 1] = [1, 0]; v = 0.01 g**2 = [0.01, 0] (alpha 0.99)
    # p = p0 - 0.01 g / (sqrt v + 1e-8) = [1 - 0.01 / (0.1 + 1e-8), -2]
    got = run(optim.RMSprop, G[:1], weight_decay=0.5)
    assert_steps(got, [np.array([1 - 0.01 / (0.1 + 1e-8), -2.0])])


def test_rmsprop_defaults_are_pytorchs():
    opt = optim.RMSprop([Parameter(np.zeros(1))])
    group = opt.param_groups[0]
    assert (group["lr"], group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
            group["centered"]) == (1e-2, 0.99, 1e-8, 0.0, 0.0, False)
    with pytest.raises(ValueError, match="RMSprop: alpha must be >= 0"):
        optim.RMSprop([Parameter(np.zeros(1))], alpha=-0.5)
    with pytest.raises(TypeError, match="RMSprop: centered must be a bool, got str"):
        optim.RMSprop([Parameter(np.zeros(1))], centered="yes")


# --------------------------------------------------------------------------
# state_dict / load_state_dict / add_param_group (issue 11)
# --------------------------------------------------------------------------


def test_state_dict_has_torchs_layout():
    a, b, c = Parameter(np.ones(2)), Parameter(np.ones(3)), Parameter(np.ones(1))
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    a.grad, c.grad = np.full(2, 2.0), np.full(1, 3.0)      # b has no gradient: no state
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert list(sd["state"]) == [0, 2]                       # positions across the groups
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"], [2.0, 2.0])
    np.testing.assert_array_equal(sd["state"][2]["momentum_buffer"], [3.0])
    assert sd["param_groups"] == [
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False,
         "params": [0, 1]},
        {"lr": 0.5, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False,
         "params": [2]},
    ]
    a.grad = np.ones(2)
    opt.step()                                               # the saved dict is a snapshot
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"], [2.0, 2.0])


@pytest.mark.parametrize("cls, keys", [
    (optim.Adam, {"step", "exp_avg", "exp_avg_sq"}),
    (optim.AdamW, {"step", "exp_avg", "exp_avg_sq"}),
    (optim.RMSprop, {"step", "square_avg"}),
])
def test_state_dict_keys_per_optimiser(cls, keys):
    p = Parameter(np.ones(2))
    opt = cls([p])
    p.grad = np.ones(2)
    opt.step()
    opt.step()
    state = opt.state_dict()["state"][0]
    assert set(state) == keys and state["step"] == 2


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.05, weight_decay=0.1),
    lambda ps: optim.AdamW(ps, lr=0.05),
    lambda ps: optim.RMSprop(ps, lr=0.05, momentum=0.5, centered=True),
])
def test_resuming_from_a_state_dict_equals_not_stopping(make):
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(2, 3)) for _ in range(5)]
    start = rng.normal(size=(2, 3))

    def steps(opt, p, gs):
        for g in gs:
            p.grad = g.copy()
            opt.step()

    p = Parameter(start.copy())
    straight = make([p])
    steps(straight, p, grads)
    q = Parameter(start.copy())
    first = make([q])
    steps(first, q, grads[:3])
    saved, weights = first.state_dict(), q.data.copy()
    r = Parameter(weights)                                     # fresh objects, as after a restart
    resumed = make([r])
    resumed.load_state_dict(saved)
    steps(resumed, r, grads[3:])
    np.testing.assert_array_equal(r.data, p.data)              # bit-identical


def test_load_state_dict_takes_the_saved_hyper_parameters_and_torch_extras():
    p = Parameter(np.ones(2))
    opt = optim.Adam([p], lr=0.1)
    # what torch.optim.Adam(...).state_dict() holds, converted to NumPy (step as a 0-d float)
    opt.load_state_dict({
        "state": {0: {"step": np.array(3.0, dtype=np.float32), "exp_avg": np.ones(2),
                      "exp_avg_sq": np.full(2, 4.0)}},
        "param_groups": [{"lr": 0.01, "betas": [0.5, 0.75], "eps": 1e-8, "weight_decay": 0,
                          "amsgrad": False, "maximize": False, "foreach": None,
                          "capturable": False, "differentiable": False, "fused": None,
                          "decoupled_weight_decay": False, "params": [0]}],
    })
    group = opt.param_groups[0]
    assert group["lr"] == 0.01 and group["betas"] == (0.5, 0.75) and group["params"] == [p]
    assert "amsgrad" not in group
    assert opt.state[p]["step"] == 3 and isinstance(opt.state[p]["step"], int)


def test_load_state_dict_refuses_what_does_not_fit():
    p, q = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = optim.SGD([p, q], lr=0.1, momentum=0.9)
    good = {"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]}
    opt.load_state_dict(good)
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: the state_dict has 2 parameter "
                                         r"group\(s\), the optimiser has 1"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})
    with pytest.raises(ValueError, match=r"group 0 has 1 parameter\(s\) in the state_dict but 2"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}]})
    with pytest.raises(ValueError, match=r"state 'momentum_buffer' of parameter 1 has shape "
                                         r"\(2,\), the parameter has shape \(3,\)"):
        opt.load_state_dict({"state": {1: {"momentum_buffer": np.ones(2)}},
                             "param_groups": [{"params": [0, 1]}]})
    with pytest.raises(ValueError, match="sets amsgrad=True, which cnnlib's Adam does not"):
        optim.Adam([p]).load_state_dict(
            {"state": {}, "param_groups": [{"amsgrad": True, "params": [0]}]})
    with pytest.raises(ValueError, match="decoupled_weight_decay=True, which is AdamW's"):
        optim.Adam([p]).load_state_dict(
            {"state": {}, "param_groups": [{"decoupled_weight_decay": True, "params": [0]}]})
    with pytest.raises(TypeError, match="keys 'state' and 'param_groups', got"):
        opt.load_state_dict({"0.weight": np.ones(2)})


def test_add_param_group_fills_defaults_and_refuses_repeats():
    a, b = Parameter(np.zeros(1)), Parameter(np.zeros(1))
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 1.0})               # one Parameter is accepted
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["lr"] == 1.0 and opt.param_groups[1]["momentum"] == 0.9
    a.grad, b.grad = np.ones(1), np.ones(1)
    opt.step()
    np.testing.assert_array_equal([a.data[0], b.data[0]], [-0.1, -1.0])
    with pytest.raises(ValueError, match="add_param_group: a parameter appears in more than one"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="add_param_group: param_group must be a dict"):
        opt.add_param_group([a])
    with pytest.raises(TypeError, match=r"add_param_group: 'params' must be .* \(not a set\)"):
        opt.add_param_group({"params": {Parameter(np.zeros(1))}})


@pytest.mark.parametrize("cls, kwargs", [(optim.StepLR, dict(step_size=2, gamma=0.5)),
                                         (optim.CosineAnnealingLR, dict(T_max=3, eta_min=0.1))])
def test_scheduler_state_dict_resumes_the_schedule(cls, kwargs):
    straight, _ = lrs_over(cls, 8, **kwargs)
    opt = optim.SGD([Parameter(np.zeros(1))], lr=1.0)
    sched = cls(opt, **kwargs)
    for _ in range(3):
        sched.step()
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    assert saved["last_epoch"] == 3 and saved["base_lrs"] == [1.0]
    assert "optimizer" not in saved
    opt2 = optim.SGD([Parameter(np.zeros(1))], lr=1.0)
    sched2 = cls(opt2, **kwargs)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    resumed = []
    for _ in range(5):
        resumed.append(opt2.param_groups[0]["lr"])
        sched2.step()
    assert resumed == straight[3:]
