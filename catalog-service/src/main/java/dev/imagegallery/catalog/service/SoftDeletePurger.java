package dev.imagegallery.catalog.service;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/** Purges soft-deleted versions once their retention period is over (their replicas go then). */
@ApplicationScoped
public class SoftDeletePurger {
    private final VersionDeletion versions;

    public SoftDeletePurger(VersionDeletion versions) {
        this.versions = versions;
    }

    @Scheduled(every = "${gallery.catalog.purge-interval:1h}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return versions.purgeSoftDeleted(Instant.now())
                .invoke(n -> {
                    if (n > 0) {
                        Log.infof("purged %d soft-deleted image version(s)", n);
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    Log.warnf("purging soft-deleted versions failed: %s", e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }
}
