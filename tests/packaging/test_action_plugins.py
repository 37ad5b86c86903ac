"""Every module has its in-process action plugin, and every module that takes the AWS connection options is in
the action group ``ecr`` (so that ``module_defaults: group/stowage.ecr.ecr`` reaches it)."""

from __future__ import annotations

import ast

import pytest
import yaml
from tooling import ROOT, module_names

IN_PROCESS = "ansible_collections.stowage.ecr.plugins.plugin_utils.in_process"
# the doc fragments of amazon.aws that bring the connection options (region, credentials, endpoint, ...)
AWS_FRAGMENTS = ("amazon.aws.common.modules", "amazon.aws.region.modules", "amazon.aws.boto3")
# modules whose action plugin does the work itself (ecr_image_push pushes through community.docker's modules)
ACTION_MODULES = ("ecr_image_push",)


def documentation(module: str) -> dict:
    tree = ast.parse((ROOT / "plugins" / "modules" / (module + ".py")).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(ast.literal_eval(node.value))
    raise AssertionError("plugins/modules/%s.py has no DOCUMENTATION" % module)


def takes_aws_options(module: str) -> bool:
    fragments = documentation(module).get("extends_documentation_fragment") or []
    return any(fragment in AWS_FRAGMENTS for fragment in ([fragments] if isinstance(fragments, str) else fragments))


def ecr_group() -> list[str]:
    groups = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["action_groups"]
    return [entry for entry in groups["ecr"] if isinstance(entry, str)]


def test_there_are_modules():
    assert len(module_names()) > 10


@pytest.mark.parametrize("module", [m for m in module_names() if m not in ACTION_MODULES])
def test_the_module_has_the_one_line_in_process_action(module):
    path = ROOT / "plugins" / "action" / (module + ".py")
    assert path.is_file(), "plugins/action/%s.py is missing" % module
    body = ast.parse(path.read_text()).body
    code = [node for node in body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    imports = [ast.dump(node) for node in code if isinstance(node, ast.ImportFrom) and node.module != "__future__"]
    assert imports == [ast.dump(ast.ImportFrom(module=IN_PROCESS, names=[ast.alias(name="InProcessModuleAction")], level=0))], path
    (cls,) = [node for node in code if not isinstance(node, ast.ImportFrom)]
    assert isinstance(cls, ast.ClassDef) and cls.name == "ActionModule", path
    assert [ast.dump(base) for base in cls.bases] == [ast.dump(ast.Name(id="InProcessModuleAction", ctx=ast.Load()))] and not cls.keywords, path
    assert len(cls.body) == 1 and isinstance(cls.body[0], ast.Pass) and not cls.decorator_list, path


@pytest.mark.parametrize("module", ACTION_MODULES)
def test_an_action_module_runs_its_own_action(module):
    path = ROOT / "plugins" / "action" / (module + ".py")
    classes = [node for node in ast.parse(path.read_text()).body if isinstance(node, ast.ClassDef) and node.name == "ActionModule"]
    assert len(classes) == 1 and [ast.dump(b) for b in classes[0].bases] == [ast.dump(ast.Name(id="InProcessModuleAction", ctx=ast.Load()))], path
    assert any(isinstance(node, ast.FunctionDef) and node.name == "run" for node in classes[0].body), path


def test_no_action_plugin_without_its_module():
    actions = sorted(p.stem for p in (ROOT / "plugins" / "action").glob("*.py") if p.name != "__init__.py")
    assert sorted(set(actions) - set(module_names())) == []


@pytest.mark.parametrize("module", module_names())
def test_a_module_with_the_aws_options_is_in_the_ecr_group(module):
    if not takes_aws_options(module):
        assert module not in ecr_group(), "%s takes no AWS connection options, yet is in action_groups.ecr" % module
        return
    assert module in ecr_group(), "%s takes the AWS connection options: add it to meta/runtime.yml action_groups.ecr" % module


def test_the_ecr_group_names_modules_only():
    assert sorted(set(ecr_group()) - set(module_names())) == []
    assert len(ecr_group()) == len(set(ecr_group()))
