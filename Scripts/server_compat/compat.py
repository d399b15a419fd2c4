#!/usr/bin/env python3
"""Checks the embedding server against the official `openai` and `ollama` Python clients.

LangChain's OpenAIEmbeddings and OllamaEmbeddings are checked too when langchain-openai and
langchain-ollama are installed (run.sh installs them with EMBED_COMPAT_LANGCHAIN=1).

Usage:
    python compat.py BASE_URL EXPECTED.jsonl[.gz] [--api-key KEY] [--model NAME] [--limit N]
                     [--also NAME=EXPECTED.jsonl[.gz] ...] [--also-limit N]

BASE_URL is the server root (e.g. http://127.0.0.1:8080). EXPECTED.jsonl has one JSON object per
line with "text" and "embedding" (the vector the served model must produce) and optionally "ids"
(the model's token ids for the text, used to check token-id input) -- the format of
Tests/Fixtures/reference/minilm-dev-embeddings.jsonl.gz (a name ending in .gz is read as gzip).

Every vector the clients return must have the expected length and a cosine of at least 0.99999
with the expected one. With --also, the server serves several models at once: every model's
checks run concurrently (one thread per model), each client must get each model's own vectors
by name, both listings must name every model, and an unknown name must be the SDKs' 404
(openai.NotFoundError with code model_not_found; ollama.ResponseError 404 "try pulling it").
Exits 0 when every check passes, 1 with one line per failure otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import threading
from typing import Callable, Sequence

MIN_COSINE = 0.99999


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def norm(a: Sequence[float]) -> float:
    return math.sqrt(sum(x * x for x in a))


class Checker:
    def __init__(self, prefix: str = "", shared: "Checker | None" = None) -> None:
        self.failures: list[str] = shared.failures if shared else []
        self._counts: list[int] = shared._counts if shared else [0]
        self._lock: threading.Lock = shared._lock if shared else threading.Lock()
        self.prefix = prefix

    @property
    def passed(self) -> int:
        return self._counts[0]

    def scoped(self, prefix: str) -> "Checker":
        """A checker sharing this one's results whose check names start with `prefix`."""
        return Checker(prefix, shared=self)

    def check(self, name: str, condition: bool, detail: str = "") -> None:
        name = f"{self.prefix}{name}"
        with self._lock:
            if condition:
                self._counts[0] += 1
            else:
                self.failures.append(f"{name}: {detail}" if detail else name)

    def vectors(self, name: str, actual: Sequence[Sequence[float]], expected: Sequence[Sequence[float]],
                texts: Sequence[str], unit_length: bool = False) -> None:
        if len(actual) != len(expected):
            self.check(name, False, f"{len(actual)} vectors for {len(expected)} inputs")
            return
        worst = (1.0, -1)
        for index, (a, e) in enumerate(zip(actual, expected)):
            if len(a) != len(e):
                self.check(name, False, f"input {index} ({texts[index][:40]!r}): {len(a)} dimensions, expected {len(e)}")
                return
            c = cosine(a, e)
            if c < worst[0]:
                worst = (c, index)
            if unit_length and abs(norm(a) - 1) > 1e-3:
                self.check(name, False, f"input {index}: norm {norm(a):.6f}, expected unit length")
                return
        c, index = worst
        self.check(name, c >= MIN_COSINE,
                   f"input {index} ({texts[index][:40]!r}) has cosine {c:.7f} < {MIN_COSINE}")

    def expect_error(self, name: str, call: Callable[[], object], error_type: type, status: int,
                     message_part: str | None = None) -> None:
        try:
            call()
        except error_type as error:  # noqa: PERF203
            code = getattr(error, "status_code", None)
            text = str(error)
            ok = code == status and (message_part is None or message_part in text)
            self.check(name, ok, f"got status {code}, message {text[:200]!r}")
            return
        except Exception as error:  # the wrong kind of failure
            self.check(name, False, f"raised {type(error).__name__}: {error}")
            return
        self.check(name, False, "the call succeeded; an error was expected")


