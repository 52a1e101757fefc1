using System.Text.Json;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's file-system engines: filecreate, filestat, filedelete, dircreate, dirstat, dirdelete (one operation per file, counted as an I/O of a block) and falloc (an I/O is a fallocate).</summary>
public sealed class FileEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Filecreate_CreatesEachFile_EmptyAndCountsOneReadOfABlockPerFile()
    {
        JsonElement job = Run("--ioengine=filecreate", "--nrfiles=10", "--filesize=4k", "--create_on_open=1", "--openfiles=1", "--fallocate=none");

        Assert.Equal((40960L, 10L), Read(job));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(0, new FileInfo(_dir.File($"e.0.{i}")).Length));
    }

    [Fact]
    public void Filestat_StatsFilesItLaysOut_AndLeavesThem()
    {
        JsonElement job = Run("--ioengine=filestat", "--nrfiles=5", "--filesize=4k", "--stat_type=lstat");

        Assert.Equal((20480L, 5L), Read(job));
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(4096, new FileInfo(_dir.File($"e.0.{i}")).Length));
    }

    [Fact]
    public void Filedelete_DeletesEachFile()
    {
        for (int i = 0; i < 6; i++)
        {
            File.WriteAllBytes(_dir.File($"e.0.{i}"), new byte[4096]);
        }

        JsonElement job = Run("--ioengine=filedelete", "--nrfiles=6", "--filesize=4k");

        Assert.Equal((24576L, 6L), Read(job));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void Dircreate_Dirstat_Dirdelete_MakeStatAndRemoveTheDirectories()
    {
        Assert.Equal((4 * 4096L, 4L), Read(Run("--ioengine=dircreate", "--nrfiles=4", "--filesize=4k")));
        Assert.Equal(4, Directory.GetDirectories(_dir.Path).Length);

        Assert.Equal((4 * 4096L, 4L), Read(Run("--ioengine=dirstat", "--nrfiles=4", "--filesize=4k")));
        Assert.Equal(4, Directory.GetDirectories(_dir.Path).Length);

        Assert.Equal((4 * 4096L, 4L), Read(Run("--ioengine=dirdelete", "--nrfiles=4", "--filesize=4k")));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void Dircreate_OfADirectoryThatExists_FailsTheJobWithEexist()
    {
        Directory.CreateDirectory(_dir.File("e.0.1"));
        var stdout = new StringWriter();

        PinIo.Cli.Program.Run(["--name=e", $"--directory={_dir.Path}", "--ioengine=dircreate", "--nrfiles=3", "--filesize=4k"], stdout, new StringWriter());

        Assert.Contains("err=17", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("mkdir", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Falloc_InADirectoryThatIsNotThere_EndsTheRunWithANamedError()
    {
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--name=e", $"--directory={_dir.File("missing")}", "--ioengine=falloc", "--rw=write", "--size=64k"], new StringWriter(), stderr);

        Assert.NotEqual(0, status);
        Assert.Contains("cannot create or open", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("missing", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Falloc_WritesAllocateBlocks_WithoutData_AndTrimsPunchThemOut()
    {
        string file = _dir.File("frag");
        JsonElement write = Run($"--filename={file}", "--ioengine=falloc", "--rw=write", "--size=1m", "--fallocate=truncate");

        Assert.Equal(1L << 20, write.GetProperty("write").GetProperty("io_bytes").GetInt64());
        Assert.True(MultiFileJobTests.AllocatedBytes(file) >= 1L << 20, "falloc's writes allocate the range");
        Assert.All(File.ReadAllBytes(file), b => Assert.Equal(0, b));

        JsonElement trim = Run($"--filename={file}", "--ioengine=falloc", "--rw=trim", "--size=1m");

        Assert.Equal(1L << 20, trim.GetProperty("trim").GetProperty("io_bytes").GetInt64());
        Assert.True(MultiFileJobTests.AllocatedBytes(file) < 1L << 16, "falloc's trims punch the range out");
        Assert.Equal(1L << 20, new FileInfo(file).Length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    private static (long Bytes, long Ios) Read(JsonElement job) =>
        (job.GetProperty("read").GetProperty("io_bytes").GetInt64(), job.GetProperty("read").GetProperty("total_ios").GetInt64());

    private JsonElement Run(params string[] options) => MultiFileJobTests.RunJson(["--name=e", $"--directory={_dir.Path}", .. options]);
}
