# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of our modules inside the controller's worker process when the task runs on the controller.

Our modules call AWS from wherever the task runs; nearly always that is the controller itself
(``hosts: localhost``, ``connection: local``). There, building the module's payload and starting a
new Python for it costs more than the module's own work. When the task would run the module with
the controller's own Python (local connection, the interpreter that ``ansible_python_interpreter``,
the ``interpreter_python`` setting or discovery names is this one), without become or async, the
action imports the module and calls its ``main()`` with the same arguments Ansible would send it,
and reads its result the same way. In every other case, or with ``STOWAGE_ECR_IN_PROCESS=0`` in the
environment, the module is executed the usual way. The module code is the same either way.

The rule: the fast path may never fail a task that the usual path would pass, nor change a result.
- It uses only the pieces of ansible-core that ``_detect()`` found at import time (these are not all
  public interfaces, and they differ between ansible-core versions); where one is missing, every
  task runs the module the usual way and ``-vvv`` says why.
- Anything that goes wrong before the module's ``main()`` starts falls back to the usual path.
- Once ``main()`` has started, the module never runs a second time: whatever it did is its result.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import importlib
import importlib.abc
import importlib.util
import inspect
import io
import json
import os
import shutil
import sys
import traceback
from typing import Any, Iterator

from ansible import constants as C
from ansible.module_utils import basic
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

OPT_OUT = "STOWAGE_ECR_IN_PROCESS"
MARKER = "running in process on the controller"
AUTO_INTERPRETER = ("auto", "auto_silent", "auto_legacy", "auto_legacy_silent")
display = Display()


def _detect() -> tuple[dict[str, Any], list[str]]:
    """The ansible-core pieces the fast path needs, as this ansible-core has them; and what is missing."""
    found: dict[str, Any] = {}
    missing: list[str] = []
    if not hasattr(basic, "_ANSIBLE_ARGS"):
        missing.append("ansible.module_utils.basic._ANSIBLE_ARGS")
    try:  # ansible-core 2.19+: module arguments and results travel in a serialization profile
        from ansible.module_utils.common.json import Direction, get_module_encoder  # pylint: disable=import-outside-toplevel

        found["encoder"] = get_module_encoder("legacy", Direction.CONTROLLER_TO_MODULE)
        found["profile"] = "legacy"
        if not hasattr(basic, "_ANSIBLE_PROFILE"):
            missing.append("ansible.module_utils.basic._ANSIBLE_PROFILE")
    except ImportError:  # older ansible-core: plain JSON
        found["encoder"], found["profile"] = None, None
    except Exception as e:  # pylint: disable=broad-except  # an encoder this code does not know
        missing.append("the module encoder of the 'legacy' profile (%s)" % e)
    takes = -1
    try:
        takes = len(inspect.signature(ActionBase._parse_returned_data).parameters) - 1
    except (AttributeError, TypeError, ValueError):
        pass
    if takes != (1 if found.get("profile") is None else 2):
        missing.append("ActionBase._parse_returned_data with the arguments this ansible-core's modules need")
    for name in ("_update_module_args", "_compute_environment_string"):
        if not callable(getattr(ActionBase, name, None)):
            missing.append("ActionBase.%s" % name)
    try:  # ansible-core 2.21+: module results are parsed into a UnifiedTaskResult
        from ansible._internal._task import UnifiedTaskResult  # pylint: disable=import-outside-toplevel

        if all(callable(getattr(UnifiedTaskResult, m, None)) for m in ("remove_internal_keys", "as_result_dict", "set_fact")):
            found["unified"] = UnifiedTaskResult
    except ImportError:
        pass
    if "unified" not in found:
        try:
            from ansible.vars.clean import remove_internal_keys  # pylint: disable=import-outside-toplevel

            found["remove_internal_keys"] = remove_internal_keys
        except ImportError:
            missing.append("a way to remove internal keys from a module result (ansible.vars.clean.remove_internal_keys)")
    # a module's warnings and deprecations go to its result only where ansible-core does not take the
    # process for the controller (2.19+ routes them to the display there): the flag and the lists they
    # are kept in while a module runs
    try:
        from ansible.module_utils import _internal as module_internal  # pylint: disable=import-outside-toplevel

        found["controller_flag"] = module_internal if isinstance(getattr(module_internal, "is_controller", None), bool) else None
    except ImportError:
        found["controller_flag"] = None
    if found.get("profile") is not None and found["controller_flag"] is None:
        missing.append("ansible.module_utils._internal.is_controller")
    from ansible.module_utils.common import warnings as module_warnings  # pylint: disable=import-outside-toplevel

    found["message_lists"] = [getattr(module_warnings, name) for name in ("_global_warnings", "_global_deprecations") if hasattr(module_warnings, name)]
    if len(found["message_lists"]) != 2 or not all(isinstance(held, (list, dict)) for held in found["message_lists"]):
        missing.append("the warning and deprecation lists of ansible.module_utils.common.warnings")
    try:
        from ansible.executor.interpreter_discovery import discover_interpreter  # pylint: disable=import-outside-toplevel

        found["discover_interpreter"] = discover_interpreter
    except ImportError:  # without it, hosts whose interpreter is discovered run modules the usual way
        found["discover_interpreter"] = None
    return found, missing


