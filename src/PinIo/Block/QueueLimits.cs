// Follows block/blk-settings.c (struct queue_limits and its defaults).
using System.Runtime.CompilerServices;
using System.Numerics;

namespace PinIo.Block;

/// <summary>
/// What a device accepts in one bio, as in <c>/sys/block/&lt;dev&gt;/queue/</c>. Sizes are in
/// bytes; <see cref="DmaAlignment"/> is the required memory alignment in bytes (the
/// kernel's <c>dma_alignment</c> mask plus one).
/// </summary>
public sealed record QueueLimits
{
    /// <summary>SECTOR_SIZE: the unit of <see cref="Bio.Sector"/>, 512 bytes whatever the logical block size.</summary>
    public const int SectorSize = 512;

    /// <summary>Offsets and lengths of Direct I/O must be multiples of it (logical_block_size).</summary>
    public int LogicalBlockSize { get; init; } = 512;

    /// <summary>
    /// The device's internal write unit (physical_block_size), a power of two ≥
    /// <see cref="LogicalBlockSize"/>: writes smaller than it or not aligned to it are allowed
    /// but may be read-modify-write, and are not atomic against a power cut.
    /// </summary>
    public int PhysicalBlockSize { get; init; } = 4096;

    /// <summary>Largest bio in bytes (max_sectors_kb × 1024); BLK_DEF_MAX_SECTORS_CAP is 1280 KiB.</summary>
    public int MaxSectorsBytes { get; init; } = 1280 * 1024;

    /// <summary>Most vecs in one bio (max_segments; BLK_MAX_SEGMENTS is 128).</summary>
    public int MaxSegments { get; init; } = 128;

    /// <summary>Largest vec in bytes (max_segment_size; BLK_MAX_SEGMENT_SIZE is 64 KiB).</summary>
    public int MaxSegmentSize { get; init; } = 64 * 1024;

    /// <summary>Required alignment of memory, in bytes (dma_alignment + 1; the kernel default is 512).</summary>
    public int DmaAlignment { get; init; } = 512;

    /// <summary>
    /// Largest discard bio in bytes (discard_max_bytes); 0, the default, means the device
    /// cannot discard (the kernel's max_discard_sectors of 0).
    /// </summary>
    public int MaxDiscardBytes { get; init; }

    /// <summary>
    /// The device's internal allocation unit for discards (discard_granularity): a range is
    /// split so that every bio after the first starts on a multiple of it. 0 means the logical block size.
    /// </summary>
    public int DiscardGranularity { get; init; }

    /// <summary>True when the device accepts <see cref="BioOp.Discard"/> (<see cref="MaxDiscardBytes"/> is not 0).</summary>
    public bool SupportsDiscard => MaxDiscardBytes > 0;

    /// <summary><see cref="DiscardGranularity"/>, or the logical block size where the device names none.</summary>
    public int EffectiveDiscardGranularity => DiscardGranularity > 0 ? DiscardGranularity : LogicalBlockSize;

    /// <summary>
    /// The kernel's defaults (blk_set_default_limits with a typical disk): 512-byte logical and
    /// 4 KiB physical blocks, 1280 KiB bios, 128 segments of up to 64 KiB, 512-byte memory
    /// alignment, no discard. Shared and immutable.
    /// </summary>
    public static QueueLimits Default { get; } = new();

    /// <summary>
    /// <paramref name="value"/> modulo <see cref="LogicalBlockSize"/>, for a non-negative value.
    /// Per request this replaces a 64-bit division (tens of cycles) with a mask: a validated
    /// block size is a power of two; an unvalidated one still gets the division.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long BlockRemainder(long value)
    {
        int block = LogicalBlockSize;
        return BitOperations.IsPow2(block) ? value & (block - 1) : value % block;
    }

    /// <summary>
    /// blk_validate_limits(): returns this when every limit makes sense — power-of-two block
    /// sizes from 512 to 64 KiB, physical ≥ logical, bios and segments at least a page, a
    /// power-of-two <see cref="DmaAlignment"/> no larger than a page, discard sizes in logical
    /// blocks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">ParamName is the first limit that makes no sense; the message gives its range.</exception>
    public QueueLimits Validate()
    {
        Require(IsPowerOfTwo(LogicalBlockSize) && LogicalBlockSize >= SectorSize && LogicalBlockSize <= 65536, nameof(LogicalBlockSize), LogicalBlockSize,
            $"LogicalBlockSize {LogicalBlockSize} must be a power of two from 512 to 65536");
        Require(IsPowerOfTwo(PhysicalBlockSize) && PhysicalBlockSize >= LogicalBlockSize, nameof(PhysicalBlockSize), PhysicalBlockSize,
            $"PhysicalBlockSize {PhysicalBlockSize} must be a power of two no smaller than LogicalBlockSize {LogicalBlockSize}");
        Require(MaxSectorsBytes >= Mm.PageSize.Bytes && MaxSectorsBytes % LogicalBlockSize == 0, nameof(MaxSectorsBytes), MaxSectorsBytes,
            $"MaxSectorsBytes {MaxSectorsBytes} must be at least a page and a multiple of LogicalBlockSize {LogicalBlockSize}");
        Require(MaxSegments >= 1, nameof(MaxSegments), MaxSegments, $"MaxSegments {MaxSegments} must be at least 1");
        Require(MaxSegmentSize >= Mm.PageSize.Bytes, nameof(MaxSegmentSize), MaxSegmentSize, $"MaxSegmentSize {MaxSegmentSize} must be at least a page (4096)");
        Require(IsPowerOfTwo(DmaAlignment) && DmaAlignment <= Mm.PageSize.Bytes, nameof(DmaAlignment), DmaAlignment,
            $"DmaAlignment {DmaAlignment} must be a power of two no larger than a page");
        Require(MaxDiscardBytes >= 0 && MaxDiscardBytes % LogicalBlockSize == 0, nameof(MaxDiscardBytes), MaxDiscardBytes,
            $"MaxDiscardBytes {MaxDiscardBytes} must be 0 (no discard) or a multiple of LogicalBlockSize {LogicalBlockSize}");
        Require(DiscardGranularity >= 0 && DiscardGranularity % LogicalBlockSize == 0 && (MaxDiscardBytes == 0 || DiscardGranularity <= MaxDiscardBytes),
            nameof(DiscardGranularity), DiscardGranularity,
            $"DiscardGranularity {DiscardGranularity} must be 0 or a multiple of LogicalBlockSize {LogicalBlockSize} no larger than MaxDiscardBytes {MaxDiscardBytes}");
        return this;
    }

    private static bool IsPowerOfTwo(int value) => value > 0 && BitOperations.IsPow2(value);

    private static void Require(bool condition, string limit, int value, string message)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(limit, value, $"Invalid queue limits: {message}.");
        }
    }
}
