using PinIo.Devices;
using PinIo.Fs;

namespace PinIo.Tests.Fs.Cache;

/// <summary>Volumes for the page-cache tests: no background flusher unless a test asks (writeback happens when the test says).</summary>
internal static class PageCacheTesting
{
    public static VolumeOptions Options(DirectIoPath path = DirectIoPath.Iomap, long cacheBytes = 0, int blockSize = 4096) =>
        new() { DirectIoPath = path, PageCacheBytes = cacheBytes, BlockSize = blockSize, WritebackInterval = Timeout.InfiniteTimeSpan };

    public static Volume Format(RamDisk disk, long cacheBytes = 0, DirectIoPath path = DirectIoPath.Iomap, int blockSize = 4096) =>
        Volume.Format(disk, Options(path, cacheBytes, blockSize));

    public static async Task<byte[]> ReadBufferedAllAsync(VolumeFile file)
    {
        byte[] all = new byte[file.Length];
        int n = await file.ReadBufferedAsync(0, all);
        return all[..n];
    }
}
