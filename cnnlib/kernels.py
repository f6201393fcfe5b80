"""Hand-made kernels, and the flipped ("true") convolution they are often defined with.

Before networks learned their kernels, image processing designed them by
hand: a box or Gaussian blur averages a neighbourhood, an edge detector
subtracts one side from the other, a sharpening kernel boosts a pixel against
its neighbours.  They are the best way to see what a convolution *does*.

Each named kernel is stored as integer weights and a divisor, the way such
kernels are usually written (``[[1, 2, 1], [2, 4, 2], [1, 2, 1]] / 16``), so a
reader (or a slider) can work with whole numbers; :func:`kernel` returns the
floating array ``weights / divisor``.

Sign convention: every kernel is meant to be used as deep learning uses
kernels, by *cross-correlation* (:func:`cnnlib.corr2d`, :func:`cnnlib.conv2d`,
no flip).  The edge detectors answer positively where the top or left side is
brighter than the bottom or right side.  :func:`convolve2d` is the textbook
convolution, which flips the kernel first.

Introduced in the chapter *Convolution*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_ndim
from .conv import Padding, conv2d, corr2d

__all__ = [
    "NamedKernel",
    "KERNELS",
    "kernel",
    "kernel_names",
    "flip",
    "convolve2d",
    "filter2d",
]


@dataclass(frozen=True)
class NamedKernel:
    """A hand-made kernel: integer weights over a divisor, and what it is for.

    Attributes
    ----------
    name : str
        The key in :data:`KERNELS`.
    weights : tuple of tuple of int, shape (kh, kw)
        The kernel before dividing.
    divisor : int
        ``array = weights / divisor``; 1 for most kernels.
    description : str
        One sentence on what the kernel responds to.
    """

    name: str
    weights: tuple[tuple[int, ...], ...]
    divisor: int
    description: str

    @property
    def array(self) -> np.ndarray:
        """The kernel as a new float64 array, shape (kh, kw)."""
        return np.array(self.weights, dtype=np.float64) / self.divisor

    def __repr__(self) -> str:
        kh, kw = len(self.weights), len(self.weights[0])
        scale = f" / {self.divisor}" if self.divisor != 1 else ""
        return f"NamedKernel({self.name!r}, {kh}x{kw}{scale})"


def _named(name: str, weights: list[list[int]], divisor: int, description: str) -> NamedKernel:
    return NamedKernel(name, tuple(tuple(row) for row in weights), divisor, description)


_ALL = [
    _named("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]], 1,
           "copies the centre pixel: the output is the input, one pixel smaller on each side"),
    _named("box_blur", [[1, 1, 1], [1, 1, 1], [1, 1, 1]], 9,
           "the plain average of the 3x3 neighbourhood"),
    _named("gaussian_blur", [[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16,
           "a weighted average that trusts the centre most (binomial weights 1, 2, 1)"),
    _named("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1,
           "five times the centre minus its four neighbours: identity minus laplacian"),
    _named("laplacian", [[0, 1, 0], [1, -4, 1], [0, 1, 0]], 1,
           "the four neighbours minus four times the centre: zero on flat or evenly sloped "
           "regions, large at spots and thin lines"),
    _named("vertical_edge", [[1, 0, -1], [1, 0, -1], [1, 0, -1]], 1,
           "left column minus right column: positive where the left side is brighter"),
    _named("horizontal_edge", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]], 1,
           "top row minus bottom row: positive where the top side is brighter"),
    _named("sobel_x", [[1, 0, -1], [2, 0, -2], [1, 0, -1]], 1,
           "vertical edges like vertical_edge, with the middle row counted twice "
           "(smooth down the column, difference across)"),
    _named("sobel_y", [[1, 2, 1], [0, 0, 0], [-1, -2, -1]], 1,
           "horizontal edges like horizontal_edge, with the middle column counted twice"),
    _named("diagonal", [[2, 1, 0], [1, 0, -1], [0, -1, -2]], 1,
           "top-left corner minus bottom-right corner: edges running from bottom-left to "
           "top-right, positive where the upper-left side is brighter"),
    _named("roberts", [[1, 0], [0, -1]], 1,
           "the 2x2 diagonal difference: top-left pixel minus bottom-right pixel"),
]

#: Every named kernel, by name.  Add one by building a :class:`NamedKernel`.
KERNELS: dict[str, NamedKernel] = {k.name: k for k in _ALL}


def kernel_names(size: int | None = None) -> list[str]:
    """Names of the hand-made kernels, optionally only the ``size x size`` ones.

    Examples
    --------
    >>> kernel_names(2)
    ['roberts']
    """
    return [name for name, k in KERNELS.items()
            if size is None or (len(k.weights), len(k.weights[0])) == (size, size)]


def kernel(name: str) -> np.ndarray:
    """A hand-made kernel by name, as a new float64 array of shape (kh, kw).

    Parameters
    ----------
    name : str
        One of :func:`kernel_names` -- ``'identity'``, ``'box_blur'``,
        ``'gaussian_blur'``, ``'sharpen'``, ``'laplacian'``,
        ``'vertical_edge'``, ``'horizontal_edge'``, ``'sobel_x'``,
        ``'sobel_y'``, ``'diagonal'``, ``'roberts'``.

    Returns
    -------
    ndarray, shape (kh, kw), float64

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> kernel("sobel_x")
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.],
           [ 1.,  0., -1.]])
    >>> kernel("box_blur").sum()
    np.float64(1.0)
    """
    if not isinstance(name, str):
        raise TypeError(f"kernel: name must be a str, got {type(name).__name__} {name!r}")
    if name not in KERNELS:
        raise ValueError(f"kernel: unknown name {name!r}; expected one of {', '.join(KERNELS)}")
    return KERNELS[name].array


def flip(k: np.ndarray) -> np.ndarray:
    """Rotate a kernel by 180 degrees: reverse its rows and its columns.

    Parameters
    ----------
    k : ndarray, shape (..., kh, kw)
        The last two axes are flipped, so a whole ``(C_out, C_in, kh, kw)``
        weight works too.

    Returns
    -------
    ndarray, same shape as ``k``

    Examples
    --------
    >>> flip(np.array([[1, 2], [3, 4]]))
    array([[4., 3.],
           [2., 1.]])
    """
    fn = "flip"
    k = as_array(k, "k", fn)
    if k.ndim < 2:
        raise ValueError(f"{fn}: k must have at least 2 dimensions (kh, kw), got shape {k.shape}")
    return k[..., ::-1, ::-1].copy()


def convolve2d(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Textbook ("true") 2-D convolution, valid part only: the kernel is flipped first.

    ``out[i, j] = sum_{a, b} x[i + a, j + b] * k[kh - 1 - a, kw - 1 - b]``,
    which is :func:`cnnlib.corr2d` with :func:`flip` ``(k)``.  It equals
    ``scipy.signal.convolve2d(x, k, mode='valid')``.  Deep learning's
    "convolution" (:func:`cnnlib.conv2d`) does *not* flip.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    k : ndarray, shape (kh, kw)

    Returns
    -------
    ndarray, shape (H - kh + 1, W - kw + 1)

    Examples
    --------
    >>> x = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]])
    >>> convolve2d(x, np.array([[1, 0], [0, -1]]))     # corr2d would give [[0, -1], [-1, 0]]
    array([[0., 1.],
           [1., 0.]])
    """
    fn = "convolve2d"
    k = as_array(k, "k", fn)
    check_ndim(k, 2, "k", fn, "(kh, kw)")
    return corr2d(x, flip(k))


