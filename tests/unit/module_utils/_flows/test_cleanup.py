"""ecr_image_cleanup's flow on Stubber: the listings it reads (and no call per image), the evidence it finds in ECS
and Lambda, the deletes it makes, 100 a call, and max_delete refusing before any write."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._flows.cleanup import cleanup_report
from ansible_collections.stowage.ecr.plugins.module_utils.errors import StowageError

ACCOUNT = "123456789012"
HOST = "%s.dkr.ecr.us-east-1.amazonaws.com" % ACCOUNT
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def digest(n: int) -> str:
    return "sha256:%064x" % n


def params(**extra):
    found = {
        "repositories": ["api"],
        "registry_id": None,
        "rules": [{"keep_newest": 1}],
        "keep_in_use": ["ecs_task_definitions", "ecs_tasks", "lambda"],
        "usage_sources": None,
        "keep_images": None,
        "max_delete": None,
        "plan_file": None,
        "apply_plan": None,
    }
    found.update(extra)
    return found


def listings(stubbed, images: int):
    stubbed.stub("sts").add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::%s:user/u" % ACCOUNT, "UserId": "u"})
    stubbed.ecr.add_response("describe_repositories", {"repositories": [{"repositoryName": "api"}, {"repositoryName": "other"}]}, {})
    ecs, lam = stubbed.stub("ecs"), stubbed.stub("lambda")
    arn = "arn:aws:ecs:us-east-1:%s:task-definition/api:3" % ACCOUNT
    ecs.add_response("list_task_definitions", {"taskDefinitionArns": [arn]}, {"status": "ACTIVE"})
    definition = {"family": "api", "revision": 3, "containerDefinitions": [{"name": "a", "image": HOST + "/api:v0"}, {"name": "b", "image": "nginx:1"}]}
    ecs.add_response("describe_task_definition", {"taskDefinition": definition}, {"taskDefinition": arn})
    ecs.add_response("list_clusters", {"clusterArns": ["c1"]}, {})
    ecs.add_response("list_tasks", {"taskArns": ["t1"]}, {"cluster": "c1", "desiredStatus": "RUNNING"})
    task = {"taskArn": "arn:aws:ecs:us-east-1:%s:task/c1/t1" % ACCOUNT, "containers": [{"image": HOST + "/api@" + digest(1), "imageDigest": digest(1)}]}
    ecs.add_response("describe_tasks", {"tasks": [task]}, {"cluster": "c1", "tasks": ["t1"]})
    function = {"FunctionName": "f", "FunctionArn": "arn:aws:lambda:us-east-1:%s:function:f" % ACCOUNT, "PackageType": "Image"}
    lam.add_response("list_functions", {"Functions": [function, {"FunctionName": "zip", "FunctionArn": "arn:z", "PackageType": "Zip"}]}, {})
    code = {"Configuration": {"FunctionName": "f"}, "Code": {"ImageUri": HOST + "/api:v2"}}
    lam.add_response("get_function", code, {"FunctionName": function["FunctionArn"]})
    details = [
        {"imageDigest": digest(n), "imageTags": ["v%d" % n], "imagePushedAt": T0 + datetime.timedelta(hours=n), "imageSizeInBytes": 5} for n in range(images)
    ]
    wanted = {"repositoryName": "api", "filter": {"tagStatus": "ANY", "imageStatus": "ANY"}, "maxResults": 1000}
    stubbed.ecr.add_response("describe_images", {"imageDetails": details}, wanted)


def test_check_mode_reads_listings_only_and_keeps_what_runs(stubbed):
    listings(stubbed, 5)
    result = cleanup_report(stubbed.module(check_mode=True, **params()))
    actions = {e["digest"]: (e["action"], e["reason"]) for e in result["plan"]}
    assert actions == {
        digest(3): ("expire", "not among the 1 newest it selects"),
        digest(0): ("keep", "not among the 1 newest it selects; kept: named by ECS task definition api:3 (us-east-1)"),
        digest(1): ("keep", "not among the 1 newest it selects; kept: named by ECS task t1 (us-east-1)"),
        digest(2): ("keep", "not among the 1 newest it selects; kept: named by Lambda function f (us-east-1)"),
    }
    assert result["changed"] and result["totals"]["api"] == {"images": 5, "expire": 1, "archive": 0, "kept_by_evidence": 3, "bytes_freed": 5}
    assert result["as_lifecycle_policy"] is None and "batches" not in result


def test_deletes_go_100_a_call(stubbed):
    listings(stubbed, 250)
    # v0, v1 (by digest), v2 are in use; v249 is the newest: 246 go
    gone = [digest(n) for n in range(3, 249)]
    for start in range(0, len(gone), 100):
        ids = [{"imageDigest": d} for d in gone[start : start + 100]]
        stubbed.ecr.add_response("batch_delete_image", {"imageIds": ids, "failures": []}, {"repositoryName": "api", "imageIds": ids})
    result = cleanup_report(stubbed.module(**params()))
    assert result["batches"] == [100, 100, 46] and result["changed"]


def test_max_delete_refuses_before_any_write(stubbed):
    listings(stubbed, 5)
    with pytest.raises(StowageError, match=r"max_delete: .*api: 1 of 5 images \(max_delete allows 0\)") as e:
        cleanup_report(stubbed.module(**params(max_delete="10%")))
    assert e.value.result["changed"] is False and len(e.value.result["plan"]) == 4
