#!/usr/bin/env python3
"""Small helpers for rolling_restart.sh (standard library only, loopback only).

    helpers.py ports N                       print N distinct free TCP ports on 127.0.0.1
    helpers.py wait-health URL TIMEOUT [PID] wait until GET URL answers 200 (exit 1 on timeout,
                                             or at once when process PID has exited)
    helpers.py summary ACCESS_LOG LOAD_OUTPUT...
                                             print the run's totals as shell assignments
"""

from __future__ import annotations

import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def process_gone(pid: int) -> bool:
    """True once PID has exited (a zombie counts: it has exited but is not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
            return False
        except OSError:
            return True


def wait_health(url: str, timeout: float, pid: int | None) -> int:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if pid is not None and process_gone(pid):
            print(f"helpers: process {pid} exited before {url} answered 200", file=sys.stderr)
            return 1
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return 0
                last = f"status {response.status}"
        except urllib.error.HTTPError as error:
            last = f"status {error.code}"
        except OSError as error:
            last = str(error)
        time.sleep(0.05)
    print(f"helpers: {url} did not answer 200 within {timeout:g} s ({last})", file=sys.stderr)
    return 1


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


LOAD_TOTAL = re.compile(r"^load: (\d+)/(\d+) ok in ")
ACCESS = re.compile(r'^\S+ (\d{3}) (\S+) (\S+) (\S+) upstream="([^"]*)" ustatus="([^"]*)"')


def summary(access_log: str, load_outputs: list[str]) -> int:
    ok = total = 0
    parsed = 0
    for path in load_outputs:
        try:
            text = open(path, errors="replace").read()
        except OSError:
            continue
        for line in text.splitlines():
            match = LOAD_TOTAL.match(line)
            if match:
                ok += int(match.group(1))
                total += int(match.group(2))
                parsed += 1
    latencies: list[float] = []
    non_200 = retried = 0
    per_upstream: dict[str, int] = {}
    try:
        lines = open(access_log, errors="replace").read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        match = ACCESS.match(line)
        if not match or match.group(3) != "POST":
            continue
        status, request_time, _, _, upstream, _ = match.groups()
        latencies.append(float(request_time))
        if status != "200":
            non_200 += 1
        tried = [address.strip() for address in upstream.replace(" : ", ", ").split(",") if address.strip()]
        if len(tried) > 1:
            retried += 1
        if tried:
            per_upstream[tried[-1]] = per_upstream.get(tried[-1], 0) + 1
    latencies.sort()
    print(f"requests={total}")
    print(f"errors={total - ok}")
    print(f"load_reports={parsed}")
    print(f"proxied={len(latencies)}")
    print(f"proxied_non_200={non_200}")
    print(f"retried={retried}")
    print(f"p50_ms={percentile(latencies, 0.50) * 1000:.0f}")
    print(f"p99_ms={percentile(latencies, 0.99) * 1000:.0f}")
    print(f"max_ms={(latencies[-1] if latencies else float('nan')) * 1000:.0f}")
    served = ", ".join(f"{address} {count}" for address, count in sorted(per_upstream.items()))
    print(f"served_by='{served}'")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "ports":
        print(" ".join(str(port) for port in free_ports(int(argv[1]))))
        return 0
    if len(argv) in (3, 4) and argv[0] == "wait-health":
        return wait_health(argv[1], float(argv[2]), int(argv[3]) if len(argv) == 4 else None)
    if len(argv) >= 2 and argv[0] == "summary":
        return summary(argv[1], argv[2:])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
