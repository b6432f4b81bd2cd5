package dev.imagegallery.replication.store;

import java.io.IOException;

/**
 * A store could not be read or written (its disk, or its storage account that stopped answering), as opposed to a
 * failure of what was being read into it (a client's body that broke off): the service answers it 503
 * {@code StorageUnavailable}, never as the client's fault.
 */
public final class StoreFailure extends IOException {
    public StoreFailure(ChunkStore store, IOException cause) {
        super(store + ": " + cause.getMessage(), cause);
    }

    /** Whether {@code failure} or one of its causes is a store's. */
    public static boolean is(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof StoreFailure) {
                return true;
            }
        }
        return false;
    }
}
