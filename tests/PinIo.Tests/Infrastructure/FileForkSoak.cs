using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// The fork question (dotnet/runtime#27408): Direct I/O reads into ordinary managed arrays,
/// pool memory and native memory, on both engines, while another thread forks — with
/// <see cref="Process.Start(string)"/> and with a raw fork(2) whose child exits at once. Every
/// byte read is checked against what the file holds; the counts say what was done and what was
/// wrong. The suite runs it for seconds, bench/fork-soak.sh for as long as it is asked.
/// </summary>
internal sealed class FileForkSoak
{
    public const int FileBytes = 32 << 20;
    private const int MaxRead = 256 * 1024;
    private const ulong Seed = 0x5EED_F02C_0000_0001;

    private readonly string _path;
    private long _reads;
    private long _bytesChecked;
    private long _wrongBytes;
    private long _processStarts;
    private long _rawForks;
    private long _badChildren;

    public FileForkSoak(string path) => _path = path;

    public enum Memory { Managed, Pool, Native }

    public long Reads => Interlocked.Read(ref _reads);

    public long BytesChecked => Interlocked.Read(ref _bytesChecked);

    public long WrongBytes => Interlocked.Read(ref _wrongBytes);

    public long ProcessStarts => _processStarts;

    public long RawForks => _rawForks;

    /// <summary>Children that did not exit with status 0 (a fork or a spawn that went wrong).</summary>
    public long BadChildren => _badChildren;

    public long PinsAcquired { get; private set; }

    public long PinsReleased { get; private set; }

    /// <summary>The word every 8 bytes of the file holds: a function of its offset.</summary>
    public static ulong WordAt(long offset) => ((ulong)offset * 0x9E37_79B9_7F4A_7C15UL) ^ Seed;

    public void WriteFile()
    {
        using DirectFile file = DirectFile.Open(_path, new DirectFileOptions { Create = true, InitialSize = FileBytes, BufferPoolBytes = 1 << 20 });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(1 << 20);
        for (long at = 0; at < FileBytes; at += 1 << 20)
        {
            Fill(buffer.Memory.Span, at);
            file.Write(at, buffer.Memory);
        }
    }

    public async Task RunAsync(TimeSpan duration)
    {
        long acquired = PinStats.Acquired, released = PinStats.Released;
        using var stop = new CancellationTokenSource();
        await using DirectFile ring = Open(IoEngine.IoUring);
        await using DirectFile sync = Open(IoEngine.Sync);
        var forker = new Thread(() => Fork(stop.Token)) { IsBackground = true, Name = "fork-soak-forker" };
        forker.Start();
        Task[] readers = [.. from file in new[] { ring, sync }
                             from kind in Enum.GetValues<Memory>()
                             select Task.Run(() => ReadLoopAsync(file, kind, seed: (int)kind * 31 + (int)file.Engine, stop.Token))];
        stop.CancelAfter(duration);
        await Task.WhenAll(readers);
        forker.Join();
        PinsAcquired = PinStats.Acquired - acquired;
        PinsReleased = PinStats.Released - released;
    }

    public string Describe() =>
        $"reads {Reads}, bytes checked {BytesChecked}, wrong bytes {WrongBytes}, forks {ProcessStarts + RawForks} " +
        $"(Process.Start {ProcessStarts}, raw fork {RawForks}, bad children {BadChildren}), pins acquired {PinsAcquired}, released {PinsReleased}";

    private DirectFile Open(IoEngine engine) => DirectFile.Open(_path, new DirectFileOptions
    {
        Engine = engine,
        ReadOnly = true,
        BufferPoolBytes = 4L << 20,
        // An ordinary array is only 8-byte aligned, and the GC may move it before it is pinned: bounce what does not fit.
        BounceMisalignedMemory = true,
    });

    private async Task ReadLoopAsync(DirectFile file, Memory kind, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        using NativeBuffer native = new(MaxRead);
        while (!stop.IsCancellationRequested)
        {
            int length = random.Next(1, (MaxRead / 4096) + 1) * 4096;
            long offset = random.NextInt64(0, (FileBytes - length) / 4096 + 1) * 4096;
            IMemoryOwner<byte>? owned = kind == Memory.Pool ? file.AllocateBuffer(length) : null;
            try
            {
                Memory<byte> memory = kind switch
                {
                    Memory.Pool => owned!.Memory,
                    Memory.Native => native.Memory[..length],
                    // A fresh ordinary array each time, at a 4 KiB-aligned start where it is now (the GC may move it).
                    _ => AlignedSlice(new byte[length + 4096], length),
                };
                memory.Span.Fill(0xEE);
                // Not the stop token: a read once started runs to its end and is checked.
                int n = await file.ReadAsync(offset, memory, CancellationToken.None).ConfigureAwait(false);
                Check(memory.Span[..n], offset, n == length);
                Interlocked.Increment(ref _reads);
            }
            finally
            {
                owned?.Dispose();
            }
        }
    }

    private void Check(ReadOnlySpan<byte> got, long offset, bool whole)
    {
        Span<byte> expected = stackalloc byte[4096];
        long wrong = whole ? 0 : got.Length + 1;
        for (int at = 0; at < got.Length; at += expected.Length)
        {
            Fill(expected, offset + at);
            ReadOnlySpan<byte> chunk = got.Slice(at, Math.Min(expected.Length, got.Length - at));
            if (!chunk.SequenceEqual(expected[..chunk.Length]))
            {
                for (int i = 0; i < chunk.Length; i++)
                {
                    wrong += chunk[i] != expected[i] ? 1 : 0;
                }
            }
        }
        Interlocked.Add(ref _bytesChecked, got.Length);
        Interlocked.Add(ref _wrongBytes, wrong);
    }

    private static void Fill(Span<byte> span, long offset)
    {
        for (int i = 0; i + 8 <= span.Length; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[i..], WordAt(offset + i));
        }
    }

    private static unsafe Memory<byte> AlignedSlice(byte[] array, int length)
    {
        fixed (byte* p = array)
        {
            int skip = (int)((4096 - ((nint)p & 4095)) & 4095);
            return array.AsMemory(skip, length);
        }
    }

    /// <summary>Alternates a Process.Start and a raw fork whose child exits at once, until told to stop.</summary>
    private void Fork(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            StartProcess();
            RawFork();
        }
    }

    private void StartProcess()
    {
        using (Process child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!)
        {
            child.WaitForExit();
            _badChildren += child.ExitCode == 0 ? 0 : 1;
        }
        Interlocked.Increment(ref _processStarts);
    }

    /// <summary>A fork(2) through the Linux layer whose child exits at once, reaped here.</summary>
    private void RawFork()
    {
        int pid = Interop.ForkChildThatExits();
        if (pid < 0)
        {
            throw new InvalidOperationException($"fork failed: {(Errno)(-pid)}");
        }
        int reaped = Interop.WaitPid(pid, out int status);
        _badChildren += reaped == pid && Interop.ExitCodeOf(status) == 0 ? 0 : 1;
        Interlocked.Increment(ref _rawForks);
    }
}
