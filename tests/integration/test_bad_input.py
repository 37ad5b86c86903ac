"""Bad input: each task fails with a message that names the option and what is accepted,
and no write reaches the server (moto's request recorder is the witness)."""

from __future__ import annotations

import datetime
import json

import pytest
from helpers import Recorder, client, run_play, unique, writes

REPO = "stowage.ecr.ecr_repository"
LC = "stowage.ecr.ecr_lifecycle_policy"
INFO = "stowage.ecr.ecr_repository_info"


def rule(**fields):
    base = {"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 30}
    base.update(fields)
    return base


def aws_rule(priority=1, **selection):
    sel = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30}
    sel.update(selection)
    return {"rulePriority": priority, "selection": sel, "action": {"type": "expire"}}


def cases(existing):
    """(id, module, args, fragments the message must hold). ``existing`` is a repository that exists."""
    new = "bad-input-new"
    big_policy = {"rules": [dict(aws_rule(i, tagStatus="tagged", tagPrefixList=["p%d-" % i]), description="x" * 250) for i in range(1, 130)]}
    return [
        ("name uppercase", REPO, {"name": "My-Repo"}, ["name:", "'My-Repo'", "lowercase letters and digits"]),
        ("name too short", REPO, {"name": "a"}, ["name:", "2 to 256"]),
        ("name too long", REPO, {"name": "a" * 257}, ["name:", "257 characters", "2 to 256"]),
        ("name trailing slash", REPO, {"name": "team/"}, ["name:", "not a valid repository name"]),
        ("name double dot", REPO, {"name": "app..api"}, ["name:", "not a valid repository name"]),
        ("name non-ascii", REPO, {"name": "répo"}, ["name:", "not a valid repository name"]),
        ("registry id", REPO, {"name": new, "registry_id": "12345"}, ["registry_id:", "12-digit"]),
        ("registry id letters", REPO, {"name": new, "registry_id": "abcdefghijkl"}, ["registry_id:", "12-digit"]),
        ("mutability choice", REPO, {"name": new, "image_tag_mutability": "SOMETIMES"}, ["image_tag_mutability", "MUTABLE, IMMUTABLE"]),
        (
            "filters without exclusion",
            REPO,
            {"name": new, "image_tag_mutability": "MUTABLE", "image_tag_mutability_exclusion_filters": ["latest"]},
            ["image_tag_mutability_exclusion_filters:", "IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION"],
        ),
        (
            "too many filters",
            REPO,
            {"name": new, "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": list("abcdef")},
            ["image_tag_mutability_exclusion_filters:", "1 to 5"],
        ),
        (
            "filter characters",
            REPO,
            {"name": new, "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": ["rel/ease"]},
            ["image_tag_mutability_exclusion_filters:", "'rel/ease'", "wildcard"],
        ),
        (
            "exclusion without filters on existing",
            REPO,
            {"name": existing, "image_tag_mutability": "MUTABLE_WITH_EXCLUSION", "scan_on_push": True},
            ["image_tag_mutability_exclusion_filters:", "1 to 5"],
        ),
        ("kms key empty", REPO, {"name": new, "encryption_type": "KMS", "kms_key": ""}, ["kms_key:", "give a KMS key", "leave kms_key out"]),
        ("kms key with aes", REPO, {"name": new, "encryption_type": "AES256", "kms_key": "alias/x"}, ["kms_key:", "KMS or KMS_DSSE"]),
        ("kms key without type", REPO, {"name": new, "kms_key": "alias/x"}, ["kms_key:", "KMS or KMS_DSSE"]),
        ("encryption choice", REPO, {"name": new, "encryption_type": "ROT13"}, ["encryption_type", "AES256, KMS, KMS_DSSE"]),
        ("reserved tag", REPO, {"name": new, "tags": {"aws:owner": "me"}}, ["tags:", "'aws:owner'", "reserves"]),
        ("tag value list", REPO, {"name": new, "tags": {"team": ["a", "b"]}}, ["tags:", "'team'", "a tag value is a string"]),
        ("tag value null", REPO, {"name": new, "tags": {"team": None}}, ["tags:", "empty (null)"]),
        ("tag value long", REPO, {"name": new, "tags": {"team": "x" * 257}}, ["tags:", "257 characters", "at most 256"]),
        ("tag key long", REPO, {"name": new, "tags": {"k" * 129: "v"}}, ["tags:", "1 to 128"]),
        ("tags not a dict", REPO, {"name": new, "tags": ["team", "a"]}, ["tags", "dict"]),
        ("policy not json", REPO, {"name": new, "policy": "{nope"}, ["policy:", "not valid JSON"]),
        ("policy without statement", REPO, {"name": new, "policy": {"Version": "2012-10-17"}}, ["policy:", "Statement"]),
        (
            "policy too long",
            REPO,
            {
                "name": new,
                "policy": {"Statement": [{"Sid": "s%d" % i, "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"} for i in range(200)]},
            },
            ["policy:", "at most 10240"],
        ),
        (
            "policy and purge",
            REPO,
            {"name": existing, "policy": {"Statement": [{"Effect": "Allow"}]}, "purge_policy": True},
            ["policy, purge_policy:", "not both"],
        ),
        ("scan wrong type", REPO, {"name": new, "scan_on_push": "maybe"}, ["scan_on_push", "bool"]),
        ("unknown option", REPO, {"name": new, "scan": True}, ["Unsupported parameters", "scan"]),
        ("state choice", REPO, {"name": new, "state": "gone"}, ["state", "present, absent"]),
        # lifecycle policies: typed rules
        ("lc neither", LC, {"repository": existing}, ["policy, rules"]),
        ("lc both", LC, {"repository": existing, "rules": [rule()], "policy": {"rules": [aws_rule()]}}, ["mutually exclusive", "policy|rules"]),
        ("lc tagged without tags", LC, {"repository": existing, "rules": [rule(tag_status="tagged")]}, ["priority 1", "tag_prefixes", "tag_patterns"]),
        (
            "lc prefixes and patterns",
            LC,
            {"repository": existing, "rules": [rule(tag_status="tagged", tag_prefixes=["v"], tag_patterns=["v*"])]},
            ["priority 1", "cannot be used together"],
        ),
        ("lc prefixes on untagged", LC, {"repository": existing, "rules": [rule(tag_prefixes=["v"])]}, ["priority 1", "only accepted with tag_status tagged"]),
        (
            "lc five wildcards",
            LC,
            {"repository": existing, "rules": [rule(tag_status="tagged", tag_patterns=["*a*b*c*d*"])]},
            ["priority 1", "tag_patterns", "at most 4"],
        ),
        (
            "lc two untagged",
            LC,
            {"repository": existing, "rules": [rule(priority=1), rule(priority=2)]},
            ["priority 1, 2", "only one rule may select untagged"],
        ),
        (
            "lc any not last",
            LC,
            {"repository": existing, "rules": [rule(priority=1, tag_status="any"), rule(priority=2)]},
            ["tag_status any", "highest priority"],
        ),
        (
            "lc same priority",
            LC,
            {"repository": existing, "rules": [rule(priority=3), rule(priority=3, tag_status="any")]},
            ["priority 3", "more than one rule"],
        ),
        ("lc priority zero", LC, {"repository": existing, "rules": [rule(priority=0)]}, ["priority", "1 or more"]),
        (
            "lc count type",
            LC,
            {"repository": existing, "rules": [rule(count_type="weekly")]},
            ["priority 1", "count_type 'weekly'", "image_count_more_than, since_image_pushed"],
        ),
        ("lc count number zero", LC, {"repository": existing, "rules": [rule(count_number=0)]}, ["priority 1", "count_number", "1 or more"]),
        ("lc count number text", LC, {"repository": existing, "rules": [rule(count_number="thirty")]}, ["count_number", "int"]),
        (
            "lc unit with count",
            LC,
            {"repository": existing, "rules": [rule(count_type="image_count_more_than", count_unit="days")]},
            ["priority 1", "count_unit", "not accepted"],
        ),
        ("lc unit hours", LC, {"repository": existing, "rules": [rule(count_unit="hours")]}, ["priority 1", "count_unit days"]),
        ("lc transition without target", LC, {"repository": existing, "rules": [rule(action="transition")]}, ["priority 1", "target_storage_class archive"]),
        ("lc action choice", LC, {"repository": existing, "rules": [rule(action="delete")]}, ["priority 1", "action 'delete'", "expire, transition"]),
        (
            "lc archive with pushed",
            LC,
            {"repository": existing, "rules": [rule(storage_class="archive")]},
            ["priority 1", "storage_class archive", "since_image_transitioned"],
        ),
        ("lc tag status choice", LC, {"repository": existing, "rules": [rule(tag_status="all")]}, ["priority 1", "tag_status 'all'", "tagged, untagged, any"]),
        (
            "lc absent with rules",
            LC,
            {"repository": existing, "state": "absent", "rules": [rule()]},
            ["rules: state absent deletes the lifecycle policy", "leave rules out"],
        ),
        (
            "lc absent with policy",
            LC,
            {"repository": existing, "state": "absent", "policy": {"rules": [aws_rule()]}},
            ["policy: state absent", "use state present"],
        ),
        ("lc unknown rule key", LC, {"repository": existing, "rules": [rule(keep=5)]}, ["Unsupported parameters", "keep"]),
        ("lc bad repository name", LC, {"repository": "Bad Name", "rules": [rule()]}, ["repository:", "not a valid repository name"]),
        # lifecycle policies: AWS JSON
        ("lc json invalid", LC, {"repository": existing, "policy": '{"rules": ['}, ["policy:", "not valid JSON"]),
        (
            "lc json tag status",
            LC,
            {"repository": existing, "policy": {"rules": [aws_rule(tagStatus="some")]}},
            ["rulePriority 1", "tagStatus 'some'", "tagged, untagged, any"],
        ),
        ("lc json unknown key", LC, {"repository": existing, "policy": {"rules": [dict(aws_rule(), keep=True)]}}, ["rulePriority 1", "unknown key(s) keep"]),
        ("lc json no rules", LC, {"repository": existing, "policy": {"rules": []}}, ["policy:", "non-empty list"]),
        ("lc json too long", LC, {"repository": existing, "policy": big_policy}, ["policy:", "at most 30720"]),
        # info
        ("info bad name", INFO, {"names": ["ok-name", "NOT_OK"]}, ["names:", "'NOT_OK'"]),
        ("info registry id", INFO, {"registry_id": "1"}, ["registry_id:", "12-digit"]),
        ("info both", INFO, {"names": ["a1"], "name_pattern": "a*"}, ["mutually exclusive", "names|name_pattern"]),
    ]


