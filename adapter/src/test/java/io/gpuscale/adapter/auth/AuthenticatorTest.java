package io.gpuscale.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who a request is, from its certificate chain and headers, without any I/O. */
class AuthenticatorTest {
    private static final TestPki.Ca FRONT = TestPki.ca("front-proxy-ca");
    private static final TestPki.Ca CLIENTS = TestPki.ca("client-ca");
    private static final TestPki.Ca OTHER = TestPki.ca("other-ca");
    private static final AuthenticationConfig CONFIG = AuthenticationConfig.fromConfigMap(Map.of(
            "client-ca-file", CLIENTS.pem(),
            "requestheader-client-ca-file", FRONT.pem(),
            "requestheader-allowed-names", "[\"front-proxy-client\",\"aggregator\"]",
            "requestheader-username-headers", "[\"X-Remote-User\"]",
            "requestheader-uid-headers", "[\"X-Remote-Uid\"]",
            "requestheader-group-headers", "[\"X-Remote-Group\"]",
            "requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]"));

    private static Authentication authenticate(AuthenticationConfig config, TestPki.Issued cert, String... headers) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        List<X509Certificate> chain = cert == null ? List.of() : List.of(cert.certificate());
        return Authenticator.authenticate(config, chain, h, Instant.now());
    }

    private static UserInfo user(Authentication a) {
        assertThat(a).isInstanceOf(Authentication.Authenticated.class);
        return ((Authentication.Authenticated) a).user();
    }

    @Test
    void theFrontProxyNamesUserUidGroupsAndDecodedLowercasedExtras() {
        UserInfo u = user(authenticate(CONFIG, FRONT.client("aggregator"), "X-Remote-User", "alice",
                "X-Remote-Uid", "42", "X-Remote-Group", "a", "X-Remote-Group", "b,c",
                "X-Remote-Extra-Scopes", "view", "X-Remote-Extra-Scopes", "edit",
                "X-Remote-Extra-Example.org%2FTeam", "gpu", "X-Remote-Extra-Bad%zz", "kept"));
        assertThat(u.name()).isEqualTo("alice");
        assertThat(u.uid()).isEqualTo("42");
        assertThat(u.groups()).containsExactly("a", "b,c", "system:authenticated");
        assertThat(u.extra()).isEqualTo(Map.of("scopes", List.of("view", "edit"), "example.org/team", List.of("gpu"),
                "bad%zz", List.of("kept")));
    }

    @Test
    void theFrontProxyWithoutAUserHeaderIsNotTheFrontProxyAndWithAnEmptyAllowListAnyNameWorks() {
        assertThat(authenticate(CONFIG, FRONT.client("aggregator"))).isInstanceOf(Authentication.Rejected.class);
        AuthenticationConfig anyName = new AuthenticationConfig(CONFIG.clientCa(), CONFIG.requestHeaderCa(),
                java.util.Set.of(), CONFIG.usernameHeaders(), CONFIG.uidHeaders(), CONFIG.groupHeaders(),
                CONFIG.extraHeaderPrefixes());
        assertThat(user(authenticate(anyName, FRONT.client("whoever"), "X-Remote-User", "bob")).name())
                .isEqualTo("bob");
    }

    @Test
    void frontProxyHeadersCountOnlyWithTheFrontProxysCertificate() {
        assertThat(authenticate(CONFIG, null, "X-Remote-User", "admin", "X-Remote-Group", "system:masters"))
                .isInstanceOf(Authentication.Anonymous.class);
        assertThat(authenticate(CONFIG, OTHER.client("front-proxy-client"), "X-Remote-User", "admin"))
                .isInstanceOf(Authentication.Rejected.class);
        assertThat(authenticate(CONFIG, FRONT.client("intruder"), "X-Remote-User", "admin"))
                .isInstanceOf(Authentication.Rejected.class);
        UserInfo u = user(authenticate(CONFIG, CLIENTS.client("carol", "devs"), "X-Remote-User", "admin"));
        assertThat(u.name()).isEqualTo("carol");
    }

    @Test
    void aClientCertificateIsItsCnAndOrganizationsAndMustBeCurrentAndForClients() {
        UserInfo u = user(authenticate(CONFIG, CLIENTS.client("carol", "devs", "gpu-readers")));
        assertThat(u.groups()).containsExactly("devs", "gpu-readers", "system:authenticated");
        assertThat(authenticate(CONFIG, CLIENTS.expiredClient("carol"))).isInstanceOf(Authentication.Rejected.class);
        assertThat(authenticate(CONFIG, CLIENTS.serverOnly("carol"))).isInstanceOf(Authentication.Rejected.class);
    }

    @Test
    void aChainThatVerifiedBeforeIsStillCheckedForDatesAndAgainstTheAnchorsOfTheMoment() {
        TestPki.Issued cert = CLIENTS.client("dave");
        List<X509Certificate> chain = List.of(cert.certificate());
        assertThat(ClientCertificateVerifier.verify(chain, CONFIG.clientCa(), Instant.now())).isNull();
        assertThat(ClientCertificateVerifier.verify(chain, CONFIG.clientCa(), Instant.now())).isNull();
        assertThat(ClientCertificateVerifier.verify(chain, CONFIG.clientCa(), Instant.now().plus(
                java.time.Duration.ofDays(2)))).isNotNull();
        AuthenticationConfig rotated = AuthenticationConfig.fromConfigMap(Map.of("client-ca-file", OTHER.pem()));
        assertThat(ClientCertificateVerifier.verify(chain, rotated.clientCa(), Instant.now())).isNotNull();
        AuthenticationConfig sameCaNewVersion = AuthenticationConfig.fromConfigMap(Map.of("client-ca-file",
                CLIENTS.pem()));
        assertThat(ClientCertificateVerifier.verify(chain, sameCaNewVersion.clientCa(), Instant.now())).isNull();
    }

    @Test
    void aCertificateIsIgnoredWhenNoCaIsConfiguredAndATokenStillCounts() {
        assertThat(authenticate(AuthenticationConfig.NONE, OTHER.client("x"))).isInstanceOf(
                Authentication.Anonymous.class);
        assertThat(authenticate(CONFIG, OTHER.client("x"), "Authorization", "Bearer abc"))
                .isEqualTo(new Authentication.BearerToken("abc"));
        assertThat(new Authentication.BearerToken("secret").toString()).doesNotContain("secret");
    }

    @Test
    void bearerTokensAreSplitAsGoDoes() {
        assertThat(Authenticator.bearerToken("Bearer abc")).isEqualTo("abc");
        assertThat(Authenticator.bearerToken("  bearer abc  ")).isEqualTo("abc");
        assertThat(Authenticator.bearerToken("Bearer abc extra")).isEqualTo("abc");
        assertThat(Authenticator.bearerToken("Basic abc")).isNull();
        assertThat(Authenticator.bearerToken("Bearer")).isNull();
        assertThat(Authenticator.bearerToken("Bearer  abc")).isNull();
        assertThat(Authenticator.bearerToken(null)).isNull();
    }

    @Test
    void aBrokenConfigMapIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> AuthenticationConfig.fromConfigMap(Map.of("client-ca-file", "not pem")))
                .hasMessageContaining("client-ca-file");
        assertThatThrownBy(() -> AuthenticationConfig.fromConfigMap(Map.of("requestheader-allowed-names", "a,b")))
                .hasMessageContaining("requestheader-allowed-names");
        assertThatThrownBy(() -> AuthenticationConfig.fromConfigMap(Map.of("requestheader-group-headers", "[1]")))
                .hasMessageContaining("requestheader-group-headers");
        assertThat(AuthenticationConfig.fromConfigMap(Map.of())).isEqualTo(AuthenticationConfig.NONE);
    }
}
