// Follows drivers/md/dm-flakey.c, dm-dust.c and dm-delay.c (the targets' table arguments).
namespace PinIo.Devices;

/// <summary>
/// What a <see cref="FaultDevice"/> does to the bios it passes on. Every part is optional; a
/// device with none passes every bio through unchanged. <see cref="FaultSpec.Parse"/> builds
/// one from pinio's <c>faulty:SPEC:TARGET</c> text.
/// </summary>
public sealed record FaultOptions
{
    /// <summary>Seeds every random choice (which byte to corrupt, early write-back, what a power cut keeps).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>dm-flakey: alternate up and down intervals; null for none.</summary>
    public FlakeyOptions? Flakey { get; init; }

    /// <summary>dm-dust: bad blocks that fail reads; null for none (the bad-block methods then throw).</summary>
    public DustOptions? Dust { get; init; }

    /// <summary>dm-delay: a fixed latency per direction; null for none.</summary>
    public DelayOptions? Delay { get; init; }

    /// <summary>Writes are held in a volatile cache until a flush bio; see <see cref="FaultDevice.Cut"/>.</summary>
    public PowerCutOptions? PowerCut { get; init; }

    /// <summary>Records kept in <see cref="FaultDevice.Log"/>; older ones are dropped (and counted) past it.</summary>
    public int LogCapacity { get; init; } = 100_000;

    /// <summary>Log every bio, not only those the device did something to.</summary>
    public bool LogEveryBio { get; init; }

    /// <summary>A file the log is written to when the device is disposed (pinio's <c>log=</c>), or null.</summary>
    public string? LogPath { get; init; }
}

/// <summary>
/// An up or down interval of dm-flakey: a time, as the kernel's (seconds there), or a number of
/// data bios — deterministic, for tests: the n-th read or write is up or down whatever the clock says.
/// </summary>
public readonly record struct FaultInterval
{
    private FaultInterval(TimeSpan duration, long bios, bool countsBios)
    {
        Duration = duration;
        Bios = bios;
        CountsBios = countsBios;
    }

    /// <summary>The interval's length in time (0 when it <see cref="CountsBios"/>).</summary>
    public TimeSpan Duration { get; }

    /// <summary>The interval's length in data bios, reads and writes (0 when it is a time).</summary>
    public long Bios { get; }

    /// <summary>Whether the interval is a number of bios rather than a time.</summary>
    public bool CountsBios { get; }

    /// <summary>An interval of <paramref name="duration"/> of wall-clock time, as dm-flakey's (there in seconds).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    public static FaultInterval Time(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new FaultInterval(duration, 0, countsBios: false);
    }

    /// <summary>An interval of <paramref name="bios"/> data bios: deterministic whatever the timing (for tests).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bios"/> is negative.</exception>
    public static FaultInterval Count(long bios)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bios);
        return new FaultInterval(TimeSpan.Zero, bios, countsBios: true);
    }

    /// <summary>True for a zero-length interval (an up of 0 starts down; a down of 0 never goes down).</summary>
    public bool IsZero => CountsBios ? Bios == 0 : Duration == TimeSpan.Zero;

    /// <summary>"Nio" for a bio count, "Nms" for a time (pinio's fault-spec form).</summary>
    public override string ToString() => CountsBios ? $"{Bios}io" : $"{Duration.TotalMilliseconds}ms";
}

/// <summary>What dm-flakey does to writes while down, beyond failing every bio.</summary>
public enum FlakeyWrites
{
    /// <summary>No feature: while down every bio, read, write or flush, fails with EIO.</summary>
    Default,

    /// <summary>drop_writes: writes (and flushes) are acknowledged and never reach the device; reads pass.</summary>
    Drop,

    /// <summary>error_writes: writes (and flushes) fail with EIO; reads pass.</summary>
    Error,
}

/// <summary>dm-flakey: up for <see cref="Up"/>, then down for <see cref="Down"/>, again and again.</summary>
public sealed record FlakeyOptions
{
    /// <summary>up_interval: bios pass unchanged for this long (default 1 s). Both intervals are times or both bio counts.</summary>
    public FaultInterval Up { get; init; } = FaultInterval.Time(TimeSpan.FromSeconds(1));

