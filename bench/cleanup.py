"""Figures for ecr_image_cleanup on the local stack: 100 repositories of 100 images, 200 ECS task definitions,
50 running tasks and 50 Lambda functions using some of them. Prints the plan's task time (check mode, median of
3, min, max), the API calls of one plan by operation (moto's recorder), and the apply's BatchDeleteImage sizes.

    .venv/bin/python bench/cleanup.py [--repositories 100] [--images 100]

Figures only; nothing is asserted. The goal: a plan in 10 s or less, with calls for listings only.
"""

from __future__ import annotations

import argparse
import base64
import collections
import datetime
import hashlib
import json
import os
import random
import statistics
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
ACCOUNT = "123456789012"
PREFIX = "bench-cleanup"
RULES = [
    {"tag_status": "untagged", "keep_newest": 10},
    {"tag_status": "tagged", "tag_regex": r"v\d+", "exclude_patterns": ["*-lts"], "keep_newest": 20},
]


def manifest(seed: str) -> str:
    digest = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 10, "digest": digest}
    config = {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 10, "digest": digest}
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": config, "layers": [layer]})


def uri(repository: str, tag: str) -> str:
    return "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (ACCOUNT, REGION, repository, tag)


def estate(repositories: int, images: int) -> None:
    rng = random.Random(20261203)
    ecr = boto3.client("ecr", region_name=REGION)
    names = ["%s/r%03d" % (PREFIX, n) for n in range(repositories)]
    start = time.perf_counter()

    def fill(name: str) -> None:
        ecr.create_repository(repositoryName=name)
        for n in range(images):
            tag = {} if n % 3 == 0 else {"imageTag": "v%d" % n}
            ecr.put_image(repositoryName=name, imageManifest=manifest("%s %d" % (name, n)), **tag)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fill, names))
    tagged = [n for n in range(images) if n % 3]
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=PREFIX)
    for n in range(200):
        image = uri(rng.choice(names), "v%d" % rng.choice(tagged))
        ecs.register_task_definition(family="%s-%d" % (PREFIX, n), containerDefinitions=[{"name": "app", "image": image, "memory": 64}])
    network = {"awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}}
    for n in range(50):
        ecs.run_task(cluster=PREFIX, taskDefinition="%s-%d" % (PREFIX, n), launchType="FARGATE", networkConfiguration=network)
    role = boto3.client("iam", region_name=REGION).create_role(RoleName=PREFIX, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    lam = boto3.client("lambda", region_name=REGION)
    for n in range(50):
        code = {"ImageUri": uri(rng.choice(names), "v%d" % rng.choice(tagged))}
        lam.create_function(FunctionName="%s-%d" % (PREFIX, n), Role=role["Role"]["Arn"], PackageType="Image", Code=code)
    print(
        "stack: %d repositories of %d images, 200 task definitions, 50 running tasks, 50 functions made in %.1f s"
        % (repositories, images, time.perf_counter() - start)
    )


def recorder(record: dict, what: str) -> None:
    urllib.request.urlopen(urllib.request.Request(record["url"] + "/moto-api/recorder/" + what, method="POST", data=b""), timeout=10).read()


def operations(record: dict) -> collections.Counter:
    found: collections.Counter = collections.Counter()
    for line in Path(record["recording"]).read_text().splitlines():
        entry = json.loads(line)
        target = {k.lower(): v for k, v in entry.get("headers", {}).items()}.get("x-amz-target")
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        if target:
            found[target.rsplit(".", 1)[-1]] += 1
        elif isinstance(body, str) and "Action=" in body:
            # the query protocol (STS): the operation is in the body
            found[body.split("Action=", 1)[1].split("&", 1)[0]] += 1
        else:
            # Lambda's REST calls: ListFunctions is a GET of /functions/, GetFunction a GET of /functions/NAME
            path = entry.get("url", "").split("?", 1)[0].rstrip("/")
            found["ListFunctions" if path.endswith("/functions") else "GetFunction" if "/functions/" in path else "%s %s" % (entry.get("method"), path)] += 1
    return found


def stamp(text: str) -> float:
    return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def run(work: Path, env: dict, check: bool) -> tuple[float, dict]:
    task = {"name": "cleanup", "stowage.ecr.ecr_image_cleanup": {"repositories": [PREFIX + "/*"], "rules": RULES, "region": REGION}}
    if check:
        task["check_mode"] = True
    play = work / "play.yml"
    play.write_text(json.dumps([{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task]}]))
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ansible-playbook"), str(play)], env=env, capture_output=True, text=True, check=False)
    doc = json.loads(proc.stdout[proc.stdout.index("{") :])
    entry = doc["plays"][0]["tasks"][0]
    result = entry["hosts"]["localhost"]
    if result.get("failed"):
        raise SystemExit("the task failed: %s" % result.get("msg"))
    return stamp(entry["task"]["duration"]["end"]) - stamp(entry["task"]["duration"]["start"]), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repositories", type=int, default=100)
    parser.add_argument("--images", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stowage-bench-cleanup-") as tmp:
        work = Path(tmp)
        record = stack.start_moto(work / "moto")
        try:
            os.environ.update(stack.aws_env(record))
            env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
            estate(args.repositories, args.images)
            times = []
            for attempt in range(3):
                if attempt == 0:
                    recorder(record, "reset-recording")
                    recorder(record, "start-recording")
                seconds, result = run(work, env, check=True)
                if attempt == 0:
                    recorder(record, "stop-recording")
                    calls = operations(record)
                times.append(seconds)
            actions = collections.Counter(e["action"] for e in result["plan"])
            print(
                "plan (check mode): task median %.2f s (min %.2f, max %.2f); %d expire, %d kept on evidence"
                % (statistics.median(times), min(times), max(times), actions["expire"], actions["keep"])
            )
            print("API calls of one plan: %d: %s" % (sum(calls.values()), ", ".join("%s %d" % item for item in sorted(calls.items()))))
            seconds, result = run(work, env, check=False)
            sizes = result.get("batches") or []
            print("apply: task %.2f s; %d BatchDeleteImage calls, sizes %s" % (seconds, len(sizes), dict(collections.Counter(sizes))))
            seconds, result = run(work, env, check=True)
            print("plan after the apply: task %.2f s, changed %s" % (seconds, result["changed"]))
        finally:
            stack.stop(work / "moto")


if __name__ == "__main__":
    main()
