#!/usr/bin/env bash
# Maintainers only: regenerate vendor/ from the npm registry (a reader never runs this;
# `make book` uses the committed vendor/ tree).  Needs npm and sha256sum.
#   bash tools/update_vendor.sh
# Pinned versions; change them here and in THIRD_PARTY_NOTICES.md together.
set -euo pipefail
MATHJAX=3.2.2
REQUIREJS=2.3.7
HTML_MANAGER=1.0.15
PYODIDE=0.27.7

cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "mathjax@$MATHJAX" "requirejs@$REQUIREJS" \
      "@jupyter-widgets/html-manager@$HTML_MANAGER" "pyodide@$PYODIDE" >/dev/null )
for t in "$tmp"/*.tgz; do mkdir -p "${t%.tgz}"; tar xzf "$t" -C "${t%.tgz}"; done

rm -rf vendor/mathjax vendor/requirejs vendor/html-manager vendor/pyodide
# MathJax 3: the combined TeX+MathML -> CommonHTML component Sphinx loads, the TeX
# extensions it autoloads, and the CommonHTML web fonts (woff).
m="$tmp/mathjax-$MATHJAX/package"
mkdir -p vendor/mathjax/es5/input/tex vendor/mathjax/es5/output/chtml/fonts
cp "$m/LICENSE" vendor/mathjax/
cp "$m/es5/tex-mml-chtml.js" vendor/mathjax/es5/
cp -r "$m/es5/input/tex/extensions" vendor/mathjax/es5/input/tex/
cp -r "$m/es5/output/chtml/fonts/woff-v2" vendor/mathjax/es5/output/chtml/fonts/
# RequireJS: the AMD loader the widget bundle needs.
r="$tmp/requirejs-$REQUIREJS/package"
mkdir -p vendor/requirejs
cp "$r/require.js" vendor/requirejs/   # its licence (MIT) is in its header
# @jupyter-widgets/html-manager: renders the widget snapshots stored in the chapters.
# The AMD bundle carries the base, controls and output widgets; keep its icon fonts (woff2/woff).
h="$tmp/jupyter-widgets-html-manager-$HTML_MANAGER/package"
mkdir -p vendor/html-manager
cp "$h/dist/embed-amd.js" vendor/html-manager/
cp "$h"/dist/*.woff2 "$h"/dist/*.woff vendor/html-manager/
# BSD-3-Clause (package.json; the package ships no LICENSE file): the notices of the code
# bundled into it are in the LICENSE.txt of the same build's embed.js.
cp "$h/dist/embed.js.LICENSE.txt" vendor/html-manager/BUNDLED-LICENSES.txt
# Pyodide: only the official lock file and the checksums of the core files.  The core and
# the package wheels themselves are fetched with pip at build time and checked against these.
p="$tmp/pyodide-$PYODIDE/package"
mkdir -p vendor/pyodide
cp "$p/pyodide-lock.json" vendor/pyodide/
( cd "$p" && sha256sum pyodide.js pyodide.mjs pyodide.asm.js pyodide.asm.wasm python_stdlib.zip ) \
  > vendor/pyodide/core.sha256
# a checksum of every vendored file, so a change to any of them shows in review
( cd vendor && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum ) > vendor/SHA256SUMS
du -sh vendor/*
