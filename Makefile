# `make demo` and `make test` set everything up on a fresh machine (Python 3.11, offline hubs).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clt-installed
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export AXOLOTL_DO_NOT_TRACK := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup browser test demo bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch lies on this disk; pinning it first keeps pip from fetching a CUDA one.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[train,dev]'
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

test: setup browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

demo: setup
	$(BIN)/clt demo

bench: setup
	@status=0; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || status=1; done; exit $$status

clean:
	rm -rf $(VENV) build dist *.egg-info
