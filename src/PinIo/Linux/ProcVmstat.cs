// Follows mm/vmstat.c (vmstat_text: nr_foll_pin_acquired, nr_foll_pin_released) and proc_vmstat(5).
using System.Buffers;
using System.Buffers.Text;

namespace PinIo.Linux;

/// <summary>
/// The kernel's own pin counters: pages pinned with FOLL_PIN and unpinned since boot, for
/// the whole system. The kernel batches them per CPU (up to the vmstat threshold on each
/// CPU before folding into the global value), so two reads around one small I/O can differ
/// from the true count by that much: compare with a tolerance, or over many I/Os.
/// </summary>
internal static class ProcVmstat
{
    public const string Path = "/proc/vmstat";

    // /proc/vmstat is about 6 KiB on Linux 6.x; the rented buffer leaves ample room.
    private const int BufferSize = 64 * 1024;

    private static ReadOnlySpan<byte> AcquiredKey => "nr_foll_pin_acquired "u8;

    private static ReadOnlySpan<byte> ReleasedKey => "nr_foll_pin_released "u8;

    /// <summary>
    /// Reads both counters. False when the file cannot be read or lacks either line
    /// (kernels before 5.8, or procfs not mounted). Allocates one descriptor object and
    /// rents its buffer.
    /// </summary>
    public static bool TryRead(out long acquired, out long released) => TryRead(Path, out acquired, out released);

    internal static bool TryRead(string path, out long acquired, out long released)
    {
        acquired = 0;
        released = 0;
        if (FileDescriptor.TryOpen(path, Interop.O_RDONLY, 0, out FileDescriptor? fd) < 0 || fd is null)
        {
            return false;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int length = ReadAll(fd, buffer);
            return length >= 0 && TryParse(buffer.AsSpan(0, length), out acquired, out released);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            fd.Dispose();
        }
    }

    /// <summary>Finds both counters in <paramref name="content"/>, the text of /proc/vmstat.</summary>
    public static bool TryParse(ReadOnlySpan<byte> content, out long acquired, out long released)
    {
        released = 0;
        return TryFindValue(content, AcquiredKey, out acquired)
            && TryFindValue(content, ReleasedKey, out released);
    }

    // procfs files report size 0, so read until end of file or a full buffer.
    private static int ReadAll(FileDescriptor fd, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = Interop.Pread(fd, buffer.AsSpan(total), total);
            if (n < 0)
            {
                return n;
            }

            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static bool TryFindValue(ReadOnlySpan<byte> content, ReadOnlySpan<byte> key, out long value)
    {
        value = 0;
        int at = 0;
        while (true)
        {
            int i = content[at..].IndexOf(key);
            if (i < 0)
            {
                return false;
            }

            int start = at + i;
            // A match counts only at the start of a line, so a longer name ending in the key cannot match.
            if (start == 0 || content[start - 1] == (byte)'\n')
            {
                return Utf8Parser.TryParse(content[(start + key.Length)..], out value, out _);
            }

            at = start + key.Length;
        }
    }
}
