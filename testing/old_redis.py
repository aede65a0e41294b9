"""A loopback server that answers as Redis 6.0 does (Ubuntu 22.04's `redis-server` is 6.0.16).

Debian's packages only hold newer servers, so this speaks the RESP protocol itself: `HELLO`
(RESP3), `AUTH`, `CLIENT`, `PING`, `SELECT`, `INFO` and `CONFIG GET` answer as 6.0 would; every
command 6.0 lacks (GETEX, SET … PXAT) gets its "unknown command" error, and so does anything
else this small server does not know.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

VERSION = "6.0.16"


_UNKNOWN_SETINFO = (
    b"-ERR Unknown subcommand or wrong number of arguments for 'SETINFO'. Try CLIENT HELP\r\n"
)


def _bulk(text: str) -> bytes:
    data = text.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


def _hello() -> bytes:
    fields = {"server": _bulk("redis"), "version": _bulk(VERSION), "proto": b":3\r\n"}
    fields |= {"id": b":7\r\n", "mode": _bulk("standalone"), "role": _bulk("master")}
    fields["modules"] = b"*0\r\n"
    return b"%%%d\r\n" % len(fields) + b"".join(_bulk(k) + v for k, v in fields.items())


def _answer(command: list[bytes]) -> bytes:
    name = command[0].decode(errors="replace").upper() if command else ""
    if name == "HELLO":
        return _hello()
    if name in {"AUTH", "CLIENT", "SELECT"}:
        if name == "CLIENT" and len(command) > 1 and command[1].upper() == b"SETINFO":
            return _UNKNOWN_SETINFO
        return b"+OK\r\n"
    if name == "PING":
        return b"+PONG\r\n"
    if name == "INFO":
        return _bulk(f"# Server\r\nredis_version:{VERSION}\r\nredis_mode:standalone\r\n")
    if name == "CONFIG" and len(command) > 2 and command[1].upper() == b"GET":
        return b"%1\r\n" + _bulk(command[2].decode()) + _bulk("noeviction")
    arguments = b"".join(b"`%s`, " % argument for argument in command[1:])
    return b"-ERR unknown command `%s`, with args beginning with: %s\r\n" % (
        name.encode(),
        arguments,
    )


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            header = self.rfile.readline()
            if not header.startswith(b"*"):
                return  # closed, or not a RESP array: hang up as Redis would
            command = []
            for _ in range(int(header[1:])):
                length = int(self.rfile.readline()[1:])
                command.append(self.rfile.read(length + 2)[:-2])
            self.wfile.write(_answer(command))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def redis_6_0(port: int = 0) -> Iterator[str]:
    """Serve on `port` (0: a free one) on loopback; yield its ``redis://`` URL."""
    server = _Server(("127.0.0.1", port), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.server_address[1]}/0"
    finally:
        server.shutdown()
        server.server_close()
