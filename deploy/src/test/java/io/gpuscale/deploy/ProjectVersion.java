package io.gpuscale.deploy;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** The project's version, as the images are tagged: the parent pom's, without -SNAPSHOT. */
final class ProjectVersion {
    private ProjectVersion() {
    }

    /** e.g. "0.1.0" for 0.1.0-SNAPSHOT. */
    static String release() {
        return project().replaceFirst("-SNAPSHOT$", "");
    }

    /** The version in the repository's root pom.xml (project/version). */
    static String project() {
        Path pom = Manifests.repo().resolve("pom.xml");
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element project = factory.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
            for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals("version")) {
                    return e.getTextContent().strip();
                }
            }
        } catch (Exception e) {
            throw new AssertionError("cannot read the project version from " + pom + ": " + e.getMessage(), e);
        }
        throw new AssertionError(pom + " has no project version");
    }
}
