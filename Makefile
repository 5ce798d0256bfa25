# podsite: every command a newcomer and CI need. `make help` lists them.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# npm ci writes it: the browser tests' tools (axe-core) are installed as the lock file says.
NODE_STAMP := node_modules/.package-lock.json

.DEFAULT_GOAL := help
.PHONY: help install run test lint format bench check-site load

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found (pyenv 3.13.0 or python3.13 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# axe-core for the browser tests' accessibility checks (package.json; nothing npm installs is served).
$(NODE_STAMP): package.json package-lock.json
	@command -v npm > /dev/null || { echo "npm not found (apt-get install npm): the browser tests' axe checks will skip"; exit 0; }
	npm ci --no-audit --no-fund --silent

install: $(STAMP) $(NODE_STAMP) ## Create .venv with Python 3.13 and install podsite with its dev tools (and axe-core with npm)

run: $(STAMP) ## Migrate, load the demo catalogue if empty (audio included), serve on http://127.0.0.1:8000
	$(BIN)/podsite db upgrade
	$(BIN)/podsite demo --if-empty --listening
	$(BIN)/podsite serve --host 127.0.0.1 --port 8000

test: $(STAMP) ## Run the whole test suite (PODSITE_DATABASE_URL=postgresql+asyncpg://... for PostgreSQL)
	$(BIN)/pytest

lint: $(STAMP) ## ruff check, ruff format --check, mypy src bench
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src bench

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) ## Benchmark podsite against nginx serving the same page (see bench/README.md)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/recording.py
	$(BIN)/python bench/spool.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/agents.py
	$(BIN)/python bench/page_cost.py
	$(BIN)/python bench/worker_start.py
	$(BIN)/python bench/cache_memory.py
	$(BIN)/python bench/catalogue.py
	$(BIN)/python bench/search.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test

check-site: $(STAMP) ## Serve a fresh demo site on a free loopback port and check every sitemap URL and link
	$(BIN)/python bench/check_demo_site.py

# `make load USERS=50 RUN_TIME=20s` for a shorter run.
USERS ?= 200
SPAWN_RATE ?= 50
RUN_TIME ?= 60s
load: $(STAMP) ## Load-test a fresh demo site (2 Granian workers) with locust; see bench/README.md
	$(BIN)/python bench/load.py --users $(USERS) --spawn-rate $(SPAWN_RATE) --run-time $(RUN_TIME)
