package io.leasegrid.node.control;

import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.transport.DriverDirectories;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.NoOpLock;

import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * One member of the control plane: its own media driver (with the archive on the driver's thread), Aeron Cluster's
 * consensus module, and the {@link ControlPlaneService}. Sized for a shared machine: small terms and archive segments,
 * and idle threads that back off to sleeping (four threads per member, nearly idle in steady state).
 * <p>
 * Threads: the driver's, the archive's, the consensus module's and the service's.
 * <p>
 * Its directory holds {@code cluster/} and {@code archive/}; the driver's directory is in shared memory, named after
 * the control plane directory so that members on one machine never share one. The caller holds the node's directory
 * lock: mark files left in that directory by a killed process are removed at launch. Cold path.
 */
public final class ControlPlaneMember implements AutoCloseable
{
    private static final int TERM_LENGTH = 256 * 1024;
    private static final int SEGMENT_LENGTH = 4 * TERM_LENGTH;
    /** Bytes of counter values in a control plane driver (Aeron's minimum): a member allocates a few dozen. */
    public static final int COUNTERS_LENGTH = 1024 * 1024;
    private static final String SMALL_TERMS = "term-length=256k";
    /** Directories of control plane drivers in shared memory start with this (swept when killed nodes left them). */
    public static final String DRIVER_DIR_PREFIX = "leasegrid-control-";

    private final ClusteredMediaDriver driver;
    private final ClusteredServiceContainer container;
    private final ControlPlaneService service;
    private final int memberId;

    private ControlPlaneMember(
        final ClusteredMediaDriver driver,
        final ClusteredServiceContainer container,
        final ControlPlaneService service,
        final int memberId)
    {
        this.driver = driver;
        this.container = container;
        this.service = service;
        this.memberId = memberId;
    }

    /**
     * Start member {@code memberId} of the control plane in {@code context}.
     *
     * @param errorHandler receives errors of every part (the error log).
     */
    public static ControlPlaneMember launch(
        final ControlPlaneContext context,
        final int memberId,
        final ReplicaPlacement placement,
        final ErrorHandler errorHandler)
    {
        context.conclude();
        ControlPlaneContext.MemberEndpoint self = null;
        for (final ControlPlaneContext.MemberEndpoint member : context.memberEndpoints())
        {
            if (member.id() == memberId)
            {
                self = member;
            }
        }
        if (null == self)
        {
            throw new IllegalArgumentException("control plane member " + memberId + " is not in " +
                ControlPlaneContext.MEMBERS_PROP_NAME + "=" + context.members());
        }
        if (null == context.dir())
        {
            throw new IllegalArgumentException(ControlPlaneContext.DIR_PROP_NAME + " is not set");
        }
        final File baseDir = context.dir().getAbsoluteFile();
        removeMarkFiles(baseDir);
        final String aeronDir = driverDirectory(baseDir, memberId).getPath();
        final String host = self.host();

        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idle())
            .termBufferSparseFile(true)
            .publicationTermBufferLength(TERM_LENGTH)
            .ipcTermBufferLength(TERM_LENGTH)
            // The default counters buffer made the driver's CnC file 48 MB; a member needs a few dozen counters.
            .counterValuesBufferLength(COUNTERS_LENGTH)
            .errorHandler(errorHandler);

        final AeronArchive.Context replicationArchive = new AeronArchive.Context()
            .controlResponseChannel("aeron:udp?endpoint=" + host + ":0");
        final Archive.Context archiveContext = new Archive.Context()
            .aeronDirectoryName(aeronDir)
            .archiveDir(new File(baseDir, "archive"))
            .archiveId(memberId)
            .controlChannel("aeron:udp?endpoint=" + self.endpoint(ControlPlaneContext.MemberEndpoint.ARCHIVE) +
                "|" + SMALL_TERMS)
            .localControlChannel("aeron:ipc?" + SMALL_TERMS)
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveClientContext(replicationArchive)
            .recordingEventsEnabled(false)
            .segmentFileLength(SEGMENT_LENGTH)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(ControlPlaneMember::idle)
            .errorHandler(errorHandler);

        final AeronArchive.Context localArchive = new AeronArchive.Context()
            .lock(NoOpLock.INSTANCE)
            .controlRequestChannel(archiveContext.localControlChannel())
            .controlRequestStreamId(archiveContext.localControlStreamId())
            .controlResponseChannel(archiveContext.localControlChannel())
            .aeronDirectoryName(aeronDir);

        final File clusterDir = new File(baseDir, "cluster");
        final ConsensusModule.Context consensusContext = new ConsensusModule.Context()
            .clusterMemberId(memberId)
            .clusterMembers(context.clusterMembers())
            .clusterDir(clusterDir)
            .aeronDirectoryName(aeronDir)
            .ingressChannel("aeron:udp?" + SMALL_TERMS)
            .logChannel("aeron:udp?" + SMALL_TERMS)
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveContext(localArchive.clone())
            .leaderHeartbeatTimeoutNs(TimeUnit.MILLISECONDS.toNanos(context.leaderHeartbeatTimeoutMs()))
            .leaderHeartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(context.leaderHeartbeatIntervalMs()))
            .electionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(context.electionTimeoutMs()))
            .sessionTimeoutNs(TimeUnit.SECONDS.toNanos(5))
            .idleStrategySupplier(ControlPlaneMember::idle)
            .clusterClock(new MonotonicClusterClock())
            .errorHandler(errorHandler);

        final ControlPlaneService service = new ControlPlaneService(placement, context.primaryLeaseMs(),
            context.leaseMarginMs(), context.heartbeatIntervalMs(), context.tickMs(), context.startupGraceMs(),
            TimeUnit.SECONDS.toMillis(context.snapshotIntervalS()));
        final ClusteredServiceContainer.Context serviceContext = new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir)
            .archiveContext(localArchive.clone())
            .clusterDir(clusterDir)
            .clusteredService(service)
            .idleStrategySupplier(ControlPlaneMember::idle)
            .errorHandler(errorHandler);

        ClusteredMediaDriver driver = null;
        try
        {
            driver = ClusteredMediaDriver.launch(driverContext, archiveContext, consensusContext);
            final ClusteredServiceContainer container = ClusteredServiceContainer.launch(serviceContext);
            return new ControlPlaneMember(driver, container, service, memberId);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw ex;
        }
    }

    /**
     * Aeron's archive and cluster refuse to start while a mark file in their directory looks active, which after a
     * SIGKILL lasts until its timeout. Only the node holding the data directory's lock launches its member, so any
     * mark file found here was left by a process that is gone.
     */
    private static void removeMarkFiles(final File baseDir)
    {
        for (final String sub : new String[] { "archive", "cluster" })
        {
            final File[] marks = new File(baseDir, sub).listFiles(
                (dir, name) -> name.endsWith(".dat") && name.contains("-mark"));
            if (null != marks)
            {
                for (final File mark : marks)
                {
                    if (!mark.delete() && mark.exists())
                    {
                        throw new IllegalStateException("cannot remove the stale mark file " + mark);
                    }
                }
            }
        }
    }

    /**
     * @return where the media driver of member {@code memberId} with control plane directory {@code controlDir} keeps
     * its files: in shared memory, named after the directory so that members on one machine never share one.
     */
    public static File driverDirectory(final File controlDir, final int memberId)
    {
        return new File(DriverDirectories.base(), DRIVER_DIR_PREFIX + memberId + "-" +
            Integer.toHexString(controlDir.getAbsoluteFile().getPath().hashCode()));
    }

    private static BackoffIdleStrategy idle()
    {
        // Spins a little, then parks up to 4 ms: nothing of the control plane is urgent to the millisecond (heartbeats
        // every 100 ms, leases of 1.2 s); three idle nodes spent half a core on it with 1 ms parks, a third with 4 ms.
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(4));
    }

    /**
     * @return the directory of this member's media driver, which the node's control plane client uses too.
     */
    public String aeronDirectoryName()
    {
        return driver.mediaDriver().aeronDirectoryName();
    }

    public int memberId()
    {
        return memberId;
    }

    /**
     * @return the role of this member's consensus module now (leader, follower, candidate).
     */
    public io.aeron.cluster.service.Cluster.Role role()
    {
        return io.aeron.cluster.service.Cluster.Role.get(driver.consensusModule().context().clusterNodeRoleCounter());
    }

    ControlPlaneService service()
    {
        return service;
    }

    public void close()
    {
        CloseHelper.closeAll(container, driver);
    }
}
