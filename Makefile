# The two README commands: `make demo` and `make test`. Each creates .venv when it is missing and
# installs the exact versions of requirements.lock (Airflow's constraint files cannot be fetched here).
# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set, every `footfall` process would
# otherwise compile pandas, pyarrow and Airflow from source again (about a second each time).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

.PHONY: demo test lint lock vendor browser screenshots airflow bench accuracy fuzz soak chaos clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: $(STAMP) browser
	$(BIN)/footfall demo

# pytest exits 5 when it collected no test: that is a failure, said out loud.
test: $(STAMP) browser
	@$(BIN)/python -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$status

# The map tests drive Debian's headless Chromium; the release's figures and report.pdf need a
# Japanese font. Install both when missing and we may, else say how.
browser:
	@{ command -v chromium >/dev/null 2>&1 && ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; \
	  else echo "note: install Debian's chromium and fonts-noto-cjk (sudo apt-get install chromium fonts-noto-cjk) for the maps, figures and report"; fi; }

# The README's pictures of each view (docs/img/, 1400x1000) from a published release.
RELEASE ?= var/published/FY2024Q1
screenshots: $(STAMP) browser
	$(BIN)/python -m tests.maps.screenshots $(RELEASE) docs/img

# The habits CI keeps (.ci/run) and .pre-commit-config.yaml runs before a commit: ruff's rules and
# format, the types of pipeline/ (mypy, [tool.mypy]) and the SQL style of sql/ (.sqlfluff).
LINTED := pipeline maps dags tests benchmarks
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/sqlfluff lint sql

# Re-resolve the lock after changing dependencies in pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

# Refresh the browser libraries vendored into every release, from the npm registry.
vendor:
	cd $$(mktemp -d) && npm pack --silent jquery@3.7.1 leaflet@1.9.4 leaflet.heat@0.2.0 \
	  && for f in *.tgz; do mkdir -p $${f%.tgz} && tar xzf $$f -C $${f%.tgz} --strip-components=1; done \
	  && cp jquery-3.7.1/dist/jquery.min.js leaflet-1.9.4/dist/leaflet.js leaflet-1.9.4/dist/leaflet.css \
	        leaflet.heat-0.2.0/dist/leaflet-heat.js $(CURDIR)/maps/vendor/ \
	  && cp jquery-3.7.1/LICENSE.txt $(CURDIR)/maps/vendor/LICENSE-jquery.txt \
	  && cp leaflet-1.9.4/LICENSE $(CURDIR)/maps/vendor/LICENSE-leaflet.txt \
	  && cp leaflet.heat-0.2.0/LICENSE $(CURDIR)/maps/vendor/LICENSE-leaflet.heat.txt

# The embedded default: Airflow's scheduler, DAG processor and API server on SQLite, this
# repository's DAGs and lake (FOOTFALL_HOME, default ./var), the API on 127.0.0.1:$(AIRFLOW_PORT).
# No activated environment needed; FOOTFALL_* settings come from the environment or .env.
AIRFLOW_HOME ?= $(CURDIR)/.airflow
AIRFLOW_PORT ?= 8080
airflow: $(STAMP)
	@AIRFLOW_HOME="$(AIRFLOW_HOME)" $(BIN)/python -m pipeline.airflow_local --port $(AIRFLOW_PORT)

# Benchmarks and the accuracy table: not part of `make test`.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_night.py --scale oita
	$(BIN)/python benchmarks/bench_night.py --scale metro --fraction 0.05 --memory-limit 12GB
	$(BIN)/python benchmarks/bench_night.py --scale metro --fraction 0.25 --memory-limit 18GB
	$(BIN)/python benchmarks/bench_ingest.py --lines 10000000

accuracy: $(STAMP)
	$(BIN)/python -m pipeline.sim.accuracy

# The long jobs of the reliability work, not part of `make test`: every parser against thousands of
# mangled files, and a simulated year night by night with its four releases.
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	FOOTFALL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/ingest/formats/test_detect_and_fuzz.py -k never_crash

soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py

# The fault-injection suite (not part of `make test`, whose tests/ops/test_faults.py, test_recovery.py
# and test_concurrency.py hold a fast sample): a night killed at every rename and key step and at
# random moments, pairs of nights at once both ways, a small filesystem that fills (a tmpfs when
# run as root, else a file-size limit), every bit of a footer flipped, the catalog damaged and lost.
chaos: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/chaos/chaos_*.py

clean:
	rm -rf var keystore .pytest_cache
