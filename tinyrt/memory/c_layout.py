"""C struct layout for two ABIs: sizeof and alignof from a list of field types.

A struct is written as a string of field types separated by spaces, e.g. ``"ptr ptr i32"``;
``T[n]`` is an array and ``@Name`` a nested struct from the same table. The rules are the C
ones: each field at the next multiple of its alignment, the struct's alignment the largest of
its fields', its size rounded up to that alignment.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class ABI:
    name: str
    pointer: int     # size and alignment of pointers, size_t, intptr_t and vtable pointers
    int64_align: int  # alignment of int64_t and double

    def scalar(self, t):
        """(size, alignment) of a scalar type name."""
        if t in ("ptr", "size", "vptr"):
            return self.pointer, self.pointer
        if t in ("i64", "u64", "f64"):
            return 8, self.int64_align
        if t in ("i32", "u32", "f32", "enum"):
            return 4, 4
        if t in ("i16", "u16"):
            return 2, 2
        if t in ("i8", "u8", "bool"):
            return 1, 1
        raise KeyError(f"unknown C type {t!r}")


HOST64 = ABI("host64", pointer=8, int64_align=8)       # x86-64 / AArch64 LP64
CORTEX_M = ABI("cortex_m", pointer=4, int64_align=8)   # AAPCS: 4-byte pointers, 8-byte int64


def align_to(n, a):
    return (n + a - 1) // a * a


def layout(spec, abi, table):
    """(size, alignment) of a struct written as field types (see module doc)."""
    offset, align = 0, 1
    for field in spec.split():
        count = 1
        if field.endswith("]"):
            field, n = field[:-1].split("[")
            count = int(n)
        if field.startswith("@"):
            size, a = layout(table[field[1:]], abi, table)
        else:
            size, a = abi.scalar(field)
        offset = align_to(offset, a) + size * count
        align = max(align, a)
    return align_to(max(offset, 1) if spec.split() else 0, align), align
