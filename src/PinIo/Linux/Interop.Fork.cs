// Follows fork(2), _exit(2) and waitpid(2): the fork that dotnet/runtime#27408 worries O_DIRECT meets.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int PROT_EXEC = 0x4;

    // x86-64: fork(); in the child exit_group(0) at once; in the parent return fork's result.
    //   mov eax, 57 (SYS_fork) ; syscall ; test eax, eax ; jnz +9 ; xor edi, edi ;
    //   mov eax, 231 (SYS_exit_group) ; syscall ; ret
    private static ReadOnlySpan<byte> ForkThenExitX64 =>
        [0xB8, 57, 0, 0, 0, 0x0F, 0x05, 0x85, 0xC0, 0x75, 0x09, 0x31, 0xFF, 0xB8, 231, 0, 0, 0, 0x0F, 0x05, 0xC3];

    private static readonly Lazy<nint> s_forkThenExit = new(CreateForkThenExit);

    /// Wraps mprotect(2).
    [LibraryImport(Libc, EntryPoint = "mprotect", SetLastError = true)]
    private static unsafe partial int SysMprotect(void* address, nuint length, int prot);

    /// Wraps waitpid(2).
    [LibraryImport(Libc, EntryPoint = "waitpid", SetLastError = true)]
    private static partial int SysWaitPid(int pid, out int status, int options);

    /// <summary>
    /// fork(2) whose child exits with status 0 at once: the parent gets the child's pid, or
    /// -errno. The child's copy-on-write share of the parent's memory is what a Direct I/O in
    /// flight meets (the reason .NET gives for not offering O_DIRECT). The child never runs a
    /// managed instruction: the runtime's JIT code is double-mapped and not executable in a
    /// forked child (it faults there), so the fork and the exit are a few machine instructions
    /// of their own, on a private executable page the child inherits. x86-64 only; elsewhere
    /// <see cref="PlatformNotSupportedException"/>. Reap the child with <see cref="WaitPid"/>.
    /// </summary>
    internal static unsafe int ForkChildThatExits()
    {
        var forkThenExit = (delegate* unmanaged<int>)s_forkThenExit.Value;
        return forkThenExit();
    }

    /// <summary>mprotect(2) of a page just written to read+execute (never writable and executable at once); 0, or -1 with errno set.</summary>
    internal static unsafe int ProtectExecutable(void* page, nuint length) => SysMprotect(page, length, PROT_READ | PROT_EXEC);

    /// <summary>waitpid(2), restarted on EINTR: the pid reaped, or -errno; <paramref name="status"/> as wait(2) encodes it.</summary>
    internal static int WaitPid(int pid, out int status)
    {
        int res;
        do
        {
            res = SysWaitPid(pid, out status, 0);
        }
        while (res < 0 && Marshal.GetLastPInvokeError() == (int)Errno.EINTR);
        return res < 0 ? -Marshal.GetLastPInvokeError() : res;
    }

    /// <summary>WIFEXITED and WEXITSTATUS of a wait status: the exit code, or -1 when the child did not exit normally.</summary>
    internal static int ExitCodeOf(int waitStatus) => (waitStatus & 0x7F) == 0 ? (waitStatus >> 8) & 0xFF : -1;

    /// <summary>A private page holding the routine, made read+execute once written (never writable and executable at once).</summary>
    private static unsafe nint CreateForkThenExit()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException($"the raw fork routine is written for x86-64, not {RuntimeInformation.ProcessArchitecture}");
        }
        const nuint Length = 4096;
        Errors.Check(Mmap(Length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, out void* page), "mmap");
        ForkThenExitX64.CopyTo(new Span<byte>(page, (int)Length));
        if (SysMprotect(page, Length, PROT_READ | PROT_EXEC) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = Munmap(page, Length);
            Errors.Throw((Errno)errno, "mprotect", null);
        }
        return (nint)page;
    }
}
