#!/usr/bin/env bash
# Builds the slimllm container image with podman and runs it the way a user would:
#   1. installs podman/runc/debootstrap if missing and makes localhost/debian:bookworm with
#      debootstrap if no such image is in the store (no registry is needed);
#   2. builds deploy/container/Containerfile and checks the image (binary, ollama link, env,
#      port, HEALTHCHECK, runtime libraries);
#   3. runs the server with a volume at /root/.ollama, checks it answers "Ollama is running",
#      /health, /ready and /metrics;
#   4. creates a model inside the container from tests/data/models/stories260K.gguf placed in the
#      volume (`slimllm create` with a Modelfile `FROM /path`), generates with it, runs
#      deploy/scripts/health-check.sh and the image's HEALTHCHECK against it;
#   5. stops it (SIGTERM must end it with exit 0), starts a new container on the same volume and
#      checks the model is still listed and still generates.
# Exits non-zero with a message at the first failure; prints a summary either way.
#
#   scripts/container-smoke.sh
#   SLIMLLM_CONTAINER_DIR=...  podman store, base rootfs and volume (default build-tools/container)
#   SMOKE_PORT=N               host port the server listens on (default: first free from 21434)
#   SMOKE_IMAGE=name:tag       image name (default localhost/slimllm:smoke)
#   BASE_IMAGE=...             base image for the build (default localhost/debian:bookworm)
#   SMOKE_BUILD=0              reuse SMOKE_IMAGE from the store instead of building it
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
state=${SLIMLLM_CONTAINER_DIR:-build-tools/container}
mkdir -p "$state"
state=$(cd "$state" && pwd)
image=${SMOKE_IMAGE:-localhost/slimllm:smoke}
base_image=${BASE_IMAGE:-localhost/debian:bookworm}
name=slimllm-smoke-$$
gguf=tests/data/models/stories260K.gguf
started=$(date +%s)
export CONTAINERS_CONF=$root/deploy/container/containers.conf

results=()
summary() {
  local status=$?
  set +e
  if [ -n "${container:-}" ]; then podman_ rm -f -t 0 "$container" >/dev/null 2>&1; fi
  echo
  echo "=== container smoke summary ($(($(date +%s) - started))s) ==="
  printf '%s\n' "${results[@]}"
  if [ "$status" -eq 0 ]; then echo "SMOKE: OK"; else echo "SMOKE: FAIL"; fi
}
trap summary EXIT
pass() {
  results+=("[PASS] $1")
  echo "smoke: ok: $1"
}
die() {
  results+=("[FAIL] $1")
  echo "smoke: FAILED: $1" >&2
  if [ -n "${container:-}" ]; then
    echo "--- last container log lines ---" >&2
    podman_ logs --tail 30 "$container" >&2 2>&1 || true
  fi
  exit 1
}

podman_() {
  podman --root "$state/storage" --runroot "$state/run" "$@"
}

# --- 1. tools and base image -------------------------------------------------------------------
need=()
for tool in podman runc debootstrap curl; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing ${need[*]}; install podman buildah runc debootstrap fuse-overlayfs uidmap curl as root"
  echo "smoke: installing podman and friends"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc debootstrap fuse-overlayfs uidmap curl \
    >/dev/null || die "apt-get install of podman failed"
fi
info=$(podman_ info --format '{{.Store.GraphDriverName}} {{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}' 2>&1) ||
  die "podman cannot use its store in $state: $info"
pass "podman $(podman --version | awk '{print $3}') (storage, runtime, cgroups: $info)"

if ! podman_ image exists "$base_image"; then
  [ "$base_image" = localhost/debian:bookworm ] || die "base image $base_image is not in the store"
  echo "smoke: making $base_image with debootstrap (about 2 minutes)"
  rm -rf "$state/rootfs"
  debootstrap --variant=minbase bookworm "$state/rootfs" http://deb.debian.org/debian >"$state/debootstrap.log" 2>&1 ||
    die "debootstrap failed (see $state/debootstrap.log)"
  rm -rf "$state/rootfs/var/cache/apt/archives/"*.deb "$state/rootfs/var/lib/apt/lists/"*
  tar -C "$state/rootfs" -c . | podman_ import - "$base_image" >/dev/null || die "podman import of the rootfs failed"
  rm -rf "$state/rootfs"
fi
pass "base image $base_image"

# --- 2. build and inspect the image --------------------------------------------------------------
build_start=$(date +%s)
if [ "${SMOKE_BUILD:-1}" = 0 ]; then
  podman_ image exists "$image" || die "SMOKE_BUILD=0 but $image is not in the store"
  echo "smoke: reusing $image (SMOKE_BUILD=0)"
elif ! podman_ build --format docker --build-arg BASE_IMAGE="$base_image" \
  --ignorefile deploy/container/Containerfile.dockerignore \
  -f deploy/container/Containerfile -t "$image" . >"$state/build.log" 2>&1; then
  tail -30 "$state/build.log" >&2
  die "podman build failed (full log: $state/build.log)"
fi
size=$(podman_ image inspect --format '{{.Size}}' "$image")
pass "image $image ($( [ "${SMOKE_BUILD:-1}" = 0 ] && echo reused || echo "built in $(($(date +%s) - build_start))s"), $((size / 1000000)) MB)"

