using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;

namespace PinIo.Cli.Fsx;

/// <summary>
/// Power-cut mode. The Volume sits on a <see cref="FaultDevice"/> whose volatile cache keeps
/// writes until a flush bio; a cut keeps a random subset of them (torn ones too). After a cut
/// the Volume is mounted again on what survived, and then: <c>Check()</c> finds nothing; every
/// byte of a block nothing changed since the last flush reads exactly as at that flush; a
/// byte of a changed block is zero or written data (fsx's data bytes are all odd; the device's
/// stale fill and the read poison are even), never stale; the length is the flushed one when
/// nothing changed it since. The model then takes what the file holds, and the run goes on.
/// </summary>
internal sealed partial class FsxRun
{
    /// <summary>What the device held before the Volume was formatted: even, so never fsx data, and not zero.</summary>
    public const byte StaleFill = 0x5A;

    private FsxModel _durable;
    private bool[]? _dirtyBlocks;
    private bool _lengthChanged;

    /// <summary>The power-cut device under the Volume (power-cut mode), else null.</summary>
    public FaultDevice? Fault { get; private set; }

    private FaultDevice NewFaultDevice() => new(Disk, new FaultOptions
    {
        Seed = _options.Seed,
        PowerCut = new PowerCutOptions(),
    }, leaveInnerOpen: true);

    /// <summary>Fills the device with <see cref="StaleFill"/>: a byte of it read back from a file is stale data exposed.</summary>
    private void FillStale()
    {
        byte[] chunk = new byte[1 << 20];
        chunk.AsSpan().Fill(StaleFill);
        for (long offset = 0; offset < Disk.Capacity; offset += chunk.Length)
        {
            Disk.WriteRaw(offset, chunk.AsSpan(0, (int)Math.Min(chunk.Length, Disk.Capacity - offset)));
        }
    }

    /// <summary>Records that bytes in [<paramref name="from"/>, <paramref name="to"/>) changed since the last flush.</summary>
    private void NoteChange(long from, long to, long sizeBefore)
    {
        if (!_options.PowerCut)
        {
            return;
        }
        _dirtyBlocks ??= new bool[_options.MaxFileBytes / _options.LogicalBlock];
        long first = Math.Min(from, to) / _options.LogicalBlock;
        long last = Math.Min(_dirtyBlocks.Length, (Math.Max(from, to) + _options.LogicalBlock - 1) / _options.LogicalBlock);
        _dirtyBlocks.AsSpan((int)first, (int)Math.Max(0, last - first)).Fill(true);
        _lengthChanged |= _model.Size != sizeBefore;
    }

    private void NoteFlushed()
    {
        if (!_options.PowerCut)
        {
            return;
        }
        _durable = _model.Snapshot();
        _dirtyBlocks?.AsSpan().Clear();
        _lengthChanged = false;
    }

    private string? CutAndRemount(out long badOffset)
    {
        badOffset = -1;
        FaultDevice old = Fault!;
        old.Cut();
        // The old Volume's memory is what the power took: its device goes first, so that nothing
        // it would write on the way out reaches the disk.
        old.Dispose();
        try
        {
            _file.Dispose();
            _volume.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Expected: the device under it is gone.
        }
        Fault = NewFaultDevice();
        _volume = Volume.Mount(Fault, _volumeOptions);
        if (_volume.Check() is { Count: > 0 } problems)
        {
            return $"after the power cut, Check() found: {string.Join("; ", problems)}";
        }
        _file = _volume.Open(FileName);
        string? failure = CheckSurvivors(out badOffset);
        if (failure is null)
        {
            AdoptFile();
        }
        return failure;
    }

    private string? CheckSurvivors(out long badOffset)
    {
        badOffset = -1;
        long length = _file.Length;
        if ((!_lengthChanged && length != _durable.Size) || length > _options.MaxFileBytes)
        {
            return $"after the power cut the file's length is 0x{length:x}; flushed: 0x{_durable.Size:x}{(_lengthChanged ? " (changed since, unflushed)" : "")}";
        }
        byte[] content = ReadWholeFile(length);
        for (long i = 0; i < length; i++)
        {
            bool dirty = _dirtyBlocks is not null && _dirtyBlocks[i / _options.LogicalBlock];
            byte flushed = _durable.Bytes(i, 1)[0];
            byte found = content[i];
            if (dirty ? found != 0 && (found & 1) == 0 : found != flushed)
            {
                badOffset = i;
                return dirty
                    ? $"after the power cut, file offset 0x{i:x} (changed since the last flush) holds 0x{found:x2}: neither zero nor written data (stale?)"
                    : $"after the power cut, file offset 0x{i:x} holds 0x{found:x2}; flushed: 0x{flushed:x2}";
            }
        }
        return null;
    }

    /// <summary>After a cut the file is what survived: the model takes it as the new flushed state.</summary>
    private void AdoptFile()
    {
        long length = _file.Length;
        byte[] content = ReadWholeFile(length);
        _model.Truncate(0);
        _model.Write(0, content);
        _model.Truncate(length);
        NoteFlushed();
    }

    private byte[] ReadWholeFile(long length)
    {
        byte[] content = new byte[length];
        for (long offset = 0; offset < length; offset += _options.MaxIoBytes)
        {
            Runner.BlockBuffer buffer = _userBuffer;
            int chunk = (int)Math.Min(_options.MaxIoBytes, (length - offset + _options.LogicalBlock - 1) / _options.LogicalBlock * _options.LogicalBlock);
            Iov.IovIter iter = buffer.ReadIter;
            Runner.BlockBuffer.Shorten(iter, chunk);
            long read;
            try
            {
                read = Wait(_file.ReadAsync(offset, iter));
            }
            finally
            {
                Runner.BlockBuffer.Rewind(iter);
            }
            buffer.Span[..(int)Math.Min(read, length - offset)].CopyTo(content.AsSpan((int)offset));
        }
        return content;
    }
}
