"""Shared pytest configuration for the cnnlib tests.

Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE=<name>``):

* ``default`` -- what ``make test`` runs: a modest number of examples per
  property so the core suite stays well under a minute on two cores;
* ``ci`` -- the same budget, derandomized and without the example database,
  so a CI run is reproducible;
* ``thorough`` -- many more examples, for a run by hand after touching the
  convolution or pooling code.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

settings.register_profile("default", max_examples=50, **_common)
settings.register_profile("ci", max_examples=50, derandomize=True, database=None, **_common)
settings.register_profile("thorough", max_examples=1000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
