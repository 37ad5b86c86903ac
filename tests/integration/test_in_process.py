"""Our modules run in the controller's worker process when the task runs on the controller, and as
separate module processes otherwise: both give the same results."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import BIN, run_play, unique

# every entry of the support matrix runs this file (noxfile.py)
pytestmark = pytest.mark.matrix

MARKER = "running in process on the controller"


def test_in_process_and_module_process_agree(moto, tmp_path):
    name = unique("inproc")
    args = {"name": name, "scan_on_push": True, "encryption_type": "AES256", "tags": {"team": "a"}}
    rules = [{"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 30}]
    tasks = [
        {"name": "repo", "stowage.ecr.ecr_repository": args},
        {"name": "lifecycle", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": rules}},
        {"name": "bad", "stowage.ecr.ecr_repository": {"name": "Bad Name"}, "ignore_errors": True},
    ]
    separate = run_play(tasks, tmp_path, extra_args=["-vvv"], env={"STOWAGE_ECR_IN_PROCESS": "0"})
    in_process = run_play(tasks, tmp_path, extra_args=["-vvv"])
    assert MARKER not in separate.stdout + separate.stderr and "AnsiballZ_ecr_repository" in separate.stdout + separate.stderr
    assert MARKER in in_process.stdout + in_process.stderr and "AnsiballZ_ecr_repository" not in in_process.stdout + in_process.stderr
    # the first run created everything; the second (in process) finds it as the first left it
    assert separate["repo"]["changed"] and not in_process["repo"]["changed"]
    assert in_process["repo"]["repository"] == separate["repo"]["repository"]
    assert in_process["lifecycle"]["policy"] == separate["lifecycle"]["policy"]
    assert in_process["bad"]["msg"] == separate["bad"]["msg"] and "name:" in in_process["bad"]["msg"]
    # check mode and diff reach the module the same way
    check = run_play([{"name": "c", "stowage.ecr.ecr_repository": dict(args, scan_on_push=False), "check_mode": True}], tmp_path)
    assert check["c"]["changed"] and check["c"]["diff"]["after"]["scan_on_push"] is False
    assert run_play([{"name": "r", "stowage.ecr.ecr_repository": args}], tmp_path)["r"]["repository"]["scan_on_push"] is True


def test_async_task_runs_as_an_async_module(moto, tmp_path):
    """With async, the module runs as an async job on the target (never in process) and is polled to its end."""
    name = unique("asyncrepo")
    tasks = [
        {"name": "create", "stowage.ecr.ecr_repository": {"name": name}, "async": 60, "poll": 1},
        {"name": "info", "stowage.ecr.ecr_repository_info": {"names": [name]}, "async": 60, "poll": 1},
    ]
    play = run_play(tasks, tmp_path, extra_args=["-vvv"])
    assert play.rc == 0, play.failures()
    assert play["create"]["changed"] and play["create"]["finished"] == 1 and play["create"]["ansible_job_id"]
    assert [r["name"] for r in play["info"]["repositories"]] == [name]
    assert MARKER not in play.stdout + play.stderr


def seen(result):
    """A result as the user sees it: Ansible shows each distinct deprecation once. (A module process imports
    every module afresh, so a deprecation that an import raises, such as amazon.aws 10's imports of
    ansible.module_utils._text on ansible-core 2.20, is listed once per importing module; in process, modules
    the worker holds already are not imported again.)"""
    shown = dict(result)
    if "deprecations" in shown:
        shown["deprecations"] = sorted({json.dumps(d, sort_keys=True) for d in shown["deprecations"]})
    return shown


def _info_task():
    return [{"name": "info", "stowage.ecr.ecr_repository_info": {"names": []}}]


def _inventory_play(tmp_path, extra_args=(), env=None):
    return run_play(_info_task(), tmp_path, extra_args=["-i", "localhost,", "-vvv", *extra_args], env=env)


def test_inventory_localhost_with_this_python_runs_in_process(moto, tmp_path):
    """An inventory localhost (-i localhost,, as in AWX) whose interpreter is this very Python, from the
    variable or from the interpreter_python setting, runs in process as the implicit localhost does."""
    by_variable = _inventory_play(tmp_path, ["-e", "ansible_python_interpreter=%s" % sys.executable])
    by_setting = _inventory_play(tmp_path, env={"ANSIBLE_PYTHON_INTERPRETER": sys.executable})
    usual = _inventory_play(tmp_path, env={"ANSIBLE_PYTHON_INTERPRETER": sys.executable, "STOWAGE_ECR_IN_PROCESS": "0"})
    for play in (by_variable, by_setting, usual):
        assert play.rc == 0, play.failures()
    assert MARKER in by_variable.stdout and MARKER in by_setting.stdout and MARKER not in usual.stdout
    assert seen(by_variable["info"]) == seen(by_setting["info"]) == seen(usual["info"])


def test_discovered_interpreter_decides_and_is_handed_back(moto, tmp_path):
    """With interpreter_python auto_silent, the interpreter is discovered as Ansible discovers it; when that is
    this virtualenv's Python the module runs in process, and the discovery is returned as Ansible's fact."""
    env = {"PATH": "%s:/usr/bin:/bin" % BIN, "ANSIBLE_PYTHON_INTERPRETER": "auto_silent"}
    play = _inventory_play(tmp_path, env=env)
    assert play.rc == 0, play.failures()
    discovered = play["info"]["ansible_facts"]["discovered_interpreter_python"]
    assert os.path.dirname(discovered) == str(BIN), discovered
    assert MARKER in play.stdout


def test_another_python_of_the_same_installation_is_not_this_one(moto, tmp_path):
    """A virtualenv's python links to its base interpreter, which has other packages: naming the base
    interpreter runs the module there, the usual way, never in this virtualenv's process."""
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a virtualenv")
    base = os.path.realpath(sys.executable)
    play = _inventory_play(tmp_path, ["-e", "ansible_python_interpreter=%s" % base])
    assert MARKER not in play.stdout
    assert "AnsiballZ_ecr_repository_info" in play.stdout + play.stderr


