"""ecr_repository_info through ansible-playbook against the moto server."""

from __future__ import annotations

import json

from helpers import Recorder, client, run_play, unique

LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30},
            "action": {"type": "expire"},
        }
    ]
}
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]}]}


def test_names_batched_with_a_missing_one(moto, tmp_path):
    prefix = unique("fleet")
    names = ["%s/app-%03d" % (prefix, i) for i in range(120)]
    ecr = client("ecr")
    for name in names:
        ecr.create_repository(repositoryName=name, imageScanningConfiguration={"scanOnPush": True})
    ecr.tag_resource(
        resourceArn=ecr.describe_repositories(repositoryNames=[names[0]])["repositories"][0]["repositoryArn"], tags=[{"Key": "team", "Value": "a"}]
    )
    ecr.put_lifecycle_policy(repositoryName=names[0], lifecyclePolicyText=json.dumps(LIFECYCLE))
    ecr.set_repository_policy(repositoryName=names[0], policyText=json.dumps(POLICY))
    missing = prefix + "/not-there"
    with Recorder(moto) as rec:
        play = run_play([{"name": "info", "stowage.ecr.ecr_repository_info": {"names": names + [missing]}}], tmp_path)
    assert play.rc == 0, play.failures()
    repos = play["info"]["repositories"]
    assert [r["name"] for r in repos] == sorted(names)
    first = repos[0]
    assert first["tags"] == {"team": "a"}
    assert first["lifecycle_policy"] == LIFECYCLE
    assert first["policy"] == POLICY
    assert first["scan_on_push"] is True and first["encryption_type"] == "AES256"
    assert first["uri"].endswith("/" + names[0])
    assert repos[1]["lifecycle_policy"] is None and repos[1]["policy"] is None and repos[1]["tags"] == {}
    # two batches of at most 100 names, and one more call for the batch that held the missing name
    assert rec.operations().count("DescribeRepositories") == 3
    assert play["info"]["changed"] is False


def test_pattern_and_listing(moto, tmp_path):
    prefix = unique("pat")
    for name in ("%s/api" % prefix, "%s/web" % prefix, "%s-other" % prefix):
        client("ecr").create_repository(repositoryName=name)
    play = run_play(
        [
            {"name": "pattern", "stowage.ecr.ecr_repository_info": {"name_pattern": prefix + "/*"}},
            {"name": "all", "stowage.ecr.ecr_repository_info": {}},
            {"name": "none", "stowage.ecr.ecr_repository_info": {"name_pattern": "no-such-*"}},
            {"name": "check mode", "stowage.ecr.ecr_repository_info": {"names": [prefix + "/api"]}, "check_mode": True},
        ],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    assert [r["name"] for r in play["pattern"]["repositories"]] == [prefix + "/api", prefix + "/web"]
    listed = {r["name"] for r in play["all"]["repositories"]}
    assert {prefix + "/api", prefix + "/web", prefix + "-other"} <= listed
    assert play["none"]["repositories"] == []
    assert [r["name"] for r in play["check mode"]["repositories"]] == [prefix + "/api"]


def test_scanning_configuration_of_each_repository(moto, tmp_path):
    prefix = unique("scan")
    names = ["%s/app-%02d" % (prefix, i) for i in range(30)]
    ecr = client("ecr")
    for name in names:
        ecr.create_repository(repositoryName=name)
    other = "210987654321"
    elsewhere = prefix + "/elsewhere"
    ecr.create_repository(repositoryName=elsewhere, registryId=other)
    selected = {"filter": prefix + "/app-0*", "filterType": "WILDCARD"}
    ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=[{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [selected]}])
    try:
        with Recorder(moto) as rec:
            play = run_play(
                [
                    {"name": "info", "stowage.ecr.ecr_repository_info": {"name_pattern": prefix + "/app-*"}},
                    {"name": "other registry", "stowage.ecr.ecr_repository_info": {"names": [elsewhere], "registry_id": other}},
                ],
                tmp_path,
            )
    finally:
        ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[])
    assert play.rc == 0, play.failures()
    repos = {r["name"]: r for r in play["info"]["repositories"]}
    assert sorted(repos) == names
    for i, name in enumerate(names):
        scanning = repos[name]["scanning_configuration"]
        assert isinstance(scanning["scan_on_push"], bool)
        if i < 10:  # app-00 to app-09: the rule's filter selects them
            assert scanning["scan_frequency"] == "CONTINUOUS_SCAN"
            assert scanning["applied_scan_filters"] == [{"filter": selected["filter"], "filter_type": "WILDCARD"}]
        else:
            assert scanning["scan_frequency"] == "MANUAL" and scanning["applied_scan_filters"] == []
    # another account's registry: ECR has no scanning configuration to give for it, and is not asked
    assert [r["name"] for r in play["other registry"]["repositories"]] == [elsewhere]
    assert play["other registry"]["repositories"][0]["scanning_configuration"] is None
    # 30 names, two calls of at most 25 (the operation's limit); none for the other registry
    assert rec.operations().count("BatchGetRepositoryScanningConfiguration") == 2
