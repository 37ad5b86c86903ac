# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the ecr_registry_baseline module in process when the task runs on the controller (see plugin_utils/in_process.py)."""

from __future__ import annotations

from ansible_collections.stowage.ecr.plugins.plugin_utils.in_process import InProcessModuleAction


class ActionModule(InProcessModuleAction):
    pass
