"""The built book in a real browser, with no network.

The book in _build/html is served from 127.0.0.1 and opened in headless Chromium in
which every other host name is unresolvable.  Each page must load with no request to
another host, no failed request and no console error, with its maths typeset and every
embedded widget rendered.  Then one chapter is opened live (JupyterLite, Pyodide): its
cells run, a slider is moved, and the figure it drives must change.

Needs Debian's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver)
and `selenium` (requirements.txt).  Without Chromium these tests skip, except under CI=true
where they fail.  They use the book `make book` (or tests/test_book.py) built; if there is
none they build it first.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# BOOK_HTML: test another built copy of the book (a helper's own build, say)
HTML = Path(os.environ.get("BOOK_HTML") or ROOT / "_build" / "html")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ENABLE_HINT = (
    "browser tests need Chromium and its driver: `sudo apt-get install chromium "
    "chromium-driver` (Debian/Ubuntu), then `make test` again"
)
# Chromium's own background requests (account, update and search-engine services) are
# made outside the page; they fail to resolve here and are not the book's.  They are
# recognised by never having been sent from the page, so only page requests are judged.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1280,1000",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


# ---------------------------------------------------------------- which pages


def _toc_docs() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", d) for d in docs]


LIVE_PREFERRED = "chapters/05-cnn-block"  # One CNN block: step-through sliders, quick to run


def _live_chapter() -> str | None:
    """The chapter opened live: LIVE_PREFERRED, else the first one with a widget."""
    docs = _toc_docs()
    if LIVE_PREFERRED in docs:
        docs.insert(0, LIVE_PREFERRED)
    for doc in docs:
        nb = ROOT / f"{doc}.ipynb"
        if nb.is_file() and "application/vnd.jupyter.widget-view+json" in nb.read_text():
            return doc
    return None


PAGES = _toc_docs() + ["search", "genindex"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def book() -> Path:
    """The built book; build it (as `make book` does) when there is none."""
    if not (HTML / "index.html").is_file() or not (HTML / "lite" / "index.html").is_file():
        jb = Path(sys.executable).with_name("jupyter-book")
        subprocess.run([str(jb), "build", str(ROOT), "--keep-going"], check=True,
                       stdout=subprocess.DEVNULL)
    assert (HTML / "index.html").is_file(), "the book did not build"
    return HTML


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".ipynb": "application/json",
        ".whl": "application/octet-stream",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
    }

    served: dict[str, int] = {}  # bytes sent per path, for the live-mode download sizes
    lock = threading.Lock()

    def copyfile(self, source, outputfile) -> None:
        start = source.tell()
        super().copyfile(source, outputfile)
        with self.lock:
            path = urlsplit(self.path).path
            self.served[path] = self.served.get(path, 0) + source.tell() - start

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def server(book):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(book))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _find(names: list[str]) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    chromium = _find(["chromium", "chromium-browser", "google-chrome"])
    driver_path = _find(["chromedriver"])
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if not (chromium and driver_path and webdriver):
        missing = ", ".join(n for n, ok in [("chromium", chromium), ("chromedriver", driver_path),
                                            ("selenium", webdriver)] if not ok)
        if IN_CI:
            pytest.fail(f"CI=true and {missing} missing: {ENABLE_HINT}")
        pytest.skip(f"{missing} not found: {ENABLE_HINT}")

    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROMIUM_ARGS + [f"--user-data-dir={profile}"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # explicit paths: selenium must not try to download a browser or a driver
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- what a page did


class Traffic:
    """Requests, failures and console messages since the last drain."""

    def __init__(self, driver, base: str):
        self.driver, self.origin = driver, urlsplit(base).netloc
        self.urls: dict[str, str] = {}
        self.external: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []

    def drain(self) -> Traffic:
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            method, params = msg["method"], msg.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                self.urls[params["requestId"]] = url
                parts = urlsplit(url)
                if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.origin:
                    self.external.append(url)
            elif method == "Network.loadingFailed" and params["requestId"] in self.urls:
                if not params.get("canceled"):
                    self.failed.append(f"{self.urls[params['requestId']]}: {params['errorText']}")
            elif method == "Network.responseReceived":
                status = params["response"]["status"]
                if status >= 400:
                    self.failed.append(f"{params['response']['url']}: HTTP {status}")
        for entry in self.driver.get_log("browser"):
            # Leaving a live notebook with unsaved edits makes JupyterLab ask "leave
            # this page?"; headless Chromium refuses to show the prompt and logs that as
            # SEVERE.  It is the browser's message about the page we left, not an error
            # of the page being tested, so it alone is not counted.
            if entry["level"] == "SEVERE" and "'beforeunload' confirmation panel" not in (
                    entry["message"]):
                self.console.append(entry["message"])
        return self

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {u}" for u in self.external]
            + [f"failed request: {f}" for f in self.failed]
            + [f"console error: {c}" for c in self.console]
        )


def _wait(driver, condition: str, timeout: float, what: str) -> None:
    """Poll a JavaScript expression until it is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.execute_script(f"return !!({condition})"):
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


