#!/usr/bin/env bash
# Rolling restart of two `embed serve` replicas behind nginx, under load, with zero client errors.
#
#   Scripts/scaleout/rolling_restart.sh EMBED_BINARY [MODEL]
#
# e.g. (from the repository root, where ./Models holds the default model)
#   Scripts/scaleout/rolling_restart.sh .build/release/embed
#   Scripts/scaleout/rolling_restart.sh .build/release/embed Models/all-MiniLM-L6-v2.embed
#
# What it does, all on 127.0.0.1 with ports picked at run time and files in one temporary dir:
#  1. Finds nginx, installing the Debian package (apt-get, through sudo when not root) if it is
#     missing, without starting or enabling the system's nginx service: invoke-rc.d is told not to
#     start it (policy-rc.d), and the links the package's postinst enabled are disabled again.
#  2. Starts replica 1 and replica 2: EMBED_BINARY serve --host 127.0.0.1 --port P
#     --log-level warning [--model MODEL] [--drain-seconds N], and waits for GET /health 200.
#  3. Runs its own nginx master (a child of this script, `daemon off`, -p/-c in the temp dir) from
#     nginx.conf.template beside this script: both replicas in one upstream, failed attempts
#     retried on the other replica (see the comments in the template for each directive).
#  4. Starts load through nginx for EMBED_SCALEOUT_SECONDS: Scripts/server_compat/load.py
#     --duration on the OpenAI route, and a second load.py on the Ollama route at the same time.
#  5. After EMBED_SCALEOUT_LEAD seconds of load, restarts the replicas one at a time: SIGTERM,
#     wait for the process to exit, start it again on the same port, wait for /health 200, wait
#     EMBED_SCALEOUT_SETTLE seconds (longer than nginx's fail_timeout), then the next replica.
#  6. Waits for the load to finish and prints
#       rolling restart: N requests, E errors, p50 X ms, p99 Y ms, restarts: 2
#     Exit status 0 only when every request got a 200 with the right vectors, both replicas came
#     back, and both restarts happened while the load was still running; 1 otherwise; 2 when the
#     setup (nginx, first start of the replicas) failed; 64 on a usage error.
#
# `embed serve --drain-seconds N` (when EMBED_BINARY's `serve --help` lists it) is passed so that a
# replica, on SIGTERM, first answers /health with 503 for N seconds while still serving requests
# and closing their connections (Connection: close), then stops accepting and finishes in-flight
# requests. Without it the rolling restart relies on nginx's retries alone.
#
# Environment (defaults in brackets; the whole run takes about EMBED_SCALEOUT_SECONDS + 5 s):
#   EMBED_SCALEOUT_CLIENTS         concurrent clients on POST /v1/embeddings            [8]
#   EMBED_SCALEOUT_OLLAMA_CLIENTS  concurrent clients on POST /api/embed, 0 for none    [2]
#   EMBED_SCALEOUT_MAX_TEXTS       each request embeds 1..N random texts                [8]
#   EMBED_SCALEOUT_SECONDS         how long the load runs; must cover both restarts     [30]
#   EMBED_SCALEOUT_LEAD            seconds of load before the first restart             [3]
#   EMBED_SCALEOUT_SETTLE          seconds between a replica's /health 200 and the next
#                                  restart; keep it above the template's fail_timeout   [2]
#   EMBED_SCALEOUT_DRAIN           --drain-seconds, when the binary supports it         [2]
#   EMBED_SCALEOUT_START_TIMEOUT   seconds a replica may take to answer /health 200     [60]
#   EMBED_SCALEOUT_STOP_TIMEOUT    seconds a replica may take to exit after SIGTERM
#                                  (on top of the drain); then SIGKILL and a failure    [30]
#   EMBED_SCALEOUT_SERVE_ARGS      extra `embed serve` arguments, split on spaces,
#                                  e.g. "--threads 1"                                    []
#   EMBED_SCALEOUT_NGINX           the nginx binary to use (skips the install)           [nginx]
#   EMBED_SCALEOUT_TEMPLATE        another nginx config template, e.g. to try a change
#                                  (same @PREFIX@/@LISTEN_PORT@/@REPLICAn_PORT@ names)
#                                                          [nginx.conf.template beside this file]
#   EMBED_SCALEOUT_KEEP            1: keep the temporary directory (logs, config)        [0]
#   TMPDIR                         where the temporary directory is made                 [/tmp]
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 64
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
load_py="$repo/Scripts/server_compat/load.py"
helpers="$here/helpers.py"

