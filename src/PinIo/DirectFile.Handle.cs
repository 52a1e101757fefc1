// Follows fs/fcntl.c (setfl: O_DIRECT set on an open file, refused where the file cannot do Direct I/O).
using Microsoft.Win32.SafeHandles;
using PinIo.Devices;

namespace PinIo;

public sealed partial class DirectFile
{
    /// <summary>
    /// Direct I/O on a handle opened elsewhere (<see cref="File.OpenHandle"/>, a
    /// <see cref="FileStream.SafeFileHandle"/>, another library's descriptor), a regular file or a
    /// block device. The descriptor must have O_DIRECT (checked with fcntl F_GETFL): .NET's
    /// <see cref="FileOptions"/> cannot ask for it, so pass <see cref="DirectFileOptions.SetDirect"/>
    /// to set it with fcntl(F_SETFL) — which changes the open file description, shared with every
    /// duplicate of the handle (a FileStream on it then does Direct I/O too). A read-only handle
    /// makes a read-only file. If this throws, the handle stays the caller's, whatever
    /// <paramref name="ownsHandle"/> says.
    /// </summary>
    /// <param name="handle">The open handle; the file takes a reference on it, so it is not closed under a request.</param>
    /// <param name="options">As for a path (Create does not apply); null for the defaults.</param>
    /// <param name="ownsHandle">
    /// True: disposing the file closes the handle. False (the default, as RandomAccess never
    /// closes a handle): the caller closes it after disposing the file.
    /// </param>
    /// <returns>The open file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="DirectIoException">
    /// EINVAL when the handle lacks O_DIRECT and SetDirect is off ("open with O_DIRECT or pass
    /// setDirect: true"), when the file system refuses O_DIRECT, for Dsync on a handle without
    /// O_DSYNC, or for a descriptor that is neither a file nor a block device; EBADF for a closed handle.
    /// </exception>
    public static DirectFile Open(SafeFileHandle handle, DirectFileOptions? options = null, bool ownsHandle = false)
    {
        ArgumentNullException.ThrowIfNull(handle);
        options ??= new DirectFileOptions();
        FileDeviceOptions deviceOptions = options.ToDeviceOptions(readOnly: options.ReadOnly || FileDevice.IsReadOnlyHandle(handle));
        FileDevice device = FileDevice.Open(handle, deviceOptions, ownsHandle, options.SetDirect);
        return new DirectFile(device, options);
    }
}
