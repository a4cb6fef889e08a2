# The two set-up commands are `make run` and `make test`; both work on a fresh machine with
# Python 3.11 and the system libraries (Pango for WeasyPrint).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
WORKERS ?= 3
export PORTAL_INSTANCE_PATH ?= $(CURDIR)/instance
FLASK := $(BIN)/flask --app portal

.PHONY: run test install catalogues translations db worker bench bench-quick clean

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate catalogues

# Compile the catalogues (.mo files are build output, not committed).
catalogues: $(BIN)/activate
	$(BIN)/pybabel compile --use-fuzzy -d translations

# Extract the strings, merge them into the ar and en catalogues, compile.
translations: $(BIN)/activate
	$(BIN)/pybabel extract -F babel.cfg -k _l --add-comments=Translators: --sort-output \
	  --no-location --omit-header -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations \
	  --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations

db: install
	$(FLASK) db upgrade

# Demo mode: fictional data, a banner, and demo accounts may skip the second factor.
run: install
	PORTAL_ENV_NAME=development PORTAL_DEMO_MODE=1 PORTAL_SESSION_COOKIE_SECURE=0 $(FLASK) db upgrade
	PORTAL_ENV_NAME=development PORTAL_DEMO_MODE=1 PORTAL_SESSION_COOKIE_SECURE=0 $(FLASK) demo load
	@echo "Serving the portal on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	PORTAL_ENV_NAME=development PORTAL_DEMO_MODE=1 PORTAL_SESSION_COOKIE_SECURE=0 \
	  $(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers $(WORKERS) wsgi:app

# RQ worker for briefing packs when PORTAL_REDIS_URL is set (scale-out deployment).
worker: install
	$(BIN)/rq worker --url "$$PORTAL_REDIS_URL" portal-packs

# The whole suite on SQLite, then again on PostgreSQL when PORTAL_TEST_DATABASE_URL is set.
test: install
	$(BIN)/python -m pytest -q
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL"; \
	  PORTAL_TEST_DB=postgres $(BIN)/python -m pytest -q; \
	else echo "PORTAL_TEST_DATABASE_URL is not set: PostgreSQL run skipped"; fi

# Benchmarks (bench/README.md): 250k generated cases, gunicorn, wrk. Not part of `make test`.
#   make bench                      SQLite, full run (about 20 minutes; the first run also
#                                   generates the data, about 3 minutes)
#   make bench BENCH_DB=postgres    PostgreSQL (BENCH_PG_ADMIN_URL, default postgres@127.0.0.1)
#   make bench-quick                a short smoke run
BENCH_DB ?= sqlite
BENCH_ARGS ?= --wait-quiet 30
bench: install
	$(BIN)/python -m bench.run --db $(BENCH_DB) $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python -m bench.run --db $(BENCH_DB) --quick

clean:
	rm -rf $(VENV) .pytest_cache
