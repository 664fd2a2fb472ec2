# seqkeras: run pipeline stages, tests, benchmarks, the MLflow UI and TF Serving.
#   make quickstart                      install into .venv and run the quickstart end to end
#   make test                            the test suite (installs .venv if missing)
#   make run PIPELINE=imdb_sentiment     every stage of pipelines/imdb_sentiment.yaml
#   make train PIPELINE=imdb_sentiment   stages up to train (unchanged ones are skipped)
#   make mlflow-server                   a shared MLflow server on PostgreSQL (127.0.0.1:5001)
#   make serve                           TF Serving on models/models.config if present
# Variables: PIPELINE (default quickstart; a name or a .yaml path), FORCE=1 (rerun even if unchanged),
#            PORT, HOST (make serve: default 127.0.0.1, this machine only), POLL (make
#            serve: seconds between rereads of models/models.config, default 60),
#            MLFLOW_PORT, PG_PORT, MLFLOW_SERVER_DIR (make mlflow-server),
#            SEQKERAS_DATA_ROOT (default ../shared/data), PYTHON (default python3).

PYTHON   ?= python3
PIPELINE ?= quickstart
VENV     := .venv
BIN      := $(VENV)/bin
# PIPELINE: a name under pipelines/ (imdb_sentiment) or a path to your own YAML
# (my/spam.yaml); exports are found under models/<file name without .yaml> (the
# pipeline's name unless its YAML sets `name:`).
SPEC     := $(if $(filter %.yaml %.yml,$(PIPELINE)),$(PIPELINE),pipelines/$(PIPELINE).yaml)
NAMES    := $(foreach p,$(PIPELINE),$(basename $(notdir $(p))))
NAME     := $(firstword $(NAMES))
FORCE_FLAG := $(if $(FORCE),--force,)
STAGES   := ingest tokenize build tune train export
PORT     ?= 8501
HOST     ?= 127.0.0.1
UI_PORT  ?= 5000
POLL     ?= 60
MLFLOW_PORT ?= 5001
PG_PORT  ?= 5433
MLFLOW_SERVER_DIR ?= .mlflow-server
SYSTEM_PACKAGES := postgresql chromium chromium-driver
export SEQKERAS_DATA_ROOT ?= ../shared/data

.DEFAULT_GOAL := help
.PHONY: help install system-deps quickstart test test-fast run validate check-serving predict serve serve-config ui mlflow-server bench clean $(STAGES)

help:  ## list the targets
	@echo "seqkeras make targets (PIPELINE=$(PIPELINE)):"
	@grep -E '^[a-z-]+( [a-z-]+)*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' \
		| sed 's/$$(PIPELINE)/$(PIPELINE)/g; s/$$(PORT)/$(PORT)/g; s/$$(HOST)/$(HOST)/g; s/$$(UI_PORT)/$(UI_PORT)/g; s/$$(MLFLOW_PORT)/$(MLFLOW_PORT)/g' \
		| awk -F'\t' '{printf "  %-28s %s\n", $$1, $$2}'
	@echo "  $(STAGES)   one stage (and the stale ones before it)"
	@echo "pipelines: $$(ls pipelines | sed 's/\.yaml//' | tr '\n' ' ')"

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed  ## create .venv and install seqkeras with its dev extras

system-deps:  ## Debian packages of the server and browser tests (PostgreSQL, Chromium + driver), as root
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then echo "system packages present: $(SYSTEM_PACKAGES)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "apt-get install$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null) \
		|| echo "WARNING: apt-get could not install$$missing: their tests will be skipped"; \
	else echo "WARNING:$$missing not installed and apt-get unavailable (or not root): their tests will be skipped"; fi

quickstart: install  ## install, run the quickstart pipeline's six stages, check its export
	$(BIN)/seqkeras run pipelines/quickstart.yaml $(FORCE_FLAG)
	$(BIN)/seqkeras check-serving models/quickstart
	$(BIN)/seqkeras predict models/quickstart Mary Robert Andrea Kim

test: install  ## run the test suite
	$(BIN)/python -m pytest -q tests

test-fast: install  ## tests without the end-to-end ones
	$(BIN)/python -m pytest -q -m "not slow" tests

validate: install  ## check pipelines/$(PIPELINE).yaml
	$(BIN)/seqkeras validate $(SPEC)

run: install  ## every stage of pipelines/$(PIPELINE).yaml
	$(BIN)/seqkeras run $(SPEC) $(FORCE_FLAG)

$(STAGES): install
	$(BIN)/seqkeras run $(SPEC) --stage $@ $(FORCE_FLAG)

check-serving: install  ## load models/$(PIPELINE) through TF's C++ loader, replay warmup, check parity
	$(BIN)/seqkeras check-serving models/$(NAME)

predict: install  ## predict with models/$(PIPELINE): make predict INPUT="some text"
	$(BIN)/seqkeras predict models/$(NAME) "$(INPUT)"

serve: install  ## TF Serving in docker on models/models.config (else models/$(PIPELINE)), REST on $(HOST):$(PORT)
	@if [ -f models/models.config ]; then \
		grep -q "name: \"$(NAME)\"" models/models.config || echo "WARNING: models/models.config does not list $(NAME): it serves only what it lists (add it with make serve-config PIPELINE=\"... $(NAME)\", or remove the file)" >&2; \
		cmd="$$($(BIN)/seqkeras serve-command models --config models/models.config --poll $(POLL) --port $(PORT) --host $(HOST))" || exit 1; \
	else cmd="$$($(BIN)/seqkeras serve-command models/$(NAME) --port $(PORT) --host $(HOST))" || exit 1; fi; \
	echo "$$cmd"; \
	if command -v docker >/dev/null 2>&1; then eval "$$cmd"; \
	else echo "(docker is not installed here: run the command above on a machine with docker)"; fi

serve-config: install  ## models/models.config from the registry's aliases (labels stable, canary)
	$(BIN)/seqkeras serve-config $(NAMES)

mlflow-server: install system-deps  ## MLflow server on PostgreSQL, http://127.0.0.1:$(MLFLOW_PORT) (Ctrl-C stops it)
	$(BIN)/python -m seqkeras.tracking.server --dir $(MLFLOW_SERVER_DIR) --port $(MLFLOW_PORT) --pg-port $(PG_PORT)

ui:  ## MLflow UI on http://127.0.0.1:$(UI_PORT)
	@echo "runs tables: http://127.0.0.1:$(UI_PORT)/#/experiments/ID?workflowType=machine_learning (or the UI's 'Model training' switch)"
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db --host 127.0.0.1 --port $(UI_PORT)

bench: install  ## benchmarks -> benchmarks/RESULTS.md
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.quality
	$(BIN)/python -m benchmarks.baselines
	$(BIN)/python -m benchmarks.decoding
	$(BIN)/python -m benchmarks.decoding pipelines/chorales.yaml
	$(BIN)/python -m benchmarks.decoding pipelines/translate_en_fr.yaml
	$(BIN)/python -m benchmarks.hardware
	$(BIN)/python -m benchmarks.iterator_stall
	$(BIN)/python -m benchmarks.time_to_target
	$(BIN)/python -m benchmarks.time_to_target --task translate
	$(BIN)/python -m benchmarks.time_to_target --task names
	$(BIN)/python -m benchmarks.reliability
	$(BIN)/python -m benchmarks.validate

clean:  ## remove stage outputs and exports (keeps the MLflow store)
	rm -rf data/*/ models/
