package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.PlainText;
import java.time.Instant;

/** A POST endpoint that answers 200 with the size of what it received, up to a body limit. */
record EchoEndpoint(String path, long maxBodyBytes) implements PostEndpoint {
    @Override
    public ApiResponse handle(String contentType, byte[] body, Instant now) {
        return ApiResponse.ok(new PlainText(body.length + " bytes"));
    }
}
