"""Exercises that check the reader's answer: ``check("conv-ex-2a", answer)``.

One module per chapter registers that chapter's checks (``ch02.py`` for
*Convolution*, labels ``conv-ex-N``); :mod:`cnnlib.exercises._core` holds
the machinery.  Introduced in the chapter *Convolution*.
"""

from . import (  # noqa: F401  (block-, rf-, backprop-ex-N)  # noqa: F401  (scratch-, arch-ex-N)
    ch01,
    ch02,
    ch03,
    ch04,
    ch05,
    ch06,
    ch07,
    ch08,
    ch10,
    ch11,  # noqa: F401  (transfer-ex-N)
)
from . import sees as _sees  # noqa: F401  (sees-ex-N)
from . import transposed as _transposed  # noqa: F401  (transp-ex-N)
from ._core import Exercise, Feedback, Mistake, check, exercise, exercises, register

__all__ = ["Exercise", "Feedback", "Mistake", "check", "exercise", "exercises", "register"]
