"""``version_added`` across the collection agrees with galaxy.yml and with the releases in changelogs/changelog.yaml.

Read from the sources themselves (the plugins' DOCUMENTATION and RETURN with this collection's own doc fragments
merged in, and the roles' meta/argument_specs.yml), so other collections' fragments, whose options carry their
own versions, play no part and the result is the same on every support-matrix entry:

- every ``version_added`` (plugin, option, suboption, return value, role and role variable) names a released
  version or the one galaxy.yml is about to release, never a newer one;
- nothing says it was added before the plugin or role (or the option) it belongs to;
- what 0.1.0 did not document (``RELEASED_0_1_0``, its documented surface, frozen) says when it was added,
  unless an enclosing option, return value, plugin or role already does.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from tooling import ROOT

Surface = dict[str, dict[str, Any]]  # "module ecr_login" -> {"": plugin's version_added, "option:region": ..., ...}

# Every plugin, role, option and return value the 0.1.0 release documented (read from its sources), one line each:
# the plugin or role, then its paths; "option:a.b" is suboption b of option a, "return:x.y" is key y of return value x.
RELEASED_0_1_0 = """
module ecr_image_tag_info: option:config_path option:image_id option:registry_id option:registry_url option:repository
  option:tags return:conflicts return:image_tag_mutability return:registry return:tags return:tags.config_digest
  return:tags.digest return:tags.exists return:tags.media_type return:tags.tag return:to_push
module ecr_lifecycle_policy: option:policy option:registry_id option:repository option:rules option:rules.action
  option:rules.count_number option:rules.count_type option:rules.count_unit option:rules.description
  option:rules.priority option:rules.storage_class option:rules.tag_patterns option:rules.tag_prefixes
  option:rules.tag_status option:rules.target_storage_class option:state return:policy return:repository
module ecr_login: option:config_path option:min_validity option:registry_ids option:registry_url option:timeout
  return:config_path return:expires_at return:registries return:registries.changed return:registries.expires_at
  return:registries.reason return:registries.registry return:registries.registry_id return:registries.username
  return:registry return:username
module ecr_repositories: option:concurrency option:defaults option:defaults.encryption_type option:defaults.force_delete
  option:defaults.image_tag_mutability option:defaults.image_tag_mutability_exclusion_filters option:defaults.kms_key
  option:defaults.lifecycle_policy option:defaults.lifecycle_rules option:defaults.policy option:defaults.purge_policy
  option:defaults.purge_tags option:defaults.scan_on_push option:defaults.state option:defaults.tags option:registry_id
  option:repositories option:repositories.encryption_type option:repositories.force_delete
  option:repositories.image_tag_mutability option:repositories.image_tag_mutability_exclusion_filters
  option:repositories.kms_key option:repositories.lifecycle_policy option:repositories.lifecycle_rules
  option:repositories.name option:repositories.policy option:repositories.purge_policy option:repositories.purge_tags
  option:repositories.scan_on_push option:repositories.state option:repositories.tags return:repositories
  return:repositories.changed return:repositories.failed return:repositories.lifecycle_policy return:repositories.msg
  return:repositories.name return:repositories.repository
module ecr_repository: option:encryption_type option:force_delete option:image_tag_mutability
  option:image_tag_mutability_exclusion_filters option:kms_key option:name option:policy option:purge_policy
  option:purge_tags option:registry_id option:scan_on_push option:state option:tags return:repository
  return:repository.arn return:repository.created_at return:repository.encryption_type
  return:repository.image_tag_mutability return:repository.image_tag_mutability_exclusion_filters
  return:repository.kms_key return:repository.name return:repository.policy return:repository.registry_id
  return:repository.scan_on_push return:repository.tags return:repository.uri
module ecr_repository_info: option:name_pattern option:names option:registry_id return:repositories
  return:repositories.arn return:repositories.created_at return:repositories.encryption_type
  return:repositories.image_tag_mutability return:repositories.image_tag_mutability_exclusion_filters
  return:repositories.kms_key return:repositories.lifecycle_policy return:repositories.name return:repositories.policy
  return:repositories.registry_id return:repositories.scan_on_push return:repositories.tags return:repositories.uri
