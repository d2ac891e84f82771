#!/usr/bin/env python3
"""Host-side clients for tests/suites/net.sh (not a suite itself).

    net_clients.py stats PORT
    net_clients.py concurrent PORT N
    net_clients.py stalled PORT
    net_clients.py udp PORT COUNT
    net_clients.py link SOCKET up|down

PORT is where QEMU forwards the guest's port (hostfwd on 127.0.0.1);
SOCKET is QEMU's QMP socket (scripts/qemu-run.sh --qmp), where `link`
sets the link of the NIC's netdev n0.

Each command prints what it saw and exits 0 only when it saw what it should.
Every socket operation has a timeout.

QEMU's user networking (libslirp) listens on a forwarded port with a
backlog of one connection, and the host kernel drops what does not fit:
a burst of simultaneous connects only trickles in, through SYN
retransmissions, whatever the guest does. So `concurrent` opens its N
connections one at a time, each once slirp has taken the one before off
the listen queue, and holds them all open at once: the guest then has N
connections open together, which /stats shows, before any is answered.
"""
import json
import socket
import sys
import time

TIMEOUT = 60


def get(port, path):
    """The body of GET path, or raises."""
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\n\r\n")
    data = read_all(s)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise RuntimeError("GET %s: %r" % (path, head[:40]))
    return body


def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def stats(port):
    return int(get(port, "/stats"))


def listen_queue(port):
    """Connections waiting in the host's accept queue of port."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            field = line.split()
            if field[3] == "0A" and int(field[1].split(":")[1], 16) == port:
                return int(field[4].split(":")[1], 16)
    return 0


def wait_stats(port, want, seconds):
    """Polls /stats until it reads want; the last value read."""
    end = time.time() + seconds
    while True:
        n = stats(port)
        if n == want or time.time() > end:
            return n
        time.sleep(0.1)


def concurrent(port, n):
    before = stats(port)
    conns = []
    for _ in range(n):
        end = time.time() + TIMEOUT
        while listen_queue(port) and time.time() < end:
            time.sleep(0.001)
        conns.append(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT))
    during = wait_stats(port, before + n, 30)
    for s in conns:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    good = 0
    for s in conns:
        good += read_all(s).startswith(b"HTTP/1.0 200")
        s.close()
    after = wait_stats(port, before, 30)
    print("%d of %d answered; open fds before %d, with all open %d, after %d"
          % (good, n, before, during, after))
    return good == n and during == before + n and after == before


def stalled(port):
    """A client that never reads (the server blocks on it and must keep
    serving others), then one that closes in the middle of a transfer."""
    before = stats(port)
    idle = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    idle.sendall(b"GET /big?268435456 HTTP/1.0\r\n\r\n")
    time.sleep(3)  # the host's and slirp's buffers fill, the guest's send blocks
    page = get(port, "/")
    held = stats(port)
    idle.close()
    early = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    early.sendall(b"GET /big HTTP/1.0\r\n\r\n")
    got = 0
    while got < 100000:
        chunk = early.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    early.close()
    after = wait_stats(port, before, 30)
    print("served while blocked: %s; open fds before %d, with the reader "
          "stalled %d, after both left %d; read %d bytes before closing"
          % (b"hello from husk" in page, before, held, after, got))
    return b"hello from husk" in page and held == before + 1 and \
        after == before and got >= 100000


def udp(port, count):
    """count datagrams, 12 bytes to 1.6 KiB (fragmented on the way), each
    sent again after 5 s without an answer, at most twice: UDP may lose
    one, but each must come back, intact."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    good = resent = 0
    for i in range(count):
        msg = (b"datagram %d " % i) * (1 + i * 7)
        for attempt in range(3):
            resent += attempt > 0
            s.sendto(msg, ("127.0.0.1", port))
            try:
                back, _ = s.recvfrom(65536)
            except socket.timeout:
                continue
            good += back == msg
            break
    print("%d of %d datagrams came back intact (%d sent again)"
          % (good, count, resent))
    return good == count


def qmp_line(f):
    """The next QMP message that answers a command (events skipped)."""
    while True:
        line = f.readline()
        if not line:
            raise RuntimeError("QMP: the connection closed")
        msg = json.loads(line)
        if "return" in msg or "error" in msg:
            return msg


def link(path, state):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(path)
    f = s.makefile("r")
    f.readline()  # the greeting
    for cmd in ({"execute": "qmp_capabilities"},
                {"execute": "set_link",
                 "arguments": {"name": "n0", "up": state == "up"}}):
        s.sendall(json.dumps(cmd).encode() + b"\n")
        answer = qmp_line(f)
        if "error" in answer:
            print("QMP %s: %s" % (cmd["execute"], answer["error"]))
            return False
    s.close()
    print("link " + state)
    return True


def main():
    cmd = sys.argv[1]
    if cmd == "link":
        sys.exit(0 if link(sys.argv[2], sys.argv[3]) else 1)
    port = int(sys.argv[2])
    try:
        if cmd == "stats":
            print(stats(port))
            ok = True
        elif cmd == "concurrent":
            ok = concurrent(port, int(sys.argv[3]))
        elif cmd == "stalled":
            ok = stalled(port)
        elif cmd == "udp":
            ok = udp(port, int(sys.argv[3]))
        else:
            print("net_clients.py: unknown command " + cmd)
            ok = False
    except (OSError, RuntimeError, ValueError) as e:
        print("net_clients.py %s: %s" % (cmd, e))
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
