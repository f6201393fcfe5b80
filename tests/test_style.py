"""House style that a reader sees or a contributor trips over: lint, and code that fits.

- ``ruff check`` is clean over the library, the tests, the tools and the
  chapters (the rules are in pyproject.toml);
- every code cell of every chapter fits the book's code box: 79 columns,
  so nothing scrolls sideways;
- no chapter carries a stray ``%matplotlib`` magic (the inline backend is
  the default in every kernel the book runs in);
- library source a chapter shows with ``{literalinclude}`` fits the same
  79 columns (the library itself is linted at 100).
"""

from __future__ import annotations

import ast
import json
import re
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


LITERALINCLUDE = re.compile(r"```\{literalinclude\} (\S+)\n((?::[\w-]+:.*\n)*)")


def _python_object(text: str, dotted: str) -> list[str]:
    """The lines of ``dotted`` (a function, class or Class.method) in ``text``."""
    node: ast.AST = ast.parse(text)
    for name in dotted.split("."):
        node = next(n for n in ast.walk(node) if isinstance(
            n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name)
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return text.splitlines()[first - 1:node.end_lineno]


def included_lines(path: Path, options: dict[str, str]) -> list[str]:
    """What Sphinx's literalinclude shows: pyobject, then lines, then start-at/end-at,
    then dedent (the options the chapters use)."""
    text = path.read_text()
    lines = (_python_object(text, options["pyobject"]) if "pyobject" in options
             else text.splitlines())
    if "lines" in options:
        chosen = []
        for part in options["lines"].replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            stop = (int(last) if last else len(lines)) if dash else int(first)
            chosen += lines[int(first) - 1:stop]
        lines = chosen
    if "start-at" in options:
        lines = lines[next(i for i, s in enumerate(lines) if options["start-at"] in s):]
    if "end-at" in options:
        lines = lines[:next(i for i, s in enumerate(lines) if options["end-at"] in s) + 1]
    cut = int(options.get("dedent", 0))
    return [line[cut:] for line in lines]


def listing_problems(nb: dict, chapter_dir: Path) -> list[str]:
    """Lines of included library source wider than CODE_COLUMNS, by markdown cell."""
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for match in LITERALINCLUDE.finditer("".join(cell["source"])):
            options = dict(re.findall(r":([\w-]+): ?(.*)", match.group(2)))
            for line in included_lines(chapter_dir / match.group(1), options):
                if len(line) > CODE_COLUMNS:
                    problems.append(f"cell {index} {match.group(1)}: {len(line)} columns: "
                                    f"{line.strip()[:60]}")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_included_library_source_fits_the_code_box(path):
    problems = listing_problems(json.loads(path.read_text()), path.parent)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_listing_check_reads_options_as_sphinx_does(tmp_path):
    source = tmp_path / "mod.py"
    wide = "    return " + "x + " * 20 + "x"           # 11 + 80 + 1 = 92 columns
    source.write_text("import os\n\n\nclass A:\n    def f(self, x):\n"
                      "        y = 1\n    " + wide + "\n")
    assert included_lines(source, {"pyobject": "A.f"})[0] == "    def f(self, x):"
    assert included_lines(source, {"pyobject": "A.f", "lines": "1, 3-"}) == [
        "    def f(self, x):", "    " + wide]
    assert included_lines(source, {"pyobject": "A", "start-at": "y = 1",
                                   "end-at": "y = 1", "dedent": "8"}) == ["y = 1"]
    cell = {"cell_type": "markdown",
            "source": ["```{literalinclude} mod.py\n", ":pyobject: A.f\n", "```\n"]}
    assert listing_problems({"cells": [cell]}, tmp_path) == [
        f"cell 0 mod.py: 96 columns: {wide.strip()[:60]}"]
