package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The custom resources of a rendering (cert-manager's, the Prometheus Operator's), which the
 * client has no models of, checked by hand: known kinds, the fields used spelled as their CRDs
 * have them, and references that resolve within the rendering.
 */
final class CustomResources {
    static final Set<String> KNOWN = Set.of(
            "cert-manager.io/v1 Issuer", "cert-manager.io/v1 Certificate",
            "monitoring.coreos.com/v1 ServiceMonitor", "monitoring.coreos.com/v1 PodMonitor",
            "monitoring.coreos.com/v1 PrometheusRule");

    /** cert-manager v1 CertificateSpec. */
    private static final Set<String> CERTIFICATE_SPEC = Set.of("subject", "literalSubject", "commonName", "duration",
            "renewBefore", "renewBeforePercentage", "dnsNames", "ipAddresses", "uris", "otherNames", "emailAddresses",
            "secretName", "secretTemplate", "keystores", "issuerRef", "isCA", "usages", "privateKey",
            "encodeUsagesInRequest", "revisionHistoryLimit", "additionalOutputFormats", "nameConstraints");
    private static final Set<String> ISSUER_KINDS = Set.of("selfSigned", "ca", "acme", "vault", "venafi");
    private static final Set<String> KEY_USAGES = Set.of("signing", "digital signature", "content commitment",
            "key encipherment", "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only",
            "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime",
            "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc",
            "netscape sgc");
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(h|m|s))+");
    /** The keys of a cert-manager certificate Secret. */
    private static final Set<String> TLS_SECRET_KEYS = Set.of("tls.crt", "tls.key", "ca.crt");
    private static final Set<String> ENDPOINT_FIELDS = Set.of("port", "targetPort", "path", "scheme", "interval",
            "scrapeTimeout", "honorLabels", "honorTimestamps", "relabelings", "metricRelabelings", "tlsConfig",
            "bearerTokenSecret", "authorization", "basicAuth", "oauth2", "params", "followRedirects",
            "enableHttp2", "filterRunning", "trackTimestampsStaleness", "proxyUrl");

    private CustomResources() {
    }

    static void check(KustomizeRender r) {
        for (Manifests.Obj o : r.objects()) {
            switch (o.apiVersion() + " " + o.kind()) {
                case "cert-manager.io/v1 Certificate" -> certificate(r, o);
                case "cert-manager.io/v1 Issuer" -> issuer(r, o);
                case "monitoring.coreos.com/v1 ServiceMonitor" -> serviceMonitor(r, o);
                case "monitoring.coreos.com/v1 PodMonitor" -> podMonitor(r, o);
                case "monitoring.coreos.com/v1 PrometheusRule" -> prometheusRule(o);
                default -> {
                }
            }
            Map<String, Object> annotations = o.map("metadata", "annotations");
            if (annotations != null && annotations.get("cert-manager.io/inject-ca-from") instanceof String from) {
                String[] nsName = from.split("/", -1);
                assertThat(nsName).as("%s: %s inject-ca-from %s is not NAMESPACE/NAME", r, o.id(), from).hasSize(2);
                assertThat(certificates(r)).as("%s: %s injects the CA of %s, which the render does not have", r,
                        o.id(), from).anySatisfy(c -> {
                            assertThat(c.namespace()).isEqualTo(nsName[0]);
                            assertThat(c.name()).isEqualTo(nsName[1]);
                        });
            }
        }
        mountedSecrets(r);
    }

    static List<Manifests.Obj> certificates(KustomizeRender r) {
        return r.objects().stream().filter(o -> "cert-manager.io/v1".equals(o.apiVersion())
                && "Certificate".equals(o.kind())).toList();
    }

    private static void certificate(KustomizeRender r, Manifests.Obj o) {
        Map<String, Object> spec = o.map("spec");
        assertThat(spec.keySet()).as("%s: %s spec fields", r, o.id()).isSubsetOf(CERTIFICATE_SPEC);
        assertThat((String) spec.get("secretName")).as("%s: %s secretName", r, o.id()).isNotBlank();
        Map<String, Object> ref = o.map("spec", "issuerRef");
        assertThat(ref.keySet()).as("%s: %s issuerRef", r, o.id()).isSubsetOf(Set.of("name", "kind", "group"));
        assertThat(ref.getOrDefault("group", "cert-manager.io")).isEqualTo("cert-manager.io");
        assertThat(ref.getOrDefault("kind", "Issuer")).as("%s: %s issuerRef.kind", r, o.id()).isEqualTo("Issuer");
        assertThat(r.objects()).as("%s: %s is issued by Issuer %s, which the render does not have", r, o.id(),
                ref.get("name")).anySatisfy(i -> {
                    assertThat(i.kind()).isEqualTo("Issuer");
                    assertThat(i.namespace()).isEqualTo(o.namespace());
                    assertThat(i.name()).isEqualTo(ref.get("name"));
                });
        @SuppressWarnings("unchecked")
        List<String> usages = (List<String>) spec.getOrDefault("usages", List.of());
        assertThat(usages).as("%s: %s usages", r, o.id()).isSubsetOf(KEY_USAGES);
        Map<String, Object> key = o.map("spec", "privateKey");
        if (key != null) {
            assertThat(key.keySet()).isSubsetOf(Set.of("algorithm", "size", "encoding", "rotationPolicy"));
            assertThat(key.getOrDefault("algorithm", "RSA")).isIn("RSA", "ECDSA", "Ed25519");
            assertThat(key.getOrDefault("rotationPolicy", "Always")).isIn("Always", "Never");
        }
        long duration = hours(spec.getOrDefault("duration", "2160h"));
        long renewBefore = hours(spec.getOrDefault("renewBefore", "1h"));
        assertThat(renewBefore).as("%s: %s renewBefore < duration", r, o.id()).isLessThan(duration);
        assertThat(spec.get("dnsNames") != null || spec.get("commonName") != null).as("%s: %s names", r, o.id())
                .isTrue();
    }

    private static long hours(Object goDuration) {
        String s = String.valueOf(goDuration);
        assertThat(s).matches(GO_DURATION);
        return Long.parseLong(s.replaceAll("h.*", "").replaceAll("\\D.*", "0"));
    }

    private static void issuer(KustomizeRender r, Manifests.Obj o) {
        Map<String, Object> spec = o.map("spec");
        assertThat(spec.keySet()).as("%s: %s is one kind of issuer", r, o.id()).hasSize(1).isSubsetOf(ISSUER_KINDS);
        Map<String, Object> ca = o.map("spec", "ca");
        if (ca != null) {
            assertThat(ca.keySet()).isSubsetOf(Set.of("secretName", "crlDistributionPoints", "ocspServers",
                    "issuingCertificateURLs"));
            assertThat(certificates(r)).as("%s: CA Issuer %s signs with Secret %s, which no CA Certificate makes",
                    r, o.id(), ca.get("secretName")).anySatisfy(c -> {
                        assertThat(c.namespace()).isEqualTo(o.namespace());
                        assertThat(c.map("spec").get("secretName")).isEqualTo(ca.get("secretName"));
                        assertThat(c.map("spec").get("isCA")).isEqualTo(true);
                    });
        }
    }

    /** A Secret a pod mounts comes from a Certificate: of the render, or of the scheduler-extender example. */
    private static void mountedSecrets(KustomizeRender r) {
        List<Manifests.Obj> certificates = new java.util.ArrayList<>(certificates(r));
        certificates.addAll(certificates(exampleCertificates()));
        for (KustomizeRender.Workload w : r.workloads()) {
            for (V1Volume v : Objects.requireNonNullElse(w.template().getSpec().getVolumes(), List.<V1Volume>of())) {
                if (v.getSecret() == null) {
                    continue;
                }
                String secret = v.getSecret().getSecretName();
                assertThat(certificates).as("%s: %s mounts Secret %s, which no Certificate makes", r, w.obj().id(),
                        secret).anySatisfy(c -> {
                            assertThat(c.namespace()).isEqualTo(w.namespace());
                            assertThat(c.map("spec").get("secretName")).isEqualTo(secret);
                        });
                assertThat(Objects.requireNonNullElse(v.getSecret().getItems(), List.<io.kubernetes.client.openapi.models.V1KeyToPath>of()))
                        .as("%s: %s volume %s keys", r, w.obj().id(), v.getName())
                        .allSatisfy(i -> assertThat(i.getKey()).isIn(TLS_SECRET_KEYS));
            }
        }
    }

    private static KustomizeRender examples;

    /** deploy/examples/scheduler-extender/scheduler-client-certificate.yaml, which users apply themselves. */
    static synchronized KustomizeRender exampleCertificates() {
        if (examples == null) {
            try {
                String yaml = Files.readString(Manifests.deploy()
                        .resolve("examples/scheduler-extender/scheduler-client-certificate.yaml"));
                examples = new KustomizeRender("examples/scheduler-extender/scheduler-client-certificate.yaml",
                        Manifests.parse(yaml), Map.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return examples;
    }

    @SuppressWarnings("unchecked")
    private static void serviceMonitor(KustomizeRender r, Manifests.Obj o) {
        Map<String, Object> spec = o.map("spec");
        Map<String, String> matchLabels = (Map<String, String>) o.map("spec", "selector").get("matchLabels");
        Map<String, Object> nsSel = o.map("spec", "namespaceSelector");
        List<String> namespaces = nsSel == null ? List.of(o.namespace())
                : (List<String>) nsSel.getOrDefault("matchNames", List.of(o.namespace()));
        List<V1Service> services = r.ofKind("Service").stream()
                .filter(s -> namespaces.contains(s.namespace()))
                .map(s -> r.model(s, V1Service.class))
                .filter(s -> s.getMetadata().getLabels() != null
                        && s.getMetadata().getLabels().entrySet().containsAll(matchLabels.entrySet()))
                .toList();
        assertThat(services).as("%s: %s selects no Service of the render", r, o.id()).isNotEmpty();
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) spec.get("endpoints");
        assertThat(endpoints).as("%s: %s endpoints", r, o.id()).isNotEmpty();
        for (Map<String, Object> e : endpoints) {
            assertThat(e.keySet()).as("%s: %s endpoint fields", r, o.id()).isSubsetOf(ENDPOINT_FIELDS);
            Object port = e.get("port");
            assertThat(port).as("%s: %s endpoint port name", r, o.id()).isInstanceOf(String.class);
            for (V1Service s : services) {
                assertThat(s.getSpec().getPorts()).as("%s: %s port %s on Service %s", r, o.id(), port,
                        s.getMetadata().getName()).extracting(V1ServicePort::getName).contains((String) port);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void podMonitor(KustomizeRender r, Manifests.Obj o) {
        Map<String, String> matchLabels = (Map<String, String>) o.map("spec", "selector").get("matchLabels");
        List<KustomizeRender.Workload> pods = r.selected(o.namespace(), matchLabels);
        assertThat(pods).as("%s: %s selects no pods", r, o.id()).isNotEmpty();
        for (Map<String, Object> e : (List<Map<String, Object>>) o.map("spec").get("podMetricsEndpoints")) {
            for (KustomizeRender.Workload w : pods) {
                assertThat(KustomizeTest.containerPorts(w)).extracting(p -> p.getName())
                        .as("%s: %s port", r, o.id()).contains((String) e.get("port"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void prometheusRule(Manifests.Obj o) {
        List<Map<String, Object>> groups = (List<Map<String, Object>>) o.map("spec").get("groups");
        assertThat(groups).as(o.id()).isNotEmpty();
        for (Map<String, Object> g : groups) {
            assertThat((String) g.get("name")).isNotBlank();
            for (Map<String, Object> rule : (List<Map<String, Object>>) g.get("rules")) {
                assertThat(rule.keySet()).as("%s rule %s", o.id(), rule).isSubsetOf(Set.of("alert", "record", "expr",
                        "for", "keep_firing_for", "labels", "annotations"));
                assertThat(Optional.ofNullable(rule.get("alert")).or(() -> Optional.ofNullable(rule.get("record"))))
                        .as("%s: a rule without alert or record", o.id()).isPresent();
                assertThat(String.valueOf(rule.get("expr"))).isNotBlank();
            }
        }
    }
}
