package dev.imagegallery.replication.store.pack;

import dev.imagegallery.replication.store.ChunkId;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a session holds: never a miss for a chunk added, and few false answers for others. */
class ChunkFilterTest {
    private static ChunkId id(SplittableRandom r) {
        return new ChunkId(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
    }

    @Test
    void everyChunkAddedIsHeldAndFewOthersAre() {
        ChunkFilter f = new ChunkFilter();
        SplittableRandom r = new SplittableRandom(1);
        int n = 300_000; // seven stages
        for (int i = 0; i < n; i++) {
            f.add(id(r));
        }
        assertEquals(n, f.added());
        SplittableRandom again = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            assertTrue(f.mightContain(id(again)), "chunk " + i);
        }
        SplittableRandom other = new SplittableRandom(2);
        int wrong = 0;
        for (int i = 0; i < 100_000; i++) {
            if (f.mightContain(id(other))) {
                wrong++;
            }
        }
        assertTrue(wrong < 1_000, "false answers for 1 % or more of chunks never added: " + wrong);
    }
}
