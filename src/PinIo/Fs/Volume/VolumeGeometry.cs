namespace PinIo.Fs;

/// <summary>The sizes a volume is formatted with, and the limits every file obeys.</summary>
internal static class VolumeGeometry
{
    public const int MinBlockSize = 4096;
    public const int MaxBlockSize = 64 * 1024;

    /// <summary>Names are UTF-8 of at most this many bytes (NAME_MAX).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>The largest file, in bytes (s_maxbytes): 2^52, so that offsets plus lengths never overflow.</summary>
    public const long MaxFileBytes = 1L << 52;

    /// <summary>Each log area is this fraction of the device, at least <see cref="MinLogAreaBlocks"/> and at most <see cref="MaxLogAreaBytes"/>.</summary>
    public const int LogAreaDivisor = 32;

    public const long MinLogAreaBlocks = 16;

    /// <summary>Mount reads the active area whole: 64 MiB holds the snapshot of about two million extents.</summary>
    public const long MaxLogAreaBytes = 64L << 20;

    public static bool IsValidBlockSize(int blockSize) =>
        blockSize is >= MinBlockSize and <= MaxBlockSize && (blockSize & (blockSize - 1)) == 0;

    public static long LogAreaBlocks(long totalBlocks, int blockSize) =>
        Math.Clamp(totalBlocks / LogAreaDivisor, MinLogAreaBlocks, MaxLogAreaBytes / blockSize);
}
