"""Helpers for the integration tests: run a playbook, talk to the stack directly."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import boto3
import yaml

ROOT = Path(__file__).resolve().parent.parent
# the ansible of the virtualenv that runs the tests (each support-matrix entry has its own)
BIN = Path(sys.executable).parent
ANSIBLE_PLAYBOOK = str(BIN / "ansible-playbook")
REGION = "ap-south-1"


def unique(prefix: str) -> str:
    """A repository name no other test uses."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def client(service: str):
    return boto3.client(service, region_name=REGION)


class PlayResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        try:
            doc = json.loads(proc.stdout[proc.stdout.index("{") :])
        except ValueError as e:
            raise AssertionError("ansible-playbook printed no JSON (rc %s):\n%s\n%s" % (self.rc, proc.stdout[-3000:], proc.stderr[-3000:])) from e
        self.tasks: list[dict[str, Any]] = []
        for play in doc.get("plays", []):
            for task in play.get("tasks", []):
                result = task["hosts"].get("localhost", {})
                self.tasks.append({"name": task["task"]["name"], "result": result})
        self.stats = doc.get("stats", {})

    def __getitem__(self, name: str) -> dict[str, Any]:
        """The result of the task called ``name`` (the last one, when several share it)."""
        found = [t["result"] for t in self.tasks if t["name"] == name]
        if not found:
            raise KeyError("no task %r ran; ran: %s" % (name, [t["name"] for t in self.tasks]))
        return found[-1]

    def failures(self) -> str:
        """The failed tasks and their messages, for assertion messages."""
        lines = ["%s: %s" % (t["name"], t["result"].get("msg")) for t in self.tasks if t["result"].get("failed")]
        return "\n".join(lines) or self.stderr[-2000:]

    def all(self, name: str) -> list[dict[str, Any]]:
        return [t["result"] for t in self.tasks if t["name"] == name]


def write_playbook(tasks: list[dict[str, Any]], path: Path, vars: dict[str, Any] | None = None) -> Path:
    """A one-play playbook that runs ``tasks`` on localhost, with the region set for the ecr group."""
    play = {
        "name": "test",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "module_defaults": {"group/stowage.ecr.ecr": {"region": REGION}},
        "vars": vars or {},
        "tasks": tasks,
    }
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    return path


def ansible_env(extra: dict[str, str] | None = None, callback: str = "ansible.posix.json") -> dict[str, str]:
    """The environment of an ansible-playbook run: this checkout's ansible.cfg, results as JSON."""
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK=callback, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.update(extra or {})
    return env


