# djangobin: `make run` starts the whole system, `make test` runs every check. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
# PostgreSQL for the second pass of `make test`.
DATABASE_URL_PG ?= postgres://postgres@127.0.0.1:5432/test

export PATH := $(abspath $(BIN)):$(PATH)
# Steps of `make run` go through `honcho run`, so they read `.env` exactly as the processes honcho starts do
# (a DATABASE_URL or RABBITMQ_URL set there is the one migrated and checked).
WITH_ENV := $(BIN)/honcho run

.PHONY: run test test-durations test-sqlite test-pg lint format install install-dev migrate rabbitmq chromium pastebinit nginx wrk superuser clean bench-enqueue bench-dashboard bench-mail bench-search bench-highlight bench-load bench-pages bench-enumeration

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

rabbitmq: install
	@$(WITH_ENV) scripts/ensure-rabbitmq

# Tests drive Debian's own programs (never a browser Playwright downloads): $(call debian_package,program,who needs it)
# installs the package of that name when /usr/bin/<program> (or the path given third) is missing.
define debian_package
	@if [ -x $(or $(3),/usr/bin/$(1)) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y $(1) \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(1); }; \
	elif command -v sudo >/dev/null 2>&1; then \
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y $(1) \
		|| { sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y $(1); }; \
	else \
		echo "$(2) Debian's $(1) at $(or $(3),/usr/bin/$(1)), and this user can neither install packages nor sudo." >&2; \
		echo "Run as root:  apt-get install -y $(1)   then make test again." >&2; \
		exit 1; \
	fi
endef

chromium:
	$(call debian_package,chromium,The browser tests need)

# pastebinit is a real dpaste.com client: the API's client test drives it.
pastebinit:
	$(call debian_package,pastebinit,The API client test needs)

# The nginx site file (deploy/nginx/) is checked with `nginx -t` and run in front of gunicorn by the tests.
nginx:
	$(call debian_package,nginx,The nginx site file's tests need,/usr/sbin/nginx)

# bench/pages.py loads the pages with Debian's wrk (only the bench needs it).
wrk:
	$(call debian_package,wrk,The pages bench needs)

migrate: export DJANGO_DEBUG ?= 1
migrate: install
	@mkdir -p var
	$(WITH_ENV) $(PY) manage.py migrate --noinput

run: export DJANGO_DEBUG ?= 1
run: install rabbitmq migrate
	@echo
	@echo "  djangobin is starting at http://127.0.0.1:$(PORT)/ (web, worker and scheduler; Ctrl-C stops all)."
	@echo "  Create an admin account with:  make superuser"
	@echo
	PORT=$(PORT) $(BIN)/honcho start -f Procfile

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Both databases' passes, four runs at a time (scripts/test-passes); test-sqlite and test-pg run one pass alone.
test: install-dev rabbitmq chromium pastebinit nginx lint
	@BIN=$(BIN) scripts/test-passes "$(DATABASE_URL_PG)"

# `make test`, then the seconds each integration test file took written into tests/durations.json, by which
# the integration shares are dealt: run it on a quiet machine after adding or moving slow tests, and commit the file.
test-durations: install-dev rabbitmq chromium pastebinit nginx
	@BIN=$(BIN) TEST_DURATIONS_WRITE=1 scripts/test-passes "$(DATABASE_URL_PG)"

test-sqlite: install-dev
	$(BIN)/pytest

# The PostgreSQL pass runs whenever a server answers, and is required on CI.
test-pg: install-dev
	@if DATABASE_URL="$(DATABASE_URL_PG)" $(PY) scripts/db-answers; then \
		echo "== the suite again on PostgreSQL"; \
		DATABASE_URL="$(DATABASE_URL_PG)" $(BIN)/pytest; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL does not answer at $(DATABASE_URL_PG), and CI requires it." >&2; exit 1; \
	else \
		echo "== PostgreSQL does not answer at $(DATABASE_URL_PG): its pass is skipped (set DATABASE_URL_PG)."; \
	fi

# Benchmarks: each prints its ratios and rewrites its own section of docs/benchmarks.md.
bench-enqueue: install rabbitmq
	$(PY) bench/enqueue.py

bench-highlight: install rabbitmq
	$(PY) bench/highlight.py

# Password reset and resend activation, registered against unknown addresses: the answer should not tell them apart.
bench-enumeration: install-dev rabbitmq
	$(PY) bench/enumeration.py

bench-dashboard: install-dev rabbitmq
	$(PY) bench/middleware.py
	$(PY) bench/dashboard.py

# Needs PostgreSQL too (BENCH_PG_URL, default the local server's `test` database), or pass --databases sqlite.
bench-mail: install-dev rabbitmq
	$(PY) bench/mail.py

# The snippet page and the list pages under gunicorn and wrk, on SQLite and then on PostgreSQL (BENCH_PG_URL).
bench-pages: install wrk
	$(PY) bench/pages.py

# The scheduler daemon with 1,000 jobs (CPU and queries per minute) and an edit's delay, on SQLite and then (when
# one answers) on PostgreSQL, where LISTEN/NOTIFY carries the edits.
bench-scheduler: install-dev rabbitmq
	$(PY) bench/scheduler.py
	@if DATABASE_URL="$(DATABASE_URL_PG)" $(PY) scripts/db-answers; then \
		$(PY) bench/scheduler.py --database-url "$(DATABASE_URL_PG)"; \
	else echo "== PostgreSQL does not answer at $(DATABASE_URL_PG): its run is skipped."; fi

# Search with 200,000 snippets, on SQLite and then (when one answers) on PostgreSQL.
bench-search: install
	$(PY) bench/search.py
	@if DATABASE_URL="$(DATABASE_URL_PG)" $(PY) scripts/db-answers; then \
		$(PY) bench/search.py --database-url "$(DATABASE_URL_PG)"; \
	else echo "== PostgreSQL does not answer at $(DATABASE_URL_PG): its run is skipped."; fi

# The whole system near its CPU limit (gunicorn, workers, PostgreSQL at DATABASE_URL_PG, RabbitMQ) beside a baseline
# commit; on a quiet machine only (it writes nothing otherwise). BENCH_LOAD_ARGS, e.g. --write-scaling.
bench-load: install-dev rabbitmq
	BENCH_DATABASE_URL="$(DATABASE_URL_PG)" $(PY) bench/load.py $(BENCH_LOAD_ARGS)

superuser: export DJANGO_DEBUG ?= 1
superuser: migrate
	$(WITH_ENV) $(PY) manage.py createsuperuser

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
