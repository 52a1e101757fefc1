using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// Random reads and writes through every iterator kind, several in flight at once on separate
/// ranges, checked byte for byte against a plain array that models the disk (fsx's method).
/// Tight limits make most requests several bios.
/// </summary>
public sealed class DirectIoIntegrityTests : PinBalancedTest
{
    private const int DiskBytes = 1 << 20;
    private const int Lanes = 4;
    private const int LaneBytes = DiskBytes / Lanes;
    private const int Rounds = 80;
    private const int MaxRequestBytes = 64 * 1024;

    private static readonly QueueLimits s_tightLimits = new() { MaxSectorsBytes = 16 * 1024, MaxSegments = 8, MaxSegmentSize = 8 * 1024 };

    private static readonly IterKind[] s_kinds = [IterKind.Iovec, IterKind.Kvec, IterKind.Bvec, IterKind.Pipe];

    public static TheoryData<IterKind?, RamDiskCompletion> KindsAndCompletions
    {
        get
        {
            var data = new TheoryData<IterKind?, RamDiskCompletion>();
            foreach (RamDiskCompletion completion in new[] { RamDiskCompletion.Inline, RamDiskCompletion.Worker })
            {
                foreach (IterKind kind in s_kinds)
                {
                    data.Add(kind, completion);
                }
                data.Add(null, completion);
            }
            return data;
        }
    }

    /// <param name="kind">The kind of every request; null mixes all kinds, request by request.</param>
    [Theory]
    [MemberData(nameof(KindsAndCompletions))]
    public async Task RandomReadsAndWritesMatchAModelOfTheDisk(IterKind? kind, RamDiskCompletion completion)
    {
        int seed = ((kind is null ? 9 : (int)kind) * 10) + (int)completion;
        var random = new Random(seed);
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Limits = s_tightLimits, Completion = completion });
        using var pool = new PagePool(1024);
        byte[] model = new byte[DiskBytes];
        random.NextBytes(model);
        disk.WriteRaw(0, model);
        int operations = 0;

        for (int round = 0; round < Rounds; round++)
        {
            var requests = new Task[Lanes];
            for (int lane = 0; lane < Lanes; lane++)
            {
                Request request = NextRequest(random, lane, kind ?? s_kinds[random.Next(s_kinds.Length)], pool);
                requests[lane] = Task.Run(() => Run(disk, model, request, $"seed {seed} round {round}"));
            }
            await Task.WhenAll(requests);
            operations += Lanes;
        }

        Assert.Equal(Rounds * Lanes, operations);
        Assert.Equal(0, disk.LimitViolations);
        byte[] onDisk = new byte[DiskBytes];
        disk.ReadRaw(0, onDisk);
        DioAssert.SameBytes(model, onDisk, $"whole disk at the end (seed {seed})");
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task WriteThenReadRoundTripsWithDefaultLimits(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion });
        Memory<byte> data = BlockMemory.Aligned(8192);
        BlockMemory.FillPattern(data.Span, seed: 14);

        long written = await DirectIo.WriteAsync(disk, 4096, IovIter.User(IterDirection.Source, data));
        Memory<byte> back = BlockMemory.Aligned(8192);
        long read = await DirectIo.ReadAsync(disk, 4096, IovIter.User(IterDirection.Dest, back));

        Assert.Equal((8192, 8192), (written, read));
        DioAssert.SameBytes(data.Span, back.Span, "read after write");
    }

    private static Request NextRequest(Random random, int lane, IterKind kind, PagePool pool)
    {
        int length = DioMemory.Granule * random.Next(1, (MaxRequestBytes / DioMemory.Granule) + 1);
        int offset = (lane * LaneBytes) + (DioMemory.Granule * random.Next(0, ((LaneBytes - length) / DioMemory.Granule) + 1));
        byte[]? data = null;
        if (random.Next(2) == 0)
        {
            data = new byte[length];
            random.NextBytes(data);
        }
        return new Request(offset, kind, data, DioMemory.Create(kind, length, random, pool));
    }

    private static async Task Run(RamDisk disk, byte[] model, Request request, string context)
    {
        using DioMemory memory = request.Memory;
        string what = $"{context}: {(request.Data is null ? "read" : "write")} of {memory.Length} at {request.Offset} through {request.Kind}";
        if (request.Data is { } data)
        {
            IovIter iter = memory.Source(data);
            long written = await DirectIo.WriteAsync(disk, request.Offset, iter);
            Assert.True(written == data.Length && iter.Count == 0, $"{what}: wrote {written}, {iter.Count} left in the iterator");
            data.CopyTo(model.AsSpan(request.Offset));
        }
        else
        {
            IovIter iter = memory.Dest();
            long read = await DirectIo.ReadAsync(disk, request.Offset, iter);
            Assert.True(read == memory.Length && iter.Count == 0, $"{what}: read {read}, {iter.Count} left in the iterator");
            byte[] got = new byte[memory.Length];
            memory.ReadBack(got);
            DioAssert.SameBytes(model.AsSpan(request.Offset, memory.Length), got, what);
        }
    }

    private sealed record Request(int Offset, IterKind Kind, byte[]? Data, DioMemory Memory);
}