@pytest.mark.slow
def test_bad_input_fails_clearly_and_writes_nothing(moto, tmp_path):
    existing = unique("bad-input")
    client("ecr").create_repository(repositoryName=existing)
    table = cases(existing)
    assert len(table) >= 40
    tasks = [{"name": case_id, module: args, "ignore_errors": True} for case_id, module, args, _fragments in table]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    problems = []
    for case_id, _module, _args, fragments in table:
        result = play[case_id]
        msg = result.get("msg", "")
        if not result.get("failed"):
            problems.append("%s: did not fail (%s)" % (case_id, result))
            continue
        missing = [f for f in fragments if f not in msg]
        if missing:
            problems.append("%s: message lacks %s: %s" % (case_id, missing, msg))
    assert not problems, "\n".join(problems)
    assert writes(rec.operations()) == []
    # nothing was created, and the existing repository is as it was
    repo = client("ecr").describe_repositories(repositoryNames=[existing])["repositories"][0]
    assert repo["imageTagMutability"] == "MUTABLE" and repo["imageScanningConfiguration"]["scanOnPush"] is False
    with pytest.raises(client("ecr").exceptions.LifecyclePolicyNotFoundException):
        client("ecr").get_lifecycle_policy(repositoryName=existing)
    names = {r["repositoryName"] for r in client("ecr").describe_repositories()["repositories"]}
    assert "bad-input-new" not in names
    print("bad inputs tried: %d, writes seen: 0" % len(table))
    json.dumps(table)  # the table is plain data


