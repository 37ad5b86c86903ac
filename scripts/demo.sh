#!/usr/bin/env bash
# Runs playbooks/site.yml against the local stack, then stops the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK_DIR=$(mktemp -d /tmp/stowage-demo.XXXXXX)
cleanup() { .venv/bin/python scripts/stack.py stop --dir "$STACK_DIR"; rm -rf "$STACK_DIR"; }
trap cleanup EXIT
eval "$(.venv/bin/python scripts/stack.py start --dir "$STACK_DIR")"
export ANSIBLE_CONFIG=$PWD/ansible.cfg ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
echo "== first run: creates the repository and its lifecycle policy"
.venv/bin/ansible-playbook playbooks/site.yml "$@"
echo "== second run: nothing to change"
.venv/bin/ansible-playbook playbooks/site.yml "$@"
