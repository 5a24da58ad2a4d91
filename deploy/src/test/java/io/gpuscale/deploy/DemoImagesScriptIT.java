package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.testing.Binaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/images.sh against recording stand-ins for docker, podman, nerdctl, k3s, sudo and mvn (no
 * container engine runs here): the exact commands it runs, the image names and tags the manifests
 * use, the build contexts that hold what the Dockerfiles copy, and the Dockerfiles' pinned base,
 * labels, user and entry point.
 */
class DemoImagesScriptIT {
    private static final String AGENT = "ghcr.io/gpuscale/gpuscale-agent:";
    private static final String ADAPTER = "ghcr.io/gpuscale/gpuscale-adapter:";

    @TempDir
    Path tmp;
    /** A copy of the repository's parts the script reads: scripts/images.sh, pom.xml, the Dockerfiles. */
    Path repo;
    /** The stand-ins' directory, first on the PATH. */
    Path bin;
    Path log;
    String version;

    @BeforeEach
    void copyTheScriptIntoAScratchRepository() throws IOException {
        repo = Files.createDirectories(tmp.resolve("repo"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        log = tmp.resolve("calls.log");
        Files.createDirectories(repo.resolve("scripts"));
        Files.copy(Manifests.repo().resolve("scripts/images.sh"), repo.resolve("scripts/images.sh"));
        Files.copy(Manifests.repo().resolve("pom.xml"), repo.resolve("pom.xml"));
        for (String c : List.of("agent", "adapter")) {
            Files.createDirectories(repo.resolve(c + "/target"));
            Files.copy(Manifests.repo().resolve(c + "/Dockerfile"), repo.resolve(c + "/Dockerfile"));
            Files.writeString(repo.resolve(c + "/target/gpuscale-" + c + ".jar"), "jar");
        }
        Matcher m = Pattern.compile("<artifactId>gpuscale-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(repo.resolve("pom.xml")));
        assertThat(m.find()).as("the parent pom's version").isTrue();
        version = m.group(1).replace("-SNAPSHOT", "");
    }

    /** A program on the PATH that appends "NAME ARGS" to the log and exits with STATUS. */
    private void fake(String name, int status) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\necho \"" + name + " $*\" >> '" + log + "'\nexit " + status + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * A PATH of the stand-ins plus links to the few system programs the script needs, so that no
     * real docker, podman or nerdctl on this machine is found.
     */
    private String isolatedPath() throws IOException {
        Path sys = Files.createDirectories(tmp.resolve("sys"));
        for (String tool : List.of("bash", "sh", "sed", "dirname", "mkdir", "id", "cat", "env")) {
            Path target = Path.of(Binaries.find(tool, "a POSIX system"));
            if (!Files.exists(sys.resolve(tool))) {
                Files.createSymbolicLink(sys.resolve(tool), target);
            }
        }
        return bin + ":" + sys;
    }

    private record Run(int exit, String out, String err, List<String> calls) {
    }

    private Run images(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", repo.resolve("scripts/images.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        Map<String, String> env = pb.environment();
        env.put("PATH", isolatedPath());
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("images.sh finishes").isTrue();
        List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
        Files.deleteIfExists(log);
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), calls);
    }

    private static boolean root() throws Exception {
        Process p = new ProcessBuilder("id", "-u").start();
        String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return uid.equals("0");
    }

    @Test
    void buildBuildsBothImagesWithThePomVersionFromTheirModuleDirectories() throws Exception {
        fake("docker", 0);
        fake("mvn", 0);

        Run r = images("build");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(version).isEqualTo("0.1.0");
        assertThat(r.calls()).containsExactly(
                "docker build -f agent/Dockerfile --build-arg VERSION=0.1.0 -t " + AGENT + "0.1.0 agent",
                "docker build -f adapter/Dockerfile --build-arg VERSION=0.1.0 -t " + ADAPTER + "0.1.0 adapter");
        assertThat(r.out()).contains("built " + AGENT + "0.1.0 and " + ADAPTER + "0.1.0 with docker");
    }

    @Test
    void theBuildContextHoldsWhatEachDockerfileCopies() throws Exception {
        for (String c : List.of("agent", "adapter")) {
            String dockerfile = Files.readString(Manifests.repo().resolve(c + "/Dockerfile"));
            Matcher copy = Pattern.compile("(?m)^COPY (\\S+) (\\S+)$").matcher(dockerfile);
            assertThat(copy.find()).as(c + "/Dockerfile copies the jar").isTrue();
            // the context is the module directory (images.sh: ... -t IMAGE <module>)
            assertThat(copy.group(1)).isEqualTo("target/gpuscale-" + c + ".jar");
            assertThat(copy.find()).as("one COPY only: nothing else of the context goes in").isFalse();
        }
    }

    @Test
    void theDockerfilesPinTheBaseLabelTheImageAndRunTheJar() throws Exception {
        for (String c : List.of("agent", "adapter")) {
            String d = Files.readString(Manifests.repo().resolve(c + "/Dockerfile"));
            assertThat(d).containsPattern("(?m)^ARG BASE_IMAGE=eclipse-temurin:17\\.0\\.\\d+_\\d+-jre-noble$")
                    .containsPattern("(?m)^FROM \\$\\{BASE_IMAGE}$")
                    .doesNotContainPattern("(?m)^RUN ")
                    .containsPattern("(?m)^ARG VERSION=" + Pattern.quote(version) + "$")
                    .contains("org.opencontainers.image.title=\"gpuscale-" + c + "\"")
                    .contains("org.opencontainers.image.version=\"${VERSION}\"")
                    .contains("org.opencontainers.image.source=\"${SOURCE}\"")
                    .contains("org.opencontainers.image.licenses=")
                    .contains("org.opencontainers.image.description=")
                    .containsPattern("(?m)^USER 65534:65534$")
                    .containsPattern("(?m)^ENTRYPOINT \\[\"java\", \"-jar\", \"/opt/gpuscale/gpuscale-" + c
                            + "\\.jar\"]$")
                    .contains("COPY target/gpuscale-" + c + ".jar /opt/gpuscale/gpuscale-" + c + ".jar");
        }
        assertThat(Files.readString(Manifests.repo().resolve("agent/Dockerfile")))
                .as("the agent asks the NVIDIA runtime for NVML without requesting a GPU")
                .contains("NVIDIA_VISIBLE_DEVICES=all").contains("NVIDIA_DRIVER_CAPABILITIES=utility")
                .contains("runAsUser 0");
    }

    @Test
    void theAgentJarRunsOnBothPlatformsTheBaseImageIsPublishedFor() throws Exception {
        Path jar = Path.of(System.getProperty("agent.jar", "missing"));
        assertThat(jar).as("agent.jar (failsafe runs after the reactor's package phase)").isRegularFile();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            for (String platform : List.of("linux-x86-64", "linux-aarch64")) {
                assertThat(zip.getEntry("com/sun/jna/" + platform + "/libjnidispatch.so"))
                        .as("JNA's native part for " + platform + ", which the NVML binding loads").isNotNull();
            }
        }
    }