def task_seconds(play) -> dict[str, float]:
    """How long each task took, from the json callback's durations."""
    doc = json.loads(play.stdout[play.stdout.index("{") :])
    took = {}
    for task in doc["plays"][0]["tasks"]:
        duration = task["task"]["duration"]
        start, end = (datetime.datetime.fromisoformat(duration[k].replace("Z", "+00:00")) for k in ("start", "end"))
        took[task["task"]["name"]] = (end - start).total_seconds()
    return took


@pytest.mark.matrix
def test_bad_region_fails_fast_before_any_call(moto, tmp_path):
    """A region that cannot be one fails in every kind of module at once, naming region and what is accepted;
    without the check, each call is retried for about 30 s before a server error that names no option."""
    name = unique("region")
    client("ecr").create_repository(repositoryName=name)
    modules = {
        REPO: {"name": name, "scan_on_push": True},
        LC: {"repository": name, "rules": [rule()]},
        INFO: {"names": [name]},
        "stowage.ecr.ecr_repositories": {"repositories": [{"name": name, "scan_on_push": True}]},
        "stowage.ecr.ecr_login": {},
        "stowage.ecr.ecr_registry_policy": {"state": "absent"},
    }
    tasks = []
    for region in ("eu-wst-1", "not a region"):
        for module, args in modules.items():
            tasks.append({"name": "%s %s" % (module, region), module: dict(args, region=region), "ignore_errors": True})
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    assert rec.operations() == []
    took = task_seconds(play)
    for task in tasks:
        result = play[task["name"]]
        assert result.get("failed") and result["msg"].startswith("region: "), (task["name"], result.get("msg"))
        assert "is not an AWS region" in result["msg"] and "us-east-1" in result["msg"], result["msg"]
        assert took[task["name"]] < 5, (task["name"], took[task["name"]])
    assert "did you mean eu-west-1" in play["%s eu-wst-1" % REPO]["msg"]
    assert client("ecr").describe_repositories(repositoryNames=[name])["repositories"][0]["imageScanningConfiguration"]["scanOnPush"] is False
