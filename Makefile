# Two commands set up everything: `make site` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SITE_STAMP := $(VENV)/.site-installed
TEST_STAMP := $(VENV)/.test-installed
THEME_STAMP := themes/default/node_modules/.installed
TOOLS_STAMP := node_modules/.installed

.PHONY: site test serve bench screenshots system-deps clean

site: $(SITE_STAMP) $(THEME_STAMP)
	$(PY) build.py build $(if $(BASE_URL),--base-url $(BASE_URL))

test: $(TEST_STAMP) $(THEME_STAMP) $(TOOLS_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

serve: $(SITE_STAMP) $(THEME_STAMP)
	$(PY) build.py serve

screenshots: $(TEST_STAMP) $(THEME_STAMP)
	$(PY) scripts/screenshots.py

bench: $(TEST_STAMP) $(THEME_STAMP)
	$(PY) build.py bench --papers $(or $(PAPERS),10000)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The lock file pins every package, direct or not, to what the tests ran with.
$(SITE_STAMP): pyproject.toml requirements.lock | $(VENV)/bin/python
	$(PY) -m pip install --quiet --constraint requirements.lock --editable .
	touch $@

$(TEST_STAMP): $(SITE_STAMP)
	$(PY) -m pip install --quiet --constraint requirements.lock --editable '.[test]'
	touch $@

$(THEME_STAMP): themes/default/package.json themes/default/package-lock.json
	npm ci --prefix themes/default --no-audit --no-fund
	touch $@

$(TOOLS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Browser tests drive Debian's Chromium; the Nu HTML checker needs a Java runtime.
system-deps:
	apt-get update -q
	apt-get install -y -q --no-install-recommends chromium default-jre-headless fonts-dejavu-core

clean:
	rm -rf output .cache
