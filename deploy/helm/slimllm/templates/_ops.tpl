{{/* The store's limits, the pull allow-list and the audit log as environment variables (values
     store, pullAllow, auditLog); extraEnv of the same name wins. */}}
{{- define "slimllm.opsEnv" -}}
{{- $taken := dict -}}
{{- range .Values.extraEnv }}{{ $_ := set $taken (toString .name) true }}{{ end -}}
{{- $audit := "" -}}
{{- if .Values.auditLog.enabled }}{{ $audit = .Values.auditLog.path | default "1" }}{{ end -}}
{{- $settings := list
  (list "SLIMLLM_STORE_QUOTA" .Values.store.quota)
  (list "SLIMLLM_BLOB_GRACE" .Values.store.blobGrace)
  (list "SLIMLLM_PULL_ALLOW" (join "," (.Values.pullAllow | default list)))
  (list "SLIMLLM_AUDIT_LOG" $audit)
-}}
{{- range $settings }}
{{- $name := index . 0 }}{{ $value := index . 1 }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") (not (hasKey $taken $name)) }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}
