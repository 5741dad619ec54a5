package io.leasegrid.node.partition;

/**
 * What a node does with a partition, mirrored to a counter by {@link #code()}.
 */
public enum PartitionRole
{
    /** Its state is being rebuilt from the snapshot and journal; it answers nothing yet. */
    RECOVERING(0),
    /** It decides, journals and answers. */
    PRIMARY(1),
    /** It applies the primary's entries and answers nothing. */
    REPLICA(2),
    /** A write or an apply failed: its state can no longer be trusted here, so it answers only errors. */
    FAILED(3);

    private final int code;

    PartitionRole(final int code)
    {
        this.code = code;
    }

    /**
     * @return the value its counter shows.
     */
    public int code()
    {
        return code;
    }
}