MATHJAX_READY = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !window.MathJax.startup || !window.MathJax.startup.promise) {
  done(window.MathJax ? 'pending' : 'absent');
} else {
  window.MathJax.startup.promise.then(() => done('ready'), (e) => done('failed: ' + e));
}
"""

PAGE_REPORT = f"""
const views = Array.from(document.querySelectorAll('{WIDGET_VIEW}'));
const rendered = views.filter(s => {{
  const area = s.parentElement.querySelector('.widget-subarea .jupyter-widgets');
  return area && !s.parentElement.querySelector('.jupyter-widgets-error-widget, .widget-error');
}});
const maths = Array.from(document.querySelectorAll('.math'));
return {{
  views: views.length,
  rendered: rendered.length,
  maths: maths.length,
  typeset: maths.filter(m => m.querySelector('mjx-container')).length,
  mathErrors: document.querySelectorAll('mjx-merror').length,
  rawLabels: Array.from(document.querySelectorAll('.widget-label'))
                  .filter(l => /\\$[^$]+\\$/.test(l.textContent)).length,
}};
"""


def _open(driver, url: str) -> dict:
    driver.get(url)
    _wait(driver, "document.readyState === 'complete'", 30, f"{url} to load")
    deadline = time.time() + 20
    while (state := driver.execute_async_script(MATHJAX_READY)) == "pending":
        assert time.time() < deadline, "MathJax never started"
        time.sleep(0.2)
    assert state in ("ready", "absent"), f"MathJax: {state}"
    _wait(
        driver,
        f"Array.from(document.querySelectorAll('{WIDGET_VIEW}')).every("
        "s => s.parentElement.querySelector('.widget-subarea'))",
        30, f"the widgets of {url} to render",
    )
    time.sleep(0.3)  # let widget labels go through MathJax
    driver.execute_async_script(MATHJAX_READY)
    return driver.execute_script(PAGE_REPORT)


def _check_page(browser, server, page: str) -> None:
    traffic = Traffic(browser, server)
    traffic.drain()  # discard what came before
    try:
        report = _open(browser, server + page)
    except AssertionError as err:
        problems = traffic.drain().problems()
        raise AssertionError(f"{page}: {err}\n  " + "\n  ".join(problems)) from None
    problems = traffic.drain().problems()
    if report["views"] != report["rendered"]:
        problems.append(f"{report['views'] - report['rendered']} of {report['views']} "
                        "widgets not rendered")
    if report["typeset"] != report["maths"]:
        problems.append(f"{report['maths'] - report['typeset']} of {report['maths']} "
                        "maths elements not typeset by MathJax")
    if report["mathErrors"]:
        problems.append(f"{report['mathErrors']} MathJax errors")
    if report["rawLabels"]:
        problems.append(f"{report['rawLabels']} widget labels with untypeset $...$")
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("doc", PAGES)
def test_page_offline(browser, server, book, doc):
    page = f"{doc}.html"
    if not (book / page).is_file():
        pytest.fail(f"{page} was not built")
    _check_page(browser, server, page)


def test_other_pages_offline(browser, server, book):
    """Every other page the build wrote (API reference, bibliography, ...)."""
    seen = {f"{d}.html" for d in PAGES}
    others = sorted(
        p.relative_to(book).as_posix() for p in book.rglob("*.html")
        if p.relative_to(book).parts[0] not in ("lite", "_static", "_sources", "_images")
        and p.relative_to(book).as_posix() not in seen
    )
    failures = []
    for page in others:
        try:
            _check_page(browser, server, page)
        except AssertionError as err:
            failures.append(str(err))
    assert not failures, "\n".join(failures)


def test_chapters_link_to_live_copy(book):
    for doc in _toc_docs():
        if (ROOT / f"{doc}.ipynb").is_file():
            html = (book / f"{doc}.html").read_text()
            name = Path(doc).name
            link = re.search(r'<a [^>]*href="[^"]*lite/notebooks/index\.html\?path='
                             + re.escape(name) + r'\.ipynb"[^>]*>', html)
            assert link, f"{doc}.html has no 'Run this chapter live' link"
            # a new tab: the reader keeps their place in the book
            assert 'target="_blank"' in link.group(0), f"{doc}.html: live link not in a new tab"
            assert (book / "lite" / "files" / f"{name}.ipynb").is_file()


def test_live_link_disabled_on_file_pages(browser, book):
    """Opened as a file, a chapter's live button is disabled and says `make serve`."""
    doc = next(d for d in _toc_docs() if (ROOT / f"{d}.ipynb").is_file())
    browser.get((book / f"{doc}.html").as_uri())
    _wait(browser, "document.readyState === 'complete'", 30, "the page to load")
    state = browser.execute_script("""
        const a = document.querySelector('a.book-run-live-button');
        const note = document.querySelector('.book-run-live-note');
        return {href: a.getAttribute('href'), disabled: a.classList.contains('disabled'),
                note: note.textContent, code: note.querySelectorAll('code').length};""")
    assert state["href"] is None and state["disabled"], state
    assert "make serve" in state["note"] and "`" not in state["note"], state
    assert state["code"] == 2, state


