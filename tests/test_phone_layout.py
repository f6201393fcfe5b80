"""The built book at phone width (390 CSS px, an iPhone 12 to 15), in Chromium.

On every page of the table of contents:

- nothing widens the page: the document is no wider than the screen, so the
  reader never scrolls the whole page sideways (a long signature, a table or a
  code block scrolls inside its own box instead);
- no image is distorted: every image shown keeps its natural aspect ratio
  within 2 % (an ``<img height=...>`` attribute squeezed by ``max-width: 100%``
  did not).

Needs Chromium, as tests/test_browser.py (whose fixtures this uses).
"""

from __future__ import annotations

import time

import pytest
from test_browser import _toc_docs, book, browser, server  # noqa: F401  (fixtures)

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}

REPORT = """
const doc = document.documentElement;
const view = arguments[0];  // the phone's width (a wider page widens the layout viewport)
// the widest elements that stick out past the screen's right edge
const wide = [];
document.querySelectorAll('body *').forEach(el => {
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.right > view + 1) {
    let hidden = false;  // inside a box that scrolls or clips it: not the page's width
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (/(auto|scroll|hidden|clip)/.test(s.overflowX)
          && p.getBoundingClientRect().right <= view + 1) {
        hidden = true;
        break;
      }
    }
    if (!hidden) wide.push(el);
  }
});
const outermost = wide.filter(el => !wide.some(o => o !== el && o.contains(el)));
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (el.className && typeof el.className === 'string'
     ? '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '')
  + ' right=' + Math.round(el.getBoundingClientRect().right);
const images = Array.from(document.querySelectorAll('img')).filter(img => {
  const r = img.getBoundingClientRect();
  return img.complete && img.naturalWidth > 0 && r.width > 0 && r.height > 0;
}).map(img => {
  const r = img.getBoundingClientRect();
  return {src: (img.getAttribute('src') || '').slice(-60),
          shown: r.width / r.height, natural: img.naturalWidth / img.naturalHeight,
          width: r.width, height: r.height};
});
return {view: view, scroll: doc.scrollWidth, offenders: outermost.slice(0, 8).map(describe),
        images: images};
"""


def _at_phone_width(browser, url: str) -> dict:  # noqa: F811
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        browser.get(url)
        deadline = time.time() + 30
        while browser.execute_script("return document.readyState") != "complete":
            assert time.time() < deadline, f"{url} did not load"
            time.sleep(0.2)
        # images decoded, widgets drawn, MathJax typeset (all change widths)
        browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "Promise.all(Array.from(document.images).map(i => i.decode().catch(() => 0)))"
            ".then(() => (window.MathJax && MathJax.startup && MathJax.startup.promise)"
            " || 0).then(() => done(), () => done());")
        time.sleep(0.3)
        return browser.execute_script(REPORT, PHONE["width"])
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("doc", _toc_docs())
def test_page_fits_a_phone(browser, server, book, doc):  # noqa: F811
    report = _at_phone_width(browser, f"{server}{doc}.html")
    assert report["scroll"] <= report["view"], (
        f"{doc}: the page is {report['scroll']} px wide on a {report['view']} px screen; "
        "wider than the screen: " + "; ".join(report["offenders"]))
    distorted = [f"{i['src']}: shown {i['width']:.0f}x{i['height']:.0f} "
                 f"(ratio {i['shown']:.3f}, natural {i['natural']:.3f})"
                 for i in report["images"] if abs(i["shown"] / i["natural"] - 1) > 0.02]
    assert not distorted, f"{doc}: images distorted at phone width:\n  " + "\n  ".join(distorted)
