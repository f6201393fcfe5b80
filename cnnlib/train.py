"""Mini-batches and the training loop: ``DataLoader``, ``train_step``, ``fit``, ``evaluate``.

Nothing is hidden: :func:`train_step` is the four lines every training loop
repeats (clear the gradients, forward, backward, step), and :func:`fit` is a
loop over epochs and mini-batches that calls it, with a ``tqdm.auto``
progress bar (a widget in notebooks, text in terminals and CI logs; a plain
printout where tqdm is missing, as in the in-page Pyodide kernel) and a
per-epoch history returned as a plain dict of lists.  ``fit`` stops at the
first non-finite loss, keeps the history of finished epochs when it is
interrupted, and can continue a run saved with :mod:`cnnlib.checkpoint`.
Introduced in the chapter "A CNN from scratch"; used throughout "Training in
practice".
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .nn.module import Module, no_grad
from .random import default_generator

__all__ = [
    "DataLoader",
    "accuracy",
    "confusion_matrix",
    "evaluate",
    "fit",
    "predict",
    "train_step",
]

Transform = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class DataLoader:
    """Iterate over a data set in mini-batches, like ``torch.utils.data.DataLoader``.

    Parameters
    ----------
    dataset : ndarray, or tuple of ndarrays
        ``(X, y)`` with ``X`` of shape (N, C, H, W) and ``y`` of shape (N,)
        (any arrays sharing the first axis); a single array gives batches of
        that array alone.
    batch_size : int, default 1
    shuffle : bool, default False
        Draw a fresh order every epoch (every ``iter``).
    drop_last : bool, default False
        Skip the last batch when it is smaller than ``batch_size``.
    seed : int >= 0, optional
        Seed of the loader's own generator (shuffling and ``transform``).
        Without one the loader draws from cnnlib's global generator, which
        :func:`cnnlib.manual_seed` resets.  Either way each epoch gets a new
        order, and the sequence of orders repeats from run to run.
    transform : callable, optional
        ``transform(X_batch, rng) -> X_batch``, applied to the first array
        of each batch (data augmentation, e.g. :func:`cnnlib.data.random_shift`).

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> loader = DataLoader((X, y), batch_size=2)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])
    >>> [yb.tolist() for _, yb in DataLoader((X, y), batch_size=2, drop_last=True)]
    [[0, 1], [2, 3]]
    """

    def __init__(
        self, dataset: np.ndarray | Sequence[np.ndarray], batch_size: int = 1,
        shuffle: bool = False, drop_last: bool = False, seed: int | None = None,
        transform: Transform | None = None,
    ) -> None:
        fn = "DataLoader"
        if isinstance(dataset, np.ndarray):
            arrays, self._single = (dataset,), True
        elif isinstance(dataset, tuple | list) and dataset:
            arrays, self._single = tuple(dataset), False
        else:
            raise TypeError(
                f"{fn}: dataset must be an ndarray or a tuple of ndarrays (X, y), "
                f"got {type(dataset).__name__}"
            )
        for i, a in enumerate(arrays):
            if not isinstance(a, np.ndarray) or a.ndim < 1:
                raise TypeError(f"{fn}: dataset[{i}] must be an ndarray with a first (batch) axis")
        n = arrays[0].shape[0]
        lengths = [a.shape[0] for a in arrays]
        if any(k != n for k in lengths):
            raise ValueError(f"{fn}: the arrays must share their first axis, got lengths {lengths}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size < 1:
            raise ValueError(f"{fn}: batch_size must be a positive int, got {batch_size!r}")
        if transform is not None and not callable(transform):
            raise TypeError(f"{fn}: transform must be callable, got {type(transform).__name__}")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
                raise TypeError(
                    f"{fn}: seed must be a non-negative int or None, got {type(seed).__name__} "
                    f"{seed!r}"
                )
            if seed < 0:
                raise ValueError(f"{fn}: seed must be a non-negative int or None, got {seed}")
        self.arrays = arrays
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.transform = transform
        self._rng = None if seed is None else np.random.default_rng(seed)

    @property
    def num_samples(self) -> int:
        """The number of examples N."""
        return int(self.arrays[0].shape[0])

    def __len__(self) -> int:
        n, b = self.num_samples, self.batch_size
        return n // b if self.drop_last else math.ceil(n / b)

    def _generator(self) -> np.random.Generator:
        return default_generator() if self._rng is None else self._rng

    def __iter__(self) -> Iterator[Any]:
        n = self.num_samples
        order = self._generator().permutation(n) if self.shuffle else np.arange(n)
        for b in range(len(self)):
            idx = order[b * self.batch_size : (b + 1) * self.batch_size]
            batch = [a[idx] for a in self.arrays]
            if self.transform is not None:
                batch[0] = self.transform(batch[0], self._generator())
            yield batch[0] if self._single else tuple(batch)

    def state_dict(self) -> dict[str, Any]:
        """The state of the loader's own generator (empty for an unseeded loader).

        Saving it with the model lets a resumed run draw the same shuffles
        as a run that never stopped (see :mod:`cnnlib.checkpoint`).  An
        unseeded loader draws from cnnlib's global generator, which the
        checkpoint saves separately.

        Examples
        --------
        >>> import numpy as np
        >>> loader = DataLoader(np.arange(6), batch_size=3, shuffle=True, seed=0)
        >>> saved = loader.state_dict()
        >>> first = [b.tolist() for b in loader]
        >>> loader.load_state_dict(saved)
        >>> [b.tolist() for b in loader] == first
        True
        """
        if self._rng is None:
            return {}
        return {"bit_generator_state": self._rng.bit_generator.state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the generator state that :meth:`state_dict` saved."""
        fn = "DataLoader.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{fn}: state_dict must be a dict, got {type(state_dict).__name__}")
        if not state_dict:
            if self._rng is not None:
                raise ValueError(f"{fn}: the state_dict is from an unseeded loader, this loader "
                                 f"has seed={self.seed}")
            return
        if self._rng is None:
            raise ValueError(f"{fn}: the state_dict is from a seeded loader, this loader has "
                             "no seed of its own (it draws from cnnlib's global generator)")
        self._rng.bit_generator.state = state_dict["bit_generator_state"]

    def __repr__(self) -> str:
        return (
            f"DataLoader(num_samples={self.num_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )


def accuracy(logits: np.ndarray, target: np.ndarray) -> float:
    """Fraction of rows whose largest logit is at the target class.

    Parameters
    ----------
    logits : ndarray, shape (N, C)
    target : ndarray of int, shape (N,)

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0]))
    0.5
    """
    logits = np.asarray(logits)
    target = np.asarray(target)
    if logits.ndim != 2 or target.shape != (logits.shape[0],):
        raise ValueError(
            f"accuracy: expected logits (N, C) and target (N,), got shapes "
            f"{tuple(logits.shape)} and {tuple(target.shape)}"
        )
    return float(np.mean(logits.argmax(axis=1) == target))


def confusion_matrix(target: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Count how often each true class was given each predicted class.

    Parameters
    ----------
    target, predicted : ndarray of int, shape (N,)
        True and predicted class indices in ``[0, num_classes)``.
    num_classes : int

    Returns
    -------
    ndarray of int64, shape (num_classes, num_classes)
        Row ``i``, column ``j``: examples of class ``i`` predicted as ``j``
        (scikit-learn's layout).  The diagonal holds the correct answers.

    Examples
    --------
    >>> import numpy as np
    >>> confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    fn = "confusion_matrix"
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) \
            or num_classes < 1:
        raise ValueError(f"{fn}: num_classes must be a positive int, got {num_classes!r}")
    t, p = np.asarray(target), np.asarray(predicted)
    for name, a in (("target", t), ("predicted", p)):
        if a.ndim != 1 or a.dtype.kind not in "iu":
            raise TypeError(
                f"{fn}: {name} must be a 1-D array of integer class indices, got dtype "
                f"{a.dtype} and shape {tuple(a.shape)}"
            )
        if a.size and (a.min() < 0 or a.max() >= num_classes):
            raise ValueError(
                f"{fn}: {name} values must be in [0, {num_classes - 1}], got "
                f"{int(a.min())}..{int(a.max())}"
            )
    if t.shape != p.shape:
        raise ValueError(
            f"{fn}: target and predicted must have the same shape, got {t.shape} and {p.shape}"
        )
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (t, p), 1)
    return counts


def _check_model(model: object, fn: str, arg: str = "model") -> None:
    if not isinstance(model, Module):
        hint = ""
        if isinstance(model, np.ndarray):
            hint = " (are the arguments swapped? the model comes first)"
        raise TypeError(f"{fn}: {arg} must be a cnnlib Module, got {type(model).__name__}{hint}")


def _check_loss_fn(loss_fn: object, fn: str) -> str:
    """Check ``loss_fn`` is a loss module; return its reduction."""
    if not isinstance(loss_fn, Module) or not callable(getattr(loss_fn, "backward", None)):
        hint = ""
        if callable(getattr(loss_fn, "step", None)):
            hint = " (got an optimiser: are loss_fn and optimizer swapped?)"
        raise TypeError(
            f"{fn}: loss_fn must be a loss module with backward(), e.g. CrossEntropyLoss(), "
            f"got {type(loss_fn).__name__}{hint}"
        )
    return str(getattr(loss_fn, "reduction", "mean"))


def _check_optimizer(optimizer: object, fn: str) -> None:
    if not (callable(getattr(optimizer, "step", None))
            and callable(getattr(optimizer, "zero_grad", None))
            and hasattr(optimizer, "param_groups")):
        hint = ""
        if isinstance(optimizer, Module):
            hint = " (got a module: are loss_fn and optimizer swapped?)"
        raise TypeError(
            f"{fn}: optimizer must be a cnnlib.optim optimiser (SGD, Adam, ...), got "
            f"{type(optimizer).__name__}{hint}"
        )


def _check_xy(x: object, y: object, fn: str) -> None:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{fn}: x must be an ndarray of inputs, got {type(x).__name__}")
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "iu":
        got = f"dtype {y.dtype}" if isinstance(y, np.ndarray) else type(y).__name__
        hint = " (are x and y swapped?)" if isinstance(y, np.ndarray) and y.ndim > 1 else ""
        raise TypeError(f"{fn}: y must be an ndarray of integer class indices, got {got}{hint}")


def _trainable_reduction(reduction: str, fn: str) -> None:
    if reduction == "none":
        raise ValueError(
            f"{fn}: loss_fn has reduction='none', one loss per example, which gives no single "
            "number to minimise; use reduction='mean' (or 'sum')"
        )


def _step(model: Module, loss_fn: Module, optimizer: Any, x: np.ndarray, y: np.ndarray,
          where: str | None = None) -> tuple[float, np.ndarray]:
    """The four moves of :func:`train_step`; with ``where``, stop before a non-finite step."""
    optimizer.zero_grad()
    logits = model(x)
    loss = float(loss_fn(logits, y))
    if where is not None and not math.isfinite(loss):
        raise FloatingPointError(
            f"fit: the loss is {loss} at {where}; training stopped before this batch's "
            "update, so the weights are those after the previous batch (look for NaN or "
            "inf in the inputs, or lower the learning rate; fit(..., stop_on_nonfinite=False) "
            "trains on regardless)"
        )
    model.backward(loss_fn.backward())
    optimizer.step()
    return loss, logits


def train_step(model: Module, loss_fn: Module, optimizer: Any, x: np.ndarray,
               y: np.ndarray) -> tuple[float, np.ndarray]:
    """One optimisation step on one mini-batch; return ``(loss, logits)``.

    Exactly the four moves of every training loop::

        optimizer.zero_grad()                  # gradients start at zero (None)
        logits = model(x)                      # forward, caching what backward needs
        loss = loss_fn(logits, y)
        model.backward(loss_fn.backward())     # dL/dlogits back through every layer
        optimizer.step()                       # update every parameter from its grad

    Parameters
    ----------
    model : Module
    loss_fn : Module
        E.g. :class:`cnnlib.nn.CrossEntropyLoss`; its ``backward()`` gives
        dL/dlogits.  ``reduction='mean'`` or ``'sum'`` (``'none'`` gives no
        single loss to minimise and is refused).
    optimizer : cnnlib.optim.Optimizer
    x : ndarray, shape (N, C, H, W)
    y : ndarray of int, shape (N,)

    Returns
    -------
    loss : float
    logits : ndarray, shape (N, num_classes)

    Examples
    --------
    >>> from cnnlib import nn, optim
    >>> model = nn.Linear(2, 2, dtype=np.float64)
    >>> _ = model.load_state_dict({"weight": np.zeros((2, 2)), "bias": np.zeros(2)})
    >>> loss, _ = train_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
    ...                      np.array([[1.0, 2.0]]), np.array([0]))
    >>> round(loss, 4), model.bias.data              # loss ln 2; bias moved by 0.1 * 0.5
    (0.6931, array([ 0.05, -0.05]))
    """
    fn = "train_step"
    _check_model(model, fn)
    _trainable_reduction(_check_loss_fn(loss_fn, fn), fn)
    _check_optimizer(optimizer, fn)
    _check_xy(x, y, fn)
    return _step(model, loss_fn, optimizer, x, y)


def _as_loader(data: Any, batch_size: int, fn: str) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, tuple | list) and len(data) == 2:
        return DataLoader(tuple(data), batch_size=batch_size)
    raise TypeError(f"{fn}: data must be a DataLoader or a pair (X, y), got {type(data).__name__}")


