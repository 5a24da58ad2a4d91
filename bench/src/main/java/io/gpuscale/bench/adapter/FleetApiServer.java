package io.gpuscale.bench.adapter;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for kube-apiserver's cluster-wide lists of pods, nodes and resourcequotas, serving
 * the fleet of {@link HeapRun}: {@code nodes} nodes of 8 GPUs and {@code podsPerNode} pods each.
 * Lists are written as they are generated (nothing of the fleet is held here, so the heap the run
 * measures is the adapter's), whole whatever {@code limit} says, as kube-apiserver answers a list
 * at {@code resourceVersion=0} from its watch cache (the informers' first lists); a watch is answered with headers and then held open, silent, until
 * its {@code timeoutSeconds} (as kube-apiserver ends it) or until the server stops. A field selector
 * {@code spec.nodeName=NODE} (an agent's node-scoped informer) selects that node's pods; other
 * field selector terms are not understood and select everything.
 *
 * <p>Objects as a real cluster lists them, with the fields the adapter drops as well as those it
 * keeps: pods of Deployments of {@value #REPLICAS} replicas spread over {@value #NAMESPACES}
 * namespaces, each with owner reference, annotations, one managed-fields entry, one GPU container
 * with requests and limits, the default tolerations and a GPU one, and a running status; nodes
 * with the labels of a GPU node (GPU feature discovery's among them), capacity and allocatable,
 * a GPU taint, and a status with conditions, addresses and images.
 */
public final class FleetApiServer implements AutoCloseable {
    public static final int NAMESPACES = 40;
    public static final int REPLICAS = 24;

    private final HttpServer server;
    private final ExecutorService executor;
    private static final String NODE_SELECTOR = "spec.nodeName=";

    private final CountDownLatch closing = new CountDownLatch(1);
    private final int nodes;
    private final int podsPerNode;

    private FleetApiServer(int nodes, int podsPerNode) throws IOException {
        this.nodes = nodes;
        this.podsPerNode = podsPerNode;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fleet-api");
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static FleetApiServer start(int nodes, int podsPerNode) throws IOException {
        return new FleetApiServer(nodes, podsPerNode);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public static String node(int n) {
        return String.format(Locale.ROOT, "gpu-node-%05d.bench.gpuscale.io", n);
    }

    public static String namespace(int ns) {
        return String.format(Locale.ROOT, "team-%02d", ns);
    }

    public static String podNamespace(int pod) {
        return namespace(deployment(pod) % NAMESPACES);
    }

    public static String podName(int pod) {
        int d = deployment(pod);
        return "trainer-" + d + "-" + templateHash(d) + "-" + suffix(pod);
    }

    private static int deployment(int pod) {
        return pod / REPLICAS;
    }

    private static String templateHash(int d) {
        return Integer.toHexString(0x5c000000 + d * 7919).substring(0, 8) + "f" + (d % 10);
    }

    /** A ReplicaSet pod's 5-character suffix, from the alphabet Kubernetes uses. */
    private static String suffix(int pod) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder s = new StringBuilder(5);
        long x = pod * 2_654_435_761L + 12345;
        for (int i = 0; i < 5; i++) {
            s.append(alphabet.charAt((int) Math.floorMod(x, (long) alphabet.length())));
            x /= alphabet.length();
        }
        return s.toString();
    }

    private static String uid(String what) {
        return UUID.nameUUIDFromBytes(what.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            String resource = path.substring(path.lastIndexOf('/') + 1);
            if (!path.startsWith("/api/v1/") || !(resource.equals("pods") || resource.equals("nodes")
                    || resource.equals("resourcequotas"))) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            if (query != null && query.contains("watch=true")) {
                exchange.getResponseBody().flush();
                String timeout = parameter(query, "timeoutSeconds");
                if (timeout == null) {
                    closing.await();
                } else {
                    closing.await(Long.parseLong(timeout), TimeUnit.SECONDS);
                }
                return;
            }
            String onlyNode = null;
            String selector = parameter(query, "fieldSelector");
            for (String term : selector == null ? new String[0] : selector.split(",")) {
                if (term.startsWith(NODE_SELECTOR)) {
                    onlyNode = term.substring(NODE_SELECTOR.length());
                }
            }
            try (Writer w = new BufferedWriter(new OutputStreamWriter(exchange.getResponseBody(), StandardCharsets.UTF_8),
                    64 * 1024)) {
                String kind = switch (resource) {
                    case "pods" -> "PodList";
                    case "nodes" -> "NodeList";
                    default -> "ResourceQuotaList";
                };
                w.write("{\"apiVersion\":\"v1\",\"kind\":\"" + kind + "\",\"metadata\":{\"resourceVersion\":\"1000\"},"
                        + "\"items\":[");
                if (resource.equals("pods")) {
                    boolean first = true;
                    for (int p = 0; p < nodes * podsPerNode; p++) {
                        if (onlyNode == null || onlyNode.equals(node(p / podsPerNode))) {
                            w.write(first ? "" : ",");
                            w.write(pod(p));
                            first = false;
                        }
                    }
                } else if (resource.equals("nodes")) {
                    for (int n = 0; n < nodes; n++) {
                        w.write(n == 0 ? "" : ",");
                        w.write(node(n, podsPerNode));
                    }
                }
                w.write("]}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The value of one parameter of a decoded query, or null. */
    private static String parameter(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return null;
    }

    private String pod(int p) {
        int d = deployment(p);
        String ns = podNamespace(p);
        String name = podName(p);
        String node = node(p / podsPerNode);
        String rs = "trainer-" + d + "-" + templateHash(d);
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"generateName\":\"" + rs
                + "-\",\"namespace\":\"" + ns + "\",\"uid\":\"" + uid("pod/" + p) + "\",\"resourceVersion\":\""
                + (1000 + p) + "\",\"creationTimestamp\":\"2026-11-30T08:00:00Z\",\"labels\":{\"app\":\"trainer-" + d
                + "\",\"app.kubernetes.io/name\":\"trainer\",\"app.kubernetes.io/part-of\":\"ml-platform\","
                + "\"pod-template-hash\":\"" + templateHash(d) + "\"},\"annotations\":{\"kubectl.kubernetes.io/"
                + "restartedAt\":\"2026-11-30T07:59:00Z\",\"prometheus.io/scrape\":\"true\"},\"ownerReferences\":[{"
                + "\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"" + rs + "\",\"uid\":\"" + uid("rs/" + d)
                + "\",\"controller\":true,\"blockOwnerDeletion\":true}],\"managedFields\":[{\"manager\":"
                + "\"kube-controller-manager\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":"
                + "\"2026-11-30T08:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{"
                + "\"f:generateName\":{},\"f:labels\":{\".\":{},\"f:app\":{},\"f:pod-template-hash\":{}},"
                + "\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\"" + uid("rs/" + d) + "\\\"}\":{}}},"
                + "\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"main\\\"}\":{\".\":{},\"f:image\":{},"
                + "\"f:name\":{},\"f:resources\":{\".\":{},\"f:limits\":{},\"f:requests\":{}}}}}}}]},"
                + "\"spec\":{\"volumes\":[{\"name\":\"kube-api-access\",\"projected\":{\"sources\":[{"
                + "\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":\"token\"}}],\"defaultMode\":420}}],"
                + "\"containers\":[{\"name\":\"main\",\"image\":\"registry.example.com/ml/trainer:2.4.1\","
                + "\"args\":[\"--config\",\"/etc/trainer/config.yaml\"],\"ports\":[{\"name\":\"metrics\","
                + "\"containerPort\":9090,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"NCCL_DEBUG\",\"value\":\"WARN\"}],"
                + "\"resources\":{\"limits\":{\"memory\":\"64Gi\",\"nvidia.com/gpu\":\"1\"},\"requests\":{"
                + "\"cpu\":\"8\",\"memory\":\"64Gi\",\"nvidia.com/gpu\":\"1\"}},\"volumeMounts\":[{\"name\":"
                + "\"kube-api-access\",\"readOnly\":true,\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\"}],"
                + "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\","
                + "\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
                + "\"dnsPolicy\":\"ClusterFirst\",\"serviceAccountName\":\"default\",\"serviceAccount\":\"default\","
                + "\"nodeName\":\"" + node + "\",\"securityContext\":{},\"schedulerName\":\"default-scheduler\","
                + "\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":"
                + "\"NoExecute\",\"tolerationSeconds\":300},{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
                + "\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300},{\"key\":\"nvidia.com/gpu\","
                + "\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}],\"priority\":0,\"enableServiceLinks\":true,"
                + "\"preemptionPolicy\":\"PreemptLowerPriority\"},\"status\":{\"phase\":\"Running\",\"conditions\":["
                + "{\"type\":\"Initialized\",\"status\":\"True\",\"lastTransitionTime\":\"2026-11-30T08:00:00Z\"},"
                + "{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"2026-11-30T08:00:05Z\"},"
                + "{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastTransitionTime\":\"2026-11-30T08:00:05Z\"},"
                + "{\"type\":\"PodScheduled\",\"status\":\"True\",\"lastTransitionTime\":\"2026-11-30T08:00:00Z\"}],"
                + "\"hostIP\":\"10.1." + (p / podsPerNode % 250) + ".1\",\"podIP\":\"10.244." + (p % 250) + "."
                + (p / 250 % 250) + "\",\"startTime\":\"2026-11-30T08:00:00Z\",\"containerStatuses\":[{\"name\":\"main\","
                + "\"state\":{\"running\":{\"startedAt\":\"2026-11-30T08:00:04Z\"}},\"ready\":true,\"restartCount\":0,"
                + "\"image\":\"registry.example.com/ml/trainer:2.4.1\",\"imageID\":\"registry.example.com/ml/trainer@"
                + "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904e2b1f2a6f8b1e1f0c3d4e5f6\",\"containerID\":"
                + "\"containerd://" + uid("c/" + p).replace("-", "") + uid("c2/" + p).replace("-", "")
                + "\",\"started\":true}],\"qosClass\":\"Burstable\"}}";
    }

    private static String node(int n, int podsPerNode) {
        String name = node(n);
        return "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"" + name + "\",\"uid\":\""
                + uid("node/" + n) + "\",\"resourceVersion\":\"" + (500 + n) + "\",\"creationTimestamp\":"
                + "\"2026-11-01T00:00:00Z\",\"labels\":{\"beta.kubernetes.io/arch\":\"amd64\",\"beta.kubernetes.io/os\":"
                + "\"linux\",\"kubernetes.io/arch\":\"amd64\",\"kubernetes.io/hostname\":\"" + name + "\","
                + "\"kubernetes.io/os\":\"linux\",\"node.kubernetes.io/instance-type\":\"p5.48xlarge\","
                + "\"topology.kubernetes.io/region\":\"eu-west-1\",\"topology.kubernetes.io/zone\":\"eu-west-1"
                + (char) ('a' + n % 3) + "\",\"nvidia.com/gpu.present\":\"true\",\"nvidia.com/gpu.product\":"
                + "\"NVIDIA-H100-80GB-HBM3\",\"nvidia.com/gpu.count\":\"8\",\"nvidia.com/gpu.memory\":\"81559\","
                + "\"nvidia.com/gpu.replicas\":\"4\",\"nvidia.com/cuda.driver.major\":\"580\",\"nvidia.com/mig.capable\":"
                + "\"true\",\"nvidia.com/gpu.sharing-strategy\":\"time-slicing\"},\"annotations\":{"
                + "\"node.alpha.kubernetes.io/ttl\":\"0\",\"volumes.kubernetes.io/controller-managed-attach-detach\":"
                + "\"true\"}},\"spec\":{\"podCIDR\":\"10.244." + (n % 250) + ".0/24\",\"providerID\":\"aws:///eu-west-1a/i-"
                + Integer.toHexString(0x10000000 + n) + "\",\"taints\":[{\"key\":\"nvidia.com/gpu\",\"value\":\"present\","
                + "\"effect\":\"NoSchedule\"}]},\"status\":{\"capacity\":{\"cpu\":\"192\",\"ephemeral-storage\":"
                + "\"3750000000Ki\",\"hugepages-1Gi\":\"0\",\"hugepages-2Mi\":\"0\",\"memory\":\"2097152000Ki\","
                + "\"nvidia.com/gpu\":\"20\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"191450m\",\"ephemeral-storage\":"
                + "\"3455999997440\",\"hugepages-1Gi\":\"0\",\"hugepages-2Mi\":\"0\",\"memory\":\"2096000000Ki\","
                + "\"nvidia.com/gpu\":\"20\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":"
                + "\"False\"},{\"type\":\"DiskPressure\",\"status\":\"False\"},{\"type\":\"PIDPressure\",\"status\":"
                + "\"False\"},{\"type\":\"Ready\",\"status\":\"True\"}],\"addresses\":[{\"type\":\"InternalIP\","
                + "\"address\":\"10.1." + (n % 250) + ".1\"},{\"type\":\"Hostname\",\"address\":\"" + name + "\"}],"
                + "\"nodeInfo\":{\"machineID\":\"" + uid("machine/" + n).replace("-", "") + "\",\"systemUUID\":\""
                + uid("system/" + n) + "\",\"bootID\":\"" + uid("boot/" + n) + "\",\"kubeletVersion\":\"v1.34.2\","
                + "\"kubeProxyVersion\":\"\",\"containerRuntimeVersion\":\"containerd://2.1.4\","
                + "\"kernelVersion\":\"6.8.0-1021-aws\",\"osImage\":\"Ubuntu 24.04.3 LTS\",\"architecture\":\"amd64\","
                + "\"operatingSystem\":\"linux\"},\"images\":[{\"names\":[\"registry.example.com/ml/trainer:2.4.1\"],"
                + "\"sizeBytes\":9876543210},{\"names\":[\"nvcr.io/nvidia/k8s-device-plugin:v0.18.0\"],\"sizeBytes\":"
                + "123456789}]}}";
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
