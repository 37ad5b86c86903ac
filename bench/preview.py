"""Figures for the lifecycle preview: the evaluator on 10,000 images and 10 rules, and
stowage.ecr.ecr_lifecycle_preview on a repository of 10,000 images in moto (task time, DescribeImages calls).

    .venv/bin/python bench/preview.py [--images 10000] [--rules 10]

Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / ".venv"))

import stack  # noqa: E402

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import compile_rules  # noqa: E402
from ansible_collections.stowage.ecr.plugins.module_utils._plans.lifecycle_eval import evaluate  # noqa: E402

REGION = "ap-south-1"
NOW = datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)


def rules(count: int) -> list[dict]:
    out = [{"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 14, "count_unit": "days"}]
    for n in range(2, count):
        out.append({"priority": n, "tag_status": "tagged", "tag_prefixes": ["svc%d-" % n], "count_type": "image_count_more_than", "count_number": 50})
    out.append({"priority": 100, "tag_status": "any", "count_type": "image_count_more_than", "count_number": 5000})
    return out[:count]


def synthetic_images(count: int, rule_count: int) -> list[dict]:
    rng = random.Random(20261130)
    images = []
    for n in range(count):
        kind = rng.randrange(rule_count)
        tags = [] if kind == 0 else ["svc%d-%d" % (kind, n)] + (["latest"] if n % 97 == 0 else [])
        pushed = NOW - datetime.timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        images.append({"image_digest": "sha256:%064x" % n, "image_tags": tags, "image_pushed_at": pushed})
    return images


def evaluator_figure(count: int, rule_count: int) -> None:
    images = synthetic_images(count, rule_count)
    policy = compile_rules(rules(rule_count))
    runs = []
    for _round in range(5):
        start = time.perf_counter()
        result = evaluate(policy, images, NOW)
        runs.append(time.perf_counter() - start)
    runs.sort()
    print(
        "evaluator: %d images, %d rules: median %.3f s (min %.3f, max %.3f); %d acted on"
        % (count, rule_count, runs[2], runs[0], runs[-1], len(result["expiring"]))
    )


def stamp(text: str) -> float:
    return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def manifest(n: int) -> str:
    digest = "sha256:" + hashlib.sha256(b"bench %d" % n).hexdigest()
    layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 10, "digest": digest}
    config = {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 10, "digest": digest}
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": config, "layers": [layer]})


def module_figure(count: int, rule_count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="stowage-bench-preview-") as tmp:
        work = Path(tmp)
        record = stack.start_moto(work / "moto")
        try:
            env = dict(os.environ, **stack.aws_env(record), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
            os.environ.update(stack.aws_env(record))
            ecr = boto3.client("ecr", region_name=REGION)
            ecr.create_repository(repositoryName="bench/preview")
            start = time.perf_counter()

            def put(n: int) -> None:
                tag = {} if n % 3 == 0 else {"imageTag": "svc%d-%d" % (n % rule_count or 1, n)}
                ecr.put_image(repositoryName="bench/preview", imageManifest=manifest(n), **tag)

            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(put, range(count)))
            print("moto: %d images put in %.1f s" % (count, time.perf_counter() - start))
            play = work / "play.yml"
            task = {
                "stowage.ecr.ecr_lifecycle_preview": {
                    "repository": "bench/preview",
                    "rules": rules(rule_count),
                    "as_of": "2027-06-01T00:00:00Z",
                    "region": REGION,
                }
            }
            play.write_text(json.dumps([{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [dict(task, name="preview")]}]))
            urlopen = __import__("urllib.request").request.urlopen
            for what in ("reset-recording", "start-recording"):
                urlopen(__import__("urllib.request").request.Request(record["url"] + "/moto-api/recorder/" + what, method="POST", data=b"")).read()
            start = time.perf_counter()
            proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ansible-playbook"), str(play)], env=env, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            urlopen(__import__("urllib.request").request.Request(record["url"] + "/moto-api/recorder/stop-recording", method="POST", data=b"")).read()
            calls = sum(1 for line in Path(record["recording"]).read_text().splitlines() if "DescribeImages" in line)
            doc = json.loads(proc.stdout[proc.stdout.index("{") :])
            result = doc["plays"][0]["tasks"][0]["hosts"]["localhost"]
            duration = doc["plays"][0]["tasks"][0]["task"]["duration"]
            task_seconds = stamp(duration["end"]) - stamp(duration["start"])
            print(
                "ecr_lifecycle_preview: %d images, %d rules: play %.2f s, task %.2f s; DescribeImages calls %d; evaluated %s, acted on %d (rc %d)"
                % (count, rule_count, seconds, task_seconds, calls, result.get("evaluated"), len(result.get("expiring") or []), proc.returncode)
            )
        finally:
            stack.stop(work / "moto")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--rules", type=int, default=10)
    args = parser.parse_args()
    evaluator_figure(args.images, args.rules)
    module_figure(args.images, args.rules)


if __name__ == "__main__":
    main()
