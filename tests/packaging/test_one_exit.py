"""Every module ends through module.conclude: the modules call it, and neither they nor module_utils (but
module.py, where conclude lives) end a module themselves (exit_json, fail_json, fail_json_aws): flows raise."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENDINGS = {"exit_json", "fail_json", "fail_json_aws"}


def called(source: str) -> set[str]:
    """The names of the functions and methods ``source`` calls (``f(...)`` and ``x.f(...)``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def test_the_check_sees_calls_and_not_mere_words():
    source = (
        "def main():\n"
        "    module = ecr_module({})\n"
        "    try:\n"
        "        run()\n"
        "    except Exception as e:\n"
        "        module.fail_json(msg=str(e))\n"
        "    module.exit_json(changed=False)\n"
        "    conclude(module, lambda: run(), 'ECR refused')\n"
        "# fail_json_aws in a comment, 'exit_json' in a string\n"
    )
    assert called(source) & ENDINGS == {"exit_json", "fail_json"}
    assert "conclude" in called(source)
    assert not called("x = 'module.fail_json_aws(e)'  # exit_json\n") & ENDINGS


def test_every_module_ends_through_conclude():
    modules = sorted((ROOT / "plugins" / "modules").glob("*.py"))
    assert len(modules) > 10
    for path in modules:
        source = path.read_text()
        assert not called(source) & ENDINGS, path.name
        # a module that its action plugin runs (ecr_image_push) is documentation alone, with no main()
        if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in ast.parse(source).body):
            assert "conclude" in called(source), path.name


def test_module_utils_raise_and_module_py_alone_ends_a_module():
    base = ROOT / "plugins" / "module_utils"
    for path in sorted(base.rglob("*.py")):
        if path == base / "module.py":
            continue
        assert not called(path.read_text()) & ENDINGS, path.relative_to(base)
    assert {"exit_json", "fail_json_aws"} <= called((base / "module.py").read_text())
