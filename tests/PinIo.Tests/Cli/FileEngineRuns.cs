using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>pinio runs of the file engines' tests (mmap, splice): a whole program run, its exit status and output.</summary>
internal static class FileEngineRuns
{
    public static (int Status, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PinIo.Cli.Program.Run(args, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A run that must succeed; its normal report.</summary>
    public static string Succeed(params string[] args)
    {
        (int status, string stdout, string stderr) = Run(args);
        Assert.True(status == 0, $"pinio {string.Join(' ', args)} failed ({status}): {stderr}");
        return stdout;
    }

    /// <summary>The byte at <paramref name="offset"/> flipped behind pinio's back.</summary>
    public static void FlipByte(string file, long offset)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ 0x20));
    }

    /// <summary>The first offset at which two files differ, or -1 when they are the same.</summary>
    public static long FirstDifference(string a, string b)
    {
        byte[] x = File.ReadAllBytes(a);
        byte[] y = File.ReadAllBytes(b);
        int length = Math.Min(x.Length, y.Length);
        int at = x.AsSpan(0, length).CommonPrefixLength(y.AsSpan(0, length));
        return at < length ? at : x.Length == y.Length ? -1 : length;
    }
}
