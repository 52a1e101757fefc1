using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PinIo.Mm;

/// <summary>
/// Recognises memory made by <see cref="MemoryMarshal.CreateFromPinnedArray{T}"/>: its owner
/// promises the array never moves (an array on the pinned object heap, as Kestrel's pinned
/// pool hands out), and <see cref="Memory{T}.Pin"/> takes no GC handle for it. PinIo then
/// needs no GC anchor either: no handle to take and free per request.
/// <para>
/// .NET says so only inside <see cref="Memory{T}"/> (the sign bit of its start index), so
/// this reads the struct's layout — and checks once, on two probes, that the layout is the
/// one it expects; where it is not, nothing is recognised and such memory is anchored as
/// any other array.
/// </para>
/// </summary>
internal static class PrePinnedMemory
{
    private static readonly bool s_layoutKnown = ProbeLayout();

    /// <summary>True when <paramref name="buffer"/> is array memory made as pre-pinned.</summary>
    public static bool IsPrePinnedArray(Memory<byte> buffer) =>
        s_layoutKnown && Unsafe.As<Memory<byte>, MemoryFields>(ref buffer).Index < 0;

    private static bool ProbeLayout()
    {
        byte[] probe = GC.AllocateArray<byte>(4, pinned: true);
        Memory<byte> pinned = MemoryMarshal.CreateFromPinnedArray(probe, 1, 2);
        Memory<byte> plain = probe.AsMemory(1, 2);
        MemoryFields p = Unsafe.As<Memory<byte>, MemoryFields>(ref pinned);
        MemoryFields q = Unsafe.As<Memory<byte>, MemoryFields>(ref plain);
        return Unsafe.SizeOf<Memory<byte>>() == Unsafe.SizeOf<MemoryFields>()
            && ReferenceEquals(p.Object, probe) && p.Index < 0 && (p.Index & int.MaxValue) == 1 && p.Length == 2
            && ReferenceEquals(q.Object, probe) && q.Index == 1 && q.Length == 2;
    }

    /// <summary>Memory&lt;T&gt;'s fields, in its order: the owner object, the start (sign bit: pre-pinned), the length.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MemoryFields
    {
        public readonly object? Object;
        public readonly int Index;
        public readonly int Length;
    }
}