PIECES, MISSING = _detect()
OFF = ("0", "false", "no", "off")


# What is imported ahead: the third-party library that costs most of a module's import (boto3 and botocore), never a
# module or its module_utils. Those stay imported in the worker as before, so that what they say at import time
# (ansible-core's deprecation of ansible.module_utils._text, which amazon.aws 10 imports, on ansible-core 2.20) lands
# in the task's result on both paths alike. Not requests either (community.docker's, 30 ms): the action of a skipped
# task is loaded too, so every run without an image to push would pay for it; the modules that talk to a Docker
# Engine import it themselves.
AHEAD = ("boto3",)


def _preload(module_name: str) -> None:
    """Import boto3, which the module ``module_name`` (namespace.collection.module) needs.

    ansible-core loads the action class of each task in its main process (to read its class attributes)
    before it starts the task's worker process, and every worker started after that inherits what the main
    process has imported; what a worker imports ends with it. So those imports are paid once per run, not
    once per task. Nothing runs: the module's main() is only called in a worker. A failed import is only
    said at -vvv: the worker imports it again and reports what goes wrong there, as before.
    """
    if MISSING or os.environ.get(OPT_OUT, "1").lower() in OFF:
        return
    for name in AHEAD:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception as e:  # pylint: disable=broad-except  # only a head start: the worker imports it again
            display.vvv("stowage.ecr: %s not imported ahead for %s (%s: %s)" % (name, module_name, type(e).__name__, e))
    _freeze()


# Once boto3 is imported, ansible-core's main process holds most of what it will hold for the rest of the run (its
# own code and plugins, the inventory, the plays, boto3 and botocore). Python's cyclic garbage collector looks at every
# object it tracks on each full collection: in each task's worker (which writes to those objects' memory pages as it
# looks, so the pages it shares with the main process are copied) and once more when ansible-playbook exits (about
# 100 ms of a run). gc.freeze() puts what exists now out of its sight, as Python's documentation advises for a
# process that forks workers; reference counting still frees any of it. What it can no longer reclaim is a reference
# cycle among those objects that becomes garbage later: at most what existed at this moment, held until the process
# ends. Once a process; STOWAGE_ECR_IN_PROCESS=0 turns it off with the rest of this fast path.
_FROZEN: list[bool] = []


def _freeze() -> None:
    if not _FROZEN and callable(getattr(gc, "freeze", None)):
        gc.freeze()
        _FROZEN.append(True)


