using System.Collections.Frozen;

namespace PinIo.Cli.Options;

/// <summary>
/// The index of the options <see cref="Opt"/> declares: by name and alias, and the nearest
/// known name to a mistyped one.
/// </summary>
internal static class OptionTable
{
    public static IReadOnlyList<OptionDef> All => Opt.Declared;

    private static readonly FrozenDictionary<string, OptionDef> s_byName = BuildIndex();

    public static bool TryFind(string name, out OptionDef option) => s_byName.TryGetValue(name, out option!);

    public static OptionDef Get(string name) => s_byName[name];

    /// <summary>The known option closest to a mistyped one, as fio's "Did you mean loops?".</summary>
    public static string? Suggest(string name)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string known in s_byName.Keys)
        {
            int distance = EditDistance(name.ToLowerInvariant(), known);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (known, distance);
            }
        }
        return bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    private static FrozenDictionary<string, OptionDef> BuildIndex()
    {
        var index = new Dictionary<string, OptionDef>(StringComparer.OrdinalIgnoreCase);
        foreach (OptionDef option in All)
        {
            index.Add(option.Name, option);
            foreach (string alias in option.Aliases)
            {
                index.Add(alias, option);
            }
        }
        return index.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private static int EditDistance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
