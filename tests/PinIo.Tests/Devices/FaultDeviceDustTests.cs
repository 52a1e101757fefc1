using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>dm-dust in a <see cref="FaultDevice"/>: bad blocks fail reads with EIO until a write clears them.</summary>
public sealed class FaultDeviceDustTests : PinBalancedTest
{
    private const int Block = 4096;

    [Fact]
    public async Task ABadBlock_FailsReadsUntilAWriteClearsIt()
    {
        using var device = Dust(new DustOptions { BlockSize = Block, BadBlocks = [3] });
        byte[] data = TestPattern.Make(Block, seed: 5);

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await Read(device, 3 * Block, Block));
        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("bad block (dm-dust)", e.Message, StringComparison.Ordinal);
        Assert.Equal(Block, await Read(device, 2 * Block, Block) is { Length: var n } ? n : 0);

        Memory<byte> source = BlockMemory.Aligned(Block);
        data.CopyTo(source);
        Assert.Equal(Block, await DirectIo.WriteAsync(device, 3 * Block, IovIter.User(IterDirection.Source, source)));

        byte[] back = await Read(device, 3 * Block, Block);
        TestPattern.AssertBytes(data, back, "the rewritten block");
        Assert.False(device.IsBadBlock(3));
        Assert.Equal(1, device.Log.CountOf(FaultAction.BadBlockRead));
        Assert.Equal(1, device.Log.CountOf(FaultAction.BadBlockCleared));
    }

    [Fact]
    public async Task WriteFailures_FailTheFirstWritesAndWriteNothing()
    {
        using var disk = new RamDisk(1 << 20);
        using var device = new FaultDevice(disk, new FaultOptions { Dust = new DustOptions { BlockSize = Block, BadBlocks = [1], WriteFailures = 1 } }, leaveInnerOpen: true);
        Memory<byte> source = BlockMemory.Aligned(Block);
        TestPattern.Fill(source.Span, seed: 6);

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await DirectIo.WriteAsync(device, Block, IovIter.User(IterDirection.Source, source)));
        byte[] onDisk = new byte[Block];
        disk.ReadRaw(Block, onDisk);
        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("write over a bad block failed", e.Message, StringComparison.Ordinal);
        Assert.All(onDisk, b => Assert.Equal(0, b));

        Assert.Equal(Block, await DirectIo.WriteAsync(device, Block, IovIter.User(IterDirection.Source, source)));
        disk.ReadRaw(Block, onDisk);
        TestPattern.AssertBytes(source.Span, onDisk, "the write that cleared the block");
    }

    [Fact]
    public async Task Disabled_PassesEverythingAndKeepsTheList()
    {
        using var device = Dust(new DustOptions { BlockSize = Block, BadBlocks = [0], Enabled = false });

        Assert.Equal(Block, (await Read(device, 0, Block)).Length);
        device.DustEnabled = true;
        await Assert.ThrowsAsync<DirectIoException>(async () => await Read(device, 0, Block));
        device.AddBadBlock(7);
        Assert.True(device.RemoveBadBlock(0));
        Assert.Equal([7L], device.BadBlocks);
        device.ClearBadBlocks();
        Assert.Empty(device.BadBlocks);
    }

    [Fact]
    public void ADeviceWithoutDust_RefusesBadBlockCalls()
    {
        using var device = new FaultDevice(new RamDisk(1 << 20));

        Assert.Contains("FaultOptions.Dust", Assert.Throws<InvalidOperationException>(() => device.AddBadBlock(1)).Message, StringComparison.Ordinal);
    }

    private static FaultDevice Dust(DustOptions dust) => new(new RamDisk(1 << 20), new FaultOptions { Dust = dust });

    private static async Task<byte[]> Read(IBlockDevice device, long offset, int length)
    {
        Memory<byte> buffer = BlockMemory.Aligned(length);
        long read = await DirectIo.ReadAsync(device, offset, IovIter.User(IterDirection.Dest, buffer));
        return buffer[..(int)read].ToArray();
    }
}
