package dev.imagegallery.replication.service;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules of a region's budget of bytes in flight, without Quarkus. */
class CopyBudgetTest {
    static final long MIB = 1 << 20;

    @Test
    void smallCopiesStartWhileBigOnesHoldTheirHalf() {
        CopyBudget b = new CopyBudget(256 * MIB, 8);
        CopyBudget.Lease big = b.take(16L << 30); // 16 GiB: holds half the budget
        assertNotNull(big);
        assertTrue(big.big());
        assertNull(b.take(64 * MIB), "a second big copy waits for the first");
        for (int i = 0; i < 8; i++) {
            assertNotNull(b.take(MIB), "small copy " + i + " does not wait for the big one");
        }
        assertNull(b.take(MIB), "at most 8 small copies at once");
    }

    @Test
    void aBigCopyStartsWhenNoneRunsWhateverTheSmallOnesHold() {
        CopyBudget b = new CopyBudget(256 * MIB, 1000);
        int small = 0;
        while (b.take(60 * MIB) != null) { // below a quarter: small
            small++;
        }
        assertEquals(2, small, "small copies share their half (60 + 60 <= 128 MiB)");
        assertNotNull(b.take(1L << 40), "a big copy is never starved by small ones");
    }

    @Test
    void aCopyBiggerThanTheBudgetStillRunsAlone() {
        CopyBudget b = new CopyBudget(16 * MIB, 2);
        CopyBudget.Lease l = b.take(1L << 40);
        assertNotNull(l);
        assertEquals(8 * MIB, b.held(), "it holds half the budget, not its size");
        l.close();
        l.close(); // given back once
        assertEquals(0, b.held());
        assertEquals(0, b.copies());
        assertNotNull(b.take(1L << 40));
    }

    @Test
    void twoBigCopiesRunTogetherWhenTheyFitTheirHalf() {
        CopyBudget b = new CopyBudget(256 * MIB, 8);
        assertTrue(b.isBig(64 * MIB));
        assertFalse(b.isBig(63 * MIB));
        assertNotNull(b.take(64 * MIB));
        assertNotNull(b.take(64 * MIB));
        assertNull(b.take(64 * MIB));
        assertEquals(2, b.copies());
    }
}
