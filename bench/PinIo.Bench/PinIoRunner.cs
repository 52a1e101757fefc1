using System.Buffers;
using System.Runtime.CompilerServices;

namespace PinIo.Bench;

/// <summary>
/// PinIo through its front door, <see cref="DirectFile"/>. Continuations run inline on the
/// engine's completion thread (InlineCompletions), so, as in fio's one thread, a completion
/// issues the next request straight into the ring, and the ring thread submits them all in one
/// io_uring_enter. Each chain is one pooled async loop: nothing is allocated per I/O here.
/// </summary>
internal static class PinIoRunner
{
    public static Result Run(BenchOptions o)
    {
        long poolBytes = o.Fixed ? Math.Max(16L << 20, (long)o.IoDepth * o.BlockSize) : 0;
        using DirectFile file = DirectFile.Open(o.File, new DirectFileOptions
        {
            Engine = o.Engine switch
            {
                BenchEngine.PinIoSync => IoEngine.Sync,
                BenchEngine.PinIoLibaio => IoEngine.Libaio,
                _ => IoEngine.IoUring,
            },
            QueueDepth = o.IoDepth,
            InlineCompletions = o.Inline,
            ReadOnly = true,
            BufferPoolBytes = poolBytes,
        });
        var m = new Measurement(o, file.Length);
        var owners = new List<IMemoryOwner<byte>>();
        AlignedMemory? plain = o.Fixed ? null : new AlignedMemory(o.IoDepth, o.BlockSize);
        for (int i = 0; i < m.Chains.Length; i++)
        {
            if (o.Fixed)
            {
                IMemoryOwner<byte> owner = file.AllocateBuffer(o.BlockSize);
                owners.Add(owner);
                m.Chains[i].Buffer = owner.Memory[..o.BlockSize];
            }
            else
            {
                m.Chains[i].Buffer = plain!.Buffer(i, o.PrePinned);
            }
        }

        var loops = new Task[m.Chains.Length];
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = RunChain(file, m, m.Chains[i]).AsTask();
        }
        Measurement.SleepUntil(m.StartTs);
        Snapshot before = Snapshot.Take();
        Measurement.SleepUntil(m.EndTs);
        Snapshot after = Snapshot.Take(end: true);
        Task.WaitAll(loops);
        foreach (IMemoryOwner<byte> owner in owners)
        {
            owner.Dispose();
        }
        return Result.From(m, before, after, engineInUse: file.Engine switch
        {
            IoEngine.IoUring => "io_uring",
            IoEngine.Libaio => "libaio",
            _ => "sync",
        });
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask RunChain(DirectFile file, Measurement m, Chain chain)
    {
        Memory<byte> buffer = chain.Buffer;
        while (true)
        {
            long issued = System.Diagnostics.Stopwatch.GetTimestamp();
            if (issued >= m.EndTs)
            {
                return;
            }
            int n = await file.ReadAsync(m.NextOffset(chain), buffer).ConfigureAwait(false);
            m.Complete(chain, issued, n);
        }
    }
}
