"""GitHub's cmark-gfm (the C library inside the `cmarkgfm` package), called so nothing leaks.

`cmarkgfm`'s own wrappers never free the document tree nor the HTML they return (about 20 kB
per call, for the life of the process), and expose no way to edit the tree. This module calls
the same compiled library through ctypes: it frees both, and turns raw HTML into text, so that
`<b>` in a message is shown as `<b>`, as CommonMark parsers do with raw HTML turned off.
"""

from __future__ import annotations

import ctypes
import functools
import threading

import cmarkgfm._cmark as _compiled

_ENTER = 2  # CMARK_EVENT_ENTER
_DONE = 1  # CMARK_EVENT_DONE
_BLOCK, _INLINE = 0x8000, 0xC000  # CMARK_NODE_TYPE_BLOCK, CMARK_NODE_TYPE_INLINE
HTML_BLOCK, PARAGRAPH = _BLOCK | 6, _BLOCK | 8
TEXT, HTML_INLINE = _INLINE | 1, _INLINE | 5

OPTIONS = _compiled.lib.CMARK_OPT_VALIDATE_UTF8 | _compiled.lib.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
EXTENSIONS = (b"table", b"strikethrough")

_P = ctypes.c_void_p


class _Mem(ctypes.Structure):
    _fields_ = (("calloc", _P), ("realloc", _P), ("free", ctypes.CFUNCTYPE(None, _P)))


_SIGNATURES: dict[str, tuple[object, tuple[object, ...]]] = {
    "cmark_gfm_core_extensions_ensure_registered": (None, ()),
    "cmark_find_syntax_extension": (_P, (ctypes.c_char_p,)),
    "cmark_get_default_mem_allocator": (ctypes.POINTER(_Mem), ()),
    "cmark_parser_new": (_P, (ctypes.c_int,)),
    "cmark_parser_attach_syntax_extension": (ctypes.c_int, (_P, _P)),
    "cmark_parser_feed": (None, (_P, ctypes.c_char_p, ctypes.c_size_t)),
    "cmark_parser_finish": (_P, (_P,)),
    "cmark_parser_get_syntax_extensions": (_P, (_P,)),
    "cmark_parser_free": (None, (_P,)),
    "cmark_render_html": (_P, (_P, ctypes.c_int, _P)),
    "cmark_iter_new": (_P, (_P,)),
    "cmark_iter_next": (ctypes.c_int, (_P,)),
    "cmark_iter_get_node": (_P, (_P,)),
    "cmark_iter_free": (None, (_P,)),
    "cmark_node_get_type": (ctypes.c_int, (_P,)),
    "cmark_node_get_type_string": (ctypes.c_char_p, (_P,)),
    "cmark_node_get_literal": (ctypes.c_char_p, (_P,)),
    "cmark_node_set_literal": (ctypes.c_int, (_P, ctypes.c_char_p)),
    "cmark_node_new": (_P, (ctypes.c_int,)),
    "cmark_node_append_child": (ctypes.c_int, (_P, _P)),
    "cmark_node_replace": (ctypes.c_int, (_P, _P)),
    "cmark_node_free": (None, (_P,)),
}


class _Library:
    """The cmark-gfm functions used here, typed, with the core extensions registered."""

    def __init__(self) -> None:
        library = ctypes.CDLL(_compiled.__file__)
        for name, (result, arguments) in _SIGNATURES.items():
            function = getattr(library, name)
            function.restype = result
            function.argtypes = arguments
            setattr(self, name.removeprefix("cmark_"), function)
        self.gfm_core_extensions_ensure_registered()  # type: ignore[attr-defined]
        self.extensions = [self.find_syntax_extension(name) for name in EXTENSIONS]  # type: ignore[attr-defined]
        if not all(self.extensions):
            raise RuntimeError("cmark-gfm lacks the table or strikethrough extension")
        self.free = self.get_default_mem_allocator().contents.free  # type: ignore[attr-defined]
        self._check_node_types()

    def _check_node_types(self) -> None:
        """The node type numbers above are cmark-gfm's (they are not exported by name)."""
        for node_type, name in (
            (HTML_BLOCK, b"html_block"),
            (PARAGRAPH, b"paragraph"),
            (TEXT, b"text"),
            (HTML_INLINE, b"html_inline"),
        ):
            node = self.node_new(node_type)  # type: ignore[attr-defined]
            try:
                if not node or self.node_get_type_string(node) != name:  # type: ignore[attr-defined]
                    raise RuntimeError(f"unexpected cmark-gfm node type for {name.decode()}")
            finally:
                self.node_free(node)  # type: ignore[attr-defined]


_lock = threading.Lock()


@functools.cache
def _library() -> _Library:
    with _lock:  # extension registration is not thread-safe in cmark-gfm
        return _Library()


def _raw_html_as_text(lib: _Library, root: int) -> None:
    """Replace every raw HTML node with a text node of the same characters."""
    found: list[tuple[int, int]] = []
    walker = lib.iter_new(root)  # type: ignore[attr-defined]
    try:
        while (event := lib.iter_next(walker)) != _DONE:  # type: ignore[attr-defined]
            if event != _ENTER:
                continue
            node = lib.iter_get_node(walker)  # type: ignore[attr-defined]
            node_type = lib.node_get_type(node)  # type: ignore[attr-defined]
            if node_type in (HTML_INLINE, HTML_BLOCK):
                found.append((node, node_type))
    finally:
        lib.iter_free(walker)  # type: ignore[attr-defined]
    for node, node_type in found:
        literal: bytes = lib.node_get_literal(node) or b""  # type: ignore[attr-defined]
        text = lib.node_new(TEXT)  # type: ignore[attr-defined]
        if node_type == HTML_BLOCK:
            lib.node_set_literal(text, literal.rstrip(b"\n"))  # type: ignore[attr-defined]
            replacement = lib.node_new(PARAGRAPH)  # type: ignore[attr-defined]
            lib.node_append_child(replacement, text)  # type: ignore[attr-defined]
        else:
            lib.node_set_literal(text, literal)  # type: ignore[attr-defined]
            replacement = text
        lib.node_replace(node, replacement)  # type: ignore[attr-defined]
        lib.node_free(node)  # type: ignore[attr-defined]


def render_html(text: str) -> str:
    """CommonMark + GFM tables and ~~strikethrough~~ to HTML; raw HTML comes out as text.

    Unsafe link schemes (javascript:, vbscript:, file:, data: but images) lose their target,
    as cmark-gfm does without CMARK_OPT_UNSAFE; the caller still sanitizes the result.
    """
    lib = _library()
    source = text.encode("utf-8", "surrogatepass")  # invalid UTF-8 becomes U+FFFD
    parser = lib.parser_new(OPTIONS)  # type: ignore[attr-defined]
    root = None
    try:
        for extension in lib.extensions:
            lib.parser_attach_syntax_extension(parser, extension)  # type: ignore[attr-defined]
        lib.parser_feed(parser, source, len(source))  # type: ignore[attr-defined]
        root = lib.parser_finish(parser)  # type: ignore[attr-defined]
        if b"<" in source:  # no raw HTML without a '<'
            _raw_html_as_text(lib, root)
        extensions = lib.parser_get_syntax_extensions(parser)  # type: ignore[attr-defined]
        rendered = lib.render_html(root, OPTIONS, extensions)  # type: ignore[attr-defined]
        try:
            return ctypes.string_at(rendered).decode("utf-8", "replace")
        finally:
            lib.free(rendered)
    finally:
        if root:
            lib.node_free(root)  # type: ignore[attr-defined]
        lib.parser_free(parser)  # type: ignore[attr-defined]
