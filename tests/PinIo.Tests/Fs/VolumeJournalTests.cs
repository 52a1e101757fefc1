using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>The metadata journal: replay at Mount, compaction, and replay stopping at a torn or corrupt transaction.</summary>
public sealed class VolumeJournalTests : PinBalancedTest
{
    /// <summary>Area 0 of a freshly formatted 4 MiB volume with 4 KiB blocks starts after the two superblock blocks.</summary>
    private const long Area0 = 2 * 4096;

    [Fact]
    public async Task Replay_RebuildsNamespaceSizesAndExtents_WithoutAnOrderlyUnmount()
    {
        using RamDisk disk = StaleDisk();
        Volume volume = Volume.Format(disk);
        var expected = new Dictionary<string, (long Length, Iomap[] Extents)>();
        try
        {
            for (int i = 0; i < 6; i++)
            {
                using VolumeFile f = volume.Create($"file{i}");
                await WriteAsync(f, i * 4096L, Data(8192 + i * 512, i));
                await f.AllocateAsync(65536, 8192);
                await f.PunchHoleAsync(4096, 4096);
                await f.SetLengthAsync(60000 + i);
            }
            volume.Delete("file3");
            await volume.SyncAsync();
            foreach (string name in volume.Files)
            {
                using VolumeFile f = volume.Open(name);
                expected[name] = (f.Length, [.. f.Extents]);
            }
        }
        finally
        {
            volume.DisposeWithoutCommit();
        }

        using Volume again = Volume.Mount(disk);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), again.Files);
        foreach ((string name, (long length, Iomap[] extents)) in expected)
        {
            using VolumeFile f = again.Open(name);
            Assert.Equal(length, f.Length);
            Assert.Equal(extents, f.Extents);
        }
        AssertConsistent(again);
    }

    [Fact]
    public async Task ManyCommits_CompactTheLog_AndMountStillReplaysEverything()
    {
        using RamDisk disk = StaleDisk();
        long generation;
        using (Volume volume = Volume.Format(disk))
        {
            long areaBytes = volume.Journal.AreaBytes;
            // Each commit takes at least one 512-byte logical block of the log: enough of them wrap it several times.
            for (int i = 0; i < 3 * areaBytes / 512; i++)
            {
                using VolumeFile f = volume.Create($"f{i}");
                await f.SetLengthAsync(i);
                await f.FlushAsync();
                if (i % 3 == 0)
                {
                    f.Dispose();
                    volume.Delete($"f{i}");
                }
            }
            generation = volume.Journal.Superblock.Generation;
            Assert.True(generation >= 4, $"the log was compacted only {generation - 1} times");
            AssertConsistent(volume);
        }
        using Volume again = Volume.Mount(disk);
        Assert.True(again.Journal.Superblock.Generation > generation);
        Assert.Equal(2 * 3 * again.Journal.AreaBytes / 512 / 3, again.Files.Count);
        using VolumeFile last = again.Open($"f{3 * again.Journal.AreaBytes / 512 - 1}");
        Assert.Equal(3 * again.Journal.AreaBytes / 512 - 1, last.Length);
        AssertConsistent(again);
    }

    [Theory]
    [InlineData(40)]   // a header byte
    [InlineData(45)]   // a payload byte
    public async Task ACorruptTransaction_StopsReplayThere_AndNothingAfterItEverReplays(int corruptAt)
    {
        using RamDisk disk = StaleDisk();
        using (Volume volume = Volume.Format(disk))
        {
            foreach (string name in new[] { "one", "two", "three" })
            {
                volume.Create(name).Dispose();
                await volume.SyncAsync(); // one transaction each, 512 bytes apart
            }
        }
        // Transaction 2 ("two") starts 512 bytes into area 0.
        byte[] b = new byte[1];
        disk.ReadRaw(Area0 + 512 + corruptAt, b);
        b[0] ^= 0x40;
        disk.WriteRaw(Area0 + 512 + corruptAt, b);

        using (Volume mounted = Volume.Mount(disk))
        {
            Assert.Equal(["one"], mounted.Files);
            AssertConsistent(mounted);
            mounted.Create("four").Dispose();
            await mounted.SyncAsync();
        }
        // "three" sat after the corruption: later mounts never pick it up, whatever the new log holds.
        using Volume again = Volume.Mount(disk);
        Assert.Equal(["four", "one"], again.Files);
        AssertConsistent(again);
    }

    [Fact]
    public async Task ATornTransaction_IsDropped_TheOnesBeforeItStay()
    {
        using RamDisk disk = StaleDisk();
        using (Volume volume = Volume.Format(disk))
        {
            volume.Create("first").Dispose();
            await volume.SyncAsync();
            for (int i = 0; i < 40; i++)
            {
                volume.Create(new string('n', 200) + i).Dispose(); // a transaction of several 512-byte blocks
            }
            await volume.SyncAsync();
        }
        // Tear the second transaction: its third logical block never reached the device.
        disk.WriteRaw(Area0 + 512 + 2 * 512, new byte[512]);
        using Volume mounted = Volume.Mount(disk);
        Assert.Equal(["first"], mounted.Files);
        AssertConsistent(mounted);
    }

    [Fact]
    public async Task ACorruptSuperblockCopy_LeavesTheOtherOne()
    {
        using RamDisk disk = StaleDisk();
        using (Volume volume = Volume.Format(disk))
        {
            volume.Create("kept").Dispose();
            await volume.SyncAsync();
        }
        // Generation 1 lives in copy 1 (byte 4096): corrupt it; copy 0 (generation 0) describes the same log area.
        disk.WriteRaw(4096 + 20, new byte[] { 0xFF });
        using Volume mounted = Volume.Mount(disk);
        Assert.Equal(["kept"], mounted.Files);
        AssertConsistent(mounted); // the mount's compaction rewrote the bad copy
    }
}
