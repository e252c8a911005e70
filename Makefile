# polsim: the commands the README gives. PYTHON finds a 3.12+ interpreter (mesa 3.4+ needs it).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 /root/.pyenv/versions/3.12.1/bin/python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-slow test-all lint bench clean

$(BIN)/polsim: pyproject.toml
	@test -n "$(PYTHON)" || { echo "polsim needs Python >= 3.12; set PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[all]'
	@touch $@

install: $(BIN)/polsim

demo: install
	$(BIN)/polsim run scenarios/default.toml --out runs/demo

test: install
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

# the validation cases and scale runs kept out of `make test` (about 4 minutes on 2 cores)
test-slow: install
	$(BIN)/python -m pytest -q -n 2 -m slow

test-all: install
	$(BIN)/python -m pytest -q -n 2

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/polsim bench --quick

clean:
	rm -rf $(VENV) runs build *.egg-info
