"""The filter stowage.ecr.unknown_role_vars: which variable names a role does not know, and the closest it does."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.stowage.ecr.plugins.filter.unknown_role_vars import FilterModule, unknown_role_vars

KNOWN = ["ecr_repo_name", "ecr_repo_scan_on_push", "ecr_repo_lifecycle_rules", "ecr_repo_url"]


def test_known_names_give_no_message():
    assert unknown_role_vars(["ecr_repo_name", "ecr_repo_url"], KNOWN) == []
    assert unknown_role_vars([], KNOWN) == []


def test_a_misspelling_names_the_closest_known_variable():
    assert unknown_role_vars(["ecr_repo_scan_onpush", "ecr_repo_name"], KNOWN) == [
        "ecr_repo_scan_onpush is not a variable of this role; did you mean ecr_repo_scan_on_push?"
    ]
    assert unknown_role_vars(["ecr_repo_lifecyle_rule"], KNOWN) == [
        "ecr_repo_lifecyle_rule is not a variable of this role; did you mean ecr_repo_lifecycle_rules?"
    ]


def test_a_name_close_to_nothing_says_so_and_messages_are_sorted_once_each():
    assert unknown_role_vars(["ecr_repo_zzzzzzzzzzzzzzzzzzzz", "ecr_repo_scan_onpush", "ecr_repo_scan_onpush"], KNOWN) == [
        "ecr_repo_scan_onpush is not a variable of this role; did you mean ecr_repo_scan_on_push?",
        "ecr_repo_zzzzzzzzzzzzzzzzzzzz is not a variable of this role; no variable of the role is close to it",
    ]


def test_warn_shows_each_message_as_a_warning(monkeypatch):
    shown = []
    monkeypatch.setattr("ansible_collections.stowage.ecr.plugins.filter.unknown_role_vars.display.warning", shown.append)
    messages = unknown_role_vars(["ecr_repo_scan_onpush"], KNOWN, warn=True)
    assert shown == messages and len(shown) == 1
    unknown_role_vars(["ecr_repo_scan_onpush"], KNOWN)
    assert len(shown) == 1, "no warning without warn"


@pytest.mark.parametrize("names, known", [("ecr_repo_name", KNOWN), (["ecr_repo_name"], "ecr_repo_name"), ([1], KNOWN)])
def test_input_that_is_not_a_list_of_names_is_refused(names, known):
    with pytest.raises(AnsibleFilterError, match="must be a list of variable names"):
        unknown_role_vars(names, known)


def test_the_filter_is_registered():
    assert FilterModule().filters()["unknown_role_vars"] is unknown_role_vars
