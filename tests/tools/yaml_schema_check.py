#!/usr/bin/python3
"""Validates YAML files against a JSON Schema, as an editor's YAML support does.

usage: yaml_schema_check.py SCHEMA FILE...

Prints "ok FILE" or "invalid FILE: WHERE: WHY" (or "unreadable FILE: WHY" for a
file that is not YAML) per file; exits 0 whatever the files, 2 when the schema
itself is not a valid JSON Schema.  The YAML is read the way YAML 1.2 editors
(yaml-language-server) read it: a date stays text, and mapping keys are text
(0: becomes "0"), which is also how ebba's loader sees them.
"""
import json
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    pass


# YAML 1.1 timestamps (2026-01-01) become text, as in YAML 1.2.
Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def as_json(value):
    """Mapping keys as text, as JSON has them."""
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else json.dumps(k)): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        print(f"{argv[1]}: not a valid JSON Schema: {e.message}", file=sys.stderr)
        return 2
    validator = cls(schema)
    for path in argv[2:]:
        try:
            with open(path, "rb") as f:
                doc = as_json(yaml.load(f, Loader=Loader))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError) as e:
            print(f"unreadable {path}: {str(e).splitlines()[0]}")
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if not errors:
            print(f"ok {path}")
            continue
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        print(f"invalid {path}: {where}: {e.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
