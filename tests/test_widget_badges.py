"""Every frozen widget on the static pages carries exactly one "Snapshot" badge.

A widget saved by cnnlib.widgets brings its own badge (BookWidget's frame);
one saved before that existed gets a badge from tools/static/figures.js.  The
script used to add its badge before a saved widget's own badge had rendered,
so such a widget showed two.  Needs Chromium, as tests/test_browser.py (whose
fixtures and page loader this uses).
"""

from __future__ import annotations

import time

import pytest
from test_browser import ROOT, _open, _toc_docs, book, browser, server  # noqa: F401

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHAPTERS = [d for d in _toc_docs() if (ROOT / f"{d}.ipynb").is_file()
            and WIDGET_VIEW in (ROOT / f"{d}.ipynb").read_text()]

BADGES = f"""
return Array.from(document.querySelectorAll('script[type="{WIDGET_VIEW}"]'))
  .map(s => Array.from(s.parentElement.querySelectorAll('.cnnlib-snapshot-badge'))
             .filter(b => b.offsetParent !== null).length);
"""


@pytest.mark.parametrize("doc", CHAPTERS)
def test_one_snapshot_badge_per_widget(browser, server, book, doc):  # noqa: F811
    _open(browser, f"{server}{doc}.html")
    deadline = time.time() + 5  # a saved widget's own badge may render a moment later
    while True:
        counts = browser.execute_script(BADGES)
        if counts and all(n == 1 for n in counts) or time.time() > deadline:
            break
        time.sleep(0.25)
    assert counts, f"{doc}: no widget on the page"
    assert all(n == 1 for n in counts), f"{doc}: visible badges per widget {counts}"
