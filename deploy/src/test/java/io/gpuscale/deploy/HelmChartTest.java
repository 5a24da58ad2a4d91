package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The chart lints and renders with every shipped profile, and every object decodes strictly. */
class HelmChartTest {
    static final List<String> PROFILES = HelmChart.PROFILES;

    @ParameterizedTest
    @FieldSource("PROFILES")
    void lintStrictPasses(String profile) {
        LintResult result = HelmChart.lint(profile);
        assertThat(result.isFailed()).as("helm lint --strict with %s: %s", profile, result.getMessages()).isFalse();
    }

    @ParameterizedTest
    @FieldSource("PROFILES")
    void everyRenderedObjectDecodesStrictly(String profile) {
        List<Manifests.Obj> objs = HelmChart.render(profile);
        assertThat(objs).isNotEmpty();
        for (Manifests.Obj o : objs) {
            Object model = Manifests.decodeStrict(o);
            if (model == null) {
                HelmCustomResources.check(o, objs);
            }
        }
    }
}
