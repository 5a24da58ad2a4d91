package io.gpuscale.adapter.api;

/** A document written as JSON, fields in Kubernetes' order. */
interface JsonDocument extends Document {

    void write(JsonText json);

    @Override
    default String render() {
        JsonText json = new JsonText(256);
        write(json);
        return json.toString();
    }
}
