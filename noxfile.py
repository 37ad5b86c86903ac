"""The support matrix: the Ansible versions stowage.ecr is tested on, each in a virtualenv of its own.

    .venv/bin/nox                  # every entry (what `make test` runs)
    .venv/bin/nox -s oldest        # one entry; `nox -l` lists them
    .venv/bin/nox -s oldest -- -k login    # arguments after -- go to pytest

The newest entry is `.venv` itself (scripts/bootstrap.sh builds it): it runs the whole suite, with
the development tools (lint, docs, molecule, ansible-test sanity, robustness). The other entries
run in `.nox/<name>`: the unit tests, every module's integration tests, the role with a push, the
in-process/standard comparison and the packaging tests (build, install, ansible-doc of every
module). Each entry pins every package with its file in constraints/. An entry whose Python is not
on this machine is skipped, with the reason; it never counts as passed.

README.md's table of supported versions is made from ENTRIES (tests/packaging/test_matrix.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"

nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"


@dataclass(frozen=True)
class Entry:
    name: str
    python: str
    ansible: str  # the `ansible` release, or "-" where ansible-core and collections are installed apart
    ansible_core: str
    amazon_aws: str
    community_docker: str
    # where the collections come from when `ansible` itself is not installed: that release's wheel
    collections_from: str = ""
    collections: tuple[str, ...] = field(default=())

    @property
    def constraints(self) -> Path:
        return ROOT / "constraints" / ("%s.txt" % self.name)


ENTRIES = [
    Entry("newest", "3.13", "14.5.0", "2.21.5", "11.4.0", "5.4.0"),
    Entry("ansible-13", "3.12", "13.8.0", "2.20.10", "10.3.2", "5.2.1"),
    Entry("ansible-12", "3.11", "12.3.0", "2.19.14", "10.1.2", "4.8.5"),
    # the minimums that galaxy.yml and meta/runtime.yml claim: no `ansible` release bundles this set
    Entry(
        "oldest",
        "3.11",
        "-",
        "2.17.14",
        "9.0.0",
        "4.0.1",
        collections_from="ansible==11.0.0",
        collections=("amazon/aws", "community/docker", "community/library_inventory_filtering_v1", "ansible/posix"),
    ),
]

# what the entries other than the newest run (pytest paths relative to the root)
MATRIX_TESTS = [
    "tests/unit",
    "tests/integration",
    "tests/packaging/test_build_install.py",
    "tests/packaging/test_ansible_doc.py",
]
# ... less what needs the development tools of the newest entry
MATRIX_IGNORE = ["tests/integration/test_role_molecule.py"]
WORKERS = os.environ.get("STOWAGE_TEST_WORKERS", "2")


def find_python(version: str) -> str | None:
    proc = subprocess.run([str(ROOT / "scripts" / "find_python.sh"), version], capture_output=True, text=True, check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _junit(name: str) -> str:
    return "--junitxml=%s" % (ROOT / "tests" / "output" / "matrix" / ("%s.xml" % name))


def _newest(session: nox.Session) -> None:
    entry = ENTRIES[0]
    python = VENV / "bin" / "python"
    version = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, check=False)
    running = version.stdout.strip() or "?"
    if running != entry.python:
        session.skip("newest: .venv runs Python %s, not %s (scripts/bootstrap.sh found no Python %s)" % (running, entry.python, entry.python))
    session.run(str(python), "-m", "pytest", "-n", WORKERS, _junit(entry.name), *session.posargs, external=True)


def _install_collections(session: nox.Session, entry: Entry) -> None:
    """Unpack ``entry.collections`` from the wheel of ``entry.collections_from`` into the virtualenv's
    site-packages, where the `ansible` package keeps the collections it bundles."""
    purelib = session.run("python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", silent=True).strip()
    target = Path(purelib)
    stamp = target / "ansible_collections" / (".from-%s" % entry.collections_from)
    if stamp.exists():
        return
    wheels = ROOT / ".nox" / "wheels"
    session.run("python", "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels), entry.collections_from)
    release = entry.collections_from.split("==")[1]
    wheel = next(wheels.glob("ansible-%s-*.whl" % release))
    prefixes = tuple("ansible_collections/%s/" % c for c in entry.collections)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target, [n for n in archive.namelist() if n.startswith(prefixes)])
    stamp.touch()


def _entry_session(entry: Entry):
    def run(session: nox.Session) -> None:
        if entry is ENTRIES[0]:
            _newest(session)
            return
        if find_python(entry.python) is None:
            session.skip("%s: Python %s not found (scripts/find_python.sh %s)" % (entry.name, entry.python, entry.python))
        install = ["-c", str(entry.constraints), "-r", str(ROOT / "requirements-test.txt")]
        if entry.ansible != "-":
            install.append("ansible==%s" % entry.ansible)
        else:
            install.append("ansible-core==%s" % entry.ansible_core)
        session.install(*install)
        if entry.collections_from:
            _install_collections(session, entry)
        ignore = ["--ignore=%s" % path for path in MATRIX_IGNORE]
        session.run("python", "-m", "pytest", "-n", WORKERS, _junit(entry.name), *ignore, *(session.posargs or MATRIX_TESTS))

    run.__doc__ = "Python %s, ansible %s (ansible-core %s, amazon.aws %s, community.docker %s)" % (
        entry.python,
        entry.ansible,
        entry.ansible_core,
        entry.amazon_aws,
        entry.community_docker,
    )
    return run


for _entry in ENTRIES:
    _python = False if _entry is ENTRIES[0] else (find_python(_entry.python) or _entry.python)
    nox.session(name=_entry.name, python=_python)(_entry_session(_entry))

if __name__ == "__main__":
    sys.exit("run with nox: .venv/bin/nox")
