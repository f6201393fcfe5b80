"""By hand, with PyTorch installed: cnnlib.optim against torch.optim (RMSprop, state_dict, resume).

    PYTHONPATH=. /path/to/venv-with-torch/bin/python benchmarks/compare_optim_with_torch.py

For 52 settings (48 of RMSprop: alpha, momentum, centered, weight_decay,
lr; and SGD with Nesterov or dampening, Adam, AdamW) it runs 7 float64 steps
in both libraries from the same weights and gradients and compares the
weights; the state_dict's per-parameter keys, values, group hyper-parameters
and parameter indices; and resuming after 4 steps both ways (torch's
state_dict, as NumPy arrays, loaded into cnnlib, and cnnlib's loaded into
torch).  Then StepLR and CosineAnnealingLR: the rates, the state_dict keys
and values, and a cnnlib schedule resumed from torch's state.  Raises on any
mismatch.  The weights agree to ~1e-14, not bit for bit: PyTorch's CPU kernels
round ``p + (-lr) * g`` once (a fused multiply-add), NumPy twice.  Not part of
the test suite: the book's requirements do not include torch.
"""
import itertools

import numpy as np
import torch

from cnnlib import optim
from cnnlib.nn import Parameter

rng = np.random.default_rng(0)
shapes = [(3, 4), (5,)]
grads = [[rng.normal(size=s) for s in shapes] for _ in range(7)]
p0 = [rng.normal(size=s) for s in shapes]


def run_torch(cls, kw, steps, load=None):
    ps = [torch.nn.Parameter(torch.tensor(a)) for a in p0]
    opt = cls(ps, **kw)
    if load is not None:
        with torch.no_grad():
            for p, a in zip(ps, load[0], strict=True):
                p.copy_(torch.tensor(a))
        opt.load_state_dict(load[1])
    for g in steps:
        for p, gi in zip(ps, g, strict=True):
            p.grad = torch.tensor(gi)
        opt.step()
    return [p.detach().numpy().copy() for p in ps], opt


def run_cnn(cls, kw, steps, load=None):
    ps = [Parameter(a.copy()) for a in p0]
    opt = cls(ps, **kw)
    if load is not None:
        for p, a in zip(ps, load[0], strict=True):
            p.data = a.copy()
        opt.load_state_dict(load[1])
    for g in steps:
        for p, gi in zip(ps, g, strict=True):
            p.grad = gi.copy()
        opt.step()
    return [p.data.copy() for p in ps], opt


worst = 0.0
n = 0
configs = []
for alpha, mom, cen, wd, lr in itertools.product([0.99, 0.9, 0.3], [0.0, 0.5], [False, True],
                                                 [0.0, 0.1], [1e-2, 0.3]):
    configs.append((torch.optim.RMSprop, optim.RMSprop,
                    dict(lr=lr, alpha=alpha, momentum=mom, centered=cen, weight_decay=wd)))
configs += [(torch.optim.SGD, optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
            (torch.optim.SGD, optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1,
                                              weight_decay=0.01)),
            (torch.optim.Adam, optim.Adam, dict(lr=0.01, weight_decay=0.1)),
            (torch.optim.AdamW, optim.AdamW, dict(lr=0.01, weight_decay=0.1))]
