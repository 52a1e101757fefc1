// Follows fio's io_u.c fill_io_buffer / lib/rand.c fill_random_buf_percentage in purpose.
using System.Runtime.InteropServices;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// The data a job writes when it does not verify: each buffer filled once when it is made,
/// then made new before each write (<see cref="Renew"/>): filled again with refill_buffers or
/// dedupe_percentage, else scrambled as fio's scramble_buffers=1 default does (scramble_buffers=0:
/// written as filled). A fill is, in fio's order: random data with, per buffer_compress_chunk,
/// the last buffer_compress_percentage percent fixed (buffer_pattern, or zeros); else
/// buffer_pattern repeated; else zeros (zero_buffers); else random. Its random words come from
/// a stream of the job's seed of their own; with dedupe_percentage each buffer's from a seed
/// <see cref="WriteDedupe"/> picks, so that a duplicate repeats an earlier buffer exactly.
/// </summary>
internal sealed class WriteData(JobPlan plan)
{
    private readonly bool _zeroBuffers = plan.Get(Opt.ZeroBuffers);
    private readonly int _compressPercentage = plan.Get(Opt.BufferCompressPercentage);
    private readonly int _compressChunk = (int)plan.Get(Opt.BufferCompressChunk);
    private readonly byte[]? _pattern = plan.Get(Opt.BufferPattern);
    private readonly bool _refill = plan.Get(Opt.RefillBuffers);
    private readonly bool _scramble = plan.Get(Opt.ScrambleBuffers);
    private readonly WriteDedupe? _dedupe = plan.Get(Opt.DedupePercentage) > 0 ? new WriteDedupe(plan) : null;
    private ulong _fillState = Taus88.DeriveSeed(plan.Seed, plan.Number, 5);
    private long _writesScrambled;

    /// <summary>
    /// Makes a reused buffer's data new for its next write at <paramref name="offset"/>: a fill
    /// from the seed dedupe_percentage picks, new random data (refill_buffers), or the buffer
    /// scrambled; zeros and compressible data stay as they were filled, as fio leaves them.
    /// </summary>
    public void Renew(Span<byte> data, long offset)
    {
        if (_dedupe is not null)
        {
            ulong state = _dedupe.NextSeed();
            Fill(data, ref state);
        }
        else if (_refill)
        {
            Fill(data);
        }
        else if (_scramble && !_zeroBuffers && _compressPercentage == 0)
        {
            WriteScramble.Stamp(data, offset, _writesScrambled++);
        }
    }

    /// <summary>Write data without verification, from the job's fill stream.</summary>
    public void Fill(Span<byte> data) => Fill(data, ref _fillState);

    private void Fill(Span<byte> data, ref ulong state)
    {
        if (_compressPercentage > 0)
        {
            FillCompressible(data, ref state);
        }
        else if (_pattern is not null)
        {
            Repeat(data, _pattern);
        }
        else if (_zeroBuffers)
        {
            data.Clear();
        }
        else
        {
            FillRandom(data, ref state);
        }
    }

    /// <summary>Per chunk (buffer_compress_chunk; 0: the whole buffer), random data then buffer_compress_percentage percent of fixed data.</summary>
    private void FillCompressible(Span<byte> data, ref ulong state)
    {
        FillRandom(data, ref state);
        int chunkSize = _compressChunk == 0 ? data.Length : _compressChunk;
        for (int at = 0; at < data.Length; at += chunkSize)
        {
            int chunk = Math.Min(chunkSize, data.Length - at);
            int fixedBytes = (int)((long)chunk * _compressPercentage / 100);
            Span<byte> tail = data.Slice(at + chunk - fixedBytes, fixedBytes);
            if (_pattern is null)
            {
                tail.Clear();
            }
            else
            {
                Repeat(tail, _pattern);
            }
        }
    }

    private static void FillRandom(Span<byte> data, ref ulong state)
    {
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = Taus88.SplitMix64(ref state);
        }
    }

    private static void Repeat(Span<byte> destination, ReadOnlySpan<byte> pattern)
    {
        for (int at = 0; at < destination.Length; at += pattern.Length)
        {
            int n = Math.Min(pattern.Length, destination.Length - at);
            pattern[..n].CopyTo(destination[at..]);
        }
    }
}
