"""Secrets: playbooks/site.yml at -vvvv against moto, the registry and a Docker Engine. The registry
password (moto's token password) and its base64 forms appear nowhere in stdout, stderr, the returned
facts (the json callback's output) or any process's command line (/proc/*/cmdline, sampled every
~20 ms from a thread during the run). The Docker config ends 0600 and keeps its other entries."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from conftest import record_figures
from helpers import build_image, client, unique
from robustkit import image_id, registry_tag, run_site

PASSWORD = "123456789012-auth-token"
SAMPLE_EVERY = 0.02


def secret_forms():
    """The password and every base64 spelling of it and of the AWS:password login."""
    forms = {PASSWORD}
    for text in ("AWS:" + PASSWORD, PASSWORD):
        raw = text.encode()
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            forms.add(encoded.decode())
            forms.add(encoded.decode().rstrip("="))
    return sorted(forms)


class CmdlineSampler(threading.Thread):
    """Reads every /proc/<pid>/cmdline every ~20 ms; keeps the samples that hold a secret."""

    def __init__(self, secrets):
        super().__init__(name="cmdline-sampler", daemon=True)
        self.secrets = [s.encode() for s in secrets]
        self.stop_event = threading.Event()
        self.samples = 0
        self.pids = set()
        self.module_processes = 0
        self.hits = []

    def run(self):
        while not self.stop_event.is_set():
            self.sample()
            time.sleep(SAMPLE_EVERY)

    def sample(self):
        self.samples += 1
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry.name, "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue  # gone meanwhile
            self.pids.add(int(entry.name))
            if b"AnsiballZ_" in cmdline:
                self.module_processes += 1
            for secret in self.secrets:
                if secret in cmdline:
                    self.hits.append((int(entry.name), cmdline.replace(b"\0", b" ").decode("utf-8", "replace")[:300]))

    def stop(self):
        self.stop_event.set()
        self.join(timeout=10)


# our modules run inside Ansible's worker process on the controller, or as module processes (the fallback,
# forced with STOWAGE_ECR_IN_PROCESS=0): both paths are watched
MODES = {"in process": {}, "module processes": {"STOWAGE_ECR_IN_PROCESS": "0"}}


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(MODES))
def test_no_secret_in_output_facts_or_command_lines(mode, moto, registry, dockerd, tmp_path):
    assert registry["password"] == PASSWORD
    name = unique("robust/secrets")
    image = build_image(dockerd, "robust-secrets:build", "secrets " + name)
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    other_entry = {"auth": base64.b64encode(b"octo:ghp-other-registry").decode()}
    config.write_text(json.dumps({"auths": {"ghcr.io": other_entry}, "detachKeys": "ctrl-e,e"}, indent=2))
    config.chmod(0o644)
    role_vars = {
        "ecr_repo_name": name,
        "ecr_repo_image": image,
        "ecr_repo_image_tags": ["latest", "1.0.0"],
        "ecr_repo_registry_url": registry["url"],
        "ecr_repo_docker_config": str(config),
    }
    secrets = secret_forms()

    sampler = CmdlineSampler(secrets)
    sampler.start()
    try:
        play = run_site(role_vars, tmp_path, args=["-vvvv", "--diff"], env=dict(MODES[mode], DOCKER_HOST=dockerd["host"]))
    finally:
        sampler.stop()
    figures = {
        "cmdline_samples": sampler.samples,
        "processes_seen": len(sampler.pids),
        "module_process_sightings": sampler.module_processes,
        "secret_forms_checked": len(secrets),
        "cmdline_hits": len(sampler.hits),
        "stdout_bytes": len(play.stdout),
        "stderr_bytes": len(play.stderr),
    }
    print("\nsecrets (%s): %s" % (mode, json.dumps(figures)))
    record_figures("secrets " + mode, figures)

    assert play.rc == 0, play.failures()
    # the run did what it should, at full verbosity, while the sampler watched
    assert registry_tag(registry, name, "latest")["config"]["digest"] == image_id(dockerd, image)
    # at -vvv and more: a module process establishes its connection; a module run in process says so instead
    verbose = ("ESTABLISH LOCAL CONNECTION", "running in process on the controller")
    assert any(marker in play.stdout + play.stderr for marker in verbose), "-vvvv output expected"
    assert sampler.samples > 50
    # module processes were there to sample when modules run as processes (in process, the push path may start none)
    assert sampler.module_processes > 0 or mode == "in process"
    if mode == "module processes":
        assert "AnsiballZ_ecr_login" in play.stdout + play.stderr
    assert client("ecr").describe_repositories(repositoryNames=[name])["repositories"]

    for where, text in (("stdout", play.stdout), ("stderr", play.stderr), ("returned facts and results", json.dumps(play.tasks))):
        leaked = [s for s in secrets if s in text]
        assert not leaked, "%s holds %s" % (where, leaked)
    assert sampler.hits == [], "a command line held a secret: %s" % sampler.hits[:3]

    # the Docker config: 0600, the login written, the other entries kept
    written = json.loads(config.read_text())
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert written["auths"]["ghcr.io"] == other_entry
    assert written["detachKeys"] == "ctrl-e,e"
    assert written["auths"][registry["host"]]["auth"] in secrets, "the login in the config is the secret the test looked for"
    assert sorted(p.name for p in Path(config.parent).iterdir()) == ["config.json", "config.json.ecr-login.json"], "no temp file left"