KERNEL_STATUS = """
try {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : 'none';
} catch (e) { return 'none'; }
"""

NOTEBOOK_STATE = """
const nb = window.jupyterapp.shell.currentWidget;
const cells = nb.content.widgets.filter(c => c.model.type === 'code');
const stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
return {
  cells: cells.length,
  done: cells.filter(c => c.model.executionCount !== null).length,
  counts: cells.map(c => c.model.executionCount),
  errors: Array.from(document.querySelectorAll(stderr)).map(e => e.textContent)
               .filter(t => /Error|Traceback/.test(t)).map(t => t.slice(-1500)),
  sliders: document.querySelectorAll('.jp-OutputArea .widget-slider .noUi-handle').length,
  busy: nb.sessionContext.session.kernel.status,
};
"""

# The text each code cell printed, in notebook order (the live copy has two setup cells
# in front, and a stored-result cell after each %%live_skip cell).
PRINTED = """
const nb = window.jupyterapp.shell.currentWidget.content;
return nb.widgets.filter(c => c.model.type === 'code').map(c => {
  const outs = c.model.outputs.toJSON();
  return {id: c.model.id, source: c.model.sharedModel.getSource(),
          text: outs.map(o => o.output_type === 'stream' ? o.text : '').join('')};
});
"""

MARKDOWN_TEXT = """
return Array.from(document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown'))
            .map(e => e.textContent).join('\\n');
"""

IMAGES_NEAR_SLIDER = """
let handle = document.querySelector('[data-book-test="slider"]');
if (!handle) {
  const handles = Array.from(
    document.querySelectorAll('.jp-OutputArea .widget-slider .noUi-handle'));
  // a slider whose output area also shows an image (the figure it drives), else the first
  handle = handles.find(h => h.closest('.jp-OutputArea').querySelector('img')) || handles[0];
  handle.setAttribute('data-book-test', 'slider');
  handle.scrollIntoView({block: 'center'});
}
const area = handle.closest('.jp-OutputArea');
return {images: Array.from(area.querySelectorAll('img')).map(i => i.src.slice(-200))};
"""

# A widget without a slider (menus, toggle buttons): the first such control in an output
# area that shows a figure.  Returns a description, or null when there is none.
MARK_OTHER_CONTROL = """
const areas = Array.from(document.querySelectorAll('.jp-OutputArea'))
                   .filter(a => a.querySelector('img'));
for (const area of areas) {
  const select = area.querySelector('.widget-dropdown select');
  const toggles = area.querySelector('.widget-toggle-buttons');
  const control = select || toggles;
  if (control) {
    control.setAttribute('data-book-test', 'control');
    control.scrollIntoView({block: 'center'});
    return select ? 'menu' : 'toggle buttons';
  }
}
return null;
"""

# Change that control as a reader would: the next menu entry, or another toggle button.
CHANGE_OTHER_CONTROL = """
const control = document.querySelector('[data-book-test="control"]');
window.__redraw.changes.push(performance.now());
if (control.tagName === 'SELECT') {
  control.selectedIndex = (control.selectedIndex + 1) % control.options.length;
  control.dispatchEvent(new Event('change', {bubbles: true}));
} else {
  const buttons = Array.from(control.querySelectorAll('button'));
  const other = buttons.find(b => !b.classList.contains('mod-active'));
  other.click();
}
"""

# Timestamps (performance.now(), ms) of the control's value changes and of the figure's
# image changes in one output area, recorded by the page itself: the redraw is measured
# from the reader's last change to the figure that shows it, without the test's own
# round trips.  arguments[0]: an element of that output area.
WATCH_REDRAW = """
const area = arguments[0].closest('.jp-OutputArea');
if (window.__redraw) { window.__redraw.stop(); }
const record = {changes: [], images: []};
const observer = new MutationObserver(mutations => {
  for (const m of mutations) {
    if (m.target.tagName === 'IMG' && m.attributeName === 'src') {
      record.images.push(performance.now());
    } else if (m.attributeName === 'aria-valuenow') {
      record.changes.push(performance.now());
    }
  }
});
observer.observe(area, {attributes: true, subtree: true,
                        attributeFilter: ['src', 'aria-valuenow']});
record.stop = () => observer.disconnect();
window.__redraw = record;
"""

