"""Mini-batches and the training loop: ``DataLoader``, ``train_step``, ``fit``, ``evaluate``.

Nothing is hidden: :func:`train_step` is the four lines every training loop
repeats (clear the gradients, forward, backward, step), and :func:`fit` is a
loop over epochs and mini-batches that calls it, with a ``tqdm.auto``
progress bar (a widget in notebooks, text in terminals and CI logs) and a
per-epoch history returned as a plain dict of lists.  Introduced in the
chapter "A CNN from scratch"; used throughout "Training in practice".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .nn.module import Module
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
    seed : int, optional
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
        E.g. :class:`cnnlib.nn.CrossEntropyLoss`; its ``backward()`` gives dL/dlogits.
    optimizer : cnnlib.optim.Optimizer
    x : ndarray, shape (N, C, H, W)
    y : ndarray of int, shape (N,)

    Returns
    -------
    loss : float
    logits : ndarray, shape (N, num_classes)
    """
    optimizer.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    model.backward(loss_fn.backward())
    optimizer.step()
    return float(loss), logits


def _as_loader(data: Any, batch_size: int, fn: str) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, tuple | list) and len(data) == 2:
        return DataLoader(tuple(data), batch_size=batch_size)
    raise TypeError(f"{fn}: data must be a DataLoader or a pair (X, y), got {type(data).__name__}")


def predict(model: Module, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for every example, in evaluation mode, batch by batch.

    The model's training/evaluation mode is restored afterwards.

    Parameters
    ----------
    model : Module
    x : ndarray, shape (N, ...)
    batch_size : int, default 256

    Returns
    -------
    ndarray, shape (N, num_classes)
    """
    was_training = model.training
    model.eval()
    try:
        outs = [model(xb) for xb in DataLoader(x, batch_size=batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outs, axis=0)


def evaluate(model: Module, loss_fn: Module | None, data: Any,
             batch_size: int = 256) -> dict[str, float]:
    """Mean loss and accuracy over a data set, in evaluation mode.

    Parameters
    ----------
    model : Module
    loss_fn : Module or None
        A loss with ``reduction='mean'``; None skips the loss.
    data : DataLoader or (X, y)
    batch_size : int, default 256
        Used when ``data`` is a pair.

    Returns
    -------
    dict
        ``{'loss': float, 'accuracy': float}`` (``'loss'`` is NaN without a
        ``loss_fn``).  The loss is the mean over examples, not over batches.
    """
    loader = _as_loader(data, batch_size, "evaluate")
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    try:
        for xb, yb in loader:
            logits = model(xb)
            if loss_fn is not None:
                total_loss += float(loss_fn(logits, yb)) * len(yb)
            correct += int(np.sum(logits.argmax(axis=1) == yb))
            count += len(yb)
    finally:
        model.train(was_training)
    loss = total_loss / count if loss_fn is not None and count else math.nan
    return {"loss": loss, "accuracy": correct / count if count else math.nan}


class _SilentBar:
    """Stands in for a tqdm bar when ``progress=False``."""

    def set_description(self, text: str) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, values: object) -> None:
        pass

    def close(self) -> None:
        pass


def fit(
    model: Module, loss_fn: Module, optimizer: Any, train_data: Any, epochs: int = 1,
    val_data: Any = None, batch_size: int = 32, shuffle: bool = True, seed: int | None = None,
    scheduler: Any = None, transform: Transform | None = None, progress: bool = True,
) -> dict[str, list[float]]:
    """Train for ``epochs`` passes over ``train_data``; return the per-epoch history.

    Each epoch puts the model in training mode, runs :func:`train_step` on
    every mini-batch, steps the ``scheduler`` (if any) once, and, with
    ``val_data``, runs :func:`evaluate`.

    Parameters
    ----------
    model : Module
    loss_fn : Module
        E.g. :class:`cnnlib.nn.CrossEntropyLoss` (reduction ``'mean'``).
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
        Show a ``tqdm.auto`` progress bar over all mini-batches.

    Returns
    -------
    dict of str to list of float
        One value per epoch under ``'loss'`` and ``'accuracy'`` (measured
        on the training batches as they were trained, in training mode),
        ``'lr'`` (the rate the epoch used), and with ``val_data`` also
        ``'val_loss'`` and ``'val_accuracy'`` (evaluation mode).
    """
    fn = "fit"
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"{fn}: epochs must be a non-negative int, got {epochs!r}")
    if not callable(getattr(loss_fn, "backward", None)):
        raise TypeError(
            f"{fn}: loss_fn must be a loss module with backward(), e.g. CrossEntropyLoss()"
        )
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
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "lr": []}
    if val_data is not None:
        history["val_loss"] = []
        history["val_accuracy"] = []
    if progress:
        from tqdm.auto import tqdm  # only when asked for: the live (Pyodide) kernel lacks it

        bar = tqdm(total=epochs * len(loader), unit="batch")
    else:
        bar = _SilentBar()
    try:
        for epoch in range(epochs):
            bar.set_description(f"epoch {epoch + 1}/{epochs}")
            history["lr"].append(float(optimizer.param_groups[0]["lr"]))
            model.train()
            total_loss, correct, count = 0.0, 0, 0
            for xb, yb in loader:
                loss, logits = train_step(model, loss_fn, optimizer, xb, yb)
                total_loss += loss * len(yb)
                correct += int(np.sum(logits.argmax(axis=1) == yb))
                count += len(yb)
                bar.update(1)
            if scheduler is not None:
                scheduler.step()
            history["loss"].append(total_loss / count if count else math.nan)
            history["accuracy"].append(correct / count if count else math.nan)
            postfix = {
                "loss": f"{history['loss'][-1]:.4f}",
                "acc": f"{history['accuracy'][-1]:.3f}",
            }
            if val_data is not None:
                result = evaluate(model, loss_fn, val_data)
                history["val_loss"].append(result["loss"])
                history["val_accuracy"].append(result["accuracy"])
                postfix["val_acc"] = f"{result['accuracy']:.3f}"
            bar.set_postfix(postfix)
    finally:
        bar.close()
        model.train()
    return history
