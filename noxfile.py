"""The support matrix: the Ansible versions stowage.ecr is tested on, each in a virtualenv of its own.

    .venv/bin/nox                  # every entry (what `make test` runs)
    .venv/bin/nox -s oldest        # one entry; `nox -l` lists them
    .venv/bin/nox -s oldest -- -k login    # arguments after -- go to pytest

The newest entry is `.venv` itself (scripts/bootstrap.sh builds it): it runs the whole suite, with
the development tools (lint, docs, molecule, ansible-test sanity, robustness). The other entries
run in `.nox/<name>`: the unit tests, the packaging tests (build, install, ansible-doc of every
module) and the integration tests marked ``matrix`` (pytest.ini; tests/conftest.py marks the unit and
packaging ones): every module in-process and on the usual path, the roles, and one cycle of each main
module. A run of the whole suite on every entry took 50 minutes on two cores; this one keeps the
version-sensitive parts (argument specs, AnsiballZ, action plugins, roles, collections' behaviour).
Each entry pins every package with its file in constraints/. An entry whose Python is not on this
machine is skipped; scripts/matrix_summary.py prints it as NOT RUN, with the reason, and it
never counts as passed. Under CI (CI=true) an entry that cannot run is an error instead: every entry
must run there.

An entry may test a pre-release of ansible-core (``Entry.ansible_core`` a version such as 2.22.0rc1)
with the collections of an ``ansible`` release made for the ansible-core before it: ansible-core and
the test requirements are installed with the entry's constraints, then that ``ansible`` release with
``--no-deps`` (its own requirement would take ansible-core back to the release it was made with).

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

    @property
    def prerelease(self) -> bool:
        """ansible-core is an alpha, beta or release candidate (2.22.0rc1, 2.22.0b2)."""
        return not self.ansible_core.replace(".", "").isdigit()


ENTRIES = [
    Entry("newest", "3.13", "14.5.0", "2.21.5", "11.4.0", "5.4.0"),
    # the next ansible-core, a release candidate, with the collections of the newest `ansible`
    Entry("core-2.22", "3.13", "14.5.0", "2.22.0rc1", "11.4.0", "5.4.0"),
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


MATRIX_OUTPUT = ROOT / "tests" / "output" / "matrix"


def _junit(name: str) -> str:
    return "--junitxml=%s" % (MATRIX_OUTPUT / ("%s.xml" % name))


def in_ci() -> bool:
    """CI=true (or any value but empty, 0 and false) in the environment: every entry must run."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _cannot_run(session: nox.Session, reason: str) -> None:
    """An entry that cannot run on this machine: an error under CI, elsewhere a skip. Either way the reason is
    left in tests/output/matrix/<entry>.not-run for scripts/matrix_summary.py to print."""
    MATRIX_OUTPUT.mkdir(parents=True, exist_ok=True)
    (MATRIX_OUTPUT / ("%s.not-run" % session.name)).write_text(reason + "\n")
    if in_ci():
        session.error("%s; under CI every entry of the support matrix must run" % reason)
    session.skip(reason)


def _newest(session: nox.Session) -> None:
    entry = ENTRIES[0]
    python = VENV / "bin" / "python"
    version = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, check=False)
    running = version.stdout.strip() or "?"
    if running != entry.python:
        _cannot_run(session, ".venv runs Python %s, not %s (scripts/bootstrap.sh found no Python %s)" % (running, entry.python, entry.python))
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
            _cannot_run(session, "Python %s not found (scripts/find_python.sh %s)" % (entry.python, entry.python))
        # --no-compile: no .pyc for the ~16000 files of `ansible` (about 30 s of a fresh entry); Python compiles
        # what the tests import as they import it
        install = ["--no-compile", "-c", str(entry.constraints), "-r", str(ROOT / "requirements-test.txt")]
        if entry.ansible != "-" and not entry.prerelease:
            install.append("ansible==%s" % entry.ansible)
        else:
            install.append("ansible-core==%s" % entry.ansible_core)
        session.install(*install)
        if entry.ansible != "-" and entry.prerelease:
            # the collections only: `ansible` pins the ansible-core it was released with
            session.install("--no-compile", "--no-deps", "ansible==%s" % entry.ansible)
        if entry.collections_from:
            _install_collections(session, entry)
        ignore = ["--ignore=%s" % path for path in MATRIX_IGNORE]
        selection = session.posargs or ["-m", "matrix", *MATRIX_TESTS]
        session.run("python", "-m", "pytest", "-n", WORKERS, _junit(entry.name), *ignore, *selection)

    run.__doc__ = "Python %s, ansible %s (ansible-core %s%s, amazon.aws %s, community.docker %s)" % (
        entry.python,
        entry.ansible,
        entry.ansible_core,
        ", a pre-release" if entry.prerelease else "",
        entry.amazon_aws,
        entry.community_docker,
    )
    return run


for _entry in ENTRIES:
    # no interpreter (False) for the newest, which runs in .venv, and for an entry whose Python is missing: its
    # session then runs only to say so (nox itself would skip it without a word to the summary)
    _python = False if _entry is ENTRIES[0] else (find_python(_entry.python) or False)
    nox.session(name=_entry.name, python=_python)(_entry_session(_entry))

if __name__ == "__main__":
    sys.exit("run with nox: .venv/bin/nox")
