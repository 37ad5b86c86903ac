"""The collection tarball: what it holds, and that it works installed alone in a fresh virtualenv.

`ansible-galaxy collection build`, then a new virtualenv with only the `ansible` package (which
bundles amazon.aws and community.docker) and the collection's own requirements.txt, the tarball
installed offline with --no-deps (Galaxy is out of reach), and playbooks/site.yml run from the
installed collection (`ansible-playbook stowage.ecr.site`) against the session's moto server, with
ANSIBLE_COLLECTIONS_PATH naming the install folder only: the checkout is nowhere on any path.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import sys
import tarfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
import yaml
from helpers import REGION, PlayResult, build_image, local_id, manifest_status, unique
from tooling import ROOT, SITE_PACKAGES, VENV_BIN, explain, module_names, role_names, run, seed_repository, tool_env

# Everything the tarball may hold (paths inside it); anything else is a leftover.
SHIPPED = [
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    "COPYING",
    "requirements.txt",
    "bindep.txt",
    "meta",
    "meta/*.yml",
    "meta/requirements.txt",
    "meta/bindep.txt",
    "plugins",
    "plugins/*",
    "roles",
    "roles/*",
    "playbooks",
    "playbooks/*",
    "changelogs",
    "changelogs/config.yaml",
    "changelogs/changelog.yaml",
    "changelogs/fragments",
    "changelogs/fragments/*.yml",
    "changelogs/fragments/*.yaml",
    "docs",
    "docs/reference",
    "docs/reference/*.rst",
    "docs/migration.md",
    "docs/lifecycle-evaluation.md",
    "docs/cleanup.md",
    "docs/performance.md",
    "docs/examples",
    "docs/examples/*.yml",
]
# Never in the tarball, even where SHIPPED would allow it.
LEFTOVERS = ["*__pycache__*", "*.pyc", "*.log", "*/.*", ".*", "*.tar.gz", "*/molecule*", "*.retry", "*~", "*.swp", "*.orig", "*.rej"]


def _unexpected(members: list[str]) -> list[str]:
    bad = []
    for name in members:
        if any(fnmatch.fnmatch(name, pattern) for pattern in LEFTOVERS) or not any(fnmatch.fnmatch(name, pattern) for pattern in SHIPPED):
            bad.append(name)
    return bad


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    proc = run([VENV_BIN / "ansible-galaxy", "collection", "build", "--output-path", dist, ROOT])
    assert proc.returncode == 0, explain(proc)
    with open(ROOT / "galaxy.yml") as f:
        galaxy = yaml.safe_load(f)
    path = dist / ("%s-%s-%s.tar.gz" % (galaxy["namespace"], galaxy["name"], galaxy["version"]))
    assert path.is_file(), "ansible-galaxy built no %s:\n%s" % (path.name, proc.stdout)
    return path


def test_tarball_holds_the_collection_and_no_leftovers(tarball):
    with tarfile.open(tarball) as tar:
        members = sorted(m.name for m in tar.getmembers())
    print("\n%s: %d bytes (%.1f KiB), %d members" % (tarball.name, tarball.stat().st_size, tarball.stat().st_size / 1024, len(members)))
    assert _unexpected(members) == [], "the tarball holds files that should not ship (galaxy.yml build_ignore):\n%s" % "\n".join(_unexpected(members))
    for name in [
        "MANIFEST.json",
        "FILES.json",
        "README.md",
        "CHANGELOG.md",
        "meta/runtime.yml",
        "meta/execution-environment.yml",
        "requirements.txt",
        "bindep.txt",
        "playbooks/site.yml",
        "docs/migration.md",
        "docs/lifecycle-evaluation.md",
    ]:
        assert name in members, "%s is missing from the tarball" % name
    for module in module_names():
        assert "plugins/modules/%s.py" % module in members
    for role in role_names():
        assert "roles/%s/tasks/main.yml" % role in members
    assert not [m for m in members if m.startswith("tests/")], "tests/ does not ship (see galaxy.yml)"


@pytest.mark.slow
def test_tarball_installed_in_a_fresh_virtualenv_runs_site_playbook(tarball, moto, registry, dockerd, tmp_path):
    # a fresh virtualenv with the Ansible of the running support-matrix entry: its `ansible` package (from
    # pip's cache; no .pyc compiling of its ~16000 modules: that halves the install time), or, where the
    # entry installs ansible-core and the collections apart, the same ansible-core and a copy of them
    venv = tmp_path / "venv"
    proc = run([sys.executable, "-m", "venv", venv])
    assert proc.returncode == 0, explain(proc)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile"]
    try:
        proc = run(pip + ["ansible==%s" % version("ansible")], timeout=900)
    except PackageNotFoundError:
        proc = run(pip + ["ansible-core==%s" % version("ansible-core")], timeout=900)
        assert proc.returncode == 0, explain(proc)
        purelib = run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
        shutil.copytree(SITE_PACKAGES / "ansible_collections", Path(purelib) / "ansible_collections", symlinks=True)
    assert proc.returncode == 0, explain(proc)

    # the tarball, offline, without dependencies (amazon.aws and community.docker come with `ansible`)
    collections = tmp_path / "collections"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PYTHON", "VIRTUAL_ENV"))}
    env = dict(clean, PATH="%s:/usr/bin:/bin" % (venv / "bin"), ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1")
    proc = run([venv / "bin" / "ansible-galaxy", "collection", "install", tarball, "-p", collections, "--offline", "--no-deps"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, explain(proc)
    installed = collections / "ansible_collections" / "stowage" / "ecr"
    assert (installed / "MANIFEST.json").is_file()

    # the collection's runtime requirements, from the installed copy
    proc = run(pip + ["-r", installed / "requirements.txt"], timeout=600)
    assert proc.returncode == 0, explain(proc)

    # ansible sees stowage.ecr in the install folder only, and its dependencies in the venv
    proc = run([venv / "bin" / "ansible-galaxy", "collection", "list", "--format", "yaml"], cwd=tmp_path, env=env, split_stderr=True)
    assert proc.returncode == 0, explain(proc)
    listed = yaml.safe_load(proc.stdout)
    where = [path for path, found in listed.items() if "stowage.ecr" in (found or {})]
    assert where == [str(collections / "ansible_collections")], "stowage.ecr found in %s" % where
    assert any("amazon.aws" in (found or {}) for found in listed.values()), "amazon.aws is not installed in the fresh virtualenv"

    # ansible-doc renders every module of the installed collection
    modules = ["stowage.ecr.%s" % m for m in module_names()]
    proc = run([venv / "bin" / "ansible-doc", "-j", *modules], cwd=tmp_path, env=env, split_stderr=True)
    assert proc.returncode == 0, explain(proc)
    rendered = json.loads(proc.stdout)
    assert sorted(rendered) == sorted(modules) and all(rendered[m]["doc"]["options"] for m in modules)

    # the playbook of the installed collection, as an AWX job would pass extra vars; no image: no push
    name = unique("tarball")
    env_play = dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    cmd = [venv / "bin" / "ansible-playbook", "stowage.ecr.site", "-e", "ecr_repo_name=%s" % name, "-e", "ecr_repo_region=%s" % REGION, "-e", "ecr_repo_image="]
    with seed_repository(name):
        proc = run(cmd, cwd=tmp_path, env=env_play)
        result = PlayResult(proc)
        assert proc.returncode == 0, "site.yml failed:\n%s\n%s" % (result.failures(), proc.stdout[-3000:])
        assert result.stats["localhost"]["failures"] == 0
        assert result.stats["localhost"]["changed"] >= 1

    # as a new user would: the site playbook with a local image creates, pushes and prints the URL, and
    # a second run changes nothing
    pushed = unique("tarball-push")
    image = build_image(dockerd, "stowage-tarball:%s" % pushed.rsplit("-", 1)[-1], "tarball " + pushed)
    cmd = [venv / "bin" / "ansible-playbook", "stowage.ecr.site", "-e", "ecr_repo_name=%s" % pushed, "-e", "ecr_repo_region=%s" % REGION]
    cmd += ["-e", "ecr_repo_image=%s" % image, "-e", "ecr_repo_registry_url=%s" % registry["url"]]
    cmd += ["-e", "ecr_repo_docker_config=%s" % (tmp_path / "docker" / "config.json")]
    env_push = dict(env_play, DOCKER_HOST=dockerd["env"]["DOCKER_HOST"])
    with seed_repository(pushed):
        first = PlayResult(run(cmd, cwd=tmp_path, env=env_push))
        second = PlayResult(run(cmd, cwd=tmp_path, env=env_push))
        assert first.rc == 0, "site.yml with an image failed:\n%s" % first.failures()
        assert first.stats["localhost"]["changed"] >= 3
        assert manifest_status(registry, pushed, "latest") == (200, local_id(dockerd, image))
        assert first["Repository URL"]["msg"].endswith("/" + pushed)
        assert second.rc == 0 and second.stats["localhost"]["changed"] == 0, second.failures()


def test_ansible_builder_reads_the_installed_collections_requirements(tarball, tmp_path):
    """What ansible-builder reads from the installed collection when it is part of an execution environment."""
    builder = VENV_BIN / "ansible-builder"
    if not builder.exists():
        pytest.skip("ansible-builder is not in this virtualenv (%s): it is a development tool of the newest entry" % VENV_BIN)
    collections = tmp_path / "collections"
    # --force: the checkout's own copy, linked where ansible.cfg looks, would count as installed already
    cmd = [VENV_BIN / "ansible-galaxy", "collection", "install", tarball, "-p", collections, "--offline", "--no-deps", "--force"]
    proc = run(cmd, cwd=tmp_path, env=tool_env({"ANSIBLE_COLLECTIONS_PATH": str(collections)}))
    assert proc.returncode == 0, explain(proc)
    assert (collections / "ansible_collections" / "stowage" / "ecr" / "MANIFEST.json").is_file(), explain(proc)
    proc = run([builder, "introspect", "--sanitize", collections], split_stderr=True)
    assert proc.returncode == 0, explain(proc)
    found = yaml.safe_load(proc.stdout)
    for key, filename in (("python", "requirements.txt"), ("system", "bindep.txt")):
        wanted = ["%s  # from collection stowage.ecr" % line for line in _requirement_lines(ROOT / filename)]
        assert wanted, "%s lists no requirement" % filename
        assert sorted(found[key] or []) == sorted(wanted), "ansible-builder introspect of the installed collection:\n%s" % proc.stdout


def _requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