def load_expected(path: str, limit: int | None) -> list[dict]:
    rows = []
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if "text" not in row or "embedding" not in row:
                raise SystemExit(f"{path}:{number}: each line needs 'text' and 'embedding'")
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    if not rows:
        raise SystemExit(f"{path}: no expected vectors")
    return rows


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def check_openai(checker: Checker, base_url: str, api_key: str | None, model: str, rows: list[dict]) -> None:
    import openai

    client = openai.OpenAI(base_url=base_url.rstrip("/") + "/v1", api_key=api_key or "no-key", max_retries=0)
    # The server rejects empty strings as OpenAI does; they are checked below instead.
    texted = [row for row in rows if row["text"]]
    texts = [row["text"] for row in texted]
    expected = [row["embedding"] for row in texted]

    # 1. SDK default: it asks for base64 and decodes it itself.
    got = []
    for batch in chunks(texts, 64):
        response = client.embeddings.create(model=model, input=batch)
        got.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))
        checker.check("openai usage", response.usage.prompt_tokens > 0 and
                      response.usage.total_tokens == response.usage.prompt_tokens,
                      f"usage {response.usage}")
    checker.vectors("openai default (base64)", got, expected, texts)

    # 2. Explicit float, one string at a time as mem0 sends it.
    got = []
    for text in texts[:16]:
        response = client.embeddings.create(model=model, input=[text], encoding_format="float")
        got.append(response.data[0].embedding)
    checker.vectors("openai float", got, expected[:16], texts[:16])

    # 3. A bare string.
    response = client.embeddings.create(model=model, input=texts[0], encoding_format="float")
    checker.vectors("openai single string", [response.data[0].embedding], expected[:1], texts[:1])

    # 4. Token ids, when the expectations carry the model's own ids.
    with_ids = [row for row in texted if row.get("ids")][:32]
    if with_ids:
        response = client.embeddings.create(model=model, input=[row["ids"] for row in with_ids])
        got = [item.embedding for item in sorted(response.data, key=lambda item: item.index)]
        checker.vectors("openai token ids", got, [row["embedding"] for row in with_ids],
                        [row["text"] for row in with_ids])

    # 5. dimensions: the first components, re-normalized.
    size = len(expected[0])
    short = max(1, size // 4)
    response = client.embeddings.create(model=model, input=texts[:8], dimensions=short)
    got = [item.embedding for item in sorted(response.data, key=lambda item: item.index)]
    checker.vectors("openai dimensions", got, [vector[:short] for vector in expected[:8]], texts[:8],
                    unit_length=True)
    checker.expect_error("openai dimensions above the model size",
                         lambda: client.embeddings.create(model=model, input="x", dimensions=size + 1),
                         openai.BadRequestError, 400)

    # 6. Errors in OpenAI's shape, parsed by the SDK.
    checker.expect_error("openai empty string", lambda: client.embeddings.create(model=model, input=""),
                         openai.BadRequestError, 400)

    # 7. Model listing.
    models = [entry.id for entry in client.models.list().data]
    checker.check("openai models.list", len(models) >= 1, f"models {models}")


def check_ollama(checker: Checker, base_url: str, api_key: str | None, model: str, rows: list[dict]) -> None:
    import ollama

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
    client = ollama.Client(host=base_url, headers=headers)
    texted = [row for row in rows if row["text"]]
    texts = [row["text"] for row in texted]
    expected = [row["embedding"] for row in texted]

    # mem0's start-up: list, pull when missing.
    listed = [entry.model for entry in client.list().models]
    checker.check("ollama list", len(listed) >= 1, f"models {listed}")
    pulled = client.pull(model, stream=False)
    checker.check("ollama pull", pulled.status == "success", f"status {pulled.status!r}")

    # /api/embed: batch, normalized.
    got = []
    for batch in chunks(texts, 64):
        response = client.embed(model=model, input=batch)
        got.extend(response.embeddings)
        checker.check("ollama embed prompt_eval_count", (response.prompt_eval_count or 0) > 0,
                      f"prompt_eval_count {response.prompt_eval_count}")
    checker.vectors("ollama embed", got, expected, texts, unit_length=True)

    # A single string, as mem0 sends it.
    response = client.embed(model=model, input=texts[0])
    checker.vectors("ollama embed single", response.embeddings, expected[:1], texts[:1], unit_length=True)

    # Legacy /api/embeddings.
    got = [client.embeddings(model=model, prompt=text).embedding for text in texts[:16]]
    checker.vectors("ollama embeddings (legacy)", got, expected[:16], texts[:16])

    # truncate=False on an input far beyond any context length.
    too_long = "word " * 20_000
    checker.expect_error("ollama truncate=False",
                         lambda: client.embed(model=model, input=too_long, truncate=False),
                         ollama.ResponseError, 400, "the input length exceeds the context length")


def served_model(base_url: str, api_key: str | None) -> str:
    """The first model GET /v1/models lists, or "default" when it cannot be read."""
    import urllib.request

    request = urllib.request.Request(base_url.rstrip("/") + "/v1/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["data"][0]["id"]
    except Exception:
        return "default"


def check_langchain(checker: Checker, base_url: str, api_key: str | None, model: str, rows: list[dict]) -> None:
    """LangChain's OpenAI and Ollama embeddings, when langchain-openai / langchain-ollama are installed."""
    texted = [row for row in rows if row["text"]][:32]
    texts = [row["text"] for row in texted]
    expected = [row["embedding"] for row in texted]
    try:
        from langchain_openai import OpenAIEmbeddings
    except ImportError:
        OpenAIEmbeddings = None
    if OpenAIEmbeddings is not None:
        # check_embedding_ctx_length=False: otherwise LangChain sends tiktoken ids, which only
        # OpenAI's own models understand (and downloads tiktoken's tables first).
        embeddings = OpenAIEmbeddings(model=model, base_url=base_url.rstrip("/") + "/v1", api_key=api_key or "no-key",
                                      check_embedding_ctx_length=False)
        checker.vectors("langchain OpenAIEmbeddings", embeddings.embed_documents(texts), expected, texts)
        checker.vectors("langchain OpenAIEmbeddings query", [embeddings.embed_query(texts[0])], expected[:1], texts[:1])
    try:
        from langchain_ollama import OllamaEmbeddings
    except ImportError:
        OllamaEmbeddings = None
    if OllamaEmbeddings is not None:
        kwargs = {"client_kwargs": {"headers": {"Authorization": f"Bearer {api_key}"}}} if api_key else {}
        embeddings = OllamaEmbeddings(model=model, base_url=base_url, **kwargs)
        checker.vectors("langchain OllamaEmbeddings", embeddings.embed_documents(texts), expected, texts, unit_length=True)


def check_several_models(checker: Checker, base_url: str, api_key: str | None, names: list[str]) -> None:
    """Listings name every served model; an unknown name is each SDK's 404."""
    import ollama
    import openai

    client = openai.OpenAI(base_url=base_url.rstrip("/") + "/v1", api_key=api_key or "no-key", max_retries=0)
    listed = {entry.id for entry in client.models.list().data}
    for name in names:
        # The name a client uses may be an alias: retrieving it gives the listed model.
        retrieved = client.models.retrieve(name).id
        checker.check(f"openai models.list has {name}", retrieved in listed, f"{name} is {retrieved}; listed {sorted(listed)}")
    checker.check("openai models.list has every model", len(listed) == len(names), f"listed {sorted(listed)}")
    try:
        client.embeddings.create(model="no-such-model", input="x")
        checker.check("openai unknown model", False, "the call succeeded; a 404 was expected")
    except openai.NotFoundError as error:
        checker.check("openai unknown model", error.code == "model_not_found", f"code {error.code!r}: {error}")

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
    ollama_client = ollama.Client(host=base_url, headers=headers)
    tags = [entry.model for entry in ollama_client.list().models]
    checker.check("ollama list has every model", len(tags) == len(listed), f"tags {tags}, openai {sorted(listed)}")
    checker.expect_error("ollama unknown model", lambda: ollama_client.embed(model="no-such-model", input="x"),
                         ollama.ResponseError, 404, "try pulling it first")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="server root, e.g. http://127.0.0.1:8080")
    parser.add_argument("expected", help="JSON Lines file with text/embedding[/ids]")
    parser.add_argument("--api-key", help="bearer token, when the server requires one")
    parser.add_argument("--model", default=None, help="model name the clients send "
                        "(default: the first one GET /v1/models lists)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N expected vectors")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=EXPECTED",
                        help="another model the server serves and its expected vectors; repeatable")
    parser.add_argument("--also-limit", type=int, default=12, help="expected vectors used per --also model")
    args = parser.parse_args(argv)

    rows = load_expected(args.expected, args.limit)
    model = args.model or served_model(args.base_url, args.api_key)
    checker = Checker()
    suites = [(model, rows, checker if not args.also else checker.scoped(f"[{model}] "))]
    for also in args.also:
        name, separator, path = also.partition("=")
        if not separator or not name or not path:
            raise SystemExit(f"--also takes NAME=EXPECTED.jsonl; got {also!r}")
        suites.append((name, load_expected(path, args.also_limit), checker.scoped(f"[{name}] ")))

    def run_suite(suite_model: str, suite_rows: list[dict], suite_checker: Checker) -> None:
        runs = (("openai", check_openai), ("ollama", check_ollama), ("langchain", check_langchain))
        for name, run in runs:
            try:
                run(suite_checker, args.base_url, args.api_key, suite_model, suite_rows)
            except Exception as error:  # a client that cannot even talk to the server
                suite_checker.check(f"{name} client", False, f"{type(error).__name__}: {error}")

    # Every model at once: each client must get each model's own vectors while the others run.
    threads = [threading.Thread(target=run_suite, args=suite) for suite in suites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if args.also:
        try:
            check_several_models(checker, args.base_url, args.api_key, [suite[0] for suite in suites])
        except Exception as error:
            checker.check("several models", False, f"{type(error).__name__}: {error}")

    for failure in checker.failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"compat: {checker.passed} passed, {len(checker.failures)} failed "
          f"({len(rows)} expected vectors, {args.base_url})")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