LIVE_PATHS = ("/lite/static/pyodide/", "/lite/pypi/",
              "/lite/extensions/@jupyterlite/pyodide-kernel-extension/static/pypi/")


def _downloaded() -> dict:
    """Bytes the server sent since the last call (the kernel's requests come from a web
    worker, which the page's network log does not show): Python (Pyodide and the
    wheels) and everything."""
    with _Quiet.lock:
        served = dict(_Quiet.served)
        _Quiet.served.clear()
    python = sum(n for path, n in served.items() if any(p in path for p in LIVE_PATHS))
    return {"python_mb": round(python / 1e6, 1), "total_mb": round(sum(served.values()) / 1e6, 1)}


def _run_live(browser, server: str, doc: str, timeout: float = 180) -> tuple[Traffic, dict]:
    """Open a chapter's live copy, wait for the kernel, run every cell; return timings
    (kernel ready, Run All, the slowest cells) and what was downloaded."""
    name = Path(doc).name
    traffic = Traffic(browser, server)
    traffic.drain()
    # a first visit: nothing in the browser's cache (what the intro cell announces)
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    _downloaded()
    t0 = time.time()
    browser.get(f"{server}lite/notebooks/index.html?path={name}.ipynb")
    _wait(browser, "window.jupyterapp && window.jupyterapp.shell.currentWidget", 60,
          "JupyterLite to open the notebook")
    deadline = time.time() + 150
    while browser.execute_script(KERNEL_STATUS) != "idle":
        assert time.time() < deadline, "the Pyodide kernel did not start within 150 s"
        time.sleep(0.5)
    t_kernel = time.time() - t0

    t1 = time.time()
    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.time() + timeout
    finished: dict[int, float] = {}
    while True:
        state = browser.execute_script(NOTEBOOK_STATE)
        now = time.time()
        for i, count in enumerate(state["counts"]):
            if count is not None and i not in finished:
                finished[i] = now
        assert not state["errors"], f"{doc}: a cell failed:\n" + "\n".join(state["errors"])
        if state["done"] == state["cells"] and state["busy"] == "idle":
            break
        assert time.time() < deadline, f"{doc} did not finish running: {state}"
        time.sleep(0.25)
    t_run = time.time() - t1
    # the run left the notebook "modified": mark it clean, so that leaving the page later
    # raises no "unsaved changes" prompt (which Chromium blocks and logs as an error)
    browser.execute_script("window.jupyterapp.shell.currentWidget.context.model.dirty = false")
    order = sorted(finished, key=finished.get)
    durations, previous = {}, t1
    for i in order:
        durations[i] = finished[i] - previous
        previous = finished[i]
    # name the slow cells by their index in the chapter notebook (what an author tags)
    ids = browser.execute_script(
        "return window.jupyterapp.shell.currentWidget.content.widgets"
        ".filter(c => c.model.type === 'code').map(c => c.model.id);")
    chapter_ids = [c.get("id") for c in
                   json.loads((ROOT / f"{doc}.ipynb").read_text())["cells"]]
    where = {k: (chapter_ids.index(i) if i in chapter_ids else "setup")
             for k, i in enumerate(ids)}
    slow = sorted(((where[k], round(s, 1)) for k, s in durations.items() if s >= 3),
                  key=lambda kv: -kv[1])
    timings = {"chapter": doc, "kernel_ready_s": round(t_kernel, 1),
               "run_all_s": round(t_run, 1),
               "cells_over_3s": [list(kv) for kv in slow],
               **_downloaded()}
    announced = json.loads((HTML / "lite" / "files" / f"{name}.ipynb").read_text())
    timings["announced_mb"] = announced["metadata"].get("book_live", {}).get("download_mb")
    # what the intro cell says the chapter downloads is what it downloads
    assert timings["announced_mb"] and \
        abs(timings["python_mb"] - timings["announced_mb"]) <= 0.1 * timings["announced_mb"], \
        f"{doc}: the intro cell announces {timings['announced_mb']} MB, " \
        f"{timings['python_mb']} MB were loaded"
    return traffic, timings


