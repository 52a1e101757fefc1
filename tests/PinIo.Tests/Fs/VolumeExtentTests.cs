using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>Extent maps through IIomapInode and Extents (FIEMAP); the allocator's contiguity and ENOSPC; truncate, extend, allocate, punch.</summary>
public sealed class VolumeExtentTests : PinBalancedTest
{
    [Fact]
    public async Task IomapBegin_AllocatesUnwrittenNew_AndOnlyEndIoConvertsAndMovesTheSize()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile file = volume.Create("f");
        VolumeFile inode = file;

        Iomap hole = await inode.IomapBeginAsync(8192, 4096, IomapIntent.Read, default);
        Assert.Equal(new Iomap(8192, 4096, IomapType.Hole, 0, IomapFlags.None), hole);
        Assert.Equal(Errno.EAGAIN, (await Assert.ThrowsAsync<DirectIoException>(() => inode.IomapBeginAsync(8192, 4096, IomapIntent.Write | IomapIntent.NoWait, default).AsTask())).Errno);

        Iomap fresh = await inode.IomapBeginAsync(8192 + 512, 8192, IomapIntent.Write, default);
        Assert.Equal(IomapType.Unwritten, fresh.Type);
        Assert.Equal(IomapFlags.New, fresh.Flags);
        Assert.Equal(8192, fresh.Offset);
        Assert.Equal(12288, fresh.Length); // the blocks [8192, 8704 + 8192) touches
        Assert.Equal(0, fresh.DeviceOffset % 4096);
        Assert.Equal(0, file.Length);

        Iomap again = await inode.IomapBeginAsync(12288, 4096, IomapIntent.Write, default);
        Assert.Equal(new Iomap(12288, 4096, IomapType.Unwritten, fresh.DeviceOffset + 4096, IomapFlags.None), again);

