"""The training explorer of the chapter *A CNN from scratch*: train TinyCNN, watch the curves.

Three sliders -- learning rate, batch size, epochs -- and each release
trains a fresh TinyCNN (Conv 1->3 3x3, ReLU, 2x2 max pooling, Linear 27->3,
float64, seed 0) on the chapter's line patterns with SGD and momentum 0.9,
then redraws the loss and accuracy curves beside the chapter's own run
(learning rate 0.05, batches of 16, 20 epochs) in grey.  The network is so
small that a run takes well under a second here and a few seconds in the
browser's Python.  The training is :func:`cnnlib.train.fit`; a learning rate
so large that the loss overflows shows fit's message and the epochs that
finished.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import nn, optim
from ..data import line_patterns
from ..random import manual_seed
from ..train import fit
from ..viz.style import COLUMN_INCHES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["BATCH_SIZES", "TrainingExplorer", "tiny_cnn", "train_tiny_cnn",
           "training_explorer"]

#: The batch sizes the explorer offers (the training set has 180 images).
BATCH_SIZES = (4, 8, 16, 32, 64, 180)
#: The chapter's run, drawn in grey for comparison.
CHAPTER_RUN = {"lr": 0.05, "batch_size": 16, "epochs": 20}
_RECIPE = {"noise": 0.15, "max_shift": 2, "dtype": np.float64}


def tiny_cnn(seed: int = 0) -> nn.Sequential:
    """The chapter's TinyCNN in float64, its weights drawn after ``manual_seed(seed)``.

    Returns
    -------
    nn.Sequential
        Conv2d(1, 3, 3) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(27, 3):
        114 parameters, for inputs of shape (N, 1, 8, 8).

    Examples
    --------
    >>> sum(p.size for p in tiny_cnn().parameters())
    114
    """
    manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(27, 3)).double()


def train_tiny_cnn(lr: float = 0.05, batch_size: int = 16, epochs: int = 20,
                   seed: int = 0, model: nn.Module | None = None,
                   ) -> tuple[dict[str, list[float]], str]:
    """Train a fresh TinyCNN on the chapter's line patterns; its history and any stop message.

    The data are the chapter's: ``line_patterns(60, seed=0)`` for training
    (180 images) and ``line_patterns(30, seed=1)`` for validation, noise
    0.15, shifts up to 2, float64.  SGD with momentum 0.9.

    Parameters
    ----------
    lr : float
        Learning rate, > 0.
    batch_size : int
        Mini-batch size, >= 1.
    epochs : int
        Passes over the training set, >= 1.
    seed : int
        Seeds the weights and the batch order.
    model : Module, optional
        Train this network (in place) instead of a fresh ``tiny_cnn(seed)``,
        to look at it afterwards.

    Returns
    -------
    history : dict of str to list of float
        ``fit``'s history (``'loss'``, ``'accuracy'``, ``'val_loss'``,
        ``'val_accuracy'``), one entry per finished epoch.
    stopped : str
        ``''``, or fit's message when the loss became non-finite (the
        history then holds the epochs before it).

    Examples
    --------
    >>> history, stopped = train_tiny_cnn(epochs=2)
    >>> len(history["val_accuracy"]), stopped
    (2, '')
    """
    fn = "train_tiny_cnn"
    if not isinstance(lr, int | float) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"{fn}: lr must be a positive number, got {lr!r}")
    for name, value in (("batch_size", batch_size), ("epochs", epochs)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{fn}: {name} must be a positive int, got {value!r}")
    x_train, y_train, _ = line_patterns(60, seed=0, **_RECIPE)
    x_val, y_val, _ = line_patterns(30, seed=1, **_RECIPE)
    if model is None:
        model = tiny_cnn(seed)
    elif not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: model must be a cnnlib Module, got {type(model).__name__}")
    history: dict[str, list[float]] = {k: [] for k in
                                        ("loss", "accuracy", "lr", "val_loss", "val_accuracy")}
    optimizer = optim.SGD(model.parameters(), lr=float(lr), momentum=0.9)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            fit(model, nn.CrossEntropyLoss(), optimizer, (x_train, y_train),
                epochs=int(epochs), val_data=(x_val, y_val), batch_size=int(batch_size),
                seed=seed, progress=False, history=history)
    except FloatingPointError as err:
        return history, str(err).split(";")[0]
    return history, ""


class TrainingExplorer(BookWidget):
    """Learning-rate, batch-size and epochs sliders; the curves of a fresh training run.

    Parameters
    ----------
    lr, batch_size, epochs : float, int, int
        The first run's settings (``batch_size`` one of :data:`BATCH_SIZES`).

    Attributes
    ----------
    history : dict of str to list of float
        The last run's history (see :func:`train_tiny_cnn`).
    stopped : str
        The last run's stop message, or ``''``.
    settings : (float, int, int)
        The last run's learning rate, batch size and epochs.
    reference : dict of str to list of float
        The chapter's run, drawn in grey.
    widget : ipywidgets.VBox
    """

    def __init__(self, lr: float = 0.05, batch_size: int = 16, epochs: int = 20) -> None:
        if batch_size not in BATCH_SIZES:
            raise ValueError(f"training_explorer: batch_size must be one of {BATCH_SIZES}, "
                             f"got {batch_size!r}")
        self.reference, _ = train_tiny_cnn(**CHAPTER_RUN)
        self.history: dict[str, list[float]] = {}
        self.stopped = ""
        self.settings = (lr, batch_size, epochs)
        style = {"description_width": "96px"}
        layout = widgets.Layout(width="320px", max_width="100%")
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.25,
                                         description="learning rate", readout_format=".3g",
                                         continuous_update=False, style=style, layout=layout)
        self.batch = widgets.SelectionSlider(options=list(BATCH_SIZES), value=batch_size,
                                             description="batch size", continuous_update=False,
                                             style=style, layout=layout)
        self.epochs = widgets.IntSlider(value=epochs, min=1, max=40, step=1,
                                        description="epochs", continuous_update=False,
                                        style=style, layout=layout)
        self.readout = widgets.HTML()
        self.message = MessageLine()
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 3.0), dpi=100)
        self.ax_loss, self.ax_acc = self.figure.fig.subplots(1, 2)
        self._guarded = guarded(self.update, self.message)
        for control in (self.lr, self.batch, self.epochs):
            control.observe(lambda change: self._guarded(), names="value")
        controls = widgets.HBox([self.lr, self.batch, self.epochs],
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([controls, self.figure.image, self.readout,
                                    self.message.html],
                                   layout=widgets.Layout(max_width="100%"))
        self._guarded()

    def update(self, lr: float | None = None, batch_size: int | None = None,
               epochs: int | None = None) -> None:
        """Train with these settings (default: the sliders') and redraw; the plain callback."""
        lr = self.lr.value if lr is None else lr
        batch_size = self.batch.value if batch_size is None else batch_size
        epochs = self.epochs.value if epochs is None else epochs
        self.history, self.stopped = train_tiny_cnn(lr, batch_size, epochs)
        self.settings = (lr, batch_size, epochs)
        ref = self.reference
        for ax, key, title, ylabel in ((self.ax_loss, "loss", "Validation loss", "loss"),
                                       (self.ax_acc, "accuracy", "Validation accuracy",
                                        "fraction correct")):
            ax.clear()
            ax.plot(np.arange(1, len(ref["val_" + key]) + 1), ref["val_" + key], color="0.6",
                    linewidth=2, label="chapter's run")
            values = self.history.get("val_" + key, [])
            ax.plot(np.arange(1, len(values) + 1), values, "o-", color="#0072B2",
                    markersize=3.5, label="this run")
            ax.set(title=title, xlabel="epoch", ylabel=ylabel)
            ax.set_xlim(0.5, max(epochs, len(ref["val_" + key])) + 0.5)
            ax.grid(alpha=0.3)
        self.ax_loss.set_yscale("log")
        self.ax_acc.set_ylim(0, 1.05)
        self.ax_acc.legend(loc="lower right")
        self.figure.refresh()
        if self.stopped:
            self.message.show(self.stopped + ": the learning rate is too large.")
        done = len(self.history.get("val_accuracy", []))
        if done:
            self.readout.value = (
                f"lr {lr:.3g}, batches of {batch_size}, {done} epochs "
                f"({done * -(-180 // batch_size)} steps): validation accuracy "
                f"{self.history['val_accuracy'][-1]:.3f}, loss "
                f"{self.history['val_loss'][-1]:.3g}")
        else:
            self.readout.value = "no epoch finished"

    def __repr__(self) -> str:
        acc = self.history.get("val_accuracy", [])
        last = f", validation accuracy {acc[-1]:.2f}" if acc else ""
        lr, batch_size, epochs = self.settings
        return f"<TrainingExplorer: lr {lr:.3g}, batch {batch_size}, {epochs} epochs{last}>"


def training_explorer(lr: float = 0.05, batch_size: int = 16,
                      epochs: int = 20) -> TrainingExplorer:
    """The training explorer: sliders that retrain TinyCNN and redraw its curves.

    Introduced in the chapter *A CNN from scratch*.

    Parameters
    ----------
    lr : float
        Learning rate of the first run (the slider spans 0.001 to 10).
    batch_size : int
        One of :data:`BATCH_SIZES`.
    epochs : int
        1 to 40.

    Returns
    -------
    TrainingExplorer
        Displays as the widget in a notebook.
    """
    return TrainingExplorer(lr, batch_size, epochs)