run_in_image() { podman_ run --rm --network none --no-healthcheck --entrypoint "$1" "$image" "${@:2}"; }
version=$(run_in_image /usr/bin/slimllm --version 2>&1) || die "slimllm --version fails in the image: $version"
pass "slimllm --version in the image: $version"
link=$(run_in_image /bin/ollama --version 2>&1) || die "/bin/ollama --version fails in the image: $link"
pass "/bin/ollama runs slimllm: $link"
missing=$(run_in_image /bin/sh -c 'ldd /usr/bin/slimllm | grep "not found" || true')
[ -z "$missing" ] || die "runtime libraries missing in the image: $missing"
pass "every runtime library is in the image"
config=$(podman_ image inspect "$image" | tr -d ' \n')
for want in '"OLLAMA_HOST=0.0.0.0:11434"' '"11434/tcp"' '"Entrypoint":["/usr/bin/slimllm"]' '"Cmd":["serve"]' \
  '"Test":["CMD","/usr/bin/slimllm","health"'; do
  grep -qF -- "$want" <<<"$config" || die "the image config lacks $want (podman image inspect $image)"
done
pass "image config: OLLAMA_HOST, EXPOSE 11434, ENTRYPOINT, CMD serve, HEALTHCHECK slimllm health"

# --- 3. run the server -------------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${SMOKE_PORT:-}
if [ -z "$port" ]; then
  for port in $(seq 21434 21534); do port_free "$port" && break; done
fi
port_free "$port" || die "port $port is taken; set SMOKE_PORT"
url=http://127.0.0.1:$port
volume=$state/volume
rm -rf "$volume"
mkdir -p "$volume/import"
cp "$gguf" "$volume/import/"

start_server() {
  # Without systemd podman cannot schedule the HEALTHCHECK and says so on stderr; the check itself
  # still runs with `podman healthcheck run` below.
  container=$(podman_ run -d --name "$name-$1" --network host -e OLLAMA_HOST="127.0.0.1:$port" \
    -v "$volume:/root/.ollama" "$image" 2>"$state/run.err") || die "podman run failed: $(cat "$state/run.err")"
  local body=""
  for _ in $(seq 1 60); do
    body=$(curl -s --max-time 2 "$url/" 2>/dev/null || true)
    [ "$body" = "Ollama is running" ] && break
    if [ "$(podman_ inspect --format '{{.State.Running}}' "$container")" != true ]; then
      die "the server container exited (code $(podman_ inspect --format '{{.State.ExitCode}}' "$container")) instead of serving"
    fi
    sleep 0.5
  done
  [ "$body" = "Ollama is running" ] || die "GET / did not answer 'Ollama is running' within 30s (got '$body')"
}
http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

start_server first
pass "server answers 'Ollama is running' on $url"
for path in /health /ready /metrics; do
  status=""
  for _ in $(seq 1 20); do # /ready may take a moment after / answers
    status=$(http_status "$url$path")
    [ "$status" = 200 ] && break
    sleep 0.5
  done
  [ "$status" = 200 ] || die "GET $path answers $status, expected 200"
done
pass "/health, /ready and /metrics answer 200"

# --- 4. create a model from the GGUF in the volume, generate ------------------------------------
out=$(podman_ exec "$container" sh -c \
  'printf "FROM /root/.ollama/import/stories260K.gguf\n" >/tmp/Modelfile && slimllm create stories -f /tmp/Modelfile' 2>&1) ||
  die "slimllm create in the container failed: $out"
pass "slimllm create stories from the GGUF in the volume"

# generate: POST /api/generate with stories; sets $text, dies with the answer unless it finished.
generate() {
  local body
  body=$(curl -s --max-time 60 -H 'Content-Type: application/json' \
    -d '{"model":"stories","prompt":"Once upon a time","stream":false,"options":{"num_predict":16,"temperature":0}}' \
    "$url/api/generate") || die "POST /api/generate failed (curl exit $?)"
  grep -Eq '"done"[[:space:]]*:[[:space:]]*true' <<<"$body" || die "generation did not finish: $body"
  text=$(sed -n 's/.*"response"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$body")
  [ -n "$text" ] || die "generation returned no text: $body"
}
generate
pass "generate with stories: \"$text\""

check_log=$(deploy/scripts/health-check.sh --url "$url" --model stories --max-seconds 30 2>&1) ||
  die "deploy/scripts/health-check.sh against the container failed: $check_log"
pass "deploy/scripts/health-check.sh: $(tail -1 <<<"$check_log")"
check_log=$(podman_ exec "$container" slimllm health --model stories --max-seconds 30 2>&1) ||
  die "slimllm health in the container failed: $check_log"
pass "slimllm health --model stories in the container"
hc=$(podman_ healthcheck run "$container" 2>&1) || die "the image HEALTHCHECK reports unhealthy: $hc"
pass "image HEALTHCHECK healthy"

# --- 5. graceful stop, new container on the same volume --------------------------------------------
stop_start=$(date +%s)
podman_ stop -t 30 "$container" >/dev/null 2>>"$state/run.err" || die "podman stop failed: $(tail -3 "$state/run.err")"
code=$(podman_ inspect --format '{{.State.ExitCode}}' "$container")
[ "$code" = 0 ] || die "the server exited with $code on SIGTERM, expected 0"
pass "SIGTERM: exit 0 after $(($(date +%s) - stop_start))s"
podman_ rm "$container" >/dev/null 2>>"$state/run.err"
container=""

start_server second
tags=$(curl -s --max-time 10 "$url/api/tags")
grep -q '"stories:latest"' <<<"$tags" || die "after a restart /api/tags does not list stories:latest: $tags"
listed=$(podman_ exec "$container" ollama list 2>&1) || die "ollama list in the container failed: $listed"
grep -q '^stories:latest' <<<"$listed" || die "ollama list does not show stories:latest: $listed"
generate
pass "a new container on the same volume lists and runs stories:latest"
