package io.gpuscale.adapter.api;

/** A response body: one of the API's JSON documents, or the plain text of a health check. */
public interface Document {

    /** The media type it is served as. */
    default String contentType() {
        return "application/json";
    }

    /** The body as sent. */
    String render();
}
