package io.leasegrid.codec;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdleStrategiesTest
{
    @Test
    void shouldMakeEachNamedStrategy()
    {
        assertInstanceOf(BackoffIdleStrategy.class, IdleStrategies.named("backoff"));
        assertInstanceOf(YieldingIdleStrategy.class, IdleStrategies.named("yielding"));
        assertInstanceOf(BusySpinIdleStrategy.class, IdleStrategies.named("busy-spin"));
        assertEquals("sleep-ms", IdleStrategies.named("sleeping").alias());
    }

    @Test
    void shouldTakeBackoffNumbers()
    {
        final BackoffIdleStrategy strategy = (BackoffIdleStrategy)IdleStrategies.named("backoff:10:20:1000:1000000");
        assertTrue(strategy.toString().contains("maxSpins=10"), strategy.toString());
        assertTrue(strategy.toString().contains("maxYields=20"), strategy.toString());
        assertTrue(strategy.toString().contains("maxParkPeriodNs=1000000"), strategy.toString());
    }

    @Test
    void shouldRejectWhatItDoesNotKnowWithTheNamesItDoes()
    {
        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> IdleStrategies.named("spin"));
        assertTrue(unknown.getMessage().contains(IdleStrategies.NAMES), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IdleStrategies.named("backoff:1:2"));
        assertThrows(IllegalArgumentException.class, () -> IdleStrategies.named("backoff:a:b:c:d"));
    }
}
