package io.leasegrid.node.partition;

import io.leasegrid.journal.PartitionJournal;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A partition as its shard holds it: role, epoch, state, journal, the answers waiting for their entries to commit,
 * and where its journal stands.
 * <ul>
 *     <li><b>append position</b>: the last entry in this node's journal;</li>
 *     <li><b>commit position</b>: the last entry that enough copies hold to survive the loss of a minority. Answers
 *     that depend on an entry are released only once it is committed. With one copy (no replicas) an entry is
 *     committed as soon as it is appended.</li>
 * </ul>
 * Owned by its shard's thread.
 */
public final class Partition
{
    private final int partitionId;
    private PartitionState state;
    private final PartitionJournal journal;
    private final PendingAnswers pendingAnswers = new PendingAnswers();
    private PartitionRole role = PartitionRole.RECOVERING;
    private long epoch;
    private long commitPosition = -1;
    private long epochStartPosition;
    private AtomicCounter roleCounter;
    private AtomicCounter appendPositionCounter;
    private AtomicCounter commitPositionCounter;
    private AtomicCounter epochCounter;
    private long nextCheckpointNs;
    private long entriesSinceSnapshot;
    private Replicator replicator;

    /**
     * Sends a primary's entries to its replicas and learns what they hold.
     */
    public interface Replicator
    {
        /**
         * The entry at {@code position} was appended to the partition's journal just now; it is the journal's last.
         */
        void onAppended(Partition partition, long position);

        /**
         * @return the position that W copies hold, counting this node's journal.
         */
        long quorumPosition(Partition partition);

        /**
         * @return true when enough replicas are reachable that a new entry could reach W copies.
         */
        boolean canReachWriteQuorum();
    }

    /**
     * @param state   recovered so far.
     * @param journal of the partition.
     * @param epoch   the partition is served in.
     */
    public Partition(final PartitionState state, final PartitionJournal journal, final long epoch)
    {
        this.partitionId = state.partitionId();
        this.state = state;
        this.journal = journal;
        this.epoch = epoch;
    }

    public int partitionId()
    {
        return partitionId;
    }

    public PartitionState state()
    {
        return state;
    }

    public PartitionJournal journal()
    {
        return journal;
    }

    public PendingAnswers pendingAnswers()
    {
        return pendingAnswers;
    }

    public PartitionRole role()
    {
        return role;
    }

    /**
     * @return true while this node decides and answers for the partition.
     */
    public boolean isPrimary()
    {
        return PartitionRole.PRIMARY == role;
    }

    public long epoch()
    {
        return epoch;
    }

    /**
     * @return position of the last entry in this node's journal, -1 when it is empty.
     */
    public long appendPosition()
    {
        return journal.nextPosition() - 1;
    }

    /**
     * @return position of the last committed entry, -1 when none.
     */
    public long commitPosition()
    {
        return commitPosition;
    }

    /**
     * @return true when the periodic time checkpoint is due at {@code nowNs}.
     */
    public boolean isCheckpointDue(final long nowNs)
    {
        return nowNs - nextCheckpointNs >= 0;
    }

    /**
     * Next periodic time checkpoint at {@code deadlineNs}.
     */
    public void nextCheckpointNs(final long deadlineNs)
    {
        this.nextCheckpointNs = deadlineNs;
    }

    /**
     * @return entries appended since the last snapshot.
     */
    public long entriesSinceSnapshot()
    {
        return entriesSinceSnapshot;
    }

    /**
     * Show this partition's role and positions in these counters from now on; null for none.
     */
    public void counters(
        final AtomicCounter role,
        final AtomicCounter appendPosition,
        final AtomicCounter commitPosition,
        final AtomicCounter epoch)
    {
        this.roleCounter = role;
        this.appendPositionCounter = appendPosition;
        this.commitPositionCounter = commitPosition;
        this.epochCounter = epoch;
        updateCounters();
    }

    /**
     * Mirror role, epoch and positions to the counters; from the slow tick, not per entry.
     */
    public void updateCounters()
    {
        if (null != roleCounter)
        {
            roleCounter.setRelease(role.code());
            appendPositionCounter.setRelease(appendPosition());
            commitPositionCounter.setRelease(commitPosition);
            epochCounter.setRelease(epoch);
        }
    }

