# Coachbot: `make run` starts the bot (without BOT_TOKEN: the local sandbox in the browser),
# `make test` installs what it needs and runs everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint bench migrate clean locales chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/coachbot run --sandbox-if-no-token

# The sandbox with a coach's practice: clients with weeks of check-ins, metrics and photos.
demo: $(STAMP)
	$(BIN)/coachbot sandbox --demo

migrate: $(STAMP)
	$(BIN)/coachbot migrate

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/ruff format --check coachbot tests

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here);
# the emoji font makes the bot's buttons readable in their screenshots.
CHROMIUM_PACKAGES := chromium fonts-noto-color-emoji
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing $(CHROMIUM_PACKAGES) for the browser tests"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(CHROMIUM_PACKAGES); } \
		|| echo "Could not install chromium: browser tests are skipped (and fail when CI=true)."; }

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@for script in $(wildcard bench/*.py); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# Re-extract user-facing strings and merge them into every catalogue.
locales: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -k __ -k ngettext:1,2 \
		--project=coachbot --copyright-holder="Coachbot" \
		-o coachbot/locales/messages.pot coachbot
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i coachbot/locales/messages.pot -d coachbot/locales
	$(BIN)/python tools/fill_english_catalog.py
