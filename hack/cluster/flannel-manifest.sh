#!/usr/bin/env bash
# Prints the kube-flannel manifest of nkd's real-cluster test, with its images from REGISTRY
# (pushed by hack/cluster/images.sh): namespace, service account, RBAC, the ConfigMap with
# net-conf.json and the CNI conflist, and the DaemonSet. Based on flannel v0.28.10's
# Documentation/kube-flannel.yml, with these differences:
#  - backend host-gw: the nodes share one bridge (one L2 segment), so routes via each node's
#    address are enough and no tunnel device is needed (the host kernel has vxlan, but host-gw
#    has fewer moving parts in system containers);
#  - the CNI conflist has cniVersion 0.3.1: the flannel CNI plugin here is the one of
#    containernetworking/plugins v0.9.1 (hack/cluster/go-tools.sh), which speaks CNI <= 0.4.0;
#  - both init containers use the flannel-cni-plugin image (it has cp): one copies the plugin
#    to /opt/cni/bin/flannel, one writes /etc/cni/net.d/10-flannel.conflist.
# Usage: hack/cluster/flannel-manifest.sh REGISTRY POD_CIDR   e.g. 10.231.40.1:5000 10.244.0.0/16
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 REGISTRY POD_CIDR" >&2; exit 2; }
reg="$1"; cidr="$2"
[[ "$cidr" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]] || { echo "flannel-manifest.sh: POD_CIDR must be an IPv4 CIDR, got '$cidr'" >&2; exit 2; }
cd "$(dirname "$0")/../.."
flannel="$(sed -n 's/^FLANNEL_VERSION=\([0-9.]*\).*/\1/p' hack/cluster/go-tools.sh)"
cni="$(sed -n 's/^FLANNEL_CNI_VERSION=\([0-9.]*\).*/\1/p' hack/cluster/go-tools.sh)"
cat <<EOF
---
kind: Namespace
apiVersion: v1
metadata:
  name: kube-flannel
  labels:
    k8s-app: flannel
    pod-security.kubernetes.io/enforce: privileged
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [nodes/status]
  verbs: [patch]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: flannel
subjects:
- kind: ServiceAccount
  name: flannel
  namespace: kube-flannel
---
apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    k8s-app: flannel
  name: flannel
  namespace: kube-flannel
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
  labels:
    tier: node
    k8s-app: flannel
    app: flannel
data:
  cni-conf.json: |
    {
      "name": "cbr0",
      "cniVersion": "0.3.1",
      "plugins": [
        {
          "type": "flannel",
          "delegate": {
            "hairpinMode": true,
            "isDefaultGateway": true
          }
        },
        {
          "type": "portmap",
          "capabilities": {
            "portMappings": true
          }
        }
      ]
    }
  net-conf.json: |
    {
      "Network": "$cidr",
      "EnableNFTables": false,
      "Backend": {
        "Type": "host-gw"
      }
    }
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
  labels:
    tier: node
    app: flannel
    k8s-app: flannel
spec:
  selector:
    matchLabels:
      app: flannel
  template:
    metadata:
      labels:
        tier: node
        app: flannel
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: kubernetes.io/os
                operator: In
                values: [linux]
      hostNetwork: true
      priorityClassName: system-node-critical
      tolerations:
      - operator: Exists
        effect: NoSchedule
      serviceAccountName: flannel
      initContainers:
      - name: install-cni-plugin
        image: $reg/flannel-cni-plugin:v$cni
        command: [cp]
        args: [-f, /flannel, /opt/cni/bin/flannel]
        volumeMounts:
        - name: cni-plugin
          mountPath: /opt/cni/bin
      - name: install-cni
        image: $reg/flannel-cni-plugin:v$cni
        command: [cp]
        args: [-f, /etc/kube-flannel/cni-conf.json, /etc/cni/net.d/10-flannel.conflist]
        volumeMounts:
        - name: cni
          mountPath: /etc/cni/net.d
        - name: flannel-cfg
          mountPath: /etc/kube-flannel/
      containers:
      - name: kube-flannel
        image: $reg/flannel:v$flannel
        command: [/opt/bin/flanneld]
        args: [--ip-masq, --kube-subnet-mgr, --healthz-port=8081]
        ports:
        - name: healthz
          containerPort: 8081
          protocol: TCP
        livenessProbe:
          httpGet:
            path: /healthz
            port: healthz
          initialDelaySeconds: 10
          periodSeconds: 30
        readinessProbe:
          httpGet:
            path: /readyz
            port: healthz
          initialDelaySeconds: 5
          periodSeconds: 10
        resources:
          requests:
            cpu: "100m"
            memory: "50Mi"
        securityContext:
          privileged: false
          capabilities:
            add: ["NET_ADMIN", "NET_RAW"]
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: EVENT_QUEUE_DEPTH
          value: "5000"
        - name: CONT_WHEN_CACHE_NOT_READY
          value: "false"
        volumeMounts:
        - name: run
          mountPath: /run/flannel
        - name: flannel-cfg
          mountPath: /etc/kube-flannel/
        - name: xtables-lock
          mountPath: /run/xtables.lock
      volumes:
      - name: run
        hostPath:
          path: /run/flannel
      - name: cni-plugin
        hostPath:
          path: /opt/cni/bin
      - name: cni
        hostPath:
          path: /etc/cni/net.d
      - name: flannel-cfg
        configMap:
          name: kube-flannel-cfg
      - name: xtables-lock
        hostPath:
          path: /run/xtables.lock
          type: FileOrCreate
EOF