def run_play(
    tasks: list[dict[str, Any]],
    tmp_path: Path,
    check: bool = False,
    diff: bool = True,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    vars: dict[str, Any] | None = None,
) -> PlayResult:
    """Run ``tasks`` on localhost through ansible-playbook; results come from the json callback."""
    path = write_playbook(tasks, tmp_path / ("play-%s.yml" % uuid.uuid4().hex[:6]), vars=vars)
    cmd = [ANSIBLE_PLAYBOOK, str(path)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    cmd += extra_args or []
    proc = subprocess.run(cmd, cwd=ROOT, env=ansible_env(env), capture_output=True, text=True, timeout=600, check=False)
    return PlayResult(proc)


class Recorder:
    """moto's request recorder: which API operations reached the server.

    The recording is moto's file (``MOTO_RECORDER_FILEPATH``), which the reset on entering makes anew. When it
    is not there, nothing can be said of what was sent, so reading it fails rather than finding no call: an
    assertion that nothing was written must never pass for want of a recording."""

    def __init__(self, moto: dict[str, Any]):
        self.moto = moto
        self.path = Path(moto["recording"])

    def _post(self, what: str) -> None:
        req = urllib.request.Request(self.moto["url"] + "/moto-api/recorder/" + what, method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def __enter__(self) -> Recorder:
        self._post("reset-recording")
        self._missing()
        self._post("start-recording")
        return self

    def __exit__(self, *exc) -> None:
        self._post("stop-recording")

    def _missing(self) -> None:
        if not self.path.is_file():
            raise AssertionError(
                "moto's request recording %s is missing (moto writes it elsewhere, or it was never reset): "
                "no call, and so no write, can be ruled out" % self.path
            )

    def requests(self) -> list[tuple[str, dict[str, Any]]]:
        """(operation, JSON body) of each recorded request, in order; a request without an X-Amz-Target header
        (query or REST protocols) is named by its method and URL, with an empty body."""
        self._missing()
        found = []
        for line in self.path.read_text().splitlines():
            entry = json.loads(line)
            target = {k.lower(): v for k, v in entry.get("headers", {}).items()}.get("x-amz-target")
            if not target:
                found.append(("%s %s" % (entry.get("method"), entry.get("url")), {}))
                continue
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8", "replace")
            try:
                doc = json.loads(body) if body else {}
            except ValueError:
                doc = {}
            found.append((target.rsplit(".", 1)[-1], doc if isinstance(doc, dict) else {}))
        return found

    def operations(self) -> list[str]:
        """Operation names in order, e.g. ['DescribeRepositories', 'CreateRepository']."""
        return [op for op, _body in self.requests()]


# The verbs of the ECR operations that change something, the layer upload of a push included
# (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, PutImage); the other verbs only read
# (Describe, Get, List, BatchGet, BatchCheck, Validate). tests/integration/test_recorder.py sorts every
# operation of botocore's ECR model into one of the two.
WRITE_PREFIXES = (
    "Create",
    "Put",
    "Set",
    "Delete",
    "BatchDelete",
    "Tag",
    "Untag",
    "Start",
    "Stop",
    "Update",
    "Register",
    "Deregister",
    "InitiateLayerUpload",
    "UploadLayerPart",
    "CompleteLayerUpload",
)
READ_PREFIXES = ("Describe", "Get", "List", "BatchGet", "BatchCheck", "Validate")


def writes(operations: list[str]) -> list[str]:
    return [op for op in operations if op.startswith(WRITE_PREFIXES)]


def build_image(dockerd: dict[str, Any], name: str, content: str) -> str:
    """Build a tiny image FROM scratch on the stack's Docker Engine; return its name."""

    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "content.txt").write_text(content + "\n")
        Path(directory, "Dockerfile").write_text("FROM scratch\nCOPY content.txt /content.txt\n")
        env = dict(os.environ, DOCKER_HOST=dockerd["env"]["DOCKER_HOST"], DOCKER_BUILDKIT="0")
        subprocess.run(["/usr/bin/docker", "build", "-q", "-t", name, directory], env=env, check=True, capture_output=True, timeout=120)
    return name


def docker(dockerd: dict[str, Any], *args: str) -> str:
    """Run the docker CLI against the stack's Docker Engine; its output."""
    return subprocess.run(["/usr/bin/docker", "-H", dockerd["host"], *args], check=True, capture_output=True, text=True, timeout=120).stdout


def local_id(dockerd: dict[str, Any], ref: str) -> str:
    """The local image id (sha256:...) of ``ref`` on the stack's Docker Engine."""
    return json.loads(docker(dockerd, "image", "inspect", ref))[0]["Id"]


def manifest_status(registry: dict[str, Any], name: str, tag: str) -> tuple[int, str | None]:
    """What the registry holds under name:tag: (HTTP status, config digest = the local image id)."""
    auth = base64.b64encode(("AWS:%s" % registry["password"]).encode()).decode()
    request = urllib.request.Request(
        "%s/v2/%s/manifests/%s" % (registry["url"], name, tag),
        headers={"Authorization": "Basic " + auth, "Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)["config"]["digest"]
    except urllib.error.HTTPError as e:
        return e.code, None


# the account settings of a registry that nobody has set
REGISTRY_DEFAULT_SETTINGS = {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE", "BLOB_MOUNTING": "DISABLED", "REGISTRY_POLICY_SCOPE": "V2"}


def empty_registry(region: str) -> None:
    """Remove every registry-level setting of ``region`` (account settings back to their defaults)."""
    ecr = boto3.client("ecr", region_name=region)
    try:
        ecr.delete_registry_policy()
    except ecr.exceptions.RegistryPolicyNotFoundException:
        pass
    ecr.put_replication_configuration(replicationConfiguration={"rules": []})
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[])
    for rule in ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]:
        ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix=rule["ecrRepositoryPrefix"])
    for template in ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]:
        ecr.delete_repository_creation_template(prefix=template["prefix"])
    for name, value in REGISTRY_DEFAULT_SETTINGS.items():
        ecr.put_account_setting(name=name, value=value)
    for arn in ecr.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"]:
        ecr.deregister_pull_time_update_exclusion(principalArn=arn)
    try:
        ecr.delete_signing_configuration()
    except ecr.exceptions.SigningConfigurationNotFoundException:
        pass


def image_manifest(seed: str, size: int = 7) -> str:
    """A Docker image manifest for PutImage whose config and only layer have a digest made of ``seed`` (moto makes
    the image digest of the layer digests, so each seed is an image of its own)."""
    digest = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": size, "digest": digest},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": size, "digest": digest}],
        }
    )


def ecr_as(role_arn: str, region: str):
    """An ECR client in ``region`` with the keys of ``role_arn`` assumed (the stack's keys act in the role's account)."""
    keys = boto3.client("sts", region_name=region).assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return boto3.client(
        "ecr",
        region_name=region,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