# The module_utils that the modules run in process import from source files: those of this collection and of the
# collections its modules build on. ansible-core's collection loader compiles a collection's Python source anew in
# every process that imports it (it keeps no bytecode), and each task's worker is a new process: that compile was
# the largest part of a module's import (about 40 to 70 ms of 256 KB of source a module run). Python's own source
# loader reads and writes the bytecode beside the source, as for any installed package (``__pycache__``; not when
# PYTHONDONTWRITEBYTECODE is set or the directory is not writable, where it compiles as before). It is used only for
# a file that the collection loader would load itself: a submodule of these packages found as a file in the folder
# the collection loader chose for the package (its ``__path__``), in collections that route no module_utils
# (tests/integration/test_in_process.py checks that of the installed ones). Anything else, and anything that goes
# wrong here, is left to the collection loader.
CACHED_PACKAGES = tuple("ansible_collections.%s.plugins.module_utils." % name for name in ("stowage.ecr", "amazon.aws", "community.docker"))


class _BytecodeCachingFinder(importlib.abc.MetaPathFinder):
    """Finds our and our dependencies' module_utils files for Python's source loader (see CACHED_PACKAGES)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(CACHED_PACKAGES):
            return None
        try:
            parent, _dot, leaf = fullname.rpartition(".")
            for folder in getattr(sys.modules.get(parent), "__path__", None) or ():
                package = os.path.join(folder, leaf, "__init__.py")
                if os.path.isfile(package):
                    return importlib.util.spec_from_file_location(fullname, package, submodule_search_locations=[os.path.dirname(package)])
                source = os.path.join(folder, leaf + ".py")
                if os.path.isfile(source):
                    return importlib.util.spec_from_file_location(fullname, source)
        except Exception:  # pylint: disable=broad-except  # the collection loader finds it as before
            return None
        return None


FINDER = _BytecodeCachingFinder()


def keep_bytecode() -> None:
    """Put the finder ahead of the collection loader in this process: called when a task runs (in its worker), never
    at import (ansible-test's import check refuses a change to sys.meta_path made by importing a plugin)."""
    if MISSING or os.environ.get(OPT_OUT, "1").lower() in OFF or FINDER in sys.meta_path:
        return
    sys.meta_path.insert(0, FINDER)


def _environment(interpreter: str) -> tuple[str, str] | None:
    """Which Python installation (and so which site-packages) ``interpreter`` runs: a virtualenv is known by
    the pyvenv.cfg above its bin folder, whatever its python links to; any other by the real path."""
    path = os.path.expanduser(str(interpreter).strip())
    if os.sep not in path:
        found = shutil.which(path)
        if found is None:
            return None
        path = found
    path = os.path.abspath(path)
    if not os.path.exists(path):
        return None
    home = os.path.dirname(os.path.dirname(path))
    if os.path.isfile(os.path.join(home, "pyvenv.cfg")):
        return ("venv", os.path.realpath(home))
    return ("installation", os.path.realpath(path))


class InProcessModuleAction(ActionBase):
    """The action of a stowage.ecr module: in process on the controller, else the usual execution."""

    _supports_check_mode = True
    _supports_async = True

    # the modules an action runs besides its own (namespace.collection.module), imported ahead with it
    PRELOAD: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        package, found, name = cls.__module__.rpartition(".plugins.action.")
        if found:
            for module_name in (package.replace("ansible_collections.", "", 1) + "." + name,) + cls.PRELOAD:
                _preload(module_name)

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        keep_bytecode()
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        result.update(self._run_module(self._task.resolved_action or self._task.action, dict(self._task.args), task_vars))
        return result

    def _run_module(self, module_name: str, module_args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """Run ``module_name`` (ours or another collection's) with ``module_args``: in this process when the
        task runs on the controller, else as a module on the target, the usual way. Returns its result."""
        facts: dict[str, Any] = {}
        if self._runs_here(task_vars, facts):
            prepared = self._prepare(module_name, module_args, task_vars)
            result = self._run_in_process(module_name, *prepared) if prepared is not None else None
            if result is not None:
                return self._with_facts(result, facts)
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars, wrap_async=wrap_async)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return self._with_facts(result, facts)

    def _skip(self, why: str) -> bool:
        display.vvv("stowage.ecr: running the module the usual way: %s" % why, host=self._play_context.remote_addr)
        return False

    def _runs_here(self, task_vars: dict[str, Any], facts: dict[str, Any]) -> bool:
        """Would the module run on this machine with this very Python? (Fills ``facts`` with an interpreter
        it discovered, which the result hands back as Ansible's own discovery does.)"""
        if os.environ.get(OPT_OUT, "1").lower() in OFF:
            return False
        if MISSING:
            return self._skip("this ansible-core lacks %s" % ", ".join(MISSING))
        if getattr(self._connection, "transport", None) != "local" or self._play_context.become or self._task.async_val:
            return False
        try:
            interpreter = self._interpreter(task_vars, facts)
        except Exception as e:  # pylint: disable=broad-except  # the usual path finds out for itself
            return self._skip("the Python interpreter could not be resolved here (%s)" % e)
        # the module must see the Python (and so the boto3) it would have run with
        return interpreter is not None and _environment(interpreter) == _environment(sys.executable)

    def _interpreter(self, task_vars: dict[str, Any], facts: dict[str, Any]) -> str | None:
        """The Python the usual path would run the module with: ansible_python_interpreter or the
        interpreter_python setting, else the discovered interpreter (discovering it as Ansible would)."""
        delegated = self._task.delegate_to
        use_vars = task_vars
        if delegated:
            use_vars = (task_vars.get("ansible_delegated_vars") or {}).get(delegated) or {}
        configured = C.config.get_config_value("INTERPRETER_PYTHON", variables=use_vars)
        if isinstance(configured, str) and configured:
            configured = self._templar.template(configured)
        if configured and str(configured).strip() not in AUTO_INTERPRETER:
            return str(configured).strip()
        known = (use_vars.get("ansible_facts") or {}).get("discovered_interpreter_python")
        if known:
            return str(known)
        discover = PIECES["discover_interpreter"]
        if discover is None or delegated:
            return None
        mode = str(configured).strip() if configured else "auto"
        found = discover(action=self, interpreter_name="python", discovery_mode=mode, task_vars=task_vars)
        if found:
            facts["discovered_interpreter_python"] = found
            task_vars.setdefault("ansible_facts", {})["discovered_interpreter_python"] = found
        return found

    @staticmethod
    def _with_facts(result: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
        if facts:
            result.setdefault("ansible_facts", {}).update(facts)
        return result

    def _prepare(self, module_name: str, module_args: dict[str, Any], task_vars: dict[str, Any]) -> tuple[bytes, dict[str, str]] | None:
        """The module's arguments as Ansible would send them, and the task's environment. None (and the
        usual path) if a step fails."""
        try:
            args = dict(module_args)
            self._update_module_args(module_name, args, task_vars)
            environment: dict[str, str] = {}
            self._compute_environment_string(environment)
            payload = {"ANSIBLE_MODULE_ARGS": args}
            encoded = json.dumps(payload, cls=PIECES["encoder"]) if PIECES["encoder"] is not None else json.dumps(payload)
            return encoded.encode("utf-8"), {k: str(v) for k, v in environment.items()}
        except Exception as e:  # pylint: disable=broad-except  # before main(): nothing has run yet
            self._skip("preparing %s in process failed (%s: %s)" % (module_name, type(e).__name__, e))
            return None

    @contextlib.contextmanager
    def _module_context(self, encoded: bytes, environment: dict[str, str]) -> Iterator[None]:
        """This process as a module process sees it while the module is imported and runs: its arguments,
        the task's environment, not the controller (so that warnings and deprecations go to its result), no
        warnings of an earlier module; all as before afterwards."""
        saved_env = dict(os.environ)
        saved_args = basic._ANSIBLE_ARGS
        saved_profile = getattr(basic, "_ANSIBLE_PROFILE", None)
        flag = PIECES["controller_flag"]
        saved_flag = flag.is_controller if flag is not None else None
        saved_lists = [copy.copy(held) for held in PIECES["message_lists"]]
        try:
            os.environ.update(environment)
            basic._ANSIBLE_ARGS = encoded
            if PIECES["profile"] is not None:
                basic._ANSIBLE_PROFILE = PIECES["profile"]
            if flag is not None:
                flag.is_controller = False
            for held in PIECES["message_lists"]:
                held.clear()
            yield
        finally:
            for held, saved in zip(PIECES["message_lists"], saved_lists):
                held.clear()
                if isinstance(held, dict):
                    held.update(saved)
                else:
                    held.extend(saved)
            if flag is not None:
                flag.is_controller = saved_flag
            basic._ANSIBLE_ARGS = saved_args
            if PIECES["profile"] is not None:
                basic._ANSIBLE_PROFILE = saved_profile
            os.environ.clear()
            os.environ.update(saved_env)

    def _run_in_process(self, module_name: str, encoded: bytes, environment: dict[str, str]) -> dict[str, Any] | None:
        """The module's result, run here; None when it could not be imported (nothing has run: the usual path
        takes over)."""
        out = io.StringIO()
        rc = 0
        with self._module_context(encoded, environment):
            try:
                module = importlib.import_module("ansible_collections.%s.plugins.modules.%s" % tuple(module_name.rsplit(".", 1)))
                if not callable(getattr(module, "main", None)):
                    raise ImportError("%s has no main()" % module_name)
            except Exception as e:  # pylint: disable=broad-except  # before main(): nothing has run yet
                self._skip("importing %s in process failed (%s: %s)" % (module_name, type(e).__name__, e))
                return None
            display.vvv("%s: %s (%s=0 runs it as a separate module)" % (module_name, MARKER, OPT_OUT), host=self._play_context.remote_addr)
            try:
                with contextlib.redirect_stdout(out):
                    try:
                        module.main()
                    except SystemExit as e:
                        rc = e.code if isinstance(e.code, int) else 1
            except Exception:  # pylint: disable=broad-except  # a module crash is reported as a failed task, like any module's
                return {"failed": True, "msg": "MODULE FAILURE: %s crashed in process" % module_name, "exception": traceback.format_exc(), "rc": 1}
        return self._parse(module_name, {"stdout": out.getvalue(), "stderr": "", "rc": rc})

    def _parse(self, module_name: str, response: dict[str, Any]) -> dict[str, Any]:
        """The module's printed result, read and cleaned as the usual path reads and cleans it."""
        try:
            if PIECES["profile"] is not None:
                parsed = self._parse_returned_data(response, PIECES["profile"])  # pylint: disable=too-many-function-args
            else:
                parsed = self._parse_returned_data(response)  # pylint: disable=no-value-for-parameter
            if "unified" in PIECES and isinstance(parsed, PIECES["unified"]):
                parsed.remove_internal_keys()
                return dict(parsed.as_result_dict(for_round_trip=True))
            data = dict(parsed)
            data.pop("_ansible_suppress_tmpdir_delete", None)
            PIECES["remove_internal_keys"](data)
            return data
        except Exception:  # pylint: disable=broad-except  # the module has run: report what it printed, never run it again
            return self._raw_result(module_name, response)

    @staticmethod
    def _raw_result(module_name: str, response: dict[str, Any]) -> dict[str, Any]:
        stdout = response["stdout"]
        try:
            data = json.loads(stdout[stdout.index("{") :])
        except ValueError:
            return {"failed": True, "msg": "MODULE FAILURE: %s printed no result in process" % module_name, "module_stdout": stdout, "rc": response["rc"]}
        return {k: v for k, v in data.items() if not k.startswith("_ansible_")} if isinstance(data, dict) else {"failed": True, "msg": str(data)}
