"""Helpers shared by the Python end-to-end tests that drive a polymcp server on loopback."""
import socket
import sys
import time


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_for_listener(port: int, seconds: float = 10.0) -> None:
    """Waits until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


def check(cond, what):
    """Prints `ok: what`, or `FAILED: what` and exits 1."""
    if not cond:
        print("FAILED:", what)
        sys.exit(1)
    print("ok:", what)
