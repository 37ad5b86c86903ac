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
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, PolicyError, failure_message


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


def fail_aws(module: AnsibleAWSModule, error: Exception, refused: str) -> None:
    """End the module on a boto error of AWS: refused, or not answered (see failure_message)."""
    module.fail_json_aws(error, msg=failure_message(error, refused))


def conclude(module: AnsibleAWSModule, work: Callable[[], dict[str, Any]], refused: str, failures: tuple[type[Exception], ...] = ()) -> None:
    """End the module with what ``work()`` returns (its ``diff`` only in diff mode).

    Input that a check refused (InputError, PolicyError) fails with its message. An exception of
    ``failures`` fails with its message, its ``result`` (a dict) when it has one, and AWS's error code when
    it carries the boto error as ``cause``. Any other refusal of AWS fails with ``refused`` and AWS's code.
    """
    try:
        output = work()
    except (InputError, PolicyError) as e:
        module.fail_json(msg=str(e))
    except failures as e:
        result = getattr(e, "result", None) or {}
        cause = getattr(e, "cause", None)
        if cause is not None:
            module.fail_json_aws(cause, msg=str(e), **result)
        module.fail_json(msg=str(e), **result)
    except AWS_ERRORS as e:
        fail_aws(module, e, refused)
    diff = output.pop("diff", None)
    if module._diff and diff is not None:
        output["diff"] = diff
    module.exit_json(**output)
