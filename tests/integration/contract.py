"""Checks every answer the integration tests get from psm against docs/openapi.yaml.

The operation is found by method + path template; its status must be declared, the Content-Type
must be one it declares, and a JSON body must match the schema (JSON Schema draft 4 as OpenAPI
3.0 extends it: `nullable` adds null to the `type` beside it, nothing else) with no property the
document does not name. SSE event data is checked against the operation's `x-event-data`
schemas. A failure raises ContractError (an AssertionError) naming the operation, the status and
the JSON path. The document is read and compiled once per process.
"""

import functools
import gzip
import json
import os
import re
import sys
import urllib.parse
import zlib

try:
    import jsonschema
    import yaml
except ImportError:  # Debian's python3-jsonschema and python3-yaml, under another Python (pyenv)
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import jsonschema
        import yaml
    except ImportError as e:
        raise ImportError("contract checks need python3-jsonschema and python3-yaml: run "
                          "`make setup`") from e

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                         "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_TYPE = re.compile(r"^application/(.+\+)?json$")
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class ContractError(AssertionError):
    pass


def _nullable_type(validator, types, instance, schema):
    # OpenAPI 3.0.3: `nullable: true` adds null to the types of the `type` in the same schema.
    if instance is None and schema.get("nullable") is True:
        return
    yield from jsonschema.Draft4Validator.VALIDATORS["type"](validator, types, instance, schema)


OAS30Validator = jsonschema.validators.extend(jsonschema.Draft4Validator,
                                              {"type": _nullable_type})


def _format_checker():
    checker = jsonschema.FormatChecker(())

    def check(name, test):
        checker.checks(name)(lambda value: not isinstance(value, str) or bool(test(value)))

    check("date-time", DATE_TIME.match)
    check("date", DATE.match)
    check("uuid", UUID.match)
    check("uri", lambda v: bool(urllib.parse.urlsplit(v).scheme))
    checker.checks("int64")(lambda v: not isinstance(v, int) or -2**63 <= v < 2**63)
    checker.checks("int32")(lambda v: not isinstance(v, int) or -2**31 <= v < 2**31)
    return checker


def _json_path(parts):
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


