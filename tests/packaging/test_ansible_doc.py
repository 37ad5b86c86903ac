"""ansible-doc renders every module with the ansible of the running support-matrix entry, and
ecr_image_push's Docker options are exactly those of community.docker.docker_image_push there."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from helpers import BIN, ROOT
from tooling import module_names

ENV = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")


def _foreign_deprecation(line: str) -> bool:
    return line.startswith("[DEPRECATION WARNING]") and "stowage" not in line or "Deprecation warnings can be disabled" in line


def ansible_doc(*names: str) -> dict:
    proc = subprocess.run([str(BIN / "ansible-doc"), "-j", *names], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, "ansible-doc -j %s exited %d:\n%s" % (" ".join(names), proc.returncode, proc.stderr[-3000:])
    # deprecations of other collections' code (amazon.aws 10 on ansible-core 2.20) are theirs; anything else is ours
    problems = [line for line in proc.stderr.splitlines() if ("WARNING" in line or "ERROR" in line) and not _foreign_deprecation(line)]
    assert not problems, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def docs() -> dict:
    return ansible_doc(*("stowage.ecr.%s" % m for m in module_names()))


@pytest.mark.parametrize("module", module_names())
def test_ansible_doc_renders_the_module(docs, module):
    doc = docs["stowage.ecr.%s" % module]["doc"]
    assert doc["module"] == module and doc["short_description"] and doc["options"]
    for option, spec in doc["options"].items():
        assert spec.get("description"), "%s: option %s has no description" % (module, option)
    assert docs["stowage.ecr.%s" % module]["examples"]


def test_image_push_docker_options_match_community_docker(docs):
    ours = docs["stowage.ecr.ecr_image_push"]["doc"]["options"]
    theirs = ansible_doc("community.docker.docker_image_push")["community.docker.docker_image_push"]["doc"]["options"]
    # name and tag are the push module's own; ours has name and a list of tags, and (0.3.0) the options of the
    # local image and of the registry side, with amazon.aws's (validate_certs stays the Docker Engine's)
    own = {"name", "tags", "source", "push", "repository", "registry_id", "registry_url", "config_path"}
    aws = set(ansible_doc("amazon.aws.aws_region_info")["amazon.aws.aws_region_info"]["doc"]["options"]) - {"filters", "validate_certs"}
    shape = {k: (v["type"], sorted(v.get("aliases") or [])) for k, v in theirs.items() if k not in ("name", "tag")}
    assert {k: (v["type"], sorted(v.get("aliases") or [])) for k, v in ours.items() if k not in own | aws} == shape
