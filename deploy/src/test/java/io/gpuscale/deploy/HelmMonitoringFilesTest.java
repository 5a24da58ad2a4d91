package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chart reads no file outside its directory: it ships copies of deploy/monitoring's files under
 * files/. They must stay byte for byte what deploy/monitoring holds (and is tested with promtool
 * and Prometheus); copy them again after changing deploy/monitoring:
 * {@code cp deploy/monitoring/{prometheusrule.yaml,servicemonitors.yaml} deploy/helm/gpuscale/files/ &&
 * cp deploy/monitoring/dashboards/gpuscale.json deploy/helm/gpuscale/files/dashboards/}.
 */
class HelmMonitoringFilesTest {
    @ParameterizedTest
    @ValueSource(strings = {"prometheusrule.yaml", "servicemonitors.yaml", "dashboards/gpuscale.json"})
    void theChartsCopyIsDeployMonitoringsFile(String file) throws IOException {
        Path original = Manifests.deploy().resolve("monitoring").resolve(file);
        Path copy = HelmChart.file("files").resolve(file);
        assertThat(original).as("deploy/monitoring/%s", file).isRegularFile();
        assertThat(Files.readString(copy)).as("deploy/helm/gpuscale/files/%s is a copy of deploy/monitoring/%s: "
                + "copy it again", file, file).isEqualTo(Files.readString(original));
    }
}
