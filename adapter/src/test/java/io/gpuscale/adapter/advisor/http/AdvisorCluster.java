package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.testing.InsecureHttp;
import java.net.http.HttpClient;
import java.nio.file.Path;

/**
 * A small GPU cluster for the HTTP tests: {@code mainpc} (RTX 4090, 1 GPU, free), {@code pc2}
 * (RTX 3060, 1 GPU, tainted {@code gpu=rtx3060:NoSchedule}), {@code full} (1 GPU, held by a running
 * pod) and {@code cordoned} (1 GPU, unschedulable); namespace {@code ml} has a quota of 1 GPU.
 */
final class AdvisorCluster {
    static final String NODES = """
            - apiVersion: v1
              kind: Node
              metadata: {name: mainpc, labels: {nvidia.com/gpu.product: NVIDIA-GeForce-RTX-4090}}
              status:
                allocatable: {cpu: "32", memory: 64Gi, pods: "110", nvidia.com/gpu: "1"}
            - apiVersion: v1
              kind: Node
              metadata: {name: pc2, labels: {nvidia.com/gpu.product: NVIDIA-GeForce-RTX-3060}}
              spec:
                taints: [{key: gpu, value: rtx3060, effect: NoSchedule}]
              status:
                allocatable: {cpu: "12", memory: 32Gi, pods: "110", nvidia.com/gpu: "1"}
            - apiVersion: v1
              kind: Node
              metadata: {name: full}
              status:
                allocatable: {cpu: "16", memory: 32Gi, pods: "110", nvidia.com/gpu: "1"}
            - apiVersion: v1
              kind: Node
              metadata: {name: cordoned}
              spec: {unschedulable: true}
              status:
                allocatable: {cpu: "16", memory: 32Gi, pods: "110", nvidia.com/gpu: "1"}
            """;

    static final String CLUSTER = "apiVersion: v1\nkind: List\nitems:\n" + NODES + """
            - apiVersion: v1
              kind: Pod
              metadata: {name: busy, namespace: other}
              spec:
                nodeName: full
                containers:
                  - name: c
                    image: x
                    resources: {limits: {nvidia.com/gpu: "1"}}
              status: {phase: Running}
            - apiVersion: v1
              kind: ResourceQuota
              metadata: {name: gpus, namespace: ml}
              spec: {hard: {requests.nvidia.com/gpu: "1"}}
              status:
                hard: {requests.nvidia.com/gpu: "1"}
                used: {requests.nvidia.com/gpu: "0"}
            """;

    /** One GPU, no toleration, as kube-scheduler sends a pod (no kind or apiVersion: Go omits an empty TypeMeta). */
    static final String GPU_POD_JSON = """
            {"metadata": {"name": "trainer-7d4f9", "namespace": "ml", "uid": "0b6c4a8e-1d2f-4e5a-9b7c-3f2e1d0c9b8a"},
             "spec": {"containers": [{"name": "main", "image": "trainer:1",
                 "resources": {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}}}],
               "schedulerName": "default-scheduler", "priority": 0},
             "status": {"phase": "Pending"}}
            """;

    private AdvisorCluster() {
    }

    static SnapshotClusterView view() {
        return SnapshotClusterView.parse(Path.of("advisor-cluster.yaml"), CLUSTER);
    }

    /** Trusts the servers' self-signed certificates: these tests are about the answers, not TLS. */
    static HttpClient client() throws Exception {
        return InsecureHttp.client();
    }
}
