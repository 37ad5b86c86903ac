# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of our modules inside the controller's worker process when the task runs on the controller.

Our modules call AWS from wherever the task runs; nearly always that is the controller itself
(``hosts: localhost``, ``connection: local``). There, building the module's payload and starting a
new Python for it costs more than the module's own work. When the task runs on the controller, with
the controller's Python, without become or async, the action imports the module and calls its
``main()`` with the same arguments Ansible would send it, and reads its result the same way. In
every other case, or with ``STOWAGE_ECR_IN_PROCESS=0`` in the environment, the module is executed
the usual way. The module code is the same either way.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import sys
import traceback
from typing import Any

from ansible.module_utils import basic
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.vars.clean import remove_internal_keys

try:  # ansible-core 2.19+: module arguments and results travel in a serialization profile
    from ansible.module_utils.common.json import Direction, get_module_encoder

    PROFILE: str | None = "legacy"
except ImportError:  # older ansible-core: plain JSON
    PROFILE = None

OPT_OUT = "STOWAGE_ECR_IN_PROCESS"
display = Display()


class InProcessModuleAction(ActionBase):
    """The action of a stowage.ecr module: in process on the controller, else the usual execution."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        result.update(self._run_module(self._task.resolved_action or self._task.action, dict(self._task.args), task_vars))
        return result

    def _run_module(self, module_name: str, module_args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """Run ``module_name`` (ours or another collection's) with ``module_args``: in this process when the
        task runs on the controller, else as a module on the target, the usual way. Returns its result."""
        if self._runs_here(task_vars):
            display.vvv(
                "%s: running in process on the controller (%s=0 runs it as a separate module)" % (module_name, OPT_OUT),
                host=self._play_context.remote_addr,
            )
            return self._run_in_process(module_name, module_args, task_vars)
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars, wrap_async=wrap_async)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _runs_here(self, task_vars: dict[str, Any]) -> bool:
        if os.environ.get(OPT_OUT, "1").lower() in ("0", "false", "no", "off"):
            return False
        if getattr(self._connection, "transport", None) != "local" or self._play_context.become or self._task.async_val:
            return False
        interpreter = task_vars.get("ansible_python_interpreter")
        if interpreter is not None:
            interpreter = self._templar.template(interpreter)
        # the module must see the Python (and so the boto3) it would have run with
        return interpreter is not None and os.path.realpath(str(interpreter)) == os.path.realpath(sys.executable)

    def _run_in_process(self, module_name: str, module_args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        args = dict(module_args)
        self._update_module_args(module_name, args, task_vars)
        environment: dict[str, str] = {}
        self._compute_environment_string(environment)

        payload = {"ANSIBLE_MODULE_ARGS": args}
        if PROFILE is not None:
            encoded = json.dumps(payload, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE))
        else:
            encoded = json.dumps(payload)

        saved_env = dict(os.environ)
        saved_args = basic._ANSIBLE_ARGS
        saved_profile = getattr(basic, "_ANSIBLE_PROFILE", None)
        out = io.StringIO()
        rc = 0
        try:
            os.environ.update({k: str(v) for k, v in environment.items()})
            basic._ANSIBLE_ARGS = encoded.encode("utf-8")
            if PROFILE is not None:
                basic._ANSIBLE_PROFILE = PROFILE
            module = importlib.import_module("ansible_collections.%s.plugins.modules.%s" % tuple(module_name.rsplit(".", 1)))
            with contextlib.redirect_stdout(out):
                try:
                    module.main()
                except SystemExit as e:
                    rc = e.code if isinstance(e.code, int) else 1
        except Exception:  # pylint: disable=broad-except  # a module crash is reported as a failed task, like any module's
            return {"failed": True, "msg": "MODULE FAILURE: %s crashed in process" % module_name, "exception": traceback.format_exc(), "rc": 1}
        finally:
            basic._ANSIBLE_ARGS = saved_args
            if PROFILE is not None:
                basic._ANSIBLE_PROFILE = saved_profile
            os.environ.clear()
            os.environ.update(saved_env)

        response = {"stdout": out.getvalue(), "stderr": "", "rc": rc}
        data = self._parse_returned_data(response, PROFILE) if PROFILE is not None else self._parse_returned_data(response)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data
