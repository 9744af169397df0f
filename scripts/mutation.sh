#!/usr/bin/env bash
# Mutation check of model/kernels.py and model/phases/ (mutmut 3, configured in pyproject.toml [tool.mutmut]).
# Not part of CI: it takes about an hour on 2 cores. Results: docs/testing.md.
# mutmut must import its mutated copy of `model`, which the editable install of .venv would shadow, so it runs
# from a venv of its own with the project's dependencies but not the project.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${MUTATION_VENV:-.mutation-venv}
if [ ! -x "$VENV/bin/mutmut" ]; then
  PYTHON=$(scripts/find-python.sh)
  "$PYTHON" -m venv "$VENV"
  # the project's dependencies, read from pyproject.toml, one per line (no globbing of "mesa[viz]")
  "$VENV/bin/python" - > "$VENV/requirements.txt" <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["test"]))
PY
  "$VENV/bin/pip" install --quiet "mutmut==3.8.1" -r "$VENV/requirements.txt"
fi
"$VENV/bin/mutmut" run "$@"
"$VENV/bin/mutmut" results > mutants/results.txt || true
echo "survivors listed in mutants/results.txt"
