using System.Runtime.CompilerServices;

namespace PinIo;

/// <summary>
/// The calling thread's managed id, as <see cref="Environment.CurrentManagedThreadId"/> gives
/// it, read inline from a thread static: the owner and home-thread checks ask it several times
/// per I/O, and Native AOT calls out for Environment's on every ask.
/// </summary>
internal static class CurrentThread
{
    [ThreadStatic]
    private static int t_id;

    public static int Id
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            int id = t_id;
            return id != 0 ? id : Remember();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Remember() => t_id = Environment.CurrentManagedThreadId;
}
