"""playbooks/site.yml from source: the role builds the image (ecr_repo_build), pushes it digest-aware and
gates on its scan (ecr_repo_scan_gate), against the real Docker Engine and registry; the registry is linked
to moto (scripts/stack_ecr/images.py) so that ECR's API knows what was pushed, as on AWS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import stack
from helpers import ANSIBLE_PLAYBOOK, ROOT, PlayResult, ansible_env, client, manifest_status, unique

GATE_TASK = "Wait for the scan of the pushed image and stop at findings at or above the gate"


@pytest.fixture(scope="module")
def linked(moto, registry):
    stack.link_registry(Path(moto["recording"]).parent, registry)
    yield registry
    (Path(moto["recording"]).parent / "registry-link.json").unlink()


def site(tmp_path: Path, dockerd, extra: dict, *args: str) -> PlayResult:
    cmd = [ANSIBLE_PLAYBOOK, str(ROOT / "playbooks" / "site.yml"), "-e", json.dumps(extra), *args]
    env = ansible_env({"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]})
    return PlayResult(subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False))


def results(play: PlayResult, suffix: str) -> list[dict]:
    return [t["result"] for t in play.tasks if t["name"].endswith(suffix)]


@pytest.mark.slow
def test_site_builds_pushes_and_gates_then_changes_nothing(moto, linked, dockerd, tmp_path):
    name = unique("rolebuild")
    context = tmp_path / "src"
    context.mkdir()
    (context / "app.txt").write_text("app %s\n" % name)
    (context / "extra.txt").write_text("only in the final stage\n")
    (context / "build.Dockerfile").write_text(
        "FROM scratch AS base\nARG NOTE=none\nLABEL note=$NOTE\nCOPY app.txt /app.txt\nFROM base AS final\nCOPY extra.txt /extra.txt\n"
    )
    image = "stowage-build-%s:ci" % name.rsplit("-", 1)[-1]
    extra = {
        "ecr_repo_name": name,
        "ecr_repo_image": image,
        "ecr_repo_image_tags": ["latest", "1.0"],
        "ecr_repo_build": {"context": str(context), "dockerfile": "build.Dockerfile", "args": {"NOTE": name}, "target": "base"},
        "ecr_repo_registry_url": linked["url"],
        "ecr_repo_docker_config": str(tmp_path / "docker" / "config.json"),
        "ecr_repo_scan_gate": "CRITICAL",
    }
    # check mode first: nothing is built, created or pushed, and the play says what it could not check
    checked = site(tmp_path, dockerd, extra, "--check")
    assert checked.rc == 0, checked.failures()
    assert "is not built yet" in results(checked, "What check mode cannot show")[0]["msg"]
    assert results(checked, "Build the image")[0]["changed"] is True
    assert name not in [r["repositoryName"] for r in client("ecr").describe_repositories()["repositories"]]
    assert subprocess.run([stack.docker_cli(), "-H", dockerd["host"], "image", "inspect", image], capture_output=True, check=False).returncode != 0

    first = site(tmp_path, dockerd, extra)
    assert first.rc == 0, first.failures()
    built = results(first, "Build the image")[0]
    assert built["changed"] is True and built["image"]["Config"]["Labels"] == {"note": name}
    local_id = built["image"]["Id"]
    assert manifest_status(linked, name, "latest") == (200, local_id) and manifest_status(linked, name, "1.0") == (200, local_id)
    gate = results(first, GATE_TASK)[0]
    pushed = client("ecr").describe_images(repositoryName=name, imageIds=[{"imageTag": "1.0"}])["imageDetails"][0]
    assert gate["image_digest"] == pushed["imageDigest"] and sorted(pushed["imageTags"]) == ["1.0", "latest"]
    assert gate["finding_severity_counts"] == {"HIGH": 1} and gate["image_scan_status"]["status"] == "COMPLETE"

    again = site(tmp_path, dockerd, extra)
    assert again.rc == 0, again.failures()
    assert again.stats["localhost"]["changed"] == 0, [t["name"] for t in again.tasks if t["result"].get("changed")]
    assert results(again, "Build the image")[0]["image"]["Id"] == local_id

    # the moto finding is HIGH: a HIGH gate stops the play, naming the counts; nothing else changes
    gated = site(tmp_path, dockerd, dict(extra, ecr_repo_scan_gate="high"))  # in any case
    assert gated.rc != 0
    failed = results(gated, GATE_TASK)[0]
    assert failed["failed"] and "at or above HIGH: HIGH 1" in failed["msg"] and pushed["imageDigest"] in failed["msg"]
    assert gated.stats["localhost"]["changed"] == 0

    # a build setting the role does not know stops it before anything is built or written
    wrong = site(tmp_path, dockerd, dict(extra, ecr_repo_build={"context": str(context), "buildargs": {}}))
    assert wrong.rc != 0
    assert "ecr_repo_build: unknown keys buildargs" in wrong.failures()
    assert not results(wrong, "Build the image")
