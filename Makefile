# The two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests always use the real services; these are the CI machine's defaults.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/enforcement_hub
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-prod deps deps-test system-deps messages migrate bench-escalation bench-dashboards bench-api clean

$(VENV)/.deps: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.deps-test: $(VENV)/.deps requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
deps-test: $(VENV)/.deps-test

# Debian packages the browser tests, the compose check and the production tests (nginx in
# front of gunicorn, a throw-away TLS certificate) need (root on CI). The tests run nginx with
# their own configuration, prefix and ports; the service Debian may start on port 80 is unused.
system-deps:
	@missing=""; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi wqy || missing="$$missing fonts-wqy-microhei"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The compiled catalogs are committed; recompile when gettext is there.
messages: deps
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages -v0 --ignore=.venv; \
	else echo "gettext not installed: using the committed .mo catalogs"; fi

migrate: deps messages
	$(PY) manage.py migrate -v0
	$(PY) manage.py load_calendar
	$(PY) manage.py seed_demo

# Serve the platform with the escalation sweep running (worker + beat).
run: migrate
	@echo "Enforcement Hub on http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A enforcement_hub worker -B -l info --concurrency 2 \
	  --schedule var/celerybeat-schedule & \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: deps-test system-deps
	$(PY) manage.py compilemessages -v0 --ignore=.venv
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) scripts/check_services.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest $(PYTEST_ARGS)

# Only the production checks (also part of `make test`): collectstatic in production mode,
# gunicorn in production mode, Debian's nginx in front of it with deploy/nginx/enforcement-hub.conf.
test-prod: deps-test system-deps
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest tests/test_production.py $(PYTEST_ARGS)

clean:
	rm -rf var test-artifacts

bench-escalation: deps-test
	$(PY) bench/escalation.py

bench-dashboards: deps-test
	$(PY) bench/dashboards.py

bench-api: deps-test
	$(PY) bench/api_list.py
