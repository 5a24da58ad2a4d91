package io.gpuscale.adapter.scrape;

import io.gpuscale.adapter.metrics.ServedMetric;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The metric families the adapter asks agents for. */
public final class ScrapedFamilies {
    private ScrapedFamilies() {
    }

    /**
     * The series the store keeps, the GPU models, the agent's sample time, and dcgm-exporter's
     * fields (which dcgm-exporter serves anyway: it has no filter).
     */
    public static Set<String> all() {
        Set<String> families = new TreeSet<>(List.of("nvidia_gpu_info", "gpuscale_agent_last_sample_timestamp_seconds"));
        for (ServedMetric m : ServedMetric.all()) {
            if (m.gpuSeries() != null) {
                families.add(m.gpuSeries());
            }
            if (m.podSeries() != null) {
                families.add(m.podSeries());
            }
        }
        families.addAll(DcgmTranslation.translatedNames().keySet());
        return families;
    }
}
