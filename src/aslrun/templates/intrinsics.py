"""CloudFormation's intrinsic functions, evaluated as CloudFormation evaluates them at deploy time.

One evaluator over the template tree. :meth:`Intrinsics.resolve` walks a value and replaces every
intrinsic function call (an object with the single key ``Ref`` or ``Fn::...``) by its value:

    Ref                  a parameter (the value given, else its Default), a pseudo parameter
                         (AWS::Region, AWS::AccountId, AWS::Partition, AWS::StackName,
                         AWS::StackId, AWS::URLSuffix, AWS::NotificationARNs, AWS::NoValue) or a
                         resource (what its type's Ref returns: see names.py)
    Fn::GetAtt           a resource's attribute: [LogicalId, Attribute] or "LogicalId.Attribute"
    Fn::Sub              "text ${Name} ${Res.Attr} ${AWS::Region} ${!Literal}", or [text, {Name: value}]
    Fn::Join             [delimiter, [values]]
    Fn::If               [Condition, value if true, value if false]; the Conditions section with
                         Fn::Equals, Fn::And, Fn::Or, Fn::Not and {Condition: Name}
    Fn::Select, Fn::Split, Fn::FindInMap, Fn::GetAZs, Fn::Base64
    Fn::ToJsonString, Fn::Length   (the AWS::LanguageExtensions transform's; also FindInMap's DefaultValue)

``AWS::NoValue`` removes the key (or list item) it stands for. Evaluation is lazy: only what the
caller asks for is evaluated, so a template whose unrelated parts use what cannot be known offline
(``Fn::ImportValue``, a custom resource's attributes, an SSM parameter) still loads. Whatever cannot
be evaluated is a :class:`TemplateError` naming the place, e.g.
``Resources.Billing.Properties.DefinitionSubstitutions.Foo: Fn::GetAtt to 'Missing', which is not a
resource of the template``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import TemplateError, did_you_mean, join
from .names import Deployment, ResourceNames

__all__ = ["NO_VALUE", "Intrinsics", "ResourceProperties"]


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


#: What ``{"Ref": "AWS::NoValue"}`` evaluates to: the key or item holding it is dropped.
NO_VALUE: Any = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")

_UNSUPPORTED = {
    "Fn::ImportValue": "it reads an export of another stack, which aslrun cannot see",
    "Fn::Transform": "it runs a CloudFormation macro",
    "Fn::Cidr": "aslrun does not compute address blocks",
    "Fn::ForEach": "aslrun does not expand AWS::LanguageExtensions loops",
}


class Intrinsics:
    """The evaluator of one template's intrinsic functions for one deployment."""

    def __init__(self, template: Mapping[str, Any], deployment: Deployment,
                 parameters: Mapping[str, Any] | None = None) -> None:
        self.template = template
        self.deployment = deployment
        self.declared: dict[str, Any] = dict(template.get("Parameters") or {})
        self.given = dict(parameters or {})
        self.resources: dict[str, Any] = dict(template.get("Resources") or {})
        self.conditions: dict[str, Any] = dict(template.get("Conditions") or {})
        self.mappings: dict[str, Any] = dict(template.get("Mappings") or {})
        self.names = ResourceNames(self.resources, deployment, self.resolve)
        self._condition_values: dict[str, bool] = {}
        self._evaluating: list[str] = []
        unknown = [name for name in self.given if name not in self.declared]
        if unknown:
            name = unknown[0]
            raise TemplateError(f"Parameters: the template declares no parameter '{name}'"
                                f"{did_you_mean(name, self.declared)} (it declares: "
                                f"{', '.join(self.declared) or 'none'})")
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref, "Fn::GetAtt": self._get_att, "Fn::Sub": self._sub, "Fn::Join": self._join,
            "Fn::If": self._if, "Fn::Select": self._select, "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map, "Fn::GetAZs": self._get_azs, "Fn::Base64": self._base64,
            "Fn::Equals": self._truth_of("Fn::Equals"), "Fn::And": self._truth_of("Fn::And"),
            "Fn::Or": self._truth_of("Fn::Or"), "Fn::Not": self._truth_of("Fn::Not"),
            "Fn::ToJsonString": self._to_json_string, "Fn::Length": self._length,
        }

    # -- the tree ---------------------------------------------------------------------------------

    def resolve(self, node: Any, path: str) -> Any:
        """``node`` with every intrinsic evaluated (``NO_VALUE`` when it is AWS::NoValue itself)."""
        if isinstance(node, dict):
            call = _call_of(node)
            if call is not None:
                name, argument = call
                function = self._functions.get(name)
                if function is None:
                    why = _UNSUPPORTED.get(name, "it is not an intrinsic function CloudFormation defines")
                    raise TemplateError(f"{path}: {name} cannot be evaluated: {why}")
                return function(argument, path)
            out = {}
            for key, value in node.items():
                resolved = self.resolve(value, join(path, key))
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(node, list):
            items = (self.resolve(item, join(path, i)) for i, item in enumerate(node))
            return [item for item in items if item is not NO_VALUE]
        return node

    # -- Ref and Fn::GetAtt -------------------------------------------------------------------------

    def _ref(self, name: Any, path: str) -> Any:
        name = self.resolve(name, join(path, "Ref"))
        if not isinstance(name, str):
            raise TemplateError(f"{path}: Ref takes a name, not {_kind(name)}")
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.declared:
            return self.parameter(name, path)
        if name in self.resources:
            self._require_created(name, path, "Ref")
            return self.names.ref(name)
        raise TemplateError(f"{path}: Ref to '{name}', which is not a parameter, pseudo parameter or resource of "
                            f"the template{did_you_mean(name, [*self.declared, *self.resources])}")

    def _pseudo(self, name: str) -> Any:
        d = self.deployment
        values: dict[str, Any] = {
            "AWS::Region": d.region, "AWS::AccountId": d.account, "AWS::Partition": d.partition,
            "AWS::StackName": d.stack_name, "AWS::StackId": d.stack_id, "AWS::URLSuffix": d.url_suffix,
            "AWS::NotificationARNs": [], "AWS::NoValue": NO_VALUE,
        }
        return values.get(name)

    def _get_att(self, argument: Any, path: str) -> Any:
        where = join(path, "Fn::GetAtt")
        if isinstance(argument, str) and "." in argument:
            logical_id, attribute = argument.split(".", 1)
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            logical_id, attribute = argument[0], self.resolve(argument[1], join(where, 1))
        else:
            raise TemplateError(f"{path}: Fn::GetAtt takes [LogicalId, Attribute] or 'LogicalId.Attribute', "
                                f"not {json.dumps(argument)}")
        return self.attribute(logical_id, str(attribute), path)

    def attribute(self, logical_id: str, attribute: str, path: str) -> Any:
        if logical_id not in self.resources:
            raise TemplateError(f"{path}: Fn::GetAtt to '{logical_id}', which is not a resource of the "
                                f"template{did_you_mean(logical_id, self.resources)}")
        self._require_created(logical_id, path, "Fn::GetAtt")
        return self.names.attribute(logical_id, attribute, path)

    def created(self, logical_id: str) -> bool:
        """Whether the resource is created: it has no Condition, or its Condition is true."""
        condition = self.resources[logical_id].get("Condition")
        return condition is None or self.condition(str(condition), f"Resources.{logical_id}.Condition")

    def _require_created(self, logical_id: str, path: str, function: str) -> None:
        if not self.created(logical_id):
            condition = self.resources[logical_id].get("Condition")
            raise TemplateError(f"{path}: {function} to '{logical_id}', which is not created (its condition "
                                f"'{condition}' is false)")

    # -- parameters ---------------------------------------------------------------------------------

    def parameter(self, name: str, path: str) -> Any:
        """A parameter's value: the one given, else its Default, as its Type says (lists split, numbers)."""
        declaration = self.declared[name] if isinstance(self.declared[name], dict) else {}
        kind = str(declaration.get("Type", "String"))
        if name in self.given:
            raw = self.given[name]
        elif kind.startswith("AWS::SSM::Parameter::Value"):
            raise TemplateError(f"{path}: Ref to parameter '{name}', which CloudFormation reads from SSM Parameter "
                                f"Store ({declaration.get('Default', 'no default')}): give its value "
                                f"(parameters={{'{name}': ...}})")
        elif "Default" in declaration:
            raw = declaration["Default"]
        else:
            raise TemplateError(f"{path}: Ref to parameter '{name}', which has no Default: give its value "
                                f"(parameters={{'{name}': ...}})")
        allowed = declaration.get("AllowedValues")
        if isinstance(allowed, list) and _text(raw) not in [_text(a) for a in allowed]:
            raise TemplateError(f"Parameters.{name}: the value {_text(raw)!r} is not one of its AllowedValues "
                                f"{[_text(a) for a in allowed]}")
        if kind.startswith("List<") or kind == "CommaDelimitedList" or "<List<" in kind:
            return [str(item).strip() for item in raw] if isinstance(raw, list) else \
                [part.strip() for part in _text(raw).split(",")]
        if kind == "Number":
            return _number(raw, f"Parameters.{name}")
        return _text(raw)

    # -- strings ----------------------------------------------------------------------------------

    def _sub(self, argument: Any, path: str) -> str:
        where = join(path, "Fn::Sub")
        if isinstance(argument, str):
            text, variables = argument, {}
        elif (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)
              and isinstance(argument[1], dict)):
            text, variables = argument
        else:
            raise TemplateError(f"{path}: Fn::Sub takes a string or [string, {{variables}}]")

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = self.resolve(variables[name], join(join(where, 1), name))
            elif self._pseudo(name) is not None or name in self.declared or name in self.resources:
                value = self._ref(name, path)
            elif "." in name:
                logical_id, attribute = name.split(".", 1)
                value = self.attribute(logical_id, attribute, path)
            else:
                raise TemplateError(f"{path}: Fn::Sub uses ${{{name}}}, which is not a variable, parameter, pseudo "
                                    f"parameter or resource of the template"
                                    f"{did_you_mean(name, [*variables, *self.declared, *self.resources])}")
            return self._as_string(value, path, f"${{{name}}} in Fn::Sub")

        return _SUB_VARIABLE.sub(one, text)

    def _join(self, argument: Any, path: str) -> str:
        where = join(path, "Fn::Join")
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(f"{path}: Fn::Join takes [delimiter, [values]]")
        delimiter = self.resolve(argument[0], join(where, 0))
        values = self.resolve(argument[1], join(where, 1))
        if not isinstance(delimiter, str) or not isinstance(values, list):
            raise TemplateError(f"{path}: Fn::Join takes [delimiter, [values]], not "
                                f"[{_kind(delimiter)}, {_kind(values)}]")
        return delimiter.join(self._as_string(v, join(join(where, 1), i), "a value to join")
                              for i, v in enumerate(values))

    def _split(self, argument: Any, path: str) -> list[str]:
        where = join(path, "Fn::Split")
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(f"{path}: Fn::Split takes [delimiter, string]")
        delimiter, source = (self.resolve(item, join(where, i)) for i, item in enumerate(argument))
        if not isinstance(delimiter, str) or not delimiter or not isinstance(source, str):
            raise TemplateError(f"{path}: Fn::Split takes [delimiter, string], not [{_kind(delimiter)}, "
                                f"{_kind(source)}]")
        return source.split(delimiter)

    def _base64(self, argument: Any, path: str) -> str:
        value = self._as_string(self.resolve(argument, join(path, "Fn::Base64")), path, "Fn::Base64's argument")
        return base64.b64encode(value.encode("utf-8")).decode("ascii")

    def _to_json_string(self, argument: Any, path: str) -> str:
        return json.dumps(self.resolve(argument, join(path, "Fn::ToJsonString")), separators=(",", ":"))

    def _as_string(self, value: Any, path: str, what: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise TemplateError(f"{path}: {what} must be a string, not {_kind(value)}")

    # -- lists and maps ---------------------------------------------------------------------------

    def _select(self, argument: Any, path: str) -> Any:
        where = join(path, "Fn::Select")
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(f"{path}: Fn::Select takes [index, [values]]")
        index, values = (self.resolve(item, join(where, i)) for i, item in enumerate(argument))
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise TemplateError(f"{path}: Fn::Select's index must be a number, not {json.dumps(index)}") from None
        if not isinstance(values, list):
            raise TemplateError(f"{path}: Fn::Select selects from a list, not {_kind(values)}")
        if not 0 <= position < len(values):
            raise TemplateError(f"{path}: Fn::Select index {position} is outside the list of {len(values)} value(s)")
        return values[position]

    def _find_in_map(self, argument: Any, path: str) -> Any:
        where = join(path, "Fn::FindInMap")
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise TemplateError(f"{path}: Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
        default: Any = None
        if len(argument) == 4:
            option = argument[3]
            if not isinstance(option, dict) or "DefaultValue" not in option:
                raise TemplateError(f"{path}: Fn::FindInMap's fourth item is {{DefaultValue: value}}")
            default = option["DefaultValue"]
        keys = [self._as_string(self.resolve(item, join(where, i)), join(where, i), "a Fn::FindInMap key")
                for i, item in enumerate(argument[:3])]
        level: Any = self.mappings
        for depth, key in enumerate(keys):
            if not isinstance(level, dict) or key not in level:
                if len(argument) == 4:
                    return self.resolve(default, join(join(where, 3), "DefaultValue"))
                known = list(level) if isinstance(level, dict) else []
                place = ("Mappings", f"Mappings.{keys[0]}", f"Mappings.{keys[0]}.{keys[1]}")[depth]
                raise TemplateError(f"{path}: Fn::FindInMap: {place} has no key '{key}'{did_you_mean(key, known)}")
            level = level[key]
        return level

    def _get_azs(self, argument: Any, path: str) -> list[str]:
        region = self.resolve(argument, join(path, "Fn::GetAZs")) or self.deployment.region
        return [f"{region}{zone}" for zone in "abc"]

    def _length(self, argument: Any, path: str) -> int:
        value = self.resolve(argument, join(path, "Fn::Length"))
        if not isinstance(value, list):
            raise TemplateError(f"{path}: Fn::Length counts a list, not {_kind(value)}")
        return len(value)

    # -- conditions -------------------------------------------------------------------------------

    def condition(self, name: str, path: str) -> bool:
        """The value of the condition ``name`` of the Conditions section (evaluated once)."""
        if name not in self._condition_values:
            if name not in self.conditions:
                raise TemplateError(f"{path}: the condition '{name}' is not defined in Conditions"
                                    f"{did_you_mean(name, self.conditions)}")
            if name in self._evaluating:
                raise TemplateError(f"Conditions.{name}: the condition depends on itself "
                                    f"({' -> '.join([*self._evaluating, name])})")
            self._evaluating.append(name)
            try:
                self._condition_values[name] = self._truth(self.conditions[name], f"Conditions.{name}")
            finally:
                self._evaluating.pop()
        return self._condition_values[name]

    def _if(self, argument: Any, path: str) -> Any:
        where = join(path, "Fn::If")
        if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[0], str):
            raise TemplateError(f"{path}: Fn::If takes [ConditionName, value if true, value if false]")
        chosen = 1 if self.condition(argument[0], where) else 2
        return self.resolve(argument[chosen], join(where, chosen))

    def _truth_of(self, function: str) -> Callable[[Any, str], bool]:
        return lambda argument, path: self._truth({function: argument}, path)

    def _truth(self, node: Any, path: str) -> bool:
        """A condition expression's value: Fn::Equals / And / Or / Not, or {Condition: Name}."""
        if isinstance(node, bool):
            return node
        call = _call_of(node) if isinstance(node, dict) else None
        if call is None and isinstance(node, dict) and len(node) == 1 and "Condition" in node:
            call = ("Condition", node["Condition"])
        if call is None:
            raise TemplateError(f"{path}: a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
                                f"{{Condition: Name}}, not {json.dumps(node)}")
        name, argument = call
        where = join(path, name)
        if name == "Condition":
            return self.condition(str(argument), path)
        if name == "Fn::Equals":
            if not isinstance(argument, list) or len(argument) != 2:
                raise TemplateError(f"{path}: Fn::Equals takes [value, value]")
            left, right = (self.resolve(item, join(where, i)) for i, item in enumerate(argument))
            return _comparable(left) == _comparable(right)
        if name in ("Fn::And", "Fn::Or", "Fn::Not"):
            if not isinstance(argument, list) or not argument or (name == "Fn::Not" and len(argument) != 1):
                raise TemplateError(f"{path}: {name} takes a list of conditions"
                                    + (" (exactly one)" if name == "Fn::Not" else ""))
            values = (self._truth(item, join(where, i)) for i, item in enumerate(argument))
            if name == "Fn::Not":
                return not next(values)
            return all(values) if name == "Fn::And" else any(values)
        value = self.resolve(node, path)
        if isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false")):
            return value is True or (isinstance(value, str) and value.lower() == "true")
        raise TemplateError(f"{path}: {name} does not give a condition (true or false)")


def _call_of(node: dict[str, Any]) -> tuple[str, Any] | None:
    """``(function, argument)`` when ``node`` is an intrinsic function call."""
    if len(node) != 1:
        return None
    (key, argument), = node.items()
    if key == "Ref" or key.startswith("Fn::"):
        return key, argument
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    try:
        return int(str(value))
    except ValueError:
        try:
            return float(str(value))
        except ValueError:
            raise TemplateError(f"{where}: a Number parameter, not {value!r}") from None


def _comparable(value: Any) -> Any:
    """Fn::Equals compares scalars as CloudFormation does: as their string forms."""
    if isinstance(value, (bool, int, float, str)):
        return _text(value)
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if value is NO_VALUE:
        return "AWS::NoValue"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), "a number")


class ResourceProperties:
    """One resource's properties, each resolved when read (``NO_VALUE`` reads as absent)."""

    def __init__(self, intrinsics: Intrinsics, logical_id: str, resource: dict[str, Any]) -> None:
        self.intrinsics = intrinsics
        self.logical_id = logical_id
        self.where = f"Resources.{logical_id}.Properties"
        self.properties = resource.get("Properties") or {}

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self.properties:
            return default
        value = self.intrinsics.resolve(self.properties[key], join(self.where, key))
        return default if value is NO_VALUE else value