def test_a_missing_internal_piece_falls_back_to_the_usual_path(moto, tmp_path):
    """Take away one piece of ansible-core that the fast path uses (in the controller only): every task still
    passes, the usual way, with the same result, and -vvv says why."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import os, sys\n"
        "if os.path.basename(sys.argv[0]).startswith('ansible-playbook'):\n"
        "    from ansible.module_utils import basic\n"
        "    del basic._ANSIBLE_ARGS\n"
    )
    name = unique("fallback")
    tasks = [{"name": "repo", "stowage.ecr.ecr_repository": {"name": name, "tags": {"a": "b"}}}]
    without = run_play(tasks, tmp_path, extra_args=["-vvv"], env={"PYTHONPATH": str(shim)})
    assert without.rc == 0, without.failures()
    assert MARKER not in without.stdout and "AnsiballZ_ecr_repository" in without.stdout + without.stderr
    assert "lacks ansible.module_utils.basic._ANSIBLE_ARGS" in without.stdout
    again = run_play(tasks, tmp_path)
    assert without["repo"]["changed"] and not again["repo"]["changed"]
    assert without["repo"]["repository"] == again["repo"]["repository"]


REGISTRY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "replicate", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": ["ecr:ReplicateImage"], "Resource": "*"}
    ],
}


def test_every_module_gives_the_same_result_both_ways(moto, registry, tmp_path):
    """The same tasks of every module (checks, no-ops, reads, check-mode changes and refused input), run once
    as module processes and once in process, against the same state: identical results."""
    import boto3  # pylint: disable=import-outside-toplevel

    name = unique("alike")
    ecr = boto3.client("ecr", region_name="ap-south-1")
    ecr.create_repository(repositoryName=name, imageScanningConfiguration={"scanOnPush": True})
    layer = "sha256:" + "5e" * 32
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": layer},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1, "digest": layer}],
    }
    ecr.put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageTag="v1")
    rules = [{"priority": 1, "tag_status": "untagged", "count_type": "image_count_more_than", "count_number": 1}]
    config = str(tmp_path / "docker" / "config.json")
    login = {"registry_url": registry["url"], "config_path": config}
    tasks = [
        {"name": "repository no-op", "stowage.ecr.ecr_repository": {"name": name, "scan_on_push": True}},
        {"name": "repository change", "stowage.ecr.ecr_repository": {"name": name, "scan_on_push": False, "tags": {"a": "b"}}, "check_mode": True},
        {"name": "lifecycle", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": rules, "preview": True}, "check_mode": True},
        {
            "name": "fleet",
            "stowage.ecr.ecr_repositories": {"repositories": [{"name": name, "scan_on_push": True}, {"name": name + "-new"}]},
            "check_mode": True,
        },
        {"name": "info", "stowage.ecr.ecr_repository_info": {"names": [name]}},
        {"name": "preview", "stowage.ecr.ecr_lifecycle_preview": {"repository": name, "rules": rules, "as_of": "2030-01-01T00:00:00Z"}},
        {"name": "login", "stowage.ecr.ecr_login": login, "check_mode": True},
        {"name": "tags", "stowage.ecr.ecr_image_tag_info": dict(login, repository=name, tags=["latest"]), "check_mode": True},
        {"name": "push", "stowage.ecr.ecr_image_push": {"name": "%s/%s" % (registry["host"], name), "tags": ["bad tag"]}, "ignore_errors": True},
        {"name": "bad repository", "stowage.ecr.ecr_repository": {"name": name, "encryption_type": "ROT13"}, "ignore_errors": True},
        {"name": "bad lifecycle", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": [dict(rules[0], count_number=0)]}, "ignore_errors": True},
        {"name": "bad login", "stowage.ecr.ecr_login": {"registry_url": "ftp://x"}, "ignore_errors": True},
        # registry-level modules, in check mode (registry-wide state is shared by the session's tests)
        {"name": "registry policy", "stowage.ecr.ecr_registry_policy": {"policy": REGISTRY_POLICY}, "check_mode": True},
        {"name": "replication", "stowage.ecr.ecr_replication": {"rules": [{"destinations": [{"region": "eu-west-1"}]}]}, "check_mode": True},
        {"name": "scanning", "stowage.ecr.ecr_registry_scanning": {"scan_type": "basic"}, "check_mode": True},
        {"name": "account setting", "stowage.ecr.ecr_account_setting": {"name": "BLOB_MOUNTING", "value": "enabled"}, "check_mode": True},
        {"name": "exclusion", "stowage.ecr.ecr_pull_time_update_exclusion": {"principal_arn": "arn:aws:iam::123456789012:role/ci"}, "check_mode": True},
        {"name": "signing", "stowage.ecr.ecr_signing_configuration": {"state": "absent"}, "check_mode": True},
        {
            "name": "cache rule",
            "stowage.ecr.ecr_pull_through_cache_rule": {"ecr_repository_prefix": name[:20], "upstream_registry_url": "public.ecr.aws"},
            "check_mode": True,
        },
        {
            "name": "template",
            "stowage.ecr.ecr_repository_creation_template": {"prefix": name[:20], "applied_for": ["create_on_push"], "image_tag_mutability": "immutable"},
            "check_mode": True,
        },
        {"name": "bad replication", "stowage.ecr.ecr_replication": {"rules": [{"destinations": []}]}, "ignore_errors": True},
        {"name": "registry info", "stowage.ecr.ecr_registry_info": {"sections": ["policy", "replication", "scanning"]}},
        {"name": "backfill", "stowage.ecr.ecr_replication_backfill": {"state": "stopped"}, "check_mode": True},
        # image modules
        {"name": "images", "stowage.ecr.ecr_image_info": {"repository": name, "tag_status": "TAGGED"}},
        {"name": "promote", "stowage.ecr.ecr_image": {"repository": name, "source": "v1", "tags": ["prod"]}, "check_mode": True},
        {"name": "scan", "stowage.ecr.ecr_image_scan": {"repository": name, "image_tag": "v1", "wait": False}, "check_mode": True},
        {"name": "bad image", "stowage.ecr.ecr_image": {"repository": name, "state": "absent", "tags": ["v1"]}, "ignore_errors": True},
    ]
    separate = run_play(tasks, tmp_path, env={"STOWAGE_ECR_IN_PROCESS": "0"})
    in_process = run_play(tasks, tmp_path)
    assert [t["name"] for t in separate.tasks] == [t["name"] for t in in_process.tasks] == [t["name"] for t in tasks]
    for task in tasks:
        assert seen(in_process[task["name"]]) == seen(separate[task["name"]]), task["name"]
    assert not in_process["repository no-op"]["changed"] and in_process["repository change"]["changed"]
    assert in_process["bad login"]["failed"] and in_process["push"]["failed"] and in_process["bad replication"]["failed"]
    assert in_process["registry policy"]["changed"] and in_process["template"]["changed"] and in_process["cache rule"]["changed"]
    assert in_process["promote"]["changed"] and in_process["bad image"]["failed"] and len(in_process["images"]["images"]) == 1


def test_module_utils_imported_in_process_keep_their_bytecode(moto, tmp_path):
    """In process, this collection's module_utils and those of the collections it builds on are imported with
    Python's source loader (bytecode kept, as for any installed package), not compiled anew by every worker: a run
    writes their bytecode (here under PYTHONPYCACHEPREFIX), and the task's result is the module's own."""
    prefix = tmp_path / "pycache"
    name = unique("bytecode")
    tasks = [{"name": "repo", "stowage.ecr.ecr_repository": {"name": name}}]
    env = {"PYTHONPYCACHEPREFIX": str(prefix), "PYTHONDONTWRITEBYTECODE": ""}
    first = run_play(tasks, tmp_path, extra_args=["-vvv"], env=env)
    assert first.rc == 0, first.failures()
    assert MARKER in first.stdout and first["repo"]["changed"]
    written = {str(p.relative_to(prefix)) for p in prefix.rglob("*.pyc")}
    for package in ("stowage/ecr/plugins/module_utils/_aws/ecr", "amazon/aws/plugins/module_utils/botocore"):
        assert any(package + "." in path for path in written), (package, sorted(written)[:20])
    # the module itself stays with the collection loader (only module_utils are read this way)
    assert not any("plugins/modules/" in path for path in written)
    again = run_play(tasks, tmp_path, env=env)
    assert again.rc == 0 and not again["repo"]["changed"]
    assert again["repo"]["repository"] == first["repo"]["repository"]


def test_collections_read_with_the_source_loader_route_no_module_utils():
    """The source loader is used only where the collection loader would load the same file: the collections whose
    module_utils it reads (in_process.CACHED_PACKAGES) redirect none of them (meta/runtime.yml)."""
    script = (
        "import json, os, yaml\n"
        "from ansible.plugins.loader import init_plugin_loader\n"
        "init_plugin_loader()\n"
        "import importlib\n"
        "found = {}\n"
        "for name in ('stowage.ecr', 'amazon.aws', 'community.docker'):\n"
        "    package = importlib.import_module('ansible_collections.' + name)\n"
        "    path = os.path.join(list(package.__path__)[0], 'meta', 'runtime.yml')\n"
        "    meta = yaml.safe_load(open(path)) if os.path.exists(path) else {}\n"
        "    found[name] = sorted(((meta or {}).get('plugin_routing') or {}).get('module_utils') or {})\n"
        "print(json.dumps(found))\n"
    )
    out = subprocess.run([os.path.join(BIN, "python"), "-c", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == {"stowage.ecr": [], "amazon.aws": [], "community.docker": []}


@pytest.mark.parametrize("opt_out", ["", "0"])
def test_loading_an_action_imports_boto3_ahead_and_freezes_the_main_process_once(opt_out):
    """ansible-core's main process loads our action before it starts the task's worker: boto3 is imported there and
    what the process holds is frozen (gc.freeze) once, so that the workers and the exit do not walk it again; with
    STOWAGE_ECR_IN_PROCESS=0 neither happens."""
    script = (
        "import gc, json, sys\n"
        "from ansible.plugins.loader import init_plugin_loader, action_loader\n"
        "init_plugin_loader()\n"
        "seen = [gc.get_freeze_count(), 'boto3' in sys.modules]\n"
        "action_loader.get('stowage.ecr.ecr_repository', class_only=True)\n"
        "seen += [gc.get_freeze_count() > seen[0], 'boto3' in sys.modules]\n"
        "frozen = gc.get_freeze_count()\n"
        "action_loader.get('stowage.ecr.ecr_repositories', class_only=True)\n"
        "seen.append(gc.get_freeze_count() == frozen)\n"
        "print(json.dumps(seen))\n"
    )
    env = dict(os.environ, STOWAGE_ECR_IN_PROCESS=opt_out)
    out = subprocess.run([os.path.join(BIN, "python"), "-c", script], capture_output=True, text=True, check=True, env=env).stdout
    # (some versions have frozen objects of their own already: what counts is that loading the action adds to them)
    _before, imported_before, frozen, imported, once = json.loads(out.strip().splitlines()[-1])
    assert not imported_before
    assert (frozen, imported) == ((True, True) if opt_out == "" else (False, False))
    assert once
