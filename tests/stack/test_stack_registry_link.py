"""The stack's registry and moto as one ECR (scripts/stack_ecr/registry_link.py): real docker pushes are images
of the API with their own push times, deletes through the API reach the registry, promoted tags can be pulled."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from helpers import build_image, client, docker, local_id, manifest_status, unique


def push(dockerd, config: str, reference: str, content: str) -> str:
    """Build a tiny image as ``reference``, push it; its local image id."""
    build_image(dockerd, reference, content)
    docker(dockerd, "--config", config, "push", reference)
    return local_id(dockerd, reference)


def pull_fails(dockerd, config: str, reference: str) -> bool:
    done = subprocess.run(
        ["/usr/bin/docker", "-H", dockerd["host"], "--config", config, "pull", reference], capture_output=True, text=True, timeout=120, check=False
    )
    return done.returncode != 0 and "not found" in (done.stderr + done.stdout).lower()


def details(name: str) -> dict:
    """imageDigest -> image detail, every image of the repository."""
    found = client("ecr").describe_images(repositoryName=name, filter={"imageStatus": "ANY"})["imageDetails"]
    return {d["imageDigest"]: d for d in found}


def test_each_push_is_an_image_at_once_with_its_own_push_time(linked, dockerd):
    record, config = linked
    name = unique("linkpush")
    client("ecr").create_repository(repositoryName=name)
    digests = []
    for n in range(3):
        push(dockerd, config, "%s/%s:v%d" % (record["host"], name, n), "%s %d" % (name, n))
        # read at once: the image is there, with the digest the registry gives it
        found = client("ecr").describe_images(repositoryName=name, imageIds=[{"imageTag": "v%d" % n}])["imageDetails"]
        digests.append(found[0]["imageDigest"])
    images = details(name)
    assert sorted(images) == sorted(digests)
    times = [images[d]["imagePushedAt"] for d in digests]
    assert times == sorted(times) and len(set(times)) == 3, times

    # another tag on a pushed image keeps its push time; a tag pushed onto new content leaves the old image untagged
    docker(dockerd, "--config", config, "tag", "%s/%s:v0" % (record["host"], name), "%s/%s:stable" % (record["host"], name))
    docker(dockerd, "--config", config, "push", "%s/%s:stable" % (record["host"], name))
    push(dockerd, config, "%s/%s:v1" % (record["host"], name), "%s 1 again" % name)
    images = details(name)
    assert images[digests[0]]["imagePushedAt"] == times[0] and sorted(images[digests[0]]["imageTags"]) == ["stable", "v0"]
    assert "imageTags" not in images[digests[1]] and images[digests[1]]["imagePushedAt"] == times[1]
    newest = [d for d in images if d not in digests]
    assert len(newest) == 1 and images[newest[0]]["imageTags"] == ["v1"] and images[newest[0]]["imagePushedAt"] > times[2]


def test_a_late_notification_is_recorded_before_the_next_read(linked, moto, dockerd):
    record, config = linked
    link_file = Path(moto["recording"]).parent / "registry-link.json"
    link_file.write_text(json.dumps(dict(json.loads(link_file.read_text()), event_delay=1.5)))
    name = unique("linklate")
    client("ecr").create_repository(repositoryName=name)
    push(dockerd, config, "%s/%s:late" % (record["host"], name), name)
    started = time.monotonic()
    found = client("ecr").list_images(repositoryName=name)["imageIds"]
    # the read waited for the notification the registry still held
    assert [i["imageTag"] for i in found] == ["late"]
    assert time.monotonic() - started > 0.5


def test_a_delete_through_ecr_reaches_the_registry(linked, dockerd):
    record, config = linked
    name = unique("linkdel")
    ecr = client("ecr")
    ecr.create_repository(repositoryName=name)
    kept = push(dockerd, config, "%s/%s:keep" % (record["host"], name), name + " keep")
    push(dockerd, config, "%s/%s:a" % (record["host"], name), name + " a")
    docker(dockerd, "--config", config, "tag", "%s/%s:a" % (record["host"], name), "%s/%s:b" % (record["host"], name))
    docker(dockerd, "--config", config, "push", "%s/%s:b" % (record["host"], name))
    digest = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "a"}])["imageDetails"][0]["imageDigest"]

    # one of two tags: the image stays with the other, the registry no longer serves the removed one
    assert ecr.batch_delete_image(repositoryName=name, imageIds=[{"imageTag": "a"}])["failures"] == []
    assert pull_fails(dockerd, config, "%s/%s:a" % (record["host"], name))
    assert manifest_status(record, name, "a")[0] == 404 and manifest_status(record, name, "b")[0] == 200
    assert details(name)[digest]["imageTags"] == ["b"]

    # the whole image: gone from both, and no later read brings it back
    ecr.batch_delete_image(repositoryName=name, imageIds=[{"imageDigest": digest}])
    assert pull_fails(dockerd, config, "%s/%s:b" % (record["host"], name))
    assert manifest_status(record, name, digest)[0] == 404
    assert list(details(name)) == [ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "keep"}])["imageDetails"][0]["imageDigest"]]
    assert manifest_status(record, name, "keep") == (200, kept)


def test_a_tag_promoted_with_put_image_can_be_pulled(linked, dockerd):
    record, config = linked
    name = unique("linkpromote")
    ecr = client("ecr")
    ecr.create_repository(repositoryName=name)
    image_id = push(dockerd, config, "%s/%s:rc-1" % (record["host"], name), name)
    got = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "rc-1"}])["images"][0]
    pushed_at = details(name)[got["imageId"]["imageDigest"]]["imagePushedAt"]
    ecr.put_image(repositoryName=name, imageManifest=got["imageManifest"], imageManifestMediaType=got["imageManifestMediaType"], imageTag="prod")

    assert manifest_status(record, name, "prod") == (200, image_id)
    docker(dockerd, "--config", config, "rmi", "%s/%s:rc-1" % (record["host"], name))
    docker(dockerd, "--config", config, "pull", "%s/%s:prod" % (record["host"], name))
    assert local_id(dockerd, "%s/%s:prod" % (record["host"], name)) == image_id
    image = details(name)[got["imageId"]["imageDigest"]]
    assert sorted(image["imageTags"]) == ["prod", "rc-1"] and image["imagePushedAt"] == pushed_at

    # a repository deleted through ECR takes its images out of the registry too
    ecr.delete_repository(repositoryName=name, force=True)
    assert manifest_status(record, name, "prod")[0] == 404 and manifest_status(record, name, "rc-1")[0] == 404


def test_without_the_link_nothing_crosses_over(linked, moto, dockerd):
    record, config = linked
    (Path(moto["recording"]).parent / "registry-link.json").rename(Path(moto["recording"]).parent / "registry-link.off")
    try:
        name = unique("linkoff")
        ecr = client("ecr")
        ecr.create_repository(repositoryName=name)
        image_id = push(dockerd, config, "%s/%s:v1" % (record["host"], name), name)
        assert ecr.describe_images(repositoryName=name)["imageDetails"] == []
        ecr.delete_repository(repositoryName=name)
        assert manifest_status(record, name, "v1") == (200, image_id)
    finally:
        (Path(moto["recording"]).parent / "registry-link.off").rename(Path(moto["recording"]).parent / "registry-link.json")
