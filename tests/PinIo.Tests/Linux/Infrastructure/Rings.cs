using PinIo.Linux;
using Xunit.Abstractions;

namespace PinIo.Tests.Linux;

internal static class Rings
{
    /// <summary>
    /// Creates a ring, or returns null (and says why) where io_uring is unavailable or
    /// disabled: xunit 2 has no runtime skip, so those tests pass vacuously there.
    /// </summary>
    public static IoUringRing? TryCreate(ITestOutputHelper output, uint entries, uint flags = 0)
    {
        try
        {
            return IoUringRing.Create(entries, flags);
        }
        catch (DirectIoException e) when (e.Errno is Errno.ENOSYS or Errno.EPERM)
        {
            output.WriteLine($"skipped: {e.Message}");
            return null;
        }
    }
}
