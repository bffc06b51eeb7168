# Everything a developer or CI runs. Needs only python3 (with pip and venv) on the machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
# The lock is resolved as the index stood on this day, so `make lock` gives the same versions every time.
LOCK_DATE := 2026-11-20T00:00:00Z
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
# What Amazon MWAA 3.3.1 has (../shared/mwaa/3.3.1/README.md): Airflow's constraints for Python 3.12, the pins
# MWAA never lets a requirements.txt override, and every package of its image. The lock obeys all three.
MWAA_DIR ?= ../shared/mwaa/3.3.1
MWAA_PYTHON_VERSION := 3.12
# MWAA's Python for the venv where this machine has it (on PATH, or under pyenv), else $(PYTHON).
PYTHON_312 := $(shell for candidate in python3.12 \
		$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null | sort -V | tail -1); do \
	"$$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { command -v "$$candidate"; break; }; \
	done)
VENV_PYTHON ?= $(or $(PYTHON_312),$(PYTHON))

export PYTHONPATH := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__UNIT_TEST_MODE := True

.PHONY: help venv lock test test-fast test-integration test-system lint docs browser demo airflow loadtest fuzz bench mwaa-bundle lambda-zip deploy destroy clean

help:
	@echo "make venv         create .venv from requirements-dev.lock (uv, bytecode compiled), on Python 3.12 where there is one"
	@echo "make test         run the whole test suite, every tier (throwaway AIRFLOW_HOME, SQLite metadata DB)"
	@echo "make test-fast    the unit tier (tests/unit): no servers, no Airflow runs, no installs"
	@echo "make test-integration  tests/integration: moto, dag.test(), DuckDB over a lake, local HTTP stand-ins"
	@echo "make test-system  tests/system: the demo, the Airflow UI, MWAA's install, the bundles, the README's commands"
	@echo "make lint         ruff over the code, Airflow 3 rules (AIR3) included"
	@echo "make docs         the docs site (MkDocs, Material) into site/, strict: a broken link or anchor fails it"
	@echo "make lock         re-resolve requirements-dev.lock from requirements-dev.in for Python 3.12, within MWAA 3.3.1's pins"
	@echo "make demo         the whole pipeline end to end on a simulated group"
	@echo "make airflow      Airflow standalone on http://127.0.0.1:8080 with these DAGs (Ctrl-C stops it)"
	@echo "make mwaa-bundle  dist/mwaa/: dags/ (with include/), plugins.zip, requirements.txt, startup.sh"
	@echo "make lambda-zip   dist/lambda.zip: the webhook handler for the python3.12 Lambda runtime"
	@echo "make deploy       the whole AWS stack (CloudFormation, include/deploy/): STACK=name REGION=region [CHAT_IDS=...]"
	@echo "make destroy      delete what deploy made (STACK=, REGION=); EMPTY_BUCKETS=yes deletes the data too"
	@echo "make bench        every benchmark of bench/, one table with targets beside results"
	@echo "make loadtest     200 concurrent senders for 60 s against the local webhook server (local lake, then moto S3)"
	@echo "make fuzz         the update parser and the webhook handler under hypothesis at scale, bounded in time"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install -q uv==$(UV_VERSION)


lock: $(UV)
	$(UV) pip compile requirements-dev.in -o requirements-dev.lock --python-version $(MWAA_PYTHON_VERSION) \
		--constraint $(MWAA_DIR)/constraints-3.12.txt --constraint $(MWAA_DIR)/mwaa_essential_constraints.txt \
		--constraint $(MWAA_DIR)/image-packages.txt --exclude-newer $(LOCK_DATE) --no-header --quiet

$(BIN)/.installed: requirements-dev.lock pyproject.toml | $(UV)
	test -x $(BIN)/python || $(UV) venv -q --python "$(VENV_PYTHON)" $(VENV)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(UV) pip sync -q --compile-bytecode requirements-dev.lock
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(UV) pip install -q --compile-bytecode --no-deps -e .
	touch $@

# A venv of another Python than the one chosen now (an older checkout's 3.11, say) is made again.
venv:
	@want=$$("$(VENV_PYTHON)" -c 'import sys; print(sys.version)') || { echo "make venv: $(VENV_PYTHON) does not run" >&2; exit 1; }; \
	have=$$($(BIN)/python -c 'import sys; print(sys.version)' 2>/dev/null) || true; \
	if [ -n "$$have" ] && [ "$$have" != "$$want" ]; then echo "venv: made again with $(VENV_PYTHON)"; rm -rf $(VENV); fi
	@$(MAKE) -s --no-print-directory $(BIN)/.installed
	@# The editable package's bytecode, as --compile-bytecode gives the rest of the venv: where
	@# PYTHONDONTWRITEBYTECODE is set, each process would otherwise compile it again (~0.3 s of CPU a command).
	@$(BIN)/python -m compileall -q plugins dags lambda include/deploy > /dev/null
	@read -r version base < <($(BIN)/python -c 'import sys; print("%d.%d.%d" % sys.version_info[:3], sys._base_executable)'); \
	case "$$version" in \
	$(MWAA_PYTHON_VERSION).*) echo "venv: Python $$version (MWAA's $(MWAA_PYTHON_VERSION)), $$base";; \
	*) echo "venv: Python $$version, $$base: no Python $(MWAA_PYTHON_VERSION) on this machine, so not MWAA's;" \
		"the MWAA install check (tests/system/test_mwaa_install.py) will fail";; \
	esac

