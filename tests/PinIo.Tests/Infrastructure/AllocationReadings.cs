namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Reads a loop's allocations more than once. <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// can count a few KiB the loop never asked for (the runtime's own work on the thread, seen on a
/// loaded host; dotnet/runtime#63487), so one reading of a loop that allocates nothing may be off;
/// an allocation per operation shows in every reading, so the fewest is the loop's own.
/// </summary>
internal static class AllocationReadings
{
    public const int Tries = 3;

    /// <summary>
    /// Runs <paramref name="measure"/> (which returns the bytes its loop allocated) until it reads
    /// at most <paramref name="allowed"/> or <see cref="Tries"/> times; returns the fewest bytes
    /// and every reading, for the failure message.
    /// </summary>
    public static (long Fewest, string Readings) Fewest(Func<long> measure, long allowed = 0)
    {
        var readings = new List<long>(Tries);
        for (int i = 0; i < Tries; i++)
        {
            readings.Add(measure());
            if (readings[^1] <= allowed)
            {
                break;
            }
        }
        return (readings.Min(), string.Join(", ", readings));
    }
}