class Contract:
    def __init__(self, spec):
        self.spec = spec
        self.formats = _format_checker()
        self.validators = {}
        # Literal templates before templated ones, as the server's router matches.
        self.routes = []
        for template, item in spec["paths"].items():
            names = re.findall(r"{([^}]+)}", template)
            pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
            self.routes.append((len(names), template, re.compile(pattern), item))
        self.routes.sort(key=lambda r: r[0])

    # --- lookups ------------------------------------------------------------------------------
    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ContractError(f"only local $refs are supported: {ref}")
            node = self.spec
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def route(self, path):
        for _, template, pattern, item in self.routes:
            if pattern.match(path):
                return template, item
        return None, None

    def validator(self, schema):
        key = id(schema)
        if key not in self.validators:
            # A root that holds the components, so "#/components/..." resolves in every version of
            # jsonschema; the schema itself is checked through allOf.
            root = {"components": self.spec["components"], "allOf": [schema]}
            OAS30Validator.check_schema(root)
            self.validators[key] = (OAS30Validator(root, format_checker=self.formats), schema)
        return self.validators[key][0]

    # --- schema checks ------------------------------------------------------------------------
    def schema_errors(self, instance, schema):
        """Sentences for every way `instance` breaks `schema`, each with its JSON path."""
        errors = sorted(self.validator(schema).iter_errors(instance),
                        key=lambda e: (list(e.absolute_path), e.message))
        out = []
        for e in errors:
            # For anyOf/oneOf, the branch error that went deepest into the instance says most;
            # at the same depth, a branch of the right type; else the anyOf/oneOf's own message.
            deepest = e
            while deepest.context:
                deeper = max(deepest.context,
                             key=lambda c: (len(c.absolute_path), c.validator != "type"))
                if (len(deeper.absolute_path), deeper.validator != "type") <= (
                        len(deepest.absolute_path), False):
                    break
                deepest = deeper
            out.append(f"{_json_path(deepest.absolute_path)}: {deepest.message}")
        if not out:
            self.undocumented(instance, schema, [], out)
        return out

    def applicable(self, schema, instance):
        """The schemas that apply to `instance` in place: $refs resolved, allOf expanded, and of
        anyOf/oneOf the branches it matches."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return []
        out = [schema]
        for branch in schema.get("allOf", []):
            out += self.applicable(branch, instance)
        for key in ("anyOf", "oneOf"):
            for branch in schema.get(key, []):
                if self.validator(branch).is_valid(instance):
                    out += self.applicable(branch, instance)
        return out

    def undocumented(self, instance, schema, path, out):
        """Adds to `out` every object property the document does not name (an answer may grow
        only by documenting first)."""
        schemas = self.applicable(schema, instance)
        if isinstance(instance, dict):
            declared, open_ = {}, False
            for s in schemas:
                for name, sub in s.get("properties", {}).items():
                    declared.setdefault(name, []).append(sub)
                if s.get("additionalProperties", False) is not False:
                    open_ = True
            closed = any("properties" in s or s.get("maxProperties") == 0 for s in schemas)
            for name, value in instance.items():
                if name in declared:
                    for sub in declared[name]:
                        self.undocumented(value, sub, path + [name], out)
                elif closed and not open_:
                    out.append(f"{_json_path(path + [name])}: property not in the document")
        elif isinstance(instance, list):
            for s in schemas:
                if "items" in s:
                    for i, value in enumerate(instance):
                        self.undocumented(value, s["items"], path + [i], out)

    # --- answers ------------------------------------------------------------------------------
    def check_response(self, method, target, status, headers, body):
        method = method.lower()
        path = urllib.parse.urlsplit(target).path
        template, item = self.route(path)
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        body = self.decoded(method, status, headers, body)
        if item is None:
            # Unknown paths answer 404; the web pages (not the API) answer what they like, and
            # 405 when the method is wrong.
            fallback = self.spec.get("x-fallback-responses", {})
            if str(status) in fallback:
                self.check_against(f"{method.upper()} {path} (path not in the document)", method,
                                   status, fallback[str(status)], headers, body)
            elif path.startswith("/api/"):
                raise ContractError(f"{method.upper()} {path}: status {status} for a path the "
                                    "document does not have (only 404 is declared for those)")
            return
        if method not in item:
            allowed = sorted(m.upper() for m in item if m in METHODS)
            what = f"{method.upper()} {template} (method not in the document)"
            fallback = self.spec.get("x-fallback-responses", {})
            if status == 405:
                got = sorted(m.strip() for m in headers.get("allow", "").split(","))
                if got != allowed:
                    raise ContractError(f"{what}: Allow {got}, want {allowed}")
            elif status == 404 or str(status) not in fallback:
                raise ContractError(f"{what}: status {status}, want 405")
            self.check_against(what, method, status, fallback[str(status)], headers, body)
            return
        op = item[method]
        what = f"{op.get('operationId', method)} ({method.upper()} {template})"
        responses = op.get("responses", {})
        response = (responses.get(str(status)) or responses.get(f"{status // 100}XX")
                    or responses.get("default"))
        if response is None:
            raise ContractError(f"{what}: status {status} is not declared "
                                f"(declared: {', '.join(sorted(responses))})")
        if method == "head":
            # HEAD answers carry GET's headers without the body.
            get = item.get("get", {}).get("responses", {})
            content = self.resolve(get.get(str(status), response)).get("content", {})
            response = {"content": {k: {} for k in content}}
        self.check_against(what, method, status, response, headers, body)

    @staticmethod
    def decoded(method, status, headers, body):
        """The body without its Content-Encoding (nginx gzips for clients that ask)."""
        coding = headers.get("content-encoding", "identity").strip().lower()
        if not body or coding == "identity":
            return body
        try:
            if coding == "gzip":
                return gzip.decompress(body)
            if coding == "deflate":
                return zlib.decompress(body)
        except (OSError, zlib.error, EOFError) as e:
            raise ContractError(f"{method.upper()} answer {status}: bad {coding} body ({e})") from None
        raise ContractError(f"{method.upper()} answer {status}: Content-Encoding {coding!r} cannot be read")

    def check_against(self, what, method, status, response, headers, body):
        response = self.resolve(response)
        content = response.get("content", {})
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if method == "head" or status in (204, 304):
            if body:
                raise ContractError(f"{what}: status {status} must have no body")
            if content and ctype and ctype not in content:
                raise ContractError(f"{what}: status {status}: Content-Type {ctype!r}, "
                                    f"declared {sorted(content)}")
            return
        if not content:
            if body:
                raise ContractError(f"{what}: status {status} declares no body, got {body[:80]!r}")
            return
        if ctype not in content:
            raise ContractError(f"{what}: status {status}: Content-Type {ctype!r}, "
                                f"declared {sorted(content)}")
        schema = content[ctype].get("schema")
        if schema is None:
            return
        if JSON_TYPE.match(ctype):
            try:
                instance = json.loads(body)
            except ValueError as e:
                raise ContractError(f"{what}: status {status}: body is not JSON ({e})") from None
        else:
            try:
                instance = body.decode("utf-8") if isinstance(body, bytes) else body
            except UnicodeDecodeError as e:
                raise ContractError(f"{what}: status {status}: body is not UTF-8 ({e})") from None
        errors = self.schema_errors(instance, schema)
        if errors:
            raise ContractError(f"{what}: status {status} ({ctype}) does not match the document:\n  "
                                + "\n  ".join(errors[:10]))

    def check_event(self, event_type, data):
        """Checks one SSE event's `data` (text or parsed JSON) against the stream's
        `x-event-data` schema for its type."""
        op = self.spec["paths"]["/api/v1/events"]["get"]
        schemas = op.get("x-event-data", {})
        what = f"{op['operationId']} event {event_type!r}"
        if event_type not in schemas:
            raise ContractError(f"{what}: not in x-event-data (declared: {', '.join(schemas)})")
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except ValueError as e:
                raise ContractError(f"{what}: data is not JSON ({e})") from None
        errors = self.schema_errors(data, schemas[event_type])
        if errors:
            raise ContractError(f"{what} does not match the document:\n  " + "\n  ".join(errors[:10]))


@functools.lru_cache(maxsize=None)
def contract(spec_path=SPEC_PATH):
    with open(spec_path, encoding="utf-8") as f:
        # libyaml's loader when there is one: it reads the document about ten times faster.
        return Contract(yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def check_response(method, target, status, headers, body):
    """Raises ContractError unless the answer (status, headers, body bytes) is one that
    docs/openapi.yaml declares for `method target`."""
    contract().check_response(method, target, status, headers, body)


def check_event(event_type, data):
    """Raises ContractError unless an SSE event's data matches docs/openapi.yaml."""
    contract().check_event(event_type, data)
