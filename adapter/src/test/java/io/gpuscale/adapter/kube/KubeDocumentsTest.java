package io.gpuscale.adapter.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import java.util.List;
import org.junit.jupiter.api.Test;

/** JSON syntax errors in our words, and the line of a field found by its path. */
class KubeDocumentsTest {
    private static final Gson STRICT = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private static KubeDocuments.JsonSyntax syntax(String text) {
        try {
            STRICT.fromJson(text, JsonElement.class);
        } catch (JsonParseException e) {
            return KubeDocuments.jsonSyntax(text, e);
        }
        throw new AssertionError("expected a syntax error in " + text);
    }

    @Test
    void aJsonSyntaxErrorSaysWhereAndWhatCameBeforeNeverGsonsHint() {
        KubeDocuments.JsonSyntax s = syntax("{\"apiVersion\": v1}");
        assertThat(s.line()).isEqualTo(1);
        assertThat(s.problem()).isEqualTo("syntax error at line 1, column 16 (the text up to there: '{\"apiVersion\": v')");
        assertThat(syntax("Pod: not json").problem()).isEqualTo("syntax error at line 1, column 1 (the text up to there: 'P')");
    }

    @Test
    void aMissingCommaShowsTheLineBefore() {
        KubeDocuments.JsonSyntax s = syntax("{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\"\n \"metadata\": {}}");
        assertThat(s.line()).isEqualTo(3);
        assertThat(s.problem()).startsWith("syntax error at line 3, column ").contains("\"Pod\"");
    }

    @Test
    void aTruncatedDocumentEndsTooEarly() {
        assertThat(syntax("{\"apiVersion\": \"v1\",\n").problem()).startsWith("the JSON ends too early");
    }

    @Test
    void theLineOfAFieldFollowsItsPathThroughBlockLists() {
        String[] yaml = """
                spec:
                  containers:
                    - name: a
                      resources:
                        limits: {cpu: "1"}
                    - name: b
                      ports: notalist
                      resources:
                        limits:
                          cpu: "-1"
                """.split("\n");
        assertThat(KubeDocuments.lineOfPath(yaml, 0, List.of("spec", "containers", "[1]", "resources", "limits", "cpu")))
                .isEqualTo(9);
        assertThat(KubeDocuments.lineOfPath(yaml, 0, List.of("spec", "containers", "[0]", "resources", "limits", "cpu")))
                .isEqualTo(4);
        assertThat(KubeDocuments.lineOfPath(yaml, 0, List.of("spec", "containers", "[1]", "ports"))).isEqualTo(6);
        assertThat(KubeDocuments.lineOfPath(yaml, 0, List.of("status"))).isEqualTo(-1);
    }
}
