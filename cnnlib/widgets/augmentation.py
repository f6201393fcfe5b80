"""The augmentation explorer of *Training in practice*: shifts, rotations and noise on a digit.

Sliders set the chapter's augmentations -- :func:`cnnlib.data.random_shift`
(largest shift in pixels), :func:`cnnlib.data.random_rotation` (largest
angle, bilinear or nearest-neighbour resampling, as in the rotation
ablation) and :func:`cnnlib.data.add_noise` (Gaussian noise, clipped to
[0, 1]) -- chained with :func:`cnnlib.data.compose` in that order.  A digit
picker chooses the first training image of a digit (the chapter's split),
and a seed fixes the draws.  The figure shows the original and a batch of
eight augmented copies, as ``fit`` would draw them for this image, on one
grey scale.  With the defaults (digit 0, shift 1, seed 3) copies 1 to 5 are
the five shifts of the chapter's figure.

The readout measures two things.  How much copy 1 changed: the pixels that
moved by at least one grey level of the scan (1/16), and the mean absolute
change.  And whether the copies still look like their digit to a simple,
independent yardstick: scikit-learn's ``NearestCentroid`` fitted on the
chapter's 1,149 training images (each copy gets the digit whose mean image
is nearest), whose accuracy on the 288 validation digits the readout states.
"""

from __future__ import annotations

from functools import cache, partial

import ipywidgets as widgets
import numpy as np

from ..data import (
    add_noise,
    compose,
    load_digits_split,
    random_rotation,
    random_shift,
    train_val_split,
)
from ..viz.style import COLUMN_INCHES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["AugmentationExplorer", "GREY_LEVEL", "augment_copies", "augmentation_explorer",
           "digits_yardstick"]

#: One grey level of scikit-learn's digits (17 levels, 0 to 16, divided by 16).
GREY_LEVEL = 1 / 16
#: Copies in the batch the explorer draws.
COPIES = 8
_RESAMPLING = {"bilinear": 1, "nearest": 0}


@cache
def _chapter_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The chapter's training and validation images (float64), loaded once."""
    X_pool, y_pool, _, _ = load_digits_split(dtype=np.float64)
    return train_val_split(X_pool, y_pool, val_size=0.2, seed=0)


@cache
def digits_yardstick() -> tuple[object, float]:
    """A nearest-class-mean classifier of the chapter's digits, and its validation accuracy.

    scikit-learn's ``NearestCentroid`` fitted on the chapter's 1,149
    training images (``load_digits_split(dtype=np.float64)``, then
    ``train_val_split(val_size=0.2, seed=0)``), flattened to 64 values:
    each image gets the digit whose mean training image is nearest in
    Euclidean distance.  Not the chapter's network: a cheap, independent
    check of whether an augmented digit still resembles its class.

    Returns
    -------
    classifier : sklearn.neighbors.NearestCentroid
        ``classifier.predict(X)`` for ``X`` of shape (N, 64).
    val_accuracy : float
        Its accuracy on the chapter's 288 validation images.
    """
    import warnings

    from sklearn.neighbors import NearestCentroid

    X_train, y_train, X_val, y_val = _chapter_split()
    with warnings.catch_warnings():
        # Some corner pixel is 0 in every image of a class: harmless for the distances.
        warnings.simplefilter("ignore", UserWarning)
        classifier = NearestCentroid().fit(X_train.reshape(len(X_train), -1), y_train)
    predicted = classifier.predict(X_val.reshape(len(X_val), -1))
    return classifier, float(np.mean(predicted == y_val))


def augment_copies(image: np.ndarray, copies: int = COPIES, max_shift: int = 1,
                   degrees: float = 0.0, noise: float = 0.0, seed: int = 0,
                   resampling: str = "bilinear") -> np.ndarray:
    """``copies`` augmented copies of one image: the chapter's transforms, chained.

    ``compose(random_shift, random_rotation, add_noise)`` from
    :mod:`cnnlib.data`, applied to ``copies`` repeats of ``image`` with
    ``numpy.random.default_rng(seed)``; every copy gets its own shift, angle
    and noise.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Values in [0, 1] (the noise is clipped to that range).
    copies : int
        How many copies, >= 1.
    max_shift : int
        Largest shift each way, in pixels (``random_shift``'s ``max_shift``),
        smaller than the image's sides.
    degrees : float
        Largest rotation each way (``random_rotation``'s ``degrees``).
    noise : float
        Standard deviation of the Gaussian noise (``add_noise``'s ``std``).
    seed : int
        Seeds the draws.
    resampling : {'bilinear', 'nearest'}
        The rotation's interpolation (``order`` 1 or 0).

    Returns
    -------
    ndarray, shape (copies, H, W)

    Examples
    --------
    >>> x = np.zeros((3, 3)); x[1, 1] = 1.0
    >>> augment_copies(x, copies=2, max_shift=0).sum(axis=(1, 2)).tolist()
    [1.0, 1.0]
    """
    fn = "augment_copies"
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"{fn}: image must be 2-D (H, W), got shape {image.shape}")
    if isinstance(copies, bool) or not isinstance(copies, int | np.integer) or copies < 1:
        raise ValueError(f"{fn}: copies must be an int >= 1, got {copies!r}")
    if resampling not in _RESAMPLING:
        raise ValueError(f"{fn}: resampling must be one of {sorted(_RESAMPLING)}, "
                         f"got {resampling!r}")
    augment = compose(partial(random_shift, max_shift=max_shift),
                      partial(random_rotation, degrees=degrees,
                              order=_RESAMPLING[resampling]),
                      partial(add_noise, std=noise))
    batch = np.repeat(image[None, None], int(copies), axis=0)
    return augment(batch, np.random.default_rng(seed))[:, 0]


