// Follows fio's t/io_uring.c (its knobs: -b, -d, -s, -c, -B, -F, -p, -P, -n, -r), written anew.
namespace PinIo.Devices;

/// <summary>
/// What <see cref="PeakLoop"/> runs: random reads of <see cref="BlockSize"/> at
/// <see cref="Depth"/> on each of <see cref="Threads"/> threads, one ring per thread, each
/// thread bound to one CPU. Every trick is on by default (fixed buffers, a registered file,
/// batched submission and reaping); each can be turned off to measure what it is worth.
/// </summary>
internal sealed record PeakOptions
{
    /// <summary>The largest depth: a ring of 4096 SQEs, the kernel's default SQ limit is 32768.</summary>
    public const int MaxDepth = 4096;

    /// <summary>The largest read: 1 MiB, as a registered buffer per slot stays small.</summary>
    public const int MaxBlockSize = 1 << 20;

    /// <summary>The kernel registers one fixed buffer of at most 1 GiB (io_buffer_validate); each thread's buffers are one.</summary>
    public const long MaxBufferBytes = 1L << 30;

    /// <summary>Bytes per read: a power of two from 512 to 1 MiB, and a multiple of the target's Direct I/O alignment.</summary>
    public int BlockSize { get; init; } = 4096;

    /// <summary>Reads in flight per thread (t/io_uring's -d).</summary>
    public int Depth { get; init; } = 128;

    /// <summary>SQEs prepared and submitted per io_uring_enter (-s).</summary>
    public int SubmitBatch { get; init; } = 32;

    /// <summary>CQEs waited for once the depth is full (-c).</summary>
    public int CompleteBatch { get; init; } = 32;

    /// <summary>READ_FIXED into buffers registered once (no pin per read), or READ into the same memory (a pin per page per read).</summary>
    public bool FixedBuffers { get; init; } = true;

    /// <summary>The target registered with the ring (IOSQE_FIXED_FILE: no file lookup per read).</summary>
    public bool RegisteredFile { get; init; } = true;

    /// <summary>IORING_SETUP_NO_SQARRAY (Linux 6.6): no SQ index array for the kernel to read per SQE; dropped where the kernel refuses it.</summary>
    public bool NoSqArray { get; init; } = true;

    /// <summary>IORING_SETUP_IOPOLL: completions polled from the device's poll queues, no interrupts (-p).</summary>
    public bool Polled { get; init; }

    /// <summary>IORING_SETUP_SQPOLL: a kernel thread takes the SQEs, no io_uring_enter to submit.</summary>
    public bool SubmissionPolling { get; init; }

    /// <summary>The buffers in transparent huge pages where the kernel has them (fewer pages to register).</summary>
    public bool HugePages { get; init; } = true;

    /// <summary>Threads, each with its own ring and file descriptor (-n).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The CPU of each thread, in order (wrapping); null: the CPUs this process may use, in order.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>How long the loop runs (-r), unless <see cref="IosPerThread"/> stops it first.</summary>
    public TimeSpan Runtime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads per thread before it stops (0: until <see cref="Runtime"/>).</summary>
    public long IosPerThread { get; init; }

    /// <summary>Bytes of the target the offsets fall in (0: all of it).</summary>
    public long Size { get; init; }

    /// <summary>Checks every block read against <see cref="PeakPattern"/> (written to the target beforehand).</summary>
    public bool Verify { get; init; }

    /// <summary>Seed of the offsets; thread i uses <c>Seed + i</c>.</summary>
    public ulong Seed { get; init; } = 0x5EED;

    /// <summary>Throws <see cref="DirectIoException"/> (EINVAL) naming the first setting to change.</summary>
    public void Validate()
    {
        if (BlockSize < 512 || BlockSize > MaxBlockSize || (BlockSize & (BlockSize - 1)) != 0)
        {
            Fail($"block size {BlockSize}: give a power of two from 512 to {MaxBlockSize}");
        }
        if (Depth < 1 || Depth > MaxDepth)
        {
            Fail($"depth {Depth}: give 1 to {MaxDepth}");
        }
        if (SubmitBatch < 1 || SubmitBatch > Depth)
        {
            Fail($"submit batch {SubmitBatch}: give 1 to the depth ({Depth})");
        }
        if (CompleteBatch < 1 || CompleteBatch > Depth)
        {
            Fail($"complete batch {CompleteBatch}: give 1 to the depth ({Depth})");
        }
        if ((long)Depth * BlockSize > MaxBufferBytes)
        {
            Fail($"depth {Depth} x block size {BlockSize}: the buffers are one registered buffer of at most {MaxBufferBytes >> 20} MiB; lower either");
        }
        if (Threads < 1 || Threads > Linux.CpuAffinity.MaxCpus)
        {
            Fail($"threads {Threads}: give 1 to {Linux.CpuAffinity.MaxCpus}");
        }
        if (Cpus is { Count: 0 } || (Cpus?.Any(c => c < 0 || c >= Linux.CpuAffinity.MaxCpus) ?? false))
        {
            Fail($"CPUs [{string.Join(",", Cpus!)}]: give at least one CPU number from 0 to {Linux.CpuAffinity.MaxCpus - 1}");
        }
        if (Runtime <= TimeSpan.Zero)
        {
            Fail($"runtime {Runtime.TotalSeconds} s: give a runtime above zero");
        }
        if (IosPerThread < 0 || Size < 0 || Size % BlockSize != 0)
        {
            Fail($"I/O count {IosPerThread} and size {Size}: give counts of zero or more and a size that is a multiple of the block size ({BlockSize})");
        }
    }

    private static void Fail(string message) => ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"peak: {message}");
}
