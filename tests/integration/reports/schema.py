#!/usr/bin/python3
"""A small JSON-Schema subset validator (stdlib only) for summary.json.

Supported keywords: type (name or list), properties (every listed property is
required unless named in "optional"), items, enum, minimum, maximum,
minItems, maxItems, $ref to "#/$defs/NAME". Unknown properties are allowed,
so readers tolerate fields added later.
"""
import json
import re

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def from_doc(path, name="summary.json"):
    """The JSON block after the line '<!-- NAME schema -->' in a Markdown file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- %s schema -->\s*```json\n(.*?)\n```" % re.escape(name), text, re.S)
    if not m:
        raise ValueError("%s: no %s schema block" % (path, name))
    return json.loads(m.group(1))


def validate(value, schema, root=None, path="$"):
    root = root or schema
    errors = []
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return validate(value, root["$defs"][name], root, path)
    types = schema.get("type")
    if types:
        if isinstance(types, str):
            types = [types]
        if not any(TYPES[t](value) for t in types):
            return ["%s: %r is not %s" % (path, value, "/".join(types))]
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r not one of %r" % (path, value, schema["enum"]))
    if TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append("%s: %r < %r" % (path, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append("%s: %r > %r" % (path, value, schema["maximum"]))
    if isinstance(value, dict) and "properties" in schema:
        optional = set(schema.get("optional", []))
        for k, sub in schema["properties"].items():
            if k not in value:
                if k not in optional:
                    errors.append("%s: missing %s" % (path, k))
                continue
            errors += validate(value[k], sub, root, "%s.%s" % (path, k))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append("%s: fewer than %d items" % (path, schema["minItems"]))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append("%s: more than %d items" % (path, schema["maxItems"]))
        if "items" in schema:
            for i, v in enumerate(value):
                errors += validate(v, schema["items"], root, "%s[%d]" % (path, i))
    return errors
