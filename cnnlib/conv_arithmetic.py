"""Where a kernel lands, counted by sliding it, and the convolution-arithmetic relationships.

:func:`cnnlib.conv_output_size` *computes* an output length from a formula.
This module *counts* it: :func:`window_starts` slides a kernel along a padded
axis one stride at a time and records every place it fits, which is what the
formula summarises and what the size-explorer widget draws.

:data:`RELATIONSHIPS` lists the output-size relationships of Dumoulin and
Visin, *A guide to convolution arithmetic for deep learning* (2016), for
convolutions with square inputs and kernels -- numbered as in the guide,
each with the settings it applies to.  The chapter checks every one of them
by brute force against the shapes :func:`cnnlib.conv2d` returns.
:data:`TRANSPOSED_RELATIONSHIPS` holds the guide's relationships 8-14 for
the transposed convolution that goes back from a convolution's output to
its input size, checked against :func:`cnnlib.conv_transpose2d`.

Introduced in the chapter *Convolution*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import positive_int

__all__ = [
    "RELATIONSHIPS",
    "TRANSPOSED_RELATIONSHIPS",
    "Relationship",
    "TransposedRelationship",
    "window_starts",
    "window_taps",
]


def _check(fn: str, size: object, kernel_size: object, stride: object, padding: object,
           dilation: object) -> tuple[int, int, int, int, int]:
    return (positive_int(size, "size", fn), positive_int(kernel_size, "kernel_size", fn),
            positive_int(stride, "stride", fn), positive_int(padding, "padding", fn, minimum=0),
            positive_int(dilation, "dilation", fn))


def window_starts(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Every position where a kernel fits along one padded axis, found by sliding it.

    The kernel's first tap starts at index 0 of the padded axis (index
    ``padding`` is the first real input), and moves ``stride`` cells at a
    time for as long as its last tap, ``dilation * (kernel_size - 1)`` cells
    further on, stays inside.  No formula is used: the length of the result is
    the output size, counted.

    Parameters
    ----------
    size : int
        Input length ``i``.
    kernel_size, stride, padding, dilation : int
        ``k``, ``s``, ``p`` (zeros on each side) and ``d``.

    Returns
    -------
    ndarray of int, shape (o,)
        Start indices in padded coordinates; empty when the kernel does not
        fit at all.

    Examples
    --------
    >>> window_starts(7, 3, stride=2)
    array([0, 2, 4])
    >>> window_starts(8, 3, stride=2)           # the last input is never reached
    array([0, 2, 4])
    """
    i, k, s, p, d = _check("window_starts", size, kernel_size, stride, padding, dilation)
    last_tap = d * (k - 1)
    starts = []
    start = 0
    while start + last_tap < i + 2 * p:
        starts.append(start)
        start += s
    return np.array(starts, dtype=int)