role ecr_repo: option:ecr_repo_concurrency option:ecr_repo_docker_config option:ecr_repo_docker_host
  option:ecr_repo_encryption_type option:ecr_repo_force_delete option:ecr_repo_image
  option:ecr_repo_image_tag_mutability option:ecr_repo_image_tag_mutability_exclusion_filters option:ecr_repo_image_tags
  option:ecr_repo_kms_key option:ecr_repo_lifecycle_rules option:ecr_repo_name option:ecr_repo_policy
  option:ecr_repo_purge_tags option:ecr_repo_region option:ecr_repo_registry_id option:ecr_repo_registry_url
  option:ecr_repo_repositories option:ecr_repo_scan_on_push option:ecr_repo_state option:ecr_repo_tags
"""


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _galaxy_version() -> str:
    with open(ROOT / "galaxy.yml") as f:
        return str(yaml.safe_load(f)["version"])


def _released() -> set[str]:
    with open(ROOT / "changelogs" / "changelog.yaml") as f:
        return {str(v) for v in (yaml.safe_load(f).get("releases") or {})}


def _assigned(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """The YAML of each top-level string ``NAME = "..."`` of a Python file (plugins) or class body (doc fragments)."""
    found: dict[str, Any] = {}
    tree = ast.parse(path.read_text())
    bodies = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
    for body in bodies:
        for node in body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and node.targets[0].id in names:
                found[node.targets[0].id] = yaml.safe_load(ast.literal_eval(node.value)) or {}
    return found


def _own_fragment_options(name: str) -> dict[str, Any]:
    """Options of a stowage.ecr doc fragment (``stowage.ecr.NAME`` or ``stowage.ecr.NAME.VARIANT``)."""
    parts = name.split(".")[2:]
    variable = parts[1].upper() if len(parts) > 1 else "DOCUMENTATION"
    return (_assigned(ROOT / "plugins" / "doc_fragments" / ("%s.py" % parts[0]), (variable,)).get(variable) or {}).get("options") or {}


def _walk(tree: dict[str, Any] | None, kind: str, child: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, spec in (tree or {}).items():
        spec = spec or {}
        path = prefix + key
        yield "%s:%s" % (kind, path), spec.get("version_added")
        yield from _walk(spec.get(child), kind, child, path + ".")


def surface() -> Surface:
    """Every plugin's and role's documented paths and their version_added, from the sources."""
    found: Surface = {}
    for source in sorted((ROOT / "plugins").glob("*/*.py")):
        if source.parent.name in ("doc_fragments", "module_utils", "plugin_utils", "action") or source.name == "__init__.py":
            continue
        docs = _assigned(source, ("DOCUMENTATION", "RETURN"))
        if "DOCUMENTATION" not in docs:
            continue
        doc = docs["DOCUMENTATION"]
        kind = "module" if source.parent.name == "modules" else source.parent.name
        options: dict[str, Any] = {}
        for fragment in doc.get("extends_documentation_fragment") or []:
            if fragment.startswith("stowage.ecr."):
                options.update(_own_fragment_options(fragment))
        options.update(doc.get("options") or {})
        paths = {"": doc.get("version_added")}
        paths.update(_walk(options, "option", "suboptions"))
        paths.update(_walk(docs.get("RETURN"), "return", "contains"))
        found["%s %s" % (kind, source.stem)] = paths
    for specs in sorted((ROOT / "roles").glob("*/meta/argument_specs.yml")):
        with open(specs) as f:
            entry_points = (yaml.safe_load(f) or {}).get("argument_specs") or {}
        role = specs.parent.parent.name
        for entry, spec in entry_points.items():
            paths = {"": (spec or {}).get("version_added")}
            paths.update(_walk((spec or {}).get("options"), "option", "options"))
            found["role %s" % (role if entry == "main" else "%s/%s" % (role, entry))] = paths
    return found


def _released_surface() -> dict[str, set[str]]:
    text = RELEASED_0_1_0.replace("\n  ", " ")
    return {line.split(":", 1)[0]: set(line.split(":", 1)[1].split()) for line in text.strip().splitlines()}


def _enclosing(path: str) -> Iterator[str]:
    """The option or return value paths that enclose ``path``, nearest first, then the plugin itself ("")."""
    kind, dotted = path.split(":", 1) if ":" in path else (path, "")
    parts = dotted.split(".")
    for n in range(len(parts) - 1, 0, -1):
        yield "%s:%s" % (kind, ".".join(parts[:n]))
    yield ""


@pytest.fixture(scope="module")
def documented() -> Surface:
    found = surface()
    assert "module ecr_repository" in found and "role ecr_repo" in found, sorted(found)
    return found


def test_galaxy_version_is_released_or_next():
    current, released = _galaxy_version(), _released()
    assert released, "changelogs/changelog.yaml lists no release"
    newest = max(released, key=_version)
    assert _version(current) >= _version(newest), "galaxy.yml says %s, older than the released %s" % (current, newest)


def test_every_version_added_is_released_or_the_current_version(documented):
    current, known = _galaxy_version(), _released() | {_galaxy_version()}
    problems = []
    for owner, paths in documented.items():
        for path, added in paths.items():
            where = "%s %s" % (owner, path or "(itself)")
            if added is None:
                continue
            if not isinstance(added, str):
                problems.append("%s: version_added %r is not a string (write it quoted, like '0.2.0')" % (where, added))
            elif added not in known:
                problems.append("%s: version_added %s is neither released (%s) nor galaxy.yml's %s" % (where, added, ", ".join(sorted(_released())), current))
            elif _version(added) > _version(current):
                problems.append("%s: version_added %s is newer than galaxy.yml's %s" % (where, added, current))
    assert problems == [], "\n".join(problems)


def test_every_plugin_and_role_says_when_it_was_added(documented):
    missing = [owner for owner, paths in documented.items() if paths[""] is None]
    assert missing == [], "no version_added: %s" % ", ".join(missing)


def test_nothing_says_it_is_older_than_what_holds_it(documented):
    problems = []
    for owner, paths in documented.items():
        for path, added in paths.items():
            if not path or not isinstance(added, str):
                continue
            holder = next((p for p in _enclosing(path) if isinstance(paths.get(p), str)), None)
            if holder is not None and _version(added) < _version(paths[holder]):
                problems.append("%s %s: added in %s, before %s (added in %s)" % (owner, path, added, holder or "the plugin", paths[holder]))
    assert problems == [], "\n".join(problems)


def test_what_0_1_0_did_not_document_says_when_it_was_added(documented):
    released = _released_surface()
    assert set(released) <= set(documented), "0.1.0's plugins and roles are all still here: %s" % sorted(set(released) - set(documented))
    problems = []
    for owner, before in released.items():
        paths = documented[owner]
        assert before & set(paths), "%s: none of 0.1.0's paths found; is RELEASED_0_1_0 read right?" % owner
        for path in sorted(paths):
            if not path or path in before:
                continue
            said = [paths[p] for p in [path, *_enclosing(path)] if p not in before and isinstance(paths.get(p), str)]
            if not said or max(said, key=_version) == "0.1.0":
                problems.append("%s %s: new since 0.1.0, give it version_added: %s" % (owner, path, _galaxy_version()))
    assert problems == [], "\n".join(problems)


def test_the_frozen_0_1_0_surface_is_read_as_written():
    released = _released_surface()
    assert sorted(released) == sorted(
        [
            "module ecr_image_tag_info",
            "module ecr_lifecycle_policy",
            "module ecr_login",
            "module ecr_repositories",
            "module ecr_repository",
            "module ecr_repository_info",
            "role ecr_repo",
        ]
    )
    assert "option:repositories.lifecycle_rules" in released["module ecr_repositories"]
    assert all(path.startswith(("option:", "return:")) for paths in released.values() for path in paths)