class _Modes:
    """Remember every submodule's train/eval flag and put each back afterwards.

    ``model.train(was_training)`` would set one flag on all of them; a model
    with, say, frozen BatchNorm layers in eval mode inside a training model
    must come back exactly as it was.
    """

    def __init__(self, model: Module) -> None:
        self._modes = [(m, m.training) for m in model.modules()]

    def restore(self) -> None:
        for m, mode in self._modes:
            m.training = mode


def predict(model: Module, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for every example, in evaluation mode, batch by batch.

    Runs under :class:`cnnlib.no_grad` (nothing is kept for a backward pass),
    and the model's training/evaluation mode is restored afterwards.

    Parameters
    ----------
    model : Module
    x : ndarray, shape (N, ...)
        N may be 0 (the result then has N = 0 too, as in PyTorch).
    batch_size : int, default 256

    Returns
    -------
    ndarray, shape (N, num_classes)

    Examples
    --------
    >>> from cnnlib import nn
    >>> model = nn.Linear(3, 2)
    >>> predict(model, np.ones((5, 3), dtype=np.float32), batch_size=2).shape
    (5, 2)
    """
    fn = "predict"
    _check_model(model, fn)
    if not isinstance(x, np.ndarray):
        hint = " (are the arguments swapped? the model comes first)" \
            if isinstance(x, Module) else ""
        raise TypeError(f"{fn}: x must be an ndarray of inputs, got {type(x).__name__}{hint}")
    if x.ndim < 1:
        raise ValueError(f"{fn}: x must have a first (batch) axis, got a 0-d array")
    modes = _Modes(model)
    model.eval()
    try:
        with no_grad():
            if len(x) == 0:                    # no batches: one empty forward gives the shape
                return model(x)
            outs = [model(xb) for xb in DataLoader(x, batch_size=batch_size)]
    finally:
        modes.restore()
    return np.concatenate(outs, axis=0)


def _batch_loss(loss: Any, reduction: str, n: int) -> float:
    """The batch's summed loss, whatever the reduction."""
    if reduction == "mean":
        return float(loss) * n
    if reduction == "sum":
        return float(loss)
    return float(np.sum(loss))


def evaluate(model: Module, loss_fn: Module | None, data: Any,
             batch_size: int = 256) -> dict[str, float]:
    """Mean loss and accuracy over a data set, in evaluation mode, under :class:`cnnlib.no_grad`.

    Parameters
    ----------
    model : Module
    loss_fn : Module or None
        A loss module; None skips the loss.  Any reduction works: the
        result is always the mean loss per example.
    data : DataLoader or (X, y)
    batch_size : int, default 256
        Used when ``data`` is a pair.

    Returns
    -------
    dict
        ``{'loss': float, 'accuracy': float}`` (``'loss'`` is NaN without a
        ``loss_fn``).  The loss is the mean over examples, not over batches.

    Examples
    --------
    >>> from cnnlib import nn
    >>> model = nn.Linear(2, 2, dtype=np.float64)
    >>> _ = model.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    >>> X, y = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]]), np.array([0, 1, 1])
    >>> evaluate(model, None, (X, y))["accuracy"]       # the third is called class 0
    0.6666666666666666
    """
    fn = "evaluate"
    _check_model(model, fn)
    reduction = "mean" if loss_fn is None else _check_loss_fn(loss_fn, fn)
    loader = _as_loader(data, batch_size, fn)
    modes = _Modes(model)
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    try:
        with no_grad():
            for xb, yb in loader:
                logits = model(xb)
                if loss_fn is not None:
                    total_loss += _batch_loss(loss_fn(logits, yb), reduction, len(yb))
                correct += int(np.sum(logits.argmax(axis=1) == yb))
                count += len(yb)
    finally:
        modes.restore()
    loss = total_loss / count if loss_fn is not None and count else math.nan
    return {"loss": loss, "accuracy": correct / count if count else math.nan}


class _SilentBar:
    """Stands in for a tqdm bar when ``progress=False``."""

    def set_description(self, text: str) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, values: dict[str, str]) -> None:
        pass

    def close(self) -> None:
        pass