def window_taps(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """The padded-axis index of every kernel tap at every position.

    Parameters
    ----------
    size, kernel_size, stride, padding, dilation : int
        As for :func:`window_starts`.

    Returns
    -------
    ndarray of int, shape (o, kernel_size)
        Row ``j`` holds the cells the kernel covers at its ``j``-th position.

    Examples
    --------
    >>> window_taps(5, 2, stride=2, dilation=2)
    array([[0, 2],
           [2, 4]])
    """
    starts = window_starts(size, kernel_size, stride, padding, dilation)
    offsets = dilation * np.arange(kernel_size)
    return starts[:, None] + offsets[None, :]


@dataclass(frozen=True)
class Relationship:
    """One output-size relationship of Dumoulin & Visin (2016).

    Attributes
    ----------
    number : int
        The relationship's number in the guide.
    setting : str
        In words: which kind of convolution it describes.
    condition : str
        The settings it is stated for, e.g. ``'s = 1, p = 0, d = 1'``.
    formula : str
        The output size in LaTeX, in the guide's letters ``i, k, s, p, d``.
    applies : callable (i, k, s, p, d) -> bool
        Whether a setting is one the relationship is stated for.
    output : callable (i, k, s, p, d) -> int
        The output size the relationship predicts.
    """

    number: int
    setting: str
    condition: str
    formula: str
    applies: Callable[[int, int, int, int, int], bool]
    output: Callable[[int, int, int, int, int], int]

    def __repr__(self) -> str:
        return f"Relationship {self.number} ({self.setting}: {self.condition})"


#: The guide's relationships for (non-transposed) convolution, in its order.
#: Relationships 1-6 are stated for ordinary, undilated kernels (``d = 1``);
#: relationship 15 adds dilation and contains all the others.
RELATIONSHIPS: list[Relationship] = [
    Relationship(1, "no zero padding, unit strides", "s = 1, p = 0",
                 r"o = (i - k) + 1",
                 lambda i, k, s, p, d: s == 1 and p == 0 and d == 1,
                 lambda i, k, s, p, d: (i - k) + 1),
    Relationship(2, "zero padding, unit strides", "s = 1",
                 r"o = (i - k) + 2p + 1",
                 lambda i, k, s, p, d: s == 1 and d == 1,
                 lambda i, k, s, p, d: (i - k) + 2 * p + 1),
    Relationship(3, "half (same) padding", r"s = 1, k odd, p = \lfloor k/2 \rfloor",
                 r"o = i",
                 lambda i, k, s, p, d: s == 1 and d == 1 and k % 2 == 1 and p == k // 2,
                 lambda i, k, s, p, d: i),
    Relationship(4, "full padding", "s = 1, p = k - 1",
                 r"o = i + (k - 1)",
                 lambda i, k, s, p, d: s == 1 and d == 1 and p == k - 1,
                 lambda i, k, s, p, d: i + (k - 1)),
    Relationship(5, "no zero padding, non-unit strides", "p = 0",
                 r"o = \left\lfloor \frac{i - k}{s} \right\rfloor + 1",
                 lambda i, k, s, p, d: p == 0 and d == 1,
                 lambda i, k, s, p, d: (i - k) // s + 1),
    Relationship(6, "zero padding, non-unit strides", "any i, k, s, p",
                 r"o = \left\lfloor \frac{i + 2p - k}{s} \right\rfloor + 1",
                 lambda i, k, s, p, d: d == 1,
                 lambda i, k, s, p, d: (i + 2 * p - k) // s + 1),
    Relationship(15, "dilated convolution", "any i, k, s, p, d",
                 r"o = \left\lfloor \frac{i + 2p - k - (k - 1)(d - 1)}{s} \right\rfloor + 1",
                 lambda i, k, s, p, d: True,
                 lambda i, k, s, p, d: (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1),
]


@dataclass(frozen=True)
class TransposedRelationship:
    """One of Dumoulin and Visin's relationships 8-14 for transposed convolution.

    Each is stated for the transposed convolution *associated with* a
    convolution ``(i, k, s, p)`` (undilated): it takes that convolution's
    output size ``i'`` back to ``o'``, which equals ``i`` again.

    Attributes
    ----------
    number : int
        The relationship's number in the guide.
    setting : str
        In words: which convolution it is the transpose of.
    condition : str
        The forward convolution's settings it is stated for.
    formula : str
        ``o'`` in LaTeX, in the guide's letters ``i', k, s, p, a``.
    applies : callable (i, k, s, p) -> bool
        Whether the forward convolution's setting is one it is stated for.
    output : callable (i', k, s, p, a) -> int
        The transposed output size it predicts; ``a = (i + 2p - k) mod s`` is
        the guide's extra term, which PyTorch calls ``output_padding``.
    equivalent : str
        The direct (stride-1) convolution that computes the same thing.
    """

    number: int
    setting: str
    condition: str
    formula: str
    applies: Callable[[int, int, int, int], bool]
    output: Callable[[int, int, int, int, int], int]
    equivalent: str

    def __repr__(self) -> str:
        return f"Relationship {self.number} ({self.setting}, transposed: {self.condition})"


#: The guide's relationships for transposed convolution, in its order.
TRANSPOSED_RELATIONSHIPS: list[TransposedRelationship] = [
    TransposedRelationship(
        8, "no zero padding, unit strides", "s = 1, p = 0", r"o' = i' + (k - 1)",
        lambda i, k, s, p: s == 1 and p == 0,
        lambda it, k, s, p, a: it + (k - 1),
        "k' = k, s' = 1, p' = k - 1"),
    TransposedRelationship(
        9, "zero padding, unit strides", "s = 1", r"o' = i' + (k - 1) - 2p",
        lambda i, k, s, p: s == 1,
        lambda it, k, s, p, a: it + (k - 1) - 2 * p,
        "k' = k, s' = 1, p' = k - p - 1"),
    TransposedRelationship(
        10, "half (same) padding", r"s = 1, k = 2n + 1, p = n", r"o' = i'",
        lambda i, k, s, p: s == 1 and k % 2 == 1 and p == k // 2,
        lambda it, k, s, p, a: it,
        "k' = k, s' = 1, p' = p"),
    TransposedRelationship(
        11, "full padding", "s = 1, p = k - 1", r"o' = i' - (k - 1)",
        lambda i, k, s, p: s == 1 and p == k - 1,
        lambda it, k, s, p, a: it - (k - 1),
        "k' = k, s' = 1, p' = 0"),
    TransposedRelationship(
        12, "no zero padding, non-unit strides", r"p = 0, s \mid i - k",
        r"o' = s(i' - 1) + k",
        lambda i, k, s, p: p == 0 and (i - k) % s == 0,
        lambda it, k, s, p, a: s * (it - 1) + k,
        "input stretched by s - 1 zeros, k' = k, s' = 1, p' = k - 1"),
    TransposedRelationship(
        13, "zero padding, non-unit strides", r"s \mid i + 2p - k",
        r"o' = s(i' - 1) + k - 2p",
        lambda i, k, s, p: (i + 2 * p - k) % s == 0,
        lambda it, k, s, p, a: s * (it - 1) + k - 2 * p,
        "input stretched by s - 1 zeros, k' = k, s' = 1, p' = k - p - 1"),
    TransposedRelationship(
        14, "zero padding, non-unit strides", r"a = (i + 2p - k) \bmod s",
        r"o' = s(i' - 1) + a + k - 2p",
        lambda i, k, s, p: True,
        lambda it, k, s, p, a: s * (it - 1) + a + k - 2 * p,
        "input stretched by s - 1 zeros, k' = k, s' = 1, p' = k - p - 1, "
        "a extra zeros at the bottom and right"),
]
