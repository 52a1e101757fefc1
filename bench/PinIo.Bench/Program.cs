// PinIo.Bench: runs ONE measurement of an fio-like read job and prints one JSON line.
//   --engine=pinio-uring|pinio-sync|pinio-libaio|dotnet  --fixed  --rw=randread|read  --bs=4k  --iodepth=32
//   --engine=volume-raw|volume --rw=randread|randwrite|read: issue 9's Volume overhead from a .NET
//     caller's own loops (FORMATS the device; --file=ram:SIZE for PinIo's RAM disk); bench/volume-lib.sh.
//   --runtime=5  --ramp=1  --file=PATH  --size=1g  --dotnet-api=async|sync
// bench/run.sh runs it alternately with fio and prints medians and ratios.
//   durability-writer|durability-check --file=F --ack=A [--bs=4096 --blocks=2048 --batch=16 --seed=1]
//   are the halves of bench/sigkill-durability.sh.
//   volume-mount --files=N --extents=M [--rounds=R]: mount/replay time of a Volume (bench/volume-mount.sh).
//   ring-enter, pool-register: issue 12's ring features measured alone (RingFeatures.cs).
//   metrics-loop [--listen] [--requests=N]: issue 13's metrics, user CPU per inline RAM-disk request (bench/metrics-overhead.sh).
//   sync-read --file=F [--reads=20000 --rounds=5]: one synchronous 4 KiB O_DIRECT read, DirectFile.Read vs RandomAccess.Read (bench/sync-read.sh).
//   pagecache-hot [--mib=256 --seconds=3]: 4 KiB random buffered reads of a fully cached file, each timed (bench/pagecache.sh).
//   pagecache-stable [--mib=16 --chunk=1048576 --passes=64]: Direct reads into mapped page-cache memory during writeback (bench/pagecache.sh).
//   gup-pin [--threads=1 --rounds=12 --count=2000000]: ns per pin and unpin of pre-pinned caller memory (bench/gup-pin.sh).
//   stream --mode=read|write --api=pinio|filestream --file=F; pipe --api=reader|writer|filestream --file=F: issue 13's Stream and pipes (bench/stream.sh, bench/pipe.sh).
using PinIo.Bench;

if (args.Length > 0 && args[0] == "metrics-loop")
{
    return MetricsLoop.Run(args);
}

if (args.Length > 0 && args[0] == "sync-read")
{
    return SyncReadLatency.Run(args);
}

if (args.Length > 0 && args[0] is "stream" or "pipe")
{
    return args[0] == "stream" ? StreamBench.RunStream(args) : StreamBench.RunPipe(args);
}

if (args.Length > 0 && args[0] == "gup-pin")
{
    return GupPin.Run(args);
}

if (args.Length > 0 && args[0] == "pagecache-hot")
{
    return PageCacheHot.Run(args);
}

if (args.Length > 0 && args[0] == "ring-enter")
{
    return RingFeatures.RunEnter(args);
}

if (args.Length > 0 && args[0] == "pool-register")
{
    return RingFeatures.RunPoolRegister(args);
}

if (args.Length > 0 && args[0] == "pagecache-stable")
{
    return PageCacheStable.Run(args);
}

if (args.Length > 0 && args[0] == "volume-mount")
{
    return VolumeMount.Run(args);
}

if (args.Length > 0 && args[0] is "durability-writer" or "durability-check")
{
    return Durability.Run(args);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"PinIo.Bench: {e.Message}");
    return 2;
}

if (options.Fixed && options.Engine == BenchEngine.Dotnet)
{
    Console.Error.WriteLine("PinIo.Bench: --fixed needs a pinio engine (registered buffers come from DirectFile.AllocateBuffer)");
    return 2;
}

Result result = options.Engine switch
{
    BenchEngine.Dotnet => DotnetRunner.Run(options),
    BenchEngine.VolumeRaw => VolumeRunner.Run(options, volume: false),
    BenchEngine.Volume => VolumeRunner.Run(options, volume: true),
    _ => PinIoRunner.Run(options),
};
using Stream stdout = Console.OpenStandardOutput();
result.Write(stdout);
return 0;
