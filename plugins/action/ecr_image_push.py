# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ecr_image_push: push each tag with community.docker.docker_image_push, in process on the controller.

The Docker Engine does the upload; what a separate module process adds around it (a new Python,
the module's payload, its imports) is a fixed cost per push that is large next to a quick upload.
On the controller the pushes run in the worker process (see plugin_utils/in_process.py); on any
other target they run as community.docker.docker_image_push modules there.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.stowage.ecr.plugins.doc_fragments.docker_api import ModuleDocFragment
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_image_tags
from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import split_image_name
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError
from ansible_collections.stowage.ecr.plugins.plugin_utils.in_process import InProcessModuleAction

PUSH_MODULE = "community.docker.docker_image_push"
INFO_MODULE = "community.docker.docker_image_info"
# what the engine says when the registry wants credentials it was not given, or refused them
AUTH_FAILURE_RE = re.compile(r"no basic auth credentials|authentication required|unauthorized|denied", re.IGNORECASE)

# the Docker Engine connection options, passed on as given (their defaults and environment fallbacks
# are applied by the push module where it runs): type and aliases as plugins/doc_fragments/docker_api.py
# documents them, so that the documentation and the accepted options are one text
DOCKER_OPTIONS: dict[str, dict[str, Any]] = {
    key: {"type": option["type"], **({"aliases": option["aliases"]} if option.get("aliases") else {})}
    for key, option in yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"].items()
}

ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    name=dict(type="str", required=True),
    tags=dict(type="list", elements="str", default=["latest"]),
    **DOCKER_OPTIONS,
)


class ActionModule(InProcessModuleAction):
    # check mode is handled here: the options are checked, then the task is skipped
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        # ActionBase's checks (async is refused), not the single-module run of InProcessModuleAction
        result = ActionBase.run(self, tmp, task_vars)
        del tmp
        # an option set to null reads as omitted (so tags: null means the default), as in a module
        given = {key: value for key, value in self._task.args.items() if value is not None}
        validated = ArgumentSpecValidator(ARGUMENT_SPEC, required_together=[["client_cert", "client_key"]]).validate(given)
        if validated.error_messages:
            message = validated.errors.msg
            if isinstance(validated.errors[0], UnsupportedError):
                message = "Unsupported parameters for (stowage.ecr.ecr_image_push) module: %s" % message
            raise AnsibleActionFail(message)
        args = validated.validated_parameters
        name, tags = args["name"], args["tags"]
        try:
            registry = split_image_name(name)[0]
            if tags:
                check_image_tags(tags)
        except InputError as e:
            raise AnsibleActionFail(str(e)) from None
        twice = sorted({tag for tag in tags if tags.count(tag) > 1})
        if twice:
            raise AnsibleActionFail("tags: %s listed more than once; give each tag once" % ", ".join(twice))
        result.update(changed=False, name=name, pushed=[], uploaded=[])
        if not tags:
            return result

        connection = {key: args[key] for key in DOCKER_OPTIONS if args.get(key) is not None}
        # every tag must exist locally before the first push, so that a push never stops halfway for a
        # missing tag; the push of the first tag checks its own image before it sends anything
        self._check_local_images(name, tags if self._task.check_mode else tags[1:], connection, task_vars)
        if self._task.check_mode:
            result.update(skipped=True, msg="Check mode: nothing pushed. stowage.ecr.ecr_image_tag_info tells which tags a push would move.")
            return result

        for tag in tags:
            pushed = self._run_module(PUSH_MODULE, dict(connection, name=name, tag=tag), task_vars)
            if pushed.get("failed"):
                failed = self._failed(result, pushed, "Pushing %s:%s failed (tags pushed before it: %s)" % (name, tag, ", ".join(result["pushed"]) or "none"))
                if AUTH_FAILURE_RE.search(failed["msg"]):
                    failed["msg"] += (
                        ". The registry %s wants a login: log in with stowage.ecr.ecr_login, and point the task's DOCKER_CONFIG "
                        "(environment) at the directory of the config it wrote, if that is not ~/.docker" % registry
                    )
                return failed
            self._carry_messages(result, pushed)
            result["pushed"].append(tag)
            if pushed.get("changed"):
                result["uploaded"].append(tag)
            image = pushed.get("image") or {}
            if image.get("Id"):
                result["image_id"] = image["Id"]
        result["changed"] = bool(result["uploaded"])
        return result

    def _check_local_images(self, name: str, tags: list[str], connection: dict[str, Any], task_vars: dict[str, Any]) -> None:
        if not tags:
            return
        found = self._run_module(INFO_MODULE, dict(connection, name=["%s:%s" % (name, tag) for tag in tags]), task_vars)
        if found.get("failed"):
            raise AnsibleActionFail("Reading the local images %s:%s failed: %s" % (name, ",".join(tags), found.get("msg", "")))
        held = {ref for image in found.get("images") or [] for ref in image.get("RepoTags") or []}
        missing = ["%s:%s" % (name, tag) for tag in tags if "%s:%s" % (name, tag) not in held]
        if missing:
            raise AnsibleActionFail(
                "tags: the Docker Engine has no image %s; tag the local image first (community.docker.docker_image_tag). Nothing was pushed."
                % ", ".join(missing)
            )

    @staticmethod
    def _carry_messages(result: dict[str, Any], module_result: dict[str, Any]) -> None:
        for key in ("warnings", "deprecations"):
            if module_result.get(key):
                result.setdefault(key, []).extend(module_result[key])

    def _failed(self, result: dict[str, Any], module_result: dict[str, Any], what: str) -> dict[str, Any]:
        self._carry_messages(result, module_result)
        result.update(failed=True, msg="%s: %s" % (what, module_result.get("msg", "")))
        for key in ("exception", "module_stdout", "module_stderr"):
            if key in module_result:
                result[key] = module_result[key]
        return result
