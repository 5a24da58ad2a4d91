package io.gpuscale.adapter.auth;

/**
 * What a request asks to do, as Kubernetes' authorizer sees it ({@code authorizer.Attributes}):
 * a verb on a resource (group, version, resource, subresource, namespace, name), or a verb on a
 * non-resource path. Empty strings, never nulls, for parts a request does not have.
 */
public record RequestAttributes(boolean resourceRequest, String verb, String path, String group, String version,
        String resource, String subresource, String namespace, String name) {

    public static RequestAttributes nonResource(String verb, String path) {
        return new RequestAttributes(false, verb, path, "", "", "", "", "", "");
    }

    /**
     * The message of kube-apiserver's 403 for this request and user
     * ({@code responsewriters.forbiddenMessage} inside {@code errors.NewForbidden}), with the
     * authorizer's reason after a colon when it gave one.
     */
    public String forbiddenMessage(String user, String reason) {
        String why;
        if (!resourceRequest) {
            why = "User \"" + user + "\" cannot " + verb + " path \"" + path + "\"";
        } else {
            String res = subresource.isEmpty() ? resource : resource + "/" + subresource;
            why = "User \"" + user + "\" cannot " + verb + " resource \"" + res + "\" in API group \"" + group + "\""
                    + (namespace.isEmpty() ? " at the cluster scope" : " in the namespace \"" + namespace + "\"");
        }
        if (reason != null && !reason.isEmpty()) {
            why = why + ": " + reason;
        }
        if (!resourceRequest || resource.isEmpty()) {
            return "forbidden: " + why;
        }
        String qualified = group.isEmpty() ? resource : resource + "." + group;
        return name.isEmpty() ? qualified + " is forbidden: " + why
                : qualified + " \"" + name + "\" is forbidden: " + why;
    }
}
