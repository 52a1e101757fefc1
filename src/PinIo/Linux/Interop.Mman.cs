// Follows mmap(2), munmap(2), madvise(2), msync(2) and include/uapi/asm-generic/mman-common.h.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int PROT_NONE = 0x0;
    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;

    internal const int MAP_SHARED = 0x01;
    internal const int MAP_PRIVATE = 0x02;
    internal const int MAP_ANONYMOUS = 0x20;
    internal const int MAP_LOCKED = 0x2000;
    internal const int MAP_HUGETLB = 0x40000; // from the hugetlb pool (vm.nr_hugepages), default huge page size
    internal const int MAP_POPULATE = 0x8000; // prefault, so the first ring access takes no fault

    internal const int MS_ASYNC = 1;
    internal const int MS_INVALIDATE = 2;
    internal const int MS_SYNC = 4;

    internal const int MADV_NORMAL = 0;
    internal const int MADV_RANDOM = 1;
    internal const int MADV_SEQUENTIAL = 2;
    internal const int MADV_WILLNEED = 3;
    internal const int MADV_DONTNEED = 4;
    internal const int MADV_DONTFORK = 10; // a child must not share pages that are under I/O
    internal const int MADV_DOFORK = 11;
    internal const int MADV_HUGEPAGE = 14;
    internal const int MADV_NOHUGEPAGE = 15;
    internal const int MADV_POPULATE_WRITE = 23; // Linux 5.14: fault the range in, writable, now

    /// Wraps mmap(2).
    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static unsafe partial void* SysMmap(void* address, nuint length, int prot, int flags, int fd, long offset);

    /// Wraps munmap(2).
    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    private static unsafe partial int SysMunmap(void* address, nuint length);

    /// Wraps madvise(2).
    [LibraryImport(Libc, EntryPoint = "madvise", SetLastError = true)]
    private static unsafe partial int SysMadvise(void* address, nuint length, int advice);

    /// Wraps msync(2).
    [LibraryImport(Libc, EntryPoint = "msync", SetLastError = true)]
    private static unsafe partial int SysMsync(void* address, nuint length, int flags);

    /// <summary>Returns 0 and the mapping, or -errno and null. <see cref="Munmap"/> releases it.</summary>
    internal static unsafe int Mmap(nuint length, int prot, int flags, int fd, long offset, out void* address)
    {
        void* p = SysMmap(null, length, prot, flags, fd, offset);
        if ((nint)p == -1) // MAP_FAILED
        {
            address = null;
            return -Marshal.GetLastPInvokeError();
        }

        address = p;
        return 0;
    }

    /// <summary>Returns 0 or -errno.</summary>
    internal static unsafe int Munmap(void* address, nuint length) =>
        SysMunmap(address, length) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno.</summary>
    internal static unsafe int Madvise(void* address, nuint length, int advice) =>
        SysMadvise(address, length, advice) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno; <paramref name="address"/> page-aligned.</summary>
    internal static unsafe int Msync(void* address, nuint length, int flags) =>
        SysMsync(address, length, flags) == 0 ? 0 : -Marshal.GetLastPInvokeError();
}
