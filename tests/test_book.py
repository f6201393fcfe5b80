"""The book builds with every Sphinx warning treated as an error.

This is the same `jupyter-book build` that `make book` runs, with `-W -n
--keep-going` added: a broken cross-reference, a missing file in `_toc.yml`,
a malformed directive or a notebook that fails to parse fails the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def built_book() -> Path:
    jb = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        # --all: an incremental build keeps the bibliography page of the last
        # build, which lists only the works cited then.
        [str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if result.returncode != 0:
        pytest.fail(
            "jupyter-book build failed (warnings are errors):\n"
            + result.stdout[-6000:] + result.stderr[-6000:]
        )
    return HTML


def test_book_builds_without_warnings(built_book: Path) -> None:
    assert (built_book / "index.html").is_file()


def test_every_chapter_in_the_toc_has_a_page(built_book: Path) -> None:
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    assert chapters, "no chapters found"
    toc = (ROOT / "_toc.yml").read_text()
    for nb in chapters:
        assert f"chapters/{nb.stem}" in toc, f"{nb.name} is not listed in _toc.yml"
        page = built_book / "chapters" / f"{nb.stem}.html"
        assert page.is_file(), f"no page built for {nb.name}"


def test_widget_state_is_embedded(built_book: Path) -> None:
    # A chapter with widgets must carry their state, or the HTML shows nothing
    # where the slider should be.
    page = (built_book / "chapters" / "05-cnn-block.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in page
    assert "application/vnd.jupyter.widget-view+json" in page


def test_maths_is_present_for_mathjax(built_book: Path) -> None:
    page = (built_book / "chapters" / "05-cnn-block.html").read_text()
    assert "math notranslate" in page


def test_citations_read_as_the_reference_list_labels(built_book: Path) -> None:
    """Every in-text citation names its entry as the list labels it.

    "[He et al., 2016a]" in a chapter must link to the entry labelled
    "[He et al., 2016a]" (a `{cite:t}` shows the author outside the link and only
    the year inside: "Zhang [2019]"); no entry of the list shows raw LaTeX.
    """
    import html
    import re

    bibliography = (built_book / "reference" / "bibliography.html").read_text()
    labels = {
        m.group(1): html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        for m in re.finditer(
            r'<div class="citation" id="([^"]+)"[^>]*>\s*<span class="label">'
            r'<span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span>',
            bibliography,
        )
    }
    assert labels, "no labelled entries in the reference list"
    assert "\\texttt" not in bibliography and "\\url" not in bibliography
    wrong = []
    for page in sorted((built_book / "chapters").glob("*.html")):
        for m in re.finditer(
            r'<a class="reference internal" href="../reference/bibliography.html#([^"]+)"'
            r"[^>]*>(.*?)</a>",
            page.read_text(),
        ):
            text = html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
            label = labels.get(m.group(1), "")
            if not (text == label or (re.fullmatch(r"\d{4}[a-z]?", text)
                                      and label.endswith(", " + text))):
                wrong.append(f"{page.name}: cited as {text!r}, listed as {label!r}")
    assert not wrong, "\n".join(wrong)


def _chapter_pages() -> list[str]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] if part.get("numbered")
            for entry in part["chapters"]]


def test_chapters_figures_and_exercises_numbered_per_chapter(built_book: Path) -> None:
    # issue 14 §3: "3. ReLU" in the title, "Fig. 4.3" and "Exercise 3.2" count
    # within their chapter (one counter across parts, as the sidebar shows).
    import re

    for number, doc in enumerate(_chapter_pages(), start=1):
        page = (built_book / f"{doc}.html").read_text()
        assert f'<h1><span class="section-number">{number}. </span>' in page, doc
        for kind in ("Fig.", "Exercise"):
            found = re.findall(rf'caption-number">{kind} (\d+)\.(\d+) ', page)
            found += re.findall(rf'<span class="caption-number">{kind} (\d+)\.(\d+)', page)
            found += re.findall(rf'>{kind} (\d+)\.(\d+)</', page)
            assert all(int(chapter) == number for chapter, _ in found), (doc, kind, found)


def test_search_ranks_chapters_above_api_members(built_book: Path) -> None:
    # tools/static/search_scorer.js (html_search_scorer) is what the search page uses
    scorer = (built_book / "_static" / "language_data.js").read_text()
    assert 'docname.indexOf("chapters/") === 0' in scorer
