"""Our modules run in the controller's worker process when the task runs on the controller, and as
separate module processes otherwise: both give the same results."""

from __future__ import annotations

from helpers import run_play, unique

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
