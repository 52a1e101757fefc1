// Follows mm/vmstat.c (the text of /proc/vmstat).
namespace PinIo.Linux;

/// <summary>Reads the FOLL_PIN counters from /proc/vmstat.</summary>
internal static class ProcVmstat
{
    private const string Path = "/proc/vmstat";

    public static bool TryReadFollPin(out long acquired, out long released)
    {
        acquired = -1;
        released = -1;
        try
        {
            foreach (string line in File.ReadLines(Path))
            {
                if (line.StartsWith("nr_foll_pin_acquired ", StringComparison.Ordinal))
                {
                    acquired = long.Parse(line.AsSpan("nr_foll_pin_acquired ".Length), System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("nr_foll_pin_released ", StringComparison.Ordinal))
                {
                    released = long.Parse(line.AsSpan("nr_foll_pin_released ".Length), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        return acquired >= 0 && released >= 0;
    }
}
