"""ecr_repositories (many repositories in one module run) and the fleet pattern, against moto."""

from __future__ import annotations

import json
import os
import subprocess

import boto3
import pytest
import yaml
from helpers import ANSIBLE_PLAYBOOK, ROOT, Recorder, client, run_play, unique, writes

SEED_RULES = [
    {
        "priority": 1,
        "description": "Expire untagged images older than 30 days",
        "tag_status": "untagged",
        "count_type": "since_image_pushed",
        "count_number": 30,
    }
]
SEED_DEFAULTS = {"scan_on_push": True, "encryption_type": "AES256", "lifecycle_rules": SEED_RULES}


def four_times(args):
    return [
        {"name": "check", "stowage.ecr.ecr_repositories": args, "check_mode": True},
        {"name": "real", "stowage.ecr.ecr_repositories": args},
        {"name": "check again", "stowage.ecr.ecr_repositories": args, "check_mode": True},
        {"name": "real again", "stowage.ecr.ecr_repositories": args},
    ]


def assert_four(play, changed=True):
    assert play.rc == 0, play.failures()
    assert [play[t]["changed"] for t in ("check", "real", "check again", "real again")] == [changed, changed, False, False]


def describe(names):
    return {r["repositoryName"]: r for r in client("ecr").describe_repositories(repositoryNames=names)["repositories"]}


@pytest.mark.matrix
def test_fleet_four_times_and_per_repository_results(moto, tmp_path):
    prefix = unique("fleet")
    names = ["%s/app-%02d" % (prefix, i) for i in range(12)]
    args = {
        "defaults": SEED_DEFAULTS,
        "repositories": [{"name": n} for n in names[:-2]]
        + [{"name": names[-2], "tags": {"team": "x"}, "scan_on_push": False}, {"name": names[-1], "lifecycle_rules": [], "image_tag_mutability": "IMMUTABLE"}],
    }
    with Recorder(moto) as rec:
        play = run_play(four_times(args), tmp_path)
    assert_four(play)
    ops = rec.operations()
    assert ops.count("CreateRepository") == 12 and ops.count("PutLifecyclePolicy") == 11
    results = play["real"]["repositories"]
    assert [r["name"] for r in results] == names and all(r["changed"] for r in results)
    assert all(not r["changed"] for r in play["real again"]["repositories"])
    # check mode foretold each repository; diff lists one entry per repository
    assert len(play["check"]["diff"]) == 12 and play["check"]["diff"][0]["after_header"] == names[0]
    assert play["check"]["repositories"][0]["repository"]["uri"] == results[0]["repository"]["uri"]

    live = describe(names)
    assert all(live[n]["imageScanningConfiguration"]["scanOnPush"] for n in names[:-2])
    assert live[names[-2]]["imageScanningConfiguration"]["scanOnPush"] is False
    assert live[names[-1]]["imageTagMutability"] == "IMMUTABLE"
    assert all(live[n]["encryptionConfiguration"]["encryptionType"] == "AES256" for n in names)
    tags = client("ecr").list_tags_for_resource(resourceArn=live[names[-2]]["repositoryArn"])["tags"]
    assert tags == [{"Key": "team", "Value": "x"}]
    policy = json.loads(client("ecr").get_lifecycle_policy(repositoryName=names[0])["lifecyclePolicyText"])
    assert policy["rules"][0]["selection"]["countNumber"] == 30
    assert results[0]["lifecycle_policy"] == policy


def test_noop_reads_only_what_is_managed(moto, tmp_path):
    prefix = unique("noop")
    names = ["%s/svc-%03d" % (prefix, i) for i in range(150)]
    args = {"defaults": SEED_DEFAULTS, "repositories": [{"name": n} for n in names]}
    run_play([{"name": "create", "stowage.ecr.ecr_repositories": args}], tmp_path)
    with Recorder(moto) as rec:
        play = run_play([{"name": "noop", "stowage.ecr.ecr_repositories": args}], tmp_path)
    assert play["noop"]["changed"] is False
    ops = rec.operations()
    # 150 names: two DescribeRepositories of at most 100, then one lifecycle read each; tags and
    # repository policy are not managed here, so they are not read
    assert ops.count("DescribeRepositories") == 2
    assert ops.count("GetLifecyclePolicy") == 150
    assert len(ops) == 152, sorted(set(ops))
    assert "tags" not in play["noop"]["repositories"][0]["repository"]


