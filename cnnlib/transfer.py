"""Transfer learning: reuse a trained network's weights for a new task.

Four small jobs, each a few lines, that every transfer-learning recipe
repeats:

* pick the examples of a new task, and a few labelled ones per class
  (:func:`select_classes`, :func:`subset_per_class`), and train on them for
  a fixed number of steps whatever their number (:func:`train_steps`);
* swap the old classifier for a new one (:func:`replace_head`);
* freeze the layers that should keep their weights, and count what is left
  to train (:func:`freeze`, :func:`unfreeze`, :func:`count_parameters`);
* keep weights in a file as plain NumPy arrays (:func:`save_npz`,
  :func:`load_npz`); a PyTorch state dict becomes such arrays with
  :func:`cnnlib.models.state_dict_to_numpy`.

Freezing works through ``Parameter.requires_grad``: a frozen parameter
collects no gradient and the optimisers skip it.  It does not stop a
``BatchNorm2d`` in training mode from updating its running statistics; put
such a layer in evaluation mode (``layer.eval()``) if they must stay fixed,
as in PyTorch.  Introduced in the chapter *Transfer learning*.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._validate import positive_int
from .nn.module import Module

__all__ = [
    "count_parameters",
    "freeze",
    "load_npz",
    "replace_head",
    "save_npz",
    "select_classes",
    "subset_per_class",
    "train_steps",
    "unfreeze",
]


# ---------------------------------------------------------------------- data
def _check_xy(X: object, y: object, fn: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError(
            f"{fn}: X and y must be numpy arrays, got {type(X).__name__} and {type(y).__name__}"
        )
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(
            f"{fn}: y must be a 1-D array of integer labels, got dtype {y.dtype} and shape "
            f"{tuple(y.shape)}"
        )
    if X.ndim < 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{fn}: X and y must have the same number of examples, got X.shape={tuple(X.shape)} "
            f"and y.shape={tuple(y.shape)}"
        )
    return X, y


def select_classes(
    X: np.ndarray, y: np.ndarray, classes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the examples of some classes and number those classes 0, 1, 2, ...

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray of int, shape (N,)
    classes : sequence of int
        The labels to keep, in the order that gives their new numbers:
        ``classes[i]`` becomes label ``i``.

    Returns
    -------
    X_sel : ndarray, shape (M, ...)
        The kept examples, in their original order.
    y_sel : ndarray of int64, shape (M,)
        Their new labels, in ``[0, len(classes))``.

    Examples
    --------
    >>> X = np.arange(6.0).reshape(6, 1)
    >>> y = np.array([5, 0, 7, 5, 3, 7])
    >>> X_sel, y_sel = select_classes(X, y, [5, 7])
    >>> X_sel.ravel().tolist(), y_sel.tolist()
    ([0.0, 2.0, 3.0, 5.0], [0, 1, 0, 1])
    """
    fn = "select_classes"
    X, y = _check_xy(X, y, fn)
    if isinstance(classes, str) or not isinstance(classes, Sequence | np.ndarray):
        raise TypeError(f"{fn}: classes must be a sequence of ints, got {type(classes).__name__}")
    wanted = [int(c) for c in classes]
    if not wanted:
        raise ValueError(f"{fn}: classes must name at least one label, got none")
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"{fn}: classes must not repeat a label, got {list(classes)}")
    lookup = {c: i for i, c in enumerate(wanted)}
    keep = np.isin(y, wanted)
    y_new = np.array([lookup[int(v)] for v in y[keep]], dtype=np.int64)
    return X[keep], y_new


