package dev.imagegallery.replication.store;

import java.io.IOException;

/** Where the replica stores of one namespace live: folders on local disk, or containers of Azure storage accounts. */
public interface Backend {
    /** Opens (creating when absent) replica store {@code replica} of {@code region}. */
    ChunkStore open(String region, int replica) throws IOException;

    /** How many replica stores the region has (replica 0 .. n-1); opening replica n adds one. */
    int replicas(String region);

    default void close() {
    }
}
