# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: role_problems
short_description: What is wrong with the variables of one of the collection's roles, before the role writes
version_added: 0.3.0
description:
  - Takes the values of a role's variables and returns what the role refuses about them, each message naming
    the variable and what is accepted. For R(stowage.ecr.ecr_repo,ansible_collections.stowage.ecr.ecr_repo_role)
    the state, the repository to name, the image tags and the registry address (with the modules' own checks, as
    P(stowage.ecr.input_error#filter) runs them), an image with a list of repositories, the scan gate and an image
    to build without a name; for R(stowage.ecr.ecr_registry,ansible_collections.stowage.ecr.ecr_registry_role)
    how the variables go together (the registry id, a purge switch beside the value it would delete or without
    the list to keep, the account settings, a template prefix, a pull through cache prefix or an excluded principal
    given twice).
  - Then, as P(stowage.ecr.unknown_role_vars#filter) does, the variable names in O(names) that the role does not
    know (O(spec) and O(also_known)); with O(strict) they are one more message, else each is shown as a warning.
  - The roles check their variables with it before their first write, in one task; the checks are Python, not
    templates, so that the task stays quick.
author:
  - stowage.ecr contributors (@stowage)
options:
  _input:
    description:
      - The role's variables, named without the role's prefix (V(state) for C(ecr_repo_state)); a variable left
        out is taken as null.
    type: dict
    required: true
  role:
    description: Which role's checks.
    type: str
    required: true
    choices: [ecr_repo, ecr_registry]
  names:
    description: The names of the variables in scope that carry the role's prefix (the P(ansible.builtin.varnames#lookup) lookup).
    type: list
    elements: str
    required: true
  spec:
    description: The role's C(meta/argument_specs.yml); its options are the names the role knows.
    type: path
    required: true
  also_known:
    description: Names the role knows besides its options (the facts it sets, say).
    type: list
    elements: str
    default: []
  strict:
    description: The unknown names are a problem (the last message), not a warning.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Stop before the first write on a variable the role refuses
  ansible.builtin.fail:
    msg: "{{ problems | first }}"
  when: problems | length > 0
  vars:
    problems: >-
      {{ {'state': ecr_repo_state, 'name': ecr_repo_name}
         | stowage.ecr.role_problems('ecr_repo', query('ansible.builtin.varnames', '^ecr_repo_'),
                                     role_path ~ '/meta/argument_specs.yml') }}
"""

RETURN = r"""
_value:
  description:
    - The messages, the first problem first (each starts with the variable's name, as in C(ecr_repo_state) followed by
      what is wrong and what is accepted); empty when the role accepts its variables.
  type: list
  elements: str
"""

import os
import re

import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.stowage.ecr.plugins.filter.input_error import input_error
from ansible_collections.stowage.ecr.plugins.filter.unknown_role_vars import unknown_role_vars

SEVERITIES = ("", "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")
REGISTRY_ID = re.compile(r"^[0-9]{12}$")
# the lists of ecr_registry that a purge switch (purge_<list>) trims to what is given, in the order the role names the
# first switch given without its list
REGISTRY_PURGES = ("replication_rules", "repository_creation_templates", "pull_through_cache_rules", "pull_time_update_exclusions")
_SPEC_NAMES: dict = {}


def _given(value):
    """What Jinja's ``default('', true)`` leaves: the value, or '' when it is empty or false."""
    return value if value else ""


def _twice(values):
    """Whether ``values`` holds one more than once, compared as ansible.builtin.unique compares (text in any case)."""
    seen = []
    for value in values:
        key = value.lower() if isinstance(value, str) else value
        if key in seen:
            return True
        seen.append(key)
    return False


def _listed(items, key):
    """Each item's ``key`` (text; empty where an item lacks it)."""
    return [item.get(key, "") if isinstance(item, dict) else "" for item in items]


def ecr_repo_problems(v):
    problems = []
    state = v.get("state")
    if state is not None and state not in ("present", "absent"):
        problems.append("ecr_repo_state: %s is not a state; give one of present, absent (null is present)" % (state,))
    if v.get("name") is None and v.get("repositories") is None:
        problems.append("ecr_repo_name: null names no repository; give the repository name, or list the repositories in ecr_repo_repositories")
    image = _given(v.get("image"))
    tags = v.get("image_tags")
    if image:
        problems.append(input_error(tags if tags is not None else ["latest"], "image_tags", "ecr_repo_image_tags"))
    if v.get("repositories") is not None and image:
        problems.append(
            "ecr_repo_image: an image is pushed to the single repository ecr_repo_name; with ecr_repo_repositories leave ecr_repo_image "
            "empty, and push each image with its own run of the role"
        )
    registry_url = _given(v.get("registry_url"))
    if registry_url:
        problems.append(input_error(registry_url, "registry_url", "ecr_repo_registry_url"))
    if str(_given(v.get("scan_gate"))).upper() not in SEVERITIES:
        problems.append(
            "ecr_repo_scan_gate: %s is not a severity; give one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED (in any case), "
            "or leave it empty for no gate" % (v.get("scan_gate"),)
        )
    if (state or "present") == "present" and _given(v.get("build")) and not image:
        problems.append("ecr_repo_image: name the image to build (name:tag on the Docker Engine), e.g. app:build")
    return problems


def _settings_ok(settings):
    if settings is None or isinstance(settings, dict):
        return True
    return is_sequence(settings) and all(isinstance(item, dict) and "name" in item and "value" in item for item in settings)


def ecr_registry_problems(v):
    problems = []
    registry_id = v.get("registry_id")
    if registry_id is not None and not REGISTRY_ID.match(str(registry_id)):
        problems.append("ecr_registry_registry_id: %s is not a registry id; give the 12-digit AWS account id of the registry" % (registry_id,))
    if v.get("purge_policy") and v.get("policy") is not None:
        problems.append("ecr_registry_purge_policy: deletes the registry policy; not together with ecr_registry_policy (give one of them)")
    if v.get("purge_signing_rules") and v.get("signing_rules") is not None:
        problems.append("ecr_registry_purge_signing_rules: deletes the signing configuration; not together with ecr_registry_signing_rules (give one of them)")
    purges = [name for name in REGISTRY_PURGES if v.get("purge_" + name) and v.get(name) is None]
    if purges:
        problems.append("ecr_registry_purge_%s: give ecr_registry_%s too, the list to keep ([] removes all)" % (purges[0], purges[0]))
    settings = v.get("account_settings")
    if not _settings_ok(settings):
        problems.append("ecr_registry_account_settings: give a dict of setting name to value (BLOB_MOUNTING: ENABLED), or a list of dicts with name and value")
    elif settings is not None and not isinstance(settings, dict) and _twice([str(item["name"]).upper() for item in settings]):
        problems.append("ecr_registry_account_settings: %s is given twice" % ", ".join(str(item["name"]) for item in settings))
    prefixes = _listed(v.get("repository_creation_templates") or [], "prefix")
    if _twice(prefixes):
        problems.append("ecr_registry_repository_creation_templates: each prefix once; listed more than once: %s" % ", ".join(map(str, prefixes)))
    prefixes = _listed(v.get("pull_through_cache_rules") or [], "ecr_repository_prefix")
    if _twice(prefixes):
        problems.append("ecr_registry_pull_through_cache_rules: each ecr_repository_prefix once; listed: %s" % ", ".join(map(str, prefixes)))
    exclusions = list(v.get("pull_time_update_exclusions") or [])
    if _twice(exclusions):
        problems.append("ecr_registry_pull_time_update_exclusions: each principal ARN once; listed: %s" % ", ".join(map(str, exclusions)))
    return problems


ROLES = {
    "ecr_repo": (ecr_repo_problems, "nothing was built or written"),
    "ecr_registry": (ecr_registry_problems, "nothing was written"),
}


def _spec_names(spec):
    """The options of the main entry point of a role's argument specs, read once a process for a file as it is."""
    try:
        stamp = (spec, os.stat(spec).st_mtime_ns)
        if stamp not in _SPEC_NAMES:
            with open(spec, "rb") as f:
                loaded = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506  # a safe loader
            _SPEC_NAMES[stamp] = list(loaded["argument_specs"]["main"]["options"])
        return _SPEC_NAMES[stamp]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        raise AnsibleFilterError("role_problems: cannot read the role's options from %s (%s)" % (spec, e)) from e


def role_problems(values, role, names, spec, also_known=(), strict=False):
    if role not in ROLES:
        raise AnsibleFilterError("role_problems: role %r is not one of %s" % (role, ", ".join(sorted(ROLES))))
    if not isinstance(values, dict):
        raise AnsibleFilterError("role_problems: the input must be a dict of the role's variables, got %r" % (values,))
    check, nothing_done = ROLES[role]
    strict = boolean(strict, strict=False)
    problems = [message for message in check(values) if message]
    unknown = unknown_role_vars(names, _spec_names(spec) + list(also_known), warn=not strict)
    if unknown and strict:
        problems.append("%s (%s_strict is true: %s)" % ("; ".join(unknown), role, nothing_done))
    return problems


class FilterModule:
    def filters(self):
        return {"role_problems": role_problems}
