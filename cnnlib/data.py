"""Images and small data sets that ship inside installed packages (no network).

Introduced in the chapter *Images as tensors*.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sample_photo"]


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
