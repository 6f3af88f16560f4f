#!/usr/bin/python3
"""Checks real HTTP responses against an OpenAPI 3.1 description.

usage: openapi_check.py SPEC LIST

LIST has one response a line: METHOD<TAB>PATH<TAB>HEADERS<TAB>BODY<TAB>NAME,
HEADERS and BODY being files as `curl -D HEADERS -o BODY` writes them.  For
each it prints "ok - NAME" or "not ok - NAME: WHY" (TAP, as tests/run counts
it): the path and method are described, the status is one of the
operation's responses, the Content-Type is the one described, every header
the response marks required is there, and the body validates against the
response's schema (a PDF's begins with %PDF-).  First it checks that every
schema in components is a valid JSON Schema (2020-12, as OpenAPI 3.1 has
it).  Exits 0 whatever the responses, 2 when SPEC or LIST cannot be read.
"""
import json
import re
import sys

import jsonschema
import yaml


def path_regex(template):
    parts = re.split(r"(\{[^}]+\})", template)
    return "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"


def read_headers(path):
    with open(path, encoding="latin-1") as f:
        lines = [l.rstrip("\r\n") for l in f]
    # curl -D writes every response of the exchange (100 Continue first).
    blocks, cur = [], []
    for l in lines:
        if l == "":
            if cur:
                blocks.append(cur)
            cur = []
        else:
            cur.append(l)
    if cur:
        blocks.append(cur)
    last = [b for b in blocks if not re.match(r"^HTTP/\S+ 100\b", b[0])][-1]
    status = int(last[0].split()[1])
    headers = {}
    for l in last[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        node = spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
    return node


def check_one(spec, method, path, hfile, bfile):
    op = None
    for template, item in spec["paths"].items():
        if re.match(path_regex(template), path):
            op = item.get(method.lower())
            if op is None:
                return "%s is not described for %s" % (method, template)
            break
    if op is None:
        return "no path in the description matches %s" % path
    status, headers = read_headers(hfile)
    resp = op["responses"].get(str(status))
    if resp is None:
        return "status %d is not a described response of %s %s" % (status, method, path)
    resp = resolve(spec, resp)
    for name, h in resp.get("headers", {}).items():
        if resolve(spec, h).get("required") and name.lower() not in headers:
            return "status %d lacks the required header %s" % (status, name)
    content = resp.get("content")
    with open(bfile, "rb") as f:
        body = f.read()
    if not content:
        return None if not body else "status %d has a body but none is described" % status
    ctype = headers.get("content-type", "").split(";")[0].strip()
    if ctype not in content:
        return "Content-Type %r is not one of %s" % (ctype, sorted(content))
    schema = content[ctype].get("schema")
    if ctype == "application/pdf" and not body.startswith(b"%PDF-"):
        return "the body is not a PDF"
    if schema is None or ctype != "application/json":
        return None
    try:
        doc = json.loads(body)
    except ValueError as e:
        return "the body is not JSON: %s" % e
    # The response's schema with the description's components beside it,
    # so "#/components/..." resolves.
    root = dict(schema)
    root["components"] = spec["components"]
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    errors = sorted(jsonschema.Draft202012Validator(root).iter_errors(doc), key=str)
    if errors:
        e = errors[0]
        return "body at /%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
    return None


def main(argv):
    try:
        with open(argv[1], encoding="utf-8") as f:
            spec = yaml.safe_load(f)
        with open(argv[2], encoding="utf-8") as f:
            rows = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    except (OSError, yaml.YAMLError) as e:
        print("openapi_check: %s" % e, file=sys.stderr)
        return 2
    bad = []
    for name, s in spec["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(s)
        except jsonschema.SchemaError as e:
            bad.append("%s: %s" % (name, e.message))
    if spec.get("openapi", "").startswith("3.1") and not bad:
        print("ok - openapi: the description is OpenAPI 3.1 and its schemas are valid JSON Schema")
    else:
        print("not ok - openapi: the description: %s" % ("; ".join(bad) or "not OpenAPI 3.1"))
    for method, path, hfile, bfile, name in rows:
        why = check_one(spec, method, path, hfile, bfile)
        print("ok - openapi: %s" % name if why is None else "not ok - openapi: %s: %s" % (name, why))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
