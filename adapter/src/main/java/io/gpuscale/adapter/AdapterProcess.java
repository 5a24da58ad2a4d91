package io.gpuscale.adapter;

import io.gpuscale.adapter.advisor.http.AdvisorService;
import io.gpuscale.adapter.http.ApiRecorder;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.auth.AuthRecorder;
import io.gpuscale.adapter.auth.ClientCertificateGate;
import io.gpuscale.adapter.auth.DelegatedGate;
import io.gpuscale.adapter.cluster.ClusterFileException;
import io.gpuscale.adapter.cluster.InformerClusterView;
import io.gpuscale.adapter.cluster.SchedulingView;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.monitoring.AdapterMetrics;
import io.gpuscale.adapter.monitoring.MetricsServer;
import io.gpuscale.adapter.scrape.ScrapeRecorder;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.common.Durations;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code serve} runs, wired from one {@link AdapterConfig}: the cluster view, the readings'
 * feed, the request gates, the adapter's own metrics, the placement advisor and the HTTPS
 * adapter, which owns the rest and closes it after itself.
 */
final class AdapterProcess {
    /** The start lines keep the entry point's logger, as log filters and docs/operations.md know it. */
    private static final Logger LOG = System.getLogger("io.gpuscale.adapter.AdapterMain");

    private AdapterProcess() {
    }

