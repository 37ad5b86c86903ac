"""Bad input, beyond tests/integration/test_bad_input.py (which covers ecr_repository,
ecr_lifecycle_policy and ecr_repository_info with 60 cases, none repeated here): ecr_login,
ecr_image_tag_info, the role stowage.ecr.ecr_repo, and oversized and non-ASCII values for every
module. Each input fails with a message that names the option and what is accepted, and moto's
request recorder sees no write call (for ecr_login: the Docker config is not written either)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from conftest import record_figures
from helpers import Recorder, client, run_play, unique, writes

REPO = "stowage.ecr.ecr_repository"
LC = "stowage.ecr.ecr_lifecycle_policy"
INFO = "stowage.ecr.ecr_repository_info"
LOGIN = "stowage.ecr.ecr_login"
TAGS = "stowage.ecr.ecr_image_tag_info"
IMAGE_ID = "sha256:" + "ab" * 32
ACCEPTED_URL = "https://HOST[:PORT]"
FULLWIDTH_ID = "１２３４５６７８９０１２"  # twelve digits, but not ASCII ones
ARABIC_ID = "١٢٣٤٥٦٧٨٩٠١٢"


def rule(**fields):
    base = {"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 30}
    base.update(fields)
    return base


def module_cases(existing: str, files: Dict[str, Path]) -> List[tuple]:
    """(id, module, args, fragments the message must hold)."""
    login_cfg = str(files["login config"])
    tag_cfg = str(files["tag config"])
    return [
        # ecr_login ------------------------------------------------------------------------------
        ("login no registry ids", LOGIN, {"registry_ids": [], "config_path": login_cfg}, ["registry_ids:", "1 to 10 registry ids"]),
        (
            "login eleven registry ids",
            LOGIN,
            {"registry_ids": ["%012d" % i for i in range(1, 12)], "config_path": login_cfg},
            ["registry_ids:", "1 to 10", "got 11"],
        ),
        ("login registry id letters", LOGIN, {"registry_ids": ["12345678901a"], "config_path": login_cfg}, ["registry_ids:", "'12345678901a'", "12-digit"]),
        ("login registry id fullwidth digits", LOGIN, {"registry_ids": [FULLWIDTH_ID], "config_path": login_cfg}, ["registry_ids:", "12-digit"]),
        ("login registry id twice", LOGIN, {"registry_ids": ["123456789012", "123456789012"], "config_path": login_cfg}, ["registry_ids:", "listed twice"]),
        ("login registry ids a dict", LOGIN, {"registry_ids": {"id": "123456789012"}, "config_path": login_cfg}, ["registry_ids", "list"]),
        (
            "login url ftp",
            LOGIN,
            {"registry_url": "ftp://127.0.0.1:5000", "config_path": login_cfg},
            ["registry_url:", "no https:// or http:// scheme", ACCEPTED_URL],
        ),
        ("login url without scheme", LOGIN, {"registry_url": "127.0.0.1:5000", "config_path": login_cfg}, ["registry_url:", "scheme", ACCEPTED_URL]),
        (
            "login url with credentials",
            LOGIN,
            {"registry_url": "https://AWS:hunter2-secret@registry.example.com", "config_path": login_cfg},
            ["registry_url:", "holds a user or password", ACCEPTED_URL],
        ),
        (
            "login url with query",
            LOGIN,
            {"registry_url": "https://registry.example.com/?region=x", "config_path": login_cfg},
            ["registry_url:", "query", ACCEPTED_URL],
        ),
        (
            "login url port out of range",
            LOGIN,
            {"registry_url": "https://registry.example.com:99999", "config_path": login_cfg},
            ["registry_url:", "not a valid URL", ACCEPTED_URL],
        ),
        ("login url empty", LOGIN, {"registry_url": "", "config_path": login_cfg}, ["registry_url:", "required", ACCEPTED_URL]),
        (
            "login url plain http to a public host",
            LOGIN,
            {"registry_url": "http://8.8.8.8:5000", "config_path": login_cfg},
            ["registry_url:", "not loopback", "https://"],
        ),
        ("login min_validity text", LOGIN, {"min_validity": "soon", "config_path": login_cfg}, ["min_validity", "int"]),
        ("login timeout zero", LOGIN, {"timeout": 0, "config_path": login_cfg}, ["timeout:", "above 0"]),
        ("login unknown option", LOGIN, {"registry": "123456789012", "config_path": login_cfg}, ["Unsupported parameters", "registry"]),
        ("login config a JSON list", LOGIN, {"config_path": str(files["list config"])}, ["config_path:", "JSON list, not an object"]),
        # ecr_image_tag_info -------------------------------------------------------------------------
        ("tags empty list", TAGS, {"repository": existing, "tags": [], "config_path": tag_cfg}, ["tags:", "one or more image tags"]),
        ("tags missing", TAGS, {"repository": existing, "config_path": tag_cfg}, ["missing required arguments", "tags"]),
        ("tags a dict", TAGS, {"repository": existing, "tags": {"latest": 1}, "config_path": tag_cfg}, ["tags", "list"]),
        ("tag starts with a dot", TAGS, {"repository": existing, "tags": [".hidden"], "config_path": tag_cfg}, ["tags:", "'.hidden'", "1 to 128"]),
        ("tag starts with a dash", TAGS, {"repository": existing, "tags": ["-rc1"], "config_path": tag_cfg}, ["tags:", "'-rc1'", "not starting with"]),
        ("tag with a colon", TAGS, {"repository": existing, "tags": ["app:1"], "config_path": tag_cfg}, ["tags:", "'app:1'", "letters, digits"]),
        ("tag with a space", TAGS, {"repository": existing, "tags": ["release 1"], "config_path": tag_cfg}, ["tags:", "not an image tag"]),
        ("tag non-ascii", TAGS, {"repository": existing, "tags": ["lätest"], "config_path": tag_cfg}, ["tags:", "'lätest'", "letters, digits"]),
        ("tag oversized", TAGS, {"repository": existing, "tags": ["v" * 129], "config_path": tag_cfg}, ["tags:", "not an image tag", "1 to 128"]),
        (
            "tags image_id not sha256",
            TAGS,
            {"repository": existing, "tags": ["latest"], "image_id": "app:latest", "config_path": tag_cfg},
            ["image_id:", "sha256:<64 hex digits>"],
        ),
        ("tags repository uppercase", TAGS, {"repository": "Team/App", "tags": ["latest"], "config_path": tag_cfg}, ["repository:", "'Team/App'", "lowercase"]),
        (
            "tags repository oversized",
            TAGS,
            {"repository": "r" * 300, "tags": ["latest"], "config_path": tag_cfg},
            ["repository:", "300 characters", "2 to 256"],
        ),
        (
            "tags registry id short",
            TAGS,
            {"repository": existing, "tags": ["latest"], "registry_id": "12", "config_path": tag_cfg},
            ["registry_id:", "12-digit"],
        ),
        (
            "tags url plain http to a public host",
            TAGS,
            {"repository": existing, "tags": ["latest"], "registry_url": "http://registry.example.com", "config_path": tag_cfg},
            ["registry_url:", "not loopback", "https://"],
        ),
        (
            "tags url with a path",
            TAGS,
            {"repository": existing, "tags": ["latest"], "registry_url": "https://registry.example.com/v2/app", "config_path": tag_cfg},
            ["registry_url:", "has a path", ACCEPTED_URL],
        ),
        # oversized and non-ASCII values for the other modules -----------------------------------------
        ("repo name with emoji", REPO, {"name": "app-\U0001f680"}, ["name:", "not a valid repository name", "lowercase letters and digits"]),
        ("repo name oversized path", REPO, {"name": "/".join(["team"] * 60)}, ["name:", "299 characters", "2 to 256"]),
        ("repo registry id arabic digits", REPO, {"name": "bad-input-x", "registry_id": ARABIC_ID}, ["registry_id:", "12-digit"]),
        ("repo 51 tags", REPO, {"name": "bad-input-x", "tags": {"k%02d" % i: "v" for i in range(51)}}, ["tags:", "51 tags", "at most 50"]),
        (
            "repo filter non-ascii",
            REPO,
            {"name": "bad-input-x", "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": ["rélease-*"]},
            ["image_tag_mutability_exclusion_filters:", "'rélease-*'", "1 to 128 characters"],
        ),
        (
            "repo filter oversized",
            REPO,
            {"name": "bad-input-x", "image_tag_mutability": "MUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": ["a" * 129]},
            ["image_tag_mutability_exclusion_filters:", "1 to 128 characters"],
        ),
        ("repo tag value oversized non-ascii", REPO, {"name": "bad-input-x", "tags": {"owner": "é" * 257}}, ["tags:", "257 characters", "at most 256"]),
        (
            "repo kms key unknown oversized",
            REPO,
            {"name": "bad-input-x", "encryption_type": "KMS", "kms_key": "alias/" + "k" * 300},
            ["kms_key:", "alias, key id or key ARN"],
        ),
        ("lc repository oversized", LC, {"repository": "a" * 257, "rules": [rule()]}, ["repository:", "257 characters", "2 to 256"]),
        ("lc repository non-ascii", LC, {"repository": "dépôt", "rules": [rule()]}, ["repository:", "not a valid repository name"]),
        ("lc description oversized", LC, {"repository": existing, "rules": [rule(description="d" * 31000)]}, ["rules:", "at most 30720"]),
        (
            "lc tag status non-ascii",
            LC,
            {"repository": existing, "rules": [rule(tag_status="üntagged")]},
            ["priority 1", "tag_status 'üntagged'", "tagged, untagged, any"],
        ),
        (
            "lc count type non-ascii",
            LC,
            {"repository": existing, "rules": [rule(count_type="sínce_image_pushed")]},
            ["priority 1", "count_type", "since_image_pushed"],
        ),
        ("lc policy with a BOM", LC, {"repository": existing, "policy": '\ufeff{"rules": []}'}, ["policy:", "not valid JSON"]),
        ("info name oversized", INFO, {"names": ["n" * 300]}, ["names:", "300 characters", "2 to 256"]),
        ("info name non-ascii", INFO, {"names": ["ok-name", "nâme"]}, ["names:", "'nâme'", "not a valid repository name"]),
        ("info registry id fullwidth", INFO, {"registry_id": FULLWIDTH_ID}, ["registry_id:", "12-digit"]),
    ]


def role_cases() -> List[tuple]:
    """(id, role variables, fragments the message must hold). Each repository name is unused."""
    image = {"ecr_repo_image": "robust-bad-input:latest"}
    return [
        ("role state choice", {"ecr_repo_state": "gone"}, ["ecr_repo_state", "present, absent"]),
        ("role scan not a bool", {"ecr_repo_scan_on_push": "maybe"}, ["ecr_repo_scan_on_push", "bool"]),
        ("role force delete not a bool", {"ecr_repo_force_delete": "perhaps"}, ["ecr_repo_force_delete", "bool"]),
        ("role tags a list", {"ecr_repo_tags": ["team", "web"]}, ["ecr_repo_tags", "dict"]),
        ("role rules a string", {"ecr_repo_lifecycle_rules": "expire everything"}, ["ecr_repo_lifecycle_rules", "dict"]),
        ("role image tags a dict", dict(image, ecr_repo_image_tags={"latest": True}), ["ecr_repo_image_tags", "list"]),
        ("role image tags empty", dict(image, ecr_repo_image_tags=[]), ["ecr_repo_image_tags:", "1 or more docker tags"]),
        ("role image tag non-ascii", dict(image, ecr_repo_image_tags=["lätest"]), ["ecr_repo_image_tags:", "lätest", "letters, digits"]),
        ("role image tag oversized", dict(image, ecr_repo_image_tags=["v" * 129]), ["ecr_repo_image_tags:", "1 to 128"]),
        ("role image tag with a slash", dict(image, ecr_repo_image_tags=["feature/x"]), ["ecr_repo_image_tags:", "feature/x", "not starting with"]),
        ("role name uppercase", {"ecr_repo_name": "Team/App"}, ["name:", "'Team/App'", "lowercase letters and digits"]),
        ("role name oversized", {"ecr_repo_name": "n" * 300}, ["name:", "300 characters", "2 to 256"]),
        ("role name non-ascii", {"ecr_repo_name": "dépôt"}, ["name:", "not a valid repository name"]),
        ("role registry id", {"ecr_repo_registry_id": "12345"}, ["registry_id:", "12-digit"]),
        ("role encryption choice", {"ecr_repo_encryption_type": "ROT13"}, ["encryption_type", "AES256, KMS, KMS_DSSE"]),
        ("role kms key with aes", {"ecr_repo_kms_key": "alias/ecr-images"}, ["kms_key:", "KMS or KMS_DSSE"]),
        ("role mutability choice", {"ecr_repo_image_tag_mutability": "SOMETIMES"}, ["image_tag_mutability", "MUTABLE, IMMUTABLE"]),
        (
            "role filter characters",
            {"ecr_repo_image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "ecr_repo_image_tag_mutability_exclusion_filters": ["rel/ease"]},
            ["image_tag_mutability_exclusion_filters:", "'rel/ease'", "wildcard"],
        ),
        ("role reserved tag", {"ecr_repo_tags": {"aws:owner": "me"}}, ["tags:", "'aws:owner'", "reserves"]),
        ("role tag value oversized", {"ecr_repo_tags": {"team": "t" * 300}}, ["tags:", "300 characters", "at most 256"]),
        ("role policy not json", {"ecr_repo_policy": "{nope"}, ["policy:", "not valid JSON"]),
        ("role scan gate severity", dict(image, ecr_repo_scan_gate="severe"), ["ecr_repo_scan_gate:", "severe", "CRITICAL, HIGH"]),
    ]


def role_cases_found_after_a_write() -> List[tuple]:
    """Role input that only a later step's module checks, so that the repository step has written first."""
    image = {"ecr_repo_image": "robust-bad-input:latest"}
    return [
        ("role rule tagged without tags", {"ecr_repo_lifecycle_rules": [rule(tag_status="tagged")]}, ["priority 1", "tag_prefixes", "tag_patterns"]),
        ("role rule count type", {"ecr_repo_lifecycle_rules": [rule(count_type="weekly")]}, ["priority 1", "count_type 'weekly'", "since_image_pushed"]),
        (
            "role rule unknown key",
            {"ecr_repo_lifecycle_rules": [rule(keep=5)]},
            ["lifecycle_rules: the rule with priority 1", "unknown key(s) keep", "accepted: priority"],
        ),
        (
            "role registry url plain http to a public host",
            dict(image, ecr_repo_registry_url="http://registry.example.com"),
            ["ecr_repo_registry_url:", "http://HOST[:PORT] for a loopback host"],
        ),
        ("role registry url ftp", dict(image, ecr_repo_registry_url="ftp://127.0.0.1:5000"), ["ecr_repo_registry_url:", "give https://HOST[:PORT]"]),
    ]


