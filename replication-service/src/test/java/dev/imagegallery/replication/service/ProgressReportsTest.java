package dev.imagegallery.replication.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressReportsTest {
    static final long MS = 1_000_000L;

    @Test
    void aCopyOfUnderASecondReportsNothingAndItsEndIsNeverAProgress() {
        // a 1 MiB copy: four checkpoints within 150 ms, the last at 100 %
        ProgressReports r = new ProgressReports(0);
        assertFalse(r.report(25, 40 * MS));
        assertFalse(r.report(50, 80 * MS));
        assertFalse(r.report(75, 110 * MS));
        assertFalse(r.report(100, 150 * MS));
        // and at 100 % even after a long copy
        assertFalse(new ProgressReports(0).report(100, 10_000 * MS));
    }

    @Test
    void aLongCopyReportsAtMostOnceASecond() {
        ProgressReports r = new ProgressReports(0, Duration.ofSeconds(1));
        int reported = 0;
        // a checkpoint every 200 ms for 10 s
        for (int i = 1; i <= 50; i++) {
            if (r.report(i * 2 - 1, i * 200 * MS)) {
                reported++;
            }
        }
        assertEquals(10, reported, "one a second, the first after the first second");
        ProgressReports slow = new ProgressReports(0);
        assertTrue(slow.report(5, 2_000 * MS), "checkpoints rarer than a second are each reported");
        assertTrue(slow.report(10, 4_000 * MS));
    }
}
