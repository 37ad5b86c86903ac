#!/usr/bin/env bash
# The whole test suite. Every server it needs is started by the tests on free loopback
# ports and stopped again, also when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG=$PWD/ansible.cfg
echo "== ruff"
.venv/bin/ruff check .
echo "== pytest: unit, integration (ansible-playbook against the local stack), ansible-test sanity"
exec .venv/bin/python -m pytest "$@"
