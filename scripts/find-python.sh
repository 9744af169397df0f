#!/usr/bin/env bash
# Prints the path of a Python >= 3.12: first on PATH, then under pyenv. Exits 1 with advice when none.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for name in python3.12 python3.13 python3.14 python3 python; do
  p=$(command -v "$name" 2>/dev/null) || continue
  if ok "$p"; then echo "$p"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
  if ok "$p"; then echo "$p"; exit 0; fi
done
cat >&2 <<'MSG'
error: compute-market needs Python 3.12 or newer (Mesa 3.5 requires it), and none was found
       on PATH or under pyenv. Install one, for example:
         pyenv install 3.12        (then run make again), or
         apt-get install python3.12 python3.12-venv
MSG
exit 1
