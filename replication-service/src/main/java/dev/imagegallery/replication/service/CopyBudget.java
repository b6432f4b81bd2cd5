package dev.imagegallery.replication.service;

/**
 * What copies into one region may hold at once, counted in bytes in flight rather than in jobs, so that a burst of small
 * versions does not queue behind a big one and a big one still moves.
 *
 * <p>The budget ({@code gallery.store.max-copy-bytes-in-flight-per-region}) has two halves. A copy holds the bytes it
 * may move (its content's non-zero bytes), at most half the budget. Copies of at least a quarter of the budget are
 * <em>big</em> and share one half: a big copy starts while the big ones running hold no more than that half with it,
 * and always when no big one runs, so a big copy is never starved by small ones. Smaller copies share the other half
 * (and at most {@code maxSmallCopies} of them run at once: each takes a copier thread and database connections), so
 * they never wait for a big one. Plain Java, no Quarkus: the rule has unit tests of its own.
 */
public final class CopyBudget {
    private final long half;
    private final int maxSmallCopies;
    private long bigHeld;
    private long smallHeld;
    private int bigCopies;
    private int smallCopies;

    /** A budget of {@code bytesInFlight} bytes (at least 2) with at most {@code maxSmallCopies} small copies at once. */
    public CopyBudget(long bytesInFlight, int maxSmallCopies) {
        this.half = Math.max(1, bytesInFlight / 2);
        this.maxSmallCopies = Math.max(1, maxSmallCopies);
    }

    /** What a copy of {@code bytes} holds: between 1 byte and half the budget. */
    long charge(long bytes) {
        return Math.max(1, Math.min(bytes, half));
    }

    /** A copy of {@code bytes} is big when it would hold at least a quarter of the budget. */
    public boolean isBig(long bytes) {
        return charge(bytes) * 2 >= half;
    }

    /** Takes room for a copy of {@code bytes} if there is some: answers its lease, or null when it must wait. */
    public synchronized Lease take(long bytes) {
        long c = charge(bytes);
        if (isBig(bytes)) {
            if (bigCopies > 0 && bigHeld + c > half) {
                return null;
            }
            bigHeld += c;
            bigCopies++;
            return new Lease(c, true);
        }
        if (smallCopies >= maxSmallCopies || (smallCopies > 0 && smallHeld + c > half)) {
            return null;
        }
        smallHeld += c;
        smallCopies++;
        return new Lease(c, false);
    }

    /** Copies running now. */
    public synchronized int copies() {
        return bigCopies + smallCopies;
    }

    /** Bytes the running copies hold. */
    public synchronized long held() {
        return bigHeld + smallHeld;
    }

    private synchronized void give(Lease l) {
        if (l.big) {
            bigHeld -= l.bytes;
            bigCopies--;
        } else {
            smallHeld -= l.bytes;
            smallCopies--;
        }
    }

    /** The room one copy holds; given back once with {@link #close()}. */
    public final class Lease implements AutoCloseable {
        private final long bytes;
        private final boolean big;
        private boolean closed;

        private Lease(long bytes, boolean big) {
            this.bytes = bytes;
            this.big = big;
        }

        public boolean big() {
            return big;
        }

        @Override
        public void close() {
            synchronized (CopyBudget.this) {
                if (!closed) {
                    closed = true;
                    give(this);
                }
            }
        }
    }
}