class _PrintedBar(_SilentBar):
    """Where tqdm is not installed (the in-page Pyodide kernel): one printed line per epoch."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.text = total, 0, ""

    def set_description(self, text: str) -> None:
        self.text = text

    def update(self, n: int = 1) -> None:
        self.done += n

    def set_postfix(self, values: dict[str, str]) -> None:
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        print(f"{self.text} [{self.done}/{self.total} batches] {shown}", flush=True)


def _progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm  # only when asked for: the live (Pyodide) kernel lacks it
    except ImportError:
        return _PrintedBar(total)
    return tqdm(total=total, unit="batch")


_HISTORY_KEYS = ("loss", "accuracy", "lr")


def fit(
    model: Module, loss_fn: Module, optimizer: Any, train_data: Any, epochs: int = 1,
    val_data: Any = None, batch_size: int = 32, shuffle: bool = True, seed: int | None = None,
    scheduler: Any = None, transform: Transform | None = None, progress: bool = True,
    stop_on_nonfinite: bool = True, history: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Train for ``epochs`` passes over ``train_data``; return the per-epoch history.

    Each epoch puts the model in training mode, runs :func:`train_step` on
    every mini-batch, steps the ``scheduler`` (if any) once, and, with
    ``val_data``, runs :func:`evaluate`.  Afterwards every module is back in
    the train/eval mode it had before.

    Parameters
    ----------
    model : Module
    loss_fn : Module
        E.g. :class:`cnnlib.nn.CrossEntropyLoss`, with ``reduction='mean'``
        or ``'sum'`` (``'none'`` is refused: there is no single loss to
        minimise).  The history reports the mean loss per example either way.
    optimizer : cnnlib.optim.Optimizer
    train_data : DataLoader or (X, y)
        A pair is wrapped in ``DataLoader(train_data, batch_size, shuffle,
        seed=seed, transform=transform)``; a DataLoader is used as given.
    epochs : int, default 1
    val_data : DataLoader or (X, y), optional
    batch_size, shuffle, seed, transform
        For the loader made from a pair (see :class:`DataLoader`).
    scheduler : StepLR or CosineAnnealingLR, optional
        Stepped once at the end of every epoch.
    progress : bool, default True
        Show a ``tqdm.auto`` progress bar over all mini-batches; where tqdm
        is not installed, print one line per epoch instead.
    stop_on_nonfinite : bool, default True
        Raise ``FloatingPointError``, naming the epoch and batch, at the
        first loss that is NaN or infinite, *before* that batch updates the
        weights.  False trains on (every weight soon becomes NaN).
    history : dict, optional
        A history from an earlier run (or :func:`cnnlib.checkpoint.load_checkpoint`)
        to continue: the new epochs are appended to it, in place, and are
        numbered after the ones it holds.

    Returns
    -------
    dict of str to list of float
        One value per epoch under ``'loss'`` and ``'accuracy'`` (measured
        on the training batches as they were trained, in training mode),
        ``'lr'`` (the rate the epoch used), and with ``val_data`` also
        ``'val_loss'`` and ``'val_accuracy'`` (evaluation mode).

    Raises
    ------
    FloatingPointError
        At a non-finite loss (with ``stop_on_nonfinite``).
    KeyboardInterrupt
        Interrupting ``fit`` (the notebook's stop button) re-raises after
        putting the model's modes back.  Whatever stops training early --
        an interrupt, a non-finite loss, any error -- carries the history of
        the epochs that finished as ``err.history``::

            try:
                history = fit(model, loss_fn, opt, data, epochs=50)
            except KeyboardInterrupt as err:
                history = err.history          # the finished epochs

    Examples
    --------
    >>> import cnnlib
    >>> from cnnlib import nn, optim
    >>> X = np.array([[0.0], [1.0], [0.1], [0.9]]); y = np.array([0, 1, 0, 1])
    >>> _ = cnnlib.manual_seed(0)
    >>> model = nn.Linear(1, 2, dtype=np.float64)
    >>> opt = optim.SGD(model.parameters(), lr=1.0)
    >>> history = fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=3, batch_size=2,
    ...               seed=0, progress=False)
    >>> sorted(history), len(history["loss"])
    (['accuracy', 'loss', 'lr'], 3)
    """
    fn = "fit"
    _check_model(model, fn)
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"{fn}: epochs must be a non-negative int, got {epochs!r}")
    reduction = _check_loss_fn(loss_fn, fn)
    _trainable_reduction(reduction, fn)
    _check_optimizer(optimizer, fn)
    if isinstance(train_data, DataLoader):
        loader = train_data
    elif isinstance(train_data, tuple | list) and len(train_data) == 2:
        loader = DataLoader(tuple(train_data), batch_size=batch_size, shuffle=shuffle, seed=seed,
                            transform=transform)
    else:
        raise TypeError(
            f"{fn}: train_data must be a DataLoader or a pair (X, y), "
            f"got {type(train_data).__name__}"
        )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            f"{fn}: scheduler must be a schedule with step() (StepLR, CosineAnnealingLR), got "
            f"{type(scheduler).__name__}"
        )
    keys = _HISTORY_KEYS + (("val_loss", "val_accuracy") if val_data is not None else ())
    if history is None:
        history = {k: [] for k in keys}
    elif not isinstance(history, dict) or any(
            not isinstance(history.get(k), list) for k in _HISTORY_KEYS):
        raise TypeError(
            f"{fn}: history must be a dict of lists with keys {list(_HISTORY_KEYS)} (a history "
            f"fit returned), got {type(history).__name__}"
        )
    else:
        for k in keys:
            history.setdefault(k, [])
    done = len(history["loss"])
    last = done + epochs
    modes = _Modes(model)
    bar = _progress_bar(epochs * len(loader)) if progress else _SilentBar()
    try:
        for epoch in range(done + 1, last + 1):
            bar.set_description(f"epoch {epoch}/{last}")
            lr = float(optimizer.param_groups[0]["lr"])
            model.train()
            total_loss, correct, count = 0.0, 0, 0
            for b, (xb, yb) in enumerate(loader, start=1):
                where = f"epoch {epoch}, batch {b} of {len(loader)}" if stop_on_nonfinite else None
                loss, logits = _step(model, loss_fn, optimizer, xb, yb, where)
                total_loss += _batch_loss(loss, reduction, len(yb))
                correct += int(np.sum(logits.argmax(axis=1) == yb))
                count += len(yb)
                bar.update(1)
            if scheduler is not None:
                scheduler.step()
            row = {"loss": total_loss / count if count else math.nan,
                   "accuracy": correct / count if count else math.nan, "lr": lr}
            postfix = {"loss": f"{row['loss']:.4f}", "acc": f"{row['accuracy']:.3f}"}
            if val_data is not None:
                result = evaluate(model, loss_fn, val_data)
                row["val_loss"], row["val_accuracy"] = result["loss"], result["accuracy"]
                postfix["val_acc"] = f"{result['accuracy']:.3f}"
            for k, v in row.items():          # the epoch enters the history only when complete
                history[k].append(v)
            bar.set_postfix(postfix)
    except BaseException as err:
        with contextlib.suppress(AttributeError, TypeError):
            err.history = history             # the finished epochs, for the caller
        raise
    finally:
        bar.close()
        modes.restore()
    return history
