# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module of the collection makes its AnsibleAWSModule, and how it ends.

The one place in module_utils that ends a module (``conclude``), on ``main()``'s behalf: everything else
raises and returns.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible.module_utils.common.warnings import warn as add_warning
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import botocore_version, known_regions
from ansible_collections.stowage.ecr.plugins.module_utils._checks.region import region_problem
from ansible_collections.stowage.ecr.plugins.module_utils._spec.spelling import canonical_params
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, StowageError, failure_message


class EcrModule(AnsibleAWSModule):
    """AnsibleAWSModule, whose warnings go to ansible-core's own list only.

    amazon.aws 11 also keeps a copy of each warning and passes it to exit_json as ``warnings``, which
    ansible-core 2.19 and later report as deprecated (the key goes away in 2.23). ansible-core puts the
    warnings of its list into the result on every version.
    """

    def warn(self, *args: Any, **kwargs: Any) -> None:
        add_warning(args[0] if args else kwargs["warning"])


def ecr_module(argument_spec: dict[str, dict[str, Any]], **kwargs: Any) -> AnsibleAWSModule:
    """An AnsibleAWSModule whose enum values are in AWS's spelling, however the task wrote them, and whose
    region is checked before any call (a name that cannot be a region fails, one botocore does not list warns)."""
    module = EcrModule(argument_spec=argument_spec, **kwargs)
    canonical_params(module.params, argument_spec)
    error, warning = region_problem(module.region, known_regions(), botocore_version())
    if error:
        module.fail_json(msg=error)
    if warning:
        module.warn(warning)
    return module


def fail_aws(module: AnsibleAWSModule, error: Exception, refused: str, **result: Any) -> None:
    """End the module on a boto error of AWS: refused, or not answered (see failure_message)."""
    module.fail_json_aws(error, msg=failure_message(error, refused), **result)


def _shown(module: AnsibleAWSModule, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with its ``diff`` in diff mode only."""
    diff = result.pop("diff", None)
    if module._diff and diff is not None:
        result["diff"] = diff
    return result


def conclude(module: AnsibleAWSModule, work: Callable[[], dict[str, Any]], refused: str) -> None:
    """End the module with what ``work()`` returns (its ``diff`` only in diff mode).

    A StowageError fails with its message and its ``result`` (what the work did before it failed), and
    with AWS's error code when it carries the boto error as ``exception``; one without a message of its
    own is a refused call, worded as below. Any other refusal of AWS fails with ``refused`` (or, for a
    call ECR never answered, the wording of failure_message) and AWS's code.
    """
    try:
        output = work()
    except StowageError as e:
        result = _shown(module, dict(e.result))
        if e.exception is None:
            module.fail_json(msg=str(e), **result)
        elif e.message:
            module.fail_json_aws(e.exception, msg=str(e), **result)
        else:
            fail_aws(module, e.exception, refused, **result)
    except AWS_ERRORS as e:
        fail_aws(module, e, refused)
    module.exit_json(**_shown(module, output))
