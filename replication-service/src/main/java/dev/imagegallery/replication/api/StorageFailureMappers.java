package dev.imagegallery.replication.api;

import dev.imagegallery.common.arm.ArmExceptionMappers;
import dev.imagegallery.replication.service.StorageFull;
import io.quarkus.logging.Log;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.io.UncheckedIOException;

/**
 * A store's I/O failure that reaches a resource (a download's manifest, a deletion's ref, a store that cannot be
 * opened) is the service's, not the client's: 507 {@code InsufficientStorage} for a full disk, else 503
 * {@code StorageUnavailable} with Retry-After, where the catch-all answered 500. Uploads name the region themselves
 * ({@code BlobService}).
 */
public class StorageFailureMappers {
    @ServerExceptionMapper
    public Response storage(UncheckedIOException e) {
        if (StorageFull.is(e)) {
            Log.warnf("a request found a store's disk full (answered 507): %s", e.getMessage());
            return ArmExceptionMappers.response(ArmExceptionMappers.failure(507, "InsufficientStorage",
                    "A store has no space left; nothing was stored. Retry when the operator has freed space.", null));
        }
        Log.warnf("a request's store failed (answered 503): %s", e.getMessage());
        return ArmExceptionMappers.response(ArmExceptionMappers.failure(503, "StorageUnavailable",
                "A store could not be read or written (its disk or storage account failed). Retry later.", null));
    }
}
