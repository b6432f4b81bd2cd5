package dev.imagegallery.replication.store;

import java.io.IOException;

/** A chunk read from a store is missing, short, or does not match its digest: it must never be served. */
public class CorruptChunkException extends IOException {
    public final ChunkId id;

    public CorruptChunkException(ChunkId id, String message) {
        super(message);
        this.id = id;
    }
}
