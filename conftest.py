"""Repository-wide pytest set-up: doctests see ``np`` and ``cnnlib`` like a reader would."""

import numpy as np
import pytest

import cnnlib


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["np"] = np
    doctest_namespace["cnnlib"] = cnnlib
