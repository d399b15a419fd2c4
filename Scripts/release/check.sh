#!/usr/bin/env bash
# Proves the release artifacts of Scripts/package.sh on a bare Debian: a minimal bookworm chroot
# (debootstrap --variant=minbase: no Swift, no OpenBLAS, no Python) with the network cut
# (unshare -n). For the tarball and for the .deb in turn:
#   - `embed encode` with the bundled model, found with no flag, gives the development build's
#     vector (cosine ≥ 0.99999);
#   - `embed serve` answers /health and /v1/embeddings (the .deb's started the way its unit does,
#     from /etc/default/embed);
#   - a model converted elsewhere and copied into share/embed/models is found by name by
#     `models`, `encode` and `serve`;
# then the .deb is removed (only the conffile and the operator's model stay) and purged.
# Prints the artifact sizes and the time from unpacking the tarball to its first vector.
# Needs root. Usage: Scripts/release/check.sh   (after Scripts/package.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "check: needs root (debootstrap, chroot, unshare)" >&2; exit 1; }
    exec sudo --preserve-env=PATH "$0" "$@"
fi

Scripts/install_packages.sh debootstrap iproute2 curl util-linux
tarball="$(ls -t dist/swift-embed-*-linux-*.tar.gz | head -1)"
deb="$(ls -t dist/swift-embed_*.deb | head -1)"
[ -f "$tarball" ] && [ -f "$deb" ] || { echo "check: run Scripts/package.sh first" >&2; exit 1; }

# The development build, for the reference vector and to convert a second (tiny) model.
Scripts/setup.sh debug
dev="$(swift build --show-bin-path)/embed"
text="Air-gapped servers copy files; nothing else."
"$dev" encode --model Models/all-MiniLM-L6-v2.embed "$text" >"$repo/.build-package/dev-vector.jsonl"
extra="$repo/.build-package/tiny-cls-normalize.embed"
"$dev" convert Tests/Fixtures/tiny/tiny-cls-normalize "$extra" --name tiny-cls-normalize >/dev/null

# One minimal Debian, made once and copied for each check.
base="$repo/.build-package/chroot-bookworm"
if [ ! -x "$base/usr/bin/dpkg" ]; then
    rm -rf "$base"
    debootstrap --variant=minbase bookworm "$base" >"$repo/.build-package/debootstrap.log" 2>&1 \
        || { tail -20 "$repo/.build-package/debootstrap.log" >&2; exit 1; }
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

same_vector() {  # same_vector FILE: its first line's embedding against the development build's
    python3 - "$repo/.build-package/dev-vector.jsonl" "$1" <<'PY'
import json, math, sys
a, b = (json.loads(open(path).readline())["embedding"] for path in sys.argv[1:3])
cosine = sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
print(f"cosine {cosine:.7f}, max |Δ| {max(abs(x - y) for x, y in zip(a, b)):.2e}")
sys.exit(0 if len(a) == len(b) and cosine >= 0.99999 else 1)
PY
}

# Runs a command in the chroot with no network (and its own /proc, for /proc/self/exe).
offline() {  # offline ROOT COMMAND...
    local root="$1"; shift
    unshare --net --fork --pid --mount-proc="$root/proc" chroot "$root" "$@"
}

# Starts `serve` in the chroot on a network namespace of its own with only loopback, and drives
# it with the host's curl from inside that namespace.
serve_check() {  # serve_check ROOT MODEL_NAME SERVE_COMMAND (a shell line run inside the chroot)
    local root="$1" model="$2" command="$3"
    unshare --net --fork --pid --mount-proc="$root/proc" bash -s "$root" "$model" "$command" <<'SH'
set -euo pipefail
root="$1"; model="$2"; command="$3"
ip link set lo up
chroot "$root" /bin/sh -c "$command" >/tmp/serve.log 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:8080/health >/dev/null && break; sleep 0.1; done
echo "GET /health: $(curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/health)"
curl -fsS http://127.0.0.1:8080/v1/embeddings -H 'Content-Type: application/json' \
    -d "{\"model\": \"$model\", \"input\": [\"one\", \"two\"]}" \
    | python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["data"]), "vectors of", len(d["data"][0]["embedding"]), "dimensions")'
kill -TERM "$server"; wait "$server" || true
SH
}

echo "== tarball $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
root="$work/tarball"
cp -a "$base" "$root"
started=$(date +%s.%N)
tar -xzf "$tarball" -C "$root/opt"
mv "$root"/opt/swift-embed-* "$root/opt/swift-embed"
offline "$root" /opt/swift-embed/bin/embed encode "$text" >"$work/tarball.jsonl"
finished=$(date +%s.%N)
same_vector "$work/tarball.jsonl"
echo "unpacked to first vector: $(python3 -c "print(f'{$finished - $started:.2f}')") s"
offline "$root" /opt/swift-embed/bin/embed --version
cp "$extra" "$root/opt/swift-embed/share/embed/models/"
offline "$root" /bin/sh -c 'PATH=/opt/swift-embed/bin:$PATH; embed models' | tee "$work/models.txt"
grep -q tiny-cls-normalize "$work/models.txt" && grep -q all-MiniLM-L6-v2 "$work/models.txt"
offline "$root" /opt/swift-embed/bin/embed encode --model tiny-cls-normalize "$text" >/dev/null
serve_check "$root" all-MiniLM-L6-v2 "/opt/swift-embed/bin/embed serve --port 8080 --log-level warning"
serve_check "$root" tiny-cls-normalize "/opt/swift-embed/bin/embed serve --port 8080 --log-level warning --model tiny-cls-normalize"

echo "== package $(basename "$deb") ($(du -h "$deb" | cut -f1))"
root="$work/deb"
cp -a "$base" "$root"
cp "$deb" "$root/tmp/swift-embed.deb"
offline "$root" dpkg -i /tmp/swift-embed.deb
offline "$root" embed encode "$text" >"$work/deb.jsonl"
same_vector "$work/deb.jsonl"
[ -f "$root/lib/systemd/system/embed.service" ] && [ ! -e "$root/etc/systemd/system/multi-user.target.wants/embed.service" ]
# As the unit starts it: settings from /etc/default/embed.
serve_check "$root" all-MiniLM-L6-v2 'set -a; . /etc/default/embed; exec /usr/bin/embed serve --host "$EMBED_HOST" --port "$EMBED_PORT" --log-level warning'
cp "$extra" "$root/usr/share/embed/models/"
offline "$root" embed models | grep -q tiny-cls-normalize
serve_check "$root" tiny-cls-normalize '/usr/bin/embed serve --port 8080 --log-level warning --model tiny-cls-normalize'
installed="$(offline "$root" dpkg -L swift-embed)"
offline "$root" dpkg -r swift-embed
left=""
while read -r path; do
    [ -f "$root$path" ] && left+="$path "
done <<<"$installed"
[ "$left" = "/etc/default/embed " ] || { echo "check: dpkg -r left: $left" >&2; exit 1; }
[ -f "$root/usr/share/embed/models/tiny-cls-normalize.embed" ] \
    || { echo "check: dpkg -r removed the operator's model" >&2; exit 1; }
offline "$root" dpkg --purge swift-embed
[ ! -e "$root/etc/default/embed" ] || { echo "check: dpkg --purge left /etc/default/embed" >&2; exit 1; }
echo "dpkg -r left only the conffile and the operator's model; --purge removed the conffile"
echo "== release check passed"
