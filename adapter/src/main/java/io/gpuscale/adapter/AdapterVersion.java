package io.gpuscale.adapter;

import picocli.CommandLine;

/** The adapter's version, from its jar's manifest ({@code v0.0.0-dev} when run from classes). */
final class AdapterVersion implements CommandLine.IVersionProvider {
    static String version() {
        String v = AdapterVersion.class.getPackage().getImplementationVersion();
        return v == null ? "v0.0.0-dev" : "v" + v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"gpuscale-adapter " + version()};
    }
}
