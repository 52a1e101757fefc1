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

    public FlakeyOptions? Flakey { get; init; }

    public DustOptions? Dust { get; init; }

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

    public TimeSpan Duration { get; }

    public long Bios { get; }

    /// <summary>Whether the interval is a number of bios rather than a time.</summary>
    public bool CountsBios { get; }

    public static FaultInterval Time(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new FaultInterval(duration, 0, countsBios: false);
    }

    public static FaultInterval Count(long bios)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bios);
        return new FaultInterval(TimeSpan.Zero, bios, countsBios: true);
    }

    public bool IsZero => CountsBios ? Bios == 0 : Duration == TimeSpan.Zero;

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
    public FaultInterval Up { get; init; } = FaultInterval.Time(TimeSpan.FromSeconds(1));

    public FaultInterval Down { get; init; } = FaultInterval.Time(TimeSpan.FromSeconds(1));

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

    public IReadOnlyList<long> BadBlocks { get; init; } = [];

    /// <summary>Writes over a bad block that fail before one clears it (dm-dust's wr_fail_cnt).</summary>
    public int WriteFailures { get; init; }

    /// <summary>Whether bad blocks fail from the start (dm-dust starts in bypass until "enable").</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>dm-delay: every bio waits this long, by direction, before the device sees it.</summary>
public sealed record DelayOptions
{
    public TimeSpan Read { get; init; }

    public TimeSpan Write { get; init; }

    public TimeSpan Flush { get; init; }

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