def subset_per_class(
    X: np.ndarray, y: np.ndarray, n_per_class: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A random, class-balanced subset: ``n_per_class`` labelled examples of every class.

    For each class the examples are put in a random order fixed by ``seed``
    and the first ``n_per_class`` are kept, so with one seed a smaller subset
    is always part of a larger one (the 5 examples of a class are among its
    20).

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray of int, shape (N,)
    n_per_class : int
        At least 1 and at most the size of the smallest class.
    seed : int, default 0

    Returns
    -------
    X_sub : ndarray, shape (n_per_class * K, ...)
    y_sub : ndarray of int, shape (n_per_class * K,)
        ``K`` is the number of distinct labels in ``y``.  Class by class, in
        increasing label order.

    Examples
    --------
    >>> X = np.arange(10.0).reshape(10, 1)
    >>> y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    >>> X_sub, y_sub = subset_per_class(X, y, 2, seed=0)
    >>> y_sub.tolist()
    [0, 0, 1, 1]
    >>> bool(np.all(X_sub.ravel() % 2 == y_sub))       # each X stayed with its label
    True
    """
    fn = "subset_per_class"
    X, y = _check_xy(X, y, fn)
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, numbers.Integral):
        raise TypeError(
            f"{fn}: n_per_class must be an int, got {type(n_per_class).__name__} {n_per_class!r}"
        )
    labels, counts = np.unique(y, return_counts=True)
    if not 1 <= n_per_class <= counts.min():
        raise ValueError(
            f"{fn}: n_per_class must be between 1 and the smallest class size "
            f"{int(counts.min())} (class {int(labels[counts.argmin()])}), got {n_per_class}"
        )
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(y == c))[:n_per_class] for c in labels]
    idx = np.concatenate(chosen)
    return X[idx], y[idx]


# ---------------------------------------------------------------------- freezing
def _check_module(module: object, fn: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{fn}: module must be a cnnlib.nn.Module, got {type(module).__name__}")
    return module


def freeze(module: Module) -> Module:
    """Freeze every parameter of ``module``: no gradients, no optimiser steps.

    Sets ``requires_grad = False`` on each parameter (PyTorch's
    ``module.requires_grad_(False)``).  Running statistics of BatchNorm
    layers are buffers, not parameters: they still change in training mode.

    Parameters
    ----------
    module : Module

    Returns
    -------
    Module
        ``module`` itself, so calls can be chained.

    Examples
    --------
    >>> from cnnlib import nn
    >>> layer = freeze(nn.Linear(3, 2))
    >>> [p.requires_grad for p in layer.parameters()]
    [False, False]
    """
    for p in _check_module(module, "freeze").parameters():
        p.requires_grad = False
    return module


def unfreeze(module: Module) -> Module:
    """Make every parameter of ``module`` trainable again; return ``module``.

    Examples
    --------
    >>> from cnnlib import nn
    >>> [p.requires_grad for p in unfreeze(freeze(nn.Linear(3, 2))).parameters()]
    [True, True]
    """
    for p in _check_module(module, "unfreeze").parameters():
        p.requires_grad = True
    return module


def count_parameters(module: Module, trainable_only: bool = False) -> int:
    """How many numbers ``module`` holds in its parameters (buffers not counted).

    Parameters
    ----------
    module : Module
    trainable_only : bool, default False
        Count only parameters with ``requires_grad`` (what an optimiser will
        change).

    Returns
    -------
    int

    Examples
    --------
    >>> from cnnlib import nn
    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(16, 2))
    >>> count_parameters(model), count_parameters(freeze(model[0]))
    (74, 40)
    >>> count_parameters(model, trainable_only=True)
    34
    """
    fn = "count_parameters"
    _check_module(module, fn)
    if not isinstance(trainable_only, bool):
        raise TypeError(
            f"{fn}: trainable_only must be True or False, got {type(trainable_only).__name__}"
        )
    return sum(p.size for p in module.parameters() if p.requires_grad or not trainable_only)


def replace_head(model: Module, name: str, new_head: Module) -> Module:
    """Put ``new_head`` where the child module ``name`` was; return the old one.

    This is how a network trained for one set of classes gets a classifier
    for another: torchvision's ResNets call their last layer ``fc``, its VGG
    and MobileNet ``classifier`` (a ``Sequential`` whose last layer is
    ``classifier.6`` or ``classifier.1``).  The new head's parameters start
    fresh and trainable; the ``state_dict`` keys stay the same.

    Parameters
    ----------
    model : Module
    name : str
        A dotted path to an existing child: ``"fc"``, ``"classifier"``,
        ``"classifier.6"``.
    new_head : Module

    Returns
    -------
    Module
        The module that was replaced.

    Raises
    ------
    ValueError
        If ``name`` does not name a child module of ``model``.

    Examples
    --------
    >>> from cnnlib import nn
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 10))
    >>> old = replace_head(model, "1", nn.Linear(4, 3))
    >>> old.out_features, model[1].out_features
    (10, 3)
    """
    fn = "replace_head"
    _check_module(model, fn)
    if not isinstance(new_head, Module):
        raise TypeError(
            f"{fn}: new_head must be a cnnlib.nn.Module, got {type(new_head).__name__}"
        )
    if not isinstance(name, str) or not name:
        raise TypeError(f"{fn}: name must be a non-empty str such as 'fc', got {name!r}")
    *path, last = name.split(".")
    parent = model
    for i, part in enumerate(path):
        child = parent._modules.get(part)
        if child is None:
            raise ValueError(f"{fn}: model has no child module {'.'.join(path[: i + 1])!r}")
        parent = child
    old = parent._modules.get(last)
    if old is None:
        children = ", ".join(repr(n) for n, _ in parent.named_children())
        where = "model" if not path else repr(".".join(path))
        raise ValueError(
            f"{fn}: {where} has no child module {last!r} (its children: {children or 'none'})"
        )
    # setattr keeps the old head's position among the children (a Sequential
    # runs its children in that order), as in PyTorch.
    setattr(parent, last, new_head)
    return old


# ---------------------------------------------------------------------- weights as arrays
def save_npz(state_dict: Mapping[str, Any], path: str | os.PathLike) -> str:
    """Save a state dict to one ``.npz`` file (NumPy's zip of arrays).

    Parameters
    ----------
    state_dict : mapping of str to array-like
        E.g. ``model.state_dict()``; PyTorch tensors are converted with
        :func:`cnnlib.models.state_dict_to_numpy`.
    path : str or path-like
        ``.npz`` is added if the name does not end in it (NumPy's rule).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cnnlib import nn
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_npz(nn.Linear(2, 3).state_dict(), pathlib.Path(tmp) / "fc")
    ...     sorted(load_npz(path)), path.endswith("fc.npz")
    (['bias', 'weight'], True)
    """
    from .models import state_dict_to_numpy

    arrays = state_dict_to_numpy(state_dict)
    for key in arrays:
        if "/" in key or "\\" in key:
            raise ValueError(f"save_npz: keys must not contain a path separator, got {key!r}")
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    np.savez(path, **arrays)
    return path


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a state dict saved by :func:`save_npz` (or ``numpy.savez``).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict of str to ndarray
        In the order the arrays were saved, ready for
        ``model.load_state_dict``.  Pickled objects are refused.
    """
    with np.load(os.fspath(path), allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


# ---------------------------------------------------------------------- a step budget
def train_steps(
    model: Module, loss_fn: Module, optimizer: Any, train_data: tuple[np.ndarray, np.ndarray],
    steps: int, batch_size: int = 32, seed: int = 0, eval_data: Any = None,
    eval_every: int = 10,
) -> dict[str, list[float]]:
    """Train for a fixed number of optimiser steps, measuring accuracy along the way.

    :func:`cnnlib.train.fit` counts epochs, and an epoch of 25 examples is
    one step while an epoch of 700 is twenty-two.  Comparing training runs
    on data sets of different sizes is fairer with the same number of
    updates, so this loop cycles through shuffled mini-batches (a fresh
    order every pass, fixed by ``seed``) until ``steps`` updates are done.

    Parameters
    ----------
    model : Module
    loss_fn : Module
        E.g. :class:`cnnlib.nn.CrossEntropyLoss`.
    optimizer : cnnlib.optim.Optimizer
    train_data : (X, y)
    steps : int
        Number of mini-batch updates.
    batch_size : int, default 32
        Capped at the number of training examples.
    seed : int, default 0
        Seeds the shuffling.
    eval_data : (X, y), optional
        Measured (in evaluation mode) before the first step and then every
        ``eval_every`` steps and after the last one.
    eval_every : int, default 10

    Returns
    -------
    dict of str to list
        ``'loss'``: the training loss of every step.  With ``eval_data``
        also ``'step'`` (0, eval_every, ..., steps) and ``'accuracy'`` on
        ``eval_data`` at those steps.

    Examples
    --------
    >>> from cnnlib import nn, optim
    >>> X = np.array([[0.0], [1.0], [0.1], [0.9]]); y = np.array([0, 1, 0, 1])
    >>> _ = cnnlib.manual_seed(0)
    >>> model = nn.Linear(1, 2, dtype=np.float64)
    >>> history = train_steps(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1.0),
    ...                       (X, y), steps=30, batch_size=2, eval_data=(X, y), eval_every=10)
    >>> len(history["loss"]), history["step"], history["accuracy"][-1]
    (30, [0, 10, 20, 30], 1.0)
    """
    from .train import DataLoader, evaluate, train_step

    fn = "train_steps"
    steps = positive_int(steps, "steps", fn)
    batch_size = positive_int(batch_size, "batch_size", fn)
    eval_every = positive_int(eval_every, "eval_every", fn)
    if not isinstance(train_data, tuple | list) or len(train_data) != 2:
        raise TypeError(f"{fn}: train_data must be a pair (X, y), got {type(train_data).__name__}")
    X, y = _check_xy(train_data[0], train_data[1], fn)
    if len(y) == 0:
        raise ValueError(
            f"{fn}: train_data must hold at least one example to take {steps} steps, got "
            f"X.shape={tuple(X.shape)} and y.shape={tuple(y.shape)}"
        )
    loader = DataLoader((X, y), batch_size=min(batch_size, len(y)), shuffle=True, seed=seed)
    history: dict[str, list[float]] = {"loss": []}
    if eval_data is not None:
        history["step"] = [0]
        history["accuracy"] = [evaluate(model, None, eval_data)["accuracy"]]
    model.train()
    done = 0
    while done < steps:
        for xb, yb in loader:
            loss, _ = train_step(model, loss_fn, optimizer, xb, yb)
            history["loss"].append(loss)
            done += 1
            if eval_data is not None and (done % eval_every == 0 or done == steps):
                history["step"].append(done)
                history["accuracy"].append(evaluate(model, None, eval_data)["accuracy"])
            if done == steps:
                break
    return history