class AugmentationExplorer(BookWidget):
    """Shift, rotation and noise sliders on one digit; a batch of eight augmented copies.

    Parameters
    ----------
    digit : int
        0 to 9: the explorer shows the first training image of this digit.
    max_shift, degrees, noise, seed, resampling
        The first drawing's settings (see :func:`augment_copies`).

    Attributes
    ----------
    original : ndarray, shape (8, 8)
    copies : ndarray, shape (8, 8, 8)
        The last batch (copy 1 is ``copies[0]``).
    changed : int
        Pixels of copy 1 that differ from the original by at least one grey
        level (:data:`GREY_LEVEL`).
    mean_change : float
        Mean ``|copy 1 - original|`` over its 64 pixels.
    readings : ndarray of int, shape (8,)
        The nearest class mean's digit for each copy.
    settings : tuple
        The last drawing's (digit, max_shift, degrees, noise, seed, resampling).
    widget : ipywidgets.VBox
    """

    def __init__(self, digit: int = 0, max_shift: int = 1, degrees: float = 0.0,
                 noise: float = 0.0, seed: int = 3, resampling: str = "bilinear") -> None:
        fn = "augmentation_explorer"
        if isinstance(digit, bool) or not isinstance(digit, int | np.integer) \
                or not 0 <= digit <= 9:
            raise ValueError(f"{fn}: digit must be an int from 0 to 9, got {digit!r}")
        if resampling not in _RESAMPLING:
            raise ValueError(f"{fn}: resampling must be one of {sorted(_RESAMPLING)}, "
                             f"got {resampling!r}")
        self._classifier, self.yardstick_accuracy = digits_yardstick()
        self.original = np.zeros((8, 8))
        self.copies = np.zeros((COPIES, 8, 8))
        self.changed, self.mean_change = 0, 0.0
        self.readings = np.zeros(COPIES, dtype=int)
        self.original_reading = 0
        self.settings = (int(digit), max_shift, degrees, noise, seed, resampling)
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="300px", max_width="100%")
        common = {"continuous_update": False, "style": style, "layout": layout}
        self.digit = widgets.IntSlider(value=int(digit), min=0, max=9, description="digit",
                                       **common)
        self.shift = widgets.IntSlider(value=max_shift, min=0, max=4,
                                       description="max shift (px)", **common)
        self.degrees = widgets.FloatSlider(value=degrees, min=0.0, max=45.0, step=5.0,
                                           description="max rotation (°)",
                                           readout_format=".0f", **common)
        self.resampling = widgets.ToggleButtons(
            options=list(_RESAMPLING), value=resampling, description="rotation",
            style={"description_width": "110px", "button_width": "84px"},
            layout=widgets.Layout(max_width="100%"))
        self.noise = widgets.FloatSlider(value=noise, min=0.0, max=0.5, step=0.05,
                                         description="noise std", readout_format=".2f",
                                         **common)
        self.seed = widgets.IntSlider(value=seed, min=0, max=20, description="seed", **common)
        self.readout = widgets.HTML()
        self.message = MessageLine()
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 2.9), dpi=100)
        self._build_axes()
        self._guarded = guarded(self.update, self.message)
        self._controls = (self.digit, self.shift, self.degrees, self.resampling, self.noise,
                          self.seed)
        for control in self._controls:
            control.observe(lambda change: self._guarded(), names="value")
        controls = widgets.HBox(list(self._controls),
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([controls, self.figure.image, self.readout,
                                    self.message.html],
                                   layout=widgets.Layout(max_width="100%"))
        self._guarded()

    def _build_axes(self) -> None:
        fig = self.figure.fig
        half = COPIES // 2
        mosaic = [["original"] * 2 + [f"c{k}" for k in range(half)],
                  ["original"] * 2 + [f"c{k}" for k in range(half, COPIES)]]
        axes = fig.subplot_mosaic(mosaic)
        blank = np.zeros((8, 8))
        self._axes = [axes["original"]] + [axes[f"c{k}"] for k in range(COPIES)]
        self._images = [ax.imshow(blank, cmap="gray", vmin=0.0, vmax=1.0,
                                  interpolation="nearest") for ax in self._axes]
        for ax in self._axes:
            ax.set_xticks([])
            ax.set_yticks([])
        for spine in self._axes[1].spines.values():
            spine.set(color="#0072B2", linewidth=2.5)
        fig.colorbar(self._images[0], ax=self._axes, location="right", shrink=0.9,
                     aspect=18, label="grey level")

    def update(self, digit: int | None = None, max_shift: int | None = None,
               degrees: float | None = None, noise: float | None = None,
               seed: int | None = None, resampling: str | None = None) -> None:
        """Draw a batch with these settings (default: the controls') and redraw; the callback."""
        digit = self.digit.value if digit is None else digit
        max_shift = self.shift.value if max_shift is None else max_shift
        degrees = self.degrees.value if degrees is None else degrees
        noise = self.noise.value if noise is None else noise
        seed = self.seed.value if seed is None else seed
        resampling = self.resampling.value if resampling is None else resampling
        X_train, y_train, _, _ = _chapter_split()
        if isinstance(digit, bool) or not isinstance(digit, int | np.integer) \
                or not 0 <= digit <= 9:
            raise ValueError(f"augmentation_explorer: digit must be an int from 0 to 9, "
                             f"got {digit!r}")
        original = X_train[int(np.flatnonzero(y_train == digit)[0]), 0]
        copies = augment_copies(original, COPIES, max_shift, degrees, noise, seed, resampling)
        self.original, self.copies = original, copies
        self.settings = (int(digit), max_shift, degrees, noise, seed, resampling)
        change = np.abs(copies[0] - original)
        self.changed = int(np.count_nonzero(change >= GREY_LEVEL - 1e-12))
        self.mean_change = float(change.mean())
        flat = np.concatenate([original[None], copies]).reshape(COPIES + 1, -1)
        readings = self._classifier.predict(flat).astype(int)
        self.original_reading, self.readings = int(readings[0]), readings[1:]
        self._draw(digit, max_shift, degrees, noise, resampling)
        kept = int(np.sum(self.readings == digit))
        self.readout.value = (
            f"Copy 1 (framed): {self.changed} of 64 pixels changed by at least one grey "
            f"level (1/16); mean |change| {self.mean_change:.3f}. "
            f"The nearest class mean (the digit whose average training image is nearest, "
            f"pixel by pixel; right on {self.yardstick_accuracy:.1%} of the 288 validation "
            f"digits) reads the original as {self.original_reading} and "
            f"<b>{kept} of {COPIES}</b> copies as {digit}.")

    def _draw(self, digit: int, max_shift: int, degrees: float, noise: float,
              resampling: str) -> None:
        self._images[0].set_data(self.original)
        self._axes[0].set_title(f"original\n(first training {digit})", fontsize=10)
        for k, (im, ax) in enumerate(zip(self._images[1:], self._axes[1:], strict=True)):
            im.set_data(self.copies[k])
            reading = int(self.readings[k])
            wrong = reading != digit
            ax.set_title(f"{k + 1} → {reading}", fontsize=10,
                         color="#b00020" if wrong else "black",
                         fontweight="bold" if wrong else "normal")
        rotation = (f"±{degrees:g}° {resampling}" if degrees else "no rotation")
        self.figure.fig.suptitle(
            f"Shift ≤ {max_shift} px, {rotation}, noise {noise:g}: "
            f"8 copies (→ nearest class mean)", fontsize=10.5)
        self.figure.refresh()
        if self.figure.fig.get_layout_engine() is not None:
            # The panels never move: keep the first layout, redraws then take half the time.
            self.figure.fig.set_layout_engine("none")

    def __repr__(self) -> str:
        digit, max_shift, degrees, noise, _, _ = self.settings
        return (f"<AugmentationExplorer: digit {digit}, shift {max_shift}, "
                f"rotation {degrees:g}°, noise {noise:g}, "
                f"{int(np.sum(self.readings == digit))} of {COPIES} copies read as {digit}>")


def augmentation_explorer(digit: int = 0, max_shift: int = 1, degrees: float = 0.0,
                          noise: float = 0.0, seed: int = 3,
                          resampling: str = "bilinear") -> AugmentationExplorer:
    """Sliders for the chapter's augmentations on a digit: the original and eight copies.

    Introduced in the chapter *Training in practice*.

    Parameters
    ----------
    digit : int
        0 to 9; the first training image of that digit is shown.
    max_shift : int
        Largest shift each way in pixels (the slider spans 0 to 4; the
        chapter trains with 1).
    degrees : float
        Largest rotation each way (slider 0 to 45; the chapter's ablation
        uses 10).
    noise : float
        Standard deviation of the added noise (slider 0 to 0.5).
    seed : int
        Seeds the draws (slider 0 to 20).
    resampling : {'bilinear', 'nearest'}
        The rotation's interpolation.

    Returns
    -------
    AugmentationExplorer
        Displays as the widget; ``.update(digit, max_shift, degrees, noise,
        seed, resampling)`` is its callback.
    """
    return AugmentationExplorer(digit, max_shift, degrees, noise, seed, resampling)
