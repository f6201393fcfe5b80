# Two commands for a reader:  `make book`  and  `make test`.
SHELL := /bin/bash
# Both create .venv from requirements.txt when it is missing or older than
# requirements.txt / pyproject.toml, so a fresh machine needs only python3.11 and make.
# `make test` (and `make lab`) also add requirements-lab.txt: JupyterLab and Notebook 7.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_STAMP := $(VENV)/.lab-installed
BOOK_FLAGS := --keep-going

.PHONY: book test test-portable lab execute lint clean help serve

# The chapters train small networks whose matrix products are too small for
# BLAS threads to pay off (a single thread was faster in every measurement),
# and one thread also makes every stored output bit-reproducible under nbval.
test execute: export OPENBLAS_NUM_THREADS := 1

help:
	@echo "make book     build the HTML book into _build/html/"
	@echo "make test     run every test: cnnlib, strict nbval over every chapter, the book build,"
	@echo "              every page in a real browser with no network, one chapter run live,"
	@echo "              one chapter in JupyterLab and in Notebook 7 (so it also installs"
	@echo "              requirements-lab.txt, about 26 MB, into .venv);"
	@echo "              then strict nbval over the chapters again with a second kind of"
	@echo "              OpenBLAS kernels (Haswell), so the stored outputs hold on other CPUs"
	@echo "make test-portable  strict nbval over the chapters under every OpenBLAS kernel"
	@echo "              family this CPU can run, at 1 and 2 BLAS threads (authors; 30-60 min)"
	@echo "make serve    serve the built book on http://127.0.0.1:8000/ (to run chapters live)"
	@echo "make lab      open working copies of the chapters (lab/) in JupyterLab, sliders live"
	@echo "make execute  re-run every chapter and store its outputs (authors only)"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --config-settings editable_mode=compat -e . \
	  || $(BIN)/python -m pip install --quiet --no-deps --config-settings editable_mode=compat -e .
	@touch $(STAMP)

# JupyterLab and Notebook 7 on top of requirements.txt, for `make lab` and
# tests/test_lab.py.  `make book` does not need them, and they do not change what it
# builds: the live site takes only the extensions tools/build_live.py names
# (ignore_sys_prefix), and tools/lab.py keeps the live site's Pyodide kernel extension
# out of JupyterLab.  Re-run after `$(STAMP)`, so a changed pin in requirements.txt
# that the lab pins cannot follow fails here, not in the middle of the tests.
$(LAB_STAMP): requirements-lab.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-lab.txt
	@touch $(LAB_STAMP)

book: $(STAMP)
	set -eo pipefail; $(BIN)/jupyter-book build . $(BOOK_FLAGS)
	@echo
	@echo "The book is at: file://$(CURDIR)/_build/html/index.html"
	@echo "To run its chapters live in the page: make serve, then open http://127.0.0.1:8000/"

# The second pass of `make test`: the stored outputs must not depend on the
# CPU's BLAS kernels. tools/check_coretype.py picks Haswell (AVX2, most laptops),
# or Sandybridge when this CPU runs Haswell kernels anyway, and confirms with
# threadpoolctl that OpenBLAS really runs them (an unknown OPENBLAS_CORETYPE
# falls back silently). PORTABLE_CHAPTERS narrows either pass to some chapters.
PORTABLE_CHAPTERS ?= chapters
# Every kernel family NumPy's OpenBLAS builds for x86-64 (Prescott is reported
# as Katmai), plus whatever this CPU picks by itself.
PORTABLE_CORETYPES ?= detected SkylakeX Haswell Sandybridge Nehalem Prescott
PORTABLE_THREADS ?= 1 2
NBVAL_AGAIN := $(BIN)/python -m pytest $(PORTABLE_CHAPTERS) -p no:cacheprovider -q

# The two passes run side by side (each at one BLAS thread, so each keeps one
# of two cores busy): the second pass's report follows the first one's.
# The first pass includes tests/test_lab.py, hence $(LAB_STAMP).
test: $(STAMP) $(LAB_STAMP)
	@second=$$($(BIN)/python tools/check_coretype.py --second); \
	log=$$(mktemp); rc2=0; pid=""; \
	if [ -n "$$second" ]; then \
	  ( export OPENBLAS_CORETYPE=$$second; \
	    echo "== the chapters again, OpenBLAS core type $$second, $$OPENBLAS_NUM_THREADS thread(s)"; \
	    $(BIN)/python tools/check_coretype.py $$second --threads $$OPENBLAS_NUM_THREADS \
	      && $(NBVAL_AGAIN) ) > $$log 2>&1 & pid=$$!; \
	fi; \
	$(BIN)/python -m pytest; rc1=$$?; \
	if [ -n "$$pid" ]; then wait $$pid; rc2=$$?; cat $$log; else \
	  echo "make test: no second OpenBLAS core type to force here (NumPy's BLAS is not x86 OpenBLAS);"; \
	  echo "           the chapters were checked with this CPU's kernels only"; fi; \
	rm -f $$log; \
	if [ $$rc1 != 0 ]; then echo "make test: the main suite failed"; fi; \
	if [ $$rc2 != 0 ]; then echo "make test: the chapters failed under OpenBLAS core type $$second"; fi; \
	test $$rc1 = 0 -a $$rc2 = 0

test-portable: $(STAMP)
	@detected=$$($(BIN)/python tools/check_coretype.py --detected); failed=""; ran=""; \
	if [ -z "$$detected" ]; then echo "test-portable: NumPy does not use OpenBLAS here"; exit 1; fi; \
	for ct in $(PORTABLE_CORETYPES); do \
	  if [ "$$ct" = detected ]; then \
	    case " $(PORTABLE_CORETYPES) " in *" $$detected "*) continue;; esac; \
	  else \
	    why=$$($(BIN)/python tools/check_coretype.py --supports $$ct); rc=$$?; \
	    if [ $$rc = 1 ]; then echo "== skip $$ct: $$why"; continue; fi; \
	    if [ $$rc != 0 ]; then echo "$$why"; exit 1; fi; \
	  fi; \
	  for t in $(PORTABLE_THREADS); do \
	    echo "== OpenBLAS core type $$ct, $$t thread(s)"; \
	    if [ "$$ct" = detected ]; then unset OPENBLAS_CORETYPE; name=$$detected; \
	    else export OPENBLAS_CORETYPE=$$ct; name=$$ct; fi; \
	    export OPENBLAS_NUM_THREADS=$$t; \
	    $(BIN)/python tools/check_coretype.py $$name --threads $$t || exit 1; \
	    $(NBVAL_AGAIN) && ran="$$ran $$name/$$t" || failed="$$failed $$name/$$t"; \
	  done; \
	done; \
	echo "test-portable: passed under:$${ran:- nothing}"; \
	if [ -n "$$failed" ]; then echo "test-portable: FAILED under:$$failed"; exit 1; fi

# JupyterLab on working copies of the chapters in lab/ (git-ignored): autosave never
# touches chapters/ (tools/lab.py says why).  `tools/lab.py notebook` opens Notebook 7.
lab: $(LAB_STAMP)
	$(BIN)/python tools/lab.py

execute: $(STAMP)
	$(BIN)/python tools/execute_chapters.py chapters/*.ipynb

# "Run this chapter live" (JupyterLite) needs the book served over HTTP, not opened as a file.
serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(PYTHON) -m http.server 8000 --bind 127.0.0.1 --directory _build/html

clean:
	rm -rf _build
