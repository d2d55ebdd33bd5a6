"""Stand-in kernel process for warm kernels (stdlib only, so it starts in milliseconds).

Jupyter starts this file as if it were the kernel::

    python -I -S _warmclient.py SOCKET -f CONNECTION_FILE

It asks the warm parent listening on SOCKET (``kpikit._warm``) to fork a fresh kernel for
CONNECTION_FILE in this process's working folder and environment, then stays alive exactly
as long as that kernel: it forwards interrupt and terminate signals to it and exits when
the kernel does. If this process is killed, the kernel sees its lifeline close and exits.
"""

import json
import os
import signal
import socket
import sys
import time


def main(argv: list[str]) -> int:
    sock_path, rest = argv[0], argv[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + 120  # the parent may still be importing
    while True:
        try:
            s.connect(sock_path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                print(f"kpikit warm kernels: no parent at {sock_path}", file=sys.stderr)
                return 1
            time.sleep(0.05)
    request = {"argv": rest, "cwd": os.getcwd(), "env": dict(os.environ)}
    s.sendall(json.dumps(request).encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = s.recv(64)
        if not chunk:
            return 1
        reply += chunk
    pid = int(reply)

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
        if signum == signal.SIGTERM:
            sys.exit(0)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    parent = os.getppid()
    s.settimeout(1.0)
    while True:  # the kernel holds the other end: EOF means it has exited
        try:
            if not s.recv(64):
                return 0
        except (InterruptedError, TimeoutError):
            if os.getppid() != parent:  # whoever started us is gone: stop the kernel
                forward(signal.SIGKILL, None)
                return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
