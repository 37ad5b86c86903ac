"""playbooks/site.yml run the way AWX runs a job template: through ansible-runner's Python API.

AWX hands the job's extra vars to ansible-runner as `extravars`, the credentials (the AWS credential
type) and other settings as environment variables (`envvars`), the inventory into the private data
folder, and reads the outcome back from the runner's artifacts: status, rc and the job events. This
test does the same against the session's moto server, then asks moto (boto3) what exists.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import ansible_runner
from helpers import REGION, unique
from tooling import ROOT, VENV, VENV_BIN, seed_repository

AWS_ENV = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION")


def _events(artifacts: Path) -> list[dict]:
    """The job events ansible-runner wrote (what AWX stores as the job's events), in order."""
    events = [json.loads(p.read_text()) for p in (artifacts / "job_events").glob("*.json")]
    return sorted(events, key=lambda e: e.get("counter", 0))


def test_site_playbook_through_ansible_runner(moto, tmp_path):
    name = unique("awx")
    # the AWS credential (and, for the local stack, the endpoint) as environment, as AWX injects it
    envvars = {k: os.environ[k] for k in AWS_ENV if k in os.environ}
    envvars.update(
        {
            # where the job finds stowage.ecr and its dependencies (AWX: the project's collections/ or the EE)
            "ANSIBLE_COLLECTIONS_PATH": str(VENV),
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            # ansible-playbook of .venv, as an execution environment has its own on PATH
            "PATH": "%s:%s" % (VENV_BIN, os.environ.get("PATH", "/usr/bin:/bin")),
        }
    )
    inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python")}}}}
    private_data_dir = tmp_path / "job"
    private_data_dir.mkdir()
    extravars = {"ecr_repo_name": name, "ecr_repo_region": REGION, "ecr_repo_image": ""}
    with seed_repository(name):
        runner = ansible_runner.run(
            private_data_dir=str(private_data_dir),
            project_dir=str(ROOT),
            playbook="playbooks/site.yml",
            inventory=inventory,
            extravars=extravars,
            envvars=envvars,
            ident="job-1",
            quiet=True,
            timeout=600,
        )
        artifacts = Path(runner.config.artifact_dir)
        status = (artifacts / "status").read_text().strip()
        rc = int((artifacts / "rc").read_text().strip())
        stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else ""
        assert (status, rc) == ("successful", 0), "ansible-runner: status %s, rc %s\n%s" % (status, rc, stdout[-3000:])
        assert (runner.status, runner.rc) == (status, rc)

        events = _events(artifacts)
        assert events, "no job events in %s" % artifacts
        # a task's result: runner_on_ok / _failed / _skipped / _unreachable (runner_on_start only says it began)
        task_events = [e for e in events if e["event"].startswith("runner_on_") and e["event"] != "runner_on_start"]
        repository = [e for e in task_events if e["event_data"].get("resolved_action") == "stowage.ecr.ecr_repositories"]
        assert [e["event"] for e in repository] == ["runner_on_ok"], "the repository task: %s" % [e["event"] for e in repository]
        assert repository[0]["event_data"]["res"]["changed"] is True
        assert [r["name"] for r in repository[0]["event_data"]["res"]["repositories"]] == [name]
        failed = [e["event_data"].get("task") for e in task_events if e["event"] in ("runner_on_failed", "runner_on_unreachable")]
        assert failed == [], "failed tasks: %s" % failed
        started = [e["event_data"].get("task") for e in events if e["event"] == "playbook_on_task_start"]
        assert repository[0]["event_data"]["task"] in started

        recap = [e for e in events if e["event"] == "playbook_on_stats"]
        assert len(recap) == 1
        stats = recap[0]["event_data"]
        assert stats["failures"] == {} and stats["dark"] == {}, "play recap: %s" % stats
        assert stats["ok"].get("localhost", 0) >= 1 and stats["changed"].get("localhost", 0) >= 1
