#!/usr/bin/env bash
# Installs the Python packages callus's tests use as third-party readers (VTK's .vtu and XDMF
# readers, h5py, Pillow for the PNG plots) into a virtual environment, and prints the path of its
# python. Idempotent; the environment lives outside the checkout so that clones on the same machine
# share it.
#   CALLUS_PYTOOLS   where to put it (default: ~/.cache/callus/pytools)
set -euo pipefail
venv="${CALLUS_PYTOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/callus/pytools}"
requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/python-requirements.txt"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
  echo "setting up Python readers in $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$venv/bin/python"
