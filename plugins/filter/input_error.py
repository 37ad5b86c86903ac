# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: input_error
short_description: What the modules' own input check says of a value
version_added: 0.2.0
description:
  - Runs the check that stowage.ecr's modules apply to an option on a value, before any module runs, and returns
    its message, or an empty string when the value is accepted. The role R(stowage.ecr.ecr_repo,ansible_collections.stowage.ecr.ecr_repo_role)
    checks its variables with it, so that a role run fails before its first write, with the modules' own words.
author:
  - stowage.ecr contributors (@stowage)
options:
  _input:
    description: The value to check.
    type: raw
    required: true
  kind:
    description:
      - Which check. V(image_tags) is a list of image tags, as M(stowage.ecr.ecr_image_push) takes them;
        V(registry_url) is a registry address, as M(stowage.ecr.ecr_login) takes it.
    type: str
    required: true
    choices: [image_tags, registry_url]
  option:
    description: The name the message gives the value, for example V(ecr_repo_image_tags).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Stop on tags the push would refuse
  ansible.builtin.assert:
    that: problem | length == 0
    fail_msg: "{{ problem }}"
  vars:
    problem: "{{ my_tags | stowage.ecr.input_error('image_tags', 'my_tags') }}"
"""

RETURN = r"""
_value:
  description: The check's message, which starts with O(option); empty when the value is accepted.
  type: str
"""

from ansible.errors import AnsibleFilterError

KINDS = ("image_tags", "registry_url")


def _checks():
    """The modules' checks, imported when a value is checked: every filter file of the collection is loaded whenever
    one of its filters is used, and compiled anew in each task's worker, while most uses need none of these."""
    # pylint: disable=import-outside-toplevel
    from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_image_tags
    from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import parse_registry_url
    from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

    return {"image_tags": check_image_tags, "registry_url": parse_registry_url}, InputError


def input_error(value, kind, option):
    if kind not in KINDS:
        raise AnsibleFilterError("input_error: kind %r is not one of %s" % (kind, ", ".join(sorted(KINDS))))
    checks, input_error_type = _checks()
    try:
        checks[kind](value, option)
    except input_error_type as e:
        return str(e)
    return ""


class FilterModule:
    def filters(self):
        return {"input_error": input_error}
