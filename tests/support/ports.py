"""Free TCP ports on 127.0.0.1 for servers the tests start themselves."""

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
