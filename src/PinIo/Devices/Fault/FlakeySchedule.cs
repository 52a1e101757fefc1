// Follows drivers/md/dm-flakey.c (flakey_map, flakey_end_io: up and down intervals, the features while down).
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>What the device does with one bio.</summary>
internal enum FaultVerdict
{
    Pass,
    Fail,
    Drop,
    CorruptWrite,
    CorruptRead,
    BadBlockRead,
    BadBlockWrite,
}

/// <summary>
/// dm-flakey's clock: whether a bio arrives while the device is up or down, by time since the
/// device was made or by the number of data bios before it, and what being down does to it.
/// </summary>
internal sealed class FlakeySchedule(FlakeyOptions options, FaultLog log)
{
    private long _dataBios;

    public FlakeyOptions Options { get; } = options.Validate();

    /// <summary>Whether <paramref name="op"/>, arriving now, meets the device down. Counts the data bios.</summary>
    public bool IsDown(BioOp op)
    {
        if (Options.Up.CountsBios)
        {
            // A flush is judged where the count stands, without moving it: intervals count data bios.
            long n = op == BioOp.Flush ? Volatile.Read(ref _dataBios) : Interlocked.Increment(ref _dataBios) - 1;
            long period = Options.Up.Bios + Options.Down.Bios;
            return n % period >= Options.Up.Bios;
        }
        long ticks = log.Elapsed.Ticks;
        long periodTicks = Options.Up.Duration.Ticks + Options.Down.Duration.Ticks;
        return ticks % periodTicks >= Options.Up.Duration.Ticks;
    }

    /// <summary>What being down does to a bio of <paramref name="op"/> (flakey_map with its features).</summary>
    public FaultVerdict WhileDown(BioOp op)
    {
        CorruptOptions? corrupt = Options.Corrupt;
        if (op == BioOp.Read)
        {
            if (corrupt is { Writes: false })
            {
                return FaultVerdict.CorruptRead;
            }
            return Options.Writes == FlakeyWrites.Default && corrupt is null ? FaultVerdict.Fail : FaultVerdict.Pass;
        }
        return Options.Writes switch
        {
            FlakeyWrites.Drop => FaultVerdict.Drop,
            FlakeyWrites.Error => FaultVerdict.Fail,
            _ when corrupt is null => FaultVerdict.Fail,
            _ when corrupt.Writes && op == BioOp.Write => FaultVerdict.CorruptWrite,
            _ => FaultVerdict.Pass,
        };
    }

    /// <summary>
    /// The byte of a bio of <paramref name="size"/> bytes to corrupt, or -1 when the bio has no
    /// such byte (corrupt_bio_byte past its end leaves it alone, as the kernel's does).
    /// </summary>
    public int CorruptByte(int size, ulong seed, long sequence)
    {
        int nth = Options.Corrupt!.Byte;
        if (nth == 0)
        {
            return size == 0 ? -1 : (int)(FaultRandom.Mix(seed, sequence, salt: 1) % (ulong)size);
        }
        return nth <= size ? nth - 1 : -1;
    }
}

/// <summary>Random choices that depend only on the seed and a bio's sequence number, so that they do not depend on thread timing.</summary>
internal static class FaultRandom
{
    /// <summary>SplitMix64 of the seed, the sequence and a salt that tells the choices apart.</summary>
    public static ulong Mix(ulong seed, long sequence, int salt)
    {
        ulong z = seed + ((ulong)sequence * 0x9E3779B97F4A7C15UL) + ((ulong)salt * 0xD1B54A32D192ED03UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A number in [0, 1).</summary>
    public static double Unit(ulong seed, long sequence, int salt) => (Mix(seed, sequence, salt) >> 11) * (1.0 / (1UL << 53));
}
