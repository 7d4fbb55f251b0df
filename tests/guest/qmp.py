#!/usr/bin/env python3
"""Sends QMP commands to a QEMU the guest tests started.

    qmp.py SOCKET [--wait-for FILE MARKER] COMMAND...

Each COMMAND is a JSON object such as '{"execute": "cont"}'.  The script
waits (up to 120 s) for QEMU's QMP socket, and with --wait-for first until
FILE (a console log) contains MARKER; then it runs qmp_capabilities and
the commands in order, printing each reply.  Exit status 0 when every
command returned, 1 on an error reply or a timeout, 2 on bad usage.
"""
import json
import socket
import sys
import time


def wait(pred, what, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.1)
    sys.exit(f"qmp: timed out waiting for {what}")


def connect(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
    except OSError:
        s.close()
        return None
    return s


def contains(path, marker):
    try:
        with open(path, errors="replace") as f:
            return marker in f.read()
    except OSError:
        return False


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, args = argv[1], argv[2:]
    if args[:1] == ["--wait-for"]:
        if len(args) < 3:
            print(__doc__, file=sys.stderr)
            return 2
        console, marker, args = args[1], args[2], args[3:]
        wait(lambda: contains(console, marker), f"'{marker}' in {console}")
    try:
        cmds = [json.loads(a) for a in args]
    except json.JSONDecodeError as e:
        print(f"qmp: bad command JSON: {e}", file=sys.stderr)
        return 2
    s = wait(lambda: connect(path), f"QMP at {path}")
    f = s.makefile("rw")
    f.readline()  # greeting
    ok = True
    for cmd in [{"execute": "qmp_capabilities"}] + cmds:
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                sys.exit("qmp: QEMU closed the connection")
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                break
        print(cmd.get("execute"), reply)
        ok = ok and "return" in reply
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
