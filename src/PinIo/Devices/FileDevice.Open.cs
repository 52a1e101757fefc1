// Follows fs/fcntl.c (setfl: O_DIRECT on an open file, refused where the file cannot do Direct I/O).
using Microsoft.Win32.SafeHandles;
using PinIo.Block;
using PinIo.Linux;

namespace PinIo.Devices;

public sealed partial class FileDevice
{
    // A handle opened elsewhere: kept alive (a reference on it) while the device uses its
    // descriptor, closed at the end only when the device owns it.
    private SafeFileHandle? _externalHandle;
    private bool _ownsExternalHandle;

    /// <summary>
    /// A device over a descriptor opened elsewhere (<see cref="System.IO.File.OpenHandle"/>, a
    /// <see cref="System.IO.FileStream"/>'s <c>SafeFileHandle</c>, a handle from another library).
    /// The descriptor must have O_DIRECT (fcntl F_GETFL): without it this throws
    /// <see cref="DirectIoException"/> EINVAL, unless <paramref name="setDirect"/> asks to set it
    /// with fcntl(F_SETFL), which the kernel refuses (EINVAL: the message says so) where the file
    /// system cannot do Direct I/O. The options' <c>Create</c>, <c>Direct</c> and <c>Dsync</c> do not apply
    /// (the file is open): a handle opened read-only needs <c>ReadOnly = true</c> (EBADF otherwise),
    /// and one without O_DSYNC refuses <c>Dsync = true</c> (EINVAL: F_SETFL cannot add it).
    /// </summary>
    /// <param name="handle">An open regular file or block device; the device takes a reference on it for its life.</param>
    /// <param name="options">As for a path; null for the defaults.</param>
    /// <param name="ownsHandle">
    /// True: disposing the device closes the handle. False (the default): the caller keeps it and
    /// closes it after disposing the device; closing it earlier waits for the device (the device
    /// holds a reference, so the descriptor is never closed under a request in flight).
    /// </param>
    /// <param name="setDirect">Set O_DIRECT on a descriptor that lacks it instead of refusing it.</param>
    /// <exception cref="DirectIoException">
    /// EINVAL without O_DIRECT, for a descriptor that is neither a regular file nor a block
    /// device, or for Dsync without O_DSYNC; EBADF for a closed handle or a read-only one without
    /// ReadOnly; the kernel's errno when F_SETFL fails.
    /// </exception>
    public static FileDevice Open(SafeFileHandle handle, FileDeviceOptions? options = null, bool ownsHandle = false, bool setDirect = false)
    {
        ArgumentNullException.ThrowIfNull(handle);
        options ??= new FileDeviceOptions();
        options.Validate();
        if (handle.IsClosed || handle.IsInvalid)
        {
            ThrowHelper.ThrowDirectIo(Errno.EBADF, "the handle is closed: open the file again and pass the open handle");
        }
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int raw = (int)handle.DangerousGetHandle();
            string path = PathOf(raw);
            CheckHandleFlags(raw, path, options, setDirect);
            var fd = new FileDescriptor(raw, ownsHandle: false);
            FileDevice device = OpenDescriptor(path, fd, options);
            device._externalHandle = handle;
            device._ownsExternalHandle = ownsHandle;
            return device;
        }
        catch
        {
            handle.DangerousRelease();
            throw;
        }
    }

    /// <summary>Whether the handle is open for reading only (fcntl F_GETFL): the access a device over it must ask for.</summary>
    internal static bool IsReadOnlyHandle(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        int flags = handle.IsClosed || handle.IsInvalid ? -(int)Errno.EBADF : DescriptorFlags.Get((int)handle.DangerousGetHandle());
        return flags >= 0 && DescriptorFlags.IsReadOnly(flags);
    }

    private static void CheckHandleFlags(int fd, string path, FileDeviceOptions options, bool setDirect)
    {
        int flags = DescriptorFlags.Get(fd);
        Errors.Check(flags, "fcntl(F_GETFL)", path);
        if (DescriptorFlags.IsReadOnly(flags) && !options.ReadOnly)
        {
            ThrowHelper.ThrowDirectIo(Errno.EBADF, $"the handle of '{path}' was opened read-only: open the device with ReadOnly = true, or open the handle for writing");
        }
        if (options.Dsync && !DescriptorFlags.IsDsync(flags))
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"the handle of '{path}' was opened without O_DSYNC and fcntl cannot add it: open it with FileOptions.WriteThrough (O_DSYNC), or leave Dsync off and flush");
        }
        if (DescriptorFlags.IsDirect(flags))
        {
            return;
        }
        if (!setDirect)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"the handle of '{path}' was opened without O_DIRECT: open it with O_DIRECT, or pass setDirect: true (DirectFileOptions.SetDirect) to set it with fcntl");
        }
        int res = DescriptorFlags.TrySetDirect(fd, out bool direct);
        if (res < 0 || !direct)
        {
            ThrowHelper.ThrowDirectIo(res < 0 ? (Errno)(-res) : Errno.EINVAL,
                $"fcntl(F_SETFL, O_DIRECT) on '{path}' failed: the file system does not support Direct I/O (tmpfs before Linux 6.6, some FUSE mounts); put the file on one that does (ext4, xfs, btrfs) or use buffered I/O");
        }
    }

    /// <summary>The descriptor's path for messages (/proc/self/fd's link), or the link itself when it has none.</summary>
    private static string PathOf(int fd)
    {
        string link = $"/proc/self/fd/{fd}";
        try
        {
            return new FileInfo(link).LinkTarget ?? link;
        }
        catch (IOException)
        {
            return link;
        }
        catch (UnauthorizedAccessException)
        {
            return link;
        }
    }

    /// <summary>Drops the device's reference on a handle opened elsewhere, and closes it when the device owns it.</summary>
    private void ReleaseExternalHandle()
    {
        SafeFileHandle? handle = Interlocked.Exchange(ref _externalHandle, null);
        if (handle is null)
        {
            return;
        }
        handle.DangerousRelease();
        if (_ownsExternalHandle)
        {
            handle.Dispose();
        }
    }
}
