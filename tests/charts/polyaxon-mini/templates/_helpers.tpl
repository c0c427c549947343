{{/* `<release>-polyaxon`, as chart 0.4 names its objects. */}}
{{- define "polyaxon.fullname" -}}
{{- printf "%s-polyaxon" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* metadata.labels of the chart's objects: pass (dict "ctx" $ "app" NAME "role" ROLE). */}}
{{- define "polyaxon.labels" -}}
app: {{ .app }}
chart: "{{ .ctx.Chart.Name }}-{{ .ctx.Chart.Version }}"
release: {{ .ctx.Release.Name | quote }}
heritage: {{ .ctx.Release.Service | quote }}
type: polyaxon-core
role: {{ .role }}
{{- end -}}

{{/* Pod template labels (chart 0.4 puts app, release, type, role on pods). */}}
{{- define "polyaxon.podLabels" -}}
app: {{ .app }}
release: {{ .ctx.Release.Name | quote }}
type: polyaxon-core
role: {{ .role }}
{{- end -}}

{{- define "polyaxon.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/cm.yaml") . | sha256sum }}
checksum/secrets: {{ include (print .Template.BasePath "/secrets.yaml") . | sha256sum }}
{{- end -}}

{{- define "polyaxon.gpuEnabled" -}}
{{- if and .Values.dirs.nvidia.lib .Values.dirs.nvidia.bin .Values.dirs.nvidia.libcuda -}}true{{- end -}}
{{- end -}}

{{- define "polyaxon.envFrom" -}}
envFrom:
- configMapRef:
    name: {{ template "polyaxon.fullname" . }}-config
- secretRef:
    name: {{ template "polyaxon.fullname" . }}-secret
{{- end -}}

{{/* Chart 0.4 mounts the host's Nvidia libraries where they are on the host. */}}
{{- define "polyaxon.gpu.mounts" -}}
{{- if include "polyaxon.gpuEnabled" . }}
- name: nvidia-lib
  mountPath: {{ .Values.mountPaths.nvidia.lib | default .Values.dirs.nvidia.lib | quote }}
- name: nvidia-bin
  mountPath: {{ .Values.mountPaths.nvidia.bin | default .Values.dirs.nvidia.bin | quote }}
- name: nvidia-libcuda
  mountPath: {{ .Values.mountPaths.nvidia.libcuda | default .Values.dirs.nvidia.libcuda | quote }}
{{- end }}
{{- end -}}

{{- define "polyaxon.gpu.volumes" -}}
{{- if include "polyaxon.gpuEnabled" . }}
- name: nvidia-lib
  hostPath:
    path: {{ .Values.dirs.nvidia.lib | quote }}
- name: nvidia-bin
  hostPath:
    path: {{ .Values.dirs.nvidia.bin | quote }}
- name: nvidia-libcuda
  hostPath:
    path: {{ .Values.dirs.nvidia.libcuda | quote }}
{{- end }}
{{- end -}}

{{- define "polyaxon.scheduling.core" -}}
{{- with .Values.nodeSelectors.core }}
nodeSelector:
{{ toYaml . | indent 2 }}
{{- end }}
{{- with .Values.tolerations.core }}
tolerations:
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}
