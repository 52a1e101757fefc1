// Follows fio's verify.c / options.c checks of verify_interval and verify_offset (fixup_options) in meaning.
using System.Security.Cryptography;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// The planning checks and notes of verify_interval, verify_offset, the verify= kinds this
/// machine cannot hash, and the verification, error and buffer options pinio accepts without
/// acting on them; each refusal names the option and what to change.
/// </summary>
internal static class VerifyChecks
{
    /// <summary>pinio's verify header (Verify/VerifyHeader.cs): 80 bytes, and a payload of at least one word.</summary>
    private const int HeaderBytes = 80;

    public static void Check(string name, JobOptions o, VerifyKind verify, PerDir<BlockSizeSpec> bs, List<string> notes)
    {
        RefuseUnhashable(name, verify);
        if (verify is VerifyKind.None or VerifyKind.Pattern)
        {
            if (verify == VerifyKind.Pattern && (o.IsSet(Opt.VerifyInterval) || o.IsSet(Opt.VerifyOffset)))
            {
                notes.Add("verify_interval/verify_offset: verify=pattern writes no header, so they change nothing");
            }
        }
        else
        {
            int piece = CheckInterval(name, o, bs);
            long at = o.Get(Opt.VerifyOffset);
            if (at != 0 && (at < HeaderBytes || at + HeaderBytes > piece))
            {
                throw new OptionException($"pinio: job '{name}': verify_offset={at} must be 0, or at least the header's {HeaderBytes} bytes with the header fitting before the end of each {piece}-byte {(o.IsSet(Opt.VerifyInterval) ? "verify_interval" : "block")}: pick {HeaderBytes} to {piece - HeaderBytes}");
            }
        }
        CheckBuffers(name, o, verify, notes);
        if (o.Get(Opt.VerifyAsync) > 0)
        {
            notes.Add($"verify_async={o.Get(Opt.VerifyAsync)}: pinio checks each read on the job thread as it completes; no verify threads are started");
        }
        if (o.IsSet(Opt.CreateSerialize))
        {
            notes.Add("create_serialize: accepted; each pinio job lays out its own file before the run starts, one job after another");
        }
        if (o.Get(Opt.VerifyStateLoad) && !o.Get(Opt.VerifyOnly))
        {
            throw new OptionException($"pinio: job '{name}': verify_state_load checks the writes an earlier run saved, which pinio does in a verify_only run: add verify_only");
        }
        if ((o.Get(Opt.VerifyStateSave) || o.Get(Opt.VerifyStateLoad)) && verify is VerifyKind.None or VerifyKind.Pattern)
        {
            throw new OptionException($"pinio: job '{name}': verify_state_save/verify_state_load keep the sequence numbers of headed writes: use a verify= checksum (crc32c, md5...), not {verify.FioName()}");
        }
    }

    /// <summary>fio's dedupe checks (init.c), and the buffer options a verifying job's headers override.</summary>
    private static void CheckBuffers(string name, JobOptions o, VerifyKind verify, List<string> notes)
    {
        int dedupe = o.Get(Opt.DedupePercentage);
        if (dedupe > 0 && o.Get(Opt.DedupeModeOption) == DedupeMode.WorkingSet && dedupe + o.Get(Opt.DedupeWorkingSetPercentage) > 100)
        {
            throw new OptionException($"pinio: job '{name}': dedupe_percentage={dedupe} plus dedupe_working_set_percentage={o.Get(Opt.DedupeWorkingSetPercentage)} exceeds 100 (fio refuses it too): lower one of them");
        }
        bool bufferOptions = dedupe > 0 || o.Get(Opt.BufferPattern) is not null || o.IsSet(Opt.ScrambleBuffers) || o.IsSet(Opt.BufferCompressChunk);
        if (verify != VerifyKind.None && bufferOptions && o.Rw.HasWrites())
        {
            notes.Add($"buffer_pattern/dedupe_percentage/scramble_buffers/buffer_compress_chunk: verify={verify.FioName()} writes its own data (verify_pattern is its pattern), so they change nothing");
        }
    }

    private static void RefuseUnhashable(string name, VerifyKind verify)
    {
        if (verify == VerifyKind.Sha3_224)
        {
            throw new OptionException($"pinio: job '{name}': verify=sha3-224: .NET's System.Security.Cryptography has no SHA3-224 (it has SHA3-256, -384 and -512): use sha3-256");
        }
        bool supported = verify switch
        {
            VerifyKind.Sha3_256 => SHA3_256.IsSupported,
            VerifyKind.Sha3_384 => SHA3_384.IsSupported,
            VerifyKind.Sha3_512 => SHA3_512.IsSupported,
            _ => true,
        };
        if (!supported)
        {
            throw new OptionException($"pinio: job '{name}': verify={verify.FioName()}: this machine's OpenSSL has no SHA-3 (needs 1.1.1 or later): use sha256 or sha512");
        }
    }

    /// <summary>The bytes each header covers: verify_interval, which must divide every write size, or the smallest write.</summary>
    private static int CheckInterval(string name, JobOptions o, PerDir<BlockSizeSpec> bs)
    {
        if (o.Get(Opt.VerifyInterval) is not long interval)
        {
            return bs.Write.Min;
        }
        if (interval < HeaderBytes + 8 || interval % 8 != 0)
        {
            throw new OptionException($"pinio: job '{name}': verify_interval={interval} must hold pinio's {HeaderBytes}-byte header and a payload: a multiple of 8 of at least {HeaderBytes + 8}");
        }
        IEnumerable<int> sizes = bs.Write.Sizes().Concat(o.Rw.HasReads() ? bs.Read.Sizes() : []);
        if (sizes.FirstOrDefault(size => size % interval != 0) is int odd and > 0)
        {
            throw new OptionException($"pinio: job '{name}': verify_interval={interval} must divide every block size, and {odd} is not a multiple of it: pick a divisor of bs");
        }
        return (int)interval;
    }
}
