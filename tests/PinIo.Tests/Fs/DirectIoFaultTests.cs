using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// <see cref="DirectIo"/>'s error paths under dm-flakey and dm-dust schedules of a
/// <see cref="FaultDevice"/>, over a RAM disk (inline and worker completions) and over a real
/// file (sync and io_uring engines), with each kind of memory: the error is EIO with the
/// fault named, a request that fails part way reports the bytes before the failing bio, the
/// iterator advances by exactly that, every byte reported written is on the device and none
/// reported that is not, and pins balance (base class). <see cref="DirectFile"/> opens a
/// path and builds its own <see cref="FileDevice"/> (it cannot be given another device), so
/// its requests are covered here through the same <see cref="DirectIo"/> calls it makes.
/// </summary>
public sealed class DirectIoFaultTests : PinBalancedTest, IDisposable
{
    private const int RamBioBytes = 16 * 1024;
    private const int Bios = 4;
    private readonly TempDirectory _dir = new();

    public enum Inner
    {
        RamInline,
        RamWorker,
        FileSync,
        FileIoUring,
        FileLibaio,
    }

    public enum Fault
    {
        FlakeyDown,
        FlakeyErrorWrites,
        DustBadBlock,
    }

    public static TheoryData<Inner, IterKind, Fault, int> WriteCases() => Cases(Enum.GetValues<Fault>());

    /// <summary>error_writes passes reads: nothing would fail (the flakey device tests cover that).</summary>
    public static TheoryData<Inner, IterKind, Fault, int> ReadCases() => Cases([Fault.FlakeyDown, Fault.DustBadBlock]);

    private static TheoryData<Inner, IterKind, Fault, int> Cases(Fault[] faults)
    {
        var data = new TheoryData<Inner, IterKind, Fault, int>();
        foreach (Inner inner in Enum.GetValues<Inner>())
        {
            foreach (IterKind kind in new[] { IterKind.Iovec, IterKind.Kvec, IterKind.Bvec })
            {
                foreach (Fault fault in faults)
                {
                    data.Add(inner, kind, fault, 0);
                    data.Add(inner, kind, fault, 2);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WriteCases))]
    public async Task AWriteFailingAtBioK_ReportsTheBytesBeforeIt_AndExactlyThoseAreOnTheDevice(Inner inner, IterKind kind, Fault fault, int failingBio)
    {
        using FaultDevice device = Open(inner, fault, failingBio, writes: true, out int bioBytes);
        int length = Bios * bioBytes;
        using var memory = TestMemory.Create(kind, length);
        TestPattern.Fill(memory.Span, seed: 21);
        byte[] data = memory.Span.ToArray();
        IovIter iter = memory.Iter(IterDirection.Source);

        long written = await Run(() => DirectIo.WriteAsync(device, 0, iter), failingBio, fault);

        Assert.Equal((long)failingBio * bioBytes, written);
        Assert.Equal(length - written, iter.Count);
        byte[] onDevice = await ReadInner(device.Inner, length);
        TestPattern.AssertBytes(data.AsSpan(0, (int)written), onDevice.AsSpan(0, (int)written), "bytes reported written");
        if (fault != Fault.DustBadBlock)
        {
            // Every bio from the failing one on met the device down: none of its bytes may be there.
            Assert.True(onDevice.AsSpan((int)written).IndexOfAnyExcept((byte)0) < 0, "bytes not reported written are on the device");
        }
    }

    [Theory]
    [MemberData(nameof(ReadCases))]
    public async Task AReadFailingAtBioK_ReportsTheBytesBeforeIt_WithTheirData(Inner inner, IterKind kind, Fault fault, int failingBio)
    {
        using FaultDevice device = Open(inner, fault, failingBio, writes: false, out int bioBytes);
        int length = Bios * bioBytes;
        byte[] stored = TestPattern.Make(length, seed: 22);
        await WriteInner(device.Inner, stored);
        using var memory = TestMemory.Create(kind, length);
        IovIter iter = memory.Iter(IterDirection.Dest);

        long read = await Run(() => DirectIo.ReadAsync(device, 0, iter), failingBio, fault);

        Assert.Equal((long)failingBio * bioBytes, read);
        Assert.Equal(length - read, iter.Count);
        TestPattern.AssertBytes(stored.AsSpan(0, (int)read), memory.Span[..(int)read], "bytes reported read");
    }

    /// <summary>Runs the request; when the very first bio fails, the error must be EIO naming the fault.</summary>
    private static async Task<long> Run(Func<ValueTask<long>> request, int failingBio, Fault fault)
    {
        if (failingBio > 0)
        {
            return await request();
        }
        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await request());
        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains(fault == Fault.DustBadBlock ? "dm-dust" : "dm-flakey", e.Message, StringComparison.Ordinal);
        return 0;
    }

