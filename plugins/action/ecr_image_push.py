# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ecr_image_push: push each tag with community.docker.docker_image_push, in process on the controller.

The Docker Engine does the upload; what a separate module process adds around it (a new Python,
the module's payload, its imports) is a fixed cost per push that is large next to a quick upload.
On the controller the pushes run in the worker process (see plugin_utils/in_process.py); on any
other target they run as community.docker.docker_image_push modules there.

With ``repository`` (and ``source``) one task decides as well: the local image's id
(community.docker.docker_image_info), what the tags hold in the registry (stowage.ecr.ecr_image_tag_info
with a token that is not stored), then, only when a tag is to move, the login (stowage.ecr.ecr_login,
which keeps a stored login that is still valid), the local tags (community.docker.docker_image_tag) and
the pushes. Every module runs in the same process, so boto3 is imported and its client made once per task.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.stowage.ecr.plugins.doc_fragments.docker_api import ModuleDocFragment
from ansible_collections.stowage.ecr.plugins.plugin_utils.in_process import InProcessModuleAction, keep_bytecode

PUSH_MODULE = "community.docker.docker_image_push"
INFO_MODULE = "community.docker.docker_image_info"
TAG_MODULE = "community.docker.docker_image_tag"
TAG_INFO_MODULE = "stowage.ecr.ecr_image_tag_info"
LOGIN_MODULE = "stowage.ecr.ecr_login"
# what the engine says when the registry wants credentials it was not given, or refused them
AUTH_FAILURE_RE = re.compile(r"no basic auth credentials|authentication required|unauthorized|denied", re.IGNORECASE)

# the Docker Engine connection options, passed on as given (their defaults and environment fallbacks
# are applied by the push module where it runs): type and aliases as plugins/doc_fragments/docker_api.py
# documents them, so that the documentation and the accepted options are one text
DOCKER_OPTIONS: dict[str, dict[str, Any]] = {
    key: {"type": option["type"], **({"aliases": option["aliases"]} if option.get("aliases") else {})}
    for key, option in yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"].items()
}


# The registry side (with repository), passed on to ecr_image_tag_info and ecr_login, and amazon.aws's options
# (credentials, region, endpoint), passed on as given to the ECR modules, which apply their defaults and
# environment fallbacks themselves; a name the Docker Engine options have too (validate_certs) keeps its Docker
# meaning. Made on first use, in the task's worker: this plugin is loaded in ansible-core's main process, whose
# imports every later worker inherits, and a module's import-time deprecations (amazon.aws 10 imports what
# ansible-core 2.20 deprecates) must reach that module's own result.
@functools.lru_cache(maxsize=None)
def ecr_options() -> dict[str, dict[str, Any]]:
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec  # pylint: disable=import-outside-toplevel

    aws = {}
    for key, option in aws_argument_spec().items():
        if key not in DOCKER_OPTIONS:
            aws[key] = {k: v for k, v in option.items() if k not in ("default", "fallback")}
    return dict(
        repository=dict(type="str"),
        registry_id=dict(type="str"),
        registry_url=dict(type="str"),
        config_path=dict(type="path"),
        **aws,
    )


@functools.lru_cache(maxsize=None)
def argument_spec() -> dict[str, dict[str, Any]]:
    return dict(
        name=dict(type="str"),
        tags=dict(type="list", elements="str", default=["latest"]),
        source=dict(type="str"),
        push=dict(type="bool", default=True),
        **ecr_options(),
        **DOCKER_OPTIONS,
    )


class ActionModule(InProcessModuleAction):
    PRELOAD = (INFO_MODULE, TAG_INFO_MODULE)
    # check mode is handled here: the options are checked, then the task is skipped
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        keep_bytecode()
        task_vars = task_vars or {}
        # ActionBase's checks (async is refused), not the single-module run of InProcessModuleAction
        result = ActionBase.run(self, tmp, task_vars)
        del tmp
        # an option set to null reads as omitted (so tags: null means the default), as in a module
        given = {key: value for key, value in self._task.args.items() if value is not None}
        validated = ArgumentSpecValidator(argument_spec(), required_together=[["client_cert", "client_key"]]).validate(given)
        if validated.error_messages:
            message = validated.errors.msg
            if isinstance(validated.errors[0], UnsupportedError):
                message = "Unsupported parameters for (stowage.ecr.ecr_image_push) module: %s" % message
            raise AnsibleActionFail(message)
        args = validated.validated_parameters
        name, tags = args["name"], args["tags"]
        if not name and args["repository"] is None:
            raise AnsibleActionFail("missing required arguments: name")
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import check_image_tags
        from ansible_collections.stowage.ecr.plugins.module_utils._oci.address import split_image_name  # pylint: disable=import-outside-toplevel
        from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError  # pylint: disable=import-outside-toplevel

        try:
            registry = split_image_name(name)[0] if name else None
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
        if args["repository"] is not None:
            if not args["source"]:
                raise AnsibleActionFail("repository: give source too, the local image whose id the tags are compared with")
            tags = self._decide(result, args, connection, task_vars)
            if not name and result.get("registry"):
                name = result["name"] = "%s/%s" % (result["registry"], args["repository"])
                registry = result["registry"]
            if result.get("failed") or not args["push"] or not tags:
                if not result.get("failed") and args["push"]:
                    result.update(skipped=True, msg="Every tag holds %s already: nothing was written." % args["source"])
                return result
        elif not args["push"]:
            raise AnsibleActionFail("push: false decides without pushing; give repository (and source) to decide against")
        if args["source"]:
            if args["repository"] is None:
                result["image_id"] = self._local_id(args["source"], connection, task_vars)
            if not self._task.check_mode:
                self._tag(args["source"], name, tags, connection, task_vars)
        else:
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
        result["changed"] = bool(result["uploaded"]) or result.get("login", {}).get("changed", False)
        if args["repository"] is not None:
            # what the tags hold now (their manifest digests), read as before the push
            after = self._run_module(TAG_INFO_MODULE, self._ecr_args(args, tags=args["tags"], image_id=result["image_id"]), task_vars)
            if after.get("failed"):
                return self._failed(result, after, "Reading the tags after the push failed")
            result["tags"] = after["tags"]
        return result

    def _ecr_args(self, args: dict[str, Any], **more: Any) -> dict[str, Any]:
        given = {key: args[key] for key in ecr_options() if args.get(key) is not None}
        return dict(given, auth="token", **more)

    def _decide(self, result: dict[str, Any], args: dict[str, Any], connection: dict[str, Any], task_vars: dict[str, Any]) -> list[str]:
        """What the tags hold and which are to move (result's image_id, registry, image_tag_mutability, tags,
        to_push, conflicts); then, when one is to move (not in check mode), the login. Returns the tags to push;
        fails the result (nothing written) on a missing local image, a refused read or an immutable tag."""
        source = args["source"]
        result["image_id"] = self._local_id(source, connection, task_vars)
        held = self._run_module(TAG_INFO_MODULE, self._ecr_args(args, tags=args["tags"], image_id=result["image_id"]), task_vars)
        if held.get("failed"):
            self._failed(result, held, "Reading what the tags hold in the registry failed. Nothing was written")
            return []
        self._carry_messages(result, held)
        result.update({key: held[key] for key in ("registry", "image_tag_mutability", "tags", "to_push", "conflicts")})
        if args["push"] and held["conflicts"]:
            result.update(
                failed=True,
                msg="tags: %s hold another image than %s, and the repository's image tag mutability %s does not let them move; "
                "ECR would refuse the push. Nothing was written." % (", ".join(held["conflicts"]), source, held["image_tag_mutability"]),
            )
            return []
        if not held["to_push"] or self._task.check_mode:
            return list(held["to_push"])
        login_args = {key: args[key] for key in ecr_options() if key != "repository" and args.get(key) is not None}
        if login_args.pop("registry_id", None):
            login_args["registry_ids"] = [args["registry_id"]]
        login = self._run_module(LOGIN_MODULE, login_args, task_vars)
        if login.get("failed"):
            self._failed(result, login, "Logging in to the registry failed. Nothing was pushed")
            return []
        self._carry_messages(result, login)
        registries = login.get("registries") or [{}]
        result["login"] = {"changed": bool(login.get("changed")), "reason": registries[0].get("reason")}
        result["changed"] = result["login"]["changed"]
        return list(held["to_push"])

    def _local_id(self, source: str, connection: dict[str, Any], task_vars: dict[str, Any]) -> str:
        found = self._run_module(INFO_MODULE, dict(connection, name=[source]), task_vars)
        if found.get("failed"):
            raise AnsibleActionFail("Reading the local image %s failed: %s. Nothing was written." % (source, found.get("msg", "")))
        images = found.get("images") or []
        if len(images) != 1:
            raise AnsibleActionFail("source: there is no local image %s on the Docker Engine; build or pull it first. Nothing was written." % source)
        return str(images[0]["Id"])

    def _tag(self, source: str, name: str, tags: list[str], connection: dict[str, Any], task_vars: dict[str, Any]) -> None:
        targets = ["%s:%s" % (name, tag) for tag in tags]
        tagged = self._run_module(TAG_MODULE, dict(connection, name=source, repository=targets, existing_images="overwrite"), task_vars)
        if tagged.get("failed"):
            raise AnsibleActionFail("Tagging %s as %s failed: %s. Nothing was pushed." % (source, ", ".join(targets), tagged.get("msg", "")))

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
