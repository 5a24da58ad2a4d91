package io.gpuscale.common.testing;

import io.gpuscale.common.tls.TrustAll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The standing corpus of malformed and hostile HTTP/1.1 requests that the agent's and the
 * adapter's ports must answer with a 4xx (or the one status Vert.x gives itself) and no log line
 * above INFO: bad paths and escapes, methods, versions, request-target forms, headers and sizes.
 * Each is sent raw on its own connection, so that nothing in a client library tidies it up.
 */
public final class MalformedRequests {
    private MalformedRequests() {
    }

    /** One request: a short name for reports and its bytes as sent. */
    public record Request(String name, byte[] bytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Request req(String name, String text) {
        return new Request(name, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Request get(String name, String target, String headers) {
        return req(name, "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n");
    }

    /** The corpus; every request is complete (the server need not wait for more bytes). */
    public static List<Request> corpus() {
        List<Request> c = new ArrayList<>();
        // paths and escapes
        c.add(get("invalid %-escape", "/a%zz", ""));
        c.add(get("truncated %-escape", "/metrics%2", ""));
        c.add(get("escaped NUL", "/%00", ""));
        c.add(get("escaped newline", "/metrics%0a", ""));
        c.add(get("escaped slash and dots", "/..%2f..%2fetc%2fpasswd", ""));
        c.add(get("dot segments", "/../../etc/passwd", ""));
        c.add(get("double slashes", "//metrics", ""));
        c.add(get("backslashes", "/\\metrics\\..\\", ""));
        c.add(get("invalid %-escape in the query", "/metrics?x=%zz", ""));
        c.add(get("overlong UTF-8 escape", "/%c0%af", ""));
        c.add(get("invalid UTF-8 escape", "/%ff%fe", ""));
        c.add(get("raw non-ASCII bytes", "/m\u00e9trics", ""));
        c.add(get("unknown path", "/admin", ""));
        c.add(get("asterisk with GET", "*", ""));
        c.add(get("absolute-form with an invalid escape", "http://localhost/%zz", ""));
        c.add(get("absolute-form of another host", "http://example.invalid/metrics", ""));
        c.add(get("authority-form with GET", "localhost:443", ""));
        c.add(get("fragment in the target", "/metrics#frag", ""));
        // methods
        c.add(req("OPTIONS asterisk", "OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("CONNECT", "CONNECT example.invalid:443 HTTP/1.1\r\nHost: example.invalid:443\r\n\r\n"));
        c.add(req("TRACE", "TRACE / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("unknown method", "BREW /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("DELETE", "DELETE /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("PUT with a body", "PUT /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc"));
        c.add(req("lower-case method", "get /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("PRI outside HTTP/2", "PRI * HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        // versions and request lines
        c.add(req("HTTP/9.9", "GET / HTTP/9.9\r\nHost: localhost\r\n\r\n"));
        c.add(req("HTTP/0.9 style", "GET /\r\n\r\n"));
        c.add(req("garbage version", "GET / FOO/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("extra spaces in the request line", "GET  /metrics  HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("tab in the request line", "GET\t/metrics\tHTTP/1.1\r\nHost: localhost\r\n\r\n"));
        c.add(req("binary garbage", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\r\n\r\n"));
        // headers
        c.add(req("no Host", "GET /metrics HTTP/1.1\r\n\r\n"));
        c.add(req("empty Host", "GET /metrics HTTP/1.1\r\nHost:\r\n\r\n"));
        c.add(req("non-ASCII Host", "GET / HTTP/1.1\r\nHost: h\u00c3\u00a9\r\n\r\n"));
        c.add(req("Host with a bad port", "GET /metrics HTTP/1.1\r\nHost: localhost:99999999\r\n\r\n"));
        c.add(req("Host with a space", "GET /metrics HTTP/1.1\r\nHost: local host\r\n\r\n"));
        c.add(req("two Host headers", "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
        c.add(req("header without a colon", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n"));
        c.add(req("obsolete line folding", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n  folded\r\n\r\n"));
        c.add(req("space before the colon", "GET /metrics HTTP/1.1\r\nHost : localhost\r\n\r\n"));
        c.add(req("invalid Content-Length", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n"));
        c.add(req("two Content-Lengths", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n"
                + "Content-Length: 2\r\n\r\nab"));
        c.add(req("Content-Length and chunked", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        c.add(req("unknown Transfer-Encoding", "GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
                + "Transfer-Encoding: gzip, zstd\r\n\r\n"));
        c.add(req("bad chunk size", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nabc\r\n0\r\n\r\n"));
        c.add(req("Upgrade to h2c", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: %%%\r\n\r\n"));
        c.add(req("broken WebSocket upgrade", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\n\r\n"));
        c.add(req("control characters in a header", "GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-A: a\u0000b\u0007\r\n\r\n"));
        // sizes
        c.add(get("16 KiB path", "/" + "a".repeat(16 * 1024), ""));
        c.add(get("64 KiB query", "/metrics?q=" + "a".repeat(64 * 1024), ""));
        c.add(get("one 64 KiB header", "/metrics", "X-Big: " + "b".repeat(64 * 1024) + "\r\n"));
        c.add(get("2,000 small headers", "/metrics", "X-H: v\r\n".repeat(2000)));
        c.add(get("1 MiB Accept", "/metrics", "Accept: " + "text/plain;q=0.1,".repeat(60_000) + "\r\n"));
        return c;
    }

    /**
     * Sends one request on a new connection (over TLS that trusts any certificate when {@code tls})
     * and returns the status code of the answer, or -1 when the server closed without one.
     */
    public static int statusOf(Request r, String host, int port, boolean tls) throws IOException {
        try (Socket s = open(host, port, tls)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(r.bytes());
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before reading everything (a large header); read what came
            }
            String line = statusLine(s.getInputStream());
            if (line.isEmpty()) {
                return -1;
            }
            String[] parts = line.split(" ", 3);
            return parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int b = in.read(); b >= 0 && b != '\n' && line.size() < 1024; b = in.read()) {
                if (b != '\r') {
                    line.write(b);
                }
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // a reset after the answer: keep what was read
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static Socket open(String host, int port, boolean tls) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(host, port), 30_000);
        if (!tls) {
            return plain;
        }
        try {
            SSLContext ctx = TrustAll.context();
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, port, true);
            s.setSoTimeout(30_000);
            s.startHandshake();
            return s;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }
}
