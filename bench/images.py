"""Figure for stowage.ecr.ecr_image_info on a repository of 10,000 images in moto (with the stack's image
additions): task time and DescribeImages calls, for the whole repository and for a tag-pattern filter.

    .venv/bin/python bench/images.py [--images 10000]

Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

REGION = "ap-south-1"
REPOSITORY = "bench/images"


def manifest(n: int) -> str:
    # moto derives the digest from the layer digests: one layer digest of its own per image
    digest = "sha256:" + hashlib.sha256(b"bench image %d" % n).hexdigest()
    layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 10, "digest": digest}
    config = {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 10, "digest": digest}
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": config, "layers": [layer]})


def recorder(record: dict, what: str) -> None:
    request = urllib.request.Request(record["url"] + "/moto-api/recorder/" + what, method="POST", data=b"")
    urllib.request.urlopen(request, timeout=30).read()


def seconds_of(duration: dict) -> float:
    def stamp(text: str) -> float:
        return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp()

    return stamp(duration["end"]) - stamp(duration["start"])


def run_task(work: Path, record: dict, env: dict, label: str, args: dict) -> None:
    play = work / ("%s.yml" % label.replace(" ", "-"))
    task = {"name": label, "stowage.ecr.ecr_image_info": dict(args, repository=REPOSITORY, region=REGION)}
    play.write_text(json.dumps([{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task]}]))
    recorder(record, "reset-recording")
    recorder(record, "start-recording")
    start = time.perf_counter()
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ansible-playbook"), str(play)], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    recorder(record, "stop-recording")
    calls = sum(1 for line in Path(record["recording"]).read_text().splitlines() if "DescribeImages" in line)
    doc = json.loads(proc.stdout[proc.stdout.index("{") :])
    entry = doc["plays"][0]["tasks"][0]
    result = entry["hosts"]["localhost"]
    print(
        "ecr_image_info (%s): %d images returned; play %.2f s, task %.2f s; DescribeImages calls %d (rc %d)"
        % (label, len(result.get("images") or []), wall, seconds_of(entry["task"]["duration"]), calls, proc.returncode)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stowage-bench-images-") as tmp:
        work = Path(tmp)
        record = stack.start_moto(work / "moto")
        try:
            os.environ.update(stack.aws_env(record))
            env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
            ecr = boto3.client("ecr", region_name=REGION)
            ecr.create_repository(repositoryName=REPOSITORY)
            start = time.perf_counter()

            def put(n: int) -> None:
                tag = {} if n % 4 == 0 else {"imageTag": ("release-%d" if n % 10 == 1 else "build-%d") % n}
                ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest(n), **tag)

            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(put, range(args.images)))
            print("moto: %d images put in %.1f s" % (args.images, time.perf_counter() - start))
            run_task(work, record, env, "whole repository", {})
            run_task(work, record, env, "tag pattern release-*", {"tag_patterns": ["release-*"]})
            run_task(work, record, env, "untagged", {"tag_status": "untagged"})
        finally:
            stack.stop(work / "moto")


if __name__ == "__main__":
    main()
