# Everything sets itself up from nothing: a fresh machine needs only python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
BENCH_DIR := .bench

.PHONY: setup run test lint format bench screenshots i18n clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/gridwalker --demo

# The hub's tests run on SQLite and on a real PostgreSQL: GRIDWALKER_TEST_PG_URL when set, else
# the throwaway cluster of scripts/test-postgres (started here; when it cannot start, the run
# stops with the reason).
test: setup
	$(VENV)/bin/lint-imports --no-cache
	@url="$${GRIDWALKER_TEST_PG_URL:-}"; \
	if [ -z "$$url" ]; then url="$$(scripts/test-postgres)" || exit 1; fi; \
	echo "PostgreSQL for the tests: $$url"; \
	GRIDWALKER_TEST_PG_URL="$$url" $(PY) -m pytest -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check gridwalker tests bench
	$(VENV)/bin/ruff format --check gridwalker tests bench

format: setup
	$(VENV)/bin/ruff format gridwalker tests bench
	$(VENV)/bin/ruff check --fix gridwalker tests bench

bench: setup
	$(PY) -m bench.run --cache $(BENCH_DIR)

screenshots: setup
	$(PY) -m bench.screenshots screens

i18n: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o gridwalker/locale/gridwalker.pot gridwalker
	$(VENV)/bin/pybabel update -i gridwalker/locale/gridwalker.pot -d gridwalker/locale -D gridwalker
	$(VENV)/bin/pybabel compile -d gridwalker/locale -D gridwalker

clean:
	rm -rf $(VENV) $(BENCH_DIR) .pytest_cache
