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

# .venv is the newest entry of the support matrix (noxfile.py): Python 3.13 with the versions of
# constraints/newest.txt. Where Python 3.13 cannot be found, .venv takes this machine's python3 and
# the newest entry that Python can hold (ansible 12 on 3.11), and the matrix reports the newest
# entry as skipped.
if python=$(scripts/find_python.sh 3.13); then
    constraints=constraints/newest.txt
else
    python=$(python3 -c 'import sys; print(sys.executable)')
    constraints=constraints/ansible-12.txt
    echo "bootstrap: Python 3.13 not found; .venv uses $python with $constraints (the newest entry will be skipped)" >&2
fi
stamp=$VENV/.installed
want="$python $(cat requirements-dev.txt requirements-test.txt "$constraints" | cksum)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if [ -x "$VENV/bin/python" ] && [ "$("$VENV/bin/python" -c 'import sys; print(sys._base_executable)' 2>/dev/null)" != "$python" ]; then
        echo "bootstrap: .venv was made with another Python; making it anew with $python"
        rm -rf "$VENV"
    fi
    [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
    pip=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
    "${pip[@]}" --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
    "${pip[@]}" -c "$constraints" -r requirements-dev.txt 2> >(grep -v "^WARNING: Location" >&2)
    echo "$want" >"$stamp"
fi

# ansible.cfg names .venv as the collections path: make this checkout stowage.ecr there
mkdir -p "$VENV/ansible_collections/stowage"
link=$VENV/ansible_collections/stowage/ecr
if [ "$(readlink "$link" 2>/dev/null)" != "$ROOT" ]; then
    rm -rf "$link"
    ln -s "$ROOT" "$link"
fi