    /**
     * Serve the partition as its primary in {@code epoch}. Alone (no replicator), what the journal holds counts as
     * committed, since this node holds the only copy; with replicas, only what a write quorum acknowledges.
     *
     * @param replicator its replicas' link, or null when it has none.
     */
    public void becomePrimary(final long epoch, final Replicator replicator)
    {
        this.epoch = epoch;
        this.replicator = replicator;
        // With replicas, the commit position is what a quorum acknowledges, from wherever it stood.
        this.commitPosition = null == replicator ? appendPosition() : commitPosition;
        role = PartitionRole.PRIMARY;
        updateCounters();
    }

    /**
     * Prepare to serve the partition as its primary in {@code epoch} once its replicas have said where they stand:
     * until then it answers nothing.
     */
    public void awaitReplicas(final long epoch, final Replicator replicator)
    {
        this.epoch = epoch;
        this.epochStartPosition = Long.MAX_VALUE;
        this.replicator = replicator;
        role = PartitionRole.RECOVERING;
        updateCounters();
    }

    /**
     * @return the link to its replicas, or null.
     */
    public Replicator replicator()
    {
        return replicator;
    }

    /**
     * Serve the partition as its primary in {@code epoch}, alone.
     */
    public void becomePrimary(final long epoch)
    {
        becomePrimary(epoch, null);
    }

    /**
     * Hold a copy of the partition for its primary in {@code epoch}: take its entries, answer nothing.
     */
    public void becomeReplica(final long epoch)
    {
        this.epoch = epoch;
        this.replicator = null;
        role = PartitionRole.REPLICA;
        updateCounters();
    }

    /**
     * An entry was appended (and applied) at {@code position}.
     */
    void onAppended(final long position)
    {
        entriesSinceSnapshot++;
        if (null == replicator)
        {
            // One copy is a quorum of one: the entry is committed now.
            commitPosition = position;
        }
        else
        {
            replicator.onAppended(this, position);
            updateCommitPosition();
        }
    }

    /**
     * @return true when a change decided now could commit: always alone, with replicas while W copies are reachable.
     */
    public boolean canReachWriteQuorum()
    {
        return null == replicator || replicator.canReachWriteQuorum();
    }

    /**
     * A replica appended (and applied) its primary's entry at {@code position}.
     */
    public void onReplicated(final long position)
    {
        entriesSinceSnapshot++;
    }

    /**
     * Move the commit position to what a write quorum now holds; it never moves back.
     *
     * @return true when it moved.
     */
    public boolean updateCommitPosition()
    {
        if (null == replicator)
        {
            return false;
        }
        final long quorum = replicator.quorumPosition(this);
        // Earlier epochs' entries become final only together with one of this epoch's (the checkpoint journaled when
        // it started leading): copies of an old tail alone do not decide it, as a later primary may not hold them.
        if (quorum > commitPosition && quorum >= epochStartPosition)
        {
            commitPosition = quorum;
            return true;
        }
        return false;
    }

    /**
     * A replica's copy was rolled back or replaced by its primary's snapshot: from now on it is {@code state}.
     * Cold path; only replicas, which answer no one, replace their state.
     */
    public void replaceState(final PartitionState state)
    {
        if (state.partitionId() != partitionId)
        {
            throw new IllegalArgumentException("state of partition " + state.partitionId() + " given to " + partitionId);
        }
        this.state = state;
        entriesSinceSnapshot = 0;
    }

    /**
     * This primary's epoch begins with the entry at {@code position}.
     */
    public void epochStartsAt(final long position)
    {
        this.epochStartPosition = position;
    }

    /**
     * A write or apply failed: stop deciding for this partition.
     */
    public void fail()
    {
        role = PartitionRole.FAILED;
        updateCounters();
    }

    /**
     * A snapshot now covers everything appended.
     */
    public void snapshotTaken()
    {
        entriesSinceSnapshot = 0;
    }
}
