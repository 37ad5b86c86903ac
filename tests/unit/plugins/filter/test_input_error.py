"""The filter stowage.ecr.input_error: the modules' own check of a value, its message or ''."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.stowage.ecr.plugins.filter.input_error import FilterModule, input_error


def test_an_accepted_value_gives_an_empty_message():
    assert input_error(["latest", "v1.2"], "image_tags", "tags") == ""
    assert input_error("https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", "registry_url", "url") == ""


def test_a_refused_value_gives_the_modules_message_naming_the_option():
    assert input_error(["no space"], "image_tags", "my_tags").startswith("my_tags")
    assert input_error("ftp://example.com", "registry_url", "my_url").startswith("my_url")


def test_an_unknown_kind_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="kind 'other' is not one of image_tags, registry_url"):
        input_error("x", "other", "option")
    assert FilterModule().filters() == {"input_error": input_error}