def _at_rest(browser, script: str) -> dict:
    """Wait until the kernel is idle and the figure has not changed for half a second."""
    before = browser.execute_script(script)
    deadline = time.time() + 60
    while True:
        time.sleep(0.5)
        now = browser.execute_script(script)
        if now == before and browser.execute_script(KERNEL_STATUS) == "idle":
            return now
        before = now
        assert time.time() < deadline, "the widget never came to rest"


def _redraw_time(browser, how: str) -> float:
    """Seconds from the control's last change to the last new figure, once the kernel is
    idle and the figure has stayed the same for half a second."""
    deadline, last = time.time() + 60, None
    while True:
        record = browser.execute_script("return {changes: window.__redraw.changes, "
                                        "images: window.__redraw.images};")
        if record["changes"] and record["images"] \
                and record["images"][-1] > record["changes"][-1]:
            if last == len(record["images"]) and \
                    browser.execute_script(KERNEL_STATUS) == "idle":
                break
            last = len(record["images"])
        assert time.time() < deadline, f"{how}: the figure did not change within 60 s"
        time.sleep(0.5)
    browser.execute_script("window.__redraw.stop()")
    browser.execute_script("window.jupyterapp.shell.currentWidget.context.model.dirty = false")
    return (record["images"][-1] - record["changes"][-1]) / 1000


def _move_slider(browser, keyboard: bool = False) -> float:
    """Move the chapter's slider (drag, or focus and press the right arrow key); return
    the seconds from its last change of value to the figure that shows it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    assert browser.execute_script(IMAGES_NEAR_SLIDER)["images"], "no figure next to the slider"
    _at_rest(browser, IMAGES_NEAR_SLIDER)
    handle = browser.find_element(By.CSS_SELECTOR, '[data-book-test="slider"]')
    browser.execute_script(WATCH_REDRAW, handle)
    value = handle.get_attribute("aria-valuenow")
    if keyboard:
        handle.click()
        handle.send_keys(Keys.ARROW_RIGHT)
        if handle.get_attribute("aria-valuenow") == value:  # at its maximum
            handle.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    else:
        track = handle.find_element(By.XPATH,
                                    "ancestor::div[contains(@class, 'noUi-target')]")
        step = max(12, track.size["width"] // 3)
        # drag the handle a third of the way along, as a reader would (in two moves, with
        # no pause: selenium's default glides 250 ms per move)
        ActionChains(browser, duration=0).click_and_hold(handle).move_by_offset(step // 2, 0) \
            .move_by_offset(step - step // 2, 0).release().perform()
    how = "the arrow key" if keyboard else "dragging"
    assert handle.get_attribute("aria-valuenow") != value, f"{how} did not move the slider"
    return _redraw_time(browser, how)


def _change_other_control(browser) -> tuple[str, float]:
    """For a widget without a slider: change its menu or toggle buttons; return what was
    changed and the seconds from the change to the figure that shows it."""
    from selenium.webdriver.common.by import By

    what = browser.execute_script(MARK_OTHER_CONTROL)
    assert what, "no slider, menu or toggle buttons beside a figure"
    marked = '[data-book-test="control"]'
    area_images = ("return Array.from(document.querySelector('" + marked + "')"
                   ".closest('.jp-OutputArea').querySelectorAll('img')).map(i => i.src);")
    _at_rest(browser, area_images)
    browser.execute_script(WATCH_REDRAW, browser.find_element(By.CSS_SELECTOR, marked))
    browser.execute_script(CHANGE_OTHER_CONTROL)
    return what, _redraw_time(browser, what)


# Set an exercise's answer cell in the notebook model and run it.  arguments: the
# exercise key, the answer expression.  Returns the cell's index, or -1.
FILL_ANSWER = """
const [key, answer] = arguments;
const nb = window.jupyterapp.shell.currentWidget.content;
const index = nb.widgets.findIndex(c => c.model.type === 'code'
    && c.model.sharedModel.getSource().includes('check("' + key + '", '));
if (index < 0) { return -1; }
const cell = nb.widgets[index];
const source = cell.model.sharedModel.getSource();
const name = source.match(new RegExp('check\\\\("' + key + '", (\\\\w+)\\\\)'))[1];
cell.model.sharedModel.setSource(source.replace(
    new RegExp('^' + name + ' = None.*$', 'm'), name + ' = ' + answer));
nb.activeCellIndex = index;
nb.deselectAll();
window.jupyterapp.commands.execute('notebook:run-cell');
return index;
"""

CELL_OUTPUT = """
const cell = window.jupyterapp.shell.currentWidget.content.widgets[arguments[0]];
return {count: cell.model.executionCount, source: cell.model.sharedModel.getSource(),
        text: cell.node.querySelector('.jp-OutputArea') ?
              cell.node.querySelector('.jp-OutputArea').textContent : ''};
