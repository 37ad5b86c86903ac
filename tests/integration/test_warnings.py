"""A module's warnings reach the task result once, on every matrix entry, without the deprecation that
ansible-core 2.19+ raises when `warnings` is handed to exit_json (which amazon.aws 11's module class does)."""

from __future__ import annotations

import pytest
from helpers import run_play, unique

# every entry of the support matrix runs this file (noxfile.py)
pytestmark = pytest.mark.matrix


@pytest.mark.parametrize("in_process", ["1", "0"])
def test_warnings_once_and_no_deprecation(moto, tmp_path, in_process):
    name = unique("warned")
    rules = [{"priority": 1, "tag_status": "untagged", "count_type": "image_count_more_than", "count_number": 1}]
    tasks = [{"name": "warns", "stowage.ecr.ecr_lifecycle_policy": {"repository": name, "rules": rules}, "check_mode": True}]
    play = run_play(tasks, tmp_path, env={"STOWAGE_ECR_IN_PROCESS": in_process})
    assert play.rc == 0, play.failures()
    result = play["warns"]
    warnings = [w for w in result.get("warnings", []) if "does not exist yet" in str(w)]
    assert len(warnings) == 1, result.get("warnings")
    deprecations = [str(d) for d in result.get("deprecations", [])]
    assert not [d for d in deprecations if "warnings" in d], deprecations
