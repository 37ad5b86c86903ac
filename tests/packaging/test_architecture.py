"""docs/architecture.md against the code: its layer table names every file of plugins/module_utils and nothing
else, and each file imports only from its own layer or the layers below it (the table's order).

The table is the one under "## The layers" whose first column is a layer's folder (`_spec/`) or file
(`errors.py`); the files column names each file of that layer in backticks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tooling import ROOT

MODULE_UTILS = ROOT / "plugins" / "module_utils"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PACKAGE = "ansible_collections.stowage.ecr.plugins.module_utils"


def layer_table(text: str) -> list[tuple[str, list[str]]]:
    """[(layer, [file, ...]), ...] in the table's order: `_aws/` with its files, `errors.py` with itself."""
    section = text.split("## The layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2:
            continue
        layer = re.fullmatch(r"`((?:_[a-z]+)/|[a-z_]+\.py)`", cells[0])
        if not layer:
            continue
        name = layer.group(1)
        files = re.findall(r"`([a-z_0-9]+\.py)`", cells[1])
        rows.append((name, [name] if name.endswith(".py") else [name + f for f in files]))
    return rows


def layer_of(relative: str) -> str:
    """`_aws/ecr.py` -> `_aws/`; `errors.py` -> itself."""
    return relative.split("/", 1)[0] + "/" if "/" in relative else relative


def imports_of(path: Path) -> list[str]:
    """The collection's module_utils modules `path` imports, as paths relative to module_utils (`_aws/ecr.py`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE + "."):
            found.append(node.module[len(PACKAGE) + 1 :].replace(".", "/") + ".py")
    return found


def rank_problems(table: list[tuple[str, list[str]]], files: dict[str, list[str]]) -> list[str]:
    """Each import of a layer above the importer's, by the table's order (a layer may import its own files)."""
    rank = {row[0]: i for i, row in enumerate(table)}
    problems = []
    for importer, imported in sorted(files.items()):
        for target in imported:
            mine, theirs = layer_of(importer), layer_of(target)
            if theirs not in rank or mine not in rank:
                problems.append("%s imports %s: a file outside the table" % (importer, target))
            elif rank[theirs] > rank[mine]:
                problems.append("%s imports %s, a layer above its own" % (importer, target))
    return problems


def on_disk() -> list[str]:
    return sorted(p.relative_to(MODULE_UTILS).as_posix() for p in MODULE_UTILS.rglob("*.py") if p.name != "__init__.py")


def test_the_table_names_every_file_and_no_other():
    named = [f for row in layer_table(ARCHITECTURE.read_text()) for f in row[1]]
    assert len(named) == len(set(named)), "a file is named twice in docs/architecture.md's layer table"
    assert sorted(set(on_disk()) - set(named)) == [], "files of plugins/module_utils missing from docs/architecture.md's layer table"
    assert sorted(set(named) - set(on_disk())) == [], "docs/architecture.md's layer table names files that do not exist"


def test_every_layer_is_a_folder_of_its_own():
    assert [f for f in on_disk() if "/" not in f] == ["errors.py", "module.py"]


def test_imports_go_down_the_layers():
    table = layer_table(ARCHITECTURE.read_text())
    files = {f: imports_of(MODULE_UTILS / f) for f in on_disk()}
    assert rank_problems(table, files) == []


def test_the_rank_check_finds_an_import_upwards():
    table = [("errors.py", ["errors.py"]), ("_checks/", ["_checks/a.py"]), ("_aws/", ["_aws/b.py"])]
    files = {"_checks/a.py": ["_aws/b.py", "errors.py"], "_aws/b.py": ["_checks/a.py"], "errors.py": []}
    assert rank_problems(table, files) == ["_checks/a.py imports _aws/b.py, a layer above its own"]
    text = "## The layers\n\n| layer | files |\n|---|---|\n| `_aws/` | `b.py`, `c.py` |\n| `errors.py` | the base |\n"
    assert layer_table(text) == [("_aws/", ["_aws/b.py", "_aws/c.py"]), ("errors.py", ["errors.py"])]
