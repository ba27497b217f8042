# Two commands do all the set-up on a fresh machine (Python 3.11+ with venv, and make):
#   make run    the firmware for a simulated week with the shipped camconfig.toml -> out/
#   make test   every test and CI gate
# Inner loop: make check (the gates and every test but the simulated deployments, well under a minute)
#             make lint (ruff lint and format check, mypy over the host code; tests/test_lint.py runs the same)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test check lint setup clean deploy

run: $(STAMP)
	$(PY) -m sim run --days 7 --out out

test: $(STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(PY) -m pytest -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

setup: $(STAMP)

$(STAMP): requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/circuitpython_setboard seeed_xiao_esp32_s3_sense > /dev/null
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

deploy: $(STAMP)
	@test -n "$(CIRCUITPY)" || (echo "usage: make deploy CIRCUITPY=/path/to/CIRCUITPY" && false)
	$(PY) -m tools.deploy "$(CIRCUITPY)" $(if $(REPLACE_CONFIG),--replace-config)
