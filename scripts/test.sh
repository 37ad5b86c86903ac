#!/usr/bin/env bash
# The whole test suite: the support matrix (noxfile.py), each entry in its own virtualenv, with its
# time and a closing summary. Every server a test needs is started by the tests on free loopback
# ports (each pytest worker has a stack of its own) and stopped again, also when a test fails.
# Arguments go to nox, e.g. scripts/test.sh -s oldest
# The summary names every entry asked for: one that could not run (its Python missing) is printed as
# NOT RUN; under CI (CI=true) that fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG=$PWD/ansible.cfg
echo "== ruff"
.venv/bin/ruff check .
echo "== support matrix (nox): unit, integration (ansible-playbook against the local stack), packaging, ansible-test sanity"
rm -rf tests/output/matrix
mkdir -p tests/output/matrix
# the entries these arguments select: each of them must report
.venv/bin/nox --list --json "$@" >tests/output/matrix/selected.json
rc=0
.venv/bin/nox "$@" || rc=$?
.venv/bin/python scripts/matrix_summary.py tests/output/matrix tests/output/matrix/selected.json || rc=1
exit "$rc"
