"""Adopting an estate that our modules never made: a registry built with boto3 (repositories and
registry-level settings, in a region of its own) is exported with playbooks/export.yml, and the fleet and
registry playbooks with the exported variables change nothing and write nothing (moto's recorder); a
second export is byte-identical."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
import yaml
from helpers import ANSIBLE_PLAYBOOK, ROOT, PlayResult, Recorder, ansible_env, client, unique, writes

PULL = {"Sid": "pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}
POLICY = {"Version": "2012-10-17", "Statement": [PULL]}


def rule(priority: int, **selection: Any) -> dict[str, Any]:
    action = selection.pop("action", {"type": "expire"})
    description = selection.pop("description", None)
    out: dict[str, Any] = {"rulePriority": priority, "selection": selection, "action": action}
    if description:
        out["description"] = description
    return out


LIFECYCLES = [
    None,
    {"rules": [rule(1, tagStatus="untagged", countType="sinceImagePushed", countUnit="days", countNumber=14)]},
    {
        "rules": [
            rule(1, description="keep releases", tagStatus="tagged", tagPatternList=["v*", "release-*"], countType="imageCountMoreThan", countNumber=50),
            rule(2, tagStatus="tagged", tagPrefixList=["pr-"], countType="sinceImagePushed", countUnit="days", countNumber=7),
            rule(3, tagStatus="any", countType="imageCountMoreThan", countNumber=500),
        ]
    },
    # (moto refuses transition rules, so the archive ones are checked by the unit tests of typed_rules)
    {"rules": [rule(5, tagStatus="tagged", tagPatternList=["*-rc*"], countType="imageCountMoreThan", countNumber=3)]},
]
MUTABILITIES = [
    ("MUTABLE", None),
    ("IMMUTABLE", None),
    ("IMMUTABLE_WITH_EXCLUSION", ["latest", "dev-*"]),
    ("MUTABLE_WITH_EXCLUSION", ["v*"]),
]


# the registry-level settings are the region's: this test keeps a region of its own
ESTATE_REGION = "eu-south-1"


def aws(service: str):
    return boto3.client(service, region_name=ESTATE_REGION)


def build_registry() -> None:
    """Registry-level settings of every kind the modules manage, made with boto3 only."""
    ecr = aws("ecr")
    replicate = {"Sid": "replicate", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": ["ecr:ReplicateImage"]}
    ecr.put_registry_policy(policyText=json.dumps({"Version": "2012-10-17", "Statement": [dict(replicate, Resource="*")]}))
    ecr.put_replication_configuration(
        replicationConfiguration={
            "rules": [
                {
                    "destinations": [{"region": "eu-west-1", "registryId": "123456789012"}],
                    "repositoryFilters": [{"filter": "shop/", "filterType": "PREFIX_MATCH"}],
                },
                {"destinations": [{"region": "us-east-2", "registryId": "210987654321"}]},
            ]
        }
    )
    ecr.put_registry_scanning_configuration(
        scanType="BASIC", rules=[{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]
    )
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    ecr.create_repository_creation_template(
        prefix="shop",
        appliedFor=["CREATE_ON_PUSH", "REPLICATION"],
        imageTagMutability="IMMUTABLE",
        description="made by hand",
        lifecyclePolicy=json.dumps({"rules": [rule(1, tagStatus="untagged", countType="sinceImagePushed", countUnit="days", countNumber=3)]}),
    )
    ecr.put_account_setting(name="BLOB_MOUNTING", value="ENABLED")
    ecr.register_pull_time_update_exclusion(principalArn="arn:aws:iam::123456789012:role/scanner")


def build_estate(prefix: str, count: int = 30) -> list[str]:
    """``count`` repositories of varied settings, made with boto3 only."""
    ecr, kms = aws("ecr"), aws("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    names = []
    for i in range(count):
        name = "%s/svc-%02d" % (prefix, i)
        mutability, filters = MUTABILITIES[i % 4]
        args: dict[str, Any] = {"repositoryName": name, "imageTagMutability": mutability, "imageScanningConfiguration": {"scanOnPush": i % 3 == 0}}
        if filters:
            args["imageTagMutabilityExclusionFilters"] = [{"filter": f, "filterType": "WILDCARD"} for f in filters]
        if i % 5 == 1:
            args["encryptionConfiguration"] = {"encryptionType": "KMS", "kmsKey": key}
        elif i % 5 == 2:
            args["encryptionConfiguration"] = {"encryptionType": "AES256"}
        if i % 2 == 0:
            args["tags"] = [{"Key": "team", "Value": "team-%d" % (i % 3)}, {"Key": "cost-centre", "Value": str(1000 + i)}]
        ecr.create_repository(**args)
        if i % 4 == 3:
            ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(POLICY))
        lifecycle = LIFECYCLES[i % len(LIFECYCLES)]
        if lifecycle is not None:
            ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(lifecycle))
        names.append(name)
    return names


def inventory(tmp_path: Path) -> Path:
    """One account/region host in the fleet and the registries group, as docs/examples' inventories have it."""
    folder = tmp_path / "inventory"
    folder.mkdir()
    path = folder / "hosts.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    groups = {
        "ecr_fleet": {"vars": local, "hosts": {HOST: {"ecr_repo_region": ESTATE_REGION}}},
        "ecr_registries": {"vars": local, "hosts": {HOST: {"ecr_registry_region": ESTATE_REGION}}},
    }
    path.write_text(yaml.safe_dump(groups))
    return path


