"""docs/local-stack.md as a new user reads it: the variables it names are the ones the stack prints, and its
sample play runs as written against the stack (a second run changes nothing)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import stack
from helpers import ANSIBLE_PLAYBOOK, ROOT, PlayResult, client, local_id, manifest_status

PAGE = ROOT / "docs" / "local-stack.md"


def blocks(language: str) -> list[str]:
    return re.findall(r"^```%s\n(.*?)^```$" % language, PAGE.read_text(), flags=re.S | re.M)


def stack_env(moto, registry, dockerd) -> dict:
    """What `stack.py start --with all` prints, for the test's stack (its parts run in directories of their own)."""
    return dict(stack.aws_env(moto), **registry["env"], **dockerd["env"])


def test_the_page_names_the_variables_the_stack_prints(moto, registry, dockerd):
    printed = set(stack_env(moto, registry, dockerd))
    shown = next(b for b in blocks("sh") if "scripts/stack.py start --with all\nexport" in b)
    assert set(re.findall(r"^export (\w+)=", shown, flags=re.M)) == printed
    table = PAGE.read_text().split("## The variables", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`\w+`(?:, `\w+`)*) \|", table, flags=re.M)
    assert {name for row in rows for name in re.findall(r"`(\w+)`", row)} == printed


@pytest.mark.slow
def test_the_sample_play_runs_as_written(moto, linked, dockerd, tmp_path):
    play = next(b for b in blocks("yaml") if b.startswith("# my-play.yml\n"))
    path = tmp_path / "my-play.yml"
    path.write_text(play)
    registry, _config = linked
    # the shell of the page: nothing of the caller's AWS or Docker settings, the stack's variables, run from the
    # checkout's root (its ansible.cfg); only the output format is the test's, to read the results
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DOCKER_", "STOWAGE_", "ANSIBLE_"))}
    env.update(stack_env(moto, registry, dockerd), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")

    def run() -> PlayResult:
        return PlayResult(subprocess.run([ANSIBLE_PLAYBOOK, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False))

    first = run()
    assert first.rc == 0, first.failures()
    shown = first["Show both"]["msg"]
    assert shown["registry"]["dev"] == shown["registry"]["prod"] and [sorted(t) for t in shown["ecr_api"]] == [["dev", "prod"]]

    # ECR's API and the registry agree with what the play said
    images = client("ecr").describe_images(repositoryName="my-app")["imageDetails"]
    assert len(images) == 1 and sorted(images[0]["imageTags"]) == ["dev", "prod"] and images[0]["imageDigest"] == shown["registry"]["prod"]
    assert manifest_status(registry, "my-app", "prod") == (200, local_id(dockerd, "my-app:dev"))

    second = run()
    assert second.rc == 0, second.failures()
    assert second.stats["localhost"]["changed"] == 0, json.dumps([t["name"] for t in second.tasks if t["result"].get("changed")])
