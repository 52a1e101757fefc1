// Follows fio's io_u.c fill_io_buffer / lib/rand.c fill_random_buf_percentage in purpose.
using System.Runtime.InteropServices;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// The data a job writes when it does not verify: each buffer filled once when it is made,
/// then made new before each write (<see cref="Renew"/>): filled again with refill_buffers,
/// else scrambled as fio's scramble_buffers=1 default does. Its random words come from a
/// stream of the job's seed of their own.
/// </summary>
internal sealed class WriteData(JobPlan plan)
{
    private readonly bool _zeroBuffers = plan.Get(Opt.ZeroBuffers);
    private readonly int _compressPercentage = plan.Get(Opt.BufferCompressPercentage);
    private readonly bool _refill = plan.Get(Opt.RefillBuffers);
    private ulong _fillState = Taus88.DeriveSeed(plan.Seed, plan.Number, 5);
    private long _writesScrambled;

    /// <summary>
    /// Makes a reused buffer's data new for its next write at <paramref name="offset"/>: new
    /// random data (refill_buffers), or the buffer scrambled; zeros and compressible data stay
    /// as they were filled, as fio leaves them.
    /// </summary>
    public void Renew(Span<byte> data, long offset)
    {
        if (_refill)
        {
            Fill(data);
        }
        else if (!_zeroBuffers && _compressPercentage == 0)
        {
            WriteScramble.Stamp(data, offset, _writesScrambled++);
        }
    }

    /// <summary>
    /// Write data without verification: zeros (zero_buffers), or random words from the job's
    /// seed with, per 512-byte chunk, the last buffer_compress_percentage percent zeroed.
    /// </summary>
    public void Fill(Span<byte> data)
    {
        if (_zeroBuffers)
        {
            data.Clear();
            return;
        }
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = Taus88.SplitMix64(ref _fillState);
        }
        if (_compressPercentage > 0)
        {
            const int Chunk = 512;
            int zeros = Chunk * _compressPercentage / 100;
            for (int at = 0; at < data.Length; at += Chunk)
            {
                int chunk = Math.Min(Chunk, data.Length - at);
                int zero = Math.Min(zeros, chunk);
                data.Slice(at + chunk - zero, zero).Clear();
            }
        }
    }
}
