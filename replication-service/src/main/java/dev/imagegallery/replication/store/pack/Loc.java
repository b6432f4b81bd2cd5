package dev.imagegallery.replication.store.pack;

/** Where a chunk is: {@code length} bytes at {@code offset} of pack {@code pack}. */
public record Loc(int pack, long offset, int length) {
}
