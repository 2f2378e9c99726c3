# jointcare: `make run` starts the platform on SQLite with demo data; `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/jointcare
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install assets chromium java lint bench clean

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

assets: node_modules/.installed build/static/nhsuk-frontend.css

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The site's NHS.UK stylesheet and its print stylesheet (board papers), built from the npm package with every asset served by the site itself.
build/static/nhsuk-frontend.css: assets/nhsuk-frontend.scss assets/print.scss node_modules/.installed
	npm run --silent build

run: install
	$(BIN)/jointcare migrate --noinput -v 0
	$(BIN)/jointcare demo --if-empty
	$(BIN)/jointcare serve

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is needed for the browser tests: sudo apt-get install -y chromium"; exit 1; fi; }

# Spark (the measures' second engine) runs on a Java runtime: Debian's, installed when missing.
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; \
	  else echo "Java is needed for the Spark tests: sudo apt-get install -y default-jre-headless"; exit 1; fi; }

test: install chromium java
	PG_URL=$(PG_URL) BIN=$(BIN) bash scripts/test.sh

lint: install
	$(BIN)/ruff check jointcare benchmarks

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) node_modules build var test-artefacts
