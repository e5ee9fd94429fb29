#!/usr/bin/env bash
# Regenerates requirements.lock from requirements.in: every transitive
# dependency pinned to the newest version PyPI serves now, with the sha256 of
# every file PyPI has for it (--generate-hashes). pip-tools runs from a
# throwaway venv, so nothing is installed anywhere else. The lock resolves
# environment markers for the python3 that runs this script: use the Python
# minor version the peer runs on (the lock's header names it).
#
#   bash bench/peers/fastapi/lock.sh
#
# Then run the peer tests (`deno test -A tests/bench_peers.test.ts`): the new
# lock has a new hash, so ensureFastapiPeer builds a fresh venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PIP_TOOLS_VERSION=7.6.2
python="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "pip-tools==$PIP_TOOLS_VERSION"
pyver="$("$tmp/venv/bin/python" -c 'import platform; print(platform.python_version())')"

# --no-emit-find-links/--no-emit-index-url: keep this machine's pip settings
# out of the file. --strip-extras: uvicorn[standard]'s extras are pinned as
# packages of their own (the peer installs with --no-deps).
(cd "$here" && "$tmp/venv/bin/pip-compile" --quiet --generate-hashes \
  --strip-extras --no-header --no-emit-find-links --no-emit-index-url \
  --output-file="$tmp/body.txt" requirements.in)

{
  echo "# Every dependency of the FastAPI peer, pinned, with hashes. Do not edit."
  echo "# Made by bench/peers/fastapi/lock.sh: pip-compile (pip-tools $PIP_TOOLS_VERSION,"
  echo "# in a throwaway venv, packages from PyPI) under Python $pyver, as"
  echo "#   pip-compile --generate-hashes --strip-extras requirements.in"
  echo "# Refresh (newest versions of everything): bash bench/peers/fastapi/lock.sh"
  echo "# Installed by bench/peers/python.ts with"
  echo "#   pip install --require-hashes --no-deps -r requirements.lock"
  echo
  cat "$tmp/body.txt"
} >"$here/requirements.lock"
echo "wrote $here/requirements.lock (Python $pyver)"
