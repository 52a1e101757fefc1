using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace PinIo.Bench;

/// <summary>
/// The two halves of bench/sigkill-durability.sh. <c>durability-writer</c> writes batches of
/// blocks with O_DIRECT through <see cref="DirectFile"/>, flushes, and only then appends
/// "block generation" lines to an acknowledgement log — until it is killed. <c>durability-check</c>
/// reads the file back: every acknowledged block must hold that generation or a later one,
/// whole (a block whose bytes do not all belong to the generation in its header is torn).
/// </summary>
internal static class Durability
{
    private const uint Magic = 0x4B494C4C; // "KILL"

    public static int Run(string[] args)
    {
        Dictionary<string, string> o = args.Skip(1).Select(a => a.TrimStart('-').Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        string file = o["file"];
        string ack = o["ack"];
        int bs = int.Parse(o.GetValueOrDefault("bs", "4096"), CultureInfo.InvariantCulture);
        int blocks = int.Parse(o.GetValueOrDefault("blocks", "2048"), CultureInfo.InvariantCulture);
        return args[0] == "durability-writer"
            ? Write(file, ack, bs, blocks, int.Parse(o.GetValueOrDefault("batch", "16"), CultureInfo.InvariantCulture), int.Parse(o.GetValueOrDefault("seed", "1"), CultureInfo.InvariantCulture))
            : Check(file, ack, bs, blocks);
    }

    private static int Write(string path, string ackPath, int bs, int blocks, int batch, int seed)
    {
        using DirectFile file = DirectFile.Open(path, new DirectFileOptions { Create = true, InitialSize = (long)bs * blocks });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(batch * bs);
        using var ack = new FileStream(ackPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1);
        var random = new Random(seed);
        var pending = new Task<int>[batch];
        var chosen = new int[batch];
        var line = new System.Text.StringBuilder();
        for (long generation = 1; ; generation++)
        {
            for (int i = 0; i < batch; i++)
            {
                chosen[i] = random.Next(blocks);
                Memory<byte> block = buffer.Memory.Slice(i * bs, bs);
                Fill(block.Span, chosen[i], generation + (i * (1L << 40)));
            }
            for (int i = 0; i < batch; i++)
            {
                // Two writes of one batch may hit one block: each has a generation of its own, told apart by i.
                pending[i] = file.WriteAsync((long)chosen[i] * bs, buffer.Memory.Slice(i * bs, bs)).AsTask();
            }
            for (int i = 0; i < batch; i++)
            {
                if (pending[i].GetAwaiter().GetResult() != bs)
                {
                    throw new IOException("short write");
                }
            }
            file.FlushAsync().AsTask().GetAwaiter().GetResult();
            line.Clear();
            for (int i = 0; i < batch; i++)
            {
                line.Append(CultureInfo.InvariantCulture, $"{chosen[i]} {generation + (i * (1L << 40))}\n");
            }
            byte[] bytes = System.Text.Encoding.ASCII.GetBytes(line.ToString());
            ack.Write(bytes);
            ack.Flush();
        }
    }

    /// <summary>Prints "checked N lost L torn T"; exit 1 when anything was lost or torn.</summary>
    private static int Check(string path, string ackPath, int bs, int blocks)
    {
        var acked = new Dictionary<int, long>();
        string text = File.Exists(ackPath) ? File.ReadAllText(ackPath) : "";
        int complete = text.LastIndexOf('\n') + 1;
        foreach (string entry in text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = entry.Split(' ');
            int block = int.Parse(parts[0], CultureInfo.InvariantCulture);
            long generation = long.Parse(parts[1], CultureInfo.InvariantCulture);
            acked[block] = Math.Max(acked.GetValueOrDefault(block), Order(generation));
        }
        byte[] data = File.ReadAllBytes(path);
        int lost = 0, torn = 0;
        byte[] expected = new byte[bs];
        foreach ((int block, long ackedOrder) in acked)
        {
            ReadOnlySpan<byte> actual = data.AsSpan(block * bs, bs);
            long generation = BinaryPrimitives.ReadInt64LittleEndian(actual[8..]);
            Fill(expected, block, generation);
            if (actual.IndexOfAnyExcept((byte)0) < 0)
            {
                lost++;
                Console.Error.WriteLine($"lost: block {block} reads as zeroes (acknowledged generation order {ackedOrder})");
            }
            else if (!actual.SequenceEqual(expected))
            {
                torn++;
                Console.Error.WriteLine($"torn: block {block} (acknowledged generation order {ackedOrder})");
            }
            else if (Order(generation) < ackedOrder)
            {
                lost++;
                Console.Error.WriteLine($"lost: block {block} holds generation order {Order(generation)}, {ackedOrder} was acknowledged");
            }
        }
        Console.WriteLine($"checked {acked.Count} lost {lost} torn {torn} acked-lines {text[..complete].Count(c => c == '\n')}");
        return lost + torn == 0 ? 0 : 1;
    }

    /// <summary>Batches in order, and writes in order within a batch (the later of two to one block lands last).</summary>
    private static long Order(long generation) => ((generation & ((1L << 40) - 1)) << 20) | (generation >> 40);

    private static void Fill(Span<byte> block, int index, long generation)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(block, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(block[4..], index);
        BinaryPrimitives.WriteInt64LittleEndian(block[8..], generation);
        ulong x = (ulong)generation * 0x9E3779B97F4A7C15UL ^ (ulong)index;
        for (int i = 16; i < block.Length; i += 8)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            BinaryPrimitives.WriteUInt64LittleEndian(block[i..], x);
        }
    }
}
