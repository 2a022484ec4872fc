"""A small TCP proxy that can be cut and restored: a database "restart" without touching the shared server.

`cut()` closes every open connection through it and refuses new ones (accepted, then closed at once,
as a server that is going down does); `restore()` lets connections through again.
"""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.is_cut = False
        self.stopped = False
        self.cuts = 0
        self.refused = 0  # connections refused while cut

    def start(self) -> TcpProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.is_cut:
                    self.refused += 1
                    _close(client)
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                _close(s)
            with self.lock:
                self.open.discard(src)
                self.open.discard(dst)

    def cut(self) -> int:
        """Drop every connection and refuse new ones; returns how many connections were dropped."""
        with self.lock:
            self.is_cut = True
            self.cuts += 1
            dropped = list(self.open)
            self.open.clear()
        for s in dropped:
            _close(s)
        return len(dropped) // 2

    def restore(self) -> None:
        with self.lock:
            self.is_cut = False

    def stop(self) -> None:
        self.stopped = True
        self.cut()
        _close(self.listener)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
