package io.gpuscale.adapter.selector;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The label selector parser and matcher against arbitrary input. A normal build runs only the
 * seeds under {@code LabelSelectorFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes for real.
 *
 * <p>Input layout ({@link FuzzedDataProvider}): the labels to match, {@code k=v,k=v}, up to the
 * first lone backslash; the rest is the selector.
 */
class LabelSelectorFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parsingAndMatchingNeverFailOtherThanWithABadRequestMessage(FuzzedDataProvider data) {
        Map<String, String> labels = labels(data.consumeString(512));
        String text = data.consumeRemainingAsString();
        LabelSelector selector;
        try {
            selector = LabelSelector.parse(text);
        } catch (IllegalArgumentException e) {
            // refused input: a one-line message fit for a 400 Status, never echoing unbounded input
            assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(400);
            return;
        }
        boolean matches = selector.matches(labels);
        if (selector.isEmpty()) {
            assertThat(matches).isTrue();
        }
        // what was parsed, written back in canonical form, parses to the same requirements
        LabelSelector again = LabelSelector.parse(canonical(selector));
        assertThat(again.requirements()).isEqualTo(selector.requirements());
        assertThat(again.matches(labels)).isEqualTo(matches);
        // a requirement that matches alone must also hold for the whole selector (AND)
        if (matches) {
            for (LabelSelector.Requirement r : selector.requirements()) {
                assertThat(LabelSelector.parse(canonical(r)).matches(labels)).isTrue();
            }
        }
    }

    private static Map<String, String> labels(String spec) {
        Map<String, String> out = new HashMap<>();
        for (String pair : spec.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return out;
    }

    static String canonical(LabelSelector s) {
        return s.requirements().stream().map(LabelSelectorFuzzTest::canonical).collect(Collectors.joining(","));
    }

    static String canonical(LabelSelector.Requirement r) {
        String values = r.values().stream().sorted().collect(Collectors.joining(","));
        return switch (r.operator()) {
            case EQUALS -> r.key() + "=" + r.values().iterator().next();
            case NOT_EQUALS -> r.key() + "!=" + r.values().iterator().next();
            case IN -> r.key() + " in (" + values + ")";
            case NOT_IN -> r.key() + " notin (" + values + ")";
            case EXISTS -> r.key();
            case DOES_NOT_EXIST -> "!" + r.key();
            case GREATER_THAN -> r.key() + ">" + r.values().iterator().next();
            case LESS_THAN -> r.key() + "<" + r.values().iterator().next();
        };
    }
}
