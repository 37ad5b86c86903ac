"""Shared by the packaging tests: where things are, and running the ecosystem's tools on the checkout."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Iterator, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
# the tools of the virtualenv that runs the tests (each support-matrix entry has its own; the newest is .venv)
VENV_BIN = Path(sys.executable).parent
# the bundled collections of the `ansible` package (amazon.aws, community.docker, ...)
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
# `make` links the checkout here; ansible.cfg names .venv as the collections path
LINKED_COLLECTION = VENV / "ansible_collections" / "stowage" / "ecr"
TAIL = 4000


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a tool run from the checkout: the running virtualenv's bin first, our ansible.cfg, no colours."""
    env = dict(os.environ)
    env["PATH"] = "%s:%s" % (VENV_BIN, env.get("PATH", "/usr/bin:/bin"))
    env.update({"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "NO_COLOR": "1", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "PY_COLORS": "0"})
    env.update(extra or {})
    return env


def run(
    cmd: Sequence[object], cwd: Path = ROOT, env: Mapping[str, str] | None = None, timeout: int = 600, split_stderr: bool = False
) -> subprocess.CompletedProcess:
    """Run ``cmd``, print how long it took; never raises on the exit code.

    stderr goes into stdout unless ``split_stderr`` (then it is ``proc.stderr``).
    """
    started = time.monotonic()
    proc = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=dict(env) if env is not None else tool_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if split_stderr else subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    print("[%5.1fs] %s (rc %d)" % (time.monotonic() - started, " ".join(str(c) for c in cmd), proc.returncode), file=sys.stderr)
    return proc


def explain(proc: subprocess.CompletedProcess) -> str:
    """The command and the tail of its output, for an assertion message."""
    return "%s exited %d:\n%s%s" % (" ".join(proc.args), proc.returncode, proc.stdout[-TAIL:], (proc.stderr or "")[-TAIL:])


def module_names() -> list[str]:
    return sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")


def role_names() -> list[str]:
    roles = ROOT / "roles"
    return sorted(p.name for p in roles.iterdir() if p.is_dir()) if roles.is_dir() else []


@contextlib.contextmanager
def seed_repository(name: str) -> Iterator[None]:
    """Around a run that should make repository ``name`` with the seed's settings: afterwards, check in moto
    that it is scanned on push, AES256-encrypted and has a lifecycle policy; then delete it, whatever happened."""
    import boto3  # pylint: disable=import-outside-toplevel

    ecr = boto3.client("ecr", region_name="ap-south-1")
    try:
        yield
        repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        assert repo["imageScanningConfiguration"]["scanOnPush"] is True
        assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
        assert ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
    finally:
        try:
            ecr.delete_repository(repositoryName=name, force=True)
        except ecr.exceptions.RepositoryNotFoundException:
            pass