def filter2d(image: np.ndarray, k: np.ndarray, padding: Padding = 0) -> np.ndarray:
    """Apply one 2-D kernel to a grey ``(H, W)`` or colour ``(H, W, C)`` image.

    A convenience around :func:`cnnlib.conv2d` for photos as they come from
    :func:`cnnlib.sample_photo`: a colour image is filtered channel by
    channel with the same kernel (a depthwise convolution, ``groups=C``), so
    blurring an RGB photo blurs each colour.  Cross-correlation, like
    ``conv2d`` (and like OpenCV's ``filter2D``).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
    k : ndarray, shape (kh, kw)
    padding : int, (int, int), 'valid' or 'same'
        As for :func:`cnnlib.conv2d`; ``'same'`` keeps the image size.

    Returns
    -------
    ndarray, shape (H_out, W_out) or (H_out, W_out, C)

    Examples
    --------
    >>> filter2d(np.ones((4, 5)), kernel("box_blur")).shape
    (2, 3)
    >>> filter2d(np.ones((4, 5, 3)), kernel("box_blur"), padding="same").shape
    (4, 5, 3)
    """
    fn = "filter2d"
    image = as_array(image, "image", fn)
    k = as_array(k, "k", fn)
    check_ndim(k, 2, "k", fn, "(kh, kw)")
    if image.ndim == 2:
        return conv2d(image[None, None], k[None, None], padding=padding)[0, 0]
    if image.ndim == 3:
        c = image.shape[2]
        x = np.ascontiguousarray(image.transpose(2, 0, 1))[None]
        weight = np.broadcast_to(k, (c, 1, *k.shape))
        return conv2d(x, weight, padding=padding, groups=c)[0].transpose(1, 2, 0)
    raise ValueError(
        f"{fn}: image must be 2-D (H, W) or 3-D (H, W, C), got shape {tuple(image.shape)}"
    )
