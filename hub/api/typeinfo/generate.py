#!/usr/bin/env python3
"""Generates hub/api/src/typeinfo/table.txt, the per-field merge facts of the built-in types.

Inputs (facts only, no code is copied):
  * k8s-openapi 0.29 (feature v1_33): every schema type's fields, their JSON names (the serde
    code), their Rust types (for child types), the kinds (`impl Resource`) and the merge facts of
    `impl DeepMerge` (`merge_strategies::list::map(.., &[|lhs, rhs| lhs.container_port == ..])`,
    `list::atomic`, `list::set`, `map::atomic`, `map::granular`).
  * the upstream Kubernetes v1.33 definitions with their `x-kubernetes-*` extensions, as shipped
    in the `kubernetes-validate` package (`kubernetes-json-schema/v1.33.0-local/_definitions.json`,
    generated from kubernetes/kubernetes api/openapi-spec). k8s-openapi folds the strategic merge
    patch facts into one list kind (a patch merge key replaces the list-map keys, a merge strategy
    forces a map or set), drops `retainKeys` and `replace`, and does not know atomic structs
    (`x-kubernetes-map-type: atomic` on a definition), so those come from upstream; every list
    and map fact of k8s-openapi is checked against what upstream implies, and every difference is
    written to differences.md beside this file.

Run from the repository root (see README.md beside this file):
  python3 hub/api/typeinfo/generate.py --upstream /path/to/_definitions.json
"""

import argparse
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "src", "typeinfo", "table.txt"))
DEFAULT_REPORT = os.path.join(HERE, "differences.md")

SCALAR_TYPES = {
    "std::string::String", "i32", "i64", "f64", "bool", "crate::ByteString",
}
ANY_TYPES = {"crate::serde_json::Value"}

# Defaults of list-map key fields, which server-side apply uses for an item that omits the key
# (structured-merge-diff's getAssociativeKeyDefault). Neither k8s-openapi nor the upstream
# swagger-derived definitions carry defaults; these are the `+default="TCP"` markers of
# staging/src/k8s.io/api/core/v1/types.go on the only list-map keys that have one.
KEY_DEFAULTS = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_src = sorted(glob.glob(os.path.expanduser(
        "~/.cargo/registry/src/*/k8s-openapi-0.29.0/src/v1_33")))
    parser.add_argument("--k8s-openapi", default=default_src[0] if default_src else None,
                        help="k8s-openapi-0.29.0/src/v1_33 (default: the cargo registry copy)")
    parser.add_argument("--upstream", required=True,
                        help="kubernetes-json-schema v1.33.0-local/_definitions.json")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--report", default=DEFAULT_REPORT)
    return parser.parse_args()


class RustType:
    """What a k8s-openapi source file says about one generated type."""

    def __init__(self, definition, rust_path):
        self.definition = definition
        self.rust_path = rust_path
        self.kind = "struct"  # struct | scalar | any
        self.fields = []  # (rust name, rust type)
        self.json_names = {}  # rust name -> json name
        self.merge = {}  # rust name -> (strategy, keys, nested strategy)
        self.resource = None  # (group, version, kind)


def split_generic(text):
    """`Option<X>` -> ("Option", "X"); `a::B` -> (None, "a::B")."""
    match = re.fullmatch(r"([A-Za-z_:]+)<(.*)>", text)
    if not match:
        return None, text
    return match.group(1), match.group(2)


