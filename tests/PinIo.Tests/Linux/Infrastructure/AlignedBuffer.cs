using System.Runtime.InteropServices;
using PinIo.Linux;

namespace PinIo.Tests.Linux;

/// <summary>Page-aligned native memory for O_DIRECT and fixed-buffer tests; freed on Dispose.</summary>
internal sealed unsafe class AlignedBuffer : IDisposable
{
    public const int Alignment = 4096;

    private void* _memory;

    public AlignedBuffer(int length)
    {
        Length = length;
        _memory = NativeMemory.AlignedAlloc((nuint)length, Alignment);
        NativeMemory.Clear(_memory, (nuint)length);
    }

    public int Length { get; }

    public nint Address => (nint)_memory;

    public Span<byte> Span => new(_memory, Length);

    public IoVec AsIoVec() => new(Address, (nuint)Length);

    public IoVec Slice(int offset, int length) => new(Address + offset, (nuint)length);

    /// <summary>Fills with <see cref="Pattern"/> shifted by <paramref name="seed"/>, so two buffers differ.</summary>
    public void Fill(int seed)
    {
        Span<byte> span = Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = Pattern(i + seed);
        }
    }

    public static byte Pattern(int i) => (byte)((i * 31) ^ (i >> 8) ^ 0x5A);

    public void Dispose()
    {
        if (_memory != null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }
}