    /// <summary>down_interval: bios fail (or as <see cref="Writes"/> and <see cref="Corrupt"/> say) for this long (default 1 s).</summary>
    public FaultInterval Down { get; init; } = FaultInterval.Time(TimeSpan.FromSeconds(1));

    /// <summary>What happens to writes while down: fail everything (default), drop_writes or error_writes.</summary>
    public FlakeyWrites Writes { get; init; }

    /// <summary>corrupt_bio_byte: while down, one byte of each matching bio is replaced; null for none.</summary>
    public CorruptOptions? Corrupt { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming what makes no sense.</summary>
    public FlakeyOptions Validate()
    {
        if (Up.CountsBios != Down.CountsBios)
        {
            throw new ArgumentException($"flakey: up ({Up}) and down ({Down}) must both be times or both be bio counts");
        }
        if (Up.IsZero && Down.IsZero)
        {
            throw new ArgumentException("flakey: up and down cannot both be zero");
        }
        if (Corrupt is not null && Writes != FlakeyWrites.Default && Corrupt.Writes)
        {
            throw new ArgumentException($"flakey: corrupt_bio_byte on writes conflicts with {(Writes == FlakeyWrites.Drop ? "drop_writes" : "error_writes")}");
        }
        return this;
    }
}

/// <summary>dm-flakey's corrupt_bio_byte: byte <see cref="Byte"/> (1-based) of each matching bio becomes <see cref="Value"/>.</summary>
public sealed record CorruptOptions
{
    /// <summary>The 1-based byte of the bio to corrupt, or 0 for a byte chosen at random (by seed) in each bio.</summary>
    public int Byte { get; init; }

    /// <summary>Corrupt writes (the data on its way to the device; the caller's buffer is never touched) rather than reads.</summary>
    public bool Writes { get; init; } = true;

    /// <summary>The byte's new value; null flips every bit of it, so the corruption always changes the data.</summary>
    public byte? Value { get; init; }
}

/// <summary>dm-dust: blocks that fail reads with EIO until a write over them succeeds.</summary>
public sealed record DustOptions
{
    /// <summary>Bytes per block (dm-dust's blksz): a multiple of 512.</summary>
    public int BlockSize { get; init; } = 512;

    /// <summary>Blocks (in <see cref="BlockSize"/> units) bad from the start; more are added with <see cref="FaultDevice.AddBadBlock"/>.</summary>
    public IReadOnlyList<long> BadBlocks { get; init; } = [];

    /// <summary>Writes over a bad block that fail before one clears it (dm-dust's wr_fail_cnt).</summary>
    public int WriteFailures { get; init; }

    /// <summary>Whether bad blocks fail from the start (dm-dust starts in bypass until "enable").</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>dm-delay: every bio waits this long, by direction, before the device sees it.</summary>
public sealed record DelayOptions
{
    /// <summary>Delay of every read bio; zero for none.</summary>
    public TimeSpan Read { get; init; }

    /// <summary>Delay of every write bio; zero for none.</summary>
    public TimeSpan Write { get; init; }

    /// <summary>Delay of every flush bio (and any other operation); zero for none.</summary>
    public TimeSpan Flush { get; init; }

    /// <summary>The delay of a bio of <paramref name="op"/>: <see cref="Read"/>, <see cref="Write"/>, or <see cref="Flush"/> for anything else.</summary>
    public TimeSpan For(Block.BioOp op) => op switch
    {
        Block.BioOp.Read => Read,
        Block.BioOp.Write => Write,
        _ => Flush,
    };
}

/// <summary>A volatile write cache: writes are acknowledged from it and reach the device at a flush bio, or earlier at random.</summary>
public sealed record PowerCutOptions
{
    /// <summary>Chance, per cached write, that the cache writes one entry back early (as a real cache destages on its own).</summary>
    public double EarlyWriteBack { get; init; }
}