def parse_file(path, rust_module):
    text = open(path, encoding="utf-8").read()
    header = re.match(r"// Generated from definition (\S+)", text)
    if not header:
        return []
    definition = header.group(1)
    found = []
    tuple_struct = re.search(r"^pub struct (\w+)\(pub ([^)]*)\);", text, re.M)
    enum = re.search(r"^pub enum (\w+)", text, re.M)
    struct = re.search(r"^pub struct (\w+) \{\n(.*?)^\}", text, re.M | re.S)
    if tuple_struct:
        rust = RustType(definition, f"{rust_module}::{tuple_struct.group(1)}")
        inner = tuple_struct.group(2)
        rust.kind = "any" if inner in ANY_TYPES else "scalar"
        found.append(rust)
    elif enum:
        rust = RustType(definition, f"{rust_module}::{enum.group(1)}")
        rust.kind = "any" if "JSONSchemaPropsOr" in enum.group(1) else "scalar"
        found.append(rust)
    elif struct:
        rust = RustType(definition, f"{rust_module}::{struct.group(1)}")
        for name, ty in re.findall(r"^    pub (\w+): (.*),$", struct.group(2), re.M):
            rust.fields.append((name, ty))
        for json_name, key in re.findall(r'"([^"]+)" => Field::Key_(\w+),', text):
            rust.json_names[key] = json_name
        body = re.search(r"fn merge_from\(&mut self, other: Self\) \{\n(.*?)^    \}", text,
                         re.M | re.S)
        if body:
            parse_merge(body.group(1), rust.merge)
        resource = re.search(
            r'impl crate::Resource for \w+ \{\n.*?const GROUP: &\'static str = "([^"]*)";'
            r'\n.*?const KIND: &\'static str = "([^"]*)";\n.*?const VERSION: &\'static str = '
            r'"([^"]*)";', text, re.S)
        if resource:
            rust.resource = (resource.group(1), resource.group(3), resource.group(2))
        found.append(rust)
    return found


def parse_merge(body, out):
    """Statements of a `merge_from` body: `strategy(&mut self.field, other.field, ...)`."""
    statements = re.split(r"\n        (?=crate::)", "\n" + body)
    for statement in statements:
        head = re.match(
            r"\s*crate::(?:merge_strategies::(\w+)::(\w+)|DeepMerge::merge_from)\(\s*&mut self\.(\w+),",
            statement)
        if not head:
            continue
        kind, strategy, field = head.groups()
        if kind is None:
            out[field] = ("default", None, None)
            continue
        keys = None
        if (kind, strategy) == ("list", "map"):
            keys = re.findall(r"\|lhs, rhs\| lhs\.([\w.]+) == rhs\.", statement)
        nested = re.search(r"crate::merge_strategies::(\w+)::(\w+)\(current_item", statement)
        out[field] = (f"{kind}::{strategy}", keys,
                      f"{nested.group(1)}::{nested.group(2)}" if nested else None)


def load_k8s_openapi(root):
    types = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.rs"), recursive=True)):
        rel = os.path.relpath(path, root)
        if os.path.basename(rel) in ("mod.rs", "list.rs"):
            continue
        module = "crate::" + "::".join(os.path.dirname(rel).split(os.sep))
        types.extend(parse_file(path, module))
    return types


def rust_to_shape(ty, by_path):
    """A k8s-openapi field type as a table shape: s, *, [S], {S} or a definition name."""
    outer, inner = split_generic(ty)
    if outer == "Option" or outer == "Box" or outer == "std::boxed::Box":
        return rust_to_shape(inner, by_path)
    if outer == "std::vec::Vec":
        return "[" + rust_to_shape(inner, by_path) + "]"
    if outer == "std::collections::BTreeMap":
        key, value = inner.split(", ", 1)
        assert key == "std::string::String", ty
        return "{" + rust_to_shape(value, by_path) + "}"
    if ty in SCALAR_TYPES:
        return "s"
    if ty in ANY_TYPES:
        return "*"
    target = by_path.get(ty)
    if target is None:
        raise SystemExit(f"unknown Rust type {ty}")
    if target.kind == "scalar":
        return "s"
    if target.kind == "any":
        return "*"
    return target.definition