def module_cases_not_caught(files: Dict[str, Path]) -> List[tuple]:
    """Module input that the modules' checks let through to an API call or a crash."""
    login_cfg = str(files["login config"])
    return [
        ("login url host with a space", LOGIN, {"registry_url": "https://bad host.example.com", "config_path": login_cfg}, ["registry_url:", ACCEPTED_URL]),
        (
            "login url host label oversized",
            LOGIN,
            {"registry_url": "https://%s.example.com" % ("a" * 70), "config_path": login_cfg},
            ["registry_url:", ACCEPTED_URL],
        ),
        (
            "tags url host with a space",
            TAGS,
            {"repository": "bad-input-x", "tags": ["latest"], "registry_url": "https://bad host.example.com", "config_path": str(files["tag config"])},
            ["registry_url:", ACCEPTED_URL],
        ),
        (
            "tags image_id sha256 but not hex",
            TAGS,
            {"repository": "bad-input-x", "tags": ["latest"], "image_id": "sha256:xyz", "config_path": str(files["tag config"])},
            ["image_id:", "sha256:<64 hex digits>"],
        ),
    ]


def recorded_writes(recorder: Recorder) -> List[str]:
    """The write calls moto's recorder saw, with the repository they name (fails when there is no recording)."""
    return ["%s %s" % (op, body.get("repositoryName") or body.get("resourceArn") or "") for op, body in recorder.requests() if writes([op])]