    /// <summary>
    /// The device under test; a file's 8 MiB bios are narrowed to 16 KiB by a pass-through
    /// that only reports smaller limits, so that a request of a few bios stays small.
    /// </summary>
    private FaultDevice Open(Inner inner, Fault fault, int failingBio, bool writes, out int bioBytes)
    {
        var limits = new QueueLimits { MaxSectorsBytes = RamBioBytes };
        IBlockDevice device = inner switch
        {
            Inner.RamInline => new RamDisk(1 << 20, new RamDiskOptions { Limits = limits }),
            Inner.RamWorker => new RamDisk(1 << 20, new RamDiskOptions { Limits = limits, Completion = RamDiskCompletion.Worker }),
            _ => new NarrowedDevice(FileDevice.Open(_dir.File("f"), new FileDeviceOptions
            {
                Engine = inner switch
                {
                    Inner.FileSync => IoEngine.Sync,
                    Inner.FileLibaio => IoEngine.Libaio,
                    _ => IoEngine.IoUring,
                },
                Create = true,
                InitialSize = 1L << 20,
                BufferPoolBytes = 0,
            }), RamBioBytes),
        };
        bioBytes = device.Limits.MaxSectorsBytes;
        var up = FaultInterval.Count(failingBio);
        var down = FaultInterval.Count(1_000_000);
        FaultOptions options = fault switch
        {
            Fault.FlakeyDown => new() { Flakey = new FlakeyOptions { Up = up, Down = down } },
            Fault.FlakeyErrorWrites => new() { Flakey = new FlakeyOptions { Up = up, Down = down, Writes = FlakeyWrites.Error } },
            // A write over a bad block clears it (dm-dust); with a write failure left, it fails instead.
            _ => new() { Dust = new DustOptions { BlockSize = 4096, BadBlocks = [(long)failingBio * bioBytes / 4096], WriteFailures = writes ? 1 : 0 } },
        };
        return new FaultDevice(device, options);
    }

    private static async Task<byte[]> ReadInner(IBlockDevice device, int length)
    {
        using var buffer = new BlockNativeBuffer(length);
        Assert.Equal(length, await DirectIo.ReadAsync(device, 0, IovIter.Kernel(IterDirection.Dest, [new KernelVec(buffer.Address, length)])));
        return buffer.Span.ToArray();
    }

    private static async Task WriteInner(IBlockDevice device, byte[] data)
    {
        using var buffer = new BlockNativeBuffer(data.Length);
        data.CopyTo(buffer.Span);
        Assert.Equal(data.Length, await DirectIo.WriteAsync(device, 0, IovIter.Kernel(IterDirection.Source, [new KernelVec(buffer.Address, data.Length)])));
    }

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        Dispose();
    }

    /// <summary>Passes every bio to a file device, reporting the file's limits with smaller bios.</summary>
    private sealed class NarrowedDevice(FileDevice file, int maxBioBytes) : IBlockDevice
    {
        public QueueLimits Limits { get; } = file.Limits with { MaxSectorsBytes = maxBioBytes };

        public long Capacity => file.Capacity;

        public void Submit(Bio bio) => file.Submit(bio);

        public void Dispose() => file.Dispose();
    }

    /// <summary>Memory of one iterator kind: managed (pinned per I/O), native (a kvec) or pool pages (a bvec).</summary>
    private sealed class TestMemory : IDisposable
    {
        private readonly IterKind _kind;
        private readonly Memory<byte> _managed;
        private readonly BlockNativeBuffer? _native;
        private readonly PagePool? _pool;
        private readonly Page[] _pages = [];

        private TestMemory(IterKind kind, int length)
        {
            _kind = kind;
            Length = length;
            switch (kind)
            {
                case IterKind.Iovec:
                    _managed = BlockMemory.Aligned(length);
                    break;
                case IterKind.Kvec:
                    _native = new BlockNativeBuffer(length);
                    break;
                default:
                    _pool = new PagePool(length / PageSize.Bytes);
                    _pages = [.. Enumerable.Range(0, length / PageSize.Bytes).Select(_ => _pool.Alloc())];
                    break;
            }
        }

        public int Length { get; }

        public static TestMemory Create(IterKind kind, int length) => new(kind, length);

        public Span<byte> Span => _kind switch
        {
            IterKind.Iovec => _managed.Span,
            IterKind.Kvec => _native!.Span,
            _ => PoolSpan(),
        };

        public IovIter Iter(IterDirection direction) => _kind switch
        {
            IterKind.Iovec => IovIter.User(direction, _managed),
            IterKind.Kvec => IovIter.Kernel(direction, [new KernelVec(_native!.Address, Length)]),
            _ => IovIter.Pages(direction, [.. _pages.Select(p => new BioVec(p, 0, PageSize.Bytes))]),
        };

        /// <summary>Pool pages are adjacent when allocated in order from a fresh pool.</summary>
        private unsafe Span<byte> PoolSpan() => new((void*)_pages[0].Address, Length);

        public void Dispose()
        {
            foreach (Page page in _pages)
            {
                page.Put();
            }
            _pool?.Dispose();
            _native?.Dispose();
        }
    }
}
