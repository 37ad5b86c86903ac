"""Each option family is declared once in module_utils/_spec and documented once in a doc fragment: every
fragment documents exactly the options of its spec piece (names, aliases, types, elements, choices, defaults,
required, and the same of their suboptions), and the modules take each piece as it is."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.stowage.ecr.plugins.doc_fragments import lifecycle, registry_rules, repository_settings, target
from ansible_collections.stowage.ecr.plugins.module_utils._spec import lifecycle as lifecycle_spec
from ansible_collections.stowage.ecr.plugins.module_utils._spec import registry_rules as registry_rules_spec
from ansible_collections.stowage.ecr.plugins.module_utils._spec import settings as settings_spec
from ansible_collections.stowage.ecr.plugins.module_utils._spec import target as target_spec

ROOT = Path(__file__).resolve().parents[4]
MODULES = ROOT / "plugins" / "modules"

# fragment (as modules name it), its text, and the spec piece it documents
FAMILIES = {
    "stowage.ecr.target": (target.ModuleDocFragment.DOCUMENTATION, target_spec.REPOSITORY_TARGET),
    "stowage.ecr.target.NAME": (target.ModuleDocFragment.NAME, target_spec.NAME),
    "stowage.ecr.target.REGISTRY": (target.ModuleDocFragment.REGISTRY, target_spec.REGISTRY),
    "stowage.ecr.lifecycle": (lifecycle.ModuleDocFragment.DOCUMENTATION, lifecycle_spec.LIFECYCLE_RULES),
    "stowage.ecr.lifecycle.PREVIEW": (lifecycle.ModuleDocFragment.PREVIEW, lifecycle_spec.PREVIEW_OPTIONS),
    "stowage.ecr.registry_rules.REPLICATION": (registry_rules.ModuleDocFragment.REPLICATION, registry_rules_spec.REPLICATION_RULES),
    "stowage.ecr.registry_rules.SCANNING": (registry_rules.ModuleDocFragment.SCANNING, registry_rules_spec.SCANNING_RULES),
    "stowage.ecr.registry_rules.SIGNING": (registry_rules.ModuleDocFragment.SIGNING, registry_rules_spec.SIGNING_RULES),
    "stowage.ecr.repository_settings": (repository_settings.ModuleDocFragment.DOCUMENTATION, settings_spec.REPOSITORY_SETTINGS),
}

# what Ansible defaults a key to, so that a left-out key and its default compare equal
DEFAULTS = {"type": "str", "required": False, "aliases": [], "elements": None, "choices": None, "default": None}


def _shape(options: dict[str, Any], sub: str) -> dict[str, Any]:
    """Names, aliases, type, elements, choices, default and required of each option, and of its suboptions
    (``sub`` is where they are: ``options`` in a spec, ``suboptions`` in docs)."""
    shaped = {}
    for name, option in options.items():
        entry = {key: option.get(key, DEFAULTS[key]) for key in DEFAULTS}
        entry["choices"] = None if entry["choices"] is None else list(entry["choices"])
        entry["aliases"] = sorted(entry["aliases"])
        entry["suboptions"] = _shape(option.get(sub) or {}, sub)
        shaped[name] = entry
    return shaped


def _documented(text: str) -> dict[str, Any]:
    return yaml.safe_load(text)["options"]


def _descriptions(options: dict[str, Any]) -> list[str]:
    missing = []
    for name, option in options.items():
        if not option.get("description"):
            missing.append(name)
        missing += ["%s.%s" % (name, sub) for sub in _descriptions(option.get("suboptions") or {})]
    return missing


@pytest.mark.parametrize("fragment", list(FAMILIES))
def test_fragment_documents_exactly_its_spec_piece(fragment):
    text, piece = FAMILIES[fragment]
    documented = _documented(text)
    assert list(documented) == list(piece), fragment
    assert _shape(documented, "suboptions") == _shape(piece, "options"), fragment
    assert _descriptions(documented) == [], fragment


def _extends(module: Path) -> list[str]:
    tree = ast.parse(module.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(ast.literal_eval(node.value)).get("extends_documentation_fragment") or []
    return []


@pytest.mark.parametrize("module", sorted(p.stem for p in MODULES.glob("ecr_*.py")))
def test_a_module_documents_no_option_of_a_fragment_again(module):
    """A module that takes a family's fragment leaves those options to it (a module's own entry would hide
    the fragment's, and the two would drift apart)."""
    path = MODULES / ("%s.py" % module)
    tree = ast.parse(path.read_text())
    doc = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "DOCUMENTATION")
    own = set(yaml.safe_load(doc).get("options") or {})
    for fragment in _extends(path):
        if fragment in FAMILIES:
            assert not own & set(_documented(FAMILIES[fragment][0])), (module, fragment)


def test_the_rule_options_have_distinct_names():
    names = {
        "lifecycle": lifecycle_spec.LIFECYCLE_RULE_OPTIONS,
        "replication": registry_rules_spec.REPLICATION_RULE_OPTIONS,
        "scanning": registry_rules_spec.SCANNING_RULE_OPTIONS,
        "signing": registry_rules_spec.SIGNING_RULE_OPTIONS,
    }
    assert len({id(options) for options in names.values()}) == 4
    for module in MODULES.glob("*.py"):
        assert "\nRULE_OPTIONS" not in module.read_text(), module.name


def test_spec_hands_out_copies():
    merged = target_spec.spec(target_spec.NAME, target_spec.REGISTRY)
    assert list(merged) == ["name", "registry_id"]
    merged["name"]["aliases"].append("changed")
    assert target_spec.NAME["name"]["aliases"] == ["repository", "repository_name"]
