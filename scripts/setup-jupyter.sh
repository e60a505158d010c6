#!/usr/bin/env bash
# Create the project's Jupyter: a Python virtual environment in .venv/ holding JupyterLab,
# nbclient and nbconvert (`npm run setup:jupyter`). The notebook tests, `npm run notebooks`
# and `npm run kernel` use .venv/bin/python when it exists. Safe to run again: an existing
# .venv is reused and only missing packages are installed.
#
# Environment:
#   PYTHON   the Python that creates the venv (default: python3)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "setup:jupyter: creating $venv with $("$python" --version 2>&1)"
  if ! "$python" -m venv "$venv"; then
    echo "setup:jupyter: '$python -m venv' failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
fi

# A machine whose pip is configured with only local (file://) extra indexes is offline: a plain
# `pip install` would first try PyPI and stall on time-outs, so the local index becomes the
# index. Anywhere else pip keeps its own configuration (PyPI, or the user's mirror).
index_args=()
extra="$("$venv/bin/python" -m pip config list 2>/dev/null | sed -n "s/^[^=]*extra-index-url='\(.*\)'$/\1/p" | tail -n 1)"
if [[ -n "$extra" ]]; then
  read -r -a urls <<<"$extra"
  local_only=1
  for url in "${urls[@]}"; do [[ "$url" == file:* ]] || local_only=0; done
  if [[ $local_only == 1 ]]; then
    index_args=(--index-url "${urls[0]}")
    for url in "${urls[@]:1}"; do index_args+=(--extra-index-url "$url"); done
  fi
fi

echo "setup:jupyter: pip install jupyterlab nbclient nbconvert ${index_args[*]:-}"
# (pip warns once per package that a local index lacks; those lines are noise.)
"$venv/bin/python" -m pip install --quiet "${index_args[@]}" jupyterlab nbclient nbconvert \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
echo "setup:jupyter: ready: $("$venv/bin/python" -m jupyter lab --version | sed 's/^/jupyterlab /')," \
  "$("$venv/bin/python" -c 'import nbclient, nbconvert; print("nbclient", nbclient.__version__ + ", nbconvert", nbconvert.__version__)')"
