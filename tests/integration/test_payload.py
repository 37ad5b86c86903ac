"""Run the usual way (a module process, not in process on the controller), a module's AnsiballZ payload holds
exactly the files of the collection that the module imports, directly or through others, with the __init__.py
of every package on their way."""

from __future__ import annotations

import ast
import base64
import io
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, run_play, unique

# every entry of the support matrix runs this file (noxfile.py): AnsiballZ packs the layers on each
pytestmark = pytest.mark.matrix

COLLECTION = "ansible_collections.stowage.ecr"
PREFIX = "ansible_collections/stowage/ecr/"


def _target(module: str, name: str | None) -> Path | None:
    """The file of the collection that ``from module import name`` (or ``import module``) loads, if any."""
    path = ROOT.joinpath(*module[len(COLLECTION) + 1 :].split("."))
    if name is not None and path.joinpath(name + ".py").is_file():
        return path / (name + ".py")
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def imported(path: Path) -> set[Path]:
    """The files of the collection that ``path`` imports (anywhere in it, as Ansible's module finder looks)."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(COLLECTION + "."):
            for alias in node.names:
                target = _target(node.module, alias.name)
                assert target is not None, "%s imports %s.%s, which is no file of the collection" % (path, node.module, alias.name)
                found.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(COLLECTION + "."):
                    target = _target(alias.name, None)
                    assert target is not None, "%s imports %s, which is no file of the collection" % (path, alias.name)
                    found.add(target)
    return found


def closure(module: str) -> set[str]:
    """The module's file and everything of the collection it imports, transitively, as payload names."""
    start = ROOT / "plugins" / "modules" / (module + ".py")
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(imported(path) - seen)
    return {PREFIX + str(path.relative_to(ROOT)) for path in seen}


def packages_of(names: set[str]) -> set[str]:
    """The __init__.py of every package that holds one of ``names``, from ansible_collections/stowage on."""
    found = set()
    for name in names:
        parts = name.split("/")[:-1]
        for depth in range(2, len(parts) + 1):
            found.add("/".join(parts[:depth]) + "/__init__.py")
    return found


def payload(path: Path) -> set[str]:
    """The stowage.ecr files in an AnsiballZ wrapper's zip: the ``zip_data`` argument of ansible-core 2.19 and
    later, or the ``ZIPDATA`` constant of 2.17 and 2.18."""
    for node in ast.walk(ast.parse(path.read_text())):
        value = None
        if isinstance(node, ast.keyword) and node.arg == "zip_data":
            value = node.value
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "ZIPDATA" for t in node.targets):
            value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
            names = zipfile.ZipFile(io.BytesIO(base64.b64decode(value.value))).namelist()
            return {n for n in names if n.startswith("ansible_collections/stowage/")}
    raise AssertionError("%s holds neither zip_data nor ZIPDATA" % path)


MODULES = ("ecr_repository", "ecr_registry_info", "ecr_login", "ecr_image")


@pytest.fixture(scope="module")
def payloads(moto, tmp_path_factory):
    """Each module's payload as the usual path leaves it behind (ANSIBLE_KEEP_REMOTE_FILES)."""
    tmp_path = tmp_path_factory.mktemp("payload")
    remote = tmp_path / "remote"
    name = unique("payload")
    tasks = [
        {"name": "ecr_repository", "stowage.ecr.ecr_repository": {"name": name}},
        {"name": "ecr_registry_info", "stowage.ecr.ecr_registry_info": {"sections": ["account_settings"]}},
        # the registry check meets a closed port: the task fails after the payload ran, which is all this needs
        {
            "name": "ecr_login",
            "stowage.ecr.ecr_login": {"registry_url": "http://127.0.0.1:1", "timeout": 5, "config_path": str(tmp_path / "docker" / "config.json")},
            "ignore_errors": True,
        },
        {"name": "ecr_image", "stowage.ecr.ecr_image": {"repository": name, "tags": ["gone"], "state": "absent"}, "ignore_errors": True},
    ]
    env = {"STOWAGE_ECR_IN_PROCESS": "0", "ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": str(remote)}
    play = run_play(tasks, tmp_path, env=env)
    assert not play["ecr_repository"].get("failed") and not play["ecr_registry_info"].get("failed"), play.failures()
    found = {}
    for module in MODULES:
        wrappers = sorted(remote.glob("ansible-tmp-*/AnsiballZ_%s.py" % module))
        assert len(wrappers) == 1, "%s: %s" % (module, wrappers)
        found[module] = payload(wrappers[0])
    return found


@pytest.mark.parametrize("module", MODULES)
def test_payload_is_the_import_closure(payloads, module):
    packed = payloads[module]
    files = closure(module)
    inits = packages_of(files)
    print("%s: %d files of stowage.ecr in the payload (%d modules, %d __init__.py)" % (module, len(packed), len(files), len(inits)))
    assert {n for n in packed if not n.endswith("/__init__.py")} == {n for n in files if not n.endswith("/__init__.py")}
    # every package on the way is packed, the layer subpackages of module_utils included, and no other
    assert {n for n in packed if n.endswith("/__init__.py")} == inits | {n for n in files if n.endswith("/__init__.py")}
    layers = {n.rsplit("/", 2)[-2] for n in files if "/module_utils/_" in n}
    assert layers and all(PREFIX + "plugins/module_utils/%s/__init__.py" % layer in packed for layer in layers)
