"""The reference pages cover what the chapters use.

- reference/api.md documents every `cnnlib` function, class and constant a
  chapter imports or calls (through an ``automodule`` that autodoc would
  render it from: its own module, or a package that re-exports it in
  ``__all__`` or with ``:imported-members:``);
- every citation key a page uses is in reference/references.bib, and every
  author-year mention written out in the prose ("LeCun et al. (1989)") names a
  work the bibliography holds under that first author and year;
- reference/notation.md states the receptive-field recurrence with dilation
  that `cnnlib.receptive_field` computes.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.ipynb"))
API = (ROOT / "reference" / "api.md").read_text()
BIB = (ROOT / "reference" / "references.bib").read_text()


def _cells(path: Path, kind: str) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == kind]


def _markdown_pages() -> list[tuple[str, str]]:
    pages = [(p.stem, "\n\n".join(_cells(p, "markdown"))) for p in CHAPTERS]
    for md in [ROOT / "intro.md", *sorted((ROOT / "reference").glob("*.md"))]:
        pages.append((md.name, md.read_text()))
    return pages


# -- what the chapters use -------------------------------------------------


def chapter_uses() -> dict[tuple[str, str], set[str]]:
    """(module imported from, name) -> chapters, for every cnnlib name used."""
    used: dict[tuple[str, str], set[str]] = {}
    for path in CHAPTERS:
        chapter = path.stem
        sources = _cells(path, "code")
        modules: dict[str, str] = {}  # alias -> module path, from any cell
        for src in sources:
            for m in re.finditer(
                r"^\s*from\s+(cnnlib[\w.]*)\s+import\s+(\([^)]*\)|[^\n]+)", src, re.M
            ):
                for item in m.group(2).strip("()\n ").split(","):
                    parts = [p.strip() for p in item.split(" as ")]
                    if not parts[0] or parts[0].startswith("#"):
                        continue
                    name = parts[0].split("#")[0].strip()
                    used.setdefault((m.group(1), name), set()).add(chapter)
                    full = f"{m.group(1)}.{name}"
                    if _is_module(full):
                        modules[parts[-1].split("#")[0].strip()] = full
            for m in re.finditer(r"^\s*import\s+(cnnlib[\w.]*)(?:\s+as\s+(\w+))?", src, re.M):
                modules[m.group(2) or m.group(1)] = m.group(1)
        for src in sources:
            for alias, module in modules.items():
                for m in re.finditer(rf"(?<![\w.]){re.escape(alias)}((?:\.\w+)+)", src):
                    chain = (module + m.group(1)).split(".")
                    # walk down while the chain names modules
                    head = chain[0]
                    for i, part in enumerate(chain[1:], start=1):
                        if not _is_module(f"{head}.{part}"):
                            used.setdefault((head, part), set()).add(chapter)
                            break
                        head = f"{head}.{part}"
                        if i == len(chain) - 1:
                            used.setdefault((head, ""), set()).add(chapter)
    return used


def _is_module(name: str) -> bool:
    try:
        return inspect.ismodule(importlib.import_module(name))
    except ImportError:
        return False


# -- what api.md documents -------------------------------------------------


def automodules() -> dict[str, dict[str, str]]:
    """module -> its options (``members`` and ``imported-members``) in api.md."""
    found: dict[str, dict[str, str]] = {}
    for m in re.finditer(r"\.\. automodule:: ([\w.]+)((?:\n   :[\w-]+:[^\n]*)*)", API):
        options = dict(re.findall(r":([\w-]+):[ \t]*([^\n]*)", m.group(2)))
        found[m.group(1)] = options
    return found


def documented_by(module: str, name: str, obj: object, documented: dict) -> str | None:
    """The automodule that would render ``module.name``, or None."""
    home = getattr(obj, "__module__", None) if not inspect.ismodule(obj) else None
    for target, options in documented.items():
        if "members" not in options:
            continue
        listed = [n.strip() for n in options["members"].split(",") if n.strip()]
        if listed and name not in listed:
            continue
        owner = importlib.import_module(target)
        if getattr(owner, name, None) is not obj:
            continue
        if home == target or "imported-members" in options:
            return target
        if name in getattr(owner, "__all__", ()):
            return target
        if home is None and target == module:  # a constant, in the module it is read from
            return target
    return None


def test_every_cnnlib_name_a_chapter_uses_is_in_the_api_page() -> None:
    documented = automodules()
    missing = []
    for (module, name), chapters in sorted(chapter_uses().items()):
        owner = importlib.import_module(module)
        if not name:  # the module itself, used through an alias
            continue
        obj = getattr(owner, name, None)
        if obj is None:
            missing.append(f"{module}.{name} (chapters {sorted(chapters)}): no such name")
            continue
        if inspect.ismodule(obj):
            continue  # its names are checked one by one where they are used
        if documented_by(module, name, obj, documented) is None:
            home = getattr(obj, "__module__", module)
            missing.append(f"{module}.{name} (from {home}; chapters {', '.join(sorted(chapters))})")
    assert not missing, "reference/api.md does not document:\n  " + "\n  ".join(missing)


def test_every_automodule_in_the_api_page_exists() -> None:
    for module in automodules():
        importlib.import_module(module)


def test_chapter_use_scanner_sees_imports_and_aliases() -> None:
    used = chapter_uses()
    # chapter 10 imports `from cnnlib import nn, optim` and calls nn.BatchNorm2d
    assert any(m == "cnnlib.nn" and n == "Dropout" for m, n in used)
    assert ("cnnlib.metrics", "hardest_examples") in used


# -- the bibliography ----------------------------------------------------------


def bib_entries() -> dict[str, tuple[str, str]]:
    """key -> (first author's surname, year)."""
    entries = {}
    for m in re.finditer(r"@\w+\{([^,\s]+),(.*?)\n\}", BIB, re.S):
        body = m.group(2)
        author = re.search(r"author\s*=\s*\{(.*?)\},?\n", body, re.S)
        year = re.search(r"year\s*=\s*\{?(\d{4})", body)
        first = author.group(1).split(" and ")[0] if author else ""
        surname = first.split(",")[0].strip("{} ") if "," in first else first.split()[-1]
        entries[m.group(1)] = (re.sub(r"[{}\\']", "", surname), year.group(1) if year else "")
    return entries


def test_every_cited_key_is_in_the_bibliography() -> None:
    entries = bib_entries()
    missing = []
    for page, text in _markdown_pages():
        for m in re.finditer(r"\{cite(?::\w+)?\}`([^`]*)`", text):
            missing += [f"{page}: {k.strip()}" for k in m.group(1).split(",")
                        if k.strip() not in entries]
    assert not missing, "cited but not in references.bib:\n  " + "\n  ".join(missing)


_AUTHOR_YEAR = re.compile(
    r"\b(?P<author>[A-Z][a-zA-Z'’\-]+)(?: et al\.?| and [A-Z][a-zA-Z'’\-]+| & [A-Z][a-zA-Z'’\-]+)?"
    r",? \(?(?P<year>(?:19[4-9]|20[0-3])\d)[ab]?\)?"
)


def test_author_year_mentions_match_the_bibliography() -> None:
    """"LeCun et al. (1989)" in the prose must be a LeCun 1989 entry of the list."""
    known = {(a.lower(), y) for a, y in bib_entries().values()}
    wrong = []
    for page, text in _markdown_pages():
        for m in _AUTHOR_YEAR.finditer(text):
            author, year = m.group("author"), m.group("year")
            if author in {"In", "Since", "From", "By", "Between", "The", "ImageNet", "Until"}:
                continue
            if (author.lower(), year) not in known:
                wrong.append(f"{page}: {m.group(0)!r}")
    assert not wrong, (
        "author-year mentions with no matching entry (first author and year):\n  "
        + "\n  ".join(wrong)
    )


def test_torchvision_entry_has_no_raw_latex() -> None:
    entry = re.search(r"@\w+\{torchvision2016,(.*?)\n\}", BIB, re.S)
    assert entry and "\\texttt" not in entry.group(1)


# -- notation --------------------------------------------------------------------


def test_notation_states_the_dilated_recurrence_the_library_computes() -> None:
    notation = (ROOT / "reference" / "notation.md").read_text()
    assert r"r_l &= r_{l-1} + d_l\,(k_l - 1)\, j_{l-1}" in notation
    from cnnlib import receptive_field

    layers = [(3, 1, 1, 2), (2, 2, 0, 1), (3, 1, 2, 2), (5, 2, 4, 3)]
    r, j, start = 1, 1, 0.0
    for k, s, p, d in layers:  # the page's three lines, written out again here
        r, j, start = r + d * (k - 1) * j, j * s, start + (d * (k - 1) / 2 - p) * j
    last = receptive_field(layers)[-1]
    assert (last.size, last.jump, last.start) == (r, j, pytest.approx(start))


def test_reference_list_labels_are_the_in_text_citations_and_unique() -> None:
    """The list labels each work "[He et al., 2016a]", as the text cites it."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    from bib_style import author_year_label
    from pybtex.database import parse_file

    labels: dict[str, str] = {}
    for key, entry in parse_file(str(ROOT / "reference" / "references.bib")).entries.items():
        labels.setdefault(author_year_label(entry), key)
        assert labels[author_year_label(entry)] == key, (
            f"{key} and {labels[author_year_label(entry)]} would both be cited as "
            f"[{author_year_label(entry)}]: give their year fields a letter (2016a, 2016b)"
        )
    assert labels["He et al., 2016a"] == "he2016deep"
    assert labels["Araujo et al., 2019"] == "araujo2019computing"