def upstream_list_facts(prop):
    """(smp, ssa) of a list property, as kube-apiserver reads them."""
    strategies = [s for s in (prop.get("x-kubernetes-patch-strategy") or "").split(",") if s]
    merge_key = prop.get("x-kubernetes-patch-merge-key")
    smp = None
    if "merge" in strategies:
        smp = ("merge,retainKeys" if "retainKeys" in strategies else "merge") + (
            f"/{merge_key}" if merge_key else "")
    list_type = prop.get("x-kubernetes-list-type")
    keys = prop.get("x-kubernetes-list-map-keys") or []
    # kube-openapi's schemaconv: the list type wins; else a merge strategy makes an associative
    # list keyed by the merge key (or a set); else atomic.
    if list_type == "map":
        ssa = "map/" + ",".join(keys)
    elif list_type == "set":
        ssa = "set"
    elif list_type == "atomic":
        ssa = None
    elif "merge" in strategies:
        ssa = f"map/{merge_key}" if merge_key else "set"
    else:
        ssa = None
    return smp, ssa


def k8s_openapi_rule(prop):
    """What k8s-openapi's codegen derives from the same extensions (for the cross-check)."""
    strategies = (prop.get("x-kubernetes-patch-strategy") or "").split(",")
    keys = prop.get("x-kubernetes-list-map-keys") or []
    if prop.get("x-kubernetes-patch-merge-key"):
        keys = [prop["x-kubernetes-patch-merge-key"]]
    list_type = prop.get("x-kubernetes-list-type") or "atomic"
    if "merge" in strategies:
        list_type = "map" if keys else "set"
    return ("list::map", keys) if list_type == "map" else (f"list::{list_type}", None)


def property_schema(prop):
    """The property with a lone `allOf: [{$ref}]` unwrapped."""
    if "allOf" in prop and len(prop["allOf"]) == 1:
        merged = dict(prop["allOf"][0])
        merged.update({k: v for k, v in prop.items() if k != "allOf"})
        return merged
    return prop