def test_a_change_on_one_repository_changes_only_that_one(moto, tmp_path):
    prefix = unique("one")
    names = ["%s/a" % prefix, "%s/b" % prefix]
    run_play([{"name": "create", "stowage.ecr.ecr_repositories": {"defaults": SEED_DEFAULTS, "repositories": [{"name": n} for n in names]}}], tmp_path)
    args = {"defaults": SEED_DEFAULTS, "repositories": [{"name": names[0]}, {"name": names[1], "lifecycle_rules": [dict(SEED_RULES[0], count_number=7)]}]}
    play = run_play(four_times(args), tmp_path)
    assert_four(play)
    assert [r["changed"] for r in play["real"]["repositories"]] == [False, True]
    diff = play["real"]["diff"]
    assert len(diff) == 1 and diff[0]["before_header"] == names[1]
    assert diff[0]["before"]["lifecycle_policy"]["rules"][0]["selection"]["countNumber"] == 30
    assert diff[0]["after"]["lifecycle_policy"]["rules"][0]["selection"]["countNumber"] == 7
    # on the AWS side: b's policy changed, a's did not, and neither repository's settings moved
    live_policies = {n: json.loads(client("ecr").get_lifecycle_policy(repositoryName=n)["lifecyclePolicyText"]) for n in names}
    assert live_policies[names[0]]["rules"][0]["selection"]["countNumber"] == 30
    assert live_policies[names[1]]["rules"][0]["selection"]["countNumber"] == 7
    live = describe(names)
    assert all(live[n]["imageScanningConfiguration"]["scanOnPush"] is True and live[n]["encryptionConfiguration"]["encryptionType"] == "AES256" for n in names)
    # the typed form of each live policy, beside the AWS JSON
    by_name = {r["name"]: r for r in play["real"]["repositories"]}
    assert by_name[names[0]]["lifecycle_rules"] == SEED_RULES and by_name[names[0]]["lifecycle_policy"] == live_policies[names[0]]
    assert by_name[names[1]]["lifecycle_rules"] == [dict(SEED_RULES[0], count_number=7)]


def test_bad_item_fails_before_any_write(moto, tmp_path):
    prefix = unique("baditem")
    cases = {
        "bad name": ([{"name": prefix + "/ok"}, {"name": "Not OK"}], ["repositories[Not OK]: name:", "lowercase"]),
        "bad rule": (
            [
                {"name": prefix + "/ok"},
                {"name": prefix + "/x", "lifecycle_rules": [{"priority": 1, "tag_status": "tagged", "count_type": "image_count_more_than", "count_number": 3}]},
            ],
            ["lifecycle_rules: the rule with priority 1", "tag_prefixes or tag_patterns"],
        ),
        "unknown rule key": ([{"name": prefix + "/x", "lifecycle_rules": [dict(SEED_RULES[0], keep=1)]}], ["unknown key(s) keep"]),
        "duplicate": ([{"name": prefix + "/x"}, {"name": prefix + "/x"}], ["same repository as an earlier item"]),
        "both lifecycle forms": (
            [{"name": prefix + "/x", "lifecycle_rules": SEED_RULES, "lifecycle_policy": {"rules": []}}],
            ["lifecycle_rules, lifecycle_policy"],
        ),
        "kms key empty": ([{"name": prefix + "/x", "encryption_type": "KMS", "kms_key": " "}], ["kms_key:", "give a KMS key"]),
    }
    tasks = [
        {"name": case, "stowage.ecr.ecr_repositories": {"defaults": SEED_DEFAULTS, "repositories": repos}, "ignore_errors": True}
        for case, (repos, _fragments) in cases.items()
    ]
    with Recorder(moto) as rec:
        play = run_play(tasks, tmp_path)
    for case, (_repos, fragments) in cases.items():
        result = play[case]
        assert result["failed"], case
        for fragment in fragments:
            assert fragment in result["msg"], (case, result["msg"])
    assert writes(rec.operations()) == []


