package io.leasegrid.tools;

import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.JournalCorruptionException;
import io.leasegrid.journal.JournalReader;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.Waiter;
import io.leasegrid.node.partition.OperationApplier;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.partition.PartitionState;
import org.agrona.DirectBuffer;

import java.io.File;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bin/leasegrid journal dump|replay|verify}: read partition journals, read-only, from a running node's
 * directory or a copy taken from another machine.
 * <ul>
 *   <li>{@code dump}: every entry as a line of text or JSON, filtered by key, resource, session and time.</li>
 *   <li>{@code replay --until TIME|POSITION}: the state as of that moment: holders with tokens, waiters, values.</li>
 *   <li>{@code verify}: checksums, positions, fencing-token and version monotonicity; exit status 1 on any finding.</li>
 * </ul>
 */
final class JournalTool
{
    private static final long PROGRESS_EVERY = 1_000_000;

    private final PrintStream out;
    private final PrintStream err;
    private File journalDir;
    private Integer partition;
    private boolean json;
    private String key;
    private String resource;
    private Long session;
    private long fromNs = Long.MIN_VALUE;
    private long toNs = Long.MAX_VALUE;
    private String until;

    private JournalTool(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
        journalDir = new File(NodeLocator.defaultDirectory(), "journal");
    }

    /**
     * @return the command line of {@code journal SUBCOMMAND}, or null when there is no such subcommand.
     */
    static CommandLine commandLine(final String subcommand)
    {
        final String where = "--dir DIR] [--partition N]";
        switch (subcommand)
        {
            case "dump":
                return common(new CommandLine("bin/leasegrid journal dump [" + where + " [--json] [--key K] [--resource R] " +
                    "[--session S] [--from TIME] [--to TIME]",
                    "Print every journal entry as a line (or JSON with --json), filtered; TIME is an ISO-8601 instant.")
                    .flag("--json", "one JSON object a line")
                    .option("--key", "only entries of this value key")
                    .option("--resource", "only entries of this lease resource")
                    .option("--session", "only entries of this session id")
                    .option("--from", "only entries at or after this instant")
                    .option("--to", "only entries before this instant"));
            case "replay":
                return common(new CommandLine("bin/leasegrid journal replay --until TIME|POSITION [" + where,
                    "Rebuild and print the state (holders, tokens, waiters, values) as of an instant or a journal position.")
                    .option("--until", "ISO-8601 instant, or a journal position"));
            case "verify":
                return common(new CommandLine("bin/leasegrid journal verify [" + where,
                    "Check every checksum, position and token and version order; exit 1 on any finding."));
            default:
                return null;
        }
    }

    private static CommandLine common(final CommandLine line)
    {
        return line
            .option("--dir", "journal root (default: the journal of the node's data directory, found as for the " +
                "other commands: $LEASEGRID_DIR, -Dleasegrid.dir, ./data)")
            .option("--partition", "only this partition");
    }

    static int run(final String subcommand, final CommandLine line, final PrintStream out, final PrintStream err)
    {
        final JournalTool tool = new JournalTool(out, err);
        tool.parse(line);
        if ("replay".equals(subcommand) && null == tool.until)
        {
            throw new UsageException("replay needs --until TIME|POSITION");
        }
        if (!tool.journalDir.isDirectory())
        {
            err.println("leasegrid journal " + subcommand + ": no journal directory " + tool.journalDir + " (give --dir)");
            return ExitCodes.NOT_FOUND;
        }
        if (null != tool.partition && !JournalContext.partitionDir(tool.journalDir, tool.partition).isDirectory())
        {
            err.println("leasegrid journal " + subcommand + ": no journal of partition " + tool.partition + " in " +
                tool.journalDir);
            return ExitCodes.NOT_FOUND;
        }
        if (tool.partitions().isEmpty())
        {
            err.println("leasegrid journal " + subcommand + ": no partition journals in " + tool.journalDir +
                " (nothing written yet, or not a node's journal directory)");
            return ExitCodes.NOT_FOUND;
        }
        switch (subcommand)
        {
            case "dump":
                return tool.dump();
            case "replay":
                return tool.replay();
            default:
                return tool.verify();
        }
    }

