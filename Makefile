# Gongzhi: the two commands that matter are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= configs/demo.toml
PORT   ?= 5000
# The PostgreSQL database the suite's second pass runs on. The default one is created (and
# PostgreSQL installed and started if need be) by .ci/ensure-postgres.sh; name your own with
# `make test PG_TEST_URL=postgresql+psycopg://user:pass@host:5432/db` and it is used as it is.
PG_DEFAULT_URL := postgresql+psycopg://gongzhi:gongzhi@127.0.0.1:5432/gongzhi_test
PG_TEST_URL ?= $(PG_DEFAULT_URL)

.PHONY: setup demo test test-sqlite test-postgres lint format bench clean

$(BIN)/.installed: pyproject.toml tests/example_plugin/pyproject.toml examples/compact/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e tests/example_plugin -e examples/compact
	touch $@

## setup: create .venv and install Gongzhi with its development tools
setup: $(BIN)/.installed

## demo: migrate and seed the demo county on SQLite, then serve it on http://127.0.0.1:$(PORT)
demo: setup
	$(BIN)/gongzhi --config $(CONFIG) db upgrade
	$(BIN)/gongzhi --config $(CONFIG) demo --if-empty
	PORT=$(PORT) $(BIN)/gongzhi --config $(CONFIG) serve

## test: lint, then the whole suite on SQLite and on PostgreSQL
test: setup lint test-sqlite test-postgres

test-sqlite: setup
	bash .ci/ensure-chromium.sh
	$(BIN)/pytest -q

test-postgres: setup
	bash .ci/ensure-chromium.sh
	@if [ "$(PG_TEST_URL)" = "$(PG_DEFAULT_URL)" ]; then bash .ci/ensure-postgres.sh; fi
	GONGZHI_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q

## bench: ours against raw baselines on a generated prefecture (SCALE=1: 3 million residents,
## 10 million points movements; also measured at SCALE/10 for the growth); `make bench SCALE=0.1`
## for a quick run. The full run writes benchmarks/RESULTS.md. Not run in CI.
SCALE ?= 1
bench: setup
	$(BIN)/python -m benchmarks.run --scale $(SCALE)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