def test_one_repository_failing_does_not_stop_the_others(moto, tmp_path):
    prefix = unique("partial")
    client("ecr").create_repository(
        repositoryName=prefix + "/kms", encryptionConfiguration={"encryptionType": "KMS", "kmsKey": client("kms").create_key()["KeyMetadata"]["Arn"]}
    )
    args = {"defaults": SEED_DEFAULTS, "repositories": [{"name": prefix + "/kms"}, {"name": prefix + "/fine"}]}
    play = run_play([{"name": "t", "stowage.ecr.ecr_repositories": args, "ignore_errors": True}], tmp_path)
    result = play["t"]
    assert result["failed"] and "1 of 2 repositories failed" in result["msg"] and "re-encrypted in place" in result["msg"]
    by_name = {r["name"]: r for r in result["repositories"]}
    assert by_name[prefix + "/kms"]["failed"] and not by_name[prefix + "/fine"]["failed"]
    assert prefix + "/fine" in describe([prefix + "/fine"])


def test_unknown_kms_key_fails_its_item_only(moto, tmp_path):
    """The KMS lookup runs on the module's worker threads: an unknown key is reported on its item, while
    the other repositories converge and every per-item result comes back."""
    prefix = unique("kmsitem")
    names = [prefix + "/a", prefix + "/bad-key", prefix + "/c", prefix + "/d"]
    repositories = [
        {"name": names[0]},
        {"name": names[1], "encryption_type": "KMS", "kms_key": "alias/stowage-no-such-key"},
        {"name": names[2], "tags": {"team": "c"}},
        {"name": names[3], "encryption_type": "KMS", "kms_key": client("kms").create_key()["KeyMetadata"]["Arn"]},
    ]
    play = run_play([{"name": "t", "stowage.ecr.ecr_repositories": {"repositories": repositories}, "ignore_errors": True}], tmp_path)
    result = play["t"]
    assert result["failed"] and "1 of 4 repositories failed" in result["msg"], result.get("msg")
    by_name = {r["name"]: r for r in result["repositories"]}
    assert sorted(by_name) == sorted(names)
    assert by_name[names[1]]["failed"] and "kms_key: KMS has no key 'alias/stowage-no-such-key'" in by_name[names[1]]["msg"]
    for name in (names[0], names[2], names[3]):
        assert not by_name[name]["failed"] and by_name[name]["changed"], by_name[name]
    held = [r["repositoryName"] for page in client("ecr").get_paginator("describe_repositories").paginate() for r in page["repositories"]]
    assert sorted(n for n in held if n.startswith(prefix + "/")) == sorted([names[0], names[2], names[3]])


