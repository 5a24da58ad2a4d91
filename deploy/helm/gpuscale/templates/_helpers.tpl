{{/*
Names are fixed (gpuscale-agent, gpuscale-adapter, ...), as in deploy/base: the APIServices are
cluster-wide, so one cluster holds one gpuscale release, and the kustomize install and the chart
make the same objects.
*/}}

{{/* chart name and version, for the helm.sh/chart label */}}
{{- define "gpuscale.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels of every object. Call with (dict "root" $ "component" "agent"|"adapter"), or without a
component for what belongs to both (the namespace).
*/}}
{{- define "gpuscale.labels" -}}
{{ include "gpuscale.selectorLabels" . }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: gpuscale
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
helm.sh/chart: {{ include "gpuscale.chart" .root }}
{{- end -}}

{{/*
Selector labels: the name only, as in deploy/base, so that the chart's and the manifests' pods are
selected alike (a Deployment's selector cannot change after creation).
*/}}
{{- define "gpuscale.selectorLabels" -}}
app.kubernetes.io/name: {{ if .component }}gpuscale-{{ .component }}{{ else }}gpuscale{{ end }}
{{- end -}}

{{/* Image reference. Call with (dict "root" $ "repository" REPO). */}}
{{- define "gpuscale.image" -}}
{{- $img := .root.Values.image -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $img.registry) .repository (default .root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/* The adapter Service's DNS name, which its serving certificate must carry. */}}
{{- define "gpuscale.adapterHost" -}}
gpuscale-adapter.{{ .Release.Namespace }}.svc
{{- end -}}

{{/* Checks of value combinations the schema cannot express; fail with one line each. */}}
{{- define "gpuscale.validate" -}}
{{- if and (eq .Values.tls.mode "existingSecret") (not .Values.tls.existingSecret.name) -}}
{{- fail "tls.mode=existingSecret needs tls.existingSecret.name: the kubernetes.io/tls Secret with the adapter's certificate" -}}
{{- end -}}
{{- if and (eq .Values.tls.mode "existingSecret") (not .Values.tls.existingSecret.caBundle) -}}
{{- fail "tls.mode=existingSecret needs tls.existingSecret.caBundle: the PEM of the CA that issued the Secret's certificate (--set-file tls.existingSecret.caBundle=ca.crt)" -}}
{{- end -}}
{{- if and (eq .Values.tls.mode "existingSecret") (not (contains "-----BEGIN CERTIFICATE-----" .Values.tls.existingSecret.caBundle)) -}}
{{- fail "tls.existingSecret.caBundle is not a PEM certificate (no -----BEGIN CERTIFICATE----- line): give the CA's PEM text, not base64" -}}
{{- end -}}
{{- if and .Values.schedulerExtender.enabled .Values.networkPolicy.enabled (empty .Values.schedulerExtender.allowedCIDRs) -}}
{{- fail "schedulerExtender.enabled with networkPolicy.enabled needs schedulerExtender.allowedCIDRs: the control-plane addresses kube-scheduler calls the extender from" -}}
{{- end -}}
{{- if and .Values.schedulerExtender.mtls.enabled (not .Values.schedulerExtender.enabled) -}}
{{- fail "schedulerExtender.mtls.enabled needs schedulerExtender.enabled" -}}
{{- end -}}
{{- if and .Values.schedulerExtender.clusterIP (not .Values.schedulerExtender.enabled) -}}
{{- fail "schedulerExtender.clusterIP is only used with schedulerExtender.enabled" -}}
{{- end -}}
{{- if and .Values.schedulerExtender.enabled (eq (int .Values.schedulerExtender.port) (int .Values.adapter.metricsPort)) -}}
{{- fail (printf "schedulerExtender.port and adapter.metricsPort are both %v: the adapter needs a port for each" .Values.adapter.metricsPort) -}}
{{- end -}}
{{- if and (gt (int .Values.adapter.replicas) 1) (ge (int .Values.adapter.pdb.minAvailable) (int .Values.adapter.replicas)) -}}
{{- fail (printf "adapter.pdb.minAvailable=%v with adapter.replicas=%v would block every node drain: keep it below adapter.replicas" .Values.adapter.pdb.minAvailable .Values.adapter.replicas) -}}
{{- end -}}
{{- end -}}
