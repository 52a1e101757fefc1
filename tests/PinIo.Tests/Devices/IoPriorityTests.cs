using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>
/// A request's <see cref="IoPriority"/> reaches the kernel through each engine: the SQE's
/// ioprio (io_uring), the iocb's aio_reqprio with IOCB_FLAG_IOPRIO (libaio), ioprio_set on the
/// thread that makes the call (sync). The kernel checks every priority it is given
/// (ioprio_check_cap) and refuses a class it does not know with EINVAL: a read carrying one
/// fails only if the priority got there.
/// </summary>
public sealed class IoPriorityTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    // Class 7 is none of IOPRIO_CLASS_NONE, RT, BE or IDLE.
    private static readonly IoPriority s_unknownClass = new((ushort)(7 << 13));

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Libaio)]
    [InlineData(IoEngine.Sync)]
    public async Task APriorityTheKernelRefusesFailsTheRequest(IoEngine engine)
    {
        using FileDevice device = OpenDevice(engine);
        byte[] memory = GC.AllocateArray<byte>(8192, pinned: true);

        var e = await Assert.ThrowsAsync<DirectIoException>(async () =>
            await DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, Aligned(memory)), DirectIoFlags.None, s_unknownClass));

        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Theory]
    [InlineData(IoEngine.IoUring, IoPriorityClass.BestEffort, 5)]
    [InlineData(IoEngine.Libaio, IoPriorityClass.Idle, 0)]
    [InlineData(IoEngine.Sync, IoPriorityClass.RealTime, 1)]
    [InlineData(IoEngine.Sync, IoPriorityClass.None, 0)]
    public async Task AValidPriorityReadsAsWithout(IoEngine engine, IoPriorityClass priorityClass, int level)
    {
        using FileDevice device = OpenDevice(engine);
        byte[] memory = GC.AllocateArray<byte>(8192, pinned: true);

        long read = await DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, Aligned(memory)), DirectIoFlags.None, IoPriority.Of(priorityClass, level));

        Assert.Equal(4096, read);
    }

    [Fact]
    public void ThePriorityIsEncodedAsTheKernelsIoprio()
    {
        IoPriority priority = IoPriority.Of(IoPriorityClass.RealTime, 3, hint: 2);

        Assert.Equal((1 << 13) | (2 << 3) | 3, priority.Value);
        Assert.Equal((IoPriorityClass.RealTime, 3, 2), (priority.Class, priority.Level, priority.Hint));
        Assert.Equal(Errno.EINVAL, Assert.Throws<DirectIoException>(() => IoPriority.Of(IoPriorityClass.Idle, 8)).Errno);
    }

    [Fact]
    public async Task ABioCarriesItsPriorityToTheDevice()
    {
        using var disk = new RamDisk(1 << 20);
        var seen = new List<IoPriority>();
        disk.OnSubmit = bio =>
        {
            lock (seen)
            {
                seen.Add(bio.Priority);
            }
        };
        byte[] memory = GC.AllocateArray<byte>(8192, pinned: true);
        IoPriority idle = IoPriority.Of(IoPriorityClass.Idle, 7);

        await DirectIo.WriteAsync(disk, 0, IovIter.User(IterDirection.Source, Aligned(memory)), DirectIoFlags.None, idle);
        await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, Aligned(memory)), DirectIoFlags.None);

        Assert.Equal([idle, IoPriority.None], seen);
    }

    private FileDevice OpenDevice(IoEngine engine)
    {
        string path = _dir.File($"prio-{engine}");
        File.WriteAllBytes(path, new byte[4096]);
        return FileDevice.Open(path, new FileDeviceOptions { Engine = engine });
    }

    private static Memory<byte> Aligned(byte[] memory)
    {
        unsafe
        {
            fixed (byte* p = memory)
            {
                int skip = (int)((4096 - ((nint)p & 4095)) & 4095);
                return memory.AsMemory(skip, 4096);
            }
        }
    }
}