"""

# One exercise per chapter, answered right: the answers are worked by hand from the
# exercise's text (not taken from the checker), so the live check must say "Right".
RIGHT_ANSWERS = {
    "chapters/01-images-as-tensors": ("images-ex-3", "2 // 2"),  # stride 2, 2-pixel shift
    "chapters/02-convolution": ("conv-ex-2a", "28 - 5 + 1"),
    "chapters/03-relu": ("relu-ex-1a", "3 + 3 + 3 - 2"),  # three 3x3 kernels composed
    "chapters/04-pooling": ("pool-ex-1a", "(7 - 3) // 2 + 1"),
    "chapters/05-cnn-block": ("block-ex-4a", "16 * 32 * 3 * 3 + 32"),
    "chapters/06-receptive-fields": ("rf-ex-2a", "112"),  # 1 + 2 L >= 224
    "chapters/07-backprop": ("backprop-ex-2", "25 - 4 * 4"),  # windows cover rows/cols 0-3
    "chapters/08-transposed-convolution": ("transp-ex-1", "(5 - 1) * 2 - 2 * 1 + 3 + 1"),
    "chapters/09-cnn-from-scratch": ("scratch-ex-1b", "3 * 8 * 5 * 5 + 8"),
    # batch 1, 1, 1, 5: mean 2, unbiased variance 12 / 3; momentum 0.1 from (0, 1)
    "chapters/10-training-in-practice": ("train-ex-2b", "[0.1 * 2, 0.9 * 1 + 0.1 * 4]"),
    "chapters/11-what-a-cnn-sees": ("sees-ex-1", "3 + 1 + 2 * 2"),  # conv 3, pool 2, conv 3
    "chapters/12-architectures": ("arch-ex-1", "3 * 9 / 49"),
    "chapters/13-transfer-learning": ("transfer-ex-1", "8_393_728 + 512 * 5 + 5"),
}


def _check_exercise(browser, doc: str) -> str:
    """Fill in the chapter's exercise with its right answer, run its check cell, and
    return the key; the feedback must say it is right."""
    assert doc in RIGHT_ANSWERS, f"{doc}: no exercise answer in RIGHT_ANSWERS"
    key, answer = RIGHT_ANSWERS[doc]
    ran = max((c for c in browser.execute_script(NOTEBOOK_STATE)["counts"] if c), default=0)
    index = browser.execute_script(FILL_ANSWER, key, answer)
    assert index >= 0, f"{doc}: no cell runs check({key!r}, ...)"
    deadline = time.time() + 60
    while True:
        time.sleep(0.3)
        out = browser.execute_script(CELL_OUTPUT, index)
        if (out["count"] or 0) > ran and browser.execute_script(KERNEL_STATUS) == "idle":
            break
        assert time.time() < deadline, f"{doc}: {key} answered {answer} did not run"
    assert answer in out["source"], out["source"]
    assert "✓ Right" in out["text"] and "Not yet" not in out["text"], out["text"]
    browser.execute_script("window.jupyterapp.shell.currentWidget.context.model.dirty = false")
    return key


# Issue 15's targets for the live pages (on two cores): a kernel ready within 10 s, Run
# All within 45 s, every redraw after a control moves within 0.5 s (a widget that
# retrains a network on each move, chapter 09's, is timed the same way).  Each chapter's
# misses are recorded with its timings; BOOK_LIVE_STRICT=1 makes a miss fail the test
# (off by default: on a shared, loaded machine the figures say more about the load).
LIVE_TARGETS = {"kernel_ready_s": 10.0, "run_all_s": 45.0, "slider_redraw_s": 0.5,
                "arrow_key_redraw_s": 0.5, "menu_redraw_s": 0.5,
                "toggle_buttons_redraw_s": 0.5}


def _over_targets(timings: dict) -> list[str]:
    return [f"{key} {timings[key]} > {limit}" for key, limit in LIVE_TARGETS.items()
            if timings.get(key) is not None and timings[key] > limit]


def _record(timings: dict) -> None:
    """Append one chapter's live timings to _build/live-timings.json."""
    path = HTML.parent / "live-timings.json"
    try:
        rows = json.loads(path.read_text())
        rows = rows if isinstance(rows, list) else []
    except (OSError, ValueError):
        rows = []
    rows = [r for r in rows if r.get("chapter") != timings["chapter"]] + [timings]
    path.write_text(json.dumps(rows, indent=1) + "\n")
    print("live:", timings)


