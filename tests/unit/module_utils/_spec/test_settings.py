"""The repository settings are declared once (module_utils/_spec/settings.py, with their docs in the
doc fragment stowage.ecr.repository_settings); every other place that names them follows from there."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.stowage.ecr.plugins.doc_fragments.repository_settings import ModuleDocFragment
from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import (
    REPOSITORY_SETTINGS,
    settings_defaults,
    settings_spec,
)

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "scripts"))

import render_settings_docs  # noqa: E402

DOCUMENTED = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
ROLE = yaml.safe_load((ROOT / "roles" / "ecr_repo" / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
ROLE_TASK = yaml.safe_load((ROOT / "roles" / "ecr_repo" / "tasks" / "repository.yml").read_text())[0]


def _shape(option: dict, keys=("type", "elements", "choices", "aliases", "default")) -> dict:
    return {k: option[k] for k in keys if k in option}


def test_doc_fragment_documents_exactly_the_spec():
    assert list(DOCUMENTED) == list(REPOSITORY_SETTINGS)
    for name, option in REPOSITORY_SETTINGS.items():
        assert _shape(DOCUMENTED[name]) == _shape(option), name
        assert DOCUMENTED[name]["description"], name


def test_list_items_take_their_defaults_from_the_list():
    assert all("default" not in option for option in settings_spec(defaults=False).values())
    assert settings_defaults() == {"purge_tags": True, "purge_policy": False}
    settings_spec()["tags"]["aliases"].append("changed")
    assert REPOSITORY_SETTINGS["tags"]["aliases"] == ["resource_tags"], "settings_spec() hands out copies"


def test_ecr_repositories_suboptions_are_rendered_from_the_settings():
    text = render_settings_docs.MODULE.read_text()
    assert render_settings_docs.rendered_module(text) == text, "run make docs"


@pytest.mark.parametrize("name", list(REPOSITORY_SETTINGS))
def test_role_takes_each_setting(name):
    variable = "ecr_repo_%s" % name
    assert variable in ROLE, "roles/ecr_repo/meta/argument_specs.yml has no %s" % variable
    assert _shape(ROLE[variable], ("type", "elements")) == _shape(REPOSITORY_SETTINGS[name], ("type", "elements"))
    passed = ROLE_TASK["stowage.ecr.ecr_repositories"]["defaults"]
    assert name in passed and variable in passed[name], "roles/ecr_repo/tasks/repository.yml does not pass %s" % variable