HOST = "moto-eu-south-1"


def playbook(name: str, inventory_path: Path, *args: str) -> PlayResult:
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(inventory_path), str(ROOT / "playbooks" / name), *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=ansible_env(), capture_output=True, text=True, timeout=600, check=False)
    play = PlayResult(proc)
    # the results of the inventory host (PlayResult reads localhost's)
    doc = json.loads(proc.stdout[proc.stdout.index("{") :])
    play.tasks = [{"name": t["task"]["name"], "result": t["hosts"].get(HOST, {})} for p in doc["plays"] for t in p["tasks"]]
    assert play.stats.get(HOST), "the play did not run on %s:\n%s" % (HOST, proc.stdout[-2000:])
    return play


def changed_tasks(play: PlayResult) -> list[str]:
    assert play.stats[HOST]["changed"] == len([t for t in play.tasks if t["result"].get("changed")])
    return [t["name"] for t in play.tasks if t["result"].get("changed")]


def test_export_then_converge_changes_nothing(moto, tmp_path):
    prefix = unique("estate")
    names = build_estate(prefix)
    build_registry()
    hosts = inventory(tmp_path)
    pattern = ["-e", "ecr_export_name_pattern=%s/*" % prefix]

    first = playbook("export.yml", hosts, *pattern)
    assert first.rc == 0, first.failures()
    exported = hosts.parent / "host_vars" / (HOST + ".yml")
    text = exported.read_text()
    data = yaml.safe_load(text)
    items = data["ecr_repo_repositories"]
    assert [item["name"] for item in items] == sorted(names)
    assert data["ecr_repo_region"] == ESTATE_REGION
    # the registry's settings, as the role ecr_registry's variables
    assert data["ecr_registry_region"] == ESTATE_REGION and data["ecr_registry_account_settings"]["BLOB_MOUNTING"] == "ENABLED"
    assert len(data["ecr_registry_replication_rules"]) == 2 and data["ecr_registry_purge_replication_rules"] is True
    assert [t["prefix"] for t in data["ecr_registry_repository_creation_templates"]] == ["shop"]
    assert data["ecr_registry_repository_creation_templates"][0]["lifecycle_rules"][0]["count_type"] == "since_image_pushed"
    assert [r["ecr_repository_prefix"] for r in data["ecr_registry_pull_through_cache_rules"]] == ["ecr-public"]
    assert data["ecr_registry_pull_time_update_exclusions"] == ["arn:aws:iam::123456789012:role/scanner"]
    assert data["ecr_registry_policy"]["Statement"][0]["Sid"] == "replicate"
    by_name = {item["name"]: item for item in items}
    # what was made with boto3 reads back in the options' words
    assert by_name[names[2]]["image_tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert by_name[names[2]]["image_tag_mutability_exclusion_filters"] == ["dev-*", "latest"]
    assert by_name[names[1]]["encryption_type"] == "KMS" and by_name[names[1]]["kms_key"].startswith("arn:aws:kms:")
    assert by_name[names[0]]["tags"] == {"cost-centre": "1000", "team": "team-0"} and by_name[names[0]]["scan_on_push"] is True
    assert by_name[names[3]]["policy"] == POLICY and by_name[names[0]]["purge_policy"] is True
    assert by_name[names[0]]["lifecycle_rules"] == []
    assert by_name[names[1]]["lifecycle_rules"] == [{"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 14}]
    assert by_name[names[3]]["lifecycle_rules"] == [
        {"priority": 5, "tag_status": "tagged", "tag_patterns": ["*-rc*"], "count_type": "image_count_more_than", "count_number": 3}
    ]
    assert all("lifecycle_policy" not in item for item in items)  # every rule has a typed form

    # the fleet playbook with the exported variables: no change, no write, in check mode and for real
    checked = playbook("fleet.yml", hosts, "--check", "--diff")
    assert checked.rc == 0, checked.failures()
    assert changed_tasks(checked) == []
    with Recorder(moto) as recorder:
        real = playbook("fleet.yml", hosts)
        calls = recorder.operations()
    assert real.rc == 0, real.failures()
    assert changed_tasks(real) == []
    assert writes(calls) == [], writes(calls)
    assert {r["name"] for r in real["stowage.ecr.ecr_repo : Repository and its lifecycle policy"]["repositories"]} == set(names)

    # the registry playbook with the exported variables: no change, no write
    checked = playbook("registry.yml", hosts, "--check", "--diff")
    assert checked.rc == 0, checked.failures()
    assert changed_tasks(checked) == []
    with Recorder(moto) as recorder:
        registry = playbook("registry.yml", hosts)
        calls = recorder.operations()
    assert registry.rc == 0, registry.failures()
    assert changed_tasks(registry) == []
    assert writes(calls) == [], writes(calls)

    # a second export of the unchanged estate is byte-identical, and reports no change
    second = playbook("export.yml", hosts, *pattern)
    assert second.rc == 0, second.failures()
    assert exported.read_text() == text
    assert second["Write the vars file"]["changed"] is False

    # drift made outside Ansible is put back by the exported variables
    ecr = aws("ecr")
    ecr.put_image_scanning_configuration(repositoryName=names[0], imageScanningConfiguration={"scanOnPush": False})
    ecr.delete_lifecycle_policy(repositoryName=names[1])
    ecr.set_repository_policy(repositoryName=names[0], policyText=json.dumps(POLICY))
    fixed = playbook("fleet.yml", hosts)
    assert fixed.rc == 0, fixed.failures()
    assert ecr.describe_repositories(repositoryNames=[names[0]])["repositories"][0]["imageScanningConfiguration"]["scanOnPush"] is True
    assert json.loads(ecr.get_lifecycle_policy(repositoryName=names[1])["lifecyclePolicyText"])["rules"][0]["selection"]["countNumber"] == 14
    try:
        ecr.get_repository_policy(repositoryName=names[0])
        raise AssertionError("the policy added outside Ansible is still there")
    except ecr.exceptions.RepositoryPolicyNotFoundException:
        pass


def test_enum_values_in_any_case(moto, tmp_path):
    """ecs_ecr's spellings (immutable, ...) and any other case are accepted and AWS's spelling comes back."""
    from helpers import run_play

    name = unique("spelling")
    tasks = [
        {"name": "lower", "stowage.ecr.ecr_repository": {"name": name, "image_tag_mutability": "immutable", "encryption_type": "aes256"}},
        {"name": "mixed again", "stowage.ecr.ecr_repository": {"name": name, "image_tag_mutability": "Immutable", "encryption_type": "Aes256"}},
        {
            "name": "fleet",
            "stowage.ecr.ecr_repositories": {
                "defaults": {"image_tag_mutability": "immutable_with_exclusion"},
                "repositories": [{"name": name, "image_tag_mutability_exclusion_filters": ["latest"]}],
            },
        },
        {
            "name": "rules",
            "stowage.ecr.ecr_lifecycle_policy": {
                "repository": name,
                "rules": [{"priority": 1, "tag_status": "UNTAGGED", "count_type": "sinceImagePushed", "count_number": 3, "action": "EXPIRE"}],
            },
        },
        {"name": "images", "stowage.ecr.ecr_image_info": {"repository": name, "tag_status": "TAGGED", "image_status": "Active"}},
        {"name": "scanning", "stowage.ecr.ecr_registry_scanning": {"scan_type": "basic"}, "check_mode": True},
        {"name": "bad", "stowage.ecr.ecr_repository": {"name": name, "image_tag_mutability": "frozen"}, "ignore_errors": True},
    ]
    play = run_play(tasks, tmp_path)
    assert play["lower"]["changed"] is True and play["lower"]["repository"]["image_tag_mutability"] == "IMMUTABLE"
    assert play["lower"]["repository"]["encryption_type"] == "AES256"
    assert play["mixed again"]["changed"] is False
    assert play["fleet"]["repositories"][0]["repository"]["image_tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
    live = client("ecr").describe_repositories(repositoryNames=[name])["repositories"][0]
    assert live["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    policy = json.loads(client("ecr").get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
    assert policy["rules"][0]["selection"]["tagStatus"] == "untagged" and policy["rules"][0]["selection"]["countType"] == "sinceImagePushed"
    assert "MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION" in play["bad"]["msg"] and "frozen" in play["bad"]["msg"]
    assert play["images"]["images"] == [] and not play["images"].get("failed")
    assert play["scanning"]["scan_type"] == "BASIC"


def test_an_empty_repository_list_manages_no_repository(moto, tmp_path):
    """What the export writes for an account with no repositories: the fleet role then creates nothing
    (null, the default, is the single repository ecr_repo_name)."""
    from helpers import run_play

    role = {"name": "fleet", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}}
    with Recorder(moto) as recorder:
        play = run_play([role], tmp_path, vars={"ecr_repo_region": ESTATE_REGION, "ecr_repo_repositories": []})
        calls = recorder.operations()
    assert play.rc == 0, play.failures()
    assert calls == [], calls
    assert play["stowage.ecr.ecr_repo : Repository URLs"]["ansible_facts"]["ecr_repo_urls"] == {}