# The tiers: unit, integration, system (`make help` says what each holds); `make test` runs all three.
# A throwaway AIRFLOW_HOME per run, so that runs side by side never share a metadata DB; migrated once
# where a tier runs DAGs (the unit tier never does), and each pytest-xdist worker works on its own copy
# (tests/conftest.py). A worker takes a whole module at a time (its module fixtures are set up once),
# in the order conftest gives: longest first. TEST_WORKERS=0 runs everything in one process;
# TESTS=path[::name] runs those tests instead of the whole tier.
# A worker more than there are cores: much of the suite waits on child processes and servers (Airflow
# starting, the demo's DAG runs, moto); with a worker per core, 2 cores stood idle 40% of a run.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
PYTEST_PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder)
define run_tests
	@home=$$(mktemp -d -t airflow-test-XXXXXX); trap 'rm -rf "$$home"' EXIT; \
	if [ "$(2)" = migrate ]; then AIRFLOW_HOME=$$home $(BIN)/airflow db migrate > $$home/migrate.log 2>&1 \
		|| { tail -30 $$home/migrate.log; exit 1; }; fi; \
	AIRFLOW_HOME=$$home $(BIN)/pytest $(PYTEST_PARALLEL) $(or $(TESTS),$(1)) $(PYTEST_ARGS)
endef

test: venv
	$(call run_tests,tests,migrate)

test-fast: venv
	$(call run_tests,tests/unit)

test-integration: venv
	$(call run_tests,tests/integration,migrate)

test-system: venv
	$(call run_tests,tests/system,migrate)

lint: venv
	$(BIN)/ruff check dags plugins lambda tests bench include/deploy docs/hooks
	$(BIN)/ruff format --check dags plugins lambda tests bench include/deploy docs/hooks

# The whole pipeline on a simulated group: webhook server, 14 days of traffic, the DAGs, the report.
# Its own lake (data/demo/, wiped first) and AIRFLOW_HOME (.airflow-demo/): runs twice, same results.
demo: venv
	$(BIN)/python -m telegram_pipeline.dev.demo $(DEMO_ARGS)

# The docs site from docs/ and mkdocs.yml into site/ (git ignores it); strict, as CI builds it
# (tests/system/test_docs.py). `.venv/bin/mkdocs serve` shows it while you edit.
docs: venv
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Headless Chromium from Debian, for the tests that look at pages in a real browser (skipped without it,
# failed without it under CI=true). Fails loudly when it cannot install it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
			echo "make browser: chromium is missing and only root with apt-get can install it (apt-get install chromium)" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| { echo "make browser: apt-get could not install chromium" >&2; exit 1; }; \
		command -v chromium >/dev/null || { echo "make browser: chromium installed but not on PATH" >&2; exit 1; }; }
	@echo "browser: $$(chromium --version 2>/dev/null || echo chromium)"

# Figures, not pass/fail tests: docs/benchmarks.md has them, each with its date and command.
bench: venv
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

loadtest: venv
	$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

fuzz: venv
	$(BIN)/python bench/fuzz.py $(FUZZ_ARGS)

# Airflow 3.3.1 standalone (scheduler, DAG processor, API server, triggerer) on http://127.0.0.1:8080
# over this repo's dags/ and plugins/ and the local lake in ./data; Ctrl-C stops it cleanly.
AIRFLOW_LOCAL_HOME ?= $(CURDIR)/.airflow
AIRFLOW_PORT ?= 8080
AIRFLOW_LOCAL_ENV := AIRFLOW_HOME=$(AIRFLOW_LOCAL_HOME) AIRFLOW__CORE__UNIT_TEST_MODE=False \
	AIRFLOW__CORE__PARALLELISM=4 AIRFLOW__API__HOST=127.0.0.1 AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
	AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$(AIRFLOW_PORT)/execution/ \
	AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin \
	RAW_URI=$${RAW_URI:-$(CURDIR)/data/raw} CURATED_URI=$${CURATED_URI:-$(CURDIR)/data/curated} \
	REPORTS_URI=$${REPORTS_URI:-$(CURDIR)/data/reports}
airflow: venv
	@export PATH="$(CURDIR)/$(BIN):$$PATH" $(AIRFLOW_LOCAL_ENV); exec include/deploy/airflow_standalone.sh

# Deployment bundles (standard library only): dist/mwaa/ for Amazon MWAA, dist/lambda.zip for the webhook.
mwaa-bundle:
	$(PYTHON) include/deploy/build.py mwaa dist/mwaa

lambda-zip:
	$(PYTHON) include/deploy/build.py lambda dist/lambda.zip

# The whole AWS stack from include/deploy/*.yaml, with boto3 (no AWS CLI needed); docs/deploy.md.
# Empty settings take deploy.py's defaults. Without credentials both say what is missing and change nothing.
STACK ?= telegram
deploy: venv
	@$(BIN)/python include/deploy/deploy.py deploy --stack="$(STACK)" --region="$(REGION)" --chat-ids="$(CHAT_IDS)" \
		--timezone="$(TIMEZONE)" --start-date="$(START_DATE)" --report-engine="$(REPORT_ENGINE)" \
		--environment-class="$(ENV_CLASS)" --vpc="$(VPC)" --subnets="$(SUBNETS)" --mwaa="$(or $(MWAA),yes)"

destroy: venv
	@$(BIN)/python include/deploy/deploy.py destroy --stack="$(STACK)" --region="$(REGION)" \
		--empty-buckets="$(or $(EMPTY_BUCKETS),no)"

clean:
	rm -rf dist site .pytest_cache .tools/mwaa-3.3.1
