"""House style that a reader sees or a contributor trips over: lint, and code that fits.

- ``ruff check`` is clean over the library, the tests, the tools and the
  chapters (the rules are in pyproject.toml);
- every code cell of every chapter fits the book's code box: 79 columns,
  so nothing scrolls sideways;
- no chapter carries a stray ``%matplotlib`` magic (the inline backend is
  the default in every kernel the book runs in).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CODE_COLUMNS = 79


def _ruff() -> list[str]:
    local = Path(sys.executable).with_name("ruff")
    if local.exists():
        return [str(local)]
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (it is in requirements.txt)")
    return [found]


def test_ruff_is_clean():
    result = subprocess.run([*_ruff(), "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def code_cell_problems(nb: dict) -> list[str]:
    """Lines wider than CODE_COLUMNS, and %matplotlib magics, by cell index."""
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        for number, line in enumerate(source.splitlines(), start=1):
            if len(line) > CODE_COLUMNS:
                problems.append(f"cell {index} line {number}: {len(line)} columns")
            if line.lstrip().startswith("%matplotlib"):
                problems.append(f"cell {index} line {number}: stray {line.strip()!r}")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_code_cells_fit_the_code_box(path):
    problems = code_cell_problems(json.loads(path.read_text()))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_check_catches_a_wide_line_and_a_magic():
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "y = " + "1 + " * 30 + "1\n"]},
                    {"cell_type": "markdown", "source": ["z" * 200]},
                    {"cell_type": "code", "source": ["%matplotlib inline\n"]}]}
    problems = code_cell_problems(nb)
    # 4 + 30 * 4 + 1 = 125 columns.
    assert problems == ["cell 0 line 2: 125 columns", "cell 2 line 1: stray '%matplotlib inline'"]
