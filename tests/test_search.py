"""The book's search page, run in a real browser: ranking and snippets.

The built search page (search.html?q=...) is opened in headless Chromium, with
the book's own scorer (tools/static/search_scorer.js, reading the statistics
tools/book_offline.py writes).  For each query the chapter that explains the
term must be the first result, every chapter must come before the API
reference and its members, and no snippet may show TeX source.

The expected chapters were chosen by reading the chapters, not from the
scorer's output:

- stride, padding: Convolution, "How big is the output?" derives the output
  size with a bold "Step 2: padding." and "Step 3: stride."; later chapters
  (Pooling, Receptive fields, Backpropagation, Transposed convolution) use
  both words more often, but only after Convolution has defined them;
- pooling: the Pooling chapter (its title);
- receptive field: the Receptive fields chapter (its title);
- batch norm: Training in practice, whose section "Batch normalisation"
  explains it (One CNN block says where it goes and sends the reader there);
- transposed: Transposed convolution and upsampling (its title).

Needs Chromium, as tests/test_browser.py (whose fixtures this uses).
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
from test_browser import book, browser, server  # noqa: F401  (fixtures)

EXPECTED_TOP = {
    "stride": "chapters/02-convolution",
    "padding": "chapters/02-convolution",
    "pooling": "chapters/04-pooling",
    "receptive field": "chapters/06-receptive-fields",
    "batch norm": "chapters/10-training-in-practice",
    "transposed": "chapters/08-transposed-convolution",
}

# every result: its link, whether it is an API object (Sphinx shows its kind in a
# span), and its snippet (null until the page's summary has been fetched)
RESULTS = """
return Array.from(document.querySelectorAll('#search-results ul.search > li')).map(li => {
  const a = li.querySelector('a');
  const context = li.querySelector('p.context');
  return {href: a.getAttribute('href'), title: a.textContent,
          object: !!li.querySelector(':scope > span'),
          snippet: context ? context.textContent : null};
});
"""
FINISHED = ("/found|did not match/.test("
            "(document.querySelector('#search-results .search-summary') || {}).textContent || '')")
# TeX that must not reach a snippet: $...$, \( \) \[ \], or a command such as \frac
RAW_TEX = re.compile(r"\$|\\[A-Za-z]+|\\[()\[\]]")


def _search(browser, server: str, query: str) -> list[dict]:  # noqa: F811
    browser.set_window_size(1280, 1000)
    browser.get(f"{server}search.html?q={quote(query)}")
    deadline = time.time() + 30
    while not browser.execute_script(f"return {FINISHED}"):
        assert time.time() < deadline, f"the search for {query!r} never finished"
        time.sleep(0.2)
    # snippets are fetched page by page after the list is shown
    results = browser.execute_script(RESULTS)
    while any(r["snippet"] is None and not r["object"] for r in results):
        if time.time() > deadline:
            break
        time.sleep(0.3)
        results = browser.execute_script(RESULTS)
    return results


def _doc(href: str) -> str:
    return href.split("#")[0].removesuffix(".html")


@pytest.mark.parametrize("query", list(EXPECTED_TOP))
def test_search_ranks_the_explaining_chapter_first(browser, server, book, query):  # noqa: F811
    results = _search(browser, server, query)
    assert results, f"no results for {query!r}"
    listing = "\n  ".join(f"{i + 1}. {r['href']}" for i, r in enumerate(results[:8]))
    first = results[0]
    assert first["href"].startswith("chapters/"), (
        f"{query!r}: the first result is not a chapter:\n  {listing}")
    assert _doc(first["href"]) == EXPECTED_TOP[query], (
        f"{query!r}: expected {EXPECTED_TOP[query]} first, got:\n  {listing}")

    # a chapter found by its title and by its text is one result ("4. Pooling" once)
    hrefs = [r["href"] for r in results if r["href"].startswith("chapters/")]
    assert len(set(hrefs)) == len(hrefs), (
        f"{query!r}: a chapter result listed twice:\n  {listing}")

    chapters = [i for i, r in enumerate(results) if r["href"].startswith("chapters/")]
    api = [i for i, r in enumerate(results)
           if r["object"] or r["href"].startswith("reference/api")]
    if chapters and api:
        assert max(chapters) < min(api), (
            f"{query!r}: an API result ({results[min(api)]['href']}) comes before the "
            f"chapter {results[max(chapters)]['href']}")


@pytest.mark.parametrize("query", ["stride", "receptive field", "batch norm"])
def test_search_snippets_are_plain_text(browser, server, book, query):  # noqa: F811
    results = _search(browser, server, query)
    snippets = [r for r in results if not r["object"]]
    assert snippets and all(r["snippet"] for r in snippets), (
        f"{query!r}: results without a snippet: "
        + ", ".join(r["href"] for r in snippets if not r["snippet"]))
    raw = [f"{r['href']}: ...{RAW_TEX.search(r['snippet']).group(0)}... in "
           f"{r['snippet'][:160]!r}" for r in snippets if RAW_TEX.search(r["snippet"])]
    assert not raw, f"{query!r}: snippets show TeX:\n  " + "\n  ".join(raw)
    # the first chapter's snippet quotes prose that uses the word
    words = query.split()
    assert any(w in snippets[0]["snippet"].lower() for w in words), snippets[0]
