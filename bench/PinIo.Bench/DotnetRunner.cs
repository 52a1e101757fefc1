using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PinIo.Bench;

/// <summary>
/// Plain .NET: <see cref="RandomAccess"/> on a handle from <see cref="File.OpenHandle"/>, with
/// O_DIRECT turned on afterwards by fcntl(F_SETFL) — .NET has no O_DIRECT flag and passes no
/// other FileOptions bit to open(2) (see bench/README.md). <c>iodepth</c> concurrent tasks
/// each loop on <see cref="RandomAccess.ReadAsync(SafeFileHandle, Memory{byte}, long, CancellationToken)"/>
/// (which on Unix runs a synchronous pread on the thread pool), or with --dotnet-api=sync,
/// <c>iodepth</c> dedicated threads each loop on <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>.
/// </summary>
internal static partial class DotnetRunner
{
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;

    // O_DIRECT is 040000 in asm-generic (x86-64) and 0200000 on arm and arm64.
    private static int O_DIRECT => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    public static Result Run(BenchOptions o)
    {
        using SafeFileHandle handle = File.OpenHandle(o.File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
        bool direct = EnableDirectIo(handle);
        var m = new Measurement(o, Length(handle));
        var memory = new AlignedMemory(o.IoDepth, o.BlockSize);
        for (int i = 0; i < m.Chains.Length; i++)
        {
            m.Chains[i].Buffer = memory.Buffer(i);
        }

        Thread[] threads = [];
        var loops = new Task[m.Chains.Length];
        if (o.DotnetSync)
        {
            threads = new Thread[m.Chains.Length];
            for (int i = 0; i < threads.Length; i++)
            {
                Chain chain = m.Chains[i];
                threads[i] = new Thread(() => RunChainSync(handle, m, chain)) { IsBackground = true, Name = $"dotnet-{i}" };
                threads[i].Start();
            }
        }
        else
        {
            for (int i = 0; i < loops.Length; i++)
            {
                loops[i] = RunChainAsync(handle, m, m.Chains[i]);
            }
        }
        Measurement.SleepUntil(m.StartTs);
        Snapshot before = Snapshot.Take();
        Measurement.SleepUntil(m.EndTs);
        Snapshot after = Snapshot.Take(end: true);
        if (o.DotnetSync)
        {
            foreach (Thread t in threads)
            {
                t.Join();
            }
        }
        else
        {
            Task.WaitAll(loops);
        }
        Result result = Result.From(m, before, after, engineInUse: o.DotnetSync ? "RandomAccess.Read" : "RandomAccess.ReadAsync");
        result.ODirect = direct;
        return result;
    }

    private static async Task RunChainAsync(SafeFileHandle handle, Measurement m, Chain chain)
    {
        await Task.Yield();
        Memory<byte> buffer = chain.Buffer;
        while (true)
        {
            long issued = Stopwatch.GetTimestamp();
            if (issued >= m.EndTs)
            {
                return;
            }
            int n = await RandomAccess.ReadAsync(handle, buffer, m.NextOffset(chain)).ConfigureAwait(false);
            m.Complete(chain, issued, n);
        }
    }

    private static void RunChainSync(SafeFileHandle handle, Measurement m, Chain chain)
    {
        Span<byte> buffer = chain.Buffer.Span;
        while (true)
        {
            long issued = Stopwatch.GetTimestamp();
            if (issued >= m.EndTs)
            {
                return;
            }
            int n = RandomAccess.Read(handle, buffer, m.NextOffset(chain));
            m.Complete(chain, issued, n);
        }
    }

    /// <summary>Sets O_DIRECT on the open file description (Linux lets F_SETFL change it) and checks it took.</summary>
    private static bool EnableDirectIo(SafeFileHandle handle)
    {
        int fd = (int)handle.DangerousGetHandle();
        int flags = Fcntl(fd, F_GETFL, 0);
        if (flags < 0 || Fcntl(fd, F_SETFL, flags | O_DIRECT) < 0)
        {
            throw new IOException($"fcntl(F_SETFL, O_DIRECT) failed: errno {Marshal.GetLastPInvokeError()} (does the file system support O_DIRECT?)");
        }
        return (Fcntl(fd, F_GETFL, 0) & O_DIRECT) != 0;
    }

    /// <summary>fstat's size, or for a block device (whose st_size is 0) lseek to the end.</summary>
    private static long Length(SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        return length > 0 ? length : Math.Max(0, Lseek((int)handle.DangerousGetHandle(), 0, SEEK_END));
    }

    private const int SEEK_END = 2;

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(int fd, long offset, int whence);

    // fcntl is variadic in C; on x86-64 and arm64 Linux an int third argument is passed as for
    // a non-variadic call, so this declaration is safe there.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);
}
