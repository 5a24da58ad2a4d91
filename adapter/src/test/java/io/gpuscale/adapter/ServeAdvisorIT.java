package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.testing.AdapterJar;
import io.gpuscale.adapter.testing.InsecureHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar gpuscale-adapter.jar serve --scheduler-extender-port 0} on the demo cluster: the
 * advisor answers on the API port ({@code POST /advisor/v1/explain}) and, as kube-scheduler would
 * call it, on the extender port.
 */
class ServeAdvisorIT {
    private static final Pattern API = Pattern.compile("gpuscale adapter serving: https://127\\.0\\.0\\.1:(\\d+) ");
    private static final Pattern EXTENDER = Pattern.compile("scheduler extender serving: https://127\\.0\\.0\\.1:(\\d+)/");

    private static Process adapter;
    private static int apiPort;
    private static int extenderPort;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        adapter = AdapterJar.start(
                "serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow", "--bind-address", "127.0.0.1",
                "--secure-port", "0", "--scheduler-extender-port", "0", "--metrics-bind-address", "127.0.0.1:0", "--gpu-policy", "spread",
                "--cluster", AdapterJar.ROOT.resolve("deploy/examples/demo-cluster.yaml").toString(),
                "--agents", "http://127.0.0.1:9/metrics");
        BlockingQueue<String> lines = AdapterJar.lines(adapter);
        String seen = AdapterJar.readUntil(lines, Duration.ofSeconds(60), () -> apiPort != 0 && extenderPort != 0,
                line -> {
                    Matcher api = API.matcher(line);
                    Matcher ext = EXTENDER.matcher(line);
                    if (api.find()) {
                        apiPort = Integer.parseInt(api.group(1));
                    }
                    if (ext.find()) {
                        extenderPort = Integer.parseInt(ext.group(1));
                    }
                });
        assertThat(apiPort).as(seen).isPositive();
        assertThat(extenderPort).as(seen).isPositive();
        http = InsecureHttp.client();
    }

    @AfterAll
    static void stop() throws Exception {
        AdapterJar.stop(adapter);
    }

    private static HttpResponse<String> post(int port, String path, String contentType, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theApiPortExplainsAPodPostedAsYaml() throws Exception {
        HttpResponse<String> r = post(apiPort, "/advisor/v1/explain", "application/yaml",
                Files.readString(AdapterJar.ROOT.resolve("deploy/examples/pod-fits.yaml")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject e = JsonParser.parseString(r.body()).getAsJsonObject();
        JsonArray nodes = e.getAsJsonArray("nodes");
        assertThat(nodes.get(0).getAsJsonObject().get("name").getAsString()).isEqualTo("pc2");
        assertThat(nodes.get(0).getAsJsonObject().get("feasible").getAsBoolean()).isTrue();
        assertThat(nodes.get(1).getAsJsonObject().get("plugin").getAsString()).isEqualTo("NodeResourcesFit");
    }

    @Test
    void theExtenderPortFiltersAsKubeSchedulerAsks() throws Exception {
        String pod = "{\"metadata\": {\"name\": \"embedder-1\", \"namespace\": \"demo\"}, \"spec\": {\"containers\": "
                + "[{\"name\": \"e\", \"image\": \"e\", \"resources\": {\"limits\": {\"nvidia.com/gpu\": \"1\"}}}]}}";
        HttpResponse<String> r = post(extenderPort, "/scheduler/filter", "application/json",
                "{\"Pod\": " + pod + ", \"Nodes\": null, \"NodeNames\": [\"mainpc\", \"pc2\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject result = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(result.getAsJsonArray("NodeNames").asList()).extracting(n -> n.getAsString()).isEqualTo(List.of("pc2"));
        assertThat(result.getAsJsonObject("FailedNodes").get("mainpc").getAsString())
                .isEqualTo("Insufficient nvidia.com/gpu");
        assertThat(post(extenderPort, "/advisor/v1/explain", "application/yaml", "kind: Pod").statusCode())
                .isEqualTo(404);
    }
}
