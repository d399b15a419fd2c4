#!/usr/bin/env bash
# Runs compat.py (the official openai and ollama Python clients) against a server it starts.
#
#   Scripts/server_compat/run.sh SERVER_CMD [ARG...]
#
# e.g. Scripts/server_compat/run.sh .build/debug/embed serve --port 8080
#
# It creates a throw-away virtual environment outside the repository (under ${TMPDIR:-/tmp}),
# installs openai and ollama there, starts SERVER_CMD, waits for GET /health, runs compat.py,
# then stops the server and removes the environment. Exit status: compat.py's, or 2 when the
# server does not come up.
#
# Environment:
#   EMBED_COMPAT_URL       server root the command listens on   (default http://127.0.0.1:8080)
#   EMBED_COMPAT_EXPECTED  JSON Lines of expected vectors       (default Tests/Fixtures/reference/minilm-dev-embeddings.jsonl.gz)
#   EMBED_COMPAT_LIMIT     use only the first N expected vectors (default 200)
#   EMBED_COMPAT_API_KEY   bearer token, if the server requires one
#   EMBED_COMPAT_MODEL     model name the clients send          (default: whatever the server lists)
#   EMBED_COMPAT_ALSO      other served models, checked at the same time: NAME=EXPECTED.jsonl[.gz] ...
#   EMBED_COMPAT_TIMEOUT   seconds to wait for /health          (default 120)
#   EMBED_COMPAT_VENV      reuse this virtual environment instead of a throw-away one
#   EMBED_COMPAT_LANGCHAIN set to 1 to also install langchain-openai and langchain-ollama and check them
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
url="${EMBED_COMPAT_URL:-http://127.0.0.1:8080}"
expected="${EMBED_COMPAT_EXPECTED:-$repo/Tests/Fixtures/reference/minilm-dev-embeddings.jsonl.gz}"
limit="${EMBED_COMPAT_LIMIT:-200}"
timeout="${EMBED_COMPAT_TIMEOUT:-120}"

server_pid=""
venv=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true   # graceful shutdown: SIGTERM
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if [[ -n "$venv" && -z "${EMBED_COMPAT_VENV:-}" ]]; then rm -rf "$venv"; fi
}
trap cleanup EXIT

if [[ -n "${EMBED_COMPAT_VENV:-}" ]]; then
    venv="$EMBED_COMPAT_VENV"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
else
    venv="$(mktemp -d "${TMPDIR:-/tmp}/embed-compat-venv.XXXXXX")"
    python3 -m venv "$venv"
fi
packages=(openai ollama)
[[ "${EMBED_COMPAT_LANGCHAIN:-0}" == 1 ]] && packages+=(langchain-openai langchain-ollama)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"

echo "compat: starting: $*" >&2
"$@" &
server_pid=$!

# Wait for GET /health (stdlib only, so no curl is needed).
if ! "$venv/bin/python" - "$url" "$timeout" "$server_pid" <<'PY'
import os, sys, time, urllib.request
url, timeout, pid = sys.argv[1].rstrip("/") + "/health", float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("compat: the server exited before answering " + url)
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit(f"compat: no answer from {url} within {timeout:.0f} s")
PY
then
    exit 2
fi

args=("$url" "$expected" --limit "$limit")
[[ -n "${EMBED_COMPAT_API_KEY:-}" ]] && args+=(--api-key "$EMBED_COMPAT_API_KEY")
[[ -n "${EMBED_COMPAT_MODEL:-}" ]] && args+=(--model "$EMBED_COMPAT_MODEL")
for also in ${EMBED_COMPAT_ALSO:-}; do args+=(--also "$also"); done
status=0
"$venv/bin/python" "$here/compat.py" "${args[@]}" || status=$?
exit "$status"
