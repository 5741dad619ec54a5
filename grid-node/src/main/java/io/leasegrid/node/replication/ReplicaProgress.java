package io.leasegrid.node.replication;

import io.aeron.ExclusivePublication;
import io.leasegrid.journal.JournalReader;

/**
 * What a primary knows of one replica's copy of one partition: the next entry to send it, the last it acknowledged,
 * the reader that feeds it from the journal while it is behind, or the snapshot that replaces its copy. Owned by the primary's shard thread.
 */
final class ReplicaProgress
{
    /** Where the replica stands is not known: send it nothing until it says (it is probed). */
    static final long UNKNOWN = -1;

    final int nodeId;
    final ExclusivePublication link;
    long nextSendPosition = UNKNOWN;
    long ackedPosition = -1;
    long nextProbeNs;
    /** When the replica last told where it stands (acknowledgement or catch-up request). */
    long heardNs;
    boolean needsSnapshot;
    /** The replica has said where it stands since this node started. */
    boolean heard;
    /** Resends in a row that brought no acknowledgement. */
    int resendsUnanswered;
    JournalReader reader;
    /** What the replica reported while its primary was recovering: checked once the primary leads. */
    long reportedNextPosition;
    long reportedLastEntryEpoch;
    long reportedEpoch;
    /** The epoch in which this primary last found the copy to agree with its journal (0: not in this run). */
    long checkedEpoch;
    /** The run of the replica's process that last asked. */
    long checkedRunId;
    /** The lowest position a resend starts at: after a snapshot sent to it, the snapshot's end. */
    long resendFrom;
    /** A snapshot being sent to it (while {@link #needsSnapshot}): its bytes, how many went, the position it covers. */
    byte[] snapshot;
    int snapshotSent;
    long snapshotPosition;

    ReplicaProgress(final int nodeId, final ExclusivePublication link)
    {
        this.nodeId = nodeId;
        this.link = link;
    }

    /**
     * @return true when the replica is known and behind the journal's {@code nextPosition}: live sends skip it and
     * catch-up feeds it.
     */
    boolean isBehind(final long nextPosition)
    {
        return UNKNOWN != nextSendPosition && !needsSnapshot && nextSendPosition < nextPosition;
    }

    /**
     * The link went down: forget where the replica stands until it answers a probe.
     */
    void forget()
    {
        nextSendPosition = UNKNOWN;
        checkedEpoch = 0;
        resendFrom = 0;
        needsSnapshot = false;
        snapshot = null;
        closeReader();
    }

    void closeReader()
    {
        if (null != reader)
        {
            reader.close();
            reader = null;
        }
    }
}
