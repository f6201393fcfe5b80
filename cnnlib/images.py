"""From an image file to the ``(N, C, H, W)`` float array a convolution reads.

The steps, in the order the chapter takes them:

1. :func:`decode_image` -- compressed bytes to ``uint8`` pixels, shape ``(H, W, C)``;
2. :func:`to_float` -- integers 0..255 to floats in [0, 1];
3. :func:`channel_stats` and :func:`normalize` -- subtract each channel's mean,
   divide by its standard deviation;
4. :func:`hwc_to_chw` -- channels first, PyTorch's layout;
5. :func:`to_nchw` -- a batch axis in front.

Plus :func:`describe` (one line of shape, dtype and range, for printing at each
step), :func:`chw_to_hwc` and :func:`denormalize` to get back to something
matplotlib can show, :func:`translate` to shift an image by whole pixels, and
:func:`equivariance_gap` to measure how far a convolution is from commuting
with that shift.
Introduced in the chapter *Images as tensors, and why not a dense layer*.
"""

from __future__ import annotations

import io
import numbers
from collections.abc import Sequence

import numpy as np

from ._validate import as_array, check_ndim

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "sample_photo_bytes",
    "decode_image",
    "to_float",
    "channel_stats",
    "normalize",
    "denormalize",
    "hwc_to_chw",
    "chw_to_hwc",
    "to_nchw",
    "describe",
    "translate",
    "equivariance_gap",
]

#: Per-channel (R, G, B) mean of the ImageNet training images, as floats in [0, 1].
#: Networks pretrained on ImageNet (torchvision's, for instance) expect inputs
#: normalised with these values and :data:`IMAGENET_STD`.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
#: Per-channel (R, G, B) standard deviation of the ImageNet training images.
IMAGENET_STD = (0.229, 0.224, 0.225)

_SIGNATURES = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png"}


def sample_photo_bytes() -> bytes:
    """The JPEG file behind :func:`cnnlib.data.sample_photo`, as raw bytes.

    Grace Hopper's portrait from matplotlib's sample data: no network needed.

    Returns
    -------
    bytes
        The compressed file, starting with the JPEG signature ``FF D8 FF``.

    Examples
    --------
    >>> sample_photo_bytes()[:3].hex()
    'ffd8ff'
    """
    import matplotlib.cbook

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        return f.read()


def decode_image(data: bytes) -> np.ndarray:
    """Decode a JPEG or PNG file's bytes into its pixels.

    Parameters
    ----------
    data : bytes
        The file's contents.

    Returns
    -------
    ndarray, uint8, shape (H, W, C)
        One row per image row, one column per pixel, the colour channels last
        (``C = 3`` for RGB).  A greyscale file gives ``C = 1``.  PNG files
        with 8 bits per channel decode to the same 0..255 integers.

    Raises
    ------
    TypeError
        If ``data`` is not bytes.
    ValueError
        If ``data`` is neither a JPEG nor a PNG file.

    Examples
    --------
    >>> pixels = decode_image(sample_photo_bytes())
    >>> pixels.shape, pixels.dtype
    ((600, 512, 3), dtype('uint8'))
    """
    fn = "decode_image"
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"{fn}: data must be bytes, got {type(data).__name__}")
    fmt = next((f for sig, f in _SIGNATURES.items() if bytes(data[: len(sig)]) == sig), None)
    if fmt is None:
        raise ValueError(
            f"{fn}: data must be a JPEG or PNG file, got bytes starting {bytes(data[:8]).hex(' ')}"
        )
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        pixels = np.asarray(img)
    if pixels.dtype != np.uint8:
        raise ValueError(f"{fn}: data must hold 8-bit pixels, got dtype {pixels.dtype}")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return np.ascontiguousarray(pixels)


