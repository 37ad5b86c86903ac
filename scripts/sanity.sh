#!/usr/bin/env bash
# Runs `ansible-test sanity --local` on a clean copy of the collection, offline (PyPI only).
#
# ansible-test runs every sanity test in a virtualenv of its own under ~/.ansible/test/venv,
# built from the requirement files shipped in ansible-core (ansible_test/_data/requirements/
# sanity.*.txt); it always bootstraps pip into those from ci-files.testing.ansible.com, with or
# without --requirements. That host is not reachable here, so this script puts an offline
# stand-in for its get-pip script (ensurepip + pip from PyPI) into ansible-test's cache, then lets
# ansible-test install the pinned requirements itself. They are not installed into .venv: the
# pins (PyYAML 6.0.2, packaging 25.0, typing_extensions 4.13.2, ...) would downgrade packages
# that boto3/moto/pydantic need there, and ansible-test would not use them anyway.
#
# Usage: scripts/sanity.sh [extra ansible-test sanity arguments, e.g. --test pylint]
# Exits with ansible-test's exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
# the Python of .venv (the newest matrix entry), which the sanity tests run on
PYTHON_VERSION=$("$ROOT/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
export PATH=$VENV/bin:$PATH

if [ ! -x "$VENV/bin/ansible-test" ]; then
    echo "sanity: $VENV/bin/ansible-test is missing; run scripts/bootstrap.sh first" >&2
    exit 2
fi

# --- (a) one-time setup, redone when ansible-core changes -------------------------------------

core_version=$("$VENV/bin/python" -c 'from ansible.release import __version__; print(__version__)')
# the pip version ansible-test bootstraps into its sanity virtualenvs (24.2 for ansible-core 2.19)
pip_version=$("$VENV/bin/python" -c '
import sys
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version=sys.argv[1]))["pip"])' "$PYTHON_VERSION")
get_pip=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
stamp=$VENV/.sanity-installed
want_stamp="ansible-core $core_version, pip $pip_version"

write_get_pip() {
    # ansible-test runs this as `python get_pip.py [--disable-pip-version-check] pip==X --no-setuptools --no-wheel`
    # inside a virtualenv created --without-pip; the real get-pip.py does the same from an embedded pip.
    mkdir -p "$(dirname "$get_pip")"
    cat >"$get_pip.tmp" <<'PY'
"""Offline stand-in for get-pip.py, written by stowage.ecr scripts/sanity.sh."""
import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
python = [sys.executable, "-m"]
subprocess.check_call(python + ["ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
subprocess.check_call(python + ["pip", "install", "-q"] + args)
if "--no-setuptools" in sys.argv:  # ensurepip of Python < 3.12 also installs setuptools
    subprocess.check_call(python + ["pip", "uninstall", "-q", "-y", "setuptools"])
PY
    mv "$get_pip.tmp" "$get_pip"
}

setup_needed=
[ "$(cat "$stamp" 2>/dev/null)" = "$want_stamp" ] || setup_needed=1
[ -f "$get_pip" ] || setup_needed=1

# --- (b) a clean copy at <tmp>/ansible_collections/stowage/ecr ---------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stowage-ecr-sanity.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
copy=$tmp/ansible_collections/stowage/ecr
mkdir -p "$copy"
# tracked and untracked-but-not-ignored files; skip tracked files deleted in the work tree
git ls-files -co --exclude-standard -z |
    while IFS= read -r -d '' f; do
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
    done |
    xargs -0 --no-run-if-empty cp -P --parents -t "$copy"
# the collections galaxy.yml depends on (and theirs), linked from the ansible package in .venv,
# so that the import, ansible-doc and validate-modules tests can resolve amazon.aws etc.
"$VENV/bin/python" - "$tmp/ansible_collections" "$VENV" <<'PY'
import json, os, sys, sysconfig
import yaml

target, venv = sys.argv[1:]
roots = [os.path.join(venv, "ansible_collections"),
         os.path.join(sysconfig.get_paths()["purelib"], "ansible_collections")]
with open("galaxy.yml") as f:
    todo = list((yaml.safe_load(f).get("dependencies") or {}))
done = set()
while todo:
    name = todo.pop()
    if name in done:
        continue
    done.add(name)
    namespace, collection = name.split(".")
    for root in roots:
        source = os.path.join(root, namespace, collection)
        if os.path.isdir(source):
            os.makedirs(os.path.join(target, namespace), exist_ok=True)
            os.symlink(source, os.path.join(target, namespace, collection))
            try:
                with open(os.path.join(source, "MANIFEST.json")) as f:
                    todo.extend(json.load(f)["collection_info"].get("dependencies") or {})
            except FileNotFoundError:
                pass
            break
    else:
        print("sanity: collection %s (a dependency) is not installed in .venv" % name, file=sys.stderr)
PY
# no `git init` here: without a .git ansible-test lists the files itself (unversioned provider),
# which is what we want since the copy holds exactly the files to test.
cd "$copy"

sanity_args=(--local --python "$PYTHON_VERSION" --color no)

# ansible-test appends a colour reset to subprocess errors even with --color no: strip escapes
run_ansible_test() {
    ansible-test sanity "${sanity_args[@]}" "$@" </dev/null 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'
    return "${PIPESTATUS[0]}"
}

# the shellcheck sanity test (it checks *.sh) needs the tool; without it the test is skipped
if ! command -v shellcheck >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "sanity: apt-get install shellcheck"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
    else
        echo "sanity: shellcheck is missing (apt-get install shellcheck); its sanity test will be skipped" >&2
    fi
fi

if [ -n "$setup_needed" ]; then
    # keep a real get-pip.py someone cached there; (re)write ours
    if [ ! -f "$get_pip" ] || grep -q 'stowage.ecr scripts/sanity.sh' "$get_pip"; then write_get_pip; fi
    echo "sanity: building ansible-test's sanity virtualenvs (once per ansible-core version)"
    run_ansible_test --prime-venvs
    echo "$want_stamp" >"$stamp"
fi

rc=0
run_ansible_test "$@" || rc=$?
exit "$rc"
