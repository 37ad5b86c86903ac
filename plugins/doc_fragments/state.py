# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules that make a thing present or absent have in common: their ``state`` takes ``present`` or
``absent`` and defaults to ``present``, and they run in check mode and diff mode in full. Each module says under its own
``state`` and ``attributes`` entries what these mean for it: ansible-core lays a module's keys of an option or an
attribute over the fragment's, so the module's description joins the type, choices, default and support given here."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  state:
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""
