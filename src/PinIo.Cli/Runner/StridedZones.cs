// Follows fio's io_u.c (setup_strided_zone_mode) in meaning.
using PinIo.Cli.Jobs;

namespace PinIo.Cli.Runner;

/// <summary>
/// zonemode=strided: the job's offsets come from a generator over one zone of zonerange bytes,
/// placed at the current zone's start; after zonesize bytes of I/O the zone moves on by
/// zonerange + zoneskip, and back to the region's start once it would begin past the target's
/// end (as fio: zones run on to the end of the target, not of size=, which with io_size only
/// counts the bytes). A zone that reaches past the target's end ends the job at the first I/O
/// that would not fit, as fio's does. With zonesize above zonerange a zone is gone over again
/// until zonesize bytes are done; the random map starts afresh each zonerange bytes.
/// </summary>
internal sealed class StridedZones
{
    private readonly OffsetGenerator _inZone;
    private readonly long _zoneBytes;
    private readonly long _range;
    private readonly long _stride;
    private readonly long _regionStart;
    private readonly long _targetEnd;
    private long _zoneStart;
    private long _doneInZone;

    /// <summary>Zones of <paramref name="zones"/>, offsets relative to the region's start at <paramref name="regionStart"/>, on a target of <paramref name="targetEnd"/> bytes.</summary>
    public StridedZones(ZonePlan zones, OffsetGenerator inZone, long regionStart, long targetEnd)
    {
        _inZone = inZone;
        _zoneBytes = zones.Size;
        _range = zones.Range;
        _stride = zones.Range + zones.Skip;
        _regionStart = regionStart;
        _targetEnd = targetEnd;
    }

    /// <summary>The generator's region: one zone of zonerange bytes, less what the grain cuts off.</summary>
    public static long GeneratorSize(ZonePlan zones, int grain) => zones.Range / grain * grain;

    /// <summary>The start of the zone now visited, relative to the region.</summary>
    public long ZoneStart => _zoneStart;

    /// <summary>The offset (relative to the region) of the next I/O of <paramref name="length"/> bytes; -1 when it would run past the target's end.</summary>
    public long Next(ref int length, int unit)
    {
        if (_doneInZone >= _zoneBytes)
        {
            _doneInZone = 0;
            _zoneStart += _stride;
            if (_regionStart + _zoneStart >= _targetEnd)
            {
                _zoneStart = 0;
            }
            _inZone.Restart();
        }
        else if (_doneInZone > 0 && _doneInZone % _range == 0)
        {
            // zonesize above zonerange: the same zone again, its map afresh.
            _inZone.Restart();
        }
        long offset = _zoneStart + _inZone.Next(ref length, unit);
        if (_regionStart + offset + length > _targetEnd)
        {
            return -1;
        }
        _doneInZone += length;
        return offset;
    }
}