    @Test
    void missingJarsAreBuiltWithMavenFirst() throws Exception {
        fake("docker", 0);
        fake("mvn", 0);
        Files.delete(repo.resolve("adapter/target/gpuscale-adapter.jar"));

        Run r = images("build");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.calls()).hasSize(3).first().isEqualTo("mvn -q -B -DskipTests -pl agent,adapter -am package");
    }

    @Test
    void toolForcesOneAndTheFirstFoundIsUsedOtherwise() throws Exception {
        fake("docker", 0);
        fake("podman", 0);
        fake("nerdctl", 0);

        Run forced = images("--tool", "podman", "save", "out");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(forced.calls()).containsExactly(
                "podman save -o out/gpuscale-agent-0.1.0.tar " + AGENT + "0.1.0",
                "podman save -o out/gpuscale-adapter-0.1.0.tar " + ADAPTER + "0.1.0");
        assertThat(repo.resolve("out")).isDirectory();

        Files.delete(bin.resolve("docker"));
        Files.delete(bin.resolve("podman"));
        Run found = images("save");
        assertThat(found.exit()).as(found.err()).isZero();
        assertThat(found.calls()).containsExactly(
                "nerdctl save -o target/images/gpuscale-agent-0.1.0.tar " + AGENT + "0.1.0",
                "nerdctl save -o target/images/gpuscale-adapter-0.1.0.tar " + ADAPTER + "0.1.0");
    }

    @Test
    void k3sImportSavesWhatIsMissingImportsWithK3sCtrAndSaysHowOnOtherNodes() throws Exception {
        fake("docker", 0);
        fake("k3s", 0);
        fake("sudo", 0);
        String sudo = root() ? "" : "sudo ";

        Run r = images("k3s-import", "images");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.calls()).containsExactly(
                "docker save -o images/gpuscale-agent-0.1.0.tar " + AGENT + "0.1.0",
                "docker save -o images/gpuscale-adapter-0.1.0.tar " + ADAPTER + "0.1.0",
                sudo + "k3s ctr images import images/gpuscale-agent-0.1.0.tar",
                sudo + "k3s ctr images import images/gpuscale-adapter-0.1.0.tar");
        assertThat(r.out()).contains("/var/lib/rancher/k3s/agent/images/")
                .contains("sudo k3s ctr images import /tmp/gpuscale-agent-0.1.0.tar");

        // tarballs already there: imported as they are, no tool needed
        Files.createDirectories(repo.resolve("images"));
        Files.writeString(repo.resolve("images/gpuscale-agent-0.1.0.tar"), "t");
        Files.writeString(repo.resolve("images/gpuscale-adapter-0.1.0.tar"), "t");
        Files.delete(bin.resolve("docker"));
        Run again = images("k3s-import", "images");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.calls()).containsExactly(
                sudo + "k3s ctr images import images/gpuscale-agent-0.1.0.tar",
                sudo + "k3s ctr images import images/gpuscale-adapter-0.1.0.tar");
    }

    @Test
    void pushRetagsIntoTheRegistryAndPushes() throws Exception {
        fake("docker", 0);

        Run r = images("--version", "0.2.0-rc1", "push", "registry.example.com:5000/ml/");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.calls()).containsExactly(
                "docker tag " + AGENT + "0.2.0-rc1 registry.example.com:5000/ml/gpuscale-agent:0.2.0-rc1",
                "docker push registry.example.com:5000/ml/gpuscale-agent:0.2.0-rc1",
                "docker tag " + ADAPTER + "0.2.0-rc1 registry.example.com:5000/ml/gpuscale-adapter:0.2.0-rc1",
                "docker push registry.example.com:5000/ml/gpuscale-adapter:0.2.0-rc1");
        assertThat(r.out()).contains("kustomize edit set image ghcr.io/gpuscale/gpuscale-agent="
                + "registry.example.com:5000/ml/gpuscale-agent:0.2.0-rc1");
    }

    @Test
    void noContainerToolIsOneLineAndExit2() throws Exception {
        Run r = images("build");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).singleElement().asString()
                .startsWith("images.sh: no container tool found: install docker, podman or nerdctl");
        assertThat(r.calls()).isEmpty();
    }

    @Test
    void badUsageIsOneLineAndExit2() throws Exception {
        fake("docker", 0);
        for (String[] args : List.of(new String[] {"--tool", "buildah", "build"}, new String[] {"deploy"},
                new String[] {}, new String[] {"push"}, new String[] {"--version", "../x", "build"})) {
            Run r = images(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err().lines().toList()).as(String.join(" ", args)).singleElement().asString()
                    .startsWith("images.sh: ");
            assertThat(r.calls()).isEmpty();
        }
        Run podman = images("--tool", "podman", "build");
        assertThat(podman.exit()).isEqualTo(2);
        assertThat(podman.err().strip()).isEqualTo("images.sh: podman (--tool) is not on the PATH");
    }

    @Test
    void aFailingToolStopsTheScriptWithItsStatusInOneLine() throws Exception {
        fake("docker", 3);

        Run r = images("build");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.calls()).hasSize(1);
        assertThat(r.err().strip()).isEqualTo("images.sh: docker build failed (exit status 3)");
    }
}
