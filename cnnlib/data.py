"""Images and small data sets that ship inside installed packages (no network).

``sample_photo`` is introduced in the chapter *Images as tensors*; the line
patterns in *A CNN from scratch*; the digits and the augmentations in
*Training in practice*.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "LINE_CLASSES",
    "add_noise",
    "compose",
    "line_patterns",
    "load_digits_split",
    "random_rotation",
    "random_shift",
    "sample_photo",
    "train_val_split",
]


def sample_photo(gray: bool = False) -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data, as floats in [0, 1].

    Parameters
    ----------
    gray : bool
        Return luminance (ITU-R BT.601 weights 0.299, 0.587, 0.114) instead of RGB.

    Returns
    -------
    ndarray, float64
        Shape (H, W, 3) for colour, (H, W) for grey; H, W = 600, 512.

    Examples
    --------
    >>> sample_photo().shape, sample_photo(gray=True).shape
    ((600, 512, 3), (600, 512))
    """
    import matplotlib.cbook
    import matplotlib.image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = matplotlib.image.imread(f, format="jpeg").astype(np.float64) / 255.0
    if gray:
        return rgb @ np.array([0.299, 0.587, 0.114])
    return rgb


# ---------------------------------------------------------------------- small data sets
LINE_CLASSES = ("vertical", "horizontal", "diagonal")


def _line_template(name: str, size: int) -> np.ndarray:
    """The unshifted, noise-free image of one line class (values in [0, 1])."""
    img = np.zeros((size, size))
    mid = size // 2
    if name == "vertical":
        img[:, mid - 1 : mid + 1] = 1.0             # a bar two pixels wide
    elif name == "horizontal":
        img[mid - 1 : mid + 1, :] = 1.0
    else:                                            # the main diagonal, faint neighbours
        img += 0.35 * (np.eye(size, k=1) + np.eye(size, k=-1))
        np.fill_diagonal(img, 1.0)
    return img


