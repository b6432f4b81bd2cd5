package dev.imagegallery.access.api;

import dev.imagegallery.access.persistence.Subscription;

/** A subscription in ARM shape (Microsoft.Resources/subscriptions, api-version 2022-12-01). */
public record SubscriptionBody(String id, String subscriptionId, String tenantId, String displayName, String state) {
    public static SubscriptionBody of(Subscription s) {
        return new SubscriptionBody("/subscriptions/" + s.id, s.id, s.tenantId, s.displayName, s.state);
    }
}