    private void parse(final CommandLine line)
    {
        if (null != line.option("--dir"))
        {
            journalDir = new File(line.option("--dir"));
        }
        if (null != line.option("--partition"))
        {
            partition = (int)CommandLine.number("--partition", line.option("--partition"), 0, 65_535);
        }
        json = line.has("--json");
        key = line.option("--key");
        resource = line.option("--resource");
        if (null != line.option("--session"))
        {
            session = CommandLine.number("--session", line.option("--session"), Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (null != line.option("--from"))
        {
            fromNs = epochNanos("--from", line.option("--from"));
        }
        if (null != line.option("--to"))
        {
            toNs = epochNanos("--to", line.option("--to"));
        }
        until = line.option("--until");
    }

    private List<Integer> partitions()
    {
        final List<Integer> partitions = new ArrayList<>();
        if (null != partition)
        {
            partitions.add(partition);
            return partitions;
        }
        final File[] dirs = journalDir.listFiles((dir, name) -> name.matches("partition-\\d{5}"));
        if (null != dirs)
        {
            for (final File dir : dirs)
            {
                partitions.add(Integer.parseInt(dir.getName().substring("partition-".length())));
            }
        }
        partitions.sort(Integer::compare);
        return partitions;
    }

    private PartitionJournal open(final int partitionId)
    {
        return PartitionJournal.open(new JournalContext().journalDir(journalDir.getPath()).partitionId(partitionId).readOnly(true));
    }

    private int dump()
    {
        final OperationText text = new OperationText();
        for (final int partitionId : partitions())
        {
            final Map<Long, Object[]> leases = new HashMap<>();
            try (PartitionJournal journal = open(partitionId))
            {
                final long[] seen = { 0 };
                journal.replay(journal.firstPosition(), (entry, buffer, offset, length) ->
                {
                    final Map<String, Object> fields = describe(text, entry, buffer);
                    final Object leaseId = fields.get("leaseId");
                    if ("grant".equals(fields.get("op")))
                    {
                        leases.put((Long)leaseId, new Object[]{ fields.get("resource"), fields.get("session") });
                    }
                    else if (null != leaseId && leases.containsKey(leaseId))
                    {
                        fields.putIfAbsent("resource", leases.get(leaseId)[0]);
                        fields.putIfAbsent("session", leases.get(leaseId)[1]);
                    }
                    if (matches(entry, fields))
                    {
                        out.println(json ? OperationText.json(fields) : line(fields));
                    }
                    progress(++seen[0], partitionId);
                });
            }
        }
        return 0;
    }

    private int replay()
    {
        final boolean byPosition = until.matches("\\d+");
        final long limit = byPosition ? CommandLine.number("--until", until, 0, Long.MAX_VALUE) : epochNanos("--until", until);
        final OperationApplier applier = new OperationApplier();
        for (final int partitionId : partitions())
        {
            try (PartitionJournal journal = open(partitionId))
            {
                // Entries a snapshot covers may have been deleted: start from that snapshot, then the journal after it.
                final PartitionState state = startingState(journal);
                if (null == state)
                {
                    out.println("partition " + partitionId + ": the journal starts at position " +
                        journal.firstPosition() + " and no intact snapshot covers the entries before it");
                    continue;
                }
                if (byPosition && state.lastAppliedPosition() > limit)
                {
                    out.println("partition " + partitionId + ": history before position " + state.lastAppliedPosition() +
                        " was compacted into a snapshot; it cannot be shown as of position " + limit);
                    continue;
                }
                final boolean[] done = { false };
                final long[] asOfNs = { 0 };
                final long[] firstSeenNs = { -1 };
                try (JournalReader reader = journal.reader(state.lastAppliedPosition() + 1))
                {
                    while (!done[0] && reader.poll((entry, buffer, offset, length) ->
                    {
                        if (-1 == firstSeenNs[0])
                        {
                            firstSeenNs[0] = entry.timestampNs();
                        }
                        if (done[0] || (byPosition ? entry.position() > limit : entry.timestampNs() > limit))
                        {
                            done[0] = true;
                            return;
                        }
                        asOfNs[0] = entry.timestampNs();
                        applier.apply(state, entry.position(), entry.epoch(), entry.timestampNs(), entry.monotonicNs(),
                            buffer, entry.limit() + JournalEntryDecoder.operationHeaderLength());
                        progress(entry.position() + 1, partitionId);
                    }, 1) > 0)
                    {
                        Thread.onSpinWait();
                    }
                }
                if (!byPosition && 0 == asOfNs[0] && state.lastAppliedPosition() >= 0)
                {
                    out.println("partition " + partitionId + ": history before " + (firstSeenNs[0] < 0 ? "its last entry" :
                        Instant.ofEpochSecond(0, firstSeenNs[0]).toString()) + " was compacted into a snapshot (position " +
                        state.lastAppliedPosition() + "); it cannot be shown as of " + until);
                    continue;
                }
                printState(state, asOfNs[0]);
            }
        }
        return 0;
    }

    /**
     * @return an empty state when the journal holds every entry from the first; otherwise the oldest intact snapshot
     * from which the journal holds every later entry; null when there is none.
     */
    private static PartitionState startingState(final PartitionJournal journal)
    {
        if (0 == journal.firstPosition())
        {
            return new PartitionState(journal.partitionId());
        }
        for (final File snapshot : PartitionSnapshot.list(journal.directory()))
        {
            if (PartitionSnapshot.position(snapshot) + 1 >= journal.firstPosition())
            {
                try
                {
                    return PartitionSnapshot.decode(java.nio.file.Files.readAllBytes(snapshot.toPath()));
                }
                catch (final java.io.IOException | RuntimeException ex)
                {
                    // damaged: try the next one
                }
            }
        }
        return null;
    }

    private void printState(final PartitionState state, final long asOfNs)
    {
        if (state.lastAppliedPosition() < 0)
        {
            if (null != partition)
            {
                out.println("partition " + state.partitionId() + ": no entries up to that point");
            }
            return;
        }
        out.println("partition " + state.partitionId() + " at position " + state.lastAppliedPosition() + " (" +
            (0 == asOfNs ? "from a snapshot" : Instant.ofEpochSecond(0, asOfNs).toString()) + ")");
        final long nowNs = state.lastAppliedMonotonicNs();
        final Map<String, List<String>> byResource = new TreeMap<>();
        state.leases().forEachResource(r ->
        {
            final List<String> lines = new ArrayList<>();
            for (Lease lease = r.firstHolder(); null != lease; lease = lease.nextHolder())
            {
                lines.add("holder session=" + lease.sessionId() + " leaseId=" + lease.leaseId() + " token=" +
                    lease.fencingToken() + " " + lease.mode() + " ttl=" + Duration.ofNanos(lease.ttlNs()) +
                    " left=" + Duration.ofNanos(Math.max(0, lease.expiresAtNs() - nowNs)));
            }
            for (Waiter waiter = r.firstWaiter(); null != waiter; waiter = waiter.next())
            {
                lines.add("waiter session=" + waiter.sessionId() + " " + waiter.mode());
            }
            final byte[] name = new byte[r.nameLength()];
            r.nameBuffer().getBytes(0, name);
            byResource.put(new String(name, java.nio.charset.StandardCharsets.UTF_8), lines);
        });
        byResource.forEach((name, lines) ->
        {
            out.println("  lease " + name);
            lines.forEach(line -> out.println("    " + line));
        });
        final Map<String, String> values = new TreeMap<>();
        state.values().forEach(value -> values.put(
            OperationText.text(value.keyBuffer(), 0, value.keyLength()),
            OperationText.text(value.valueBuffer(), 0, value.valueLength()) +
            "  (version " + value.version() + ", " + Instant.ofEpochSecond(0, value.timestampNs()) + ")"));
        values.forEach((name, value) -> out.println("  value " + name + " = " + value));
    }

    private int verify()
    {
        final OperationText text = new OperationText();
        int findings = 0;
        long entries = 0;
        for (final int partitionId : partitions())
        {
            final Map<String, Long> tokens = new HashMap<>();
            final Map<String, Long> versions = new HashMap<>();
            final List<String> problems = new ArrayList<>();
            final long[] count = { 0 };
            try (PartitionJournal journal = open(partitionId); JournalReader reader = journal.reader(journal.firstPosition()))
            {
                if (journal.tornEntriesDiscarded() > 0)
                {
                    problems.add("partition " + partitionId + ": " + journal.tornEntriesDiscarded() +
                        " torn entries at the end (would be discarded when a node opens it)");
                }
                while (reader.nextPosition() < journal.nextPosition())
                {
                    try
                    {
                        reader.poll((entry, buffer, offset, length) ->
                        {
                            count[0]++;
                            final Map<String, Object> fields = describe(text, entry, buffer);
                            if ("grant".equals(fields.get("op")))
                            {
                                final String name = (String)fields.get("resource");
                                final long token = (Long)fields.get("token");
                                final Long previous = tokens.put(name, token);
                                if (null != previous && token <= previous)
                                {
                                    problems.add("partition " + partitionId + " position " + entry.position() +
                                        ": fencing token " + token + " of " + name + " does not exceed " + previous);
                                }
                            }
                            else if ("put".equals(fields.get("op")) || "delete".equals(fields.get("op")))
                            {
                                final String name = (String)fields.get("key");
                                final long version = (Long)fields.get("version");
                                final Long previous = versions.put(name, version);
                                if (null != previous && version <= previous)
                                {
                                    problems.add("partition " + partitionId + " position " + entry.position() +
                                        ": version " + version + " of " + name + " does not exceed " + previous);
                                }
                            }
                            progress(count[0], partitionId);
                        }, 10_000);
                    }
                    catch (final JournalCorruptionException ex)
                    {
                        problems.add(ex.getMessage());
                        if (reader.nextPosition() + 1 > journal.nextPosition())
                        {
                            break;
                        }
                        reader.seek(reader.nextPosition() + 1);
                    }
                }
            }
            catch (final JournalCorruptionException ex)
            {
                problems.add(ex.getMessage());
            }
            entries += count[0];
            problems.forEach(out::println);
            findings += problems.size();
        }
        out.println(findings == 0 ? "verify: OK, " + entries + " entries" : "verify: " + findings + " finding(s) in " + entries + " entries");
        return findings == 0 ? ExitCodes.OK : ExitCodes.REFUSED;
    }

    private Map<String, Object> describe(final OperationText text, final JournalEntryDecoder entry, final DirectBuffer buffer)
    {
        final Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("partition", entry.partitionId());
        fields.put("position", entry.position());
        fields.put("epoch", entry.epoch());
        fields.put("time", Instant.ofEpochSecond(0, entry.timestampNs()).toString());
        fields.putAll(text.fields(buffer, entry.limit() + JournalEntryDecoder.operationHeaderLength()));
        return fields;
    }

    private boolean matches(final JournalEntryDecoder entry, final Map<String, Object> fields)
    {
        final long timestampNs = entry.timestampNs();
        if (timestampNs < fromNs || timestampNs > toNs)
        {
            return false;
        }
        if (null != key && !key.equals(fields.get("key")))
        {
            return false;
        }
        if (null != resource && !resource.equals(fields.get("resource")))
        {
            return false;
        }
        return null == session || session.equals(fields.get("session"));
    }

    private static String line(final Map<String, Object> fields)
    {
        final StringBuilder line = new StringBuilder();
        fields.forEach((name, value) ->
        {
            if (line.length() > 0)
            {
                line.append(' ');
            }
            line.append("time".equals(name) || "op".equals(name) ? "" : name + "=").append(value);
        });
        return line.toString();
    }

    private void progress(final long entries, final int partitionId)
    {
        if (entries % PROGRESS_EVERY == 0)
        {
            err.printf("  ... partition %d: %,d entries%n", partitionId, entries);
        }
    }

    private static long epochNanos(final String what, final String instant)
    {
        try
        {
            final Instant parsed = Instant.parse(instant);
            return parsed.getEpochSecond() * 1_000_000_000L + parsed.getNano();
        }
        catch (final java.time.format.DateTimeParseException | ArithmeticException ex)
        {
            throw new UsageException(what + " must be an ISO-8601 instant such as 2026-11-22T10:31:02.123456Z, not '" +
                instant + "'");
        }
    }
}
