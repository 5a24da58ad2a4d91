package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks, by hand, the rendered custom resources the client has no model of (cert-manager's
 * Certificate and Issuer, the Prometheus Operator's ServiceMonitor and PrometheusRule): their known
 * fields only, and every reference they make resolving to a rendered object.
 */
final class HelmCustomResources {
    private HelmCustomResources() {
    }

    /** Checks one custom resource against the whole rendering; an unknown kind fails. */
    static void check(Manifests.Obj o, List<Manifests.Obj> all) {
        switch (o.apiVersion() + " " + o.kind()) {
            case "cert-manager.io/v1 Certificate" -> certificate(o, all);
            case "cert-manager.io/v1 Issuer" -> issuer(o, all);
            case "monitoring.coreos.com/v1 ServiceMonitor" -> serviceMonitor(o, all);
            case "monitoring.coreos.com/v1 PrometheusRule" -> prometheusRule(o);
            default -> throw new AssertionError(o.id() + " (" + o.apiVersion()
                    + ") is a kind the tests do not know how to check: add its checks to HelmCustomResources");
        }
    }

    private static void certificate(Manifests.Obj o, List<Manifests.Obj> all) {
        Map<String, Object> spec = o.map("spec");
        onlyKeys(o, spec, "spec", Set.of("secretName", "commonName", "dnsNames", "isCA", "duration", "renewBefore",
                "privateKey", "usages", "issuerRef"));
        assertThat((String) spec.get("secretName")).as("%s secretName", o.id()).isNotBlank();
        Map<String, Object> ref = o.map("spec", "issuerRef");
        onlyKeys(o, ref, "spec.issuerRef", Set.of("group", "kind", "name"));
        assertThat(ref.get("group")).as("%s issuerRef.group", o.id()).isEqualTo("cert-manager.io");
        String kind = (String) ref.get("kind");
        assertThat(kind).as("%s issuerRef.kind", o.id()).isIn("Issuer", "ClusterIssuer");
        if (kind.equals("Issuer")) {
            assertThat(all).as("%s: its Issuer %s is rendered in its namespace", o.id(), ref.get("name"))
                    .anyMatch(i -> i.kind().equals("Issuer") && i.name().equals(ref.get("name"))
                            && Objects.equals(i.namespace(), o.namespace()));
        }
        Map<String, Object> key = o.map("spec", "privateKey");
        if (key != null) {
            onlyKeys(o, key, "spec.privateKey", Set.of("algorithm", "size", "rotationPolicy"));
            assertThat(key.get("algorithm")).as("%s privateKey.algorithm", o.id()).isIn("RSA", "ECDSA", "Ed25519");
        }
        if (!Boolean.TRUE.equals(spec.get("isCA"))) {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) spec.get("dnsNames");
            assertThat(names).as("%s names the adapter Service", o.id())
                    .contains("gpuscale-adapter." + o.namespace() + ".svc");
        }
    }

    private static void issuer(Manifests.Obj o, List<Manifests.Obj> all) {
        Map<String, Object> spec = o.map("spec");
        onlyKeys(o, spec, "spec", Set.of("selfSigned", "ca"));
        assertThat(spec).as("%s is one kind of issuer", o.id()).hasSize(1);
        Map<String, Object> ca = o.map("spec", "ca");
        if (ca != null) {
            Object secret = ca.get("secretName");
            assertThat(all).as("%s: a CA Certificate in its namespace writes its Secret %s", o.id(), secret)
                    .anyMatch(c -> c.kind().equals("Certificate") && Objects.equals(c.namespace(), o.namespace())
                            && secret.equals(c.map("spec").get("secretName"))
                            && Boolean.TRUE.equals(c.map("spec").get("isCA")));
        }
    }

    @SuppressWarnings("unchecked")
    private static void serviceMonitor(Manifests.Obj o, List<Manifests.Obj> all) {
        onlyKeys(o, o.map("spec"), "spec", Set.of("selector", "endpoints"));
        Map<String, Object> want = o.map("spec", "selector", "matchLabels");
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) o.map("spec").get("endpoints");
        assertThat(endpoints).as("%s endpoints", o.id()).isNotEmpty();
        List<Manifests.Obj> services = all.stream().filter(s -> s.kind().equals("Service")
                && Objects.equals(s.namespace(), o.namespace())
                && s.map("metadata", "labels").entrySet().containsAll(want.entrySet())).toList();
        assertThat(services).as("%s selects one rendered Service", o.id()).hasSize(1);
        List<Map<String, Object>> ports = (List<Map<String, Object>>) services.get(0).map("spec").get("ports");
        for (Map<String, Object> e : endpoints) {
            onlyKeys(o, e, "spec.endpoints[]", Set.of("port", "interval", "scrapeTimeout", "honorLabels", "path",
                    "scheme"));
            assertThat(ports).as("%s: Service %s has the port %s", o.id(), services.get(0).name(), e.get("port"))
                    .anyMatch(p -> e.get("port").equals(p.get("name")));
        }
    }

    @SuppressWarnings("unchecked")
    private static void prometheusRule(Manifests.Obj o) {
        onlyKeys(o, o.map("spec"), "spec", Set.of("groups"));
        List<Map<String, Object>> groups = (List<Map<String, Object>>) o.map("spec").get("groups");
        assertThat(groups).as("%s groups", o.id()).isNotEmpty();
        for (Map<String, Object> g : groups) {
            onlyKeys(o, g, "spec.groups[]", Set.of("name", "interval", "rules"));
            List<Map<String, Object>> rules = (List<Map<String, Object>>) g.get("rules");
            assertThat(rules).as("%s group %s rules", o.id(), g.get("name")).isNotEmpty();
            for (Map<String, Object> r : rules) {
                onlyKeys(o, r, "spec.groups[].rules[]", Set.of("alert", "record", "expr", "for", "keep_firing_for",
                        "labels", "annotations"));
                assertThat(r.containsKey("alert") != r.containsKey("record"))
                        .as("%s: a rule is an alert or a recording rule: %s", o.id(), r).isTrue();
                assertThat(String.valueOf(r.get("expr"))).as("%s rule expr", o.id()).isNotBlank();
            }
        }
    }

    private static void onlyKeys(Manifests.Obj o, Map<String, Object> map, String where, Set<String> known) {
        assertThat(map).as("%s %s", o.id(), where).isNotNull();
        assertThat(known).as("%s: unknown fields in %s", o.id(), where).containsAll(map.keySet());
    }
}
