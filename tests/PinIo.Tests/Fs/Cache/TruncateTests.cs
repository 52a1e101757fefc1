using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>Truncation, punching and allocation against cached pages (mm/truncate.c).</summary>
public sealed class TruncateTests : PinBalancedTest
{
    [Theory]
    [InlineData(4096)]
    [InlineData(16384)]
    public async Task TruncatingDirtyCachedPages_ThenGrowing_ReadsZeroesPastTheCut_BufferedAndDirect(int blockSize)
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk, blockSize: blockSize);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(40000, 4));
        await file.SetLengthAsync(5000);
        Assert.True(volume.PageCacheStats.CachedBytes <= 2 * 4096, "pages past the new size stayed cached");
        await file.SetLengthAsync(40000);
        byte[] buffered = await ReadBufferedAllAsync(file);
        Assert.Equal(Data(40000, 4)[..5000], buffered[..5000]);
        Assert.All(buffered[5000..], b => Assert.Equal(0, b));
        await file.FlushAsync();
        Assert.Equal(buffered, await ReadAllAsync(file));
        AssertConsistent(volume);
    }

    [Fact]
    public async Task TruncatingAMappedPage_DropsItFromTheFile_TheMappingKeepsItsMemoryUntilDisposed()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(8192, 4));
        MappedRange mapped = await file.MapAsync(0, 8192);
        await file.SetLengthAsync(100);
        mapped.Memory.Span[5000] = 42;              // still the caller's memory, no longer the file's
        mapped.MarkDirty();
        mapped.Dispose();
        await file.SetLengthAsync(8192);
        byte[] back = await ReadBufferedAllAsync(file);
        Assert.Equal(Data(100, 4), back[..100]);
        Assert.All(back[100..], b => Assert.Equal(0, b));
        await file.FlushAsync();
        Assert.Equal(back, await ReadAllAsync(file));
    }

    [Fact]
    public async Task PunchingAHole_ZeroesCachedBytes_AndAllocateKeepsThem()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        byte[] model = Data(32768, 6);
        await file.WriteBufferedAsync(0, model);
        await file.PunchHoleAsync(1000, 12000);
        Array.Clear(model, 1000, 12000);
        Assert.Equal(model, await ReadBufferedAllAsync(file));
        await file.AllocateAsync(0, 65536);
        Array.Resize(ref model, 65536);
        Assert.Equal(model, await ReadBufferedAllAsync(file));
        await file.FlushAsync();
        Assert.Equal(model, await ReadAllAsync(file));
        AssertConsistent(volume);
    }
}