def check_messages(table, messages: Dict[str, Any]) -> List[str]:
    problems = []
    for case_id, *_rest, fragments in table:
        msg = messages.get(case_id)
        if msg is None:
            problems.append("%s: did not fail" % case_id)
            continue
        missing = [f for f in fragments if f not in msg]
        if missing:
            problems.append("%s: message lacks %s: %s" % (case_id, missing, msg[:600]))
    return problems


def role_play(table, prefix: str) -> List[Dict[str, Any]]:
    """One block per case: the role with the case's variables; the rescue reports the failed task and its message."""
    tasks = []
    for index, (case_id, variables, _fragments) in enumerate(table):
        variables = dict({"ecr_repo_name": "%s-%02d" % (prefix, index), "ecr_repo_region": "ap-south-1"}, **variables)
        tasks.append(
            {
                "name": "case %s" % case_id,
                "block": [{"name": "role %s" % case_id, "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_repo"}, "vars": variables}],
                "rescue": [
                    {
                        "name": "rescued %s" % case_id,
                        "ansible.builtin.debug": {
                            "msg": "{{ {'task': ansible_failed_task.name, 'msg': ansible_failed_result.msg | default(ansible_failed_result | string)} }}"
                        },
                    }
                ],
            }
        )
    return tasks


def run_role_cases(moto, tmp_path, table, prefix):
    with Recorder(moto) as recorder:
        play = run_play(role_play(table, prefix), tmp_path, diff=False)
        seen = recorded_writes(recorder)
    messages, steps = {}, {}
    for case_id, _variables, _fragments in table:
        found = play.all("rescued %s" % case_id)
        if found:
            messages[case_id] = str(found[-1]["msg"]["msg"])
            steps[case_id] = found[-1]["msg"]["task"]
    return play, seen, messages, steps


