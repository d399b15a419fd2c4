#!/usr/bin/env python3
"""A bounded loopback load test of the embedding server (standard library only).

Usage:
    python load.py [BASE_URL] [--clients 32] [--requests 50] [--max-texts 16] [--route openai|ollama|tei] [--model NAME]
                   [--api-key KEY] [--seed 1] [--duration SECONDS]

Runs CLIENTS concurrent keep-alive connections, each sending REQUESTS embedding requests of 1 to
MAX_TEXTS random texts, then prints throughput and p50/p90/p99 latency. Fails (exit 1) on any
error: a non-200 status, a malformed body, or a wrong number of vectors. Only loopback servers
are accepted, and the run is bounded by CLIENTS x REQUESTS requests with a 120 s timeout each.
With --duration, each client instead keeps sending until SECONDS have passed (--requests is
then ignored), e.g. to keep a server busy while it is restarted behind a proxy.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import itertools
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse

WORDS = ("the quick brown fox jumps over a lazy dog while seven embedding vectors "
         "coalesce into shared batches on loopback servers under bounded load").split()

ROUTES = {
    "openai": ("/v1/embeddings", lambda texts, model: {"model": model, "input": texts, "encoding_format": "float"},
               lambda body: [item["embedding"] for item in body["data"]]),
    "ollama": ("/api/embed", lambda texts, model: {"model": model, "input": texts},
               lambda body: body["embeddings"]),
    "tei": ("/embed", lambda texts, model: {"inputs": texts}, lambda body: body),
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8080")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--max-texts", type=int, default=16)
    parser.add_argument("--route", choices=sorted(ROUTES), default="openai")
    parser.add_argument("--model", default="default",
                        help="the model name sent (a server of one model answers to any; TEI's route sends none)")
    parser.add_argument("--api-key")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, help="send until SECONDS have passed instead of --requests each")
    args = parser.parse_args(argv)

    url = urllib.parse.urlsplit(args.base_url)
    host, port = url.hostname or "", url.port or 80
    if url.scheme != "http" or not is_loopback(host):
        print(f"load: refusing {args.base_url}: only http on loopback (127.0.0.0/8, ::1, localhost)", file=sys.stderr)
        return 2
    if not (1 <= args.clients <= 256 and 1 <= args.requests <= 10_000 and 1 <= args.max_texts <= 2048):
        print("load: --clients 1…256, --requests 1…10000, --max-texts 1…2048", file=sys.stderr)
        return 2
    if args.duration is not None and not 0 < args.duration <= 3600:
        print("load: --duration 0…3600 seconds", file=sys.stderr)
        return 2

    path, make_body, vectors_of = ROUTES[args.route]
    headers = {"Content-Type": "application/json"}
    if args.api_key:
        headers["Authorization"] = f"Bearer {args.api_key}"

    latencies: list[float] = []
    errors: list[str] = []
    texts_sent = [0]
    lock = threading.Lock()
    deadline = None if args.duration is None else time.monotonic() + args.duration

    def client(number: int) -> None:
        rng = random.Random(args.seed * 10_007 + number)
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            for request in range(args.requests) if deadline is None else itertools.count():
                if deadline is not None and time.monotonic() >= deadline:
                    break
                count = rng.randint(1, args.max_texts)
                texts = [" ".join(rng.choices(WORDS, k=rng.randint(3, 40))) + f" #{number}.{request}.{i}"
                         for i in range(count)]
                payload = json.dumps(make_body(texts, args.model)).encode()
                start = time.perf_counter()
                try:
                    connection.request("POST", path, body=payload, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    elapsed = time.perf_counter() - start
                    if response.status != 200:
                        raise RuntimeError(f"status {response.status}: {data[:200]!r}")
                    vectors = vectors_of(json.loads(data))
                    if len(vectors) != count or any(not vector for vector in vectors):
                        raise RuntimeError(f"{len(vectors)} vectors for {count} texts")
                except Exception as error:  # record and reconnect
                    with lock:
                        errors.append(f"client {number} request {request}: {error}")
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=120)
                    if deadline is not None:
                        time.sleep(0.1)  # do not spin on a dead server until the deadline
                    continue
                with lock:
                    latencies.append(elapsed)
                    texts_sent[0] += count
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started

    latencies.sort()
    if deadline is None:
        total = args.clients * args.requests
        print(f"load: {args.route} {path}, {args.clients} clients x {args.requests} requests of 1-{args.max_texts} texts")
    else:
        total = len(latencies) + len(errors)
        print(f"load: {args.route} {path}, {args.clients} clients for {args.duration:g} s, requests of 1-{args.max_texts} texts")
    print(f"load: {len(latencies)}/{total} ok in {wall:.2f} s: {len(latencies) / wall:.1f} requests/s, "
          f"{texts_sent[0] / wall:.1f} texts/s")
    if latencies:
        print(f"load: latency p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
              f"p90 {percentile(latencies, 0.90) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms, mean {statistics.fmean(latencies) * 1000:.1f} ms")
    for error in errors[:20]:
        print(f"load: ERROR {error}", file=sys.stderr)
    if errors:
        print(f"load: {len(errors)} of {total} requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
