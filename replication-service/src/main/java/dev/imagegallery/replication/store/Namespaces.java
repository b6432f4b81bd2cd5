package dev.imagegallery.replication.store;

import java.util.Set;

/**
 * The namespaces of a backend, one per tenant: each has stores of its own, so chunks are deduplicated inside a
 * namespace and never across namespaces. Every backend keeps a namespace under {@value #FOLDER}{@code /{namespace}/}.
 */
public interface Namespaces {
    String FOLDER = "tenants";

    /** The stores of one namespace. */
    Backend backend(String namespace);

    /** The namespaces that exist (hold or held anything). */
    Set<String> list();
}
