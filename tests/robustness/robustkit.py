"""Shared parts of the robustness tests: the fleet of repositories they converge, the check of
the final state straight against moto, and playbook runs started with Popen (in parallel,
or to be killed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any, Dict, List

from helpers import ANSIBLE_PLAYBOOK, ROOT, PlayResult, ansible_env, client, write_playbook

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import compile_rules, normalise_policy

# three lifecycle rule sets, used in turn by the fleet's repositories
RULE_SETS: List[List[Dict[str, Any]]] = [
    [{"priority": 1, "description": "untagged after 14 days", "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 14}],
    [
        {"priority": 5, "tag_status": "tagged", "tag_prefixes": ["v", "release-"], "count_type": "image_count_more_than", "count_number": 20},
        {"priority": 10, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 3},
    ],
    [
        {"priority": 1, "tag_status": "tagged", "tag_patterns": ["dev-*", "*-snapshot"], "count_type": "since_image_pushed", "count_number": 7},
        {"priority": 90, "description": "cap", "tag_status": "any", "count_type": "image_count_more_than", "count_number": 500},
    ],
]


def fleet(prefix: str, count: int = 20) -> List[Dict[str, Any]]:
    """``count`` repositories with tags and lifecycle rules: the requested state."""
    repos = []
    for i in range(count):
        repos.append(
            {
                "name": "%s/app-%02d" % (prefix, i),
                "scan_on_push": i % 2 == 0,
                "tags": {"team": "robustness", "index": str(i), "tier": ["web", "batch", "data"][i % 3]},
                "rules": RULE_SETS[i % len(RULE_SETS)],
            }
        )
    return repos


def fleet_tasks() -> List[Dict[str, Any]]:
    """A loop over ecr_repository, then a loop over ecr_lifecycle_policy, for the ``repos`` var."""
    return [
        {
            "name": "repositories",
            "stowage.ecr.ecr_repository": {"name": "{{ item.name }}", "scan_on_push": "{{ item.scan_on_push }}", "tags": "{{ item.tags }}"},
            "loop": "{{ repos }}",
            "loop_control": {"label": "{{ item.name }}"},
        },
        {
            "name": "lifecycle policies",
            "stowage.ecr.ecr_lifecycle_policy": {"repository": "{{ item.name }}", "rules": "{{ item.rules }}"},
            "loop": "{{ repos }}",
            "loop_control": {"label": "{{ item.name }}"},
        },
    ]


def fleet_state_problems(repos: List[Dict[str, Any]], prefix: str) -> List[str]:
    """What differs between the requested fleet and moto (asked directly, with the test's own boto3 client)."""
    ecr = client("ecr")
    problems = []
    found = [
        r for r in ecr.get_paginator("describe_repositories").paginate().build_full_result()["repositories"] if r["repositoryName"].startswith(prefix + "/")
    ]
    names = sorted(r["repositoryName"] for r in found)
    if names != sorted(r["name"] for r in repos):
        problems.append("repositories in moto %s, requested %s" % (names, sorted(r["name"] for r in repos)))
    by_name = {r["repositoryName"]: r for r in found}
    for repo in repos:
        raw = by_name.get(repo["name"])
        if raw is None:
            continue
        if raw["imageScanningConfiguration"]["scanOnPush"] is not repo["scan_on_push"]:
            problems.append("%s: scanOnPush %s" % (repo["name"], raw["imageScanningConfiguration"]["scanOnPush"]))
        if raw.get("imageTagMutability", "MUTABLE") != "MUTABLE" or raw["encryptionConfiguration"]["encryptionType"] != "AES256":
            problems.append("%s: settings changed %s" % (repo["name"], raw))
        tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=raw["repositoryArn"])["tags"]}
        if tags != repo["tags"]:
            problems.append("%s: tags %s, requested %s" % (repo["name"], tags, repo["tags"]))
        try:
            live = json.loads(ecr.get_lifecycle_policy(repositoryName=repo["name"])["lifecyclePolicyText"])
        except ecr.exceptions.LifecyclePolicyNotFoundException:
            problems.append("%s: no lifecycle policy" % repo["name"])
            continue
        if normalise_policy(live) != normalise_policy(compile_rules(repo["rules"])):
            problems.append("%s: lifecycle policy %s" % (repo["name"], live))
    return problems


