package io.gpuscale.adapter.api;

/** The plain-text body of {@code /healthz}, {@code /livez} and {@code /readyz}, as Kubernetes answers them. */
public record PlainText(String text) implements Document {

    @Override
    public String contentType() {
        return "text/plain; charset=utf-8";
    }

    @Override
    public String render() {
        return text;
    }
}
