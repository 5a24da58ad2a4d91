package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart and the kustomize manifests install the same thing: each profile against its overlay
 * renders the same objects (kind, namespace, name), and each object is the same, labels aside: the
 * chart's objects carry every label the manifests' do, with the same value, and may carry more
 * (Helm's instance, managed-by, helm.sh/chart, version; a name where the manifests have none).
 */
class HelmParityTest {
    static Stream<Arguments> pairs() {
        return Stream.of(
                Arguments.of("chart with values.yaml", "base"),
                Arguments.of("chart with values-prod.yaml", "overlays/prod"),
                Arguments.of("chart with values-k3s-home-lab.yaml", "overlays/k3s-home-lab"),
                // adapter.replicas=1 and debug logs on both
                Arguments.of("dev-like", "overlays/dev"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("pairs")
    void theProfileRendersWhatItsOverlayDoes(String profile, String overlay) {
        Map<String, Map<String, Object>> chart = normalized(HelmChartTest.render(profile));
        Map<String, Map<String, Object>> manifests = normalized(KustomizeTest.render(overlay));
        assertThat(chart.keySet()).as("objects of the %s vs %s", profile, overlay)
                .containsExactlyInAnyOrderElementsOf(manifests.keySet());
        List<String> differ = new ArrayList<>();
        for (String id : chart.keySet()) {
            List<String> paths = new ArrayList<>();
            diff("", chart.get(id), manifests.get(id), paths);
            if (!paths.isEmpty()) {
                differ.add(id + ": " + String.join("; ", paths));
            }
        }
        assertThat(differ).as("objects that differ between the %s and %s", profile, overlay).isEmpty();
    }

    /** Where two values differ, as PATH: chart=... manifests=... (abbreviated). */
    private static void diff(String path, Object chart, Object manifests, List<String> out) {
        if (path.endsWith(".labels") && chart instanceof Map<?, ?> a && manifests instanceof Map<?, ?> b) {
            // the chart may add labels, not drop or change the manifests'
            b.forEach((k, v) -> diff(path + "." + k, a.get(k), v, out));
        } else if (chart instanceof Map<?, ?> a && manifests instanceof Map<?, ?> b) {
            Set<Object> keys = new java.util.TreeSet<>(java.util.Comparator.comparing(String::valueOf));
            keys.addAll(a.keySet());
            keys.addAll(b.keySet());
            keys.forEach(k -> diff(path + "." + k, a.get(k), b.get(k), out));
        } else if (chart instanceof List<?> a && manifests instanceof List<?> b && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                diff(path + "[" + i + "]", a.get(i), b.get(i), out);
            }
        } else if (!java.util.Objects.equals(chart, manifests)) {
            out.add(path + ": chart=" + abbreviated(chart) + " manifests=" + abbreviated(manifests));
        }
    }

    private static String abbreviated(Object o) {
        String s = String.valueOf(o);
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static Map<String, Map<String, Object>> normalized(KustomizeRender r) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Manifests.Obj o : r.objects()) {
            assertThat(out.put(o.id(), o.raw())).as("%s: %s twice", r, o.id()).isNull();
        }
        return out;
    }
}
