using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;

namespace PinIo.Bench;

/// <summary>
/// Issue 9's Volume overhead from a .NET caller's own async loops, with no pinio runner in
/// between: the same device opened the same way (io_uring, continuations inline on the ring's
/// thread), either raw (<see cref="DirectIo"/> at device offsets) or as a Volume formatted on
/// it with one file (<see cref="VolumeFile"/> Direct I/O). The region is written in full
/// first, so writes overwrite mapped blocks. Destroys what the device held.
/// </summary>
internal static class VolumeRunner
{
    private const int FillBytes = 1 << 20;

    public static Result Run(BenchOptions o, bool volume)
    {
        using IBlockDevice device = o.File.StartsWith("ram:", StringComparison.Ordinal)
            ? new RamDisk(BenchOptions.ParseSize(o.File[4..]), new RamDiskOptions { Completion = o.IoDepth == 1 ? RamDiskCompletion.Inline : RamDiskCompletion.Worker })
            : FileDevice.Open(o.File, new FileDeviceOptions { Engine = IoEngine.IoUring, QueueDepth = Math.Max(o.IoDepth, 8) });
        long size = o.Size > 0 ? o.Size : device.Capacity / 2;
        using Volume? vol = volume ? Volume.Format(device, new VolumeOptions()) : null;
        using VolumeFile? file = vol?.Create("bench");
        var aligned = new AlignedMemory(Math.Max(o.IoDepth, 1), Math.Max(o.BlockSize, FillBytes));
        Fill(device, file, aligned.Buffer(0)[..FillBytes], size);
        var m = new Measurement(o, size);
        var loops = new Task[m.Chains.Length];
        for (int i = 0; i < loops.Length; i++)
        {
            m.Chains[i].Buffer = aligned.Buffer(i)[..o.BlockSize];
            loops[i] = RunChain(device, file, o.Write, m, m.Chains[i]).AsTask();
        }
        Measurement.SleepUntil(m.StartTs);
        Snapshot before = Snapshot.Take();
        Measurement.SleepUntil(m.EndTs);
        Snapshot after = Snapshot.Take(end: true);
        Task.WaitAll(loops);
        return Result.From(m, before, after, engineInUse: volume ? "volume" : "raw");
    }

    private static void Fill(IBlockDevice device, VolumeFile? file, Memory<byte> buffer, long size)
    {
        Random.Shared.NextBytes(buffer.Span);
        IovIter iter = IovIter.User(IterDirection.Source, buffer);
        for (long at = 0; at < size; at += buffer.Length)
        {
            long n = Issue(device, file, write: true, at, iter).AsTask().GetAwaiter().GetResult();
            iter.Revert(n);
        }
        if (file is not null)
        {
            file.FlushAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask RunChain(IBlockDevice device, VolumeFile? file, bool write, Measurement m, Chain chain)
    {
        IovIter iter = IovIter.User(write ? IterDirection.Source : IterDirection.Dest, chain.Buffer);
        while (true)
        {
            long issued = System.Diagnostics.Stopwatch.GetTimestamp();
            if (issued >= m.EndTs)
            {
                return;
            }
            long offset = m.NextOffset(chain);
            long n = await Issue(device, file, write, offset, iter).ConfigureAwait(false);
            iter.Revert(n);
            m.Complete(chain, issued, (int)n);
        }
    }

    /// <summary>One request, raw or through the file, completing inline on the device's thread.</summary>
    private static ValueTask<long> Issue(IBlockDevice device, VolumeFile? file, bool write, long offset, IovIter iter)
    {
        const DirectIoFlags Inline = DirectIoFlags.InlineCompletion;
        if (file is null)
        {
            return write ? DirectIo.WriteAsync(device, offset, iter, Inline) : DirectIo.ReadAsync(device, offset, iter, Inline);
        }
        return write ? file.WriteAsync(offset, iter, Inline) : file.ReadAsync(offset, iter, Inline);
    }
}
