"""Reads the Go struct definitions of the Kubernetes API types out of a kubectl binary.

kubectl, like every Go program that encodes these types with encoding/json, carries their
reflection metadata: each struct's fields with their Go types and their tags
(`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`). The schema generator
needs three facts from it that the .proto files do not hold: whether a field is a Go pointer
(then a zero value on the wire is meaningful), whether its JSON tag has `omitempty`, and
whether it is embedded inline in JSON. This module parses the ELF file and the Go runtime's
type data directly (layout of Go 1.21 to 1.23, linux/amd64), with no dependency.
"""

import re
import struct

# reflect.Kind values (internal/abi/type.go).
KINDS = {
    1: "bool", 2: "int", 3: "int8", 4: "int16", 5: "int32", 6: "int64", 7: "uint",
    8: "uint8", 9: "uint16", 10: "uint32", 11: "uint64", 12: "uintptr", 13: "float32",
    14: "float64", 15: "complex64", 16: "complex128", 17: "array", 18: "chan", 19: "func",
    20: "interface", 21: "map", 22: "ptr", 23: "slice", 24: "string", 25: "struct",
    26: "unsafe.Pointer",
}
# Size of each kind's type descriptor (abi.Type is 48 bytes); the optional UncommonType
# (package path and methods) follows it.
DESCRIPTOR_SIZE = {"array": 72, "chan": 64, "func": 56, "interface": 80, "map": 88,
                   "ptr": 56, "slice": 56, "struct": 80}
TFLAG_UNCOMMON, TFLAG_EXTRA_STAR, TFLAG_NAMED = 1, 2, 4


class GoType:
    """One Go type: kind, name (`v1.PodSpec`), package path, and what it is made of."""

    def __init__(self, kind, name, pkg, named):
        self.kind, self.name, self.pkg, self.named = kind, name, pkg, named
        self.elem = None  # ptr, slice, array, map
        self.key = None  # map
        self.fields = []  # struct: (name, tag, embedded, GoType)
        self.methods = set()

    @property
    def short_name(self):
        return self.name.rsplit(".", 1)[-1]


