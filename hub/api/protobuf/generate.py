#!/usr/bin/env python3
"""Generates hub/api/src/protobuf/schema/generated.rs: the wire schema of every Kubernetes
protobuf message, as static data for the decoder in hub/api/src/protobuf.rs.

Inputs, each read as facts (nothing is copied):
- k8s-pb (prost-generated Rust for every Kubernetes .proto, from the cargo registry): messages,
  and for each field its number, label and type (`#[prost(int32, optional, tag = "3")]`), plus
  the group/version of every resource (`impl crate::Resource`).
- k8s-openapi (also from the cargo registry, the crate whose schemas hub-api serves): the JSON
  property names of each OpenAPI schema. A proto field's JSON name is the property of the
  matching schema (`k8s.io.api.core.v1.PodStatus` <-> `io.k8s.api.core.v1.PodStatus`) whose
  name equals the field's snake_case name ignoring case and separators (`pod_ip` <-> `podIP`).
- kubectl 1.32's Go type data (gotypes.py): the Go struct behind each message says whether a
  field is a pointer and whether its JSON tag has `omitempty` (Go writes every non-pointer field
  to the wire, zero or not, and drops zero ones from JSON), whether it is inlined in JSON, and
  its JSON name for messages the OpenAPI schemas lack.

    python3 hub/api/protobuf/generate.py [--k8s-pb DIR] [--k8s-openapi DIR] [--kubectl PATH]

The directories default to the newest k8s-pb-0.9.* and k8s-openapi-0.29.* under
$CARGO_HOME/registry/src (`cargo fetch` puts k8s-openapi there; `cargo download k8s-pb` or any
crate depending on it, k8s-pb). The output is left alone by rustfmt (`#[rustfmt::skip]`); regenerate after bumping either
crate or the pinned kubectl, and review the diff.
"""

import argparse
import glob
import os
import re
import sys

import gotypes

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.normpath(os.path.join(HERE, "..", "src", "protobuf", "schema", "generated.rs"))
KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"
SKIPPED_PACKAGES = ("k8s.io.apimachinery.pkg.apis.testapigroup.",)

# Messages whose JSON is not an object of their fields (their Go type has its own MarshalJSON,
# or is a slice), by proto name.
FORMS = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "Time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "Duration",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "RawJson",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "RawJson",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "k8s.io.apimachinery.pkg.api.resource.QuantityValue": "Quantity",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON": "RawJson",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSON": "RawJson",
}
for version in ("v1", "v1beta1"):
    package = f"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.{version}"
    FORMS[f"{package}.JSONSchemaPropsOrArray"] = "SchemaOrArray"
    FORMS[f"{package}.JSONSchemaPropsOrBool"] = "SchemaOrBool"
    FORMS[f"{package}.JSONSchemaPropsOrStringArray"] = "SchemaOrStringArray"
# Go types with a MarshalJSON of their own left out of FORMS because no message has a field of
# their type (checked below): `Unknown` is the envelope, decoded by hand.
NOT_MESSAGES = {"k8s.io.apimachinery.pkg.runtime.Unknown",
                "k8s.io.apimachinery.pkg.apis.meta.v1.GroupVersion"}

# API groups whose package has no resource in k8s-pb, or is not named after the group.
EXTRA_GROUPS = {
    "meta.k8s.io": "k8s.io.apimachinery.pkg.apis.meta",
    "admission.k8s.io": "k8s.io.api.admission",
    "imagepolicy.k8s.io": "k8s.io.api.imagepolicy",
    "apidiscovery.k8s.io": "k8s.io.api.apidiscovery",
}

SCALARS = {"bool": "Bool", "int32": "Int32", "int64": "Int64", "double": "Double",
           "string": "Str", "bytes": "Bytes"}


class Field:
    def __init__(self, number, snake, scalar, message, label, map_value):
        self.number, self.snake, self.scalar, self.message = number, snake, scalar, message
        self.label, self.map_value = label, map_value
        self.json = None
        self.shape = None


class Message:
    def __init__(self, name):
        self.name = name
        self.fields = []
        self.form = FORMS.get(name, "Object")


