package io.gpuscale.adapter.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.adapter.selector.LabelSelector.Operator;
import io.gpuscale.adapter.selector.LabelSelector.Requirement;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The selector's grammar and matching, on cases modelled on Kubernetes' own
 * (k8s.io/apimachinery/pkg/labels selector_test.go): what parses, what matches, what is refused.
 */
class LabelSelectorTest {
    private static final Map<String, String> POD = Map.of("app", "llm-server", "tier", "online", "gpu", "2",
            "nvidia.com/gpu.product", "NVIDIA-GeForce-RTX-4090", "empty", "");

    static Stream<Arguments> matching() {
        return Stream.of(
                Arguments.of("", true),
                Arguments.of("   ", true),
                Arguments.of("app=llm-server", true),
                Arguments.of("app==llm-server", true),
                Arguments.of("app = llm-server", true),
                Arguments.of("app=embedder", false),
                Arguments.of("app!=embedder", true),
                Arguments.of("missing!=x", true),
                Arguments.of("app=llm-server,tier=online", true),
                Arguments.of("app=llm-server,tier=batch", false),
                Arguments.of("app in (embedder,llm-server)", true),
                Arguments.of("app in(llm-server)", true),
                Arguments.of("app in (embedder)", false),
                Arguments.of("app notin (embedder)", true),
                Arguments.of("missing notin (x)", true),
                Arguments.of("app notin (llm-server,x)", false),
                Arguments.of("app", true),
                Arguments.of("missing", false),
                Arguments.of("!missing", true),
                Arguments.of("! app", false),
                Arguments.of("empty=", true),
                Arguments.of("empty= ,app", true),
                Arguments.of("empty in ()", true),
                Arguments.of("app in (x,)", false),
                Arguments.of("empty in (x,)", true),
                Arguments.of("app notin ( , llm-server)", false),
                Arguments.of("nvidia.com/gpu.product=NVIDIA-GeForce-RTX-4090", true),
                Arguments.of("gpu>1", true),
                Arguments.of("gpu > 2", false),
                Arguments.of("gpu<3", true),
                Arguments.of("app>1", false),
                Arguments.of("missing<9", false),
                Arguments.of("\rapp", true),
                Arguments.of("app  in\t (llm-server)", true),
                Arguments.of("tier notin\n (batch)", true),
                Arguments.of("app in (x,y,notin, z,in)", false),
                Arguments.of("app ", true));
    }

    @ParameterizedTest(name = "\"{0}\" matches: {1}")
    @MethodSource("matching")
    void validSelectorsMatchAsKubernetesMatchesThem(String selector, boolean matches) {
        assertThat(LabelSelector.parse(selector).matches(POD)).isEqualTo(matches);
    }

    @Test
    void keywordsAreOrdinaryWordsAsKeysAndValues() {
        assertThat(LabelSelector.parse("notin=in").matches(Map.of("notin", "in"))).isTrue();
        assertThat(LabelSelector.parse("a in (x,y,notin, z,in)").requirements()).singleElement()
                .isEqualTo(new Requirement("a", Operator.IN, Set.of("in", "notin", "x", "y", "z")));
    }

    @Test
    void requirementsComeOutInTheGivenOrderWithTheirValues() {
        LabelSelector s = LabelSelector.parse("x notin (abc,,def),bar,z in (),!w,y>3");

        assertThat(s.requirements()).containsExactly(
                new Requirement("x", Operator.NOT_IN, Set.of("abc", "", "def")),
                new Requirement("bar", Operator.EXISTS, Set.of()),
                new Requirement("z", Operator.IN, Set.of("")),
                new Requirement("w", Operator.DOES_NOT_EXIST, Set.of()),
                new Requirement("y", Operator.GREATER_THAN, Set.of("3")));
        assertThat(s.toString()).isEqualTo("x notin (abc,,def),bar,z in (),!w,y>3");
        assertThat(s.isEmpty()).isFalse();
        assertThat(LabelSelector.parse(null)).isSameAs(LabelSelector.EVERYTHING);
    }

    @Test
    void qualifiedKeysAndValuesAtTheirLengthLimitsAreAccepted() {
        String prefix = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
        String key = prefix + "/" + "n".repeat(63);

        assertThat(LabelSelector.parse(key + "=" + "v".repeat(63)).matches(Map.of(key, "v".repeat(63)))).isTrue();
        // Dots inside a name are allowed (unlike in field selectors' paths).
        assertThat(LabelSelector.parse("x..x=a").matches(Map.of("x..x", "a"))).isTrue();
        assertThat(LabelSelector.parse("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)").matches(Map.of()))
                .isTrue();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("x=a||y=b", "invalid label value 'a||y=b'"),
                Arguments.of("x==a==b", "invalid label value 'a==b'"),
                Arguments.of("!x=a", "expected ','"),
                Arguments.of("x<a", "for '<' the value must be an integer, not 'a'"),
                Arguments.of("x>", "for '>' the value must be an integer, not ''"),
                Arguments.of("x>-1", "invalid label value '-1'"),
                Arguments.of("x>99999999999999999999", "must be an integer"),
                Arguments.of("x,,y", "missing label key"),
                Arguments.of(",x,y", "missing label key"),
                Arguments.of("a in (xyz),", "missing label key"),
                Arguments.of("x nott in (y)", "unexpected 'n' after key 'x'"),
                Arguments.of("a in (xyz)b notin ()", "expected ','"),
                Arguments.of("a in (xyz abc)", "invalid label value 'xyz abc'"),
                Arguments.of("a notin(", "missing ')'"),
                Arguments.of("a in (b", "missing ')'"),
                Arguments.of("a in b", "expected '(' after in"),
                Arguments.of("a (", "unexpected '(' after key 'a'"),
                Arguments.of("(", "missing label key"),
                Arguments.of("x=(a,b)", "invalid label value '(a'"),
                Arguments.of("x. in (a,b)", "invalid label key 'x.'"),
                Arguments.of("x/y/z=a", "invalid label key 'x/y/z'"),
                Arguments.of(". in (a)", "invalid label key '.'"),
                Arguments.of("/x=a", "invalid label key '/x'"),
                Arguments.of("Example.com/x=a", "invalid label key 'Example.com/x'"),
                Arguments.of("a".repeat(64) + "=b", "invalid label key"),
                Arguments.of("x=" + "v".repeat(64), "invalid label value"),
                Arguments.of("x=-a", "invalid label value '-a'"),
                Arguments.of("x in (a_)", "invalid label value 'a_'"),
                Arguments.of("app=llm server", "expected ','"),
                Arguments.of("ключ=x", "missing label key"),
                Arguments.of("x=a".repeat(2000), "longer than 4096 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidSelectorsAreRefusedWithAReason(String selector, String reason) {
        assertThatThrownBy(() -> LabelSelector.parse(selector))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theRefusalQuotesTheSelectorAbbreviated() {
        assertThatThrownBy(() -> LabelSelector.parse("x=a,," + "y".repeat(200)))
                .hasMessageStartingWith("unable to parse label selector \"x=a,," + "y".repeat(95) + "...\": ");
    }
}
