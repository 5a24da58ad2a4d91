package io.gpuscale.adapter.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who a request comes from, as Kubernetes' {@code user.Info}: a name, an optional uid, groups and
 * extra attributes (keys lowercased, as the front proxy and TokenReview deliver them).
 */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
    public static final String ANONYMOUS = "system:anonymous";
    public static final String UNAUTHENTICATED = "system:unauthenticated";
    public static final String AUTHENTICATED = "system:authenticated";
    public static final String MASTERS = "system:masters";

    /** What a request without credentials is. */
    public static final UserInfo ANONYMOUS_USER = new UserInfo(ANONYMOUS, "", List.of(UNAUTHENTICATED), Map.of());

    public UserInfo {
        uid = uid == null ? "" : uid;
        groups = List.copyOf(groups);
        Map<String, List<String>> sorted = new TreeMap<>();
        extra.forEach((k, v) -> sorted.put(k, List.copyOf(v)));
        extra = java.util.Collections.unmodifiableMap(sorted);
    }

    /**
     * This user with {@code system:authenticated} added, as Kubernetes' authenticated-group adder
     * does for every identity but the anonymous one.
     */
    public UserInfo authenticated() {
        if (name.equals(ANONYMOUS) || groups.contains(AUTHENTICATED)) {
            return this;
        }
        List<String> more = new ArrayList<>(groups);
        more.add(AUTHENTICATED);
        return new UserInfo(name, uid, more, extra);
    }
}
