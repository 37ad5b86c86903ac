"""What every extension operation shares: registration, the botocore model, state, errors."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, Callable, Dict, Optional

import botocore.session
from moto.core.exceptions import ServiceException
from moto.ecr.models import ECRBackend, ecr_backends
from moto.ecr.responses import ECRResponse

_SERVICE = botocore.session.get_session().get_service_model("ecr")
OPERATIONS: Dict[str, Callable[..., Dict[str, Any]]] = {}


class EcrError(ServiceException):
    """An ECR error with AWS's code, e.g. EcrError("PullThroughCacheRuleNotFoundException", "...")."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class ValidationException(EcrError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


def not_found(code: str, message: str) -> EcrError:
    return EcrError(code, message)


def service_model():
    return _SERVICE


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def state(backend: ECRBackend, name: str, factory: Callable[[], Any] = dict) -> Any:
    """The extension's state ``name`` on this account's and region's backend (reset with moto's)."""
    store = backend.__dict__.setdefault("_stowage_state", {})
    if name not in store:
        store[name] = factory()
    return store[name]


def _check(shape, value: Any, where: str, errors: list) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append("Value at '%s' failed to satisfy constraint: Member must be a structure" % where)
            return
        for name in shape.required_members:
            if value.get(name) is None:
                errors.append("Value null at '%s' failed to satisfy constraint: Member must not be null" % _join(where, name))
        for name, member in value.items():
            if name not in shape.members:
                errors.append("Unknown parameter '%s'" % _join(where, name))
            elif member is not None:
                _check(shape.members[name], member, _join(where, name), errors)
        return
    meta = shape.metadata
    if kind == "list":
        if not isinstance(value, list):
            errors.append("Value at '%s' failed to satisfy constraint: Member must be a list" % where)
            return
        _length(meta, len(value), value, where, errors)
        for index, item in enumerate(value):
            _check(shape.member, item, "%s.%d" % (where, index + 1), errors)
        return
    if kind == "map":
        if not isinstance(value, dict):
            errors.append("Value at '%s' failed to satisfy constraint: Member must be a map" % where)
            return
        _length(meta, len(value), value, where, errors)
        for key, item in value.items():
            _check(shape.key, key, where, errors)
            _check(shape.value, item, "%s.%s" % (where, key), errors)
        return
    if kind == "string":
        if not isinstance(value, str):
            errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must be a string" % (value, where))
            return
        _length(meta, len(value), value, where, errors)
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            pattern = meta["pattern"]
            errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s" % (value, where, pattern))
        if shape.enum and value not in shape.enum:
            errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]" % (value, where, ", ".join(shape.enum)))
        return
    if kind == "boolean" and not isinstance(value, bool):
        errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean" % (value, where))
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must be a number" % (value, where))
            return
        if "min" in meta and value < meta["min"]:
            errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %s" % (value, where, meta["min"]))
        if "max" in meta and value > meta["max"]:
            errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must have value less than or equal to %s" % (value, where, meta["max"]))


def _join(where: str, name: str) -> str:
    return "%s.%s" % (where, name) if where else name


def _length(meta: dict, length: int, value: Any, where: str, errors: list) -> None:
    shown = value if isinstance(value, str) else "[...]"
    if "min" in meta and length < meta["min"]:
        errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %s" % (shown, where, meta["min"]))
    if "max" in meta and length > meta["max"]:
        errors.append("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %s" % (shown, where, meta["max"]))


def check_input(operation: str, params: Dict[str, Any]) -> None:
    """Refuse ``params`` the way AWS does when they do not fit the operation's input shape."""
    errors: list = []
    _check(_SERVICE.operation_model(operation).input_shape, params, "", errors)
    if errors:
        raise ValidationException("%d validation error%s detected: %s" % (len(errors), "" if len(errors) == 1 else "s", "; ".join(errors)))


def check_output(operation: str, result: Dict[str, Any]) -> list:
    """The ways ``result`` does not fit the operation's output shape (the extension's tests use it)."""
    errors: list = []
    shape = _SERVICE.operation_model(operation).output_shape
    if shape is not None:
        _check(shape, _jsonable(result), "", errors)
    return errors


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        return 0  # timestamps are numbers on the wire
    return value


def operation(name: str, backend_attr: Optional[str] = None) -> Callable:
    """Register ``func(backend, params, account_id, region) -> dict`` as the ECR operation ``name``.

    The request body is checked against the input shape before ``func`` runs.
    """
    method = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    def register(func: Callable[..., Dict[str, Any]]) -> Callable[..., Dict[str, Any]]:
        def handler(self: ECRResponse):
            from moto.core.responses import ActionResult

            body = self.body.decode() if isinstance(self.body, bytes) else self.body
            params = json.loads(body or "{}")
            check_input(name, params)
            backend = ecr_backends[self.current_account][self.region]
            return ActionResult(func(backend, params, self.current_account, self.region))

        handler.__name__ = method
        setattr(ECRResponse, method, handler)
        OPERATIONS[name] = func
        return func

    return register
