#!/usr/bin/env bash
# The test command: prepares the machine (apt packages, default model), checks the server
# against the official openai and ollama Python clients, then runs every Swift test.
# `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh debug

# The real server, driven by the official clients (installed in a throw-away virtual
# environment), must return the library's vectors.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
EMBED_COMPAT_URL="http://127.0.0.1:$port" \
    Scripts/server_compat/run.sh "$(swift build --show-bin-path)/embed" serve --port "$port" --log-level warning

swift test 2>&1
