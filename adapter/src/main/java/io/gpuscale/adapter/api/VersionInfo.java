package io.gpuscale.adapter.api;

/**
 * {@code /version} ({@code version.Info}), which kubectl may read before anything else. The
 * adapter reports its own version, not a Kubernetes one: major and minor are left empty, as
 * extension apiservers built from unversioned sources report them.
 *
 * @param gitVersion e.g. {@code v0.1.0}
 */
public record VersionInfo(String gitVersion) implements JsonDocument {

    @Override
    public void write(JsonText json) {
        json.begin()
                .field("major", "")
                .field("minor", "")
                .field("gitVersion", gitVersion)
                .field("gitCommit", "")
                .field("gitTreeState", "")
                .field("buildDate", "")
                .field("goVersion", "")
                .field("compiler", "java")
                .field("platform", System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT) + "/"
                        + System.getProperty("os.arch", ""))
                .end();
    }
}