def _printed_differences(browser, doc: str) -> list:
    """Code cells (numbered as in the chapter) whose printed text differs from the book's,
    each with its first differing line, as [cell, book's line, live line]."""
    cells = json.loads((ROOT / f"{doc}.ipynb").read_text())["cells"]
    index = {c.get("id"): i for i, c in enumerate(cells)}
    differ = []
    for ours in browser.execute_script(PRINTED):
        if ours["source"].startswith("%%live_skip") or ours["id"] not in index:
            continue  # skipped live, or the setup cell
        i = index[ours["id"]]
        text = "".join(o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                       for o in cells[i].get("outputs", []) if o["output_type"] == "stream")
        if text and ours["text"].strip() != text.strip():
            book_lines = text.strip().splitlines()
            live_lines = ours["text"].strip().splitlines()
            live_lines += [""] * (len(book_lines) - len(live_lines))
            pairs = zip(book_lines, live_lines[:len(book_lines)], strict=True)
            first = next(((a, b) for a, b in pairs if a != b), ("", ""))
            differ.append([i, first[0][:100], first[1][:100]])
    return differ


def test_live_chapter_slider_redraws(browser, server, book):
    """Open a chapter live, run it, move a slider (drag, then arrow key): the figure
    must change.  Also: the menus hold no dead item, no MyST shows as raw text, and a
    reload shows the book's version again (nothing kept in the browser's storage)."""
    doc = _live_chapter()
    if doc is None:
        pytest.skip("no chapter in the table of contents has a widget")

    traffic, timings = _run_live(browser, server, doc)
    assert browser.execute_script(NOTEBOOK_STATE)["sliders"], f"{doc} shows no slider live"
    # the static page's "Snapshot" badge stays hidden where the widget runs
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('.cnnlib-snapshot-badge'))"
        ".filter(b => b.offsetParent !== null).length;")
    assert shown == 0, f"{shown} 'Snapshot' badges shown live"
    timings["slider_redraw_s"] = round(_move_slider(browser), 2)
    timings["arrow_key_redraw_s"] = round(_move_slider(browser, keyboard=True), 2)
    timings["printed_cells_differing"] = _printed_differences(browser, doc)
    if doc in RIGHT_ANSWERS:
        timings["exercise_checked"] = _check_exercise(browser, doc)
    _record(timings)

    menus = browser.execute_script("""
        const res = {};
        for (const w of window.jupyterapp.shell.widgets('menu')) {
          for (const m of (w.menus || [])) {
            res[m.title.label] = m.items.filter(i => i.type === 'command' && i.isVisible)
                                        .map(i => i.command);
          }
        }
        return res;""")
    assert "application:open-lab" not in menus["View"], "View -> Open JupyterLab (404)"
    assert "apputils:licenses" not in menus["Help"], "Help -> Licenses (404)"
    assert "docmanager:download" in menus["File"], "no File -> Download"
    text = browser.execute_script(MARKDOWN_TEXT)
    for raw in (":label:", ":class:", "{cite", "{ref}", "{doc}", "{numref}", "```{"):
        assert raw not in text, f"raw MyST {raw!r} in the live notebook"

    # Nothing is kept in the browser: reloading shows the book's version, unrun
    browser.refresh()
    _wait(browser, "window.jupyterapp && window.jupyterapp.shell.currentWidget "
          "&& window.jupyterapp.shell.currentWidget.context.isReady", 60, "the reload")
    state = browser.execute_script(NOTEBOOK_STATE)
    assert state["done"] == 0, f"after a reload {state['done']} cells show old outputs"
    problems = traffic.drain().problems()
    assert not problems, "the live chapter:\n  " + "\n  ".join(problems)


@pytest.mark.skipif(os.environ.get("BOOK_LIVE_ALL") != "1",
                    reason="every chapter live takes minutes: set BOOK_LIVE_ALL=1")
@pytest.mark.parametrize("doc", [d for d in _toc_docs() if (ROOT / f"{d}.ipynb").is_file()])
def test_every_chapter_runs_live(browser, server, book, doc):
    """By hand: BOOK_LIVE_ALL=1 .venv/bin/python -m pytest tests/test_browser.py -k every
    (BOOK_LIVE_STRICT=1: also fail a chapter that misses LIVE_TARGETS)

    Each chapter: kernel ready, Run All, its widget's slider moved (dragged, then the
    arrow key; a menu or toggle buttons where the widget has no slider) with the time to
    the redrawn figure, one exercise answered right and checked, the printed text
    compared with the book's; every figure goes to _build/live-timings.json.
    """
    traffic, timings = _run_live(browser, server, doc, timeout=600)
    if browser.execute_script(NOTEBOOK_STATE)["sliders"]:
        timings["slider_redraw_s"] = round(_move_slider(browser), 2)
        timings["arrow_key_redraw_s"] = round(_move_slider(browser, keyboard=True), 2)
    else:
        what, seconds = _change_other_control(browser)
        timings[f"{what.replace(' ', '_')}_redraw_s"] = round(seconds, 2)
    timings["printed_cells_differing"] = _printed_differences(browser, doc)
    timings["exercise_checked"] = _check_exercise(browser, doc)
    timings["load"] = round(os.getloadavg()[0], 1)  # the machine's, for the record
    timings["over_targets"] = _over_targets(timings)
    _record(timings)
    problems = traffic.drain().problems()
    assert not problems, f"{doc} live:\n  " + "\n  ".join(problems)
    if os.environ.get("BOOK_LIVE_STRICT") == "1":
        assert not timings["over_targets"], f"{doc} live: {timings['over_targets']}"


