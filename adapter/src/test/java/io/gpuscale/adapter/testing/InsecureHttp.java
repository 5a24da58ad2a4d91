package io.gpuscale.adapter.testing;

import io.gpuscale.common.tls.TrustAll;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.time.Duration;

/** HTTPS clients for tests about the adapter's answers, not its TLS. */
public final class InsecureHttp {
    private InsecureHttp() {
    }

    /** Trusts any server certificate (the adapter's are self-signed here); connects within 5 seconds. */
    public static HttpClient client() throws GeneralSecurityException {
        return HttpClient.newBuilder().sslContext(TrustAll.context()).connectTimeout(Duration.ofSeconds(30)).build();
    }
}
