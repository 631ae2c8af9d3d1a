# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := PORTAL_ENV=development FLASK_APP=portal $(BIN)/flask
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1
PORT   ?= 5000
STAMP  := $(VENV)/.installed

.PHONY: install run test translations messages lint clean-db national-simulator vneid-simulator payment-simulator \
	registry-simulator

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogues are built here, never committed.
translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages >/dev/null

run: install
	$(FLASK) db upgrade
	$(FLASK) catalogue load
	$(FLASK) demo accounts
	$(FLASK) stats load-targets
	$(FLASK) demo generate --dossiers 3000 --if-empty
	@echo "Cổng Dịch vụ công: http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The national-portal simulator for the demo (docs/national-portal.md), then in another terminal:
#   NATIONAL_PORTAL_URL=http://127.0.0.1:8765 NATIONAL_PORTAL_SECRET=dev-national-secret make run
NATIONAL_SIM_PORT ?= 8765
NATIONAL_SECRET   ?= dev-national-secret
national-simulator: $(STAMP)
	$(BIN)/python -m simulators.national_portal --port $(NATIONAL_SIM_PORT) --secret $(NATIONAL_SECRET) \
		--province-url http://$(HOST):$(PORT)

# The test OpenID provider standing in for VNeID (docs/accounts.md, "VNeID"), then in another terminal:
#   OIDC_ISSUER=http://127.0.0.1:8766 OIDC_CLIENT_ID=cong-dvc-lai-chau OIDC_CLIENT_SECRET=vneid-demo-secret make run
VNEID_SIM_PORT ?= 8766
vneid-simulator: $(STAMP)
	$(BIN)/python -m simulators.oidc_provider --port $(VNEID_SIM_PORT) \
		--client-id cong-dvc-lai-chau --client-secret vneid-demo-secret

# The national payment platform simulator (docs/payments.md), then in another terminal:
#   PAYMENT_PROVIDER=national PAYMENT_PLATFORM_URL=http://127.0.0.1:8767 PAYMENT_PLATFORM_SECRET=dev-payment-secret make run
PAYMENT_SIM_PORT ?= 8767
PAYMENT_SECRET   ?= dev-payment-secret
payment-simulator: $(STAMP)
	$(BIN)/python -m simulators.payment_platform --port $(PAYMENT_SIM_PORT) --secret $(PAYMENT_SECRET) --merchant LAICHAU
# The population-database simulator (docs/population-registry.md), then in another terminal:
#   POPULATION_REGISTRY_URL=http://127.0.0.1:8768 POPULATION_REGISTRY_SECRET=dev-registry-secret make run
REGISTRY_SIM_PORT ?= 8768
REGISTRY_SECRET   ?= dev-registry-secret
registry-simulator: $(STAMP)
	$(BIN)/python -m simulators.population_registry --port $(REGISTRY_SIM_PORT) --secret $(REGISTRY_SECRET)

# The whole suite on SQLite, then the database-backed tests again on PostgreSQL.
test: install
	$(BIN)/python -m tests.run_suite --postgres-url "$(PG_URL)"

# ruff on all the code, then mypy (setup.cfg [mypy]: strict optional) on the pure packages.
lint: $(STAMP)
	$(BIN)/ruff check portal workflow signatures tests benchmarks scripts simulators
	$(BIN)/mypy signatures workflow

clean-db:
	rm -f instance/portal.sqlite3

# After changing UI text: refresh the template and the English catalogue, then translate.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching --ignore-obsolete