@pytest.mark.slow
def test_bad_input_corpus(moto, tmp_path):
    existing = unique("bad-corpus")
    client("ecr").create_repository(repositoryName=existing)
    files = {
        "login config": tmp_path / "login" / "config.json",
        "tag config": tmp_path / "tags" / "config.json",
        "list config": tmp_path / "list" / "config.json",
    }
    files["list config"].parent.mkdir()
    files["list config"].write_text('["not", "an", "object"]\n')
    modules = module_cases(existing, files)
    roles = role_cases()

    tasks = [{"name": case_id, module: args, "ignore_errors": True} for case_id, module, args, _fragments in modules]
    with Recorder(moto) as recorder:
        play = run_play(tasks, tmp_path, diff=False)
        module_writes = recorded_writes(recorder)
    messages = {case[0]: str(play[case[0]].get("msg", "")) for case in modules if play[case[0]].get("failed")}
    role_run, role_writes, role_messages, steps = run_role_cases(moto, tmp_path, roles, unique("bad-role"))

    per_module: Dict[str, int] = {}
    for _case_id, module, _args, _fragments in modules:
        per_module[module.rsplit(".", 1)[-1]] = per_module.get(module.rsplit(".", 1)[-1], 0) + 1
    per_module["role ecr_repo"] = len(roles)
    figures = {
        "bad_inputs": len(modules) + len(roles),
        "per_module": per_module,
        "writes_seen": module_writes + role_writes,
        "role_failed_at": dict(sorted({step: sum(1 for s in steps.values() if s == step) for step in steps.values()}.items())),
    }
    print("\nbad input corpus:\n" + json.dumps(figures, indent=2))
    record_figures("bad_input", figures)

    assert len(modules) + len(roles) >= 40
    problems = check_messages(modules, messages) + check_messages(roles, role_messages)
    assert not problems, "\n".join(problems)
    assert module_writes == [] and role_writes == [], module_writes + role_writes
    # ecr_login wrote no config, and left the one it could not read as it was
    assert not files["login config"].exists() and not files["login config"].parent.exists()
    assert files["list config"].read_text() == '["not", "an", "object"]\n'
    assert sorted(p.name for p in files["list config"].parent.iterdir()) == ["config.json"]
    # the message does not echo the password of a URL with credentials (the task's own invocation, which Ansible
    # returns with every result, does hold it: registry_url is not a secret option)
    assert "hunter2-secret" not in messages["login url with credentials"]
    # nothing was created, and the existing repository is as it was
    names = {r["repositoryName"] for r in client("ecr").get_paginator("describe_repositories").paginate().build_full_result()["repositories"]}
    assert not [n for n in names if n.startswith(("bad-role", "bad-input-x"))]
    with pytest.raises(client("ecr").exceptions.LifecyclePolicyNotFoundException):
        client("ecr").get_lifecycle_policy(repositoryName=existing)
    assert role_run.rc == 0, role_run.failures()  # every case was rescued


