"""Optimisers and learning-rate schedules, step for step as ``torch.optim``.

Every optimiser holds ``param_groups`` (a list of dicts, each with its
``'params'`` and its hyper-parameters, PyTorch's layout) and a per-parameter
``state``.  ``step()`` reads each parameter's ``.grad`` and updates
``.data`` in place, skipping parameters that are frozen
(``requires_grad=False``) or have no gradient yet.  The update formulas are
PyTorch's, including the details that change the numbers: SGD's momentum
buffer starts as the first gradient (no dampening on that step), and Adam's
bias correction divides the step by ``1 - beta1**t`` and the root of the
second moment by ``sqrt(1 - beta2**t)``.  Introduced in the chapter
"Training in practice".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .nn.module import Parameter

__all__ = ["SGD", "Adam", "AdamW", "CosineAnnealingLR", "Optimizer", "RMSprop", "StepLR"]

# Options of torch.optim that cnnlib does not implement: a PyTorch state_dict
# that switches one on cannot be loaded (its updates would differ).
_UNSUPPORTED_FLAGS = ("amsgrad", "maximize")


def _check_number(value: object, name: str, fn: str, low: float = 0.0, high: float | None = None,
                  high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}: {name} must be a number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < low or (
        high is not None and (v >= high if high_open else v > high)
    ):
        bound = "" if high is None else f", {high})" if high_open else f", {high}]"
        expected = f"in [{low}{bound}" if high is not None else f">= {low}"
        raise ValueError(f"{fn}: {name} must be {expected}, got {value!r}")
    return v


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad``.

    Parameters
    ----------
    params : iterable of Parameter, or of dicts
        ``model.parameters()``, or PyTorch's groups
        ``[{'params': [...], 'lr': 0.1}, {'params': [...]}]`` where a key a
        group leaves out takes the optimiser's default.
    defaults : dict
        The optimiser's hyper-parameters.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Parameter):
            raise TypeError(f"{name}: params must be an iterable of Parameters, got one Parameter")
        if isinstance(params, dict) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be an iterable of Parameters (model.parameters()) or of "
                f"group dicts, got {type(params).__name__}"
            )
        items = list(params)
        if not items:
            raise ValueError(f"{name}: got an empty parameter list")
        groups = items if isinstance(items[0], dict) else [{"params": items}]
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Parameter, dict[str, Any]] = {}
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (PyTorch's method).

        Used to train layers that were frozen at first (fine-tuning): keys the
        group leaves out take the optimiser's defaults.

        Parameters
        ----------
        param_group : dict
            ``{'params': [...], 'lr': ...}``; ``'params'`` is a Parameter or
            an iterable of them, none already in another group.

        Examples
        --------
        >>> import numpy as np
        >>> opt = SGD([Parameter(np.zeros(2))], lr=0.1)
        >>> opt.add_param_group({"params": [Parameter(np.zeros(3))], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        name = f"{type(self).__name__}.add_param_group"
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(
                f"{name}: param_group must be a dict with a 'params' key, got "
                f"{type(param_group).__name__}"
            )
        raw = param_group["params"]
        if isinstance(raw, Parameter):
            ps = [raw]
        elif isinstance(raw, set) or not isinstance(raw, Iterable):
            raise TypeError(
                f"{name}: 'params' must be a Parameter or an ordered iterable of them (not a "
                f"set), got {type(raw).__name__}"
            )
        else:
            ps = list(raw)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for p in ps:
            if not isinstance(p, Parameter):
                raise TypeError(f"{name}: params must be Parameter objects, got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter appears in more than one group")
            seen.add(id(p))
        self.param_groups.append({**self.defaults, **param_group, "params": ps})

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state in ``torch.optim``'s layout, to save and resume training.

        Returns
        -------
        dict
            ``{'state': {index: {name: value}}, 'param_groups': [group, ...]}``
            where each parameter is named by its position (counted across the
            groups in order), each group holds its hyper-parameters and
            ``'params'``, the list of its positions, and ``'state'`` has an
            entry for every parameter that has taken a step (momentum
            buffers, Adam's moments and step count).  Arrays are copies: the
            dict is a snapshot (PyTorch's shares memory with the optimiser).

        Examples
        --------
        >>> import numpy as np
        >>> p = Parameter(np.array([1.0]))
        >>> opt = SGD([p], lr=0.1, momentum=0.9)
        >>> p.grad = np.array([2.0]); opt.step()
        >>> opt.state_dict()["state"]
        {0: {'momentum_buffer': array([2.])}}
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {
                        k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v)
                        for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (or PyTorch's, as NumPy arrays).

        The optimiser must have been built over the same parameters, in the
        same groups and order.  Hyper-parameters come from the saved groups;
        state arrays are copied and cast to each parameter's dtype.

        Parameters
        ----------
        state_dict : dict
            ``{'state': ..., 'param_groups': ...}``.  Keys are integers (a
            string ``'0'``, as JSON gives, is accepted too).

        Raises
        ------
        ValueError
            If the groups or their sizes differ, a state array's shape is not
            its parameter's, or the saved groups switch on an option cnnlib
            does not implement (``amsgrad``, ``maximize``).
        """
        fn = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise TypeError(
                f"{fn}: state_dict must be a dict with keys 'state' and 'param_groups', got {got}"
            )
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(
                f"{fn}: the state_dict has {len(saved)} parameter group(s), the optimiser has "
                f"{len(self.param_groups)}"
            )
        by_index: dict[int, Parameter] = {}
        new_groups = []
        for k, (mine, theirs) in enumerate(zip(self.param_groups, saved, strict=True)):
            if len(theirs["params"]) != len(mine["params"]):
                raise ValueError(
                    f"{fn}: parameter group {k} has {len(theirs['params'])} parameter(s) in the "
                    f"state_dict but {len(mine['params'])} in the optimiser"
                )
            for flag in _UNSUPPORTED_FLAGS:
                if theirs.get(flag):
                    raise ValueError(
                        f"{fn}: the state_dict's group {k} sets {flag}=True, which cnnlib's "
                        f"{type(self).__name__} does not implement"
                    )
            decoupled = theirs.get("decoupled_weight_decay")
            if decoupled is not None and "betas" in mine and \
                    bool(decoupled) != getattr(self, "_decoupled", False):
                want = "AdamW" if decoupled else "Adam"
                raise ValueError(
                    f"{fn}: the state_dict's group {k} has decoupled_weight_decay={decoupled}, "
                    f"which is {want}'s update, not {type(self).__name__}'s"
                )
            for i, p in zip(theirs["params"], mine["params"], strict=True):
                by_index[int(i)] = p
            group = {key: theirs[key] for key in (*self.defaults, "initial_lr") if key in theirs}
            if "betas" in group:
                group["betas"] = tuple(float(b) for b in group["betas"])
            new_groups.append({**mine, **group})
        new_state: dict[Parameter, dict[str, Any]] = {}
        for i, values in state_dict["state"].items():
            p = by_index.get(int(i))
            if p is None:
                raise ValueError(f"{fn}: the state_dict has state for parameter {i}, which no "
                                 "group lists")
            entry: dict[str, Any] = {}
            for key, value in values.items():
                if key == "step":
                    entry[key] = int(np.asarray(value))
                elif value is None:
                    entry[key] = None
                else:
                    arr = np.asarray(value)
                    if arr.shape != p.shape:
                        raise ValueError(
                            f"{fn}: state '{key}' of parameter {i} has shape {tuple(arr.shape)}, "
                            f"the parameter has shape {tuple(p.shape)}"
                        )
                    entry[key] = arr.astype(p.dtype, copy=True)
            new_state[p] = entry
        self.param_groups = new_groups
        self.state = new_state

    def _active(self) -> Iterable[tuple[dict[str, Any], Parameter]]:
        """``(group, p)`` for every parameter that takes a step now."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.requires_grad and p.grad is not None:
                    yield group, p

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to None, PyTorch's default)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad[...] = 0

    def step(self) -> None:
        """Update every parameter once from its ``.grad``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

    For each parameter ``p`` with gradient ``g``, step ``t``::

        g = g + weight_decay * p
        buf = g                                        (t = 1)
        buf = momentum * buf + (1 - dampening) * g      (t > 1)
        g = g + momentum * buf  if nesterov  else  buf  (when momentum != 0)
        p = p - lr * g

    Parameters
    ----------
    params : iterable of Parameter or of group dicts
    lr : float
        Learning rate (PyTorch 2 defaults it to 1e-3; here it is required).
    momentum, dampening, weight_decay : float, default 0
    nesterov : bool, default False
        Needs ``momentum > 0`` and ``dampening == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> p = Parameter(np.array([1.0]))
    >>> opt = SGD([p], lr=0.1, momentum=0.9)
    >>> p.grad = np.array([2.0]); opt.step(); p.data      # buf = 2
    array([0.8])
    >>> p.grad = np.array([2.0]); opt.step(); p.data      # buf = 0.9*2 + 2 = 3.8
    array([0.42])
    """

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        fn = "SGD"
        lr = _check_number(lr, "lr", fn)
        momentum = _check_number(momentum, "momentum", fn)
        dampening = _check_number(dampening, "dampening", fn)
        weight_decay = _check_number(weight_decay, "weight_decay", fn)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"{fn}: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={momentum}, dampening={dampening}"
            )
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=bool(nesterov)))

    def step(self) -> None:
        """One SGD update of every parameter that has a gradient."""
        for group, p in self._active():
            g = p.grad
            if group["weight_decay"] != 0:
                g = g + group["weight_decay"] * p.data
            mu = group["momentum"]
            if mu != 0:
                state = self.state.setdefault(p, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = np.array(g, dtype=p.data.dtype, copy=True)
                    state["momentum_buffer"] = buf
                else:
                    buf *= mu
                    buf += (1 - group["dampening"]) * g
                g = g + mu * buf if group["nesterov"] else buf
            p.data -= group["lr"] * g


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (L2 weight decay added to the gradient).

    For each parameter, step ``t = 1, 2, ...``::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Parameters
    ----------
    params : iterable of Parameter or of group dicts
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0

    Examples
    --------
    >>> import numpy as np
    >>> p = Parameter(np.array([1.0]))
    >>> opt = Adam([p], lr=0.1)
    >>> p.grad = np.array([3.0]); opt.step(); np.round(p.data, 6)   # first step moves by ~lr
    array([0.9])
    """

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        fn = type(self).__name__
        lr = _check_number(lr, "lr", fn)
        eps = _check_number(eps, "eps", fn)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"{fn}: betas must be a pair (beta1, beta2), got {betas!r}")
        b1 = _check_number(betas[0], "betas[0]", fn, 0.0, 1.0, high_open=True)
        b2 = _check_number(betas[1], "betas[1]", fn, 0.0, 1.0, high_open=True)
        weight_decay = _check_number(weight_decay, "weight_decay", fn)
        super().__init__(params, dict(lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay))

    def step(self) -> None:
        """One Adam update of every parameter that has a gradient."""
        for group, p in self._active():
            lr, (b1, b2) = group["lr"], group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            g = p.grad
            if self._decoupled:
                p.data *= 1 - lr * wd    # AdamW: shrink the weights directly
            elif wd != 0:
                g = g + wd * p.data      # Adam: L2 term in the gradient
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p.data)
                state["exp_avg_sq"] = np.zeros_like(p.data)
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            step_size = lr / (1 - b1**t)
            denom = np.sqrt(v) / math.sqrt(1 - b2**t) + eps
            p.data -= step_size * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    The weights shrink by ``lr * weight_decay`` of themselves *before* the
    Adam step, instead of the decay entering the gradient (where Adam's
    per-parameter scaling would distort it)::

        p = p * (1 - lr * weight_decay)
        ... then Adam's update with the raw gradient

    Parameters
    ----------
    params, lr, betas, eps
        As :class:`Adam`.
    weight_decay : float, default 1e-2
    """

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``: divide each step by a running RMS of the gradients.

    For each parameter, with ``v``, ``buf`` and ``ga`` starting at zero::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        avg = sqrt(v - ga**2) + eps,  ga = ga + (1 - alpha) * (g - ga)   if centered
        avg = sqrt(v) + eps                                             otherwise
        buf = momentum * buf + g / avg;  p = p - lr * buf               if momentum > 0
        p = p - lr * g / avg                                            otherwise

    (When ``centered``, ``ga`` is updated before ``avg`` is computed.)

    Parameters
    ----------
    params : iterable of Parameter or of group dicts
    lr : float, default 1e-2
    alpha : float, default 0.99
        Smoothing constant of the running average of squared gradients.
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum : float, default 0
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation (the
        running mean of ``g**2`` minus the square of the running mean of ``g``).

    Examples
    --------
    >>> import numpy as np
    >>> p = Parameter(np.array([1.0]))
    >>> opt = RMSprop([p], lr=0.1, alpha=0.75)
    >>> p.grad = np.array([2.0]); opt.step()      # v = 0.25 * 4 = 1, step 0.1 * 2 / 1
    >>> np.round(p.data, 6)
    array([0.8])
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        fn = "RMSprop"
        lr = _check_number(lr, "lr", fn)
        alpha = _check_number(alpha, "alpha", fn)
        eps = _check_number(eps, "eps", fn)
        weight_decay = _check_number(weight_decay, "weight_decay", fn)
        momentum = _check_number(momentum, "momentum", fn)
        if not isinstance(centered, bool):
            raise TypeError(f"{fn}: centered must be a bool, got {type(centered).__name__}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay))

    def step(self) -> None:
        """One RMSprop update of every parameter that has a gradient."""
        for group, p in self._active():
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            wd, mu = group["weight_decay"], group["momentum"]
            g = p.grad
            if wd != 0:
                g = g + wd * p.data
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(p.data)
                if mu > 0:
                    state["momentum_buffer"] = np.zeros_like(p.data)
                if group["centered"]:
                    state["grad_avg"] = np.zeros_like(p.data)
            state["step"] += 1
            v = state["square_avg"]
            v *= alpha
            v += (1 - alpha) * (g * g)
            if group["centered"]:
                ga = state["grad_avg"]
                # PyTorch's lerp: ga + w * (g - ga), written from the far end when w >= 1/2
                w = 1 - alpha
                ga[...] = ga + w * (g - ga) if w < 0.5 else g - (g - ga) * (1 - w)
                avg = np.sqrt(v - ga * ga)
            else:
                avg = np.sqrt(v)
            avg += eps
            if mu > 0:
                buf = state["momentum_buffer"]
                buf *= mu
                buf += g / avg
                p.data -= lr * buf
            else:
                p.data -= lr * (g / avg)


# ---------------------------------------------------------------------- schedules
class _LRScheduler:
    """Base of the schedules: ``step()`` once per epoch, after the optimiser's steps."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: optimizer must be a cnnlib.optim optimiser, "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in group for group in optimizer.param_groups):
            raise ValueError(
                f"{type(self).__name__}: last_epoch={last_epoch} resumes a schedule, which needs "
                "'initial_lr' in every parameter group"
            )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set each group's ``lr``."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group after the last ``step()``."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimiser, as ``torch.optim.lr_scheduler`` saves it.

        Returns
        -------
        dict
            E.g. ``{'step_size': 2, 'gamma': 0.5, 'base_lrs': [0.1],
            'last_epoch': 3, '_step_count': 4, '_last_lr': [0.05]}``.

        Examples
        --------
        >>> import numpy as np
        >>> opt = SGD([Parameter(np.zeros(1))], lr=1.0)
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> sched.step(); sched.step()
        >>> sched.state_dict()["last_epoch"], sched.get_last_lr()
        (2, [0.5])
        """
        return {k: (list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (PyTorch's own extra keys are ignored).

        Load the optimiser's state first (it carries each group's ``lr``);
        the schedule then continues from ``last_epoch``.
        """
        fn = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or "last_epoch" not in state_dict:
            raise TypeError(
                f"{fn}: state_dict must be a dict from a scheduler's state_dict() (with "
                f"'last_epoch'), got {type(state_dict).__name__}"
            )
        base_lrs = state_dict.get("base_lrs", self.base_lrs)
        if len(base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{fn}: the state_dict has {len(base_lrs)} base_lrs, the optimiser has "
                f"{len(self.optimizer.param_groups)} parameter group(s)"
            )
        for key, value in state_dict.items():
            if key in self.__dict__ and key != "optimizer":
                setattr(self, key, list(value) if isinstance(value, list | tuple) else value)