    /**
     * Starts everything the configuration names and says so in the log.
     *
     * @throws IllegalArgumentException (one line naming its flag) when a file, the cluster or the
     *     Kubernetes API the flags name cannot be used; what was started is stopped again
     */
    static Adapter start(AdapterConfig config, String version)
            throws Adapter.ListenException, AdvisorService.ListenException, MetricsServer.ListenException {
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            ServingCertificate certificate = certificate(config.tls());
            SchedulingView cluster = clusterView(config.cluster());
            AdapterMetrics self = config.metricsAddress() != null ? new AdapterMetrics() : null;
            MetricsFeed feed = MetricsFeed.start(config, self != null ? self.scraping() : ScrapeRecorder.NONE);
            owned.addAll(feed.owned());
            addIfCloseable(owned, cluster);
            RequestGate gate = DelegatedGate.create(config.auth(), config.kubeconfig(),
                    self != null ? self.auth() : AuthRecorder.NONE);
            addIfCloseable(owned, gate);
            RequestGate extenderGate = extenderGate(config.advisor());
            addIfCloseable(owned, extenderGate);
            ApiRecorder apiRecorder = self != null ? self.api() : ApiRecorder.NONE;
            if (self != null) {
                owned.add(self);
                owned.add(0, selfMetrics(self, config, feed, cluster));
            }
            AdvisorService advisor = AdvisorService.start(cluster, feed.metrics(), config.advisor().options(),
                    config.bindAddress(), config.advisor().extenderPort(), certificate, extenderGate, apiRecorder);
            owned.add(0, advisor);
            if (self != null && advisor.gpuLoads() != null) {
                self.watchGpuLoads(advisor.gpuLoads());
            }
            Adapter adapter = Adapter.start(config.bindAddress(), config.securePort(), certificate, config.limits(),
                    advisor.restEndpoints(), gate, feed.metrics(), cluster, config.apiOptions(version), feed.blocking(),
                    apiRecorder, owned.toArray(AutoCloseable[]::new));
            if (config.tls() instanceof AdapterConfig.CertificateFiles files) {
                adapter.watchCertificateFiles(files.certificate(), files.privateKey());
                advisor.watchCertificateFiles(files.certificate(), files.privateKey());
            }
            logServing(config, adapter, advisor, extenderGate);
            return adapter;
        } catch (Exception e) {
            owned.forEach(AdapterProcess::closeQuietly);
            throw e;
        }
    }

    /** The serving certificate a configuration names, or a fresh self-signed one. */
    static ServingCertificate certificate(AdapterConfig.Tls tls) {
        if (tls instanceof AdapterConfig.CertificateFiles files) {
            return ServingCertificate.fromFiles(files.certificate(), files.privateKey());
        }
        return ServingCertificate.selfSigned(((AdapterConfig.SelfSigned) tls).hosts(), Clock.systemUTC());
    }

    /** The cluster view a configuration names: what the metrics API and the placement advisor read. */
    static SchedulingView clusterView(AdapterConfig.ClusterSource source) {
        if (source instanceof AdapterConfig.SnapshotFile f) {
            try {
                return SnapshotClusterView.load(f.file());
            } catch (ClusterFileException e) {
                throw new IllegalArgumentException("invalid value for --cluster: " + e.getMessage(), e);
            }
        }
        String flag = source instanceof AdapterConfig.Kubeconfig ? "--kubeconfig" : "in-cluster configuration";
        try {
            InformerClusterView view = new InformerClusterView(Flags.apiClient(source, flag));
            view.start();
            return view;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    /** Kube-scheduler's client certificate where the extender asks for one, else everyone. */
    private static RequestGate extenderGate(AdapterConfig.Advisor advisor) {
        if (!advisor.extenderEnabled() || !advisor.extenderAuthenticated()) {
            return RequestGate.ALLOW_ALL;
        }
        return Flags.wrap("--scheduler-extender-client-ca-file", () -> ClientCertificateGate.start(
                advisor.extenderClientCaFile(), "--scheduler-extender-client-ca-file", advisor.extenderAllowedNames(),
                ClientCertificateGate.DEFAULT_POLL));
    }

    /** Serves the adapter's own metrics, watching the scrapes and informers where there are. */
    private static MetricsServer selfMetrics(AdapterMetrics self, AdapterConfig config, MetricsFeed feed,
            SchedulingView cluster) throws MetricsServer.ListenException {
        if (feed.scraper() != null) {
            self.watchScraping(feed.scraper()::health, feed.store()::snapshots, config.maxAge(), Clock.systemUTC());
        }
        if (cluster instanceof InformerClusterView informers) {
            self.watchCluster(informers::stats);
        }
        MetricsServer server = MetricsServer.start(config.metricsAddress(), self::scrape);
        LOG.log(Level.INFO, "adapter metrics serving: http://{0}:{1,number,#}/metrics", config.metricsAddress().host(),
                server.port());
        return server;
    }

    private static void logServing(AdapterConfig config, Adapter adapter, AdvisorService advisor,
            RequestGate extenderGate) {
        if (advisor.extenderPort() >= 0) {
            LOG.log(Level.INFO, "scheduler extender serving: https://{0}:{1,number,#}/scheduler/filter and "
                    + "/scheduler/prioritize, {2}", config.bindAddress(), advisor.extenderPort(),
                    extenderGate == RequestGate.ALLOW_ALL ? "unauthenticated" : extenderGate.toString());
            if (extenderGate == RequestGate.ALLOW_ALL) {
                LOG.log(Level.WARNING, "SCHEDULER EXTENDER WITHOUT AUTHENTICATION: anyone who reaches port "
                        + "{0,number,#} can ask about the cluster''s nodes, taints and GPU load; give "
                        + "--scheduler-extender-client-ca-file to require kube-scheduler''s client certificate",
                        advisor.extenderPort());
            }
        }
        DelegatedGate.warnAboutModes(config.auth(), adapter.port());
        LOG.log(Level.INFO, "gpuscale adapter serving: https://{0}:{1,number,#} custom.metrics.k8s.io "
                + "v1beta2,v1beta1{2} max-age={3} certificate={4}", config.bindAddress(), adapter.port(),
                config.externalMetrics() ? " and external.metrics.k8s.io v1beta1" : "",
                Durations.format(config.maxAge()), config.tls() instanceof AdapterConfig.CertificateFiles files
                        ? files.certificate() : "self-signed");
    }

    private static void addIfCloseable(List<AutoCloseable> owned, Object part) {
        if (part instanceof AutoCloseable closeable) {
            owned.add(closeable);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "close failed", e);
        }
    }
}
