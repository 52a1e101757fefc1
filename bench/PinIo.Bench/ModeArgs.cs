// The bench modes' "--name=value" arguments, read one way for every mode.
using System.Globalization;

namespace PinIo.Bench;

/// <summary>The value of a mode's <c>--name=value</c> argument (the first one given), parsed invariantly.</summary>
internal static class ModeArgs
{
    /// <summary>The value after <c><paramref name="name"/>=</c>, or null when it is not given.</summary>
    public static string? Value(string[] args, string name) =>
        args.FirstOrDefault(a => a.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    public static string Required(string[] args, string name) =>
        Value(args, name) ?? throw new ArgumentException($"{name}=... is required");

    public static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static long Long(string[] args, string name, long fallback) =>
        Value(args, name) is { } value ? long.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static double Double(string[] args, string name, double fallback) =>
        Value(args, name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