        await inode.DioEndIoAsync(8192 + 512, 4096, unwritten: true, default);
        Assert.Equal(8192 + 512 + 4096, file.Length);
        Assert.Equal(
            [
                new Iomap(0, 8192, IomapType.Hole, 0, IomapFlags.None),
                new Iomap(8192, 8192, IomapType.Mapped, fresh.DeviceOffset, IomapFlags.None),
                new Iomap(16384, 4096, IomapType.Unwritten, fresh.DeviceOffset + 8192, IomapFlags.None),
            ],
            file.Extents);
        AssertConsistent(volume);
    }

    [Fact]
    public async Task Extents_ReportGapsAsHoles_UpToTheSize()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.AllocateAsync(4096, 4096);
        await WriteAsync(file, 12288, Data(4096, 1));
        await file.SetLengthAsync(20480);
        IReadOnlyList<Iomap> map = file.Extents;
        Assert.Equal([IomapType.Hole, IomapType.Unwritten, IomapType.Hole, IomapType.Mapped, IomapType.Hole], map.Select(m => m.Type));
        Assert.Equal([0L, 4096, 8192, 12288, 16384], map.Select(m => m.Offset));
        Assert.All(map, m => Assert.Equal(4096, m.Length));
    }

    [Fact]
    public async Task SequentialWrites_StayContiguous_AndEachFileIsOneExtent()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile a = volume.Create("a");
        using VolumeFile b = volume.Create("b");
        for (int i = 0; i < 16; i++)
        {
            await WriteAsync(a, i * 4096L, Data(4096, i));
        }
        for (int i = 0; i < 8; i++)
        {
            await WriteAsync(b, i * 8192L, Data(8192, i));
        }
        Iomap only = Assert.Single(a.Extents);
        Assert.Equal((IomapType.Mapped, 65536L), (only.Type, only.Length));
        Assert.Equal(IomapType.Mapped, Assert.Single(b.Extents).Type);

        // A file grown after another was written continues where it ended when it can.
        await WriteAsync(a, 65536, Data(4096, 99));
        Assert.Equal(2, a.Extents.Count);
        AssertConsistent(volume);
    }

    [Fact]
    public async Task Enospc_ChangesNothing_AndEarlierDataStaysIntact()
    {
        using RamDisk disk = StaleDisk(1 << 20);
        using Volume volume = Volume.Format(disk);
        using VolumeFile kept = volume.Create("kept");
        byte[] data = Data(8192, 5);
        await WriteAsync(kept, 0, data);
        using VolumeFile big = volume.Create("big");
        long free = volume.FreeBytes;

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(() => big.AllocateAsync(0, free + 4096).AsTask());
        Assert.Equal(Errno.ENOSPC, e.Errno);
        Assert.Equal(free, volume.FreeBytes);
        Assert.Equal(0, big.Length);
        Assert.Empty(big.Extents);

        await big.AllocateAsync(0, free);
        Assert.Equal(0, volume.FreeBytes);
        Assert.Equal(Errno.ENOSPC, (await Assert.ThrowsAsync<DirectIoException>(() => WriteAsync(kept, 65536, Data(4096, 1)))).Errno);
        Assert.Equal(data, await ReadAsync(kept, 0, 8192));
        AssertConsistent(volume);

        // Blocks freed by a truncate come back once it commits (the allocator commits by itself).
        await big.SetLengthAsync(0);
        Assert.Equal(4096, await WriteAsync(kept, 65536, Data(4096, 1)));
        AssertConsistent(volume);
    }

    [Fact]
    public async Task FreedBlocks_AreNotReusedBeforeTheirFreeingCommits()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile a = volume.Create("a");
        await WriteAsync(a, 0, Data(16384, 1));
        long aStart = a.Extents[0].DeviceOffset;
        await a.SetLengthAsync(0);
        using VolumeFile b = volume.Create("b");
        long rest = volume.FreeBytes - 16384; // all but a's busy blocks
        Iomap all = await b.IomapBeginAsync(0, rest, IomapIntent.Write, default);
        Assert.Equal(rest, all.Length);
        Assert.NotEqual(aStart, all.DeviceOffset);
        Assert.Equal((0L, 4L), (volume.Metadata.FreeSpace.FreeBlocks, volume.Metadata.FreeSpace.BusyBlocks));
        long committed = volume.Journal.Committed.NextSequence;
        Iomap next = await b.IomapBeginAsync(rest, 4096, IomapIntent.Write, default);
        Assert.Equal(aStart, next.DeviceOffset);
        Assert.True(volume.Journal.Committed.NextSequence > committed, "a's blocks were handed out before the truncate freeing them committed");
        AssertConsistent(volume);
    }

    [Fact]
    public async Task Truncate_FreesBlocks_ZeroesTheTail_AndExtendLeavesAHole()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile file = volume.Create("f");
        long free = volume.FreeBytes;
        await WriteAsync(file, 0, Data(16384, 3));
        Assert.Equal(free - 16384, volume.FreeBytes);

        await file.SetLengthAsync(5000);
        Assert.Equal(free - 8192, volume.FreeBytes);
        await file.SetLengthAsync(65536);
        Assert.Equal(free - 8192, volume.FreeBytes);
        byte[] back = await ReadAsync(file, 0, 65536);
        Assert.Equal(Data(16384, 3).AsSpan(0, 5000).ToArray(), back[..5000]);
        Assert.All(back[5000..], x => Assert.Equal(0, x));
        Assert.Equal(IomapType.Hole, file.Extents[^1].Type);
        AssertConsistent(volume);
    }

    [Fact]
    public async Task PunchHole_FreesWholeBlocks_ZeroesEdges_KeepsTheSize()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile file = volume.Create("f");
        byte[] data = Data(32768, 7);
        await WriteAsync(file, 0, data);
        long free = volume.FreeBytes;
        await file.PunchHoleAsync(1000, 20000); // whole blocks 1..4, edges in 0 and 5
        Assert.Equal(32768, file.Length);
        Assert.Equal(free + 4 * 4096, volume.FreeBytes);
        Array.Clear(data, 1000, 20000);
        Assert.Equal(data, await ReadAsync(file, 0, 32768));
        Assert.Equal([IomapType.Mapped, IomapType.Hole, IomapType.Mapped], file.Extents.Select(m => m.Type));
        AssertConsistent(volume);
    }

    [Fact]
    public async Task Allocate_GrowsTheSize_ReadsZeroes_AndSkipsMappedBlocks()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 4096, Data(4096, 2));
        long free = volume.FreeBytes;
        await file.AllocateAsync(0, 40000);
        Assert.Equal(40000, file.Length);
        Assert.Equal(free - 9 * 4096, volume.FreeBytes);
        byte[] back = await ReadAsync(file, 0, 40448);
        Assert.Equal(40000, back.Length);
        Assert.All(back[..4096], x => Assert.Equal(0, x));
        Assert.Equal(Data(4096, 2), back[4096..8192]);
        Assert.All(back[8192..], x => Assert.Equal(0, x));
        AssertConsistent(volume);
    }

    [Fact]
    public async Task PastTheLargestFile_IsEfbig()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        using VolumeFile file = volume.Create("f");
        long max = Volume.MaxFileLength;
        Assert.Equal(Errno.EFBIG, (await Assert.ThrowsAsync<DirectIoException>(() => file.SetLengthAsync(max + 1).AsTask())).Errno);
        Assert.Equal(Errno.EFBIG, (await Assert.ThrowsAsync<DirectIoException>(() => file.AllocateAsync(max - 4096, 8192).AsTask())).Errno);
        Assert.Equal(Errno.EFBIG, (await Assert.ThrowsAsync<DirectIoException>(() => WriteAsync(file, max, Data(4096, 0)))).Errno);
        await file.SetLengthAsync(max);
        Assert.Equal(max, file.Length);
        Assert.Equal(Errno.EINVAL, (await Assert.ThrowsAsync<DirectIoException>(() => file.SetLengthAsync(-1).AsTask())).Errno);
    }
}
