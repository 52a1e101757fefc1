using System.Globalization;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// A zram block device of the test's own (/sys/class/zram-control/hot_add), removed on Dispose:
/// a RAM block driver that cannot take a read without blocking, so io_uring hands each of its
/// reads to an io-wq worker. Where zram is missing (no module, no root), <see cref="TryCreate"/>
/// returns null and says why. The shared /dev/zram0 is never touched.
/// </summary>
internal sealed class ZramDevice : IDisposable
{
    private const string Control = "/sys/class/zram-control";

    private ZramDevice(int id) => Id = id;

    public int Id { get; }

    public string Path => $"/dev/zram{Id}";

    public static ZramDevice? TryCreate(long size, out string reason)
    {
        int id;
        try
        {
            id = int.Parse(File.ReadAllText($"{Control}/hot_add").Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            reason = $"no zram device can be added ({Control}/hot_add: {e.Message})";
            return null;
        }
        var device = new ZramDevice(id);
        try
        {
            File.WriteAllText($"/sys/block/zram{id}/disksize", size.ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException e)
        {
            device.Dispose();
            reason = $"zram{id} refused a disk size of {size} bytes: {e.Message}";
            return null;
        }
        reason = "";
        return device;
    }

    public void Dispose()
    {
        // udev probes a new disk (blkid) and holds it open for a moment after the test closes
        // it: hot_remove says EBUSY until then.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                File.WriteAllText($"{Control}/hot_remove", Id.ToString(CultureInfo.InvariantCulture));
                return;
            }
            catch (IOException) when (attempt < 100)
            {
                Thread.Sleep(20);
            }
            catch (IOException)
            {
                return; // still busy after 2 s: it stays until reboot; a test must not fail for it
            }
        }
    }
}