def newest(pattern):
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    found = sorted(glob.glob(os.path.join(home, "registry", "src", "*", pattern)),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", os.path.basename(p))])
    if not found:
        sys.exit(f"no {pattern} under {home}/registry/src: fetch the crate first")
    return found[-1]


def norm(name):
    """A name with case and separators ignored: `podIPs`, `pod_ips` and `$ref` compare equal to
    `podips`, `pod_ips`... as `podips`, and `ref`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def camel(snake):
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def split_top(text, sep=","):
    """Splits `text` at `sep` outside angle brackets and double quotes."""
    parts, depth, start, quoted = [], 0, 0, False
    for i, c in enumerate(text):
        if c == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def innermost(rust_type):
    """`Option<Box<super::v1::Foo>>` -> `super::v1::Foo`; `BTreeMap<String, Foo>` -> `Foo`."""
    rust_type = rust_type.strip()
    match = re.fullmatch(r"[\w:]*?(Option|Vec|Box|BTreeMap)<(.*)>", rust_type, re.S)
    if not match:
        return rust_type
    inner = split_top(match.group(2))
    return innermost(inner[-1])


def resolve(module, path):
    """The proto full name of the Rust type `path` seen from k8s-pb module `module`."""
    segments = path.split("::")
    if segments[0] == "crate":
        base, segments = [], segments[1:]
    else:
        base = list(module)
        while segments[0] == "super":
            base.pop()
            segments = segments[1:]
    return ".".join(["k8s.io"] + base + segments)


def struct_fields(body):
    """(prost attribute, field name, Rust type, doc comment) of each field of a struct body."""
    pattern = r"((?:^[ \t]*///[^\n]*\n)*)[ \t]*#\[prost\(([^\n]*?)\)\]\s*pub (?:r#)?(\w+):"
    for match in re.finditer(pattern, body, re.S | re.M):
        depth, i = 0, match.end()
        while depth or body[i] != ",":
            depth += {"<": 1, ">": -1}.get(body[i], 0)
            i += 1
        doc = re.sub(r"^[ \t]*/// ?", "", match.group(1), flags=re.M)
        yield match.group(2), match.group(3), body[match.end():i], doc


def parse_k8s_pb(root):
    messages, groups = {}, {}
    for path in sorted(glob.glob(os.path.join(root, "src", "**", "mod.rs"), recursive=True)):
        module = os.path.relpath(os.path.dirname(path), os.path.join(root, "src")).split(os.sep)
        package = ".".join(["k8s.io"] + module)
        if package.startswith(tuple(p.rstrip(".") for p in SKIPPED_PACKAGES)):
            continue
        text = open(path).read()
        for match in re.finditer(r"^pub struct (\w+) \{(\}|\n.*?^\})", text, re.M | re.S):
            message = Message(f"{package}.{match.group(1)}")
            for attrs, snake, rust_type, doc in struct_fields(match.group(2)):
                words = [w.strip() for w in split_top(attrs)]
                number = int(re.search(r'tag = "(\d+)"', attrs).group(1))
                map_value = None
                if words[0].startswith("btree_map"):
                    key, value = re.search(r'"(\w+), (\w+)"', words[0]).groups()
                    if key != "string":
                        sys.exit(f"{message.name}.{snake}: map key {key}")
                    label, kind = "map", value
                else:
                    kind = words[0].split(" ")[0]
                    label = "repeated" if "repeated" in words else "optional"
                target = resolve(module, innermost(rust_type)) if kind == "message" else None
                scalar = None if kind == "message" else kind
                if scalar is not None and scalar not in SCALARS:
                    sys.exit(f"{message.name}.{snake}: scalar type {scalar}")
                if label == "map":
                    map_value = scalar or "message"
                field = Field(number, snake, scalar, target, label, map_value)
                # Kubernetes documents most fields by their JSON name: `podUID is the UID...`.
                field.doc_name = next((word for word in re.findall(r"[A-Za-z0-9]+", doc)
                                       if word[0].islower() and norm(word) == norm(snake)),
                                      None)
                message.fields.append(field)
            message.fields.sort(key=lambda f: f.number)
            messages[message.name] = message
        for impl in re.finditer(r'const API_VERSION: &\'static str = "([^"]*)";', text):
            api_version = impl.group(1)
            group, version = api_version.rsplit("/", 1) if "/" in api_version else ("", api_version)
            prefix = package.rsplit(".", 1)[0]
            if package.rsplit(".", 1)[1] != version:
                sys.exit(f"{package}: resource of {api_version}")
            if groups.setdefault(group, prefix) != prefix:
                sys.exit(f"group {group!r} in {groups[group]} and {prefix}")
    for group, prefix in EXTRA_GROUPS.items():
        groups.setdefault(group, prefix)
    return messages, groups


def openapi_name(proto_name):
    """`k8s.io.api.core.v1.Pod` -> `io.k8s.api.core.v1.pod` (lower case: matched ignoring case,
    because prost changed some message names' case, `IPBlock` to `IpBlock`)."""
    package, name = proto_name.rsplit(".", 1)
    package = package.replace("k8s.io.", "io.k8s.", 1).replace("_", "-")
    return f"{package}.{name}".lower()


def parse_k8s_openapi(root):
    """{lower-cased schema name: (schema name, [JSON property names])}"""
    schemas = {}
    version_dirs = sorted(glob.glob(os.path.join(root, "src", "v1_*")))
    source = os.path.join(root, "src", "v1_33")
    if source not in version_dirs:
        sys.exit(f"{root}: no v1_33")
    for path in glob.glob(os.path.join(source, "**", "*.rs"), recursive=True):
        text = open(path).read()
        name = re.search(r'fn schema_name\(\)[^{]*\{\s*"([^"]+)"\.into\(\)', text)
        if not name:
            continue
        properties = re.findall(r'^\s*"([^"]+)" => Field::Key_\w+,', text, re.M)
        schemas[name.group(1).lower()] = (name.group(1), properties)
    return schemas


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k8s-pb", default=None)
    parser.add_argument("--k8s-openapi", default=None)
    parser.add_argument("--kubectl", default=KUBECTL)
    parser.add_argument("--output", default=OUTPUT)
    args = parser.parse_args()
    k8s_pb = args.k8s_pb or newest("k8s-pb-0.9.*")
    k8s_openapi = args.k8s_openapi or newest("k8s-openapi-0.29.*")

    messages, groups = parse_k8s_pb(k8s_pb)
    schemas = parse_k8s_openapi(k8s_openapi)
    go_version, go_facts = gotypes.read_facts(args.kubectl)
    go_by_lower = {name.lower(): facts for name, facts in go_facts.items()}
    warnings = []

    # Real proto names: prost re-cased some (`IpBlock` for `IPBlock`); Go and OpenAPI did not.
    renames = {}
    for name in messages:
        package = name.rsplit(".", 1)[0]
        lower = name.lower()
        if lower in go_by_lower:
            real = f"{package}.{go_by_lower[lower].go_name}"
        elif openapi_name(name) in schemas:
            real = f"{package}.{schemas[openapi_name(name)][0].rsplit('.', 1)[1]}"
        else:
            real = None
        renames[name] = real
    # A message neither knows (an older version: apiextensions v1beta1) takes the case another
    # version's message of the same name has, when all agree.
    spellings = {}
    for name, real in renames.items():
        if real is not None:
            spellings.setdefault(real.rsplit(".", 1)[1].lower(), set()).add(real.rsplit(".", 1)[1])
    for name, real in renames.items():
        if real is None:
            package, short = name.rsplit(".", 1)
            known = spellings.get(short.lower(), set())
            renames[name] = f"{package}.{next(iter(known))}" if len(known) == 1 else name
    messages = {renames[name]: message for name, message in messages.items()}
    for message in messages.values():
        message.name = renames[message.name]
        message.form = FORMS.get(message.name, "Object")
        for field in message.fields:
            if field.message is not None:
                if field.message not in renames:
                    sys.exit(f"{message.name}.{field.snake}: unknown message {field.message}")
                field.message = renames[field.message]

    for name, facts in go_facts.items():
        if (facts.marshals_json and name in messages and name not in FORMS
                and name not in NOT_MESSAGES):
            sys.exit(f"{name} has its own MarshalJSON in Go but no form here")
        if facts.go_kind == "slice" and name in messages:
            message = messages[name]
            if [(f.number, f.label, f.scalar) for f in message.fields] != [(1, "repeated",
                                                                            "string")]:
                sys.exit(f"{name} is a Go slice but not a list of strings")
            message.form = "StringList"
    for message in messages.values():
        for field in message.fields:
            if field.message in NOT_MESSAGES:
                sys.exit(f"{message.name}.{field.snake} is a {field.message}")
    for name in FORMS:
        if name not in messages:
            sys.exit(f"{name}: no such message")

    counts = {"openapi": 0, "go": 0, "doc comment": 0, "other version": 0, "elsewhere": 0,
              "camel": 0}
    for message in messages.values():
        facts = go_by_lower.get(message.name.lower())
        schema = schemas.get(openapi_name(message.name))
        properties = {}
        if schema is not None:
            for prop in schema[1]:
                if norm(prop) in properties:
                    sys.exit(f"{schema[0]}: {prop} and {properties[norm(prop)]} collide")
                properties[norm(prop)] = prop
        for field in message.fields:
            go = facts.fields.get(field.number) if facts else None
            from_openapi = properties.get(norm(field.snake))
            if go is not None and go.inline:
                field.json = ""
                field.shape = "Inline"
                if field.message is None or field.label != "optional":
                    sys.exit(f"{message.name}.{field.snake}: inline but not a message")
                continue
            if from_openapi is not None:
                field.json = from_openapi
                counts["openapi"] += 1
                if go is not None and go.json_name != from_openapi:
                    warnings.append(f"{message.name}.{field.snake}: OpenAPI {from_openapi}, "
                                    f"Go {go.json_name}")
            elif go is not None:
                field.json = go.json_name
                counts["go"] += 1
            if go is not None and norm(go.json_name) != norm(field.snake):
                warnings.append(f"{message.name}.{field.snake}: Go names field {field.number} "
                                f"{go.json_name}")
            if field.label == "repeated":
                field.shape = "Repeated"
            elif field.label == "map":
                field.shape = "Map"
            elif field.message is not None:
                field.shape = "Present"
            elif go is not None and not go.pointer and go.omitempty:
                field.shape = "OmitZero"
            else:
                # A Go pointer, a field without omitempty, or no Go facts (a package kubectl
                # does not link, a field newer than it): what was sent is kept.
                field.shape = "Present"

    # Fields neither source knows (newer than kubectl 1.32 and OpenAPI v1.33, or in versions
    # both dropped) are named, first match wins: as their doc comment names them; as in the
    # message of the same name in another version of the group; as the same snake_case name is
    # everywhere else; or in lowerCamelCase with each word spelled as it is in the other names
    # (`share_id` -> `shareID`).
    siblings, known, spellings = {}, {}, {}
    for message in messages.values():
        package, short = message.name.rsplit(".", 1)
        for field in message.fields:
            if not field.json:
                continue
            key = (package.rsplit(".", 1)[0], short, field.snake)
            siblings.setdefault(key, set()).add(field.json)
            known.setdefault(field.snake, set()).add(field.json)
            words = field.snake.split("_")
            if re.fullmatch(r"[A-Za-z0-9]+", field.json):
                start = len(words[0])
                for word in words[1:]:
                    spelled = field.json[start:start + len(word)]
                    start += len(word)
                    votes = spellings.setdefault(word, {})
                    votes[spelled] = votes.get(spelled, 0) + 1
    for message in messages.values():
        package, short = message.name.rsplit(".", 1)
        for field in message.fields:
            if field.json is not None:
                continue
            sibling = siblings.get((package.rsplit(".", 1)[0], short, field.snake), set())
            same = known.get(field.snake, set())
            if field.doc_name is not None:
                field.json = field.doc_name
                counts["doc comment"] += 1
            elif len(sibling) == 1:
                field.json = next(iter(sibling))
                counts["other version"] += 1
            elif len(same) == 1:
                field.json = next(iter(same))
                counts["elsewhere"] += 1
            else:
                head, *rest = field.snake.split("_")
                field.json = head + "".join(
                    max(spellings[w].items(), key=lambda kv: (kv[1], kv[0]))[0]
                    if w in spellings else w[:1].upper() + w[1:] for w in rest)
                counts["camel"] += 1
                if field.json != camel(field.snake):
                    print(f"note: {message.name}.{field.snake} named {field.json}",
                          file=sys.stderr)

    names = sorted(messages)
    index = {name: i for i, name in enumerate(names)}
    if len(names) >= 1 << 16:
        sys.exit("too many messages for u16 indices")

    def ty(field):
        if field.message is not None:
            return f"Msg({index[field.message]})"
        return SCALARS[field.scalar]

    lines = []
    out = lines.append
    out("//! The wire schema of every Kubernetes protobuf message: GENERATED by")
    out("//! `hub/api/protobuf/generate.py` (see the README there); do not edit.")
    out("//!")
    out(f"//! Sources: {os.path.basename(k8s_pb)} (fields), {os.path.basename(k8s_openapi)} "
        f"v1_33 (JSON names),")
    out(f"//! kubectl v1.32 built with {go_version} (Go pointers, omitempty, inline fields).")
    out("//! JSON names: {} from OpenAPI, {} from Go only, {} from doc comments, {} as in "
        "another".format(counts["openapi"], counts["go"], counts["doc comment"],
                         counts["other version"]))
    out("//! version, {} as elsewhere, {} in lowerCamelCase.".format(counts["elsewhere"],
                                                                   counts["camel"]))
    out("")
    out("use super::Form::*;")
    out("use super::Shape::*;")
    out("use super::Ty::*;")
    out("use super::{Message, f, m};")
    out("")
    out("/// API group -> proto package prefix (the version is appended).")
    out("#[rustfmt::skip]")
    out("pub(super) static GROUPS: &[(&str, &str)] = &[")
    for group in sorted(groups):
        out(f'    ("{group}", "{groups[group]}"),')
    out("];")
    out("")
    out("/// Every message, sorted by name; `Msg(n)` is `MESSAGES[n]`.")
    out("#[rustfmt::skip]")
    out(f"pub(super) static MESSAGES: [Message; {len(names)}] = [")
    for name in names:
        message = messages[name]
        if not message.fields:
            out(f'    m("{name}", {message.form}, &[]),')
            continue
        out(f'    m("{name}", {message.form}, &[')
        for field in message.fields:
            out(f'        f({field.number}, "{field.json}", {ty(field)}, {field.shape}),')
        out("    ]),")
    out("];")
    with open(args.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    for warning in warnings:
        print("note:", warning, file=sys.stderr)
    print(f"{args.output}: {len(names)} messages, "
          f"{sum(len(m.fields) for m in messages.values())} fields; JSON names {counts}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
