"""The execution environment: meta/execution-environment.yml (ansible-builder schema 3).

`ansible-builder create` must turn it into a build context that installs our Python and system
requirements and the collections we depend on (no image is built: no usable container engine
here). The same file is read a second way by ansible-builder when stowage.ecr is installed in any
execution environment (paths relative to the collection root); both readings must find the same
requirements. tests/packaging/test_build_install.py checks that second reading on the tarball.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from ansible_builder._target_scripts import introspect
from tooling import ROOT, VENV_BIN, explain, run

EE = ROOT / "meta" / "execution-environment.yml"


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_requirement_files_in_meta_are_copies_of_the_root_ones():
    for name in ("requirements.txt", "bindep.txt"):
        copy, original = ROOT / "meta" / name, ROOT / name
        assert not copy.is_symlink(), "meta/%s must be a file: ansible-builder copies a link into the build context as a link" % name
        assert copy.read_text() == original.read_text(), "meta/%s differs from %s: copy it again (cp %s meta/)" % (name, name, name)


def test_requirements_txt_holds_the_aws_sdk():
    python = _lines(ROOT / "requirements.txt")
    assert {line.split(">")[0] for line in python} >= {"boto3", "botocore"}


def test_ansible_builder_create_lists_our_requirements(tmp_path):
    context = tmp_path / "context"
    proc = run([VENV_BIN / "ansible-builder", "create", "-f", EE, "-c", context, "--output-filename", "Containerfile"], cwd=tmp_path)
    assert proc.returncode == 0, explain(proc)
    build = context / "_build"
    assert _lines(build / "requirements.txt") == _lines(ROOT / "requirements.txt")
    assert _lines(build / "bindep.txt") == _lines(ROOT / "bindep.txt")

    with open(build / "requirements.yml") as f:
        galaxy = {c["name"]: c.get("version") for c in yaml.safe_load(f)["collections"]}
    with open(ROOT / "galaxy.yml") as f:
        dependencies = yaml.safe_load(f)["dependencies"]
    assert galaxy == dependencies, "the EE installs %s; galaxy.yml depends on %s" % (galaxy, dependencies)

    containerfile = (context / "Containerfile").read_text()
    for step in ("COPY _build/requirements.txt requirements.txt", "COPY _build/bindep.txt bindep.txt", "ansible-galaxy collection install", "introspect"):
        assert step in containerfile, "%r is not in the generated Containerfile" % step


def test_installed_collection_reading():
    # what ansible-builder's introspect.py does for every collection installed in an EE
    python, system = introspect.process_collection(str(ROOT))
    assert python == _lines(ROOT / "requirements.txt")
    assert system == _lines(ROOT / "bindep.txt")