class Binary:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        if self.data[:4] != b"\x7fELF" or self.data[4] != 2:
            raise SystemExit(f"{path}: not a 64-bit ELF file")
        self.sections = self._sections()
        self.go_version = self._go_version()
        if not re.fullmatch(r"go1\.2[123](\.\d+)?", self.go_version):
            raise SystemExit(f"{path}: built with {self.go_version}; this reader knows the "
                             "type layout of go1.21 to go1.23 only")
        self.types = self.sections[".rodata"][0]
        self.typelinks = self._typelinks()
        self.cache = {}

    def _sections(self):
        shoff = struct.unpack_from("<Q", self.data, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", self.data, 0x3A)
        headers = [struct.unpack_from("<IIQQQQIIQQ", self.data, shoff + i * shentsize)
                   for i in range(shnum)]
        names = headers[shstrndx][4]
        sections = {}
        for h in headers:
            end = self.data.index(b"\0", names + h[0])
            name = self.data[names + h[0]:end].decode()
            sections[name] = (h[3], h[4], h[5])  # address, file offset, size
        return sections

    def read(self, addr, n):
        for address, offset, size in self.sections.values():
            if address and address <= addr and addr + n <= address + size:
                start = offset + addr - address
                return self.data[start:start + n]
        raise KeyError(f"address {addr:#x} is not in a loaded section")

    def _go_version(self):
        _, offset, _ = self.sections[".go.buildinfo"]
        blob = self.data[offset:offset + 64]
        if blob[:14] != b"\xff Go buildinf:" or not blob[15] & 2:
            raise SystemExit("unsupported .go.buildinfo header")
        n, i = varint(blob, 32)
        return blob[i:i + n].decode()

    def _typelinks(self):
        """The typelinks table: offsets, from the start of .rodata, of the type descriptors the
        runtime may look up; every other type is reached from them."""
        _, offset, size = self.sections[".typelink"]
        return struct.unpack_from(f"<{size // 4}i", self.data, offset)

    def name(self, addr):
        """An encoded abi.Name: flags, varint length, bytes, then optionally a tag."""
        blob = self.read(addr, 3)
        flags = blob[0]
        n, i = varint(self.read(addr, 12), 1)
        blob = self.read(addr, i + n + 12)
        name = blob[i:i + n].decode()
        tag = ""
        if flags & 2:
            tn, j = varint(blob, i + n)
            tag = self.read(addr + j, tn).decode()
        return name, tag, bool(flags & 8)

    def type_at(self, addr):
        if addr in self.cache:
            return self.cache[addr]
        header = self.read(addr, 48)
        (_size, _ptrbytes, _hash, tflag, _align, _falign, kind, _equal, _gcdata, str_off,
         ptr_to_this) = struct.unpack("<QQIBBBBQQiI", header)
        kind = KINDS.get(kind & 0x1F, "?")
        name = self.name(self.types + str_off)[0]
        if tflag & TFLAG_EXTRA_STAR:
            name = name[1:]
        t = GoType(kind, name, "", bool(tflag & TFLAG_NAMED))
        self.cache[addr] = t
        if tflag & TFLAG_UNCOMMON:
            uncommon = addr + DESCRIPTOR_SIZE.get(kind, 48)
            pkg_off, mcount, _xcount, moff = struct.unpack("<iHHI", self.read(uncommon, 12))
            if pkg_off:
                t.pkg = self.name(self.types + pkg_off)[0]
            for m in range(mcount):
                method_name_off = struct.unpack("<i", self.read(uncommon + moff + 16 * m, 4))[0]
                t.methods.add(self.name(self.types + method_name_off)[0])
        if kind in ("ptr", "slice", "array"):
            t.elem = self.type_at(struct.unpack("<Q", self.read(addr + 48, 8))[0])
        elif kind == "map":
            key, elem = struct.unpack("<QQ", self.read(addr + 48, 16))
            t.key, t.elem = self.type_at(key), self.type_at(elem)
        elif kind == "struct":
            fields_ptr, count = struct.unpack("<QQ", self.read(addr + 56, 16))
            for i in range(count):
                name_ptr, type_ptr, _offset = struct.unpack("<QQQ",
                                                            self.read(fields_ptr + 24 * i, 24))
                field_name, tag, embedded = self.name(name_ptr)
                t.fields.append((field_name, tag, embedded, self.type_at(type_ptr)))
        if ptr_to_this:
            try:
                self.type_at(self.types + ptr_to_this)
            except KeyError:
                pass
        return t

    def all_types(self):
        for off in self.typelinks:
            try:
                self.type_at(self.types + off)
            except KeyError:
                pass  # a type whose parts live outside the file's loaded data
        return list(self.cache.values())


def varint(blob, i):
    result = shift = 0
    while True:
        byte = blob[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def tag_value(tag, key):
    match = re.search(r'(?:^|\s)' + key + r':"([^"]*)"', tag)
    return match.group(1) if match else None


def proto_package(go_pkg):
    """`k8s.io/api/core/v1` -> `k8s.io.api.core.v1`, as go-to-protobuf names packages."""
    return go_pkg.replace("-", "_").replace("/", ".")


class FieldFacts:
    """What Go says about one protobuf field of a struct."""

    def __init__(self, number, json_name, omitempty, inline, pointer, go_kind):
        self.number, self.json_name, self.omitempty = number, json_name, omitempty
        self.inline, self.pointer, self.go_kind = inline, pointer, go_kind


class MessageFacts:
    def __init__(self, go_type):
        self.go_name = go_type.short_name
        self.go_kind = go_type.kind
        self.fields = {}
        self.marshals_json = False


def read_facts(kubectl):
    """Go facts of every Kubernetes API type in `kubectl`, by proto message full name."""
    binary = Binary(kubectl)
    facts = {}
    pointers = {}
    for t in binary.all_types():
        if t.kind == "ptr" and t.elem is not None and t.elem.named:
            pointers[id(t.elem)] = t
    for t in binary.cache.values():
        if not t.named or not t.pkg.startswith("k8s.io/"):
            continue
        message = MessageFacts(t)
        ptr = pointers.get(id(t))
        message.marshals_json = "MarshalJSON" in t.methods or (
            ptr is not None and "MarshalJSON" in ptr.methods)
        for name, tag, _embedded, field_type in t.fields:
            proto = tag_value(tag, "protobuf")
            json_tag = tag_value(tag, "json")
            if proto is None or json_tag is None:
                continue
            parts = proto.split(",")
            number = int(parts[1])
            json_parts = json_tag.split(",")
            kind = field_type.kind
            message.fields[number] = FieldFacts(
                number=number,
                json_name=json_parts[0],
                omitempty="omitempty" in json_parts[1:],
                inline="inline" in json_parts[1:],
                pointer=kind == "ptr",
                go_kind=field_type.elem.kind if kind == "ptr" else kind,
            )
        facts[f"{proto_package(t.pkg)}.{t.short_name}"] = message
    return binary.go_version, facts
