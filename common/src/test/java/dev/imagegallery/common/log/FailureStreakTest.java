package dev.imagegallery.common.log;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailureStreakTest {
    private final AtomicLong now = new AtomicLong();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> infos = new ArrayList<>();
    private final FailureStreak streak = new FailureStreak("replication round", Duration.ofMinutes(1), now::get,
            warnings::add, infos::add);

    private void at(double seconds) {
        now.set((long) (seconds * 1e9));
    }

    @Test
    void anOutageOfFiveMinutesRetriedEveryQuarterSecondIsSevenLinesNotTwelveHundred() {
        for (int i = 0; i < 1200; i++) {
            at(i * 0.25);
            streak.failed(new IllegalStateException("Connection refused: 127.0.0.1:55432"));
        }
        assertTrue(streak.failing());
        at(300);
        streak.succeeded();

        // the first failure at once, then one line a minute (at 60, 120, 180, 240 s), then the recovery
        assertEquals(5, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).startsWith("replication round failed"), warnings.get(0));
        assertTrue(warnings.get(0).endsWith("Connection refused: 127.0.0.1:55432"), warnings.get(0));
        assertTrue(warnings.get(1).contains("240 more failures in the last 60 s, 241 since 60 s ago"), warnings.get(1));
        assertEquals(List.of("replication round works again after 1200 failures over 5 min 0 s"), infos);
        assertFalse(streak.failing());
    }

    @Test
    void roundsThatSucceedLogNothingAndANewStreakStartsAfresh() {
        streak.succeeded();
        streak.succeeded();
        assertTrue(warnings.isEmpty() && infos.isEmpty());

        at(10);
        streak.failed("broker away");
        at(11);
        streak.succeeded();
        at(20);
        streak.failed("broker away again");
        assertEquals(2, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(1).endsWith("broker away again"), warnings.get(1));
        assertEquals(List.of("replication round works again after 1 failure over 1 s"), infos);
    }

    @Test
    void aFailureWithoutAMessageIsNamedByItsClass() {
        streak.failed(new NullPointerException());
        assertTrue(warnings.get(0).endsWith("java.lang.NullPointerException"), warnings.get(0));
    }
}
