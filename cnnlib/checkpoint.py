"""Save a training run to one ``.npz`` file and resume it exactly.

A checkpoint holds everything that decides what the next epoch computes:
the model's ``state_dict`` (weights and buffers), the optimiser's state
(momentum buffers, Adam's moments and step counts, each group's learning
rate), the schedule's position, the history so far, and the random
generators' states (cnnlib's global generator, which draws dropout masks and
unseeded shuffles, and a seeded loader's own).  Resuming from it gives the
same numbers, bit for bit, as a run that never stopped.

It is PyTorch's habit written with NumPy::

    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                "epoch": epoch}, path)                     # PyTorch
    save_checkpoint(path, model, opt, epoch=epoch)         # cnnlib

The file is an ordinary ``numpy.savez`` archive: arrays under
``model/<key>`` and ``optimizer/state/<index>/<name>``, and everything else
as one JSON text under ``meta``.  It loads with ``allow_pickle=False``, so
opening a checkpoint never runs code.  Introduced in the chapter "Training
in practice".
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .nn.module import Module
from .random import default_generator

__all__ = ["load_checkpoint", "save_checkpoint"]

_FORMAT = "cnnlib-checkpoint"
_VERSION = 1


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a checkpoint's metadata")


def save_checkpoint(
    path: str | os.PathLike[str], model: Module, optimizer: Any = None, scheduler: Any = None,
    epoch: int | None = None, history: dict[str, list[float]] | None = None, loader: Any = None,
) -> None:
    """Write model, optimiser, schedule, epoch, history and random states to ``path``.

    Parameters
    ----------
    path : str or path-like
        The file to write (any name; ``.npz`` by convention).  It is written
        to a temporary file first and then renamed, so an interrupted save
        leaves an earlier checkpoint intact.
    model : Module
    optimizer : cnnlib.optim.Optimizer, optional
    scheduler : StepLR or CosineAnnealingLR, optional
    epoch : int, optional
        Epochs finished; defaults to the length of ``history`` when given.
    history : dict of lists, optional
        What :func:`cnnlib.train.fit` returned so far.
    loader : DataLoader, optional
        A loader with its own ``seed``: its generator's state is saved too.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cnnlib import nn, optim
    >>> model = nn.Linear(2, 1)
    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.npz"
    >>> save_checkpoint(path, model, opt, epoch=3)
    >>> load_checkpoint(path, nn.Linear(2, 1), optim.SGD(model.parameters(), lr=0.5))["epoch"]
    3
    """
    fn = "save_checkpoint"
    if not isinstance(model, Module):
        raise TypeError(f"{fn}: model must be a cnnlib Module, got {type(model).__name__}")
    arrays: dict[str, np.ndarray] = {
        f"model/{key}": value for key, value in model.state_dict().items()
    }
    meta: dict[str, Any] = {"format": _FORMAT, "version": _VERSION}
    if optimizer is not None:
        if not callable(getattr(optimizer, "state_dict", None)):
            raise TypeError(
                f"{fn}: optimizer must be a cnnlib.optim optimiser, got {type(optimizer).__name__}"
            )
        sd = optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for index, state in sd["state"].items():
            for name, value in state.items():
                if isinstance(value, np.ndarray) and value.ndim > 0:
                    arrays[f"optimizer/state/{index}/{name}"] = value
                else:
                    scalars.setdefault(str(index), {})[name] = value
        meta["optimizer"] = {"type": type(optimizer).__name__,
                             "param_groups": sd["param_groups"], "scalars": scalars,
                             "indices": [int(i) for i in sd["state"]]}
    if scheduler is not None:
        meta["scheduler"] = {"type": type(scheduler).__name__, "state": scheduler.state_dict()}
    if epoch is None and history is not None:
        epoch = len(history.get("loss", []))
    meta["epoch"] = epoch
    meta["history"] = history
    meta["rng"] = default_generator().bit_generator.state
    if loader is not None:
        meta["loader"] = loader.state_dict()
    arrays["meta"] = np.array(json.dumps(meta, default=_json_default))
    path = os.fspath(path)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def load_checkpoint(
    path: str | os.PathLike[str], model: Module, optimizer: Any = None, scheduler: Any = None,
    loader: Any = None, restore_rng: bool = True,
) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` into fresh objects.

    Build the model, optimiser and schedule as for the original run (same
    classes, same parameters in the same groups), then load: weights,
    optimiser state, learning rates and the schedule's position are
    overwritten from the file.

    Parameters
    ----------
    path : str or path-like
    model : Module
        Loaded with ``load_state_dict(strict=True)``.
    optimizer, scheduler, loader : optional
        Loaded when given (the file must hold their state).
    restore_rng : bool, default True
        Put cnnlib's global generator back in the state it had at the save,
        so dropout masks and unseeded shuffles continue as if uninterrupted.

    Returns
    -------
    dict
        ``{'epoch': int or None, 'history': dict or None}``; pass the history
        to ``fit(..., history=...)`` to continue it.
    """
    fn = "load_checkpoint"
    if not isinstance(model, Module):
        raise TypeError(f"{fn}: model must be a cnnlib Module, got {type(model).__name__}")
    with np.load(os.fspath(path), allow_pickle=False) as data:
        if "meta" not in data.files:
            raise ValueError(f"{fn}: {os.fspath(path)!r} is not a cnnlib checkpoint (no 'meta')")
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{fn}: {os.fspath(path)!r} is not a cnnlib checkpoint")
        model.load_state_dict(
            {k[len("model/"):]: data[k] for k in data.files if k.startswith("model/")}
        )
        if optimizer is not None:
            saved = meta.get("optimizer")
            if saved is None:
                raise ValueError(f"{fn}: the checkpoint holds no optimiser state")
            if saved["type"] != type(optimizer).__name__:
                raise ValueError(
                    f"{fn}: the checkpoint holds a {saved['type']} state, optimizer is a "
                    f"{type(optimizer).__name__}"
                )
            state: dict[int, dict[str, Any]] = {i: {} for i in saved["indices"]}
            for key in data.files:
                if key.startswith("optimizer/state/"):
                    index, name = key[len("optimizer/state/"):].split("/", 1)
                    state[int(index)][name] = data[key]
            for index, values in saved["scalars"].items():
                state[int(index)].update(values)
            optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
    if scheduler is not None:
        saved = meta.get("scheduler")
        if saved is None:
            raise ValueError(f"{fn}: the checkpoint holds no scheduler state")
        if saved["type"] != type(scheduler).__name__:
            raise ValueError(
                f"{fn}: the checkpoint holds a {saved['type']} state, scheduler is a "
                f"{type(scheduler).__name__}"
            )
        scheduler.load_state_dict(saved["state"])
    if loader is not None:
        if "loader" not in meta:
            raise ValueError(f"{fn}: the checkpoint holds no loader state")
        loader.load_state_dict(meta["loader"])
    if restore_rng:
        default_generator().bit_generator.state = meta["rng"]
    return {"epoch": meta["epoch"], "history": meta["history"]}
