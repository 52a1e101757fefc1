using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Linux;

internal static class Rings
{
    /// <summary>
    /// Creates a ring; where io_uring is unavailable or disabled here (ENOSYS, or EPERM from
    /// kernel.io_uring_disabled) the test ends Skipped with the kernel's refusal as the reason.
    /// </summary>
    public static IoUringRing Create(uint entries, uint flags = 0)
    {
        try
        {
            return IoUringRing.Create(entries, flags);
        }
        catch (DirectIoException e) when (e.Errno is Errno.ENOSYS or Errno.EPERM)
        {
            throw new SkipException($"io_uring is unavailable or disabled here: {e.Message}");
        }
    }
}
