"""ecr_image_cleanup through ansible-playbook against the stack's moto server, which serves ECS and Lambda too:
images in several repositories, a task definition, a running task and a Lambda function that use some of them,
an image index and referrers; checked with boto3."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time

import pytest
import yaml
from helpers import ANSIBLE_PLAYBOOK, REGION, ROOT, Recorder, ansible_env, client, image_manifest, run_play, unique, writes

ACCOUNT = "123456789012"
MODULE = "stowage.ecr.ecr_image_cleanup"
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
RULES = [
    {"tag_status": "tagged", "tag_regex": r"v\d+", "keep_newest": 1, "description": "releases"},
    {"tag_status": "untagged", "keep_newest": 1},
]


def uri(name: str, tag: str) -> str:
    return "%s.dkr.ecr.%s.amazonaws.com/%s:%s" % (ACCOUNT, REGION, name, tag)


def put(name: str, text: str, tag: str | None = None, media_type: str | None = None) -> str:
    kwargs = {"imageTag": tag} if tag else {}
    if media_type:
        # moto draws an index's digest at random: give the real one (and the referrers' too)
        kwargs.update(imageManifestMediaType=media_type, imageDigest="sha256:" + hashlib.sha256(text.encode()).hexdigest())
    return client("ecr").put_image(repositoryName=name, imageManifest=text, **kwargs)["image"]["imageId"]["imageDigest"]


def referrer(name: str, subject: str, seed: str) -> str:
    empty = {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2, "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest()}
    blob = {"mediaType": "application/vnd.example.signature", "size": 9, "digest": "sha256:" + hashlib.sha256(seed.encode()).hexdigest()}
    text = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.signature", "config": empty, "layers": [blob]}
    text["subject"] = {"mediaType": DOCKER_V2, "size": 100, "digest": subject}
    return put(name, json.dumps(text), media_type=OCI_MANIFEST)


def index(name: str, children: list[str], tag: str) -> str:
    entries = [{"mediaType": DOCKER_V2, "size": 100, "digest": d, "platform": {"architecture": a, "os": "linux"}} for d, a in zip(children, ("amd64", "arm64"))]
    return put(name, json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}), tag, OCI_INDEX)


def digests(name: str) -> set[str]:
    return {d["imageDigest"] for d in client("ecr").describe_images(repositoryName=name, filter={"imageStatus": "ANY"})["imageDetails"]}


def generations(*steps):
    """Run each step a second after the one before: moto stamps pushes to the second."""
    for n, step in enumerate(steps):
        if n:
            time.sleep(1.05)
        step()


@pytest.fixture()
def estate(moto):
    """Three repositories under a prefix; api:v1 in an ACTIVE task definition, api:v2 only in a running task (its task
    definition deregistered), web:v1 in a Lambda function; an index in multi; signatures of api:v3 and api:v4."""
    prefix = unique("cleanup")
    api, web, multi = prefix + "/api", prefix + "/web", prefix + "/multi"
    for name in (api, web, multi):
        client("ecr").create_repository(repositoryName=name)
    d: dict[str, str] = {}

    def first():
        d["api:v1"], d["web:v1"] = put(api, image_manifest(api + "1"), "v1"), put(web, image_manifest(web + "1"), "v1")
        d["c1"], d["c2"] = put(multi, image_manifest(multi + "c1")), put(multi, image_manifest(multi + "c2"))

    def second():
        d["api:v2"], d["web:v2"] = put(api, image_manifest(api + "2"), "v2"), put(web, image_manifest(web + "2"), "v2")
        d["m1"], d["o1"] = index(multi, [d["c1"], d["c2"]], "m1"), put(multi, image_manifest(multi + "o1"))

    def third():
        d["api:v3"], d["web:v3"] = put(api, image_manifest(api + "3"), "v3"), put(web, image_manifest(web + "3"), "v3")

    def fourth():
        d["api:v4"] = put(api, image_manifest(api + "4"), "v4")

    def fifth():
        d["sig3"], d["sig4"] = referrer(api, d["api:v3"], api + "s3"), referrer(api, d["api:v4"], api + "s4")

    def sixth():
        d["api:fresh"], d["multi:fresh"] = put(api, image_manifest(api + "f")), put(multi, image_manifest(multi + "f"))

    generations(first, second, third, fourth, fifth, sixth)

    ecs = client("ecs")
    ecs.create_cluster(clusterName=prefix)
    ecs.register_task_definition(family=prefix + "-api", containerDefinitions=[{"name": "api", "image": uri(api, "v1"), "memory": 64}])
    running = ecs.register_task_definition(family=prefix + "-job", containerDefinitions=[{"name": "job", "image": uri(api, "v2"), "memory": 64}])
    network = {"awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}}
    ecs.run_task(cluster=prefix, taskDefinition=prefix + "-job", launchType="FARGATE", networkConfiguration=network)
    ecs.deregister_task_definition(taskDefinition=running["taskDefinition"]["taskDefinitionArn"])
    role = client("iam").create_role(RoleName=prefix, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    client("lambda").create_function(FunctionName=prefix, Role=role["Role"]["Arn"], PackageType="Image", Code={"ImageUri": uri(web, "v1")})
    yield prefix, (api, web, multi), d
    for task in ecs.list_tasks(cluster=prefix)["taskArns"]:
        ecs.stop_task(cluster=prefix, task=task)
    for arn in ecs.list_task_definitions(familyPrefix=prefix + "-api")["taskDefinitionArns"]:
        ecs.deregister_task_definition(taskDefinition=arn)
    client("lambda").delete_function(FunctionName=prefix)


def four_times(args):
    return [
        {"name": "check", MODULE: args, "check_mode": True},
        {"name": "real", MODULE: args},
        {"name": "check again", MODULE: args, "check_mode": True},
        {"name": "real again", MODULE: args},
    ]


def test_cleanup_keeps_what_runs_index_children_and_referrers(estate, moto, tmp_path):
    prefix, (api, web, multi), d = estate
    args = {"repositories": [prefix + "/*"], "rules": RULES}
    with Recorder(moto) as recorder:
        check = run_play([four_times(args)[0]], tmp_path)["check"]
    assert writes(recorder.operations()) == [] and check["changed"] is True, check.get("msg")
    # listings and BatchGetImage of the index only: no call per image
    operations = recorder.operations()
    assert operations.count("BatchGetImage") == 1 and "ListImageReferrers" not in operations
    assert {"ListTaskDefinitions", "DescribeTaskDefinition", "ListClusters", "ListTasks", "DescribeTasks"} <= set(operations)

    planned = {(e["repository"], e["digest"]): (e["action"], e["rule"]) for e in check["plan"]}
    expected = {
        (api, d["api:v3"]): ("expire", "rules[0] (releases)"),
        (api, d["sig3"]): ("expire", "rules[1]"),  # goes with its subject (and the untagged rule selects it)
        (web, d["web:v2"]): ("expire", "rules[0] (releases)"),
        (multi, d["o1"]): ("expire", "rules[1]"),
        (api, d["api:v1"]): ("keep", "rules[0] (releases)"),
        (api, d["api:v2"]): ("keep", "rules[0] (releases)"),
        (web, d["web:v1"]): ("keep", "rules[0] (releases)"),
        (api, d["sig4"]): ("keep", "rules[1]"),
        (multi, d["c1"]): ("keep", "rules[1]"),
        (multi, d["c2"]): ("keep", "rules[1]"),
    }
    assert planned == expected
    reasons = {e["digest"]: e["reason"] for e in check["plan"]}
    assert "ECS task definition %s-api:1" % prefix in reasons[d["api:v1"]]
    assert "ECS task " in reasons[d["api:v2"]] and "task definition" not in reasons[d["api:v2"]]
    assert "Lambda function %s" % prefix in reasons[d["web:v1"]]
    assert "listed by the image index %s" % d["m1"] in reasons[d["c1"]]
    assert "refers to %s, which stays" % d["api:v4"] in reasons[d["sig4"]]
    # the subject is deleted before its referrer
    order = [e["digest"] for e in check["plan"] if e["action"] == "expire"]
    assert order.index(d["api:v3"]) < order.index(d["sig3"])
    assert check["totals"][api]["expire"] == 2 and check["totals"][api]["kept_by_evidence"] == 3 and check["totals"][multi]["images"] == 5
    assert check["as_lifecycle_policy"] is None

    play = run_play(four_times(args)[1:], tmp_path)
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("real", "check again", "real again")] == [True, False, False]
    real = play["real"]
    assert real["batches"] == [2, 1, 1] and {(e["repository"], e["digest"]): (e["action"], e["rule"]) for e in real["plan"]} == expected
    assert d["api:v3"] + " v3 standard" in real["diff"]["before"][api] and not any(d["api:v3"] in line for line in real["diff"]["after"][api])
    assert digests(api) == {d["api:v1"], d["api:v2"], d["api:v4"], d["sig4"], d["api:fresh"]}
    assert digests(web) == {d["web:v1"], d["web:v3"]}
    assert digests(multi) == {d["m1"], d["c1"], d["c2"], d["multi:fresh"]}
    for task in ("check again", "real again"):
        assert [e["action"] for e in play[task]["plan"]] == ["keep"] * 6 and play[task]["refused"] == []
    assert play["real again"]["diff"]["before"] == play["real again"]["diff"]["after"]


@pytest.fixture()
def three(moto):
    """A repository with v1, v2, v3 pushed a second apart."""
    name = unique("cleanup-three")
    client("ecr").create_repository(repositoryName=name)
    found = {}

    def pusher(tag):
        return lambda: found.__setitem__(tag, put(name, image_manifest(name + tag), tag))

    generations(pusher("v1"), pusher("v2"), pusher("v3"))
    return name, found


@pytest.mark.parametrize("limit", [1, "50%"])
def test_max_delete_refuses_before_any_write(three, moto, tmp_path, limit):
    name, images = three
    args = {"repositories": [name], "rules": [{"keep_newest": 1}], "keep_in_use": [], "max_delete": limit}
    with Recorder(moto) as recorder:
        play = run_play([{"name": "over", MODULE: args, "ignore_errors": True}], tmp_path)
    over = play["over"]
    assert over["failed"] and over["msg"].startswith("max_delete: the plan expires more images than allowed"), over["msg"]
    assert "%s: 2 of 3 images (max_delete allows 1)" % name in over["msg"] and len(over["plan"]) == 2
    assert writes(recorder.operations()) == [] and digests(name) == set(images.values())


def test_plan_file_then_apply_plan_refuses_a_drifted_entry(three, moto, tmp_path):
    name, images = three
    plan_file = tmp_path / "plans" / "cleanup.json"
    plan_file.parent.mkdir()
    args = {"repositories": [name], "rules": [{"keep_newest": 1}], "keep_in_use": [], "plan_file": str(plan_file)}
    with Recorder(moto) as recorder:
        play = run_play([{"name": "plan", MODULE: args, "check_mode": True}], tmp_path)
    assert writes(recorder.operations()) == []
    planned = play["plan"]
    assert planned["changed"] and planned["plan_file"] == str(plan_file)
    assert [(e["digest"], e["action"]) for e in planned["plan"]] == [(images["v1"], "expire"), (images["v2"], "expire")]
    # no evidence, one count: a lifecycle policy would do the same
    policy = json.loads(planned["as_lifecycle_policy"]["policy_text"])
    selection = {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}
    assert policy == {"rules": [{"rulePriority": 1, "selection": selection, "action": {"type": "expire"}}]}
    document = json.loads(plan_file.read_text())
    assert [e["digest"] for e in document["repositories"][0]["entries"]] == [images["v1"], images["v2"]]

    # v1 gets a tag after the plan: its entry is refused, v2 goes
    client("ecr").put_image(repositoryName=name, imageManifest=image_manifest(name + "v1"), imageTag="hold")
    play = run_play(
        [
            {"name": "apply check", MODULE: {"apply_plan": str(plan_file)}, "check_mode": True},
            {"name": "apply", MODULE: {"apply_plan": str(plan_file)}},
        ],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    for task in ("apply check", "apply"):
        result = play[task]
        assert result["changed"] and [e["digest"] for e in result["plan"]] == [images["v2"]]
        assert [(r["digest"], r["refused"]) for r in result["refused"]] == [(images["v1"], "the image changed since the plan (tags)")]
    assert play["apply"]["batches"] == [1]
    assert digests(name) == {images["v1"], images["v3"]}


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"rules": [{"keep_newest": 1}, {"keep_newest": 1, "tag_regexp": "v.*"}]}, "rules[1].tag_regexp: unknown rule key"),
        ({"rules": [{"tag_regex": "v((", "keep_newest": 1}]}, "rules[0].tag_regex: 'v((' is not a regular expression"),
        ({"rules": [{"keep_newest": 0}]}, "rules[0].keep_newest: 0 is not accepted"),
        ({"rules": [{"keep_newest": 1}], "max_delete": "lots"}, "max_delete: 'lots' is not accepted"),
        ({"rules": [{"keep_newest": 1}], "keep_images": ["nginx:1"]}, "keep_images[0]: 'nginx:1' is not an ECR image URI"),
        ({"rules": [{"keep_newest": 1}], "usage_sources": [{"region": "mars"}]}, "usage_sources[0].region: 'mars' is not a region name"),
    ],
)
def test_bad_input_fails_before_any_call(three, moto, tmp_path, args, fragment):
    name, images = three
    with Recorder(moto) as recorder:
        play = run_play([{"name": "bad", MODULE: dict({"repositories": [name]}, **args), "ignore_errors": True}], tmp_path)
    assert play["bad"]["failed"] and fragment in play["bad"]["msg"], play["bad"]["msg"]
    assert writes(recorder.operations()) == [] and digests(name) == set(images.values())


def test_the_cleanup_playbook_plans_then_applies(three, tmp_path):
    name, images = three
    host = "stack-" + REGION
    inventory = tmp_path / "inventory" / "hosts.yml"
    inventory.parent.mkdir()
    group = {"vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}
    group["hosts"] = {host: {"ecr_repo_region": REGION, "ecr_cleanup_repositories": [name], "ecr_cleanup_rules": [{"keep_newest": 1}]}}
    group["hosts"][host]["ecr_cleanup_keep_in_use"] = []
    inventory.write_text(yaml.safe_dump({"ecr_fleet": group}))

    def playbook(*args):
        command = [ANSIBLE_PLAYBOOK, "-i", str(inventory), str(ROOT / "playbooks" / "cleanup.yml"), *args]
        proc = subprocess.run(command, cwd=ROOT, env=ansible_env(), capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        doc = json.loads(proc.stdout[proc.stdout.index("{") :])
        return {t["task"]["name"]: t["hosts"].get(host, {}) for p in doc["plays"] for t in p["tasks"]}

    planned = playbook()
    plan_file = tmp_path / "inventory" / "cleanup-plans" / (host + ".json")
    assert planned["Plan the cleanup (nothing is written to AWS)"]["plan_file"] == str(plan_file) and plan_file.is_file()
    assert planned["Apply the approved plan"].get("skipped") and digests(name) == set(images.values())
    applied = playbook("-e", "ecr_cleanup_step=apply")
    assert applied["Apply the approved plan"]["changed"] and applied["Apply the approved plan"]["batches"] == [2]
    assert applied["What the step did, per repository"]["msg"]["totals"][name]["expire"] == 2
    assert digests(name) == {images["v3"]}
