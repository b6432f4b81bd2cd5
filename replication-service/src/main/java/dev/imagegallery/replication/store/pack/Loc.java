package dev.imagegallery.replication.store.pack;

import java.util.Comparator;

/** Where a chunk is: {@code length} bytes at {@code offset} of pack {@code pack}. */
public record Loc(int pack, long offset, int length) {
    /** Pack order: by pack, then offset (as the index's locations are keyed). */
    public static final Comparator<Loc> ORDER = Comparator.comparingInt(Loc::pack).thenComparingLong(Loc::offset);
}