class StepLR(_LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (PyTorch's ``StepLR``).

    ``lr(epoch) = base_lr * gamma ** (epoch // step_size)``.

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
    gamma : float, default 0.1
    last_epoch : int, default -1

    Examples
    --------
    >>> import numpy as np
    >>> opt = SGD([Parameter(np.zeros(1))], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(opt.param_groups[0]["lr"])
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) \
                or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = _check_number(gamma, "gamma", "StepLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(_LRScheduler):
    """Cosine decay from the base rate to ``eta_min`` over ``T_max`` epochs (PyTorch's).

    ``lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``;
    like PyTorch it is computed recursively from the previous rate (equal to
    the formula up to rounding) and rises again after ``T_max``.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
    eta_min : float, default 0
    last_epoch : int, default -1

    Examples
    --------
    >>> import numpy as np
    >>> opt = SGD([Parameter(np.zeros(1))], lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=2)
    >>> lrs = []
    >>> for epoch in range(3):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        if isinstance(T_max, bool) or not isinstance(T_max, numbers.Integral) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max = int(T_max)
        self.eta_min = _check_number(eta_min, "eta_min", "CosineAnnealingLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        t, big_t, eta = self.last_epoch, self.T_max, self.eta_min
        if t == 0:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and t > 0:       # resumed with last_epoch set: closed form
            return [
                eta + (base - eta) * (1 + math.cos(t * math.pi / big_t)) / 2
                for base in self.base_lrs
            ]
        if (t - 1 - big_t) % (2 * big_t) == 0:
            return [
                group["lr"] + (base - eta) * (1 - math.cos(math.pi / big_t)) / 2
                for base, group in zip(self.base_lrs, groups, strict=True)
            ]
        return [
            (1 + math.cos(math.pi * t / big_t)) / (1 + math.cos(math.pi * (t - 1) / big_t))
            * (group["lr"] - eta) + eta
            for group in groups
        ]
