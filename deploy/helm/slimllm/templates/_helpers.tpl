{{/* Namespace: namespaceOverride or the release's. */}}
{{- define "slimllm.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "slimllm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name. A release whose name already says what it is ("ollama", "slimllm", "ml-ollama") keeps
its name, so `helm upgrade --install ollama ...` still gives `deployment/ollama` as the otwld
chart did; other releases get "<release>-slimllm".
*/}}
{{- define "slimllm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if or (contains $name .Release.Name) (contains "ollama" .Release.Name) -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "slimllm.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "slimllm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slimllm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "slimllm.labels" -}}
helm.sh/chart: {{ include "slimllm.chart" . }}
{{ include "slimllm.selectorLabels" . }}
app.kubernetes.io/version: {{ (.Values.image.tag | default .Chart.AppVersion) | toString | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "slimllm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "slimllm.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "slimllm.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}

{{/* Where the data volume is mounted; the store is <mountPath>/models. */}}
{{- define "slimllm.mountPath" -}}
{{- default "/root/.ollama" .Values.ollama.mountPath | trimSuffix "/" -}}
{{- end -}}

{{- define "slimllm.modelsPath" -}}
{{- printf "%s/models" (include "slimllm.mountPath" .) -}}
{{- end -}}

{{/* "name" → "name:latest"; names that carry a tag stay as they are. */}}
{{- define "slimllm.taggedName" -}}
{{- if regexMatch ":[^/]+$" . -}}{{ . }}{{- else -}}{{ printf "%s:latest" . }}{{- end -}}
{{- end -}}

{{/* Models the server pulls and loads itself at start (SLIMLLM_PRELOAD), comma-separated. */}}
{{- define "slimllm.preload" -}}
{{- $names := list -}}
{{- if eq .Values.ollama.models.bootstrap "preload" -}}
{{- $names = concat $names (.Values.ollama.models.pull | default list) -}}
{{- end -}}
{{- $names = concat $names (.Values.ollama.models.run | default list) -}}
{{- $names | uniq | join "," -}}
{{- end -}}

{{/* Whether the models init container runs. */}}
{{- define "slimllm.needsModelInit" -}}
{{- $m := .Values.ollama.models -}}
{{- if or $m.create $m.clean (and $m.pull (eq $m.bootstrap "initContainer")) -}}true{{- end -}}
{{- end -}}

{{/*
OLLAMA_* and SLIMLLM_* settings from first-class values, as an env list. Names that extraEnv also
sets are left out so that extraEnv wins without duplicate entries.
*/}}
{{- define "slimllm.settingsEnv" -}}
{{- $o := .Values.ollama -}}
{{- $taken := dict -}}
{{- range .Values.extraEnv }}{{ $_ := set $taken (toString .name) true }}{{ end -}}
{{- $settings := list
  (list "OLLAMA_KEEP_ALIVE" $o.keepAlive)
  (list "OLLAMA_NUM_PARALLEL" $o.numParallel)
  (list "OLLAMA_MAX_LOADED_MODELS" $o.maxLoadedModels)
  (list "OLLAMA_MAX_QUEUE" $o.maxQueue)
  (list "OLLAMA_CONTEXT_LENGTH" $o.contextLength)
  (list "OLLAMA_KV_CACHE_TYPE" $o.kvCacheType)
  (list "OLLAMA_FLASH_ATTENTION" $o.flashAttention)
  (list "OLLAMA_LOAD_TIMEOUT" $o.loadTimeout)
  (list "OLLAMA_NOPRUNE" $o.noPrune)
  (list "OLLAMA_DEBUG" $o.debug)
  (list "OLLAMA_ORIGINS" (join "," ($o.origins | default list)))
  (list "SLIMLLM_SHUTDOWN_GRACE" $o.shutdownGraceSeconds)
  (list "SLIMLLM_MAX_REQUEST_BODY" .Values.limits.maxRequestBody)
  (list "SLIMLLM_MAX_UPLOAD" .Values.limits.maxUpload)
-}}
{{- range $settings }}
{{- $name := index . 0 }}{{ $value := index . 1 }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") (not (hasKey $taken $name)) }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Checks that fail the render with a message instead of producing a broken release. */}}
{{- define "slimllm.validate" -}}
{{- if .Values.ollama.gpu.enabled -}}
{{- fail "ollama.gpu.enabled: slimllm runs on CPUs and has no GPU support; remove the ollama.gpu block" -}}
{{- end -}}
{{- if .Values.knative.enabled -}}
{{- fail "knative.enabled: this chart has no Knative mode; use a Deployment (the default) with autoscaling" -}}
{{- end -}}
{{- if or .Values.gateway.enabled .Values.httpRoute.enabled -}}
{{- fail "gateway/httpRoute: Gateway API routes are not rendered by this chart; use ingress, ingressRoute or extraObjects" -}}
{{- end -}}
{{- if not (has .Values.ollama.models.bootstrap (list "initContainer" "preload")) -}}
{{- fail (printf "ollama.models.bootstrap must be initContainer or preload, not %q" (toString .Values.ollama.models.bootstrap)) -}}
{{- end -}}
{{- if not (has .Values.ollama.models.pullPolicy (list "IfNotPresent" "Always")) -}}
{{- fail (printf "ollama.models.pullPolicy must be IfNotPresent or Always, not %q" (toString .Values.ollama.models.pullPolicy)) -}}
{{- end -}}
{{- range .Values.ollama.models.create -}}
{{- if not .name -}}
{{- fail "ollama.models.create: every entry needs a name" -}}
{{- end -}}
{{- if and (not .template) (not .configMapRef) -}}
{{- fail (printf "ollama.models.create %s: give a template or a configMapRef" .name) -}}
{{- end -}}
{{- end -}}
{{- $grace := int (.Values.ollama.shutdownGraceSeconds | default 0) -}}
{{- $sleep := int (.Values.shutdown.preStopSleepSeconds | default 0) -}}
{{- $period := int .Values.terminationGracePeriodSeconds -}}
{{- if ge (add $grace $sleep) $period -}}
{{- fail (printf "ollama.shutdownGraceSeconds (%d) + shutdown.preStopSleepSeconds (%d) must stay below terminationGracePeriodSeconds (%d), or Kubernetes kills generations mid-drain" $grace $sleep $period) -}}
{{- end -}}
{{- end -}}