def line_patterns(
    n_per_class: int, size: int = 8, noise: float = 0.15, max_shift: int = 2,
    seed: int = 0, dtype: object = np.float32,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Noisy, shifted images of vertical, horizontal and diagonal lines (seed 004's data set).

    Each image starts from its class's template -- a vertical or horizontal
    bar two pixels wide through the centre, or the main diagonal at 1 with
    its two neighbouring diagonals at 0.35 -- is rolled by a random whole
    number of pixels in ``[-max_shift, max_shift]`` along each axis (pixels
    pushed off one edge come back on the other, as ``numpy.roll`` does),
    gets Gaussian noise of standard deviation ``noise`` and is clipped to
    [0, 1].  The examples are returned in a random order.

    Parameters
    ----------
    n_per_class : int
        Images per class; N = 3 * n_per_class.
    size : int, default 8
        Images are ``size x size``.
    noise : float, default 0.15
    max_shift : int, default 2
    seed : int, default 0
        The same seed gives the same images; use different seeds for a
        training and a validation set.
    dtype : numpy dtype, default float32

    Returns
    -------
    X : ndarray, shape (N, 1, size, size)
        Values in [0, 1].
    y : ndarray of int64, shape (N,)
        0 vertical, 1 horizontal, 2 diagonal.
    class_names : tuple of str
        ``('vertical', 'horizontal', 'diagonal')``.

    Examples
    --------
    >>> X, y, names = line_patterns(4, seed=1)
    >>> X.shape, X.dtype, y.shape, names
    ((12, 1, 8, 8), dtype('float32'), (12,), ('vertical', 'horizontal', 'diagonal'))
    >>> np.bincount(y).tolist()
    [4, 4, 4]
    """
    fn = "line_patterns"
    for name, value, low in (("n_per_class", n_per_class, 1), ("size", size, 3),
                             ("max_shift", max_shift, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{fn}: {name} must be an int >= {low}, got {value!r}")
    if not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(f"{fn}: noise must be a number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, name in enumerate(LINE_CLASSES):
        template = _line_template(name, size)
        shifts = rng.integers(-max_shift, max_shift + 1, size=(n_per_class, 2))
        for dr, dc in shifts:
            images.append(np.roll(template, (int(dr), int(dc)), axis=(0, 1)))
        labels += [label] * n_per_class
    X = np.stack(images) + rng.normal(0.0, noise, size=(len(images), size, size))
    X = np.clip(X, 0.0, 1.0)[:, None, :, :].astype(dtype)
    y = np.array(labels, dtype=np.int64)
    order = rng.permutation(len(y))
    return X[order], y[order], LINE_CLASSES


def load_digits_split(
    test_size: float = 0.2, seed: int = 0, dtype: object = np.float32,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits as NCHW images in [0, 1], split train/test.

    The 1,797 images of 8x8 pixels (grey levels 0..16, divided here by 16)
    ship inside scikit-learn's wheel, so nothing is downloaded.  The split is
    stratified (each digit keeps its share in both parts) and fixed by
    ``seed``.

    Parameters
    ----------
    test_size : float, default 0.2
        Fraction of the images held out for testing, in (0, 1).
    seed : int, default 0
    dtype : numpy dtype, default float32

    Returns
    -------
    X_train : ndarray, shape (N_train, 1, 8, 8)
    y_train : ndarray of int64, shape (N_train,)
    X_test : ndarray, shape (N_test, 1, 8, 8)
    y_test : ndarray of int64, shape (N_test,)
        With the default ``test_size`` N_test = ceil(0.2 * 1797) = 360 and
        N_train = 1437.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_digits_split()
    >>> X_train.shape, X_test.shape, float(X_train.max())
    ((1437, 1, 8, 8), (360, 1, 8, 8), 1.0)
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not isinstance(test_size, float) or not 0.0 < test_size < 1.0:
        raise ValueError(
            f"load_digits_split: test_size must be a float in (0, 1), got {test_size!r}"
        )
    digits = load_digits()
    X = (digits.images / 16.0)[:, None, :, :].astype(dtype)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    return X_train, y_train, X_test, y_test


def train_val_split(
    X: np.ndarray, y: np.ndarray, val_size: float = 0.2, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out a stratified validation split of a training set.

    The validation images are what learning rates, epochs and methods are
    chosen on; the test set is then measured once, at the end.  Each class
    keeps its share in both parts (to the nearest image), and the split is
    fixed by ``seed``.  Introduced in *Training in practice*.

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray of int, shape (N,)
        Class labels.
    val_size : float, default 0.2
        Fraction of the images held out for validation, in (0, 1).
    seed : int, default 0

    Returns
    -------
    X_fit : ndarray, shape (N - N_val, ...)
    y_fit : ndarray, shape (N - N_val,)
    X_val : ndarray, shape (N_val, ...)
    y_val : ndarray, shape (N_val,)
        Copies; N_val = ceil(val_size * N), as in scikit-learn.

    Examples
    --------
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.array([0] * 5 + [1] * 5)
    >>> X_fit, y_fit, X_val, y_val = train_val_split(X, y, val_size=0.4)
    >>> X_fit.shape, X_val.shape, np.bincount(y_val).tolist()
    ((6, 2), (4, 2), [2, 2])
    """
    from sklearn.model_selection import train_test_split

    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            "train_val_split: X and y must have the same number of rows, "
            f"got X.shape={X.shape} and y.shape={y.shape}"
        )
    if not isinstance(val_size, float) or not 0.0 < val_size < 1.0:
        raise ValueError(
            f"train_val_split: val_size must be a float in (0, 1), got {val_size!r}"
        )
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"train_val_split: seed must be an int >= 0, got {seed!r}")
    X_fit, X_val, y_fit, y_val = train_test_split(
        X, y, test_size=val_size, stratify=y, random_state=int(seed)
    )
    return X_fit.copy(), y_fit.copy(), X_val.copy(), y_val.copy()


# ---------------------------------------------------------------------- augmentation
def _check_batch(x: object, fn: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{fn}: x must be a numpy.ndarray of shape (N, C, H, W), got {type(x).__name__}"
        )
    if x.ndim != 4:
        raise ValueError(
            f"{fn}: x must be 4-D with shape (N, C, H, W), got {x.ndim}-D array with shape "
            f"{tuple(x.shape)}"
        )
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _rng(rng: np.random.Generator | None) -> np.random.Generator:
    from .random import default_generator

    return default_generator() if rng is None else rng


def random_shift(x: np.ndarray, rng: np.random.Generator | None = None,
                 max_shift: int = 1) -> np.ndarray:
    """Move each image by a random whole number of pixels, filling with zeros.

    Every image gets its own shift ``(dy, dx)``, each drawn uniformly from
    ``-max_shift..max_shift``; content pushed past an edge is lost (no
    wrap-around), and the uncovered border is 0.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    rng : numpy.random.Generator, optional
        Defaults to cnnlib's global generator.
    max_shift : int, default 1

    Returns
    -------
    ndarray, shape (N, C, H, W), x's dtype

    Examples
    --------
    >>> x = np.ones((2, 1, 4, 4))
    >>> out = random_shift(x, np.random.default_rng(0), max_shift=1)
    >>> out.shape, bool(out.sum() <= x.sum())
    ((2, 1, 4, 4), True)
    """
    x = _check_batch(x, "random_shift")
    if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
        raise ValueError(f"random_shift: max_shift must be an int >= 0, got {max_shift!r}")
    n, _, h, w = x.shape
    if max_shift >= min(h, w):
        raise ValueError(f"random_shift: max_shift must be smaller than the images' sides "
                         f"{(h, w)}, got {max_shift}: a copy shifted that far can be blank")
    s = max_shift
    shifts = _rng(rng).integers(-s, s + 1, size=(n, 2))
    padded = np.pad(x, ((0, 0), (0, 0), (s, s), (s, s)))
    out = np.empty_like(x)
    for i, (dy, dx) in enumerate(shifts):
        # out[r, c] = x[r - dy, c - dx]: the window starts s - dy rows into the padding.
        top, left = s - int(dy), s - int(dx)
        out[i] = padded[i, :, top : top + h, left : left + w]
    return out


