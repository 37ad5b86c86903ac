#!/usr/bin/env bash
# Prints the path of a working Python X.Y interpreter (with venv), or exits 1.
# Usage: scripts/find_python.sh 3.13
# Looks at pythonX.Y on PATH, then pyenv's versions (a pyenv shim on PATH answers only for the
# versions its global setting names), then the usual system folders.
set -uo pipefail
want=${1:?usage: find_python.sh X.Y}
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
candidates=("python$want")
for dir in "$pyenv_root"/versions/"$want"*/bin /usr/local/bin /usr/bin; do
    candidates+=("$dir/python$want")
done
for candidate in "${candidates[@]}"; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    # the interpreter must run, be the version asked for, and be able to make a virtualenv
    real=$("$path" -c 'import sys, venv, ensurepip; assert "%d.%d" % sys.version_info[:2] == sys.argv[1]; print(sys.executable)' "$want" 2>/dev/null) || continue
    echo "$real"
    exit 0
done
exit 1
