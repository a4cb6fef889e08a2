# The two set-up commands are `make run` and `make test`; both work on a fresh machine with
# Python 3.11 and the system libraries that `make doctor` names (README, Set up).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
WORKERS ?= 3
export PORTAL_INSTANCE_PATH ?= $(CURDIR)/instance
FLASK := $(BIN)/flask --app portal

.PHONY: run test install doctor lock lock-upgrade lint lint-fix audit catalogues translations db worker \
        bench bench-quick clean web-fonts

# What the machine has and lacks (required and optional system packages, with the apt line).
doctor:
	@$(PYTHON) tools/doctor.py

# The virtualenv, from the lock file only, every package checked against its hash. The
# preflight stops here, with one line naming what is missing, before anything is installed.
$(BIN)/activate: requirements.lock
	@$(PYTHON) tools/doctor.py --preflight
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $(BIN)/activate

# requirements.lock from pyproject.toml (runtime, test and dev extras), with hashes, for every
# platform. `make lock` keeps the locked versions that still satisfy pyproject.toml;
# `make lock-upgrade` takes the newest allowed.
LOCK_CMD = $(BIN)/uv pip compile pyproject.toml --extra test --extra dev --universal \
	--python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock" \
	-o requirements.lock
lock: $(BIN)/activate
	$(LOCK_CMD)

lock-upgrade: $(BIN)/activate
	$(LOCK_CMD) --upgrade

# ruff with the rules in pyproject.toml (pyflakes, pycodestyle, import order); `make lint-fix`
# applies the fixes ruff can make by itself.
lint: $(BIN)/activate
	$(BIN)/ruff check .

lint-fix: $(BIN)/activate
	$(BIN)/ruff check --fix .

# Supply chain: bandit over portal/ and pip-audit over the lock (tools/audit.sh).
audit: $(BIN)/activate
	BIN=$(BIN) tools/audit.sh

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

# The web pages' Arabic font: a subset of Noto Naskh Arabic (Arabic letters, digits and
# punctuation, every OpenType feature kept for shaping) as woff2, about 18 KB a weight where
# the TTF is 180 KB. The PDFs keep the full TTFs. Committed; rerun after changing the fonts.
WEB_FONT_UNICODES = U+0020-007E,U+00A0,U+00AB,U+00BB,U+060C-061F,U+0621-065F,U+0660-066D,\
U+0670-0671,U+067E,U+0686,U+06A4,U+06AF,U+06CC,U+06F0-06F9,U+200C-200F,U+2010-2014,\
U+2018-201D,U+2026,U+FD3E-FD3F
web-fonts: $(BIN)/activate
	for w in Regular Bold; do \
	  $(BIN)/pyftsubset portal/static/fonts/NotoNaskhArabic-$$w.ttf \
	    --unicodes="$(WEB_FONT_UNICODES)" --layout-features='*' --flavor=woff2 \
	    --no-hinting --desubroutinize \
	    --output-file=portal/static/fonts/web/NotoNaskhArabic-$$w.subset.woff2; done

db: install
	$(FLASK) db upgrade

# Demo mode: fictional data, a banner, and demo accounts may skip the second factor.
run: install
	@$(PYTHON) tools/doctor.py --serve $(PORT)
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
