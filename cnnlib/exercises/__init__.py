"""Exercises that check the reader's answer: ``check("conv-ex-2a", answer)``.

One module per chapter registers that chapter's checks: ``ch01`` to ``ch07``
for chapters 1 to 7 (labels ``images-``, ``conv-``, ``relu-``, ``pool-``,
``block-``, ``rf-`` and ``backprop-ex-N``), then by topic: ``transposed``
(``transp-ex-N``), ``scratch`` (``scratch-ex-N``), ``training``
(``train-ex-N``), ``sees`` (``sees-ex-N``), ``architectures`` (``arch-ex-N``)
and ``transfer`` (``transfer-ex-N``).
:mod:`cnnlib.exercises._core` holds the machinery.  Introduced in the
chapter *Convolution*.
"""

# Importing a chapter's module registers its checks.
from . import (
    architectures,
    ch01,
    ch02,
    ch03,
    ch04,
    ch05,
    ch06,
    ch07,
    scratch,
    sees,
    training,
    transfer,
    transposed,
)
from ._core import Exercise, Feedback, Mistake, check, exercise, exercises, register

__all__ = ["Exercise", "Feedback", "Mistake", "check", "exercise", "exercises", "register"]
