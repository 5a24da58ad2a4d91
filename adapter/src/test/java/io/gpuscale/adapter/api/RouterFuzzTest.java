package io.gpuscale.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The path router ({@link MetricsApi#handle}) and its decoder ({@link RequestPath}) against
 * arbitrary methods, paths and queries: never an exception, always one of the API's status codes,
 * and every failure a well-formed {@link Status}. A normal build runs only the seeds under
 * {@code RouterFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes for real.
 *
 * <p>Input layout ({@link FuzzedDataProvider}): the path up to the first lone backslash, then the
 * query (the rest); the last byte picks the method and the one before whether there is a query.
 */
class RouterFuzzTest {
    private static final List<String> METHODS = List.of("GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD",
            "PATCH", "OPTIONS", "", "get");
    private static final Set<Integer> CODES = Set.of(200, 400, 404, 405, 414, 500);
    private static final MetricsApi API = Fixtures.api(true);

    @FuzzTest(maxDuration = "60s")
    void everyRequestIsAnsweredWithAStatusCodeOfTheApi(FuzzedDataProvider data) {
        String method = data.pickValue(METHODS);
        boolean hasQuery = data.consumeBoolean();
        String path = data.consumeString(2048);
        String query = hasQuery ? data.consumeRemainingAsString() : null;
        ApiResponse r = API.handle(method, path, query, Fixtures.NOW);
        assertThat(r).isNotNull();
        assertThat(CODES).as("code of %s %s ? %s", method, path, query).contains(r.code());
        String body = r.body().render();
        assertThat(body).isNotNull();
        if (r.code() == 500) {
            // only readiness answers 500 here, in plain text; a 500 Status would be a failure inside the API
            assertThat(r.body()).isInstanceOf(PlainText.class);
            return;
        }
        if (!r.isOk()) {
            assertThat(r.body()).isInstanceOf(Status.class);
            JsonObject status = JsonParser.parseString(body).getAsJsonObject();
            assertThat(status.get("kind").getAsString()).isEqualTo("Status");
            assertThat(status.get("code").getAsInt()).isEqualTo(r.code());
        } else if (r.body().contentType().startsWith("application/json")) {
            assertThat(JsonParser.parseString(body).isJsonObject()).isTrue();
        }
    }

    @FuzzTest(maxDuration = "60s")
    void pathsAndQueriesDecodeOrAreRefusedAsBadRequests(FuzzedDataProvider data) {
        String raw = data.consumeString(2048);
        String query = data.consumeRemainingAsString();
        try {
            List<String> segments = RequestPath.segments(raw);
            if (segments != null) {
                assertThat(raw).startsWith("/");
                for (String s : segments) {
                    assertThat(s).isNotEmpty().isNotEqualTo(".").isNotEqualTo("..");
                }
            }
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("encoding").hasSizeLessThan(400);
        }
        try {
            Map<String, String> params = RequestPath.query(query);
            assertThat(params.size()).isLessThanOrEqualTo(RequestPath.MAX_QUERY_PARAMS);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(400);
        }
    }
}
