// Follows fio's io_u.c (get_next_file, __get_next_file, get_next_file_rand) and filesetup.c (a file done when its region is) in meaning.
using System.Runtime.CompilerServices;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// The offset of a job's next I/O over all its files: each file has its own
/// <see cref="OffsetGenerator"/> (its region, its cursor, its random map), and
/// file_service_type picks the file — roundrobin and random after every N I/Os, sequential
/// when a file's region is done, zipf/pareto/normal by their skew over the files. A file
/// whose region is done in this pass is not picked again until every file's is (fio's
/// done files); that is one pass over the set. The offset comes back in the set's offset
/// space (<see cref="FileSetTarget.Split"/>). One file is the plain generator. Nothing
/// here allocates per I/O.
/// </summary>
internal sealed class FileService
{
    private readonly OffsetGenerator[] _files;
    private readonly long[] _passAt;
    private readonly bool[] _done;
    private readonly FileServiceKind _kind;
    private readonly int _switchEvery;
    private readonly SkewedIndex? _skew;
    private Taus88 _rng;
    private int _current = -1;
    private int _left;
    private int _doneCount;
    private long _setPasses;

    /// <summary>
    /// The files of <paramref name="plan"/>; I/Os at least <paramref name="minLength"/> bytes. A
    /// job with one target has one region of <paramref name="singleRegion"/> bytes (its size, or
    /// the one zone a strided job's generator covers).
    /// </summary>
    public FileService(JobPlan plan, int minLength, long? singleRegion = null)
    {
        long[] regions = plan.Target is FileSetTarget set ? [.. set.Regions.Select(r => r / plan.Grain * plan.Grain)] : [singleRegion ?? plan.Size];
        _files = new OffsetGenerator[regions.Length];
        bool lfsr = plan.Get(Opt.RandomGenerator) == RandomGenerator.Lfsr;
        for (int i = 0; i < regions.Length; i++)
        {
            // The first file keeps the single target's seed, so that one file runs as before.
            ulong seed = Taus88.DeriveSeed(plan.Seed, plan.Number, i == 0 ? 1 : 16 + i);
            _files[i] = new OffsetGenerator(regions[i], plan.Grain, minLength, plan.Rw.IsRandom(), plan.RandomMap, plan.Distribution, plan.Options.RwModifier, seed, lfsr);
        }
        _passAt = new long[regions.Length];
        _done = new bool[regions.Length];
        FileServiceSpec service = plan.Get(Opt.FileServiceType);
        _kind = service.Kind;
        _switchEvery = service.SwitchEvery;
        _rng = new Taus88(Taus88.DeriveSeed(plan.Seed, plan.Number, 5));
        if (regions.Length > 1 && service.Kind is FileServiceKind.Zipf or FileServiceKind.Pareto or FileServiceKind.Normal && service.Skew.Parameter > 0)
        {
            _skew = new SkewedIndex(service.Skew, regions.Length, Taus88.DeriveSeed(plan.Seed, plan.Number, 6));
        }
    }

    /// <summary>The first file's generator (the only one of a job with one target).</summary>
    public OffsetGenerator First => _files[0];

    /// <summary>Passes completed over every file's region.</summary>
    public long Passes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _files.Length == 1 ? _files[0].Passes : _setPasses;
    }

    /// <summary>The next I/O's offset in the job's offset space; as <see cref="OffsetGenerator.Next(ref int, int)"/>, <paramref name="length"/> may come back shorter.</summary>
    public long Next(ref int length, int unit)
    {
        if (_files.Length == 1)
        {
            return _files[0].Next(ref length, unit);
        }
        int file = Pick();
        OffsetGenerator generator = _files[file];
        long offset = generator.Next(ref length, unit);
        if (generator.Passes > _passAt[file])
        {
            FileDone(file);
        }
        return ((long)file << FileSetTarget.FileShift) + offset;
    }

    /// <summary>The file of the next I/O: the current one while its N I/Os last (sequential: while its region lasts), else the next the service type picks that is not done.</summary>
    private int Pick()
    {
        if (_current >= 0 && !_done[_current] && (_kind == FileServiceKind.Sequential || _left > 0))
        {
            _left--;
            return _current;
        }
        int picked = _kind switch
        {
            FileServiceKind.RoundRobin or FileServiceKind.Sequential => (_current + 1) % _files.Length,
            FileServiceKind.Random => (int)_rng.NextBelow((ulong)_files.Length),
            _ => _skew is null ? _files.Length / 2 : (int)_skew.Next(),
        };
        while (_done[picked])
        {
            picked = (picked + 1) % _files.Length;
        }
        _current = picked;
        _left = _switchEvery - 1;
        return picked;
    }

    /// <summary>A file's region is done for this pass; when every file's is, the pass is over and all are picked again.</summary>
    private void FileDone(int file)
    {
        _done[file] = true;
        if (++_doneCount < _files.Length)
        {
            return;
        }
        _setPasses++;
        _doneCount = 0;
        for (int i = 0; i < _files.Length; i++)
        {
            _done[i] = false;
            _passAt[i] = _files[i].Passes;
        }
    }
}
