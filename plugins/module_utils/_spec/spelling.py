# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enum values in any case: ``immutable`` for IMMUTABLE, ``scan_on_push`` for SCAN_ON_PUSH.

An option whose ``choices`` are ``any_case([...])`` passes Ansible's argument validation with its
value in any case (the choices are a list whose ``in`` ignores case, so ``ansible-doc`` and the
error for a value that is none of them still list AWS's spelling). ``canonical_params`` then puts
every such value in the spelling of the choices, so that the rest of the module, its plans and its
results only ever see AWS's spelling. ``ecr_module`` (module.py) does both for a module.
"""

from __future__ import annotations

from typing import Any, Iterable, List


class AnyCase(List[Any]):
    """Choices that match a value in any case."""

    def __contains__(self, value: object) -> bool:
        return self.canonical(value) is not None

    def canonical(self, value: Any) -> Any:
        """The choice that ``value`` spells (in the choice's case), or None."""
        if any(choice == value for choice in self):
            return value
        if isinstance(value, str):
            folded = value.casefold()
            for choice in self:
                if isinstance(choice, str) and choice.casefold() == folded:
                    return choice
        return None


def any_case(values: Iterable[str]) -> AnyCase:
    return AnyCase(values)


def canonical_value(value: Any, choices: Iterable[str]) -> Any:
    """``value`` in the spelling of ``choices`` when it is one of them in another case, else as it is."""
    found = AnyCase(choices).canonical(value)
    return value if found is None else found


def canonical_params(params: dict[str, Any], spec: dict[str, dict[str, Any]]) -> None:
    """Put every value of an ``any_case`` option of ``spec`` in its choices' spelling, in place (suboptions too)."""
    for name, option in spec.items():
        value = params.get(name)
        if value is None:
            continue
        choices = option.get("choices")
        if isinstance(choices, AnyCase):
            if isinstance(value, list):
                params[name] = [canonical_value(v, choices) for v in value]
            else:
                params[name] = canonical_value(value, choices)
        suboptions = option.get("options")
        if suboptions:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    canonical_params(item, suboptions)
