"""Self-checks for *Transposed convolution and upsampling* (labels ``transp-ex-N``)."""

from __future__ import annotations

import numpy as np

from ..conv import conv_output_size
from ..conv_transpose import conv_transpose2d, conv_transpose_output_size, overlap_counts
from ..upsample import interpolate
from ._core import Exercise, Mistake, register

#: Exercise 2's givens: a 1×2 input and a 1×3 kernel, stride 2.
ROW = np.array([1.0, 2.0]).reshape(1, 1, 1, 2)
TAPS = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 1, 3)
#: Exercise 4's given: two pixels, 0 and 1, upsampled to five.
PAIR = np.array([0.0, 1.0]).reshape(1, 1, 1, 2)


def _stamped_without_adding() -> np.ndarray:
    """Exercise 2 with each stamp overwriting the last instead of adding to it."""
    out = np.zeros(5)
    for i, value in enumerate(ROW.ravel()):
        out[2 * i: 2 * i + 3] = value * TAPS.ravel()
    return out


register(
    Exercise(
        "transp-ex-1", "Output size of ConvTranspose2d(k=3, stride=2, padding=1, "
                       "output_padding=1) on a 5×5 input.",
        lambda: conv_transpose_output_size(5, 3, stride=2, padding=1, output_padding=1),
        hint="Use o = (i - 1)s - 2p + k + a.",
        mistakes=(
            Mistake(lambda: conv_transpose_output_size(5, 3, stride=2, padding=1),
                    "Add output_padding: a = 1 extra row at the bottom."),
            Mistake(lambda: conv_output_size(5, 3, stride=2, padding=1),
                    "That is the ordinary convolution's output; the transposed one grows."),
            Mistake(lambda: conv_transpose_output_size(5, 3, stride=2, output_padding=1) - 1,
                    "Padding is cropped from both sides: subtract 2p, not p."),
            Mistake(lambda: 5 * 2 - 2 * 1 + 3 + 1,
                    "Multiply the stride by i - 1: there are i - 1 gaps between i stamps."),
        ),
    ),
    Exercise(
        "transp-ex-2", "conv_transpose2d of the row [1, 2] with the kernel [1, 2, 3], stride 2, "
                       "as a list of 5 numbers.",
        lambda: conv_transpose2d(ROW, TAPS, stride=2)[0, 0, 0], kind="array",
        hint="Each input value stamps value × kernel, 2 cells further along each time; "
             "where two stamps overlap, add them.",
        mistakes=(
            Mistake(lambda: conv_transpose2d(ROW, TAPS[..., ::-1], stride=2)[0, 0, 0],
                    "The kernel is flipped: the stamps use it as it is (the flip belongs to "
                    "the equivalent direct convolution)."),
            Mistake(_stamped_without_adding,
                    "Where two stamps overlap, the values add; the second does not replace "
                    "the first."),
        ),
    ),
    Exercise(
        "transp-ex-3", "The overlap counts of a kernel of size 5, stride 2, on a 4-pixel row "
                       "(no padding), as a list.",
        lambda: overlap_counts((1, 4), (1, 5), stride=2)[0], kind="array",
        hint="Stamps start at 0, 2, 4, 6 and each covers 5 cells: count how many cover "
             "each of the 11 cells.",
    ),
    Exercise(
        "transp-ex-4a", "Bilinear upsampling of [0, 1] to 5 pixels, align_corners=False.",
        lambda: interpolate(PAIR, size=(1, 5), mode="bilinear", align_corners=False)[0, 0, 0],
        kind="array",
        hint="Output pixel j reads the input at (j + 0.5) · 2/5 - 0.5, clamped to [0, 1].",
        mistakes=(
            Mistake(lambda: interpolate(PAIR, size=(1, 5), mode="bilinear",
                                        align_corners=True)[0, 0, 0],
                    "Those are align_corners=True positions, j · (2 - 1)/(5 - 1); without it, "
                    "pixel edges are matched: (j + 0.5) · 2/5 - 0.5."),
            Mistake(lambda: interpolate(PAIR, size=(1, 5), mode="nearest")[0, 0, 0],
                    "That is nearest-neighbour: bilinear mixes the two neighbours."),
        ),
    ),
    Exercise(
        "transp-ex-4b", "The same with align_corners=True.",
        lambda: interpolate(PAIR, size=(1, 5), mode="bilinear", align_corners=True)[0, 0, 0],
        kind="array", rtol=1e-6, close_rtol=0.02,
        hint="With align_corners=True output pixel j reads the input at j · (2 - 1)/(5 - 1).",
        mistakes=(
            Mistake(lambda: interpolate(PAIR, size=(1, 5), mode="bilinear",
                                        align_corners=False)[0, 0, 0],
                    "Those are align_corners=False positions; with True the first and last "
                    "pixels sit exactly on the input's first and last."),
        ),
    ),
)
