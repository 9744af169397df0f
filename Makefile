# Two commands from a fresh machine: `make run` (set up + flagship scenario) and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STEPS  ?= 72
SEED   ?= 42
OUT    ?= runs/baseline
# The suite runs in two parts: every file but the browser tests spread over the cores (pytest-xdist; a file stays on
# one worker, in order: test_equivalence_extended's last test reads what the earlier ones saw), then the browser
# tests alone, so a page under test has the machine to itself (beside another worker's tests a closing tab's beacon
# was once lost: docs/testing.md). PARALLEL= runs the first part in one process.
PARALLEL ?= -n auto --dist loadfile
BROWSER_TESTS := tests/test_viz_browser.py

.PHONY: run test test-fast app bench venv clean

$(PY):
	@PYTHON=$$(scripts/find-python.sh) || exit 1; \
	echo "creating $(VENV) with $$PYTHON"; \
	$$PYTHON -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m viz.offline_assets
	@# the editable install leaves the project's own modules uncompiled; where PYTHONDONTWRITEBYTECODE is set (as
	@# on CI) every command would compile them again (~0.1-0.2 s of each run)
	$(PY) -m compileall -q model agents experiments viz > /dev/null
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/compute-market run --scenario baseline --steps $(STEPS) --seed $(SEED) --out $(OUT) --overwrite

test: $(STAMP)
	@scripts/ensure-chromium.sh
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q $(PARALLEL) --ignore=$(BROWSER_TESTS)
	$(PY) -m pytest -q $(BROWSER_TESTS)

test-fast: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -m "not extended" $(PARALLEL) --ignore=$(BROWSER_TESTS)
	$(PY) -m pytest -q -m "not extended" $(BROWSER_TESTS)

bench: $(STAMP)
	$(PY) benchmarks/step_benchmark.py
	$(PY) benchmarks/scale_over_time.py
	$(PY) benchmarks/viz_step.py
	$(PY) benchmarks/page_load.py
	$(PY) benchmarks/page_speed.py
	$(PY) benchmarks/startup.py

app: $(STAMP)
	$(VENV)/bin/compute-market app --scenario $(or $(SCENARIO),baseline)

clean:
	rm -rf $(VENV) runs .pytest_cache