# ------------------------------------------- frozen widgets and the column (issue 14)

FROZEN_REPORT = """
const sliders = Array.from(document.querySelectorAll('.cell_output .widget-slider'));
const badges = Array.from(document.querySelectorAll('.cell_output .cnnlib-snapshot-badge'));
const live = document.querySelector('a.book-run-live-button');
return {
  views: document.querySelectorAll('.cell_output ' + arguments[0]).length,
  sliders: sliders.length,
  enabled: sliders.filter(s => {
    const target = s.querySelector('.noUi-target, input[type=range], .slider');
    return !(target && (target.hasAttribute('disabled') || target.disabled));
  }).length,
  badges: badges.length,
  visible: badges.filter(b => b.offsetParent !== null
                              && getComputedStyle(b).display !== 'none').length,
  hrefs: badges.map(b => (b.querySelector('a') || {}).getAttribute
                         ? b.querySelector('a').getAttribute('href') : null),
  live: live ? live.getAttribute('href') : null,
};
"""


def test_static_widgets_are_frozen_snapshots(browser, server, book):
    """In the static page a widget's slider is disabled and the widget carries a
    visible "Snapshot · Run this chapter live" badge linking to the live copy."""
    doc = "chapters/02-convolution"
    if not (book / f"{doc}.html").is_file():
        pytest.skip(f"{doc} is not in the book")
    _open(browser, f"{server}{doc}.html")
    time.sleep(0.5)  # figures.js wires the badges as widgets render
    report = browser.execute_script(FROZEN_REPORT, WIDGET_VIEW)
    assert report["sliders"], f"{doc} shows no slider"
    assert report["enabled"] == 0, (
        f"{report['enabled']} of {report['sliders']} sliders can still be dragged "
        "(run tools/execute_chapters.py --freeze-only on the chapter)")
    assert report["badges"] >= 1 and report["visible"] == report["badges"], report
    assert report["live"] and all(h == report["live"] for h in report["hrefs"]), report


COLUMN_REPORT = """
const column = document.querySelector('#main-content article.bd-article')
               || document.querySelector('article.bd-article');
const width = column.clientWidth;
const offenders = [];
const cells = Array.from(column.querySelectorAll('.cell'));
cells.forEach((cell, i) => {
  const label = 'cell ' + (i + 1) + (cell.id ? ' (' + cell.id + ')' : '');
  cell.querySelectorAll('.cell_input pre').forEach(pre => {
    if (pre.scrollWidth > width + 1 || pre.scrollWidth > pre.clientWidth + 1) {
      offenders.push(label + ': code ' + pre.scrollWidth + ' px');
    }
  });
  cell.querySelectorAll('.cell_output .widget-subarea > *').forEach(w => {
    if (w.scrollWidth > width + 1) {
      offenders.push(label + ': widget ' + w.scrollWidth + ' px');
    }
  });
});
return {width: width, offenders: offenders};
"""

# Chapters still being fixed by their authors when this test was written
# (measured at 1280 px on the build of 2026-12-04); strict=False, so a chapter
# that is fixed passes and nothing needs undoing.
WIDE_AT_1280: dict[str, str] = {}


def _column_params():
    docs = [d for d in _toc_docs() if (ROOT / f"{d}.ipynb").is_file()]
    return [pytest.param(d, marks=pytest.mark.xfail(strict=False, reason=WIDE_AT_1280[d]))
            if d in WIDE_AT_1280 else d for d in docs]


@pytest.mark.parametrize("doc", _column_params())
def test_widgets_and_code_fit_the_column(browser, server, book, doc):
    """At 1280 px no widget and no code cell is wider than the text column."""
    browser.set_window_size(1280, 1000)
    _open(browser, f"{server}{doc}.html")
    report = browser.execute_script(COLUMN_REPORT)
    assert not report["offenders"], (
        f"{doc}: wider than the {report['width']} px column:\n  "
        + "\n  ".join(report["offenders"]))
