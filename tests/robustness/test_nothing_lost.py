"""Nothing lost.

- Deleting a repository that holds images without force_delete fails and the images stay:
  tests/integration/test_ecr_repository.py::test_absent_keeps_images_without_force (not repeated here).
- A lifecycle policy change deletes no image itself: ECR applies the policy later, on its own; the
  module only puts the policy.
- A failed push leaves the tag's previous image in place: the role pushed image A under a tag, then a
  push of image B under the same tag fails after the digest check decided to push (the registry,
  behind the fault proxy, refuses the manifest PUT after the layers went up); the tag still holds A.
"""

from __future__ import annotations

import json

import pytest
from conftest import record_figures
from faultproxy import FaultProxy, Rule
from helpers import Recorder, build_image, client, run_play, unique, writes
from robustkit import failed_tasks, image_id, registry_tag, run_site


def put_image(name, tag, seed):
    """An image in moto (its manifest only), tagged or not."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": "sha256:%064x" % seed},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3, "digest": "sha256:%064x" % (seed + 1000)}],
    }
    kwargs = {"imageTag": tag} if tag else {}
    return client("ecr").put_image(repositoryName=name, imageManifest=json.dumps(manifest), **kwargs)["image"]["imageId"]["imageDigest"]


def images(name):
    found = client("ecr").get_paginator("list_images").paginate(repositoryName=name).build_full_result()["imageIds"]
    return sorted((i["imageDigest"], i.get("imageTag", "")) for i in found)


def test_lifecycle_policy_change_deletes_no_image(moto, tmp_path):
    name = unique("keep-images")
    client("ecr").create_repository(repositoryName=name)
    for seed, tag in enumerate(["v1", "v2", "v3", "release-1", "dev-7", None, None], start=1):
        put_image(name, tag, seed)
    before = images(name)
    assert len(before) == 7

    strict = [
        {"priority": 1, "tag_status": "tagged", "tag_prefixes": ["v"], "count_type": "image_count_more_than", "count_number": 1},
        {"priority": 2, "tag_status": "untagged", "count_type": "image_count_more_than", "count_number": 1},
        {"priority": 3, "tag_status": "any", "count_type": "image_count_more_than", "count_number": 1},
    ]
    stricter = [{"priority": 1, "tag_status": "any", "count_type": "since_image_pushed", "count_number": 1}]
    tasks = [
        {"name": "policy", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": strict}},
        {"name": "changed policy", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": stricter}},
        {"name": "no policy", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "state": "absent"}},
    ]
    with Recorder(moto) as recorder:
        play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("policy", "changed policy", "no policy")] == [True, True, True]
    assert writes(recorder.operations()) == ["PutLifecyclePolicy", "PutLifecyclePolicy", "DeleteLifecyclePolicy"]
    assert images(name) == before


@pytest.mark.slow
def test_failed_push_leaves_the_previous_image(moto, registry, dockerd, tmp_path):
    name = unique("robust/push")
    image_a = build_image(dockerd, "robust-push-a:build", "image A " + name)
    image_b = build_image(dockerd, "robust-push-b:build", "image B " + name)
    id_a, id_b = image_id(dockerd, image_a), image_id(dockerd, image_b)
    assert id_a != id_b
    config = tmp_path / "docker" / "config.json"
    env = {"DOCKER_HOST": dockerd["host"]}

    with FaultProxy(registry["url"]) as proxy:
        role_vars = {
            "ecr_repo_name": name,
            "ecr_repo_image_tags": ["stable"],
            "ecr_repo_registry_url": proxy.url,
            "ecr_repo_docker_config": str(config),
        }
        first = run_site(dict(role_vars, ecr_repo_image=image_a), tmp_path, env=env)
        assert first.rc == 0, first.failures()
        assert registry_tag(registry, name, "stable")["config"]["digest"] == id_a

        # the registry takes the layers of B, then refuses its manifest: the push fails after the digest check
        proxy.rules.append(Rule("PUT", r"/manifests/stable$", "error500"))
        proxy.reset_counts()
        second = run_site(dict(role_vars, ecr_repo_image=image_b), tmp_path, env=env)
        counts = proxy.figures()

    record_figures("failed_push", {"injected": counts["injected_by_operation"], "forwarded": counts["forwarded"], "second_run_rc": second.rc})
    print("\nfailed push: injected %s, forwarded %s" % (counts["injected_by_operation"], counts["forwarded"]))
    assert second.rc != 0, "the push of B was expected to fail"
    plans = [t["result"] for t in second.tasks if "to_push" in t["result"]]
    assert plans and plans[-1]["to_push"] == ["stable"], "the digest check (ecr_image_tag_info) decided to push B"
    failed = failed_tasks(second)
    assert len(failed) == 1 and "push" in failed[0].lower(), "the push step, and only it, failed: %s" % failed
    assert counts["injected_by_operation"].get("PUT manifests", 0) >= 1
    assert any(op.endswith("blob uploads") for op in counts["forwarded"]), "the layers of B went up before the manifest was refused"
    # the tag still holds A, whole: its manifest and the config blob it names
    manifest = registry_tag(registry, name, "stable")
    assert manifest is not None and manifest["config"]["digest"] == id_a
