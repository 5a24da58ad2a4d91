package io.gpuscale.adapter.advisor.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import io.gpuscale.adapter.api.Document;

/** A JSON answer built as a Gson tree: rendered once, nulls kept (the extender's Go types expect every field). */
record JsonBody(String json) implements Document {
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    static JsonBody of(JsonElement tree) {
        return new JsonBody(GSON.toJson(tree));
    }

    @Override
    public String render() {
        return json;
    }
}
