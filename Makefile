# Two commands do everything on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=1 HTTPS=0

.PHONY: run test setup venv venv-dev lint messages check-messages screenshots vendor clean bench cluster-test load

# What production runs (requirements.txt): enough for run, bench, load and cluster-test.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Test and lint tools on top (requirements-dev.txt, which includes requirements.txt); rebuilt when
# either file changes.
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

# pytest exits 5 when it collected no tests: a failure, said as such.
NO_TESTS_FAILS = || { rc=$$?; [ $$rc -ne 5 ] || echo "*** pytest collected no tests (exit 5)" >&2; exit $$rc; }

# Compile the translations (the .mo files are build output, not committed).
locale/zh_Hans/LC_MESSAGES/django.mo: locale/zh_Hans/LC_MESSAGES/django.po $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=$(VENV) -v0

setup: venv locale/zh_Hans/LC_MESSAGES/django.mo
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v0

run: setup
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000/ (Ctrl+C to stop)"
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite on SQLite; again on PostgreSQL when DATABASE_URL points at one. JUnit reports go to
# test-results/sqlite.xml and test-results/postgres.xml (.ci/check_skips.py reads them in CI).
test: venv-dev locale/zh_Hans/LC_MESSAGES/django.mo
	@rm -f test-results/sqlite.xml test-results/postgres.xml
	@echo "--- on the embedded SQLite database"
	env -u DATABASE_URL $(PY) -m pytest --junitxml=test-results/sqlite.xml $(NO_TESTS_FAILS)
	@case "$$DATABASE_URL" in postgres*) echo "--- again on PostgreSQL ($$DATABASE_URL)"; \
	  $(PY) -m pytest -p no:cacheprovider --junitxml=test-results/postgres.xml $(NO_TESTS_FAILS);; \
	  *) echo "DATABASE_URL does not point at PostgreSQL: SQLite only";; esac

# ruff with the settings in pyproject.toml (PLC0415 included); .ci/run fails on any finding.
lint: venv-dev
	$(PY) -m ruff check .

# Refresh the catalogue after adding strings, then translate the new msgids in django.po.
messages: venv
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=$(VENV) --ignore=tests --ignore=bench
	msgfmt --check --statistics -o /dev/null locale/zh_Hans/LC_MESSAGES/django.po

# Benchmark on PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/wnevc_bench).
bench: venv locale/zh_Hans/LC_MESSAGES/django.mo
	$(PY) bench/run.py

# 200 nominators submit complete entries with files at once (LOAD_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/wnevc_load; gunicorn on port 8775); exits 1 if a check fails.
load: venv locale/zh_Hans/LC_MESSAGES/django.mo
	$(PY) bench/load.py

# Two gunicorn instances behind Debian's nginx on 127.0.0.1 (PostgreSQL, Redis): sessions, lockout,
# rate limits, files, cache invalidation, failover and throughput across app servers (deploy/).
cluster-test: venv locale/zh_Hans/LC_MESSAGES/django.mo
	$(PY) deploy/cluster_test.py

screenshots: venv-dev setup
	$(DEV_ENV) $(PY) -m pytest tests/browser/test_screenshots.py -p no:cacheprovider --screenshots-dir docs/screenshots

# Re-vendor the front-end packages from npm (the copies are committed; no CDN at run time).
vendor:
	rm -rf /tmp/wnevc-npm && mkdir -p /tmp/wnevc-npm && cd /tmp/wnevc-npm && npm init -y >/dev/null && \
	  npm install --silent bootstrap@5.3.9 jquery-ui@1.14.2 axe-core@4.14.1
	cp /tmp/wnevc-npm/node_modules/bootstrap/dist/css/bootstrap.min.css* static/vendor/bootstrap-5.3.9/css/
	cp /tmp/wnevc-npm/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap-5.3.9/js/
	cp /tmp/wnevc-npm/node_modules/jquery-ui/dist/jquery-ui.min.js static/vendor/jquery-ui-1.14.2/
	cp /tmp/wnevc-npm/node_modules/axe-core/axe.min.js tests/vendor/axe-core/

clean:
	rm -rf $(VENV) db.sqlite3* media staticfiles test-results
