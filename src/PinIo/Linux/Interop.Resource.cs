// Follows getrusage(2) and include/uapi/linux/resource.h (struct rusage, RUSAGE_SELF, RUSAGE_THREAD).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int RUSAGE_SELF = 0;
    internal const int RUSAGE_THREAD = 1;

    /// Wraps getrusage(2).
    [LibraryImport(Libc, EntryPoint = "getrusage", SetLastError = true)]
    private static unsafe partial int SysGetrusage(int who, RUsage* usage);

    /// <summary>Returns 0 with <paramref name="usage"/> filled, or -errno.</summary>
    internal static unsafe int Getrusage(int who, out RUsage usage)
    {
        fixed (RUsage* p = &usage)
        {
            return SysGetrusage(who, p) == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>struct rusage on 64-bit Linux: two struct timeval, then fourteen longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRss;
        public long SharedRss;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlockInputs;
        public long BlockOutputs;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;
    }
}
