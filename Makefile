# polsim: the commands the README gives.
# PYTHON: a 3.12+ interpreter (mesa 3.4+ needs it), found on PATH, in pyenv or by uv
# (.ci/find-python); on a machine where it is elsewhere, pass PYTHON=/path/to/python3.12.
PYTHON ?= $(shell .ci/find-python)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-slow test-all lint bench clean chromium

$(BIN)/polsim: pyproject.toml
	@test -n "$(PYTHON)" || { echo "polsim needs Python >= 3.12 and found none on PATH, in pyenv or through uv; install one (e.g. uv python install 3.12) or pass PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[all]'
	@touch $@

install: $(BIN)/polsim

demo: install
	$(BIN)/polsim run scenarios/default.toml --out runs/demo

# the browser tests need Debian's chromium: installed here when run as root with apt, else
# `make test` stops at once saying what to install (.ci/need-chromium)
chromium:
	@.ci/need-chromium

test: chromium install
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

# the validation cases and scale runs kept out of `make test` (about 7 minutes on 2 cores)
test-slow: install
	$(BIN)/python -m pytest -q -n 2 -m slow

test-all: chromium install
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/polsim bench --quick

clean:
	rm -rf $(VENV) runs build *.egg-info
