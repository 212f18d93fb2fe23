# The two commands of the README: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/subsidy
DEMO_COUNTY ?= 620721
DEMO_PERSONS ?= 10000

.PHONY: run test venv install checks messages demo test-postgres test-sqlite browser clean mutants

$(BIN)/activate: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(BIN)/activate

venv install: $(BIN)/activate

## make run: SQLite, no broker, seed policies, demo county and users, serve on 127.0.0.1:8000.
run: venv
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_demo --county $(DEMO_COUNTY) --persons $(DEMO_PERSONS)
	$(MANAGE) runserver 127.0.0.1:8000

## make test: the whole suite on PostgreSQL (with Redis and a real worker), then the unit layer on SQLite.
test: venv
	scripts/ensure-services
	scripts/ensure-chromium
	$(MAKE) test-postgres test-sqlite

test-postgres:
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/5} \
		$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadgroup

test-sqlite:
	env -u DATABASE_URL CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/5} \
		$(BIN)/pytest -p no:cacheprovider -n 2 -m "not postgres and not e2e and not worker"

checks: venv
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=ci-$$(head -c 64 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9') \
		ALLOWED_HOSTS=example.org CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} \
		$(MANAGE) check --deploy --fail-level WARNING

messages: venv
	for app in accounts enrollment subsidies quotas dashboard people api; do \
		mkdir -p $$app/locale && (cd $$app && PYTHONPATH=.. DJANGO_SETTINGS_MODULE=config.settings.local \
		../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --no-location --no-wrap); done
	$(MANAGE) makemessages -l zh_Hans --no-obsolete --no-location --no-wrap --ignore '.venv/*' --ignore 'accounts/*.py' \
		--ignore 'enrollment/*.py' --ignore 'subsidies/*.py' --ignore 'quotas/*.py' --ignore 'dashboard/*.py' --ignore 'people/*' --ignore 'api/*.py' --ignore 'tests/*' --ignore 'bench/*'
	$(MANAGE) compilemessages --ignore .venv

## make mutants: mutation testing (mutmut) of the pure rule modules against their database-free tests; slow, not
## part of make test. Ends with "N killed, M survived"; equivalent mutants are listed in tests/mutants-equivalent.txt.
mutants: venv
	$(BIN)/python scripts/mutants

browser:
	scripts/ensure-chromium

clean:
	rm -rf $(VENV) db.sqlite3* media staticfiles
