package io.leasegrid.node.replication;

import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;

/**
 * Counts and alerts a replication frame refused for any reason: malformed, bad checksum, a partition or sender that
 * does not fit, an older epoch.
 */
final class ReplicationRefusals
{
    private final ShardCounters counters;
    private final Alerts alerts;

    ReplicationRefusals(final ShardCounters counters, final Alerts alerts)
    {
        this.counters = counters;
        this.alerts = alerts;
    }

    void refuse()
    {
        counters.increment(CounterType.REPLICATION_REFUSED);
        alerts.raise(Alerts.Kind.REPLICATION_REFUSED);
    }
}