def main():
    args = parse_args()
    if not args.k8s_openapi or not os.path.isdir(args.k8s_openapi):
        raise SystemExit("k8s-openapi v1_33 sources not found; pass --k8s-openapi")
    upstream = json.load(open(args.upstream, encoding="utf-8"))
    upstream = upstream.get("$defs") or upstream.get("definitions") or upstream
    rust_types = load_k8s_openapi(args.k8s_openapi)
    by_path = {t.rust_path: t for t in rust_types}
    by_definition = {t.definition: t for t in rust_types}

    lines = []
    kinds = []
    differences = []  # (definition, field, k8s-openapi, upstream, note)
    smp_replace_only = []
    structs = sorted((t for t in rust_types if t.kind == "struct"), key=lambda t: t.definition)
    for rust in structs:
        definition = upstream.get(rust.definition, {})
        if not definition:
            differences.append((rust.definition, "", "type", "absent", "not in upstream v1.33"))
        properties = definition.get("properties", {})
        atomic = definition.get("x-kubernetes-map-type") == "atomic"
        fields = []
        for name, ty in rust.fields:
            json_name = rust.json_names.get(name)
            if json_name is None:
                raise SystemExit(f"{rust.definition}.{name}: no JSON name")
            shape = rust_to_shape(ty, by_path)
            prop = property_schema(properties.get(json_name, {}))
            facts = []
            fact = rust.merge.get(name, ("default", None, None))
            if shape.startswith("["):
                smp, ssa = upstream_list_facts(prop)
                if smp:
                    facts.append(f"smp={smp}")
                if ssa:
                    facts.append(f"ssa={ssa}")
                expected = k8s_openapi_rule(prop)
                got = (fact[0], json_keys(fact[1], shape, by_definition))
                if got != expected:
                    differences.append((rust.definition, json_name, fmt_fact(got),
                                        fmt_fact(expected), "k8s-openapi override"))
                ssa_keys = prop.get("x-kubernetes-list-map-keys")
                merge_key = prop.get("x-kubernetes-patch-merge-key")
                if merge_key and ssa_keys and ssa_keys != [merge_key]:
                    differences.append((rust.definition, json_name, fmt_fact(got),
                                        "patchMergeKey " + merge_key + "; listMapKeys " +
                                        ",".join(ssa_keys),
                                        "SSA keys differ from the SMP merge key: both recorded"))
                if not smp and prop.get("x-kubernetes-list-type") in ("map", "set"):
                    smp_replace_only.append(f"{rust.definition}.{json_name}")
            elif shape.startswith("{"):
                map_type = prop.get("x-kubernetes-map-type", "granular")
                if map_type == "atomic":
                    facts.append("ssa=atomic")
                expected = f"map::{map_type}"
                if fact[0] != expected:
                    differences.append((rust.definition, json_name, fact[0], expected,
                                        "map type"))
                if "replace" in (prop.get("x-kubernetes-patch-strategy") or ""):
                    facts.append("smp=replace")
            else:
                strategies = [s for s in (prop.get("x-kubernetes-patch-strategy") or "").split(",")
                              if s]
                if strategies:
                    facts.append("smp=" + ",".join(strategies))
                target = upstream.get(shape, {})
                field_map_type = prop.get("x-kubernetes-map-type")
                if field_map_type and field_map_type != target.get("x-kubernetes-map-type",
                                                                   "granular"):
                    facts.append(f"ssa={field_map_type}")
            default = KEY_DEFAULTS.get((rust.definition, json_name))
            if default is not None:
                facts.append(f"default={default}")
            if json_name not in properties and definition:
                differences.append((rust.definition, json_name, "field", "absent",
                                    "field not in upstream v1.33"))
            fields.append(";".join([f"{json_name}:{shape}"] + facts))
        if rust.resource:
            group, version, kind = rust.resource
            gv = f"{group}/{version}" if group else version
            kinds.append(f"K {gv}/{kind} {rust.definition}")
        lines.append("T " + rust.definition + ("!" if atomic else "") +
                     "".join(" " + f for f in sorted(fields)))

    with open(args.out, "w", encoding="utf-8") as out:
        out.write("# Generated by hub/api/typeinfo/generate.py from k8s-openapi 0.29.0 (v1_33) and\n")
        out.write("# the upstream v1.33 definitions; do not edit. Format: hub/api/src/typeinfo/parse.rs\n")
        for line in sorted(kinds) + lines:
            out.write(line + "\n")
    write_report(args.report, differences, smp_replace_only)
    print(f"{len(lines)} types, {len(kinds)} kinds, {len(differences)} differences -> {args.out}",
          file=sys.stderr)


def json_keys(keys, shape, by_definition):
    """k8s-openapi's list-map keys (Rust field paths of the item type) as JSON names."""
    if keys is None:
        return None
    item = by_definition.get(shape[1:-1])
    names = []
    for key in keys:
        head, _, rest = key.partition(".")
        json = item.json_names.get(head, head) if item else head
        names.append(json + ("." + rest if rest else ""))
    return names


def fmt_fact(fact):
    strategy, keys = fact
    return strategy + (f" [{', '.join(keys)}]" if keys else "")


def write_report(path, differences, smp_replace_only):
    with open(path, "w", encoding="utf-8") as out:
        out.write("# Where k8s-openapi's merge facts and upstream Kubernetes v1.33 differ\n\n")
        out.write("Generated by `generate.py`; do not edit. The table records both the strategic\n")
        out.write("merge patch facts (`smp=`) and the server-side apply facts (`ssa=`) from upstream.\n\n")
        out.write("| type | field | k8s-openapi | upstream | note |\n|---|---|---|---|---|\n")
        for row in sorted(differences):
            out.write("| " + " | ".join(str(cell) for cell in row) + " |\n")
        out.write("\nLists that server-side apply merges (`x-kubernetes-list-type` map or set) but\n")
        out.write("strategic merge patch replaces (no `x-kubernetes-patch-strategy`), where\n")
        out.write("k8s-openapi's `DeepMerge` merges them:\n\n")
        for field in sorted(smp_replace_only):
            out.write(f"- `{field}`\n")


if __name__ == "__main__":
    main()
