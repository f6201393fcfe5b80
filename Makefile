# Two commands for a reader:  `make book`  and  `make test`.
SHELL := /bin/bash
# Both create .venv from requirements.txt when it is missing or older than
# requirements.txt / pyproject.toml, so a fresh machine needs only python3.11 and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BOOK_FLAGS := --keep-going

.PHONY: book test lab execute lint clean help serve

# The chapters train small networks whose matrix products are too small for
# BLAS threads to pay off (a single thread was faster in every measurement),
# and one thread also makes every stored output bit-reproducible under nbval.
test execute: export OPENBLAS_NUM_THREADS := 1

help:
	@echo "make book     build the HTML book into _build/html/"
	@echo "make test     run every test: cnnlib, strict nbval over every chapter, the book build,"
	@echo "              every page in a real browser with no network, one chapter run live"
	@echo "make serve    serve the built book on http://127.0.0.1:8000/ (to run chapters live)"
	@echo "make lab      open the chapters in JupyterLab with live sliders"
	@echo "make execute  re-run every chapter and store its outputs (authors only)"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --config-settings editable_mode=compat -e . \
	  || $(BIN)/python -m pip install --quiet --no-deps --config-settings editable_mode=compat -e .
	@touch $(STAMP)

book: $(STAMP)
	set -eo pipefail; $(BIN)/jupyter-book build . $(BOOK_FLAGS)
	@echo
	@echo "The book is at: file://$(CURDIR)/_build/html/index.html"
	@echo "To run its chapters live in the page: make serve, then open http://127.0.0.1:8000/"

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-lab.txt
	$(BIN)/jupyter lab chapters/

execute: $(STAMP)
	$(BIN)/python tools/execute_chapters.py chapters/*.ipynb

# "Run this chapter live" (JupyterLite) needs the book served over HTTP, not opened as a file.
serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(PYTHON) -m http.server 8000 --bind 127.0.0.1 --directory _build/html

clean:
	rm -rf _build