def test_role_fleet_form(moto, tmp_path):
    prefix = unique("rolefleet")
    repos = [{"name": prefix + "/a"}, {"name": prefix + "/b", "tags": {"team": "y"}}]
    tasks = [
        {"name": "role", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": {"ecr_repo_repositories": repos}},
        {"name": "urls", "ansible.builtin.debug": {"var": "ecr_repo_urls"}},
    ]
    play = run_play(tasks, tmp_path)
    assert play.rc == 0, play.failures()
    urls = play["urls"]["ecr_repo_urls"]
    assert set(urls) == {prefix + "/a", prefix + "/b"} and urls[prefix + "/a"].endswith("/" + prefix + "/a")
    # on the AWS side: both repositories with the role's defaults (scan on push, AES256, its lifecycle rule), b with its tags
    names = [prefix + "/a", prefix + "/b"]
    live = describe(names)
    assert {n: live[n]["repositoryUri"] for n in names} == urls
    for name in names:
        assert live[name]["imageScanningConfiguration"]["scanOnPush"] is True and live[name]["encryptionConfiguration"]["encryptionType"] == "AES256"
        policy = json.loads(client("ecr").get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
        assert [(r["selection"]["tagStatus"], r["selection"]["countNumber"]) for r in policy["rules"]] == [("untagged", 30)]
    tags = {n: client("ecr").list_tags_for_resource(resourceArn=live[n]["repositoryArn"])["tags"] for n in names}
    assert tags == {names[0]: [], names[1]: [{"Key": "team", "Value": "y"}]}
    again = run_play(tasks, tmp_path)
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0
    assert describe(names) == live


def test_kms_without_key_items_and_role(moto, tmp_path):
    """encryption_type KMS without kms_key, as an item and through the role's variables: created with ECR's AWS
    managed key; check mode, real, and a second run with no change that asks KMS nothing."""
    prefix = unique("kmsdefault")
    names = [prefix + "/item", prefix + "/default", prefix + "/role"]
    args = {"defaults": {"lifecycle_rules": SEED_RULES}, "repositories": [{"name": names[0], "encryption_type": "KMS"}, {"name": names[1]}]}
    args["defaults"]["encryption_type"] = "KMS"
    role = {"ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": {"ecr_repo_name": names[2], "ecr_repo_encryption_type": "KMS"}}
    step = "stowage.ecr.ecr_repo : Repository and its lifecycle policy"
    with Recorder(moto) as rec:
        play = run_play(four_times(args), tmp_path)
        check = run_play([dict(role, name="role")], tmp_path, check=True)
        real = run_play([dict(role, name="role")], tmp_path)
        again = run_play([dict(role, name="role")], tmp_path)
    assert_four(play)
    assert check.rc == 0 and real.rc == 0 and again.rc == 0, (check.failures(), real.failures(), again.failures())
    assert [r["created"] for r in play["check"]["repositories"]] == [True, True] == [r["created"] for r in play["real"]["repositories"]]
    assert [r["created"] for r in play["real again"]["repositories"]] == [False, False]
    assert check[step]["repositories"][0]["created"] and check[step]["changed"]
    assert real[step]["repositories"][0]["created"] and not again[step]["changed"] and not again[step]["repositories"][0]["created"]
    assert again.stats["localhost"]["changed"] == 0
    assert "DescribeKey" not in rec.operations()
    live = describe(names)
    for name in names:
        encryption = live[name]["encryptionConfiguration"]
        assert encryption["encryptionType"] == "KMS" and encryption.get("kmsKey"), (name, encryption)
    assert play["real"]["repositories"][0]["repository"]["kms_key"] == live[names[0]]["encryptionConfiguration"]["kmsKey"]


def test_accounts_and_regions_as_hosts(moto, tmp_path):
    """playbooks/fleet.yml with the documented inventory shape: one host per account/region pair."""
    prefix = unique("multi")
    inventory = {
        "ecr_fleet": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": {
                "acct-ap-south-1": {"ecr_repo_region": "ap-south-1", "ecr_repo_repositories": [{"name": prefix + "/api"}]},
                "acct-eu-west-1": {"ecr_repo_region": "eu-west-1", "ecr_repo_repositories": [{"name": prefix + "/api"}, {"name": prefix + "/web"}]},
            },
        }
    }
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(path), str(ROOT / "playbooks" / "fleet.yml"), "--forks", "2"]
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout[-3000:]
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert second.returncode == 0 and "changed=0" in second.stdout and "changed=1" not in second.stdout, second.stdout[-2000:]
    eu = boto3.client("ecr", region_name="eu-west-1").describe_repositories(repositoryNames=[prefix + "/api", prefix + "/web"])["repositories"]
    ap = boto3.client("ecr", region_name="ap-south-1").describe_repositories(repositoryNames=[prefix + "/api"])["repositories"]
    assert len(eu) == 2 and len(ap) == 1
    assert eu[0]["repositoryUri"].split(".")[3] == "eu-west-1"
