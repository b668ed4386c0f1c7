# Two commands matter: `make run` (set up and open the chat) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test lint index install bench eval clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	# torch first and pinned: an unpinned torch would pull several GB of CUDA packages.
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

index: install
	$(BIN)/qa index

run: index
	$(BIN)/python app.py

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check qa tests app.py
	$(BIN)/ruff check qa tests app.py
	$(BIN)/mypy

eval: index
	$(BIN)/qa eval --llm extractive

bench: index
	$(BIN)/qa bench

clean:
	rm -rf $(VENV) index/CURRENT index/gen-* index/.lock
