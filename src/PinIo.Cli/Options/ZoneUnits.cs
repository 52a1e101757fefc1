// Follows fio's zbd.c (zbd_recalc_options_with_zone_granularity) in meaning.
namespace PinIo.Cli.Options;

/// <summary>
/// fio's zone units: <c>size=</c>, <c>io_size=</c>, <c>offset=</c>, <c>offset_increment=</c> and
/// <c>zoneskip=</c> may count zones (<c>offset=524z</c>), each <c>zonesize</c> bytes. The count is
/// kept as written until the job is resolved, since zonesize may come after it (or from [global]).
/// </summary>
internal static class ZoneUnits
{
    private static readonly OptionDef[] s_takesZones = [Opt.Size, Opt.IoSize, Opt.Offset, Opt.OffsetIncrement, Opt.ZoneSkip];

    public static bool Takes(OptionDef option) => Array.IndexOf(s_takesZones, option) >= 0;

    /// <summary>
    /// <paramref name="o"/> with every zone count in bytes (a copy; <paramref name="o"/> itself when none was
    /// written in zones); refused when there is no zone size to count them in.
    /// </summary>
    public static JobOptions Resolve(string name, JobOptions o)
    {
        if (!o.ZoneCounts.Any())
        {
            return o;
        }
        long zoneSize = o.Get(Opt.ZoneSize);
        if (zoneSize == 0 || o.Get(Opt.ZoneModeOption) == ZoneMode.None && o.IsSet(Opt.ZoneModeOption))
        {
            var (option, zones) = o.ZoneCounts.First();
            throw new OptionException($"pinio: job '{name}': {option.Name}={zones}z counts zones, which needs zonesize= (with zonemode=strided or zbd): set zonesize or give {option.Name} in bytes");
        }
        JobOptions resolved = o.Clone();
        foreach (var (option, zones) in o.ZoneCounts)
        {
            if (zones > long.MaxValue / zoneSize)
            {
                throw new OptionException($"pinio: job '{name}': {option.Name}={zones}z is too large ({zones} zones of {zoneSize} bytes)");
            }
            resolved.SetResolved(option, zones * zoneSize);
        }
        return resolved;
    }
}
