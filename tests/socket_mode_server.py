"""A fake Slack Socket Mode server on loopback: a small WebSocket server, stdlib only.

Bolt's default ``SocketModeHandler`` uses slack_sdk's built-in client. It asks the Web API for
a URL (``apps.connections.open``; ``FakeSlack.socket_mode_url`` answers it) and then opens a
WebSocket there; it speaks TLS only when the port is 443, whatever the scheme says, so a plain
``ws://127.0.0.1:PORT/`` needs no certificate.

Like Slack, the server greets every connection with ``hello``, then sends envelopes on demand
and records the client's acks (``{"envelope_id": ..., "payload": ...}``) with their latency.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from tests.slack_requests import command_payload

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA
MAX_FRAME = 1 << 20


@dataclass
class Ack:
    """The client's answer to one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    sent_at: float
    received_at: float = field(default_factory=time.monotonic)

    @property
    def latency(self) -> float:
        """Seconds from sending the envelope to receiving its ack."""
        return self.received_at - self.sent_at


class _Connection:
    """One accepted WebSocket: unmasked frames out, masked frames in (RFC 6455)."""

    def __init__(self, sock: socket.socket, rfile: BinaryIO, path: str) -> None:
        self.sock = sock
        self.rfile = rfile
        self.path = path
        self.open = True
        self._send_lock = threading.Lock()

    def send(self, opcode: int, data: bytes) -> None:
        head = bytes([0x80 | opcode])
        if len(data) < 126:
            head += bytes([len(data)])
        elif len(data) < 1 << 16:
            head += bytes([126]) + struct.pack("!H", len(data))
        else:
            head += bytes([127]) + struct.pack("!Q", len(data))
        with self._send_lock:
            self.sock.sendall(head + data)

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(OP_TEXT, json.dumps(message).encode())

    def read_frame(self) -> tuple[int, bytes] | None:
        """The next frame's opcode and unmasked data; None when the peer has gone."""
        head = self.rfile.read(2)
        if len(head) < 2:
            return None
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self.rfile.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self.rfile.read(8))[0]
        if length > MAX_FRAME:
            return None
        mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
        data = self.rfile.read(length)
        if len(data) < length:
            return None
        return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    def close(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.send(OP_CLOSE, struct.pack("!H", 1001))
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class FakeSocketMode:
    """The server plus what it saw. Use as a context manager or call close()."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.connections: list[_Connection] = []
        self.acks: dict[str, Ack] = {}
        self.messages: list[dict[str, Any]] = []
        self._sent: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"ws://{host}:{self.port}/link/?ticket=fake-ticket"
        self._threads = [threading.Thread(target=self._accept_loop, name="fake-socket-mode", daemon=True)]
        self._threads[0].start()

    # ----- driving the client ---------------------------------------------------------------
    def wait_connected(self, *, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until ``count`` WebSocket handshakes have completed; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.connections) >= count, timeout)

    def wait_open(self, count: int, *, timeout: float = 10.0) -> bool:
        """Wait until exactly ``count`` client connections are open; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: sum(c.open for c in self.connections) == count, timeout)

    def send(self, message: dict[str, Any]) -> None:
        """Send a message on the newest open connection."""
        with self._cond:
            current = next((c for c in reversed(self.connections) if c.open), None)
        if current is None:
            raise AssertionError("no open Socket Mode connection")
        current.send_json(message)

    def send_envelope(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = True
    ) -> str:
        """Send a request envelope as Slack does; return its envelope_id."""
        envelope_id = f"env-{next(self._ids)}"
        with self._cond:
            self._sent[envelope_id] = time.monotonic()
        self.send(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
            }
        )
        return envelope_id

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        response_url: str = "",
        user_id: str = "U1",
        channel_id: str = "C1",
        timeout: float = 10.0,
    ) -> Ack:
        """Send a slash command envelope and wait for its ack."""
        payload = {
            **command_payload(
                command, text, user_id=user_id, channel_id=channel_id, response_url=response_url
            ),
            "is_enterprise_install": "false",
        }
        return self.wait_ack(self.send_envelope("slash_commands", payload), timeout=timeout)

    def wait_ack(self, envelope_id: str, *, timeout: float = 10.0) -> Ack:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no ack for {envelope_id} within {timeout}s; saw {list(self.acks)}")
            return self.acks[envelope_id]

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        self.send({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})

    def close(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._cond:
            connections = list(self.connections)
        for connection in connections:
            if connection.open:
                connection.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> FakeSocketMode:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    # ----- serving --------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            thread = threading.Thread(
                target=self._serve, args=(sock,), name="fake-socket-mode-conn", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        rfile = sock.makefile("rb")
        try:
            connection = self._handshake(sock, rfile)
            if connection is None:
                return
            connection.send_json(
                {
                    "type": "hello",
                    "num_connections": len(self.connections),
                    "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0001"},
                }
            )
            self._receive(connection)
        except OSError:
            pass
        finally:
            with self._cond:
                for connection in self.connections:
                    if connection.sock is sock:
                        connection.open = False
                self._cond.notify_all()
            rfile.close()
            sock.close()

    def _handshake(self, sock: socket.socket, rfile: BinaryIO) -> _Connection | None:
        request_line = rfile.readline(8192).decode("latin-1").strip()
        headers: dict[str, str] = {}
        while True:
            line = rfile.readline(8192).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key")
        parts = request_line.split()
        upgrade = headers.get("upgrade", "").lower() == "websocket"
        if not key or not upgrade or len(parts) < 3 or parts[0] != "GET":
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return None
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        connection = _Connection(sock, rfile, parts[1])
        with self._cond:
            self.connections.append(connection)
            self._cond.notify_all()
        return connection

    def _receive(self, connection: _Connection) -> None:
        while connection.open:
            frame = connection.read_frame()
            if frame is None:
                return
            opcode, data = frame
            if opcode == OP_PING:
                connection.send(OP_PONG, data)
            elif opcode == OP_CLOSE:
                connection.close()
                return
            elif opcode == OP_TEXT:
                self._record(json.loads(data))

    def _record(self, message: dict[str, Any]) -> None:
        with self._cond:
            envelope_id = message.get("envelope_id")
            if envelope_id in self._sent:
                self.acks[envelope_id] = Ack(envelope_id, message.get("payload"), self._sent[envelope_id])
            else:
                self.messages.append(message)
            self._cond.notify_all()