def to_float(image: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """Convert ``uint8`` pixels (0..255) to floats in [0, 1] by dividing by 255.

    This is the scaling step of torchvision's ``ToTensor``, without its transpose.

    Parameters
    ----------
    image : ndarray, uint8, any shape
    dtype : numpy floating dtype, default float32
        float32 is what PyTorch computes in; float64 for exact checks.

    Returns
    -------
    ndarray, same shape as ``image``, dtype ``dtype``

    Raises
    ------
    TypeError
        If ``image`` is not a ``uint8`` array or ``dtype`` is not a floating type.

    Examples
    --------
    >>> to_float(np.array([0, 51, 255], dtype=np.uint8))
    array([0. , 0.2, 1. ], dtype=float32)
    """
    fn = "to_float"
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        got = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise TypeError(f"{fn}: image must be a uint8 array of values 0..255, got {got}")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{fn}: dtype must be a floating type, got {dtype}")
    return image.astype(dtype) / dtype.type(255)


def _channel_axis(x: np.ndarray, channel_axis: object, fn: str) -> int:
    if isinstance(channel_axis, bool) or not isinstance(channel_axis, numbers.Integral):
        raise TypeError(f"{fn}: channel_axis must be an int, got {type(channel_axis).__name__}")
    if not -x.ndim <= channel_axis < x.ndim:
        raise ValueError(
            f"{fn}: channel_axis={channel_axis} is out of range for x with shape {tuple(x.shape)}"
        )
    return int(channel_axis) % x.ndim


def channel_stats(x: np.ndarray, channel_axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each channel, over every other axis.

    The standard deviation is the population one (divide by the count, not
    count - 1), so that :func:`normalize` with these values gives each
    channel a standard deviation of exactly 1.

    Parameters
    ----------
    x : ndarray, any shape with a channel axis
        E.g. ``(H, W, C)``, ``(C, H, W)`` or ``(N, C, H, W)``.
    channel_axis : int
        Which axis holds the channels: -1 for ``(H, W, C)``, 0 for
        ``(C, H, W)``, 1 for ``(N, C, H, W)``.

    Returns
    -------
    mean, std : ndarray, shape (C,)
        In ``x``'s floating dtype, accumulated in float64.

    Examples
    --------
    >>> x = np.array([[[0.0, 10.0], [2.0, 10.0]]])       # (H, W, C) = (1, 2, 2)
    >>> channel_stats(x)
    (array([ 1., 10.]), array([1., 0.]))
    """
    fn = "channel_stats"
    x = as_array(x, "x", fn)
    axis = _channel_axis(x, channel_axis, fn)
    others = tuple(a for a in range(x.ndim) if a != axis)
    # Accumulate in float64: a float32 sum over 300,000 pixels drifts in the third digit.
    mean = x.mean(axis=others, dtype=np.float64)
    std = x.std(axis=others, dtype=np.float64)
    return mean.astype(x.dtype), std.astype(x.dtype)


def _per_channel(
    x: np.ndarray, values: object, name: str, axis: int, fn: str
) -> np.ndarray:
    arr = as_array(values if isinstance(values, np.ndarray) else list(np.ravel(values)), name, fn)
    c = x.shape[axis]
    if arr.ndim != 1 or arr.shape[0] != c:
        raise ValueError(
            f"{fn}: {name} must hold one value per channel ({c} along axis {axis} of x with "
            f"shape {tuple(x.shape)}), got shape {tuple(arr.shape)}"
        )
    shape = [1] * x.ndim
    shape[axis] = c
    return arr.astype(x.dtype, copy=False).reshape(shape)


def normalize(
    x: np.ndarray, mean: Sequence[float] | np.ndarray, std: Sequence[float] | np.ndarray,
    channel_axis: int = -1,
) -> np.ndarray:
    """Subtract each channel's mean and divide by its standard deviation.

    ``out[..., c, ...] = (x[..., c, ...] - mean[c]) / std[c]``, the same
    arithmetic as torchvision's ``Normalize`` (which fixes ``channel_axis=-3``).

    Parameters
    ----------
    x : ndarray, floating, any shape with a channel axis
    mean, std : sequence of float or ndarray, shape (C,)
        One value per channel; every ``std`` must be positive.
    channel_axis : int
        -1 for ``(H, W, C)`` images, 0 for ``(C, H, W)``, 1 for ``(N, C, H, W)``.

    Returns
    -------
    ndarray, same shape and floating dtype as ``x``

    Raises
    ------
    ValueError
        If ``mean`` or ``std`` does not have one value per channel, or a
        ``std`` is not positive.

    Examples
    --------
    >>> x = np.array([[[0.0, 1.0], [1.0, 3.0]]])          # (H, W, C) = (1, 2, 2)
    >>> normalize(x, mean=[0.5, 2.0], std=[0.5, 1.0])
    array([[[-1., -1.],
            [ 1.,  1.]]])
    """
    fn = "normalize"
    x = as_array(x, "x", fn)
    axis = _channel_axis(x, channel_axis, fn)
    m = _per_channel(x, mean, "mean", axis, fn)
    s = _per_channel(x, std, "std", axis, fn)
    if np.any(s <= 0):
        raise ValueError(f"{fn}: std must be positive in every channel, got {np.ravel(s)}")
    return (x - m) / s


def denormalize(
    x: np.ndarray, mean: Sequence[float] | np.ndarray, std: Sequence[float] | np.ndarray,
    channel_axis: int = -1,
) -> np.ndarray:
    """Undo :func:`normalize`: ``x * std + mean`` per channel.

    Parameters
    ----------
    x : ndarray, floating
    mean, std : sequence of float or ndarray, shape (C,)
    channel_axis : int

    Returns
    -------
    ndarray, same shape and floating dtype as ``x``

    Examples
    --------
    >>> denormalize(np.array([[[-1.0, 1.0]]]), mean=[0.5, 2.0], std=[0.5, 1.0])
    array([[[0., 3.]]])
    """
    fn = "denormalize"
    x = as_array(x, "x", fn)
    axis = _channel_axis(x, channel_axis, fn)
    m = _per_channel(x, mean, "mean", axis, fn)
    s = _per_channel(x, std, "std", axis, fn)
    return x * s + m


def hwc_to_chw(image: np.ndarray) -> np.ndarray:
    """Move the channel axis to the front: ``(H, W, C) -> (C, H, W)``.

    File decoders and matplotlib store pixels channels-last; PyTorch and
    cnnlib compute channels-first.  The result is a contiguous copy, so each
    channel is one solid block of memory.

    Parameters
    ----------
    image : ndarray, shape (H, W, C)

    Returns
    -------
    ndarray, shape (C, H, W), same dtype

    Examples
    --------
    >>> hwc_to_chw(np.zeros((600, 512, 3))).shape
    (3, 600, 512)
    """
    fn = "hwc_to_chw"
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{fn}: image must be a numpy.ndarray, got {type(image).__name__}")
    check_ndim(image, 3, "image", fn, "(H, W, C)")
    return np.ascontiguousarray(image.transpose(2, 0, 1))


def chw_to_hwc(image: np.ndarray) -> np.ndarray:
    """Move the channel axis to the back: ``(C, H, W) -> (H, W, C)``, e.g. for ``imshow``.

    Parameters
    ----------
    image : ndarray, shape (C, H, W)

    Returns
    -------
    ndarray, shape (H, W, C), same dtype

    Examples
    --------
    >>> chw_to_hwc(np.zeros((3, 600, 512))).shape
    (600, 512, 3)
    """
    fn = "chw_to_hwc"
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{fn}: image must be a numpy.ndarray, got {type(image).__name__}")
    check_ndim(image, 3, "image", fn, "(C, H, W)")
    return np.ascontiguousarray(image.transpose(1, 2, 0))


def to_nchw(images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """Stack ``(C, H, W)`` images into one ``(N, C, H, W)`` batch.

    Parameters
    ----------
    images : ndarray of shape (C, H, W), or a sequence of them
        A single image becomes a batch of one (``N = 1``); a sequence of
        ``N`` images, all of the same shape, becomes a batch of ``N``.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Raises
    ------
    ValueError
        If an image is not 3-D or the images differ in shape.

    Examples
    --------
    >>> to_nchw(np.zeros((3, 4, 5))).shape
    (1, 3, 4, 5)
    >>> to_nchw([np.zeros((3, 4, 5)), np.ones((3, 4, 5))]).shape
    (2, 3, 4, 5)
    """
    fn = "to_nchw"
    if isinstance(images, np.ndarray):
        check_ndim(images, 3, "images", fn, "(C, H, W)")
        return np.ascontiguousarray(images[None])
    if not isinstance(images, Sequence) or isinstance(images, str) or len(images) == 0:
        raise TypeError(
            f"{fn}: images must be a (C, H, W) array or a non-empty sequence of them, "
            f"got {type(images).__name__}"
        )
    arrays = []
    for i, img in enumerate(images):
        if not isinstance(img, np.ndarray):
            raise TypeError(f"{fn}: images[{i}] must be a numpy.ndarray, got {type(img).__name__}")
        check_ndim(img, 3, f"images[{i}]", fn, "(C, H, W)")
        if img.shape != images[0].shape:
            raise ValueError(
                f"{fn}: every image must have the shape of images[0], {tuple(images[0].shape)}; "
                f"images[{i}] has shape {tuple(img.shape)}"
            )
        arrays.append(img)
    return np.stack(arrays)


def _fmt(v: float, decimals: int) -> str:
    v = float(v)
    if v.is_integer():
        return str(int(v))
    return f"{round(v, decimals):.{decimals}f}"


def describe(x: np.ndarray, decimals: int = 3) -> str:
    """One line saying what an array is: shape, dtype, minimum, maximum, mean.

    Parameters
    ----------
    x : ndarray, real-valued
    decimals : int
        Decimal places for non-integer values.

    Returns
    -------
    str

    Examples
    --------
    >>> describe(np.array([[0, 255], [10, 20]], dtype=np.uint8))
    'shape (2, 2)  dtype uint8  min 0  max 255  mean 71.250'
    """
    fn = "describe"
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{fn}: x must be a numpy.ndarray, got {type(x).__name__}")
    if x.dtype.kind not in "iuf" or x.size == 0:
        raise ValueError(f"{fn}: x must be a non-empty real array, got dtype {x.dtype}, "
                         f"size {x.size}")
    mean = round(float(np.mean(x, dtype=np.float64)), decimals) + 0.0  # no "-0.000"
    return (f"shape {tuple(x.shape)}  dtype {x.dtype}  min {_fmt(x.min(), decimals)}  "
            f"max {_fmt(x.max(), decimals)}  mean {mean:.{decimals}f}")


def translate(x: np.ndarray, shift: int | tuple[int, int], fill: float = 0.0) -> np.ndarray:
    """Shift an image by whole pixels along its last two axes, filling what is uncovered.

    ``out[..., i, j] = x[..., i - dy, j - dx]`` where that index exists, else
    ``fill``: a positive ``dy`` moves the content down, a positive ``dx`` right.
    Unlike ``numpy.roll`` nothing wraps round from the other edge.

    Parameters
    ----------
    x : ndarray, shape (..., H, W)
    shift : int or (dy, dx)
        Pixels to move down and right (negative: up and left); an int moves
        both ways by the same amount.
    fill : float
        The value of the uncovered rows and columns.

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> translate(np.arange(1, 10).reshape(3, 3), (1, -1))
    array([[0, 0, 0],
           [2, 3, 0],
           [5, 6, 0]])
    """
    fn = "translate"
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{fn}: x must be a numpy.ndarray, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"{fn}: x must have at least 2 axes (..., H, W), got shape {x.shape}")
    if isinstance(shift, numbers.Integral) and not isinstance(shift, bool):
        dy = dx = int(shift)
    else:
        try:
            dy, dx = (int(s) for s in shift)  # type: ignore[union-attr]
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{fn}: shift must be an int or a pair (dy, dx), got {shift!r}"
            ) from err
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in shift):
            raise TypeError(f"{fn}: shift must hold whole pixels (ints), got {shift!r}")
    h, w = x.shape[-2:]
    out = np.full_like(x, fill)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    dst_r = slice(max(dy, 0), h + min(dy, 0))
    src_r = slice(max(-dy, 0), h + min(-dy, 0))
    dst_c = slice(max(dx, 0), w + min(dx, 0))
    src_c = slice(max(-dx, 0), w + min(-dx, 0))
    out[..., dst_r, dst_c] = x[..., src_r, src_c]
    return out


def equivariance_gap(
    x: np.ndarray, weight: np.ndarray, shift: int | tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """``conv(shift(x)) - shift(conv(x))`` for a same-size convolution, and where it must vanish.

    The convolution is :func:`cnnlib.conv2d` with stride 1 and the padding
    ``(k - 1) // 2`` that keeps the size (so the kernel's sides must be odd);
    the shift is :func:`translate` with zero fill.  Translation equivariance
    says the difference is zero; it can only fail where the kernel reaches
    the zeros that the shift or the padding brought in, near an edge of the
    shifted picture.  ``inside`` marks the positions whose whole window lies
    on the shifted picture, where the difference is rounding error at most.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    weight : ndarray, shape (C_out, C_in, kh, kw), kh and kw odd
    shift : int or (dy, dx)
        As for :func:`translate`: down and right are positive.

    Returns
    -------
    difference : ndarray, shape (N, C_out, H, W)
    inside : ndarray of bool, shape (H, W)
        True where the kernel's window lies entirely on the shifted
        picture: at least ``kh // 2`` rows and ``kw // 2`` columns inside it.

    Examples
    --------
    >>> x = np.arange(36.0).reshape(1, 1, 6, 6)
    >>> d, inside = equivariance_gap(x, np.ones((1, 1, 3, 3)), (1, 0))
    >>> float(np.abs(d[0, 0][inside]).max()), int(inside.sum())
    (0.0, 12)

    Introduced in the chapter *Images as tensors, and why not a dense layer*.
    """
    from .conv import conv2d

    fn = "equivariance_gap"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    weight = as_array(weight, "weight", fn)
    check_ndim(weight, 4, "weight", fn, "(C_out, C_in, kh, kw)")
    kh, kw = weight.shape[2:]
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"{fn}: weight must have odd kernel sides so that the output keeps "
                         f"the input's size, got kernel {kh}x{kw}")
    padding = ((kh - 1) // 2, (kw - 1) // 2)
    moved_first = conv2d(translate(x, shift), weight, padding=padding)
    difference = moved_first - translate(conv2d(x, weight, padding=padding), shift)
    dy, dx = (shift, shift) if isinstance(shift, numbers.Integral) else shift
    h, w = x.shape[2:]
    my, mx = kh // 2, kw // 2
    rows = np.arange(h)
    cols = np.arange(w)
    inside_r = (rows >= max(dy, 0) + my) & (rows <= h + min(dy, 0) - 1 - my)
    inside_c = (cols >= max(dx, 0) + mx) & (cols <= w + min(dx, 0) - 1 - mx)
    return difference, inside_r[:, None] & inside_c[None, :]
