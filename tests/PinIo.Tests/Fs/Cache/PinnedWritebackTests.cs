using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// The race FOLL_PIN exists for. A mapped page of file "a" is the buffer of a Direct read from
/// another device, whose completion the RAM disk holds; writeback of "a" runs meanwhile. With
/// a pin, writeback sees <see cref="Page.MaybeDmaPinned"/>, writes a stable copy and leaves the
/// page dirty, so what the read brings reaches the device at the next flush. With plain
/// references (FOLL_GET) writeback cannot tell: it writes the live page, marks it clean, and
/// what the read brings afterwards is never written — lost at the remount.
/// </summary>
public sealed class PinnedWritebackTests : PinBalancedTest
{
    private static readonly byte[] Before = Data(4096, 40);
    private static readonly byte[] Brought = Data(4096, 70);

    [Fact]
    public async Task AVolumeFileDirectReadIntoMappedMemory_IsPinned_WritebackWritesAStableCopy_AndNothingTheReadBroughtIsLost()
    {
        using RamDisk diskA = StaleDisk(), diskB = StaleDisk();
        using Volume source = Format(diskB);
        using (VolumeFile b = source.Create("b"))
        {
            await WriteAsync(b, 0, Brought);
            await b.FlushAsync();
        }
        using (Volume volume = Format(diskA))
        {
            using VolumeFile a = await CreateMappedFileAsync(volume);
            using VolumeFile b = source.Open("b");
            Page page;
            using (MappedRange mapped = await MapAndDirtyAsync(a))
            {
                page = CachedPage(a, 0);
                Task<long> read;
                using (diskB.HoldCompletions())
                {
                    read = b.ReadAsync(0, IovIter.User(IterDirection.Dest, mapped.Memory)).AsTask();
                    Assert.True(page.MaybeDmaPinned);
                    await a.FlushAsync();                                  // writeback while the read is in flight
                    Assert.Equal(1, volume.PageCacheStats.StableCopies);
                    Assert.True(page.IsDirty, "writeback marked a pinned page clean");
                    Assert.Equal(Before, DeviceBytes(diskA, a));           // the stable copy: the page as it was
                }
                Assert.Equal(4096, await read);                            // the unpin dirties the page again
                Assert.True(page.IsDirty);
            }
            await a.FlushAsync();
        }
        Assert.Equal(Brought, await RemountAndReadAsync(diskA));
    }

    [Fact]
    public async Task WithPins_EvenAnIoThatDoesNotDirtyThePageOnRelease_LosesNothing()
    {
        byte[] final = await RunRawBioScenarioAsync(pin: true);
        Assert.Equal(Brought, final);
    }

    [Fact]
    public async Task WithPlainReferences_WritebackCannotTell_WritesTheLivePage_MarksItClean_AndTheDataTheIoBroughtIsLost()
    {
        byte[] final = await RunRawBioScenarioAsync(pin: false);
        // The counter-example: the device keeps the page as it was before the read; the read's bytes are gone.
        Assert.Equal(Before, final);
    }

    /// <summary>
    /// A read bio from a raw device into the mapped page, taking its pages by pin (FOLL_PIN) or
    /// by plain reference (FOLL_GET), released without dirtying (put_page, as a FOLL_GET user
    /// did); writeback runs while the device holds the bio. Returns what file "a" holds after a remount.
    /// </summary>
    private static async Task<byte[]> RunRawBioScenarioAsync(bool pin)
    {
        using RamDisk diskA = StaleDisk(), diskB = StaleDisk();
        diskB.WriteRaw(0, Brought);
        using (Volume volume = Format(diskA))
        {
            using VolumeFile a = await CreateMappedFileAsync(volume);
            using (MappedRange mapped = await MapAndDirtyAsync(a))
            {
                Page page = CachedPage(a, 0);
                var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (diskB.HoldCompletions())
                {
                    var bio = new Bio(BioOp.Read, 0, diskB.Limits);
                    IovIter iter = IovIter.User(IterDirection.Dest, mapped.Memory);
                    Assert.Equal(4096, pin ? bio.AddPagesFrom(iter) : bio.AddPagesWithReferencesFrom(iter));
                    bio.EndIo = b =>
                    {
                        b.ReleasePages(markDirty: false);
                        ended.SetResult();
                    };
                    diskB.Submit(bio);
                    Assert.Equal(pin, page.MaybeDmaPinned);
                    await a.FlushAsync();
                    Assert.Equal(pin ? 1 : 0, volume.PageCacheStats.StableCopies);
                    Assert.Equal(pin, page.IsDirty);
                }
                await ended.Task;
                Assert.Equal(Brought, mapped.Memory.ToArray());         // in memory, the read's bytes either way
            }
            await a.FlushAsync();
        }
        return await RemountAndReadAsync(diskA);
    }

    private static async Task<VolumeFile> CreateMappedFileAsync(Volume volume)
    {
        VolumeFile a = volume.Create("a");
        await a.WriteBufferedAsync(0, Data(4096, 1));
        await a.FlushAsync();
        return a;
    }

    /// <summary>
    /// Maps page 0 of "a" and dirties it with <see cref="Before"/> by a buffered write (into the
    /// same page), not by MarkDirty: the mapping's own disposal then dirties nothing, so only
    /// writeback and the read's release decide what reaches the device.
    /// </summary>
    private static async Task<MappedRange> MapAndDirtyAsync(VolumeFile a)
    {
        MappedRange mapped = await a.MapAsync(0, 4096);
        await a.WriteBufferedAsync(0, Before);
        Assert.Equal(Before, mapped.Memory.ToArray());
        return mapped;
    }

    private static Page CachedPage(VolumeFile file, long index)
    {
        Page page = file.Volume.PageCache.For(file.Inode).Find(index)!;
        page.Put();
        return page;
    }

    private static byte[] DeviceBytes(RamDisk disk, VolumeFile file)
    {
        byte[] raw = new byte[4096];
        disk.ReadRaw(file.Extents[0].DeviceOffset, raw);
        return raw;
    }

    private static async Task<byte[]> RemountAndReadAsync(RamDisk disk)
    {
        using Volume volume = Volume.Mount(disk, Options());
        using VolumeFile a = volume.Open("a");
        return await ReadAllAsync(a);
    }
}