absolute() { [[ "$1" == /* ]] && printf '%s\n' "$1" || printf '%s\n' "$PWD/$1"; }
embed_bin="$1"
[[ "$embed_bin" == */* ]] && embed_bin="$(absolute "$embed_bin")" || embed_bin="$(command -v "$embed_bin" || true)"
if [[ -z "$embed_bin" || ! -x "$embed_bin" ]]; then
    echo "scaleout: $1 is not an executable" >&2
    exit 64
fi
model="${2:-}"
[[ -n "$model" && -e "$model" ]] && model="$(absolute "$model")"

clients="${EMBED_SCALEOUT_CLIENTS:-8}"
ollama_clients="${EMBED_SCALEOUT_OLLAMA_CLIENTS:-2}"
max_texts="${EMBED_SCALEOUT_MAX_TEXTS:-8}"
seconds="${EMBED_SCALEOUT_SECONDS:-30}"
lead="${EMBED_SCALEOUT_LEAD:-3}"
settle="${EMBED_SCALEOUT_SETTLE:-2}"
drain="${EMBED_SCALEOUT_DRAIN:-2}"
start_timeout="${EMBED_SCALEOUT_START_TIMEOUT:-60}"
stop_timeout="${EMBED_SCALEOUT_STOP_TIMEOUT:-30}"
read -r -a serve_extra <<<"${EMBED_SCALEOUT_SERVE_ARGS:-}"
for knob in clients ollama_clients max_texts seconds lead settle drain start_timeout stop_timeout; do
    if ! [[ "${!knob}" =~ ^[0-9]+$ ]]; then
        echo "scaleout: EMBED_SCALEOUT_${knob^^} must be a whole number, not '${!knob}'" >&2
        exit 64
    fi
done
(( clients >= 1 && seconds >= 1 && seconds <= 3600 )) || { echo "scaleout: need 1 or more clients and 1..3600 seconds" >&2; exit 64; }

log() { printf 'scaleout: %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# ---------------------------------------------------------------------------------------------
# Children and cleanup
work=""
nginx_pid=""
declare -a replica_pid=("" "")
declare -a load_pids=()
policy_rc_d_created=0
sudo_cmd=()
[[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)

# True while PID runs; false once it has exited, even before it is reaped (a zombie).
alive() {
    local state
    [[ -n "$1" ]] || return 1
    state="$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# stop_child PID SIGNAL TIMEOUT: send SIGNAL, wait up to TIMEOUT seconds, then SIGKILL; reaps it.
stop_child() {
    local pid="$1" signal="$2" timeout="$3" waited=0
    [[ -n "$pid" ]] || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    while alive "$pid" && (( waited < timeout * 10 )); do sleep 0.1; waited=$((waited + 1)); done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${load_pids[@]}"; do stop_child "$pid" TERM 5; done
    stop_child "${replica_pid[0]}" TERM 10
    stop_child "${replica_pid[1]}" TERM 10
    stop_child "$nginx_pid" QUIT 10      # graceful: finish open requests, then exit
    if (( policy_rc_d_created )); then "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d || true; fi
    if [[ -n "$work" && -d "$work" ]]; then
        if [[ "${EMBED_SCALEOUT_KEEP:-0}" == 1 ]]; then
            log "kept $work (logs/, nginx.conf, replica*.log, load-*.out)"
        else
            rm -rf "$work"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# 1. nginx (from the Debian package; the system service is never started or enabled)
find_nginx() {
    if [[ -n "${EMBED_SCALEOUT_NGINX:-}" ]]; then printf '%s\n' "$EMBED_SCALEOUT_NGINX"; return; fi
    command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true
}
nginx_bin="$(find_nginx)"
if [[ -z "$nginx_bin" ]]; then
    log "nginx is missing: installing the Debian package (its service stays stopped and disabled)"
    # invoke-rc.d asks /usr/sbin/policy-rc.d whether a package's postinst may start its service;
    # 101 means no. Only create one when there is none, and remove it again (cleanup).
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\n# rolling_restart.sh: do not start services during its apt-get install\nexit 101\n' \
            | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${sudo_cmd[@]}" chmod 755 /usr/sbin/policy-rc.d
        policy_rc_d_created=1
    fi
    apt_install() { "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx; }
    if ! apt_install; then
        "${sudo_cmd[@]}" apt-get update -q
        apt_install
    fi
    if (( policy_rc_d_created )); then "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d; policy_rc_d_created=0; fi
    # policy-rc.d only prevents the start: the postinst still enabled the service (systemd unit
    # symlink and SysV rc links). This run installed it only for its private nginx, so undo that.
    if command -v deb-systemd-helper >/dev/null; then
        "${sudo_cmd[@]}" deb-systemd-helper disable nginx.service >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null; then
        "${sudo_cmd[@]}" update-rc.d nginx disable >/dev/null 2>&1 || true
    fi
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
        "${sudo_cmd[@]}" systemctl disable --now nginx.service >/dev/null 2>&1 || true
    fi
    nginx_bin="$(find_nginx)"
    [[ -n "$nginx_bin" ]] || { log "nginx is still missing after apt-get install nginx"; exit 2; }
fi
log "nginx: $nginx_bin ($("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'))"

# ---------------------------------------------------------------------------------------------
# 2. Replicas
work="$(mktemp -d "${TMPDIR:-/tmp}/embed-scaleout.XXXXXX")"
# nginx's workers drop root for 'nobody' and must reach the temp paths inside this directory.
chmod 755 "$work"
mkdir -p "$work/logs" "$work/tmp"

read -r listen_port replica_port_1 replica_port_2 < <(python3 "$helpers" ports 3)
declare -a replica_port=("$replica_port_1" "$replica_port_2")

serve_args=(serve --host 127.0.0.1 --log-level warning)
[[ -n "$model" ]] && serve_args+=(--model "$model")
# The help is read whole first: `grep -q` would stop reading early, the binary would die of
# SIGPIPE, and with pipefail the test would read as "not supported".
serve_help="$("$embed_bin" serve --help 2>&1 || true)"
if grep -q -- '--drain-seconds' <<<"$serve_help"; then
    serve_args+=(--drain-seconds "$drain")
    drain_note="--drain-seconds $drain"
else
    drain="0"
    drain_note="no --drain-seconds (not supported by this binary)"
fi
serve_args+=("${serve_extra[@]}")

# start_replica INDEX: starts replica INDEX (0 or 1) on its port, appending to replicaN.log.
start_replica() {
    local index="$1"
    "$embed_bin" "${serve_args[@]}" --port "${replica_port[$index]}" \
        >>"$work/replica$((index + 1)).log" 2>&1 &
    replica_pid[$index]=$!
}
wait_replica() {
    local index="$1"
    python3 "$helpers" wait-health "http://127.0.0.1:${replica_port[$index]}/health" \
        "$start_timeout" "${replica_pid[$index]}"
}

log "replicas on 127.0.0.1:${replica_port[0]} and 127.0.0.1:${replica_port[1]}, $drain_note"
log "  $embed_bin ${serve_args[*]} --port P"
started="$(now)"
start_replica 0
start_replica 1
for index in 0 1; do
    if ! wait_replica "$index"; then
        log "replica $((index + 1)) did not come up; its log:"
        tail -n 20 "$work/replica$((index + 1)).log" >&2 || true
        exit 2
    fi
done
log "both replicas answer /health 200 after $(since "$started") s"

# ---------------------------------------------------------------------------------------------
# 3. nginx
sed -e "s|@PREFIX@|$work|g" -e "s|@LISTEN_PORT@|$listen_port|g" \
    -e "s|@REPLICA1_PORT@|${replica_port[0]}|g" -e "s|@REPLICA2_PORT@|${replica_port[1]}|g" \
    "${EMBED_SCALEOUT_TEMPLATE:-$here/nginx.conf.template}" >"$work/nginx.conf"
nginx_cmd=("$nginx_bin" -p "$work/" -c "$work/nginx.conf" -e "$work/logs/error.log")
if ! "${nginx_cmd[@]}" -t -q 2>"$work/nginx-t.log"; then
    log "nginx rejects the configuration:"
    cat "$work/nginx-t.log" >&2
    exit 2
fi
"${nginx_cmd[@]}" &
nginx_pid=$!
base="http://127.0.0.1:$listen_port"
if ! python3 "$helpers" wait-health "$base/health" 15 "$nginx_pid"; then
    log "nginx did not come up:"
    tail -n 20 "$work/logs/error.log" >&2 || true
    exit 2
fi
log "nginx (pid $nginx_pid) on $base"

# ---------------------------------------------------------------------------------------------
# 4. Load for the whole restart
load_started="$(now)"
python3 "$load_py" "$base" --route openai --clients "$clients" --max-texts "$max_texts" \
    --duration "$seconds" --seed 1 >"$work/load-openai.out" 2>&1 &
load_pids+=($!)
if (( ollama_clients > 0 )); then
    python3 "$load_py" "$base" --route ollama --clients "$ollama_clients" --max-texts "$max_texts" \
        --duration "$seconds" --seed 2 >"$work/load-ollama.out" 2>&1 &
    load_pids+=($!)
fi
log "load: $clients openai + $ollama_clients ollama clients for $seconds s through nginx"

# ---------------------------------------------------------------------------------------------
# 5. Rolling restart
sleep "$lead"
restarts=0
failed_restart=0
for index in 0 1; do
    name="replica $((index + 1))"
    pid="${replica_pid[$index]}"
    t0="$(now)"
    kill -TERM "$pid"
    waited=0
    while alive "$pid" && (( waited < (drain + stop_timeout) * 10 )); do sleep 0.1; waited=$((waited + 1)); done
    if alive "$pid"; then
        log "$name (pid $pid) still running $((drain + stop_timeout)) s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        failed_restart=1
    fi
    code=0
    wait "$pid" 2>/dev/null || code=$?
    stopped_after="$(since "$t0")"
    (( code == 0 )) || { log "$name exited with status $code after SIGTERM (expected 0)"; failed_restart=1; }
    t1="$(now)"
    start_replica "$index"
    if ! wait_replica "$index"; then
        log "$name did not come back on port ${replica_port[$index]}; its log:"
        tail -n 20 "$work/replica$((index + 1)).log" >&2 || true
        failed_restart=1
        break
    fi
    restarts=$((restarts + 1))
    log "$name: SIGTERM -> exited (status $code) in $stopped_after s -> /health 200 again in $(since "$t1") s"
    sleep "$settle"
done
restarts_done_at="$(since "$load_started")"
load_still_running=1
for pid in "${load_pids[@]}"; do alive "$pid" || load_still_running=0; done

# ---------------------------------------------------------------------------------------------
# 6. Results
load_failed=0
for pid in "${load_pids[@]}"; do wait "$pid" || load_failed=1; done
load_pids=()
for out in "$work"/load-*.out; do sed 's/^/  /' "$out" >&2; done

# Set by the summary (load_reports=0, a failure, if it cannot run):
requests=0 errors=0 load_reports=0 proxied=0 proxied_non_200=0 retried=0 p50_ms=nan p99_ms=nan max_ms=nan served_by=""
eval "$(python3 "$helpers" summary "$work/logs/access.log" "$work"/load-*.out)"
upstream_errors="$(grep -c '\[error\]' "$work/logs/error.log" || true)"
disabled="$(grep -c 'upstream server temporarily disabled' "$work/logs/error.log" || true)"
log "nginx: $proxied requests proxied, $proxied_non_200 answered other than 200, $retried retried on the" \
    "other replica; error.log: $upstream_errors upstream errors, $disabled 'temporarily disabled'"
log "served by: $served_by; max latency $max_ms ms"
if (( upstream_errors > 0 )); then
    grep '\[error\]\|\[warn\]' "$work/logs/error.log" | sed -E 's/^[0-9\/]+ [0-9:]+ //; s/[0-9]+#[0-9]+: (\*[0-9]+ )?//; s/, client: .*$//' \
        | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/  /' >&2
fi
for index in 0 1; do
    if [[ -s "$work/replica$((index + 1)).log" ]]; then
        log "replica $((index + 1)) logged (level warning and above):"
        tail -n 10 "$work/replica$((index + 1)).log" | sed 's/^/  /' >&2
    fi
done

status=0
if (( load_reports == 0 )); then
    log "FAIL: no load report (see the load output above)"; status=1
fi
if (( load_failed || errors > 0 || proxied_non_200 > 0 )); then
    log "FAIL: clients saw errors"; status=1
fi
if (( failed_restart || restarts < 2 )); then
    log "FAIL: a replica did not stop cleanly or did not come back"; status=1
fi
for index in 0 1; do
    if ! alive "${replica_pid[$index]}"; then log "FAIL: replica $((index + 1)) is not running at the end"; status=1; fi
done
if (( ! load_still_running )); then
    log "FAIL: the load ended before the restarts did (at $restarts_done_at s): raise EMBED_SCALEOUT_SECONDS"
    status=1
fi

echo "rolling restart: $requests requests, $errors errors, p50 $p50_ms ms, p99 $p99_ms ms, restarts: $restarts" \
     "($retried retried by nginx, $drain_note)"
exit "$status"
