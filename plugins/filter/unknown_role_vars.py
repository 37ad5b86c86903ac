# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: unknown_role_vars
short_description: The variable names a role does not know, each with the closest name it does know
version_added: 0.2.0
description:
  - Takes the names of the variables in scope that carry a role's prefix (for example what the
    P(ansible.builtin.varnames#lookup) lookup returns for V(^ecr_repo_)) and returns a message for each name that is
    not in O(known), naming the closest known name when there is one, so that a misspelled variable is not ignored
    silently.
  - The roles R(stowage.ecr.ecr_repo,ansible_collections.stowage.ecr.ecr_repo_role) and
    R(stowage.ecr.ecr_registry,ansible_collections.stowage.ecr.ecr_registry_role) check their variables with it
    before their first write; they warn, or fail in strict mode.
author:
  - stowage.ecr contributors (@stowage)
options:
  _input:
    description: The variable names to check.
    type: list
    elements: str
    required: true
  known:
    description: The names the role knows (its documented variables and the facts it sets).
    type: list
    elements: str
    required: true
  warn:
    description: Also show each message as a warning.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Warn about variables the role does not know
  ansible.builtin.debug:
    msg: "{{ q('ansible.builtin.varnames', '^my_role_') | stowage.ecr.unknown_role_vars(known, warn=true) }}"
  vars:
    known: [my_role_name, my_role_state]
"""

RETURN = r"""
_value:
  description:
    - One message a name that is not known, in sorted order, for example
      C(ecr_repo_scan_onpush is not a variable of this role; did you mean ecr_repo_scan_on_push?). Empty when every
      name is known.
  type: list
  elements: str
"""

import difflib

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence
from ansible.utils.display import Display

display = Display()


def _names(value, option):
    if not is_sequence(value) or not all(isinstance(name, str) for name in value):
        raise AnsibleFilterError("unknown_role_vars: %s must be a list of variable names, got %r" % (option, value))
    return [str(name) for name in value]


def unknown_role_vars(names, known, warn=False):
    names = _names(names, "the input")
    known = sorted(set(_names(known, "known")))
    messages = []
    for name in sorted(set(names) - set(known)):
        closest = difflib.get_close_matches(name, known, n=1)
        hint = "did you mean %s?" % closest[0] if closest else "no variable of the role is close to it"
        messages.append("%s is not a variable of this role; %s" % (name, hint))
    if warn:
        for message in messages:
            display.warning(message)
    return messages


class FilterModule:
    def filters(self):
        return {"unknown_role_vars": unknown_role_vars}
