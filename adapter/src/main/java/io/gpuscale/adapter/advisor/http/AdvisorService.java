package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.ClusterIndex;
import io.gpuscale.adapter.advisor.GpuLoadRefresher;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.http.ApiRecorder;
import io.gpuscale.adapter.http.PostEndpoint;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.cluster.SchedulingView;
import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.tls.ServingCertificate;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * The placement advisor as {@code serve} runs it: one {@link ClusterIndex} following the cluster
 * view event by event, one {@link PlacementAdvisor} over it and the live GPU loads (read on their
 * own thread by a {@link GpuLoadRefresher}), its REST endpoint for the metrics port, and, when asked
 * for, the scheduler extender on its own port.
 */
public final class AdvisorService implements AutoCloseable {
    private final ClusterIndex index;
    private final GpuLoadRefresher gpuLoads;
    private final PlacementAdvisor advisor;
    private final SchedulerExtenderServer extender;

    private AdvisorService(ClusterIndex index, GpuLoadRefresher gpuLoads, PlacementAdvisor advisor,
            SchedulerExtenderServer extender) {
        this.index = index;
        this.gpuLoads = gpuLoads;
        this.advisor = advisor;
        this.extender = extender;
    }

    /**
     * Builds the index and, when {@code extenderPort} is not negative, binds the extender.
     *
     * @param metrics the live readings, or null for none
     * @param extenderPort the extender's port (0 picks one); negative for no extender
     * @throws ListenException when the extender's port cannot be bound; nothing is left running
     */
    public static AdvisorService start(SchedulingView cluster, GpuMetrics metrics, AdvisorOptions options,
            String host, int extenderPort, ServingCertificate certificate) throws ListenException {
        return start(cluster, metrics, options, host, extenderPort, certificate, RequestGate.ALLOW_ALL);
    }

    /**
     * As above, with every extender request first through {@code extenderGate} (mutual TLS with
     * kube-scheduler's client certificate, {@code --scheduler-extender-client-ca-file}).
     */
    public static AdvisorService start(SchedulingView cluster, GpuMetrics metrics, AdvisorOptions options,
            String host, int extenderPort, ServingCertificate certificate, RequestGate extenderGate)
            throws ListenException {
        return start(cluster, metrics, options, host, extenderPort, certificate, extenderGate, ApiRecorder.NONE);
    }

    /** As above, telling {@code extenderRecorder} about every extender call (the adapter's own metrics). */
    public static AdvisorService start(SchedulingView cluster, GpuMetrics metrics, AdvisorOptions options,
            String host, int extenderPort, ServingCertificate certificate, RequestGate extenderGate,
            ApiRecorder extenderRecorder) throws ListenException {
        ClusterIndex index = ClusterIndex.of(cluster);
        GpuLoadRefresher gpuLoads = metrics == null ? null
                : new GpuLoadRefresher(metrics, options.gpuMaxAge(), Clock.systemUTC()).start();
        PlacementAdvisor advisor = new PlacementAdvisor(index, gpuLoads, options, Clock.systemUTC());
        SchedulerExtenderServer extender = null;
        if (extenderPort >= 0) {
            try {
                extender = SchedulerExtenderServer.start(host, extenderPort, certificate, advisor, extenderGate,
                        extenderRecorder);
            } catch (Exception e) {
                if (gpuLoads != null) {
                    gpuLoads.close();
                }
                index.close();
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new ListenException("cannot serve the scheduler extender on " + host + ":" + extenderPort + ": "
                        + cause.getMessage(), cause);
            }
        }
        return new AdvisorService(index, gpuLoads, advisor, extender);
    }

    /** What the metrics port serves besides the metrics: {@code POST /advisor/v1/explain}. */
    public List<PostEndpoint> restEndpoints() {
        return AdvisorEndpoints.rest(advisor);
    }

    public PlacementAdvisor advisor() {
        return advisor;
    }

    /** What reads the GPU loads (its getters are what the adapter's own metrics need); null without readings. */
    public GpuLoadRefresher gpuLoads() {
        return gpuLoads;
    }

    /** The extender's bound port, or -1 when there is none. */
    public int extenderPort() {
        return extender == null ? -1 : extender.port();
    }

    /** The extender (if any) follows certificate files as the metrics port does. */
    public void watchCertificateFiles(Path certificateFile, Path keyFile) {
        if (extender != null) {
            extender.watchCertificateFiles(certificateFile, keyFile);
        }
    }

    @Override
    public void close() {
        if (extender != null) {
            extender.close();
        }
        if (gpuLoads != null) {
            gpuLoads.close();
        }
        index.close();
    }

    /** The extender's address could not be served. */
    public static final class ListenException extends Exception {
        private static final long serialVersionUID = 1L;

        ListenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public String toString() {
        return "placement advisor" + (extender == null ? "" : " and " + extender);
    }
}