def loop_results(play: PlayResult, task: str) -> List[Dict[str, Any]]:
    """The loop items of ``task`` ([] when the task did not run, as after an earlier failure)."""
    found = play.all(task)
    return found[-1].get("results", []) if found else []


def playbook(tasks: List[Dict[str, Any]], path: Path, vars: Dict[str, Any] | None = None) -> Path:
    """Write a one-play playbook for localhost (the same as helpers.run_play runs)."""
    return write_playbook(tasks, path, vars=vars)


def popen_playbook(path: Path, args: List[str] | None = None, env: Dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    """ansible-playbook in the background, in a process group of its own (so that it can be killed whole)."""
    return subprocess.Popen(
        [ANSIBLE_PLAYBOOK, str(path)] + (args or []),
        cwd=ROOT,
        env=ansible_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def descendants(pid: int) -> List[int]:
    """The processes below ``pid`` (children, theirs, ...), read from /proc."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after its last ")"
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _signal(pids: List[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def kill_tree(proc: subprocess.Popen) -> List[int]:
    """SIGKILL to ``proc``'s process group and to every process below it, as a machine that dies: ansible-core's
    workers run in sessions of their own (``os.setsid``), so killing the playbook's group alone leaves a worker
    that goes on running its module. The tree is stopped first, so that nothing starts in between. Returns the
    pids killed below ``proc``."""
    os.killpg(proc.pid, signal.SIGSTOP)
    below = descendants(proc.pid)
    _signal(below, signal.SIGSTOP)
    below = list(dict.fromkeys(below + descendants(proc.pid)))
    os.killpg(proc.pid, signal.SIGKILL)
    _signal(below, signal.SIGKILL)
    return below


def running(pids: List[int]) -> List[int]:
    """Those of ``pids`` still running (a zombie has ended)."""
    alive = []
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(pid)
        except (OSError, IndexError):
            continue
    return alive


def finish(proc: subprocess.Popen, timeout: float = 600) -> PlayResult:
    stdout, stderr = proc.communicate(timeout=timeout)
    return PlayResult(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))


def item_failures(play: PlayResult) -> str:
    """The failed tasks and loop items of a run, with their messages."""
    lines = []
    for task in play.tasks:
        result = task["result"]
        for item in result.get("results", []) or [result]:
            if item.get("failed"):
                label = item.get("_ansible_item_label") or item.get("item", "")
                lines.append("%s [%s]: %s" % (task["name"], label if isinstance(label, str) else json.dumps(label)[:80], item.get("msg")))
    return "\n".join(lines) or play.stderr[-2000:]


SITE = ROOT / "playbooks" / "site.yml"


def run_site(extra_vars: Dict[str, Any], tmp_path: Path, args: List[str] | None = None, env: Dict[str, str] | None = None, timeout: float = 600) -> PlayResult:
    """playbooks/site.yml with the role's variables as extra vars (a JSON file), results from the json callback."""
    vars_file = tmp_path / ("site-vars-%d.json" % len(list(tmp_path.glob("site-vars-*.json"))))
    vars_file.write_text(json.dumps(extra_vars))
    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, str(SITE), "-e", "@%s" % vars_file] + (args or []),
        cwd=ROOT,
        env=ansible_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return PlayResult(proc)


def registry_tag(registry: Dict[str, Any], repository: str, tag: str) -> Dict[str, Any] | None:
    """The schema-2 manifest a tag holds, asked of the registry directly (None when the tag does not exist)."""
    import base64
    import urllib.error
    import urllib.request

    auth = base64.b64encode(("%s:%s" % (registry["username"], registry["password"])).encode()).decode()
    request = urllib.request.Request(
        "%s/v2/%s/manifests/%s" % (registry["url"], repository, tag),
        headers={"Authorization": "Basic " + auth, "Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def image_id(dockerd: Dict[str, Any], name: str) -> str:
    out = subprocess.run(
        ["/usr/bin/docker", "-H", dockerd["host"], "image", "inspect", "--format", "{{.Id}}", name], check=True, capture_output=True, text=True, timeout=60
    )
    return out.stdout.strip()


def failed_tasks(play: PlayResult) -> List[str]:
    """The names of the failed tasks, without the role prefix."""
    return [t["name"].split(" : ", 1)[-1] for t in play.tasks if t["result"].get("failed")]
