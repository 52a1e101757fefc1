// volume-mount: builds a Volume with many files and extents on a RAM disk, then times Mount (journal replay + compaction).
using System.Diagnostics;
using System.Globalization;
using PinIo.Devices;
using PinIo.Fs;

namespace PinIo.Bench;

/// <summary>
/// <c>volume-mount --files=N --extents=M [--rounds=R]</c>: N files with M unwritten one-block
/// extents between them (every other file block, so none merge), committed as it goes; then
/// R mounts of the image, each timed, printed as one JSON line.
/// </summary>
internal static class VolumeMount
{
    public static int Run(string[] args)
    {
        int files = (int)ModeArgs.Long(args, "--files", 10_000);
        long extents = ModeArgs.Long(args, "--extents", 1_000_000);
        int rounds = (int)ModeArgs.Long(args, "--rounds", 3);
        const int Block = 4096;
        long perFile = (extents + files - 1) / files;
        // Data blocks for every extent, plus the two log areas (1/32 of the device each), plus slack.
        long bytes = (long)(extents * Block * 1.2) + (64L << 20);
        bytes = (bytes + Block - 1) / Block * Block;
        using var disk = new RamDisk(bytes);

        var build = Stopwatch.StartNew();
        using (Volume volume = Volume.Format(disk))
        {
            long made = 0;
            for (int f = 0; f < files && made < extents; f++)
            {
                using VolumeFile file = volume.Create(string.Create(CultureInfo.InvariantCulture, $"file{f:D6}"));
                for (long e = 0; e < perFile && made < extents; e++, made++)
                {
                    file.IomapBeginAsync(e * 2 * Block, Block, IomapIntent.Write, default).AsTask().GetAwaiter().GetResult();
                }
                if (f % 500 == 499)
                {
                    volume.SyncAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        }
        double buildSeconds = build.Elapsed.TotalSeconds;

        var mounts = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var watch = Stopwatch.StartNew();
            using Volume mounted = Volume.Mount(disk);
            mounts.Add(watch.Elapsed.TotalMilliseconds);
            if (r == rounds - 1 && mounted.Files.Count != files)
            {
                Console.Error.WriteLine($"volume-mount: {mounted.Files.Count} files after mount, {files} expected");
                return 1;
            }
        }
        mounts.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"volume-mount\",\"files\":{files},\"extents\":{extents},\"device_bytes\":{bytes},\"build_s\":{buildSeconds:F1},\"mount_ms\":[{string.Join(",", mounts.Select(m => m.ToString("F0", CultureInfo.InvariantCulture)))}],\"mount_ms_median\":{mounts[mounts.Count / 2]:F0}}}"));
        return 0;
    }
}