exact = 0
for tcls, ccls, kw in configs:
    t, topt = run_torch(tcls, kw, grads)
    c, copt = run_cnn(ccls, kw, grads)
    err = max(float(np.max(np.abs(a - b) / (np.abs(a) + 1e-300)))
              for a, b in zip(t, c, strict=True))
    exact += all(np.array_equal(a, b) for a, b in zip(t, c, strict=True))
    worst = max(worst, err)
    n += 1
    # structure: same state keys per index, same params lists
    tsd, csd = topt.state_dict(), copt.state_dict()
    assert set(tsd["state"]) == set(csd["state"]), (tsd["state"].keys(), csd["state"].keys())
    for i in tsd["state"]:
        assert set(tsd["state"][i]) == set(csd["state"][i]), (kw, tsd["state"][i].keys(),
                                                              csd["state"][i].keys())
        for k, v in tsd["state"][i].items():
            np.testing.assert_allclose(np.asarray(csd["state"][i][k]), v.numpy(), rtol=1e-12)
    assert [g["params"] for g in tsd["param_groups"]] == [g["params"] for g in csd["param_groups"]]
    for k, v in csd["param_groups"][0].items():
        if k != "params":
            assert tsd["param_groups"][0][k] == v, (k, v, tsd["param_groups"][0][k])
    # resume: torch state (as numpy) loaded into cnnlib, 3 more steps; and the other way
    t4, topt4 = run_torch(tcls, kw, grads[:4])
    np_sd = {"state": {i: {k: v.numpy().copy() for k, v in st.items()}
                       for i, st in topt4.state_dict()["state"].items()},
             "param_groups": topt4.state_dict()["param_groups"]}
    c_res, _ = run_cnn(ccls, kw, grads[4:], load=(t4, np_sd))
    t_full, _ = run_torch(tcls, kw, grads)
    for a, b in zip(t_full, c_res, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-13)
    c4, copt4 = run_cnn(ccls, kw, grads[:4])
    sd = copt4.state_dict()
    t_sd = {"state": {i: {k: torch.tensor(np.asarray(v, dtype=float if k == "step" else None))
                          for k, v in st.items()} for i, st in sd["state"].items()},
            "param_groups": [{**g} for g in sd["param_groups"]]}
    t_res, _ = run_torch(tcls, kw, grads[4:], load=(c4, t_sd))
    for a, b in zip(t_full, t_res, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-13)
print(f"optimisers: {n} configurations, 7 float64 steps each: {exact} bit-identical, "
      f"worst relative difference {worst:.1e}; state_dict keys/params/groups equal; "
      "torch->cnnlib and cnnlib->torch resume after 4 steps equal the straight run")

# schedulers: state_dict keys and resume
SCHEDULES = [
    (torch.optim.lr_scheduler.StepLR, optim.StepLR, dict(step_size=2, gamma=0.5)),
    (torch.optim.lr_scheduler.CosineAnnealingLR, optim.CosineAnnealingLR,
     dict(T_max=4, eta_min=0.01)),
]
for tcls, ccls, kw in SCHEDULES:
    tp = torch.nn.Parameter(torch.zeros(1))
    topt = torch.optim.SGD([tp], lr=0.1)
    ts = tcls(topt, **kw)
    copt = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    cs = ccls(copt, **kw)
    tl, cl = [], []
    for _ in range(3):
        topt.step()
        ts.step()
        tl.append(ts.get_last_lr()[0])
        cs.step()
        cl.append(cs.get_last_lr()[0])
    tsd, csd = ts.state_dict(), cs.state_dict()
    public = {k for k in tsd if not k.startswith("_") or k in ("_step_count", "_last_lr")}
    assert public <= set(csd), (tsd, csd)
    for k in set(tsd) & set(csd):
        assert tsd[k] == csd[k] or np.allclose(tsd[k], csd[k], rtol=1e-15), (k, tsd[k], csd[k])
    # resume cnnlib from torch's scheduler state
    copt2 = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    cs2 = ccls(copt2, **kw)
    copt2.load_state_dict({"state": {}, "param_groups": topt.state_dict()["param_groups"]})
    cs2.load_state_dict(tsd)
    for _ in range(6):
        topt.step()
        ts.step()
        cs2.step()
        assert abs(ts.get_last_lr()[0] - cs2.get_last_lr()[0]) < 1e-15
    print(f"{ccls.__name__}: rates equal {np.allclose(tl, cl, rtol=1e-15)}; torch keys "
          f"{sorted(tsd)}; cnnlib keys {sorted(csd)}; common values equal; resumed from "
          "torch's state: 6 more epochs equal")
