"""Which OpenBLAS kernels NumPy runs, so a portable-outputs run runs what it claims.

OpenBLAS picks its kernels (its "core type") from the CPU, and the environment
variable OPENBLAS_CORETYPE overrides the choice. An unknown or unbuilt name
does not fail: OpenBLAS prints "Core not found" on stderr and quietly keeps
the detected kernels, and some names are aliases (in NumPy's
scipy-openblas build, Zen runs the Haswell kernels and Prescott, Core2 and
the older cores all run the Prescott kernels under the name "Katmai"). So
`make test` and `make test-portable` ask threadpoolctl which kernels every
loaded OpenBLAS really reports before they trust a run.

Usage (as the Makefile calls it):

  check_coretype.py NAME [--threads N]   exit 1 unless every OpenBLAS that NumPy
                                         and SciPy load runs NAME's kernels
                                         (and N threads)
  check_coretype.py --detected           print the core type of this CPU
  check_coretype.py --second             print the core type for make test's
                                         second pass: Haswell, or Sandybridge
                                         if Haswell is what this CPU runs
                                         anyway; nothing if OpenBLAS is not
                                         NumPy's BLAS here
  check_coretype.py --supports NAME      exit 1 (saying what is missing) if
                                         this CPU lacks the instructions
                                         NAME's kernels use, 2 if NAME is
                                         not a core type this script knows
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# What threadpoolctl reports for a requested core type in NumPy's
# scipy-openblas build (verified with OPENBLAS_VERBOSE=2): the kernels a
# name selects, when they are another core's.
ALIASES = {
    "prescott": "katmai", "core2": "katmai", "penryn": "katmai", "dunnington": "katmai",
    "zen": "haswell", "cooperlake": "skylakex", "atom": "nehalem", "barcelona": "nehalem",
}

# /proc/cpuinfo flags each kernel family needs.
REQUIRED_FLAGS = {
    "skylakex": {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"},
    "cooperlake": {"avx512f", "avx512bw", "avx512vl", "avx512_bf16"},
    "haswell": {"avx2", "fma"},
    "zen": {"avx2", "fma"},
    "sandybridge": {"avx"},
    "nehalem": {"sse4_2"},
    "prescott": {"pni"},  # SSE3
    "katmai": {"sse"},
}


def openblas_libraries() -> list[dict]:
    """threadpoolctl's records of every OpenBLAS that NumPy and SciPy load."""
    import numpy  # noqa: F401  (loads NumPy's OpenBLAS)

    try:
        import scipy.linalg  # noqa: F401  (SciPy may bundle its own)
    except ImportError:
        pass
    from threadpoolctl import threadpool_info

    return [info for info in threadpool_info() if info.get("internal_api") == "openblas"]


def expected_architecture(name: str) -> str:
    return ALIASES.get(name.lower(), name.lower())


def detected() -> str | None:
    """The core type OpenBLAS picks on this CPU, with no override."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    result = subprocess.run(
        [sys.executable, __file__, "--report"], env=env, capture_output=True, text=True
    )
    return result.stdout.strip() or None


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def supports(name: str) -> bool:
    needed = REQUIRED_FLAGS.get(name.lower())
    return needed is not None and needed <= cpu_flags()


def check(name: str, threads: int | None) -> int:
    libraries = openblas_libraries()
    if not libraries:
        print(f"check_coretype: NumPy does not use OpenBLAS here, so {name} cannot be forced")
        return 1
    want = expected_architecture(name)
    wrong = [
        f"{lib['filepath']}: architecture {lib.get('architecture')!r}, "
        f"{lib.get('num_threads')} thread(s)"
        for lib in libraries
        if str(lib.get("architecture", "")).lower() != want
        or (threads is not None and lib.get("num_threads") != threads)
    ]
    if wrong:
        print(
            f"check_coretype: asked for OpenBLAS core type {name} "
            f"(reported as {want!r}){'' if threads is None else f' and {threads} thread(s)'}, "
            f"but OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r} gives:\n  "
            + "\n  ".join(wrong)
        )
        return 1
    arch = libraries[0]["architecture"]
    print(f"OpenBLAS kernels: {arch}" + ("" if name.lower() == arch.lower() else f" (for {name})")
          + f", {libraries[0]['num_threads']} thread(s)")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    if argv[0] == "--report":
        libraries = openblas_libraries()
        if libraries:
            print(libraries[0].get("architecture", ""))
        return 0
    if argv[0] == "--detected":
        print(detected() or "")
        return 0
    if argv[0] == "--second":
        here = detected()
        if here is None:
            return 0
        second = "Sandybridge" if expected_architecture(here) == "haswell" else "Haswell"
        print(second if supports(second) else "")
        return 0
    if argv[0] == "--supports":
        name = argv[1]
        if name.lower() not in REQUIRED_FLAGS:
            print(f"check_coretype: unknown core type {name!r}; known: "
                  + ", ".join(sorted(REQUIRED_FLAGS)))
            return 2
        if not supports(name):
            missing = sorted(REQUIRED_FLAGS[name.lower()] - cpu_flags())
            print(f"this CPU lacks {', '.join(missing)}")
            return 1
        return 0
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else None
    return check(argv[0], threads)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
