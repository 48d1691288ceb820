{{/* Chart name, truncated to the DNS label limit. */}}
{{- define "stigmer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name. */}}
{{- define "stigmer.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "stigmer.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "stigmer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: stigmer
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "component" "server"). */}}
{{- define "stigmer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stigmer.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Image reference of one service: (dict "ctx" $ "service" "stigmer-server"). */}}
{{- define "stigmer.image" -}}
{{- $img := .ctx.Values.image -}}
{{- printf "%s/%s/%s:%s" $img.registry $img.repository .service (default .ctx.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{- define "stigmer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "stigmer.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the server's keys file and the runner's key. */}}
{{- define "stigmer.apiKeysSecretName" -}}
{{- default (printf "%s-api-keys" (include "stigmer.fullname" .)) .Values.apiKeys.existingSecret -}}
{{- end -}}

{{/* "true" when the gRPC API is served over TLS. */}}
{{- define "stigmer.grpcTls" -}}
{{- if or .Values.grpcTls.existingSecret .Values.grpcTls.certManager.enabled -}}true{{- end -}}
{{- end -}}

{{/* The kubernetes.io/tls Secret of the server certificate. */}}
{{- define "stigmer.grpcTlsSecretName" -}}
{{- default (printf "%s-server-tls" (include "stigmer.fullname" .)) .Values.grpcTls.existingSecret -}}
{{- end -}}

{{/* The kubernetes.io/tls Secret of the runner's client certificate (mTLS). */}}
{{- define "stigmer.runnerTlsSecretName" -}}
{{- default (printf "%s-runner-tls" (include "stigmer.fullname" .)) .Values.grpcTls.mtls.runnerExistingSecret -}}
{{- end -}}

{{/* Where the gRPC TLS files are mounted in both pods. */}}
{{- define "stigmer.grpcTlsDir" -}}/etc/stigmer/grpc-tls{{- end -}}

{{/* Env entries both services take from Secrets and from the Temporal TLS mounts. */}}
{{- define "stigmer.temporalSecretEnv" -}}
{{- with .Values.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.temporal.apiKey.key }}
{{- end }}
{{- if .Values.temporal.mtls.existingSecret }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/stigmer/temporal-tls/{{ .Values.temporal.mtls.certKey }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/stigmer/temporal-tls/{{ .Values.temporal.mtls.keyKey }}
{{- end }}
{{- if .Values.temporal.serverCa.existingSecret }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/stigmer/temporal-ca/{{ .Values.temporal.serverCa.key }}
{{- end }}
{{- end -}}

{{/* Volumes both pods mount: a writable /tmp (the root filesystem is read-only), Temporal's
client certificate and private CA. */}}
{{- define "stigmer.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- with .Values.temporal.mtls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- with .Values.temporal.serverCa.existingSecret }}
- name: temporal-ca
  secret:
    secretName: {{ . }}
    defaultMode: 0440
    items:
      - key: {{ $.Values.temporal.serverCa.key }}
        path: {{ $.Values.temporal.serverCa.key }}
{{- end }}
{{- end -}}

{{- define "stigmer.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.mtls.existingSecret }}
- name: temporal-tls
  mountPath: /etc/stigmer/temporal-tls
  readOnly: true
{{- end }}
{{- if .Values.temporal.serverCa.existingSecret }}
- name: temporal-ca
  mountPath: /etc/stigmer/temporal-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* One NetworkPolicy egress rule per TCP destination: (dict "to" peers "ports" numbers). */}}
{{- define "stigmer.egressRule" -}}
- to:
    {{- toYaml .to | nindent 4 }}
  ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}

{{/* Egress both pods need: DNS (UDP and TCP), Temporal, and the OTLP collector if any. */}}
{{- define "stigmer.commonEgress" -}}
{{- $np := .Values.networkPolicy -}}
- to:
    {{- toYaml $np.dns.to | nindent 4 }}
  ports:
    {{- range $np.dns.ports }}
    - port: {{ . }}
      protocol: UDP
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{ include "stigmer.egressRule" $np.temporal }}
{{- if .Values.otel.endpoint }}
{{ include "stigmer.egressRule" $np.otel }}
{{- end }}
{{- end -}}

{{/* Extra env from a name -> value map, sorted for stable output. */}}
{{- define "stigmer.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