def random_rotation(x: np.ndarray, rng: np.random.Generator | None = None,
                    degrees: float = 10.0, order: int = 1) -> np.ndarray:
    """Rotate each image about its centre by a random angle in ``[-degrees, degrees]``.

    Output the same size, corners that come from outside the image filled
    with 0; ``scipy.ndimage.rotate`` resamples.  ``order=1`` (bilinear, the
    default) mixes neighbouring pixels, so it also blurs a little;
    ``order=0`` takes each output pixel from the nearest input pixel, so
    values move but never mix.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    rng : numpy.random.Generator, optional
        Defaults to cnnlib's global generator.
    degrees : float, default 10
        Largest rotation either way; small angles keep a digit a digit.
    order : {1, 0}, default 1
        Interpolation: 1 bilinear, 0 nearest neighbour.

    Returns
    -------
    ndarray, shape (N, C, H, W), x's dtype

    Examples
    --------
    >>> x = np.zeros((1, 1, 5, 5)); x[0, 0, 2, :] = 1.0
    >>> random_rotation(x, np.random.default_rng(0), degrees=0.0)[0, 0, 2].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    return _rotate(x, rng, degrees, order, "random_rotation")


def _rotate(x: object, rng: np.random.Generator | None, degrees: object, order: object,
            fn: str) -> np.ndarray:
    """random_rotation's work, with errors that name ``fn`` (the public caller)."""
    from scipy import ndimage

    x = _check_batch(x, fn)
    if isinstance(degrees, bool) or not isinstance(degrees, numbers.Real) or degrees < 0:
        raise ValueError(f"{fn}: degrees must be a number >= 0, got {degrees!r}")
    if isinstance(order, bool) or order not in (0, 1):
        raise ValueError(f"{fn}: order must be 0 (nearest) or 1 (bilinear), got {order!r}")
    angles = _rng(rng).uniform(-degrees, degrees, size=x.shape[0])
    out = np.empty_like(x)
    for i, angle in enumerate(angles):
        out[i] = ndimage.rotate(x[i], float(angle), axes=(2, 1), reshape=False,
                                order=int(order), mode="constant", cval=0.0)
    return out


def add_noise(x: np.ndarray, rng: np.random.Generator | None = None, std: float = 0.05,
              clip: tuple[float, float] | None = (0.0, 1.0)) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``std``, then clip to ``clip``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    rng : numpy.random.Generator, optional
        Defaults to cnnlib's global generator.
    std : float, default 0.05
    clip : (low, high) or None, default (0, 1)

    Returns
    -------
    ndarray, shape (N, C, H, W), x's dtype

    Examples
    --------
    >>> out = add_noise(np.full((1, 1, 2, 2), 0.5), np.random.default_rng(0), std=0.1)
    >>> out.shape, bool(np.all((out >= 0) & (out <= 1)))
    ((1, 1, 2, 2), True)
    """
    x = _check_batch(x, "add_noise")
    if not isinstance(std, int | float) or std < 0:
        raise ValueError(f"add_noise: std must be a number >= 0, got {std!r}")
    out = x + _rng(rng).normal(0.0, std, size=x.shape).astype(x.dtype)
    if clip is not None:
        out = np.clip(out, clip[0], clip[1])
    return out


def compose(*transforms: object) -> object:
    """Chain augmentations ``f(x, rng)`` into one, applied left to right.

    Examples
    --------
    >>> from functools import partial
    >>> augment = compose(partial(random_shift, max_shift=1), partial(add_noise, std=0.05))
    >>> augment(np.zeros((3, 1, 8, 8)), np.random.default_rng(0)).shape
    (3, 1, 8, 8)
    """
    for t in transforms:
        if not callable(t):
            raise TypeError(f"compose: every transform must be callable, got {type(t).__name__}")

    def apply(x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        for t in transforms:
            x = t(x, rng)
        return x

    return apply
