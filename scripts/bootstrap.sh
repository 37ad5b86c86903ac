#!/usr/bin/env bash
# Installs what the project needs into .venv (and Debian packages when missing),
# then links this checkout where ansible.cfg looks for collections.
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
# extra Debian packages to install when missing (space separated), on top of the stack's own
APT_PACKAGES=${APT_PACKAGES:-}
# the local stack (scripts/stack.py): the Docker Engine and the Distribution registry
STACK_PACKAGES="docker.io docker-registry"

apt_install() {
    [ "$#" -gt 0 ] || return 0
    if [ "$(id -u)" != 0 ]; then
        echo "bootstrap: missing Debian packages: $*; install them as root (apt-get install $*)" >&2
        exit 1
    fi
    echo "bootstrap: apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v git >/dev/null || missing+=(git)
for pkg in $STACK_PACKAGES $APT_PACKAGES; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
apt_install "${missing[@]}"

stamp=$VENV/.installed
if [ ! -f "$stamp" ] || [ requirements-dev.txt -nt "$stamp" ]; then
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    touch "$stamp"
fi

# ansible.cfg names .venv as the collections path: make this checkout stowage.ecr there
mkdir -p "$VENV/ansible_collections/stowage"
link=$VENV/ansible_collections/stowage/ecr
if [ "$(readlink "$link" 2>/dev/null)" != "$ROOT" ]; then
    rm -rf "$link"
    ln -s "$ROOT" "$link"
fi
