using System.Runtime.CompilerServices;

namespace PinIo;

/// <summary>Stores into fields of objects reused I/O after I/O.</summary>
internal static class Fields
{
    /// <summary>
    /// Stores <paramref name="value"/> unless the field already holds it. A reference stored into
    /// the heap goes through the GC's write barrier (about 13 instructions and a card-table byte);
    /// a reused request or bio mostly gets the reference it already has, and a compare is one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreIfChanged<T>(ref T field, T value)
        where T : class?
    {
        if (!ReferenceEquals(field, value))
        {
            field = value;
        }
    }
}