@pytest.mark.slow
def test_role_bad_input_found_before_any_write(moto, tmp_path):
    table = role_cases_found_after_a_write()
    _play, seen, messages, steps = run_role_cases(moto, tmp_path, table, unique("bad-late"))
    print("\nrole input found after a write: failed at %s; writes seen: %s" % (steps, seen))
    record_figures("bad_input_role_late", {"cases": len(table), "failed_at": steps, "writes_seen": seen})
    problems = check_messages(table, messages)
    assert not problems, "\n".join(problems)
    assert seen == [], "writes before the failure: %s" % seen


@pytest.mark.slow
def test_module_bad_input_checked_before_any_call(moto, tmp_path):
    files = {"login config": tmp_path / "login" / "config.json", "tag config": tmp_path / "tags" / "config.json"}
    table = module_cases_not_caught(files)
    tasks = [{"name": case_id, module: args, "ignore_errors": True} for case_id, module, args, _fragments in table]
    with Recorder(moto) as recorder:
        play = run_play(tasks, tmp_path, diff=False)
        calls = recorder.operations()
    messages = {case[0]: str(play[case[0]].get("msg", "")) for case in table if play[case[0]].get("failed")}
    print("\nmodule input not caught: %s; calls made: %s" % (json.dumps(messages, indent=2), calls))
    problems = check_messages(table, messages)
    assert not problems, "\n".join(problems)
    assert calls == [], "calls before the input was refused: %s" % calls
    assert not files["login config"].exists()
