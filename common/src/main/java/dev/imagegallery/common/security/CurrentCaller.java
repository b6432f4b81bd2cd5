package dev.imagegallery.common.security;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;

/** The {@link Caller} of the current request, computed once from its verified token. */
@RequestScoped
public class CurrentCaller {
    private final SecurityIdentity identity;
    private Caller caller;

    public CurrentCaller(SecurityIdentity identity) {
        this.identity = identity;
    }

    public Caller get() {
        if (caller == null) {
            caller = CallerProducer.fromIdentity(identity);
        }
        return caller;
    }
}
