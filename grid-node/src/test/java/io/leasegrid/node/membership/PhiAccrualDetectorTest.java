package io.leasegrid.node.membership;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhiAccrualDetectorTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static PhiAccrualDetector detector()
    {
        return new PhiAccrualDetector(100, 100 * MS, 10 * MS, 0);
    }

    @Test
    void shouldNotSuspectBeforeAnyHeartbeat()
    {
        assertEquals(0.0, detector().phi(TimeUnit.SECONDS.toNanos(60)));
    }

    @Test
    void shouldStayLowWhileHeartbeatsArriveOnTimeAndRiseSteadilyWhenTheyStop()
    {
        final PhiAccrualDetector detector = detector();
        long nowNs = 1_000 * MS;
        for (int i = 0; i < 50; i++)
        {
            detector.heartbeat(nowNs);
            nowNs += 100 * MS;
        }
        final long lastNs = nowNs - 100 * MS;
        assertTrue(detector.phi(lastNs + 100 * MS) < 1.0, "on time");
        assertTrue(detector.isAvailable(lastNs + 110 * MS, 8.0), "a little late");
        double previous = 0;
        for (long delayMs = 100; delayMs <= 400; delayMs += 10)
        {
            final double phi = detector.phi(lastNs + delayMs * MS);
            assertTrue(phi >= previous, "phi never falls as the silence grows: " + phi + " after " + previous);
            previous = phi;
        }
        assertFalse(detector.isAvailable(lastNs + 300 * MS, 8.0), "three intervals of silence");
        assertEquals(PhiAccrualDetector.MAX_PHI, detector.phi(lastNs + 60_000 * MS));
    }

    @Test
    void shouldSuspectLessWhenHeartbeatsHaveAlwaysBeenIrregular()
    {
        final PhiAccrualDetector regular = detector();
        final PhiAccrualDetector jittery = detector();
        long regularNs = 0;
        long jitteryNs = 0;
        for (int i = 0; i < 100; i++)
        {
            regular.heartbeat(regularNs);
            jittery.heartbeat(jitteryNs);
            regularNs += 100 * MS;
            jitteryNs += (i % 2 == 0 ? 40 : 160) * MS;
        }
        final long delayNs = 250 * MS;
        assertTrue(jittery.phi(jitteryNs - 160 * MS + delayNs) < regular.phi(regularNs - 100 * MS + delayNs));
    }

    @Test
    void shouldForgiveAnAcceptablePause()
    {
        final PhiAccrualDetector strict = detector();
        final PhiAccrualDetector forgiving = new PhiAccrualDetector(100, 100 * MS, 10 * MS, 500 * MS);
        for (long t = 0; t <= 5_000 * MS; t += 100 * MS)
        {
            strict.heartbeat(t);
            forgiving.heartbeat(t);
        }
        final long pausedNs = 5_000 * MS + 400 * MS;
        assertFalse(strict.isAvailable(pausedNs, 8.0));
        assertTrue(forgiving.isAvailable(pausedNs, 8.0));
    }

    @Test
    void shouldRefuseSettingsThatCannotWork()
    {
        assertThrows(IllegalArgumentException.class, () -> new PhiAccrualDetector(1, 100 * MS, MS, 0));
        assertThrows(IllegalArgumentException.class, () -> new PhiAccrualDetector(10, 0, MS, 0));
        assertThrows(IllegalArgumentException.class, () -> new PhiAccrualDetector(10, 100 * MS, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PhiAccrualDetector(10, 100 * MS, MS, -1));
    }
}
