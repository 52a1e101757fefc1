using PinIo.Block;
using PinIo.Devices;
using PinIo.Iov;

namespace PinIo.Tests.Infrastructure;

/// <summary>What a bio looked like when it was submitted (bios are recycled after they end, so tests keep copies).</summary>
internal sealed record BlockBioSnapshot(BioOp Op, long Position, int Size, BioFlags Flags, BioVec[] Vecs)
{
    public int VecCount => Vecs.Length;

    public long End => Position + Size;
}

/// <summary>Records every bio a <see cref="RamDisk"/> is given, through its <see cref="RamDisk.OnSubmit"/> hook.</summary>
internal sealed class BlockBioRecorder
{
    private readonly Lock _lock = new();
    private readonly List<BlockBioSnapshot> _bios = [];
    private readonly Action<Bio, int>? _then;

    private BlockBioRecorder(Action<Bio, int>? then) => _then = then;

    /// <summary>Starts recording; <paramref name="then"/> runs after each bio is recorded, with its index.</summary>
    public static BlockBioRecorder Attach(RamDisk disk, Action<Bio, int>? then = null)
    {
        var recorder = new BlockBioRecorder(then);
        disk.OnSubmit = recorder.Record;
        return recorder;
    }

    public IReadOnlyList<BlockBioSnapshot> Bios
    {
        get
        {
            lock (_lock)
            {
                return [.. _bios];
            }
        }
    }

    private void Record(Bio bio)
    {
        int index;
        lock (_lock)
        {
            index = _bios.Count;
            _bios.Add(new BlockBioSnapshot(bio.Op, bio.Position, bio.Size, bio.Flags, bio.VecSpan.ToArray()));
        }
        _then?.Invoke(bio, index);
    }
}
